"""Stack settings: one validated model tree for the whole ``mke4k:*`` config."""

from .errors import Issue, SettingsError
from .hosts import CONTROLLER_ROLES
from .loader import Validated, deep_merge, load_settings, resolved, settings_from_mapping, validate_mapping
from .root import Settings

__all__ = [
    "CONTROLLER_ROLES",
    "Issue",
    "Settings",
    "SettingsError",
    "Validated",
    "deep_merge",
    "load_settings",
    "resolved",
    "settings_from_mapping",
    "validate_mapping",
]
