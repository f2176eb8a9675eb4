"""The command text of every k0s-layer step and the script bundle behind it (pure)."""

from __future__ import annotations

import hashlib
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest

from components.k0s.bundle import FILE_MARKER, HOST_SCRIPTS_DIR, SCRIPTS_DIR, build_bundle, script_bundle
from components.k0s.remote import install_line, parse_run_line, run_line

INPUTS = {"NODE_NAME": "w1", "K0S_VERSION": "v1.33.5+k0s.0", "DRAIN": "true"}


def split_bundle(payload: str) -> dict[str, str]:
    """The files of a bundle, split the way the installer's awk splits them."""
    files: dict[str, str] = {}
    name = None
    for line in payload.splitlines(keepends=True):
        if line.startswith(FILE_MARKER):
            name = line[len(FILE_MARKER) :].strip()
            files[name] = ""
        else:
            assert name is not None, "the bundle starts with a file marker"
            files[name] += line
    return files


def test_every_host_script_is_in_the_bundle_under_its_content_hash():
    bundle = script_bundle()
    files = split_bundle(bundle.payload)
    for path in SCRIPTS_DIR.glob("*.sh"):
        installed = bundle.file(path.stem)
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        assert installed == f"{path.stem}-{digest[:12]}.sh"
        assert files[installed] == path.read_text(), f"{installed} arrives byte for byte"
        assert f"{digest}  {installed}\n" in files[bundle.manifest]


def test_the_bundle_is_the_same_for_the_same_scripts(tmp_path):
    for path in SCRIPTS_DIR.glob("*.sh"):
        shutil.copy(path, tmp_path / path.name)
    again = build_bundle(tmp_path)
    assert again.payload == script_bundle().payload
    (tmp_path / "upgrade_node.sh").write_text((SCRIPTS_DIR / "upgrade_node.sh").read_text() + "# changed\n")
    changed = build_bundle(tmp_path)
    differing = {name for name in changed.files if changed.files[name] != again.files[name]}
    assert differing == {"upgrade_node"}, "a change to one script renames only that script"


def test_a_step_command_is_short_names_its_scripts_and_puts_one_input_per_line():
    bundle = script_bundle()
    line = run_line("w1 k0s-upgrade", "upgrade_node", INPUTS)
    assert len(line) < 400
    first, second, *inputs = line.splitlines()
    assert first == f"exec bash {HOST_SCRIPTS_DIR}/{bundle.file('run')} 'w1 k0s-upgrade' \\"
    assert second.split() == [bundle.file("lib"), bundle.file("upgrade_node"), "\\"]
    assert [entry.strip().removesuffix(" \\") for entry in inputs] == [
        "DRAIN=true",
        "K0S_VERSION=v1.33.5+k0s.0",
        "NODE_NAME=w1",
    ]


def test_a_version_bump_changes_exactly_one_line():
    before = run_line("w1 k0s-upgrade", "upgrade_node", INPUTS).splitlines()
    after = run_line("w1 k0s-upgrade", "upgrade_node", {**INPUTS, "K0S_VERSION": "v1.34.1+k0s.0"}).splitlines()
    changed = [(a, b) for a, b in zip(before, after, strict=True) if a != b]
    assert changed == [("  K0S_VERSION=v1.33.5+k0s.0 \\", "  K0S_VERSION=v1.34.1+k0s.0 \\")]


def test_a_step_command_reads_back_and_a_runner_step_carrying_one_is_not_a_host_step():
    line = run_line("w1 k0s-upgrade", "upgrade_node", INPUTS)
    assert parse_run_line(line) == ("upgrade_node", INPUTS)
    assert parse_run_line(install_line("w1 host-ready") + "\n" + line) == ("upgrade_node", INPUTS)
    runner = shlex.join(["python3", "-c", "x", "--remote-command", line, "--directory", "/tmp/b"])
    assert parse_run_line(runner) is None, "the backup step's --remote-command is not its own command"


@pytest.mark.parametrize("value", ["it's", "$(reboot)", "a b\nc", "`id`", "", "--flag", "x=y"])
def test_input_values_are_single_shell_words(value):
    words = shlex.split(run_line("n1 step", "admin_kubeconfig", {"NODE_NAME": value}).replace("\\\n", " "))
    assert words[-1] == f"NODE_NAME={value}"


def test_input_names_must_be_shell_identifiers():
    with pytest.raises(ValueError, match="UPPER_CASE"):
        run_line("n1 step", "admin_kubeconfig", {"bad name; rm -rf /": "x"})
    with pytest.raises(KeyError, match="no host script 'nope'"):
        run_line("n1 step", "nope", {})


def test_the_commands_are_valid_posix_sh():
    for text in (run_line("c1 host-ready", "host_ready", INPUTS), install_line("c1 host-ready")):
        result = subprocess.run(["sh", "-n"], input=text, capture_output=True, text=True, check=False)
        assert result.returncode == 0, result.stderr


def test_the_installer_writes_the_bundle_and_verifies_it(tmp_path):
    """The installer's split-and-verify part, run for real against a scratch directory."""
    target = tmp_path / "scripts"
    text = install_line("c1 host-ready").replace(HOST_SCRIPTS_DIR, str(target))
    # As a non-root user the installer would use `sudo -n`; here it runs as whoever runs the tests.
    result = subprocess.run(
        ["sh", "-c", text.replace('s="sudo -n"', "s=")],
        input=script_bundle().payload,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    for name, installed in script_bundle().files.items():
        assert (target / installed).read_text() == (SCRIPTS_DIR / f"{name}.sh").read_text()
    damaged = script_bundle().payload.replace("set -euo pipefail", "set -eu", 1)
    result = subprocess.run(
        ["sh", "-c", text.replace('s="sudo -n"', "s=")], input=damaged, capture_output=True, text=True, check=False
    )
    assert result.returncode != 0
    assert "arrived damaged" in result.stderr


def test_no_script_reads_a_config_from_its_command_line():
    """Secrets and large documents go on stdin; the command carries only short inputs."""
    for path in Path(SCRIPTS_DIR).glob("*.sh"):
        assert "K0S_CONFIG_B64" not in path.read_text()
