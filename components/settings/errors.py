"""Turning validation failures into messages that name the config key and the fix."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, Literal

from pydantic import BaseModel, ValidationError

NAMESPACE = "mke4k"
REFERENCE = "docs/configuration.md"
Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Issue:
    """One problem in the stack config: the dotted key, what is wrong, and how to fix it.

    ``origin`` says where the value came from when it was not the stack file itself
    (``mke4.yaml: spec.hosts[0].ssh.address``); a ``warning`` is printed but refuses nothing.
    """

    key: str
    problem: str
    fix: str = ""
    origin: str = ""
    severity: Severity = "error"

    def render(self) -> str:
        """Format as ``mke4k:<key> (from <origin>): <problem> Fix: <fix>``."""
        where = config_key(self.key) + (f" (from {self.origin})" if self.origin else "")
        text = f"{where}: {self.problem}"
        return f"{text} Fix: {self.fix}" if self.fix else text


class SettingsError(ValueError):
    """The stack config is invalid; carries every issue found, not only the first."""

    def __init__(self, issues: Sequence[Issue]) -> None:
        self.issues = tuple(issues)
        lines = "\n".join(f"  - {issue.render()}" for issue in self.issues)
        super().__init__(f"invalid mke4k stack config ({len(self.issues)} problem(s)):\n{lines}")


class FieldProblem(ValueError):
    """Raised by a field validator: the problem (str of the exception) and the fix to show with it."""

    def __init__(self, problem: str, fix: str) -> None:
        super().__init__(problem)
        self.fix = fix


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


def with_origins(issues: Iterable[Issue], origins: Mapping[str, str]) -> list[Issue]:
    """Name the file a value came from: an issue at (or under) an imported key gets its origin.

    ``origins`` maps stack paths to places in the file (``hosts.static.hosts[0].address`` ->
    ``mke4.yaml: spec.hosts[0].ssh.address``); the longest matching prefix wins and the
    rest of the path is carried over (``k0s.apiSans[1]`` -> ``...: spec.apiServer.sans[1]``).
    """
    result = []
    for issue in issues:
        prefix = max(
            (p for p in origins if issue.key == p or issue.key.startswith((f"{p}.", f"{p}["))),
            key=len,
            default=None,
        )
        if prefix is None or issue.origin:
            result.append(issue)
        else:
            result.append(replace(issue, origin=origins[prefix] + issue.key[len(prefix) :]))
    return result


def issues_from_validation_error(error: ValidationError, root: type[BaseModel]) -> list[Issue]:
    """Translate pydantic errors into issues, each with a fix (and "did you mean" for unknown keys)."""
    issues = []
    for detail in error.errors():
        loc = [part for part in detail["loc"] if not _is_union_tag(part)]
        key = dotted_path(loc)
        if detail["type"] == "extra_forbidden":
            issues.append(_unknown_key_issue(root, loc))
            continue
        cause = (detail.get("ctx") or {}).get("error")
        if isinstance(cause, FieldProblem):
            issues.append(Issue(key, _sentence(str(cause)), cause.fix))
            continue
        problem = _problem(detail)
        issues.append(Issue(key, _sentence(problem + _shown(detail.get("input"))), _fix_for(detail, key)))
    return issues


def _sentence(text: str) -> str:
    return text if text.endswith((".", "?", "!")) else f"{text}."


def _shown(given: Any) -> str:
    """`` (got 'x')`` for a short scalar input; nothing for structures or anything that may be a secret."""
    if isinstance(given, dict | list) or given is None:
        return ""
    text = repr(given)
    if len(text) > 80 or "PRIVATE KEY" in text:
        return ""
    return f" (got {text})"


def _is_union_tag(part: str | int) -> bool:
    # pydantic adds the member type name for unions, e.g. ("x", "int", ...)
    return isinstance(part, str) and part in {"str", "int", "bool", "float", "dict", "list"}


def unknown_key_hint(unknown: str, known: Iterable[str]) -> str:
    """``did you mean 'podCidr'? `` for a close or differently-cased key; empty when nothing is close."""
    by_lower = {name.lower(): name for name in known}
    if unknown.lower() in by_lower:
        return f"did you mean '{by_lower[unknown.lower()]}' (keys are case-sensitive)? "
    close = difflib.get_close_matches(unknown.lower(), list(by_lower), n=1, cutoff=0.6)
    return f"did you mean '{by_lower[close[0]]}'? " if close else ""


def _unknown_key_issue(root: type[BaseModel], loc: list[str | int]) -> Issue:
    unknown = str(loc[-1])
    known = sorted(_known_keys(root, loc[:-1]))
    listing = ", ".join(known) if known else "none"
    return Issue(
        dotted_path(loc),
        f"unknown key '{unknown}'.",
        f"{unknown_key_hint(unknown, known)}Known keys here: {listing}.",
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


_EXPECTED = {
    "dict_type": "a mapping (key: value)",
    "model_type": "a mapping (key: value)",
    "model_attributes_type": "a mapping (key: value)",
    "list_type": "a list",
    "string_type": "a string",
    "int_type": "a whole number",
    "int_parsing": "a whole number",
    "int_from_float": "a whole number",
    "bool_type": "true or false",
    "bool_parsing": "true or false",
    "float_type": "a number",
    "float_parsing": "a number",
}


def json_type(value: Any) -> str:
    """What a decoded JSON/YAML value is, in words (``a list``, ``a string``, ``null``)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__


def _problem(detail: Mapping[str, Any]) -> str:
    expected = _EXPECTED.get(detail["type"])
    if expected:
        return f"expected {expected}, got {json_type(detail.get('input'))}"
    return str(detail["msg"]).removeprefix("Value error, ")


def _fix_for(detail: Mapping[str, Any], key: str) -> str:
    kind, ctx = detail["type"], detail.get("ctx") or {}
    if kind == "missing":
        return "set this key; it has no default."
    if kind == "literal_error":
        return f"use one of {ctx.get('expected', 'the listed values')}."
    if kind in _EXPECTED:
        return f"give {_EXPECTED[kind]} (see {REFERENCE} for {config_key(key)})."
    bounds = {"greater_than_equal": "at least", "less_than_equal": "at most", "greater_than": "more than"}
    if kind in bounds:
        limit = next(iter(ctx.values()), "")
        return f"use a value {bounds[kind]} {limit}."
    if kind == "less_than":
        return f"use a value below {next(iter(ctx.values()), '')}."
    if kind in ("string_too_short", "too_short"):
        return "give a non-empty value, or remove the key to use the default."
    return f"correct the value (see {REFERENCE} for the type and allowed values of {config_key(key)})."
