#!/usr/bin/env bash
# authorized_keys.sh: add or remove one public key in the SSH user's authorized_keys,
# for SSH key rotation (components/k0s/runner/ssh_key.py). Unlike the other scripts it
# runs as the SSH user itself, without sudo, sent alone (`bash -s`, inputs as
# variables): the runner logs in with the key that works now to add the next one, and
# with the new key to remove the old one. Keys are compared by type and key data
# (options and comments ignored). The file keeps its mode (0600 when created).
set -euo pipefail

: "${ACTION:?ACTION is required (add|remove)}"
: "${PUBLIC_KEY:?PUBLIC_KEY is required (one OpenSSH public key line)}"
: "${AUTHORIZED_KEYS:=$HOME/.ssh/authorized_keys}"
: "${LABEL:=authorized_keys}"

say() { printf 'mke4k: [%s] %s\n' "$LABEL" "$*" >&2; }
fail() {
  say "error: $*"
  exit 1
}
case "$ACTION" in add | remove) ;; *) fail "ACTION must be add or remove (got '$ACTION')" ;; esac
read -r kind data _ <<<"$PUBLIC_KEY"
[[ ${kind:-} =~ ^(ssh-[a-z0-9-]+|ecdsa-sha2-[a-z0-9-]+|sk-[a-z0-9@.-]+)$ ]] && [[ ${data:-} =~ ^[A-Za-z0-9+/]+=*$ ]] ||
  fail "PUBLIC_KEY is not an OpenSSH public key line ('<type> <base64> [comment]')"
wanted="$kind $data"

# key_lines FILE: "<line number> <type> <data>" for every key line (options skipped).
key_lines() {
  awk '{ for (i = 1; i < NF; i++) if ($i ~ /^(ssh-|ecdsa-sha2-|sk-)/) { print NR, $i, $(i + 1); break } }' "$1"
}

if [ "$ACTION" = add ]; then
  directory=$(dirname "$AUTHORIZED_KEYS")
  if [ ! -d "$directory" ]; then
    mkdir -p "$directory"
    chmod 0700 "$directory"
  fi
  if [ ! -e "$AUTHORIZED_KEYS" ]; then
    (umask 077 && : >"$AUTHORIZED_KEYS")
  fi
  if key_lines "$AUTHORIZED_KEYS" | awk '{print $2, $3}' | grep -qxF -- "$wanted"; then
    say "the key is authorized already: nothing to do"
    exit 0
  fi
  # Append in place (keeps the owner, mode and any SELinux label of the file).
  if [ -s "$AUTHORIZED_KEYS" ] && [ -n "$(tail -c 1 "$AUTHORIZED_KEYS")" ]; then
    printf '\n' >>"$AUTHORIZED_KEYS"
  fi
  printf '%s\n' "$PUBLIC_KEY" >>"$AUTHORIZED_KEYS"
  say "added the new key to $AUTHORIZED_KEYS"
  exit 0
fi

[ -f "$AUTHORIZED_KEYS" ] || { say "$AUTHORIZED_KEYS does not exist: nothing to remove"; exit 0; }
drop=$(key_lines "$AUTHORIZED_KEYS" | awk -v kind="$kind" -v data="$data" '$2 == kind && $3 == data {print $1}' | paste -sd, -)
if [ -z "$drop" ]; then
  say "the old key is not in $AUTHORIZED_KEYS: nothing to remove"
  exit 0
fi
# Rewrite in place (cat > file keeps the inode, owner and mode), from a copy in the same directory.
copy=$(mktemp "$AUTHORIZED_KEYS.mke4k.XXXXXX")
trap 'rm -f "$copy"' EXIT
awk -v drop=",$drop," 'index(drop, "," NR ",") == 0' "$AUTHORIZED_KEYS" >"$copy"
cat "$copy" >"$AUTHORIZED_KEYS"
say "removed the old key from $AUTHORIZED_KEYS"
