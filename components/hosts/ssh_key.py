"""The SSH key of the nodes: given in config, or generated for AWS (always a secret Output).

Generated keys are ED25519: EC2 key pairs import ED25519 public keys (Linux AMIs) and
pulumi-command's SSH client (golang.org/x/crypto/ssh) parses OpenSSH-format ED25519
private keys. The private key is a secret in state and in every Output that carries it.
"""

from __future__ import annotations

from collections.abc import Mapping

import pulumi
import pulumi_aws as aws
import pulumi_tls as tls

from components.settings import Issue, Settings, SettingsError
from components.settings.access import SshSettings

from .naming import resource_name, resource_tags

KEY_ALGORITHM = "ED25519"


def key_issues(settings: Settings) -> list[Issue]:
    """Problems with the SSH key settings for the chosen hosts source (pure; empty when fine)."""
    source = settings.hosts.source
    has_private = settings.ssh.private_key is not None
    if source == "static" and not has_private:
        return [
            Issue(
                "ssh.privateKey",
                "static hosts need the SSH private key the runner logs in with.",
                "set it with `pulumi config set --secret --path mke4k:ssh.privateKey < key` or set mke4k:ssh.privateKeyFile.",
            )
        ]
    if source == "aws":
        public = settings.hosts.aws.public_key
        if public and not has_private:
            return [
                Issue(
                    "ssh.privateKey",
                    "hosts.aws.publicKey is given, so the runner needs the matching private key.",
                    "set mke4k:ssh.privateKey (secret) or mke4k:ssh.privateKeyFile, or drop publicKey to generate a key.",
                )
            ]
        if has_private and not public:
            return [
                Issue(
                    "hosts.aws.publicKey",
                    "an SSH private key is configured but no public key for the EC2 key pair.",
                    "set mke4k:hosts.aws.publicKey to its OpenSSH public key, or unset mke4k:ssh.privateKey "
                    "to let the stack generate a key.",
                )
            ]
    return []


def check_key_settings(settings: Settings) -> None:
    """Raise SettingsError naming the config key when the SSH key settings cannot work."""
    issues = key_issues(settings)
    if issues:
        raise SettingsError(issues)


def configured_private_key(ssh: SshSettings) -> pulumi.Output[str]:
    """The configured private key as a secret Output (SettingsError naming the key if unset)."""
    if ssh.private_key is None:
        raise SettingsError([Issue("ssh.privateKey", "no SSH private key is configured.", "set mke4k:ssh.privateKey.")])
    return pulumi.Output.secret(ssh.private_key.get_secret_value())


def aws_key_pair(
    cluster: str,
    *,
    public_key: str | None,
    ssh: SshSettings,
    tags: Mapping[str, str],
    region: str | None,
    parent: pulumi.Resource,
) -> tuple[aws.ec2.KeyPair, pulumi.Output[str]]:
    """The EC2 key pair ``<cluster>-key`` and the matching private key (secret).

    With ``public_key`` the pair is imported from it and the private key comes from
    ``mke4k:ssh.privateKey``; otherwise a ``tls.PrivateKey`` ``<cluster>-ssh-key`` is
    generated and its OpenSSH private key is returned.
    """
    opts = pulumi.ResourceOptions(parent=parent)
    name = resource_name(cluster, "key")
    if public_key:
        pair = aws.ec2.KeyPair(name, public_key=public_key, tags=resource_tags(tags, name), region=region, opts=opts)
        return pair, configured_private_key(ssh)
    generated = tls.PrivateKey(
        resource_name(cluster, "ssh-key"),
        algorithm=KEY_ALGORITHM,
        opts=pulumi.ResourceOptions(
            parent=parent,
            additional_secret_outputs=["privateKeyOpenssh", "privateKeyPem", "privateKeyPemPkcs8"],
        ),
    )
    pair = aws.ec2.KeyPair(
        name,
        public_key=generated.public_key_openssh,
        tags=resource_tags(tags, name),
        region=region,
        opts=opts,
    )
    return pair, pulumi.Output.secret(generated.private_key_openssh)
