"""Shared helpers of the hosts-layer program tests: settings shapes and invoke-answering mocks.

The shared recording mocks (tests/support/recording_mocks.py) answer every invoke with
``{}``; the hosts layer calls ``aws:index/getAvailabilityZones`` and ``aws:ec2/getAmi``,
so :func:`run_hosts_program` runs with :class:`HostsMocks`, which answers them.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, ClassVar

import pulumi
from pulumi.runtime import rpc
from pulumi.runtime.sync_await import _sync_await

from components.settings import Settings, settings_from_mapping
from tests.support.recording_mocks import Recording, RecordingMocks, run_program
from tests.support.ssh_keys import public_key_line

AZS = "aws:index/getAvailabilityZones:getAvailabilityZones"
AMI = "aws:ec2/getAmi:getAmi"
ZONES = ["eu-west-1a", "eu-west-1b", "eu-west-1c"]
LOOKED_UP_AMI = "ami-0ubuntu2204lookup"
INSTANCE = "aws:ec2/instance:Instance"
INGRESS_RULE = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
EGRESS_RULE = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"
SECURITY_GROUP = "aws:ec2/securityGroup:SecurityGroup"
SUBNET = "aws:ec2/subnet:Subnet"
NLB = "aws:lb/loadBalancer:LoadBalancer"
TARGET_GROUP = "aws:lb/targetGroup:TargetGroup"
ATTACHMENT = "aws:lb/targetGroupAttachment:TargetGroupAttachment"
LISTENER = "aws:lb/listener:Listener"
KEY_PAIR = "aws:ec2/keyPair:KeyPair"
TLS_KEY = "tls:index/privateKey:PrivateKey"
STACK_REFERENCE = "pulumi:pulumi:StackReference"
GENERATED_PRIVATE_KEY = (
    "-----BEGIN OPENSSH PRIVATE KEY-----\ngenerated-ed25519-secret\n-----END OPENSSH PRIVATE KEY-----\n"
)
GIVEN_PRIVATE_KEY = (
    "-----BEGIN OPENSSH PRIVATE KEY-----\ngiven-key-secret-material\n-----END OPENSSH PRIVATE KEY-----\n"
)
GIVEN_PUBLIC_KEY = public_key_line("given", comment="ops")


class HostsMocks(RecordingMocks):
    """RecordingMocks that answer the AWS invokes and give instances/NLBs plausible outputs."""

    invoke_calls: ClassVar[list[tuple[str, dict[str, Any]]]] = []
    """Every invoke seen (token, args), across runs; tests clear it."""

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict[str, Any], list[tuple[str, str]]]:
        """Three AZs; an Ubuntu AMI; anything else empty (failures ``[]``: MockMonitor iterates them)."""
        HostsMocks.invoke_calls.append((args.token, dict(args.args)))
        if args.token == AZS:
            return {"names": list(ZONES), "zoneIds": ["euw1-az1", "euw1-az2", "euw1-az3"], "id": "eu-west-1"}, []
        if args.token == AMI:
            return {"id": LOOKED_UP_AMI, "name": "ubuntu-jammy-22.04-amd64-server-20250101"}, []
        return {}, []

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str | None, dict[str, Any]]:
        """Echo inputs; instances get IPs, NLBs a DNS name, TLS keys key material, key pairs a name."""
        resource_id, state = super().new_resource(args)
        if args.typ == INSTANCE:
            # Derived from the name, not the registration order: the same config gives the same IPs.
            digest = zlib.crc32(args.name.encode())
            state.setdefault("privateIp", f"10.{digest % 200}.{(digest >> 8) % 250}.{(digest >> 16) % 250 + 1}")
            state.setdefault("publicIp", f"100.{digest % 60 + 64}.{(digest >> 8) % 250}.{(digest >> 16) % 250 + 1}")
        elif args.typ == NLB:
            state.setdefault("dnsName", f"{args.name}-0123.elb.eu-west-1.amazonaws.com")
            state.setdefault("arn", f"arn:aws:elasticloadbalancing:eu-west-1:1:loadbalancer/net/{args.name}")
        elif args.typ == TARGET_GROUP:
            state.setdefault("arn", f"arn:aws:elasticloadbalancing:eu-west-1:1:targetgroup/{args.name}")
        elif args.typ == TLS_KEY:
            # Secret, as the engine makes them from additionalSecretOutputs (mocks do not apply it).
            state["privateKeyOpenssh"] = _secret(GENERATED_PRIVATE_KEY)
            state["privateKeyPem"] = _secret(GENERATED_PRIVATE_KEY)
            state.setdefault("publicKeyOpenssh", "ssh-ed25519 AAAAgenerated mke4k")
        elif args.typ == KEY_PAIR:
            state.setdefault("keyName", f"{args.name}-1234")
        return resource_id, state


def _secret(value: Any) -> dict[str, Any]:
    """An RPC secret marker: serialized by the mock monitor as a secret value."""
    return {rpc._special_sig_key: rpc._special_secret_sig, "value": value}


def run_hosts_program(fn: Callable[[], Any], **kwargs: Any) -> Recording:
    """``run_program`` with :class:`HostsMocks` (answers getAvailabilityZones and getAmi)."""
    return run_program(fn, mocks_class=HostsMocks, **kwargs)


def resolve(value: Any) -> Any:
    """The plain value of an Input (awaits Outputs; call after/inside a program run)."""
    if isinstance(value, pulumi.Output):
        return _sync_await(value.future())
    return value


def resolve_deep(value: Any) -> Any:
    """Like :func:`resolve`, also inside lists and dicts (``Output.from_input`` unwraps nested Outputs)."""
    return _sync_await(pulumi.Output.from_input(value).future())


def is_secret(value: Any) -> bool:
    """Whether an Input is a secret Output."""
    return isinstance(value, pulumi.Output) and bool(_sync_await(value.is_secret()))


def settings_for(raw: Mapping[str, Any], stack: str = "test") -> Settings:
    """Validated, resolved Settings from a stack config mapping (keys without ``mke4k:``)."""
    return settings_from_mapping(raw, stack=stack, base_dir=Path("."))


SSH_CIDR = "198.51.100.0/24"
API_CIDR = "203.0.113.0/24"

DEV: dict[str, Any] = {
    "cluster": {"name": "dev", "tags": {"team": "platform"}},
    "hosts": {
        "source": "aws",
        "aws": {
            "region": "eu-west-1",
            "vpc": {"cidr": "10.10.0.0/16", "availabilityZones": 2},
            "controllers": {"count": 1, "instanceType": "t3.large", "rootVolumeSize": 30},
            "workers": {"count": 1, "instanceType": "t3.medium", "rootVolumeSize": 30},
            "sshCidrs": [SSH_CIDR],
            "apiCidrs": [API_CIDR],
        },
    },
}
STAGING: dict[str, Any] = {
    "cluster": {"name": "staging"},
    "hosts": {
        "source": "aws",
        "aws": {
            "region": "eu-west-1",
            "controllers": {"count": 3, "instanceType": "m5.xlarge"},
            "workers": {"count": 2, "instanceType": "m5.large"},
            "sshCidrs": [SSH_CIDR],
            "apiCidrs": [API_CIDR],
        },
    },
}
PROD: dict[str, Any] = {
    "cluster": {"name": "prod", "tags": {"cost-center": "42", "env": "prod"}},
    "hosts": {
        "source": "aws",
        "aws": {
            "region": "us-east-1",
            "ami": "ami-0a1b2c3d4e5f67890",
            "vpc": {"cidr": "10.20.0.0/16", "availabilityZones": 3},
            "controllers": {"count": 3, "instanceType": "m5.2xlarge", "rootVolumeSize": 100},
            "workers": {"count": 4, "instanceType": "m5.4xlarge", "rootVolumeSize": 200},
            "sshCidrs": ["10.99.0.0/16", "192.0.2.10/32"],
            "apiCidrs": ["10.99.0.0/16", "192.0.2.0/24"],
            "loadBalancer": {"ingress": True},
            "instanceProfile": "prod-k8s-nodes",
        },
    },
}
