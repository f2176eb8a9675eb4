#!/usr/bin/env bash
# create_join_token.sh: on the bootstrap controller, create a short-lived join
# token. stdout is ONLY the token (the program marks it secret).
# Run by run.sh after lib.sh (see README.md).
set -euo pipefail

: "${ROLE:?ROLE is required (worker|controller)}"
: "${TOKEN_EXPIRY:=30m}"

require_root
require_one_of ROLE worker controller controller+worker
require_duration TOKEN_EXPIRY
require_k0s_running_here create_join_token.sh

token_role=worker
role_is_controller "$ROLE" && token_role=controller
token=$("$K0S_BINARY" token create --role="$token_role" --expiry="$TOKEN_EXPIRY") ||
  die "k0s token create failed (the last lines of its output follow): is this host a controller with a healthy API ('k0s kubectl get --raw=/readyz')?"
[ -n "$token" ] || die "k0s token create printed no token"
log "created a $token_role join token (expires in $TOKEN_EXPIRY)"
printf '%s\n' "$token"
