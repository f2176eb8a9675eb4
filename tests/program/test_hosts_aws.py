"""The aws hosts source under recording mocks: dev, staging and prod shapes."""

from __future__ import annotations

import copy
from collections import Counter
from typing import Any

import pytest

from components.hosts import Hosts, build_hosts, hosts_outputs
from components.settings import SettingsError
from tests.program.hosts_helpers import (
    AMI,
    API_CIDR,
    ATTACHMENT,
    AZS,
    DEV,
    EGRESS_RULE,
    GENERATED_PRIVATE_KEY,
    GIVEN_PRIVATE_KEY,
    GIVEN_PUBLIC_KEY,
    INGRESS_RULE,
    INSTANCE,
    KEY_PAIR,
    LISTENER,
    LOOKED_UP_AMI,
    NLB,
    PROD,
    SECURITY_GROUP,
    SSH_CIDR,
    STAGING,
    SUBNET,
    TARGET_GROUP,
    TLS_KEY,
    ZONES,
    HostsMocks,
    is_secret,
    resolve,
    resolve_deep,
    run_hosts_program,
    settings_for,
)
from tests.support.port_table import CORE as FACTS_CORE
from tests.support.port_table import NLB as FACTS_NLB
from tests.support.recording_mocks import Recording

SHAPES = {"dev": DEV, "staging": STAGING, "prod": PROD}


def build(raw: dict[str, Any]) -> tuple[Recording, Hosts, dict[str, Any]]:
    """Run build_hosts for a config; return the recording, the Hosts and its outputs resolved."""
    settings = settings_for(raw)
    box: dict[str, Any] = {}

    def program() -> None:
        hosts = build_hosts(settings)
        box["hosts"] = hosts
        box["outputs"] = hosts_outputs(hosts)

    recording = run_hosts_program(program)
    return recording, box["hosts"], box["outputs"]


@pytest.fixture(scope="module", params=list(SHAPES))
def shape(request: pytest.FixtureRequest) -> tuple[str, Recording, Hosts]:
    recording, hosts, _ = build(SHAPES[request.param])
    return request.param, recording, hosts


def instances(recording: Recording) -> dict[str, Any]:
    """Instances by their mke4k:node tag."""
    return {r.inputs["tags"]["mke4k:node"]: r for r in recording.by_type(INSTANCE)}


# -- instances ---------------------------------------------------------------------------------

EXPECTED = {
    # shape: (controllers, workers, controller type, worker type, volume GiB controllers/workers, zones)
    "dev": (1, 1, "t3.large", "t3.medium", (30, 30), ZONES[:2]),
    "staging": (3, 2, "m5.xlarge", "m5.large", (50, 50), ZONES),
    "prod": (3, 4, "m5.2xlarge", "m5.4xlarge", (100, 200), ZONES),
}


def test_instances_per_role_types_and_spread(shape: tuple[str, Recording, Hosts]) -> None:
    name, recording, hosts = shape
    n_controllers, n_workers, controller_type, worker_type, volumes, zones = EXPECTED[name]
    found = instances(recording)
    roles = Counter(r.inputs["tags"]["mke4k:role"] for r in found.values())
    assert roles == Counter({"controller+worker": n_controllers, "worker": n_workers})
    assert [n.name for n in hosts.nodes] == [f"controller-{i}" for i in range(1, n_controllers + 1)] + [
        f"worker-{i}" for i in range(1, n_workers + 1)
    ]
    subnet_zone = {r.id: r.inputs["availabilityZone"] for r in recording.by_type(SUBNET)}
    assert sorted(set(subnet_zone.values())) == zones
    for node, resource in found.items():
        inputs = resource.inputs
        controller = node.startswith("controller")
        assert inputs["instanceType"] == (controller_type if controller else worker_type)
        assert inputs["metadataOptions"]["httpTokens"] == "required"
        root = inputs["rootBlockDevice"]
        assert root["encrypted"] is True
        assert root["volumeType"] == "gp3"
        assert root["volumeSize"] == volumes[0 if controller else 1]
        index = int(node.rsplit("-", 1)[1]) - 1
        assert subnet_zone[inputs["subnetId"]] == zones[index % len(zones)], node
    controller_zones = [subnet_zone[found[f"controller-{i}"].inputs["subnetId"]] for i in range(1, n_controllers + 1)]
    assert len(set(controller_zones)) == min(n_controllers, len(zones)), "controllers share an AZ needlessly"


def test_instance_tags(shape: tuple[str, Recording, Hosts]) -> None:
    name, recording, _ = shape
    cluster = SHAPES[name]["cluster"]
    for node, resource in instances(recording).items():
        tags = resource.inputs["tags"]
        role = "worker" if node.startswith("worker") else "controller+worker"
        expected = {
            **cluster.get("tags", {}),
            "Name": f"{cluster['name']}-{node}",
            "mke4k:cluster": cluster["name"],
            "mke4k:role": role,
            "mke4k:node": node,
            "mke4k:stack": "test",
        }
        if name == "prod":
            expected["kubernetes.io/cluster/prod"] = "owned"
        assert tags == expected  # (key order is the RPC map's; tests/unit checks we send them sorted)
        assert resource.name == f"{cluster['name']}-{node}"


def test_ami_pinned_or_looked_up() -> None:
    HostsMocks.invoke_calls.clear()
    recording, _, _ = build(PROD)
    assert {r.inputs["ami"] for r in recording.by_type(INSTANCE)} == {"ami-0a1b2c3d4e5f67890"}
    assert all(r.ignore_changes == ("keyName",) for r in recording.by_type(INSTANCE)), "a new key never replaces"
    assert AMI not in [token for token, _ in HostsMocks.invoke_calls]

    HostsMocks.invoke_calls.clear()
    recording, _, _ = build(DEV)
    assert {r.inputs["ami"] for r in recording.by_type(INSTANCE)} == {LOOKED_UP_AMI}
    # a newer Canonical image must not replace running nodes
    assert all(r.ignore_changes == ("ami", "keyName") for r in recording.by_type(INSTANCE))
    ami_calls = [args for token, args in HostsMocks.invoke_calls if token == AMI]
    assert ami_calls and ami_calls[0]["owners"] == ["099720109477"] and ami_calls[0]["mostRecent"] is True
    assert ami_calls[0]["filters"][0]["values"] == ["ubuntu/images/hvm-ssd/ubuntu-jammy-22.04-amd64-server-*"]
    azs = [args for token, args in HostsMocks.invoke_calls if token == AZS]
    assert azs == [{"region": "eu-west-1", "state": "available"}]


def test_nodes_carry_machine_and_addresses(shape: tuple[str, Recording, Hosts]) -> None:
    _, recording, hosts = shape
    found = instances(recording)
    for node in hosts.nodes:
        instance = found[node.name]
        assert node.machine is not None
        assert resolve(node.machine_id) == instance.id
        assert resolve(node.private_address) == instance.outputs["privateIp"]
        assert resolve(node.ssh_address) == instance.outputs["publicIp"]
        assert (node.ssh_user, node.ssh_port, node.use_bastion) == ("ubuntu", 22, False)


# -- security groups ---------------------------------------------------------------------------


def sg_table(recording: Recording) -> set[tuple[Any, ...]]:
    """Every SG rule as (group, direction, protocol, from, to, peer)."""
    group_of = {r.id: r.name.split("-sg-", 1)[1] for r in recording.by_type(SECURITY_GROUP)}
    rows: list[tuple[Any, ...]] = []
    for token, direction in ((INGRESS_RULE, "ingress"), (EGRESS_RULE, "egress")):
        for rule in recording.by_type(token):
            inputs = rule.inputs
            peer = (
                f"cidr:{inputs['cidrIpv4']}"
                if "cidrIpv4" in inputs
                else f"sg:{group_of[inputs['referencedSecurityGroupId']]}"
            )
            ports = [int(inputs[k]) if k in inputs else None for k in ("fromPort", "toPort")]
            rows.append((group_of[inputs["securityGroupId"]], direction, inputs["ipProtocol"], *ports, peer))
    assert len(rows) == len(set(rows)), "duplicate rules"
    return set(rows)


EXPECTED_RULES = {
    "dev": FACTS_CORE
    | {
        ("cluster", "ingress", "tcp", 22, 22, f"cidr:{SSH_CIDR}"),
        ("controllers", "ingress", "tcp", 6443, 6443, f"cidr:{API_CIDR}"),  # no NLB: API direct
    },
    "staging": FACTS_CORE
    | FACTS_NLB
    | {
        ("cluster", "ingress", "tcp", 22, 22, f"cidr:{SSH_CIDR}"),
        ("lb", "ingress", "tcp", 6443, 6443, f"cidr:{API_CIDR}"),
    },
    "prod": FACTS_CORE
    | FACTS_NLB
    | {
        ("cluster", "ingress", "tcp", 22, 22, "cidr:10.99.0.0/16"),
        ("cluster", "ingress", "tcp", 22, 22, "cidr:192.0.2.10/32"),
        ("lb", "ingress", "tcp", 6443, 6443, "cidr:10.99.0.0/16"),
        ("lb", "ingress", "tcp", 6443, 6443, "cidr:192.0.2.0/24"),
        ("controllers", "ingress", "tcp", 33001, 33001, "sg:lb"),  # 443 -> 33001 ingress path
        ("lb", "egress", "tcp", 33001, 33001, "sg:controllers"),
        ("lb", "ingress", "tcp", 443, 443, "cidr:10.99.0.0/16"),
        ("lb", "ingress", "tcp", 443, 443, "cidr:192.0.2.0/24"),
    },
}


def assert_confined(rows: set[tuple[Any, ...]], allowed_anywhere: set[int]) -> None:
    """2380 only between controllers; 9443 only controllers/NLB; 0.0.0.0/0 ingress only where asked."""

    def covers(row: tuple[Any, ...], port: int) -> bool:
        return row[2] == "-1" or (row[3] is not None and row[3] <= port <= row[4])

    for row in rows:
        group, direction, _, _, _, peer = row
        if direction != "ingress":
            continue
        if covers(row, 2380):
            assert (group, peer) == ("controllers", "sg:controllers"), row
        if covers(row, 9443):
            assert (group, peer) in {
                ("controllers", "sg:controllers"),
                ("controllers", "sg:lb"),
                ("lb", "sg:controllers"),
            }, row
        if peer == "cidr:0.0.0.0/0":
            assert row[2] == "tcp" and row[3] == row[4] and row[3] in allowed_anywhere, row


def test_security_group_rules_match_the_port_table(shape: tuple[str, Recording, Hosts]) -> None:
    name, recording, _ = shape
    rows = sg_table(recording)
    assert rows == EXPECTED_RULES[name]
    assert_confined(rows, allowed_anywhere=set())


def test_instances_get_the_right_groups(shape: tuple[str, Recording, Hosts]) -> None:
    name, recording, _ = shape
    cluster = SHAPES[name]["cluster"]["name"]
    for node, resource in instances(recording).items():
        groups = {g.removeprefix(f"{cluster}-sg-").removesuffix("-id") for g in resource.inputs["vpcSecurityGroupIds"]}
        assert groups == ({"cluster", "controllers"} if node.startswith("controller") else {"cluster"})


def test_open_to_anywhere_only_when_listed() -> None:
    raw = copy.deepcopy(STAGING)
    raw["hosts"]["aws"]["sshCidrs"] = ["0.0.0.0/0"]
    recording, _, _ = build(raw)
    rows = sg_table(recording)
    assert ("cluster", "ingress", "tcp", 22, 22, "cidr:0.0.0.0/0") in rows
    assert_confined(rows, allowed_anywhere={22})
    with pytest.raises(AssertionError):
        assert_confined(rows | {("controllers", "ingress", "tcp", 2380, 2380, "cidr:10.0.0.0/8")}, set())


# -- load balancer -----------------------------------------------------------------------------


def test_nlb_exists_exactly_when_required(shape: tuple[str, Recording, Hosts]) -> None:
    name, recording, hosts = shape
    nlbs = recording.by_type(NLB)
    if name == "dev":
        assert nlbs == [] and recording.by_type(TARGET_GROUP) == [] and recording.by_type(ATTACHMENT) == []
        controller = instances(recording)["controller-1"]
        assert resolve(hosts.api_address) == controller.outputs["publicIp"]
        assert hosts.external_address is None and hosts.extra_sans == []
        return
    (nlb,) = nlbs
    assert nlb.inputs["loadBalancerType"] == "network"
    assert nlb.inputs["securityGroups"] == [f"{SHAPES[name]['cluster']['name']}-sg-lb-id"]
    dns = nlb.outputs["dnsName"]
    assert resolve(hosts.api_address) == dns
    assert resolve(hosts.external_address) == dns
    assert [resolve(s) for s in hosts.extra_sans] == [dns]


def test_target_groups_are_ip_and_attach_controllers_private_ips(shape: tuple[str, Recording, Hosts]) -> None:
    name, recording, hosts = shape
    if name == "dev":
        pytest.skip("no NLB with one controller")
    controller_ips = {resolve(n.private_address) for n in hosts.controllers}
    worker_ips = {resolve(n.private_address) for n in hosts.workers}
    groups = recording.by_type(TARGET_GROUP)
    expected_ports = {6443, 9443, 8132} | ({33001} if name == "prod" else set())
    assert {int(g.inputs["port"]) for g in groups} == expected_ports
    for group in groups:
        assert group.inputs["targetType"] == "ip"
        assert group.inputs["protocol"] == "TCP"
        assert group.inputs["healthCheck"]["protocol"] == "TCP"
        attached = [a for a in recording.by_type(ATTACHMENT) if a.inputs["targetGroupArn"] == group.outputs["arn"]]
        assert {a.inputs["targetId"] for a in attached} == controller_ips
        assert len(attached) == len(controller_ips)
        assert not {a.inputs["targetId"] for a in attached} & worker_ips
    listeners = {int(listener.inputs["port"]): listener for listener in recording.by_type(LISTENER)}
    assert set(listeners) == ({6443, 9443, 8132} | ({443} if name == "prod" else set()))
    if name == "prod":
        tg_33001 = next(g for g in groups if int(g.inputs["port"]) == 33001)
        assert listeners[443].inputs["defaultActions"][0]["targetGroupArn"] == tg_33001.outputs["arn"]


@pytest.mark.parametrize(
    ("mode", "controllers", "expected"), [("always", 1, 1), ("never", 3, 0), ("auto", 1, 0), ("auto", 3, 1)]
)
def test_load_balancer_modes(mode: str, controllers: int, expected: int) -> None:
    raw = copy.deepcopy(DEV)
    raw["hosts"]["aws"]["loadBalancer"] = {"enabled": mode}
    raw["hosts"]["aws"]["controllers"]["count"] = controllers
    recording, hosts, _ = build(raw)
    assert len(recording.by_type(NLB)) == expected
    assert (hosts.external_address is not None) == bool(expected)


# -- keys --------------------------------------------------------------------------------------


def test_generated_key_is_secret_everywhere() -> None:
    recording, hosts, outputs = build(STAGING)
    (tls_key,) = recording.by_type(TLS_KEY)
    assert tls_key.inputs["algorithm"] == "ED25519"
    # the engine makes these outputs secret because we ask for it (HostsMocks mimics that)
    assert {"privateKeyOpenssh", "privateKeyPem"} <= set(tls_key.additional_secret_outputs)
    assert tls_key.is_secret_output("privateKeyOpenssh")
    assert is_secret(hosts.ssh_private_key)
    assert resolve(hosts.ssh_private_key) == GENERATED_PRIVATE_KEY
    assert is_secret(outputs["sshPrivateKey"])
    assert recording.secret_leaks(GENERATED_PRIVATE_KEY) == []
    assert recording.secret_leaks("generated-ed25519-secret") == []
    (pair,) = recording.by_type(KEY_PAIR)
    assert pair.inputs["publicKey"] == "ssh-ed25519 AAAAgenerated mke4k"
    assert recording.depends_on(pair, tls_key)


def test_a_new_key_generation_is_a_new_key_and_keeps_every_instance() -> None:
    raw = copy.deepcopy(STAGING)
    raw["hosts"]["aws"]["keyGeneration"] = 2
    recording, _, _ = build(raw)
    (tls_key,) = recording.by_type(TLS_KEY)
    assert tls_key.name == "staging-ssh-key-2", "a new resource name: a new key"
    (pair,) = recording.by_type(KEY_PAIR)
    assert recording.depends_on(pair, tls_key)
    instances = recording.by_type(INSTANCE)
    assert instances and all("keyName" in r.ignore_changes for r in instances), "bastion and nodes stay"
    assert build(STAGING)[0].by_type(TLS_KEY)[0].name == "staging-ssh-key", "generation 1 keeps the first name"


def test_given_public_key_uses_configured_private_key() -> None:
    raw = copy.deepcopy(DEV)
    raw["hosts"]["aws"]["publicKey"] = GIVEN_PUBLIC_KEY
    raw["ssh"] = {"privateKey": GIVEN_PRIVATE_KEY}
    recording, hosts, _ = build(raw)
    assert recording.by_type(TLS_KEY) == []
    (pair,) = recording.by_type(KEY_PAIR)
    assert pair.inputs["publicKey"] == GIVEN_PUBLIC_KEY
    assert is_secret(hosts.ssh_private_key) and resolve(hosts.ssh_private_key) == GIVEN_PRIVATE_KEY
    assert recording.secret_leaks("given-key-secret-material") == []


def test_public_key_without_private_key_is_refused_by_the_settings_pass() -> None:
    """The hosts layer never sees it: the settings pass refuses it, before any resource exists."""
    raw = copy.deepcopy(DEV)
    raw["hosts"]["aws"]["publicKey"] = GIVEN_PUBLIC_KEY
    with pytest.raises(SettingsError, match=r"mke4k:ssh\.privateKey"):
        settings_for(raw)


# -- stability, bastion, existing VPC ----------------------------------------------------------


def test_adding_a_worker_changes_no_existing_input() -> None:
    before, _, _ = build(STAGING)
    raw = copy.deepcopy(STAGING)
    raw["hosts"]["aws"]["workers"]["count"] += 1
    after, hosts, _ = build(raw)
    old = {(r.type, r.name): r for r in before.resources}
    new = {(r.type, r.name): r for r in after.resources}
    assert set(new) - set(old) == {(INSTANCE, "staging-worker-3")}
    assert set(old) <= set(new)
    for key, resource in old.items():
        assert new[key].inputs == resource.inputs, key
    assert hosts.nodes[-1].name == "worker-3"


def test_bastion_keeps_workers_private() -> None:
    raw = copy.deepcopy(STAGING)
    raw["hosts"]["aws"]["bastion"] = {"enabled": True}
    recording, hosts, outputs = build(raw)
    found = instances(recording)
    bastion = found["bastion"]
    assert bastion.inputs["tags"]["mke4k:role"] == "bastion"
    assert bastion.inputs["associatePublicIpAddress"] is True
    assert bastion.inputs["metadataOptions"]["httpTokens"] == "required"
    assert bastion.inputs["rootBlockDevice"]["encrypted"] is True
    assert hosts.bastion is not None and resolve(hosts.bastion.address) == bastion.outputs["publicIp"]
    private_subnets = {r.id for r in recording.by_type(SUBNET) if "private" in r.name}
    assert len(private_subnets) == 3
    assert len(recording.by_type("aws:ec2/natGateway:NatGateway")) == 1
    for node in hosts.nodes:
        instance = found[node.name]
        if node.is_controller:
            assert not node.use_bastion and instance.inputs["associatePublicIpAddress"] is True
        else:
            assert node.use_bastion and instance.inputs["associatePublicIpAddress"] is False
            assert instance.inputs["subnetId"] in private_subnets
            assert resolve(node.ssh_address) == instance.outputs["privateIp"]
    rows = sg_table(recording)
    assert ("cluster", "ingress", "tcp", 22, 22, "sg:bastion") in rows
    assert ("bastion", "ingress", "tcp", 22, 22, f"cidr:{SSH_CIDR}") in rows
    assert ("cluster", "ingress", "tcp", 22, 22, f"cidr:{SSH_CIDR}") not in rows
    assert_confined(rows, allowed_anywhere=set())
    assert resolve_deep(outputs["bastion"]) == {"address": bastion.outputs["publicIp"], "port": 22, "user": "ubuntu"}


def test_existing_vpc_is_reused() -> None:
    HostsMocks.invoke_calls.clear()
    raw = copy.deepcopy(STAGING)
    raw["hosts"]["aws"]["vpc"] = {"id": "vpc-0abc1234", "subnetIds": ["subnet-0aaa1111", "subnet-0bbb2222"]}
    recording, _, _ = build(raw)
    assert recording.by_type("aws:ec2/vpc:Vpc") == [] and recording.by_type(SUBNET) == []
    assert AZS not in [token for token, _ in HostsMocks.invoke_calls]
    assert {r.inputs["vpcId"] for r in recording.by_type(SECURITY_GROUP)} == {"vpc-0abc1234"}
    found = instances(recording)
    assert [found[f"controller-{i}"].inputs["subnetId"] for i in (1, 2, 3)] == [
        "subnet-0aaa1111",
        "subnet-0bbb2222",
        "subnet-0aaa1111",
    ]
    assert recording.by_type(NLB)[0].inputs["subnets"] == ["subnet-0aaa1111", "subnet-0bbb2222"]


def test_component_type_and_parenting() -> None:
    recording, _, _ = build(DEV)
    (component,) = recording.by_type("mke4k:hosts:AwsHosts")
    assert component.name == "dev-hosts"
    children = {r.urn for r in recording.descendants(component)}
    assert {r.urn for r in recording.resources if r is not component} == children
