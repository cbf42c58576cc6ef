//! `plugres-index timestamp`: re-sign the pointer to the current snapshot
//! with a fresh expiry (the scheduled CI job runs this daily).

use std::path::PathBuf;

use anyhow::Result;

use super::{Interact, SignedReport};
use crate::checkout::now_unix;
use crate::keys::KeyRef;
use crate::trust::{self, TimestampWritten};

#[derive(Debug, Clone)]
pub struct TimestampRequest {
    pub index: PathBuf,
    /// The timestamp key.
    pub key: KeyRef,
    /// Seconds the timestamp stays valid [default: the config's
    /// `timestamp-expiry`].
    pub expires_in: Option<u64>,
}

pub fn timestamp(
    req: &TimestampRequest,
    ui: &(impl Interact + ?Sized),
) -> Result<SignedReport<TimestampWritten>> {
    let edit = super::open(&req.index, ui)?;
    let key = super::snapshot::online_key(&req.key, &edit).load("timestamp key", ui)?;
    let signer = trust::check_role(&edit.config.timestamp_keys, &key, "timestamp")?;
    let expiry = req.expires_in.unwrap_or(edit.config.timestamp_expiry);
    let written =
        trust::write_timestamp(&edit.checkout.dir, &edit.config, &key, expiry, now_unix())?;
    let title = format!("timestamp {}", written.version);
    let commit = edit.commit_files(&written.changed, &title, &[&signer.id])?;
    Ok(SignedReport {
        written,
        commit,
        signed_by: signer.id.to_string(),
        valid_for: Some(expiry),
    })
}
