"""`pulumi preview` of the lab stack (all three layers) on the real engine.

Uses the locally built CLI, Python host and Kubernetes provider (`make engine`) and the
command provider TEST STAND-IN (tools/command-standin): a preview runs only the providers'
Check and Diff, so this proves the whole graph plans with no error — hosts, k0s chains,
the Kubernetes provider and every Helm release — not that anything would deploy.

Invalid configs of several kinds fail ``pulumi up`` itself in the settings pass: the
message names the key, no Python traceback is printed, and the state holds no resource.
"""

from __future__ import annotations

import json
import os

import pytest
import yaml

from tests.e2e.pulumi_cli import ENGINE_HOME, REPO, PulumiProject, missing_engine_parts

pytestmark = pytest.mark.e2e

if os.environ.get("MKE4K_E2E") != "1":
    pytest.skip("end-to-end test: set MKE4K_E2E=1 (or run tests/e2e/run.sh)", allow_module_level=True)
if missing_engine_parts() or not (ENGINE_HOME / "plugins" / "resource-kubernetes-v4.34.2").is_dir():
    pytest.skip(
        "needs make engine (with the Kubernetes provider) and tools/command-standin/build.sh", allow_module_level=True
    )


def shipped_stack(stack: str, home, monkeypatch) -> PulumiProject:
    """A scratch project with the shipped stack's config; its key file in a scratch HOME."""
    (home / ".ssh").mkdir(exist_ok=True)
    (home / ".ssh" / f"mke4k-{stack}").write_text(
        f"-----BEGIN OPENSSH PRIVATE KEY-----\n{stack}\n-----END OPENSSH PRIVATE KEY-----\n"
    )
    monkeypatch.setenv("HOME", str(home))
    project = PulumiProject(stack=stack)
    project.init_stack(yaml.safe_load((REPO / f"Pulumi.{stack}.yaml").read_text())["config"])
    return project


@pytest.fixture
def lab(tmp_path, monkeypatch):
    """The shipped lab stack in a scratch project."""
    project = shipped_stack("lab", tmp_path, monkeypatch)
    yield project
    project.cleanup()


def test_the_airgap_stack_plans_its_mirror_steps_with_no_error(tmp_path, monkeypatch):
    """The airgap example (static hosts, a mirror with a private CA, an OCI chart registry) on the real engine."""
    project = shipped_stack("airgap", tmp_path, monkeypatch)
    try:
        plan = json.loads(project.preview("--json").stdout)
    finally:
        project.cleanup()
    names = {step["urn"].rsplit("::", 1)[1] for step in plan["steps"]}
    assert "airgap-manager-1-registry-preflight" in names, "the mirror is checked before any node changes"
    assert {f"airgap-{node}-registry" for node in ("manager-1", "worker-1", "worker-2")} <= names
    assert {"airgap-calico", "airgap-k0rdent", "airgap-mke-operator"} <= names
    assert not plan.get("diagnostics") or all(d.get("severity") != "error" for d in plan["diagnostics"])


def test_the_lab_stack_plans_every_layer_with_no_error(lab):
    run = lab.preview("--json")
    plan = json.loads(run.stdout)
    steps = {(step["newState"]["type"], step["urn"].rsplit("::", 1)[1]) for step in plan["steps"]}
    names = {name for _, name in steps}
    ops = {(step["op"], step["newState"]["type"]) for step in plan["steps"] if step["op"] != "create"}
    assert ops == {("read", "pulumi:pulumi:StackReference")}, "a new stack creates everything; reads only itself"
    assert {"lab-manager-1-k0s-install", "lab-worker-2-member", "lab-manager-3-k0s-upgrade"} <= names
    assert ("kubernetes:helm.sh/v3:Release", "lab-calico") in steps
    assert ("kubernetes:helm.sh/v3:Release", "lab-k0rdent") in steps
    assert ("kubernetes:helm.sh/v3:Release", "lab-mke-operator") in steps
    assert ("pulumi:providers:kubernetes", "lab-kubernetes") in steps
    assert len([n for n in names if n.endswith("-k0s-install")]) == 5
    assert not plan.get("diagnostics") or all(d.get("severity") != "error" for d in plan["diagnostics"])


def test_an_invalid_config_fails_the_preview_with_the_key(lab):
    lab.set_config({"mke4k:network": {"vxlanVni": 0}})
    run = lab.preview(check=False)
    assert run.returncode != 0
    assert "mke4k:network.vxlanVni: VXLAN VNI 0 is outside 1-16777215" in run.output
    assert "Traceback" not in run.output


def resources_in_state(project):
    """Types of the resources in the stack's state (the root Stack resource left out)."""
    exported = json.loads(project.pulumi("stack", "export").stdout)
    resources = exported.get("deployment", {}).get("resources") or []
    return [r["type"] for r in resources if r["type"] != "pulumi:pulumi:Stack"]


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        ({"mke4k:apiExternalAddress": "https://lab-api.example.internal:6443"}, "mke4k:apiExternalAddress: "),
        ({"mke4k:k0s": {"config": {"spec": {"netwrok": {}}}}}, "mke4k:k0s.config.spec.netwrok: "),
        (
            {"mke4k:calico": {"values": {"installation": {"calicoNetwork": {"bgp": "Enabled"}}}}},
            "mke4k:calico.values.installation.calicoNetwork.bgp: ",
        ),
        ({"mke4k:network": {"nodePortRange": "30000-32767"}}, "mke4k:network.nodePortRange: "),
    ],
)
def test_an_invalid_config_fails_up_before_any_resource_exists(lab, config, expected):
    """`pulumi up` (not only preview) stops in the settings pass: the key is named, nothing is in state."""
    lab.set_config(config)
    run = lab.pulumi("up", "--yes", "--skip-preview", check=False, timeout=300)
    assert run.returncode != 0
    assert expected in run.output
    assert "Traceback" not in run.output
    assert resources_in_state(lab) == []


def test_a_public_key_in_the_private_key_file_fails_before_any_ssh_attempt(lab, tmp_path):
    """The lab key file holds a .pub line: refused at once, not after 60 SSH attempts per node."""
    (tmp_path / ".ssh" / "mke4k-lab").write_text("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFaKe ops@example\n")
    run = lab.pulumi("up", "--yes", "--skip-preview", check=False, timeout=300)
    assert run.returncode != 0
    assert "mke4k:ssh.privateKeyFile: this is a public key" in run.output
    assert "Traceback" not in run.output
    assert resources_in_state(lab) == []
