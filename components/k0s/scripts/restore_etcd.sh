#!/usr/bin/env bash
# restore_etcd.sh: on a new cluster's bootstrap controller, before k0s is installed:
# `k0s restore` of the archive on stdin (the runner streams the mke4k:backup.restoreFrom
# file), so the install that follows starts the restored control plane (etcd data,
# certificates, manifests) with this stack's /etc/k0s/k0s.yaml.
# Run by run.sh after lib.sh (see README.md).
set -euo pipefail

: "${ARCHIVE_SHA256:?ARCHIVE_SHA256 is required (the sha256 of the archive the runner sends)}"

require_root
[[ $ARCHIVE_SHA256 =~ ^[0-9a-f]{64}$ ]] || die "ARCHIVE_SHA256 must be 64 hexadecimal characters (got '$ARCHIVE_SHA256')"
[ -f "$K0S_CONFIG_FILE" ] || die "$K0S_CONFIG_FILE is missing: run write_k0s_config.sh first"

# The archive (it holds the cluster's CA keys): a 0600 file, wiped on exit.
archive="$MKE4K_SECRETS_DIR/restore.tar.gz"
read_secret_stdin "$archive" "backup archive"
actual=$(sha256_of "$archive")
[ "$actual" = "$ARCHIVE_SHA256" ] ||
  die "the archive arrived damaged (sha256 $actual, expected $ARCHIVE_SHA256); nothing was restored. Re-run"

marker="$MKE4K_STATE_DIR/restored-from"
if [ -f "$marker" ] && [ "$(cat "$marker")" = "$ARCHIVE_SHA256" ]; then
  log "this archive was restored here before: nothing to do"
  emit restored false
  exit 0
fi
if k0s_service_installed || [ -e "$K0S_DATA_DIR/pki/ca.crt" ]; then
  die "k0s already has a cluster on $(hostname): restoring over it would mix two clusters; nothing was changed. mke4k:backup.restoreFrom is for a new stack; for an existing cluster follow docs/operations.md, 'Restore an existing cluster'"
fi

install_staged_binary_if_absent
restored_config="$MKE4K_STATE_DIR/restored-k0s.yaml"
log "k0s restore (etcd snapshot, certificates, manifests) from the archive $ARCHIVE_SHA256"
"$K0S_BINARY" restore "$archive" --config-out "$restored_config" >&2 ||
  die "k0s restore failed (the last lines of its output follow); nothing was started. Check the archive (made by k0s backup of a compatible k0s version) and re-run"
chmod 0600 "$restored_config"
before=$(awk '$1 == "externalAddress:" {print $2; exit}' "$restored_config" | tr -d "'\"")
now=$(awk '$1 == "externalAddress:" {print $2; exit}' "$K0S_CONFIG_FILE" | tr -d "'\"")
if [ "$before" != "$now" ]; then
  warn "the backed-up cluster's API external address was '${before:-none}', this stack's is '${now:-none}': workers and kubeconfigs of the old cluster point at the old one (k0s keeps externalAddress across a restore)"
fi
printf '%s\n' "$ARCHIVE_SHA256" >"$marker"
log "restored; the archive's own k0s.yaml is kept at $restored_config for reference (k0s runs with $K0S_CONFIG_FILE)"
emit restored true
