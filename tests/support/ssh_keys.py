"""SSH key texts for tests, built to the published formats (no crypto: they log nobody in).

* OpenSSH public keys: ``<type> <base64 blob> <comment>`` where the blob starts with the
  type as an SSH string (RFC 4253 section 6.6; ED25519 per RFC 8709).
* OpenSSH private keys: ``openssh-key-v1`` (OpenSSH's PROTOCOL.key): magic, cipher name,
  KDF name, KDF options, key count, the public key blobs, then the (here unencrypted)
  private section, base64 between the BEGIN/END lines.

The settings pass reads only these structures, so structurally faithful texts are what
its tests need; ``real_key_pair`` makes a genuine pair with ssh-keygen where installed.
"""

from __future__ import annotations

import base64
import hashlib
import shutil
import struct
import subprocess
from pathlib import Path

import pytest


def ssh_string(data: bytes) -> bytes:
    """An SSH wire-format string: uint32 length, then the bytes."""
    return struct.pack(">I", len(data)) + data


def ed25519_blob(seed: str) -> bytes:
    """The public key blob of a (fake) ED25519 key: type and 32 key bytes derived from ``seed``."""
    return ssh_string(b"ssh-ed25519") + ssh_string(hashlib.sha256(seed.encode()).digest())


def public_key_line(seed: str, kind: str = "ssh-ed25519", comment: str = "ops@example") -> str:
    """One ``.pub`` line; ``kind`` other than ssh-ed25519 gets a blob of that type."""
    blob = ed25519_blob(seed) if kind == "ssh-ed25519" else ssh_string(kind.encode()) + ssh_string(b"\x01" * 64)
    return f"{kind} {base64.b64encode(blob).decode()} {comment}"


def openssh_private_key(seed: str, *, cipher: str = "none") -> str:
    """An ``-----BEGIN OPENSSH PRIVATE KEY-----`` text whose public part is ``ed25519_blob(seed)``."""
    public = ed25519_blob(seed)
    kdf = b"none" if cipher == "none" else b"bcrypt"
    private_section = struct.pack(">II", 1234, 1234) + public + ssh_string(b"\x00" * 64) + ssh_string(b"test")
    body = (
        b"openssh-key-v1\x00"
        + ssh_string(cipher.encode())
        + ssh_string(kdf)
        + ssh_string(b"")
        + struct.pack(">I", 1)
        + ssh_string(public)
        + ssh_string(private_section)
    )
    encoded = base64.b64encode(body).decode()
    lines = [encoded[i : i + 70] for i in range(0, len(encoded), 70)]
    return "-----BEGIN OPENSSH PRIVATE KEY-----\n" + "\n".join(lines) + "\n-----END OPENSSH PRIVATE KEY-----\n"


def real_key_pair(directory: Path, name: str = "id_ed25519") -> tuple[str, str]:
    """``(private key text, public key line)`` made by ssh-keygen; skips when it is not installed."""
    if shutil.which("ssh-keygen") is None:
        pytest.skip("ssh-keygen is not installed")
    path = directory / name
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "test", "-f", str(path)], check=True)
    return path.read_text(), path.with_suffix(".pub").read_text().strip()
