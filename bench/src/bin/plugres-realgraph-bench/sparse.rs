//! `--sparse`: both resolvers over HTTP from one nginx on 127.0.0.1, which
//! serves the plugres index at `/plugres/` and the cargo registry index at
//! `/cargo/index/` (a sparse registry: its `config.json` is written once
//! the port is known). Cold runs start from a new `PLUGRES_HOME` /
//! `CARGO_HOME` (no index cache, no trust state); warm runs keep the one the
//! previous run filled. Each run's requests are counted in the access log.

use std::path::{Path, PathBuf};

use anyhow::Result;
use semver::Version;

use crate::nginx::Nginx;
use crate::projects::{self, Data};
use crate::sets::RootSet;
use crate::timing::{self, Tools, medians};

/// A median time and the requests of the last run.
struct Measured {
    secs: f64,
    requests: usize,
}

/// Times `a` and `b` like [`medians`] (alternating), counting each one's
/// requests in its last run.
fn measured(
    tools: &Tools,
    nginx: &Nginx,
    mut a: impl FnMut() -> Result<f64>,
    mut b: impl FnMut() -> Result<f64>,
) -> Result<(Measured, Measured)> {
    let (mut ra, mut rb) = (0, 0);
    let counted = |run: &mut dyn FnMut() -> Result<f64>, requests: &mut usize| {
        let offset = nginx.log_len();
        let secs = run()?;
        *requests = nginx.requests_since(offset)?.total;
        Ok(secs)
    };
    let (sa, sb) = medians(
        tools.runs,
        || counted(&mut a, &mut ra),
        || counted(&mut b, &mut rb),
    )?;
    Ok((
        Measured {
            secs: sa,
            requests: ra,
        },
        Measured {
            secs: sb,
            requests: rb,
        },
    ))
}

pub(crate) fn run(
    tools: &Tools,
    bin: &Path,
    data: &Data,
    sets: &[RootSet],
    engine: &Version,
) -> Result<()> {
    let nginx = Nginx::start(bin, &data.serve)?;
    let base = nginx.sparse_url();
    let http = base.trim_start_matches("sparse+").to_string();
    std::fs::write(
        data.serve.join("cargo/index/config.json"),
        serde_json::json!({ "dl": format!("{http}cargo/dl") }).to_string(),
    )?;
    let plugres_url = format!("{base}plugres/");
    let cargo_source = format!(
        "registry = {}",
        projects::quoted(&format!("{base}cargo/index/"))
    );
    println!(
        "Sparse HTTP (one nginx on 127.0.0.1): cold = new PLUGRES_HOME / CARGO_HOME, warm = kept"
    );
    println!(
        "{:<10} {:>8} {:>16} {:>16} {:>6} {:>16} {:>16} {:>6}",
        "set",
        "plugres",
        "plugres cold",
        "cargo cold",
        "ratio",
        "plugres warm",
        "cargo warm",
        "ratio"
    );
    let mut used_homes = Vec::new();
    for set in sets {
        let p_dir = data.work.join(format!("sparse-plugres-{}", set.name));
        let c_dir = data.work.join(format!("sparse-cargo-{}", set.name));
        let p_home = data.work.join(format!("sparse-plugres-home-{}", set.name));
        let c_home = data.work.join(format!("sparse-cargo-home-{}", set.name));
        projects::plugres_project(
            &p_dir,
            set,
            &plugres_url,
            &data.written.root_public_key,
            engine,
        )?;
        projects::cargo_project(&c_dir, set, engine)?;
        let mut p_homes = FreshHomes::new(&p_home);
        let mut c_homes = FreshHomes::new(&c_home);
        let (p_cold, c_cold) = measured(
            tools,
            &nginx,
            || {
                let home = p_homes.next()?;
                plugres_bench::settle()?;
                timing::plugres_lock(tools, &p_dir, &home)
            },
            || {
                let home = c_homes.next()?;
                projects::cargo_home(&home, &cargo_source)?;
                plugres_bench::settle()?;
                timing::cargo_lock(tools, &c_dir, &home, false)
            },
        )?;
        let (p_warm, c_warm) = measured(
            tools,
            &nginx,
            || timing::plugres_lock(tools, &p_dir, p_homes.last()),
            || timing::cargo_lock(tools, &c_dir, c_homes.last(), false),
        )?;
        used_homes.extend([p_home, c_home]);
        let a = timing::compare(&p_dir, &c_dir)?;
        let cell = |m: &Measured| format!("{:.1} ms/{}r", m.secs * 1e3, m.requests);
        println!(
            "{:<10} {:>8} {:>16} {:>16} {:>5.2}x {:>16} {:>16} {:>5.2}x",
            set.name,
            format!("{}/{}", a.plugres, a.cargo),
            cell(&p_cold),
            cell(&c_cold),
            p_cold.secs / c_cold.secs,
            cell(&p_warm),
            cell(&c_warm),
            p_warm.secs / c_warm.secs
        );
    }
    println!(
        "plugres = packages locked by plugres/cargo; NNr = requests of one run; ratio = plugres time / cargo time"
    );
    for home in used_homes {
        plugres_bench::remove_dir(&home)?;
    }
    Ok(())
}

/// A new, never-used home folder for each cold run, all under one folder
/// removed only when the whole table is done. Removing the previous
/// run's home instead made the next run's file creations slow on ext4
/// (it skips inodes freed in the last minute, scanning past them one by
/// one), a cost of the benchmark that no first use pays.
struct FreshHomes {
    parent: PathBuf,
    current: PathBuf,
    made: usize,
}

impl FreshHomes {
    fn new(parent: &Path) -> Self {
        FreshHomes {
            parent: parent.to_path_buf(),
            current: parent.join("0"),
            made: 0,
        }
    }

    /// The path of a home no run has used (not created: the tool makes it).
    fn next(&mut self) -> Result<PathBuf> {
        self.made += 1;
        self.current = self.parent.join(self.made.to_string());
        plugres_bench::remove_dir(&self.current)?;
        Ok(self.current.clone())
    }

    /// The home of the last cold run, for the warm runs.
    fn last(&self) -> &Path {
        &self.current
    }
}
