"""Locate the upstream schemas and build strict validators from them.

API
---
``schemas_dir() -> Path | None``
    ``$MKE4K_SCHEMAS_DIR`` if set, else ``<repo>/../shared/schemas``; None if absent.
``require_schemas_dir() -> Path``
    Same, but ``pytest.skip`` with a clear reason when absent.
``schema_file(*parts) -> Path``
    A file under the schemas dir (skips when the dir or the file is missing).
``crd_schema(path, *, subpath=("spec",)) -> dict``
    The storage version's ``openAPIV3Schema`` of a CRD YAML, descended along ``subpath``
    (``()`` for the whole object), with ``additionalProperties: false`` injected.
``strict(schema) -> dict``
    A deep copy with ``additionalProperties: false`` on every object that has
    ``properties``, no ``additionalProperties`` and no ``x-kubernetes-preserve-unknown-fields``
    (CRDs prune unknown fields instead of rejecting them: this catches typos). The
    program's own (components/upstream_schema.py), which the settings pass uses at run time.
``crd_validator(path, *, subpath=("spec",)) -> jsonschema.Draft7Validator``
    Validator for a CRD (Draft 7 is close enough to OpenAPI v3; the schema is NOT
    checked against the metaschema because some Felix patterns use Go's ``(?i)``).
``values_schema_validator(path) -> jsonschema.Draft202012Validator``
    Validator for a Helm ``values.schema.json`` (KCM's are draft 2020-12).
``errors(validator, document) -> list[str]``
    Readable error messages (``path: message``), sorted; empty when valid.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from components.upstream_schema import crd_schema as upstream_crd_schema
from components.upstream_schema import strict

__all__ = [
    "crd_schema",
    "crd_validator",
    "errors",
    "require_schemas_dir",
    "schema_file",
    "schemas_dir",
    "strict",
    "values_schema_validator",
]

from tests.support.shared import shared_folder

ENV_VAR = "MKE4K_SCHEMAS_DIR"


def schemas_dir() -> Path | None:
    """The schemas directory, or None when it does not exist."""
    return shared_folder(ENV_VAR, "schemas")


def require_schemas_dir() -> Path:
    """The schemas directory; skips the test when it is absent."""
    path = schemas_dir()
    if path is None:
        pytest.skip(f"upstream schemas not found: set {ENV_VAR} or provide <repo>/../shared/schemas")
    return path


def schema_file(*parts: str) -> Path:
    """A file inside the schemas directory; skips when missing."""
    path = require_schemas_dir().joinpath(*parts)
    if not path.is_file():
        pytest.skip(f"schema file missing: {path}")
    return path


def crd_schema(path: Path, *, subpath: Sequence[str] = ("spec",)) -> dict[str, Any]:
    """The strict storage-version openAPIV3Schema of a CRD, descended along ``subpath`` (the program's own reader)."""
    return upstream_crd_schema(path, subpath=subpath)


def crd_validator(path: Path, *, subpath: Sequence[str] = ("spec",)) -> jsonschema.Draft7Validator:
    """A Draft 7 validator for a CRD (sub)schema with typo detection."""
    return jsonschema.Draft7Validator(crd_schema(path, subpath=subpath))


def values_schema_validator(path: Path) -> jsonschema.Draft202012Validator:
    """A Draft 2020-12 validator for a Helm ``values.schema.json`` (used as published)."""
    with open(path, encoding="utf-8") as handle:
        return jsonschema.Draft202012Validator(json.load(handle))


def errors(validator: jsonschema.protocols.Validator, document: Any) -> list[str]:
    """Sorted readable validation errors; empty when ``document`` is valid."""
    return sorted(
        f"{'.'.join(map(str, e.absolute_path)) or '<root>'}: {e.message}" for e in validator.iter_errors(document)
    )
