//! `plugres-index keygen`: a new minisign key pair.

use std::path::PathBuf;

use anyhow::Result;

use super::Interact;
use crate::keys;

#[derive(Debug, Clone)]
pub struct KeygenRequest {
    /// Path prefix: writes `OUT.key` and `OUT.pub`.
    pub out: PathBuf,
    /// Encrypt the secret key with a password (asked through [`Interact`]).
    pub encrypted: bool,
    /// Overwrite existing files.
    pub force: bool,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct KeygenReport {
    pub key_file: PathBuf,
    pub public_file: PathBuf,
    pub public_key: String,
}

pub fn keygen(req: &KeygenRequest, ui: &(impl Interact + ?Sized)) -> Result<KeygenReport> {
    let public_key = keys::write_new_pair(&req.out, req.encrypted, req.force, ui)?;
    let (key_file, public_file) = keys::pair_paths(&req.out);
    Ok(KeygenReport {
        key_file,
        public_file,
        public_key,
    })
}
