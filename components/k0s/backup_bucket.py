"""The S3 bucket for backup copies, when a stack with AWS machines creates it (``mke4k:backup.s3.create``).

Private and safe by default: server-side encryption (SSE-S3, or SSE-KMS with
``kmsKeyId``) applied to every object, versioning (an overwritten or deleted archive
stays recoverable), all public access blocked, and a lifecycle rule that expires archives
(and their old versions) after ``expireDays``. The bucket is not deleted while it holds
archives (``force_destroy`` stays false): empty it on purpose before ``pulumi destroy``.
"""

from __future__ import annotations

import pulumi
import pulumi_aws as aws

from components.hosts.naming import resource_name, resource_tags
from components.settings.backup import BackupS3Settings

TYPE_TOKEN = "mke4k:backup:BackupBucket"


class BackupBucket(pulumi.ComponentResource):
    """``<cluster>-backups``: the bucket and its encryption, versioning, public-access and lifecycle settings."""

    name: pulumi.Output[str]
    """The bucket's name (generated ``<cluster>-backups-…`` unless ``bucket`` is given)."""

    def __init__(
        self,
        cluster: str,
        s3: BackupS3Settings,
        *,
        tags: dict[str, str],
        region: str | None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        name = resource_name(cluster, "backups")
        super().__init__(TYPE_TOKEN, name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        bucket = aws.s3.Bucket(
            name, bucket=s3.bucket, tags=resource_tags(tags, name), region=region, force_destroy=False, opts=child
        )
        default: dict[str, str] = (
            {"sse_algorithm": "aws:kms", "kms_master_key_id": s3.kms_key_id}
            if s3.kms_key_id
            else {"sse_algorithm": "AES256"}
        )
        aws.s3.BucketServerSideEncryptionConfiguration(
            f"{name}-encryption",
            bucket=bucket.id,
            rules=[{"apply_server_side_encryption_by_default": default, "bucket_key_enabled": bool(s3.kms_key_id)}],
            region=region,
            opts=child,
        )
        aws.s3.BucketVersioning(
            f"{name}-versioning",
            bucket=bucket.id,
            versioning_configuration={"status": "Enabled"},
            region=region,
            opts=child,
        )
        aws.s3.BucketPublicAccessBlock(
            f"{name}-public-access",
            bucket=bucket.id,
            block_public_acls=True,
            block_public_policy=True,
            ignore_public_acls=True,
            restrict_public_buckets=True,
            region=region,
            opts=child,
        )
        aws.s3.BucketLifecycleConfiguration(
            f"{name}-lifecycle",
            bucket=bucket.id,
            rules=[
                {
                    "id": "expire-backups",
                    "status": "Enabled",
                    "filter": {"prefix": s3.prefix or f"{cluster}/"},
                    "expiration": {"days": s3.expire_days},
                    "noncurrent_version_expiration": {"noncurrent_days": s3.expire_days},
                    "abort_incomplete_multipart_upload": {"days_after_initiation": 1},
                }
            ],
            region=region,
            opts=child,
        )
        self.name = bucket.id  # the bucket name (the provider uses it as the id)
        self.register_outputs({"name": self.name})
