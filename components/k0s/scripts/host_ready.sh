#!/usr/bin/env bash
# host_ready.sh: the first command on every host. Waits for cloud-init, checks
# root, CPU architecture, OS and the tools the other scripts need.
# Run by run.sh after lib.sh (see README.md).
set -euo pipefail

: "${NEEDS_DOWNLOAD:=false}" # true when stage_k0s.sh will download on this host

require_bool NEEDS_DOWNLOAD

if command -v cloud-init >/dev/null 2>&1; then
  log "waiting for cloud-init to finish"
  status=0
  cloud-init status --wait >/dev/null || status=$?
  case "$status" in
    0) ;;
    2) warn "cloud-init finished with recoverable errors (see /var/log/cloud-init.log); continuing" ;;
    *) die "cloud-init failed (exit $status): see /var/log/cloud-init-output.log, fix the user data and re-run" ;;
  esac
fi

require_root
arch=$(detect_arch)

[ -r /etc/os-release ] || die "/etc/os-release is missing: cannot tell which OS this host runs"
os_release_field() { # read, never source, /etc/os-release
  awk -F= -v key="$1" '$1 == key {gsub(/^["'\'']|["'\'']$/, "", $2); print $2; exit}' /etc/os-release
}
os_id=$(os_release_field ID)
os_version=$(os_release_field VERSION_ID)

missing=()
need_tool() { # need_tool TOOL PACKAGE
  command -v "$1" >/dev/null 2>&1 || missing+=("'$1' (package '$2')")
}
need_tool sha256sum coreutils
need_tool base64 coreutils
need_tool gzip gzip
need_tool mktemp coreutils
need_tool awk gawk
need_tool sed sed
if [ "$NEEDS_DOWNLOAD" = true ] && ! command -v curl >/dev/null 2>&1 && ! command -v wget >/dev/null 2>&1; then
  missing+=("'curl' or 'wget' (package 'curl')")
fi
if [ "${#missing[@]}" -gt 0 ]; then
  die "required tools missing on this host: ${missing[*]}; install them (apt-get install ... / dnf install ...) or bake them into the image, then re-run"
fi

log "host ready: $os_id $os_version on $arch"
emit arch "$arch"
emit os "$os_id"
emit os_version "$os_version"
