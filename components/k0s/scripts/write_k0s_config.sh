#!/usr/bin/env bash
# write_k0s_config.sh: validate the rendered k0s.yaml with k0s itself, then
# atomically replace /etc/k0s/k0s.yaml (mode 0600). Unchanged content: no-op.
# On a controller that already runs k0s: refuses changes to immutable settings
# (service CIDR, CNI provider, pod CIDR) and restarts k0s, waiting for /readyz,
# so a config change rolls through the controllers one at a time.
# The rendered k0s.yaml arrives on stdin. Run by run.sh (see README.md).
set -euo pipefail

: "${READY_TIMEOUT_SECONDS:=300}"

require_root

if [ -x "$MKE4K_STAGED_LINK" ]; then
  validator=$MKE4K_STAGED_LINK
elif [ -x "$K0S_BINARY" ]; then
  validator=$K0S_BINARY
else
  die "no k0s binary to validate the config with: run stage_k0s.sh first"
fi

config_dir=$(dirname "$K0S_CONFIG_FILE")
mkdir -p "$config_dir"
new=$(mktemp "$config_dir/.k0s.yaml.XXXXXX")
register_cleanup "$new"
cat >"$new"
[ -s "$new" ] || die "no k0s.yaml on stdin (the program sends the rendered config there); $K0S_CONFIG_FILE left untouched"

if [ -f "$K0S_CONFIG_FILE" ] && cmp -s "$new" "$K0S_CONFIG_FILE"; then
  chmod 0600 "$K0S_CONFIG_FILE"
  log "$K0S_CONFIG_FILE unchanged: nothing to do"
  emit changed false
  emit sha256 "$(sha256_of "$K0S_CONFIG_FILE")"
  exit 0
fi

if ! output=$("$validator" config validate --config "$new" 2>&1); then
  die "k0s rejected the rendered config; $K0S_CONFIG_FILE left untouched. k0s said: $output"
fi

# yaml_value FILE KEY: the value of the first "KEY: value" line (the renderer writes
# block-style YAML with one key per line).
yaml_value() { sed -n "s/^[[:space:]]*$2:[[:space:]]*//p" "$1" | awk 'NR == 1'; }

if [ -f "$K0S_CONFIG_FILE" ] && k0s_service_installed; then
  for key in serviceCIDR podCIDR provider; do
    old_value=$(yaml_value "$K0S_CONFIG_FILE" "$key")
    new_value=$(yaml_value "$new" "$key")
    if [ "$old_value" != "$new_value" ]; then
      die "spec.network.$key cannot change on an existing cluster ($old_value -> $new_value); $K0S_CONFIG_FILE left untouched. Restore the previous value (mke4k:network) or build a new cluster"
    fi
  done
fi

chmod 0600 "$new"
mv -f "$new" "$K0S_CONFIG_FILE"
log "wrote $K0S_CONFIG_FILE (validated with $("$validator" version))"
if k0s_running; then
  log "k0s is running: restarting it to apply the new config"
  "$K0S_BINARY" stop
  "$K0S_BINARY" start
  wait_until "$READY_TIMEOUT_SECONDS" "the API to answer /readyz after the restart" k0s_readyz_ok ||
    die "the API did not become ready within ${READY_TIMEOUT_SECONDS}s after the restart. Check 'journalctl -u k0scontroller -n 200' and 'k0s status'; the new config is in place"
  emit restarted true
fi
emit changed true
emit sha256 "$(sha256_of "$K0S_CONFIG_FILE")"
