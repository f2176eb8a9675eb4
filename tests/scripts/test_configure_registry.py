"""configure_registry.sh: writes the containerd registry files idempotently, secrets from stdin only."""

from __future__ import annotations

import base64

import pytest

from components.k0s.containerd import (
    DROPIN_FILE,
    HOSTS_DIR,
    encode_registry_files,
    registry_auth_token,
    render_registry_files,
)

MIRROR = "mirror.example:5000/mke"
CA_1 = "-----BEGIN CERTIFICATE-----\nMIIBfirst\n-----END CERTIFICATE-----\n"
CA_2 = "-----BEGIN CERTIFICATE-----\nMIIBsecond\n-----END CERTIFICATE-----\n"
TOKEN_1 = registry_auth_token("pull", "password-one")
TOKEN_2 = registry_auth_token("pull", "password-two")
MIRRORED = ["quay.io", "registry.k8s.io"]


def files_input(ca: str | None = CA_1, mirrored: list[str] = MIRRORED, credentials: bool = True) -> str:
    return encode_registry_files(
        render_registry_files(
            image_registry=MIRROR, mirrored_registries=mirrored, ca_pem=ca, with_credentials=credentials
        )
    )


def apply(host, token: str | None = TOKEN_1, **inputs):
    inputs.setdefault("REGISTRY_FILES", files_input())
    inputs.setdefault("HAS_CREDENTIALS", "true" if token else "false")
    return host.run("configure_registry.sh", stdin=token, **inputs)


def managed(host) -> dict[str, str]:
    """Every regular file under /etc/k0s/containerd.d with its mode."""
    listing = host.shell("find /etc/k0s/containerd.d -type f -printf '%p %m\\n' | sort").stdout
    return dict(line.rsplit(" ", 1) for line in listing.splitlines())


def test_writes_every_file_0600_with_the_credentials_then_changes_nothing(host):
    result = apply(host)
    assert result.returncode == 0, result
    assert result.values == {"changed": "true", "dropin_changed": "true", "files": "5"}
    files = managed(host)
    assert set(files) == {
        DROPIN_FILE,
        f"{HOSTS_DIR}/mirror.example:5000/hosts.toml",
        f"{HOSTS_DIR}/mirror.example:5000/ca.crt",
        f"{HOSTS_DIR}/quay.io/hosts.toml",
        f"{HOSTS_DIR}/registry.k8s.io/hosts.toml",
    }
    assert set(files.values()) == {"600"}
    header = f'Authorization = "Basic {TOKEN_1.strip()}"'
    for namespace in ("mirror.example:5000", "quay.io", "registry.k8s.io"):
        assert header in host.read(f"{HOSTS_DIR}/{namespace}/hosts.toml")
    assert "@MKE4K" not in host.read(f"{HOSTS_DIR}/quay.io/hosts.toml")
    assert "password" not in host.read(DROPIN_FILE) and "Basic" not in host.read(DROPIN_FILE)
    assert host.read(f"{HOSTS_DIR}/mirror.example:5000/ca.crt") == CA_1
    assert not host.listdir("/var/lib/mke4k/tmp"), "the token file is removed"
    assert "password-one" not in result.stdout + result.stderr and TOKEN_1.strip() not in result.stdout + result.stderr

    stamps = host.shell(
        "stat -c '%n %Y.%y' /etc/k0s/containerd.d/mke4k-registry.toml /etc/k0s/containerd.d/certs.d/*/*"
    ).stdout
    again = apply(host)
    assert again.returncode == 0, again
    assert again.values["changed"] == "false" and "nothing to do" in again.stderr
    assert (
        host.shell(
            "stat -c '%n %Y.%y' /etc/k0s/containerd.d/mke4k-registry.toml /etc/k0s/containerd.d/certs.d/*/*"
        ).stdout
        == stamps
    )


def test_a_ca_rotation_rewrites_only_the_ca(host):
    assert apply(host).returncode == 0
    before = {path: host.read(path) for path in managed(host)}
    result = apply(host, REGISTRY_FILES=files_input(ca=CA_2))
    assert result.returncode == 0, result
    assert result.values["changed"] == "true" and result.values["dropin_changed"] == "false"
    after = {path: host.read(path) for path in managed(host)}
    assert [p for p in after if after[p] != before[p]] == [f"{HOSTS_DIR}/mirror.example:5000/ca.crt"]
    assert after[f"{HOSTS_DIR}/mirror.example:5000/ca.crt"] == CA_2


def test_a_credential_rotation_leaves_the_dropin_alone(host):
    assert apply(host).returncode == 0
    result = apply(host, token=TOKEN_2)
    assert result.returncode == 0, result
    assert result.values == {"changed": "true", "dropin_changed": "false", "files": "5"}
    assert f"Basic {TOKEN_2.strip()}" in host.read(f"{HOSTS_DIR}/quay.io/hosts.toml")
    assert TOKEN_1.strip() not in host.shell("cat /etc/k0s/containerd.d/certs.d/*/hosts.toml").stdout


def test_dropping_credentials_a_ca_and_a_registry_removes_their_files(host):
    assert apply(host).returncode == 0
    result = apply(host, token=None, REGISTRY_FILES=files_input(ca=None, mirrored=["quay.io"], credentials=False))
    assert result.returncode == 0, result
    assert set(managed(host)) == {
        DROPIN_FILE,
        f"{HOSTS_DIR}/mirror.example:5000/hosts.toml",
        f"{HOSTS_DIR}/quay.io/hosts.toml",
    }
    assert not host.exists(f"{HOSTS_DIR}/registry.k8s.io")
    assert "Authorization" not in host.shell("cat /etc/k0s/containerd.d/certs.d/*/hosts.toml").stdout


def test_remove_takes_away_only_what_it_wrote(host):
    assert apply(host).returncode == 0
    host.put("/etc/k0s/containerd.d/someone-elses.toml", b"version = 2\n")
    result = host.run("configure_registry.sh", ACTION="remove")
    assert result.returncode == 0, result
    assert result.values == {"changed": "true", "dropin_changed": "true"}
    assert list(managed(host)) == ["/etc/k0s/containerd.d/someone-elses.toml"]
    again = host.run("configure_registry.sh", ACTION="remove")
    assert again.values["changed"] == "false" and "nothing to do" in again.stderr


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("/etc/passwd 600 eA==", "refusing to write '/etc/passwd'"),
        ("/etc/k0s/containerd.d/../../passwd 600 eA==", "refusing to write"),
        ("/etc/k0s/containerd.d/x.toml 999 eA==", "is not an octal file mode"),
        ("/etc/k0s/containerd.d/x.toml 600 !!!", "is not valid base64"),
    ],
)
def test_bad_entries_change_nothing(host, line, message):
    result = apply(host, REGISTRY_FILES=files_input() + line + "\n")
    assert result.returncode != 0
    assert message in result.stderr and "files left untouched" in result.stderr
    assert managed(host) == {}


def test_credentials_are_required_on_stdin_when_announced(host):
    result = apply(host, token="", HAS_CREDENTIALS="true")
    assert result.returncode != 0
    assert "no registry credentials token on stdin" in result.stderr
    assert managed(host) == {}
    rejected = apply(host, token="not base64 at all!\n")
    assert "is not base64" in rejected.stderr and managed(host) == {}


def test_a_placeholder_without_credentials_is_refused(host):
    result = apply(host, token=None, HAS_CREDENTIALS="false")
    assert result.returncode != 0
    assert "expects registry credentials but HAS_CREDENTIALS is false" in result.stderr
    assert managed(host) == {}


def test_the_token_is_base64_of_user_and_password():
    assert base64.b64decode(registry_auth_token("u", "p:w")).decode() == "u:p:w"
