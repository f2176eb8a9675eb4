"""The real charts (../shared/charts) rendered by Helm with the program's values.

Two kinds of assertion, both on what the chart renders, not on our values:

* every values key the program sets is read by some template (changing it changes
  the rendered manifest; tests/support/charts.py ``unread_keys``), except the
  documented k0rdent Enterprise extras (``KCM_ENTERPRISE_UNREAD_KEYS``);
* the objects carry the profile / telemetry-off settings: the Installation and
  FelixConfiguration specs, the KCM controller's arguments. With the charts'
  defaults the same checks fail (telemetry on), so the assertions can fail.

Needs Helm from ``make cluster-api`` and the charts; skips with the reason otherwise.
The mke-operator chart is not public: only the e2e's stand-in chart exists, so it
is not checked here.
"""

from __future__ import annotations

from typing import Any

import pytest

from components.platform.values import KCM_ENTERPRISE_UNREAD_KEYS
from tests.support.charts import chart_dir, documents, helm_template, unread_keys
from tests.support.rendered import kcm_airgap, rendered_calico

CALICO = ("v3.30.2", "v3.31.5")
#: (chart folder, flavor, version): OSS charts at their own version; Enterprise against its
#: nearest public KCM (release matrix: Enterprise 1.2.3 ~ KCM 1.2.0, 1.3.2 ~ 1.3.0).
KCM = [
    ("kcm-v1.2.0", "oss", "1.2.0"),
    ("kcm-v1.2.0", "enterprise", "1.2.3"),
    ("kcm-v1.3.0", "oss", "1.3.0"),
    ("kcm-v1.3.0", "enterprise", "1.3.2"),
    ("kcm-v1.11.4", "oss", "1.11.4"),
]


def only(objects: list[dict[str, Any]], kind: str, name: str | None = None) -> dict[str, Any]:
    found = [o for o in objects if o["kind"] == kind and (name is None or o["metadata"]["name"] == name)]
    assert len(found) == 1, f"{len(found)} {kind} {name or ''} rendered"
    return found[0]


def controller_args(objects: list[dict[str, Any]]) -> list[str]:
    deployment = only(objects, "Deployment", "mke4k-kcm-controller-manager")
    return deployment["spec"]["template"]["spec"]["containers"][0]["args"]


# -------------------------------------------------------------------------- Calico


@pytest.mark.parametrize("version", CALICO)
def test_every_calico_value_is_read_by_the_chart(version: str) -> None:
    chart = chart_dir(f"tigera-operator-{version}")
    values = rendered_calico(version)
    assert helm_template(chart, values) == helm_template(chart, values), "the render is not deterministic"
    assert unread_keys(chart, values) == []


@pytest.mark.parametrize("version", CALICO)
def test_the_calico_chart_renders_the_profile(version: str) -> None:
    objects = documents(helm_template(chart_dir(f"tigera-operator-{version}"), rendered_calico(version)))
    spec = only(objects, "Installation", "default")["spec"]
    assert spec["calicoNetwork"]["bgp"] == "Disabled" and spec["calicoNetwork"]["linuxDataplane"] == "Iptables"
    [pool] = spec["calicoNetwork"]["ipPools"]
    assert (pool["cidr"], pool["encapsulation"], pool["natOutgoing"]) == ("192.168.0.0/16", "VXLAN", "Enabled")
    assert spec["kubernetesProvider"] == "" and spec["kubeletVolumePluginPath"] == "None"
    assert spec["registry"] == "registry.local/mke/"
    assert spec["imagePullSecrets"] == [{"name": "mke4k-registry-credentials"}]
    felix = only(objects, "FelixConfiguration", "default")["spec"]
    assert (felix["vxlanPort"], felix["vxlanVNI"]) == (4789, 4096)
    operator = only(objects, "Deployment", "tigera-operator")["spec"]["template"]["spec"]
    assert operator["containers"][0]["image"].startswith("registry.local/mke/tigera/operator:")


@pytest.mark.parametrize("version", CALICO)
def test_calico_chart_defaults_differ_from_the_profile(version: str) -> None:
    """Without our values the chart renders no VXLAN pool: the checks above can fail."""
    objects = documents(helm_template(chart_dir(f"tigera-operator-{version}"), {}))
    spec = only(objects, "Installation", "default")["spec"]
    assert "calicoNetwork" not in spec or spec["calicoNetwork"].get("bgp") != "Disabled"


# -------------------------------------------------------------------------- k0rdent


@pytest.mark.parametrize(("folder", "flavor", "version"), KCM)
def test_every_kcm_value_is_read_by_the_chart(folder: str, flavor: str, version: str) -> None:
    chart = chart_dir(folder)
    values = kcm_airgap(flavor, version)
    assert helm_template(chart, values) == helm_template(chart, values), "the render is not deterministic"
    unread = unread_keys(chart, values)
    allowed = set(KCM_ENTERPRISE_UNREAD_KEYS) if flavor == "enterprise" else set()
    assert set(unread) <= allowed, f"values no template of {folder} reads: {sorted(set(unread) - allowed)}"


@pytest.mark.parametrize(("folder", "flavor", "version"), KCM)
def test_kcm_renders_telemetry_off(folder: str, flavor: str, version: str) -> None:
    chart = chart_dir(folder)
    objects = documents(helm_template(chart, kcm_airgap(flavor, version)))
    args = controller_args(objects)
    assert "--enable-telemetry=true" not in args, args
    if folder in ("kcm-v1.2.0", "kcm-v1.3.0"):
        assert "--enable-telemetry=false" in args
    if folder == "kcm-v1.3.0":
        assert "--telemetry-mode=disabled" in args
    telemetry = [o for o in objects if o["kind"] == "Deployment" and o["metadata"]["name"].endswith("-telemetry")]
    assert telemetry == [], "the regional telemetry collector is rendered"
    assert "--global-registry=registry.local/k0rdent" in args
    assert "--registry-creds-secret=mke4k-registry-credentials" in args


@pytest.mark.parametrize("folder", ["kcm-v1.2.0", "kcm-v1.3.0", "kcm-v1.11.4"])
def test_kcm_chart_defaults_leave_telemetry_on(folder: str) -> None:
    """The same checks fail on the chart's defaults: telemetry is on unless we turn it off."""
    objects = documents(helm_template(chart_dir(folder), {}))
    args = controller_args(objects)
    on = "--enable-telemetry=true" in args or "--telemetry-mode=online" in args
    collector = any(o["kind"] == "Deployment" and o["metadata"]["name"].endswith("-telemetry") for o in objects)
    assert on or collector
