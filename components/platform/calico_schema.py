"""Strict check of user ``mke4k:calico.values`` against the Calico CRDs, before anything runs.

The tigera-operator chart copies ``installation.*`` into ``Installation.spec`` and
``defaultFelixConfiguration.*`` into the default ``FelixConfiguration.spec``
(minus ``enabled``). The API server prunes fields its structural schema does not
know and only warns, so a typo such as ``calicoNetwork.mtuu`` would be dropped
silently. :func:`calico_values_problems` reports every unknown field, wrong type
and value outside an enum, with its full ``mke4k:calico.values...`` key.

The schema knowledge ships with the program (the run has no ../shared): one
minimal field tree per Calico minor in ``calico_fields/v<major>.<minor>.json``,
generated from the upstream CRDs by ``tools/gen_calico_fields.py`` (only
``type``, ``enum``, ``properties``, ``items``, ``additionalProperties`` and the
Kubernetes int-or-string / preserve-unknown-fields markers are kept). A unit
test regenerates them from ../shared/schemas and fails when they drift.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from components.platform.values import parse_version

FIELDS_DIR = Path(__file__).with_name("calico_fields")

#: values key -> (object whose ``spec`` the chart renders from it, keys the chart drops first).
CHECKED_VALUES: dict[str, tuple[str, tuple[str, ...]]] = {
    "installation": ("Installation", ("enabled",)),
    "defaultFelixConfiguration": ("FelixConfiguration", ("enabled",)),
}

_LISTED = 12
_JSON_TYPES: dict[str, tuple[type, ...]] = {
    "object": (dict,),
    "array": (list,),
    "string": (str,),
    "integer": (int,),
    "number": (int, float),
    "boolean": (bool,),
}


@dataclass(frozen=True)
class ValuesProblem:
    """One problem in the user's Calico values: its full key and what is wrong."""

    key: str
    problem: str

    def __str__(self) -> str:
        return f"{self.key}: {self.problem}"


def known_minors() -> list[str]:
    """Calico minors with a field tree (``["3.30", "3.31", ...]``)."""
    return sorted((p.stem.removeprefix("v") for p in FIELDS_DIR.glob("v*.json")), key=parse_version)


@cache
def field_trees(minor: str) -> dict[str, Any]:
    """The field trees of one Calico minor: ``{"Installation": {...}, "FelixConfiguration": {...}}``."""
    return json.loads((FIELDS_DIR / f"v{minor}.json").read_text(encoding="utf-8"))


def calico_values_problems(
    values: Mapping[str, Any], version: str, *, key_prefix: str = "mke4k:calico.values"
) -> list[ValuesProblem]:
    """Every unknown field, wrong type or non-enum value in ``values`` for Calico ``version``.

    Checks ``installation`` against ``Installation.spec`` and ``defaultFelixConfiguration``
    against ``FelixConfiguration.spec`` of that minor (other chart keys are left to
    the chart). Empty when all is well. When no field tree exists for the minor and
    the user sets either key, that is reported too (the check fails closed).
    """
    present = [key for key in CHECKED_VALUES if key in values]
    if not present:
        return []
    minor = ".".join(str(part) for part in parse_version(version)[:2])
    if minor not in known_minors():
        return [
            ValuesProblem(
                f"{key_prefix}.{key}",
                f"cannot be checked: mke4k has no {CHECKED_VALUES[key][0]} schema for Calico {minor} "
                f"(known: {', '.join(known_minors())}). Fix: use a Calico version mke4k knows, or remove "
                f"{key} from mke4k:calico.values.",
            )
            for key in present
        ]
    trees = field_trees(minor)
    problems: list[ValuesProblem] = []
    for key in present:
        kind, dropped = CHECKED_VALUES[key]
        given = values[key]
        if isinstance(given, Mapping):
            given = {k: v for k, v in given.items() if k not in dropped}
        problems.extend(_walk(given, trees[kind], f"{key_prefix}.{key}", f"{kind}.spec (Calico {minor})"))
    return problems


def _walk(value: Any, schema: Mapping[str, Any], key: str, where: str) -> Iterator[ValuesProblem]:
    """Problems of ``value`` against a pruned schema node."""
    if value is None:
        return
    wrong = _type_problem(value, schema)
    if wrong:
        yield ValuesProblem(key, f"{wrong} in {where}. Fix: correct the value or remove it.")
        return
    if "enum" in schema and value not in schema["enum"]:
        allowed = ", ".join(repr(v) for v in schema["enum"])
        yield ValuesProblem(key, f"{value!r} is not one of {allowed} in {where}. Fix: use one of them.")
    if isinstance(value, Mapping):
        yield from _walk_object(value, schema, key, where)
    elif isinstance(value, list) and isinstance(schema.get("items"), Mapping):
        for index, item in enumerate(value):
            yield from _walk(item, schema["items"], f"{key}[{index}]", where)


def _walk_object(value: Mapping[str, Any], schema: Mapping[str, Any], key: str, where: str) -> Iterator[ValuesProblem]:
    properties: Mapping[str, Any] = schema.get("properties", {})
    extra = schema.get("additionalProperties")
    for name, item in value.items():
        child = f"{key}.{name}"
        if name in properties:
            yield from _walk(item, properties[name], child, where)
        elif isinstance(extra, Mapping):
            yield from _walk(item, extra, child, where)
        elif extra is True or schema.get("x-kubernetes-preserve-unknown-fields"):
            continue
        else:
            hint = _closest(str(name), properties)
            names = sorted(properties)
            known = ", ".join(names[:_LISTED]) + (f", … ({len(names)} in all)" if len(names) > _LISTED else "")
            fix = f"did you mean {hint!r}?" if hint else f"known fields here: {known or '(none)'}."
            yield ValuesProblem(
                child,
                f"unknown field {name!r} in {where}: the API server would drop it without an error. Fix: {fix}",
            )


def _type_problem(value: Any, schema: Mapping[str, Any]) -> str | None:
    if schema.get("x-kubernetes-int-or-string"):
        ok = isinstance(value, (int, str)) and not isinstance(value, bool)
        return None if ok else f"{value!r} must be an integer or a string"
    expected = schema.get("type")
    if expected not in _JSON_TYPES:
        return None
    ok = isinstance(value, _JSON_TYPES[expected]) and not (isinstance(value, bool) and expected != "boolean")
    return None if ok else f"{value!r} must be {'an' if expected[0] in 'aeiou' else 'a'} {expected}"


def _closest(name: str, candidates: Mapping[str, Any]) -> str | None:
    import difflib

    matches = difflib.get_close_matches(name, list(candidates), n=1, cutoff=0.75)
    return matches[0] if matches else None


# --------------------------------------------------------------------------- #
# Generation (tools/gen_calico_fields.py and the drift test)
# --------------------------------------------------------------------------- #

_KEPT = ("type", "enum", "x-kubernetes-int-or-string", "x-kubernetes-preserve-unknown-fields")


def prune(schema: Mapping[str, Any]) -> dict[str, Any]:
    """A CRD's OpenAPI schema node reduced to what :func:`calico_values_problems` reads."""
    node: dict[str, Any] = {key: schema[key] for key in _KEPT if key in schema}
    if "properties" in schema:
        node["properties"] = {name: prune(child) for name, child in sorted(schema["properties"].items())}
    if isinstance(schema.get("items"), Mapping):
        node["items"] = prune(schema["items"])
    extra = schema.get("additionalProperties")
    if isinstance(extra, Mapping):
        node["additionalProperties"] = prune(extra)
    elif extra is True:
        node["additionalProperties"] = True
    return node


def crd_spec_tree(crd: Mapping[str, Any]) -> dict[str, Any]:
    """The pruned ``spec`` schema of a CRD's served storage version."""
    versions = crd["spec"]["versions"]
    version = next((v for v in versions if v.get("storage")), versions[0])
    return prune(version["schema"]["openAPIV3Schema"]["properties"]["spec"])
