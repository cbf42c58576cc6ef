//! Writes verified entries while the run goes on, keeps them at its end.
//!
//! Entries go into one pack (see [`super::pack`]) under a temporary name
//! as soon as they are kept, while the resolution waits for the network;
//! at the end only the pack's table is written and the pack renamed into
//! place ([`Writer::finish`]), or, after a refusal, the pack is removed: a
//! run that refused a file still keeps nothing (README "Verified-entry
//! cache").

use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};

use plugres_schema::Sha256;

use super::pack::{self, PackWriter};

/// The writer of one cache folder; its pack is created by the first entry.
pub(super) struct Writer {
    dir: PathBuf,
    state: Mutex<State>,
}

enum State {
    /// Nothing kept yet.
    Idle,
    Writing(PackWriter),
    /// The folder could not be written: entries are dropped (a cache costs
    /// speed when it cannot be kept, never a run).
    Failed,
}

impl Writer {
    pub(super) fn new(dir: PathBuf) -> Self {
        Writer {
            dir,
            state: Mutex::new(State::Idle),
        }
    }

    /// Appends `bytes`, the sealed entry of `key`. Best effort.
    pub(super) fn write(&self, key: Sha256, bytes: &[u8]) {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        if matches!(*state, State::Idle) {
            *state = match PackWriter::create(&self.dir) {
                Ok(w) => State::Writing(w),
                Err(_) => State::Failed,
            };
        }
        if let State::Writing(w) = &mut *state
            && w.add(key, bytes).is_err()
        {
            *state = State::Failed;
        }
    }

    /// Puts the entries written so far in place when `keep`, else drops
    /// them; then merges the folder's packs if there are too many.
    pub(super) fn finish(&self, keep: bool) {
        let state = std::mem::replace(
            &mut *self.state.lock().unwrap_or_else(PoisonError::into_inner),
            State::Idle,
        );
        if let (State::Writing(w), true) = (state, keep)
            && w.finish().is_ok()
        {
            pack::compact(&self.dir);
        }
    }

    pub(super) fn dir(&self) -> &Path {
        &self.dir
    }
}

impl Drop for Writer {
    /// Entries nobody kept are not kept.
    fn drop(&mut self) {
        self.finish(false);
    }
}
