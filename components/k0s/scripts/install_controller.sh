#!/usr/bin/env bash
# install_controller.sh: install and start k0s on the bootstrap controller, wait
# for the Kubernetes API's /readyz. Run by run.sh after lib.sh.
set -euo pipefail

: "${NODE_NAME:?NODE_NAME is required}"
: "${ROLE:?ROLE is required (controller|controller+worker)}"
: "${READY_TIMEOUT_SECONDS:=300}"

require_root
require_node_name NODE_NAME
require_one_of ROLE controller controller+worker
require_uint READY_TIMEOUT_SECONDS
[ -f "$K0S_CONFIG_FILE" ] || die "$K0S_CONFIG_FILE is missing: run write_k0s_config.sh first"

changed=false
if k0s_service_installed && k0s_running; then
  log "k0s already installed and running ($(k0s_version))"
else
  install_staged_binary_if_absent
  if k0s_service_installed; then
    log "k0s is installed but not running: starting it"
  else
    args=(install controller -c "$K0S_CONFIG_FILE")
    if [ "$ROLE" = controller+worker ]; then
      # Registers with k0s's control-plane taint; node_taints.sh keeps it as mke4k:k0s.noTaints says.
      args+=(--enable-worker "--kubelet-extra-args=--hostname-override=$NODE_NAME")
    fi
    log "k0s ${args[*]}"
    "$K0S_BINARY" "${args[@]}" || die "k0s install controller failed (the last lines of its output follow); fix the cause, run reset_node.sh if needed, and re-run"
  fi
  "$K0S_BINARY" start || die "k0s start failed: check 'journalctl -u k0scontroller -n 200'"
  changed=true
fi

log "waiting up to ${READY_TIMEOUT_SECONDS}s for the Kubernetes API (/readyz)"
wait_until "$READY_TIMEOUT_SECONDS" "the API on $NODE_NAME to answer /readyz" k0s_readyz_ok ||
  die "the Kubernetes API on $NODE_NAME did not become ready within ${READY_TIMEOUT_SECONDS}s. Check: 'journalctl -u k0scontroller -n 200', 'k0s status', 'k0s kubectl get --raw=/readyz?verbose'; then re-run"

if [ "$changed" = false ]; then
  log "k0s already installed and running ($(k0s_version)): nothing to do"
fi
emit version "$(k0s_version)"
emit changed "$changed"
