"""The one way this program builds its Kubernetes provider from a cluster's kubeconfig."""

from __future__ import annotations

import pulumi
import pulumi_kubernetes as kubernetes


def cluster_provider(cluster: str, kubeconfig: pulumi.Input[str], opts: pulumi.ResourceOptions) -> kubernetes.Provider:
    """A provider for ``cluster`` whose identity is the cluster name, not its kubeconfig.

    Without ``cluster_identifier`` any kubeconfig change (a new API address when a load
    balancer appears, a rotated client certificate) replaces the provider, and with it
    every Kubernetes resource: Calico, k0rdent and mke-operator would be reinstalled.
    """
    return kubernetes.Provider(
        f"{cluster}-kubernetes",
        kubeconfig=kubeconfig,
        cluster_identifier=cluster,
        opts=opts,
    )
