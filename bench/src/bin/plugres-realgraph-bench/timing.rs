//! Timed runs of the two resolvers as processes, and the local table:
//! plugres from a path index, cargo from a local registry (`--offline`).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use anyhow::{Context, Result, bail};
use semver::Version;

use crate::projects::{self, Agreement, Data};
use crate::sets::RootSet;

/// The binaries run and how often.
pub(crate) struct Tools {
    pub(crate) plugres: PathBuf,
    pub(crate) cargo: PathBuf,
    pub(crate) runs: usize,
}

/// The medians of `runs` timed calls of `a` and of `b`, after one untimed
/// call of each. The calls alternate (a, b, a, b, …): this VM's speed
/// drifts over seconds, and timing all of one tool's runs before the
/// other's moved a ratio by up to 2× between two runs of the benchmark.
pub(crate) fn medians(
    runs: usize,
    mut a: impl FnMut() -> Result<f64>,
    mut b: impl FnMut() -> Result<f64>,
) -> Result<(f64, f64)> {
    a()?;
    b()?;
    let (mut ta, mut tb) = (Vec::new(), Vec::new());
    for _ in 0..runs.max(1) {
        ta.push(a()?);
        tb.push(b()?);
    }
    Ok((median_of(ta), median_of(tb)))
}

fn median_of(mut times: Vec<f64>) -> f64 {
    times.sort_by(f64::total_cmp);
    let n = times.len();
    match n % 2 {
        1 => times[n / 2],
        _ => (times[n / 2 - 1] + times[n / 2]) / 2.0,
    }
}

/// Runs `command` to success; wall-clock seconds from spawn to exit.
pub(crate) fn timed(mut command: Command, what: &str) -> Result<f64> {
    command.stdin(Stdio::null());
    let start = Instant::now();
    let out = command
        .output()
        .with_context(|| format!("cannot run {what}"))?;
    let secs = start.elapsed().as_secs_f64();
    if !out.status.success() {
        bail!(
            "{what} failed ({}): {}{}",
            out.status,
            String::from_utf8_lossy(&out.stdout).trim(),
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    Ok(secs)
}

/// A fresh `plugres lock` in `project` with `home` as `PLUGRES_HOME`.
pub(crate) fn plugres_lock(tools: &Tools, project: &Path, home: &Path) -> Result<f64> {
    remove(&project.join("plugres.lock"))?;
    let mut c = Command::new(&tools.plugres);
    c.args(["--quiet", "lock"])
        .current_dir(project)
        .env("PLUGRES_HOME", home)
        .env_remove("PLUGRES_OFFLINE");
    timed(c, "`plugres lock`")
}

/// A fresh `cargo generate-lockfile` (`--offline` when `offline`) in
/// `project` with `home` as `CARGO_HOME`.
pub(crate) fn cargo_lock(tools: &Tools, project: &Path, home: &Path, offline: bool) -> Result<f64> {
    remove(&project.join("Cargo.lock"))?;
    let mut c = Command::new(&tools.cargo);
    c.args(["generate-lockfile", "--quiet"])
        .current_dir(project)
        .env("CARGO_HOME", home)
        .env_remove("CARGO_TARGET_DIR")
        .env_remove("RUSTUP_TOOLCHAIN");
    if offline {
        c.arg("--offline");
    }
    timed(c, "`cargo generate-lockfile`")
}

/// How the last locks of a set compare.
pub(crate) fn compare(plugres: &Path, cargo: &Path) -> Result<Agreement> {
    Ok(projects::agreement(
        &projects::locked(&plugres.join("plugres.lock"))?,
        &projects::locked(&cargo.join("Cargo.lock"))?,
    ))
}

/// The local table: every set, plugres (path index) against cargo (local
/// registry, offline).
pub(crate) fn local(tools: &Tools, data: &Data, sets: &[RootSet], engine: &Version) -> Result<()> {
    let cargo_home = data.work.join("cargo-home-local");
    let registry = data.cargo_registry();
    projects::cargo_home(
        &cargo_home,
        &format!(
            "local-registry = {}",
            projects::quoted(&registry.to_string_lossy())
        ),
    )?;
    let plugres_home = data.work.join("plugres-home-local");
    let index = data.plugres_index().to_string_lossy().into_owned();
    println!(
        "Local: plugres lock (path index) vs cargo generate-lockfile --offline (local registry)"
    );
    println!(
        "{:<10} {:>6} {:>8} {:>12} {:>5} {:>11} {:>10} {:>8}",
        "set", "roots", "plugres", "cargo(names)", "same", "plugres ms", "cargo ms", "ratio"
    );
    for set in sets {
        let p_dir = data.work.join(format!("plugres-{}", set.name));
        let c_dir = data.work.join(format!("cargo-{}", set.name));
        projects::plugres_project(&p_dir, set, &index, &data.written.root_public_key, engine)?;
        projects::cargo_project(&c_dir, set, engine)?;
        let (p, c) = medians(
            tools.runs,
            || plugres_lock(tools, &p_dir, &plugres_home),
            || cargo_lock(tools, &c_dir, &cargo_home, true),
        )?;
        let a = compare(&p_dir, &c_dir)?;
        println!(
            "{:<10} {:>6} {:>8} {:>12} {:>5} {:>11.1} {:>10.1} {:>7.2}x",
            set.name,
            set.roots.len(),
            a.plugres,
            format!("{}({})", a.cargo, a.cargo_names),
            a.same,
            p * 1e3,
            c * 1e3,
            p / c
        );
        if !set.dropped.is_empty() {
            println!(
                "           ({} roots left out, plugres needs one version per crate: {})",
                set.dropped.len(),
                abbreviated(&set.dropped)
            );
        }
    }
    println!(
        "ratio = plugres time / cargo time (below 1: plugres faster); same = crates both lock at one version"
    );
    Ok(())
}

/// The first few of `names`, then a count.
pub(crate) fn abbreviated(names: &[String]) -> String {
    const SHOWN: usize = 8;
    let mut text = names
        .iter()
        .take(SHOWN)
        .cloned()
        .collect::<Vec<_>>()
        .join(", ");
    if names.len() > SHOWN {
        text.push_str(&format!(", ... ({} more)", names.len() - SHOWN));
    }
    text
}

pub(crate) fn remove(path: &Path) -> Result<()> {
    match std::fs::remove_file(path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
            Err(e).with_context(|| format!("cannot remove `{}`", path.display()))
        }
        _ => Ok(()),
    }
}
