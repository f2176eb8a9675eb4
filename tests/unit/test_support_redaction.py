"""What `make support-bundle` removes before writing: realistic k0s, containerd and kubeconfig text."""

from __future__ import annotations

import sys
from pathlib import Path

from hypothesis import assume, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tools"))

from support_redaction import REDACTED, is_secret_key, redact, withheld

PRIVATE_KEY = (
    "-----BEGIN OPENSSH PRIVATE KEY-----\n"
    "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\n"
    "QyNTUxOQAAACBx2mN0Hq7vJ6kqFakeKeyMaterialForTestsOnly0000000000000000AA\n"
    "-----END OPENSSH PRIVATE KEY-----\n"
)
JOIN_TOKEN = "H4sIAAAAAAAC/2yQz2rDMAzG73kKn3eKE4fCTsl2GIxBd9hYRjGxEiXN8Bb2D5k0YgZBLpJ8/SZ+kN3U9mV5UYd"
BOOTSTRAP = "k0s7qa.0d2b5fc9a1e84c37"
K0S_YAML = f"""\
apiVersion: k0s.k0sproject.io/v1beta1
kind: ClusterConfig
metadata:
  name: k0s
spec:
  api:
    address: 10.0.0.11
    externalAddress: api.prod.example.com
    sans:
    - 10.0.0.11
    - api.prod.example.com
    extraArgs:
      anonymous-auth: "false"
      oidc-client-secret: oidc-Sup3rS3cret
  storage:
    type: etcd
    etcd:
      peerAddress: 10.0.0.11
      extraArgs:
        quota-backend-bytes: "4294967296"
  network:
    provider: custom
    podCIDR: 192.168.0.0/16
    serviceCIDR: 10.96.0.0/16
  images:
    repository: mirror.example.com:5000/k0s
    coredns:
      image: quay.io/k0sproject/coredns
      version: 1.12.2
  extensions:
    helm:
      repositories:
      - name: mirror
        url: https://mirror.example.com/charts
        username: ci-robot
        password: "Hunter2-chart-pass"
  featureGates: []
  telemetry:
    enabled: false
# joined with {JOIN_TOKEN}
"""
HOSTS_TOML = """\
server = "https://registry-1.docker.io"

[host."https://mirror.example.com:5000"]
  capabilities = ["pull", "resolve"]
  ca = "/etc/k0s/containerd.d/certs.d/mirror.example.com:5000/ca.crt"
  override_path = true
  [host."https://mirror.example.com:5000".header]
    Authorization = "Basic Y2ktcm9ib3Q6UmVnaXN0cnlQYXNzMQ=="
"""
CRI_AUTH = """\
[plugins."io.containerd.grpc.v1.cri".registry.configs."mirror.example.com:5000".auth]
  username = "ci-robot"
  password = "RegistryPass1"
  auth = "Y2ktcm9ib3Q6UmVnaXN0cnlQYXNzMQ=="
  identitytoken = "idtok-0123456789"
"""
PULL_SECRET = """\
apiVersion: v1
kind: Secret
type: kubernetes.io/dockerconfigjson
metadata:
  name: mirror-pull
data:
  .dockerconfigjson: eyJhdXRocyI6eyJtaXJyb3IiOnsiYXV0aCI6IlkyazZjQT09In19fQ==
stringData:
  username: ci-robot
  password: StringDataPass9
"""
KUBECONFIG = f"""\
apiVersion: v1
clusters:
- cluster:
    certificate-authority-data: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1JSUM=
    server: https://10.0.0.11:6443
  name: k0s
users:
- name: admin
  user:
    client-certificate-data: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1JSUQ=
    client-key-data: LS0tLS1CRUdJTiBSU0EgUFJJVkFURSBLRVktLS0tLQpNSUlFcEFJQkFBS0NBUUVB
- name: kubelet-bootstrap
  user:
    token: {BOOTSTRAP}
"""
JOURNAL = f"""\
Nov 10 09:00:01 c1 k0s[812]: time="2025-11-10" level=info msg="using token {BOOTSTRAP}" component=kubelet
Nov 10 09:00:02 c1 k0s[812]: level=info msg="sa token eyJhbGciOiJSUzI1NiIsImtpZCI6IjEifQ.eyJpc3MiOiJrdWJlcm5ldGVzIn0.c2lnbmF0dXJlLXZhbHVl"
Nov 10 09:00:03 c1 k0s[812]: level=error msg="pull failed" url="https://ci-robot:RegistryPass1@mirror.example.com:5000/v2/"
Nov 10 09:00:04 c1 k0s[812]: level=debug request="Authorization: Bearer abcdefghijklmnopqrstuvwxyz0123"
Nov 10 09:00:05 c1 sudo[900]: k0s install worker password=plainpass1 --token-file /etc/k0s/k0stoken
"""
SECRETS = [
    "oidc-Sup3rS3cret",
    "Hunter2-chart-pass",
    JOIN_TOKEN,
    "Y2ktcm9ib3Q6UmVnaXN0cnlQYXNzMQ==",
    "RegistryPass1",
    "idtok-0123456789",
    "eyJhdXRocyI6eyJtaXJyb3IiOnsiYXV0aCI6IlkyazZjQT09In19fQ==",
    "StringDataPass9",
    "LS0tLS1CRUdJTiBSU0EgUFJJVkFURSBLRVktLS0tLQpNSUlFcEFJQkFBS0NBUUVB",
    BOOTSTRAP,
    "eyJhbGciOiJSUzI1NiIsImtpZCI6IjEifQ",
    "abcdefghijklmnopqrstuvwxyz0123",
    "plainpass1",
]


def test_no_secret_of_realistic_k0s_containerd_kubeconfig_and_journal_text_survives():
    text = "\n".join([K0S_YAML, HOSTS_TOML, CRI_AUTH, PULL_SECRET, KUBECONFIG, JOURNAL])
    cleaned = redact(text).text
    for secret in SECRETS:
        assert secret not in cleaned, secret
    assert cleaned.count(REDACTED) >= len(SECRETS)


def test_what_support_needs_stays():
    cleaned = redact("\n".join([K0S_YAML, HOSTS_TOML, KUBECONFIG, JOURNAL])).text
    for kept in (
        "address: 10.0.0.11",
        "externalAddress: api.prod.example.com",
        "- api.prod.example.com",
        'anonymous-auth: "false"',
        'quota-backend-bytes: "4294967296"',
        "podCIDR: 192.168.0.0/16",
        "repository: mirror.example.com:5000/k0s",
        "image: quay.io/k0sproject/coredns",
        "username: ci-robot",
        "override_path = true",
        "server: https://10.0.0.11:6443",
        "certificate-authority-data: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1JSUM=",
        "--token-file /etc/k0s/k0stoken",
        'level=error msg="pull failed"',
        "https://ci-robot:<redacted>@mirror.example.com:5000/v2/",
        "Authorization = <redacted>",
    ):
        assert kept in cleaned, kept


def test_a_private_key_block_goes_whole_even_without_its_end_line():
    cleaned = redact(f"before\n{PRIVATE_KEY}after\n{PRIVATE_KEY[:90]}").text
    assert "PRIVATE KEY" not in cleaned.replace("<redacted private key>", "")
    assert "b3BlbnNzaC1rZXktdjE" not in cleaned
    assert cleaned.startswith("before\n<redacted private key>\nafter\n")


def test_lines_of_a_known_secret_are_removed_wherever_they_appear():
    pieces = PRIVATE_KEY.splitlines()[1:3]
    text = f"echo {pieces[0]} | base64 -d\nsomething {pieces[1]}\n"
    cleaned = redact(text, [PRIVATE_KEY]).text
    assert not any(piece in cleaned for piece in pieces)


def test_a_block_scalar_or_nested_mapping_under_a_secret_key_is_removed_line_by_line():
    text = "tls:\n  key: |\n    line-one-secret\n    line-two-secret\n  cert: public\ndata:\n  user: a\n  pass: b\nnext: 1\n"
    cleaned = redact(text).text
    assert "line-one-secret" not in cleaned and "line-two-secret" not in cleaned
    assert "cert: public" in cleaned and "next: 1" in cleaned
    assert "  user: <redacted>" in cleaned and "  pass: <redacted>" in cleaned


def test_key_names():
    for secret in (
        "password",
        "clientKeyData",
        "client-key-data",
        "identitytoken",
        "Authorization",
        "data",
        "auth",
        ".dockerconfigjson",
        "oidc-client-secret",
        "privateKey",
        "bootstrap_token",
        "apiKey",
    ):
        assert is_secret_key(secret), secret
    for plain in (
        "address",
        "token-file",
        "authorization-mode",
        "tokenExpiry",
        "username",
        "peerAddress",
        "certificate-authority-data",
        "keyName",
        "dataDir",
        "secretsEncryptionType",
    ):
        assert not is_secret_key(plain), plain
    assert withheld("k0stoken") and withheld("pki/sa.key") and withheld("registry-credentials")
    assert not withheld("k0s.yaml") and not withheld("containerd.d/certs.d/mirror/hosts.toml")


_VALUE = st.text(
    alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+/=_-.!@", min_size=8, max_size=40
).filter(lambda v: v.strip("-.=_") and v.lower() not in ("true", "false"))


@hypothesis_settings(max_examples=200, deadline=None, derandomize=True)
@given(
    key=st.sampled_from(
        [
            "password",
            "token",
            "secret",
            "auth",
            "client-key-data",
            "identitytoken",
            "apiKey",
            "Authorization",
            "privateKey",
            "registryPassword",
        ]
    ),
    value=_VALUE,
    indent=st.integers(min_value=0, max_value=8),
    style=st.sampled_from(["yaml", "yaml-quoted", "toml", "json", "env", "list"]),
)
def test_any_value_of_a_secret_key_is_removed_in_any_common_syntax(key, value, indent, style):
    assume(value not in f"before: 1 after: 2 {key}")  # only the value can be found, not the key itself
    pad = " " * indent
    line = {
        "yaml": f"{pad}{key}: {value}",
        "yaml-quoted": f"{pad}{key}: '{value}'",
        "toml": f'{pad}{key} = "{value}"',
        "json": f'{pad}"{key}": "{value}",',
        "env": f"{pad}{key}={value}",
        "list": f"{pad}- {key}: {value}",
    }[style]
    cleaned = redact(f"before: 1\n{line}\nafter: 2\n").text
    assert value not in cleaned
    assert "before: 1" in cleaned and "after: 2" in cleaned


@hypothesis_settings(max_examples=100, deadline=None, derandomize=True)
@given(
    token_id=st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789", min_size=6, max_size=6),
    token_secret=st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789", min_size=16, max_size=16),
    prefix=st.sampled_from(["", "token ", "--token=", '"', 'msg="join with ']),
)
def test_bootstrap_tokens_are_removed_wherever_they_stand(token_id, token_secret, prefix):
    token = f"{token_id}.{token_secret}"
    assert token not in redact(f"Nov 10 c1 k0s[1]: {prefix}{token} done\n").text
