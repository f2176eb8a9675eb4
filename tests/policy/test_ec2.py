"""EC2 instance policies: IMDSv2, encrypted volumes, node tags."""

from __future__ import annotations

from typing import Any

import pytest
from mke4k_policy import ENCRYPTED_VOLUMES, IMDSV2_REQUIRED, NODE_TAGS
from policy_harness import UNKNOWN, check
from pulumi_policy.proxy import UnknownValueError

INSTANCE = "aws:ec2/instance:Instance"


def good_instance(**overrides: Any) -> dict[str, Any]:
    """Return instance inputs the way the program registers a controller."""
    props: dict[str, Any] = {
        "ami": "ami-0123456789abcdef0",
        "instanceType": "m6i.large",
        "metadataOptions": {"httpTokens": "required", "httpEndpoint": "enabled"},
        "rootBlockDevice": {"encrypted": True, "volumeType": "gp3", "volumeSize": 100},
        "tags": {
            "mke4k:cluster": "dev",
            "mke4k:role": "controller+worker",
            "mke4k:node": "cp-0",
            "Name": "dev-cp-0",
        },
    }
    props.update(overrides)
    return props


def test_imdsv2_required_passes() -> None:
    assert check(IMDSV2_REQUIRED, INSTANCE, good_instance(), name="dev-cp-0") == []


@pytest.mark.parametrize("metadata", [{"httpTokens": "optional"}, {}, None])
def test_imdsv2_optional_or_unset_is_reported(metadata: dict[str, Any] | None) -> None:
    props = good_instance(metadataOptions=metadata)
    if metadata is None:
        del props["metadataOptions"]
    [message] = check(IMDSV2_REQUIRED, INSTANCE, props, name="dev-cp-0")
    assert "'dev-cp-0'" in message
    assert "httpTokens" in message
    assert "http_tokens': 'required'" in message


def test_imdsv2_ignores_other_resource_types() -> None:
    assert check(IMDSV2_REQUIRED, "aws:ec2/launchTemplate:LaunchTemplate", {}) == []


def test_encrypted_volumes_pass() -> None:
    props = good_instance(ebsBlockDevices=[{"deviceName": "/dev/sdf", "encrypted": True, "volumeSize": 50}])
    assert check(ENCRYPTED_VOLUMES, INSTANCE, props) == []


def test_unencrypted_root_volume_is_reported() -> None:
    props = good_instance(rootBlockDevice={"encrypted": False, "volumeType": "gp3"})
    [message] = check(ENCRYPTED_VOLUMES, INSTANCE, props, name="dev-w-1")
    assert "'dev-w-1'" in message and "rootBlockDevice.encrypted is False" in message


def test_missing_root_block_device_is_reported() -> None:
    props = good_instance()
    del props["rootBlockDevice"]
    [message] = check(ENCRYPTED_VOLUMES, INSTANCE, props)
    assert "rootBlockDevice.encrypted is <unset>" in message


def test_each_unencrypted_ebs_device_is_reported() -> None:
    props = good_instance(
        ebsBlockDevices=[
            {"deviceName": "/dev/sdf", "encrypted": True},
            {"deviceName": "/dev/sdg"},
            {"deviceName": "/dev/sdh", "encrypted": False},
        ]
    )
    messages = check(ENCRYPTED_VOLUMES, INSTANCE, props)
    assert len(messages) == 2
    assert "ebsBlockDevices[1] ('/dev/sdg') has encrypted=<unset>" in messages[0]
    assert "ebsBlockDevices[2] ('/dev/sdh') has encrypted=False" in messages[1]


@pytest.mark.parametrize("role", ["controller+worker", "controller", "worker", "bastion"])
def test_node_tags_pass_for_every_role(role: str) -> None:
    props = good_instance()
    props["tags"]["mke4k:role"] = role
    assert check(NODE_TAGS, INSTANCE, props) == []


def test_node_tags_from_provider_default_tags_count() -> None:
    props = good_instance(
        tags={"mke4k:role": "worker", "mke4k:node": "w-0"},
        tagsAll={"mke4k:cluster": "dev", "mke4k:role": "worker", "mke4k:node": "w-0"},
    )
    assert check(NODE_TAGS, INSTANCE, props) == []


def test_missing_node_tags_are_reported() -> None:
    props = good_instance(tags={"mke4k:role": "worker", "mke4k:node": ""})
    [message] = check(NODE_TAGS, INSTANCE, props, name="dev-w-0")
    assert "'dev-w-0'" in message
    assert "mke4k:cluster, mke4k:node are missing or empty" in message


def test_unknown_role_value_is_reported() -> None:
    props = good_instance()
    props["tags"]["mke4k:role"] = "master"
    [message] = check(NODE_TAGS, INSTANCE, props)
    assert "mke4k:role is 'master'" in message and "controller+worker" in message


def test_untagged_instance_is_reported() -> None:
    props = good_instance()
    del props["tags"]
    [message] = check(NODE_TAGS, INSTANCE, props)
    assert "mke4k:cluster, mke4k:role, mke4k:node" in message


def test_value_unknown_during_preview_propagates_to_the_framework() -> None:
    # The servicer turns UnknownValueError into an advisory "can't run during preview" note.
    props = good_instance(metadataOptions={"httpTokens": UNKNOWN})
    with pytest.raises(UnknownValueError):
        check(IMDSV2_REQUIRED, INSTANCE, props)


def test_a_node_that_a_new_key_pair_would_replace_is_reported() -> None:
    from mke4k_policy import KEY_CHANGE_KEEPS_INSTANCES

    assert check(KEY_CHANGE_KEEPS_INSTANCES, INSTANCE, good_instance(), ignore_changes=["ami", "keyName"]) == []
    (message,) = check(KEY_CHANGE_KEEPS_INSTANCES, INSTANCE, good_instance(), name="dev-cp-0", ignore_changes=["ami"])
    assert "keyName is not in ignore_changes" in message and "Fix: keep ignore_changes=['keyName']" in message
    unrelated = good_instance(tags={"Name": "someone-elses"})
    assert check(KEY_CHANGE_KEEPS_INSTANCES, INSTANCE, unrelated) == [], "only the program's nodes"
