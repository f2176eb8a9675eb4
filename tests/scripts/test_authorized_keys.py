"""authorized_keys.sh: one key added or removed, by type and key data, the rest of the file kept."""

from __future__ import annotations

FILE = "/var/tmp/mke4k-test/.ssh/authorized_keys"
OLD = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOldOldOldOldOldOldOldOldOldOldOldOldOldOld"
NEW = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAINewNewNewNewNewNewNewNewNewNewNewNewNewNew"
OTHER = "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQCother"


def edit(host, action: str, key: str):
    return host.run("authorized_keys.sh", ACTION=action, PUBLIC_KEY=key, AUTHORIZED_KEYS=FILE, LABEL="w1 ssh-key")


def test_add_creates_a_private_file_once(host):
    first = edit(host, "add", f"{NEW} mke4k")
    assert first.returncode == 0, first
    assert host.read(FILE) == f"{NEW} mke4k\n"
    assert host.stat(FILE, "%a") == "600" and host.stat("/var/tmp/mke4k-test/.ssh", "%a") == "700"
    again = edit(host, "add", f"{NEW} another-comment")
    assert "authorized already: nothing to do" in again.stderr and host.read(FILE) == f"{NEW} mke4k\n"


def test_remove_drops_only_that_key_whatever_its_options_and_comment(host):
    host.put(FILE, f'command="/bin/true",no-pty {OLD} ops@laptop\n{OTHER} backup\n{NEW} mke4k'.encode(), 0o640)
    added = edit(host, "add", f"{NEW} mke4k")
    assert "authorized already" in added.stderr, "options and comments are not part of the key"
    removed = edit(host, "remove", f"{OLD} mke4k")
    assert removed.returncode == 0, removed
    assert host.read(FILE) == f"{OTHER} backup\n{NEW} mke4k\n"
    assert host.stat(FILE, "%a") == "640", "the file keeps its mode"
    assert "nothing to remove" in edit(host, "remove", OLD).stderr


def test_garbage_is_refused_and_changes_nothing(host):
    host.put(FILE, f"{OTHER} backup\n".encode(), 0o600)
    result = edit(host, "add", "-----BEGIN OPENSSH PRIVATE KEY-----")
    assert result.returncode != 0 and "not an OpenSSH public key line" in result.stderr
    assert host.read(FILE) == f"{OTHER} backup\n"
