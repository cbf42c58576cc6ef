//! The trust state written while a command goes on.
//!
//! A first use records seven files, each fsynced with its folder: a few
//! milliseconds before the first plugin file could be asked for. So
//! [`TrustStore::save_in_background`] writes them on a thread of its own;
//! the command waits for it ([`PendingSave::wait`]) before it writes
//! anything that rests on what was accepted, and fails with its error.

use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::thread::JoinHandle;

use super::store::{Pair, Seen, TrustStore};
use crate::index::IndexError;

impl TrustStore {
    /// [`TrustStore::save`] on a thread of its own, so that a first use's
    /// fsyncs (seven files, each with its folder) overlap the resolution
    /// instead of delaying it. The caller must [`PendingSave::wait`] before
    /// it writes anything that rests on this acceptance.
    pub(crate) fn save_in_background(
        self,
        seen: Seen,
        pairs: Vec<(&'static str, Pair)>,
    ) -> PendingSave {
        type Job = (TrustStore, Seen, Vec<(&'static str, Pair)>);
        let job: Arc<Mutex<Option<Job>>> = Arc::new(Mutex::new(Some((self, seen, pairs))));
        let run = |job: &Mutex<Option<Job>>| match lock(job).take() {
            Some((mut store, seen, pairs)) => {
                let pairs: Vec<(&str, &Pair)> = pairs.iter().map(|(n, p)| (*n, p)).collect();
                store.save(seen, &pairs)
            }
            None => Ok(()),
        };
        SAVING.begin();
        let theirs = job.clone();
        let spawned = std::thread::Builder::new()
            .name("plugres-trust".into())
            .spawn(move || {
                let _running = Running;
                run(&theirs)
            });
        match spawned {
            Ok(handle) => PendingSave(Save::Running(handle)),
            // No thread to be had: save here and now.
            Err(_) => {
                SAVING.end();
                PendingSave(Save::Done(run(&job)))
            }
        }
    }
}

/// A [`TrustStore::save`] under way (see
/// [`TrustStore::save_in_background`]).
#[derive(Debug)]
pub(crate) struct PendingSave(Save);

#[derive(Debug)]
enum Save {
    Running(JoinHandle<Result<(), IndexError>>),
    Done(Result<(), IndexError>),
}

impl PendingSave {
    /// Waits for the save; its error the first time it is asked, `Ok`
    /// after.
    pub(crate) fn wait(&mut self) -> Result<(), IndexError> {
        match std::mem::replace(&mut self.0, Save::Done(Ok(()))) {
            Save::Running(handle) => handle
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
            Save::Done(result) => result,
        }
    }
}

impl Drop for PendingSave {
    /// A save is never cut short by the process ending: its error is
    /// dropped only where [`PendingSave::wait`] was never asked.
    fn drop(&mut self) {
        if let Save::Running(_) = self.0 {
            let _ = self.wait();
        }
    }
}

/// Saves under way in this process. [`TrustStore::open`] waits for them,
/// so a second opening of an index in one run (a retry past CDN caches,
/// another command step) never reads a floor older than what the first
/// one accepted.
struct Saving {
    running: Mutex<usize>,
    idle: Condvar,
}

static SAVING: Saving = Saving {
    running: Mutex::new(0),
    idle: Condvar::new(),
};

/// Ends a save in [`SAVING`] when dropped, even by a panic.
struct Running;

impl Drop for Running {
    fn drop(&mut self) {
        SAVING.end();
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Saving {
    fn begin(&self) {
        *lock(&self.running) += 1;
    }

    fn end(&self) {
        let mut running = lock(&self.running);
        *running -= 1;
        if *running == 0 {
            self.idle.notify_all();
        }
    }

    fn wait_idle(&self) {
        let mut running = lock(&self.running);
        while *running > 0 {
            running = self
                .idle
                .wait(running)
                .unwrap_or_else(PoisonError::into_inner);
        }
    }
}

/// Waits until no save of this process is under way (see [`Saving`]).
pub(super) fn wait_for_saves() {
    SAVING.wait_idle();
}

#[cfg(test)]
mod tests {
    use plugres_schema::PublicKey;

    use super::*;

    const K1: &str = "RWSHnl4xjP2djUC4d3DvrVTXIDlPH9XFoPDGn01Xai+UpZsqGekxqWr/";

    fn key(s: &str) -> PublicKey {
        PublicKey::parse(s).unwrap()
    }

    /// A save in the background is seen by the next opening in this
    /// process, even one that starts before the save is done.
    #[test]
    fn an_opening_waits_for_a_save_under_way() {
        let root = tempfile::tempdir().unwrap();
        let open = || TrustStore::open(root.path(), "/srv/index", &[key(K1)]);
        let seen = Seen {
            config: 2,
            snapshot: 7,
            timestamp: 11,
            ..Seen::default()
        };
        let pair = Pair {
            bytes: vec![b'x'; 1 << 20],
            signature: b"sig".to_vec(),
        };
        let mut pending = open().save_in_background(seen, vec![("snapshot.toml", pair.clone())]);
        assert_eq!(open().seen, seen);
        assert_eq!(open().pair("snapshot.toml"), Some(pair));
        pending.wait().unwrap();
        // Its outcome is given once.
        pending.wait().unwrap();
    }

    /// A save that fails says so when waited for.
    #[cfg(unix)]
    #[test]
    fn a_failed_save_in_the_background_is_an_error_when_waited_for() {
        let root = tempfile::tempdir().unwrap();
        // A file where the trust folder's parent should be.
        let blocked = root.path().join("trust");
        std::fs::write(&blocked, b"").unwrap();
        let store = TrustStore::open(&blocked, "/srv/index", &[key(K1)]);
        let mut pending = store.save_in_background(Seen::default(), Vec::new());
        let err = pending.wait().unwrap_err();
        assert!(
            matches!(
                err,
                IndexError::TrustState {
                    action: "create",
                    ..
                }
            ),
            "{err}"
        );
    }
}
