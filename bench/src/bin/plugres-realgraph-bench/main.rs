//! `plugres-realgraph-bench`: `plugres lock` against `cargo
//! generate-lockfile` on the same real crates.io graph.
//!
//! ```text
//! cargo build --release -p plugres-bench -p plugres --bins
//! target/release/plugres-realgraph-bench                 # path index vs local registry
//! target/release/plugres-realgraph-bench --sparse        # also both over one nginx
//! ```
//!
//! 1. Reads the crates.io entries in cargo's cache (`--cache`, default the
//!    crates.io `.cache` under `$CARGO_HOME`) and converts them into one
//!    graph ([`plugres_bench::realgraph`] lists the rules); nothing is
//!    committed, the data is built on each run in a temporary `--work-dir`.
//! 2. Writes it as a signed plugres index (fresh minisign keys, snapshot
//!    and timestamp) and as a cargo registry index, used as a local registry
//!    (`[source.crates-io] replace-with`) in a private `CARGO_HOME`.
//! 3. Picks root sets ([`sets`]): three crates, a medium set, this
//!    workspace's own dependencies, and every crate; a set is cut down to
//!    what plugres can solve in one version per crate (checked in-process).
//! 4. For each set, times a fresh `plugres lock` (no plugres.lock; a new
//!    process, warm index cache and trust state) and `cargo
//!    generate-lockfile --offline` (fresh Cargo.lock), one untimed run
//!    first, then the median of `--runs`; prints both solution sizes and
//!    the time ratio.
//! 5. With `--sparse`, serves both from one nginx on 127.0.0.1 and times
//!    cold (new `PLUGRES_HOME` / `CARGO_HOME`) and warm runs of both,
//!    counting requests in nginx's access log ([`sparse`]).

#[path = "../plugres-bench/nginx.rs"]
mod nginx;
mod projects;
mod sets;
mod sparse;
mod timing;

use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use clap::Parser;
use plugres_bench::realgraph::{Graph, cache};

/// Times `plugres lock` against `cargo generate-lockfile` on a real graph.
#[derive(Debug, Parser)]
#[command(name = "plugres-realgraph-bench", max_term_width = 100)]
struct Cli {
    /// cargo's cache of crates.io index entries (default: the crates.io
    /// `.cache` under `$CARGO_HOME`, else `~/.cargo`).
    #[arg(long, value_name = "DIR")]
    cache: Option<PathBuf>,
    /// Where to build the data (default: a temporary directory, removed).
    #[arg(long, value_name = "DIR")]
    work_dir: Option<PathBuf>,
    /// Timed runs per measurement (after one untimed run).
    #[arg(long, default_value_t = 10)]
    runs: usize,
    /// The engine (rustc) version both resolvers run for: plugres's
    /// `[engine] version`, cargo's `rust-version`.
    #[arg(long, default_value = "1.89.0")]
    engine_version: semver::Version,
    /// Also over sparse HTTP, both from one nginx on 127.0.0.1.
    #[arg(long)]
    sparse: bool,
    /// The `plugres` binary (default: next to this executable).
    #[arg(long, value_name = "PATH")]
    plugres: Option<PathBuf>,
    /// The `cargo` binary.
    #[arg(long, value_name = "PATH", default_value = "cargo")]
    cargo: PathBuf,
    /// The nginx binary (default: the usual paths).
    #[arg(long, value_name = "PATH")]
    nginx: Option<PathBuf>,
}

fn main() -> Result<()> {
    let cli = Cli::parse();
    let plugres = match cli.plugres.clone() {
        Some(p) => p,
        None => std::env::current_exe()
            .context("cannot find this executable's path")?
            .with_file_name(format!("plugres{}", std::env::consts::EXE_SUFFIX)),
    };
    if !plugres.is_file() {
        bail!(
            "`{}` does not exist; build it with `cargo build --release -p plugres --bin plugres`, or pass --plugres",
            plugres.display()
        );
    }
    let cache_dir = match cli.cache.clone() {
        Some(d) => d,
        None => cache::default_dir(&cargo_home()).context(
            "no crates.io index cache under $CARGO_HOME/registry/index; pass --cache DIR",
        )?,
    };
    let entries = cache::read_dir(&cache_dir)?;
    let graph = Graph::convert(&entries);
    eprintln!(
        "{} index lines from `{}`: {} crates, {} versions kept (skipped: {} names, {} unparsable, {} with a dependency outside the graph, {} on their own crate)",
        entries.len(),
        cache_dir.display(),
        graph.crates.len(),
        graph.versions(),
        graph.skipped.names.len(),
        graph.skipped.unparsable,
        graph.skipped.missing_dependency,
        graph.skipped.self_dependency,
    );
    let tmp;
    let work = match &cli.work_dir {
        Some(d) => d.clone(),
        None => {
            tmp = tempfile::tempdir().context("cannot make a temporary directory")?;
            tmp.path().to_path_buf()
        }
    };
    let data = projects::Data::write(&work, &graph)?;
    let sets = sets::pick(&graph, &cli.engine_version)?;
    let tools = timing::Tools {
        plugres,
        cargo: cli.cargo.clone(),
        runs: cli.runs,
    };
    println!(
        "real graph: {} crates, {} versions; engine rustc {}; {} runs each (median), load {}",
        data.written.plugins,
        graph.versions(),
        cli.engine_version,
        cli.runs,
        load_average()
    );
    println!();
    timing::local(&tools, &data, &sets, &cli.engine_version)?;
    if cli.sparse {
        let bin =
            nginx::find(cli.nginx.clone()).context("nginx is not installed (pass --nginx PATH)")?;
        println!();
        sparse::run(&tools, &bin, &data, &sets, &cli.engine_version)?;
    }
    Ok(())
}

/// `$CARGO_HOME`, else `~/.cargo`.
fn cargo_home() -> PathBuf {
    std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")))
        .unwrap_or_else(|| PathBuf::from(".cargo"))
}

/// The 1-minute load average (Linux), or `?`.
fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|s| s.split_whitespace().next().map(str::to_string))
        .unwrap_or_else(|| "?".to_string())
}
