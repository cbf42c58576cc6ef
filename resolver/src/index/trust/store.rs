//! What this machine has accepted from one index: the rollback floor.
//!
//! ```text
//! <trust dir>/<readable index name>-<16 hex>/    one per (index, pinned keys)
//!   state.json            highest config / snapshot / timestamp versions seen
//!   config.toml(.minisig) the last config accepted (its root keys are the
//!                         only ones trusted to sign the next one)
//!   snapshot.toml(.minisig), timestamp.toml(.minisig)
//!                         the last accepted, so an unchanged index costs
//!                         one conditional request and nothing more
//!   .lock                 held while writing
//! ```
//!
//! The folder is keyed by the index *and* the pinned root keys, so a project
//! that pins other keys for the same URL starts from its own pins and cannot
//! change what another project trusts. Versions only ever go up here
//! (concurrent runs merge with `max`). Deleting the folder forgets what was
//! seen: the next run trusts the pinned keys again, as on first use.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::thread::JoinHandle;

use plugres_schema::{PublicKey, Sha256};
use serde::{Deserialize, Serialize};

use crate::index::IndexError;
use crate::install::atomic_write;

/// The highest versions accepted so far.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Seen {
    pub config: u64,
    pub snapshot: u64,
    pub timestamp: u64,
    /// Fingerprints of the key sets the snapshot and timestamp floors were
    /// reached under. When the (root-signed) config changes a role's keys,
    /// that role's floor starts again: a leaked key that signed a huge
    /// version cannot lock clients out of the honest index once rotated
    /// away (TUF's fast-forward recovery).
    #[serde(default)]
    pub snapshot_keys: Option<Sha256>,
    #[serde(default)]
    pub timestamp_keys: Option<Sha256>,
}

/// A file pair (bytes + signature) as accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Pair {
    pub bytes: Vec<u8>,
    pub signature: Vec<u8>,
}

/// The trust state of one index on this machine.
#[derive(Debug)]
pub(crate) struct TrustStore {
    dir: PathBuf,
    pub seen: Seen,
}

impl TrustStore {
    /// The state of `index` under `root` for these `pinned` keys. A missing
    /// or unreadable state is a first use (nothing seen).
    pub(crate) fn open(root: &Path, index: &str, pinned: &[PublicKey]) -> TrustStore {
        SAVING.wait_idle();
        let dir = root.join(folder_name(index, pinned));
        let seen = std::fs::read(dir.join("state.json"))
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .unwrap_or_default();
        TrustStore { dir, seen }
    }

    pub(crate) fn dir(&self) -> &Path {
        &self.dir
    }

    /// The accepted copy of index file `name` (`config.toml`,
    /// `snapshot.toml` or `timestamp.toml`) and its
    /// signature, if any.
    pub(crate) fn pair(&self, name: &str) -> Option<Pair> {
        let bytes = std::fs::read(self.dir.join(name)).ok()?;
        let signature = std::fs::read(self.dir.join(format!("{name}.minisig"))).ok()?;
        Some(Pair { bytes, signature })
    }

    /// Records what was accepted: the pairs given (by index path), and the
    /// versions, merged with `max` with whatever another run wrote since.
    pub(crate) fn save(&mut self, seen: Seen, pairs: &[(&str, &Pair)]) -> Result<(), IndexError> {
        let err = |action: &'static str, path: &Path| {
            let path = path.display().to_string();
            move |error| IndexError::TrustState {
                action,
                path,
                error,
            }
        };
        std::fs::create_dir_all(&self.dir).map_err(err("create", &self.dir))?;
        let lock_path = self.dir.join(".lock");
        let _lock =
            plugres_fs::FileLock::acquire(&lock_path, plugres_fs::LockKind::Exclusive, || {})
                .map_err(err("lock", &lock_path))?;
        let on_disk = TrustStore::open_dir(&self.dir);
        // A floor reached under other keys than the ones accepted now is
        // replaced, not merged (see `Seen::snapshot_keys`).
        let floor = |new: u64, new_keys, old: u64, old_keys| match new_keys == old_keys {
            true => new.max(old),
            false => new,
        };
        let merged = Seen {
            config: seen.config.max(on_disk.config),
            snapshot: floor(
                seen.snapshot,
                seen.snapshot_keys,
                on_disk.snapshot,
                on_disk.snapshot_keys,
            ),
            timestamp: floor(
                seen.timestamp,
                seen.timestamp_keys,
                on_disk.timestamp,
                on_disk.timestamp_keys,
            ),
            snapshot_keys: seen.snapshot_keys,
            timestamp_keys: seen.timestamp_keys,
        };
        // Files first, versions last: a crash in between leaves newer files
        // under an older floor, which the next run simply re-checks.
        for (name, pair) in pairs {
            if self.pair(name).as_ref() == Some(*pair) {
                continue;
            }
            let sig = self.dir.join(format!("{name}.minisig"));
            let file = self.dir.join(name);
            atomic_write(&sig, &pair.signature).map_err(err("write", &sig))?;
            atomic_write(&file, &pair.bytes).map_err(err("write", &file))?;
        }
        if merged != on_disk {
            let state = self.dir.join("state.json");
            let json = serde_json::to_vec_pretty(&merged).unwrap_or_default();
            atomic_write(&state, &json).map_err(err("write", &state))?;
        }
        self.seen = merged;
        Ok(())
    }

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

    fn open_dir(dir: &Path) -> Seen {
        std::fs::read(dir.join("state.json"))
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .unwrap_or_default()
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

/// `<readable index>-<16 hex of sha256(index + pinned keys)>`.
fn folder_name(index: &str, pinned: &[PublicKey]) -> String {
    let mut keys: Vec<&str> = pinned.iter().map(PublicKey::as_str).collect();
    keys.sort_unstable();
    // JSON keeps the parts apart whatever characters a path holds.
    let id = serde_json::to_string(&(index, &keys)).unwrap_or_default();
    let hash = Sha256::of(id.as_bytes()).to_hex();
    let readable: String = index
        .rsplit(['/', '\\', ':'])
        .find(|s| !s.is_empty())
        .unwrap_or("index")
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        .take(40)
        .collect();
    format!("{}-{}", readable.trim_start_matches('.'), &hash[..16])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(s: &str) -> PublicKey {
        PublicKey::parse(s).unwrap()
    }

    const K1: &str = "RWSHnl4xjP2djUC4d3DvrVTXIDlPH9XFoPDGn01Xai+UpZsqGekxqWr/";

    #[test]
    fn folder_depends_on_index_and_pins() {
        let a = folder_name("sparse+https://cdn.example.com/idx/", &[key(K1)]);
        assert!(a.starts_with("idx-"), "{a}");
        assert_ne!(
            a,
            folder_name("sparse+https://cdn.example.com/other/", &[key(K1)])
        );
        assert_ne!(a, folder_name("sparse+https://cdn.example.com/idx/", &[]));
    }

    #[test]
    fn versions_only_go_up_and_files_round_trip() {
        let root = tempfile::tempdir().unwrap();
        let open = || TrustStore::open(root.path(), "/srv/index", &[key(K1)]);
        let seen = |config, snapshot, timestamp| Seen {
            config,
            snapshot,
            timestamp,
            ..Seen::default()
        };
        let mut s = open();
        assert_eq!(s.seen, Seen::default());
        let pair = Pair {
            bytes: b"ts".to_vec(),
            signature: b"sig".to_vec(),
        };
        s.save(seen(1, 5, 9), &[("timestamp.toml", &pair)]).unwrap();
        // Another run saw less: the floor stays.
        open().save(seen(1, 3, 10), &[]).unwrap();
        assert_eq!(open().seen, seen(1, 5, 10));
        assert_eq!(open().pair("timestamp.toml"), Some(pair));
        assert_eq!(open().pair("snapshot.toml"), None);
        // Under other timestamp keys, the timestamp floor starts again.
        let after = Seen {
            timestamp_keys: Some(Sha256::of(b"new timestamp keys")),
            ..seen(1, 5, 2)
        };
        open().save(after, &[]).unwrap();
        assert_eq!(open().seen, after);
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
