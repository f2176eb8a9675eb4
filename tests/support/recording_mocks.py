"""Pulumi mocks that RECORD the resource graph, for program tests.

API
---
``run_program(fn, *, command_stdout=None, resource_outputs=None, config=None,
project="mke4k", stack="test", preview=False) -> Recording``
    Installs fresh mocks and a recording monitor (``pulumi.runtime.set_mocks(...,
    monitor=...)``), resets the root stack, runs ``fn()`` (which builds components),
    waits for every registration and Output, and returns the :class:`Recording`.
    Safe to call many times in one pytest process. Exceptions raised by ``fn`` (or
    inside its Outputs) propagate.

    * ``command_stdout``: ``{resource name: stdout}`` for ``command:remote:Command``
      and ``command:local:Command`` (default stdout ``""``).
    * ``resource_outputs``: ``{resource name: {output: value}}`` merged into any
      resource's outputs (the default echoes the inputs, like Pulumi's mocks).
    * ``config``: ``{"project:key": "value"}`` stack config (strings, as Pulumi stores them).
    * ``mocks_class``: a :class:`RecordingMocks` subclass answering invokes or giving
      cloud resources plausible outputs (e.g. the AWS mocks of the hosts tests).

``Recording``
    ``resources`` (registration order), ``by_type(token)``, ``by_name(name,
    type_token=None)`` (exactly one, else AssertionError; a component and its main
    child may share a name, pass the type then), ``find(name, type_token=None)`` (or
    None), ``by_urn(urn)``,
    ``children(res)``, ``descendants(res)``, ``depends_on(a, b)``,
    ``secret_leaks(plaintext)``.

``RecordedResource`` (one registration)
    ``type``, ``name``, ``urn``, ``parent`` (URN or None), ``custom``, ``id``;
    ``inputs`` / ``outputs`` (plain Python values, secrets unwrapped) with
    ``secret_inputs`` / ``secret_outputs`` (frozensets of paths such as
    ``"stringData"`` or ``"repositoryOpts.password"``; Pulumi marks the smallest
    enclosing object or list), ``is_secret_input(path)``; ``dependencies`` (URNs
    from ``depends_on`` and Output inputs; component dependencies are already
    expanded to their custom children by the SDK); ``property_dependencies``;
    ``provider`` (provider URN or None) and ``provider_ref`` (``urn::id``);
    ``deleted_with`` (URN or None); ``delete_before_replace`` (None when unset);
    ``additional_secret_outputs``, ``ignore_changes``, ``replace_on_changes``,
    ``protect``, ``retain_on_delete``.

``depends_on(a, b)`` semantics
    ``a`` and ``b`` are resources (or names). Each is resolved to its custom
    resources: itself if custom, else its custom descendants. True when EVERY custom
    resource of ``a`` reaches SOME custom resource of ``b`` through dependency edges,
    followed transitively. Edges: ``dependencies`` and the resource's provider (the
    engine creates a provider before the resources that use it). Parent/child
    containment is not an ordering edge (Pulumi does not make children wait for their
    parent's ``depends_on``), it is only used to resolve components.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pulumi
from pulumi.runtime import mocks as pulumi_mocks
from pulumi.runtime import rpc, settings
from pulumi.runtime.stack import run_pulumi_func
from pulumi.runtime.sync_await import _sync_await

COMMAND_TYPES = ("command:remote:Command", "command:local:Command")


def _unwrap(value: Any, path: str, secret_paths: set[str]) -> Any:
    """Return ``value`` with RPC secret markers removed, collecting the marked paths."""
    if rpc.is_rpc_secret(value):
        secret_paths.add(path)
        return _unwrap(rpc.unwrap_rpc_secret(value), path, secret_paths)
    if isinstance(value, Mapping):
        return {k: _unwrap(v, f"{path}.{k}" if path else str(k), secret_paths) for k, v in value.items()}
    if isinstance(value, list):
        return [_unwrap(v, f"{path}[{i}]", secret_paths) for i, v in enumerate(value)]
    return value


def _plain(value: Any) -> tuple[Any, frozenset[str]]:
    """Unwrap a deserialized property bag into (plain value, secret paths)."""
    paths: set[str] = set()
    plain = _unwrap(value, "", paths)
    return plain, frozenset(paths)


def _walk_strings(value: Any, path: str = "") -> Iterable[tuple[str, str]]:
    """Yield ``(path, string)`` for every string leaf (dict keys included)."""
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, Mapping):
        for k, v in value.items():
            child = f"{path}.{k}" if path else str(k)
            yield child, str(k)
            yield from _walk_strings(v, child)
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _walk_strings(v, f"{path}[{i}]")


def _covered(path: str, secret_paths: frozenset[str]) -> bool:
    """True when ``path`` or one of its ancestors is marked secret (``""`` = the whole bag)."""
    if "" in secret_paths:
        return True
    return any(path == p or path.startswith((p + ".", p + "[")) for p in secret_paths)


@dataclass
class RecordedResource:
    """One ``RegisterResource`` call, with inputs, options and the mock's outputs."""

    type: str
    name: str
    urn: str
    parent: str | None
    custom: bool
    id: str | None
    inputs: dict[str, Any]
    secret_inputs: frozenset[str]
    dependencies: tuple[str, ...]
    property_dependencies: dict[str, tuple[str, ...]]
    provider_ref: str | None
    deleted_with: str | None
    delete_before_replace: bool | None
    additional_secret_outputs: tuple[str, ...]
    ignore_changes: tuple[str, ...]
    replace_on_changes: tuple[str, ...]
    protect: bool
    retain_on_delete: bool
    outputs: dict[str, Any] = field(default_factory=dict)
    secret_outputs: frozenset[str] = frozenset()

    @property
    def provider(self) -> str | None:
        """URN of the explicit provider (``provider_ref`` without its ``::id``)."""
        return self.provider_ref.rsplit("::", 1)[0] if self.provider_ref else None

    def is_secret_input(self, path: str) -> bool:
        """True when the input at ``path`` (or an enclosing value) is secret."""
        return _covered(path, self.secret_inputs)

    def is_secret_output(self, path: str) -> bool:
        """True when the output at ``path`` (or an enclosing value) is secret."""
        return _covered(path, self.secret_outputs)


class Recording:
    """All resources registered by one :func:`run_program` call, with graph queries."""

    def __init__(self) -> None:
        """Start empty."""
        self.resources: list[RecordedResource] = []
        self._by_urn: dict[str, RecordedResource] = {}

    def add(self, resource: RecordedResource) -> None:
        """Record one registration."""
        self.resources.append(resource)
        self._by_urn[resource.urn] = resource

    def by_urn(self, urn: str) -> RecordedResource:
        """The resource with this URN."""
        return self._by_urn[urn]

    def by_type(self, type_token: str) -> list[RecordedResource]:
        """All resources of a type token (e.g. ``kubernetes:helm.sh/v3:Release``)."""
        return [r for r in self.resources if r.type == type_token]

    def find(self, name: str, type_token: str | None = None) -> RecordedResource | None:
        """The single resource called ``name`` (optionally of ``type_token``), or None."""
        found = [r for r in self.resources if r.name == name and type_token in (None, r.type)]
        if len(found) > 1:
            raise AssertionError(f"{len(found)} resources are named {name!r}: {[r.type for r in found]}")
        return found[0] if found else None

    def by_name(self, name: str, type_token: str | None = None) -> RecordedResource:
        """The single resource called ``name`` (optionally of ``type_token``); AssertionError if absent or ambiguous."""
        found = self.find(name, type_token)
        if found is None:
            raise AssertionError(f"no resource named {name!r}; have {sorted(r.name for r in self.resources)}")
        return found

    def children(self, resource: RecordedResource | str) -> list[RecordedResource]:
        """Direct children of a resource."""
        urn = self._resolve(resource).urn
        return [r for r in self.resources if r.parent == urn]

    def descendants(self, resource: RecordedResource | str) -> list[RecordedResource]:
        """All resources below ``resource`` in the parent tree."""
        out: list[RecordedResource] = []
        queue = self.children(resource)
        while queue:
            current = queue.pop(0)
            out.append(current)
            queue.extend(self.children(current))
        return out

    def _resolve(self, resource: RecordedResource | str) -> RecordedResource:
        return self.by_name(resource) if isinstance(resource, str) else resource

    def _customs(self, resource: RecordedResource | str) -> list[RecordedResource]:
        res = self._resolve(resource)
        if res.custom:
            return [res]
        return [d for d in self.descendants(res) if d.custom]

    def _edges(self, resource: RecordedResource) -> list[str]:
        edges = list(resource.dependencies)
        if resource.provider:
            edges.append(resource.provider)
        return edges

    def reachable(self, resource: RecordedResource | str) -> set[str]:
        """URNs reachable from ``resource`` through dependency and provider edges."""
        seen: set[str] = set()
        queue = list(self._edges(self._resolve(resource)))
        while queue:
            urn = queue.pop()
            if urn in seen:
                continue
            seen.add(urn)
            if urn in self._by_urn:
                queue.extend(self._edges(self._by_urn[urn]))
        return seen

    def depends_on(self, a: RecordedResource | str, b: RecordedResource | str) -> bool:
        """True when every custom resource of ``a`` transitively depends on some custom resource of ``b``."""
        sources = self._customs(a)
        targets = {r.urn for r in self._customs(b)}
        if not sources or not targets:
            return False
        return all(self.reachable(src) & targets for src in sources)

    def secret_leaks(self, plaintext: str) -> list[str]:
        """Places where ``plaintext`` appears in a NON-secret input or output (``name:inputs.path``)."""
        leaks: list[str] = []
        for res in self.resources:
            for where, bag, secrets in (
                ("inputs", res.inputs, res.secret_inputs),
                ("outputs", res.outputs, res.secret_outputs),
            ):
                for path, text in _walk_strings(bag):
                    if plaintext in text and not _covered(path, secrets):
                        leaks.append(f"{res.name}:{where}.{path}")
        return leaks


class RecordingMocks(pulumi.runtime.Mocks):
    """Mocks that echo inputs, with plausible outputs for commands and providers."""

    def __init__(
        self,
        command_stdout: Mapping[str, str] | None = None,
        resource_outputs: Mapping[str, Mapping[str, Any]] | None = None,
    ) -> None:
        """Remember the per-name stubs."""
        self.command_stdout = dict(command_stdout or {})
        self.resource_outputs = {k: dict(v) for k, v in (resource_outputs or {}).items()}

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str | None, dict[str, Any]]:
        """Echo inputs; add ``stdout``/``stderr`` for commands; apply per-name stubs."""
        state: dict[str, Any] = dict(args.inputs)
        if args.typ in COMMAND_TYPES:
            state["stdout"] = self.command_stdout.get(args.name, "")
            state["stderr"] = ""
        elif args.typ.startswith("pulumi:providers:"):
            state.setdefault("version", "0.0.0-mock")
        elif args.typ == "pulumi:pulumi:StackReference":
            state.setdefault("outputs", {})  # a stack with no outputs yet (e.g. never deployed)
        elif args.typ == "kubernetes:helm.sh/v3:Release":
            state.setdefault(
                "status",
                {
                    "status": "deployed",
                    "revision": 1,
                    "name": state.get("name", args.name),
                },
            )
        state.update(self.resource_outputs.get(args.name, {}))
        return f"{args.name}-id", state

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict[str, Any], list[tuple[str, str]]]:
        """Provider functions answer empty (subclasses answer the invokes they know)."""
        return {}, []


class RecordingMonitor(pulumi_mocks.MockMonitor):
    """A MockMonitor that records every RegisterResource request into a :class:`Recording`."""

    def __init__(self, mocks: RecordingMocks, recording: Recording) -> None:
        """Wrap ``mocks`` and write into ``recording``."""
        super().__init__(mocks)
        self.recording = recording

    def RegisterResource(self, request: Any) -> Any:
        """Delegate to the stock mock monitor, then record the request and the outputs."""
        response = super().RegisterResource(request)
        if request.type == "pulumi:pulumi:Stack":
            return response
        if request.additionalSecretOutputs:
            response = self._mark_secret(response, request.additionalSecretOutputs)
        inputs, secret_inputs = _plain(rpc.deserialize_properties(request.object))
        outputs, secret_outputs = _plain(rpc.deserialize_properties(response.object))
        self.recording.add(
            RecordedResource(
                type=request.type,
                name=request.name,
                urn=response.urn,
                parent=request.parent or None,
                custom=bool(request.custom),
                id=response.id or None,
                inputs=inputs,
                secret_inputs=secret_inputs,
                dependencies=tuple(request.dependencies),
                property_dependencies={k: tuple(v.urns) for k, v in request.propertyDependencies.items()},
                provider_ref=request.provider or None,
                deleted_with=request.deletedWith or None,
                delete_before_replace=request.deleteBeforeReplace if request.deleteBeforeReplaceDefined else None,
                additional_secret_outputs=tuple(request.additionalSecretOutputs),
                ignore_changes=tuple(request.ignoreChanges),
                replace_on_changes=tuple(request.replaceOnChanges),
                protect=bool(request.protect),
                retain_on_delete=bool(request.retainOnDelete),
                outputs=outputs,
                secret_outputs=secret_outputs,
            )
        )
        return response

    @staticmethod
    def _mark_secret(response: Any, names: Iterable[str]) -> Any:
        """Make the named outputs secret, as the engine does for ``additional_secret_outputs``."""
        state = rpc.deserialize_properties(response.object)
        for name in names:
            if name in state and not rpc.is_rpc_secret(state[name]):
                state[name] = {rpc._special_sig_key: rpc._special_secret_sig, "value": state[name]}
        response.object.CopyFrom(_sync_await(rpc.serialize_properties(state, {})))
        return response


def run_program(
    fn: Callable[[], Any],
    *,
    command_stdout: Mapping[str, str] | None = None,
    resource_outputs: Mapping[str, Mapping[str, Any]] | None = None,
    config: Mapping[str, str] | None = None,
    project: str = "mke4k",
    stack: str = "test",
    preview: bool = False,
    mocks_class: type[RecordingMocks] = RecordingMocks,
) -> Recording:
    """Run ``fn`` under recording mocks and return what it registered (see module docstring)."""
    recording = Recording()
    mocks = mocks_class(command_stdout, resource_outputs)
    monitor = RecordingMonitor(mocks, recording)
    # Fresh runtime state: no root stack, no leftover RPCs/outputs, fresh config.
    settings.ROOT.set(None)
    pulumi.runtime.set_all_config(dict(config or {}), secret_keys=[])
    pulumi.runtime.set_mocks(mocks, project=project, stack=stack, preview=preview, monitor=monitor)
    settings.SETTINGS.rpc_manager.clear()
    settings.SETTINGS.outputs.clear()

    def program() -> None:
        fn()

    _sync_await(run_pulumi_func(program))
    return recording
