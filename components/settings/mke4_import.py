"""Read an existing ``mke4.yaml`` (the MkeConfig that mkectl uses) into stack settings.

Only what the layers below the platform need is taken: hosts, apiServer, network,
the MKE version, and (for airgap installs) the registries. The result is a plain
mapping in stack-config shape; keys set in the stack config override it.
"""

from __future__ import annotations

import base64
import binascii
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
    if (spec.get("airgap") or {}).get("enabled"):
        registry = airgap_registries(spec.get("registries") or {}, path)
        if registry:
            result["registry"] = registry
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


# --------------------------------------------------------------------------- airgap registries
_REGISTRY_KEYS = {"url", "caData", "username", "password", "credentialsSecretName"}


def airgap_registries(registries: dict[str, Any], path: Path) -> dict[str, Any]:
    """``spec.registries`` of an airgapped mke4.yaml as ``mke4k:registry`` settings.

    Carried over: the image and chart registry URLs, the CA (``caData``, PEM or base64 of
    PEM; one bundle for both registries) and inline credentials (the password becomes a
    secret setting). Refused, with the fix: no image registry, ``http://`` registries,
    different CAs or credentials per registry, a ``credentialsSecretName`` (a Secret in a
    cluster mke4k cannot read) and keys mke4k does not know.
    """
    issues: list[Issue] = []
    found: dict[str, dict[str, Any]] = {}
    for name in ("imageRegistry", "chartRegistry"):
        entry = registries.get(name) or {}
        where = f"'{path}': spec.registries.{name}"
        if not isinstance(entry, dict):
            issues.append(Issue(KEY, f"{where} is not a mapping.", "write url/caData under it."))
            continue
        unknown = sorted(set(entry) - _REGISTRY_KEYS)
        if unknown:
            issues.append(
                Issue(
                    KEY,
                    f"{where} has keys mke4k cannot honour: {', '.join(unknown)}.",
                    "remove them, or set the matching mke4k:registry keys.",
                )
            )
        if entry.get("credentialsSecretName"):
            issues.append(
                Issue(
                    KEY,
                    f"{where}.credentialsSecretName names a Secret in the cluster; mke4k needs the credentials before "
                    "the cluster exists.",
                    "remove it and set mke4k:registry.username and (as a secret) mke4k:registry.password.",
                )
            )
        if str(entry.get("url") or "").startswith("http://"):
            issues.append(
                Issue(KEY, f"{where}.url uses plain http.", "serve the registry over HTTPS (MKE 4k requires it).")
            )
        found[name] = entry
    image_url = (found.get("imageRegistry") or {}).get("url")
    if not image_url:
        issues.append(
            Issue(KEY, f"'{path}': airgap is enabled but spec.registries.imageRegistry.url is empty.", "set it.")
        )
    cas = {_pem(entry.get("caData")) for entry in found.values()} - {None}
    if len(cas) > 1:
        issues.append(
            Issue(
                KEY,
                f"'{path}': the image and chart registries have different caData; mke4k trusts one CA bundle.",
                "put both CAs in one bundle in both entries.",
            )
        )
    logins = {(entry.get("username"), entry.get("password")) for entry in found.values()} - {(None, None)}
    if len(logins) > 1:
        issues.append(
            Issue(
                KEY,
                f"'{path}': the image and chart registries have different credentials; mke4k uses one login.",
                "use one account for both.",
            )
        )
    if issues:
        raise SettingsError(issues)
    result: dict[str, Any] = {"imageRegistry": image_url.removeprefix("https://")}
    chart_url = (found.get("chartRegistry") or {}).get("url")
    if chart_url:
        result["chartRegistry"] = chart_url
    if cas:
        result["caData"] = cas.pop()
    if logins:
        result["username"], result["password"] = logins.pop()
    return result


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
