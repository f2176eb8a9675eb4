"""Pure rendering for the k0s layer: k0s.yaml, kubeconfig rewrite, upgrade order.

Nothing here touches Pulumi: every function takes plain values and returns plain
values, so it is tested directly and validated against the upstream ClusterConfig
schema.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import yaml

from components.image_refs import mirror_reference
from components.release_matrix import Image, K0sImages
from components.settings import deep_merge
from components.settings.network import NetworkSettings

# libyaml's safe loader/dumper when PyYAML was built with it (same output, several times faster).
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_Dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


def render_k0s_config(
    *,
    cluster_name: str,
    private_address: str,
    external_address: str | None,
    sans: Sequence[str],
    network: NetworkSettings,
    extra: dict[str, Any],
) -> dict[str, Any]:
    """The ClusterConfig for one controller.

    Per controller: ``spec.api.address`` and ``spec.storage.etcd.peerAddress`` (its private
    address). Identical on every controller: everything else, including the API server's
    NodePort range (MKE's ingress NodePorts must fit in it). The network profile and
    etcd storage are applied last so ``extra`` (already checked by the settings rules)
    can never replace them; other ``extraArgs`` of ``extra`` are kept.
    """
    api: dict[str, Any] = {
        "address": private_address,
        "port": 6443,
        "k0sApiPort": 9443,
        "sans": sorted(set(sans) | {private_address}),
        # MKE's ingress NodePorts (33000/33001) lie outside Kubernetes' default 30000-32767.
        "extraArgs": {"service-node-port-range": network.node_port_range},
    }
    if external_address:
        api["externalAddress"] = external_address
    required = {
        "spec": {
            "api": api,
            "network": {
                "provider": "custom",
                "podCIDR": network.pod_cidr,
                "serviceCIDR": network.service_cidr,
                "clusterDomain": network.cluster_domain,
                "kubeProxy": {"disabled": False, "mode": network.kube_proxy_mode},
            },
            "storage": {"type": "etcd", "etcd": {"peerAddress": private_address}},
        }
    }
    base = {
        "apiVersion": "k0s.k0sproject.io/v1beta1",
        "kind": "ClusterConfig",
        "metadata": {"name": cluster_name},
        "spec": {"telemetry": {"enabled": False}},
    }
    return deep_merge(deep_merge(base, extra), required)


def to_yaml(document: dict[str, Any]) -> str:
    """Deterministic YAML (sorted keys, block style) so the same config is byte-identical."""
    return yaml.dump(document, Dumper=_Dumper, sort_keys=True, default_flow_style=False)


def point_kubeconfig_at(kubeconfig: str, api_address: str) -> str:
    """Rewrite every cluster's server to ``https://<api_address>:6443``.

    ``k0s kubeconfig admin`` writes the controller's own address; users reaching the
    API through a load balancer need the LB name (a top k0sctl complaint).
    """
    document = yaml.load(kubeconfig, Loader=_Loader)
    for cluster in document.get("clusters") or []:
        cluster["cluster"]["server"] = f"https://{api_address}:6443"
    return yaml.dump(document, Dumper=_Dumper, sort_keys=False)


def default_worker_batch_size(worker_count: int) -> int:
    """10% of the workers, at least one (k0sctl's default)."""
    return max(1, math.ceil(worker_count * 0.1))


def upgrade_lane_predecessor(index: int, lanes: int) -> int | None:
    """The worker (by config index) whose upgrade worker ``index`` waits for; None: the controllers.

    With ``lanes`` lanes, at most ``lanes`` workers upgrade at once. Appending a worker never
    changes another worker's predecessor.
    """
    return index - lanes if index >= lanes else None


def parse_key_values(stdout: str) -> dict[str, str]:
    """The ``key=value`` result lines a host script prints on stdout."""
    result = {}
    for line in stdout.splitlines():
        key, sep, value = line.partition("=")
        if sep and key.isidentifier():
            result[key] = value
    return result


# --------------------------------------------------------------------------- #
# k0s system images from a mirror (airgap)
# --------------------------------------------------------------------------- #

K0S_PULLED_IMAGES: tuple[str, ...] = ("konnectivity", "metricsserver", "kubeproxy", "coredns", "pause")
"""The ``spec.images`` entries a cluster with network provider ``custom`` pulls.

Not pulled, so neither rendered nor listed: ``calico`` and ``kuberouter`` (k0s installs
no CNI with provider ``custom``; Calico's images come from the tigera-operator chart),
``pushgateway`` (only with ``k0s controller --enable-metrics-scraper``, never passed).
``envoy`` is pulled only with node-local load balancing (see :func:`k0s_system_images`).
"""


@dataclass(frozen=True)
class MirroredImage:
    """One image a cluster pulls: where it comes from upstream and where the mirror keeps it.

    Attributes:
        component: what uses it, e.g. ``k0s/kubeproxy``.
        source_image: the upstream repository (with its registry host) to copy from.
        target_image: the mirror repository the cluster pulls from.
        version: the tag (optionally ``tag@sha256:...``), the same on both sides.
    """

    component: str
    source_image: str
    target_image: str
    version: str

    @property
    def source(self) -> str:
        """The upstream reference ``image:tag``."""
        return f"{self.source_image}:{self.version}"

    @property
    def target(self) -> str:
        """The mirror reference ``image:tag``."""
        return f"{self.target_image}:{self.version}"


def _uses_node_local_load_balancing(config: Mapping[str, Any]) -> bool:
    nllb = ((config.get("spec") or {}).get("network") or {}).get("nodeLocalLoadBalancing") or {}
    return nllb.get("enabled") is True


def k0s_system_images(known: K0sImages, *, image_registry: str, config: Mapping[str, Any]) -> list[MirroredImage]:
    """The k0s system images a cluster with ``config`` (the extra ClusterConfig) pulls, mirrored.

    ``known`` are the k0s version's own images (release matrix). An image set in
    ``config``'s ``spec.images.<name>`` replaces the upstream source (its ``image`` and/or
    ``version``); the mirror copy is pulled either way. ``envoy`` is included when
    ``config`` enables ``spec.network.nodeLocalLoadBalancing``.
    """
    overrides = ((config.get("spec") or {}).get("images")) or {}
    names = list(K0S_PULLED_IMAGES) + (["envoy"] if _uses_node_local_load_balancing(config) else [])
    result = []
    for name in names:
        default: Image = getattr(known, name)
        given = overrides.get(name) if name != "envoy" else None
        image = Image(
            image=(given or {}).get("image", default.image), version=(given or {}).get("version", default.version)
        )
        result.append(
            MirroredImage(
                component=f"k0s/{name}",
                source_image=image.image,
                target_image=mirror_reference(image.image, image_registry),
                version=image.version,
            )
        )
    return result


def k0s_images_config(images: Sequence[MirroredImage]) -> dict[str, Any]:
    """The ClusterConfig fragment that makes k0s pull ``images`` (their targets).

    Each entry is an explicit ``spec.images.<name>`` (``image`` + ``version``); envoy goes
    to ``spec.network.nodeLocalLoadBalancing.envoyProxy.image``. ``spec.images.repository``
    is left unset: k0s would rewrite the explicit images' host a second time.
    """
    spec: dict[str, Any] = {}
    for item in images:
        name = item.component.removeprefix("k0s/")
        entry = {"image": item.target_image, "version": item.version}
        if name == "envoy":
            spec.setdefault("network", {})["nodeLocalLoadBalancing"] = {"envoyProxy": {"image": entry}}
        else:
            spec.setdefault("images", {})[name] = entry
    return {"spec": spec}
