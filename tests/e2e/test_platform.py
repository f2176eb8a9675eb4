"""The platform layer on a real Kubernetes API server, under the real Pulumi engine.

Scenario (one test, in order; each step asserts on the API server, the hosts and
pulumi's output, never on the program's own values):

0. A real control plane (tests/e2e/control_plane.py: etcd, kube-apiserver,
   controller-manager, scheduler, kwok with one fake node) listens on the bridge of
   one network-namespace SSH test host, ``c1``, whose fake ``k0s kubectl`` (TEST
   DOUBLE) forwards to it; ``../shared/charts`` (+ a TEST STAND-IN mke-operator chart)
   are served as a Helm repository on loopback; every pulumi command goes through an
   HTTP(S) proxy that refuses and records anything not on loopback or the bridge.
1. A lower stack (tests/e2e/lower_stack, a TEST FIXTURE Pulumi program) exports
   ``kubeconfig``, ``leader``, ``sshPrivateKey`` and ``bastion``, as a k0s-layer stack does.
2. The platform stack (``layers.run: [platform]``, ``layers.fromStack`` = the lower
   stack, ``registry.chartRegistry`` = the loopback repository) runs ``pulumi up``
   while the operator stand-in never makes Calico Available: the Calico gate fails
   within its timeout with a clear message, and k0rdent is not started.
3. ``pulumi up`` again with the stand-in acting: tigera-operator, KCM and the
   stand-in mke-operator install; the Installation and FelixConfiguration are read
   back from the API server; KCM's release starts after ``tigerastatus/calico`` is
   Available; the MkeConfig exists; no chart came from anywhere but the local repo.
4. ``pulumi preview --expect-no-changes`` is clean.
5. Calico v3.30.2 → v3.31.5: the release is upgraded in place, every CRD is at the
   3.31.5 schema, nothing else is replaced (only the Calico gate, by design).
6. ``pulumi preview --expect-no-changes`` again.
7. ``pulumi destroy`` uninstalls mke-operator, then KCM, then tigera-operator and
   leaves no Helm release secret, namespace or CRD of ours.

What it does NOT prove: no real operator, kubelet, container runtime or CNI runs
(kwok fakes Pod readiness; the stand-in writes the operators' status), so nothing
here shows Calico networking pods or k0rdent managing clusters.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

if os.environ.get("MKE4K_E2E") != "1":
    pytest.skip("end-to-end test: set MKE4K_E2E=1 (or run tests/e2e/run.sh)", allow_module_level=True)

from components.platform.crds import crd_documents
from tests.e2e.chart_repo import ChartRepository, chart_repository, egress_trap
from tests.e2e.control_plane import ControlPlane, missing_binaries
from tests.e2e.operator_standin import OperatorStandIn
from tests.e2e.pulumi_cli import ENGINE_HOME, PulumiProject, Run, missing_engine_parts
from tests.e2e.scenario import summary
from tests.e2e.testhosts import SSHD, TestHosts
from tests.fakes.release_server import fake_k0s_bytes
from tests.support.charts import charts_dir, helm_template

pytestmark = pytest.mark.e2e

HERE = Path(__file__).resolve().parent
CALICO_FROM, CALICO_TO = "v3.30.2", "v3.31.5"
KCM_VERSION = "1.2.0"
KCM_NAMESPACE = "kcm-system"
OPERATOR_CHART = HERE / "charts" / "mke-operator"
CLUSTER_DIR = "/var/lib/fake-k0s-cluster"
CALL_LOG_DIR = "/var/log/fake-k0s"
GATE_TIMEOUT = 40
#: The operator image each tigera-operator chart deploys (its values.yaml).
OPERATOR_IMAGE = {"v3.30.2": "v1.38.3", "v3.31.5": "v1.40.8"}
#: Our namespaces: created by the program, gone after destroy.
NAMESPACES = ("tigera-operator", KCM_NAMESPACE, "mke")
RELEASES = {"tigera-operator": "tigera-operator", "kcm": KCM_NAMESPACE, "mke-operator": "mke"}


def _prerequisites() -> str | None:
    if os.geteuid() != 0:
        return "needs root (network namespaces, mounts)"
    if shutil.which("ip") is None or shutil.which("unshare") is None or not Path(SSHD).exists():
        return "needs iproute2, util-linux and openssh-server"
    missing = missing_engine_parts() + missing_binaries()
    if not (ENGINE_HOME / "plugins" / "resource-kubernetes-v4.34.2").is_dir():
        missing.append("the Kubernetes provider plugin")
    if missing:
        return "not built (tests/e2e/run.sh builds them): " + ", ".join(missing)
    if charts_dir() is None:
        return "upstream charts not found: set MKE4K_CHARTS_DIR or provide <repo>/../shared/charts"
    return None


_reason = _prerequisites()
if _reason is not None:
    pytest.skip(_reason, allow_module_level=True)


@dataclass
class Env:
    """Everything the scenario runs against."""

    hosts: TestHosts
    plane: ControlPlane
    repo: ChartRepository
    egress: list[str]
    lower: PulumiProject
    platform: PulumiProject


@pytest.fixture
def env(tmp_path: Path) -> Iterator[Env]:
    charts = charts_dir()
    assert charts is not None
    sources = [charts / f"tigera-operator-{CALICO_FROM}", charts / f"tigera-operator-{CALICO_TO}"]
    sources += [charts / f"kcm-v{KCM_VERSION}", OPERATOR_CHART]
    projects: list[PulumiProject] = []
    try:
        with (
            TestHosts(["c1"], shared_dirs=[CLUSTER_DIR, CALL_LOG_DIR]) as hosts,
            ControlPlane(bind_address=hosts.gateway) as plane,
            chart_repository(sources, tmp_path) as repo,
            egress_trap() as (proxy, trap),
        ):
            k0s = hosts["c1"].host_dir / "root/usr/local/bin/k0s"
            k0s.write_bytes(fake_k0s_bytes("v1.32.11+k0s.0"))
            k0s.chmod(0o755)
            # The kubeconfig goes where the test host sees it (each test host has its own /tmp).
            shared = hosts.shared_dir(CLUSTER_DIR)
            shutil.copyfile(plane.kubeconfig_path, shared / "forward.kubeconfig")
            forward = {"kubectl": str(plane.kubectl_binary), "kubeconfig": f"{CLUSTER_DIR}/forward.kubeconfig"}
            (shared / "knobs.json").write_text(json.dumps({"kubectl_forward": forward}))
            lower = PulumiProject(stack="cluster", program=HERE / "lower_stack")
            no_proxy = f"127.0.0.1,localhost,{hosts.gateway}"
            env_vars = {"HTTPS_PROXY": proxy, "HTTP_PROXY": proxy, "NO_PROXY": no_proxy}
            env_vars |= {key.lower(): value for key, value in env_vars.items()}
            platform = PulumiProject(stack="platform", backend=lower.backend, extra_env=env_vars)
            projects += [lower, platform]
            yield Env(hosts, plane, repo, trap.entries, lower, platform)
    finally:
        for project in projects:
            if os.environ.get("MKE4K_E2E_KEEP") == "1":
                print(f"kept scratch project at {project.root}")
            else:
                project.cleanup()


def platform_config(env: Env, calico_version: str, *, calico_timeout: int = GATE_TIMEOUT) -> dict[str, Any]:
    """The platform stack's plain config."""
    return {
        "mke4k:cluster": {"name": "e2e"},
        "mke4k:layers": {"run": ["platform"], "fromStack": "organization/mke4k-e2e-lower/cluster"},
        "mke4k:registry": {"chartRegistry": env.repo.url, "imageRegistry": "registry.e2e.invalid/mke"},
        "mke4k:calico": {"version": calico_version, "readyTimeoutSeconds": calico_timeout},
        "mke4k:k0rdent": {
            "flavor": "oss",
            "version": KCM_VERSION,
            "readyTimeoutSeconds": 120,
            # No KCM controller runs to serve its webhook (the stand-in acts for it).
            "values": {"admissionWebhook": {"enabled": False}},
        },
        "mke4k:mkeOperator": {"version": "0.1.0", "readyTimeoutSeconds": 120},
        # The stand-in mke-operator chart (0.1.0) is pinned on purpose; the matrix does not list it.
        "mke4k:allowUnlistedVersions": True,
        "mke4k:mke": {"e2e": {"marker": "from-the-stack-config"}},
    }


def get(plane: ControlPlane, *args: str) -> dict[str, Any]:
    """``kubectl get ARGS -o json``, parsed."""
    return json.loads(plane.kubectl("get", *args, "-o", "json").stdout)


def exists(plane: ControlPlane, *args: str) -> bool:
    """True when ``kubectl get ARGS`` finds something."""
    proc = plane.kubectl("get", *args, "-o", "name", check=False)
    return proc.returncode == 0 and bool(proc.stdout.strip())


def condition_time(obj: dict[str, Any], kind: str) -> str:
    """``lastTransitionTime`` of condition ``kind`` (RFC 3339, second precision)."""
    return next(c["lastTransitionTime"] for c in obj["status"]["conditions"] if c["type"] == kind)


def helm_secrets(plane: ControlPlane) -> list[str]:
    """``namespace/name`` of every Helm release secret in the cluster."""
    items = get(plane, "secrets", "-A", "-l", "owner=helm")["items"]
    return sorted(f"{s['metadata']['namespace']}/{s['metadata']['name']}" for s in items)


def chart_crds(version: str) -> dict[str, dict[str, Any]]:
    """name -> CRD as the tigera-operator chart of ``version`` ships it."""
    charts = charts_dir()
    assert charts is not None
    manifest = helm_template(charts / f"tigera-operator-{version}", {}, include_crds=True)
    return {crd["metadata"]["name"]: crd for crd in crd_documents(manifest)}


def assert_crds_match(plane: ControlPlane, version: str) -> None:
    """Every CRD of the chart is in the API server with exactly the chart's schema."""
    expected = chart_crds(version)
    served = {crd["metadata"]["name"]: crd for crd in get(plane, "crd")["items"]}
    missing = sorted(set(expected) - set(served))
    assert not missing, f"CRDs of Calico {version} not in the API server: {missing}"
    stale = [
        name
        for name, crd in expected.items()
        if [v["schema"] for v in crd["spec"]["versions"]] != [v["schema"] for v in served[name]["spec"]["versions"]]
    ]
    assert not stale, f"{len(stale)} of {len(expected)} CRDs are not at the Calico {version} schema: {stale}"


# -- the scenario -----------------------------------------------------------------------


def test_platform_layer_on_a_real_api_server(env: Env) -> None:
    plane, platform = env.plane, env.platform
    timings: dict[str, float] = {}
    started = time.monotonic()

    # 1. the lower stack -------------------------------------------------------------
    c1 = env.hosts["c1"]
    env.lower.init_stack({"lower:leader": {"address": c1.address, "port": c1.port, "user": "root"}})
    env.lower.set_secret("lower:kubeconfig", plane.kubeconfig)
    env.lower.set_secret("lower:sshPrivateKey", env.hosts.private_key.read_text())
    timings["lower up"] = env.lower.up().seconds

    platform.init_stack(platform_config(env, CALICO_FROM))
    standin = OperatorStandIn(plane, kcm_namespace=KCM_NAMESPACE, watched_releases=RELEASES)
    with standin:
        # 2. a gate that never turns true ----------------------------------------------
        standin.calico_available = False
        begin = time.monotonic()
        run = platform.pulumi("up", "--yes", "--skip-preview", check=False, timeout=900)
        timings["up (gate times out)"] = run.seconds
        assert run.returncode != 0, "up succeeded although tigerastatus/calico never became Available"
        assert (
            f"mke4k: Calico not ready: tigerastatus/calico did not reach condition Available within {GATE_TIMEOUT}s"
            in run.output
        ), run.output[-3000:]
        assert "command:remote:Command (e2e-calico-ready)" in run.output, "the error is not the gate's"
        assert time.monotonic() - begin < GATE_TIMEOUT + 240, "the gate did not give up near its timeout"
        assert not exists(plane, "namespace", KCM_NAMESPACE), "k0rdent started although Calico was not ready"

        # 3. up ----------------------------------------------------------------------------
        standin.calico_available = True
        run = platform.up()
        timings["up"] = run.seconds
        assert_installed(env, standin, CALICO_FROM)

        # 4. no changes ------------------------------------------------------------------
        run = platform.preview("--expect-no-changes")
        timings["preview"] = run.seconds

        # 5. Calico upgrade ----------------------------------------------------------------
        before = {r["urn"]: r for r in platform.resources()}
        old_release = get(plane, "secret", "-n", "tigera-operator", "-l", "owner=helm,name=tigera-operator")
        platform.set_config(platform_config(env, CALICO_TO))
        run = platform.up()
        timings["upgrade"] = run.seconds
        assert_upgraded(env, run, before, old_release)

        # 6. no changes ------------------------------------------------------------------
        run = platform.preview("--expect-no-changes")
        timings["preview after upgrade"] = run.seconds

        # 7. destroy ---------------------------------------------------------------------
        run = platform.destroy()
        timings["destroy"] = run.seconds
        time.sleep(2)  # one more round of the stand-in's release watch
    assert_destroyed(env, standin)
    assert not env.egress, f"a chart or plugin download reached beyond loopback: {env.egress}"
    assert not standin.errors or len(standin.errors) < 5, standin.errors[-5:]
    timings["total"] = time.monotonic() - started
    print("\nplatform e2e timings (s): " + ", ".join(f"{k}: {v:.1f}" for k, v in timings.items()))


def assert_installed(env: Env, standin: OperatorStandIn, calico: str) -> None:
    plane = env.plane
    # The Installation the chart rendered from our values, as the API server stored it.
    spec = get(plane, "installation.operator.tigera.io", "default")["spec"]
    network = spec["calicoNetwork"]
    assert network["bgp"] == "Disabled" and network["linuxDataplane"] == "Iptables"
    [pool] = network["ipPools"]
    assert pool["cidr"] == "192.168.0.0/16" and pool["encapsulation"] == "VXLAN" and pool["natOutgoing"] == "Enabled"
    assert spec["kubernetesProvider"] == "" or "kubernetesProvider" not in spec
    assert spec["kubeletVolumePluginPath"] == "None"
    assert spec["flexVolumePath"] == "/usr/libexec/k0s/kubelet-plugins/volume/exec/"
    assert spec["registry"] == "registry.e2e.invalid/mke/"
    felix = get(plane, "felixconfiguration.crd.projectcalico.org", "default")["spec"]
    assert (felix["vxlanPort"], felix["vxlanVNI"]) == (4789, 4096)
    operator = get(plane, "deployment", "-n", "tigera-operator", "tigera-operator")
    image = operator["spec"]["template"]["spec"]["containers"][0]["image"]
    assert image == f"registry.e2e.invalid/mke/tigera/operator:{OPERATOR_IMAGE[calico]}", image
    assert_crds_match(plane, calico)
    # Order: KCM's release started only after Calico was Available (API server clocks).
    available = condition_time(get(plane, "tigerastatus", "calico"), "Available")
    kcm_release = get(plane, "secret", "-n", KCM_NAMESPACE, "-l", "owner=helm,name=kcm")["items"]
    assert kcm_release, "no KCM release"
    kcm_started = min(s["metadata"]["creationTimestamp"] for s in kcm_release)
    kcm_ns = get(plane, "namespace", KCM_NAMESPACE)["metadata"]["creationTimestamp"]
    assert available <= kcm_ns <= kcm_started, (available, kcm_ns, kcm_started)
    # KCM rendered with telemetry off, read from the Deployment the API server holds.
    kcm = get(plane, "deployment", "-n", KCM_NAMESPACE, "kcm-controller-manager")
    args = kcm["spec"]["template"]["spec"]["containers"][0]["args"]
    assert "--enable-telemetry=false" in args, args
    ready = condition_time(get(plane, "management", "kcm"), "Ready")
    mke_ns = get(plane, "namespace", "mke")["metadata"]["creationTimestamp"]
    assert ready <= mke_ns, (ready, mke_ns)
    config = get(plane, "mkeconfig", "-n", "mke", "mke")
    assert config["spec"] == {"e2e": {"marker": "from-the-stack-config"}}
    # Charts came from the loopback repository, and only from there.
    assert {"tigera-operator-v3.30.2.tgz", "kcm-1.2.0.tgz", "mke-operator-0.1.0.tgz"} <= set(env.repo.downloads())
    assert not env.egress, env.egress


def assert_upgraded(env: Env, run: Run, before: dict[str, dict[str, Any]], old_release: dict[str, Any]) -> None:
    plane = env.plane
    assert_crds_match(plane, CALICO_TO)
    installation_crd = get(plane, "crd", "installations.operator.tigera.io")
    schema = json.dumps(installation_crd["spec"]["versions"])
    assert "kubeProxyManagement" in schema, "Installation CRD not upgraded"
    release = get(plane, "secret", "-n", "tigera-operator", "-l", "owner=helm,name=tigera-operator")["items"]
    assert len(release) == len(old_release["items"]) + 1, "the release was not upgraded in place (one new revision)"
    operator = get(plane, "deployment", "-n", "tigera-operator", "tigera-operator")
    image = operator["spec"]["template"]["spec"]["containers"][0]["image"]
    assert image == f"registry.e2e.invalid/mke/tigera/operator:{OPERATOR_IMAGE[CALICO_TO]}", image
    after = {r["urn"]: r for r in env.platform.resources()}
    replaced = {
        urn.rsplit("::", 1)[1]
        for urn, res in after.items()
        if res.get("custom") and urn in before and res.get("id") != before[urn].get("id")
    }
    assert replaced <= {"e2e-calico-ready"}, f"replaced on a Calico upgrade: {sorted(replaced)}"
    assert "deleted" not in summary(run.output), summary(run.output)
    for name in ("e2e-k0rdent", "e2e-mke-operator", "e2e-mke-config"):
        urns = [u for u in after if u.endswith(f"::{name}")]
        assert urns and all(after[u].get("id") == before[u].get("id") for u in urns), f"{name} replaced"


def assert_destroyed(env: Env, standin: OperatorStandIn) -> None:
    plane = env.plane
    assert not env.platform.resources(), "resources left in the platform stack"
    assert helm_secrets(plane) == [], helm_secrets(plane)
    for namespace in NAMESPACES:
        assert not exists(plane, "namespace", namespace), f"namespace {namespace} left"
    left = [name for name in get(plane, "crd")["items"] if "projectcalico.org" in name["metadata"]["name"]]
    assert not left, "Calico CRDs left after destroy"
    gone = standin.release_gone
    assert set(gone) == set(RELEASES), gone
    assert gone["mke-operator"] <= gone["kcm"] <= gone["tigera-operator"], gone
