#!/usr/bin/env bash
# Build the TEST STAND-IN pulumi-resource-command (NOT the real pulumi-command
# provider; see README.md) into .cache/engine/standin/ and install it into the
# test engine's plugin cache as resource plugin "command" 1.2.1, the version the
# Python SDK pulumi-command==1.2.1 asks for. Skips the build when up to date.
#
#   tools/command-standin/build.sh
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=../engine/env.sh disable=SC1091  # env.sh is linted on its own
. "$here/../engine/env.sh"

VERSION=1.2.1
OUT_DIR=$MKE4K_ENGINE_CACHE/standin
BINARY=$OUT_DIR/pulumi-resource-command
STAMP=$OUT_DIR/pulumi-resource-command.stamp
PLUGIN_DIR=$PULUMI_HOME/plugins/resource-command-v$VERSION

# Module proxy only: no ",direct", so a refused version never falls back to git.
export GOPROXY=https://proxy.golang.org
export GOFLAGS=-mod=mod
export GOTOOLCHAIN=local
export CGO_ENABLED=0

mkdir -p "$OUT_DIR"
key=$({ cat "$here/go.mod" "$here/go.sum" "$here"/*.go; go env GOVERSION; } | sha256sum | cut -d' ' -f1)

if [[ -x $BINARY && -f $STAMP && "$(cat "$STAMP")" == "$key" ]]; then
  echo "command stand-in: up to date ($BINARY)"
else
  echo "command stand-in: building $BINARY"
  (cd "$here" && go build -trimpath -buildvcs=false -o "$BINARY.tmp" .)
  mv "$BINARY.tmp" "$BINARY"
  printf '%s\n' "$key" >"$STAMP"
  rm -f "$PLUGIN_DIR/.standin-stamp"
fi

if [[ -f $PLUGIN_DIR/.standin-stamp && "$(cat "$PLUGIN_DIR/.standin-stamp")" == "$key" ]]; then
  echo "command stand-in: installed as resource command $VERSION ($PLUGIN_DIR)"
else
  pulumi plugin install resource command "$VERSION" --file "$BINARY" --reinstall
  printf '%s\n' "$key" >"$PLUGIN_DIR/.standin-stamp"
  echo "command stand-in: installed as resource command $VERSION (TEST STAND-IN) in $PLUGIN_DIR"
fi
