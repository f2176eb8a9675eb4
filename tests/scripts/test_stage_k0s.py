"""stage_k0s.sh: download, verify (fail closed), retry, 404, pinned checksum, uploaded mode."""

from __future__ import annotations

from script_harness import V1, fake_k0s_bytes, sha256_hex

STAGED = f"/var/lib/mke4k/bin/k0s-{V1}"
ASSET = f"k0s-{V1}-amd64"


def stage(cluster, host, version=V1, **inputs):
    return host.run(
        "stage_k0s.sh",
        K0S_VERSION=version,
        K0S_DOWNLOAD_URL=cluster.release.base_url,
        RETRY_DELAY_SECONDS=0,
        **inputs,
    )


def test_first_run_downloads_and_verifies(cluster, host):
    result = stage(cluster, host)
    assert result.returncode == 0, result
    assert result.values == {
        "staged": STAGED,
        "sha256": sha256_hex(fake_k0s_bytes(V1)),
        "changed": "true",
    }
    assert host.stat(STAGED, "%a") == "755"
    assert host.shell("readlink /var/lib/mke4k/bin/k0s-staged").stdout.strip() == f"k0s-{V1}"
    assert host.shell("/var/lib/mke4k/bin/k0s-staged version").stdout.strip() == V1
    # the `+` stays literal in the URL
    assert cluster.release.count(f"/{V1}/{ASSET}") == 1


def test_second_run_is_a_no_op(cluster, host):
    assert stage(cluster, host).returncode == 0
    mtime = host.stat(STAGED, "%Y.%y")
    requests = len(cluster.release.requests)
    result = stage(cluster, host)
    assert result.returncode == 0, result
    assert "already staged" in result.stderr and "nothing to do" in result.stderr
    assert result.values["changed"] == "false"
    assert host.stat(STAGED, "%Y.%y") == mtime
    assert len(cluster.release.requests) == requests, "a no-op must not download again"


def test_wrong_checksum_fails_closed(cluster, host):
    cluster.release.corrupt(V1, "amd64")
    result = stage(cluster, host)
    assert result.returncode != 0
    expected = sha256_hex(fake_k0s_bytes(V1))
    assert "checksum mismatch" in result.stderr
    assert f"expected sha256 {expected}" in result.stderr
    assert result.stdout == ""
    assert host.listdir("/var/lib/mke4k/bin") == [], "no binary, no temp file, no link may be left"


def test_transient_503s_are_retried(cluster, host):
    cluster.release.fail_next(2)
    result = stage(cluster, host)
    assert result.returncode == 0, result
    assert [status for _, status in cluster.release.requests].count(503) == 2
    assert "retrying" in result.stderr
    assert host.exists(STAGED)


def test_persistent_503s_give_up_after_the_configured_attempts(cluster, host):
    cluster.release.fail_next(100)
    result = stage(cluster, host, DOWNLOAD_ATTEMPTS=3)
    assert result.returncode != 0
    assert len(cluster.release.requests) == 3
    assert "after 3 attempts" in result.stderr
    assert host.listdir("/var/lib/mke4k/bin") == []


def test_404_fails_fast_naming_the_url(cluster, host):
    cluster.release.missing(V1)
    result = stage(cluster, host, DOWNLOAD_ATTEMPTS=4, K0S_SHA256=sha256_hex(fake_k0s_bytes(V1)))
    assert result.returncode != 0
    assert len(cluster.release.requests) == 1, "a 404 is not retried"
    assert f"{cluster.release.base_url}/{V1}/{ASSET}" in result.stderr
    assert "404" in result.stderr


def test_unknown_version_without_pin_names_the_checksum_url(cluster, host):
    result = stage(cluster, host, version="v1.99.0+k0s.0")
    assert result.returncode != 0
    assert f"{cluster.release.base_url}/v1.99.0+k0s.0/sha256sums.txt" in result.stderr


def test_pinned_checksum_skips_the_checksum_file(cluster, host):
    result = stage(cluster, host, K0S_SHA256=sha256_hex(fake_k0s_bytes(V1)).upper())
    assert result.returncode == 0, result
    assert cluster.release.count("sha256sums.txt") == 0
    assert result.values["sha256"] == sha256_hex(fake_k0s_bytes(V1))


def test_wrong_pin_fails_closed(cluster, host):
    result = stage(cluster, host, K0S_SHA256="0" * 64)
    assert result.returncode != 0
    assert f"expected sha256 {'0' * 64}" in result.stderr
    assert host.listdir("/var/lib/mke4k/bin") == []


def test_a_changed_pin_restages(cluster, host):
    """A staged file that no longer matches the pin is not trusted."""
    assert stage(cluster, host).returncode == 0
    result = stage(cluster, host, K0S_SHA256="0" * 64)
    assert result.returncode != 0
    assert "does not match the expected checksum" in result.stderr


def test_uploaded_mode(cluster, host):
    data = fake_k0s_bytes(V1)
    host.put(f"{STAGED}.upload", data)
    result = host.run(
        "stage_k0s.sh",
        K0S_VERSION=V1,
        STAGE_MODE="uploaded",
        K0S_SHA256=sha256_hex(data),
        K0S_DOWNLOAD_URL="http://127.0.0.1:9/unused",
    )
    assert result.returncode == 0, result
    assert result.values["staged"] == STAGED
    assert not host.exists(f"{STAGED}.upload")
    assert host.shell(f"{STAGED} version").stdout.strip() == V1
    assert cluster.release.requests == []


def test_uploaded_mode_rejects_a_corrupt_upload(cluster, host):
    host.put(f"{STAGED}.upload", b"#!/bin/sh\necho not k0s\n")
    result = host.run(
        "stage_k0s.sh",
        K0S_VERSION=V1,
        STAGE_MODE="uploaded",
        K0S_SHA256=sha256_hex(fake_k0s_bytes(V1)),
    )
    assert result.returncode != 0
    assert "checksum mismatch for uploaded file" in result.stderr
    assert host.listdir("/var/lib/mke4k/bin") == []


def test_uploaded_mode_requires_a_pin(host):
    result = host.run("stage_k0s.sh", K0S_VERSION=V1, STAGE_MODE="uploaded")
    assert result.returncode != 0
    assert "STAGE_MODE=uploaded needs K0S_SHA256" in result.stderr


def test_rejects_a_malformed_version(host):
    result = host.run("stage_k0s.sh", K0S_VERSION="1.32.11")
    assert result.returncode != 0
    assert "K0S_VERSION must look like v1.32.11+k0s.0" in result.stderr
