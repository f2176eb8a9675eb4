"""tools/airgap_list.py (make airgap-list): lines a skopeo/helm copy loop can consume."""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from components.airgap import mirror_manifest
from components.settings import validate_mapping
from tools.airgap_list import main, stack_settings_input

REPO = Path(__file__).resolve().parents[2]


def test_every_line_is_a_copy_instruction(capsys) -> None:
    assert main(["--stack", "airgap"]) == 0
    out = capsys.readouterr()
    lines = out.out.splitlines()
    kinds = {line.split()[0] for line in lines}
    assert kinds == {"image", "chart", "file"}
    mirror = yaml.safe_load((REPO / "Pulumi.airgap.yaml").read_text())["config"]["mke4k:registry"]["imageRegistry"]
    for line in lines:
        fields = line.split()
        assert len(fields) == {"image": 3, "chart": 5, "file": 3}[fields[0]], line
        if fields[0] == "image":
            source, target = fields[1:]
            assert target.startswith(mirror + "/") and ":" in source.rsplit("/", 1)[-1]
            assert source.rsplit(":", 1)[1] == target.rsplit(":", 1)[1], "the tag is kept"
        if fields[0] == "chart":
            assert fields[4] == f"oci://{mirror}"
    assert "# not listed: mke-operator image" in out.err, "what cannot be enumerated is said, on stderr"


def test_what_selects_one_kind(capsys) -> None:
    assert main(["--stack", "airgap", "--what", "charts"]) == 0
    assert {line.split()[0] for line in capsys.readouterr().out.splitlines()} == {"chart"}


def test_json_has_the_same_content_as_the_manifest(capsys) -> None:
    assert main(["--stack", "airgap", "--format", "json"]) == 0
    document = json.loads(capsys.readouterr().out)
    settings = validate_mapping(
        stack_settings_input(REPO / "Pulumi.airgap.yaml"), stack="airgap", base_dir=REPO, connects=False
    ).settings
    manifest = mirror_manifest(settings)
    assert [i["target_image"] for i in document["images"]] == [i.target_image for i in manifest.images]
    assert [c["target"] for c in document["charts"]] == [c.target for c in manifest.charts]


def test_a_stack_without_a_mirror_says_how_to_fix_it(capsys) -> None:
    assert main(["--stack", "lab"]) == 1
    assert "mke4k:registry.imageRegistry is not set" in capsys.readouterr().err
    assert main(["--stack", "nope"]) == 1
    assert "Pulumi.nope.yaml not found" in capsys.readouterr().err


def test_secrets_and_ssh_keys_are_not_read(tmp_path: Path) -> None:
    stack = tmp_path / "Pulumi.x.yaml"
    stack.write_text(
        yaml.safe_dump(
            {
                "config": {
                    "mke4k:registry": {
                        "imageRegistry": "r.example/mke",
                        "username": "u",
                        "password": {"secure": "AAE="},
                    },
                    "mke4k:ssh": {"user": "mke", "privateKeyFile": "/nonexistent/key"},
                    "aws:region": "eu-west-1",
                }
            }
        )
    )
    raw = stack_settings_input(stack)
    assert raw["registry"]["password"].startswith("<secret")
    assert raw["ssh"] == {"user": "mke"}
    assert "region" not in raw
