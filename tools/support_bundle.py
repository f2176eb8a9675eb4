"""``make support-bundle STACK=<stack>``: collect what support needs from every node of a stack.

Logs in to each node of the stack (OpenSSH's ``ssh``, the stack's key in a 0600 file,
through the bastion when the node uses one: ``components/k0s/runner/ssh_access.py``) and
runs ``components/k0s/scripts/support_bundle.sh`` there as root (``sudo -n`` when the SSH
user is not root): ``k0s version``, ``k0s status``, the journal of ``k0scontroller`` and
``k0sworker`` (``--journal-lines``), every file of ``/etc/k0s``, the mke4k step logs of
``/var/log/mke4k``, and on the bootstrap controller ``k0s kubectl get nodes -o wide`` and
``get pods -A -o wide``. Every section is redacted here (``support_redaction.py``)
before it is written.

The nodes, the key and the bastion are the stack's outputs (``pulumi stack output
--show-secrets``); a stack that exports no ``nodes`` (it runs only the platform layer) is
followed to ``mke4k:layers.fromStack``. The bundle is a directory (0700, files 0600):
``README.txt`` (what was collected per node, what was removed), ``<node>/<section>.txt``,
and the same as ``<directory>.tar.gz`` (0600) to send.

Exit status: 0 every node collected; 2 the bundle was written but a node could not be
reached or its collection failed (named in README.txt and on stderr); 1 nothing was
collected (no stack outputs, no ssh, ...).
"""

from __future__ import annotations

import argparse
import concurrent.futures
import datetime
import json
import os
import secrets
import shlex
import subprocess
import sys
import tarfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

TOOLS = Path(__file__).resolve().parent
sys.path.insert(0, str(TOOLS))
sys.path.insert(0, str(TOOLS.parent / "components" / "k0s" / "runner"))

from ssh_access import Target, private_key_file, require_ssh, ssh_argv  # noqa: E402
from stack_cli import REPO, StackError, fail, outputs, pulumi  # noqa: E402
from support_redaction import redact, withheld  # noqa: E402

HOST_SCRIPT = TOOLS.parent / "components" / "k0s" / "scripts" / "support_bundle.sh"
TOOL = "make support-bundle"
FROM_STACK = "mke4k:layers"
MAX_HOPS = 3
"""How many ``mke4k:layers.fromStack`` links are followed to the stack that exports the nodes."""
DEFAULT_JOURNAL_LINES = 2000
DEFAULT_TIMEOUT_SECONDS = 180
PARALLEL = 8
"""Nodes collected at once."""
SSH_FAILED = 255
"""The exit status of ``ssh`` itself when it cannot connect or log in."""


@dataclass(frozen=True)
class BundleNode:
    """One node to collect from: its name, role and how to reach it."""

    name: str
    role: str
    target: Target
    cluster_view: bool


@dataclass(frozen=True)
class Inventory:
    """What the stack outputs say about its nodes."""

    stack: str
    """The stack whose outputs list the nodes (the given one, or the one it reads them from)."""
    nodes: list[BundleNode]
    private_key: str
    leader: str | None
    skipped: list[str] = field(default_factory=list)
    """Nodes marked gone: not contacted."""


@dataclass
class NodeResult:
    """What was collected on one node."""

    node: BundleNode
    sections: dict[str, str] = field(default_factory=dict)
    redactions: dict[str, int] = field(default_factory=dict)
    problem: str = ""


def from_stack(stack: str, cwd: Path) -> str:
    """``mke4k:layers.fromStack`` of ``stack`` ("" when not set)."""
    config = _json(pulumi(stack, "config", "--json", cwd=cwd))
    layers = config.get(FROM_STACK) or {}
    value = layers.get("objectValue")
    if value is None and isinstance(layers.get("value"), str):
        value = _json(layers["value"])
    return str((value or {}).get("fromStack") or "")


def _json(text: str) -> dict[str, Any]:
    """``text`` as a JSON object ({} when it is not one)."""
    try:
        value = json.loads(text or "{}")
    except json.JSONDecodeError:
        return {}
    return value if isinstance(value, dict) else {}


def target_of(item: dict[str, Any], bastion: dict[str, Any] | None) -> Target:
    """How to reach a node of the ``nodes`` output (through the bastion when it uses one)."""
    jump = None
    if item.get("useBastion") and bastion:
        jump = Target(str(bastion["address"]), int(bastion.get("port") or 22), str(bastion.get("user") or "root"))
    return Target(str(item["sshAddress"]), int(item.get("sshPort") or 22), str(item.get("sshUser") or "root"), jump)


def inventory(stack: str, cwd: Path) -> Inventory:
    """The nodes to collect from: the stack's ``nodes`` output, or that of the stack it reads them from."""
    current, leader = stack, None
    for _ in range(MAX_HOPS + 1):
        values = outputs(current, cwd, show_secrets=True)
        leader = leader or values.get("bootstrapController")
        if values.get("nodes"):
            break
        upstream = from_stack(current, cwd)
        if not upstream:
            raise StackError(
                f"stack '{current}' exports no 'nodes' and reads them from no other stack: it was never deployed, or "
                "its first 'pulumi up' stopped before the end (outputs are saved only then). Fix: run 'make up' "
                "once more so the outputs are saved, or collect by hand (docs/operations.md §12)"
            )
        current = upstream
    else:
        raise StackError(f"more than {MAX_HOPS} mke4k:layers.fromStack links from '{stack}' without 'nodes'")
    key = values.get("sshPrivateKey")
    if not isinstance(key, str) or not key.strip():
        raise StackError(f"stack '{current}' exports no 'sshPrivateKey'")
    bastion = values.get("bastion") if isinstance(values.get("bastion"), dict) else None
    live = [item for item in values["nodes"] if not item.get("gone")]
    if leader is None:
        leader = next((item["name"] for item in live if item.get("role") != "worker"), None)
    nodes = [
        BundleNode(str(item["name"]), str(item.get("role") or ""), target_of(item, bastion), item["name"] == leader)
        for item in live
    ]
    skipped = [str(item["name"]) for item in values["nodes"] if item.get("gone")]
    return Inventory(current, nodes, key, leader, skipped)


def remote_command(boundary: str, journal_lines: int, cluster_view: bool) -> str:
    """Run the script from stdin as root: directly, through ``sudo -n``, or (neither works) as the user."""
    args = shlex.join(["-s", "--", boundary, str(journal_lines), "true" if cluster_view else "false"])
    return (
        f'if [ "$(id -u)" -eq 0 ]; then exec bash {args}; '
        f"elif sudo -n true 2>/dev/null; then exec sudo -n bash {args}; "
        f"else exec bash {args}; fi"
    )


def split_sections(stdout: str, boundary: str) -> tuple[dict[str, str], bool]:
    """The sections of the host script's output, and whether it reached its end."""
    sections: dict[str, str] = {}
    name, lines, complete = None, [], False
    for line in stdout.splitlines(keepends=True):
        if line.startswith(boundary + " "):
            if name is not None:
                sections[name] = "".join(lines)
            name, lines = line[len(boundary) + 1 :].strip(), []
            if name == "end":
                complete, name = True, None
        elif name is not None:
            lines.append(line)
    if name is not None:
        sections[name] = "".join(lines)
    return sections, complete


def collect(node: BundleNode, key: Path, journal_lines: int, timeout: float, known: list[str]) -> NodeResult:
    """Run the host script on ``node``; its sections, redacted, or what went wrong."""
    result = NodeResult(node)
    boundary = "mke4k-bundle-" + secrets.token_hex(12)
    try:
        done = subprocess.run(
            ssh_argv(node.target, key, remote_command(boundary, journal_lines, node.cluster_view)),
            input=HOST_SCRIPT.read_bytes(),
            capture_output=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired:
        result.problem = f"no answer within {timeout:.0f}s (--timeout)"
        return result
    stderr = redact(done.stderr.decode(errors="replace"), known).text.strip()
    sections, complete = split_sections(done.stdout.decode(errors="replace"), boundary)
    if done.returncode == SSH_FAILED or not sections:
        result.problem = f"unreachable: ssh exit {done.returncode}: {stderr or 'no output'}"
        return result
    if done.returncode != 0 or not complete:
        result.problem = f"collection stopped early (exit {done.returncode}): {stderr or 'no error message'}"
    for name, text in sections.items():
        if withheld(name):
            cleaned = f"<withheld: {name} is named like a key or a token; {len(text.encode())} bytes not collected>\n"
            result.sections[name], result.redactions[name] = cleaned, 1
            continue
        cleaned_text = redact(text, known)
        result.sections[name], result.redactions[name] = cleaned_text.text, cleaned_text.count
    return result


def write_private(path: Path, text: str) -> None:
    """``text`` in a new 0600 file (its directories 0700)."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as file:
        file.write(text)


def section_file(name: str) -> str:
    """``etc-k0s/containerd.d/x.toml`` -> ``etc-k0s/containerd.d/x.toml.txt``, no way out of the node's folder."""
    parts = [part for part in name.split("/") if part not in ("", ".", "..")]
    return "/".join(parts or ["unnamed"]) + ".txt"


def summary(inventory: Inventory, results: list[NodeResult], stack: str, when: datetime.datetime) -> str:
    """README.txt: what the bundle holds, per node, and what was removed."""
    lines = [
        f"mke4k support bundle of stack '{stack}', collected {when:%Y-%m-%dT%H:%M:%SZ} UTC",
        f"nodes from the outputs of stack '{inventory.stack}'; cluster view (kubectl) from {inventory.leader or 'none'}",
        "secrets removed before writing: private keys, tokens, passwords, credentials (<redacted>); see",
        "docs/operations.md §12 'Collect a support bundle'",
        "",
    ]
    for result in results:
        node = result.node
        state = f"PROBLEM: {result.problem}" if result.problem else "collected"
        lines.append(f"{node.name} ({node.role}, {node.target}): {state}")
        for name in result.sections:
            removed = result.redactions.get(name, 0)
            lines.append(f"  {section_file(name)}" + (f"  ({removed} redacted)" if removed else ""))
    lines += [f"{name}: marked gone, not contacted" for name in inventory.skipped]
    return "\n".join(lines) + "\n"


def write_bundle(directory: Path, inventory: Inventory, results: list[NodeResult], stack: str) -> Path:
    """The bundle directory (0700, files 0600) and its tar.gz (0600); the archive's path."""
    when = datetime.datetime.now(datetime.UTC)
    umask = os.umask(0o077)  # every directory made below (section paths have folders) is 0700
    try:
        return _write(directory, inventory, results, summary(inventory, results, stack, when))
    finally:
        os.umask(umask)


def _write(directory: Path, inventory: Inventory, results: list[NodeResult], readme: str) -> Path:
    directory.mkdir(mode=0o700, parents=True)
    directory.chmod(0o700)
    write_private(directory / "README.txt", readme)
    for result in results:
        folder = directory / result.node.name
        folder.mkdir(mode=0o700)
        if result.problem:
            write_private(folder / "PROBLEM.txt", result.problem + "\n")
        for name, text in result.sections.items():
            write_private(folder / section_file(name), text)
    archive = directory.with_name(directory.name + ".tar.gz")
    descriptor = os.open(archive, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as file, tarfile.open(fileobj=file, mode="w:gz") as tar:
        tar.add(directory, arcname=directory.name)
    return archive


def default_directory(stack: str) -> Path:
    """``./support-bundle-<stack>-<UTC yyyymmddThhmmssZ>``."""
    when = datetime.datetime.now(datetime.UTC)
    return Path.cwd() / f"support-bundle-{stack.replace('/', '_')}-{when:%Y%m%dT%H%M%SZ}"


def main(argv: list[str] | None = None) -> int:
    """Collect from every node of ``--stack``; print where the bundle is."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--stack", required=True)
    parser.add_argument("--cwd", type=Path, default=REPO, help="the Pulumi project directory")
    parser.add_argument("--output", type=Path, help="the bundle directory (default ./support-bundle-<stack>-<UTC>)")
    parser.add_argument("--journal-lines", type=int, default=DEFAULT_JOURNAL_LINES, help="journal lines per node")
    parser.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT_SECONDS, help="seconds per node")
    args = parser.parse_args(argv)
    if args.journal_lines < 1 or args.timeout <= 0:
        fail(TOOL, "--journal-lines and --timeout must be positive")
    directory = (args.output or default_directory(args.stack)).absolute()
    if directory.exists() or directory.with_name(directory.name + ".tar.gz").exists():
        fail(TOOL, f"{directory} (or its .tar.gz) already exists. Fix: remove it or name another --output")
    require_ssh(TOOL.replace("make ", ""))
    try:
        found = inventory(args.stack, args.cwd)
    except StackError as error:
        fail(TOOL, str(error))
    known = [found.private_key]
    with private_key_file(found.private_key) as key, concurrent.futures.ThreadPoolExecutor(PARALLEL) as pool:
        results = list(pool.map(lambda node: collect(node, key, args.journal_lines, args.timeout, known), found.nodes))
    archive = write_bundle(directory, found, results, args.stack)
    for result in results:
        if result.problem:
            print(f"{TOOL}: warning: {result.node.name}: {result.problem}", file=sys.stderr)
    print(f"{TOOL}: {directory}/ and {archive} (0600): send the .tar.gz; README.txt lists what is in it")
    return 2 if any(result.problem for result in results) else 0


if __name__ == "__main__":
    sys.exit(main())
