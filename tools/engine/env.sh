# shellcheck shell=bash
# Source this file to use the Pulumi engine built by tools/engine/build.sh:
#
#   . tools/engine/env.sh
#
# Every variable below keeps a value that is already set in the environment,
# except the two offline switches, which are always forced on.

_mke4k_engine_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)

export MKE4K_ENGINE_CACHE="${MKE4K_ENGINE_CACHE:-$_mke4k_engine_root/.cache/engine}"
unset _mke4k_engine_root

case ":$PATH:" in
  *":$MKE4K_ENGINE_CACHE/bin:"*) ;;
  *) export PATH="$MKE4K_ENGINE_CACHE/bin:$PATH" ;;
esac

# Plugin cache (providers installed by build.sh) and credentials live here.
export PULUMI_HOME="${PULUMI_HOME:-$MKE4K_ENGINE_CACHE/home}"
# Local DIY backend; no Pulumi Cloud.
export PULUMI_BACKEND_URL="${PULUMI_BACKEND_URL:-file://$MKE4K_ENGINE_CACHE/state}"
# Never reach out to the network for updates or plugins.
export PULUMI_SKIP_UPDATE_CHECK=true
export PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true
# Providers come from the plugin cache (build.sh installs them), not from
# PATH; the Python language host is still found next to `pulumi`.
export PULUMI_IGNORE_AMBIENT_PLUGINS=true
# Passphrase for the secrets provider of local stacks (not a real secret).
if [ -z "${PULUMI_CONFIG_PASSPHRASE_FILE:-}" ]; then
  export PULUMI_CONFIG_PASSPHRASE="${PULUMI_CONFIG_PASSPHRASE-mke4k-local-only}"
fi
