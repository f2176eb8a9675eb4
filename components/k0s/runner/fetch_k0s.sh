#!/usr/bin/env bash
# Runs on the machine running Pulumi (binarySource upload), not on a node.
# Downloads k0s-<version>-<arch> once into a local cache, verifies the pinned sha256
# (fail closed: a mismatch removes the file), and prints the cached path on stdout.
# Idempotent: a cached file with the right checksum is reused without a download.
set -euo pipefail
: "${K0S_VERSION:?K0S_VERSION is required}"
: "${K0S_ARCH:?K0S_ARCH is required (amd64|arm64|arm)}"
: "${K0S_DOWNLOAD_URL:?K0S_DOWNLOAD_URL is required}"
: "${K0S_SHA256:?K0S_SHA256 is required: pin mke4k:k0s.sha256 for binarySource upload}"
: "${MKE4K_CACHE_DIR:=${XDG_CACHE_HOME:-$HOME/.cache}/mke4k/k0s}"

asset="k0s-${K0S_VERSION}-${K0S_ARCH}"
target="${MKE4K_CACHE_DIR}/${asset}"
mkdir -p "$MKE4K_CACHE_DIR"

matches() { [ -f "$1" ] && [ "$(sha256sum "$1" | cut -d' ' -f1)" = "$K0S_SHA256" ]; }

if matches "$target"; then
  printf 'mke4k: %s already cached and verified: nothing to download\n' "$asset" >&2
else
  partial="$(mktemp "${MKE4K_CACHE_DIR}/.${asset}.XXXXXX")"
  trap 'rm -f "$partial"' EXIT
  url="${K0S_DOWNLOAD_URL}/${K0S_VERSION}/${asset}"
  printf 'mke4k: downloading %s\n' "$url" >&2
  curl --fail --silent --show-error --location --retry 4 --retry-delay 5 --output "$partial" "$url" ||
    { printf 'mke4k: error: download of %s failed\n' "$url" >&2; exit 1; }
  if ! matches "$partial"; then
    printf 'mke4k: error: checksum mismatch for %s: expected %s, got %s\n' \
      "$asset" "$K0S_SHA256" "$(sha256sum "$partial" | cut -d' ' -f1)" >&2
    exit 1
  fi
  chmod 0755 "$partial"
  mv -f "$partial" "$target"
  trap - EXIT
fi
printf '%s\n' "$target"
