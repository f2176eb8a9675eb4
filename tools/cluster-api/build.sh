#!/usr/bin/env bash
# Build a local Kubernetes control plane for the platform end-to-end tests from
# Go modules (module proxy only) into .cache/cluster-api/bin:
#
#   kube-apiserver, kube-controller-manager, kube-scheduler, kubectl
#                  k8s.io/kubernetes (the Kubernetes release of the default
#                  k0s version) through the wrapper module in kube/
#   etcd           go.etcd.io/etcd/server/v3 through the wrapper in etcd/
#   kwok           sigs.k8s.io/kwok (fake nodes, so workloads become Available)
#   helm           helm.sh/helm/v3 (renders and packages the charts in tests)
#
#   tools/cluster-api/build.sh       # or: make cluster-api
#
# Each binary has a stamp file (pins + wrapper go.mod/go.sum + Go version); a
# binary whose stamp matches is skipped, so a warm re-run takes seconds.
# Knobs (environment): MKE4K_CLUSTER_API_CACHE (default <repo>/.cache/cluster-api),
# MKE4K_GOPROXY (default https://proxy.golang.org). See README.md beside this file.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)

# ---- pins (see README.md) ---------------------------------------------------
# Kubernetes of the default k0s (v1.32.11+k0s.0, components/release_matrix.yaml);
# the tag's commit comes from the module proxy's Origin for k8s.io/kubernetes.
KUBE_VERSION=v1.32.11
KUBE_COMMIT=2195eae9e91f2e72114365d9bb9c670d0c08de12
# etcd: the release Kubernetes v1.32 requires (go.etcd.io/etcd/client/v3 v3.5.16).
ETCD_VERSION=v3.5.16
# kwok: the first release whose go.mod has no replace directives and supports 1.32.
KWOK_VERSION=v0.7.0
# helm: the v3 release built against the same Kubernetes minor (client-go v0.32).
HELM_VERSION=v3.17.4
KUBE_MINOR=${KUBE_VERSION#v1.}
KUBE_MINOR=${KUBE_MINOR%%.*}

CACHE=${MKE4K_CLUSTER_API_CACHE:-$repo/.cache/cluster-api}
BIN=$CACHE/bin
STAMPS=$CACHE/stamps
LOGS=$CACHE/logs
mkdir -p "$BIN" "$STAMPS" "$LOGS"

# Module proxy only: no ",direct", so a refused version never falls back to git.
export GOPROXY="${MKE4K_GOPROXY:-https://proxy.golang.org}"
export GOFLAGS="-mod=readonly -buildvcs=false -trimpath"
export GOTOOLCHAIN=local
export CGO_ENABLED=0

# shellcheck source=tools/lib/buildcache.sh
. "$here/../lib/buildcache.sh"

# all_fresh KEY NAMES...: true when every named binary was built from KEY.
all_fresh() {
  local key=$1 name
  shift
  for name in "$@"; do
    fresh "$name" "$key" || return 1
  done
}

build_kube() {
  local key names=(kube-apiserver kube-controller-manager kube-scheduler kubectl) v
  key=$(stamp_key kube "$KUBE_VERSION" "$KUBE_COMMIT" "$(cat "$here/kube/go.mod" "$here/kube/go.sum")")
  if all_fresh "$key" "${names[@]}"; then
    note kubernetes skipped "$KUBE_VERSION"
    return
  fi
  echo "building kube-apiserver, kube-controller-manager, kube-scheduler, kubectl $KUBE_VERSION"
  # The version the binaries report (as upstream's hack/lib/version.sh sets it):
  # Helm and the API server's /version must say 1.32, not v0.0.0.
  local ldflags="-s -w"
  for v in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ldflags+=" -X $v.gitVersion=$KUBE_VERSION -X $v.gitMajor=1 -X $v.gitMinor=$KUBE_MINOR"
    ldflags+=" -X $v.gitCommit=$KUBE_COMMIT -X $v.gitTreeState=clean"
  done
  (cd "$here/kube" && timed kubernetes go build -ldflags "$ldflags" -o "$BIN/" \
    k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager \
    k8s.io/kubernetes/cmd/kube-scheduler k8s.io/kubernetes/cmd/kubectl)
  for v in "${names[@]}"; do echo "$key" >"$STAMPS/$v"; done
  note kubernetes built "$KUBE_VERSION"
}

build_etcd() {
  local key
  key=$(stamp_key etcd "$ETCD_VERSION" "$(cat "$here/etcd/go.mod" "$here/etcd/go.sum" "$here/etcd/main.go")")
  if fresh etcd "$key"; then
    note etcd skipped "$ETCD_VERSION"
    return
  fi
  echo "building etcd $ETCD_VERSION"
  (cd "$here/etcd" && timed etcd go build -ldflags "-s -w" -o "$BIN/etcd" .)
  echo "$key" >"$STAMPS/etcd"
  note etcd built "$ETCD_VERSION"
}

# install_module NAME PKG VERSION LDFLAGS: `go install PKG@VERSION` (the
# module's own go.sum) into BIN, stamped with its version.
install_module() {
  local name=$1 pkg=$2 version=$3 ldflags=$4 key gobin
  key=$(stamp_key "$name" "$pkg" "$version" "$ldflags")
  if fresh "$name" "$key"; then
    note "$name" skipped "$version"
    return
  fi
  echo "building $name $version"
  gobin=$(mktemp -d)
  (cd "$gobin" && GOFLAGS="-buildvcs=false -trimpath" GOBIN="$gobin" \
    timed "$name" go install -ldflags "$ldflags" "$pkg@$version")
  mv "$gobin/$name" "$BIN/$name"
  rm -rf "$gobin"
  echo "$key" >"$STAMPS/$name"
  note "$name" built "$version"
}

start=$SECONDS
build_etcd
build_kube
install_module kwok sigs.k8s.io/kwok/cmd/kwok "$KWOK_VERSION" "-s -w"
# Helm's default Kubernetes version for `helm template` is set the same way
# upstream's Makefile does, to the control plane's release.
install_module helm helm.sh/helm/v3/cmd/helm "$HELM_VERSION" \
  "-s -w -X helm.sh/helm/v3/internal/version.version=$HELM_VERSION -X helm.sh/helm/v3/pkg/chartutil.k8sVersionMajor=1 -X helm.sh/helm/v3/pkg/chartutil.k8sVersionMinor=$KUBE_MINOR -X helm.sh/helm/v3/pkg/lint/rules.k8sVersionMajor=1 -X helm.sh/helm/v3/pkg/lint/rules.k8sVersionMinor=$KUBE_MINOR"

echo
echo "cluster-api toolchain in $BIN ($((SECONDS - start)) s):"
printf '  %s\n' "${SUMMARY[@]}"
