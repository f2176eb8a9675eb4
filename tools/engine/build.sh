#!/usr/bin/env bash
# Build the real Pulumi engine from Go modules (module proxy only, no git, no
# download sites) into .cache/engine/bin and install the providers into
# $PULUMI_HOME so that `pulumi` works offline. Run from anywhere, no arguments:
#
#   tools/engine/build.sh          # or: make engine
#
# Each binary has a stamp file (pins + wrapper go.mod/go.sum + Go version);
# a binary whose stamp matches is skipped, so a warm re-run takes seconds.
# Knobs (environment): MKE4K_ENGINE_CACHE (default <repo>/.cache/engine),
# MKE4K_GOPROXY (default https://proxy.golang.org), MKE4K_ENGINE_SKIP_K8S=1.
# See tools/engine/README.md for the pins and why they are what they are.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tools/engine/env.sh
. "$here/env.sh"

# ---- pins (see README.md) ---------------------------------------------------
# CLI: pkg/v3 v3.272.0 is refused by the module proxy; v3.274.1 is the nearest
# served release >= the Python SDK pin (pulumi==3.272.0).
PULUMI_VERSION=3.274.1
# Python language host: untagged module, only pseudo-versions; the one the
# proxy serves is commit bee5e4fa4815 (2025-08-06, requires sdk/v3 v3.187.0).
LANGHOST_VERSION=3.187.0
LANGHOST_MODULE=github.com/pulumi/pulumi/sdk/python/cmd/pulumi-language-python/v3
# pulumi-command 1.2.1 = tag v1.2.1 = commit 7f3eb6f3 (verified via the proxy's
# Origin for github.com/pulumi/pulumi-command@v1.2.1).
COMMAND_VERSION=1.2.1
COMMAND_COMMIT=7f3eb6f3b77cd0fa3895ba437a695dd393f7dd25
COMMAND_PKG=github.com/pulumi/pulumi-command/provider/cmd/pulumi-resource-command
# pulumi-kubernetes: the only provider/v4 version the proxy serves is commit
# f47bc2d6f199 (2026-01-15, after v4.24.0); it is installed as the version the
# Python SDK asks for (4.34.2), with the source commit as build metadata.
K8S_VERSION=4.34.2
K8S_SOURCE=f47bc2d6f199
K8S_MODULE=github.com/pulumi/pulumi-kubernetes/provider/v4

BIN=$MKE4K_ENGINE_CACHE/bin
STAMPS=$MKE4K_ENGINE_CACHE/stamps
LOGS=$MKE4K_ENGINE_CACHE/logs
mkdir -p "$BIN" "$STAMPS" "$LOGS" "$PULUMI_HOME" "${PULUMI_BACKEND_URL#file://}"

# Module proxy only: no ",direct", so a refused version never falls back to git.
export GOPROXY="${MKE4K_GOPROXY:-https://proxy.golang.org}"
export GOFLAGS="-mod=readonly -buildvcs=false -trimpath"
# The checksum database has no entry for the language host pseudo-version;
# its hashes are pinned in tools/engine/langhost/go.sum instead.
export GONOSUMDB="$LANGHOST_MODULE"
export GOTOOLCHAIN=local
export CGO_ENABLED=0

# shellcheck source=tools/lib/buildcache.sh
. "$here/../lib/buildcache.sh"

build_cli() {
  local key
  key=$(stamp_key cli "$PULUMI_VERSION" "$(cat "$here/cli/go.mod" "$here/cli/go.sum")")
  if fresh pulumi "$key"; then
    note pulumi skipped "v$PULUMI_VERSION"
    return
  fi
  echo "building pulumi v$PULUMI_VERSION"
  (cd "$here/cli" && timed pulumi go build \
    -ldflags "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$PULUMI_VERSION" \
    -o "$BIN/pulumi" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi)
  echo "$key" >"$STAMPS/pulumi"
  note pulumi built "v$PULUMI_VERSION"
}

build_langhost() {
  local key sdkdir f
  key=$(stamp_key langhost "$LANGHOST_VERSION" "$(cat "$here/langhost/go.mod" "$here/langhost/go.sum")")
  if fresh pulumi-language-python "$key" && [[ -f $BIN/pulumi-language-python-exec ]]; then
    note pulumi-language-python skipped "v$LANGHOST_VERSION"
    return
  fi
  echo "building pulumi-language-python v$LANGHOST_VERSION"
  (cd "$here/langhost" && timed pulumi-language-python go build \
    -ldflags "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$LANGHOST_VERSION" \
    -o "$BIN/pulumi-language-python" "$LANGHOST_MODULE")
  # The host runs `python <dir of its own executable>/pulumi-language-python-exec`;
  # the shim (and the dynamic-provider / policy scripts) ship in the sdk/v3 zip.
  (cd "$here/langhost" && go mod download github.com/pulumi/pulumi/sdk/v3)
  sdkdir=$(cd "$here/langhost" && go list -m -f '{{.Dir}}' github.com/pulumi/pulumi/sdk/v3)
  for f in python/cmd/pulumi-language-python-exec \
    python/dist/pulumi-resource-pulumi-python \
    python/dist/pulumi-analyzer-policy-python; do
    if [[ -f $sdkdir/$f ]]; then
      install -m 0755 "$sdkdir/$f" "$BIN/"
    fi
  done
  echo "$key" >"$STAMPS/pulumi-language-python"
  note pulumi-language-python built "v$LANGHOST_VERSION (+ exec shim)"
}

build_command() {
  local key gobin
  key=$(stamp_key command "$COMMAND_VERSION" "$COMMAND_COMMIT")
  if fresh pulumi-resource-command "$key"; then
    note pulumi-resource-command skipped "$COMMAND_VERSION"
    return
  fi
  echo "building pulumi-resource-command $COMMAND_VERSION ($COMMAND_COMMIT)"
  gobin=$(mktemp -d)
  # `go install pkg@commit` outside any module uses the provider's own go.sum.
  if (cd "$gobin" && GOFLAGS="-buildvcs=false -trimpath" GOBIN="$gobin" \
    timed pulumi-resource-command go install \
    -ldflags "-s -w -X github.com/pulumi/pulumi-command/provider/pkg/version.Version=$COMMAND_VERSION" \
    "$COMMAND_PKG@$COMMAND_COMMIT") 2>"$LOGS/pulumi-resource-command.err"; then
    mv "$gobin/pulumi-resource-command" "$BIN/"
    rm -rf "$gobin"
    echo "$key" >"$STAMPS/pulumi-resource-command"
    note pulumi-resource-command built "$COMMAND_VERSION"
  else
    rm -rf "$gobin"
    echo "WARNING: pulumi-resource-command could not be built:" >&2
    tail -n 3 "$LOGS/pulumi-resource-command.err" >&2
    note pulumi-resource-command UNAVAILABLE "see $LOGS/pulumi-resource-command.err"
  fi
}

build_k8s() {
  local key src moddir
  if [[ ${MKE4K_ENGINE_SKIP_K8S:-} == 1 ]]; then
    note pulumi-resource-kubernetes disabled "MKE4K_ENGINE_SKIP_K8S=1"
    return
  fi
  key=$(stamp_key k8s "$K8S_VERSION" "$K8S_SOURCE" \
    "$(cat "$here/k8s/go.mod" "$here/k8s/go.sum" "$here/k8s/main.go")")
  if fresh pulumi-resource-kubernetes "$key"; then
    note pulumi-resource-kubernetes skipped "$K8S_VERSION+$K8S_SOURCE"
    return
  fi
  echo "building pulumi-resource-kubernetes $K8S_VERSION (source $K8S_SOURCE)"
  # Build in a staging copy: the two embed files are generated build outputs.
  src=$MKE4K_ENGINE_CACHE/src/k8s
  rm -rf "$src"
  mkdir -p "$src"
  cp "$here/k8s/go.mod" "$here/k8s/go.sum" "$here/k8s/main.go" "$src/"
  (cd "$src" && go mod download "$K8S_MODULE")
  moddir=$(cd "$src" && go list -m -f '{{.Dir}}' "$K8S_MODULE")
  # Same as upstream's generate.go: set the schema version, compact both files.
  python3 - "$moddir/cmd/pulumi-resource-kubernetes" "$src" "$K8S_VERSION" <<'PY'
import json
import sys

mod, out, version = sys.argv[1:4]
with open(f"{mod}/schema.json", encoding="utf-8") as f:
    schema = json.load(f)
schema["version"] = version
with open(f"{out}/schema-embed.json", "w", encoding="utf-8") as f:
    json.dump(schema, f, separators=(",", ":"))
with open(f"{mod}/terraform-mapping.json", encoding="utf-8") as f:
    mapping = json.load(f)
with open(f"{out}/terraform-mapping-embed.json", "w", encoding="utf-8") as f:
    json.dump(mapping, f, separators=(",", ":"))
PY
  (cd "$src" && timed pulumi-resource-kubernetes go build \
    -ldflags "-s -w -X github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/version.Version=$K8S_VERSION+$K8S_SOURCE" \
    -o "$BIN/pulumi-resource-kubernetes" .)
  echo "$key" >"$STAMPS/pulumi-resource-kubernetes"
  note pulumi-resource-kubernetes built "$K8S_VERSION+$K8S_SOURCE"
}

# install_plugin NAME VERSION: put BIN/pulumi-resource-NAME into the plugin cache.
install_plugin() {
  local name=$1 version=$2 binary key
  binary=$BIN/pulumi-resource-$name
  [[ -x $binary ]] || return 0
  key=$(sha256sum "$binary" | cut -d' ' -f1)
  if [[ -d $PULUMI_HOME/plugins/resource-$name-v$version && -f $STAMPS/plugin-$name ]] &&
    [[ "$(cat "$STAMPS/plugin-$name")" == "$key" ]]; then
    note "plugin $name" skipped "$version in $PULUMI_HOME"
    return
  fi
  "$BIN/pulumi" plugin install resource "$name" "$version" --file "$binary" --reinstall
  echo "$key" >"$STAMPS/plugin-$name"
  note "plugin $name" installed "$version in $PULUMI_HOME"
}

start=$SECONDS
build_cli
build_langhost
build_command
build_k8s
install_plugin command "$COMMAND_VERSION"
install_plugin kubernetes "$K8S_VERSION"

echo
echo "engine in $BIN ($((SECONDS - start)) s):"
printf '  %s\n' "${SUMMARY[@]}"
echo "use it with: . tools/engine/env.sh"
