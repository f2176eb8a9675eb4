#!/usr/bin/env bash
# End-to-end tests with the real Pulumi engine: builds the engine
# (tools/engine/build.sh: CLI, Python host, Kubernetes provider; cached), the
# command provider TEST STAND-IN (tools/command-standin/build.sh) and the test
# control plane (tools/cluster-api/build.sh: kube-apiserver, etcd, kwok, kubectl,
# helm; cached), installs openssh-server when sshd is missing, then runs the chart
# render tests (real charts, Helm) and the e2e tests: the lifecycle scenario against
# network-namespace test hosts, a full-stack preview, and the platform scenario on a
# real API server.
# Needs root, iproute2 (ip netns) and util-linux (unshare).
#
#   tests/e2e/run.sh [extra pytest args]
#
# MKE4K_E2E_VERBOSE=1 prints every fake k0s call per step (add -s);
# MKE4K_E2E_KEEP=1 keeps the scratch project and its state.
# MKE4K_E2E_BRIDGE / MKE4K_E2E_SUBNET / MKE4K_E2E_NETNS_PREFIX move the test
# network (defaults mke4k-br0, 172.31.250.0/24, mke4k-) so two runs can coexist.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$repo"

if [ ! -x /usr/sbin/sshd ]; then
  echo "e2e: installing openssh-server (the test hosts run their own sshd)" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openssh-server >/dev/null
fi
tools/engine/build.sh
tools/command-standin/build.sh
tools/cluster-api/build.sh

# The chart render tests skip under `make test` until Helm is built; run them here.
.venv/bin/pytest tests/unit/test_chart_render.py tests/unit/test_platform_crds.py -p no:cacheprovider
export MKE4K_E2E=1
exec .venv/bin/pytest -m e2e tests/e2e -p no:cacheprovider "$@"
