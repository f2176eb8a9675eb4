"""Shared wiring for the platform pieces: context, base component, namespaces and Helm releases."""

from __future__ import annotations

import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Generic, Protocol, TypeVar

import pulumi
import pulumi_kubernetes as k8s
from pulumi_command import remote

from components.platform.crds import SCRIPT as CRD_FILTER
from components.platform.readiness import Condition, readiness_gate
from components.platform.registry import (
    RegistryArgs,
    ca_secret_name,
    pull_secret_name,
    registry_secrets,
    repository_opts,
)
from components.platform.values import ChartLocation, chart_location


@dataclass(frozen=True)
class PieceContext:
    """What every piece (Calico, K0rdent, MkeOperator) gets from :class:`Platform`.

    Attributes:
        cluster: the cluster name, prefix of every resource name.
        provider: the Kubernetes provider EVERY Kubernetes resource uses.
        connection: SSH connection to the bootstrap controller (readiness gates).
        after: resources this piece must wait for (the previous gate, or cluster readiness).
        registry: private registry settings, or None.
    """

    cluster: str
    provider: k8s.Provider
    connection: remote.ConnectionArgs
    after: Sequence[pulumi.Resource]
    registry: RegistryArgs | None = None


def k8s_opts(
    context: PieceContext,
    parent: pulumi.Resource,
    depends_on: Sequence[pulumi.Resource] = (),
) -> pulumi.ResourceOptions:
    """Options for a Kubernetes child resource: explicit provider, parent and dependencies."""
    return pulumi.ResourceOptions(provider=context.provider, parent=parent, depends_on=list(depends_on))


def namespace_with_secrets(
    context: PieceContext,
    resource_prefix: str,
    namespace: str,
    *,
    parent: pulumi.Resource,
    include_ca: bool = False,
) -> list[pulumi.Resource]:
    """Create ``namespace`` (explicitly, with the provider) and its registry secrets.

    The Namespace waits for ``context.after``, so everything in a piece happens after
    the previous gate. Returns the Namespace followed by the Secrets, for
    ``depends_on`` of the release.
    """
    ns = k8s.core.v1.Namespace(
        f"{resource_prefix}-namespace",
        metadata=k8s.meta.v1.ObjectMetaArgs(name=namespace),
        opts=k8s_opts(context, parent, context.after),
    )
    secrets = registry_secrets(
        resource_prefix,
        namespace,
        context.registry,
        include_ca=include_ca,
        opts=k8s_opts(context, parent, [ns]),
    )
    return [ns, *secrets]


class PieceArgs(Protocol):
    """What every piece's args have in common."""

    @property
    def version(self) -> str:
        """Chart version."""
        ...

    @property
    def release_name(self) -> str:
        """Helm release name."""
        ...

    @property
    def ready_timeout(self) -> int:
        """Seconds for the Helm install and the readiness gate."""
        ...


ArgsT = TypeVar("ArgsT", bound=PieceArgs)


class PlatformPiece(pulumi.ComponentResource, Generic[ArgsT]):
    """Base of Calico, K0rdent and MkeOperator: ``build`` registers the children, then outputs are registered.

    Subclasses set ``type_token`` and implement :meth:`build`, which must set
    ``self.release`` (the main Helm release) and ``self.ready`` (the gate, via :meth:`gate`).

    Attributes:
        context: the :class:`PieceContext` given by :class:`Platform`.
        release: the piece's main Helm release.
        ready: the piece's readiness gate; the next piece depends on it.
    """

    type_token: ClassVar[str] = ""
    release: k8s.helm.v3.Release
    ready: remote.Command

    def __init__(
        self,
        name: str,
        args: ArgsT,
        context: PieceContext,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        """Register the piece ``name`` (``<cluster>-<piece>``) with ``args``."""
        super().__init__(self.type_token, name, None, opts)
        self.context = context
        self.build(name, args)
        self.register_outputs({"release": self.release.name, "ready": self.ready.stdout})

    def build(self, name: str, args: ArgsT) -> None:
        """Register the piece's children (implemented by each piece)."""
        raise NotImplementedError

    @property
    def image_registry(self) -> str | None:
        """The private image registry, if any."""
        return self.context.registry.image_registry if self.context.registry else None

    @property
    def pull_secret(self) -> str | None:
        """Name of the pull secret created in this piece's namespace, if any."""
        return pull_secret_name(self.context.registry)

    @property
    def ca_secret(self) -> str | None:
        """Name of the registry CA secret, if any."""
        return ca_secret_name(self.context.registry)

    def locate(self, chart: str, repo: str | None = None) -> ChartLocation:
        """Where to fetch ``chart`` from, honouring the airgap chart registry."""
        registry = self.context.registry
        return chart_location(chart, repo, registry.chart_registry if registry else None)

    def prepare_namespace(self, namespace: str, *, include_ca: bool = False) -> list[pulumi.Resource]:
        """Create the piece's namespace and registry secrets (see :func:`namespace_with_secrets`)."""
        return namespace_with_secrets(self.context, self._name, namespace, parent=self, include_ca=include_ca)

    def chart(
        self,
        args: PieceArgs,
        *,
        location: ChartLocation,
        namespace: str,
        values: Mapping[str, Any],
        depends_on: Sequence[pulumi.Resource],
        skip_crds: bool = False,
    ) -> k8s.helm.v3.Release:
        """A real Helm release (hooks run), after ``context.after`` and ``depends_on``.

        Resource name = the piece's name, release name ``args.release_name``,
        explicit provider, no namespace creation (namespaces are explicit), secret
        repository credentials, Helm timeout = ``args.ready_timeout``.
        """
        return k8s.helm.v3.Release(
            self._name,
            name=args.release_name,
            chart=location.chart,
            version=args.version,
            namespace=namespace,
            create_namespace=False,
            skip_crds=skip_crds,
            repository_opts=repository_opts(location, self.context.registry),
            values=dict(values),
            timeout=args.ready_timeout,
            opts=k8s_opts(self.context, self, [*self.context.after, *depends_on]),
        )

    def crd_chart(
        self, args: PieceArgs, *, location: ChartLocation, depends_on: Sequence[pulumi.Resource]
    ) -> k8s.helm.v4.Chart:
        """``<piece name>-crds``: the CRDs of the chart at ``location`` and ``args.version``, as resources.

        A ``helm.v4.Chart`` from the same repository and credentials as the release,
        post-rendered by :mod:`components.platform.crds` (CRDs only, forced server-side
        apply). A version change updates the CRDs in place before the release upgrades;
        ``pulumi destroy`` deletes them after the release.
        """
        return k8s.helm.v4.Chart(
            f"{self._name}-crds",
            chart=location.chart,
            version=args.version,
            repository_opts=repository_opts(location, self.context.registry, k8s.helm.v4.RepositoryOptsArgs),
            post_renderer=k8s.helm.v4.PostRendererArgs(command=sys.executable, args=[str(CRD_FILTER)]),
            opts=k8s_opts(self.context, self, [*self.context.after, *depends_on]),
        )

    def gate(
        self,
        args: PieceArgs,
        *,
        what: str,
        resource: str,
        condition: str,
        hint: str,
        namespace: str = "",
    ) -> remote.Command:
        """The ``<name>-ready`` gate after ``self.release``; a new ``args.version`` replaces it (waits again)."""
        return readiness_gate(
            f"{self._name}-ready",
            Condition(
                what=what,
                resource=resource,
                condition=condition,
                timeout_seconds=args.ready_timeout,
                hint=hint,
                namespace=namespace,
            ),
            connection=self.context.connection,
            depends_on=[self.release],
            parent=self,
            triggers=[args.version],
        )
