#!/usr/bin/env bash
# Runs the cargo-fuzz targets of plugres one after another and writes a
# summary table to fuzz/RESULTS.md.
#
#   bash fuzz/run.sh [seconds-per-target]        (default 600)
#   FUZZ_TARGETS="extract signature" bash fuzz/run.sh 60
#
# Targets run one at a time under `nice -n 19` (the machine is shared).
# Seeds from sample-index/ and fuzz/seeds/ are copied into fuzz/corpus/<t>/
# first. When only some targets run, the rows of the others in RESULTS.md
# are kept. Exits non-zero when any target found a crash.
set -euo pipefail

secs="${1:-600}"
if ! [[ "$secs" =~ ^[0-9]+$ ]]; then
    echo "usage: bash fuzz/run.sh [seconds-per-target]" >&2
    exit 2
fi

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$here/target}"
all_targets=(plugin_file config_file signature semver_range extract trust_files)
read -r -a targets <<<"${FUZZ_TARGETS:-${all_targets[*]}}"
results="$here/RESULTS.md"
logs="$here/target/logs"
mkdir -p "$logs"

if ! cargo +nightly fuzz --help >/dev/null 2>&1; then
    cargo install cargo-fuzz --locked
fi

# Copies a file into a corpus dir, with a prefix of raw bytes given as
# printf escapes (the targets that read a selector byte first need one).
seed() {
    local corpus="$1" prefix="$2" file="$3" name
    name="seed-$(basename "$(dirname "$file")")-$(basename "$file")-$(printf '%s' "$prefix" | tr -dc '0-9')"
    {
        # shellcheck disable=SC2059 # the prefix is meant as a format of escapes
        printf "$prefix"
        cat "$file"
    } >"$corpus/$name"
}

make_seeds() {
    local c="$here/corpus" sample="$root/sample-index" f i
    mkdir -p "$c"/{plugin_file,config_file,signature,semver_range,extract,trust_files}
    for f in "$sample"/plugins/*/*/*.toml "$here"/seeds/plugin_file/*; do
        seed "$c/plugin_file" "" "$f"
    done
    for f in "$sample/config.toml" "$here"/seeds/config_file/*; do
        seed "$c/config_file" "" "$f"
    done
    # The signature target's header: file index (the order of FILES in
    # fuzz_targets/signature.rs), key mask (all three keys), path 0 (its
    # own), no tampering; then the genuine .minisig text.
    i=0
    for f in config.toml plugins/he/ll/hello-world.toml plugins/ac/me/acme-audit.toml \
        plugins/gr/ee/greeter-core.toml plugins/ol/d-/old-greeter.toml \
        plugins/pr/et/pretty-theme.toml; do
        seed "$c/signature" "\\00$i\\007\\000\\000" "$sample/$f.minisig"
        i=$((i + 1))
    done
    # Two signatures in one file: the config's and a plugin's.
    cat "$sample/config.toml.minisig" "$sample/plugins/he/ll/hello-world.toml.minisig" >"$logs/two.minisig"
    seed "$c/signature" '\000\007\000\000' "$logs/two.minisig"
    cp "$here"/seeds/trust_files/* "$c/trust_files/"
    printf '\001\002\003\004\005\006\007\010\011\012\013\014\015\016\017\020' >"$c/semver_range/seed-counting"
    for f in "$sample"/artifacts/*/*/*.tar.gz; do
        seed "$c/extract" '\000' "$f"
        gzip -dc "$f" >"$logs/plain.tar"
        seed "$c/extract" '\001' "$logs/plain.tar"
    done
    for f in "$sample"/artifacts/hello-world/*/*.wasm; do
        seed "$c/extract" '\003\003' "$f"
    done
    cp "$here"/seeds/extract/* "$c/extract/"
}

# The value of a libFuzzer `stat::` line in a log, or "?".
stat_of() {
    local v
    v="$(sed -n "s/^stat::$2: *//p" "$1" | tail -n 1)"
    echo "${v:-?}"
}

count_files() {
    if [[ -d "$1" ]]; then
        find "$1" -maxdepth 1 -type f | wc -l
    else
        echo 0
    fi
}

cd "$root"
make_seeds
nice -n 19 cargo +nightly fuzz build

declare -A row
failed=0
for t in "${targets[@]}"; do
    log="$logs/$t.log"
    artifacts="$here/artifacts/$t"
    before="$(count_files "$artifacts")"
    start="$(date +%s)"
    dict=()
    if [[ -f "$here/dicts/$t.dict" ]]; then
        dict=(-dict="$here/dicts/$t.dict")
    fi
    set +e
    nice -n 19 cargo +nightly fuzz run "$t" -- \
        -max_total_time="$secs" -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 \
        "${dict[@]}" >"$log" 2>&1
    rc=$?
    set -e
    elapsed=$(($(date +%s) - start))
    crashes=$(($(count_files "$artifacts") - before))
    if ((rc != 0)) && ((crashes == 0)); then
        crashes="run failed (exit $rc), see target/logs/$t.log"
    fi
    if ((rc != 0)); then
        failed=1
    fi
    row[$t]="| \`$t\` | $(stat_of "$log" number_of_executed_units) | $(stat_of "$log" average_exec_per_sec) | ${elapsed} s | $(count_files "$here/corpus/$t") | $crashes |"
    echo "${row[$t]}"
done

{
    echo "# Fuzzing results"
    echo
    echo "Last run: $(date -u '+%Y-%m-%d %H:%M UTC'), \`bash fuzz/run.sh $secs\`$([[ -n "${FUZZ_TARGETS:-}" ]] && echo " with \`FUZZ_TARGETS=\"$FUZZ_TARGETS\"\`")."
    echo "Each target: \`nice -n 19 cargo +nightly fuzz run <t> -- -max_total_time=$secs -rss_limit_mb=2048 -timeout=10 [-dict=fuzz/dicts/<t>.dict]\`."
    echo "Rows of targets not in the last run are kept from the run before."
    echo
    echo "| target | executions | exec/s | duration | corpus files | new crashes |"
    echo "| --- | --- | --- | --- | --- | --- |"
    for t in "${all_targets[@]}"; do
        if [[ -n "${row[$t]:-}" ]]; then
            echo "${row[$t]}"
        elif [[ -f "$results" ]]; then
            grep -F "| \`$t\` |" "$results" || true
        fi
    done
} >"$results.new"
mv "$results.new" "$results"
cat "$results"
exit "$failed"
