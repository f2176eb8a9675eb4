"""Read an existing ``mke4.yaml`` (the MkeConfig that mkectl uses) into stack settings.

Only what the layers below the platform need is taken: hosts, apiServer, network,
the MKE version, and (for airgap installs) the registries. The result is a plain
mapping in stack-config shape; keys set in the stack config override it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from .errors import Issue, SettingsError
from .hosts import CONTROLLER_ROLES

KEY = "mke4ConfigFile"


def read_mke4_config(path: Path) -> dict[str, Any]:
    """Parse ``path`` and map it to stack settings; SettingsError naming the key on failure."""
    try:
        document = yaml.safe_load(path.read_text())
    except OSError as error:
        raise SettingsError([Issue(KEY, f"cannot read '{path}': {error.strerror}.", "check the path.")]) from None
    except yaml.YAMLError as error:
        raise SettingsError([Issue(KEY, f"'{path}' is not valid YAML: {error}.", "fix the file.")]) from None
    spec = document.get("spec") if isinstance(document, dict) else None
    if not isinstance(spec, dict) or document.get("kind") != "MkeConfig":
        raise SettingsError([Issue(KEY, f"'{path}' is not an MkeConfig (kind: MkeConfig with a spec).", "")])
    hosts = spec.get("hosts")
    if not isinstance(hosts, list) or not hosts:
        raise SettingsError(
            [Issue(KEY, f"'{path}' lists no hosts (spec.hosts).", "add the hosts, or use mke4k:hosts instead.")]
        )
    return _mapping(spec, hosts, path)


def _mapping(spec: dict[str, Any], hosts: list[Any], path: Path) -> dict[str, Any]:
    static_hosts, key_paths = _hosts(hosts, path)
    result: dict[str, Any] = {"hosts": {"source": "static", "static": {"hosts": static_hosts}}}
    if len(key_paths) == 1:
        result["ssh"] = {"privateKeyFile": str(path.parent / Path(key_paths.pop()).expanduser())}
    elif len(key_paths) > 1:
        raise SettingsError(
            [Issue(KEY, "hosts use different SSH keys; mke4k uses one key for all nodes.", "use one key.")]
        )
    if isinstance(spec.get("version"), str):
        result["version"] = spec["version"].removeprefix("v")
    api = spec.get("apiServer") or {}
    if api.get("externalAddress"):
        result["apiExternalAddress"] = api["externalAddress"]
    if api.get("sans"):
        result["k0s"] = {"apiSans": list(api["sans"])}
    network = _network(spec.get("network") or {})
    if network:
        result["network"] = network
    registries = spec.get("registries") or {}
    if (spec.get("airgap") or {}).get("enabled") and registries:
        result["registry"] = {
            key: value
            for key, value in (
                ("imageRegistry", (registries.get("imageRegistry") or {}).get("url")),
                ("chartRegistry", (registries.get("chartRegistry") or {}).get("url")),
            )
            if value
        }
    return result


def _hosts(hosts: list[Any], path: Path) -> tuple[list[dict[str, Any]], set[str]]:
    counters = {"controller": 0, "worker": 0}
    static_hosts, key_paths = [], set()
    for i, host in enumerate(hosts):
        ssh = host.get("ssh") if isinstance(host, dict) else None
        if not isinstance(ssh, dict) or not ssh.get("address"):
            raise SettingsError([Issue(KEY, f"'{path}': spec.hosts[{i}] has no ssh.address.", "add it.")])
        role = host.get("role", "worker")
        kind = "controller" if role in CONTROLLER_ROLES else "worker"
        counters[kind] += 1
        entry: dict[str, Any] = {
            "name": host.get("hostname") or f"{kind}-{counters[kind]}",
            "role": role,
            "address": ssh["address"],
        }
        for source, target in (("port", "sshPort"), ("user", "sshUser")):
            if ssh.get(source) is not None:
                entry[target] = ssh[source]
        if host.get("privateAddress"):
            entry["privateAddress"] = host["privateAddress"]
        if ssh.get("keyPath"):
            key_paths.add(ssh["keyPath"])
        static_hosts.append(entry)
    return static_hosts, key_paths


def _network(network: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    if network.get("serviceCIDR"):
        result["serviceCidr"] = network["serviceCIDR"]
    mode = (network.get("kubeProxy") or {}).get("mode")
    if mode:
        result["kubeProxyMode"] = mode
    for provider in network.get("providers") or []:
        if provider.get("provider") == "calico" and provider.get("enabled", True):
            extra = provider.get("extraConfig") or {}
            for source, target in (("cidrV4", "podCidr"), ("vxlanPort", "vxlanPort"), ("vxlanVNI", "vxlanVni")):
                if extra.get(source) is not None:
                    result[target] = extra[source]
    return result
