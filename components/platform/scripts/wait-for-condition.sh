#!/usr/bin/env bash
# Wait until a Kubernetes object exists and reports a condition, on a k0s controller.
#
# Inputs (set in a quoted preamble by components/platform/readiness.py):
#   WHAT       human name of what we wait for (e.g. "Calico")
#   RESOURCE   kind/name for kubectl (e.g. tigerastatus/calico)
#   NAMESPACE  namespace of the object, empty for cluster-scoped objects
#   CONDITION  condition to wait for (e.g. Available)
#   TIMEOUT    seconds to wait in total
#   HINT       what to look at when the wait fails
set -euo pipefail

: "${WHAT:?}" "${RESOURCE:?}" "${CONDITION:?}" "${TIMEOUT:?}" "${HINT:?}"
NAMESPACE="${NAMESPACE:-}"

SUDO=()
if [ "$(id -u)" -ne 0 ]; then
  SUDO=(sudo -n)
fi

kubectl() {
  if [ -n "$NAMESPACE" ]; then
    "${SUDO[@]}" k0s kubectl --namespace "$NAMESPACE" "$@"
  else
    "${SUDO[@]}" k0s kubectl "$@"
  fi
}

deadline=$((SECONDS + TIMEOUT))

# `kubectl wait` fails at once when the object does not exist yet: wait for it first.
until kubectl get "$RESOURCE" >/dev/null 2>&1; do
  if [ "$SECONDS" -ge "$deadline" ]; then
    echo "mke4k: ${WHAT} not ready: ${RESOURCE} was not created within ${TIMEOUT}s. ${HINT}" >&2
    exit 1
  fi
  sleep 2
done

remaining=$((deadline - SECONDS))
if [ "$remaining" -lt 1 ]; then
  remaining=1
fi
if ! kubectl wait --for="condition=${CONDITION}" "$RESOURCE" --timeout="${remaining}s"; then
  echo "mke4k: ${WHAT} not ready: ${RESOURCE} did not reach condition ${CONDITION} within ${TIMEOUT}s. ${HINT}" >&2
  kubectl get "$RESOURCE" -o yaml >&2 || true
  exit 1
fi
echo "mke4k: ${WHAT} ready (${RESOURCE} ${CONDITION})."
