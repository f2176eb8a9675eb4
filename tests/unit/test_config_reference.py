"""docs/configuration.md is generated from the settings models and kept in sync.

The model tree is walked here independently of the generator, so a generator that
skips a field (or a field without a description) fails these tests. Expected
defaults and versions come from facts.md sections 2 and 3.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any, get_args

import pytest
from pydantic import BaseModel, SecretStr

from components.settings import Settings
from components.settings.reference import render_reference, type_name
from tools.gen_config_reference import main as generator_main

REPO = Path(__file__).resolve().parents[2]
DOC = REPO / "docs" / "configuration.md"


def model_in(annotation: object) -> tuple[type[BaseModel] | None, bool]:
    """The BaseModel inside an annotation (``X``, ``X | None``, ``list[X]``) and whether it sits in a list."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation, False
    for arg in get_args(annotation):
        found, _ = model_in(arg)
        if found is not None:
            return found, getattr(annotation, "__origin__", None) is list
    return None, False


def every_field(model: type[BaseModel] = Settings, prefix: str = "") -> Iterator[tuple[str, str | None, str]]:
    """``(dotted key as users type it, description, owner)`` for every field in the tree."""
    for name, field in model.model_fields.items():
        key = f"{prefix}{field.alias or name}"
        yield key, field.description, f"{model.__name__}.{name}"
        nested, in_list = model_in(field.annotation)
        if nested is not None:
            yield from every_field(nested, f"{key}[]." if in_list else f"{key}.")


def doc_rows(text: str) -> dict[str, list[str]]:
    """Table rows of the document keyed by their ``mke4k:`` key: [type, default, description]."""
    rows = {}
    for line in text.splitlines():
        match = re.match(r"^\| `(mke4k:[^`]+)` \| (.*) \|$", line)
        if match:
            rows[match.group(1)] = [cell.strip() for cell in re.split(r"(?<!\\)\|", match.group(2))]
    return rows


@pytest.fixture(scope="module")
def generated() -> str:
    """The freshly generated reference."""
    return render_reference()


def test_committed_reference_is_up_to_date(generated: str) -> None:
    """The committed docs/configuration.md equals what the models produce now."""
    assert DOC.exists(), "docs/configuration.md is missing: run `make docs`"
    assert DOC.read_text() == generated, "docs/configuration.md is stale: run `make docs` and commit the result"


def test_generation_is_deterministic(generated: str) -> None:
    """Two renders are byte-identical."""
    assert render_reference() == generated


def test_every_field_has_a_description() -> None:
    """Every field in the Settings tree carries a non-empty Field(description=...)."""
    missing = [owner for _, description, owner in every_field() if not (description or "").strip()]
    assert missing == []


def test_the_walk_covers_the_tree() -> None:
    """Control for the walker: it reaches deep and list-item keys."""
    keys = {key for key, _, _ in every_field()}
    assert {"hosts.aws.controllers.instanceType", "hosts.static.hosts[].address", "k0s.upgrade.drainTimeout"} <= keys


def test_every_field_appears_in_the_document(generated: str) -> None:
    """Each key has its own table row, with the model's description in it."""
    rows = doc_rows(generated)
    missing = [key for key, _, _ in every_field() if f"mke4k:{key}" not in rows]
    assert missing == []
    for key, description, _ in every_field():
        assert " ".join((description or "").split()).split("<")[0].replace("|", "\\|") in rows[f"mke4k:{key}"][2]


def test_no_row_for_a_key_that_does_not_exist(generated: str) -> None:
    """The document documents nothing the models do not accept."""
    known = {f"mke4k:{key}" for key, _, _ in every_field()}
    assert set(doc_rows(generated)) == known


def test_one_section_per_top_level_key(generated: str) -> None:
    """``## `mke4k:<key>` `` for each top-level key, in model order."""
    headings = re.findall(r"^## `(mke4k:[^`]+)`$", generated, flags=re.MULTILINE)
    assert headings == [f"mke4k:{f.alias or n}" for n, f in Settings.model_fields.items()]


def test_header_says_generated_and_how_to_regenerate(generated: str) -> None:
    """Readers learn the file is generated and that `make docs` regenerates it."""
    head = "\n".join(generated.splitlines()[:12])
    assert "generated" in head.lower()
    assert "make docs" in head


def test_network_defaults_are_the_required_profile(generated: str) -> None:
    """facts.md section 2: pod 192.168.0.0/16, services 10.96.0.0/16, iptables, VXLAN 4789 / VNI 4096."""
    rows = doc_rows(generated)
    expected = {
        "mke4k:network.podCidr": "192.168.0.0/16",
        "mke4k:network.serviceCidr": "10.96.0.0/16",
        "mke4k:network.kubeProxyMode": "iptables",
        "mke4k:network.vxlanPort": "4789",
        "mke4k:network.vxlanVni": "4096",
    }
    for key, value in expected.items():
        assert rows[key][1] == f"`{value}`", (key, rows[key])


@pytest.mark.parametrize(
    ("key", "type_text"),
    [
        ("mke4k:hosts.source", "one of aws, static, stack"),
        ("mke4k:ssh.privateKey", "secret string"),
        ("mke4k:registry.password", "secret string"),
        ("mke4k:hosts.aws.sshCidrs", "list of string"),
        ("mke4k:k0s.noTaints", "boolean"),
        ("mke4k:k0s.config", "mapping"),
        ("mke4k:cluster.name", "string"),
        ("mke4k:hosts.static.hosts", "list of mapping"),
    ],
)
def test_types_are_human_readable(generated: str, key: str, type_text: str) -> None:
    """Types read as words, not Python annotations."""
    assert doc_rows(generated)[key][0] == type_text


def test_ranges_are_shown(generated: str) -> None:
    """Numeric bounds appear with the type (SSH port 1 to 65535)."""
    assert doc_rows(generated)["mke4k:ssh.port"][0] == "integer, 1 to 65535"


@pytest.mark.parametrize("key", ["k0s.version", "calico.version", "k0rdent.version", "mkeOperator.version"])
def test_version_defaults_point_to_the_release_matrix(generated: str, key: str) -> None:
    """Computed defaults say where they come from instead of showing 'unset'."""
    assert "release matrix" in doc_rows(generated)[f"mke4k:{key}"][1]


def test_required_keys_say_so(generated: str) -> None:
    """A static host's name has no default."""
    assert doc_rows(generated)["mke4k:hosts.static.hosts[].name"][1] == "required"


def test_version_table_has_the_4_1_5_row(generated: str) -> None:
    """facts.md section 3: MKE 4.1.5 = k0s v1.32.11+k0s.0, Calico 3.30.2, k0rdent 1.2.3, mke-operator 3.17.2."""
    row = next(line for line in generated.splitlines() if line.startswith("| 4.1.5 |"))
    for value in ("v1.32.11+k0s.0", "3.30.2", "1.2.3", "3.17.2"):
        assert value in row


@pytest.mark.parametrize(
    ("annotation", "expected"),
    [
        (str, "string"),
        (int | None, "integer"),
        (list[str], "list of string"),
        (dict[str, Any], "mapping"),
        (SecretStr | None, "secret string"),
        (Settings, "mapping"),
    ],
)
def test_type_name(annotation: object, expected: str) -> None:
    """The type renderer on its own."""
    assert type_name(annotation) == expected


def test_check_mode_fails_on_a_stale_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """``--check`` exits 1 and says to run `make docs` when the file differs; 0 after writing it."""
    target = tmp_path / "configuration.md"
    target.write_text("# old\n")
    assert generator_main(["--check", "--output", str(target)]) == 1
    assert "make docs" in capsys.readouterr().err
    assert generator_main(["--output", str(target)]) == 0
    assert generator_main(["--check", "--output", str(target)]) == 0
    assert target.read_text() == render_reference()
