#!/usr/bin/env bash
# upgrade_node.sh: upgrade k0s on one node to a staged version: cordon+drain,
# stop, swap the binary, start, wait ready, uncordon. When a step fails after k0s
# was stopped, it rolls back (ROLLBACK_ON_FAILURE): the previous binary again,
# start, wait, uncordon, then it fails saying so.
# Workers get the admin kubeconfig on stdin. Run by run.sh after lib.sh.
set -euo pipefail

: "${K0S_VERSION:?K0S_VERSION is required (e.g. v1.32.11+k0s.0)}"
: "${ROLE:?ROLE is required (worker|controller|controller+worker)}"
: "${NODE_NAME:?NODE_NAME is required}"
: "${DRAIN:=true}"
: "${DRAIN_TIMEOUT:=5m}"
: "${READY_TIMEOUT_SECONDS:=300}"
: "${ROLLBACK_ON_FAILURE:=true}"

require_root
require_k0s_version K0S_VERSION
require_one_of ROLE worker controller controller+worker
require_node_name NODE_NAME
require_bool DRAIN
require_duration DRAIN_TIMEOUT
require_uint READY_TIMEOUT_SECONDS
require_bool ROLLBACK_ON_FAILURE

# Present from the first change until the node is uncordoned: a re-run after a
# failure resumes (waits and uncordons) even when k0s already runs the new version.
marker="$MKE4K_STATE_DIR/upgrade-in-progress"
current=$(k0s_version)
at_target=false
resuming=false
[ -f "$marker" ] && resuming=true
if [ "$current" = "$K0S_VERSION" ] && k0s_running; then
  at_target=true
  if [ "$resuming" = false ]; then
    log "k0s already at $K0S_VERSION and running on $NODE_NAME: nothing to do"
    emit version "$K0S_VERSION"
    emit changed false
    exit 0
  fi
  log "resuming an interrupted upgrade of $NODE_NAME: k0s already runs $K0S_VERSION"
fi
k0s_service_installed || die "k0s is not installed on $NODE_NAME: join it first (install_controller.sh / join_node.sh)"
staged=$(staged_binary_path "$K0S_VERSION")
[ "$current" = "$K0S_VERSION" ] || require_staged "$K0S_VERSION"

kubectl=("$K0S_BINARY" kubectl)
if [ "$ROLE" = worker ]; then
  kubeconfig="$MKE4K_SECRETS_DIR/admin.kubeconfig"
  read_secret_stdin "$kubeconfig" "admin kubeconfig (workers have no local API access)"
  kubectl+=(--kubeconfig "$kubeconfig")
fi
service=$(k0s_service_name "$ROLE")
kubelet=false
role_runs_kubelet "$ROLE" && kubelet=true

stopped=false
swapped=false
step_output="$MKE4K_SECRETS_DIR/upgrade-step.out"
register_cleanup "$step_output"
step() { # step DESCRIPTION cmd...: run one upgrade step; on failure roll back or explain recovery
  local what=$1 why
  shift
  log "$what"
  mkdir -p "$MKE4K_SECRETS_DIR" && chmod 0700 "$MKE4K_SECRETS_DIR"
  : >"$step_output"
  if "$@" 2>&1 | tee "$step_output" >&2; then
    return 0
  fi
  why=$(grep -v '^[[:space:]]*$' "$step_output" | tail -n 1 | sed 's/^mke4k: \[[^]]*\] //' | cut -c1-300)
  why=${why:-no output}
  if [ "$stopped" = true ] && [ "$ROLLBACK_ON_FAILURE" = true ] && can_roll_back; then
    roll_back "$what" "$why"
  fi
  if [ "$stopped" = true ]; then
    die "upgrade of $NODE_NAME to $K0S_VERSION failed at step '$what': $why. k0s may be stopped on this node.$([ "$ROLLBACK_ON_FAILURE" = false ] && echo " No rollback (mke4k:k0s.upgrade.rollbackOnFailure is false).") Recover by fixing the cause and re-running the upgrade (it resumes), or roll back: 'k0s stop; cp $K0S_BINARY.previous $K0S_BINARY; k0s start', then 'k0s kubectl uncordon $NODE_NAME'. Logs: 'journalctl -u $service -n 200'"
  fi
  die "upgrade of $NODE_NAME to $K0S_VERSION failed at step '$what' before k0s was stopped: $why. k0s still runs ${current:-the old version}.$([ "$kubelet" = true ] && [ "$DRAIN" = true ] && echo " The node may be left cordoned: 'k0s kubectl uncordon $NODE_NAME'"). Fix the cause and re-run"
}
# A rollback needs the binary this upgrade replaced (this run, or the interrupted run the
# marker records), of another version than the target.
can_roll_back() {
  [ -x "$K0S_BINARY.previous" ] && { [ "$swapped" = true ] || [ "$resuming" = true ]; } &&
    [ "$("$K0S_BINARY.previous" version 2>/dev/null || true)" != "$K0S_VERSION" ]
}
roll_back() { # roll_back STEP WHY: previous binary, start, wait, uncordon; then fail saying so
  local what=$1 why=$2 previous
  previous=$("$K0S_BINARY.previous" version 2>/dev/null || echo "the previous version")
  warn "upgrade of $NODE_NAME failed at step '$what' ($why): rolling back to k0s $previous"
  if k0s_running; then
    "$K0S_BINARY" stop >&2 || rollback_failed "$what" "$why" "k0s stop"
  fi
  install_binary "$K0S_BINARY.previous" || rollback_failed "$what" "$why" "reinstalling $K0S_BINARY.previous"
  "$K0S_BINARY" start >&2 || rollback_failed "$what" "$why" "k0s start"
  wait_ready >&2 || rollback_failed "$what" "$why" "waiting for $NODE_NAME to be ready"
  if [ "$DRAIN" = true ] && [ "$kubelet" = true ]; then
    "${kubectl[@]}" uncordon "$NODE_NAME" >&2 || rollback_failed "$what" "$why" "uncordon"
  fi
  rm -f "$marker"
  die "upgrade of $NODE_NAME to $K0S_VERSION failed at step '$what': $why. Rolled back: $NODE_NAME runs k0s $previous again$([ "$DRAIN" = true ] && [ "$kubelet" = true ] && echo " and is uncordoned"); the nodes after it in the rolling order were not touched. Fix the cause (logs: 'journalctl -u $service -n 200' on $NODE_NAME), then run 'pulumi up' again: the upgrade starts over on this node"
}
rollback_failed() { # rollback_failed STEP WHY ROLLBACK_STEP
  die "upgrade of $NODE_NAME to $K0S_VERSION failed at step '$1' ($2), and the rollback to $K0S_BINARY.previous failed too, at '$3'. k0s may be stopped on this node. By hand: 'k0s stop; cp $K0S_BINARY.previous $K0S_BINARY; k0s start', wait for 'k0s status', then 'k0s kubectl uncordon $NODE_NAME'. Logs: 'journalctl -u $service -n 200'"
}
swap_binary() {
  if [ -x "$K0S_BINARY" ]; then
    cp -f "$K0S_BINARY" "$K0S_BINARY.previous"
  fi
  install_binary "$staged"
}
wait_ready() {
  wait_until "$READY_TIMEOUT_SECONDS" "k0s to run on $NODE_NAME" k0s_running ||
    { log "k0s is not running on $NODE_NAME after ${READY_TIMEOUT_SECONDS}s ('k0s status' fails)"; return 1; }
  if role_is_controller "$ROLE"; then
    wait_until "$READY_TIMEOUT_SECONDS" "the API on $NODE_NAME to answer /readyz" k0s_readyz_ok ||
      { log "the API on $NODE_NAME does not answer /readyz after ${READY_TIMEOUT_SECONDS}s"; return 1; }
  fi
  if [ "$kubelet" = true ]; then
    "${kubectl[@]}" wait --for=condition=Ready "node/$NODE_NAME" --timeout="${READY_TIMEOUT_SECONDS}s"
  fi
}

mkdir -p "$MKE4K_STATE_DIR"
printf '%s\n' "$K0S_VERSION" >"$marker"
if [ "$at_target" = false ]; then
  log "upgrading $NODE_NAME from ${current:-unknown} to $K0S_VERSION"
  if [ "$DRAIN" = true ] && [ "$kubelet" = true ]; then
    step "cordon $NODE_NAME" "${kubectl[@]}" cordon "$NODE_NAME"
    step "drain $NODE_NAME" "${kubectl[@]}" drain "$NODE_NAME" --ignore-daemonsets --delete-emptydir-data --timeout="$DRAIN_TIMEOUT"
  fi
  if k0s_running; then
    step "stop k0s" "$K0S_BINARY" stop
  fi
  stopped=true
  if [ "$current" != "$K0S_VERSION" ]; then
    swapped=true
    step "install k0s $K0S_VERSION as $K0S_BINARY (previous binary kept as $K0S_BINARY.previous)" swap_binary
  fi
  step "start k0s" "$K0S_BINARY" start
fi
stopped=true
step "wait for $NODE_NAME to be ready (timeout ${READY_TIMEOUT_SECONDS}s)" wait_ready
if [ "$DRAIN" = true ] && [ "$kubelet" = true ]; then
  step "uncordon $NODE_NAME" "${kubectl[@]}" uncordon "$NODE_NAME"
fi
rm -f "$marker"
log "$NODE_NAME upgraded to $K0S_VERSION"
emit version "$K0S_VERSION"
emit changed true
