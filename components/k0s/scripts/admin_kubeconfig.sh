#!/usr/bin/env bash
# Print the cluster's admin kubeconfig (runs on the bootstrap controller).
# Output: the kubeconfig on stdout; the program marks it secret and never logs it.
# Idempotent: read-only. Run by run.sh after lib.sh.
set -euo pipefail

k0s_running || die "k0s is not running on this controller; the admin kubeconfig cannot be read (check 'k0s status')"
"$K0S_BINARY" kubeconfig admin
