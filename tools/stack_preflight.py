"""``make preview`` / ``make up`` preflight for a stack: plugins, and how many steps to run at once.

``plugins STACK``: without a plugin the engine would fail deep inside the program with a
long gRPC traceback (or, offline, try to download it and fail). This says in one sentence
what is missing and what to do, and exits 1; it also says when the command provider
installed is mke4k's TEST STAND-IN (``tools/command-standin``), which previews faithfully
but is not meant for ``pulumi up``.

``parallel STACK``: prints the ``--parallel`` for the stack's size (see
:func:`deploy_parallelism`).

    python tools/stack_preflight.py plugins|parallel STACK     # reads Pulumi.<STACK>.yaml
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
STANDIN_MARKER = ".standin-stamp"
"""File tools/command-standin/build.sh leaves in the plugin directory it installs."""


def needed_plugins(config: dict) -> dict[str, str]:
    """Resource plugin name -> version (the Python SDK pin) a stack config needs."""
    mke4k = {key.split(":", 1)[1]: value for key, value in config.items() if key.startswith("mke4k:")}
    layers = (mke4k.get("layers") or {}).get("run") or ["hosts", "k0s", "platform"]
    hosts = mke4k.get("hosts") or {}
    needed = {"command": metadata.version("pulumi-command")}
    if "platform" in layers:
        needed["kubernetes"] = metadata.version("pulumi-kubernetes")
    if "hosts" in layers and hosts.get("source") == "aws":
        needed["aws"] = metadata.version("pulumi-aws")
        if not (hosts.get("aws") or {}).get("publicKey"):
            needed["tls"] = metadata.version("pulumi-tls")
    return needed


def installed_plugins() -> dict[str, set[str]]:
    """Installed resource plugins, name -> versions, from ``pulumi plugin ls``."""
    listing = subprocess.run(["pulumi", "plugin", "ls", "--json"], capture_output=True, text=True, check=False)
    found: dict[str, set[str]] = {}
    for plugin in json.loads(listing.stdout or "[]") or []:
        if plugin.get("kind") == "resource":
            found.setdefault(plugin["name"], set()).add(str(plugin.get("version", "")).removeprefix("v"))
    return found


def plugin_dir(name: str, version: str) -> Path:
    """Where the engine keeps resource plugin ``name`` ``version`` ($PULUMI_HOME/plugins)."""
    home = Path(os.environ.get("PULUMI_HOME") or Path.home() / ".pulumi")
    return home / "plugins" / f"resource-{name}-v{version}"


def missing_sentence(stack: str, needed: dict[str, str], installed: dict[str, set[str]]) -> str | None:
    """One sentence naming every missing plugin and the fix; None when nothing is missing."""
    missing = {name: version for name, version in sorted(needed.items()) if version not in installed.get(name, set())}
    if not missing:
        return None
    names = " and ".join(f"{name} {version}" for name, version in missing.items())
    installs = "; ".join(f"pulumi plugin install resource {name} {version}" for name, version in missing.items())
    offline = "make engine builds only the kubernetes provider" if set(missing) - {"kubernetes"} else "run make engine"
    return (
        f"stack '{stack}' needs the Pulumi {names} provider(s), not installed here. Fix: `{installs}` on a machine "
        f"that reaches get.pulumi.com (offline, {offline}; README 'Offline previews' says which stacks preview "
        "without them)."
    )


def node_count(config: dict, base_dir: Path) -> int | None:
    """Machines the stack deploys (None when they come from another stack)."""
    mke4k = {key.split(":", 1)[1]: value for key, value in config.items() if key.startswith("mke4k:")}
    hosts = mke4k.get("hosts") or {}
    if hosts.get("source") == "aws":
        aws = hosts.get("aws") or {}
        return int((aws.get("controllers") or {}).get("count", 1)) + int((aws.get("workers") or {}).get("count", 1))
    if (hosts.get("static") or {}).get("hosts"):
        return len(hosts["static"]["hosts"])
    if mke4k.get("mke4ConfigFile"):
        document = yaml.safe_load((base_dir / mke4k["mke4ConfigFile"]).read_text()) or {}
        return len((document.get("spec") or {}).get("hosts") or [])
    return None


def deploy_parallelism(nodes: int | None, cpus: int) -> int:
    """Steps Pulumi may run at once: every node's chain plus the leader's step for it, and the platform.

    Pulumi's own default is 4 x CPUs (8 on a 2-CPU runner), which queues the per-node steps of
    a large cluster behind each other (README, Benchmarks). Most steps wait on a remote host,
    not on the runner's CPU, so the limit follows the cluster: 2 per node + 8, at least
    Pulumi's default; 64 when the machines come from another stack.
    """
    default = 4 * cpus
    if nodes is None:
        return max(default, 64)
    return max(default, 2 * nodes + 8)


def main(argv: list[str]) -> int:
    """``plugins STACK``: exit 1 naming what is missing; ``parallel STACK``: print the parallelism."""
    if len(argv) != 2 or argv[0] not in ("plugins", "parallel"):
        print(__doc__.strip().splitlines()[-1], file=sys.stderr)
        return 2
    what, stack = argv
    stack_file = REPO / f"Pulumi.{stack}.yaml"
    if not stack_file.is_file():
        print(f"make: {stack_file.name} not found. Fix: STACK=<name> of a Pulumi.<name>.yaml here.", file=sys.stderr)
        return 1
    config = (yaml.safe_load(stack_file.read_text()) or {}).get("config") or {}
    if what == "parallel":
        print(deploy_parallelism(node_count(config, REPO), os.cpu_count() or 1))
        return 0
    needed = needed_plugins(config)
    missing = missing_sentence(stack, needed, installed_plugins())
    if missing:
        print(f"make: {missing}", file=sys.stderr)
        return 1
    if (plugin_dir("command", needed["command"]) / STANDIN_MARKER).exists():
        print(
            "make: note: the command provider installed here is mke4k's TEST STAND-IN (tools/command-standin): "
            "a preview with it is faithful (nothing runs), but use the real provider for `pulumi up`.",
            file=sys.stderr,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
