"""EC2 instance policies: IMDSv2, encrypted volumes, the program's node tags, no replacement for a new key."""

from __future__ import annotations

from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
)

from ._props import (
    EC2_INSTANCE,
    NODE_ROLES,
    TAG_CLUSTER,
    TAG_NODE,
    TAG_ROLE,
    as_list,
    as_mapping,
    describe,
    get,
    has_key,
    is_true,
    label,
)


def validate_imdsv2(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    """Report an EC2 instance whose metadata service accepts IMDSv1 (token-less) requests."""
    if args.resource_type != EC2_INSTANCE:
        return
    tokens = get(args.props, "metadataOptions", "httpTokens")
    if tokens != "required":
        report_violation(
            f"{label(args.resource_type, args.name)}: metadataOptions.httpTokens is "
            f"{describe(tokens)}, so the instance answers IMDSv1 requests and any SSRF can read "
            "its role credentials. Fix: set metadata_options={'http_tokens': 'required'} "
            "(IMDSv2 only).",
            None,
        )


def validate_encrypted_volumes(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    """Report an EC2 instance whose root or extra EBS volumes are not encrypted."""
    if args.resource_type != EC2_INSTANCE:
        return
    who = label(args.resource_type, args.name)
    root = as_mapping(args.props.get("rootBlockDevice"))
    root_encrypted = get(root, "encrypted")
    if not is_true(root_encrypted):
        report_violation(
            f"{who}: rootBlockDevice.encrypted is {describe(root_encrypted)}; the root volume "
            "holds etcd data, join tokens and kubeconfigs. Fix: set "
            "root_block_device={'encrypted': True, 'volume_type': 'gp3', ...}.",
            None,
        )
    for index, device in enumerate(as_list(args.props.get("ebsBlockDevices"))):
        encrypted = get(device, "encrypted")
        if not is_true(encrypted):
            device_name = get(device, "deviceName")
            report_violation(
                f"{who}: ebsBlockDevices[{index}] ({describe(device_name)}) has encrypted="
                f"{describe(encrypted)}. Fix: set encrypted=True on every ebs_block_devices entry.",
                None,
            )


def _instance_tags(props: Any) -> dict[str, Any]:
    """Merge ``tagsAll`` (provider default tags, when known) under the instance's own ``tags``."""
    merged: dict[str, Any] = {}
    for field in ("tagsAll", "tags"):
        tags = as_mapping(get(props, field))
        if tags is None:
            continue
        for key in tags:
            merged[key] = tags[key]
    return merged


def validate_node_tags(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    """Report an EC2 instance missing the ``mke4k:cluster``/``mke4k:role``/``mke4k:node`` tags."""
    if args.resource_type != EC2_INSTANCE:
        return
    who = label(args.resource_type, args.name)
    tags = _instance_tags(args.props)
    missing = [key for key in (TAG_CLUSTER, TAG_ROLE, TAG_NODE) if not has_key(tags, key)]
    empty = [key for key in (TAG_CLUSTER, TAG_NODE) if has_key(tags, key) and not tags[key]]
    if missing or empty:
        report_violation(
            f"{who}: tags {', '.join(missing + empty)} "
            f"{'are' if len(missing + empty) > 1 else 'is'} missing or empty; the stack checks "
            "and operators find nodes by them. Fix: tag the instance with "
            f"{{'{TAG_CLUSTER}': <cluster>, '{TAG_ROLE}': <role>, '{TAG_NODE}': <node name>}}.",
            None,
        )
    if has_key(tags, TAG_ROLE) and tags[TAG_ROLE] not in NODE_ROLES:
        report_violation(
            f"{who}: tag {TAG_ROLE} is {describe(tags[TAG_ROLE])}, which is not a node role. "
            f"Fix: use one of {', '.join(NODE_ROLES)}.",
            None,
        )


def validate_key_change_keeps_instance(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    """Report a cluster node that a new SSH key (a replaced key pair) would replace."""
    if args.resource_type != EC2_INSTANCE or TAG_CLUSTER not in _instance_tags(args.props):
        return
    if "keyName" not in (args.opts.ignore_changes or []):
        report_violation(
            f"{label(args.resource_type, args.name)}: keyName is not in ignore_changes, so changing the SSH key "
            "(a new key pair) replaces this machine and its node leaves the cluster. Fix: keep "
            "ignore_changes=['keyName']: the nodes' ssh-key steps rotate the key on running machines "
            "(docs/operations.md, 'Rotate the SSH key').",
            None,
        )


IMDSV2_REQUIRED = ResourceValidationPolicy(
    name="mke4k-ec2-imdsv2-required",
    description="EC2 instances require IMDSv2 (metadataOptions.httpTokens = required).",
    validate=validate_imdsv2,
    enforcement_level=EnforcementLevel.MANDATORY,
)

ENCRYPTED_VOLUMES = ResourceValidationPolicy(
    name="mke4k-ec2-encrypted-volumes",
    description="EC2 instance root and EBS volumes are encrypted.",
    validate=validate_encrypted_volumes,
    enforcement_level=EnforcementLevel.MANDATORY,
)

NODE_TAGS = ResourceValidationPolicy(
    name="mke4k-ec2-node-tags",
    description=(
        "EC2 instances carry the mke4k:cluster, mke4k:role "
        "(controller+worker|controller|worker|bastion) and mke4k:node tags."
    ),
    validate=validate_node_tags,
    enforcement_level=EnforcementLevel.MANDATORY,
)

KEY_CHANGE_KEEPS_INSTANCES = ResourceValidationPolicy(
    name="mke4k-ec2-key-change-keeps-instances",
    description="A new SSH key never replaces a cluster's EC2 instances (keyName is in ignore_changes).",
    validate=validate_key_change_keeps_instance,
    enforcement_level=EnforcementLevel.MANDATORY,
)
