"""Backups: where the S3 copy goes, and the archive a new stack restores from."""

from __future__ import annotations

import tarfile
from collections.abc import Iterable

from ..errors import Issue
from ..root import Settings
from .base import Context, machines_here


def backup_s3(s: Settings, _: Context) -> Iterable[Issue]:
    """backup.s3 names a bucket or creates one, and only a stack running the k0s layer on AWS machines creates one."""
    s3 = s.backup.s3
    if s3 is None:
        return
    if s3.bucket is None and not s3.create:
        yield Issue(
            "backup.s3.bucket",
            "no bucket to copy the archives to.",
            "name an existing bucket, or set mke4k:backup.s3.create: true (stacks with AWS machines).",
        )
    if s3.create and not (s.runs("k0s") and machines_here(s, "aws")):
        yield Issue(
            "backup.s3.create",
            "only a stack that runs the k0s layer on its own AWS machines creates the backup bucket (it backs up "
            "with that stack's AWS provider and region).",
            "create the bucket yourself (encryption, versioning, a lifecycle rule) and set mke4k:backup.s3.bucket.",
        )


def restore_archive(s: Settings, context: Context) -> Iterable[Issue]:
    """backup.restoreFrom is a readable k0s backup archive (tar.gz) on the machine running Pulumi, in a stack running the k0s layer."""
    name = s.backup.restore_from
    if name is None or not context.connects:
        return
    key = "backup.restoreFrom"
    if not s.runs("k0s"):
        yield Issue(key, "this stack does not run the k0s layer, which restores.", "set it in the stack that runs k0s.")
        return
    path = context.path(name)
    try:
        with tarfile.open(path, "r:gz") as archive:
            members = archive.getnames()
    except FileNotFoundError:
        yield Issue(
            key, f"'{name}' does not exist.", "give the path of an archive made by 'make backup' or k0s backup."
        )
        return
    except (OSError, tarfile.TarError, EOFError) as error:
        yield Issue(
            key,
            f"'{name}' is not a readable k0s backup archive (tar.gz): {getattr(error, 'strerror', None) or error}.",
            "give the path of an archive made by 'make backup' or k0s backup.",
        )
        return
    if not members:
        yield Issue(key, f"'{name}' is an empty archive.", "give an archive made by 'make backup' or k0s backup.")


RULES = (backup_s3, restore_archive)
