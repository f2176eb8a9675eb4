"""What an airgapped stack needs from its mirror, derived from what the renderers render.

Pure: settings in, plain data out. The same functions feed the k0s ClusterConfig
(:func:`k0s_config_with_mirror`), the mirror list (``make airgap-list``), the registry
preflight on a node and the nodes' containerd configuration, so what is mirrored, what
is checked and what the cluster pulls cannot drift apart:

* k0s system images: the k0s version's images (release matrix) that a cluster with
  network provider ``custom`` pulls, rewritten to the mirror and rendered as explicit
  ``spec.images`` entries (:mod:`components.k0s.render`);
* Calico: the operator image and the components the operator deploys, under the
  registries the rendered chart values name (``tigeraOperator.registry`` and
  ``installation.registry``);
* k0rdent: the controller image the rendered values name (``image.repository``);
* charts: where the platform layer fetches each enabled chart (``chart_location``);
* files: the k0s binary and its checksums for ``mke4k:k0s.downloadUrl``.

Not enumerated (their names are not public; they come with the MKE / k0rdent Enterprise
airgap bundles): the mke-operator image, and the images and charts k0rdent's subcharts
and templates pull. They are listed as notes.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from components.image_refs import DOCKER_HUB, registry_host_of, split_host
from components.k0s.containerd import encode_registry_files, render_registry_files
from components.k0s.render import MirroredImage, k0s_images_config, k0s_system_images
from components.platform.values import (
    calico_needs_crd_chart,
    chart_basename,
    chart_location,
    registry_host,
    render_calico_values,
    render_kcm_values,
)
from components.release_matrix import load_matrix
from components.settings import Settings, deep_merge, resolved
from components.settings.k0s import DEFAULT_DOWNLOAD_URL

CALICO_CHART = "tigera-operator"
CALICO_CRD_CHART = "crd.projectcalico.org.v1"
CALICO_IMAGE_PATH = "calico"
"""The operator's default ``Installation.spec.imagePath`` for Calico components."""
K0RDENT_CONTROLLER_SOURCES = {
    "enterprise": "registry.mirantis.com/k0rdent-enterprise/kcm-controller",
    "oss": "ghcr.io/k0rdent/kcm/controller",
}
"""Upstream controller repositories (facts.md / ../shared/schemas README; the KCM chart's image.repository)."""

NOT_ENUMERATED = (
    "mke-operator image: its chart's values are not public; copy it from the MKE airgap bundle "
    "to <imageRegistry> (the chart gets image.registry=<imageRegistry>).",
    "k0rdent subchart and template images and charts (cert-manager, flux, cluster-api, velero, ...): "
    "copy them from the k0rdent Enterprise airgap bundle of the same version to <imageRegistry> / <chartRegistry>.",
)


class AirgapError(ValueError):
    """The stack has no mirror to list or check (e.g. no ``mke4k:registry.imageRegistry``)."""


@dataclass(frozen=True)
class MirroredChart:
    """One Helm chart: where it comes from upstream and where the platform layer fetches it.

    Attributes:
        component: which piece installs it, e.g. ``calico``.
        name: chart name (``tigera-operator``).
        version: chart version (the OCI tag, ``+`` written as ``_``).
        source: ``oci://...`` reference, or the HTTP repository URL (then ``name`` is the chart in it).
        target: ``oci://<chartRegistry>/<name>``: what the platform layer installs.
    """

    component: str
    name: str
    version: str
    source: str
    target: str

    @property
    def target_repository(self) -> str:
        """The ``oci://`` repository to ``helm push`` the packaged chart to."""
        return self.target.rsplit("/", 1)[0]

    @property
    def oci_tag(self) -> str:
        """The tag Helm gives the chart in an OCI registry (``+`` is not allowed in tags)."""
        return self.version.replace("+", "_")


@dataclass(frozen=True)
class MirroredFile:
    """One file (the k0s binary, its checksums) and where the nodes download it."""

    component: str
    source: str
    target: str


@dataclass(frozen=True)
class MirrorManifest:
    """Everything a stack's release needs from the mirror (``mkectl airgap list-images|list-charts``)."""

    images: tuple[MirroredImage, ...]
    charts: tuple[MirroredChart, ...]
    files: tuple[MirroredFile, ...]
    notes: tuple[str, ...]

    def registry_hosts(self) -> list[str]:
        """The mirror hosts (image and chart registries) a node talks to, sorted."""
        hosts = {registry_host_of(i.target_image) for i in self.images}
        hosts |= {registry_host(c.target) for c in self.charts}
        return sorted(hosts)


def _image_registry(settings: Settings) -> str:
    registry = settings.registry.image_registry
    if not registry:
        raise AirgapError(
            "mke4k:registry.imageRegistry is not set: there is no mirror. "
            "Fix: set it to the mirror prefix, e.g. registry.example.com/mke."
        )
    return registry.rstrip("/")


def k0s_config_with_mirror(settings: Settings) -> dict[str, Any]:
    """``mke4k:k0s.config`` plus explicit ``spec.images`` on the mirror (unchanged without a mirror).

    The result is what the k0s layer renders into every controller's k0s.yaml.
    """
    config = settings.k0s.config
    if not settings.registry.image_registry:
        return config
    return deep_merge(config, k0s_images_config(_k0s_images(settings)))


def _k0s_images(settings: Settings) -> list[MirroredImage]:
    version = resolved(settings.k0s.version, "k0s.version")
    known = load_matrix().k0sImages.get(version)
    if known is None:
        raise AirgapError(
            f"mke4k:k0s.version: the release matrix lists no system images for k0s {version}. "
            "Fix: use a k0s version listed under k0sImages in components/release_matrix.yaml, or add it there."
        )
    return k0s_system_images(known, image_registry=_image_registry(settings), config=settings.k0s.config)


def _calico_images(settings: Settings) -> list[MirroredImage]:
    calico = settings.calico
    version = resolved(calico.version, "calico.version")
    known = load_matrix().calicoImages.get(version)
    if known is None:
        raise AirgapError(
            f"mke4k:calico.version: the release matrix lists no images for Calico {version}. "
            "Fix: use a Calico version listed under calicoImages in components/release_matrix.yaml, or add it there."
        )
    values = render_calico_values(
        version=version,
        pod_cidr=settings.network.pod_cidr,
        vxlan_port=settings.network.vxlan_port,
        vxlan_vni=settings.network.vxlan_vni,
        user_values=calico.values,
        image_registry=_image_registry(settings),
    )
    installation = values["installation"]
    image_path = installation.get("imagePath", CALICO_IMAGE_PATH)
    _, operator_path = split_host(known.operator.image)
    images = [
        MirroredImage(
            component="calico/operator",
            source_image=known.operator.image,
            target_image=f"{values['tigeraOperator']['registry'].rstrip('/')}/{operator_path}",
            version=known.operator.version,
        )
    ]
    images += [
        MirroredImage(
            component=f"calico/{name}",
            source_image=f"{known.repository}/{name}",
            target_image=f"{installation['registry']}{image_path}/{name}",
            version=version,
        )
        for name in known.components
    ]
    return images


def _k0rdent_images(settings: Settings) -> list[MirroredImage]:
    k0rdent = settings.k0rdent
    version = resolved(k0rdent.version, "k0rdent.version")
    values = render_kcm_values(
        flavor=k0rdent.flavor,
        version=version,
        user_values=k0rdent.values,
        image_registry=_image_registry(settings),
        chart_registry=settings.registry.chart_registry,
    )
    return [
        MirroredImage(
            component="k0rdent/controller",
            source_image=K0RDENT_CONTROLLER_SOURCES[k0rdent.flavor],
            target_image=values["image"]["repository"],
            version=f"v{version}",  # the chart's image tag defaults to its appVersion, v<version>
        )
    ]


def _charts(settings: Settings) -> list[MirroredChart]:
    chart_registry = settings.registry.chart_registry
    if not chart_registry:
        return []
    wanted: list[tuple[str, str, str, str | None]] = []  # component, chart, version, HTTP repo
    calico = settings.calico
    if calico.enabled:
        version = resolved(calico.version, "calico.version")
        if calico_needs_crd_chart(version):
            wanted.append(("calico", CALICO_CRD_CHART, version, calico.chart_repo))
        wanted.append(("calico", CALICO_CHART, version, calico.chart_repo))
    if settings.k0rdent.enabled:
        k0rdent = settings.k0rdent
        wanted.append(
            ("k0rdent", resolved(k0rdent.chart, "k0rdent.chart"), resolved(k0rdent.version, "k0rdent.version"), None)
        )
    if settings.mke_operator.enabled:
        operator = settings.mke_operator
        wanted.append(("mke-operator", operator.chart, resolved(operator.version, "mkeOperator.version"), None))
    charts = []
    for component, chart, version, repo in wanted:
        location = chart_location(chart, repo, chart_registry)
        charts.append(
            MirroredChart(
                component=component,
                name=chart_basename(chart),
                version=version,
                source=repo or chart,
                target=location.chart,
            )
        )
    return charts


def _files(settings: Settings) -> list[MirroredFile]:
    k0s = settings.k0s
    version = resolved(k0s.version, "k0s.version")
    asset = f"k0s-{version}-{k0s.upload_arch}"
    return [
        MirroredFile(
            component="k0s/binary",
            source=f"{DEFAULT_DOWNLOAD_URL}/{version}/{name}",
            target=f"{k0s.download_url}/{version}/{name}",
        )
        for name in (asset, "sha256sums.txt")
    ]


def mirror_manifest(settings: Settings) -> MirrorManifest:
    """Every image, chart and file the stack's release needs from its mirror.

    Raises :class:`AirgapError` when the stack names no image registry, or uses a k0s or
    Calico version whose images the release matrix does not list.
    """
    images: list[MirroredImage] = []
    if settings.runs("k0s") or settings.runs("hosts"):
        images += _k0s_images(settings)
    if settings.runs("platform"):
        if settings.calico.enabled:
            images += _calico_images(settings)
        if settings.k0rdent.enabled:
            images += _k0rdent_images(settings)
    notes = list(NOT_ENUMERATED) if settings.runs("platform") else []
    if not settings.registry.chart_registry and settings.runs("platform"):
        notes.insert(0, "mke4k:registry.chartRegistry is not set: charts are fetched from their upstream locations.")
    return MirrorManifest(
        images=tuple(images),
        charts=tuple(_charts(settings)) if settings.runs("platform") else (),
        files=tuple(_files(settings)) if settings.runs("k0s") else (),
        notes=tuple(notes),
    )


def mirrored_registries(settings: Settings, manifest: MirrorManifest) -> list[str]:
    """The public registries whose images the nodes pull from the mirror instead.

    ``mke4k:registry.mirroredRegistries`` when set; else every registry the manifest's
    images come from, and Docker Hub (the registry of unqualified image names).
    """
    if settings.registry.mirrored_registries is not None:
        return sorted(set(settings.registry.mirrored_registries))
    return sorted({registry_host_of(i.source_image) for i in manifest.images} | {DOCKER_HUB})


def node_ca_pem(settings: Settings, base_dir: Path | None = None) -> str | None:
    """The registry CA the nodes trust: ``caData``, else the contents of ``caFile`` (relative to ``base_dir``)."""
    registry = settings.registry
    if registry.ca_data:
        return registry.ca_data
    if registry.ca_file:
        path = Path(registry.ca_file).expanduser()
        return ((base_dir or Path.cwd()) / path).read_text()
    return None


def image_references(images: Iterable[MirroredImage]) -> list[str]:
    """The mirror references of ``images``, in order, without duplicates."""
    return list(dict.fromkeys(i.target for i in images))


# --------------------------------------------------------------------------- #
# Host script inputs (the lead wires them into the per-node chain)
# --------------------------------------------------------------------------- #


def has_credentials(settings: Settings) -> bool:
    """Whether the nodes authenticate to the mirror (then the token goes on the scripts' stdin)."""
    return settings.registry.username is not None and settings.registry.password is not None


def preflight_inputs(manifest: MirrorManifest, ca_pem: str | None, *, with_credentials: bool) -> dict[str, str]:
    """``registry_preflight.sh`` inputs: every listed image and chart, the CA, whether stdin has credentials."""
    charts = [f"{c.target.removeprefix('oci://')}:{c.oci_tag}" for c in manifest.charts]
    return {
        "REGISTRY_IMAGES": "".join(f"{ref}\n" for ref in image_references(manifest.images)),
        "REGISTRY_CHARTS": "".join(f"{ref}\n" for ref in dict.fromkeys(charts)),
        "REGISTRY_CA_B64": base64.b64encode(ca_pem.encode()).decode() if ca_pem else "",
        "HAS_CREDENTIALS": str(with_credentials).lower(),
    }


def configure_registry_inputs(settings: Settings, manifest: MirrorManifest, ca_pem: str | None) -> dict[str, str]:
    """``configure_registry.sh`` inputs for the stack's mirror (the rendered containerd files)."""
    files = render_registry_files(
        image_registry=_image_registry(settings),
        mirrored_registries=mirrored_registries(settings, manifest),
        ca_pem=ca_pem,
        with_credentials=has_credentials(settings),
    )
    return {"REGISTRY_FILES": encode_registry_files(files), "HAS_CREDENTIALS": str(has_credentials(settings)).lower()}
