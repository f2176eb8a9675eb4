"""SSH key settings (issue 10, item 5): the right half of the key pair in each setting.

Formats from their specifications, not from the code: an OpenSSH public key is one line
``<type> <base64 blob> [comment]`` whose blob starts with the type (RFC 4253 6.6); EC2
ImportKeyPair takes RSA and ED25519 keys only (EC2 API reference); the SSH client reads
unencrypted OpenSSH (``openssh-key-v1``) and PEM private keys.
"""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import pytest

from components.settings import SettingsError
from tests.support.settings_cases import (
    PRIVATE_KEY,
    PUBLIC_KEY,
    at,
    aws_baseline,
    issues_of,
    load,
    single_issue,
    single_warning,
    static_baseline,
    warnings_of,
)
from tests.support.ssh_keys import openssh_private_key, public_key_line, real_key_pair

PEM_BODY = base64.b64encode(b"\x30\x82" + bytes(64)).decode()
PEM_KEYS = {
    "RSA": f"-----BEGIN RSA PRIVATE KEY-----\n{PEM_BODY}\n-----END RSA PRIVATE KEY-----\n",
    "EC": f"-----BEGIN EC PRIVATE KEY-----\n{PEM_BODY}\n-----END EC PRIVATE KEY-----\n",
    "PKCS8": f"-----BEGIN PRIVATE KEY-----\n{PEM_BODY}\n-----END PRIVATE KEY-----\n",
}


def aws_with_keys(public: str | None, private: str | None) -> dict[str, Any]:
    raw = aws_baseline()
    if public is not None:
        raw["hosts"]["aws"]["publicKey"] = public
    if private is not None:
        raw["ssh"] = {"privateKey": private}
    return raw


# ---------------------------------------------------------------- which keys must be set


def test_public_key_without_private_key_names_the_private_key() -> None:
    single_issue(aws_with_keys(PUBLIC_KEY, None), "ssh.privateKey", "matching private key")


def test_private_key_without_public_key_names_public_key() -> None:
    single_issue(aws_with_keys(None, PRIVATE_KEY), "hosts.aws.publicKey", "no public key")


def test_generated_key_needs_nothing() -> None:
    assert load(aws_baseline()).hosts.aws.public_key is None


def test_static_hosts_need_a_private_key() -> None:
    raw = static_baseline()
    del raw["ssh"]["privateKey"]
    single_issue(raw, "ssh.privateKey", "static hosts need")


# ---------------------------------------------------------------- the public-key setting


def test_private_key_in_the_public_key_setting_is_refused_without_echoing_it() -> None:
    """The worst case: it would go to AWS and into plain state. Refused, and not repeated in the message."""
    secret_line = PRIVATE_KEY.splitlines()[1]
    message = single_issue(aws_with_keys(PRIVATE_KEY, PRIVATE_KEY), "hosts.aws.publicKey", "private key", "not used")
    assert secret_line not in message and "BEGIN" not in message


@pytest.mark.parametrize("kind", list(PEM_KEYS))
def test_pem_private_key_in_the_public_key_setting_is_refused_too(kind: str) -> None:
    message = single_issue(aws_with_keys(PEM_KEYS[kind], PRIVATE_KEY), "hosts.aws.publicKey", "private key")
    assert PEM_BODY not in message


@pytest.mark.parametrize(
    ("public", "phrase"),
    [
        ("ssh-ed25519 AAAA x", "not valid base64 key data"),
        ("AAAAC3NzaC1lZDI1NTE5AAAAIA", "not an OpenSSH public key"),
        (PUBLIC_KEY + "\n" + PUBLIC_KEY, "one line"),
        ("ssh-rsa " + PUBLIC_KEY.split()[1], "'ssh-ed25519' key, not ssh-rsa"),
    ],
)
def test_malformed_public_key(public: str, phrase: str) -> None:
    single_issue(aws_with_keys(public, PRIVATE_KEY), "hosts.aws.publicKey", phrase)


def test_ecdsa_public_key_is_refused_because_ec2_imports_only_rsa_and_ed25519() -> None:
    public = public_key_line("ecdsa", kind="ecdsa-sha2-nistp256")
    single_issue(aws_with_keys(public, PRIVATE_KEY), "hosts.aws.publicKey", "RSA and ED25519")


def test_public_key_that_is_not_the_half_of_the_private_key_is_a_warning() -> None:
    """New nodes would refuse the runner's logins; a warning only (the running nodes' keys come from the private key)."""
    raw = aws_with_keys(public_key_line("someone-else"), openssh_private_key("mine"))
    single_warning(raw, "hosts.aws.publicKey", "not the public half", "ssh-keygen -y", "to rotate, change both")


def test_matching_pair_is_accepted_quietly() -> None:
    raw = aws_with_keys(public_key_line("mine"), openssh_private_key("mine"))
    assert load(raw).hosts.aws.public_key == public_key_line("mine")
    assert warnings_of(raw) == []


def test_a_real_ssh_keygen_pair_is_accepted_and_a_swapped_one_refused(tmp_path: Path) -> None:
    private, public = real_key_pair(tmp_path, "a")
    _, other_public = real_key_pair(tmp_path, "b")
    assert load(aws_with_keys(public, private)).hosts.aws.public_key == public
    assert warnings_of(aws_with_keys(public, private)) == []
    single_warning(aws_with_keys(other_public, private), "hosts.aws.publicKey", "not the public half")


# ---------------------------------------------------------------- the private-key settings


@pytest.mark.parametrize(
    ("text", "phrase"),
    [
        (PUBLIC_KEY, "public key"),
        ("PuTTY-User-Key-File-3: ssh-ed25519\nEncryption: none\n", "PuTTY"),
        ("-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjE=\n", "cut off"),
        (
            "-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,00\n\nAAAA\n"
            "-----END RSA PRIVATE KEY-----\n",
            "passphrase",
        ),
        ("-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n", "passphrase"),
        (openssh_private_key("locked", cipher="aes256-ctr"), "passphrase"),
        ("my-secret-password", "not a private key"),
    ],
)
def test_private_key_setting_holds_an_unencrypted_private_key(text: str, phrase: str) -> None:
    """Refused before anything runs (not after 60 SSH attempts per node), saying which format is expected."""
    raw = at(static_baseline(), "ssh.privateKey", text)
    message = single_issue(raw, "ssh.privateKey", phrase, "OpenSSH", "PEM")
    assert "my-secret-password" not in message and "AAAA" not in message


@pytest.mark.parametrize("kind", list(PEM_KEYS))
def test_pem_private_keys_are_accepted(kind: str) -> None:
    assert load(at(static_baseline(), "ssh.privateKey", PEM_KEYS[kind])).ssh.private_key is not None


def test_key_file_problems_name_the_file_key(tmp_path: Path) -> None:
    (tmp_path / "id.pub").write_text(PUBLIC_KEY + "\n")
    raw = static_baseline()
    raw["ssh"] = {"privateKeyFile": "id.pub"}
    single_issue(raw, "ssh.privateKeyFile", "public key", base_dir=tmp_path)


def test_missing_key_file_names_the_file_key(tmp_path: Path) -> None:
    raw = static_baseline()
    raw["ssh"] = {"privateKeyFile": "nowhere/id_ed25519"}
    single_issue(raw, "ssh.privateKeyFile", "cannot read", "nowhere/id_ed25519", base_dir=tmp_path)


def test_the_inline_key_wins_over_the_file_and_is_the_one_checked(tmp_path: Path) -> None:
    raw = static_baseline()
    raw["ssh"]["privateKeyFile"] = "does-not-exist"
    settings = load(raw, base_dir=tmp_path)
    assert settings.ssh.private_key is not None
    assert settings.ssh.private_key.get_secret_value() == PRIVATE_KEY


def test_no_key_issue_ever_contains_key_material() -> None:
    """Across every key mistake at once, no line of either key reaches the message."""
    raw = aws_with_keys(PRIVATE_KEY, PUBLIC_KEY)
    with pytest.raises(SettingsError) as caught:
        load(raw)
    text = str(caught.value)
    assert [i.key for i in issues_of(raw)] == ["hosts.aws.publicKey", "ssh.privateKey"]
    assert all(line not in text for line in PRIVATE_KEY.splitlines()[1:-1])
    assert PUBLIC_KEY.split()[1] not in text
