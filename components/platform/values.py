"""Pure renderers for the platform layer's chart values and objects.

Nothing here touches Pulumi: every function takes plain Python values and returns
plain, deterministic data (dicts with sorted keys, lists in a fixed order), so the
same configuration always renders byte-identical Helm values.

The Calico renderer enforces the MKE 4k network profile (facts.md section 2):
user values are deep-merged on top of the rendered values, but any attempt to
change a profile field raises :class:`ProfileOverrideError` naming the dotted
values key, the value given, the required value and why.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

# --------------------------------------------------------------------------- #
# Generic helpers
# --------------------------------------------------------------------------- #

KcmLayout = Literal["legacy", "telemetry-block", "regional"]
"""KCM chart values layout: ``legacy`` (``controller.enableTelemetry``, OSS KCM < 1.3),
``telemetry-block`` (adds the top-level ``telemetry.mode``, 1.3.x-1.4.x) or ``regional``
(``regional.telemetry.mode`` in the kcm-regional subchart, >= 1.5)."""


def canonical(value: Any) -> Any:
    """Return a deep copy of ``value`` with every mapping's keys sorted (lists keep order)."""
    if isinstance(value, Mapping):
        return {str(k): canonical(value[k]) for k in sorted(value, key=str)}
    if isinstance(value, (list, tuple)):
        return [canonical(item) for item in value]
    return value


def deep_merge(base: Mapping[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    """Merge ``override`` on top of ``base`` like Helm merges values files.

    Mappings merge recursively; any other value (lists included) in ``override``
    replaces the one in ``base``. Neither input is modified; the result is canonical.
    """
    merged: dict[str, Any] = {k: canonical(v) for k, v in base.items()}
    for key, value in override.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = canonical(value)
    return canonical(merged)


def set_path(values: dict[str, Any], dotted: str, value: Any) -> None:
    """Set ``values[a][b][c] = value`` for ``dotted == "a.b.c"``, creating mappings on the way."""
    parts = dotted.split(".")
    node = values
    for part in parts[:-1]:
        node = node.setdefault(part, {})
    node[parts[-1]] = value


def parse_version(version: str) -> tuple[int, ...]:
    """Parse ``v3.30.2`` / ``1.2.3`` / ``v3.30.200`` into a tuple of ints (pre-release suffix ignored)."""
    core = version.strip().lstrip("vV").split("-", 1)[0].split("+", 1)[0]
    try:
        return tuple(int(part) for part in core.split("."))
    except ValueError as exc:
        raise ValueError(f"not a version number: {version!r} (expected e.g. v3.30.2 or 1.2.3)") from exc


def registry_host(registry: str) -> str:
    """Host part of an image or chart registry URL (``oci://reg.local:5000/mke`` -> ``reg.local:5000``)."""
    without_scheme = registry.split("://", 1)[-1]
    return without_scheme.split("/", 1)[0]


def chart_basename(chart: str) -> str:
    """Last path segment of a chart reference (``oci://r/k0rdent-enterprise/charts/kcm`` -> ``kcm``)."""
    return chart.rstrip("/").rsplit("/", 1)[-1]


@dataclass(frozen=True)
class ChartLocation:
    """Where Helm fetches a chart from: ``chart`` (name or full ``oci://`` ref) and an optional HTTP ``repo``."""

    chart: str
    repo: str | None


def chart_location(chart: str, repo: str | None, chart_registry: str | None) -> ChartLocation:
    """Resolve a chart's location, honouring an airgap chart registry override.

    With ``chart_registry`` (no trailing slash) every chart comes from there: an
    ``oci://`` registry serves it as ``<chart_registry>/<chart basename>``, an
    ``http(s)://`` Helm repository by its basename. The chart's own repo is dropped.
    """
    if chart_registry and chart_registry.startswith("oci://"):
        return ChartLocation(chart=f"{chart_registry.rstrip('/')}/{chart_basename(chart)}", repo=None)
    if chart_registry:
        return ChartLocation(chart=chart_basename(chart), repo=chart_registry.rstrip("/"))
    return ChartLocation(chart=chart, repo=repo)


# --------------------------------------------------------------------------- #
# Calico (tigera-operator chart) and its network profile
# --------------------------------------------------------------------------- #

CALICO_CRD_CHART_FROM = (3, 32)
"""From Calico 3.32 the CRDs ship in the separate ``crd.projectcalico.org.v1`` chart."""

CALICO_INSTALLATION_KUBELET_PATH_FROM = (3, 31)
"""From Calico 3.31 ``kubeletVolumePluginPath`` lives under ``installation``; 3.30 reads the top-level key."""

K0S_FLEXVOLUME_PATH = "/usr/libexec/k0s/kubelet-plugins/volume/exec/"
KUBELET_VOLUME_PLUGIN_PATHS_ALLOWED = ("None", "/var/lib/k0s/kubelet")
DEFAULT_IPV4_POOL_NAME = "default-ipv4-ippool"
DEFAULT_BLOCK_SIZE = 26


class ProfileOverrideError(ValueError):
    """A user value tried to change a field of the required MKE 4k network profile."""

    def __init__(self, key: str, given: Any, required: Any, why: str) -> None:
        """Build the message ``<key>: got <given>, required <required>: <why>``."""
        self.key = key
        self.given = given
        self.required = required
        self.why = why
        super().__init__(
            f"{key}: got {given!r}, required {required!r}. {why} "
            f"Remove the override from the stack config (or set it to the required value)."
        )


@dataclass(frozen=True)
class _Rule:
    """One profile field: its dotted path in the values, allowed values and the reason."""

    path: str
    allowed: tuple[Any, ...]
    why: str


_WHY_VXLAN = (
    "MKE 4k networks pods with VXLAN and BGP off (its required network profile); the operator's "
    "default is IPIP, so VXLAN must be spelled out and cannot be changed."
)
_WHY_PROVIDER = (
    'kubernetesProvider must stay "": DockerEnterprise makes the operator default the VXLAN VNI '
    "to 10000 instead of 4096."
)


def _calico_rules(pod_cidr: str, vxlan_port: int, vxlan_vni: int) -> list[_Rule]:
    """The scalar profile fields (the IP pool list is checked separately)."""
    return [
        _Rule(
            "installation.enabled",
            (True,),
            "the chart must render the Installation that carries the profile.",
        ),
        _Rule("installation.kubernetesProvider", ("",), _WHY_PROVIDER),
        _Rule(
            "installation.flexVolumePath",
            (K0S_FLEXVOLUME_PATH,),
            "k0s keeps kubelet volume plugins in /usr/libexec/k0s/kubelet-plugins/volume/exec/.",
        ),
        _Rule(
            "installation.kubeletVolumePluginPath",
            KUBELET_VOLUME_PLUGIN_PATHS_ALLOWED,
            "k0s's kubelet root is /var/lib/k0s/kubelet: the CSI driver is off (None) or points there.",
        ),
        _Rule(
            "kubeletVolumePluginPath",
            KUBELET_VOLUME_PLUGIN_PATHS_ALLOWED,
            "k0s's kubelet root is /var/lib/k0s/kubelet: the CSI driver is off (None) or points there.",
        ),
        _Rule("installation.calicoNetwork.bgp", ("Disabled",), _WHY_VXLAN),
        _Rule(
            "installation.calicoNetwork.linuxDataplane",
            ("Iptables",),
            "MKE 4k runs kube-proxy in iptables mode and the Calico iptables dataplane.",
        ),
        _Rule(
            "defaultFelixConfiguration.enabled",
            (True,),
            "the default FelixConfiguration carries the VXLAN port and VNI.",
        ),
        _Rule(
            "defaultFelixConfiguration.vxlanPort",
            (vxlan_port,),
            f"the VXLAN port is {vxlan_port} on every node (security groups open UDP {vxlan_port}); "
            "set it through the calico vxlanPort setting, not chart values.",
        ),
        _Rule(
            "defaultFelixConfiguration.vxlanVNI",
            (vxlan_vni,),
            f"the VXLAN VNI is {vxlan_vni} (MKE 4k default); set it through the calico vxlanVNI setting, "
            "not chart values.",
        ),
    ]


_POOL_RULES_WHY = {
    "encapsulation": _WHY_VXLAN,
    "natOutgoing": "pods reach outside the cluster through NAT (MKE 4k profile).",
}


def calico_needs_crd_chart(version: str) -> bool:
    """True when this Calico version ships its CRDs in the separate ``crd.projectcalico.org.v1`` chart."""
    return parse_version(version)[:2] >= CALICO_CRD_CHART_FROM


def _lookup(values: Mapping[str, Any], dotted: str) -> tuple[bool, Any]:
    """Return ``(present, value)`` for a dotted path in nested mappings."""
    node: Any = values
    for part in dotted.split("."):
        if not isinstance(node, Mapping) or part not in node:
            return False, None
        node = node[part]
    return True, node


def _check_pools(user_values: Mapping[str, Any], profile_pool: Mapping[str, Any], key_prefix: str) -> None:
    """Reject user IP pools that differ from the single required IPv4 VXLAN pool."""
    path = "installation.calicoNetwork.ipPools"
    present, pools = _lookup(user_values, path)
    if not present:
        return
    key = f"{key_prefix}.{path}"
    if not isinstance(pools, list) or len(pools) != 1 or not isinstance(pools[0], Mapping):
        raise ProfileOverrideError(
            key,
            pools,
            [dict(profile_pool)],
            "MKE 4k is IPv4 only with exactly one IP pool equal to the k0s pod CIDR (no extra pools, "
            "no IPv6 or dual stack).",
        )
    pool = pools[0]
    cidr = pool.get("cidr", profile_pool["cidr"])
    if isinstance(cidr, str) and ":" in cidr:
        raise ProfileOverrideError(
            f"{key}[0].cidr",
            cidr,
            profile_pool["cidr"],
            "MKE 4k is IPv4 only: no IPv6 pool, no dual stack.",
        )
    if cidr != profile_pool["cidr"]:
        raise ProfileOverrideError(
            f"{key}[0].cidr",
            cidr,
            profile_pool["cidr"],
            "the Calico pool CIDR must equal the k0s pod CIDR; change the pod CIDR setting instead.",
        )
    for field, why in _POOL_RULES_WHY.items():
        if field in pool and pool[field] != profile_pool[field]:
            raise ProfileOverrideError(f"{key}[0].{field}", pool[field], profile_pool[field], why)


def check_calico_profile(
    user_values: Mapping[str, Any],
    *,
    pod_cidr: str,
    vxlan_port: int,
    vxlan_vni: int,
    key_prefix: str = "mke4k:calico.values",
) -> None:
    """Raise :class:`ProfileOverrideError` if ``user_values`` change any network profile field."""
    for rule in _calico_rules(pod_cidr, vxlan_port, vxlan_vni):
        present, given = _lookup(user_values, rule.path)
        if present and given not in rule.allowed:
            required = rule.allowed[0] if len(rule.allowed) == 1 else " or ".join(map(repr, rule.allowed))
            raise ProfileOverrideError(f"{key_prefix}.{rule.path}", given, required, rule.why)
    _check_pools(user_values, calico_ip_pool(pod_cidr), key_prefix)


def calico_ip_pool(pod_cidr: str) -> dict[str, Any]:
    """The single IPv4 pool of the profile (fields accepted by the Installation CRD's ``ipPools`` item)."""
    return {
        "blockSize": DEFAULT_BLOCK_SIZE,
        "cidr": pod_cidr,
        "encapsulation": "VXLAN",
        "name": DEFAULT_IPV4_POOL_NAME,
        "natOutgoing": "Enabled",
        "nodeSelector": "all()",
    }


def render_calico_values(
    *,
    version: str,
    pod_cidr: str,
    vxlan_port: int,
    vxlan_vni: int,
    user_values: Mapping[str, Any] | None = None,
    image_registry: str | None = None,
    pull_secret_names: Iterable[str] = (),
    key_prefix: str = "mke4k:calico.values",
) -> dict[str, Any]:
    """Render tigera-operator chart values with the required MKE 4k network profile.

    ``user_values`` are deep-merged on top (Helm semantics: lists replace), after
    checking they leave the profile alone. ``image_registry`` (e.g.
    ``registry.local/mke``) sets ``installation.registry`` (with the trailing slash
    the Installation API requires) and ``tigeraOperator.registry``;
    ``pull_secret_names`` become ``installation.imagePullSecrets`` (the chart also
    puts them on the operator Deployment).
    """
    user = dict(user_values or {})
    check_calico_profile(
        user,
        pod_cidr=pod_cidr,
        vxlan_port=vxlan_port,
        vxlan_vni=vxlan_vni,
        key_prefix=key_prefix,
    )
    installation: dict[str, Any] = {
        "enabled": True,
        "kubernetesProvider": "",
        "flexVolumePath": K0S_FLEXVOLUME_PATH,
        "calicoNetwork": {
            "bgp": "Disabled",
            "linuxDataplane": "Iptables",
            "ipPools": [calico_ip_pool(pod_cidr)],
        },
    }
    values: dict[str, Any] = {
        "installation": installation,
        "defaultFelixConfiguration": {
            "enabled": True,
            "vxlanPort": vxlan_port,
            "vxlanVNI": vxlan_vni,
        },
    }
    if parse_version(version)[:2] >= CALICO_INSTALLATION_KUBELET_PATH_FROM:
        installation["kubeletVolumePluginPath"] = "None"
    else:
        # Calico 3.30's chart overwrites Installation.spec.kubeletVolumePluginPath
        # with the top-level value (templates/crs/custom-resources.yaml).
        values["kubeletVolumePluginPath"] = "None"
    if image_registry:
        registry = image_registry.rstrip("/")
        installation["registry"] = f"{registry}/"
        values["tigeraOperator"] = {"registry": registry}
    names = sorted(set(pull_secret_names))
    if names:
        installation["imagePullSecrets"] = [{"name": name} for name in names]
    merged = deep_merge(values, user)
    # Re-apply the pool: user pool fields outside the profile (e.g. blockSize) merge
    # onto the profile pool instead of replacing it.
    present, user_pools = _lookup(user, "installation.calicoNetwork.ipPools")
    if present:
        merged["installation"]["calicoNetwork"]["ipPools"] = [deep_merge(calico_ip_pool(pod_cidr), user_pools[0])]
    return canonical(merged)


def calico_installation_spec(values: Mapping[str, Any]) -> dict[str, Any]:
    """The ``Installation.spec`` the chart renders from ``values`` (mirrors ``crs/custom-resources.yaml``).

    ``enabled`` is dropped; a top-level ``kubeletVolumePluginPath`` (Calico 3.30
    chart) is copied into the spec.
    """
    spec = {k: v for k, v in values.get("installation", {}).items() if k != "enabled"}
    if "kubeletVolumePluginPath" in values:
        spec["kubeletVolumePluginPath"] = values["kubeletVolumePluginPath"]
    return canonical(spec)


def calico_felix_spec(values: Mapping[str, Any]) -> dict[str, Any]:
    """The default ``FelixConfiguration.spec`` the chart renders (``defaultFelixConfiguration`` minus ``enabled``)."""
    return canonical({k: v for k, v in values.get("defaultFelixConfiguration", {}).items() if k != "enabled"})


# --------------------------------------------------------------------------- #
# k0rdent (KCM / k0rdent Enterprise chart)
# --------------------------------------------------------------------------- #

KCM_TELEMETRY_BLOCK_FROM = (1, 3)
"""The kcm chart reads a top-level ``telemetry`` block (``--telemetry-mode``) from 1.3.0;
``controller.enableTelemetry`` (``--enable-telemetry``) is still read through 1.4.x."""
KCM_REGIONAL_FROM = (1, 5)
"""From 1.5.0 telemetry lives in the ``kcm-regional`` subchart (alias ``regional``);
``controller.enableTelemetry`` is gone (the 1.11 schema forbids it), ``controller.globalRegistry``
names the controller image and ``imagePullSecrets`` goes on the controller Deployment."""

#: Every layout a k0rdent Enterprise chart before 1.5 could have: its chart and schema are not
#: public (the nearest public KCM of 1.2.3 is 1.2.0, of 1.3.2 probably 1.3.0), so telemetry is
#: turned off in every form those charts read, and the airgap keys of every form are set.
#: Keys the nearest public chart does not read are listed in KCM_ENTERPRISE_UNREAD_KEYS.
KCM_ENTERPRISE_LAYOUTS: tuple[KcmLayout, ...] = ("legacy", "telemetry-block", "regional")


def kcm_values_layouts(flavor: str, version: str) -> tuple[KcmLayout, ...]:
    """The KCM values layouts to render for a chart (see :data:`KcmLayout`).

    OSS KCM: exactly the layout of its version. k0rdent Enterprise before 1.5: all
    of them (:data:`KCM_ENTERPRISE_LAYOUTS`); from 1.5, the regional one (its schema
    would refuse ``controller.enableTelemetry``).
    """
    minor = parse_version(version)[:2]
    if minor >= KCM_REGIONAL_FROM:
        return ("regional",)
    if flavor == "enterprise":
        return KCM_ENTERPRISE_LAYOUTS
    return ("telemetry-block",) if minor >= KCM_TELEMETRY_BLOCK_FROM else ("legacy",)


#: Keys k0rdent Enterprise values carry that the nearest public chart (kcm 1.2.0 for
#: Enterprise 1.2.x, kcm 1.3.0 for 1.3.x) does not read, and why they are still set.
KCM_ENTERPRISE_UNREAD_KEYS: dict[str, str] = {
    "telemetry.mode": "the 1.3 form of telemetry off; Enterprise 1.2.x may carry it (not public)",
    "regional.telemetry.mode": "the 1.5+ form of telemetry off; Enterprise may carry it (not public)",
    "imagePullSecrets": "read by the controller Deployment from 1.5; Enterprise may carry it",
}


def render_kcm_values(
    *,
    flavor: str,
    version: str,
    user_values: Mapping[str, Any] | None = None,
    layout: KcmLayout | None = None,
    image_registry: str | None = None,
    chart_registry: str | None = None,
    controller_image: str | None = None,
    pull_secret_name: str | None = None,
    ca_secret_name: str | None = None,
) -> dict[str, Any]:
    """Render KCM / k0rdent Enterprise chart values: telemetry off, airgap registries applied.

    Per layout (``layout`` overrides :func:`kcm_values_layouts`):

    * ``legacy`` (OSS < 1.3): ``controller.enableTelemetry: false``;
      ``image.repository`` = ``<registry>/<controller_image>``;
    * ``telemetry-block`` (OSS 1.3-1.4): the above and ``telemetry.mode: disabled``;
    * ``regional`` (OSS >= 1.5): ``regional.telemetry.mode: disabled``; the pull secret
      in ``imagePullSecrets`` (the controller Deployment). ``global.registry`` and
      ``global.imagePullSecrets`` are read only by the regional telemetry collector,
      which is not rendered with telemetry off, so they are not set;

    and always: ``image_registry`` → ``controller.globalRegistry`` (images of the
    templates KCM deploys; from 1.5 also the controller's own image),
    ``chart_registry`` → ``controller.templatesRepoURL``, ``pull_secret_name`` →
    ``controller.registryCredsSecret``, ``ca_secret_name`` → ``controller.registryCertSecret``.
    User values are deep-merged on top and win.
    """
    layouts = (layout,) if layout else kcm_values_layouts(flavor, version)
    registry = image_registry.rstrip("/") if image_registry else None
    values: dict[str, Any] = {}
    if "legacy" in layouts or "telemetry-block" in layouts:
        set_path(values, "controller.enableTelemetry", False)
        if registry:
            default_image = "kcm-controller" if flavor == "enterprise" else "kcm/controller"
            set_path(values, "image.repository", f"{registry}/{controller_image or default_image}")
    if "telemetry-block" in layouts:
        set_path(values, "telemetry.mode", "disabled")
    if "regional" in layouts:
        set_path(values, "regional.telemetry.mode", "disabled")
        if pull_secret_name:
            values["imagePullSecrets"] = [{"name": pull_secret_name}]
    if registry:
        set_path(values, "controller.globalRegistry", registry)
    if chart_registry:
        set_path(values, "controller.templatesRepoURL", chart_registry.rstrip("/"))
    if pull_secret_name:
        set_path(values, "controller.registryCredsSecret", pull_secret_name)
    if ca_secret_name:
        set_path(values, "controller.registryCertSecret", ca_secret_name)
    return deep_merge(values, user_values or {})


# --------------------------------------------------------------------------- #
# mke-operator and MkeConfig
# --------------------------------------------------------------------------- #

MKE_CONFIG_API_VERSION = "mke.mirantis.com/v1alpha1"
MKE_CONFIG_KIND = "MkeConfig"
MKE_CONFIG_NAME = "mke"
MKE_CONFIG_NAMESPACE = "mke"


def render_mke_operator_values(
    *,
    user_values: Mapping[str, Any] | None = None,
    image_registry: str | None = None,
    registry_values_key: str = "image.registry",
    pull_secret_name: str | None = None,
    pull_secrets_values_key: str = "imagePullSecrets",
) -> dict[str, Any]:
    """Render mke-operator chart values.

    The chart's values are not public, so the keys that receive the image registry
    and the pull secret list (``[{name: ...}]``) are parameters. User values win.
    """
    values: dict[str, Any] = {}
    if image_registry:
        set_path(values, registry_values_key, image_registry.rstrip("/"))
    if pull_secret_name:
        set_path(values, pull_secrets_values_key, [{"name": pull_secret_name}])
    return deep_merge(values, user_values or {})


def render_mke_config(
    spec: Mapping[str, Any],
    *,
    name: str = MKE_CONFIG_NAME,
    namespace: str = MKE_CONFIG_NAMESPACE,
) -> dict[str, Any]:
    """The ``MkeConfig`` object mke-operator reconciles into system services."""
    return {
        "apiVersion": MKE_CONFIG_API_VERSION,
        "kind": MKE_CONFIG_KIND,
        "metadata": {"name": name, "namespace": namespace},
        "spec": canonical(spec),
    }


# --------------------------------------------------------------------------- #
# Registry credentials
# --------------------------------------------------------------------------- #


def render_dockerconfigjson(registry: str, username: str, password: str) -> str:
    """The ``.dockerconfigjson`` payload for one registry (keyed by its host), compact and key-sorted."""
    auth = base64.b64encode(f"{username}:{password}".encode()).decode()
    document = {
        "auths": {
            registry_host(registry): {
                "auth": auth,
                "password": password,
                "username": username,
            }
        }
    }
    return json.dumps(document, sort_keys=True, separators=(",", ":"))
