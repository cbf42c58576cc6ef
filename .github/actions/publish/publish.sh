#!/usr/bin/env bash
# Publishes a plugin release into a plugres index and proposes it as a pull
# request: the shell half of the `publish` action (action.yml beside this
# file). It runs the same on a laptop as in CI: it needs git and
# plugres-index on PATH, and gh only to open the pull request.
#
# Steps: clone the index repository; `plugres-index publish --if-new`
# (hashes and signs; commits on the branch publish/NAME-VERSION); download
# the artifacts back and validate the change like the index's CI will;
# push the branch; open a pull request with gh when a token is given.
#
# A re-run is a no-op that succeeds: when the index's main branch already
# has this exact version, or the branch publish/NAME-VERSION pushed by an
# earlier run already has it, nothing is pushed (with a token, a missing
# pull request for that branch is still opened).
#
# Environment (the action's inputs):
#   PLUGRES_MANIFEST         required  the plugin's plugin.toml
#   PLUGRES_ARTIFACTS        optional  newline-separated TARGET=PATH=URL lines: the built
#                                      files and the URLs they are released at; blank lines
#                                      and `#` comments are skipped [the manifest's [[artifact]]s]
#   PLUGRES_SIGNING_KEY      required  the text of the publisher's secret key file (unless
#                                      keyless: PLUGRES_ATTESTATION without a key)
#   PLUGRES_KEY_PASSWORD     optional  its password, when the key is encrypted
#   PLUGRES_PREDICATE_OUT    optional  trusted publishing, step 1: only write the version's
#                                      attestation predicate (JSON) to this file, for
#                                      actions/attest to sign; nothing is pushed
#   PLUGRES_ATTESTATION      optional  trusted publishing, step 2: the Sigstore bundle
#                                      (actions/attest's bundle-path) for this version; with
#                                      no PLUGRES_SIGNING_KEY the plugin file is left unsigned
#   PLUGRES_INDEX_REPO       required  OWNER/NAME (a GitHub repository), a git URL, or a
#                                      local path (a bare repository works; an existing
#                                      path wins over OWNER/NAME)
#   PLUGRES_INDEX_BRANCH     optional  the index's main branch [main]
#   PLUGRES_INDEX_TOKEN      optional  a token that may push to the index repository and open
#                                      pull requests there; without it, git's own credentials
#                                      push and no pull request is opened
#   PLUGRES_CHECK_ARTIFACTS  optional  `false` skips downloading the artifacts back before
#                                      pushing [true]
#   GITHUB_SERVER_URL        optional  the host OWNER/NAME is on [https://github.com]
#   GITHUB_OUTPUT            optional  set by GitHub Actions: the outputs below go there too
#
# Prints, on stdout, `key=value` lines (the action's outputs):
#   result   pushed | already-proposed | already-published | predicate
#   branch   the release branch (empty when already published)
#   commit   its commit
#   pr-url   the pull request (empty without a token)
set -euo pipefail

say() { printf 'plugres-publish: %s\n' "$*" >&2; }
die() {
  say "error: $*"
  exit 1
}
output() {
  printf '%s=%s\n' "$1" "$2"
  if [ -n "${GITHUB_OUTPUT:-}" ]; then printf '%s=%s\n' "$1" "$2" >>"$GITHUB_OUTPUT"; fi
}

manifest=${PLUGRES_MANIFEST:-}
repo=${PLUGRES_INDEX_REPO:-}
base=${PLUGRES_INDEX_BRANCH:-main}
token=${PLUGRES_INDEX_TOKEN:-}
server=${GITHUB_SERVER_URL:-https://github.com}
server=${server%/}

[ -n "$manifest" ] || die "PLUGRES_MANIFEST is not set (the plugin's plugin.toml)"
[ -f "$manifest" ] || die "the plugin manifest \`$manifest\` does not exist"
[ -n "$repo" ] || die "PLUGRES_INDEX_REPO is not set (OWNER/NAME, a git URL or a path)"
# Keyless (trusted publishing): the attestation vouches, or only the
# predicate is asked for.
keyless=()
if [ -z "${PLUGRES_SIGNING_KEY:-}" ]; then
  if [ -n "${PLUGRES_ATTESTATION:-}" ]; then
    keyless=(--no-key)
  elif [ -z "${PLUGRES_PREDICATE_OUT:-}" ]; then
    die "PLUGRES_SIGNING_KEY is not set (the text of the publisher's .key file); for trusted publishing give PLUGRES_ATTESTATION instead"
  fi
fi
attestation=()
if [ -n "${PLUGRES_ATTESTATION:-}" ]; then
  [ -f "$PLUGRES_ATTESTATION" ] || die "the attestation bundle \`$PLUGRES_ATTESTATION\` does not exist"
  attestation=(--attestation "$(cd "$(dirname "$PLUGRES_ATTESTATION")" && pwd)/$(basename "$PLUGRES_ATTESTATION")")
fi
command -v git >/dev/null || die "git is not on PATH"
command -v plugres-index >/dev/null || die "plugres-index is not on PATH (install.sh installs it)"
if [ -n "${PLUGRES_SIGNING_KEY:-}" ]; then export PLUGRES_SIGNING_KEY; else unset PLUGRES_SIGNING_KEY; fi
# An empty password (an unset optional secret) means none: let plugres-index
# say "encrypted key, no password" rather than try "".
if [ -z "${PLUGRES_KEY_PASSWORD:-}" ]; then unset PLUGRES_KEY_PASSWORD; fi
unset PLUGRES_INDEX_DIR

# Where to clone from, and the OWNER/NAME gh needs (empty: not on $server).
gh_repo=""
if [ -e "$repo" ]; then
  url=$(cd "$repo" && pwd)
elif [[ $repo =~ ^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$ ]]; then
  url="$server/$repo.git"
  gh_repo=$repo
elif [[ $repo == *://* || $repo == *@*:* ]]; then
  url=$repo
  if [[ $repo == "$server"/* ]]; then
    gh_repo=${repo#"$server"/}
  elif [[ $repo == *@"${server#https://}":* ]]; then
    gh_repo=${repo#*:}
  fi
  gh_repo=${gh_repo%.git}
else
  die "PLUGRES_INDEX_REPO \`$repo\` is not OWNER/NAME, a git URL or an existing path"
fi
if [ -n "$gh_repo" ] && [ "$server" != https://github.com ]; then
  gh_repo="${server#https://}/$gh_repo"
fi

# With a token a pull request is opened: check that it can be before pushing.
if [ -n "$token" ]; then
  [ -n "$gh_repo" ] || die "a token was given, but \`$repo\` is not a repository on $server where gh could open a pull request (give OWNER/NAME, or no token)"
  command -v gh >/dev/null || die "gh is not on PATH: it opens the pull request (or give no token)"
fi

# With a token, git authenticates to the https host by header: the token
# stays out of URLs, remotes and process arguments.
if [ -n "$token" ] && [[ $url == https://* ]]; then
  host=$(printf '%s' "$url" | sed -E 's#^(https://[^/]+)/.*#\1/#')
  n=${GIT_CONFIG_COUNT:-0}
  export "GIT_CONFIG_KEY_$n=http.$host.extraheader"
  export "GIT_CONFIG_VALUE_$n=AUTHORIZATION: basic $(printf 'x-access-token:%s' "$token" | base64 | tr -d '\n')"
  export GIT_CONFIG_COUNT=$((n + 1))
fi

artifacts=()
while IFS= read -r line; do
  line="${line#"${line%%[![:space:]]*}"}"
  line="${line%"${line##*[![:space:]]}"}"
  if [ -z "$line" ] || [[ $line == \#* ]]; then continue; fi
  [[ $line == *=* ]] || die "artifact line \`$line\`: expected TARGET=PATH=URL"
  artifacts+=(--artifact "$line")
done <<<"${PLUGRES_ARTIFACTS:-}"

work=$(mktemp -d "${RUNNER_TEMP:-${TMPDIR:-/tmp}}/plugres-publish.XXXXXX")
trap 'rm -rf "$work"' EXIT
index="$work/index"

# `plugres-index publish --if-new --json` into the checkout: prints the
# JSON report when it committed, nothing when the version is already there.
publish_into() {
  plugres-index publish "$manifest" ${artifacts[@]+"${artifacts[@]}"} \
    ${keyless[@]+"${keyless[@]}"} ${attestation[@]+"${attestation[@]}"} \
    --index "$index" --if-new --json "$@"
}

# Opens the pull request for $branch unless one is open, or says why not.
open_pr() {
  pr_url=""
  if [ -z "$token" ]; then
    say "skipping PR (no token): open a pull request from \`$branch\` into \`$base\` of $repo yourself"
    return
  fi
  export GH_TOKEN=$token
  pr_url=$(gh pr list --repo "$gh_repo" --head "$branch" --base "$base" --state open \
    --json url --jq '.[0].url // ""')
  if [ -n "$pr_url" ]; then
    say "pull request already open: $pr_url"
    return
  fi
  local title body
  title=$(git -C "$index" log -1 --format=%s)
  body=$(printf '%s\n\n%s\n' "$(git -C "$index" log -1 --format=%B)" \
    "Opened by the plugres publish action${GITHUB_REPOSITORY:+ from $GITHUB_REPOSITORY}${GITHUB_REF_NAME:+ ($GITHUB_REF_NAME)}.")
  pr_url=$(gh pr create --repo "$gh_repo" --base "$base" --head "$branch" --title "$title" --body "$body")
  say "opened $pr_url"
}

say "cloning $repo ($base)"
git clone --quiet --branch "$base" -- "$url" "$index"

if [ -n "${PLUGRES_PREDICATE_OUT:-}" ]; then
  predicate_out=$(cd "$(dirname "$PLUGRES_PREDICATE_OUT")" && pwd)/$(basename "$PLUGRES_PREDICATE_OUT")
  plugres-index publish "$manifest" ${artifacts[@]+"${artifacts[@]}"} \
    --index "$index" --predicate-out "$predicate_out"
  say "wrote the attestation predicate to $PLUGRES_PREDICATE_OUT: sign it (actions/attest), then publish with the bundle"
  output result predicate
  output branch ""
  output commit "$(git -C "$index" rev-parse HEAD)"
  output pr-url ""
  exit 0
fi

report=$(publish_into)
if [ -z "$report" ]; then
  say "this version is already published on \`$base\`: nothing to do"
  output result already-published
  output branch ""
  output commit "$(git -C "$index" rev-parse HEAD)"
  output pr-url ""
  exit 0
fi
branch=$(git -C "$index" branch --show-current)

# An earlier run (say, a re-run of the same release job) pushed this
# branch: continue it rather than race it with a second, different commit.
if git -C "$index" rev-parse --quiet --verify "refs/remotes/origin/$branch" >/dev/null; then
  say "\`$branch\` exists on $repo (an earlier run): checking it"
  git -C "$index" checkout --quiet --force -B "$branch" "origin/$branch"
  if ! report=$(publish_into --no-branch); then
    die "publishing onto \`$branch\` failed (above); when it says the version is already published, that branch holds another build of it: delete the branch (and close its pull request) to publish this build, or bump the version"
  fi
  if [ -z "$report" ]; then
    say "\`$branch\` already proposes this exact release: nothing to push"
    open_pr
    output result already-proposed
    output branch "$branch"
    output commit "$(git -C "$index" rev-parse HEAD)"
    output pr-url "$pr_url"
    exit 0
  fi
fi
printf '%s\n' "$report" >&2

if [ "${PLUGRES_CHECK_ARTIFACTS:-true}" != false ]; then
  say "checking the change like the index's CI (artifacts downloaded back)"
  plugres-index validate "$index" --base "origin/$base" --check-artifacts
fi

git -C "$index" push --quiet origin "HEAD:refs/heads/$branch"
say "pushed \`$branch\` to $repo"
open_pr
output result pushed
output branch "$branch"
output commit "$(git -C "$index" rev-parse HEAD)"
output pr-url "$pr_url"
