"""host_ready.sh: architecture/OS detection and clear messages for missing prerequisites."""

from __future__ import annotations

import os
from pathlib import Path

import pytest


def path_without(tmp_path: Path, *missing: str) -> str:
    """A PATH with every system command except `missing` (symlink farm)."""
    farm = tmp_path / ("farm-" + "-".join(missing))
    farm.mkdir()
    for directory in ("/usr/sbin", "/usr/bin", "/sbin", "/bin"):
        if not os.path.isdir(directory):
            continue
        for entry in os.listdir(directory):
            target = farm / entry
            if entry not in missing and not target.exists():
                target.symlink_to(os.path.join(directory, entry))
    return str(farm)


def test_reports_arch_and_os(host):
    result = host.run("host_ready.sh")
    assert result.returncode == 0, result
    assert result.values["arch"] in {"amd64", "arm64", "arm"}
    os_release = dict(line.split("=", 1) for line in Path("/etc/os-release").read_text().splitlines() if "=" in line)
    assert result.values["os"] == os_release["ID"].strip('"')


def test_missing_sha256sum_names_tool_and_package(host, tmp_path):
    result = host.run("host_ready.sh", path=path_without(tmp_path, "sha256sum"))
    assert result.returncode != 0
    assert "mke4k: [test step] error:" in result.stderr
    assert "'sha256sum' (package 'coreutils')" in result.stderr
    assert result.stdout == ""


def test_download_needs_curl_or_wget_only_when_downloading(host, tmp_path):
    path = path_without(tmp_path, "curl", "wget")
    assert host.run("host_ready.sh", path=path, NEEDS_DOWNLOAD="false").returncode == 0
    result = host.run("host_ready.sh", path=path, NEEDS_DOWNLOAD="true")
    assert result.returncode != 0
    assert "'curl' or 'wget' (package 'curl')" in result.stderr


def test_unsupported_architecture_is_a_clear_error(host, tmp_path):
    fake_bin = tmp_path / "fake-uname"
    fake_bin.mkdir()
    (fake_bin / "uname").write_text("#!/bin/sh\necho s390x\n")
    (fake_bin / "uname").chmod(0o755)
    result = host.run("host_ready.sh", path=f"{fake_bin}:/usr/sbin:/usr/bin:/sbin:/bin")
    assert result.returncode != 0
    assert "unsupported CPU architecture 's390x'" in result.stderr


@pytest.mark.parametrize("value", ["yes", "TRUE"])
def test_rejects_a_non_boolean_input(host, value):
    result = host.run("host_ready.sh", NEEDS_DOWNLOAD=value)
    assert result.returncode != 0
    assert "NEEDS_DOWNLOAD must be one of: true false" in result.stderr
