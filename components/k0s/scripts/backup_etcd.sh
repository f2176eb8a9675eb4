#!/usr/bin/env bash
# backup_etcd.sh: on the bootstrap controller: `k0s backup` (etcd snapshot, PKI,
# k0s.yaml, manifests) streamed to stdout, for the runner-side backup step to save.
# Nothing is kept on this host. No cluster yet (k0s not installed or not running):
# says so and prints nothing. Run by run.sh after lib.sh (see README.md).
set -euo pipefail

require_root
if ! k0s_service_installed || ! k0s_running; then
  log "k0s does not run on this controller yet (a new cluster, before its first install): nothing to back up"
  exit 0
fi
# The runner names the archive after this line (components/k0s/runner/backup.py).
log "streaming a backup of k0s $(k0s_version) on $(hostname) (etcd snapshot, certificates, k0s.yaml)"
"$K0S_BINARY" backup --save-path - ||
  die "k0s backup failed (the last lines of its output follow); check 'k0s status' and 'k0s etcd member-list', then re-run (make backup STACK=<stack>)"
