"""Settings -> platform layer arguments (the only place the platform meets settings)."""

from __future__ import annotations

import pulumi
import pulumi_kubernetes as kubernetes
from pulumi_command import remote

from components.platform import CalicoArgs, K0rdentArgs, MkeOperatorArgs, PlatformArgs, RegistryArgs
from components.settings import Settings, resolved


def platform_args(
    settings: Settings,
    provider: kubernetes.Provider,
    leader_connection: remote.ConnectionArgs,
    cluster_ready: list[pulumi.Resource],
) -> PlatformArgs:
    """Map the calico/k0rdent/mkeOperator/registry/mke settings onto the platform's args."""
    network, calico, k0rdent, operator = settings.network, settings.calico, settings.k0rdent, settings.mke_operator
    return PlatformArgs(
        kubernetes_provider=provider,
        leader_connection=leader_connection,
        cluster_ready=cluster_ready,
        calico=CalicoArgs(
            version=resolved(calico.version, "calico.version"),
            pod_cidr=network.pod_cidr,
            vxlan_port=network.vxlan_port,
            vxlan_vni=network.vxlan_vni,
            chart_repo=calico.chart_repo,
            user_values=calico.values,
            ready_timeout=calico.ready_timeout_seconds,
        )
        if calico.enabled
        else None,
        k0rdent=K0rdentArgs(
            version=resolved(k0rdent.version, "k0rdent.version"),
            flavor=k0rdent.flavor,
            chart=k0rdent.chart,
            namespace=k0rdent.namespace,
            user_values=k0rdent.values,
            ready_timeout=k0rdent.ready_timeout_seconds,
        )
        if k0rdent.enabled
        else None,
        mke_operator=MkeOperatorArgs(
            chart=operator.chart,
            version=resolved(operator.version, "mkeOperator.version"),
            namespace=operator.namespace,
            user_values=operator.values,
            mke_config_spec=settings.mke,
            ready_timeout=operator.ready_timeout_seconds,
        )
        if operator.enabled
        else None,
        registry=_registry(settings),
    )


def _registry(settings: Settings) -> RegistryArgs | None:
    registry = settings.registry
    if not any(
        (registry.image_registry, registry.chart_registry, registry.username, registry.ca_file, registry.ca_data)
    ):
        return None
    password = registry.password.get_secret_value() if registry.password else None
    return RegistryArgs(
        image_registry=registry.image_registry,
        chart_registry=registry.chart_registry,
        username=registry.username,
        password=pulumi.Output.secret(password) if password is not None else None,
        ca_file=registry.ca_file,
        ca_data=registry.ca_data,
    )
