"""Rotate the SSH key on one machine without replacing it: authorize the new key over the old
key's connection (``--action authorize``), and, once every machine accepts the new key, remove
the old one (``--action retire``).

Runs as each node's ``ssh-key`` and ``ssh-key-retire`` steps (runner-side ``local.Command``,
and the bastion's). The key the step was last run with comes back as the step's previous
output (``PULUMI_COMMAND_STDOUT``, offered by the command provider on an update):

* ``authorize`` prints the private key it works with (a secret output), so on the next
  update it knows the key that still opens the machine: when the configured key changed, it
  logs in with the previous one, adds the new public key to the SSH user's
  ``authorized_keys`` (authorized_keys.sh, as the user, no sudo), then checks that the new
  key logs in. Otherwise it only checks that the configured key logs in.
* ``retire`` prints the public key it keeps; on the next update, when that changed, it logs
  in with the new key and removes the previous public key.

So a step's inputs never hold the old key and a finished rotation leaves nothing to do: the
next preview is a no-op. Public keys are derived with ``ssh-keygen -y``.
"""

import argparse
import os
import shlex
import subprocess
import sys
from pathlib import Path

from ssh_access import Target, add_target_arguments, private_key_file, require_ssh, say, ssh_argv, target_of

PREVIOUS_OUTPUT = "PULUMI_COMMAND_STDOUT"
COMMENT = "mke4k"
SCRIPT = "authorized_keys.sh"
FILES: dict[str, str] = globals().get("FILES", {})
"""Files of the runner frame (the loader sets them before this module runs)."""


def authorized_keys_script() -> str:
    """authorized_keys.sh: from the frame, or from the checkout when run from it."""
    if SCRIPT in FILES:
        return FILES[SCRIPT]
    return (Path(__file__).resolve().parents[1] / "scripts" / SCRIPT).read_text()


def public_key(label: str, key: Path) -> str:
    """``<type> <base64> mke4k`` of a private key file (``ssh-keygen -y``); exit 1 when it is not one."""
    done = subprocess.run(["ssh-keygen", "-y", "-f", str(key)], capture_output=True, text=True, check=False)
    words = done.stdout.split()
    if done.returncode != 0 or len(words) < 2:
        say(label, "error: ssh-keygen cannot read the SSH private key (is it an unencrypted OpenSSH or PEM key?).")
        raise SystemExit(1)
    return f"{words[0]} {words[1]} {COMMENT}"


def remote(target: Target, key: Path, script: str, inputs: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """Run ``script`` on ``target`` as the SSH user (``bash -s``, inputs as variables); stderr passes through."""
    assignments = " ".join(f"{name}={shlex.quote(value)}" for name, value in sorted(inputs.items()))
    return subprocess.run(
        ssh_argv(target, key, f"{assignments} bash -s"),
        input=script,
        stdout=subprocess.PIPE,
        text=True,
        check=False,
    )


def logs_in(target: Target, key: Path) -> bool:
    """Whether ``key`` opens a session on ``target``."""
    return subprocess.run(ssh_argv(target, key, "true"), capture_output=True, check=False).returncode == 0


def authorize(args: argparse.Namespace, target: Target, secret: str, previous: str, script: str) -> int:
    """Make ``secret`` open ``target`` (adding its public key over ``previous`` when the key changed); print it."""
    with private_key_file(secret) as key:
        new_public = public_key(args.label, key)
        if previous.strip() and previous.strip() != secret.strip():
            with private_key_file(previous) as old_key:
                added = remote(
                    target, old_key, script, {"ACTION": "add", "PUBLIC_KEY": new_public, "LABEL": args.label}
                )
            if added.returncode != 0:
                say(
                    args.label,
                    f"error: could not add the new SSH key on {target} with the previous key (see above); nothing "
                    "was changed. Fix: check that the previous key still logs in, then run 'pulumi up' again.",
                )
                return 1
        if not logs_in(target, key):
            say(
                args.label,
                f"error: {target} does not accept the configured SSH key. Fix: if the key was changed before this "
                "step had run once with the old one, add the new public key to the user's authorized_keys by "
                "hand (docs/operations.md, 'Rotate the SSH key'); otherwise check the user (mke4k:ssh.user).",
            )
            return 1
    if previous.strip() and previous.strip() != secret.strip():
        say(args.label, f"{target} accepts the new SSH key; the old one is removed once every machine accepts it")
    print(secret, end="" if secret.endswith("\n") else "\n")
    return 0


def retire(args: argparse.Namespace, target: Target, secret: str, previous: str, script: str) -> int:
    """Remove ``previous`` (the public key kept last time) from ``target`` when it is not ``secret``'s; print the kept one."""
    with private_key_file(secret) as key:
        keep = public_key(args.label, key)
        old = previous.strip()
        if old and old.split()[:2] != keep.split()[:2]:
            removed = remote(target, key, script, {"ACTION": "remove", "PUBLIC_KEY": old, "LABEL": args.label})
            if removed.returncode != 0:
                say(
                    args.label,
                    f"error: could not remove the old SSH key on {target} (see above). Fix: run 'pulumi up' again.",
                )
                return 1
    print(keep)
    return 0


def main(argv: list[str], secret: str) -> int:
    """Authorize or retire on one machine; ``secret`` is the configured SSH private key."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--label", required=True)
    add_target_arguments(parser)
    parser.add_argument("--action", choices=("authorize", "retire"), required=True)
    args = parser.parse_args(argv)
    require_ssh(args.label)
    script = authorized_keys_script()
    previous = os.environ.get(PREVIOUS_OUTPUT, "")
    action = authorize if args.action == "authorize" else retire
    return action(args, target_of(args), secret, previous, script)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:], sys.stdin.read()))
