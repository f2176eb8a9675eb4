"""k0s system images from the mirror: rendered spec.images, schema, and the mirror list.

Expected image names follow k0s's own rule for a registry override (pkg/apis/k0s/v1beta1
images.go ``overrideRepository``: the registry host is replaced, the path kept) and the
image constants read at the k0s release (release_matrix.yaml names the source).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from components.airgap import AirgapError, k0s_config_with_mirror, mirror_manifest, mirrored_registries
from components.image_refs import mirror_reference, names_public_registry, registry_host_of, split_host
from components.k0s.render import render_k0s_config, to_yaml
from components.settings import Settings, deep_merge, settings_from_mapping
from tests.support.schemas import crd_validator, errors, schema_file
from tests.support.ssh_keys import openssh_private_key

MIRROR = "registry.example.com:5000/mke"
BASE: dict[str, Any] = {
    "cluster": {"name": "air"},
    "hosts": {
        "source": "static",
        "static": {
            "hosts": [
                {"name": "manager-1", "role": "controller+worker", "address": "10.60.0.11"},
                {"name": "worker-1", "role": "worker", "address": "10.60.0.21"},
            ]
        },
    },
    "ssh": {"privateKey": openssh_private_key("airgap")},
    "registry": {"imageRegistry": MIRROR, "chartRegistry": f"oci://{MIRROR}"},
}
# k0s v1.32.11+k0s.0 pkg/constant/constant.go (tag commit 9063a561), the images a provider-custom cluster pulls
K0S_1_32_PULLED = {
    "konnectivity": "quay.io/k0sproject/apiserver-network-proxy-agent:v0.31.0",
    "metricsserver": "registry.k8s.io/metrics-server/metrics-server:v0.7.2",
    "kubeproxy": "quay.io/k0sproject/kube-proxy:v1.32.11",
    "coredns": "quay.io/k0sproject/coredns:1.12.4",
    "pause": "registry.k8s.io/pause:3.9",
}
SCHEMAS = {"4.1.5": ("k0s", "v1.32.11+k0s.0"), "4.2.0": ("k0s", "v1.36.3+k0s.2")}  # 1.35 is not kept: nearest newer


def load(raw: dict[str, Any]) -> Settings:
    return settings_from_mapping(raw, stack="air", base_dir=Path("."))


def rendered(settings: Settings) -> dict[str, Any]:
    """The ClusterConfig of the first controller, as the k0s layer renders it."""
    return yaml.safe_load(
        to_yaml(
            render_k0s_config(
                cluster_name=settings.cluster.name,
                private_address="10.60.0.11",
                external_address=None,
                sans=["10.60.0.11"],
                network=settings.network,
                extra=k0s_config_with_mirror(settings),
            )
        )
    )


def image_refs(config: dict[str, Any]) -> dict[str, str]:
    return {name: f"{spec['image']}:{spec['version']}" for name, spec in config["spec"]["images"].items()}


def test_reference_rule_is_k0s_repository_override() -> None:
    """Host replaced, path kept; host-less names are Docker Hub; already mirrored stays."""
    assert mirror_reference("quay.io/k0sproject/kube-proxy", MIRROR) == f"{MIRROR}/k0sproject/kube-proxy"
    assert mirror_reference("registry.k8s.io/pause", MIRROR) == f"{MIRROR}/pause"
    assert mirror_reference("calico/node", MIRROR) == f"{MIRROR}/calico/node"
    assert mirror_reference(f"{MIRROR}/pause", MIRROR) == f"{MIRROR}/pause"
    assert split_host("localhost/x") == ("localhost", "x")
    assert registry_host_of("library/busybox") == "docker.io"


def test_every_pulled_k0s_image_comes_from_the_mirror() -> None:
    config = rendered(load(BASE))
    expected = {
        name: mirror_reference(ref.rsplit(":", 1)[0], MIRROR) + ":" + ref.rsplit(":", 1)[1]
        for name, ref in K0S_1_32_PULLED.items()
    }
    assert image_refs(config) == expected
    assert "repository" not in config["spec"]["images"], "k0s would rewrite the explicit images a second time"


def test_without_a_mirror_nothing_changes() -> None:
    raw = {k: v for k, v in BASE.items() if k != "registry"}
    assert "images" not in rendered(load(raw))["spec"]


# k0s's tag pattern uses the POSIX class [[:xdigit:]]; Python's re warns about it (and treats it as a set).
@pytest.mark.filterwarnings("ignore:Possible nested set:FutureWarning")
@pytest.mark.parametrize("mke", sorted(SCHEMAS))
def test_rendered_images_validate_against_the_k0s_schema(mke: str) -> None:
    validator = crd_validator(schema_file(*SCHEMAS[mke], "k0s.k0sproject.io_clusterconfigs.yaml"))
    config = rendered(load({**BASE, "version": mke}))
    assert errors(validator, config["spec"]) == []
    assert errors(validator, deep_merge(config["spec"], {"images": {"kubeproxy": {"version": "bad tag!"}}}))


def test_an_image_chosen_in_k0s_config_is_mirrored_too() -> None:
    """spec.images in mke4k:k0s.config picks the upstream image; the cluster pulls its mirror copy."""
    chosen = {"image": "quay.io/k0sproject/coredns", "version": "1.12.9"}
    raw = deep_merge(BASE, {"k0s": {"config": {"spec": {"images": {"coredns": chosen}}}}})
    settings = load(raw)
    assert image_refs(rendered(settings))["coredns"] == f"{MIRROR}/k0sproject/coredns:1.12.9"
    coredns = next(i for i in mirror_manifest(settings).images if i.component == "k0s/coredns")
    assert coredns.source == "quay.io/k0sproject/coredns:1.12.9"


@pytest.mark.filterwarnings("ignore:Possible nested set:FutureWarning")
def test_node_local_load_balancing_adds_the_envoy_image() -> None:
    validator = crd_validator(schema_file("k0s", "v1.32.11+k0s.0", "k0s.k0sproject.io_clusterconfigs.yaml"))
    nllb = {"spec": {"network": {"nodeLocalLoadBalancing": {"enabled": True, "type": "EnvoyProxy"}}}}
    settings = load(deep_merge(BASE, {"k0s": {"config": nllb}}))
    config = rendered(settings)
    envoy = config["spec"]["network"]["nodeLocalLoadBalancing"]["envoyProxy"]["image"]
    assert envoy == {"image": f"{MIRROR}/k0sproject/envoy-distroless", "version": "v1.31.10"}
    assert errors(validator, config["spec"]) == []
    assert "k0s/envoy" in {i.component for i in mirror_manifest(settings).images}


def test_the_list_names_exactly_the_k0s_images_the_config_references() -> None:
    """Mirror list and rendered ClusterConfig come from the same data: same references."""
    for raw in (BASE, {**BASE, "version": "4.2.0"}):
        settings = load(raw)
        listed = {i.target for i in mirror_manifest(settings).images if i.component.startswith("k0s/")}
        assert listed == set(image_refs(rendered(settings)).values())


def test_unused_k0s_images_are_neither_rendered_nor_listed() -> None:
    """Provider custom: no k0s calico/kube-router; no pushgateway without the metrics scraper."""
    settings = load(BASE)
    names = {i.component for i in mirror_manifest(settings).images}
    assert not names & {"k0s/calico", "k0s/kuberouter", "k0s/pushgateway", "k0s/envoy"}
    assert set(rendered(settings)["spec"]["images"]) == {n.removeprefix("k0s/") for n in names if n.startswith("k0s/")}


def test_nothing_in_the_list_targets_a_public_registry_and_every_source_is_upstream() -> None:
    manifest = mirror_manifest(load(BASE))
    assert manifest.images and manifest.charts
    assert not [i.target for i in manifest.images if names_public_registry(i.target)]
    assert not [c.target for c in manifest.charts if names_public_registry(c.target)]
    assert all(i.target.startswith(MIRROR + "/") for i in manifest.images)
    assert all(names_public_registry(i.source) for i in manifest.images)


def test_mirrored_registries_default_to_the_sources_and_docker_hub() -> None:
    settings = load(BASE)
    manifest = mirror_manifest(settings)
    assert mirrored_registries(settings, manifest) == sorted(
        {"quay.io", "registry.k8s.io", "registry.mirantis.com", "docker.io"}
    )
    chosen = load(deep_merge(BASE, {"registry": {"mirroredRegistries": ["ghcr.io"]}}))
    assert mirrored_registries(chosen, manifest) == ["ghcr.io"]


def test_a_stack_without_a_mirror_has_nothing_to_list() -> None:
    with pytest.raises(AirgapError, match=r"mke4k:registry.imageRegistry is not set.*Fix:"):
        mirror_manifest(load({k: v for k, v in BASE.items() if k != "registry"}))
