//! `plugres-index-bench`: makes synthetic indexes ([`plugres_bench::synth`])
//! and times `plugres-index validate` on them through the same library call
//! the CLI makes.
//!
//! ```text
//! cargo run --release -p plugres-bench --bin plugres-index-bench -- validate
//! cargo run --release -p plugres-bench --bin plugres-index-bench -- generate /tmp/idx --git --json
//! cargo run --release -p plugres-bench --bin plugres-index-bench -- snapshot --plugins 10000,100000
//! ```

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use clap::{Args, Parser, Subcommand};
use plugres_bench::synth::{self, SynthInfo};
use plugres_index::git::Repo;
use plugres_index::trust;
use plugres_index::validate::{Options, Report, validate};
use plugres_schema::SigningKey;
use rayon::prelude::*;

/// Synthetic indexes and validation timings for plugres-index.
#[derive(Debug, Parser)]
#[command(name = "plugres-index-bench", max_term_width = 100)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Write a synthetic, valid, signed index into DIR (new or empty).
    Generate(GenerateArgs),
    /// Time whole-index and `--base` validation on synthetic indexes.
    Validate(ValidateArgs),
    /// Time `plugres-index snapshot` and `timestamp` after a one-plugin
    /// change, and report the sizes of snapshot.toml and its bins.
    Snapshot(SnapshotArgs),
}

#[derive(Debug, Args)]
struct SnapshotArgs {
    /// Index sizes (plugins), comma-separated.
    #[arg(long, value_delimiter = ',', default_value = "10000,100000")]
    plugins: Vec<usize>,
    #[arg(long, default_value_t = 20)]
    versions: usize,
    #[arg(long, default_value_t = 3)]
    runs: usize,
    #[arg(long, default_value_t = 1)]
    seed: u64,
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
struct GenerateArgs {
    dir: PathBuf,
    #[arg(long, default_value_t = 1000)]
    plugins: usize,
    #[arg(long, default_value_t = 20)]
    versions: usize,
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Also `git init` and commit the whole tree.
    #[arg(long, conflicts_with = "artifacts")]
    git: bool,
    /// Give every version a local artifact and write those of the solution
    /// (for client install benchmarks; see `synth::generate_installable`).
    #[arg(long)]
    artifacts: bool,
    /// Print the full description (keys, names, suggested roots, solution) as JSON.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
struct ValidateArgs {
    #[arg(long, default_value_t = 10_000)]
    plugins: usize,
    #[arg(long, default_value_t = 20)]
    versions: usize,
    #[arg(long, default_value_t = 3)]
    runs: usize,
    /// Size of the second index for the `--base` measurement.
    #[arg(long, default_value_t = 1000)]
    small_plugins: usize,
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Also time reading, parsing and signature checks of all files apart.
    #[arg(long)]
    breakdown: bool,
    #[arg(long)]
    json: bool,
}

fn main() -> Result<()> {
    match Cli::parse().command {
        Command::Generate(a) => generate(&a),
        Command::Validate(a) => bench(&a),
        Command::Snapshot(a) => bench_snapshot(&a),
    }
}

fn generate(a: &GenerateArgs) -> Result<()> {
    let start = Instant::now();
    let info = if a.git {
        synth::generate_git(&a.dir, a.plugins, a.versions, a.seed)?
    } else if a.artifacts {
        synth::generate_installable(&a.dir, a.plugins, a.versions, a.seed)?
    } else {
        synth::generate(&a.dir, a.plugins, a.versions, a.seed)?
    };
    if a.json {
        println!("{}", serde_json::to_string_pretty(&info)?);
        return Ok(());
    }
    eprintln!(
        "Generated {} plugins x {} versions ({} files, {:.1} MB) in `{}` in {:.2} s",
        a.plugins,
        a.versions,
        info.paths.len(),
        info.bytes as f64 / 1e6,
        a.dir.display(),
        start.elapsed().as_secs_f64()
    );
    println!("root key:          {}", info.root_public_key);
    println!("engine version:    {}", info.engine_version);
    println!(
        "suggested roots:   {} (solution: {} plugins); --json prints them",
        info.suggested_roots.len(),
        info.solution.len()
    );
    Ok(())
}

#[derive(Debug, serde::Serialize)]
struct Results {
    plugins: usize,
    versions: usize,
    files: usize,
    bytes: u64,
    threads: usize,
    runs: usize,
    generate_s: f64,
    git_commit_s: f64,
    whole: Timing,
    base: Vec<BaseTiming>,
    breakdown: Option<Breakdown>,
}

#[derive(Debug, serde::Serialize)]
struct Timing {
    runs_s: Vec<f64>,
    median_s: f64,
    min_s: f64,
    files: usize,
    files_per_s: f64,
}

#[derive(Debug, serde::Serialize)]
struct BaseTiming {
    plugins: usize,
    /// Generating and committing the index this was measured on.
    generate_s: f64,
    validate: Timing,
    publish_and_commit_median_s: f64,
}

#[derive(Debug, serde::Serialize)]
struct Breakdown {
    walk_s: f64,
    read_s: f64,
    parse_s: f64,
    verify_s: f64,
}

fn bench(a: &ValidateArgs) -> Result<()> {
    if a.runs == 0 {
        bail!("--runs must be at least 1");
    }
    let big = tempfile::tempdir()?;
    let dir = big.path();
    eprintln!(
        "Generating {} plugins x {} versions in `{}`...",
        a.plugins,
        a.versions,
        dir.display()
    );
    let (info, generate_s) = timed(|| synth::generate(dir, a.plugins, a.versions, a.seed))?;
    let (_, git_commit_s) = timed(|| {
        Repo::init(dir)?;
        synth::commit_all(dir, &info)
    })?;

    eprintln!("Timing whole-index validation ({} runs)...", a.runs);
    let mut runs = Vec::new();
    for _ in 0..a.runs {
        let (report, secs) = timed(|| validate(dir, &whole()))?;
        check_clean(&report, plugin_files(&info))?;
        runs.push(secs);
    }
    let whole = timing(runs, plugin_files(&info));
    let breakdown = a.breakdown.then(|| breakdown(dir)).transpose()?;

    eprintln!("Timing `validate --base` after a one-plugin change...");
    let mut base = vec![base_runs(dir, &info, a.runs, generate_s + git_commit_s)?];
    drop(big);
    let small = tempfile::tempdir()?;
    let (small_info, small_s) =
        timed(|| synth::generate_git(small.path(), a.small_plugins, a.versions, a.seed))?;
    base.push(base_runs(small.path(), &small_info, a.runs, small_s)?);

    let results = Results {
        plugins: a.plugins,
        versions: a.versions,
        files: info.paths.len(),
        bytes: info.bytes,
        threads: rayon::current_num_threads(),
        runs: a.runs,
        generate_s,
        git_commit_s,
        whole,
        base,
        breakdown,
    };
    if a.json {
        println!("{}", serde_json::to_string_pretty(&results)?);
    } else {
        print_table(&results);
    }
    Ok(())
}

/// Publishes one new version per run (a different plugin each time) and
/// times `validate --base <commit before it>`.
fn base_runs(dir: &Path, info: &SynthInfo, runs: usize, generate_s: f64) -> Result<BaseTiming> {
    let key =
        SigningKey::from_key_text(&info.publisher_key_text, None).map_err(anyhow::Error::msg)?;
    let repo = Repo::open(dir)?;
    let (mut times, mut publish) = (Vec::new(), Vec::new());
    for r in 0..runs {
        let name = &info.names[(r + 1) * info.names.len() / (runs + 1)];
        let base = repo.resolve_rev("HEAD")?;
        let (_, p) = timed(|| synth::publish_next_version(dir, &key, name))?;
        let opts = Options {
            base: Some(base),
            check_artifacts: false,
        };
        let (report, secs) = timed(|| validate(dir, &opts))?;
        check_clean(&report, 2)?;
        times.push(secs);
        publish.push(p);
    }
    Ok(BaseTiming {
        plugins: info.names.len(),
        generate_s,
        validate: timing(times, 2),
        publish_and_commit_median_s: median(&publish),
    })
}

/// The phases of a whole validation, each over every plugin file in parallel.
fn breakdown(dir: &Path) -> Result<Breakdown> {
    let (config, _) = plugres_index::checkout::Checkout::open(dir)?.load_config()?;
    let (paths, walk_s) = timed(|| {
        let mut out = Vec::new();
        for e in walkdir::WalkDir::new(dir.join("plugins")).sort_by_file_name() {
            let e = e?;
            let rel: Vec<String> = e
                .path()
                .strip_prefix(dir)?
                .iter()
                .map(|c| c.to_string_lossy().into_owned())
                .collect();
            let rel = rel.join("/");
            if rel.ends_with(".toml") {
                out.push(rel);
            }
        }
        anyhow::Ok(out)
    })?;
    let (files, read_s) = timed(|| {
        paths
            .par_iter()
            .map(|p| {
                let toml = std::fs::read(dir.join(p))?;
                let sig = std::fs::read(dir.join(format!("{p}.minisig")))?;
                Ok((p, toml, sig))
            })
            .collect::<Result<Vec<_>>>()
    })?;
    let (_, parse_s) = timed(|| {
        files.par_iter().try_for_each(|(p, toml, _)| {
            plugres_schema::PluginFile::parse(p, toml)
                .map(drop)
                .map_err(|d| anyhow::anyhow!("{p}: {d:?}"))
        })
    })?;
    let (_, verify_s) = timed(|| {
        files.par_iter().try_for_each(|(p, toml, sig)| {
            let keys = config.publisher_keys.iter().map(|k| (&k.id, &k.public));
            plugres_schema::verify(p, toml, sig, keys)
                .map(drop)
                .map_err(anyhow::Error::from)
        })
    })?;
    Ok(Breakdown {
        walk_s,
        read_s,
        parse_s,
        verify_s,
    })
}

fn print_table(r: &Results) {
    println!(
        "plugres-index validate: {} plugins x {} versions ({} files, {:.1} MB), {} threads, {} runs\n",
        r.plugins,
        r.versions,
        r.files,
        r.bytes as f64 / 1e6,
        r.threads,
        r.runs
    );
    println!("{:<46} {:>10}", "setup", "time");
    println!(
        "{:<46} {:>10}",
        "generate (render, sign, write)",
        secs(r.generate_s)
    );
    println!(
        "{:<46} {:>10}",
        "git commit of the whole tree",
        secs(r.git_commit_s)
    );
    for b in &r.base[1..] {
        let what = format!("generate + commit, {} plugins", b.plugins);
        println!("{what:<46} {:>10}", secs(b.generate_s));
    }
    println!(
        "\n{:<46} {:>10} {:>10} {:>7} {:>9}  target",
        "measurement", "median", "min", "files", "files/s"
    );
    let row = |what: String, t: &Timing, target: &str, limit: f64| {
        let verdict = if t.median_s < limit { "ok" } else { "MISSED" };
        // Files per second only means something for the whole index.
        let rate = if t.files > 2 {
            format!("{:.0}", t.files_per_s)
        } else {
            "-".to_string()
        };
        println!(
            "{what:<46} {:>10} {:>10} {:>7} {rate:>9}  {target} {verdict}",
            secs(t.median_s),
            secs(t.min_s),
            t.files,
        );
    };
    row(
        format!("validate, whole index ({} plugins)", r.plugins),
        &r.whole,
        "< 5 s",
        5.0,
    );
    for b in &r.base {
        row(
            format!("validate --base, 1-plugin change @ {}", b.plugins),
            &b.validate,
            "< 300 ms",
            0.3,
        );
    }
    for b in &r.base {
        println!(
            "  (publish + commit of the change @ {}: median {})",
            b.plugins,
            secs(b.publish_and_commit_median_s)
        );
    }
    if let Some(b) = &r.breakdown {
        println!(
            "\nbreakdown of whole validation (each phase over all plugin files, parallel):\n  walk {}  read {}  parse {}  verify {}",
            secs(b.walk_s),
            secs(b.read_s),
            secs(b.parse_s),
            secs(b.verify_s)
        );
    }
}

fn whole() -> Options {
    Options {
        base: None,
        check_artifacts: false,
    }
}

/// Plugin files and their signatures: what `validate` counts as checked.
fn plugin_files(info: &SynthInfo) -> usize {
    info.paths
        .iter()
        .filter(|p| p.starts_with("plugins/"))
        .count()
}

/// No errors (a `--base` check after a publish warns that the snapshot is
/// stale, as it does on every publish pull request).
fn check_clean(report: &Report, files: usize) -> Result<()> {
    let errors: Vec<_> = report
        .diagnostics
        .iter()
        .filter(|d| d.severity == plugres_schema::Severity::Error)
        .collect();
    if let Some(d) = errors.first() {
        bail!(
            "the synthetic index has {} errors, first: {d}",
            errors.len()
        );
    }
    if report.files_checked != files {
        bail!(
            "{} files were checked, {files} expected",
            report.files_checked
        );
    }
    Ok(())
}

fn timed<T>(f: impl FnOnce() -> Result<T>) -> Result<(T, f64)> {
    let start = Instant::now();
    let out = f()?;
    Ok((out, start.elapsed().as_secs_f64()))
}

fn timing(runs_s: Vec<f64>, files: usize) -> Timing {
    let median_s = median(&runs_s);
    Timing {
        min_s: runs_s.iter().copied().fold(f64::INFINITY, f64::min),
        files_per_s: files as f64 / median_s,
        median_s,
        files,
        runs_s,
    }
}

fn median(xs: &[f64]) -> f64 {
    let mut v = xs.to_vec();
    v.sort_by(f64::total_cmp);
    match v.len() {
        0 => 0.0,
        n if n % 2 == 1 => v[n / 2],
        n => (v[n / 2 - 1] + v[n / 2]) / 2.0,
    }
}

fn secs(s: f64) -> String {
    let d = Duration::from_secs_f64(s.max(0.0));
    if d < Duration::from_secs(1) {
        format!("{:.1} ms", s * 1000.0)
    } else {
        format!("{s:.2} s")
    }
}

#[derive(Debug, serde::Serialize)]
struct SnapshotResults {
    plugins: usize,
    versions: usize,
    generate_and_commit_s: f64,
    /// Hash the tree, write and sign, commit: after a one-plugin change.
    snapshot: Timing,
    timestamp_median_s: f64,
    signed_files: usize,
    bin_digits: u8,
    bins: usize,
    snapshot_bytes: u64,
    bin_bytes: u64,
    /// Bin files rewritten by one snapshot after a one-plugin change.
    bins_changed_per_snapshot: usize,
    catalog_digits: u8,
    catalog_shards: usize,
    catalog_bytes: u64,
    /// Catalog shards rewritten by one snapshot after a one-plugin change.
    shards_changed_per_snapshot: usize,
    /// What a client that searched before fetches to search again after
    /// one publish (README "The catalog"): timestamp.toml, snapshot.toml
    /// and their signatures, and the changed shard; as stored, and each
    /// gzip-encoded (what a host serving with gzip on sends).
    search_update_bytes: u64,
    search_update_gzip_bytes: u64,
    /// Bin group files (0: the snapshot lists its bins itself).
    groups: usize,
    /// What a client that locked the published plugin before fetches to
    /// lock again after that publish: timestamp.toml, snapshot.toml and
    /// their signatures, the changed group and bin, the plugin file.
    lock_update_bytes: u64,
    lock_update_gzip_bytes: u64,
}

fn bench_snapshot(a: &SnapshotArgs) -> Result<()> {
    if a.runs == 0 {
        bail!("--runs must be at least 1");
    }
    let mut all = Vec::new();
    for &plugins in &a.plugins {
        let tmp = tempfile::tempdir()?;
        let dir = tmp.path();
        eprintln!(
            "Generating and committing {plugins} plugins x {} versions...",
            a.versions
        );
        let (info, generate_s) = timed(|| synth::generate_git(dir, plugins, a.versions, a.seed))?;
        let publisher = SigningKey::from_key_text(&info.publisher_key_text, None)
            .map_err(anyhow::Error::msg)?;
        let online =
            SigningKey::from_key_text(&info.online_key_text, None).map_err(anyhow::Error::msg)?;
        let repo = Repo::open(dir)?;
        let (config, _) = plugres_index::checkout::Checkout::open(dir)?.load_config()?;
        let (mut snap_s, mut ts_s, mut last, mut changed_bins) = (Vec::new(), Vec::new(), None, 0);
        let (mut changed_shards, mut changed_tables, mut published) =
            (Vec::new(), Vec::new(), String::new());
        for r in 0..a.runs {
            let name = &info.names[(r + 1) * info.names.len() / (a.runs + 1)];
            synth::publish_next_version(dir, &publisher, name)?;
            published = plugres_schema::index_path(&plugres_schema::PluginName::new(name)?);
            let (done, secs) = timed(|| {
                let done = trust::write_snapshot(dir, &online, trust::Bins::Auto, 1)?;
                let refs: Vec<&str> = done.changed.iter().map(String::as_str).collect();
                repo.commit_paths(&refs, "snapshot", &synth_author())?;
                Ok(done)
            })?;
            snap_s.push(secs);
            changed_tables = done
                .changed
                .iter()
                .filter(|p| p.starts_with("snapshot/"))
                .cloned()
                .collect::<Vec<_>>();
            changed_bins = changed_tables.len();
            changed_shards = done
                .changed
                .iter()
                .filter(|p| p.starts_with("catalog/"))
                .cloned()
                .collect();
            let (_, secs) = timed(|| {
                let t = trust::write_timestamp(dir, &config, &online, 86_400, 1)?;
                let refs: Vec<&str> = t.changed.iter().map(String::as_str).collect();
                repo.commit_paths(&refs, "timestamp", &synth_author())?;
                Ok(())
            })?;
            ts_s.push(secs);
            last = Some(done);
        }
        let done = last.context("no run")?;
        let fetched: Vec<String> = ["timestamp.toml", "snapshot.toml"]
            .iter()
            .flat_map(|f| [f.to_string(), format!("{f}.minisig")])
            .chain(changed_shards.iter().cloned())
            .collect();
        let (update, update_gzip) = sizes(dir, &fetched)?;
        let lock_fetched: Vec<String> = ["timestamp.toml", "snapshot.toml"]
            .iter()
            .flat_map(|f| [f.to_string(), format!("{f}.minisig")])
            .chain(changed_tables.iter().cloned())
            .chain([published.clone()])
            .collect();
        let (lock_update, lock_update_gzip) = sizes(dir, &lock_fetched)?;
        let report = validate(dir, &whole())?;
        check_clean(&report, plugin_files(&info))?;
        all.push(SnapshotResults {
            plugins,
            versions: a.versions,
            generate_and_commit_s: generate_s,
            snapshot: timing(snap_s, done.files),
            timestamp_median_s: median(&ts_s),
            signed_files: done.files,
            bin_digits: done.bin_digits,
            bins: done.bins,
            snapshot_bytes: done.snapshot_bytes,
            bin_bytes: done.bin_bytes,
            bins_changed_per_snapshot: changed_bins,
            catalog_digits: done.catalog_digits,
            catalog_shards: done.catalog_shards,
            catalog_bytes: done.catalog_bytes,
            shards_changed_per_snapshot: changed_shards.len(),
            search_update_bytes: update,
            search_update_gzip_bytes: update_gzip,
            groups: done.groups,
            lock_update_bytes: lock_update,
            lock_update_gzip_bytes: lock_update_gzip,
        });
    }
    if a.json {
        println!("{}", serde_json::to_string_pretty(&all)?);
        return Ok(());
    }
    println!(
        "{:>8} {:>8} {:>11} {:>11} {:>5} {:>6} {:>6} {:>13} {:>11} {:>9} {:>10} {:>12} {:>10}",
        "plugins",
        "files",
        "snapshot",
        "timestamp",
        "bin",
        "bins",
        "groups",
        "snapshot.toml",
        "bins total",
        "bin avg",
        "files/run",
        "lock update",
        "(gzip)"
    );
    for r in &all {
        println!(
            "{:>8} {:>8} {:>11} {:>11} {:>5} {:>6} {:>6} {:>13} {:>11} {:>9} {:>10} {:>12} {:>10}",
            r.plugins,
            r.signed_files,
            secs(r.snapshot.median_s),
            secs(r.timestamp_median_s),
            r.bin_digits,
            r.bins,
            r.groups,
            kb(r.snapshot_bytes),
            kb(r.bin_bytes),
            kb(r.bin_bytes / ((r.bins + r.groups).max(1) as u64)),
            r.bins_changed_per_snapshot,
            kb(r.lock_update_bytes),
            kb(r.lock_update_gzip_bytes)
        );
    }
    println!(
        "\n{:>8} {:>8} {:>7} {:>13} {:>10} {:>17} {:>17}",
        "plugins", "catalog", "shards", "catalog total", "shards/run", "search update", "(gzip)"
    );
    for r in &all {
        println!(
            "{:>8} {:>8} {:>7} {:>13} {:>10} {:>17} {:>17}",
            r.plugins,
            format!("{} digit", r.catalog_digits),
            r.catalog_shards,
            kb(r.catalog_bytes),
            r.shards_changed_per_snapshot,
            kb(r.search_update_bytes),
            kb(r.search_update_gzip_bytes)
        );
    }
    println!(
        "\n(snapshot: hash every signed file, derive the catalog, write changed bins and shards, sign, git commit; median of {} runs after a one-plugin publish. search update: what a client that searched before fetches after that publish: timestamp, snapshot, their signatures, the changed shard; lock update: what a client that locked the published plugin before fetches: timestamp, snapshot, their signatures, the changed bin and group, the plugin file; files/run: bin and group files rewritten)",
        a.runs
    );
    Ok(())
}

/// The total size of these index files of `dir`, as stored and each
/// gzip-encoded.
fn sizes(dir: &Path, files: &[String]) -> Result<(u64, u64)> {
    use std::io::Write as _;
    let (mut plain, mut gzip) = (0u64, 0u64);
    for f in files {
        let bytes = std::fs::read(dir.join(f)).with_context(|| format!("cannot read `{f}`"))?;
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        enc.write_all(&bytes)?;
        plain += bytes.len() as u64;
        gzip += enc.finish()?.len() as u64;
    }
    Ok((plain, gzip))
}

fn synth_author() -> plugres_index::git::Author {
    plugres_index::git::Author::new("plugres-bench", "plugres-bench@localhost")
}

fn kb(n: u64) -> String {
    format!("{:.1} KB", n as f64 / 1e3)
}
