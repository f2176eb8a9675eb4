#!/usr/bin/env bash
# reset_node.sh: on the node being removed (or during destroy): stop k0s, run
# k0s reset and remove what mke4k put on the host.
# Run by run.sh after lib.sh (see README.md).
set -euo pipefail

: "${IS_BOOTSTRAP:?IS_BOOTSTRAP is required (true|false)}"
: "${NODE_NAME:?NODE_NAME is required}"
: "${PEER_ADDRESS:=}" # optional: this node's etcd peer address (to recognise itself)
: "${FORCE:=false}"   # true: skip the bootstrap safety check when k0s is not running

require_root
require_bool IS_BOOTSTRAP
require_bool FORCE
require_node_name NODE_NAME

if [ "$IS_BOOTSTRAP" = true ] && k0s_service_installed; then
  if k0s_running; then
    members=$(etcd_members) || die "k0s etcd member-list failed: cannot check whether other controllers remain"
    others=$(printf '%s\n' "$members" | awk -v self="$NODE_NAME" -v peer="$PEER_ADDRESS" \
      'NF == 2 && $1 != self && (peer == "" || index($2, "//" peer ":") == 0) {print $1 " (" $2 ")"}' | paste -sd, - | sed 's/,/, /g')
    if [ -n "$others" ]; then
      die "refusing to reset the bootstrap controller $NODE_NAME while other controllers remain: $others. Hand the bootstrap role over first: set mke4k:k0s.bootstrapController to another controller and run 'pulumi up', then remove this one (or destroy the whole cluster)"
    fi
  elif [ "$FORCE" != true ]; then
    die "k0s is not running on the bootstrap controller $NODE_NAME, so its etcd membership cannot be checked: start it ('k0s start') and re-run; if the host is beyond repair and the whole cluster is being destroyed, run this step by hand with FORCE=true (or remove it from the state with 'pulumi state delete') and reset the host yourself"
  fi
fi

changed=false
if k0s_running; then
  log "stopping k0s"
  "$K0S_BINARY" stop || die "k0s stop failed: check 'systemctl status k0scontroller k0sworker'"
  changed=true
fi

if k0s_service_installed || [ -d "$K0S_DATA_DIR" ]; then
  reset_binary=$K0S_BINARY
  [ -x "$reset_binary" ] || reset_binary=$MKE4K_STAGED_LINK
  [ -x "$reset_binary" ] || die "k0s is installed but no k0s binary is left at $K0S_BINARY or $MKE4K_STAGED_LINK to run 'k0s reset' with: stage one (stage_k0s.sh) and re-run"
  log "k0s reset"
  "$reset_binary" reset >&2 || die "k0s reset failed (the last lines of its output follow); fix the cause and re-run"
  changed=true
else
  log "k0s is not installed on $NODE_NAME: no k0s reset needed"
fi

for path in "$K0S_BINARY" "$K0S_BINARY.previous" "$K0S_CONFIG_FILE"; do
  if [ -e "$path" ] || [ -L "$path" ]; then
    rm -f "$path"
    changed=true
  fi
done
# Everything mke4k kept here goes, except its scripts (a re-run of this step, or a
# later delete recorded in the state, still needs them; they hold no secret).
for path in "$MKE4K_STATE_DIR"/* "$MKE4K_STATE_DIR"/.[!.]*; do
  if [ -e "$path" ] && [ "$path" != "$MKE4K_SCRIPTS_DIR" ]; then
    rm -rf "$path"
    changed=true
  fi
done
rmdir "$(dirname "$K0S_CONFIG_FILE")" 2>/dev/null || true

if [ "$changed" = true ]; then
  log "$NODE_NAME reset. A reboot is recommended: k0s reset leaves Calico network interfaces and iptables rules behind"
else
  log "nothing of k0s or mke4k left on $NODE_NAME: nothing to do"
fi
emit reset true
emit changed "$changed"
