"""The runner-side backup and restore programs, run through the program's own loader and frame.

OpenSSH's ``ssh`` and the AWS CLI are replaced by TEST DOUBLES on PATH (written below):
the fake ``ssh`` records its arguments and the key file it was given, then runs the
remote command locally with bash; the fake ``aws`` records its arguments. Everything
else is what a ``pulumi up`` runs: ``sh -c <loader line>`` with the JSON frame on stdin.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import re
import shlex
import stat
import subprocess
import tarfile
from pathlib import Path

import pytest

from components.k0s.runner import BACKUP, RESTORE, frame, loader_line

KEY = "-----BEGIN OPENSSH PRIVATE KEY-----\nrunner-test-key-material\n-----END OPENSSH PRIVATE KEY-----\n"
VERSION = "v1.32.11+k0s.0"
FAKE_SSH = """#!/usr/bin/env python3
# TEST DOUBLE of OpenSSH's ssh client (tests/unit/test_runner_programs.py): records its
# argv and the key file it was given, then runs the remote command (the last argument) locally.
# With FAKE_SSH_HOME set, that directory is the remote user's home and a key logs in only
# when its public key is in <home>/.ssh/authorized_keys, as sshd decides.
import json, os, stat, subprocess, sys
argv = sys.argv[1:]
key = argv[argv.index("-i") + 1]
entry = {
    "argv": argv,
    "key_mode": oct(stat.S_IMODE(os.stat(key).st_mode)),
    "key_dir_mode": oct(stat.S_IMODE(os.stat(os.path.dirname(key)).st_mode)),
    "key": open(key).read(),
}
with open(os.environ["FAKE_SSH_LOG"], "a") as log:
    log.write(json.dumps(entry) + "\\n")
env = dict(os.environ)
home = os.environ.get("FAKE_SSH_HOME")
if home:
    public = subprocess.run(["ssh-keygen", "-y", "-f", key], capture_output=True, text=True).stdout.split()[:2]
    authorized = os.path.join(home, ".ssh", "authorized_keys")
    lines = open(authorized).read().splitlines() if os.path.exists(authorized) else []
    if not any(line.split()[:2] == public for line in lines):
        print("Permission denied (publickey).", file=sys.stderr)
        sys.exit(255)
    env["HOME"] = home
sys.exit(subprocess.call(["bash", "-c", argv[-1]], env=env))
"""
FAKE_AWS = """#!/bin/sh
# TEST DOUBLE of the AWS CLI: records its arguments (one JSON list per line).
python3 -c 'import json, sys; print(json.dumps(sys.argv[1:]))' "$@" >> "$FAKE_AWS_LOG"
"""


def archive_bytes() -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        data = b'{"cluster_id": "c0ffee"}'
        info = tarfile.TarInfo("fake-etcd-snapshot.json")
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


class Runner:
    """Runs a runner program the way its step does, with the test doubles on PATH."""

    def __init__(self, root: Path, *, with_aws: bool = True) -> None:
        self.root = root
        self.bin = root / "bin"
        self.bin.mkdir()
        (self.bin / "ssh").write_text(FAKE_SSH)
        (self.bin / "ssh").chmod(0o755)
        if with_aws:
            (self.bin / "aws").write_text(FAKE_AWS)
            (self.bin / "aws").chmod(0o755)
        self.ssh_log = root / "ssh.jsonl"
        self.aws_log = root / "aws.jsonl"

    def run(
        self, program: Path, arguments: list[str], *, secret: str = KEY, **env_vars: str
    ) -> subprocess.CompletedProcess[str]:
        env = {
            **os.environ,
            "PATH": f"{self.bin}:/usr/bin:/bin",
            "FAKE_SSH_LOG": str(self.ssh_log),
            "FAKE_AWS_LOG": str(self.aws_log),
            **env_vars,
        }
        return subprocess.run(
            ["sh", "-c", loader_line(arguments)],
            input=frame(program, secret),
            capture_output=True,
            text=True,
            env=env,
            cwd=self.root,
            timeout=60,
            check=False,
        )

    def ssh_calls(self) -> list[dict]:
        return [json.loads(line) for line in self.ssh_log.read_text().splitlines()] if self.ssh_log.exists() else []

    def aws_calls(self) -> list[list[str]]:
        return [json.loads(line) for line in self.aws_log.read_text().splitlines()] if self.aws_log.exists() else []


@pytest.fixture
def runner(tmp_path: Path) -> Runner:
    return Runner(tmp_path)


def backup_args(remote: str, directory: Path, *extra: str, keep: int = 10) -> list[str]:
    return [
        "--label",
        "c1 backup",
        "--host",
        "10.0.0.1",
        "--user",
        "ubuntu",
        "--remote-command",
        remote,
        "--directory",
        str(directory),
        "--stack",
        "prod",
        "--keep",
        str(keep),
        "--plan",
        "0123456789abcdef",
        *extra,
    ]


def streaming(archive: Path) -> str:
    """A stand-in for the remote backup_etcd.sh: its progress line on stderr, the archive on stdout."""
    return f"echo 'mke4k: [c1 backup] streaming a backup of k0s {VERSION} on c1' >&2; cat {shlex.quote(str(archive))}"


def values(stdout: str) -> dict[str, str]:
    return dict(line.split("=", 1) for line in stdout.splitlines() if "=" in line)


def test_a_backup_lands_in_the_directory_0600_named_by_stack_time_and_version(runner: Runner, tmp_path: Path):
    source = tmp_path / "remote.tar.gz"
    source.write_bytes(archive_bytes())
    directory = tmp_path / "backups"
    result = runner.run(BACKUP, backup_args(streaming(source), directory))
    assert result.returncode == 0, result.stderr
    out = values(result.stdout)
    saved = Path(out["archive"])
    assert saved.parent == directory
    assert re.fullmatch(rf"prod-\d{{8}}T\d{{6}}Z-{re.escape(VERSION)}\.tar\.gz", saved.name), saved.name
    assert saved.read_bytes() == source.read_bytes()
    assert out["sha256"] == hashlib.sha256(source.read_bytes()).hexdigest() and out["k0s_version"] == VERSION
    assert stat.S_IMODE(saved.stat().st_mode) == 0o600
    assert stat.S_IMODE(directory.stat().st_mode) == 0o700
    assert [p.name for p in directory.iterdir()] == [saved.name], "no partial file left"
    (call,) = runner.ssh_calls()
    assert (call["key_mode"], call["key_dir_mode"], call["key"]) == ("0o600", "0o700", KEY)
    assert KEY.strip() not in " ".join(call["argv"]), "the key never is an argument"
    assert call["argv"][-2] == "ubuntu@10.0.0.1"
    assert not Path(call["argv"][call["argv"].index("-i") + 1]).exists(), "the key file is removed afterwards"
    assert "mke4k: [c1 backup] streaming a backup of k0s" in result.stderr, "the remote progress is shown"
    assert "runner-test-key-material" not in result.stdout + result.stderr


def test_a_relative_directory_starts_at_the_project_and_the_archive_is_named_in_full(runner: Runner, tmp_path: Path):
    source = tmp_path / "remote.tar.gz"
    source.write_bytes(archive_bytes())
    result = runner.run(BACKUP, backup_args(streaming(source), Path("backups")))  # the step runs in the project
    assert result.returncode == 0, result.stderr
    saved = Path(values(result.stdout)["archive"])
    assert saved.is_absolute() and saved.parent == tmp_path / "backups", saved
    assert saved.read_bytes() == source.read_bytes()
    assert f"mke4k: [c1 backup] saved {saved} (" in result.stderr, "the message names the file wherever pulumi runs"


def test_only_the_newest_archives_of_this_stack_are_kept(runner: Runner, tmp_path: Path):
    source = tmp_path / "remote.tar.gz"
    source.write_bytes(archive_bytes())
    directory = tmp_path / "backups"
    directory.mkdir()
    old = [f"prod-2026110{day}T000000Z-{VERSION}.tar.gz" for day in (1, 2, 3)]
    for name in [*old, f"staging-20261101T000000Z-{VERSION}.tar.gz", "notes.txt"]:
        (directory / name).write_bytes(b"x")
    result = runner.run(BACKUP, backup_args(streaming(source), directory, keep=2))
    assert result.returncode == 0, result.stderr
    left = sorted(p.name for p in directory.iterdir())
    assert old[2] in left and old[0] not in left and old[1] not in left
    assert Path(values(result.stdout)["archive"]).name in left
    assert f"staging-20261101T000000Z-{VERSION}.tar.gz" in left and "notes.txt" in left, "other files are kept"
    assert f"removed {old[0]} (mke4k:backup.keep is 2)" in result.stderr


def test_no_cluster_yet_saves_nothing(runner: Runner, tmp_path: Path):
    directory = tmp_path / "backups"
    result = runner.run(BACKUP, backup_args("echo 'mke4k: [c1 backup] nothing to back up' >&2", directory))
    assert result.returncode == 0, result.stderr
    assert values(result.stdout) == {"archive": "", "plan": "0123456789abcdef"}
    assert list(directory.iterdir()) == []


def test_an_update_with_the_plan_of_the_last_backup_backs_up_nothing(runner: Runner, tmp_path: Path):
    """The step updates when only its key (stdin) or --keep changed: that is no risky change."""
    source = tmp_path / "remote.tar.gz"
    source.write_bytes(archive_bytes())
    directory = tmp_path / "backups"
    arguments = backup_args(streaming(source), directory)
    first = runner.run(BACKUP, arguments)
    assert first.returncode == 0, first.stderr
    again = runner.run(BACKUP, arguments, secret="rotated key", PULUMI_COMMAND_STDOUT=first.stdout.rstrip("\n"))
    assert again.returncode == 0, again.stderr
    assert again.stdout == first.stdout, "the step's output stays that of the last backup"
    assert "no k0s version, controller or k0s.yaml change since the last backup: no new backup" in again.stderr
    assert len(runner.ssh_calls()) == 1 and len(list(directory.iterdir())) == 1, "nothing was backed up again"
    plan = arguments.index("--plan") + 1
    changed = runner.run(BACKUP, [*arguments[:plan], "fedcba9876543210"], PULUMI_COMMAND_STDOUT=first.stdout)
    assert changed.returncode == 0, changed.stderr
    assert values(changed.stdout)["plan"] == "fedcba9876543210" and len(runner.ssh_calls()) == 2


@pytest.mark.parametrize(
    ("remote", "message"),
    [
        ("echo 'mke4k: [c1 backup] error: k0s backup failed' >&2; exit 1", "the backup on 10.0.0.1 failed (exit 1)"),
        ("echo not-an-archive", "is not a k0s backup archive: not a gzip file"),
        ("printf '\\037\\213broken'", "is not a k0s backup archive: not a readable tar.gz"),
    ],
)
def test_a_failed_or_garbled_backup_saves_nothing(runner: Runner, tmp_path: Path, remote: str, message: str):
    directory = tmp_path / "backups"
    result = runner.run(BACKUP, backup_args(remote, directory))
    assert result.returncode == 1
    assert message in result.stderr
    assert list(directory.iterdir()) == []


def test_the_s3_copy_is_encrypted_on_the_server(runner: Runner, tmp_path: Path):
    source = tmp_path / "remote.tar.gz"
    source.write_bytes(archive_bytes())
    directory = tmp_path / "backups"
    result = runner.run(
        BACKUP, backup_args(streaming(source), directory, "--s3-uri", "s3://bk/prod/", "--s3-region", "eu-west-1")
    )
    assert result.returncode == 0, result.stderr
    name = Path(values(result.stdout)["archive"]).name
    assert values(result.stdout)["s3"] == f"s3://bk/prod/{name}"
    assert runner.aws_calls() == [
        [
            "s3",
            "cp",
            str(directory / name),
            f"s3://bk/prod/{name}",
            "--only-show-errors",
            "--sse",
            "AES256",
            "--region",
            "eu-west-1",
        ]
    ]
    kms = runner.run(BACKUP, backup_args(streaming(source), directory, "--s3-uri", "s3://bk/", "--s3-kms-key-id", "k1"))
    assert kms.returncode == 0, kms.stderr
    assert runner.aws_calls()[-1][-4:] == ["--sse", "aws:kms", "--sse-kms-key-id", "k1"]


def test_without_the_aws_cli_the_archive_stays_and_the_step_fails(tmp_path: Path):
    runner = Runner(tmp_path, with_aws=False)
    source = tmp_path / "remote.tar.gz"
    source.write_bytes(archive_bytes())
    directory = tmp_path / "backups"
    result = runner.run(BACKUP, backup_args(streaming(source), directory, "--s3-uri", "s3://bk/"))
    assert result.returncode == 1
    assert "the AWS CLI ('aws') is not installed here; the archive is kept at" in result.stderr
    assert len(list(directory.glob("prod-*.tar.gz"))) == 1


def test_a_node_behind_a_bastion_is_reached_through_it(runner: Runner, tmp_path: Path):
    args = backup_args("true", tmp_path / "b")
    args += ["--jump-host", "203.0.113.9", "--jump-port", "2222", "--jump-user", "jump"]
    assert runner.run(BACKUP, args).returncode == 0
    argv = runner.ssh_calls()[0]["argv"]
    proxy = next(a for a in argv if a.startswith("ProxyCommand="))
    assert proxy.endswith("-W %h:%p jump@203.0.113.9") and "-p 2222" in proxy and "-i " in proxy


def restore_args(archive: Path, sha: str, remote: str) -> list[str]:
    return [
        "--label",
        "c1 k0s-restore",
        "--host",
        "10.0.0.1",
        "--user",
        "root",
        "--remote-command",
        remote,
        "--archive",
        str(archive),
        "--sha256",
        sha,
    ]


def test_a_restore_streams_the_archive_to_the_node(runner: Runner, tmp_path: Path):
    archive = tmp_path / "old.tar.gz"
    archive.write_bytes(archive_bytes())
    received = tmp_path / "received"
    sha = hashlib.sha256(archive.read_bytes()).hexdigest()
    result = runner.run(RESTORE, restore_args(archive, sha, f"cat > {received}; echo restored=true"))
    assert result.returncode == 0, result.stderr
    assert received.read_bytes() == archive.read_bytes()
    assert values(result.stdout) == {"restored": "true"}
    assert gzip.decompress(received.read_bytes())


def test_a_restore_refuses_an_archive_that_changed_since_the_preview(runner: Runner, tmp_path: Path):
    archive = tmp_path / "old.tar.gz"
    archive.write_bytes(archive_bytes())
    result = runner.run(RESTORE, restore_args(archive, "0" * 64, "cat > /dev/null"))
    assert result.returncode == 1 and "changed since the program read it" in result.stderr
    assert runner.ssh_calls() == [], "nothing was sent"


# -- SSH key rotation (ssh_key.py + authorized_keys.sh) -----------------------------------------

from components.k0s.runner import SSH_KEY  # noqa: E402


def keypair(directory: Path, name: str) -> tuple[str, str]:
    """A real ed25519 key pair: (private key text, '<type> <base64>')."""
    path = directory / name
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", name, "-f", str(path)], check=True)
    return path.read_text(), " ".join(path.with_suffix(".pub").read_text().split()[:2])


@pytest.fixture
def node_home(tmp_path: Path) -> Path:
    home = tmp_path / "home"
    (home / ".ssh").mkdir(parents=True)
    return home


def authorized(home: Path) -> list[str]:
    return [" ".join(line.split()[:2]) for line in (home / ".ssh" / "authorized_keys").read_text().splitlines()]


KEY_ARGS = ["--label", "w1 ssh-key", "--host", "10.0.0.5", "--user", "ubuntu"]


def test_a_new_machine_only_checks_that_the_configured_key_logs_in(runner: Runner, tmp_path: Path, node_home: Path):
    private, public = keypair(tmp_path, "k1")
    (node_home / ".ssh" / "authorized_keys").write_text(public + " installed-by-cloud-init\n")
    done = runner.run(SSH_KEY, [*KEY_ARGS, "--action", "authorize"], secret=private, FAKE_SSH_HOME=str(node_home))
    assert done.returncode == 0, done.stderr
    assert done.stdout == private, "the key it works with: next time, the key to rotate from"
    assert authorized(node_home) == [public]
    refused = runner.run(
        SSH_KEY, [*KEY_ARGS, "--action", "authorize"], secret=keypair(tmp_path, "k9")[0], FAKE_SSH_HOME=str(node_home)
    )
    assert refused.returncode == 1 and "does not accept the configured SSH key" in refused.stderr


def test_a_rotation_adds_the_new_key_over_the_old_one_and_later_removes_the_old(runner, tmp_path, node_home):
    old_private, old_public = keypair(tmp_path, "old")
    new_private, new_public = keypair(tmp_path, "new")
    (node_home / ".ssh" / "authorized_keys").write_text(f"{old_public} ops\n")
    (node_home / ".ssh" / "authorized_keys").chmod(0o600)
    added = runner.run(
        SSH_KEY,
        [*KEY_ARGS, "--action", "authorize"],
        secret=new_private,
        FAKE_SSH_HOME=str(node_home),
        PULUMI_COMMAND_STDOUT=old_private,
    )
    assert added.returncode == 0, added.stderr
    assert authorized(node_home) == [old_public, new_public], "both work until every machine took the new key"
    assert "accepts the new SSH key; the old one is removed once every machine accepts it" in added.stderr
    calls = runner.ssh_calls()
    assert [c["key"] for c in calls[-2:]] == [old_private, new_private], "added with the old key, checked with the new"
    assert calls[-2]["argv"][-1].endswith("bash -s") and "ACTION=add" in calls[-2]["argv"][-1]
    assert added.stdout == new_private

    retired = runner.run(
        SSH_KEY,
        [*KEY_ARGS[:1], "w1 ssh-key-retire", *KEY_ARGS[2:], "--action", "retire"],
        secret=new_private,
        FAKE_SSH_HOME=str(node_home),
        PULUMI_COMMAND_STDOUT=f"{old_public} mke4k",
    )
    assert retired.returncode == 0, retired.stderr
    assert authorized(node_home) == [new_public]
    assert stat.S_IMODE((node_home / ".ssh" / "authorized_keys").stat().st_mode) == 0o600, "the file keeps its mode"
    assert retired.stdout.split()[:2] == new_public.split(), "the key it keeps: nothing to do next time"
    calls_before = len(runner.ssh_calls())
    again = runner.run(
        SSH_KEY,
        [*KEY_ARGS, "--action", "retire"],
        secret=new_private,
        FAKE_SSH_HOME=str(node_home),
        PULUMI_COMMAND_STDOUT=retired.stdout,
    )
    assert again.returncode == 0 and authorized(node_home) == [new_public]
    assert len(runner.ssh_calls()) == calls_before, "nothing to retire: no login at all"
