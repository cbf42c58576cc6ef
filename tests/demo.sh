#!/usr/bin/env bash
# The main job on the sample index, as a user would run it: a project on
# demo-engine 1.4.2 resolves, verifies and installs plugins from
# sample-index/ (offline: the index and its artifacts are local files).
#
# usage: bash tests/demo.sh [PROJECT_DIR]   (default: a fresh temp dir)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cargo build -q --release -p plugres --bin plugres --manifest-path "$root/Cargo.toml"
plugres="$root/target/release/plugres"
project="${1:-$(mktemp -d)}"
mkdir -p "$project"
export PLUGRES_HOME="${PLUGRES_HOME:-$project/.plugres-home}"
key="$(sed -n 's/^public = "\(.*\)"/\1/p' "$root/sample-index/config.toml" | head -1)"

step() { printf '\n\033[1m$ plugres %s\033[0m\n' "$*"; }
p() { step "$@"; "$plugres" -C "$project" "$@"; }

p init --engine-version 1.4.2 --registry "$root/sample-index" --key "$key"
p add hello-world --yes
step "add hello-world@^2   (expected to fail: it needs a newer engine)"
"$plugres" -C "$project" add 'hello-world@^2' --yes || true
p add acme-audit --yes
p tree
p tree --invert greeter-core
p info hello-world
p search greet
p outdated
step "engine-check 2.0.0   (exit 3 while something blocks the move)"
"$plugres" -C "$project" engine-check 2.0.0 || true
p verify
p install
printf '\nInstalled into %s/plugins:\n' "$project"
find "$project/plugins" -maxdepth 2 | sort
