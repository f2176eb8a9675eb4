#!/usr/bin/env bash
# configure_registry.sh: write the registry configuration of k0s's containerd (a drop-in
# in /etc/k0s/containerd.d and hosts.toml files under /etc/k0s/containerd.d/certs.d):
# the mirror, its CA and, when given, credentials. Idempotent: unchanged files are left
# alone (changed=false). A CA or credential rotation rewrites only the hosts files, which
# containerd reads on every pull: no k0s reinstall, no restart.
# Run as: preamble + lib.sh + this file (see README.md). Stdin: the credentials token
# (base64 of user:password) when HAS_CREDENTIALS=true.
set -euo pipefail

: "${ACTION:=apply}"            # apply | remove (remove every file this script wrote)
: "${REGISTRY_FILES:=}"         # apply: "<path> <octal mode> <base64 content>" lines (components/k0s/containerd.py)
: "${HAS_CREDENTIALS:=false}"   # true: stdin carries the token that replaces the auth placeholder

require_one_of ACTION apply remove
require_bool HAS_CREDENTIALS
require_root

DROPIN_DIR=/etc/k0s/containerd.d
HOSTS_DIR=$DROPIN_DIR/certs.d
DROPIN_FILE=$DROPIN_DIR/mke4k-registry.toml
MANAGED_LIST=$MKE4K_STATE_DIR/registry-files
AUTH_PLACEHOLDER='@MKE4K_REGISTRY_AUTH@'

changed=false
dropin_changed=false
note_change() { # note_change PATH
  changed=true
  if [ "$1" = "$DROPIN_FILE" ]; then dropin_changed=true; fi
}

# remove_unlisted KEEP_FILE: delete files written before and not wanted now, then the
# host folders that became empty.
remove_unlisted() {
  local keep=$1 old
  [ -f "$MANAGED_LIST" ] || return 0
  while IFS= read -r old; do
    [ -n "$old" ] || continue
    if ! grep -qxF -- "$old" "$keep" && [ -e "$old" ]; then
      rm -f -- "$old"
      log "removed $old"
      note_change "$old"
      rmdir --ignore-fail-on-non-empty -- "$(dirname "$old")" 2>/dev/null || true
    fi
  done <"$MANAGED_LIST"
}

mkdir -p "$MKE4K_STATE_DIR"
wanted=$(mktemp "$MKE4K_STATE_DIR/.registry-files.XXXXXX")
register_cleanup "$wanted"

if [ "$ACTION" = remove ]; then
  remove_unlisted "$wanted"
  rm -f "$MANAGED_LIST"
  rmdir --ignore-fail-on-non-empty "$HOSTS_DIR" 2>/dev/null || true
  [ "$changed" = true ] || log "no registry configuration written by mke4k here: nothing to do"
  emit changed "$changed"
  emit dropin_changed "$dropin_changed"
  exit 0
fi

[ -n "$REGISTRY_FILES" ] ||
  die "REGISTRY_FILES is empty: nothing to write (the program renders it from mke4k:registry.*); use ACTION=remove to remove the configuration"

token=
if [ "$HAS_CREDENTIALS" = true ]; then
  read_secret_stdin "$MKE4K_SECRETS_DIR/registry-auth" "registry credentials token"
  token=$(<"$MKE4K_SECRETS_DIR/registry-auth")
  token=${token%$'\n'}
  [[ $token =~ ^[A-Za-z0-9+/]+=*$ ]] ||
    die "the registry credentials token on stdin is not base64 (the program sends base64 of user:password); files left untouched"
fi

# Validate every entry before writing any, so a bad input changes nothing.
count=0
while read -r path mode content; do
  [ -n "$path" ] || continue
  [[ $path =~ ^/etc/k0s/containerd\.d/[A-Za-z0-9._:/-]+$ && $path != *..* ]] ||
    die "refusing to write '$path': registry files live under $DROPIN_DIR; files left untouched"
  [[ $mode =~ ^0?[0-7]{3}$ ]] || die "mode '$mode' of $path is not an octal file mode; files left untouched"
  printf '%s' "$content" | base64 -d >/dev/null 2>&1 || die "the content of $path is not valid base64; files left untouched"
  if printf '%s' "$content" | base64 -d | grep -qF -- "$AUTH_PLACEHOLDER" && [ -z "$token" ]; then
    die "$path expects registry credentials but HAS_CREDENTIALS is false; files left untouched"
  fi
  printf '%s\n' "$path" >>"$wanted"
  count=$((count + 1))
done <<<"$REGISTRY_FILES"

mkdir -p "$DROPIN_DIR"
while read -r path mode content; do
  [ -n "$path" ] || continue
  dir=$(dirname "$path")
  [ -d "$dir" ] || install -d -m 0700 "$dir"
  tmp=$(mktemp "$dir/.mke4k.XXXXXX")
  register_cleanup "$tmp"
  printf '%s' "$content" | base64 -d >"$tmp"
  if grep -qF -- "$AUTH_PLACEHOLDER" "$tmp"; then
    text=$(<"$tmp")
    printf '%s\n' "${text//"$AUTH_PLACEHOLDER"/"$token"}" >"$tmp"
  fi
  chmod "$mode" "$tmp"
  if [ -f "$path" ] && cmp -s "$tmp" "$path" && [ "$(stat -c %a "$path")" = "$(stat -c %a "$tmp")" ]; then
    continue
  fi
  mv -f "$tmp" "$path"
  log "wrote $path"
  note_change "$path"
done <<<"$REGISTRY_FILES"

remove_unlisted "$wanted"
cp -f "$wanted" "$MANAGED_LIST"
chmod 0600 "$MANAGED_LIST"

if [ "$changed" = false ]; then
  log "registry configuration unchanged ($count files): nothing to do"
elif [ "$dropin_changed" = true ] && k0s_running; then
  log "$DROPIN_FILE changed: k0s watches $DROPIN_DIR and reloads containerd with it"
fi
emit changed "$changed"
emit dropin_changed "$dropin_changed"
emit files "$count"
