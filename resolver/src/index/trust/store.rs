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
        super::pending::wait_for_saves();
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

    fn open_dir(dir: &Path) -> Seen {
        std::fs::read(dir.join("state.json"))
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .unwrap_or_default()
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
}
