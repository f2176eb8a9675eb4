"""Read an existing ``mke4.yaml`` (the MkeConfig that mkectl uses) into stack settings.

Only what the layers below the platform need is taken: hosts, apiServer, network,
the MKE version, and (for airgap installs) the registries. The result is a plain
mapping in stack-config shape (keys set in the stack config override it) plus, for
every value taken, where it came from in the file's own terms
(``hosts.static.hosts[0].address`` -> ``mke4.yaml: spec.hosts[0].ssh.address``), so
a value the stack rules refuse is reported against the line the user wrote.

A section of the wrong shape (a list where a mapping belongs, a host that is a
string) is reported at ``mke4k:mke4ConfigFile`` naming the file and the path inside
it; values are passed on as written and checked by the settings models.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .errors import Issue, SettingsError, json_type
from .hosts import CONTROLLER_ROLES

KEY = "mke4ConfigFile"


@dataclass
class Imported:
    """An mke4.yaml mapped to stack settings, with the file path each stack path came from."""

    config: dict[str, Any] = field(default_factory=dict)
    origins: dict[str, str] = field(default_factory=dict)


class _Reader:
    """Walks the document, collecting shape problems instead of failing on the first."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.issues: list[Issue] = []
        self.result = Imported()

    def problem(self, where: str, what: str, fix: str) -> None:
        self.issues.append(Issue(KEY, f"{self.label}: {where} {what}.", fix))

    def section(self, parent: Mapping[str, Any], where: str, name: str, kind: type = dict) -> Any:
        """``parent[name]`` when it has the expected kind; None (and a problem when present) otherwise."""
        value = parent.get(name)
        if value is None:
            return None
        if not isinstance(value, kind):
            word = "a mapping" if kind is dict else "a list"
            self.problem(
                f"{where}.{name}", f"is {json_type(value)}, expected {word}", f"fix {where}.{name} in {self.label}."
            )
            return None
        return value

    def take(self, stack_path: str, value: Any, file_path: str) -> Any:
        """Record that ``stack_path`` comes from ``file_path`` and return ``value`` unchanged."""
        self.result.origins[stack_path] = f"{self.label}: {file_path}"
        return value


def read_mke4_config(path: Path, label: str | None = None) -> Imported:
    """Parse ``path`` and map it to stack settings; SettingsError naming the file on failure.

    ``label`` is how messages name the file (the path as the stack config wrote it).
    """
    label = label or path.name
    try:
        document = yaml.safe_load(path.read_text())
    except OSError as error:
        raise SettingsError(
            [Issue(KEY, f"cannot read '{path}': {error.strerror}.", "check the path (relative to the project).")]
        ) from None
    except yaml.YAMLError as error:
        raise SettingsError([Issue(KEY, f"'{label}' is not valid YAML: {error}.", "fix the file.")]) from None
    spec = document.get("spec") if isinstance(document, dict) else None
    if not isinstance(spec, dict) or document.get("kind") != "MkeConfig":
        raise SettingsError(
            [
                Issue(
                    KEY,
                    f"'{label}' is not an MkeConfig (kind: MkeConfig with a spec mapping).",
                    "point mke4k:mke4ConfigFile at the file `mkectl init` wrote.",
                )
            ]
        )
    reader = _Reader(label)
    _hosts(reader, spec, path)
    _version(reader, spec)
    _api_server(reader, spec)
    _network(reader, spec)
    _registries(reader, spec)
    if reader.issues:
        raise SettingsError(reader.issues)
    return reader.result


def _hosts(reader: _Reader, spec: Mapping[str, Any], path: Path) -> None:
    if spec.get("hosts") is not None and not isinstance(spec["hosts"], list):
        reader.section(spec, "spec", "hosts", list)  # reports the wrong shape
        return
    hosts = spec.get("hosts") or []
    if not hosts:
        reader.problem("spec.hosts", "lists no hosts", "add the hosts, or use mke4k:hosts instead.")
        return
    counters = {"controller": 0, "worker": 0}
    static_hosts: list[dict[str, Any]] = []
    key_paths: dict[str, str] = {}
    for i, host in enumerate(hosts):
        where = f"spec.hosts[{i}]"
        if not isinstance(host, dict):
            reader.problem(where, f"is {json_type(host)}, expected a mapping with ssh and role", "fix the entry.")
            continue
        if host.get("ssh") is not None and not isinstance(host["ssh"], dict):
            reader.section(host, where, "ssh")  # reports the wrong shape
            continue
        ssh = host.get("ssh") or {}
        if ssh.get("address") in (None, ""):
            reader.problem(f"{where}.ssh.address", "is missing", f"give the host's address in {where}.ssh.address.")
            continue
        target = f"hosts.static.hosts[{len(static_hosts)}]"
        role = host.get("role", "worker")
        kind = "controller" if isinstance(role, str) and role in CONTROLLER_ROLES else "worker"
        counters[kind] += 1
        entry: dict[str, Any] = {"role": reader.take(f"{target}.role", role, f"{where}.role")}
        if host.get("hostname") is not None:
            entry["name"] = reader.take(f"{target}.name", host["hostname"], f"{where}.hostname")
        else:
            entry["name"] = reader.take(f"{target}.name", f"{kind}-{counters[kind]}", f"{where} (generated name)")
        entry["address"] = reader.take(f"{target}.address", ssh["address"], f"{where}.ssh.address")
        for source, name in (("port", "sshPort"), ("user", "sshUser")):
            if ssh.get(source) is not None:
                entry[name] = reader.take(f"{target}.{name}", ssh[source], f"{where}.ssh.{source}")
        if host.get("privateAddress"):
            entry["privateAddress"] = reader.take(
                f"{target}.privateAddress", host["privateAddress"], f"{where}.privateAddress"
            )
        key_path = ssh.get("keyPath")
        if isinstance(key_path, str) and key_path:
            key_paths.setdefault(key_path, f"{where}.ssh.keyPath")
        elif key_path is not None:
            reader.problem(f"{where}.ssh.keyPath", f"is {json_type(key_path)}, expected a path", "fix the path.")
        static_hosts.append(entry)
    reader.result.config["hosts"] = {"source": "static", "static": {"hosts": static_hosts}}
    reader.take("hosts.static.hosts", static_hosts, "spec.hosts")
    if len(key_paths) > 1:
        reader.problem(
            "spec.hosts[].ssh.keyPath",
            f"names different SSH keys ({', '.join(sorted(key_paths))}); mke4k uses one key for all nodes",
            "use one key for every host.",
        )
    elif key_paths:
        key_path, where = next(iter(key_paths.items()))
        key_file = str(path.parent / Path(key_path).expanduser())
        reader.result.config["ssh"] = {"privateKeyFile": reader.take("ssh.privateKeyFile", key_file, where)}


def _version(reader: _Reader, spec: Mapping[str, Any]) -> None:
    version = spec.get("version")
    if isinstance(version, str):
        reader.result.config["version"] = reader.take("version", version.removeprefix("v"), "spec.version")
    elif version is not None:
        reader.problem("spec.version", f"is {json_type(version)}, expected a version like v4.1.5", "fix it.")


def _api_server(reader: _Reader, spec: Mapping[str, Any]) -> None:
    api = reader.section(spec, "spec", "apiServer")
    if not api:
        return
    if api.get("externalAddress"):
        reader.result.config["apiExternalAddress"] = reader.take(
            "apiExternalAddress", api["externalAddress"], "spec.apiServer.externalAddress"
        )
    if api.get("sans"):
        reader.result.config["k0s"] = {"apiSans": reader.take("k0s.apiSans", api["sans"], "spec.apiServer.sans")}


def _network(reader: _Reader, spec: Mapping[str, Any]) -> None:
    network = reader.section(spec, "spec", "network")
    if not network:
        return
    result: dict[str, Any] = {}
    for source, target in (("serviceCIDR", "serviceCidr"), ("nodePortRange", "nodePortRange")):
        if network.get(source) is not None:
            result[target] = reader.take(f"network.{target}", network[source], f"spec.network.{source}")
    kube_proxy = reader.section(network, "spec.network", "kubeProxy")
    if kube_proxy and kube_proxy.get("mode"):
        result["kubeProxyMode"] = reader.take(
            "network.kubeProxyMode", kube_proxy["mode"], "spec.network.kubeProxy.mode"
        )
    for i, provider in enumerate(reader.section(network, "spec.network", "providers", list) or []):
        where = f"spec.network.providers[{i}]"
        if not isinstance(provider, dict):
            reader.problem(where, f"is {json_type(provider)}, expected a mapping with provider", "fix the entry.")
            continue
        if provider.get("provider") != "calico" or provider.get("enabled", True) is False:
            continue
        extra = reader.section(provider, where, "extraConfig") or {}
        for source, target in (("cidrV4", "podCidr"), ("vxlanPort", "vxlanPort"), ("vxlanVNI", "vxlanVni")):
            if extra.get(source) is not None:
                result[target] = reader.take(f"network.{target}", extra[source], f"{where}.extraConfig.{source}")
    if result:
        reader.result.config["network"] = result


_REGISTRY_KEYS = {"url", "caData", "username", "password", "credentialsSecretName"}


def _registries(reader: _Reader, spec: Mapping[str, Any]) -> None:
    """``spec.registries`` of an airgapped mke4.yaml as ``mke4k:registry`` settings.

    Carried over: the image and chart registry URLs, the CA (``caData``, PEM or base64 of
    PEM; one bundle for both registries) and inline credentials (the password becomes a
    secret setting). Refused, with the fix: no image registry, ``http://`` registries,
    different CAs or credentials per registry, a ``credentialsSecretName`` (a Secret in a
    cluster mke4k cannot read) and keys mke4k does not know.
    """
    airgap = reader.section(spec, "spec", "airgap")
    registries = reader.section(spec, "spec", "registries")
    if not (airgap and airgap.get("enabled") is True and registries is not None):
        return
    found: dict[str, Mapping[str, Any]] = {}
    for name in ("imageRegistry", "chartRegistry"):
        entry = reader.section(registries, "spec.registries", name)
        if entry is None:
            continue
        where = f"spec.registries.{name}"
        unknown = sorted(set(entry) - _REGISTRY_KEYS)
        if unknown:
            reader.problem(
                where,
                f"has keys mke4k cannot honour: {', '.join(unknown)}",
                "remove them, or set the matching mke4k:registry keys.",
            )
        if entry.get("credentialsSecretName"):
            reader.problem(
                f"{where}.credentialsSecretName",
                "names a Secret in the cluster; mke4k needs the credentials before the cluster exists",
                "remove it and set mke4k:registry.username and (as a secret) mke4k:registry.password.",
            )
        if str(entry.get("url") or "").startswith("http://"):
            reader.problem(f"{where}.url", "uses plain http", "serve the registry over HTTPS (MKE 4k requires it).")
        found[name] = entry
    image_url = (found.get("imageRegistry") or {}).get("url")
    misshapen = registries.get("imageRegistry") is not None and "imageRegistry" not in found  # reported above
    if not image_url and not misshapen:
        reader.problem("spec.registries.imageRegistry.url", "is empty while airgap is enabled", "set it.")
    cas = {_pem(entry.get("caData")) for entry in found.values()} - {None}
    if len(cas) > 1:
        reader.problem(
            "spec.registries", "gives the image and chart registries different caData", "put both CAs in one bundle."
        )
    logins = {(entry.get("username"), entry.get("password")) for entry in found.values()} - {(None, None)}
    if len(logins) > 1:
        reader.problem(
            "spec.registries", "gives the image and chart registries different credentials", "use one account for both."
        )
    if not image_url or len(cas) > 1 or len(logins) > 1:
        return
    result: dict[str, Any] = {
        "imageRegistry": reader.take(
            "registry.imageRegistry", str(image_url).removeprefix("https://"), "spec.registries.imageRegistry.url"
        )
    }
    chart_url = (found.get("chartRegistry") or {}).get("url")
    if chart_url:
        result["chartRegistry"] = reader.take("registry.chartRegistry", chart_url, "spec.registries.chartRegistry.url")
    if cas:
        result["caData"] = reader.take("registry.caData", cas.pop(), "spec.registries.*.caData")
    if logins:
        username, password = logins.pop()
        result["username"] = reader.take("registry.username", username, "spec.registries.*.username")
        result["password"] = reader.take("registry.password", password, "spec.registries.*.password")
    reader.result.config["registry"] = result


def _pem(value: Any) -> str | None:
    """``caData`` as PEM: as given, or decoded when it is base64 of PEM; None when empty."""
    if not isinstance(value, str) or not value.strip():
        return None
    if "-----BEGIN" in value:
        return value
    try:
        decoded = base64.b64decode(value, validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        return value
    return decoded if "-----BEGIN" in decoded else value
