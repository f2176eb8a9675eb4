#!/usr/bin/env bash
# join_node.sh: join this host to the cluster with the token on stdin, start
# k0s and wait until it runs. Run by run.sh after lib.sh.
set -euo pipefail

: "${ROLE:?ROLE is required (worker|controller|controller+worker)}"
: "${NODE_NAME:?NODE_NAME is required}"
: "${READY_TIMEOUT_SECONDS:=300}"

require_root
require_one_of ROLE worker controller controller+worker
require_node_name NODE_NAME
require_uint READY_TIMEOUT_SECONDS

# A fixed path, so a restart after an interrupted join finds the file that the
# installed service refers to. Overwritten and removed on exit, always.
token_file="$MKE4K_SECRETS_DIR/join-token"
read_secret_stdin "$token_file" "join token"
token_id=$(token_id_from_file "$token_file") ||
  die "the join token on stdin is not a k0s join token (expected base64 of a gzipped kubeconfig); create it with create_join_token.sh"

service=$(k0s_service_name "$ROLE")
if k0s_service_installed && k0s_running; then
  log "k0s already joined and running on $NODE_NAME ($(k0s_version)): nothing to do"
  emit token_id "$token_id"
  emit changed false
  exit 0
fi

install_staged_binary_if_absent
if k0s_service_installed; then
  log "k0s is installed but not running: starting it"
else
  if [ "$ROLE" = worker ]; then
    args=(install worker --token-file "$token_file" "--kubelet-extra-args=--hostname-override=$NODE_NAME")
  else
    [ -f "$K0S_CONFIG_FILE" ] || die "$K0S_CONFIG_FILE is missing: run write_k0s_config.sh first"
    args=(install controller --token-file "$token_file" -c "$K0S_CONFIG_FILE")
    if [ "$ROLE" = controller+worker ]; then
      # Registers with k0s's control-plane taint; node_taints.sh keeps it as mke4k:k0s.noTaints says.
      args+=(--enable-worker "--kubelet-extra-args=--hostname-override=$NODE_NAME")
    fi
  fi
  log "k0s ${args[*]}"
  "$K0S_BINARY" "${args[@]}" ||
    die "k0s install $ROLE failed (the last lines of its output follow). An invalid or expired token needs a new one: re-run create_join_token.sh (pulumi up does this when the token resource is replaced)"
fi

"$K0S_BINARY" start || die "k0s start failed: check 'journalctl -u $service -n 200'"

joined() {
  k0s_running || return 1
  if role_is_controller "$ROLE"; then k0s_readyz_ok; fi
}
log "waiting up to ${READY_TIMEOUT_SECONDS}s for k0s to run on $NODE_NAME"
wait_until "$READY_TIMEOUT_SECONDS" "$NODE_NAME to join the cluster" joined ||
  die "k0s on $NODE_NAME did not report running$(role_is_controller "$ROLE" && echo ' with a ready API') within ${READY_TIMEOUT_SECONDS}s. Check: 'journalctl -u $service -n 200' (a rejected or expired token shows there), 'k0s status'; then re-run"

log "$NODE_NAME joined as $ROLE ($(k0s_version))"
emit token_id "$token_id"
emit changed true
