"""SSH key material: the right half of the key pair in each setting, usable by the SSH client.

A private key pasted into the public-key setting would be sent to AWS and kept in plain
state; a public key (or an encrypted or PuTTY key) in the private-key setting would only
fail after every node's 60 SSH attempts. Both are refused here, and messages never
echo key material.
"""

from __future__ import annotations

import base64
import binascii
import re
import struct
from collections.abc import Iterable
from dataclasses import dataclass

from ..errors import Issue
from ..root import Settings
from .base import Context, hosts_source, machines_here

PUBLIC_KEY = "hosts.aws.publicKey"
EC2_KEY_TYPES = ("ssh-ed25519", "ssh-rsa")
"""Key types EC2 ImportKeyPair accepts (RSA and ED25519)."""
PRIVATE_FORMATS = (
    "OpenSSH (-----BEGIN OPENSSH PRIVATE KEY-----) or PEM (-----BEGIN RSA PRIVATE KEY-----, "
    "-----BEGIN EC PRIVATE KEY-----, -----BEGIN PRIVATE KEY-----)"
)
_BEGIN = re.compile(r"-----BEGIN ([A-Z0-9 ]*)PRIVATE KEY-----")
_PUBLIC_PREFIX = re.compile(r"^(ssh-[a-z0-9-]+|ecdsa-sha2-[a-z0-9-]+|sk-[a-z0-9@.-]+) ")
_OPENSSH_MAGIC = b"openssh-key-v1\x00"
_OPENSSH_BODY = re.compile(r"-----BEGIN OPENSSH PRIVATE KEY-----(.*?)-----END OPENSSH PRIVATE KEY-----", re.DOTALL)


class KeyFormatError(ValueError):
    """The text is not the kind of key expected; the message never contains key material."""


@dataclass(frozen=True)
class PrivateKey:
    """What can be told about a private key without a crypto library: its format and (OpenSSH) public blob."""

    label: str
    public_blob: bytes | None


def _read_string(data: bytes, offset: int) -> tuple[bytes, int]:
    (length,) = struct.unpack_from(">I", data, offset)
    start = offset + 4
    if start + length > len(data):
        raise ValueError("truncated")
    return data[start : start + length], start + length


def parse_public_key(text: str) -> tuple[str, bytes]:
    """``ssh-ed25519 AAAA… comment`` -> ``("ssh-ed25519", blob)``; KeyFormatError naming what is wrong."""
    if "PRIVATE KEY" in text or "PuTTY-User-Key-File" in text:
        raise KeyFormatError("this is a private key, not a public key")
    parts = text.strip().split()
    if len(parts) < 2 or len(text.strip().splitlines()) != 1:
        raise KeyFormatError("this is not an OpenSSH public key (one line: '<type> <base64> [comment]')")
    kind, encoded = parts[0], parts[1]
    try:
        blob = base64.b64decode(encoded, validate=True)
        inner, _ = _read_string(blob, 0)
    except (binascii.Error, ValueError, struct.error):
        raise KeyFormatError(f"the {kind} key data is not valid base64 key data (truncated or mistyped?)") from None
    if inner.decode(errors="replace") != kind:
        raise KeyFormatError(f"the key data is a {inner.decode(errors='replace')!r} key, not {kind}")
    return kind, blob


def parse_private_key(text: str) -> PrivateKey:
    """Check ``text`` is an unencrypted OpenSSH or PEM private key; KeyFormatError naming what is wrong."""
    stripped = text.strip()
    if _PUBLIC_PREFIX.match(stripped):
        raise KeyFormatError("this is a public key (the .pub file), not the private key")
    if stripped.startswith("PuTTY-User-Key-File"):
        raise KeyFormatError("this is a PuTTY key; the SSH client reads OpenSSH or PEM keys only")
    begin = _BEGIN.search(stripped)
    if begin is None:
        raise KeyFormatError("this is not a private key")
    label = begin.group(1)
    if f"-----END {label}PRIVATE KEY-----" not in stripped:
        raise KeyFormatError("the private key is cut off (no matching -----END ... PRIVATE KEY----- line)")
    if "ENCRYPTED" in label or "Proc-Type: 4,ENCRYPTED" in stripped:
        raise KeyFormatError("the private key is protected by a passphrase, and mke4k has no passphrase setting")
    public_blob = _openssh_public_blob(stripped) if label == "OPENSSH " else None
    return PrivateKey(label=label.strip() or "PKCS8", public_blob=public_blob)


def _openssh_public_blob(text: str) -> bytes | None:
    """The public key inside an OpenSSH private key; None when the body cannot be decoded (nothing to compare)."""
    body = _OPENSSH_BODY.search(text)
    try:
        data = base64.b64decode("".join(body.group(1).split()) if body else "", validate=True)
    except (binascii.Error, ValueError):
        return None
    if not data.startswith(_OPENSSH_MAGIC):
        return None
    try:
        cipher, offset = _read_string(data, len(_OPENSSH_MAGIC))
        _kdf, offset = _read_string(data, offset)
        _options, offset = _read_string(data, offset)
        offset += 4  # number of keys
        public, _ = _read_string(data, offset)
    except (ValueError, struct.error):
        return None
    if cipher != b"none":
        raise KeyFormatError("the private key is protected by a passphrase, and mke4k has no passphrase setting")
    return public


def ssh_key_presence(s: Settings, context: Context) -> Iterable[Issue]:
    """Static hosts have a private key; on AWS a given publicKey comes with its private key and vice versa."""
    if not context.connects or not (s.runs("hosts") or s.runs("k0s")):
        return
    source = hosts_source(s)
    has_private = s.ssh.private_key is not None or s.ssh.private_key_file is not None
    if source == "static" and not has_private:
        yield Issue(
            "ssh.privateKey",
            "static hosts need the SSH private key the runner logs in with.",
            "set it with `pulumi config set --secret --path mke4k:ssh.privateKey < key` or set mke4k:ssh.privateKeyFile.",
        )
    elif source == "aws":
        public = s.hosts.aws.public_key
        if public and not has_private:
            yield Issue(
                "ssh.privateKey",
                "hosts.aws.publicKey is given, so the runner needs the matching private key.",
                "set mke4k:ssh.privateKey (secret) or mke4k:ssh.privateKeyFile, or drop publicKey to generate a key.",
            )
        elif has_private and not public:
            yield Issue(
                PUBLIC_KEY,
                "an SSH private key is configured but no public key for the EC2 key pair.",
                "set mke4k:hosts.aws.publicKey to its OpenSSH public key, or unset mke4k:ssh.privateKey "
                "to let the stack generate a key.",
            )


def public_key_material(s: Settings, context: Context) -> Iterable[Issue]:
    """hosts.aws.publicKey is one OpenSSH public key line of a type EC2 imports (ssh-ed25519, ssh-rsa), never a private key."""
    if not context.connects:
        return
    public = s.hosts.aws.public_key
    if not public or not machines_here(s, "aws"):
        return
    try:
        kind, _ = parse_public_key(public)
    except KeyFormatError as error:
        if "private key" in str(error):
            yield Issue(
                PUBLIC_KEY,
                f"{error}; it was not used and is not repeated here.",
                "put the private key in mke4k:ssh.privateKey (secret) and only the one-line .pub file here "
                "(ssh-ed25519 AAAA… or ssh-rsa AAAA…); if the private key was committed, make a new key.",
            )
        else:
            yield Issue(
                PUBLIC_KEY, f"{error}.", "paste the whole one-line .pub file (`ssh-keygen -y -f key` prints it)."
            )
        return
    if kind not in EC2_KEY_TYPES:
        yield Issue(
            PUBLIC_KEY,
            f"{kind} keys cannot be imported as EC2 key pairs (EC2 takes RSA and ED25519 only).",
            "use an ED25519 key (ssh-keygen -t ed25519) or drop publicKey to let the stack generate one.",
        )


def private_key_material(s: Settings, context: Context) -> Iterable[Issue]:
    """The SSH private key (ssh.privateKey or the file ssh.privateKeyFile) is an unencrypted OpenSSH or PEM private key."""
    if not context.connects:
        return
    key, text = configured_private_key(s, context)
    if key is None:
        return
    if isinstance(text, OSError):
        yield Issue(
            key,
            f"cannot read '{s.ssh.private_key_file}': {text.strerror}.",
            "check the path (relative to the project directory, ~ expanded).",
        )
        return
    try:
        parse_private_key(text)
    except KeyFormatError as error:
        yield Issue(key, f"{error}.", f"give the unencrypted private key in {PRIVATE_FORMATS} format.")


def configured_private_key(s: Settings, context: Context) -> tuple[str | None, str | OSError]:
    """``(key that supplies it, its text)`` of the SSH private key; the inline secret wins over the file.

    ``(None, "")`` when none is configured; the OSError instead of the text when the file cannot be read.
    """
    if s.ssh.private_key is not None:
        return "ssh.privateKey", s.ssh.private_key.get_secret_value()
    if s.ssh.private_key_file is None:
        return None, ""
    try:
        return "ssh.privateKeyFile", context.read(s.ssh.private_key_file)
    except OSError as error:
        return "ssh.privateKeyFile", error


def key_pair_match(s: Settings, context: Context) -> Iterable[Issue]:
    """hosts.aws.publicKey is the public half of the configured private key (OpenSSH keys; a warning: see key rotation)."""
    if not context.connects:
        return
    public = s.hosts.aws.public_key
    if not public or not machines_here(s, "aws"):
        return
    key, text = configured_private_key(s, context)
    try:
        kind, blob = parse_public_key(public)
        private = parse_private_key(text) if isinstance(text, str) and text else None
    except KeyFormatError:
        return  # reported by the format rules
    if (
        kind in EC2_KEY_TYPES
        and private is not None
        and private.public_blob is not None
        and private.public_blob != blob
    ):
        yield Issue(
            PUBLIC_KEY,
            f"is not the public half of the private key in mke4k:{key}: new instances get this public key, so "
            "they will refuse the runner's logins (each SSH step retries dialErrorLimit times first).",
            "set publicKey to the output of `ssh-keygen -y -f <private key file>` (to rotate, change both "
            "together: docs/operations.md, 'Rotate the SSH key').",
            severity="warning",
        )


RULES = (ssh_key_presence, public_key_material, private_key_material, key_pair_match)
