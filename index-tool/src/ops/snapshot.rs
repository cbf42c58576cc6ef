//! `plugres-index snapshot`: sign what the index holds now.

use std::path::PathBuf;

use anyhow::Result;
use serde::ser::Error as _;

use super::Interact;
use crate::checkout::now_unix;
use crate::keys::KeyRef;
use crate::trust::{self, SnapshotWritten};

#[derive(Debug, Clone)]
pub struct SnapshotRequest {
    pub index: PathBuf,
    /// The snapshot key.
    pub key: KeyRef,
    pub bins: trust::Bins,
}

/// What a role key wrote and committed: the written files' report with the
/// commit and the signer's id beside its fields (one flat JSON object).
#[derive(Debug, Clone)]
pub struct SignedReport<T> {
    pub written: T,
    pub commit: String,
    pub signed_by: String,
    /// For a timestamp: how long it is valid, in seconds (not in the JSON,
    /// which has the expiry itself).
    pub valid_for: Option<u64>,
}

impl<T: serde::Serialize> serde::Serialize for SignedReport<T> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut v = serde_json::to_value(&self.written).map_err(S::Error::custom)?;
        v["commit"] = self.commit.clone().into();
        v["signed_by"] = self.signed_by.clone().into();
        v.serialize(s)
    }
}

pub fn snapshot(
    req: &SnapshotRequest,
    ui: &(impl Interact + ?Sized),
) -> Result<SignedReport<SnapshotWritten>> {
    let edit = super::open(&req.index, ui)?;
    let key = online_key(&req.key, &edit).load("snapshot key", ui)?;
    let signer = trust::check_role(&edit.config.snapshot_keys, &key, "snapshot")?;
    let written = trust::write_snapshot(&edit.checkout.dir, &key, req.bins, now_unix())?;
    let title = format!("snapshot {}", written.version);
    let commit = edit.commit_files(&written.changed, &title, &[&signer.id])?;
    Ok(SignedReport {
        written,
        commit,
        signed_by: signer.id.to_string(),
        valid_for: None,
    })
}

/// `key`, or when none was given, the online key this checkout records
/// (`git config plugres.online-key`, set by `init`): so the `snapshot` and
/// `timestamp` commands the tool prints run as printed where it made them.
pub(super) fn online_key(key: &KeyRef, edit: &crate::signed_edit::Editing) -> KeyRef {
    match key {
        KeyRef::Missing { .. } => edit
            .checkout
            .git
            .config_value(crate::git::ONLINE_KEY)
            .map_or_else(|| key.clone(), |path| KeyRef::File(path.into())),
        given => given.clone(),
    }
}
