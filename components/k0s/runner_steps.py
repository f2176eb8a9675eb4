"""Steps that run on the machine running Pulumi (``local.Command``), for nodes and the bastion alike."""

from __future__ import annotations

import pulumi
from pulumi_command import local


def runner_step(
    name: str,
    *,
    parent: pulumi.Resource,
    create: pulumi.Input[str] | None,
    stdin: pulumi.Input[str] | None,
    depends_on: list[pulumi.Resource],
    delete: pulumi.Input[str] | None = None,
    triggers: list[pulumi.Input[str]] | None = None,
    deleted_with: pulumi.Resource | None = None,
    secret_stdout: bool = False,
    previous_output: bool = False,
) -> local.Command:
    """One runner-side step: its program on stdin, delete-before-replace.

    ``secret_stdout``: the output is a secret and never logged (the key-rotation step keeps the
    key it works with there). ``previous_output``: an update gets the previous stdout as
    ``PULUMI_COMMAND_STDOUT`` (how the key-rotation step learns the key it rotates from, and
    the backup step the plan it last backed up for; off everywhere else, so a step never sees
    an old output by accident).
    """
    return local.Command(
        name,
        create=create,
        delete=delete,
        stdin=stdin,
        triggers=triggers,
        logging=local.Logging.STDERR if secret_stdout else local.Logging.STDOUT_AND_STDERR,
        add_previous_output_in_env=previous_output,
        opts=pulumi.ResourceOptions(
            parent=parent,
            depends_on=depends_on,
            deleted_with=deleted_with,
            delete_before_replace=True,
            additional_secret_outputs=["stdout"] if secret_stdout else None,
        ),
    )
