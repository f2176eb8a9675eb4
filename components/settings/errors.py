"""Turning validation failures into messages that name the config key and the fix."""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass

from pydantic import BaseModel, ValidationError

NAMESPACE = "mke4k"


@dataclass(frozen=True)
class Issue:
    """One problem in the stack config: the dotted key, what is wrong, and how to fix it."""

    key: str
    problem: str
    fix: str = ""

    def render(self) -> str:
        """Format as ``mke4k:<key>: <problem> Fix: <fix>``."""
        text = f"{config_key(self.key)}: {self.problem}"
        return f"{text} Fix: {self.fix}" if self.fix else text


class SettingsError(ValueError):
    """The stack config is invalid; carries every issue found, not only the first."""

    def __init__(self, issues: Sequence[Issue]) -> None:
        self.issues = tuple(issues)
        lines = "\n".join(f"  - {issue.render()}" for issue in self.issues)
        super().__init__(f"invalid mke4k stack config ({len(self.issues)} problem(s)):\n{lines}")


def config_key(dotted: str) -> str:
    """``network.podCidr`` -> ``mke4k:network.podCidr`` (the name users type)."""
    return f"{NAMESPACE}:{dotted}" if dotted else NAMESPACE


def dotted_path(loc: Sequence[str | int]) -> str:
    """A pydantic error location as a config path: ``hosts.static.hosts[2].address``."""
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else str(part)
    return path


def issues_from_validation_error(error: ValidationError, root: type[BaseModel]) -> list[Issue]:
    """Translate pydantic errors, adding a "did you mean" hint for unknown keys."""
    issues = []
    for detail in error.errors():
        loc = [part for part in detail["loc"] if not _is_union_tag(part)]
        key = dotted_path(loc)
        if detail["type"] == "extra_forbidden":
            issues.append(_unknown_key_issue(root, loc))
        else:
            given = detail.get("input")
            shown = "" if isinstance(given, dict | list) or given is None else f" (got {given!r})"
            message = detail["msg"].removeprefix("Value error, ")
            issues.append(Issue(key, f"{message}{shown}.", _fix_for(detail["type"])))
    return issues


def _is_union_tag(part: str | int) -> bool:
    # pydantic adds the member type name for unions, e.g. ("x", "int", ...)
    return isinstance(part, str) and part in {"str", "int", "bool", "float", "dict", "list"}


def _unknown_key_issue(root: type[BaseModel], loc: list[str | int]) -> Issue:
    unknown = str(loc[-1])
    known = sorted(_known_keys(root, loc[:-1]))
    close = difflib.get_close_matches(unknown, known, n=1, cutoff=0.6)
    hint = f"did you mean '{close[0]}'? " if close else ""
    listing = ", ".join(known) if known else "none"
    return Issue(
        dotted_path(loc),
        f"unknown key '{unknown}'.",
        f"{hint}Known keys here: {listing}.",
    )


def _known_keys(root: type[BaseModel], loc: Sequence[str | int]) -> set[str]:
    """The aliases accepted at ``loc`` inside ``root`` (empty when it cannot be resolved)."""
    model: object = root
    for part in loc:
        if isinstance(part, int):
            continue
        if not (isinstance(model, type) and issubclass(model, BaseModel)):
            return set()
        field = next(
            (f for n, f in model.model_fields.items() if part in (n, f.alias)),
            None,
        )
        if field is None:
            return set()
        model = _model_in(field.annotation)
    if isinstance(model, type) and issubclass(model, BaseModel):
        return {f.alias or n for n, f in model.model_fields.items()}
    return set()


def _model_in(annotation: object) -> object:
    """The BaseModel class inside ``X``, ``X | None`` or ``list[X]``, else the annotation."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()):
        found = _model_in(arg)
        if isinstance(found, type) and issubclass(found, BaseModel):
            return found
    return annotation


_FIXES = {
    "missing": "set this key; it has no default.",
    "literal_error": "use one of the values listed.",
    "int_parsing": "give a whole number.",
    "bool_parsing": "give true or false.",
    "string_type": "give a string.",
    "dict_type": "give a mapping (key: value).",
    "list_type": "give a list.",
}


def _fix_for(error_type: str) -> str:
    return _FIXES.get(error_type, "")
