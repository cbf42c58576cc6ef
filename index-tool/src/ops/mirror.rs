//! `plugres-index mirror-artifacts INDEX OUT`: fill an artifact mirror.

use std::path::PathBuf;

use anyhow::Result;

use crate::mirror::{Options, Report, mirror_artifacts};

#[derive(Debug, Clone)]
pub struct MirrorRequest {
    /// The index checkout (a `git clone` of the index repository).
    pub index: PathBuf,
    /// The mirror folder to fill.
    pub out: PathBuf,
    /// Only plugins whose names match one of these patterns (`acme-*`).
    pub plugins: Vec<String>,
    /// Parallel downloads.
    pub jobs: usize,
}

/// Mirrors every artifact the index lists into `req.out`. Artifacts that
/// could not be mirrored are in the report's `failed`, not an error: the
/// rest are kept and a re-run retries only those.
pub fn mirror(req: &MirrorRequest) -> Result<Report> {
    let opts = Options {
        plugins: req.plugins.clone(),
        jobs: req.jobs,
    };
    mirror_artifacts(&req.index, &req.out, &opts)
}
