#!/usr/bin/env bash
# registry_preflight.sh: before anything changes, check from this node that the mirror
# answers (registry v2 API over HTTPS, with the configured CA and credentials) and holds
# every image manifest and chart the stack's release needs. Fails with the list of what
# is missing. Read-only.
# Run as: preamble + lib.sh + this file (see README.md). Stdin: the credentials token
# (base64 of user:password) when HAS_CREDENTIALS=true.
set -euo pipefail

: "${REGISTRY_IMAGES:=}"             # "host[:port]/repository:tag" lines (tag may be tag@sha256:...)
: "${REGISTRY_CHARTS:=}"             # "host[:port]/repository/chart:version" lines (OCI charts, + written _)
: "${REGISTRY_CA_B64:=}"             # base64 of the CA bundle (PEM); empty: the system trust store
: "${HAS_CREDENTIALS:=false}"        # true: stdin carries the token sent as Authorization: Basic
: "${CONNECT_TIMEOUT_SECONDS:=10}"

require_bool HAS_CREDENTIALS
require_uint CONNECT_TIMEOUT_SECONDS
command -v curl >/dev/null 2>&1 ||
  die "curl is not installed: the registry preflight talks HTTPS to the mirror; install the 'curl' package"
[ -n "$REGISTRY_IMAGES$REGISTRY_CHARTS" ] ||
  die "nothing to check: REGISTRY_IMAGES and REGISTRY_CHARTS are empty (the program lists them from the release; set mke4k:registry.imageRegistry)"

mkdir -p "$MKE4K_SECRETS_DIR"
chmod 0700 "$MKE4K_SECRETS_DIR"
curl_config=$(mktemp "$MKE4K_SECRETS_DIR/preflight-curl.XXXXXX")
register_cleanup "$curl_config"
{
  printf 'silent\nshow-error\nconnect-timeout = %s\nmax-time = %s\n' "$CONNECT_TIMEOUT_SECONDS" "$((CONNECT_TIMEOUT_SECONDS * 3))"
  printf 'output = "/dev/null"\nwrite-out = "%%{http_code}"\n'
} >"$curl_config"
if [ -n "$REGISTRY_CA_B64" ]; then
  ca_file=$(mktemp "$MKE4K_SECRETS_DIR/preflight-ca.XXXXXX")
  register_cleanup "$ca_file"
  printf '%s' "$REGISTRY_CA_B64" | base64 -d >"$ca_file" 2>/dev/null ||
    die "REGISTRY_CA_B64 is not valid base64 (the program sends the CA bundle base64-encoded)"
  grep -q -- "-----BEGIN CERTIFICATE-----" "$ca_file" || die "REGISTRY_CA_B64 holds no PEM certificate"
  printf 'cacert = "%s"\n' "$ca_file" >>"$curl_config"
fi
if [ "$HAS_CREDENTIALS" = true ]; then
  read_secret_stdin "$MKE4K_SECRETS_DIR/preflight-auth" "registry credentials token"
  token=$(<"$MKE4K_SECRETS_DIR/preflight-auth")
  token=${token%$'\n'}
  [[ $token =~ ^[A-Za-z0-9+/]+=*$ ]] || die "the registry credentials token on stdin is not base64 (base64 of user:password)"
  printf 'header = "Authorization: Basic %s"\n' "$token" >>"$curl_config"
fi

ACCEPT="application/vnd.oci.image.index.v1+json,application/vnd.oci.image.manifest.v1+json,application/vnd.docker.distribution.manifest.list.v2+json,application/vnd.docker.distribution.manifest.v2+json"

# http_code URL: the HTTP status of a GET (000 when no answer; curl's message on stderr).
http_code() {
  curl -K "$curl_config" -H "Accept: $ACCEPT" "$1" 2>"$MKE4K_SECRETS_DIR/preflight-curl.err" || true
}
curl_error() { tr '\n' ' ' <"$MKE4K_SECRETS_DIR/preflight-curl.err"; }
register_cleanup "$MKE4K_SECRETS_DIR/preflight-curl.err"

declare -A host_state=() # host -> ok | the problem
problems=()
missing=()
checked=0

check_host() { # check_host HOST: the v2 API answers and accepts us
  local host=$1 code
  [ -n "${host_state[$host]+set}" ] && return 0
  code=$(http_code "https://$host/v2/")
  case "$code" in
    200) host_state[$host]=ok ;;
    401)
      if [ "$HAS_CREDENTIALS" = true ]; then
        host_state[$host]="$host refused the credentials (HTTP 401): check mke4k:registry.username/password (the registry must accept HTTP Basic auth on its v2 API)"
      else
        host_state[$host]="$host needs credentials (HTTP 401): set mke4k:registry.username and mke4k:registry.password"
      fi
      ;;
    000) host_state[$host]="$host does not answer over HTTPS: $(curl_error)(check the address, the firewall, and mke4k:registry.caData/caFile for certificate errors)" ;;
    *) host_state[$host]="$host answered HTTP $code on /v2/: it is not an OCI registry v2 API endpoint" ;;
  esac
  [ "${host_state[$host]}" = ok ] || problems+=("${host_state[$host]}")
}

check_reference() { # check_reference KIND REF
  local kind=$1 ref=$2 host rest repository reference code
  host=${ref%%/*}
  rest=${ref#*/}
  if [[ $rest == *@* ]]; then
    repository=${rest%%@*}
    reference=${rest#*@}
    repository=${repository%:*}
  else
    repository=${rest%:*}
    reference=${rest##*:}
  fi
  [ -n "$host" ] && [ -n "$repository" ] && [ -n "$reference" ] && [ "$repository" != "$rest" ] ||
    die "'$ref' is not a $kind reference (host/repository:tag)"
  check_host "$host"
  [ "${host_state[$host]}" = ok ] || return 0
  checked=$((checked + 1))
  code=$(http_code "https://$host/v2/$repository/manifests/$reference")
  case "$code" in
    200) ;;
    404) missing+=("$kind $ref") ;;
    401 | 403) missing+=("$kind $ref (HTTP $code: the account may not read $repository)") ;;
    000) problems+=("$kind $ref: no answer: $(curl_error)") ;;
    *) problems+=("$kind $ref: HTTP $code") ;;
  esac
}

while IFS= read -r ref; do
  [ -n "$ref" ] && check_reference image "$ref"
done <<<"$REGISTRY_IMAGES"
while IFS= read -r ref; do
  [ -n "$ref" ] && check_reference chart "$ref"
done <<<"$REGISTRY_CHARTS"

for item in "${missing[@]+"${missing[@]}"}"; do
  emit missing "$item"
done
emit checked "$checked"
if [ "${#problems[@]}" -gt 0 ]; then
  die "the registry preflight could not check the mirror: $(printf '%s; ' "${problems[@]}")nothing was changed on any node"
fi
if [ "${#missing[@]}" -gt 0 ]; then
  die "the mirror lacks ${#missing[@]} of $checked artifacts: $(printf '%s; ' "${missing[@]}")copy them (make airgap-list STACK=<stack> lists the skopeo/helm sources and targets), then run again; nothing was changed on any node"
fi
log "the mirror holds all $checked images and charts"
