"""Render the configuration reference (docs/configuration.md) from the Settings model tree.

Pure and deterministic: the text depends only on the models (field order, types,
defaults, descriptions) and on the release matrix. ``tools/gen_config_reference.py``
writes it; a unit test fails when the committed copy is stale.
"""

from __future__ import annotations

import inspect
import types
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Annotated, Any, Literal, Union, get_args, get_origin

import yaml
from pydantic import BaseModel, SecretStr
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

from components.release_matrix import load_matrix

from .errors import config_key
from .root import Settings
from .rules import RULES, summary

REGENERATE = "make docs"
GENERATOR = "tools/gen_config_reference.py"
FROM_MATRIX = "from the release matrix"

# Defaults filled in by loader.resolve / settings_from_mapping, not by the model.
COMPUTED_DEFAULTS: dict[str, str] = {
    "version": "latest GA release in the release matrix",
    "cluster": "see below (name: the stack name)",
    "cluster.name": "the stack name, lower-cased",
    "hosts.source": "static when mke4ConfigFile is given; stack when this stack does not run the hosts layer",
    "k0s.version": FROM_MATRIX,
    "calico.version": FROM_MATRIX,
    "k0rdent.version": f"{FROM_MATRIX} (by flavor)",
    "k0rdent.chart": "by flavor",
    "k0rdent.namespace": "by flavor (enterprise: k0rdent, oss: kcm-system)",
    "mkeOperator.version": FROM_MATRIX,
}

_SCALARS: dict[object, str] = {
    str: "string",
    int: "integer",
    bool: "boolean",
    float: "number",
    SecretStr: "secret string",
    Any: "any",
}


@dataclass(frozen=True)
class Row:
    """One documented key: dotted path (without ``mke4k:``), type, default and description."""

    path: str
    type: str
    default: str
    description: str
    model: type[BaseModel] | None = None

    @property
    def key(self) -> str:
        """The key as users type it, e.g. ``mke4k:network.vxlanPort``."""
        return config_key(self.path)


def type_name(annotation: object) -> str:
    """A human-readable type: ``string``, ``list of string``, ``one of aws, static``, ``mapping``..."""
    args = get_args(annotation)
    origin = get_origin(annotation)
    if origin is Annotated:
        return type_name(args[0])
    if origin in (Union, types.UnionType):
        members = [a for a in args if a is not type(None)]
        if len(members) == 1:
            return type_name(members[0])
        return " or ".join(type_name(a) for a in members)
    if origin is Literal:
        return "one of " + ", ".join(str(a) for a in args)
    if origin in (list, tuple, set, frozenset):
        return "list of " + type_name(args[0]) if args else "list"
    if origin is dict:
        if args and args[1] is not Any:
            return f"mapping of {type_name(args[0])} to {type_name(args[1])}"
        return "mapping"
    if annotation is dict:
        return "mapping"
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return "mapping"
    if annotation in _SCALARS:
        return _SCALARS[annotation]
    raise TypeError(f"no documented name for type {annotation!r}")


def _field_type(field: FieldInfo) -> str:
    """The type name plus numeric bounds (``integer, 1 to 65535``) from ge/le constraints."""
    name = type_name(field.annotation)
    low = next((m.ge for m in field.metadata if getattr(m, "ge", None) is not None), None)
    high = next((m.le for m in field.metadata if getattr(m, "le", None) is not None), None)
    if low is not None and high is not None:
        return f"{name}, {low} to {high}"
    if low is not None:
        return f"{name}, at least {low}"
    if high is not None:
        return f"{name}, at most {high}"
    return name


def _nested_model(annotation: object) -> tuple[type[BaseModel] | None, bool]:
    """The settings model inside ``X``, ``X | None`` or ``list[X]``, and whether it is a list item."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation, False
    origin = get_origin(annotation)
    for arg in get_args(annotation):
        found, _ = _nested_model(arg)
        if found is not None:
            return found, origin in (list, tuple)
    return None, False


def render_value(value: Any) -> str:
    """A default as YAML-ish flow text (``4789``, ``true``, ``[]``, ``[hosts, k0s]``, ``null``)."""
    text = yaml.safe_dump(value, default_flow_style=True, width=10**6, sort_keys=True).strip()
    return text.removesuffix("\n...").strip()


def _default(path: str, field: FieldInfo) -> str:
    if path == "version":
        return f"{COMPUTED_DEFAULTS[path]} ({load_matrix().latestGA})"
    if path in COMPUTED_DEFAULTS:
        return COMPUTED_DEFAULTS[path]
    if field.default is None:
        return "unset"
    if field.default_factory is not None:
        value = field.default_factory()  # type: ignore[call-arg]
        if isinstance(value, BaseModel):
            return "see below"
        return f"`{render_value(value)}`"
    if field.default is PydanticUndefined:
        return "required"
    return f"`{render_value(field.default)}`"


def iter_rows(model: type[BaseModel] = Settings, prefix: str = "") -> Iterator[Row]:
    """Every key of ``model``'s tree in field order, parents before their children."""
    for name, field in model.model_fields.items():
        path = f"{prefix}{field.alias or name}"
        nested, is_list = _nested_model(field.annotation)
        yield Row(path, _field_type(field), _default(path, field), field.description or "", nested)
        if nested is not None:
            yield from iter_rows(nested, f"{path}[]." if is_list else f"{path}.")


def _pipe(text: str) -> str:
    return text.replace("|", "\\|")


def _cell(text: str) -> str:
    """One table cell: a single line, with Markdown's '|' and raw-HTML '<' escaped."""
    return _pipe(" ".join(text.split())).replace("<", "&lt;")


def _doc(model: type[BaseModel]) -> str:
    return " ".join((inspect.getdoc(model) or "").split("\n\n")[0].split())


def _version_key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split("."))


def _versions_section() -> list[str]:
    matrix = load_matrix()
    lines = [
        "## Versions (release matrix)",
        "",
        "`mke4k:version` picks a row; each version key left unset takes its value from that row "
        f"(source: `components/release_matrix.yaml`). Latest GA: **{matrix.latestGA}**.",
        "",
        "| MKE | status | k0s | Calico | k0rdent Enterprise | k0rdent open-source KCM | mke-operator chart |",
        "|---|---|---|---|---|---|---|",
    ]
    for version in sorted(matrix.releases, key=_version_key):
        r = matrix.releases[version]
        lines.append(
            f"| {version} | {r.status} | {r.k0s} | {r.calico} | {r.k0rdent} | {r.k0rdentOss} | {r.mkeOperatorChart} |"
        )
    lines += [
        "",
        "Kubernetes minors each Calico minor supports "
        "(a k0s version outside the range of the chosen Calico is refused):",
        "",
        "| Calico | Kubernetes |",
        "|---|---|",
    ]
    for calico in sorted(matrix.calicoKubernetes, key=_version_key):
        low, high = matrix.calicoKubernetes[calico]
        lines.append(f"| {calico} | {low} to {high} |")
    return lines


def _rules_section() -> list[str]:
    """The cross-field rules, one line each, from the rules' docstrings (grouped by their module)."""
    lines = [
        "## Validation rules",
        "",
        "Everything below is checked before any resource is registered, and every problem is "
        "reported at once as `mke4k:<key>: <problem> Fix: <fix>` (a value taken from an mke4.yaml also "
        "names its place in that file). Besides the types, ranges and formats given with each key, "
        f"these {len(RULES)} rules relate keys to each other and to the other layers "
        "(where a value may be deliberate, a rule prints a warning instead of refusing; the messages say which):",
        "",
    ]
    group = ""
    for rule in RULES:
        module = rule.__module__.rsplit(".", 1)[-1]
        if module != group:
            group = module
            lines.append(f"- **{module.replace('_', ' ')}**")
        lines.append(f"  - {_pipe(summary(rule))}")
    return lines


def render_reference() -> str:
    """The whole docs/configuration.md text."""
    lines = [
        "# Configuration reference",
        "",
        f"<!-- Generated by {GENERATOR} from components/settings and components/release_matrix.yaml. -->",
        f"<!-- Do not edit by hand: change the models' Field(description=...) and run `{REGENERATE}`. -->",
        "",
        "Every key of an mke4k stack, as set in `Pulumi.<stack>.yaml` or with "
        "`pulumi config set --path mke4k:<key> <value>` (secrets with `--secret`). "
        "Unknown keys are rejected. `[]` in a key stands for a list item "
        "(`mke4k:hosts.static.hosts[0].name`).",
        "",
        f"This file is generated: run `{REGENERATE}` (or `python {GENERATOR}`) after changing the settings models.",
        "",
    ]
    lines += _versions_section()
    lines += [""]
    lines += _rules_section()
    top_level = [row for row in iter_rows() if "." not in row.path and "[" not in row.path]
    rows = list(iter_rows())
    for top in top_level:
        lines += ["", f"## `{top.key}`", ""]
        if top.model is not None:
            lines += [_doc(top.model), ""]
        lines += ["| key | type | default | description |", "|---|---|---|---|"]
        for row in rows:
            if row.path == top.path or row.path.startswith((f"{top.path}.", f"{top.path}[")):
                lines.append(f"| `{row.key}` | {row.type} | {_pipe(row.default)} | {_cell(row.description)} |")
    return "\n".join(lines) + "\n"
