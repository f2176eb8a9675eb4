# shellcheck shell=bash
# Helpers shared by the cached Go builds (tools/engine/build.sh,
# tools/cluster-api/build.sh). Source it after setting BIN, STAMPS and LOGS:
# each binary has a stamp file (a hash of its pins and inputs) so a warm
# re-run skips it, and every build records its wall time and peak RSS.

SUMMARY=()

# note NAME STATUS DETAIL: add a line to the closing summary.
note() { SUMMARY+=("$(printf '%-28s %-12s %s' "$1" "$2" "$3")"); }

# stamp_key WORDS...: hash of the pins and inputs that define a binary.
stamp_key() {
  { printf '%s\n' "$@"; go env GOVERSION; } | sha256sum | cut -d' ' -f1
}

# fresh NAME KEY: true when BIN/NAME exists and was built from KEY.
fresh() {
  [[ -x $BIN/$1 && -f $STAMPS/$1 && "$(cat "$STAMPS/$1")" == "$2" ]]
}

# timed NAME CMD...: run CMD, recording wall time and peak RSS under LOGS.
timed() {
  local name=$1 tfile
  shift
  tfile=$LOGS/$name.time
  if [[ -x /usr/bin/time ]]; then
    local rc=0
    /usr/bin/time -v -o "$tfile" "$@" || rc=$?
    ((rc == 0)) || return "$rc"
    printf '  %s: wall %s, peak RSS %s MiB (largest process)\n' "$name" \
      "$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$tfile")" \
      "$(awk -F': ' '/Maximum resident set size/ {printf "%d", $2 / 1024}' "$tfile")"
  else
    "$@"
  fi
}
