"""Back up the cluster onto the machine running Pulumi: the bootstrap controller's ``k0s backup``
streamed over SSH into ``--directory`` (and copied to S3), the oldest archives beyond ``--keep`` removed.

Runs as the ``backup`` step (a runner-side ``local.Command``) before a risky change (k0s
version, a controller's k0s.yaml, the set of controllers) and on demand (``make backup``).
The archive never enters the Pulumi state, a command line or the leader's disk beyond what
``k0s backup --save-path -`` itself writes while it runs.

    python3 -c LOADER --label 'c1 backup' --host 10.0.0.1 --user ubuntu \\
      --remote-command 'exec bash /var/lib/mke4k/scripts/run-<h>.sh ...' \\
      --directory ~/.local/share/mke4k/backups --stack prod --keep 10 \\
      [--s3-uri s3://bucket/prefix/ --s3-region eu-west-1 --s3-kms-key-id ID] --plan <digest>

Files are ``<stack>-<UTC yyyymmddThhmmssZ>-<k0s version>.tar.gz``, mode 0600, in a 0700
directory. Prints ``archive=``, ``sha256=``, ``bytes=``, ``k0s_version=``, ``s3=``, ``plan=``
lines (``archive=`` empty when there was no cluster to back up yet).

The step's other inputs change too (the SSH key on its stdin, ``--keep``): on such an update
the previous output (``PULUMI_COMMAND_STDOUT``) shows the same ``plan=``, and nothing is
backed up again; the previous output is printed unchanged.
"""

import argparse
import datetime
import hashlib
import os
import re
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

from ssh_access import add_target_arguments, private_key_file, relay_stderr, require_ssh, say, ssh_argv, target_of

PREVIOUS_OUTPUT = "PULUMI_COMMAND_STDOUT"
VERSION_LINE = re.compile(r"backup of k0s (v\S+)")
"""What backup_etcd.sh says before it streams (the archive's k0s version, for the file name)."""
GZIP_MAGIC = b"\x1f\x8b"


def archive_pattern(stack: str) -> re.Pattern[str]:
    """The names this program gives a stack's archives (retention only ever touches these)."""
    return re.compile(rf"^{re.escape(stack)}-\d{{8}}T\d{{6}}Z-[^/]+\.tar\.gz$")


def archive_name(stack: str, when: datetime.datetime, version: str) -> str:
    """``<stack>-<UTC yyyymmddThhmmssZ>-<k0s version>.tar.gz``."""
    return f"{stack}-{when.astimezone(datetime.UTC):%Y%m%dT%H%M%SZ}-{version}.tar.gz"


def prune(directory: Path, stack: str, keep: int) -> list[Path]:
    """Remove this stack's oldest archives beyond the newest ``keep``; return what was removed."""
    pattern = archive_pattern(stack)
    archives = sorted(path for path in directory.iterdir() if pattern.match(path.name))
    removed = archives[: max(len(archives) - keep, 0)]
    for path in removed:
        path.unlink()
    return removed


def checked_archive(path: Path) -> int:
    """The number of members of a k0s backup archive; ValueError when it is not one."""
    with path.open("rb") as file:
        if file.read(2) != GZIP_MAGIC:
            raise ValueError("not a gzip file")
    try:
        with tarfile.open(path, "r:gz") as archive:
            members = archive.getnames()
    except (tarfile.TarError, OSError, EOFError) as error:
        raise ValueError(f"not a readable tar.gz ({error})") from None
    if not members:
        raise ValueError("an empty archive")
    return len(members)


def stream_backup(args: argparse.Namespace, key: Path, partial: Path) -> str | None:
    """Run the remote backup with stdout into ``partial``; its k0s version, or None (nothing to back up)."""
    with partial.open("wb") as out:
        process = subprocess.Popen(
            ssh_argv(target_of(args), key, args.remote_command),
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.PIPE,
        )
        lines = relay_stderr(process, args.label)
        status = process.wait()
    if status != 0:
        say(
            args.label,
            f"error: the backup on {args.host} failed (exit {status}); nothing was saved. Fix: see the lines above.",
        )
        raise SystemExit(1)
    if partial.stat().st_size == 0:
        return None
    found = next((m.group(1) for line in lines if (m := VERSION_LINE.search(line))), None)
    return found or "unknown-version"


def upload(args: argparse.Namespace, path: Path) -> str:
    """Copy the archive to S3 with the AWS CLI (server-side encryption); the object's URI."""
    if shutil.which("aws") is None:
        say(
            args.label,
            f"error: mke4k:backup.s3 is set but the AWS CLI ('aws') is not installed here; the archive is kept at "
            f"{path}. Fix: install AWS CLI v2 (with credentials that may write the bucket), or unset mke4k:backup.s3.",
        )
        raise SystemExit(1)
    uri = args.s3_uri.rstrip("/") + "/" + path.name
    command = ["aws", "s3", "cp", str(path), uri, "--only-show-errors"]
    command += (
        ["--sse", "aws:kms", "--sse-kms-key-id", args.s3_kms_key_id] if args.s3_kms_key_id else ["--sse", "AES256"]
    )
    if args.s3_region:
        command += ["--region", args.s3_region]
    if subprocess.run(command, stdin=subprocess.DEVNULL, check=False).returncode != 0:
        say(
            args.label,
            f"error: copying {path.name} to {uri} failed (the AWS CLI's message is above); the archive is kept at "
            f"{path}. Fix: check the credentials and the bucket, then run 'make backup STACK={args.stack}'.",
        )
        raise SystemExit(1)
    return uri


def main(argv: list[str], secret: str) -> int:
    """Back up, keep the newest ``--keep``, copy to S3; ``secret`` is the SSH private key."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--label", required=True)
    add_target_arguments(parser)
    parser.add_argument("--remote-command", required=True, help="runs backup_etcd.sh on the node")
    parser.add_argument("--directory", required=True)
    parser.add_argument("--stack", required=True)
    parser.add_argument("--keep", type=int, required=True)
    parser.add_argument("--s3-uri", default="")
    parser.add_argument("--s3-region", default="")
    parser.add_argument("--s3-kms-key-id", default="")
    parser.add_argument("--plan", default="", help="digest of what the coming change touches (re-runs the step)")
    args = parser.parse_args(argv)
    previous = os.environ.get(PREVIOUS_OUTPUT, "")
    if args.plan and f"plan={args.plan}" in previous.splitlines():
        say(args.label, "no k0s version, controller or k0s.yaml change since the last backup: no new backup")
        print(previous, end="" if previous.endswith("\n") else "\n")
        return 0
    require_ssh(args.label)
    directory = Path(args.directory).expanduser().absolute()  # relative: from the project (the step's directory)
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    directory.chmod(0o700)
    partial = directory / f".{args.stack}-backup-{os.getpid()}.partial"
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.close(fd)
    try:
        with private_key_file(secret) as key:
            version = stream_backup(args, key, partial)
        if version is None:
            say(args.label, "no cluster to back up yet (k0s does not run on the bootstrap controller): nothing saved")
            print(f"archive=\nplan={args.plan}")
            return 0
        members = checked_archive(partial)
        path = directory / archive_name(args.stack, datetime.datetime.now(datetime.UTC), version)
        partial.rename(path)
    except ValueError as error:
        say(args.label, f"error: what {args.host} sent is not a k0s backup archive: {error}; nothing was saved.")
        return 1
    finally:
        partial.unlink(missing_ok=True)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    say(args.label, f"saved {path} ({path.stat().st_size} bytes, {members} files, k0s {version}, mode 0600)")
    for old in prune(directory, args.stack, args.keep):
        say(args.label, f"removed {old.name} (mke4k:backup.keep is {args.keep})")
    uri = upload(args, path) if args.s3_uri else ""
    if uri:
        say(args.label, f"copied to {uri}")
    print(f"archive={path}\nsha256={digest}\nbytes={path.stat().st_size}\nk0s_version={version}\ns3={uri}")
    print(f"plan={args.plan}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:], sys.stdin.read()))
