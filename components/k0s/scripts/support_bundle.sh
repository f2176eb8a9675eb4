#!/usr/bin/env bash
# support_bundle.sh BOUNDARY JOURNAL_LINES CLUSTER_VIEW: what `make support-bundle`
# collects on one node, printed on stdout as sections. Read-only.
#
# Not run through run.sh: tools/support_bundle.py sends this file on the stdin of
# `bash -s` (as root: directly, or through `sudo -n` when the SSH user may), so it works
# on a node whose host-ready step never ran or installed other script versions. Every
# section starts with a line "<BOUNDARY> <name>" (BOUNDARY is random per run, so no
# collected text can start a section) and the output ends with "<BOUNDARY> end". A
# section that cannot be collected says why instead; the script always exits 0.
#
# Secrets are NOT removed here: the runner redacts every section before anything is
# written to disk (tools/support_redaction.py). The text travels only over the SSH
# connection, like the backup's etcd archive.
set -euo pipefail

BOUNDARY=${1:?usage: support_bundle.sh BOUNDARY JOURNAL_LINES CLUSTER_VIEW}
JOURNAL_LINES=${2:?usage: support_bundle.sh BOUNDARY JOURNAL_LINES CLUSTER_VIEW}
CLUSTER_VIEW=${3:?usage: support_bundle.sh BOUNDARY JOURNAL_LINES CLUSTER_VIEW}
[[ $BOUNDARY =~ ^[A-Za-z0-9_-]{16,}$ ]] || {
  echo "support_bundle.sh: BOUNDARY must be 16 or more letters, digits, '-' or '_'" >&2
  exit 2
}
[[ $JOURNAL_LINES =~ ^[0-9]+$ ]] || {
  echo "support_bundle.sh: JOURNAL_LINES must be a whole number (got '$JOURNAL_LINES')" >&2
  exit 2
}

K0S_CONFIG_DIR=/etc/k0s
MKE4K_LOG_DIR=/var/log/mke4k
MAX_FILE_BYTES=1048576
STEP_LOG_LINES=200

section() { printf '%s %s\n' "$BOUNDARY" "$1"; }

# k0s_binary: the k0s the steps installed, else the first on PATH (empty when none).
k0s_binary() {
  if [ -x /usr/local/bin/k0s ]; then
    echo /usr/local/bin/k0s
  else
    command -v k0s || true
  fi
}

# run_section NAME cmd...: the command's stdout and stderr, then its exit status.
run_section() {
  local name=$1 status=0
  shift
  section "$name"
  "$@" 2>&1 || status=$?
  printf '# exit status %s: %s\n' "$status" "$*"
}

section summary
printf 'host: %s\n' "$(hostname 2>/dev/null || echo unknown)"
printf 'collected: %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)"
printf 'user: %s (uid %s)\n' "$(id -un 2>/dev/null || echo unknown)" "$(id -u)"
if [ "$(id -u)" -ne 0 ]; then
  echo "note: not root (the SSH user cannot run 'sudo -n'): k0s status, the journal and /etc/k0s may be incomplete"
fi
printf 'kernel: %s\n' "$(uname -srm)"
if [ -r /etc/os-release ]; then
  printf 'os: %s\n' "$(sed -n 's/^PRETTY_NAME=//p' /etc/os-release | tr -d '"')"
fi
printf 'uptime: %s\n' "$(uptime 2>/dev/null || echo unknown)"

k0s=$(k0s_binary)
if [ -z "$k0s" ]; then
  section k0s-version
  echo "note: no k0s binary on this node (/usr/local/bin/k0s or PATH)"
  section k0s-status
  echo "note: no k0s binary on this node"
else
  run_section k0s-version "$k0s" version
  run_section k0s-status "$k0s" status
fi

section journal
if command -v journalctl >/dev/null 2>&1; then
  status=0
  journalctl -u k0scontroller -u k0sworker --no-pager -n "$JOURNAL_LINES" 2>&1 || status=$?
  printf '# exit status %s: journalctl -u k0scontroller -u k0sworker --no-pager -n %s\n' "$status" "$JOURNAL_LINES"
else
  echo "note: journalctl is not installed on this node (no systemd journal); k0s under OpenRC logs to /var/log/k0s*.log"
  for log in /var/log/k0scontroller.log /var/log/k0sworker.log; do
    if [ -r "$log" ]; then
      printf '# last %s lines of %s\n' "$JOURNAL_LINES" "$log"
      tail -n "$JOURNAL_LINES" "$log"
    fi
  done
fi

if [ -d "$K0S_CONFIG_DIR" ]; then
  while IFS= read -r -d '' file; do
    relative=${file#"$K0S_CONFIG_DIR"/}
    relative=${relative//$'\n'/?}
    size=$(stat -c %s "$file" 2>/dev/null || echo 0)
    section "etc-k0s/$relative"
    if [ "$size" -gt "$MAX_FILE_BYTES" ]; then
      echo "note: not collected: $size bytes (more than $MAX_FILE_BYTES)"
    elif [ ! -r "$file" ]; then
      echo "note: not collected: not readable by $(id -un)"
    elif [ -s "$file" ] && ! grep -qI . "$file"; then
      echo "note: not collected: a binary file of $size bytes"
    else
      cat "$file"
      # The next boundary must start a line.
      [ ! -s "$file" ] || [ -z "$(tail -c 1 "$file")" ] || echo
    fi
  done < <(find "$K0S_CONFIG_DIR" -type f -print0 2>/dev/null | sort -z)
else
  section etc-k0s
  echo "note: $K0S_CONFIG_DIR does not exist on this node"
fi

if [ -d "$MKE4K_LOG_DIR" ]; then
  while IFS= read -r -d '' file; do
    section "step-logs/$(basename "$file")"
    printf '# last %s lines\n' "$STEP_LOG_LINES"
    tail -n "$STEP_LOG_LINES" "$file"
  done < <(find "$MKE4K_LOG_DIR" -maxdepth 1 -type f -name '*.log' -print0 2>/dev/null | sort -z)
fi

if [ "$CLUSTER_VIEW" = true ]; then
  if [ -z "$k0s" ]; then
    section kubectl-nodes
    echo "note: no k0s binary on this node"
  else
    run_section kubectl-nodes "$k0s" kubectl get nodes -o wide
    run_section kubectl-pods "$k0s" kubectl get pods -A -o wide
  fi
fi

section end
