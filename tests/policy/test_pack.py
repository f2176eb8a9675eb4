"""The pack as the Pulumi CLI runs it: ``python policy <engine address>`` serving gRPC.

One subprocess per module: it checks that ``policy/__main__.py`` builds the pack, that the
metadata (names, enforcement levels, config schemas) is what the CLI will show, and that
config sent through ``Configure`` reaches the rules (allowPublicSsh) and per-policy
enforcement overrides work.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import grpc
import mke4k_policy
import pytest
from google.protobuf import empty_pb2, struct_pb2
from pulumi.runtime.proto import analyzer_pb2, analyzer_pb2_grpc, plugin_pb2

POLICY_DIR = Path(__file__).resolve().parents[2] / "policy"

EXPECTED_LEVELS = {
    "mke4k-ec2-imdsv2-required": "mandatory",
    "mke4k-ec2-encrypted-volumes": "mandatory",
    "mke4k-ec2-node-tags": "mandatory",
    "mke4k-ec2-key-change-keeps-instances": "mandatory",
    "mke4k-no-public-cluster-ports": "mandatory",
    "mke4k-public-admin-ports": "advisory",
    "mke4k-nlb-ip-targets": "mandatory",
    "mke4k-calico-network-profile": "mandatory",
    "mke4k-kubernetes-explicit-provider": "mandatory",
    "mke4k-odd-controller-count": "mandatory",
}


@pytest.fixture(scope="module")
def analyzer() -> Iterator[analyzer_pb2_grpc.AnalyzerStub]:
    """Start the policy pack like the CLI does and connect to its analyzer server."""
    process = subprocess.Popen(
        [sys.executable, "-u", str(POLICY_DIR), "127.0.0.1:1"],
        cwd=POLICY_DIR.parent,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        port = process.stdout.readline().strip()
        if not port.isdigit():
            process.terminate()
            _, stderr = process.communicate(timeout=10)
            pytest.fail(f"policy pack did not print its port (got {port!r}):\n{stderr}")
        channel = grpc.insecure_channel(f"127.0.0.1:{port}")
        grpc.channel_ready_future(channel).result(timeout=20)
        yield analyzer_pb2_grpc.AnalyzerStub(channel)
        channel.close()
    finally:
        process.terminate()
        process.wait(timeout=10)


def struct(data: dict[str, Any]) -> struct_pb2.Struct:
    """Convert a dict into a protobuf Struct."""
    value = struct_pb2.Struct()
    value.update(data)
    return value


def analyze(
    stub: analyzer_pb2_grpc.AnalyzerStub,
    resource_type: str,
    name: str,
    props: dict[str, Any],
    ignore_changes: list[str] | None = None,
) -> list[Any]:
    """Send one resource (with its ignore_changes option) to the pack; return its diagnostics."""
    request = analyzer_pb2.AnalyzeRequest(
        type=resource_type,
        properties=struct(props),
        urn=f"urn:pulumi:dev::mke4k::{resource_type}::{name}",
        name=name,
        options=analyzer_pb2.AnalyzerResourceOptions(ignoreChanges=ignore_changes or []),
    )
    return list(stub.Analyze(request, timeout=20).diagnostics)


def test_metadata_lists_every_policy_with_its_level(
    analyzer: analyzer_pb2_grpc.AnalyzerStub,
) -> None:
    info = analyzer.GetAnalyzerInfo(empty_pb2.Empty(), timeout=20)
    assert info.name == mke4k_policy.PACK_NAME
    levels = {
        policy.name: analyzer_pb2.EnforcementLevel.Name(policy.enforcementLevel).lower() for policy in info.policies
    }
    assert levels == EXPECTED_LEVELS
    schemas = {policy.name: set(policy.configSchema.properties.keys()) for policy in info.policies}
    assert schemas["mke4k-public-admin-ports"] == {"allowPublicSsh", "allowPublicApi"}
    assert schemas["mke4k-calico-network-profile"] == {
        "podCIDR",
        "vxlanVNI",
        "vxlanPort",
    }


def test_public_ssh_is_advisory_then_allowed_by_config(
    analyzer: analyzer_pb2_grpc.AnalyzerStub,
) -> None:
    props = {"ipProtocol": "tcp", "fromPort": 22, "toPort": 22, "cidrIpv4": "0.0.0.0/0"}
    [diagnostic] = analyze(
        analyzer,
        "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
        "ssh",
        props,
    )
    assert diagnostic.policyName == "mke4k-public-admin-ports"
    assert diagnostic.enforcementLevel == analyzer_pb2.ADVISORY
    assert "'ssh'" in diagnostic.message and "allowPublicSsh" in diagnostic.message

    config = {
        "mke4k-public-admin-ports": analyzer_pb2.PolicyConfig(
            enforcementLevel=analyzer_pb2.ADVISORY,
            properties=struct({"allowPublicSsh": True}),
        ),
        "mke4k-ec2-imdsv2-required": analyzer_pb2.PolicyConfig(enforcementLevel=analyzer_pb2.DISABLED),
    }
    analyzer.Configure(analyzer_pb2.ConfigureAnalyzerRequest(policyConfig=config), timeout=20)
    try:
        assert (
            analyze(
                analyzer,
                "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
                "ssh",
                props,
            )
            == []
        )
        # Disabled by config: an IMDSv1 instance is then only judged by the other policies.
        instance = {
            "metadataOptions": {"httpTokens": "optional"},
            "rootBlockDevice": {"encrypted": True},
            "tags": {
                "mke4k:cluster": "dev",
                "mke4k:role": "worker",
                "mke4k:node": "w-0",
            },
        }
        assert analyze(analyzer, "aws:ec2/instance:Instance", "w-0", instance, ["ami", "keyName"]) == []
        [replaced] = analyze(analyzer, "aws:ec2/instance:Instance", "w-0", instance, ["ami"])
        assert replaced.policyName == "mke4k-ec2-key-change-keeps-instances", "ignore_changes reaches the pack"
    finally:
        analyzer.Configure(analyzer_pb2.ConfigureAnalyzerRequest(policyConfig={}), timeout=20)


def test_mandatory_violation_and_stack_check_over_grpc(
    analyzer: analyzer_pb2_grpc.AnalyzerStub,
) -> None:
    props = {"ipProtocol": "-1", "cidrIpv4": "0.0.0.0/0"}
    diagnostics = analyze(
        analyzer,
        "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
        "all",
        props,
    )
    levels = {d.policyName: d.enforcementLevel for d in diagnostics}
    assert levels["mke4k-no-public-cluster-ports"] == analyzer_pb2.MANDATORY

    def node(name: str) -> analyzer_pb2.AnalyzerResource:
        tags = {"mke4k:cluster": "dev", "mke4k:role": "controller", "mke4k:node": name}
        return analyzer_pb2.AnalyzerResource(
            type="aws:ec2/instance:Instance",
            properties=struct({"tags": tags}),
            urn=f"urn:pulumi:dev::mke4k::aws:ec2/instance:Instance::{name}",
            name=name,
        )

    response = analyzer.AnalyzeStack(
        analyzer_pb2.AnalyzeStackRequest(resources=[node("cp-0"), node("cp-1")]),
        timeout=20,
    )
    [diagnostic] = response.diagnostics
    assert diagnostic.policyName == "mke4k-odd-controller-count"
    assert "2 controllers" in diagnostic.message


def test_plugin_info_answers(analyzer: analyzer_pb2_grpc.AnalyzerStub) -> None:
    info = analyzer.GetPluginInfo(empty_pb2.Empty(), timeout=20)
    assert isinstance(info, plugin_pb2.PluginInfo) and info.version
