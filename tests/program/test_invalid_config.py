"""An invalid config registers no resource, for every shipped stack and for layered stacks.

The real program (``__main__.py``) runs under recording mocks whose ``new_resource`` counts
every registration, including reads (StackReferences); the refusal must come before the
first one, as a Pulumi error naming the key, without a Python traceback (issue 10, items 1-2).
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any, ClassVar

import pulumi
import pytest
import yaml

from tests.program.hosts_helpers import HostsMocks
from tests.program.stack_program import SHIPPED_STACKS, run_stack, stack_config
from tests.support.ssh_keys import openssh_private_key, public_key_line

LAB_KEY = openssh_private_key("lab")
LEAKED_PRIVATE_KEY = openssh_private_key("pasted-into-the-public-key-setting")
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "mke4"
AWS_STACKS = [stack for stack in SHIPPED_STACKS if stack_config(stack)["mke4k:hosts"]["source"] == "aws"]


class RefusalMocks(HostsMocks):
    """Remembers every resource the program tried to register (reads included), even when it fails."""

    registered: ClassVar[list[str]] = []

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str | None, dict[str, Any]]:
        RefusalMocks.registered.append(f"{args.typ}::{args.name}")
        return super().new_resource(args)


pytestmark = pytest.mark.usefixtures("stack_home")


def merged(config: dict[str, Any], key: str, dotted: str, value: Any) -> dict[str, Any]:
    """``config`` with ``mke4k:<key>`` (a mapping) given ``value`` at ``dotted`` inside it."""
    result = copy.deepcopy(config)
    if not dotted:
        result[f"mke4k:{key}"] = value
        return result
    node = result.setdefault(f"mke4k:{key}", {})
    *parents, last = dotted.split(".")
    for part in parents:
        node = node.setdefault(part, {})
    node[last] = value
    return result


def refused(config: dict[str, Any], stack: str) -> str:
    """Run the program; assert it failed before registering anything; return the error text."""
    RefusalMocks.registered.clear()
    with pytest.raises(pulumi.RunError) as raised:
        run_stack(config, stack, mocks_class=RefusalMocks)
    text = str(raised.value)
    assert "Traceback" not in text and 'File "' not in text, text
    assert RefusalMocks.registered == [], f"registered before the refusal: {RefusalMocks.registered}"
    return text


# (stack key, path inside it, value, the issue key it must name)
EVERY_STACK = [
    ("apiExternalAddress", "", "https://api.example.com:6443", "apiExternalAddress"),
    ("k0s", "config", {"spec": {"netwrok": {}}}, "k0s.config.spec.netwrok"),
    ("k0s", "config", {"spec": {"api": {"port": 7443}}}, "k0s.config.spec.api.port"),
    ("network", "nodePortRange", "30000-32767", "network.nodePortRange"),
    ("network", "serviceCidr", "10.0.0.0/8", "network.serviceCidr"),
    ("calico", "values", {"installation": {"calicoNetwork": {"bgp": "Enabled"}}}, "calico.values"),
    ("registry", "username", "robot", "registry"),
    ("mkeOperator", "version", "latest", "mkeOperator.version"),
    ("calico", "version", "v3.30.9", "calico.version"),
    ("netwrok", "", {}, "netwrok"),
]


@pytest.mark.parametrize("stack", SHIPPED_STACKS)
@pytest.mark.parametrize(("key", "dotted", "value", "named"), EVERY_STACK, ids=[case[-1] for case in EVERY_STACK])
def test_invalid_value_on_a_shipped_stack_registers_nothing(
    stack: str, key: str, dotted: str, value: Any, named: str
) -> None:
    text = refused(merged(stack_config(stack), key, dotted, value), stack)
    assert f"mke4k:{named}" in text


@pytest.mark.parametrize("stack", AWS_STACKS)
def test_private_key_in_the_public_key_setting_reaches_no_resource_and_no_message(stack: str) -> None:
    config = merged(stack_config(stack), "hosts", "aws.publicKey", LEAKED_PRIVATE_KEY)
    config["mke4k:ssh"] = {"user": "ubuntu", "privateKey": openssh_private_key("the-real-one")}
    text = refused(config, stack)
    assert "mke4k:hosts.aws.publicKey" in text
    assert not any(line in text for line in LEAKED_PRIVATE_KEY.splitlines()[1:-1])


@pytest.mark.parametrize("stack", AWS_STACKS)
@pytest.mark.parametrize(
    ("dotted", "value", "named"),
    [
        ("aws.sshCidrs", ["2001:db8::/32"], "hosts.aws.sshCidrs[0]"),
        ("aws.ami", "ubuntu-22.04", "hosts.aws.ami"),
        ("aws.workers.instanceType", "m5xlarge", "hosts.aws.workers.instanceType"),
        ("aws.vpc.cidr", "10.10.0.0/26", "hosts.aws.vpc.cidr"),
    ],
)
def test_invalid_aws_value_registers_nothing(stack: str, dotted: str, value: Any, named: str) -> None:
    assert f"mke4k:{named}" in refused(merged(stack_config(stack), "hosts", dotted, value), stack)


@pytest.mark.parametrize("stack", AWS_STACKS)
def test_vxlan_port_the_security_groups_do_not_open_registers_nothing(stack: str) -> None:
    assert "mke4k:network.vxlanPort" in refused(merged(stack_config(stack), "network", "vxlanPort", 4790), stack)


def test_lab_private_key_file_with_a_public_key_registers_nothing(stack_home: Path) -> None:
    (stack_home / ".ssh" / "mke4k-lab").write_text(public_key_line("lab") + "\n")
    assert "mke4k:ssh.privateKeyFile" in refused(stack_config("lab"), "lab")


def test_lab_mistyped_host_address_registers_nothing() -> None:
    config = stack_config("lab")
    config["mke4k:hosts"]["static"]["hosts"][1]["address"] = "10.40.0.312"
    assert "mke4k:hosts.static.hosts[1].address" in refused(config, "lab")


def test_malformed_mke4_yaml_registers_nothing_and_names_the_file_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    document = yaml.safe_load((FIXTURES / "airgap.yaml").read_text())
    document["spec"]["hosts"][0]["ssh"] = "10.50.1.10"
    (tmp_path / "mke4.yaml").write_text(yaml.safe_dump(document))
    monkeypatch.chdir(tmp_path)  # the program reads paths relative to its working directory
    config = {"mke4k:mke4ConfigFile": "mke4.yaml", "mke4k:ssh": {"privateKey": LAB_KEY}}
    assert "mke4.yaml: spec.hosts[0].ssh is a string" in refused(config, "imported")


# ---------------------------------------------------------------- layered stacks


LAYERED = {
    "machines": ({"run": ["hosts"]}, "dev"),
    "cluster": ({"run": ["k0s"], "fromStack": "acme/mke4k/machines"}, None),
    "platform": ({"run": ["platform"], "fromStack": "acme/mke4k/cluster"}, None),
}


def layered(layer: str) -> dict[str, Any]:
    layers, base = LAYERED[layer]
    config = stack_config(base) if base else {"mke4k:cluster": {"name": "lab"}}
    config["mke4k:layers"] = layers
    return config


@pytest.mark.parametrize(
    ("layer", "key", "dotted", "value", "named"),
    [
        ("machines", "hosts", "aws.apiCidrs", ["::/0"], "hosts.aws.apiCidrs[0]"),
        ("machines", "hosts", "aws.loadBalancer.ingress", True, None),  # valid: the control case
        ("cluster", "k0s", "config", {"spec": {"storage": {"type": "kine"}}}, "k0s.config.spec.storage.type"),
        ("cluster", "k0s", "apiSans", ["lb.example.com:6443"], "k0s.apiSans[0]"),
        ("platform", "calico", "values", {"defaultFelixConfiguration": {"vxlanVNI": 10000}}, "calico.values"),
        ("platform", "k0rdent", "version", "1.x", "k0rdent.version"),
        ("platform", "mke", "", {"ingressController": {"nodePorts": {"https": 30443}}}, "mke.ingressController"),
    ],
)
def test_a_stack_running_only_some_layers_refuses_before_any_resource(
    layer: str, key: str, dotted: str, value: Any, named: str | None
) -> None:
    config = merged(layered(layer), key, dotted, value)
    if named is None:
        RefusalMocks.registered.clear()
        run_stack(config, layer, mocks_class=RefusalMocks)
        assert RefusalMocks.registered, "control: a valid layered stack does register resources"
        return
    assert f"mke4k:{named}" in refused(config, layer)


def test_a_warning_is_printed_and_refuses_nothing(caplog: pytest.LogCaptureFixture) -> None:
    """A VXLAN port other than MKE's on static hosts: the engine gets a warning naming the key; the stack builds."""
    config = merged(stack_config("lab"), "network", "vxlanPort", 4790)
    RefusalMocks.registered.clear()
    with caplog.at_level("WARNING"):
        run_stack(config, "lab", mocks_class=RefusalMocks)
    assert any(name.endswith("-k0s-install") for name in RefusalMocks.registered)
    warnings = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert any(w.startswith("mke4k:network.vxlanPort: ") and "UDP 4790" in w for w in warnings), warnings
