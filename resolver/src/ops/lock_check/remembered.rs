//! The lock entries this machine has checked against a verified index.
//!
//! One file, `<PLUGRES_HOME>/index/checked-entries/entries`: the 32-byte
//! keys ([`super::EntryKeys::key`]) one after another, appended to. It used to
//! be one empty file per entry: a cold `plugres lock` of 215 plugins
//! created 215 files for it, half of all it created, and file creation is
//! most of what a cold lock asks of the file system. A cache: a file that
//! is missing, torn or unreadable only costs one more check; it never
//! makes an entry count as checked that was not.

use std::collections::HashSet;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use plugres_schema::Sha256;

#[cfg(doc)]
use crate::ops::registries::Registries;

/// Most keys kept: past this the oldest half goes. Every command that
/// checks a lock reads them all into a set (a no-op install too), so the
/// file stays at 512 KB however many locks this machine checks: some 75
/// locks of 200 plugins.
const MAX_KEYS: usize = 1 << 14;

/// The remembered entries, read once per command (one instance, kept by
/// [`Registries::checked_entries`]).
pub(crate) struct CheckedEntries {
    dir: PathBuf,
    known: OnceLock<HashSet<[u8; 32]>>,
}

impl CheckedEntries {
    /// The entries kept under the index caches at `index_cache_dir`.
    pub(crate) fn under(index_cache_dir: &Path) -> Self {
        Self::at(index_cache_dir.join("checked-entries"))
    }

    fn at(dir: PathBuf) -> Self {
        CheckedEntries {
            dir,
            known: OnceLock::new(),
        }
    }

    fn file(&self) -> PathBuf {
        self.dir.join("entries")
    }

    fn known(&self) -> &HashSet<[u8; 32]> {
        self.known
            .get_or_init(|| keys_of(&std::fs::read(self.file()).unwrap_or_default()))
    }

    pub(crate) fn contains(&self, key: &str) -> bool {
        raw(key).is_some_and(|k| self.known().contains(&k))
    }

    /// Remembers `keys` (best effort: a read-only cache only costs a check
    /// next time): appended in one write under the folder's lock, or the
    /// file written anew when it is torn or full.
    pub(crate) fn record(&self, keys: &[String]) {
        let mut seen = HashSet::new();
        let new: Vec<[u8; 32]> = keys
            .iter()
            .filter_map(|k| raw(k))
            .filter(|k| !self.known().contains(k) && seen.insert(*k))
            .collect();
        if new.is_empty() {
            return;
        }
        let _ = self.append(&new);
    }

    fn append(&self, new: &[[u8; 32]]) -> std::io::Result<()> {
        let lock = self.dir.join(".lock");
        let _lock = plugres_fs::FileLock::acquire(&lock, plugres_fs::LockKind::Exclusive, || {})?;
        let file = self.file();
        let bytes: Vec<u8> = new.concat();
        let on_disk = std::fs::metadata(&file).map_or(0, |m| m.len() as usize);
        if on_disk.is_multiple_of(32) && on_disk / 32 + new.len() <= MAX_KEYS {
            let mut f = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(&file)?;
            return f.write_all(&bytes);
        }
        rewrite(&file, &bytes)
    }
}

/// The file written anew: the newest half of its whole keys, then `new`.
fn rewrite(file: &Path, new: &[u8]) -> std::io::Result<()> {
    let old = std::fs::read(file).unwrap_or_default();
    let whole = &old[..old.len() / 32 * 32];
    let keep = whole.len().min(MAX_KEYS / 2 * 32);
    let mut bytes = whole[whole.len() - keep..].to_vec();
    bytes.extend_from_slice(new);
    let opts = plugres_fs::WriteOptions {
        mode: None,
        durable: false,
        create_dirs: true,
    };
    plugres_fs::atomic_write_with(file, &bytes, opts)
}

/// The keys of a file's bytes; none from a torn file (a length that is
/// not whole keys: an append cut short).
fn keys_of(bytes: &[u8]) -> HashSet<[u8; 32]> {
    let (keys, rest) = bytes.as_chunks::<32>();
    match rest.is_empty() {
        true => keys.iter().copied().collect(),
        false => HashSet::new(),
    }
}

/// A key's 32 bytes from its hex form.
fn raw(key: &str) -> Option<[u8; 32]> {
    Sha256::parse(key).ok().map(|s| *s.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(n: u32) -> String {
        Sha256::of(&n.to_le_bytes()).to_hex()
    }

    #[test]
    fn recorded_keys_are_found_by_a_later_command_and_no_others() {
        let dir = tempfile::tempdir().unwrap();
        let at = || CheckedEntries::at(dir.path().join("checked-entries"));
        assert!(!at().contains(&key(1)));
        at().record(&[key(1), key(2), key(1)]);
        at().record(&[key(2), key(3)]);
        let later = at();
        for n in 1..=3 {
            assert!(later.contains(&key(n)), "{n}");
        }
        assert!(!later.contains(&key(4)));
        assert!(!later.contains("not a key"));
        // Each key once: 3 keys of 32 bytes.
        let len = std::fs::metadata(at().file()).unwrap().len();
        assert_eq!(len, 3 * 32);
    }

    /// An append cut short leaves a length that is not whole keys: the
    /// file then counts as empty, and the next record writes it anew.
    #[test]
    fn a_torn_file_remembers_nothing_until_written_again() {
        let dir = tempfile::tempdir().unwrap();
        let at = || CheckedEntries::at(dir.path().join("checked-entries"));
        at().record(&[key(1), key(2)]);
        let file = at().file();
        let mut bytes = std::fs::read(&file).unwrap();
        bytes.truncate(50);
        std::fs::write(&file, &bytes).unwrap();
        assert!(!at().contains(&key(1)));
        at().record(&[key(3)]);
        let again = at();
        assert!(again.contains(&key(3)));
        assert!(
            again.contains(&key(1)),
            "the whole key before the tear is kept"
        );
        assert!(!again.contains(&key(2)));
    }

    /// A full file keeps its newest half.
    #[test]
    fn a_full_file_keeps_its_newest_keys() {
        let dir = tempfile::tempdir().unwrap();
        let at = || CheckedEntries::at(dir.path().join("checked-entries"));
        let first: Vec<String> = (0..MAX_KEYS as u32).map(key).collect();
        at().record(&first);
        at().record(&[key(u32::MAX)]);
        let after = at();
        assert!(after.contains(&key(u32::MAX)));
        assert!(after.contains(&key(MAX_KEYS as u32 - 1)));
        assert!(!after.contains(&key(0)));
        assert_eq!(after.known().len(), MAX_KEYS / 2 + 1);
    }
}
