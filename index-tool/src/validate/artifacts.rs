//! `--check-artifacts`: every artifact of the checked files is downloaded
//! (or read from the index) and compared with its declared size and
//! sha256, then unpacked by the client's own extractor (`plugres-archive`)
//! within the index's limits, so an archive every client would refuse
//! (`..`, links, devices, clashing or overlong paths, too large) fails here.

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
        return compare(f, a, &a.url, config);
    };
    if let Some(path) = url.strip_prefix("file://") {
        let f = std::fs::File::open(path).map_err(|e| format!("`{url}` cannot be read: {e}"))?;
        return compare(f, a, &url, config);
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
    compare(reader, a, &url, config)
}

/// Streams `r` into a temporary file, failing as soon as it exceeds the
/// declared size or its sha256 differs; then unpacks it as a client would.
fn compare(r: impl Read, a: &Artifact, what: &str, config: &IndexConfig) -> Result<(), String> {
    let scratch = tempfile::tempdir().map_err(|e| format!("no temporary folder: {e}"))?;
    let blob = scratch.path().join("blob");
    let file = std::fs::File::create(&blob)
        .map_err(|e| format!("cannot write `{}`: {e}", blob.display()))?;
    crate::checked_copy::copy_checked(r, file, what, a.size, &a.sha256)?;
    let dest = scratch.path().join("unpacked");
    std::fs::create_dir(&dest).map_err(|e| format!("cannot create `{}`: {e}", dest.display()))?;
    let name = plugres_host::artifact::artifact_file_name(&a.url);
    let kind = plugres_archive::ArtifactKind::from_file_name(&name);
    plugres_archive::unpack(&blob, kind, &name, &dest, &config.limits)
        .map(|_| ())
        .map_err(|e| format!("clients would refuse it: {e}"))
}
