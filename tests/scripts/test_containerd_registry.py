"""The registry files, as configure_registry.sh writes them, validated by the real containerd.

Debian's containerd (1.6: the configuration format of the 1.7 that k0s v1.32-v1.35 bundle)
loads the k0s-style config with the drop-in, and pulls through the CRI plugin, as the
kubelet does, images named after public registries from the loopback registry (TLS from
a test CA, htpasswd credentials). The mirrored "public" registry that must fail is
``localhost:1``, so a fallback to the upstream never leaves the machine.
"""

from __future__ import annotations

import shlex

import pytest
from script_harness import command

from components.k0s.containerd import DROPIN_FILE, HOSTS_DIR, encode_registry_files, render_registry_files
from tests.support.containerd import containerd_problem, k0s_like_config, state_dir, with_containerd
from tests.support.registry import LoopbackRegistry, loopback_registry  # noqa: F401 - fixture

MIRRORED = ["quay.io", "registry.k8s.io", "localhost:1"]


@pytest.fixture(autouse=True)
def _containerd():
    problem = containerd_problem()
    if problem:
        pytest.skip(f"containerd cannot run here: {problem}")


@pytest.fixture
def registry(loopback_registry):  # noqa: F811
    loopback_registry.push_image("mke/k0sproject/pause", "3.9")
    loopback_registry.push_image("mke/pause", "3.9")
    return loopback_registry


def configure(host, registry, *, ca: str | None, credentials: bool):
    files = render_registry_files(
        image_registry=f"{registry.host}/mke", mirrored_registries=MIRRORED, ca_pem=ca, with_credentials=credentials
    )
    result = host.run(
        "configure_registry.sh",
        stdin=registry.auth_token + "\n" if credentials else None,
        REGISTRY_FILES=encode_registry_files(files),
        HAS_CREDENTIALS=str(credentials).lower(),
    )
    assert result.returncode == 0, result
    return result


def run(host, registry, commands: str):
    """Run ``commands`` while containerd runs with the host's registry files; returns the result and its log."""
    with state_dir() as workdir:
        config = k0s_like_config(workdir, host.read(DROPIN_FILE), f"{registry.host}/mke/pause:3.9")
        result = host.shell(with_containerd(workdir, config, commands))
        log = (workdir / "containerd.log").read_text() if (workdir / "containerd.log").exists() else ""
    return result, log


def test_containerd_loads_the_dropin_and_the_k0s_style_config(host, registry):
    configure(host, registry, ca=registry.ca_pem, credentials=True)
    with state_dir() as workdir:
        config = k0s_like_config(workdir, host.read(DROPIN_FILE), f"{registry.host}/mke/pause:3.9")
        dumped = host.shell(f"containerd --config {config} config dump")
        alone = workdir / "dropin-only.toml"
        alone.write_text(f'version = 2\nimports = ["{DROPIN_FILE}"]\n')
        imported = host.shell(f"containerd --config {alone} config dump")
    assert dumped.returncode == 0, dumped
    assert f'config_path = "{HOSTS_DIR}"' in dumped.stdout
    assert f'sandbox_image = "{registry.host}/mke/pause:3.9"' in dumped.stdout
    assert imported.returncode == 0, imported
    assert f'config_path = "{HOSTS_DIR}"' in imported.stdout


def test_public_names_are_pulled_from_the_mirror_through_cri_and_ctr(host, registry):
    configure(host, registry, ca=registry.ca_pem, credentials=True)
    result, log = run(
        host,
        registry,
        f"""
$CRI_PULL quay.io/k0sproject/pause:3.9; echo "cri_quay=$?"
$CRI_PULL {registry.host}/mke/k0sproject/pause:3.9; echo "cri_mirror=$?"
ctr --address "$SOCK" images pull --hosts-dir {HOSTS_DIR} registry.k8s.io/pause:3.9 >/dev/null; echo "ctr_k8s=$?"
$CRI_PULL localhost:1/k0sproject/missing:1; echo "cri_missing=$?"
""",
    )
    assert result.values.get("cri_quay") == "0", (result, log)
    assert result.values["cri_mirror"] == "0", (result, log)
    assert result.values["ctr_k8s"] == "0", (result, log)
    assert result.values["cri_missing"] == "1"
    assert f'host="{registry.host}"' in log and "StatusNotFound" in log, "the mirror was asked first and said 404"


def test_without_the_credentials_the_mirror_refuses(host, registry):
    configure(host, registry, ca=registry.ca_pem, credentials=False)
    result, _ = run(host, registry, '$CRI_PULL quay.io/k0sproject/pause:3.9 2>&1; echo "cri=$?"')
    assert result.values["cri"] == "1"
    assert "401 Unauthorized" in result.stdout


def test_a_ca_rotation_applies_without_restarting_containerd(host, registry, tmp_path):
    """Wrong CA: TLS fails. The script rewrites the CA while containerd runs; the next pull works."""
    with LoopbackRegistry(tmp_path / "other") as other:
        configure(host, registry, ca=other.ca_pem, credentials=True)
    rotate = host_script(host, registry, ca=registry.ca_pem)
    result, log = run(
        host,
        registry,
        f"""
$CRI_PULL quay.io/k0sproject/pause:3.9 2>&1; echo "before=$?"
{rotate}
echo "rotated=$?"
$CRI_PULL quay.io/k0sproject/pause:3.9; echo "after=$?"
""",
    )
    assert result.values["before"] == "1" and "x509" in result.stdout, (result, log)
    assert result.values["rotated"] == "0"
    assert result.values["after"] == "0", (result, log)


def host_script(host, registry, *, ca: str) -> str:
    """Shell text running configure_registry.sh (as the program sends it) inside the same sandbox."""
    files = render_registry_files(
        image_registry=f"{registry.host}/mke", mirrored_registries=MIRRORED, ca_pem=ca, with_credentials=True
    )
    installed = host.install_scripts()
    assert installed.returncode == 0, installed
    line = command("configure_registry.sh", {"REGISTRY_FILES": encode_registry_files(files), "HAS_CREDENTIALS": "true"})
    token = shlex.quote(registry.auth_token)
    return f"printf '%s\\n' {token} | sh -c {shlex.quote(line)} >/dev/null"
