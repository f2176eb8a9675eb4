"""Backups before risky changes and restore into a new cluster, as resources under mocks."""

from __future__ import annotations

import shlex

import pytest

from components.k0s.node import BackupTarget, RestoreSource
from tests.program.k0s_helpers import COMMAND, LOCAL, SSH_KEY, build, commands, k0s_settings, probe, step
from tests.program.stack_program import run_stack, stack_config

ARCHIVE_SHA = "ab" * 32


def arguments(command: str) -> dict[str, str]:
    """The ``--name value`` arguments of a runner-side step's command."""
    words = shlex.split(command.replace("\\\n", " "))
    assert words[:3] == ["exec", "python3", "-c"], words[:3]
    rest = words[4:]
    return dict(zip(rest[::2], rest[1::2], strict=True))


def backup(rec):
    return rec.by_name("k0s-c-1-backup", LOCAL)


def test_the_bootstrap_controller_backs_up_before_its_risky_steps():
    rec = build(3, 2)
    step_ = backup(rec)
    args = arguments(step_.inputs["create"])
    assert args["--label"] == "c-1 backup" and args["--host"] == "10.1.0.1"
    assert "backup_etcd-" in args["--remote-command"], "the host script streams k0s backup to stdout"
    assert (args["--directory"], args["--stack"], args["--keep"]) == ("~/.local/share/mke4k/backups", "test", "10")
    assert len(args["--plan"]) == 16
    assert step_.is_secret_input("stdin"), "the frame carries the SSH key"
    assert step_.inputs["addPreviousOutputInEnv"] is True, "a key-only update learns the last plan from it"
    assert SSH_KEY not in step_.inputs["create"]
    for later in ("k0s-config", "k0s-upgrade"):
        assert rec.depends_on(step(rec, "c-1", later), step_), later
    assert rec.depends_on(step_, step(rec, "c-1", "host-ready")), "the host script must be installed"
    assert rec.depends_on(step(rec, "c-2", "k0s-config"), step_), "every controller restart comes after it"
    assert rec.depends_on(step(rec, "w-2", "k0s-upgrade"), step_), "so does every upgrade"
    assert not [r for r in rec.by_type(LOCAL) if r.name.endswith("-backup") and r.name != "k0s-c-1-backup"]
    assert rec.secret_leaks("k0s-layer-test-key") == []


def plan_of(**k0s: object) -> str:
    return arguments(backup(build(3, 2, k0s_settings(**k0s))).inputs["create"])["--plan"]


@pytest.mark.parametrize(
    "change",
    [
        {"version": "v1.32.12+k0s.0"},
        {"apiSans": ["api.example.com"]},
        {"config": {"spec": {"api": {"extraArgs": {"audit-log-maxage": "30"}}}}},
    ],
)
def test_the_backup_runs_when_a_risky_change_is_planned(change):
    assert plan_of(**change) != plan_of()


def test_the_backup_follows_the_set_of_controllers():
    base = arguments(backup(build(3, 2)).inputs["create"])["--plan"]
    assert arguments(backup(build(5, 2)).inputs["create"])["--plan"] != base, "controllers added"
    assert arguments(backup(build(1, 2)).inputs["create"])["--plan"] != base, "controllers removed"
    gone = build(3, 2, gone=frozenset({"c-3"}))
    assert arguments(backup(gone).inputs["create"])["--plan"] != base, "a controller marked gone"
    assert gone.depends_on(step(gone, "c-3", "member"), backup(gone)), "its etcd leave comes after the backup"


def test_a_no_op_stays_a_no_op_and_workers_do_not_trigger_a_backup():
    assert commands(build(3, 2)) == commands(build(3, 2))
    assert backup(build(3, 2)).inputs == backup(build(3, 7)).inputs
    assert plan_of(upgrade={"drainTimeout": "9m"}) == plan_of(), "not a change to what a backup protects"


def test_no_backup_step_when_turned_off():
    rec = build(1, 1, backup=None)
    assert rec.find("k0s-c-1-backup", LOCAL) is None
    assert not rec.depends_on(step(rec, "c-1", "k0s-config"), probe(rec, "c-1", "reset-probe"))


def test_the_s3_copy_is_part_of_the_command():
    target = BackupTarget(
        directory="/srv/backups", keep=3, stack="prod", s3_uri="s3://b/prod/", s3_region="eu-west-1", s3_kms_key_id="k"
    )
    args = arguments(backup(build(1, 1, backup=target)).inputs["create"])
    assert (args["--s3-uri"], args["--s3-region"], args["--s3-kms-key-id"]) == ("s3://b/prod/", "eu-west-1", "k")


def test_a_restored_cluster_restores_between_the_config_and_the_install():
    rec = build(3, 1, restore=RestoreSource(path="backups/old.tar.gz", sha256=ARCHIVE_SHA))
    restore = rec.by_name("k0s-c-1-k0s-restore", LOCAL)
    args = arguments(restore.inputs["create"])
    assert (args["--archive"], args["--sha256"]) == ("backups/old.tar.gz", ARCHIVE_SHA)
    assert "restore_etcd-" in args["--remote-command"] and f"ARCHIVE_SHA256={ARCHIVE_SHA}" in args["--remote-command"]
    assert restore.is_secret_input("stdin")
    assert rec.depends_on(restore, step(rec, "c-1", "k0s-config"))
    assert rec.depends_on(step(rec, "c-1", "k0s-install"), restore)
    assert rec.depends_on(step(rec, "c-2", "k0s-install"), restore), "the other controllers join the restored one"
    assert rec.find("k0s-c-2-k0s-restore", LOCAL) is None


BUCKET_TYPES = {
    "aws:s3/bucket:Bucket",
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
    "aws:s3/bucketVersioning:BucketVersioning",
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
    "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
}


def test_an_aws_stack_creates_a_private_encrypted_versioned_expiring_bucket(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    config = stack_config("dev")
    config["mke4k:backup"] = {"s3": {"create": True, "expireDays": 30}}
    rec = run_stack(config, "dev")
    assert {r.type for r in rec.resources} >= BUCKET_TYPES
    encryption = rec.by_type("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration")[
        0
    ]
    assert encryption.inputs["rules"][0]["applyServerSideEncryptionByDefault"]["sseAlgorithm"] == "AES256"
    assert (
        rec.by_type("aws:s3/bucketVersioning:BucketVersioning")[0].inputs["versioningConfiguration"]["status"]
        == "Enabled"
    )
    public = rec.by_type("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock")[0].inputs
    assert all(public[k] for k in ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"))
    rule = rec.by_type("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration")[0].inputs["rules"][0]
    assert rule["expiration"]["days"] == 30 and rule["noncurrentVersionExpiration"]["noncurrentDays"] == 30
    backup_step = rec.by_name("dev-controller-1-backup", LOCAL)
    assert arguments(backup_step.inputs["create"])["--s3-uri"].startswith("s3://dev-backups"), "the created bucket"
    assert rec.depends_on(backup_step, rec.by_type("aws:s3/bucket:Bucket")[0])
    assert not rec.by_type(COMMAND) or all(
        "PRIVATE KEY" not in r.inputs.get("create", "") for r in rec.by_type(COMMAND)
    )
