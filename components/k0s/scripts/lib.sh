#!/usr/bin/env bash
# mke4k shared shell library.
# run.sh sources this file, then the script, as root, with the step's inputs already
# set as shell variables and MKE4K_STEP set to "<node> <step>". This file only
# defines constants and functions; it never reads stdin and never prints secrets.
set -euo pipefail
umask 022

# Common inputs (documented defaults; a step may set them as arguments of run.sh).
: "${K0S_BINARY:=/usr/local/bin/k0s}"
: "${POLL_INTERVAL_SECONDS:=2}"

# Fixed paths on every host (used by the scripts that follow this library).
# shellcheck disable=SC2034
{
  MKE4K_STATE_DIR=/var/lib/mke4k
  MKE4K_SCRIPTS_DIR=/var/lib/mke4k/scripts
  MKE4K_STAGING_DIR=/var/lib/mke4k/bin
  MKE4K_SECRETS_DIR=/var/lib/mke4k/tmp
  MKE4K_STAGED_LINK=/var/lib/mke4k/bin/k0s-staged
  K0S_CONFIG_FILE=/etc/k0s/k0s.yaml
  K0S_DATA_DIR=/var/lib/k0s
}

# ---------------------------------------------------------------- messages
# Human messages go to stderr, each line "mke4k: [<node> <step>] ..." so that a
# person following a long `pulumi up` sees which node and step it belongs to (run.sh
# shows only these lines and keeps the tools' own output in the step's log file);
# machine-readable key=value results go to stdout.
mke4k_prefix() { printf 'mke4k: %s' "${MKE4K_STEP:+[$MKE4K_STEP] }"; }
log() { printf '%s%s\n' "$(mke4k_prefix)" "$*" >&2; }
warn() { printf '%swarning: %s\n' "$(mke4k_prefix)" "$*" >&2; }
die() {
  printf '%serror: %s\n' "$(mke4k_prefix)" "$*" >&2
  exit 1
}
emit() { printf '%s=%s\n' "$1" "$2"; }

# ---------------------------------------------------------------- input checks
require_one_of() { # require_one_of NAME allowed...
  local name=$1 value allowed
  shift
  value=${!name-}
  for allowed in "$@"; do
    [ "$value" = "$allowed" ] && return 0
  done
  die "$name must be one of: $* (got '$value')"
}
require_bool() { require_one_of "$1" true false; }
require_uint() { # require_uint NAME
  [[ ${!1-} =~ ^[0-9]+$ ]] || die "$1 must be a whole number of seconds/attempts (got '${!1-}')"
}
require_duration() { # Go-style duration such as 30m, 1h, 90s
  [[ ${!1-} =~ ^([0-9]+(h|m|s))+$ ]] || die "$1 must be a duration such as 30m, 1h or 90s (got '${!1-}')"
}
require_k0s_version() { # require_k0s_version NAME
  [[ ${!1-} =~ ^v[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.]+)?\+k0s\.[0-9]+$ ]] ||
    die "$1 must look like v1.32.11+k0s.0 (got '${!1-}')"
}
require_node_name() { # DNS-1123 subdomain, as Kubernetes node names must be
  [[ ${!1-} =~ ^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$ ]] ||
    die "$1 must be a valid Kubernetes node name (lowercase letters, digits, '-' and '.'; got '${!1-}')"
}
require_root() {
  [ "$(id -u)" -eq 0 ] ||
    die "must run as root; the program runs every script through 'sudo -n': give the SSH user passwordless sudo"
}

# Roles: worker | controller | controller+worker
role_runs_kubelet() { [ "$1" = worker ] || [ "$1" = controller+worker ]; }
role_is_controller() { [ "$1" = controller ] || [ "$1" = controller+worker ]; }

# ---------------------------------------------------------------- host facts
detect_arch() {
  local machine
  machine=$(uname -m)
  case "$machine" in
    x86_64 | amd64) echo amd64 ;;
    aarch64 | arm64) echo arm64 ;;
    armv7l | armv7* | armv8l | armhf | arm) echo arm ;;
    *) die "unsupported CPU architecture '$machine': k0s ships binaries for amd64, arm64 and arm only" ;;
  esac
}

sha256_of() { sha256sum "$1" | awk '{print $1}'; }

# ---------------------------------------------------------------- cleanup
# Files registered here are overwritten and removed when the script exits,
# whatever the exit status. Register from the main shell, not from $( ... ).
MKE4K_CLEANUP_FILES=()
wipe_file() {
  if [ -f "$1" ]; then
    dd if=/dev/zero of="$1" bs=1 count="$(stat -c %s "$1")" conv=notrunc status=none 2>/dev/null || true
    rm -f "$1"
  fi
}
mke4k_cleanup() {
  local f
  for f in "${MKE4K_CLEANUP_FILES[@]+"${MKE4K_CLEANUP_FILES[@]}"}"; do
    wipe_file "$f"
  done
}
trap mke4k_cleanup EXIT
register_cleanup() { MKE4K_CLEANUP_FILES+=("$1"); }

# read_secret_stdin PATH DESCRIPTION: write stdin to PATH (mode 0600, directory
# 0700), register it for removal, fail if stdin was empty.
read_secret_stdin() {
  local path=$1 what=$2
  mkdir -p "$(dirname "$path")"
  chmod 0700 "$(dirname "$path")"
  register_cleanup "$path"
  (
    umask 077
    cat >"$path"
  )
  chmod 0600 "$path"
  [ -s "$path" ] || die "no $what on stdin (the program sends it on stdin; it is never passed as an argument)"
}

# ---------------------------------------------------------------- waiting
# retry ATTEMPTS DELAY_SECONDS cmd...: run cmd until it succeeds; exponential
# backoff (DELAY, 2*DELAY, 4*DELAY...). cmd exit status 3 = permanent failure:
# stop at once. Returns cmd's last status.
retry() {
  local attempts=$1 delay=$2 attempt=1 status
  shift 2
  while true; do
    status=0
    "$@" || status=$?
    [ "$status" -eq 0 ] && return 0
    [ "$status" -eq 3 ] && return 3
    if [ "$attempt" -ge "$attempts" ]; then
      return "$status"
    fi
    log "attempt $attempt/$attempts failed; retrying in ${delay}s"
    sleep "$delay"
    attempt=$((attempt + 1))
    delay=$((delay * 2))
  done
}

# wait_until TIMEOUT_SECONDS WHAT cmd...: poll cmd every POLL_INTERVAL_SECONDS until
# it succeeds (returns 0) or the timeout passes (returns 1). A wait longer than a few
# seconds says what it waits for and for how long (at 5, 15, 30 and 60 s, then every
# minute), and how long it took.
wait_until() {
  local timeout=$1 what=$2 start now elapsed next=5
  shift 2
  start=$(date +%s)
  while true; do
    if "$@"; then
      elapsed=$(($(date +%s) - start))
      [ "$elapsed" -lt 5 ] || log "$what: done after ${elapsed}s"
      return 0
    fi
    now=$(date +%s)
    elapsed=$((now - start))
    [ "$elapsed" -ge "$timeout" ] && return 1
    if [ "$elapsed" -ge "$next" ]; then
      log "waiting for $what (${elapsed}s of ${timeout}s)"
      case "$next" in
        5) next=15 ;;
        15) next=30 ;;
        30) next=60 ;;
        *) next=$((next + 60)) ;;
      esac
    fi
    sleep "$POLL_INTERVAL_SECONDS"
  done
}

# ---------------------------------------------------------------- downloads
# fetch_once URL DEST: 0 = ok, 3 = permanent (HTTP 4xx), 1 = transient.
fetch_once() {
  local url=$1 dest=$2 code status=0
  if command -v curl >/dev/null 2>&1; then
    code=$(curl -sS -L --connect-timeout 15 --retry 0 -o "$dest" -w '%{http_code}' "$url") || status=$?
    if [ "$status" -ne 0 ]; then
      log "download of $url failed (curl exit $status)"
      return 1
    fi
  elif command -v wget >/dev/null 2>&1; then
    local headers
    headers=$(wget -q -S -t 1 -T 15 -O "$dest" "$url" 2>&1) || status=$?
    code=$(printf '%s\n' "$headers" | awk '$1 ~ /^HTTP\// {c=$2} END {print c}')
    if [ "$status" -ne 0 ] && [ -z "$code" ]; then
      log "download of $url failed (wget exit $status)"
      return 1
    fi
  else
    die "neither curl nor wget is installed: install the 'curl' package (apt-get install curl / dnf install curl)"
  fi
  case "$code" in
    200) return 0 ;;
    404) log "HTTP 404 Not Found: $url"; return 3 ;;
    408 | 429 | 5??) log "HTTP $code from $url (transient)"; return 1 ;;
    *) log "HTTP $code from $url"; return 3 ;;
  esac
}

# fetch URL DEST: fetch_once with DOWNLOAD_ATTEMPTS / RETRY_DELAY_SECONDS.
fetch() {
  local status=0
  retry "${DOWNLOAD_ATTEMPTS:-4}" "${RETRY_DELAY_SECONDS:-5}" fetch_once "$1" "$2" || status=$?
  case "$status" in
    0) return 0 ;;
    3) die "could not download $1 (the server answered with a permanent error): check the k0s version and K0S_DOWNLOAD_URL" ;;
    *) die "could not download $1 after ${DOWNLOAD_ATTEMPTS:-4} attempts: check the host's network access (proxy, firewall) or use an airgap mirror / uploaded binary" ;;
  esac
}

# ---------------------------------------------------------------- k0s
staged_binary_path() { printf '%s/k0s-%s' "$MKE4K_STAGING_DIR" "$1"; }

require_staged() { # require_staged VERSION: fail unless stage_k0s.sh staged it
  local path
  path=$(staged_binary_path "$1")
  [ -x "$path" ] || die "k0s $1 is not staged at $path: run stage_k0s.sh for this version first"
}

# install_binary SRC: copy SRC to K0S_BINARY atomically (mode 0755).
install_binary() {
  local tmp
  mkdir -p "$(dirname "$K0S_BINARY")"
  tmp="$K0S_BINARY.mke4k-new"
  register_cleanup "$tmp"
  cp -f "$1" "$tmp"
  chmod 0755 "$tmp"
  mv -f "$tmp" "$K0S_BINARY"
}

# install_staged_binary_if_absent: first install of the binary from k0s-staged.
install_staged_binary_if_absent() {
  if [ -x "$K0S_BINARY" ]; then
    return 0
  fi
  [ -x "$MKE4K_STAGED_LINK" ] ||
    die "no k0s binary at $K0S_BINARY and nothing staged at $MKE4K_STAGED_LINK: run stage_k0s.sh first"
  install_binary "$MKE4K_STAGED_LINK"
  log "installed $("$K0S_BINARY" version) as $K0S_BINARY"
}

k0s_service_installed() {
  local unit
  for unit in /etc/systemd/system/k0scontroller.service /etc/systemd/system/k0sworker.service \
    /etc/init.d/k0scontroller /etc/init.d/k0sworker; do
    [ -e "$unit" ] && return 0
  done
  return 1
}
k0s_service_name() { # k0scontroller or k0sworker, for messages
  if role_is_controller "${1:-controller}"; then echo k0scontroller; else echo k0sworker; fi
}
k0s_running() { [ -x "$K0S_BINARY" ] && "$K0S_BINARY" status >/dev/null 2>&1; }
k0s_readyz_ok() { [ "$("$K0S_BINARY" kubectl get --raw=/readyz 2>/dev/null)" = ok ]; }
k0s_node_exists() { "$K0S_BINARY" kubectl get node "$1" >/dev/null 2>&1; }
k0s_version() { "$K0S_BINARY" version 2>/dev/null || true; }

require_k0s_running_here() { # require_k0s_running_here SCRIPT_NAME
  k0s_running || die "k0s is not running on this host ($K0S_BINARY status failed): $1 must run on a running controller (the bootstrap controller); check 'systemctl status k0scontroller'"
}

# etcd_members: "name url" lines from `k0s etcd member-list` (JSON).
etcd_members() {
  "$K0S_BINARY" etcd member-list | tr -d ' \n' | sed -e 's/^.*"members":{//' -e 's/}.*$//' |
    tr ',' '\n' | sed -n 's/^"\([^"]*\)":"\([^"]*\)"$/\1 \2/p'
}

# token_id_from_file FILE: the <id> of the <id>.<secret> bootstrap token inside
# a k0s join token (base64 of a gzipped kubeconfig). Never prints the secret.
token_id_from_file() {
  local id
  id=$(base64 -d <"$1" 2>/dev/null | gzip -dc 2>/dev/null |
    sed -n 's/^[[:space:]]*token:[[:space:]]*\([a-z0-9]\{6\}\)\.[a-z0-9]\{16\}[[:space:]]*$/\1/p' |
    awk 'NR == 1') || true
  [ -n "$id" ] || return 1
  printf '%s\n' "$id"
}
