#!/usr/bin/env bash
# remove_member.sh: on the bootstrap controller, before a node is reset: drain
# and delete its Node (kubelet roles), then remove its etcd member (controller
# roles). Order: drain -> delete node -> etcd leave. With IS_LEADER=true the node
# is the controller running this script (the bootstrap controller's own member
# step, deleted only with the whole cluster or after a hand-over made it an
# ordinary controller): nothing to do here, its own reset refuses while other
# controllers remain.
# Run by run.sh after lib.sh (see README.md).
set -euo pipefail

: "${NODE_NAME:?NODE_NAME is required}"
: "${ROLE:?ROLE is required (worker|controller|controller+worker)}"
: "${PEER_ADDRESS:=}" # required for controller roles: the node's etcd peer address
: "${DRAIN_TIMEOUT:=5m}"
: "${IS_LEADER:=false}" # true: NODE_NAME is the controller this script runs on

require_root
require_node_name NODE_NAME
require_one_of ROLE worker controller controller+worker
require_duration DRAIN_TIMEOUT
require_bool IS_LEADER
if [ "$IS_LEADER" = true ]; then
  log "$NODE_NAME is the bootstrap controller running this step: not draining or removing itself (its reset refuses while other controllers remain)"
  emit removed false
  exit 0
fi
if role_is_controller "$ROLE" && [ -z "$PEER_ADDRESS" ]; then
  die "PEER_ADDRESS is required to remove a $ROLE (its spec.storage.etcd.peerAddress)"
fi
require_k0s_running_here remove_member.sh

if role_runs_kubelet "$ROLE"; then
  if k0s_node_exists "$NODE_NAME"; then
    ready=$("$K0S_BINARY" kubectl get node "$NODE_NAME" -o 'jsonpath={.status.conditions[?(@.type=="Ready")].status}' 2>/dev/null || true)
    if [ "$ready" = Unknown ]; then
      warn "node $NODE_NAME is unreachable (Ready=Unknown): skipping the drain, which could only time out; its pods are rescheduled once the node is deleted"
    else
      log "draining node $NODE_NAME (timeout $DRAIN_TIMEOUT)"
      "$K0S_BINARY" kubectl drain "$NODE_NAME" --ignore-daemonsets --delete-emptydir-data --timeout="$DRAIN_TIMEOUT" >&2 ||
        die "draining $NODE_NAME failed (the last lines of its output follow); it is left cordoned and nothing was deleted. Resolve the blocking pods (PodDisruptionBudgets, unmanaged pods) or raise DRAIN_TIMEOUT, then re-run"
    fi
    "$K0S_BINARY" kubectl delete node "$NODE_NAME" >&2 || die "deleting node $NODE_NAME failed (the last lines of its output follow); re-run"
  else
    log "node $NODE_NAME not found in the API: skipping drain and delete"
  fi
fi

if role_is_controller "$ROLE"; then
  members=$(etcd_members) || die "k0s etcd member-list failed (the last lines of its output follow): is etcd healthy on this controller?"
  if printf '%s\n' "$members" | awk '{print $2}' | grep -q "^https\?://$PEER_ADDRESS:"; then
    log "removing etcd member $PEER_ADDRESS"
    "$K0S_BINARY" etcd leave --peer-address "$PEER_ADDRESS" ||
      die "k0s etcd leave --peer-address $PEER_ADDRESS failed (the last lines of its output follow); check 'k0s etcd member-list' and re-run"
  else
    log "no etcd member with peer address $PEER_ADDRESS: skipping etcd leave"
  fi
fi
emit removed "$NODE_NAME"
