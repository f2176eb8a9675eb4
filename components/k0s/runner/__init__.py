"""Programs that run on the machine running Pulumi (``local.Command``), never on a node.

Each is handed to its interpreter on stdin (``bash -s`` / ``python3 -``), so the command
text is the same on every runner's checkout and a change to the program shows in
``pulumi preview`` as the lines that change.

The programs that log in to a node (backup, restore, SSH key rotation) need the private
key too, and it may not be on a command line: their stdin is one JSON *frame* holding the
program, the modules it imports (``ssh_access``) and the key, and the command is a fixed
loader that runs ``main(argv, secret)`` from it (:func:`runner_command`,
:func:`runner_stdin`). The frame is a secret Output, so the preview shows such a step's
program change as a changed secret, and its arguments (which say what it does) in clear.
"""

from __future__ import annotations

import functools
import json
import shlex
from pathlib import Path

import pulumi

RUNNER_DIR = Path(__file__).parent
SSH_PROBE = RUNNER_DIR / "ssh_probe.py"
"""Waits for a host to answer SSH (TCP and banner), bounded; names the host when it does not."""
FETCH_K0S = RUNNER_DIR / "fetch_k0s.sh"
"""Downloads and verifies the k0s binary once for ``binarySource: upload``."""
SSH_ACCESS = RUNNER_DIR / "ssh_access.py"
"""The shared module of the programs below: ``ssh`` with the key in a 0600 file."""
BACKUP = RUNNER_DIR / "backup.py"
"""Streams the bootstrap controller's ``k0s backup`` into the backup directory (and S3)."""
RESTORE = RUNNER_DIR / "restore.py"
"""Streams an archive from the runner into ``k0s restore`` on a new cluster's bootstrap controller."""
SSH_KEY = RUNNER_DIR / "ssh_key.py"
"""Authorizes the new SSH key over the old one's connection, and later removes the old one."""
AUTHORIZED_KEYS = RUNNER_DIR.parent / "scripts" / "authorized_keys.sh"
"""The host side of the key rotation, sent in the frame of SSH_KEY."""
FRAME_FILES = {SSH_KEY: (AUTHORIZED_KEYS,)}
"""Files a program's frame carries besides its modules."""

LOADER = (
    "import json,sys,types\n"
    "b=json.load(sys.stdin)\n"
    "for n,s in [*b['modules'].items(),('mke4k_runner',b['main'])]:\n"
    " m=types.ModuleType(n);m.FILES=b['files'];sys.modules[n]=m;exec(compile(s,n+'.py','exec'),m.__dict__)\n"
    "sys.exit(m.main(sys.argv[1:],b['secret']))"
)
"""Runs the frame on stdin: registers its modules (each sees the frame's files as ``FILES``), then the
program, then calls ``main(argv, secret)``."""


@functools.cache
def _program_text(path: Path) -> str:
    return path.read_text()


def frame(program: Path, secret: str) -> str:
    """The JSON frame running ``program`` with ``secret`` (pure; deterministic)."""
    modules = {SSH_ACCESS.stem: _program_text(SSH_ACCESS)}
    files = {path.name: _program_text(path) for path in FRAME_FILES.get(program, ())}
    document = {"modules": modules, "files": files, "main": _program_text(program), "secret": secret}
    return json.dumps(document, sort_keys=True)


def loader_line(arguments: list[str]) -> str:
    """The loader with ``arguments``, quoted, one per line (pure)."""
    return f"exec python3 -c {shlex.quote(LOADER)}" + "".join(f" \\\n  {shlex.quote(word)}" for word in arguments)


def runner_stdin(program: Path, secret: pulumi.Input[str]) -> pulumi.Output[str]:
    """The frame of ``program`` with ``secret`` (the SSH private key): a secret Output."""
    return pulumi.Output.secret(pulumi.Output.from_input(secret).apply(lambda key: frame(program, key)))


def runner_command(arguments: list[pulumi.Input[str]]) -> pulumi.Output[str]:
    """What a frame-reading step runs: the loader with ``arguments`` (values may be Outputs)."""
    return pulumi.Output.all(*arguments).apply(lambda words: loader_line([str(word) for word in words]))
