"""Load balancer policy: control-plane target groups use IP targets (k0s issue 4557)."""

from __future__ import annotations

from pulumi_policy import (
    EnforcementLevel,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
)

from ._props import TARGET_GROUPS, as_int, describe, get, label

# kube-apiserver, k0s join API, konnectivity.
CONTROL_PLANE_PORTS = (6443, 9443, 8132)


def _is_control_plane(args: ResourceValidationArgs) -> bool:
    """Tell whether a target group forwards a control-plane port (or is named for the API)."""
    if as_int(get(args.props, "port")) in CONTROL_PLANE_PORTS:
        return True
    names = [args.name, get(args.props, "name"), get(args.props, "namePrefix")]
    return any(isinstance(name, str) and "api" in name.lower() for name in names)


def validate_ip_targets(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    """Report a control-plane target group whose targetType is not ``ip``."""
    if args.resource_type not in TARGET_GROUPS or not _is_control_plane(args):
        return
    target_type = get(args.props, "targetType")
    if target_type != "ip":
        shown = describe(target_type)
        if target_type is None:
            shown += " (AWS default: 'instance')"
        report_violation(
            f"{label(args.resource_type, args.name)} (port {describe(get(args.props, 'port'))}): "
            f"targetType is {shown}. With instance targets the NLB keeps the client address, so "
            "a controller+worker that reaches the API through the NLB and is routed to itself "
            "hangs (k0s issue 4557). Fix: set target_type='ip' and register the "
            "controllers' private IPs.",
            None,
        )


NLB_IP_TARGETS = ResourceValidationPolicy(
    name="mke4k-nlb-ip-targets",
    description=("NLB target groups for the control plane (6443, 9443, 8132 or named '*api*') use targetType ip."),
    validate=validate_ip_targets,
    enforcement_level=EnforcementLevel.MANDATORY,
)
