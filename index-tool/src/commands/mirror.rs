//! `plugres-index mirror-artifacts INDEX OUT`: fill an artifact mirror.

use anyhow::{Result, bail};

use crate::cli::MirrorArgs;
use crate::mirror::{MAPPING_FILE, Options, mirror_artifacts};

pub fn run(a: MirrorArgs, quiet: bool) -> Result<()> {
    let opts = Options {
        plugins: a.plugins.clone(),
        jobs: a.jobs,
    };
    let report = mirror_artifacts(&a.index, &a.out, &opts)?;
    if a.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    }
    for file in &report.skipped_files {
        eprintln!(
            "warning: `{file}` does not verify and was skipped (run `plugres-index validate` on the index)"
        );
    }
    super::status(
        quiet || a.json,
        "Mirrored",
        format!(
            "{} artifacts into `{}`: {} downloaded ({} bytes), {} already present; mapping in {MAPPING_FILE}",
            report.downloaded + report.present,
            a.out.display(),
            report.downloaded,
            report.downloaded_bytes,
            report.present,
        ),
    );
    if !report.failed.is_empty() {
        bail!(
            "{} artifacts could not be mirrored:\n{}\nhint: run the same command again to retry; files already mirrored are kept",
            report.failed.len(),
            report.failed.join("\n")
        );
    }
    Ok(())
}
