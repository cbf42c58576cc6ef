//! `plugres-bench`: how fast the client locks and installs against a large
//! local index, and how many plugin files a lock reads.
//!
//! ```text
//! cargo build --release -p plugres-bench -p plugres --bins   # both benches and the `plugres` under test
//! cargo run --release -p plugres-bench --bin plugres-bench            # 10,000 and 100,000 plugins
//! cargo run --release -p plugres-bench --bin plugres-bench -- --no-big --json
//! cargo run --release -p plugres-bench --bin plugres-bench -- --work-dir /tmp/pb   # keep, reuse indexes
//! cargo run --release -p plugres-bench --bin plugres-bench -- --sparse-only --work-dir /tmp/pb
//! cargo run --release -p plugres-bench --bin plugres-bench -- --search-only --sparse --no-big
//! cargo run --release -p plugres-bench --bin plugres-bench -- --artifact-throughput   # 1 GiB vs curl
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
//!    synthetic index, [`plugres_bench::synth`], in its own process) to
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
//! With `--sparse` (or `--sparse-only`, which skips the above) it also
//! serves each index with nginx on 127.0.0.1 and times `plugres lock`
//! against `sparse+http://127.0.0.1:PORT/` from a cold index cache and a
//! warm one (every file revalidated, 304), counting the requests of each
//! run in nginx's access log (see `sparse.rs`).
//!
//! With `--search` (or `--search-only`) it times `plugres search` outside a
//! project on each index (see `search.rs`).
//!
//! With `--artifact-throughput` it only times one big artifact's download
//! and install against curl on the same nginx (see `artifact.rs`).
//!
//! Every run's result is checked (the lock holds exactly the expected
//! solution; the no-op install read no index and installed nothing), so a
//! fast wrong answer cannot pass.

mod artifact;
mod aside;
mod measure;
mod nginx;
mod report;
mod search;
mod setup;
mod sparse;

use std::path::PathBuf;

use anyhow::{Context, Result, bail};
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
    /// Also time `plugres lock` over sparse HTTP, each index served by
    /// nginx on 127.0.0.1 (cold and warm cache, requests counted).
    #[arg(long)]
    sparse: bool,
    /// Only the sparse HTTP measurements (implies --sparse).
    #[arg(long)]
    sparse_only: bool,
    /// Also time `plugres search` outside a project (path index; over
    /// sparse HTTP too with --sparse).
    #[arg(long)]
    search: bool,
    /// Only the search measurements (implies --search).
    #[arg(long)]
    search_only: bool,
    /// The nginx binary (default: /usr/sbin/nginx or /usr/bin/nginx).
    #[arg(long, value_name = "PATH")]
    nginx: Option<PathBuf>,
    /// Keep indexes and projects in DIR and reuse indexes generated there
    /// before (default: a temporary directory, removed at the end).
    #[arg(long, value_name = "DIR")]
    work_dir: Option<PathBuf>,
    /// Only time one big artifact's download, check and install against
    /// curl reading it from the same nginx on 127.0.0.1 (see `artifact.rs`).
    #[arg(long)]
    artifact_throughput: bool,
    /// The artifact's size for --artifact-throughput, in MiB.
    #[arg(long, default_value_t = 1024, value_name = "MIB")]
    artifact_mib: u64,
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
    if cli.artifact_throughput {
        let nginx = nginx::find(cli.nginx.clone()).context(
            "--artifact-throughput needs nginx (Debian: `apt-get install nginx`), or pass --nginx PATH",
        )?;
        let result = artifact::run(&tools, &nginx, &work, cli.artifact_mib, cli.runs)?;
        if cli.json {
            println!("{}", serde_json::to_string_pretty(&result)?);
        } else {
            artifact::print(&result);
        }
        return Ok(());
    }
    let mut sizes = vec![cli.plugins];
    if !cli.no_big {
        sizes.push(cli.big_plugins);
    }
    let nginx = match cli.sparse || cli.sparse_only {
        false => None,
        true => Some(nginx::find(cli.nginx.clone()).context(
            "--sparse needs nginx (Debian: `apt-get install nginx`), or pass --nginx PATH",
        )?),
    };
    let load_before = report::load_average();
    let mut results = Vec::new();
    let mut sparse_results = Vec::new();
    let mut search_results = Vec::new();
    let search = cli.search || cli.search_only;
    for plugins in sizes {
        let spec = setup::IndexSpec {
            plugins,
            versions: cli.versions,
            seed: cli.seed,
        };
        if search {
            search_results.push(search::run_size(
                &tools,
                nginx.as_deref(),
                &work,
                &spec,
                cli.runs,
            )?);
            if cli.search_only {
                continue;
            }
        }
        if !cli.sparse_only {
            results.push(measure::run_size(&tools, &work, &spec, cli.runs)?);
        }
        if let Some(nginx) = nginx.as_ref().filter(|_| cli.sparse || cli.sparse_only) {
            sparse_results.push(sparse::run_size(&tools, nginx, &work, &spec, cli.runs)?);
        }
    }
    if cli.search_only {
        if cli.json {
            println!("{}", serde_json::to_string_pretty(&search_results)?);
        } else {
            search::print(&search_results);
        }
        return Ok(());
    }
    let summary = report::Summary::new(cli.runs, load_before, results, sparse_results);
    if cli.json {
        let mut v = serde_json::to_value(&summary)?;
        v["search"] = serde_json::to_value(&search_results)?;
        println!("{}", serde_json::to_string_pretty(&v)?);
    } else {
        report::print_table(&summary);
        search::print(&search_results);
    }
    Ok(())
}
