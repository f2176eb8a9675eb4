"""The SSH key of the nodes: given in config, or generated for AWS (always a secret Output).

Which keys must be set, and that each holds the right half of a key pair, is checked by
the settings pass (components/settings/rules/keys.py) before anything is registered.

Generated keys are ED25519: EC2 key pairs import ED25519 public keys (Linux AMIs) and
pulumi-command's SSH client (golang.org/x/crypto/ssh) parses OpenSSH-format ED25519
private keys. The private key is a secret in state and in every Output that carries it.
"""

from __future__ import annotations

from collections.abc import Mapping

import pulumi
import pulumi_aws as aws
import pulumi_tls as tls

from components.settings import Issue, SettingsError
from components.settings.access import SshSettings

from .naming import resource_name, resource_tags

KEY_ALGORITHM = "ED25519"


def configured_private_key(ssh: SshSettings) -> pulumi.Output[str]:
    """The configured private key as a secret Output (SettingsError naming the key if unset)."""
    if ssh.private_key is None:
        raise SettingsError([Issue("ssh.privateKey", "no SSH private key is configured.", "set mke4k:ssh.privateKey.")])
    return pulumi.Output.secret(ssh.private_key.get_secret_value())


def aws_key_pair(
    cluster: str,
    *,
    public_key: str | None,
    generation: int,
    ssh: SshSettings,
    tags: Mapping[str, str],
    region: str | None,
    parent: pulumi.Resource,
) -> tuple[aws.ec2.KeyPair, pulumi.Output[str]]:
    """The EC2 key pair ``<cluster>-key`` and the matching private key (secret).

    With ``public_key`` the pair is imported from it and the private key comes from
    ``mke4k:ssh.privateKey``; otherwise a ``tls.PrivateKey`` ``<cluster>-ssh-key`` is
    generated (``-ssh-key-<generation>`` from generation 2: a new name is a new key, which the
    nodes' ``ssh-key`` steps then rotate to) and its OpenSSH private key is returned. A new
    public key replaces the key pair; instances ignore it (see ``instance_ignored_changes``).
    """
    opts = pulumi.ResourceOptions(parent=parent)
    name = resource_name(cluster, "key")
    if public_key:
        pair = aws.ec2.KeyPair(name, public_key=public_key, tags=resource_tags(tags, name), region=region, opts=opts)
        return pair, configured_private_key(ssh)
    generated = tls.PrivateKey(
        resource_name(cluster, "ssh-key" if generation == 1 else f"ssh-key-{generation}"),
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
