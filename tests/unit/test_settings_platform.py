"""Registries, versions and cloud values (issue 10, items 6 and 7), and the platform's value checks.

Sources: the release matrix file and facts.md section 3 (which versions MKE ships), AWS's
id formats (``ami-`` / ``vpc-`` / ``subnet-`` and 8 or 17 hex digits; instance types
``family.size``), Helm (charts from ``oci://`` registries), PEM (RFC 7468:
``-----BEGIN CERTIFICATE-----``), facts.md section 2 (the Calico network profile).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.support.settings_cases import (
    at,
    aws_baseline,
    load,
    single_issue,
    single_warning,
    static_baseline,
    warnings_of,
)

# facts.md section 3, MKE 4.1.5 and 4.2.0 rows
SHIPPED_4_1_5 = {"calico": "v3.30.2", "k0rdent": "1.2.3", "mkeOperator": "3.17.2"}
SHIPPED_4_2_0 = {"calico": "v3.31.5", "k0rdent": "1.3.2", "mkeOperator": "3.19.24"}
PEM_CERT = "-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUQ2VydGlmaWNhdGUgZm9yIHRlc3RzMAoGCCqGSM49BAMC\n-----END CERTIFICATE-----\n"


def registry(**fields: Any) -> dict[str, Any]:
    return at(static_baseline(), "registry", fields)


# ---------------------------------------------------------------- registries


def test_credentials_without_a_registry_are_refused() -> None:
    """They would be silently unused (and the charts pulled anonymously from the public sources)."""
    single_issue(registry(username="robot", password="s3cret"), "registry.username", "no registry")


@pytest.mark.parametrize(
    ("key", "value", "phrase"),
    [
        ("imageRegistry", "https://registry.example.com/mke", "carries a scheme"),
        ("imageRegistry", "registry.example.com/mke/", "trailing '/'"),
        ("imageRegistry", "registry example.com/mke", "whitespace"),
        ("imageRegistry", "registry.example.com:99999/mke", "invalid port"),
        ("chartRegistry", "registry.example.com/mke", "neither an oci:// registry nor an http(s):// Helm"),
        ("chartRegistry", "oci://registry.example.com/mke/", "trailing '/'"),
        ("chartRegistry", "oci://https://registry.example.com/mke", "carries a scheme"),
        ("chartRegistry", "oci://registry_example/mke", "not a valid host name"),
    ],
)
def test_registry_hosts_are_written_as_expected(key: str, value: str, phrase: str) -> None:
    single_issue(registry(**{key: value}), f"registry.{key}", phrase)


def test_registry_forms_that_are_accepted() -> None:
    settings = load(
        registry(imageRegistry="registry.example.com:5000/mke", chartRegistry="oci://registry.example.com/charts")
    )
    assert settings.registry.image_registry == "registry.example.com:5000/mke"


MIRROR = "registry.example.com/mke"


def test_ca_file_that_does_not_exist(tmp_path: Path) -> None:
    single_issue(
        registry(caFile="certs/ca.pem", imageRegistry=MIRROR), "registry.caFile", "cannot read", base_dir=tmp_path
    )


@pytest.mark.parametrize(
    ("content", "phrase"),
    [
        ("not a certificate\n", "no PEM certificate"),
        ("-----BEGIN CERTIFICATE-----\nMIIB\n", "no PEM certificate"),
        (PEM_CERT + "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n", "private key"),
    ],
)
def test_ca_file_that_is_not_a_pem_certificate(tmp_path: Path, content: str, phrase: str) -> None:
    (tmp_path / "ca.pem").write_text(content)
    single_issue(registry(caFile="ca.pem", imageRegistry=MIRROR), "registry.caFile", phrase, base_dir=tmp_path)


def test_pem_ca_file_is_accepted(tmp_path: Path) -> None:
    (tmp_path / "ca.pem").write_text(PEM_CERT)
    assert load(registry(caFile="ca.pem", imageRegistry=MIRROR), base_dir=tmp_path).registry.ca_file == "ca.pem"


def test_a_ca_file_with_no_registry_to_use_it_for_is_refused(tmp_path: Path) -> None:
    (tmp_path / "ca.pem").write_text(PEM_CERT)
    single_issue(registry(caFile="ca.pem"), "registry.caFile", "no registry to use it with", base_dir=tmp_path)


# ---------------------------------------------------------------- versions


@pytest.mark.parametrize(("key", "version"), [("calico", "v3.30.3"), ("k0rdent", "1.2.4"), ("mkeOperator", "3.17.9")])
def test_version_the_matrix_does_not_list_is_refused(key: str, version: str) -> None:
    single_issue(at(static_baseline(), f"{key}.version", version), f"{key}.version", "not in the release matrix")


@pytest.mark.parametrize(("key", "version"), [("calico", "v3.30.3"), ("k0rdent", "1.2.4"), ("mkeOperator", "3.17.9")])
def test_pinned_on_purpose_is_accepted_with_a_warning(key: str, version: str) -> None:
    raw = at(at(static_baseline(), f"{key}.version", version), "allowUnlistedVersions", True)
    single_warning(raw, f"{key}.version", "pinned on purpose", SHIPPED_4_1_5[key])


def test_pinned_calico_still_has_its_kubernetes_support_range_checked() -> None:
    """v3.33.0 supports Kubernetes 1.35-1.37 (matrix): MKE 4.1.5's k0s 1.32 is outside."""
    raw = at(at(static_baseline(), "calico.version", "v3.33.0"), "allowUnlistedVersions", True)
    single_issue(raw, "k0s.version", "not supported by Calico v3.33.0")


def test_pinned_calico_without_a_support_range_in_the_matrix_is_refused() -> None:
    raw = at(at(static_baseline(), "calico.version", "v3.27.4"), "allowUnlistedVersions", True)
    single_issue(raw, "calico.version", "no Kubernetes support range for Calico 3.27")


@pytest.mark.parametrize("key", ["calico", "k0rdent", "mkeOperator"])
def test_version_of_another_release_is_a_warning(key: str) -> None:
    """Listed by the matrix, for MKE 4.2.0, not for 4.1.5: allowed, but said."""
    raw = at(static_baseline(), f"{key}.version", SHIPPED_4_2_0[key])
    if key == "calico":
        raw = at(raw, "k0s.version", "v1.32.11+k0s.0")  # 3.31 supports 1.32-1.35
    found = [w for w in warnings_of(raw) if w.key == f"{key}.version"]
    assert found and "another MKE release" in found[0].problem


def test_oss_flavor_versions_are_the_oss_ones() -> None:
    """1.2.3 is a k0rdent Enterprise number; the open-source KCM of MKE 4.1.5 is 1.2.0 (facts.md section 3)."""
    raw = at(at(static_baseline(), "k0rdent.flavor", "oss"), "k0rdent.version", "1.2.3")
    single_issue(raw, "k0rdent.version", "not in the release matrix", "1.2.0")


@pytest.mark.parametrize(("key", "version"), [("k0rdent", "latest"), ("mkeOperator", "3.x"), ("k0rdent", "v1.two")])
def test_version_that_is_not_a_version_is_refused_by_key(key: str, version: str) -> None:
    """The platform layer parses chart versions (CRD chart from Calico 3.32, KCM values layout): refuse garbage here."""
    single_issue(at(static_baseline(), f"{key}.version", version), f"{key}.version", "not a chart version")


def test_chart_versions_are_not_checked_in_a_stack_without_the_platform() -> None:
    raw = at(at(static_baseline(), "layers.run", ["hosts", "k0s"]), "k0rdent.version", "latest")
    assert load(raw).runs("platform") is False


# ---------------------------------------------------------------- cloud values


@pytest.mark.parametrize("ami", ["ami-123", "AMI-0a1b2c3d", "ubuntu-22.04", "ami-0a1b2c3d4e5f6789", "ami-0a1b2c3g"])
def test_ami_id_format(ami: str) -> None:
    single_issue(at(aws_baseline(), "hosts.aws.ami", ami), "hosts.aws.ami", "not an AMI id")


@pytest.mark.parametrize("ami", ["ami-0a1b2c3d", "ami-0a1b2c3d4e5f67890"])
def test_ami_ids_of_both_lengths_are_accepted(ami: str) -> None:
    assert load(at(aws_baseline(), "hosts.aws.ami", ami)).hosts.aws.ami == ami


@pytest.mark.parametrize(
    "key", ["hosts.aws.controllers.instanceType", "hosts.aws.workers.instanceType", "hosts.aws.bastion.instanceType"]
)
@pytest.mark.parametrize("value", ["m5xlarge", "M5.xlarge", "m5.xlarge ", "m5.", ".large"])
def test_instance_type_format(key: str, value: str) -> None:
    single_issue(at(aws_baseline(), key, value), key, "not an EC2 instance type")


@pytest.mark.parametrize("value", ["m7i-flex.large", "c7i.metal-24xl", "u-6tb1.112xlarge", "t3.micro"])
def test_real_instance_types_are_accepted(value: str) -> None:
    assert load(at(aws_baseline(), "hosts.aws.workers.instanceType", value)).hosts.aws.workers.instance_type == value


def test_region_vpc_and_subnet_id_formats() -> None:
    single_issue(at(aws_baseline(), "hosts.aws.region", "eu-west"), "hosts.aws.region", "not an AWS region")
    vpc = {"id": "vpc-0a1b2c3d", "subnetIds": ["subnet-0a1b2c3d", "subnet-xyz"]}
    single_issue(
        at(aws_baseline(), "hosts.aws.vpc", vpc), "hosts.aws.vpc.subnetIds[1]", "subnet-xyz", "not a subnet id"
    )
    vpc["subnetIds"] = ["subnet-0a1b2c3d"]
    single_issue(at(aws_baseline(), "hosts.aws.vpc", {**vpc, "id": "vpc-1"}), "hosts.aws.vpc.id", "not a vpc id")


# ---------------------------------------------------------------- Calico values vs the network profile


@pytest.mark.parametrize(
    ("values", "key", "required"),
    [
        (
            {"installation": {"calicoNetwork": {"bgp": "Enabled"}}},
            "calico.values.installation.calicoNetwork.bgp",
            "Disabled",
        ),
        (
            {"defaultFelixConfiguration": {"vxlanPort": 4790}},
            "calico.values.defaultFelixConfiguration.vxlanPort",
            "4789",
        ),
        (
            {"installation": {"kubernetesProvider": "DockerEnterprise"}},
            "calico.values.installation.kubernetesProvider",
            "''",
        ),
        (
            {"installation": {"calicoNetwork": {"ipPools": [{"cidr": "fd00::/48"}]}}},
            "calico.values.installation.calicoNetwork.ipPools[0].cidr",
            "IPv4 only",
        ),
    ],
)
def test_calico_values_cannot_change_the_network_profile(values: dict[str, Any], key: str, required: str) -> None:
    """facts.md section 2: VXLAN with BGP off, VNI/port as configured, never DockerEnterprise, IPv4 only."""
    single_issue(at(static_baseline(), "calico.values", values), key, required, "mke4k:network")


def test_calico_values_outside_the_profile_are_accepted() -> None:
    values = {"installation": {"controlPlaneReplicas": 3}}
    assert load(at(static_baseline(), "calico.values", values)).calico.values == values
