"""Remove secrets from what ``make support-bundle`` collected, before anything is written.

Applied on the machine running the tool to every section of every node (config files,
``k0s status``, the journal, the step logs, kubectl output), in three passes:

1. **Whole blocks**: PEM private keys (``-----BEGIN ... PRIVATE KEY-----`` to its END line,
   or to the end of the text when the END is missing).
2. **Secret-named keys** in YAML, TOML, JSON and ``key=value`` text: the value of a key
   whose name says it holds a secret (password, token, secret, auth, credentials,
   private key, ``*-key-data``, ``data``, ``Authorization``, ...) is replaced, and so are the
   indented lines of a YAML block scalar (``key: |``) under such a key. ``true``/``false``
   values stay (a switch, never a credential).
3. **Secret-shaped values** anywhere: Kubernetes bootstrap tokens (``abcdef.0123456789abcdef``),
   k0s join tokens (base64 of gzip, ``H4sI...``), JWTs (service-account tokens),
   ``Basic``/``Bearer`` credentials, the password of ``scheme://user:password@host``, and any
   line of a secret the caller knows (the stack's SSH private key).

What is replaced reads ``<redacted>`` (``<redacted private key>`` for a PEM block), so a
reader sees that something was there. Files whose name says they are a key or a token
are withheld whole (:func:`withheld`).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable
from dataclasses import dataclass

REDACTED = "<redacted>"
REDACTED_KEY = "<redacted private key>"

_PEM_PRIVATE = re.compile(
    r"-----BEGIN ([A-Z0-9 ]*)PRIVATE KEY-----.*?(?:-----END \1PRIVATE KEY-----|\Z)",
    re.DOTALL,
)
_BOOTSTRAP_TOKEN = re.compile(r"(?<![A-Za-z0-9])[a-z0-9]{6}\.[a-z0-9]{16}(?![A-Za-z0-9])")
_GZIP_BASE64 = re.compile(r"H4sI[A-Za-z0-9+/=_-]{16,}")
_JWT = re.compile(r"\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}")
_HTTP_CREDENTIAL = re.compile(r"\b(Basic|Bearer)(\s+)[A-Za-z0-9+/=._~-]{8,}")
_URL_PASSWORD = re.compile(r"(://[^/\s:@'\"]+:)[^@\s/'\"]+@")
_INLINE = re.compile(
    r"(?i)(?<![A-Za-z0-9])(password|passwd|passphrase|secret|token|auth|authorization|apikey|api_key|api-key)"
    r"(['\"]?\s*[:=]\s*)(\"[^\"]*\"|'[^']*'|[^\s,;}&\"']+)"
)
"""``password=x`` / ``"token": "x"`` inside any line (journal messages, command lines)."""
_KEY_LINE = re.compile(
    r"^(?P<lead>\s*(?:-\s+)?)(?P<q>[\"']?)(?P<key>[A-Za-z0-9_.\-/ ]*?[A-Za-z0-9_\-])(?P=q)"
    r"(?P<sep>\s*[:=]\s*)(?P<value>.*?)\s*$"
)
_BLOCK_SCALAR = re.compile(r"^[|>][-+0-9]*$")
_WORD = re.compile(r"[A-Z]?[a-z0-9]+|[A-Z]+(?![a-z])")
_SECRET_WORDS = frozenset(
    {
        "password",
        "passwd",
        "passphrase",
        "secret",
        "secrets",
        "token",
        "tokens",
        "credential",
        "credentials",
        "apikey",
        "auth",
        "bearer",
        "identitytoken",
        "dockerconfigjson",
        "privatekey",
    }
)
_SECRET_PAIRS = frozenset({("private", "key"), ("key", "data"), ("client", "key"), ("api", "key")})
_SECRET_KEYS = frozenset({"data", "key", "authorization", "keydata"})
_HARMLESS_LAST_WORDS = frozenset({"file", "path", "dir", "ttl", "expiry", "expiration", "mode", "enabled", "type"})
_SWITCH_VALUES = frozenset({"true", "false", "yes", "no", "on", "off", "null", "~", "", "[]", "{}", '""', "''"})
_WITHHELD_NAME = re.compile(r"(?i)(\.key|\.p12|\.pfx|token|secret|password|credentials?)$|(^|/)(id_[a-z0-9]+)$")


@dataclass(frozen=True)
class Redacted:
    """A text with its secrets replaced, and how many replacements were made."""

    text: str
    count: int


def key_words(key: str) -> list[str]:
    """The lower-case words of a key name: ``clientKeyData`` and ``client-key-data`` -> client, key, data."""
    return [word.lower() for word in _WORD.findall(key.rsplit(".", 1)[-1].rsplit("/", 1)[-1])]


def is_secret_key(key: str) -> bool:
    """Whether a key of that name holds a secret (its value is to be removed)."""
    words = key_words(key)
    if not words:
        return False
    joined = "".join(words)
    if joined in _SECRET_KEYS:
        return True
    if words[-1] in _HARMLESS_LAST_WORDS:
        return False
    if _SECRET_WORDS.intersection(words) or joined in _SECRET_WORDS:
        return True
    return any(pair in _SECRET_PAIRS for pair in itertools.pairwise(words))


def _redact_keys(text: str) -> tuple[str, int]:
    """Pass 2: values of secret-named keys, and the block scalars under them."""
    out: list[str] = []
    count = 0
    block_indent: int | None = None
    for line in text.splitlines(keepends=True):
        stripped = line.strip()
        indent = len(line) - len(line.lstrip())
        if block_indent is not None:
            if not stripped or indent > block_indent:
                if stripped:
                    nested = _KEY_LINE.match(line.rstrip("\r\n"))
                    kept = f"{nested['lead']}{nested['q']}{nested['key']}{nested['q']}{nested['sep']}" if nested else ""
                    out.append((kept or " " * indent) + REDACTED + ("\n" if line.endswith("\n") else ""))
                    count += 1
                else:
                    out.append(line)
                continue
            block_indent = None
        match = _KEY_LINE.match(line.rstrip("\r\n"))
        if match and is_secret_key(match["key"]):
            value = match["value"]
            if _BLOCK_SCALAR.match(value) or not value or value.startswith("#"):
                block_indent = indent  # a block scalar or a nested mapping/list: every line under it
            elif value.strip().strip(",").strip("\"'").lower() not in _SWITCH_VALUES and value not in ("{", "["):
                ending = "," if value.rstrip().endswith(",") else ""
                line = f"{match['lead']}{match['q']}{match['key']}{match['q']}{match['sep']}{REDACTED}{ending}" + (
                    "\n" if line.endswith("\n") else ""
                )
                count += 1
        out.append(line)
    return "".join(out), count


def redact(text: str, known_secrets: Iterable[str] = ()) -> Redacted:
    """``text`` with every secret the three passes find replaced (see the module docstring)."""
    text, count = _PEM_PRIVATE.subn(REDACTED_KEY, text)
    text, keyed = _redact_keys(text)
    count += keyed
    for secret in known_secrets:
        for piece in {line.strip() for line in secret.splitlines()}:
            if len(piece) >= 12 and piece in text:
                count += text.count(piece)
                text = text.replace(piece, REDACTED)
    for pattern, replacement in (
        (_HTTP_CREDENTIAL, rf"\1\2{REDACTED}"),
        (_URL_PASSWORD, rf"\1{REDACTED}@"),
        (_JWT, REDACTED),
        (_GZIP_BASE64, REDACTED),
        (_BOOTSTRAP_TOKEN, REDACTED),
    ):
        text, found = pattern.subn(replacement, text)
        count += found
    inline: list[int] = []

    def replace(match: re.Match[str]) -> str:
        value = match[3].strip("\"'")
        if value == REDACTED or value.lower() in _SWITCH_VALUES:
            return match[0]
        inline.append(1)
        return f"{match[1]}{match[2]}{REDACTED}"

    text = _INLINE.sub(replace, text)
    return Redacted(text, count + len(inline))


def withheld(path: str) -> bool:
    """Whether a collected file is withheld whole because its name says it is a key or a token."""
    return bool(_WITHHELD_NAME.search(path))
