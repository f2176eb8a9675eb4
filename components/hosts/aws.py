"""The ``aws`` hosts source: EC2 instances in a new or existing VPC, with an optional API NLB.

Resource names are ``<cluster>-<thing>`` (``lab-vpc``, ``lab-controller-1``,
``lab-sg-cluster``); node names are ``controller-1..N`` and ``worker-1..M``, so adding a
worker appends ``worker-(M+1)`` and changes no existing resource's inputs.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pulumi
import pulumi_aws as aws

from components.settings import Settings
from components.settings.hosts import (
    CANONICAL_OWNER_ID,
    UBUNTU_2204_AMD64,
    AwsHostsSettings,
)

from .aws_network import Network, availability_zones, existing_network, new_network
from .aws_security import (
    INGRESS_LISTENER_PORT,
    INGRESS_NODE_PORT,
    LB_FORWARDED_PORTS,
    Group,
    create_security_groups,
    groups_needed,
    security_rules,
)
from .naming import base_tags, node_tags, plan_nodes, resource_name, resource_tags
from .node import Bastion, Hosts, Node
from .ssh_key import aws_key_pair

TYPE_TOKEN = "mke4k:hosts:AwsHosts"
BASTION_ROOT_VOLUME_GIB = 20
HEALTH_CHECK_INTERVAL_SECONDS = 10
DEREGISTRATION_DELAY_SECONDS = 30


def needs_load_balancer(settings: AwsHostsSettings) -> bool:
    """An NLB is created with ``always``, or with ``auto`` when there is more than one controller."""
    mode = settings.load_balancer.enabled
    return mode == "always" or (mode == "auto" and settings.controllers.count > 1)


def lb_port_map(settings: AwsHostsSettings) -> list[tuple[int, int]]:
    """``(listener port, target port)`` pairs of the NLB: 6443, 9443, 8132 (and 443→33001)."""
    pairs = [(port, port) for port in LB_FORWARDED_PORTS]
    if settings.load_balancer.ingress:
        pairs.append((INGRESS_LISTENER_PORT, INGRESS_NODE_PORT))
    return pairs


def cloud_provider_tags(cluster: str, settings: AwsHostsSettings) -> dict[str, str]:
    """``kubernetes.io/cluster/<cluster>: owned`` when an instance profile is set (AWS cloud provider)."""
    return {f"kubernetes.io/cluster/{cluster}": "owned"} if settings.instance_profile else {}


def instance_ignored_changes(settings: AwsHostsSettings) -> list[str]:
    """Instance inputs whose change must never replace a running node.

    ``keyName``: EC2 replaces an instance when its key pair changes, but a key rotation is
    done on the running machines (each node's ``ssh-key`` step), so the new key pair only
    applies to instances launched later. ``ami``: a looked-up AMI moves with every Canonical
    release (a pinned ``mke4k:hosts.aws.ami`` does replace nodes, on purpose).
    """
    return ["keyName"] if settings.ami else ["ami", "keyName"]


def ubuntu_ami(region: str | None) -> pulumi.Output[str]:
    """The newest Ubuntu 22.04 LTS amd64 HVM AMI published by Canonical (facts.md section 6)."""
    found = aws.ec2.get_ami_output(
        most_recent=True,
        owners=[CANONICAL_OWNER_ID],
        filters=[
            aws.ec2.GetAmiFilterArgs(name="name", values=[UBUNTU_2204_AMD64]),
            aws.ec2.GetAmiFilterArgs(name="virtualization-type", values=["hvm"]),
        ],
        region=region,
    )
    return found.id


class AwsHosts(pulumi.ComponentResource):
    """EC2 machines for the cluster; ``self.hosts`` is the :class:`Hosts` contract.

    Children: VPC and subnets (unless reused), security groups and one resource per rule,
    the key pair (generated key when no public key is given), one instance per node,
    an optional bastion and an optional NLB with IP target groups over the controllers.
    """

    hosts: Hosts
    """What the k0s layer gets."""
    instances: dict[str, aws.ec2.Instance]
    """Instances by node name (the bastion under ``bastion``)."""
    load_balancer: aws.lb.LoadBalancer | None
    """The API NLB, when there is one."""
    security_groups: dict[Group, aws.ec2.SecurityGroup]
    """Security groups by role."""

    def __init__(self, name: str, settings: Settings, opts: pulumi.ResourceOptions | None = None) -> None:
        """Register every child resource; nothing is created inside ``apply``."""
        super().__init__(TYPE_TOKEN, name, None, opts)
        cluster = settings.cluster.name
        aws_settings = settings.hosts.aws
        region = aws_settings.region
        bastion_on = aws_settings.bastion.enabled
        lb_on = needs_load_balancer(aws_settings)
        tags = base_tags(cluster, pulumi.get_stack(), settings.cluster.tags)
        k8s_tags = cloud_provider_tags(cluster, aws_settings)

        network = self._network(cluster, aws_settings, tags, k8s_tags, private_subnets=bastion_on)
        groups = groups_needed(load_balancer=lb_on, bastion=bastion_on)
        self.security_groups = create_security_groups(
            cluster,
            vpc_id=network.vpc_id,
            rules=security_rules(aws_settings, load_balancer=lb_on),
            groups=groups,
            tags=tags,
            region=region,
            parent=self,
            group_tags={"cluster": k8s_tags},
        )
        key_pair, private_key = aws_key_pair(
            cluster,
            public_key=aws_settings.public_key,
            generation=aws_settings.key_generation,
            ssh=settings.ssh,
            tags=tags,
            region=region,
            parent=self,
        )
        ami: pulumi.Input[str] = aws_settings.ami or ubuntu_ami(region)
        instance_opts = pulumi.ResourceOptions(
            parent=self,
            depends_on=network.resources,
            ignore_changes=instance_ignored_changes(aws_settings),
        )

        self.instances = {}
        nodes: list[Node] = []
        subnet_count = len(network.public_subnet_ids)
        for planned in plan_nodes(
            aws_settings.controllers.count, aws_settings.controllers.role, aws_settings.workers.count, subnet_count
        ):
            controller = planned.role != "worker"
            group = aws_settings.controllers if controller else aws_settings.workers
            private = bastion_on and not controller
            subnets = (
                network.private_subnet_ids if private and network.private_subnet_ids else network.public_subnet_ids
            )
            security_group_ids = [self.security_groups["cluster"].id]
            if controller:
                security_group_ids.append(self.security_groups["controllers"].id)
            instance = aws.ec2.Instance(
                resource_name(cluster, planned.name),
                ami=ami,
                instance_type=group.instance_type,
                subnet_id=subnets[planned.subnet_index % len(subnets)],
                vpc_security_group_ids=security_group_ids,
                key_name=key_pair.key_name,
                associate_public_ip_address=not private
                and not (aws_settings.vpc.id and aws_settings.use_private_addresses),
                iam_instance_profile=aws_settings.instance_profile,
                metadata_options=_imdsv2(),
                root_block_device=_root_volume(group.root_volume_size, group.root_volume_type),
                tags=node_tags(tags, cluster, planned.name, planned.role, k8s_tags),
                region=region,
                opts=instance_opts,
            )
            self.instances[planned.name] = instance
            use_private = private or aws_settings.use_private_addresses
            nodes.append(
                Node(
                    name=planned.name,
                    role=planned.role,
                    ssh_address=instance.private_ip if use_private else instance.public_ip,
                    private_address=instance.private_ip,
                    ssh_port=settings.ssh.port,
                    ssh_user=settings.ssh.user,
                    machine=instance,
                    machine_id=instance.id,
                    use_bastion=private,
                    gone=planned.name in aws_settings.gone,
                    mark_gone=f"add '{planned.name}' to mke4k:hosts.aws.gone",
                )
            )

        bastion = None
        if bastion_on:
            bastion_instance = aws.ec2.Instance(
                resource_name(cluster, "bastion"),
                ami=ami,
                instance_type=aws_settings.bastion.instance_type,
                subnet_id=network.public_subnet_ids[0],
                vpc_security_group_ids=[self.security_groups["bastion"].id],
                key_name=key_pair.key_name,
                associate_public_ip_address=True,
                metadata_options=_imdsv2(),
                root_block_device=_root_volume(BASTION_ROOT_VOLUME_GIB, "gp3"),
                tags=node_tags(tags, cluster, "bastion", "bastion"),
                region=region,
                opts=instance_opts,
            )
            self.instances["bastion"] = bastion_instance
            bastion = Bastion(
                address=bastion_instance.private_ip
                if aws_settings.use_private_addresses
                else bastion_instance.public_ip,
                port=settings.ssh.port,
                user=settings.ssh.user,
            )

        self.load_balancer = None
        controllers = [node for node in nodes if node.is_controller]
        if lb_on:
            self.load_balancer = self._nlb(cluster, aws_settings, network, controllers, tags)
            api_address: pulumi.Input[str] = self.load_balancer.dns_name
            external: pulumi.Input[str] | None = self.load_balancer.dns_name
        else:
            first = self.instances[controllers[0].name]
            api_address = first.private_ip if aws_settings.use_private_addresses else first.public_ip
            external = None

        self.hosts = Hosts(
            nodes=nodes,
            api_address=api_address,
            ssh_private_key=private_key,
            external_address=external,
            bastion=bastion,
            extra_sans=[external] if external is not None else [],
        )
        self.register_outputs(
            {
                "apiAddress": api_address,
                "nodeNames": [node.name for node in nodes],
                "loadBalancer": self.load_balancer.dns_name if self.load_balancer else None,
            }
        )

    def _network(
        self,
        cluster: str,
        aws_settings: AwsHostsSettings,
        tags: Mapping[str, str],
        k8s_tags: Mapping[str, str],
        *,
        private_subnets: bool,
    ) -> Network:
        if aws_settings.vpc.id:
            return existing_network(aws_settings)
        zones = availability_zones(aws_settings.vpc.availability_zones, aws_settings.region)
        return new_network(
            cluster,
            aws_settings,
            zones=zones,
            private_subnets=private_subnets,
            tags=tags,
            subnet_tags=k8s_tags,
            parent=self,
        )

    def _nlb(
        self,
        cluster: str,
        aws_settings: AwsHostsSettings,
        network: Network,
        controllers: Sequence[Node],
        tags: Mapping[str, str],
    ) -> aws.lb.LoadBalancer:
        """The NLB ``<cluster>-nlb`` with one listener and IP target group per forwarded port."""
        region = aws_settings.region
        opts = pulumi.ResourceOptions(parent=self)
        nlb_name = resource_name(cluster, "nlb")
        nlb = aws.lb.LoadBalancer(
            nlb_name,
            load_balancer_type="network",
            internal=aws_settings.load_balancer.internal,
            subnets=network.public_subnet_ids,
            security_groups=[self.security_groups["lb"].id],
            enable_cross_zone_load_balancing=True,
            tags=resource_tags(tags, nlb_name),
            region=region,
            opts=pulumi.ResourceOptions(parent=self, depends_on=network.resources),
        )
        for listen_port, target_port in lb_port_map(aws_settings):
            tg_name = resource_name(cluster, f"nlb-tg-{target_port}")
            target_group = aws.lb.TargetGroup(
                tg_name,
                port=target_port,
                protocol="TCP",
                target_type="ip",
                vpc_id=network.vpc_id,
                # IP targets: the NLB connects from its own addresses, so a controller+worker
                # reaching the API through the NLB does not hit itself (k0s issue 4557).
                preserve_client_ip="false",
                deregistration_delay=DEREGISTRATION_DELAY_SECONDS,
                health_check=aws.lb.TargetGroupHealthCheckArgs(
                    protocol="TCP",
                    port="traffic-port",
                    interval=HEALTH_CHECK_INTERVAL_SECONDS,
                    healthy_threshold=3,
                    unhealthy_threshold=3,
                ),
                tags=resource_tags(tags, tg_name),
                region=region,
                opts=opts,
            )
            aws.lb.Listener(
                resource_name(cluster, f"nlb-listener-{listen_port}"),
                load_balancer_arn=nlb.arn,
                port=listen_port,
                protocol="TCP",
                default_actions=[aws.lb.ListenerDefaultActionArgs(type="forward", target_group_arn=target_group.arn)],
                tags=resource_tags(tags, resource_name(cluster, f"nlb-listener-{listen_port}")),
                region=region,
                opts=opts,
            )
            for node in controllers:
                aws.lb.TargetGroupAttachment(
                    resource_name(cluster, f"nlb-tg-{target_port}-{node.name}"),
                    target_group_arn=target_group.arn,
                    target_id=node.private_address,
                    port=target_port,
                    region=region,
                    opts=opts,
                )
        return nlb


def _imdsv2() -> aws.ec2.InstanceMetadataOptionsArgs:
    """IMDSv2 only (session tokens required)."""
    return aws.ec2.InstanceMetadataOptionsArgs(http_endpoint="enabled", http_tokens="required")


def _root_volume(size: int, volume_type: str) -> aws.ec2.InstanceRootBlockDeviceArgs:
    """An encrypted root volume, deleted with the instance."""
    return aws.ec2.InstanceRootBlockDeviceArgs(
        volume_size=size, volume_type=volume_type, encrypted=True, delete_on_termination=True
    )
