//! `--check-artifacts`: every artifact of the checked files is downloaded
//! (or read from the index) and compared with its declared size and sha256.

use std::io::Read;
use std::path::Path;
use std::time::Duration;

use plugres_schema::{Artifact, Diagnostic, IndexConfig};
use rayon::prelude::*;

use super::files::Checked;

/// Checks every artifact; returns how many were checked.
pub fn check_all(
    dir: &Path,
    config: &IndexConfig,
    checked: &[Checked],
    out: &mut Vec<Diagnostic>,
) -> usize {
    let agent = agent();
    let jobs: Vec<(&Checked, &plugres_schema::VersionEntry, &Artifact)> = checked
        .iter()
        .filter_map(|c| c.plugin.as_ref().map(|p| (c, p)))
        .flat_map(|(c, p)| {
            p.versions
                .iter()
                .flat_map(move |v| v.artifacts.iter().map(move |a| (c, v, a)))
        })
        .collect();
    let problems: Vec<Diagnostic> = jobs
        .par_iter()
        .filter_map(|(c, v, a)| {
            check_one(&agent, dir, config, a).err().map(|msg| {
                c.at(
                    &v.span,
                    format!(
                        "artifact for `{}` of version {}: {msg}",
                        a.target, v.version
                    ),
                )
            })
        })
        .collect();
    out.extend(problems);
    jobs.len()
}

fn agent() -> ureq::Agent {
    // The identity encoding, and no decoding (ureq's `gzip` feature is
    // off): an artifact is checked as the exact bytes published, even
    // where a host labels a `.tar.gz` `Content-Encoding: gzip`.
    ureq::Agent::config_builder()
        .accept_encoding("identity")
        .timeout_connect(Some(Duration::from_secs(10)))
        .timeout_recv_response(Some(Duration::from_secs(30)))
        .timeout_recv_body(Some(Duration::from_secs(120)))
        .build()
        .into()
}

fn check_one(
    agent: &ureq::Agent,
    dir: &Path,
    config: &IndexConfig,
    a: &Artifact,
) -> Result<(), String> {
    let url = if a.url.contains("://") {
        a.url.clone()
    } else if let Some(base) = &config.artifact_base {
        format!("{base}{}", a.url)
    } else {
        let path = dir.join(&a.url);
        let f =
            std::fs::File::open(&path).map_err(|e| format!("`{}` cannot be read: {e}", a.url))?;
        return compare(f, a, &a.url);
    };
    if let Some(path) = url.strip_prefix("file://") {
        let f = std::fs::File::open(path).map_err(|e| format!("`{url}` cannot be read: {e}"))?;
        return compare(f, a, &url);
    }
    let resp = agent
        .get(&url)
        .call()
        .map_err(|e| format!("`{url}` could not be downloaded: {e}"))?;
    let reader = resp
        .into_body()
        .into_with_config()
        .limit(a.size + 1)
        .reader();
    compare(reader, a, &url)
}

/// Streams `r`, failing as soon as it exceeds the declared size.
fn compare(r: impl Read, a: &Artifact, what: &str) -> Result<(), String> {
    crate::checked_copy::copy_checked(r, std::io::sink(), what, a.size, &a.sha256)
}
