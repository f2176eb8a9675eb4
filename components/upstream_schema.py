"""Upstream CRD schemas (vendored in ``components/schemas``) as strict JSON-schema validators.

CRDs let Kubernetes prune unknown fields instead of rejecting them, so their schemas
accept any extra key. :func:`strict` closes every object that lists its properties,
which turns a typo (``spec.network.provder``) into an error. Pure: reads only the
vendored files.
"""

from __future__ import annotations

import copy
import functools
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import jsonschema
import yaml

SCHEMAS_DIR = Path(__file__).with_name("schemas")
K0S_CLUSTERCONFIG = "k0s.k0sproject.io_clusterconfigs.yaml"


def strict(schema: Any) -> Any:
    """Deep copy of ``schema`` with ``additionalProperties: false`` on open objects that list properties."""
    schema = copy.deepcopy(schema)

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if (
                "properties" in node
                and "additionalProperties" not in node
                and not node.get("x-kubernetes-preserve-unknown-fields")
            ):
                node["additionalProperties"] = False
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(schema)
    return schema


@functools.cache
def _load_yaml(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def crd_schema(path: Path, *, subpath: Sequence[str] = ()) -> dict[str, Any]:
    """The strict storage-version ``openAPIV3Schema`` of a CRD file, descended along ``subpath``."""
    document = _load_yaml(path)
    versions = [v for v in document["spec"]["versions"] if v.get("storage")]
    if len(versions) != 1:
        raise ValueError(f"{path}: expected exactly one storage version, found {len(versions)}")
    node = versions[0]["schema"]["openAPIV3Schema"]
    for part in subpath:
        node = node["properties"][part]
    return strict(node)


@functools.cache
def k0s_clusterconfig_validator(k0s_tag: str) -> jsonschema.Draft7Validator:
    """A strict validator for a whole k0s ClusterConfig document of the vendored tag (``v1.32.11+k0s.0``).

    Draft 7 is close enough to OpenAPI v3; the schema is not checked against the metaschema.
    """
    return jsonschema.Draft7Validator(crd_schema(SCHEMAS_DIR / "k0s" / k0s_tag / K0S_CLUSTERCONFIG))


def vendored_k0s_tags() -> list[str]:
    """The k0s tags whose ClusterConfig schema is vendored, oldest first."""
    return sorted((p.parent.name for p in SCHEMAS_DIR.glob(f"k0s/*/{K0S_CLUSTERCONFIG}")), key=_tag_key)


def _tag_key(tag: str) -> tuple[int, ...]:
    core = tag.removeprefix("v").split("+", 1)[0]
    return tuple(int(part) for part in core.split("."))
