#!/usr/bin/env bash
# write_k0s_config.sh: validate the rendered k0s.yaml with k0s itself, then
# atomically replace /etc/k0s/k0s.yaml (mode 0600). Unchanged content: no-op.
# Run as: preamble + lib.sh + this file (see README.md).
set -euo pipefail

: "${K0S_CONFIG_B64:?K0S_CONFIG_B64 is required (base64 of the rendered k0s.yaml)}"

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
printf '%s' "$K0S_CONFIG_B64" | base64 -d >"$new" 2>/dev/null ||
  die "K0S_CONFIG_B64 is not valid base64; $K0S_CONFIG_FILE left untouched"

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

chmod 0600 "$new"
mv -f "$new" "$K0S_CONFIG_FILE"
log "wrote $K0S_CONFIG_FILE (validated with $("$validator" version))"
emit changed true
emit sha256 "$(sha256_of "$K0S_CONFIG_FILE")"
