#!/usr/bin/env bash
# confirm_member.sh: on the bootstrap controller after a join: wait for the new
# node's Node object (kubelet roles; Ready is NOT required: the CNI comes later),
# then invalidate its join token. The bootstrap controller's own member step runs
# it with an empty TOKEN_ID (it joined with no token). Run by run.sh after lib.sh.
set -euo pipefail

: "${NODE_NAME:?NODE_NAME is required}"
: "${ROLE:?ROLE is required (worker|controller|controller+worker)}"
: "${TOKEN_ID:=}" # the token id join_node.sh printed; empty for the bootstrap controller
: "${READY_TIMEOUT_SECONDS:=300}"

require_root
require_node_name NODE_NAME
require_one_of ROLE worker controller controller+worker
[ -z "$TOKEN_ID" ] || [[ $TOKEN_ID =~ ^[a-z0-9]{6}$ ]] ||
  die "TOKEN_ID must be the 6-character token id (got '$TOKEN_ID')"
require_uint READY_TIMEOUT_SECONDS
require_k0s_running_here confirm_member.sh

if role_runs_kubelet "$ROLE"; then
  log "waiting up to ${READY_TIMEOUT_SECONDS}s for node $NODE_NAME to register"
  wait_until "$READY_TIMEOUT_SECONDS" "node $NODE_NAME to register with the API" k0s_node_exists "$NODE_NAME" ||
    die "node $NODE_NAME did not register with the API within ${READY_TIMEOUT_SECONDS}s. On $NODE_NAME check 'journalctl -u $(k0s_service_name "$ROLE") -n 200' and 'k0s status'"
  log "node $NODE_NAME is registered (it may stay NotReady until the CNI is installed)"
fi

if [ -z "$TOKEN_ID" ]; then
  log "no join token to invalidate (the bootstrap controller joined without one)"
elif "$K0S_BINARY" token list | awk 'NR > 1 {print $1}' | grep -qx "$TOKEN_ID"; then
  "$K0S_BINARY" token invalidate "$TOKEN_ID" >/dev/null ||
    die "could not invalidate join token $TOKEN_ID; run 'k0s token invalidate $TOKEN_ID' on the bootstrap controller"
  log "invalidated join token $TOKEN_ID"
else
  log "join token $TOKEN_ID already invalid or expired: nothing to invalidate"
fi
emit member "$NODE_NAME"
