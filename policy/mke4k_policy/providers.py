"""Kubernetes provider policy: no Kubernetes resource silently uses the ambient kubeconfig."""

from __future__ import annotations

from pulumi_policy import (
    EnforcementLevel,
    PolicyProviderResource,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
)

from ._props import label


def is_default_provider(provider: PolicyProviderResource) -> bool:
    """Tell whether a provider is a default one (named ``default`` or ``default_<version>``).

    This mirrors the engine's own test (``providers.IsDefaultProvider``): a provider whose
    URN name starts with ``default``. The URN's last ``::`` segment is used, and
    ``provider.name`` when the URN is empty.
    """
    urn_name = provider.urn.rsplit("::", 1)[-1] if provider.urn else ""
    return (urn_name or provider.name or "").startswith("default")


def validate_explicit_provider(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    """Report a Kubernetes resource that uses the default Kubernetes provider."""
    if not args.resource_type.startswith("kubernetes:"):
        return
    provider = args.provider
    if provider is None:
        # Component resources (e.g. helm v4 Chart) have no provider of their own; their
        # children are custom resources and are checked one by one.
        return
    if is_default_provider(provider):
        report_violation(
            f"{label(args.resource_type, args.name)} uses the default Kubernetes provider "
            f"{provider.name!r} ({provider.urn}), which talks to whatever cluster the ambient "
            "kubeconfig points at. Fix: pass opts=pulumi.ResourceOptions(provider=<the "
            "cluster's kubernetes.Provider>) and set pulumi:disable-default-providers: "
            "[kubernetes] in the stack config.",
            None,
        )


EXPLICIT_KUBERNETES_PROVIDER = ResourceValidationPolicy(
    name="mke4k-kubernetes-explicit-provider",
    description="Kubernetes resources use an explicit provider, never the default one.",
    validate=validate_explicit_provider,
    enforcement_level=EnforcementLevel.MANDATORY,
)
