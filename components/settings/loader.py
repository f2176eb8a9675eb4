"""Loading the stack config, in exactly one place, into validated Settings."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import SecretStr, ValidationError

from components.release_matrix import load_matrix

from .errors import NAMESPACE, Issue, SettingsError, issues_from_validation_error, with_origins
from .mke4_import import read_mke4_config
from .platform import K0RDENT_ENTERPRISE_CHART, K0RDENT_OSS_CHART
from .root import Settings
from .rules import Context, check_all, hosts_source, resolved_calico_version, resolved_k0s_version


@dataclass(frozen=True)
class Validated:
    """Settings that passed every rule, and the warnings to print (problems that refuse nothing)."""

    settings: Settings
    warnings: tuple[Issue, ...] = ()


def deep_merge(base: Mapping[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    """Merge ``override`` into ``base`` recursively (mappings merge, everything else replaces)."""
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def validate_mapping(raw: Mapping[str, Any], *, stack: str, base_dir: Path, connects: bool = True) -> Validated:
    """Validate a stack config (keys without the ``mke4k:`` prefix) into resolved Settings and warnings.

    One pass before anything else happens: the mke4.yaml import, the models, then every
    rule. Raises SettingsError listing every problem; nothing else is touched. ``connects``:
    False for offline tools that never log in to the machines (the SSH key rules do not apply).
    """
    config = dict(raw)
    origins: dict[str, str] = {}
    mke4_file = config.get("mke4ConfigFile")
    if isinstance(mke4_file, str):
        imported = read_mke4_config(_config_path(base_dir, mke4_file, "mke4ConfigFile"), label=mke4_file)
        config = deep_merge(imported.config, config)
        origins = {path: origin for path, origin in imported.origins.items() if not set_by_stack(raw, path)}
    config.setdefault("version", load_matrix().latestGA)
    cluster = config.get("cluster")
    if cluster is None or (isinstance(cluster, Mapping) and "name" not in cluster):
        config["cluster"] = {**(cluster or {}), "name": stack.lower()}
    try:
        settings = Settings.model_validate(config)
    except ValidationError as error:
        raise SettingsError(with_origins(issues_from_validation_error(error, Settings), origins)) from None
    found = with_origins(check_all(settings, Context(base_dir, origins, connects)), origins)
    errors = [issue for issue in found if issue.severity == "error"]
    if errors:
        raise SettingsError(errors)
    return Validated(resolve(settings, base_dir), tuple(issue for issue in found if issue.severity == "warning"))


def settings_from_mapping(raw: Mapping[str, Any], *, stack: str, base_dir: Path) -> Settings:
    """Validate a stack config into resolved Settings (see :func:`validate_mapping`); warnings are dropped."""
    return validate_mapping(raw, stack=stack, base_dir=base_dir).settings


def _config_path(base_dir: Path, name: str, key: str) -> Path:
    try:
        return base_dir / Path(name).expanduser()
    except (RuntimeError, ValueError):  # e.g. ~unknown-user
        raise SettingsError([Issue(key, f"'{name}' is not a usable path.", "give a path on the runner.")]) from None


_PATH_PART = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def set_by_stack(raw: Mapping[str, Any], path: str) -> bool:
    """Whether the stack config itself sets ``path`` (``hosts.static.hosts[0].address``) or replaces a parent of it.

    Mappings merge with an imported mke4.yaml; anything else (lists included) replaces it.
    """
    node: Any = raw
    for name, _index in _PATH_PART.findall(path):
        if not name:
            return True  # an index below a list the stack set: the stack's list replaced the file's
        if not isinstance(node, Mapping) or name not in node:
            return False
        node = node[name]
        if not isinstance(node, Mapping):
            return True
    return True


def resolved(value: str | None, key: str) -> str:
    """A value ``resolve`` always fills (a version); an error naming the key if it did not."""
    if not value:
        raise SettingsError([Issue(key, "has no value after defaults were applied.", "set it explicitly.")])
    return value


def resolve(settings: Settings, base_dir: Path) -> Settings:
    """Fill the defaults that depend on other settings (versions, source, key file)."""
    release = load_matrix().release(settings.version)
    k0rdent = settings.k0rdent
    oss = k0rdent.flavor == "oss"
    updates: dict[str, Any] = {
        "k0s": settings.k0s.model_copy(update={"version": resolved_k0s_version(settings)}),
        "calico": settings.calico.model_copy(update={"version": resolved_calico_version(settings)}),
        "k0rdent": k0rdent.model_copy(
            update={
                "version": k0rdent.version or (release.k0rdentOss if oss else release.k0rdent),
                "chart": k0rdent.chart or _k0rdent_chart(oss),
                "namespace": k0rdent.namespace or ("kcm-system" if oss else "k0rdent"),
            }
        ),
        "mke_operator": settings.mke_operator.model_copy(
            update={"version": settings.mke_operator.version or release.mkeOperatorChart}
        ),
        "hosts": settings.hosts.model_copy(update={"source": hosts_source(settings)}),
    }
    ssh = settings.ssh
    if ssh.private_key is None and ssh.private_key_file:
        updates["ssh"] = ssh.model_copy(update={"private_key": _read_key(Context(base_dir), ssh.private_key_file)})
    return settings.model_copy(update=updates)


def _k0rdent_chart(oss: bool) -> str:
    return K0RDENT_OSS_CHART if oss else K0RDENT_ENTERPRISE_CHART


def _read_key(context: Context, name: str) -> SecretStr:
    """The key file's text (already checked by the key rules; it may still vanish in between)."""
    try:
        return SecretStr(context.read(name))
    except OSError as error:
        raise SettingsError(
            [Issue("ssh.privateKeyFile", f"cannot read '{name}': {error.strerror}.", "check the path.")]
        ) from None


def raw_config_from_pulumi() -> dict[str, Any]:
    """Every ``mke4k:*`` key of the running stack, with JSON values decoded."""
    from pulumi.runtime import config as runtime_config

    every = {**runtime_config.get_config_env(), **runtime_config.CONFIG.get()}
    prefix = f"{NAMESPACE}:"
    return {key[len(prefix) :]: _decode(value) for key, value in every.items() if key.startswith(prefix)}


def _decode(value: Any) -> Any:
    """Objects and lists arrive as JSON text; scalars stay strings (``"4.2"`` is a version, not 4.2)."""
    if not isinstance(value, str) or not value.lstrip().startswith(("{", "[")):
        return value
    try:
        return json.loads(value)
    except json.JSONDecodeError:
        return value


def load_settings() -> Settings:
    """Load and validate the running stack's config (the program's one entry point); print the warnings."""
    import pulumi

    validated = validate_mapping(raw_config_from_pulumi(), stack=pulumi.get_stack(), base_dir=Path.cwd())
    for warning in validated.warnings:
        pulumi.log.warn(warning.render())
    return validated.settings
