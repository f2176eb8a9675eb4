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
        10,
        ge=1,
        le=1000,
        description="Failed SSH connection attempts the command provider retries per step (it dials "
        "dialErrorLimit + 1 times, 100 ms to 5 s apart). The ssh-probe has already waited for the node.",
    )
    per_dial_timeout: int = Field(
        15, ge=1, le=300, description="Seconds per SSH connection attempt (TCP connect only, as the provider does)."
    )
    probe_timeout_seconds: int = Field(
        600,
        ge=10,
        le=7200,
        description="How long the runner waits for a node (and the bootstrap controller) to answer SSH, "
        "TCP connect and banner, before the node's steps run (new machines may still be booting).",
    )
    removal_probe_timeout_seconds: int = Field(
        60,
        ge=5,
        le=3600,
        description="How long the runner waits for a removed node to answer SSH before its removal steps run.",
    )
    banner_timeout_seconds: int = Field(
        20,
        ge=1,
        le=300,
        description="How long a host that accepted the TCP connection may take to send its SSH banner "
        "(a half-dead sshd or a load balancer with nothing behind it never does).",
    )
