//! A content-addressed store of artifacts.
//!
//! Layout under the cache root:
//!
//! ```text
//! sha256/<64 hex digits>   one verified blob, named by its own checksum (read-only)
//! partial/<64 hex digits>  an interrupted download of that blob, resumed by the next try
//! tmp/                     copies in progress; anything here is garbage once no plugres runs
//! lock                     shared by every installer, exclusive for `clean` and sweeping tmp/
//! ```
//!
//! A blob only ever appears under `sha256/` by an atomic rename after its
//! size and checksum were verified, so a reader never sees a partial or
//! wrong file, and two processes inserting the same blob at once both
//! succeed (they rename identical content). An interrupted run leaves at
//! most a file in `tmp/`, which later runs sweep, or the bytes received so
//! far in `partial/`, which the next download of that blob hashes and
//! continues from ([`Download`]).
//!
//! Blobs are not fsynced: a big artifact would wait for the disk (a 1 GiB
//! blob for seconds), and durability is not what keeps the cache honest —
//! every use re-hashes a cached blob first ([`ContentCache::verify`]), so
//! one a crash left damaged is removed and fetched again. Blobs are
//! read-only on unix, because an install may hard-link them (README
//! "Install").

use std::fs::{self, File};
use std::io::{self, Read};
use std::path::{Path, PathBuf};

/// A failure to store or check a blob. Messages say which checksum or size
/// was expected; callers add the artifact's name and URL.
#[derive(Debug, thiserror::Error)]
pub enum CacheError {
    /// The checksum given by the index is not 64 hex digits.
    #[error("`{value}` is not a sha256 checksum (expected 64 hex digits)")]
    BadHash { value: String },
    /// More bytes arrived than the index promised.
    #[error(
        "the data is larger than the {expected} bytes the index promises; refused without reading further (the server sends a different file than the one published)"
    )]
    TooLarge { expected: u64 },
    /// The data ended early.
    #[error("the data ended after {actual} of the {expected} bytes the index promises")]
    TooShort { expected: u64, actual: u64 },
    /// The data is not the published file.
    #[error(
        "checksum mismatch: the index promises sha256 `{expected}` but the data has `{actual}`; the file was changed after it was published, or it was corrupted on the way — it was not installed"
    )]
    Mismatch { expected: String, actual: String },
    /// Reading the source of the data failed (network, or a local file).
    #[error("reading the data failed")]
    Source {
        #[source]
        source: io::Error,
    },
    /// The cache directory itself could not be written or read. The cause
    /// is in the message (it decides the advice), not a `caused by` line.
    #[error(
        "cannot {action} `{path}`: {error}; {}",
        crate::local_io::advice(error, "the cache directory")
    )]
    Io {
        action: &'static str,
        path: PathBuf,
        error: io::Error,
    },
}

pub(super) fn io_err<'a>(
    action: &'static str,
    path: &'a Path,
) -> impl FnOnce(io::Error) -> CacheError + 'a {
    move |error| CacheError::Io {
        action,
        path: path.to_owned(),
        error,
    }
}

/// Checks and lower-cases a sha256 hex string.
pub(super) fn normalize_hash(value: &str) -> Result<String, CacheError> {
    if value.len() == 64 && value.bytes().all(|b| b.is_ascii_hexdigit()) {
        Ok(value.to_ascii_lowercase())
    } else {
        Err(CacheError::BadHash {
            value: value.to_owned(),
        })
    }
}

/// Held while a process uses the cache; `clean` waits for all holders.
/// Released on drop.
#[derive(Debug)]
pub struct CacheLock {
    _file: File,
}

/// A directory of blobs named by their sha256.
#[derive(Debug, Clone)]
pub struct ContentCache {
    pub(super) root: PathBuf,
}

impl ContentCache {
    /// A cache rooted at `root`; nothing is created until first use.
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into() }
    }

    /// The cache root.
    pub fn dir(&self) -> &Path {
        &self.root
    }

    pub(super) fn blobs_dir(&self) -> PathBuf {
        self.root.join("sha256")
    }

    pub(super) fn tmp_dir(&self) -> PathBuf {
        self.root.join("tmp")
    }

    pub(super) fn partial_dir(&self) -> PathBuf {
        self.root.join("partial")
    }

    /// Where the blob with this checksum lives (whether or not it is there).
    pub fn blob_path(&self, sha256_hex: &str) -> Result<PathBuf, CacheError> {
        Ok(self.blobs_dir().join(normalize_hash(sha256_hex)?))
    }

    /// The blob's path if it is present with the right size. Cheap; the
    /// content is trusted because only verified data is ever renamed in.
    /// Use [`ContentCache::verify`] to re-hash.
    pub fn get(&self, sha256_hex: &str, size: u64) -> Option<PathBuf> {
        let path = self.blob_path(sha256_hex).ok()?;
        let meta = fs::metadata(&path).ok()?;
        (meta.is_file() && meta.len() == size).then_some(path)
    }

    /// Re-hashes a present blob. A blob that does not match (disk
    /// corruption, tampering) is deleted so the next fetch downloads it
    /// again; returns whether a good blob is present.
    pub fn verify(&self, sha256_hex: &str, size: u64) -> Result<bool, CacheError> {
        let expected = normalize_hash(sha256_hex)?;
        let Some(path) = self.get(&expected, size) else {
            return Ok(false);
        };
        let (actual, _) = plugres_fs::sha256_of_file(&path).map_err(io_err("read", &path))?;
        if actual.to_hex() == expected {
            return Ok(true);
        }
        fs::remove_file(&path).map_err(io_err("remove the corrupt blob", &path))?;
        Ok(false)
    }

    /// Streams `reader` into the cache, verifying as it goes (a
    /// [`super::Download`] that is not resumable).
    ///
    /// Stops with [`CacheError::TooLarge`] as soon as byte `expected_size + 1`
    /// arrives, so an endless or oversized source cannot fill the disk.
    /// `on_progress` gets the number of bytes of each chunk written.
    /// Returns the blob's path; if the blob is already present, returns at
    /// once without reading.
    pub fn insert(
        &self,
        reader: impl Read,
        expected_sha256: &str,
        expected_size: u64,
        on_progress: impl FnMut(u64),
    ) -> Result<PathBuf, CacheError> {
        let expected = normalize_hash(expected_sha256)?;
        if let Some(path) = self.get(&expected, expected_size) {
            return Ok(path);
        }
        let mut download = self.download(&expected, expected_size, false)?;
        download.append(reader, on_progress)?;
        download.finish()
    }

    fn open_lock(&self) -> Result<File, CacheError> {
        fs::create_dir_all(&self.root).map_err(io_err("create", &self.root))?;
        let path = self.root.join("lock");
        File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(io_err("open the lock file", &path))
    }

    /// Takes the cache lock shared, as every installer does while it uses
    /// the cache. If nobody else holds it, first sweeps `tmp/` (leftovers of
    /// interrupted runs).
    pub fn lock_shared(&self) -> Result<CacheLock, CacheError> {
        let file = self.open_lock()?;
        let lock_path = self.root.join("lock");
        if file.try_lock().is_ok() {
            self.remove_tmp()?;
        }
        // Converts an exclusive lock into a shared one, or waits for `clean`.
        file.lock_shared().map_err(io_err("lock", &lock_path))?;
        Ok(CacheLock { _file: file })
    }

    /// Deletes every blob and leftover, waiting until no other process uses
    /// the cache.
    pub fn clean(&self) -> Result<(), CacheError> {
        let file = self.open_lock()?;
        let lock_path = self.root.join("lock");
        file.lock().map_err(io_err("lock", &lock_path))?;
        self.remove_tmp()?;
        for dir in [self.partial_dir(), self.blobs_dir()] {
            match fs::remove_dir_all(&dir) {
                Err(e) if e.kind() != io::ErrorKind::NotFound => {
                    return Err(io_err("remove", &dir)(e));
                }
                _ => {}
            }
        }
        Ok(())
    }

    /// Deletes what interrupted runs left in `tmp/` (the directory stays).
    fn remove_tmp(&self) -> Result<(), CacheError> {
        let tmp = self.tmp_dir();
        let entries = match fs::read_dir(&tmp) {
            Ok(entries) => entries,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
            Err(e) => return Err(io_err("list", &tmp)(e)),
        };
        for entry in entries {
            let path = entry.map_err(io_err("list", &tmp))?.path();
            let removed = if path.is_dir() {
                fs::remove_dir_all(&path)
            } else {
                fs::remove_file(&path)
            };
            match removed {
                Err(e) if e.kind() != io::ErrorKind::NotFound => {
                    return Err(io_err("remove", &path)(e));
                }
                _ => {}
            }
        }
        Ok(())
    }
}

#[cfg(test)]
pub(crate) fn sha256_hex(data: &[u8]) -> String {
    plugres_schema::Sha256::of(data).to_hex()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cache() -> (tempfile::TempDir, ContentCache) {
        let dir = tempfile::tempdir().unwrap();
        let cache = ContentCache::new(dir.path().join("cache"));
        (dir, cache)
    }

    fn blob_count(cache: &ContentCache) -> usize {
        fs::read_dir(cache.dir().join("sha256")).map_or(0, |d| d.count())
    }

    #[test]
    fn insert_then_get_returns_the_verified_blob() {
        let (_d, cache) = cache();
        let data = b"hello plugin".to_vec();
        let sha = sha256_hex(&data);
        assert_eq!(cache.get(&sha, data.len() as u64), None);
        let mut progress = 0;
        let path = cache
            .insert(&data[..], &sha, data.len() as u64, |n| progress += n)
            .unwrap();
        assert_eq!(progress, data.len() as u64);
        assert_eq!(fs::read(&path).unwrap(), data);
        assert_eq!(path, cache.dir().join("sha256").join(&sha));
        assert_eq!(cache.get(&sha, data.len() as u64), Some(path.clone()));
        assert_eq!(
            cache.get(&sha.to_uppercase(), data.len() as u64),
            Some(path)
        );
        assert_eq!(cache.get(&sha, 3), None, "wrong size is a miss");
        assert!(cache.verify(&sha, data.len() as u64).unwrap());
    }

    #[test]
    fn oversized_data_is_refused_without_reading_it_all() {
        let (_d, cache) = cache();
        let data = b"0123456789";
        // An endless source: refused after expected + 1 bytes.
        let endless = io::repeat(b'x');
        let err = cache
            .insert(endless, &sha256_hex(data), 10, |_| {})
            .unwrap_err();
        assert!(
            matches!(err, CacheError::TooLarge { expected: 10 }),
            "{err}"
        );
        assert_eq!(blob_count(&cache), 0);
        assert_eq!(fs::read_dir(cache.dir().join("tmp")).unwrap().count(), 0);
    }

    #[test]
    fn short_data_and_wrong_content_are_refused_naming_both_hashes() {
        let (_d, cache) = cache();
        let data = b"0123456789";
        let sha = sha256_hex(data);
        let err = cache.insert(&data[..9], &sha, 10, |_| {}).unwrap_err();
        assert!(
            matches!(
                err,
                CacheError::TooShort {
                    expected: 10,
                    actual: 9
                }
            ),
            "{err}"
        );

        let mut changed = data.to_vec();
        changed[4] ^= 1;
        let err = cache.insert(&changed[..], &sha, 10, |_| {}).unwrap_err();
        let msg = err.to_string();
        assert!(
            msg.contains(&sha) && msg.contains(&sha256_hex(&changed)),
            "{msg}"
        );
        assert_eq!(blob_count(&cache), 0);
    }

    #[test]
    fn bad_hashes_are_refused() {
        let (_d, cache) = cache();
        for bad in ["", "abc", &"g".repeat(64), "../../../../etc/passwd"] {
            let err = cache.insert(&b""[..], bad, 0, |_| {}).unwrap_err();
            assert!(matches!(err, CacheError::BadHash { .. }), "{err}");
            assert_eq!(cache.get(bad, 0), None);
        }
    }

    #[test]
    fn source_errors_are_reported_as_such() {
        struct Failing;
        impl Read for Failing {
            fn read(&mut self, _: &mut [u8]) -> io::Result<usize> {
                Err(io::ErrorKind::ConnectionReset.into())
            }
        }
        let (_d, cache) = cache();
        let err = cache
            .insert(Failing, &sha256_hex(b"x"), 1, |_| {})
            .unwrap_err();
        assert!(matches!(err, CacheError::Source { .. }), "{err}");
    }

    #[test]
    fn concurrent_inserts_of_the_same_blob_both_succeed() {
        let (_d, cache) = cache();
        let data = vec![7u8; 300_000];
        let sha = sha256_hex(&data);
        std::thread::scope(|s| {
            let handles: Vec<_> = (0..4)
                .map(|_| s.spawn(|| cache.insert(&data[..], &sha, data.len() as u64, |_| {})))
                .collect();
            for h in handles {
                let path = h.join().unwrap().unwrap();
                assert_eq!(fs::read(path).unwrap(), data);
            }
        });
        assert_eq!(blob_count(&cache), 1);
    }

    #[test]
    fn verify_deletes_a_corrupted_blob() {
        let (_d, cache) = cache();
        let data = b"good data";
        let sha = sha256_hex(data);
        let path = cache.insert(&data[..], &sha, 9, |_| {}).unwrap();
        fs::write(&path, b"bad data!").unwrap();
        assert!(cache.get(&sha, 9).is_some(), "same size: get trusts it");
        assert!(!cache.verify(&sha, 9).unwrap());
        assert_eq!(cache.get(&sha, 9), None);
    }

    #[test]
    fn leftovers_are_swept_and_clean_empties_the_cache() {
        let (_d, cache) = cache();
        let data = b"abc";
        let sha = sha256_hex(data);
        cache.insert(&data[..], &sha, 3, |_| {}).unwrap();
        let leftover = cache.dir().join("tmp").join("blob-interrupted");
        fs::write(&leftover, b"partial").unwrap();

        {
            let _first = cache.lock_shared().unwrap();
            assert!(!leftover.exists(), "swept by the first user");
            fs::write(&leftover, b"partial").unwrap();
            let _second = cache.lock_shared().unwrap();
            assert!(
                leftover.exists(),
                "not swept while another process may write it"
            );
        }
        cache.clean().unwrap();
        assert!(!leftover.exists());
        assert_eq!(cache.get(&sha, 3), None);
    }
}
