//! Mirroring an index's artifacts into a folder any static server can serve.
//!
//! Data flow: the index is read the way `validate` reads it (config verified
//! against its root keys, each plugin file against its scoped publisher
//! keys; files that fail are reported and skipped). Every artifact of every
//! version of the selected plugins is then fetched from where clients would
//! fetch it — an absolute URL, `artifact-base` + a relative URL, or the file
//! stored in the index itself — streamed into a temp file beside its final
//! place while its size and sha256 are checked, and renamed into place only
//! when both match. The layout is [`plugres_schema::mirror_path`]:
//!
//! ```text
//! OUT/e3/e3268dec…09569/hello_world.wasm
//! OUT/plugres-mirror.toml          what came from where (for operators)
//! ```
//!
//! A file already in place with the right size and sha256 is not fetched
//! again, so an interrupted run resumes and a second run downloads nothing.
//! Clients find files from the sha256 in their verified index entry; the
//! mapping file is for people and scripts, not needed by clients.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, Result, anyhow, bail};
use plugres_schema::{Artifact, IndexConfig, PluginFile, Scope, Sha256, mirror_path};
use rayon::prelude::*;

use crate::checkout::diagnostics_error;
use crate::fsutil::atomic_write;

/// The mapping file written at the top of the mirror.
pub const MAPPING_FILE: &str = "plugres-mirror.toml";

/// What to mirror and how.
pub struct Options {
    /// Plugin name patterns (`acme-*`); empty: every plugin.
    pub plugins: Vec<String>,
    /// Parallel downloads (at least 1).
    pub jobs: usize,
}

/// What a run did.
#[derive(Debug, Default, serde::Serialize)]
pub struct Report {
    /// Artifacts fetched in this run.
    pub downloaded: usize,
    /// Bytes fetched in this run.
    pub downloaded_bytes: u64,
    /// Artifacts already in the mirror with the right size and sha256.
    pub present: usize,
    /// Plugin files of the index that did not verify and were skipped.
    pub skipped_files: Vec<String>,
    /// Artifacts that could not be mirrored, one message each.
    pub failed: Vec<String>,
}

/// One line of `plugres-mirror.toml`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct MappingEntry {
    pub plugin: String,
    pub version: String,
    pub target: String,
    /// Where the artifact came from (the URL clients would use without a mirror).
    pub origin: String,
    /// Where it is in the mirror, relative to the mirror's root.
    pub path: String,
    pub sha256: String,
    pub size: u64,
}

#[derive(Debug, Default, serde::Serialize, serde::Deserialize)]
struct Mapping {
    /// The `name` of the mirrored index.
    index: String,
    #[serde(default)]
    artifact: Vec<MappingEntry>,
}

/// Where one artifact comes from.
#[derive(Debug, Clone)]
enum Source {
    Url(String),
    File(PathBuf),
}

impl std::fmt::Display for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Source::Url(u) => f.write_str(u),
            Source::File(p) => write!(f, "{}", p.display()),
        }
    }
}

struct Job {
    entry: MappingEntry,
    source: Source,
    sha256: Sha256,
}

/// Mirrors the artifacts of the index checkout `index` into `out`.
pub fn mirror_artifacts(index: &Path, out: &Path, opts: &Options) -> Result<Report> {
    let scopes = opts
        .plugins
        .iter()
        .map(|p| Scope::new(p).map_err(|e| anyhow!("--plugins: {e}")))
        .collect::<Result<Vec<_>>>()?;
    let (config, plugins, checked) = crate::validate::verified_plugins(index)?;
    let Some(config) = config else {
        return Err(diagnostics_error(&checked.diagnostics))
            .with_context(|| format!("`{}` is not a valid index", index.display()));
    };
    if checked.diagnostics.iter().any(|d| d.file == "config.toml") {
        return Err(diagnostics_error(&checked.diagnostics))
            .context("the index's config.toml does not verify; nothing was mirrored");
    }
    let mut report = Report {
        skipped_files: checked
            .diagnostics
            .iter()
            .filter(|d| d.severity == plugres_schema::Severity::Error)
            .map(|d| d.file.clone())
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect(),
        ..Report::default()
    };
    let selected: Vec<&PluginFile> = plugins
        .iter()
        .filter(|p| scopes.is_empty() || scopes.iter().any(|s| s.matches(&p.name)))
        .collect();
    let jobs = jobs_for(index, &config, &selected);
    std::fs::create_dir_all(out).with_context(|| format!("cannot create `{}`", out.display()))?;

    let agent = agent();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(opts.jobs.clamp(1, 16))
        .build()?;
    let results: Vec<(&Job, Result<Fetched, String>)> = pool.install(|| {
        jobs.par_iter()
            .map(|job| (job, mirror_one(&agent, out, job)))
            .collect()
    });
    let mut done = Vec::new();
    for (job, result) in results {
        match result {
            Ok(Fetched::Present) => report.present += 1,
            Ok(Fetched::Downloaded) => {
                report.downloaded += 1;
                report.downloaded_bytes += job.entry.size;
            }
            Err(msg) => {
                report.failed.push(format!(
                    "`{} {}` ({}): {msg}",
                    job.entry.plugin, job.entry.version, job.entry.target
                ));
                continue;
            }
        }
        done.push(job.entry.clone());
    }
    write_mapping(out, &config.name, done)?;
    Ok(report)
}

/// One job per artifact, in index order.
fn jobs_for(index: &Path, config: &IndexConfig, plugins: &[&PluginFile]) -> Vec<Job> {
    let mut jobs = Vec::new();
    for p in plugins {
        for v in &p.versions {
            for a in &v.artifacts {
                let source = source_of(index, config, a);
                jobs.push(Job {
                    entry: MappingEntry {
                        plugin: p.name.to_string(),
                        version: v.version.to_string(),
                        target: a.target.to_string(),
                        origin: source.to_string(),
                        path: mirror_path(&a.sha256, &a.url),
                        sha256: a.sha256.to_hex(),
                        size: a.size,
                    },
                    source,
                    sha256: a.sha256,
                });
            }
        }
    }
    jobs
}

/// Where clients would fetch `a` from without a mirror.
fn source_of(index: &Path, config: &IndexConfig, a: &Artifact) -> Source {
    let url = if a.url.starts_with("https://") || a.url.starts_with("http://") {
        a.url.clone()
    } else if let Some(base) = &config.artifact_base {
        format!("{base}{}", a.url)
    } else {
        return Source::File(index.join(&a.url));
    };
    match url.strip_prefix("file://") {
        Some(path) => Source::File(PathBuf::from(path)),
        None => Source::Url(url),
    }
}

enum Fetched {
    Present,
    Downloaded,
}

fn agent() -> ureq::Agent {
    // The identity encoding, and no decoding (ureq's `gzip` feature is
    // off): an artifact is checked as the exact bytes published, even
    // where a host labels a `.tar.gz` `Content-Encoding: gzip`.
    ureq::Agent::config_builder()
        .accept_encoding("identity")
        .timeout_connect(Some(Duration::from_secs(10)))
        .timeout_recv_response(Some(Duration::from_secs(30)))
        .timeout_recv_body(Some(Duration::from_secs(300)))
        .build()
        .into()
}

fn mirror_one(agent: &ureq::Agent, out: &Path, job: &Job) -> Result<Fetched, String> {
    let dest = job
        .entry
        .path
        .split('/')
        .fold(out.to_path_buf(), |p, s| p.join(s));
    if let Ok(f) = std::fs::File::open(&dest)
        && copy_checked(f, std::io::sink(), job).is_ok()
    {
        return Ok(Fetched::Present);
    }
    let dir = dest.parent().unwrap_or(out);
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create `{}`: {e}", dir.display()))?;
    let mut tmp = tempfile::Builder::new()
        .prefix(".partial-")
        .tempfile_in(dir)
        .map_err(|e| format!("cannot create a temp file in `{}`: {e}", dir.display()))?;
    match &job.source {
        Source::File(path) => {
            let f = std::fs::File::open(path)
                .map_err(|e| format!("`{}` cannot be read: {e}", path.display()))?;
            copy_checked(f, tmp.as_file_mut(), job)?;
        }
        Source::Url(url) => {
            let resp = agent
                .get(url)
                .call()
                .map_err(|e| format!("`{url}` could not be downloaded: {e}"))?;
            let body = resp
                .into_body()
                .into_with_config()
                .limit(job.entry.size + 1)
                .reader();
            copy_checked(body, tmp.as_file_mut(), job)?;
        }
    }
    tmp.as_file()
        .sync_all()
        .map_err(|e| format!("cannot write `{}`: {e}", dest.display()))?;
    tmp.persist(&dest)
        .map_err(|e| format!("cannot write `{}`: {}", dest.display(), e.error))?;
    Ok(Fetched::Downloaded)
}

/// Copies `r` to `w`, checked against the index's size and sha256.
fn copy_checked(r: impl Read, w: impl Write, job: &Job) -> Result<(), String> {
    let what = job.source.to_string();
    crate::checked_copy::copy_checked(r, w, &what, job.entry.size, &job.sha256)
}

/// Merges `done` into the mapping file (entries of earlier runs stay unless
/// replaced), sorted, written atomically.
fn write_mapping(out: &Path, index_name: &str, done: Vec<MappingEntry>) -> Result<()> {
    let path = out.join(MAPPING_FILE);
    let mut entries: BTreeMap<(String, String, String), MappingEntry> = BTreeMap::new();
    if let Ok(text) = std::fs::read_to_string(&path) {
        let old: Mapping = toml::from_str(&text).with_context(|| {
            format!(
                "`{}` is not a mapping written by mirror-artifacts; move it away and run again",
                path.display()
            )
        })?;
        if old.index != index_name {
            bail!(
                "`{}` holds a mirror of index `{}`, not `{index_name}`; use another folder",
                out.display(),
                old.index
            );
        }
        for e in old.artifact {
            entries.insert((e.plugin.clone(), e.version.clone(), e.target.clone()), e);
        }
    }
    for e in done {
        entries.insert((e.plugin.clone(), e.version.clone(), e.target.clone()), e);
    }
    let mapping = Mapping {
        index: index_name.to_string(),
        artifact: entries.into_values().collect(),
    };
    let text = format!(
        "# Written by `plugres-index mirror-artifacts`: which artifact of the index is\n\
         # where in this mirror. Clients do not read it; they find each file from its\n\
         # sha256 as <sha256[0..2]>/<sha256>/<file name>.\n\n{}",
        toml::to_string(&mapping)?
    );
    atomic_write(&path, text.as_bytes())
        .with_context(|| format!("cannot write `{}`", path.display()))
}

#[cfg(test)]
mod tests;
