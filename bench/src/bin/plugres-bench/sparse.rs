//! `plugres lock` over sparse HTTP: the generated index served by nginx on
//! 127.0.0.1, a project whose registry is `sparse+http://127.0.0.1:PORT/`,
//! and the real `plugres` binary, a fresh process per run.
//!
//! - **cold**: the index cache (`<PLUGRES_HOME>/index`), the trust state
//!   (`<PLUGRES_HOME>/trust`) and plugres.lock are deleted before each run,
//!   so every file is downloaded, as on a new machine;
//! - **warm**: caches and trust state are full and only plugres.lock is
//!   deleted, so a whole resolution runs against an unchanged index: one
//!   conditional request for `timestamp.toml` (304) is expected, since the
//!   kept snapshot pins every other file's digest.
//!
//! Each run's requests are counted in nginx's access log and compared to
//! the files the lock needs: a `.toml` per plugin file read (its signature
//! comes inline in the snapshot or bin), the config, timestamp and snapshot
//! pairs, and the snapshot's bins that hold those plugins (at most one per
//! plugin). Every run's lock is
//! checked to hold the generator's solution, as in the path benchmark.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{Result, bail};
use serde::Serialize;

use crate::aside::SetAside;
use crate::measure::{Bench, Timing, timed_runs};
use crate::nginx::{Nginx, Requests};
use crate::setup::{self, IndexSpec, Tools};

/// Everything measured over sparse HTTP on one index.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct SparseResult {
    pub(crate) plugins: usize,
    pub(crate) versions: usize,
    pub(crate) solution: usize,
    /// Plugin files a lock read (`index_files_read`, the same every run).
    pub(crate) files_read: usize,
    /// Files a lock needs from the server besides bins: `files_read + 6`.
    pub(crate) files_needed: usize,
    pub(crate) cold: Timing,
    pub(crate) warm: Timing,
    /// Requests of every cold and warm run, the untimed first one included.
    pub(crate) cold_requests: RunRequests,
    pub(crate) warm_requests: RunRequests,
}

/// The requests of several runs.
#[derive(Debug, Clone, Default, Serialize)]
pub(crate) struct RunRequests {
    /// Requests each run made.
    pub(crate) per_run: Vec<usize>,
    /// Requests per HTTP status, all runs together.
    pub(crate) by_status: BTreeMap<u16, usize>,
    /// Most TCP connections one run opened.
    pub(crate) max_connections: usize,
    /// Most different files one run asked for.
    pub(crate) max_distinct_paths: usize,
}

impl RunRequests {
    pub(crate) fn add(&mut self, r: &Requests) {
        self.per_run.push(r.total);
        for (status, n) in &r.by_status {
            *self.by_status.entry(*status).or_default() += n;
        }
        self.max_connections = self.max_connections.max(r.connections);
        self.max_distinct_paths = self.max_distinct_paths.max(r.distinct_paths);
    }

    pub(crate) fn min(&self) -> usize {
        self.per_run.iter().copied().min().unwrap_or(0)
    }

    pub(crate) fn max(&self) -> usize {
        self.per_run.iter().copied().max().unwrap_or(0)
    }

    /// All requests of all runs.
    pub(crate) fn total(&self) -> usize {
        self.per_run.iter().sum()
    }

    pub(crate) fn with_status(&self, status: u16) -> usize {
        self.by_status.get(&status).copied().unwrap_or(0)
    }
}

/// Serves the index of `spec` (generated or reused) with nginx and times
/// cold and warm `plugres lock` runs against it.
pub(crate) fn run_size(
    tools: &Tools,
    nginx_bin: &Path,
    work: &Path,
    spec: &IndexSpec,
    runs: usize,
) -> Result<SparseResult> {
    let index = setup::index(tools, work, spec)?;
    let server = Nginx::start(nginx_bin, &index.dir)?;
    let project = setup::project_from(work, "sparse-project", spec, &index, &server.sparse_url())?;
    let home = project.join(".bench-home");
    let cache = home.join("index");
    let bench = Bench::new(tools, &project, &home, &index.info.solution);
    let mut files_read = Vec::new();

    eprintln!(
        "Timing on {} plugins over sparse HTTP ({}): cold lock ({runs} runs)...",
        spec.plugins,
        server.sparse_url()
    );
    let mut cold_requests = RunRequests::default();
    let mut aside = SetAside::new(work.join("sparse-set-aside"))?;
    let cold = timed_runs(runs, || {
        aside.set_aside(&cache)?;
        aside.set_aside(&home.join("trust"))?;
        plugres_bench::settle()?;
        let offset = server.log_len();
        let (report, secs) = bench.plugres_lock()?;
        cold_requests.add(&server.requests_since(offset)?);
        files_read.push(report.files_read);
        Ok(secs)
    })?;

    eprintln!(
        "Timing on {} plugins over sparse HTTP: warm lock...",
        spec.plugins
    );
    let mut warm_requests = RunRequests::default();
    let warm = timed_runs(runs, || {
        let offset = server.log_len();
        let (report, secs) = bench.plugres_lock()?;
        warm_requests.add(&server.requests_since(offset)?);
        files_read.push(report.files_read);
        Ok(secs)
    })?;

    let read = files_read[0];
    if let Some(other) = files_read.iter().find(|&&n| n != read) {
        bail!("sparse locks read {read} and {other} plugin files: expected the same");
    }
    Ok(SparseResult {
        plugins: spec.plugins,
        versions: spec.versions,
        solution: index.info.solution.len(),
        files_read: read,
        files_needed: read + 6,
        cold,
        warm,
        cold_requests,
        warm_requests,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn run_requests_add_up_runs() {
        let mut all = RunRequests::default();
        let run = |total, ok, not_modified, connections| Requests {
            total,
            by_status: [(200, ok), (304, not_modified)]
                .into_iter()
                .filter(|(_, n)| *n > 0)
                .collect(),
            connections,
            distinct_paths: total,
        };
        all.add(&run(456, 456, 0, 4));
        all.add(&run(458, 2, 456, 6));
        assert_eq!((all.min(), all.max(), all.total()), (456, 458, 914));
        assert_eq!((all.with_status(200), all.with_status(304)), (458, 456));
        assert_eq!((all.max_connections, all.max_distinct_paths), (6, 458));
    }
}
