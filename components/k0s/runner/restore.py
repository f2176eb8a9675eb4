"""Restore a new cluster from a backup: stream ``--archive`` (on the machine running Pulumi) over
SSH into restore_etcd.sh on the bootstrap controller, which runs ``k0s restore`` before the install.

Runs as the ``k0s-restore`` step (a runner-side ``local.Command``) of a stack with
``mke4k:backup.restoreFrom``. The archive never enters the Pulumi state or a command line.

    python3 -c LOADER --label 'c1 k0s-restore' --host 10.0.0.1 --user ubuntu \\
      --remote-command 'exec bash /var/lib/mke4k/scripts/run-<h>.sh ... ARCHIVE_SHA256=<hex>' \\
      --archive backups/prod-20261202T101500Z-v1.32.11+k0s.0.tar.gz --sha256 <hex>

Prints the remote step's ``restored=true|false``.
"""

import argparse
import hashlib
import subprocess
import sys
from pathlib import Path

from ssh_access import add_target_arguments, private_key_file, relay_stderr, require_ssh, say, ssh_argv, target_of


def main(argv: list[str], secret: str) -> int:
    """Stream the archive into the remote restore; ``secret`` is the SSH private key."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--label", required=True)
    add_target_arguments(parser)
    parser.add_argument("--remote-command", required=True, help="runs restore_etcd.sh on the node")
    parser.add_argument("--archive", required=True)
    parser.add_argument("--sha256", required=True, help="what the archive must hash to (checked here and there)")
    args = parser.parse_args(argv)
    require_ssh(args.label)
    archive = Path(args.archive).expanduser()
    try:
        data = archive.read_bytes()
    except OSError as error:
        say(args.label, f"error: cannot read {archive}: {error.strerror}. Fix: check mke4k:backup.restoreFrom.")
        return 1
    if hashlib.sha256(data).hexdigest() != args.sha256:
        say(
            args.label,
            f"error: {archive} changed since the program read it (sha256 differs); nothing was restored. "
            "Fix: run 'pulumi up' again with the archive you mean.",
        )
        return 1
    with private_key_file(secret) as key:
        process = subprocess.Popen(
            ssh_argv(target_of(args), key, args.remote_command),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        assert process.stdin is not None and process.stdout is not None
        try:
            process.stdin.write(data)
        except BrokenPipeError:
            pass  # the remote side refused before reading it all: its message follows
        finally:
            process.stdin.close()
        relay_stderr(process, args.label)
        output = process.stdout.read().decode(errors="replace")
        status = process.wait()
    sys.stdout.write(output)
    if status != 0:
        say(args.label, f"error: the restore on {args.host} failed (exit {status}); see the lines above.")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:], sys.stdin.read()))
