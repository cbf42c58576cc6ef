#!/usr/bin/env bash
# Makes `plugres-index` available for publish.sh: uses one already on PATH,
# or builds it with `cargo install` from the plugres repository.
#
#   install.sh          install (unless `plugres-index` is on PATH)
#   install.sh rev      print the commit PLUGRES_VERSION names (as `rev=SHA`,
#                       also appended to $GITHUB_OUTPUT when set), so CI can
#                       cache the binary per commit
#
# Environment:
#   PLUGRES_VERSION  git ref of plugres to build: a tag (v0.1.0), a branch or a
#                    commit [main]
#   PLUGRES_REV      the commit to build, from `install.sh rev` (wins over
#                    PLUGRES_VERSION)
#   PLUGRES_GIT      the plugres repository [https://github.com/plugres/plugres]
#   GITHUB_PATH      set by GitHub Actions: cargo's bin dir is added to it
set -euo pipefail

git_url=${PLUGRES_GIT:-https://github.com/plugres/plugres}
ref=${PLUGRES_VERSION:-main}

say() { printf 'plugres-install: %s\n' "$*" >&2; }

# The commit a tag, branch or commit names, from the remote (no clone).
resolve_rev() {
  if [[ $ref =~ ^[0-9a-f]{40}$ ]]; then
    printf '%s\n' "$ref"
    return
  fi
  local refs rev
  refs=$(git ls-remote "$git_url" "refs/tags/$ref" "refs/tags/$ref^{}" "refs/heads/$ref")
  # An annotated tag lists the tag object and, as `^{}`, the commit: prefer the commit.
  rev=$(printf '%s\n' "$refs" | awk '$2 ~ /\^\{\}$/ { print $1; exit }')
  [ -n "$rev" ] || rev=$(printf '%s\n' "$refs" | awk 'NF { print $1; exit }')
  if [ -z "$rev" ]; then
    say "error: \`$ref\` is neither a tag nor a branch of $git_url"
    exit 1
  fi
  printf '%s\n' "$rev"
}

if [ "${1:-}" = rev ]; then
  rev=$(resolve_rev)
  echo "rev=$rev"
  if [ -n "${GITHUB_OUTPUT:-}" ]; then echo "rev=$rev" >>"$GITHUB_OUTPUT"; fi
  exit 0
fi

bin_dir="${CARGO_HOME:-$HOME/.cargo}/bin"
if [ -n "${GITHUB_PATH:-}" ]; then echo "$bin_dir" >>"$GITHUB_PATH"; fi
export PATH="$bin_dir:$PATH"

if command -v plugres-index >/dev/null 2>&1; then
  say "using $(command -v plugres-index) ($(plugres-index --version))"
  exit 0
fi
if ! command -v cargo >/dev/null 2>&1; then
  say "error: plugres-index is not on PATH and cargo is missing to build it"
  say "hint: install a Rust toolchain (rustup.rs), or put plugres-index on PATH"
  exit 1
fi
if [ -n "${PLUGRES_REV:-}" ]; then
  pick=(--rev "$PLUGRES_REV")
elif [[ $ref =~ ^[0-9a-f]{7,40}$ ]]; then
  pick=(--rev "$ref")
elif [[ $ref =~ ^v[0-9] ]]; then
  pick=(--tag "$ref")
else
  pick=(--branch "$ref")
fi
say "building plugres-index from $git_url (${pick[*]})"
cargo install --locked --git "$git_url" "${pick[@]}" --bin plugres-index plugres-index
say "installed $(plugres-index --version)"
