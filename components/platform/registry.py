"""Airgap / private registry support: pull secrets, CA secrets and Helm repository options.

Credentials arrive as (secret) Pulumi Outputs. The ``.dockerconfigjson`` payload is
rendered inside ``apply`` and wrapped with ``Output.secret`` so it never appears
in plaintext in the state or the preview; no resource is created inside ``apply``.

CA handling:

* ``ca_data`` (PEM, secret Output) goes into a ``Secret`` with key ``ca.crt`` in
  namespaces whose chart can use it (KCM's ``controller.registryCertSecret``).
* Helm itself (the Pulumi Kubernetes provider, on the machine running Pulumi) only
  takes a CA *file path*: ``ca_file`` is passed to ``repository_opts.ca_file`` and
  must exist on the runner (CI agent or laptop). Writing ``ca_data`` to a temporary
  file from the program would be a side effect outside the graph, so it is not done.
* Nodes (containerd) must trust the registry CA themselves: that is the k0s
  layer's job, not this one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeVar

import pulumi
import pulumi_kubernetes as k8s

from components.platform.values import (
    ChartLocation,
    registry_host,
    render_dockerconfigjson,
)

RepositoryOpts = TypeVar("RepositoryOpts", k8s.helm.v3.RepositoryOptsArgs, k8s.helm.v4.RepositoryOptsArgs)

DEFAULT_PULL_SECRET_NAME = "mke4k-registry-credentials"
DEFAULT_CA_SECRET_NAME = "mke4k-registry-ca"


@dataclass(frozen=True)
class RegistryArgs:
    """Private (airgap) registries and their credentials, applied to every platform chart.

    Attributes:
        image_registry: image registry prefix, e.g. ``registry.local/mke`` (no scheme).
        chart_registry: chart registry, ``oci://registry.local/mke`` (no trailing ``/``);
            every chart is then fetched from ``<chart_registry>/<chart name>``.
        username: registry user name (Input; made secret).
        password: registry password (Input; made secret).
        ca_data: PEM CA bundle of the registry (Input; made secret), for in-cluster consumers.
        ca_file: path of the CA bundle ON THE RUNNER, for Helm's chart download.
        pull_secret_name: name of the ``kubernetes.io/dockerconfigjson`` Secret created
            in each platform namespace.
        ca_secret_name: name of the ``ca.crt`` Secret created where a chart can use it.
    """

    image_registry: str | None = None
    chart_registry: str | None = None
    username: pulumi.Input[str] | None = None
    password: pulumi.Input[str] | None = None
    ca_data: pulumi.Input[str] | None = None
    ca_file: str | None = None
    pull_secret_name: str = DEFAULT_PULL_SECRET_NAME
    ca_secret_name: str = DEFAULT_CA_SECRET_NAME

    @property
    def has_credentials(self) -> bool:
        """True when both user name and password are given."""
        return self.username is not None and self.password is not None

    @property
    def credentials_registry(self) -> str | None:
        """The registry the credentials are for (image registry first, else chart registry)."""
        return self.image_registry or self.chart_registry


def pull_secret_name(registry: RegistryArgs | None) -> str | None:
    """Name of the pull secret charts should reference, or None when no credentials are set."""
    if registry is None or not registry.has_credentials or registry.credentials_registry is None:
        return None
    return registry.pull_secret_name


def ca_secret_name(registry: RegistryArgs | None) -> str | None:
    """Name of the CA Secret charts should reference, or None without ``ca_data``."""
    if registry is None or registry.ca_data is None:
        return None
    return registry.ca_secret_name


def dockerconfigjson(registry: RegistryArgs) -> pulumi.Output[str]:
    """The secret ``.dockerconfigjson`` payload for ``registry`` (rendered in ``apply``)."""
    host = registry.credentials_registry
    if host is None or not registry.has_credentials:
        raise ValueError("dockerconfigjson needs a registry, a username and a password")
    payload = pulumi.Output.all(registry.username, registry.password).apply(
        lambda creds: render_dockerconfigjson(host, str(creds[0]), str(creds[1]))
    )
    return pulumi.Output.secret(payload)


def registry_secrets(
    resource_prefix: str,
    namespace: str,
    registry: RegistryArgs | None,
    *,
    include_ca: bool,
    opts: pulumi.ResourceOptions,
) -> list[k8s.core.v1.Secret]:
    """Create the pull secret (and, if ``include_ca``, the CA secret) in ``namespace``.

    ``opts`` must carry the Kubernetes provider, the parent and any ``depends_on``
    (e.g. the Namespace). Returns the created Secrets (possibly none).
    """
    created: list[k8s.core.v1.Secret] = []
    name = pull_secret_name(registry)
    if registry is not None and name is not None:
        created.append(
            k8s.core.v1.Secret(
                f"{resource_prefix}-pull-secret",
                metadata=k8s.meta.v1.ObjectMetaArgs(name=name, namespace=namespace),
                type="kubernetes.io/dockerconfigjson",
                string_data={".dockerconfigjson": dockerconfigjson(registry)},
                opts=opts,
            )
        )
    ca_name = ca_secret_name(registry)
    if include_ca and registry is not None and ca_name is not None:
        created.append(
            k8s.core.v1.Secret(
                f"{resource_prefix}-registry-ca",
                metadata=k8s.meta.v1.ObjectMetaArgs(name=ca_name, namespace=namespace),
                type="Opaque",
                string_data={"ca.crt": pulumi.Output.secret(registry.ca_data)},
                opts=opts,
            )
        )
    return created


def credentials_apply_to(location: ChartLocation, registry: RegistryArgs | None) -> bool:
    """True when the chart is served by the host the credentials are for.

    Credentials are never sent to another host (e.g. the public Calico chart repo
    when only an image registry is configured).
    """
    if registry is None or not registry.has_credentials:
        return False
    hosts = {registry_host(url) for url in (registry.image_registry, registry.chart_registry) if url}
    return registry_host(location.repo or location.chart) in hosts


def repository_opts(
    location: ChartLocation,
    registry: RegistryArgs | None,
    args_type: type[RepositoryOpts] = k8s.helm.v3.RepositoryOptsArgs,
) -> RepositoryOpts | None:
    """Helm ``repository_opts`` for a chart: repo URL, secret credentials and the runner-side CA file.

    ``args_type`` is ``helm.v3.RepositoryOptsArgs`` (a ``Release``) or
    ``helm.v4.RepositoryOptsArgs`` (a ``Chart``); both take the same fields.
    """
    has_creds = credentials_apply_to(location, registry)
    ca_file = registry.ca_file if registry is not None else None
    if location.repo is None and not has_creds and ca_file is None:
        return None
    return args_type(
        repo=location.repo,
        username=pulumi.Output.secret(registry.username) if has_creds and registry else None,
        password=pulumi.Output.secret(registry.password) if has_creds and registry else None,
        ca_file=ca_file,
    )
