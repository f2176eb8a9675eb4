#!/usr/bin/env bash
# node_taints.sh: on the bootstrap controller: give a controller+worker node the
# control-plane taint, or take it away, as mke4k:k0s.noTaints says. k0s applies its
# taint only when the kubelet first registers the node (and `--no-taints` only at
# install), so a running node changes only through the API.
# Run by run.sh after lib.sh (see README.md).
set -euo pipefail

: "${NODE_NAME:?NODE_NAME is required}"
: "${NO_TAINTS:?NO_TAINTS is required (true|false)}"

require_root
require_node_name NODE_NAME
require_bool NO_TAINTS
require_k0s_running_here node_taints.sh

# k0s registers a controller+worker's kubelet with this taint unless installed with
# --no-taints (cmd/controller: "%s/master=:NoSchedule" of node-role.kubernetes.io).
K0S_TAINT=node-role.kubernetes.io/master:NoSchedule
# Kubernetes' own name for it (kubeadm since 1.24): removed too when present, never added.
CONTROL_PLANE_TAINT=node-role.kubernetes.io/control-plane:NoSchedule

k0s_node_exists "$NODE_NAME" ||
  die "node $NODE_NAME is not registered in the API; it must have joined first (its k0s-install and member steps)"
taints=$("$K0S_BINARY" kubectl get node "$NODE_NAME" -o 'jsonpath={range .spec.taints[*]}{.key}:{.effect}{"\n"}{end}') ||
  die "could not read the taints of node $NODE_NAME (the last lines of the output follow); is the API healthy?"
has_taint() { printf '%s\n' "$taints" | grep -qxF "$1"; }

changed=false
if [ "$NO_TAINTS" = true ]; then
  for taint in "$K0S_TAINT" "$CONTROL_PLANE_TAINT"; do
    if has_taint "$taint"; then
      log "removing the taint $taint from $NODE_NAME (mke4k:k0s.noTaints is true): workloads may run on it"
      "$K0S_BINARY" kubectl taint node "$NODE_NAME" "$taint-" >&2 || die "removing the taint $taint from $NODE_NAME failed"
      changed=true
    fi
  done
elif ! has_taint "$K0S_TAINT" && ! has_taint "$CONTROL_PLANE_TAINT"; then
  log "tainting $NODE_NAME with $K0S_TAINT (mke4k:k0s.noTaints is false): new workloads without a toleration go elsewhere; running pods stay"
  "$K0S_BINARY" kubectl taint node "$NODE_NAME" "$K0S_TAINT" >&2 || die "tainting $NODE_NAME with $K0S_TAINT failed"
  changed=true
fi
if [ "$changed" = false ]; then
  log "$NODE_NAME is $([ "$NO_TAINTS" = true ] && echo untainted || echo tainted) already: nothing to do"
fi
emit tainted "$([ "$NO_TAINTS" = true ] && echo false || echo true)"
emit changed "$changed"
