"""Which release and layers a stack runs, and where the layers it does not run come from."""

from __future__ import annotations

from collections.abc import Iterable

from components.release_matrix import load_matrix

from ..errors import Issue
from ..root import LAYER_ORDER, Settings
from .base import Context, hosts_source


def mke_release(s: Settings, _: Context) -> Iterable[Issue]:
    """mke4k:version names a release of the release matrix."""
    matrix = load_matrix()
    if s.version.removeprefix("v") not in matrix.releases:
        known = ", ".join(sorted(matrix.releases))
        yield Issue("version", f"unknown MKE release '{s.version}'.", f"use one of: {known}.")


def layer_list(s: Settings, _: Context) -> Iterable[Issue]:
    """layers.run lists at least one layer, each once, with none skipped in between."""
    run = s.layers.run
    if not run:
        yield Issue("layers.run", "no layer to run.", "list at least one of hosts, k0s, platform.")
        return
    if len(set(run)) != len(run):
        yield Issue("layers.run", f"{run} lists a layer twice.", "list each layer once.")
    indexes = sorted(LAYER_ORDER.index(layer) for layer in set(run))
    if indexes != list(range(indexes[0], indexes[-1] + 1)):
        yield Issue(
            "layers.run",
            f"{run} skips a layer in between.",
            "run a contiguous set (e.g. [hosts, k0s] or [k0s, platform]); each layer needs the one below.",
        )


def lower_layers_source(s: Settings, _: Context) -> Iterable[Issue]:
    """The layers a stack does not run, and the stack hosts source, name the stack to read (layers.fromStack)."""
    run = s.layers.run
    if not run:
        return
    lowest = min(LAYER_ORDER.index(layer) for layer in run)
    if lowest > 0 and not s.layers.from_stack:
        missing = ", ".join(LAYER_ORDER[:lowest])
        yield Issue(
            "layers.fromStack",
            f"this stack does not run the {missing} layer(s) and names no stack to read them from.",
            "set mke4k:layers.fromStack to the stack that runs them (org/project/stack), or add them to layers.run.",
        )
    elif s.runs("hosts") and s.hosts.source == "stack" and not s.layers.from_stack:
        yield Issue(
            "hosts.source",
            "source 'stack' reads the machines from another stack, but none is named.",
            "set mke4k:layers.fromStack.",
        )
    if s.runs("hosts") and s.hosts.source is None and not s.mke4_config_file:
        yield Issue("hosts.source", "no source for the machines.", "set it to aws, static or stack.")


def mke4_file_supplies_hosts(s: Settings, context: Context) -> Iterable[Issue]:
    """An mke4ConfigFile is refused on a stack whose hosts do not come from it (it would be silently ignored)."""
    if not s.mke4_config_file:
        return
    drop = "or drop mke4k:mke4ConfigFile (and copy the apiServer/network settings you need into the stack)."
    if not s.runs("hosts"):
        yield Issue(
            "mke4ConfigFile",
            f"this stack does not run the hosts layer, so the hosts of '{s.mke4_config_file}' would be ignored.",
            "set mke4k:mke4ConfigFile in the stack that runs the hosts layer, " + drop.removeprefix("or "),
        )
    elif hosts_source(s) != "static":
        yield Issue(
            "hosts.source",
            f"is '{hosts_source(s)}', so the hosts of '{s.mke4_config_file}' would be ignored.",
            f"remove mke4k:hosts.source to take the machines from the file, {drop}",
        )
    elif "hosts.static.hosts" not in context.origins:
        yield Issue(
            "hosts.static.hosts",
            f"the stack lists its own hosts, so the hosts of '{s.mke4_config_file}' would be ignored.",
            f"remove mke4k:hosts.static.hosts to take the machines from the file, {drop}",
        )


def cross_stack_lists(s: Settings, _: Context) -> Iterable[Issue]:
    """layers.usedBy is for a machines stack; hosts.stack.gone/exclude for a stack that reads one, disjoint."""
    if s.layers.used_by and not (s.runs("hosts") and not s.runs("k0s")):
        yield Issue(
            "layers.usedBy",
            "names the stacks that build a cluster on this stack's machines, but this stack "
            + ("runs the k0s layer itself." if s.runs("k0s") else "does not run the hosts layer."),
            "set it only on a machines stack (layers.run: [hosts]); remove it here.",
        )
    for name in s.layers.used_by:
        if not name.strip() or any(ch.isspace() for ch in name):
            yield Issue("layers.usedBy", f"'{name}' is not a stack name.", "write it as org/project/stack.")
    stack = s.hosts.stack
    if hosts_source(s) != "stack":
        for key, names in (("hosts.stack.gone", stack.gone), ("hosts.stack.exclude", stack.exclude)):
            if names:
                yield Issue(
                    key,
                    f"lists {', '.join(names)}, but this stack's machines do not come from another stack.",
                    "remove it; mark a machine of this stack gone with its own setting "
                    "(hosts.static.hosts[].gone, hosts.aws.gone).",
                )
    for name in sorted(set(stack.gone) & set(stack.exclude)):
        yield Issue(
            "hosts.stack.exclude",
            f"'{name}' is also in hosts.stack.gone.",
            "list a node in one of them: exclude for a machine that still answers (it is reset), gone for a dead one.",
        )


RULES = (mke_release, layer_list, lower_layers_source, mke4_file_supplies_hosts, cross_stack_lists)
