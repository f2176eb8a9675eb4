"""The network the AWS nodes live in: a new VPC with subnets over AZs, or an existing one."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from components.settings import Issue, SettingsError
from components.settings.hosts import AwsHostsSettings

from .naming import resource_name, resource_tags, subnet_cidrs


@dataclass(frozen=True)
class Network:
    """Where nodes go: the VPC id, public subnets (one per AZ), optional private subnets.

    ``private_subnet_ids`` is empty when nodes need no private subnets; then private
    nodes (workers behind a bastion) use the public subnets without a public IP.
    """

    vpc_id: pulumi.Input[str]
    public_subnet_ids: list[pulumi.Input[str]]
    private_subnet_ids: list[pulumi.Input[str]] = field(default_factory=list)
    resources: list[pulumi.Resource] = field(default_factory=list)
    """Resources nodes must wait for (routes, NAT gateway), for ``depends_on``."""


def availability_zones(count: int, region: str | None) -> list[str]:
    """The first ``count`` available AZs of the region, sorted by name (a synchronous invoke).

    SettingsError naming ``mke4k:hosts.aws.vpc.availabilityZones`` when the region has fewer.
    """
    result = aws.get_availability_zones(state="available", region=region)
    names = sorted(result.names or [])
    if len(names) < count:
        raise SettingsError(
            [
                Issue(
                    "hosts.aws.vpc.availabilityZones",
                    f"the region offers {len(names)} available zone(s) ({', '.join(names) or 'none'}), {count} asked.",
                    f"set it to at most {len(names)}.",
                )
            ]
        )
    return names[:count]


def existing_network(settings: AwsHostsSettings) -> Network:
    """Reuse ``vpc.id`` and ``vpc.subnetIds`` (nodes are spread over the subnets in listed order).

    Private nodes use the same subnets without a public IP: their outbound route (NAT)
    is the VPC owner's business.
    """
    assert settings.vpc.id is not None
    return Network(vpc_id=settings.vpc.id, public_subnet_ids=list(settings.vpc.subnet_ids))


def new_network(
    cluster: str,
    settings: AwsHostsSettings,
    *,
    zones: Sequence[str],
    private_subnets: bool,
    tags: Mapping[str, str],
    subnet_tags: Mapping[str, str],
    parent: pulumi.Resource,
) -> Network:
    """Create ``<cluster>-vpc``, an internet gateway, one public subnet per AZ with a shared route table.

    With ``private_subnets`` (bastion mode) also one private subnet per AZ, routed through
    one NAT gateway in the first public subnet, so private nodes can still pull images
    and download k0s.
    """
    region = settings.region
    opts = pulumi.ResourceOptions(parent=parent)
    cidr = settings.vpc.cidr

    def tagged(name: str, **more: str) -> dict[str, str]:
        return resource_tags(tags, name, **more)

    vpc_name = resource_name(cluster, "vpc")
    vpc = aws.ec2.Vpc(
        vpc_name,
        cidr_block=cidr,
        enable_dns_hostnames=True,
        enable_dns_support=True,
        tags=tagged(vpc_name),
        region=region,
        opts=opts,
    )
    igw_name = resource_name(cluster, "igw")
    igw = aws.ec2.InternetGateway(igw_name, vpc_id=vpc.id, tags=tagged(igw_name), region=region, opts=opts)
    public_rt_name = resource_name(cluster, "rt-public")
    public_rt = aws.ec2.RouteTable(public_rt_name, vpc_id=vpc.id, tags=tagged(public_rt_name), region=region, opts=opts)
    default_route = aws.ec2.Route(
        resource_name(cluster, "route-public-internet"),
        route_table_id=public_rt.id,
        destination_cidr_block="0.0.0.0/0",
        gateway_id=igw.id,
        region=region,
        opts=opts,
    )
    waits: list[pulumi.Resource] = [default_route]

    def subnets(kind: str, route_table: aws.ec2.RouteTable) -> list[pulumi.Input[str]]:
        """One ``<kind>`` subnet per AZ, each associated with ``route_table``."""
        ids: list[pulumi.Input[str]] = []
        blocks = subnet_cidrs(cidr, len(zones), private=kind == "private")
        for index, (zone, block) in enumerate(zip(zones, blocks, strict=True)):
            name = resource_name(cluster, f"subnet-{kind}-{index + 1}")
            subnet = aws.ec2.Subnet(
                name,
                vpc_id=vpc.id,
                cidr_block=block,
                availability_zone=zone,
                map_public_ip_on_launch=False,
                tags=tagged(name, **subnet_tags),
                region=region,
                opts=opts,
            )
            waits.append(
                aws.ec2.RouteTableAssociation(
                    resource_name(cluster, f"rta-{kind}-{index + 1}"),
                    subnet_id=subnet.id,
                    route_table_id=route_table.id,
                    region=region,
                    opts=opts,
                )
            )
            ids.append(subnet.id)
        return ids

    public_ids = subnets("public", public_rt)
    private_ids: list[pulumi.Input[str]] = []
    if private_subnets:
        eip_name = resource_name(cluster, "nat-eip")
        eip = aws.ec2.Eip(eip_name, domain="vpc", tags=tagged(eip_name), region=region, opts=opts)
        nat_name = resource_name(cluster, "nat")
        nat = aws.ec2.NatGateway(
            nat_name,
            allocation_id=eip.id,
            subnet_id=public_ids[0],
            tags=tagged(nat_name),
            region=region,
            opts=pulumi.ResourceOptions(parent=parent, depends_on=[igw]),
        )
        private_rt_name = resource_name(cluster, "rt-private")
        private_rt = aws.ec2.RouteTable(
            private_rt_name, vpc_id=vpc.id, tags=tagged(private_rt_name), region=region, opts=opts
        )
        waits.append(
            aws.ec2.Route(
                resource_name(cluster, "route-private-nat"),
                route_table_id=private_rt.id,
                destination_cidr_block="0.0.0.0/0",
                nat_gateway_id=nat.id,
                region=region,
                opts=opts,
            )
        )
        private_ids = subnets("private", private_rt)
    return Network(vpc_id=vpc.id, public_subnet_ids=public_ids, private_subnet_ids=private_ids, resources=waits)
