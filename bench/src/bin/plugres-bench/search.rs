//! `plugres search` on a generated index, outside any project
//! (`--index DIR --key KEY`): the catalog (README "The catalog") read
//! through the real binary, a fresh process per run.
//!
//! - **local cold**: a path index, the verified-entry cache deleted before
//!   each run, so every catalog shard is read, hashed and parsed;
//! - **local warm**: the cache kept: the shards come from it by the
//!   digests the verified snapshot lists;
//! - with nginx, **sparse cold** (index cache and trust state deleted) and
//!   **sparse warm** over `sparse+http://127.0.0.1:PORT/`, requests counted
//!   in the access log.
//!
//! Every run must find the plugin it searches for.

use std::path::Path;
use std::process::Command;
use std::time::Instant;

use anyhow::{Context, Result, bail};
use serde::Serialize;

use crate::aside::SetAside;
use crate::measure::{Timing, timed_runs};
use crate::nginx::Nginx;
use crate::setup::{self, IndexSpec, Tools};
use crate::sparse::RunRequests;

/// Everything measured of `search` on one index.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct SearchResult {
    pub(crate) plugins: usize,
    pub(crate) local_cold: Timing,
    pub(crate) local_warm: Timing,
    pub(crate) sparse_cold: Option<Timing>,
    pub(crate) sparse_warm: Option<Timing>,
    pub(crate) sparse_cold_requests: RunRequests,
    pub(crate) sparse_warm_requests: RunRequests,
}

/// Times `plugres search` on the index of `spec` (generated or reused).
pub(crate) fn run_size(
    tools: &Tools,
    nginx_bin: Option<&Path>,
    work: &Path,
    spec: &IndexSpec,
    runs: usize,
) -> Result<SearchResult> {
    let index = setup::index(tools, work, spec)?;
    let outside = work.join("search-outside");
    std::fs::create_dir_all(&outside)?;
    let home = work.join(format!("search-home-{}", spec.plugins));
    plugres_bench::remove_dir(&home)?;
    let key = index.info.root_public_key.clone();
    // A plugin in the middle of the index, by the words of its description.
    let wanted = spec.plugins / 2;
    let query = format!("number {wanted}");
    let search = |location: &str| -> Result<f64> {
        let start = Instant::now();
        let out = Command::new(&tools.plugres)
            .current_dir(&outside)
            .env("PLUGRES_HOME", &home)
            .args(["--json", "search", &query, "--limit", "5"])
            .args(["--index", location, "--key", &key])
            .output()
            .with_context(|| format!("cannot run `{}`", tools.plugres.display()))?;
        let secs = start.elapsed().as_secs_f64();
        if !out.status.success() {
            bail!(
                "`plugres search` failed: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            );
        }
        let report: serde_json::Value = serde_json::from_slice(&out.stdout)?;
        let first = report["results"][0]["description"].as_str().unwrap_or("");
        if !first.contains(&format!("number {wanted},")) {
            bail!("`plugres search {query}` did not find plugin {wanted} first: {report}");
        }
        Ok(secs)
    };
    let dir = index.dir.display().to_string();
    let verified = home.join("index").join("verified");
    eprintln!(
        "Timing `plugres search` on {} plugins: local cold, warm...",
        spec.plugins
    );
    let mut aside = SetAside::new(work.join("search-set-aside"))?;
    let local_cold = timed_runs(runs, || {
        aside.set_aside(&verified)?;
        plugres_bench::settle()?;
        search(&dir)
    })?;
    let local_warm = timed_runs(runs, || search(&dir))?;
    let mut result = SearchResult {
        plugins: spec.plugins,
        local_cold,
        local_warm,
        sparse_cold: None,
        sparse_warm: None,
        sparse_cold_requests: RunRequests::default(),
        sparse_warm_requests: RunRequests::default(),
    };
    let Some(bin) = nginx_bin else {
        return Ok(result);
    };
    let server = Nginx::start(bin, &index.dir)?;
    let url = server.sparse_url();
    eprintln!(
        "Timing `plugres search` on {} plugins over {url}: cold, warm...",
        spec.plugins
    );
    let mut cold_requests = RunRequests::default();
    result.sparse_cold = Some(timed_runs(runs, || {
        aside.set_aside(&home.join("index"))?;
        aside.set_aside(&home.join("trust"))?;
        plugres_bench::settle()?;
        let offset = server.log_len();
        let secs = search(&url)?;
        cold_requests.add(&server.requests_since(offset)?);
        Ok(secs)
    })?);
    let mut warm_requests = RunRequests::default();
    result.sparse_warm = Some(timed_runs(runs, || {
        let offset = server.log_len();
        let secs = search(&url)?;
        warm_requests.add(&server.requests_since(offset)?);
        Ok(secs)
    })?);
    result.sparse_cold_requests = cold_requests;
    result.sparse_warm_requests = warm_requests;
    Ok(result)
}

/// Prints one line per index.
pub(crate) fn print(results: &[SearchResult]) {
    if results.is_empty() {
        return;
    }
    println!("\n`plugres search` outside a project (median, min; new process each run):");
    for r in results {
        let t = |t: &Timing| format!("{:.1} ms ({:.1})", t.median_s * 1e3, t.min_s * 1e3);
        let mut line = format!(
            "{:>8} plugins: local cold {}, warm {}",
            r.plugins,
            t(&r.local_cold),
            t(&r.local_warm)
        );
        if let (Some(cold), Some(warm)) = (&r.sparse_cold, &r.sparse_warm) {
            line.push_str(&format!(
                "; sparse cold {} ({}-{} requests), warm {} ({}-{} requests)",
                t(cold),
                r.sparse_cold_requests.min(),
                r.sparse_cold_requests.max(),
                t(warm),
                r.sparse_warm_requests.min(),
                r.sparse_warm_requests.max()
            ));
        }
        println!("{line}");
    }
}
