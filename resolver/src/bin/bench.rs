//! `plugres-bench`: how fast the client locks and installs against a large
//! local index, and how many plugin files a lock reads.
//!
//! ```text
//! cargo build --release -p plugres-index --bin plugres-index-bench
//! cargo run --release -p plugres --bin plugres-bench            # 10,000 and 100,000 plugins
//! cargo run --release -p plugres --bin plugres-bench -- --no-big --json
//! cargo run --release -p plugres --bin plugres-bench -- --work-dir /tmp/pb   # keep, reuse indexes
//! ```
//!
//! Generating the 100,000-plugin index takes about 30 s and 1.2 GB of disk
//! (700 MB of files); with `--work-dir` it is generated once and reused.
//! Times are wall-clock: on a shared machine other work shows in the
//! medians, so the table also prints the load average and the minimums.
//!
//! For each index size it
//!
//! 1. runs `plugres-index-bench generate --artifacts` (the index tool's
//!    synthetic index; this crate does not depend on the index tool) to
//!    write a signed index of N plugins × M versions whose suggested roots
//!    (~200 plugins) resolve to a known solution (~230 plugins), with the
//!    solution's artifacts as real files beside the index;
//! 2. writes a project whose plugres.toml asks for the suggested roots from
//!    that index (a path registry, root key pinned);
//! 3. times a fresh `plugres lock` (no plugres.lock; a new process each
//!    run, so no cache survives between runs but the OS's file cache), and
//!    the same through the library call the CLI makes;
//! 4. installs once with `plugres install --yes`, then times a no-op
//!    `plugres install` (lock current, install dir complete), as a process
//!    and as a library call;
//! 5. records the plugin files the lock read (`index_files_read` of the
//!    lock's JSON report) against the solution and the index size.
//!
//! Every run's result is checked (the lock holds exactly the expected
//! solution; the no-op install read no index and installed nothing), so a
//! fast wrong answer cannot pass.

// The binary's root is `src/bin/bench.rs` (as Cargo.toml declares), so its
// modules are named by path.
#[path = "bench/measure.rs"]
mod measure;
#[path = "bench/report.rs"]
mod report;
#[path = "bench/setup.rs"]
mod setup;

use std::path::PathBuf;

use anyhow::{Result, bail};
use clap::Parser;

/// Times fresh `plugres lock` and no-op `plugres install` on synthetic
/// indexes, and counts the plugin files a lock reads.
#[derive(Debug, Parser)]
#[command(name = "plugres-bench", max_term_width = 100)]
struct Cli {
    /// Plugins in the main index.
    #[arg(long, default_value_t = 10_000)]
    plugins: usize,
    /// Versions per plugin.
    #[arg(long, default_value_t = 20)]
    versions: usize,
    /// Plugins in the big index (files read and lock time should not grow with it).
    #[arg(long, default_value_t = 100_000)]
    big_plugins: usize,
    /// Skip the big index.
    #[arg(long)]
    no_big: bool,
    /// Timed runs per measurement (after one untimed warm-up run).
    #[arg(long, default_value_t = 10)]
    runs: usize,
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// The `plugres-index-bench` binary (default: next to this executable).
    #[arg(long, value_name = "PATH")]
    generator: Option<PathBuf>,
    /// The `plugres` binary (default: next to this executable).
    #[arg(long, value_name = "PATH")]
    plugres: Option<PathBuf>,
    /// Keep indexes and projects in DIR and reuse indexes generated there
    /// before (default: a temporary directory, removed at the end).
    #[arg(long, value_name = "DIR")]
    work_dir: Option<PathBuf>,
    /// Print the results as JSON.
    #[arg(long)]
    json: bool,
}

fn main() -> Result<()> {
    let cli = Cli::parse();
    if cli.runs == 0 {
        bail!("--runs must be at least 1");
    }
    let tools = setup::Tools::find(cli.generator.clone(), cli.plugres.clone())?;
    let temp;
    let work = match &cli.work_dir {
        Some(dir) => dir.clone(),
        None => {
            temp = tempfile::tempdir()?;
            temp.path().to_path_buf()
        }
    };
    let mut sizes = vec![cli.plugins];
    if !cli.no_big {
        sizes.push(cli.big_plugins);
    }
    let load_before = report::load_average();
    let mut results = Vec::new();
    for plugins in sizes {
        let spec = setup::IndexSpec {
            plugins,
            versions: cli.versions,
            seed: cli.seed,
        };
        results.push(measure::run_size(&tools, &work, &spec, cli.runs)?);
    }
    let summary = report::Summary::new(cli.runs, load_before, results);
    if cli.json {
        println!("{}", serde_json::to_string_pretty(&summary)?);
    } else {
        report::print_table(&summary);
    }
    Ok(())
}
