//! `plugres-index validate`: every problem of an index checkout.

use std::path::PathBuf;

use anyhow::Result;

use crate::validate::{Options, Report};

#[derive(Debug, Clone)]
pub struct ValidateRequest {
    /// The index checkout.
    pub dir: PathBuf,
    /// Check only what changed since this git revision.
    pub base: Option<String>,
    /// Also download every artifact checked and compare size and sha256.
    pub check_artifacts: bool,
}

/// Validates the checkout; problems are the report's diagnostics, not an
/// error (an error: the checkout could not be read at all).
pub fn validate(req: &ValidateRequest) -> Result<Report> {
    if !req.dir.join("config.toml").exists() {
        anyhow::bail!(
            "`{}` is not an index checkout: it has no config.toml\nhint: run `plugres-index validate DIR` with the checkout's directory",
            req.dir.display()
        );
    }
    let opts = Options {
        base: req.base.clone(),
        check_artifacts: req.check_artifacts,
    };
    crate::validate::validate(&req.dir, &opts)
}
