"""The registry configuration of k0s's bundled containerd (pure): mirror, CA, credentials.

Format, per source:

* k0s v1.32 and v1.35 bundle containerd 1.7 (k0s ``embedded-bins/Makefile.variables``:
  ``containerd_version = 1.7.30`` at v1.32.11; containerd 2 arrives with k0s 1.36, k0s
  issue #7178). containerd 1.7 reads config ``version = 2`` and the CRI plugin
  ``io.containerd.grpc.v1.cri``; registry hosts are configured with ``config_path`` and
  one ``hosts.toml`` per registry namespace (containerd ``docs/hosts.md``; the
  ``registry.mirrors``/``configs`` tables are deprecated).
* k0s reads drop-ins ``/etc/k0s/containerd.d/*.toml``; one with a CRI plugin section is
  merged into k0s's generated CRI config (``/run/k0s/containerd-cri.toml``, written
  **0644**), others are imported as they are (k0s ``docs/runtime.md``, "Configuring OCI
  registry mirrors", and ``pkg/component/worker/containerd``). k0s watches that folder
  (not its subfolders) and reloads containerd when a file there changes.

So the drop-in holds only ``config_path`` (no secret may go into a file k0s copies
world-readable), and everything else lives in the hosts folder, which containerd reads
on every pull (no restart on a CA or credential rotation):

* ``certs.d/<mirror host>/hosts.toml``: images named with the mirror (what the program
  renders) - its CA and, with credentials, an ``Authorization: Basic`` header;
* ``certs.d/<public registry>/hosts.toml`` for each mirrored registry: the mirror as the
  first host, with ``override_path`` so ``quay.io/a/b`` is fetched from
  ``<mirror>/a/b`` (the same rule as :func:`components.image_refs.mirror_reference`).
  The upstream stays the ``server``: containerd tries it only when the mirror lacks an
  image, which fails in an airgap (the registry preflight makes sure nothing is missing);
* ``certs.d/<mirror host>/ca.crt``: the CA bundle.

Credentials are never in this module's output: the header value is the placeholder
:data:`AUTH_PLACEHOLDER`, which ``configure_registry.sh`` replaces with the token it reads
from stdin. The registry must accept HTTP Basic authentication on its v2 API
(distribution with htpasswd, Harbor, Artifactory, Nexus do); a registry that only
accepts bearer tokens needs its images pulled anonymously.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Sequence
from dataclasses import dataclass

from components.image_refs import split_host

CONTAINERD_DROPIN_DIR = "/etc/k0s/containerd.d"
HOSTS_DIR = f"{CONTAINERD_DROPIN_DIR}/certs.d"
DROPIN_FILE = f"{CONTAINERD_DROPIN_DIR}/mke4k-registry.toml"
CRI_PLUGIN = "io.containerd.grpc.v1.cri"
"""The CRI plugin of containerd config version 2 (containerd 1.6/1.7, k0s <= 1.35)."""
AUTH_PLACEHOLDER = "@MKE4K_REGISTRY_AUTH@"
FILE_MODE = 0o600


@dataclass(frozen=True)
class RegistryFile:
    """One file the nodes get: absolute path, text, mode."""

    path: str
    content: str
    mode: int = FILE_MODE


def _toml_string(value: str) -> str:
    """A TOML basic string (JSON's string escapes are valid TOML)."""
    return json.dumps(value)


def _host_block(url: str, fields: dict[str, str], header: str | None) -> list[str]:
    lines = [f"[host.{_toml_string(url)}]"]
    lines += [f"  {key} = {value}" for key, value in fields.items()]
    if header is not None:
        lines += [f"  [host.{_toml_string(url)}.header]", f"    Authorization = {_toml_string(header)}"]
    return lines


def render_registry_files(
    *,
    image_registry: str,
    mirrored_registries: Sequence[str],
    ca_pem: str | None,
    with_credentials: bool,
) -> list[RegistryFile]:
    """The files that make containerd pull through ``image_registry`` (``host[:port][/path]``).

    ``mirrored_registries`` are the public registries redirected to the mirror;
    ``ca_pem`` is the CA bundle the mirror's certificate chains to (None: the system
    trust store); ``with_credentials`` adds the Basic header (value: the placeholder).
    """
    mirror_host, mirror_path = split_host(image_registry.rstrip("/"))
    if mirror_host is None:
        raise ValueError(f"'{image_registry}' names no registry host (host[:port][/path])")
    mirror_dir = f"{HOSTS_DIR}/{mirror_host}"
    ca_path = f"{mirror_dir}/ca.crt"
    header = f"Basic {AUTH_PLACEHOLDER}" if with_credentials else None
    files = []
    if ca_pem:
        files.append(RegistryFile(ca_path, ca_pem if ca_pem.endswith("\n") else ca_pem + "\n"))

    # The CA and header are set per [host] entry: containerd 1.6/1.7 reject a top-level
    # [header] table ("invalid `host` tree"), tested with Debian's containerd 1.6.
    ca_field = {"ca": _toml_string(ca_path)} if ca_pem else {}
    pull = {"capabilities": '["pull", "resolve"]'}
    own = [
        f"# Managed by mke4k (configure_registry.sh): images named {mirror_host}/...",
        f"server = {_toml_string(f'https://{mirror_host}')}",
        "",
        *_host_block(f"https://{mirror_host}", {**pull, **ca_field}, header),
    ]
    files.append(RegistryFile(f"{mirror_dir}/hosts.toml", "\n".join(own) + "\n"))

    if mirror_path:
        endpoint = f"https://{mirror_host}/v2/{mirror_path}"
        fields = {**pull, "override_path": "true", **ca_field}
    else:
        endpoint = f"https://{mirror_host}"
        fields = {**pull, **ca_field}
    for registry in sorted(set(mirrored_registries) - {mirror_host}):
        upstream = "https://registry-1.docker.io" if registry == "docker.io" else f"https://{registry}"
        lines = [
            f"# Managed by mke4k (configure_registry.sh): {registry}/<path> is pulled from {image_registry}/<path>.",
            f"server = {_toml_string(upstream)}",
            "",
            *_host_block(endpoint, fields, header),
        ]
        files.append(RegistryFile(f"{HOSTS_DIR}/{registry}/hosts.toml", "\n".join(lines) + "\n"))

    dropin = [
        "# Managed by mke4k (configure_registry.sh). k0s merges this into its CRI config;",
        "# no secret here: k0s copies it to /run/k0s/containerd-cri.toml (0644).",
        "version = 2",
        "",
        f"[plugins.{_toml_string(CRI_PLUGIN)}.registry]",
        f"  config_path = {_toml_string(HOSTS_DIR)}",
    ]
    files.append(RegistryFile(DROPIN_FILE, "\n".join(dropin) + "\n"))
    return files


def encode_registry_files(files: Sequence[RegistryFile]) -> str:
    """The ``REGISTRY_FILES`` script input: one ``<path> <octal mode> <base64 content>`` line per file.

    The drop-in comes last, so the hosts folder is complete before k0s notices the drop-in.
    """
    ordered = sorted(files, key=lambda f: (f.path == DROPIN_FILE, f.path))
    return "".join(f"{f.path} {f.mode:o} {base64.b64encode(f.content.encode()).decode()}\n" for f in ordered)


def registry_auth_token(username: str, password: str) -> str:
    """What ``configure_registry.sh`` and ``registry_preflight.sh`` read on stdin: base64 of ``user:password``.

    The scripts send it as ``Authorization: Basic <token>``; keep it a secret Output.
    """
    return base64.b64encode(f"{username}:{password}".encode()).decode() + "\n"
