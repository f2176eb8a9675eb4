"""Backups of the control plane (etcd, certificates, k0s.yaml): when, where, how many; restore."""

from __future__ import annotations

import re

from pydantic import Field, field_validator

from .base import SettingsModel
from .errors import FieldProblem

DEFAULT_DIRECTORY = "~/.local/share/mke4k/backups"
_BUCKET = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")


class BackupS3Settings(SettingsModel):
    """A copy of every archive in S3, uploaded by the machine running Pulumi (AWS CLI)."""

    bucket: str | None = Field(
        None,
        description="Bucket name. Required unless create is true (then the default is a generated "
        "<cluster>-backups-… name).",
    )
    prefix: str = Field("", description="Key prefix of the archives, e.g. prod/ (default: the cluster name and /).")
    region: str | None = Field(None, description="The bucket's region. Default: the AWS CLI's own configuration.")
    create: bool = Field(
        False,
        description="Create the bucket in this stack (stacks with AWS machines only): SSE-S3 encryption by "
        "default (SSE-KMS with kmsKeyId), versioning, all public access blocked, and a lifecycle rule that "
        "expires archives after expireDays.",
    )
    expire_days: int = Field(
        90,
        ge=1,
        le=3650,
        description="Lifecycle of a created bucket: archives (and their old versions) expire after this many days.",
    )
    kms_key_id: str | None = Field(
        None,
        description="KMS key (id or ARN) for SSE-KMS; default SSE-S3 (AES256). Used for uploads and a created bucket.",
    )

    @field_validator("bucket")
    @classmethod
    def _valid_bucket(cls, value: str | None) -> str | None:
        if value is not None and (not _BUCKET.match(value) or ".." in value):
            raise FieldProblem(
                f"'{value}' is not an S3 bucket name (3-63 lowercase letters, digits, '.' and '-')",
                "give the bucket's name only, without s3:// or a key prefix (use prefix for that).",
            )
        return value

    @field_validator("prefix")
    @classmethod
    def _valid_prefix(cls, value: str) -> str:
        if value.startswith("/") or "//" in value:
            raise FieldProblem(f"'{value}' is not a key prefix", "write it like prod/ or team/prod/ (no leading /).")
        return value


class BackupSettings(SettingsModel):
    """etcd backups before risky changes, on demand, and restore into a new cluster."""

    before_changes: bool = Field(
        True,
        description="Before a k0s version change, a change of any controller's k0s.yaml or a change in the set of "
        "controllers (added, removed, marked gone), back up the control plane from the bootstrap controller "
        "(k0s backup) onto the machine running Pulumi, as mkectl's upgrade does. false: no backup step.",
    )
    directory: str = Field(
        DEFAULT_DIRECTORY,
        description="Where the machine running Pulumi keeps the archives (~ expanded; relative paths start at "
        "the project directory): <stack>-<UTC time>-<k0s version>.tar.gz, mode 0600, in a 0700 directory. "
        "They hold the cluster's CA keys: keep the directory private and out of version control.",
    )
    keep: int = Field(
        10,
        ge=1,
        le=1000,
        description="Archives of this stack kept in the directory (the oldest beyond it are removed after each "
        "backup; S3 copies follow the bucket's own lifecycle).",
    )
    s3: BackupS3Settings | None = Field(None, description="Also copy every archive to S3 (optional).")
    restore_from: str | None = Field(
        None,
        description="A new stack only: the k0s backup archive (path on the machine running Pulumi) the bootstrap "
        "controller restores (k0s restore) before its install, so the cluster comes back with its etcd data and "
        "certificates; keep the API external address of the old cluster. Refused on a stack that is already "
        "deployed (docs/operations.md, 'Restore').",
    )
