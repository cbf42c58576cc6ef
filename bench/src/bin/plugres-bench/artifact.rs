//! `--artifact-throughput`: how fast one big artifact downloads, verifies
//! and installs, against curl reading the same file from the same server.
//!
//! The index ([`plugres_bench::synth::generate_big_artifact`]) has one
//! plugin whose `any` artifact is a file of `--artifact-mib` MiB of
//! incompressible bytes; nginx serves the index and the file on 127.0.0.1.
//! Each round, after `sync` (so no run pays for the previous run's dirty
//! pages), it times
//!
//! - `curl -o /dev/null URL`: how fast the server and the socket go;
//! - `curl -o FILE URL`: the same bytes written to a file, nothing else;
//! - `plugres install` in a project whose lock names the plugin, from an
//!   empty artifact cache and an empty install dir: download, sha256 and
//!   size checks, the cache's fsync and rename, and the install into a
//!   staged folder swapped in by rename.
//!
//! The ratios of the medians are the figures the README quotes (goal:
//! plugres at ≥ 70 % of curl's throughput): against curl writing the
//! file (the same work minus checking and installing) and against curl
//! discarding it (the most any client could get from this server). plugres's peak RSS comes from
//! `/usr/bin/time` where it exists. Every run is checked: the installed
//! file has the artifact's size and the cache holds one blob.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use anyhow::{Context, Result, bail};
use serde::Serialize;

use crate::measure::Timing;
use crate::nginx::Nginx;
use crate::setup::Tools;

/// What one `--artifact-throughput` measurement found.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct ArtifactResult {
    pub(crate) bytes: u64,
    pub(crate) curl_null: Timing,
    pub(crate) curl: Timing,
    pub(crate) plugres: Timing,
    /// plugres's peak resident set, KiB, per run (empty without `/usr/bin/time`).
    pub(crate) plugres_max_rss_kib: Vec<u64>,
}

impl ArtifactResult {
    fn mib_per_s(&self, secs: f64) -> f64 {
        self.bytes as f64 / (1024.0 * 1024.0) / secs
    }
}

/// Generates the index in `work`, serves it with `nginx`, and times
/// `runs` rounds of curl and plugres (after one untimed warm-up round).
pub(crate) fn run(
    tools: &Tools,
    nginx_bin: &Path,
    work: &Path,
    mib: u64,
    runs: usize,
) -> Result<ArtifactResult> {
    let bytes = mib * 1024 * 1024;
    let index = work.join(format!("artifact-index-{mib}mib"));
    if index.exists() {
        std::fs::remove_dir_all(&index)
            .with_context(|| format!("cannot remove `{}`", index.display()))?;
    }
    eprintln!(
        "Writing a {mib} MiB artifact and its index in `{}`...",
        index.display()
    );
    let (info, artifact) = plugres_bench::synth::generate_big_artifact(&index, bytes, 1)?;
    let rel = artifact
        .strip_prefix(&index)
        .context("the artifact is not inside the index")?
        .to_string_lossy()
        .replace('\\', "/");
    let name = info.names[0].clone();
    let server = Nginx::start(nginx_bin, &index)?;
    let url = format!("{}{rel}", server.http_url());

    let project = work.join("artifact-project");
    let home = work.join("artifact-home");
    for dir in [&project, &home] {
        if dir.exists() {
            std::fs::remove_dir_all(dir)
                .with_context(|| format!("cannot remove `{}`", dir.display()))?;
        }
        std::fs::create_dir_all(dir)
            .with_context(|| format!("cannot create `{}`", dir.display()))?;
    }
    let manifest = format!(
        "[engine]\nversion = \"{}\"\n\n[registry.default]\nindex = \"{}\"\nroot-keys = [\"{}\"]\n\n[plugins]\n{name} = \"^1\"\n",
        info.engine_version,
        server.sparse_url(),
        info.root_public_key,
    );
    std::fs::write(project.join("plugres.toml"), manifest).context("cannot write plugres.toml")?;
    let run = Runner {
        tools,
        project: &project,
        home: &home,
    };
    run.plugres(&["lock"])?;

    let curl_out = work.join("artifact-curl.out");
    let mut null_s = Vec::new();
    let mut curl_s = Vec::new();
    let mut plugres_s = Vec::new();
    let mut rss = Vec::new();
    for round in 0..=runs {
        let null = run.curl(&url, None, bytes)?;
        sync();
        let curl = run.curl(&url, Some(&curl_out), bytes)?;
        sync();
        let (secs, kib) = run.install(&name, bytes)?;
        let rate = |s: f64| bytes as f64 / 1048576.0 / s;
        eprintln!(
            "  round {round}{}: curl {:.0} MiB/s to /dev/null, {:.0} MiB/s to a file; plugres {:.0} MiB/s",
            if round == 0 { " (warm-up)" } else { "" },
            rate(null),
            rate(curl),
            rate(secs),
        );
        if round > 0 {
            null_s.push(null);
            curl_s.push(curl);
            plugres_s.push(secs);
            rss.extend(kib);
        }
    }
    let _ = std::fs::remove_file(&curl_out);
    Ok(ArtifactResult {
        bytes,
        curl_null: Timing::of(null_s),
        curl: Timing::of(curl_s),
        plugres: Timing::of(plugres_s),
        plugres_max_rss_kib: rss,
    })
}

/// Flushes dirty pages, so a run does not pay for the previous one's.
fn sync() {
    let _ = Command::new("sync").status();
}

struct Runner<'a> {
    tools: &'a Tools,
    project: &'a Path,
    home: &'a Path,
}

impl Runner<'_> {
    fn command(&self, program: &Path, args: &[&str]) -> Command {
        let mut command = Command::new(program);
        command
            .args(args)
            .current_dir(self.project)
            .env("PLUGRES_HOME", self.home)
            .env_remove("PLUGRES_OFFLINE")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        command
    }

    fn plugres(&self, args: &[&str]) -> Result<()> {
        let output = self
            .command(&self.tools.plugres, args)
            .output()
            .with_context(|| format!("cannot run `{}`", self.tools.plugres.display()))?;
        if !output.status.success() {
            bail!(
                "`plugres {}` failed ({}): {}",
                args.join(" "),
                output.status,
                String::from_utf8_lossy(&output.stderr).trim()
            );
        }
        Ok(())
    }

    /// `curl -o out url` (`/dev/null` for `None`), checked for size; seconds.
    fn curl(&self, url: &str, out: Option<&Path>, bytes: u64) -> Result<f64> {
        if let Some(out) = out {
            let _ = std::fs::remove_file(out);
        }
        let start = Instant::now();
        let output = Command::new("curl")
            .args(["-sS", "--fail", "-w", "%{size_download}", "-o"])
            .arg(out.unwrap_or(Path::new("/dev/null")))
            .arg(url)
            .output()
            .context("cannot run `curl` (Debian: `apt-get install curl`)")?;
        let secs = start.elapsed().as_secs_f64();
        let got: u64 = String::from_utf8_lossy(&output.stdout)
            .trim()
            .parse()
            .unwrap_or(0);
        if !output.status.success() || got != bytes {
            bail!(
                "curl failed ({}) or got {got} of {bytes} bytes",
                output.status
            );
        }
        if let Some(out) = out {
            std::fs::remove_file(out)
                .with_context(|| format!("cannot remove `{}`", out.display()))?;
        }
        Ok(secs)
    }

    /// A full `plugres install` from an empty cache and install dir;
    /// seconds and peak RSS (KiB) when `/usr/bin/time` can tell.
    fn install(&self, name: &str, bytes: u64) -> Result<(f64, Option<u64>)> {
        self.plugres(&["cache", "clean"])?;
        let plugins = self.project.join("plugins");
        if plugins.exists() {
            std::fs::remove_dir_all(&plugins)
                .with_context(|| format!("cannot remove `{}`", plugins.display()))?;
        }
        let time = PathBuf::from("/usr/bin/time");
        let rss_file = self.home.join("rss.txt");
        let mut command = if time.is_file() {
            let mut c = self.command(&time, &["-f", "%M", "-o"]);
            c.arg(&rss_file).arg(&self.tools.plugres);
            c
        } else {
            self.command(&self.tools.plugres, &[])
        };
        command.args(["install", "--yes"]);
        let start = Instant::now();
        let output = command.output().context("cannot run `plugres install`")?;
        let secs = start.elapsed().as_secs_f64();
        if !output.status.success() {
            bail!(
                "`plugres install` failed ({}): {}",
                output.status,
                String::from_utf8_lossy(&output.stderr).trim()
            );
        }
        let installed = plugins.join(name).join(format!("{name}.wasm"));
        let len = std::fs::metadata(&installed).map_or(0, |m| m.len());
        if len != bytes {
            bail!(
                "`{}` has {len} bytes, expected {bytes}",
                installed.display()
            );
        }
        let rss = std::fs::read_to_string(&rss_file)
            .ok()
            .and_then(|t| t.trim().lines().last()?.trim().parse().ok());
        Ok((secs, rss))
    }
}

/// The table of one measurement.
pub(crate) fn print(r: &ArtifactResult) {
    let mib = r.bytes / (1024 * 1024);
    println!();
    println!(
        "Artifact throughput: one {mib} MiB artifact over nginx on 127.0.0.1 (median of {} runs)",
        r.curl.runs_s.len()
    );
    let line = |what: &str, t: &Timing| {
        println!(
            "  {what:<34} {:>8.2} s  {:>6.0} MiB/s",
            t.median_s,
            r.mib_per_s(t.median_s)
        );
    };
    line("curl -o /dev/null", &r.curl_null);
    line("curl -o FILE", &r.curl);
    line("plugres install (fetch + install)", &r.plugres);
    println!(
        "  plugres / curl -o FILE throughput  {:>8.0} %",
        100.0 * r.curl.median_s / r.plugres.median_s
    );
    println!(
        "  plugres / curl -o /dev/null        {:>8.0} %",
        100.0 * r.curl_null.median_s / r.plugres.median_s
    );
    if let Some(max) = r.plugres_max_rss_kib.iter().max() {
        println!(
            "  plugres peak RSS                  {:>8.1} MiB",
            *max as f64 / 1024.0
        );
    }
}
