#!/usr/bin/env bash
# Every test of plugres, from a bare machine: installs the programs the
# end-to-end tests run for real (the reference minisign tool, nginx as the
# static host, git with git-daemon), then runs the whole test suite.
#
# usage: bash tests/run.sh [ARGS for `cargo test`]
#   e.g. bash tests/run.sh -p plugres-e2e attack_
# Set PLUGRES_TEST_NO_INSTALL=1 to only check and name what is missing.
#
# On macOS and Windows (Git Bash) the servers are not set up: the script
# says so and runs the portable part instead (README "Platforms").
set -euo pipefail
cd "$(dirname "$0")/.."

# macOS and Windows: what runs without Debian's nginx, git-daemon and
# minisign. Every crate is built with its tests; the crates whose tests
# start no server run them; the quickstart demo installs plugins from the
# sample index (a path index: no server) with the release binary.
portable() {
  echo "tests/run.sh on $1: the end-to-end tests and the index backends' tests need nginx, git-daemon"
  echo "and minisign as tests/run.sh installs them on Debian/Ubuntu; here it runs the portable part:"
  echo "  build of every crate and test, the unit tests of plugres-schema, plugres-fs, plugres-host,"
  echo "  plugres-archive, and the quickstart demo (bash tests/demo.sh)."
  if [ "$2" -gt 0 ]; then echo "  (the arguments given are not used here)"; fi
  set -x
  cargo test --workspace --locked --no-run
  cargo test --locked -p plugres-schema -p plugres-fs -p plugres-host -p plugres-archive
  bash tests/demo.sh
}
case "$(uname -s)" in
  Darwin) portable macOS $#; exit ;;
  MINGW* | MSYS* | CYGWIN*) portable Windows $#; exit ;;
esac

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

# Debian/Ubuntu package per missing program.
need=()
command -v minisign >/dev/null || need+=(minisign)
[ -x /usr/sbin/nginx ] || [ -x /usr/bin/nginx ] || need+=(nginx-light)
command -v git >/dev/null || need+=(git)
[ -x "$(git --exec-path 2>/dev/null)/git-daemon" ] || need+=(git)
command -v cc >/dev/null || need+=(gcc)
# Debian's chromium; Ubuntu's is a snap stub, and its CI runners have Chrome.
command -v chromium >/dev/null || command -v google-chrome >/dev/null || need+=(chromium)
if [ ${#need[@]} -gt 0 ]; then
  # Each package once (git may be named twice); no mapfile: macOS has bash 3.
  uniq=()
  for p in "${need[@]}"; do
    case " ${uniq[*]} " in *" $p "*) ;; *) uniq+=("$p") ;; esac
  done
  need=("${uniq[@]}")
  if [ "${PLUGRES_TEST_NO_INSTALL:-}" = 1 ] || ! command -v apt-get >/dev/null; then
    echo "error: the tests need ${need[*]} (Debian/Ubuntu package names)." >&2
    echo "  install them with: sudo apt-get install ${need[*]}" >&2
    exit 1
  fi
  echo "installing what the tests use: ${need[*]}"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}"
fi

# Every crate, unless the arguments pick packages (`-p NAME`).
ws=--workspace
for a in "$@"; do
  case "$a" in -p|--package|-p*|--package=*) ws= ;; --) break ;; esac
done
exec cargo test ${ws:+"$ws"} --locked "$@"
