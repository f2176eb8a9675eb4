"""Where the machines come from: AWS, a static list of existing machines, or another stack."""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, field_validator

from .base import SettingsModel
from .errors import FieldProblem
from .formats import (
    check_ami_id,
    check_aws_id,
    check_host,
    check_instance_type,
    check_region,
    check_subnet_id,
    check_user,
)

Role = Literal["controller+worker", "controller", "worker"]
CONTROLLER_ROLES: frozenset[str] = frozenset({"controller+worker", "controller"})

_NODE_NAME = re.compile(r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")
# Canonical's AWS account (facts.md section 6).
CANONICAL_OWNER_ID = "099720109477"
UBUNTU_2204_AMD64 = "ubuntu/images/hvm-ssd/ubuntu-jammy-22.04-amd64-server-*"


def check_node_name(value: str) -> str:
    """Node names become Kubernetes node names and resource names: DNS labels only."""
    if not _NODE_NAME.match(value):
        raise FieldProblem(
            f"'{value}' is not a valid node name: use lowercase letters, digits and '-', "
            "starting and ending with a letter or digit, at most 63 characters",
            f"rename it, e.g. '{_suggest_node_name(value)}'.",
        )
    return value


def _suggest_node_name(value: str) -> str:
    cleaned = re.sub(r"[^a-z0-9-]+", "-", value.lower()).strip("-")[:63].strip("-")
    return cleaned or "node-1"


SshHost = Annotated[str, AfterValidator(check_host)]
"""A host the runner reaches over SSH: host name or IPv4 address."""
UserName = Annotated[str, AfterValidator(check_user)]
"""A login name."""
InstanceType = Annotated[str, AfterValidator(check_instance_type)]
"""An EC2 instance type."""


class StaticHost(SettingsModel):
    """One existing machine reached over SSH."""

    name: str = Field(description="Node name (becomes the Kubernetes node name); DNS label.")
    role: Role = Field(description="controller+worker, controller or worker.")
    address: SshHost = Field(description="Address the runner uses for SSH (IPv4 or DNS name).")
    private_address: SshHost | None = Field(
        None,
        description="Address the nodes use to reach each other (etcd peer, API). "
        "Defaults to address. Give it explicitly when the host has several interfaces: "
        "a wrongly detected private address is a classic k0sctl failure.",
    )
    ssh_port: int | None = Field(None, ge=1, le=65535, description="SSH port; defaults to mke4k:ssh.port.")
    ssh_user: UserName | None = Field(None, description="SSH user; defaults to mke4k:ssh.user.")
    gone: bool = Field(
        False,
        description="The machine is gone for good (dead, wiped, unreachable): nothing dials it any more and its "
        "membership is removed on the bootstrap controller (drain skipped, Node deleted, etcd leave). Keep it "
        "listed with gone: true for one `pulumi up`, then remove the entry. Without it, removing a host that "
        "does not answer SSH fails, naming this setting (docs/operations.md, 'Dead hosts').",
    )

    @field_validator("name")
    @classmethod
    def _valid_name(cls, value: str) -> str:
        return check_node_name(value)


class StaticHostsSettings(SettingsModel):
    """Machines that already exist (on-prem, other clouds)."""

    hosts: list[StaticHost] = Field(default_factory=list, description="The machines, in join order.")


class NodeGroupSettings(SettingsModel):
    """A group of identical EC2 instances."""

    count: int = Field(1, ge=0, le=500, description="Number of instances.")
    instance_type: InstanceType = Field(
        "m5.xlarge",
        description="EC2 instance type (family.size). Managers want at least 4 vCPU / 16 GB (m5.xlarge class).",
    )
    root_volume_size: int = Field(50, ge=20, le=16384, description="Root volume size in GiB (gp3, encrypted).")
    root_volume_type: Literal["gp3", "gp2", "io1", "io2"] = Field("gp3", description="Root volume type.")


class ControllerGroupSettings(NodeGroupSettings):
    """The controller instances."""

    role: Literal["controller+worker", "controller"] = Field(
        "controller+worker", description="MKE 4k managers run as controller+worker."
    )


class LoadBalancerSettings(SettingsModel):
    """The network load balancer in front of the controllers."""

    enabled: Literal["auto", "always", "never"] = Field(
        "auto", description="auto: only when there is more than one controller."
    )
    ingress: bool = Field(
        False,
        description="Also forward 443 to the MKE ingress NodePort 33001 (must lie in mke4k:network.nodePortRange).",
    )
    internal: bool = Field(
        False,
        description="Make the NLB internal. Its name resolves only inside the VPC, so a stack that runs "
        "the platform layer must run inside the VPC and set usePrivateAddresses.",
    )


class BastionSettings(SettingsModel):
    """A bastion host: workers get no public address and are reached through it."""

    enabled: bool = Field(False, description="Create a bastion and keep workers private.")
    instance_type: InstanceType = Field("t3.micro", description="Bastion instance type.")


class VpcSettings(SettingsModel):
    """A new VPC, or an existing one to reuse."""

    cidr: str = Field("10.0.0.0/16", description="CIDR of a new VPC; must not overlap the pod or service CIDR.")
    id: str | None = Field(None, description="Reuse this existing VPC instead of creating one.")
    subnet_ids: list[Annotated[str, AfterValidator(check_subnet_id)]] = Field(
        default_factory=list, description="Existing subnets to use (with id)."
    )
    availability_zones: int = Field(3, ge=1, le=3, description="Spread new subnets and nodes over this many AZs.")

    @field_validator("id")
    @classmethod
    def _valid_vpc_id(cls, value: str | None) -> str | None:
        return value if value is None else check_aws_id(value, "vpc")


class AwsHostsSettings(SettingsModel):
    """EC2 machines in a new or existing VPC."""

    region: Annotated[str, AfterValidator(check_region)] | None = Field(
        None, description="AWS region; defaults to aws:region."
    )
    vpc: VpcSettings = Field(default_factory=VpcSettings, description="VPC and subnets.")
    controllers: ControllerGroupSettings = Field(
        default_factory=ControllerGroupSettings, description="Controller instances (odd count)."
    )
    workers: NodeGroupSettings = Field(default_factory=NodeGroupSettings, description="Worker instances.")
    ami: Annotated[str, AfterValidator(check_ami_id)] | None = Field(
        None, description="Pinned AMI id (ami-…). When unset, the newest Ubuntu 22.04 LTS amd64 from Canonical."
    )
    ssh_cidrs: list[str] = Field(
        default_factory=list,
        description="IPv4 sources allowed to SSH (22), as CIDRs. 0.0.0.0/0 only if listed explicitly. "
        "IPv6 is refused: the VPC, NLB and security-group rules are IPv4 only.",
    )
    api_cidrs: list[str] = Field(
        default_factory=list,
        description="IPv4 sources allowed to reach the Kubernetes API (6443), as CIDRs. 0.0.0.0/0 only if "
        "listed explicitly. IPv6 is refused: the VPC, NLB and security-group rules are IPv4 only.",
    )
    load_balancer: LoadBalancerSettings = Field(default_factory=LoadBalancerSettings, description="API load balancer.")
    bastion: BastionSettings = Field(default_factory=BastionSettings, description="Optional bastion host.")
    public_key: str | None = Field(
        None,
        description="OpenSSH public key for the EC2 key pair: one line 'ssh-ed25519 AAAA…' or 'ssh-rsa AAAA…' "
        "(EC2 imports only RSA and ED25519 keys). It must match mke4k:ssh.privateKey. When unset a key "
        "pair is generated (private key secret).",
    )
    key_generation: int = Field(
        1,
        ge=1,
        le=1000,
        description="The generated SSH key (no publicKey): raise it (2, 3, …) to generate a new key and rotate every "
        "node and the bastion to it without replacing instances; the old key is removed from them once all accept "
        "the new one (docs/operations.md, 'Rotate the SSH key').",
    )
    instance_profile: str | None = Field(
        None, description="IAM instance profile for the AWS cloud provider (optional)."
    )
    use_private_addresses: bool = Field(
        False, description="SSH and API over private addresses (runner inside the VPC)."
    )
    gone: list[str] = Field(
        default_factory=list,
        description="Node names (controller-N, worker-N) whose instances are gone or unreachable for good: "
        "nothing dials them and their membership is removed on the bootstrap controller, as "
        "mke4k:hosts.static.hosts[].gone (docs/operations.md, 'Dead hosts'). Lower the count or replace the "
        "instance afterwards.",
    )


class StackHostsSettings(SettingsModel):
    """Nodes read from another stack (``source: stack``): which of them this cluster leaves out."""

    gone: list[str] = Field(
        default_factory=list,
        description="Node names of the machines stack that are gone or unreachable for good: nothing dials "
        "them and their membership is removed on the bootstrap controller, as "
        "mke4k:hosts.static.hosts[].gone (a `gone: true` exported by the machines stack counts too).",
    )
    exclude: list[str] = Field(
        default_factory=list,
        description="Node names of the machines stack this cluster does not use: an excluded node leaves the "
        "cluster like a host deleted from a static list (drain, Node deleted, etcd leave, k0s reset over SSH). "
        "The first step of removing a machine across stacks (docs/operations.md, 'Removal across stacks').",
    )


class HostsSettings(SettingsModel):
    """The hosts layer: which machines form the cluster."""

    source: Literal["aws", "static", "stack"] | None = Field(
        None,
        description="aws, static or stack. stack reads nodes, API address and SSH key from "
        "mke4k:layers.fromStack. Defaults to static when mke4k:mke4ConfigFile is given, "
        "and to stack when this stack does not run the hosts layer.",
    )
    aws: AwsHostsSettings = Field(default_factory=AwsHostsSettings, description="Settings of the aws source.")
    static: StaticHostsSettings = Field(
        default_factory=StaticHostsSettings, description="Settings of the static source."
    )
    stack: StackHostsSettings = Field(default_factory=StackHostsSettings, description="Settings of the stack source.")
