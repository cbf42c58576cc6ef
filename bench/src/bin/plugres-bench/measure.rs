//! The timed runs, each checked: a fresh lock must hold exactly the
//! generator's solution, a no-op install must read no index and change
//! nothing.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use anyhow::{Context, Result, bail};
use plugres::ops::{self, ChangeReport, Options};
use plugres::project::Lockfile;
use serde::Serialize;

use crate::setup::{self, IndexSpec, Tools};

/// Median and minimum of some timed runs.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Timing {
    pub(crate) runs_s: Vec<f64>,
    pub(crate) median_s: f64,
    pub(crate) min_s: f64,
}

impl Timing {
    pub(crate) fn of(runs_s: Vec<f64>) -> Timing {
        let mut sorted = runs_s.clone();
        sorted.sort_by(f64::total_cmp);
        let n = sorted.len();
        let median_s = match n {
            0 => 0.0,
            _ if n % 2 == 1 => sorted[n / 2],
            _ => (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0,
        };
        Timing {
            min_s: sorted.first().copied().unwrap_or(0.0),
            median_s,
            runs_s,
        }
    }
}

/// Everything measured on one index.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct SizeResult {
    pub(crate) plugins: usize,
    pub(crate) versions: usize,
    /// Files of the index (config, plugin files and their signatures).
    pub(crate) index_files: usize,
    pub(crate) index_bytes: u64,
    /// Seconds to generate the index; `None` when reused from `--work-dir`.
    pub(crate) generate_s: Option<f64>,
    pub(crate) roots: usize,
    pub(crate) solution: usize,
    /// Plugin files read by a fresh lock (the same in every run, process
    /// and library).
    pub(crate) lock_files_read: usize,
    pub(crate) lock_process: Timing,
    pub(crate) lock_library: Timing,
    /// The first, real install (copies every artifact into the cache and
    /// the install dir); for reference.
    pub(crate) first_install_s: f64,
    pub(crate) noop_install_process: Timing,
    pub(crate) noop_install_library: Timing,
}

/// Generates (or reuses) the index of `spec` and measures on it.
pub(crate) fn run_size(
    tools: &Tools,
    work: &Path,
    spec: &IndexSpec,
    runs: usize,
) -> Result<SizeResult> {
    let index = setup::index(tools, work, spec)?;
    let project = setup::project(work, spec, &index)?;
    let home = project.join(".bench-home");
    let bench = Bench::new(tools, &project, &home, &index.info.solution);
    eprintln!(
        "Timing on {} plugins: fresh lock ({runs} runs each, process and library)...",
        spec.plugins
    );
    let mut files_read = Vec::new();
    let lock_process = timed_runs(runs, || {
        let (report, secs) = bench.plugres_lock()?;
        files_read.push(report.files_read);
        Ok(secs)
    })?;
    let lock_library = timed_runs(runs, || {
        let (report, secs) = bench.library_lock()?;
        files_read.push(report.files_read);
        Ok(secs)
    })?;
    let lock_files_read = files_read[0];
    if let Some(other) = files_read.iter().find(|&&n| n != lock_files_read) {
        bail!("fresh locks read {lock_files_read} and {other} plugin files: expected the same");
    }

    eprintln!("Timing on {} plugins: no-op install...", spec.plugins);
    let first_install_s = bench.first_install()?;
    let noop_install_process = timed_runs(runs, || bench.plugres_noop_install())?;
    let noop_install_library = timed_runs(runs, || bench.library_noop_install())?;
    Ok(SizeResult {
        plugins: spec.plugins,
        versions: spec.versions,
        index_files: index.info.paths.len(),
        index_bytes: index.info.bytes,
        generate_s: index.generate_s,
        roots: index.info.suggested_roots.len(),
        solution: index.info.solution.len(),
        lock_files_read,
        lock_process,
        lock_library,
        first_install_s,
        noop_install_process,
        noop_install_library,
    })
}

/// One untimed warm-up run (it fills the OS file cache, as a user's
/// second command would find it), then `runs` timed ones.
pub(crate) fn timed_runs(runs: usize, mut run: impl FnMut() -> Result<f64>) -> Result<Timing> {
    run()?;
    let times = (0..runs).map(|_| run()).collect::<Result<Vec<_>>>()?;
    Ok(Timing::of(times))
}

/// What a lock run reported.
pub(crate) struct LockRun {
    /// Plugin files the resolution read (`index_files_read`).
    pub(crate) files_read: usize,
}

/// One project, its `PLUGRES_HOME`, and the solution every lock must hold.
pub(crate) struct Bench<'a> {
    tools: &'a Tools,
    project: &'a Path,
    home: &'a Path,
    expected: BTreeMap<String, String>,
}

impl<'a> Bench<'a> {
    pub(crate) fn new(
        tools: &'a Tools,
        project: &'a Path,
        home: &'a Path,
        solution: &[(String, String)],
    ) -> Bench<'a> {
        Bench {
            tools,
            project,
            home,
            expected: solution.iter().cloned().collect(),
        }
    }

    fn lock_path(&self) -> PathBuf {
        self.project.join("plugres.lock")
    }

    fn options(&self) -> Options {
        Options::new(self.home.join("cache"))
    }

    /// Removes plugres.lock, so the next lock starts from nothing.
    fn forget_lock(&self) -> Result<()> {
        match std::fs::remove_file(self.lock_path()) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                Err(e).with_context(|| format!("cannot remove `{}`", self.lock_path().display()))
            }
            _ => Ok(()),
        }
    }

    /// Runs `plugres --json ARGS` in the project; its JSON report and the
    /// wall-clock seconds from spawn to exit.
    fn plugres(&self, args: &[&str]) -> Result<(serde_json::Value, f64)> {
        let mut command = Command::new(&self.tools.plugres);
        command
            .arg("--json")
            .args(args)
            .current_dir(self.project)
            .env("PLUGRES_HOME", self.home)
            .env_remove("PLUGRES_OFFLINE")
            .env_remove("PLUGRES_YES")
            .stdin(Stdio::null());
        let start = Instant::now();
        let output = command
            .output()
            .with_context(|| format!("cannot run `{}`", self.tools.plugres.display()))?;
        let secs = start.elapsed().as_secs_f64();
        if !output.status.success() {
            bail!(
                "`plugres {}` failed ({}): {}{}",
                args.join(" "),
                output.status,
                String::from_utf8_lossy(&output.stdout).trim(),
                String::from_utf8_lossy(&output.stderr).trim()
            );
        }
        let report = serde_json::from_slice(&output.stdout)
            .with_context(|| format!("`plugres --json {}` printed no JSON", args.join(" ")))?;
        Ok((report, secs))
    }

    /// A fresh `plugres lock` (plugres.lock removed first), checked to hold
    /// the expected solution; its report and wall-clock seconds.
    pub(crate) fn plugres_lock(&self) -> Result<(LockRun, f64)> {
        self.forget_lock()?;
        let (report, secs) = self.plugres(&["lock"])?;
        let report = Report::from_json(&report)?;
        self.check_fresh_lock(&report)?;
        Ok((
            LockRun {
                files_read: report.index_files_read,
            },
            secs,
        ))
    }

    fn library_lock(&self) -> Result<(LockRun, f64)> {
        self.forget_lock()?;
        let opts = self.options();
        let start = Instant::now();
        let report = ops::lock(self.project, &opts)?;
        let secs = start.elapsed().as_secs_f64();
        let report = Report::from_change(&report);
        self.check_fresh_lock(&report)?;
        Ok((
            LockRun {
                files_read: report.index_files_read,
            },
            secs,
        ))
    }

    /// The lock was written and holds exactly the expected solution.
    fn check_fresh_lock(&self, report: &Report) -> Result<()> {
        if !report.lock_written || report.locked != self.expected.len() {
            bail!(
                "a fresh lock locked {} plugins (written: {}); expected {}",
                report.locked,
                report.lock_written,
                self.expected.len()
            );
        }
        let lock = Lockfile::load(&self.lock_path())?
            .with_context(|| format!("`{}` was not written", self.lock_path().display()))?;
        let got: BTreeMap<String, String> = lock
            .plugins
            .iter()
            .map(|p| (p.name.to_string(), p.version.to_string()))
            .collect();
        if got != self.expected {
            let wrong = self
                .expected
                .iter()
                .find(|(n, v)| got.get(*n) != Some(*v))
                .map(|(n, v)| format!("`{n}` should be {v}, is {:?}", got.get(n)))
                .unwrap_or_else(|| "it holds extra plugins".to_string());
            bail!("the lock differs from the generator's solution: {wrong}");
        }
        Ok(())
    }

    /// `plugres install --yes` on a fresh lock: installs every plugin.
    fn first_install(&self) -> Result<f64> {
        self.plugres_lock()?;
        let (report, secs) = self.plugres(&["install", "--yes"])?;
        let report = Report::from_json(&report)?;
        if report.installed != self.expected.len() {
            bail!(
                "the first install installed {} plugins; expected {}",
                report.installed,
                self.expected.len()
            );
        }
        Ok(secs)
    }

    fn plugres_noop_install(&self) -> Result<f64> {
        let (report, secs) = self.plugres(&["install"])?;
        check_noop(&Report::from_json(&report)?)?;
        Ok(secs)
    }

    fn library_noop_install(&self) -> Result<f64> {
        let opts = self.options();
        let start = Instant::now();
        let report = ops::install(self.project, &opts)?;
        let secs = start.elapsed().as_secs_f64();
        check_noop(&Report::from_change(&report))?;
        Ok(secs)
    }
}

fn check_noop(report: &Report) -> Result<()> {
    if report.index_read || report.lock_written || report.installed != 0 || report.uninstalled != 0
    {
        bail!(
            "a no-op install did something: index read {}, lock written {}, {} installed, {} uninstalled",
            report.index_read,
            report.lock_written,
            report.installed,
            report.uninstalled
        );
    }
    Ok(())
}

/// The fields of a [`ChangeReport`] the checks need, from the library or
/// from `plugres --json`.
struct Report {
    locked: usize,
    lock_written: bool,
    index_read: bool,
    index_files_read: usize,
    installed: usize,
    uninstalled: usize,
}

impl Report {
    fn from_change(r: &ChangeReport) -> Report {
        Report {
            locked: r.locked,
            lock_written: r.lock_written,
            index_read: r.index_read,
            index_files_read: r.index_files_read,
            installed: r.installed.len(),
            uninstalled: r.uninstalled.len(),
        }
    }

    fn from_json(v: &serde_json::Value) -> Result<Report> {
        let count = |key: &str| -> Result<usize> {
            v.get(key)
                .and_then(serde_json::Value::as_u64)
                .map(|n| n as usize)
                .with_context(|| format!("the JSON report has no number `{key}`: {v}"))
        };
        let flag = |key: &str| -> Result<bool> {
            v.get(key)
                .and_then(serde_json::Value::as_bool)
                .with_context(|| format!("the JSON report has no flag `{key}`: {v}"))
        };
        let len = |key: &str| -> Result<usize> {
            v.get(key)
                .and_then(serde_json::Value::as_array)
                .map(Vec::len)
                .with_context(|| format!("the JSON report has no list `{key}`: {v}"))
        };
        Ok(Report {
            locked: count("locked")?,
            lock_written: flag("lock_written")?,
            index_read: flag("index_read")?,
            index_files_read: count("index_files_read")?,
            installed: len("installed")?,
            uninstalled: len("uninstalled")?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::Timing;

    #[test]
    fn median_and_min_of_odd_and_even_counts() {
        let t = Timing::of(vec![0.3, 0.1, 0.2]);
        assert_eq!((t.median_s, t.min_s), (0.2, 0.1));
        let t = Timing::of(vec![0.4, 0.1, 0.2, 0.3]);
        assert!((t.median_s - 0.25).abs() < 1e-12);
        assert_eq!(t.runs_s, vec![0.4, 0.1, 0.2, 0.3]);
    }
}
