"""The platform layer's resource graph, recorded with mocks (tests/support/recording_mocks.py)."""

from __future__ import annotations

from dataclasses import replace
from itertools import pairwise

import pulumi
import pulumi_kubernetes as k8s
import pytest
from pulumi_command import remote

from components.platform import (
    CalicoArgs,
    K0rdentArgs,
    MkeOperatorArgs,
    Platform,
    PlatformArgs,
    ProfileOverrideError,
    RegistryArgs,
)
from tests.support.recording_mocks import RecordedResource, Recording, run_program

CLUSTER = "c1"
PASSWORD = "pa55-w0rd-do-not-leak"
RELEASE = "kubernetes:helm.sh/v3:Release"
CHART = "kubernetes:helm.sh/v4:Chart"
COMMAND = "command:remote:Command"
SECRET = "kubernetes:core/v1:Secret"
NAMESPACE = "kubernetes:core/v1:Namespace"

BASE = PlatformArgs(
    kubernetes_provider=None,  # type: ignore[arg-type]  # set inside the program
    leader_connection=None,  # type: ignore[arg-type]
    calico=CalicoArgs(version="v3.30.2"),
    k0rdent=K0rdentArgs(version="1.2.3"),
    mke_operator=MkeOperatorArgs(
        chart="oci://registry.mirantis.com/mke/mke-operator",
        version="3.17.2",
        mke_config_spec={"services": {}},
    ),
)
AIRGAP = RegistryArgs(
    image_registry="registry.local/mke",
    chart_registry="oci://registry.local/mke",
    username="robot",
    password=PASSWORD,
    ca_data="-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n",
    ca_file="/etc/ssl/registry-ca.pem",
)


def build(args: PlatformArgs) -> Recording:
    """Run a program with a provider, a 'cluster ready' command and the platform."""

    def program() -> None:
        provider = k8s.Provider(f"{CLUSTER}-kubernetes", kubeconfig=pulumi.Output.secret("apiVersion: v1"))
        connection = remote.ConnectionArgs(host="10.0.0.10", user="ubuntu", private_key=pulumi.Output.secret("KEY"))
        joined = remote.Command(f"{CLUSTER}-leader-install", connection=connection, create="true")
        Platform(
            CLUSTER,
            replace(
                args,
                kubernetes_provider=provider,
                leader_connection=connection,
                cluster_ready=[joined],
            ),
        )

    return run_program(program)


def release(rec: Recording, name: str) -> RecordedResource:
    """The Helm release called ``name``."""
    return rec.by_name(name, RELEASE)


@pytest.fixture(scope="module")
def full() -> Recording:
    """Everything enabled, no registry."""
    return build(BASE)


@pytest.fixture(scope="module")
def airgap() -> Recording:
    """Everything enabled, with a private registry and credentials."""
    return build(replace(BASE, registry=AIRGAP))


def test_component_types_and_names(full: Recording) -> None:
    types = {r.type for r in full.resources}
    assert {
        "mke4k:platform:Platform",
        "mke4k:platform:Calico",
        "mke4k:platform:K0rdent",
        "mke4k:platform:MkeOperator",
    } <= types
    for name in ("c1-calico-ready", "c1-k0rdent-ready", "c1-mke-operator-ready"):
        assert full.by_name(name).type == COMMAND
    for name in ("c1-calico", "c1-k0rdent", "c1-mke-operator"):
        assert release(full, name)
    assert full.by_name("c1-mke-config").type == "kubernetes:mke.mirantis.com/v1alpha1:MkeConfig"


@pytest.mark.parametrize("recording", ["full", "airgap"])
def test_every_kubernetes_resource_uses_the_given_provider(recording: str, request: pytest.FixtureRequest) -> None:
    rec: Recording = request.getfixturevalue(recording)
    provider = rec.by_name("c1-kubernetes")
    k8s_resources = [r for r in rec.resources if r.type.startswith("kubernetes:")]
    assert len(k8s_resources) >= 6
    for res in k8s_resources:
        assert res.provider == provider.urn, f"{res.name} ({res.type}) uses {res.provider}"


@pytest.mark.parametrize("recording", ["full", "airgap"])
def test_chain_order(recording: str, request: pytest.FixtureRequest) -> None:
    rec: Recording = request.getfixturevalue(recording)
    chain = [
        rec.by_name("c1-leader-install"),
        release(rec, "c1-calico"),
        rec.by_name("c1-calico-ready"),
        release(rec, "c1-k0rdent"),
        rec.by_name("c1-k0rdent-ready"),
        release(rec, "c1-mke-operator"),
        rec.by_name("c1-mke-operator-ready"),
        rec.by_name("c1-mke-config"),
    ]
    for earlier, later in pairwise(chain):
        assert rec.depends_on(later, earlier), f"{later.name} must wait for {earlier.name}"
        assert not rec.depends_on(earlier, later), f"{earlier.name} must not wait for {later.name}"
    # Direct edges for the gates and the releases (not only transitive ones).
    assert rec.by_name("c1-calico-ready").urn in release(rec, "c1-k0rdent").dependencies
    assert rec.by_name("c1-k0rdent-ready").urn in release(rec, "c1-mke-operator").dependencies


def test_whole_components_run_after_the_previous_gate(full: Recording) -> None:
    k0rdent = full.by_name("c1-k0rdent", "mke4k:platform:K0rdent")
    operator = full.by_name("c1-mke-operator", "mke4k:platform:MkeOperator")
    assert full.depends_on(k0rdent, "c1-calico-ready")
    assert full.depends_on(operator, "c1-k0rdent-ready")


def test_gate_commands_wait_with_k0s_kubectl(full: Recording) -> None:
    expectations = {
        "c1-calico-ready": ("tigerastatus/calico", "Available"),
        "c1-k0rdent-ready": ("management/kcm", "Ready"),
        "c1-mke-operator-ready": (
            "deployment/mke-operator-controller-manager",
            "Available",
        ),
    }
    for name, (resource, condition) in expectations.items():
        gate = full.by_name(name)
        assert gate.inputs["create"] == "bash -s"
        script = gate.inputs["stdin"]
        assert f"RESOURCE={resource}" in script and f"CONDITION={condition}" in script
        assert "k0s kubectl" in script and "wait" in script and "--timeout=" in script
        assert "not ready" in script


def test_release_settings(full: Recording) -> None:
    calico = release(full, "c1-calico")
    assert calico.inputs["name"] == "tigera-operator"
    assert calico.inputs["namespace"] == "tigera-operator"
    assert calico.inputs["chart"] == "tigera-operator"
    assert calico.inputs["version"] == "v3.30.2"
    assert calico.inputs["repositoryOpts"]["repo"] == "https://docs.tigera.io/calico/charts"
    assert calico.inputs["values"]["installation"]["calicoNetwork"]["bgp"] == "Disabled"
    kcm = release(full, "c1-k0rdent")
    assert kcm.inputs["name"] == "kcm" and kcm.inputs["namespace"] == "k0rdent"
    assert kcm.inputs["chart"] == "oci://registry.mirantis.com/k0rdent-enterprise/charts/k0rdent-enterprise"
    assert kcm.inputs["values"]["regional"]["telemetry"]["mode"] == "disabled"
    mke_config = full.by_name("c1-mke-config")
    assert mke_config.inputs["metadata"] == {"name": "mke", "namespace": "mke"}
    assert mke_config.inputs["apiVersion"] == "mke.mirantis.com/v1alpha1"


def test_calico_crds_are_applied_before_the_release_on_every_version(full: Recording) -> None:
    """Helm never upgrades crds/: the CRDs of the chart version are a Chart of their own, first."""
    crds = full.by_name("c1-calico-crds", CHART)
    assert crds.inputs["chart"] == "tigera-operator" and crds.inputs["version"] == "v3.30.2"
    assert crds.inputs["repositoryOpts"]["repo"] == "https://docs.tigera.io/calico/charts"
    renderer = crds.inputs["postRenderer"]
    assert renderer["args"][0].endswith("components/platform/crds.py") and "python" in renderer["command"]
    calico = release(full, "c1-calico")
    assert calico.inputs["skipCrds"] is True, "the release must not own the CRDs"
    assert crds.urn in calico.dependencies, "the release waits for the CRD chart (all its CRDs)"
    assert {full.by_name("c1-calico-namespace").urn, full.by_name("c1-leader-install").urn} <= set(crds.dependencies)


def test_oss_flavor() -> None:
    rec = build(replace(BASE, k0rdent=K0rdentArgs(version="1.2.0", flavor="oss"), mke_operator=None))
    kcm = release(rec, "c1-k0rdent")
    assert kcm.inputs["chart"] == "oci://ghcr.io/k0rdent/kcm/charts/kcm"
    assert kcm.inputs["namespace"] == "kcm-system"
    assert kcm.inputs["values"]["controller"]["enableTelemetry"] is False


DISABLE_CASES = {
    "calico": (
        ["c1-calico", "c1-calico-ready"],
        [("c1-k0rdent", "c1-leader-install"), ("c1-mke-operator", "c1-k0rdent-ready")],
    ),
    "k0rdent": (
        ["c1-k0rdent", "c1-k0rdent-ready"],
        [("c1-calico", "c1-leader-install"), ("c1-mke-operator", "c1-calico-ready")],
    ),
    "mke_operator": (
        ["c1-mke-operator", "c1-mke-operator-ready", "c1-mke-config"],
        [("c1-k0rdent", "c1-calico-ready")],
    ),
}


@pytest.mark.parametrize("piece", sorted(DISABLE_CASES))
def test_disabling_a_piece_removes_it_and_keeps_the_chain(piece: str) -> None:
    absent, chain = DISABLE_CASES[piece]
    rec = build(replace(BASE, **{piece: None}))
    for name in absent:
        assert rec.find(name) is None and rec.find(name, RELEASE) is None, f"{name} should be gone"
    for later, earlier in chain:
        later_res = rec.find(later, RELEASE) or rec.by_name(later)
        assert rec.depends_on(later_res, earlier), f"{later} must wait for {earlier}"


def test_everything_disabled_registers_no_kubernetes_resource() -> None:
    rec = build(replace(BASE, calico=None, k0rdent=None, mke_operator=None))
    assert [r for r in rec.resources if r.type.startswith("kubernetes:")] == []


def test_mke_config_optional_and_namespace_created_when_needed() -> None:
    without = build(replace(BASE, mke_operator=replace(BASE.mke_operator, mke_config_spec=None)))
    assert without.find("c1-mke-config") is None
    other_ns = build(
        replace(
            BASE,
            mke_operator=replace(BASE.mke_operator, namespace="mke-operator-system"),
        )
    )
    mke_ns = other_ns.by_name("c1-mke-namespace")
    assert mke_ns.inputs["metadata"]["name"] == "mke"
    assert other_ns.depends_on("c1-mke-config", mke_ns)
    assert other_ns.depends_on("c1-mke-config", "c1-mke-operator-ready")
    assert BASE.mke_operator is not None and BASE.mke_operator.namespace == "mke"
    assert build(BASE).find("c1-mke-namespace") is None


def test_calico_3_32_takes_its_crds_from_the_crd_chart() -> None:
    rec = build(replace(BASE, calico=CalicoArgs(version="v3.32.1")))
    crds = rec.by_name("c1-calico-crds", CHART)
    assert crds.inputs["chart"] == "crd.projectcalico.org.v1"
    assert crds.inputs["version"] == "v3.32.1"
    assert crds.inputs["repositoryOpts"]["repo"] == "https://docs.tigera.io/calico/charts"
    assert crds.urn in release(rec, "c1-calico").dependencies
    assert release(rec, "c1-calico").urn not in crds.dependencies
    assert rec.by_name("c1-leader-install").urn in crds.dependencies
    assert rec.find("c1-calico-crds", RELEASE) is None


def test_profile_violation_fails_before_any_release() -> None:
    bad = replace(
        BASE,
        calico=CalicoArgs(
            version="v3.30.2",
            user_values={"installation": {"calicoNetwork": {"bgp": "Enabled"}}},
        ),
    )
    with pytest.raises(
        ProfileOverrideError,
        match=r"mke4k:calico\.values\.installation\.calicoNetwork\.bgp",
    ):
        build(bad)


# --------------------------------------------------------------------------- airgap / secrets


def test_password_never_in_plaintext(airgap: Recording) -> None:
    assert airgap.secret_leaks(PASSWORD) == []
    assert airgap.secret_leaks("MIIB") == []


def test_pull_secrets_in_each_namespace(airgap: Recording) -> None:
    secrets = {r.inputs["metadata"]["namespace"]: r for r in airgap.by_type(SECRET) if r.name.endswith("-pull-secret")}
    assert set(secrets) == {"tigera-operator", "k0rdent", "mke"}
    for namespace, secret in secrets.items():
        assert secret.inputs["type"] == "kubernetes.io/dockerconfigjson"
        assert secret.inputs["metadata"]["name"] == "mke4k-registry-credentials"
        assert secret.is_secret_input("stringData..dockerconfigjson") or secret.is_secret_input("stringData")
        assert PASSWORD not in str(secret.inputs["metadata"])
        assert '"registry.local"' in secret.inputs["stringData"][".dockerconfigjson"]
        ns = airgap.by_name(f"{secret.name.removesuffix('-pull-secret')}-namespace")
        assert ns.inputs["metadata"]["name"] == namespace
        assert airgap.depends_on(secret, ns)


def test_releases_pull_from_the_chart_registry_with_secret_credentials(
    airgap: Recording,
) -> None:
    for name, chart in (
        ("c1-calico", "oci://registry.local/mke/tigera-operator"),
        ("c1-k0rdent", "oci://registry.local/mke/k0rdent-enterprise"),
        ("c1-mke-operator", "oci://registry.local/mke/mke-operator"),
    ):
        rel = release(airgap, name)
        assert rel.inputs["chart"] == chart
        opts = rel.inputs["repositoryOpts"]
        assert opts.get("repo") is None
        assert opts["username"] == "robot" and opts["password"] == PASSWORD
        assert rel.is_secret_input("repositoryOpts.password") and rel.is_secret_input("repositoryOpts.username")
        assert opts["caFile"] == "/etc/ssl/registry-ca.pem"
        assert any(airgap.by_urn(u).type == SECRET for u in rel.dependencies), f"{name} must wait for its pull secret"
    crds = airgap.by_name("c1-calico-crds", CHART)
    assert crds.inputs["chart"] == "oci://registry.local/mke/tigera-operator"
    assert crds.inputs["repositoryOpts"]["password"] == PASSWORD and crds.is_secret_input("repositoryOpts.password")


def test_image_registry_applied_to_every_chart(airgap: Recording) -> None:
    calico = release(airgap, "c1-calico").inputs["values"]
    assert calico["installation"]["registry"] == "registry.local/mke/"
    assert calico["tigeraOperator"]["registry"] == "registry.local/mke"
    assert calico["installation"]["imagePullSecrets"] == [{"name": "mke4k-registry-credentials"}]
    kcm = release(airgap, "c1-k0rdent").inputs["values"]
    assert kcm["controller"]["globalRegistry"] == "registry.local/mke"
    assert kcm["controller"]["registryCertSecret"] == "mke4k-registry-ca"
    assert airgap.by_name("c1-k0rdent-registry-ca").inputs["metadata"]["namespace"] == "k0rdent"
    operator = release(airgap, "c1-mke-operator").inputs["values"]
    assert operator["image"]["registry"] == "registry.local/mke"


def test_credentials_not_sent_to_other_hosts() -> None:
    only_images = RegistryArgs(image_registry="registry.local/mke", username="robot", password=PASSWORD)
    rec = build(replace(BASE, registry=only_images))
    calico_opts = release(rec, "c1-calico").inputs["repositoryOpts"]
    assert calico_opts["repo"] == "https://docs.tigera.io/calico/charts"
    assert "password" not in calico_opts and "username" not in calico_opts
    assert rec.secret_leaks(PASSWORD) == []


def test_run_program_is_repeatable() -> None:
    first = build(BASE)
    second = build(BASE)

    def snapshot(rec: Recording) -> list[tuple[str, str, str]]:
        return sorted((r.type, r.name, repr(r.inputs)) for r in rec.resources)

    assert snapshot(first) == snapshot(second)
