//! plugres-bench: benchmarks of the index tool and the client, as binaries
//! rather than timed tests (README, "Benchmarks").
//!
//! - `plugres-index-bench` (`src/bin/plugres-index-bench.rs`) writes
//!   synthetic indexes and times `validate`, `snapshot` and `timestamp`.
//! - `plugres-bench` (`src/bin/plugres-bench/`) times the client's lock and
//!   no-op install on them, from a path index and over nginx.
//! - `plugres-realgraph-bench` (`src/bin/plugres-realgraph-bench/`) times
//!   `plugres lock` against `cargo generate-lockfile` on real crates.io
//!   entries ([`realgraph`]).
//! - `plugres-attest-bench` times the offline check of a trusted
//!   publisher's attestation.
//!
//! The library holds [`synth`], the synthetic index generator, which the
//! index tool's own validation tests also build on.

pub mod realgraph;
pub mod synth;

/// Removes `dir` and everything in it, if it exists.
pub fn remove_dir(dir: &std::path::Path) -> anyhow::Result<()> {
    match std::fs::remove_dir_all(dir) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
            Err(anyhow::Error::new(e).context(format!("cannot remove `{}`", dir.display())))
        }
        _ => Ok(()),
    }
}

/// Writes every dirty page back (`sync`), untimed, before a cold run: a new
/// machine has no writeback pending, and the hundreds of files the run
/// before wrote otherwise went to disk during the next one.
pub fn settle() -> anyhow::Result<()> {
    let status = std::process::Command::new("sync")
        .status()
        .map_err(|e| anyhow::anyhow!("cannot run `sync`: {e}"))?;
    anyhow::ensure!(status.success(), "`sync` failed: {status}");
    Ok(())
}
