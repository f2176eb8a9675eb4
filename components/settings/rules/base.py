"""What every rule is: a documented check of the whole Settings, yielding issues."""

from __future__ import annotations

import errno
import inspect
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import Issue
from ..root import Settings


@dataclass(frozen=True)
class Context:
    """What a rule may consult besides the settings.

    ``base_dir`` is where relative paths in the config start (the project directory);
    ``origins`` maps stack paths to the place in an imported mke4.yaml they came from;
    ``connects`` says whether the run logs in to the machines.
    """

    base_dir: Path
    origins: Mapping[str, str] = field(default_factory=dict)
    connects: bool = True
    """False for offline tools that never log in to the machines (``make airgap-list``): the
    SSH key rules do not apply to them."""

    def path(self, name: str) -> Path:
        """A configured path (``~`` expanded, relative to ``base_dir``)."""
        return self.base_dir / Path(name).expanduser()

    def read(self, name: str) -> str:
        """The text of a configured file; OSError (with ``strerror``) when it cannot be read as text."""
        try:
            return self.path(name).read_text(encoding="utf-8")
        except UnicodeDecodeError:
            raise OSError(errno.EILSEQ, "not a text file") from None
        except ValueError:  # e.g. a NUL byte in the path
            raise OSError(errno.EINVAL, "not a valid path") from None


Check = Callable[[Settings, Context], Iterable[Issue]]


def summary(check: Check) -> str:
    """The rule's one-line description: the first paragraph of its docstring."""
    return " ".join((inspect.getdoc(check) or "").split("\n\n")[0].split())


def hosts_source(s: Settings) -> str:
    """Where this stack's machines come from once defaults apply: aws, static or stack."""
    if s.hosts.source:
        return s.hosts.source
    return "stack" if not s.runs("hosts") else "static"


def machines_here(s: Settings, source: str) -> bool:
    """True when this stack builds (or lists) the machines itself from ``source``."""
    return (s.runs("hosts") or s.runs("k0s")) and hosts_source(s) == source
