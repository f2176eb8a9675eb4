#!/usr/bin/env bash
# run.sh LABEL LIB SCRIPT [NAME=VALUE ...]: how the program runs every host script.
#
# The host-ready step installs lib.sh, this file and every script under
# /var/lib/mke4k/scripts, each named by its content hash (<name>-<sha256[:12]>.sh),
# so a step's command names exactly the script version it runs and stays short:
#
#   exec bash /var/lib/mke4k/scripts/run-<hash>.sh 'w1 k0s-upgrade' \
#     lib-<hash>.sh upgrade_node-<hash>.sh \
#     K0S_VERSION='v1.33.5+k0s.0' \
#     NODE_NAME=w1
#
# As the SSH user it re-runs itself as root with `sudo -n` (unless already root).
# As root it sets each NAME=VALUE as a shell variable (inputs; never secrets: those
# come on stdin), sources LIB and SCRIPT, passes stdout through untouched (results,
# secrets on the steps that print one) and shows on stderr only the script's own
# "mke4k: ..." lines. Everything the script and the tools it runs print on stderr is
# kept in /var/log/mke4k/<node>.<step>.log (0600, the last run of that step); when the
# step fails, the last lines of that log follow the script's error, then how to collect
# a support bundle. So a failed step's error, which the command provider prefixes with
# the whole command, stays short.
set -euo pipefail

label=${1:?usage: run.sh LABEL LIB SCRIPT [NAME=VALUE ...]}

if [ "$(id -u)" -ne 0 ]; then
  if ! sudo -n true 2>/dev/null; then
    printf "mke4k: [%s] error: the SSH user '%s' cannot run 'sudo -n' on %s (a password is required or sudo is missing). Fix: give it passwordless sudo, or connect as root (mke4k:ssh.user).\n" \
      "$label" "$(id -un)" "$(hostname)" >&2
    exit 1
  fi
  exec sudo -n bash "$0" "$@"
fi

lib=${2:?usage: run.sh LABEL LIB SCRIPT [NAME=VALUE ...]}
script=${3:?usage: run.sh LABEL LIB SCRIPT [NAME=VALUE ...]}
shift 3
scripts_dir=$(dirname "$0")
for file in "$lib" "$script"; do
  if [ ! -r "$scripts_dir/$file" ]; then
    printf "mke4k: [%s] error: %s is not on this host (%s holds the scripts the host-ready step installed). Fix: run 'pulumi up' again so host-ready installs this version of the scripts.\n" \
      "$label" "$scripts_dir/$file" "$scripts_dir" >&2
    exit 1
  fi
done

for assignment in "$@"; do
  name=${assignment%%=*}
  if ! [[ $assignment == *=* && $name =~ ^[A-Z][A-Z0-9_]*$ ]]; then
    printf "mke4k: [%s] error: input '%s' is not NAME=VALUE with an UPPER_CASE name\n" "$label" "$name" >&2
    exit 1
  fi
  printf -v "$name" '%s' "${assignment#*=}"
done
unset assignment name file
# shellcheck disable=SC2034 # read by the log functions of lib.sh
MKE4K_STEP=$label

log_dir=/var/log/mke4k
log_file="$log_dir/${label// /.}.log"
(
  umask 077
  mkdir -p "$log_dir"
  printf '# %s: %s (%s) started %s\n' "$label" "$script" "$lib" "$(date -u +%Y-%m-%dT%H:%M:%SZ)" >"$log_file"
)

# show_progress: every stderr line into the step's log; the script's own lines on stderr.
show_progress() {
  local line
  while IFS= read -r line || [ -n "$line" ]; do
    printf '%s\n' "$line" >>"$log_file"
    case "$line" in
      mke4k:*) printf '%s\n' "$line" >&2 ;;
    esac
  done
}

set +e
{
  # shellcheck source=/dev/null
  (. "$scripts_dir/$lib" && . "$scripts_dir/$script") 2>&1 >&3 3>&- | show_progress
  status=${PIPESTATUS[0]}
} 3>&1
set -e
if [ "$status" -ne 0 ]; then
  details=$(grep -v '^mke4k:' "$log_file" | grep -v '^# ' | tail -n 5 | cut -c1-200 || true)
  if [ -n "$details" ]; then
    printf 'mke4k: [%s] last output of the tools it ran (whole log: %s on %s):\n' "$label" "$log_file" "$(hostname)" >&2
    printf '%s\n' "$details" | sed 's/^/  | /' >&2
  fi
  printf 'mke4k: [%s] to collect a support bundle: make support-bundle STACK=<this stack>\n' "$label" >&2
fi
exit "$status"
