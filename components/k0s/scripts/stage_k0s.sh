#!/usr/bin/env bash
# stage_k0s.sh: put a verified k0s binary at /var/lib/mke4k/bin/k0s-$K0S_VERSION
# and point /var/lib/mke4k/bin/k0s-staged at it. Fails closed on any checksum
# mismatch. Run by run.sh after lib.sh (see README.md).
set -euo pipefail

: "${K0S_VERSION:?K0S_VERSION is required (e.g. v1.32.11+k0s.0)}"
: "${K0S_DOWNLOAD_URL:=https://github.com/k0sproject/k0s/releases/download}"
: "${K0S_SHA256:=}"          # optional pin; required for STAGE_MODE=uploaded
: "${STAGE_MODE:=download}"  # download | uploaded
: "${UPLOAD_PATH:=}"          # uploaded mode: where the program copied the binary
: "${DOWNLOAD_ATTEMPTS:=4}"
: "${RETRY_DELAY_SECONDS:=5}"

require_root
require_k0s_version K0S_VERSION
require_one_of STAGE_MODE download uploaded
require_uint DOWNLOAD_ATTEMPTS
require_uint RETRY_DELAY_SECONDS
K0S_SHA256=$(printf '%s' "$K0S_SHA256" | tr 'A-F' 'a-f')
if [ -n "$K0S_SHA256" ] && ! [[ $K0S_SHA256 =~ ^[0-9a-f]{64}$ ]]; then
  die "K0S_SHA256 must be 64 hex characters (got '$K0S_SHA256')"
fi
if [ "$STAGE_MODE" = uploaded ] && [ -z "$K0S_SHA256" ]; then
  die "STAGE_MODE=uploaded needs K0S_SHA256: an uploaded binary is only trusted against a pinned checksum"
fi

arch=$(detect_arch)
asset="k0s-$K0S_VERSION-$arch"
base=${K0S_DOWNLOAD_URL%/}
target=$(staged_binary_path "$K0S_VERSION")
checksum_file="$target.sha256"

point_staged_link() {
  if [ "$(readlink "$MKE4K_STAGED_LINK" 2>/dev/null || true)" != "k0s-$K0S_VERSION" ]; then
    ln -sfn "k0s-$K0S_VERSION" "$MKE4K_STAGED_LINK.new"
    mv -Tf "$MKE4K_STAGED_LINK.new" "$MKE4K_STAGED_LINK"
    log "$MKE4K_STAGED_LINK -> k0s-$K0S_VERSION"
  fi
}

mkdir -p "$MKE4K_STAGING_DIR"
chmod 0755 "$MKE4K_STAGING_DIR"

# Already staged? Trust it only if it still matches the pin, or (no pin) the
# checksum recorded when it was verified.
if [ -f "$target" ]; then
  expected=${K0S_SHA256:-$(cat "$checksum_file" 2>/dev/null || true)}
  actual=$(sha256_of "$target")
  if [ -n "$expected" ] && [ "$actual" = "$expected" ]; then
    point_staged_link
    log "k0s $K0S_VERSION already staged at $target (sha256 $actual): nothing to do"
    emit staged "$target"
    emit sha256 "$actual"
    emit changed false
    exit 0
  fi
  warn "$target does not match the expected checksum: staging it again"
fi

if [ "$STAGE_MODE" = uploaded ]; then
  source_file="${UPLOAD_PATH:-$target.upload}"
  [ -f "$source_file" ] ||
    die "uploaded binary not found at $source_file (the program copies it there before running stage_k0s.sh)"
  expected=$K0S_SHA256
  what="uploaded file $source_file"
else
  expected=$K0S_SHA256
  if [ -z "$expected" ]; then
    sums=$(mktemp "$MKE4K_STAGING_DIR/.sha256sums.XXXXXX")
    register_cleanup "$sums"
    fetch "$base/$K0S_VERSION/sha256sums.txt" "$sums"
    expected=$(awk -v a="$asset" '$2 == "*" a || $2 == a {print tolower($1); exit}' "$sums")
    [ -n "$expected" ] ||
      die "$base/$K0S_VERSION/sha256sums.txt has no line for $asset: is $arch built for $K0S_VERSION? Pin K0S_SHA256 to stage anyway"
  fi
  source_file=$(mktemp "$MKE4K_STAGING_DIR/.k0s-$K0S_VERSION.XXXXXX")
  register_cleanup "$source_file"
  log "downloading $base/$K0S_VERSION/$asset"
  fetch "$base/$K0S_VERSION/$asset" "$source_file"
  what="$base/$K0S_VERSION/$asset"
fi

actual=$(sha256_of "$source_file")
if [ "$actual" != "$expected" ]; then
  rm -f "$source_file"
  die "checksum mismatch for $what: expected sha256 $expected, got $actual. The file was deleted and nothing was staged. Check K0S_SHA256 and the mirror at K0S_DOWNLOAD_URL"
fi

chmod 0755 "$source_file"
mv -f "$source_file" "$target"
printf '%s\n' "$expected" >"$checksum_file.new"
mv -f "$checksum_file.new" "$checksum_file"
point_staged_link
log "staged k0s $K0S_VERSION at $target (sha256 verified)"
emit staged "$target"
emit sha256 "$actual"
emit changed true
