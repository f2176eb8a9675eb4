"""SSH access to the machines."""

from __future__ import annotations

from pydantic import Field, SecretStr, field_validator

from .base import SettingsModel
from .hosts import check_address


class BastionHost(SettingsModel):
    """A jump host for existing machines (AWS bastions are created by the hosts layer)."""

    address: str = Field(description="Bastion address.")
    port: int = Field(22, ge=1, le=65535, description="Bastion SSH port.")
    user: str | None = Field(None, description="Bastion user; defaults to mke4k:ssh.user.")

    @field_validator("address")
    @classmethod
    def _valid_address(cls, value: str) -> str:
        return check_address(value)


class SshSettings(SettingsModel):
    """How the runner reaches every node over SSH."""

    user: str = Field("ubuntu", description="SSH user (needs passwordless sudo unless root).")
    port: int = Field(22, ge=1, le=65535, description="SSH port.")
    private_key: SecretStr | None = Field(
        None,
        description="SSH private key (set it with `pulumi config set --secret --path ssh.privateKey`). "
        "Optional for AWS, where a key pair can be generated.",
    )
    private_key_file: str | None = Field(
        None, description="Read the private key from this file on the runner instead (not stored in state as text)."
    )
    bastion: BastionHost | None = Field(None, description="Jump host for existing machines.")
    dial_error_limit: int = Field(
        60, ge=1, le=1000, description="SSH connection attempts before a step fails (machines may still be booting)."
    )
    per_dial_timeout: int = Field(15, ge=1, le=300, description="Seconds per SSH connection attempt.")
