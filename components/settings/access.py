"""SSH access to the machines."""

from __future__ import annotations

from pydantic import Field, SecretStr

from .base import SettingsModel
from .hosts import SshHost, UserName


class BastionHost(SettingsModel):
    """A jump host for existing machines (AWS bastions are created by the hosts layer)."""

    address: SshHost = Field(description="Bastion address (host name or IPv4 address).")
    port: int = Field(22, ge=1, le=65535, description="Bastion SSH port.")
    user: UserName | None = Field(None, description="Bastion user; defaults to mke4k:ssh.user.")


class SshSettings(SettingsModel):
    """How the runner reaches every node over SSH."""

    user: UserName = Field("ubuntu", description="SSH user (needs passwordless sudo unless root).")
    port: int = Field(22, ge=1, le=65535, description="SSH port.")
    private_key: SecretStr | None = Field(
        None,
        description="SSH private key, unencrypted, in OpenSSH (-----BEGIN OPENSSH PRIVATE KEY-----) or PEM "
        "(-----BEGIN RSA/EC PRIVATE KEY-----, -----BEGIN PRIVATE KEY-----) format. Set it with "
        "`pulumi config set --secret --path mke4k:ssh.privateKey < key`. Optional for AWS, where a key pair "
        "can be generated. Wins over privateKeyFile.",
    )
    private_key_file: str | None = Field(
        None,
        description="Read the private key (same formats) from this file on the runner instead; relative "
        "to the project directory, ~ expanded.",
    )
    bastion: BastionHost | None = Field(None, description="Jump host for existing machines.")
    dial_error_limit: int = Field(
        60, ge=1, le=1000, description="SSH connection attempts before a step fails (machines may still be booting)."
    )
    per_dial_timeout: int = Field(15, ge=1, le=300, description="Seconds per SSH connection attempt.")
