//! A blob on its way into the [`ContentCache`]: bytes appended to a file
//! while a second thread hashes them ([`HashThread`]), then checked and
//! renamed into `sha256/`.
//!
//! A download from a URL writes to `partial/<sha256>` and holds an
//! exclusive lock on it. When it is cut off (a reset, a timeout, a killed
//! run) the bytes stay there; the next [`ContentCache::download`] of that
//! blob hashes them first and [`Download::have`] says where to resume (an
//! HTTP `Range` request, see `download.rs`). What was kept is never
//! trusted: it is hashed with the rest, and the size and sha256 of the
//! whole are the only trust decision, as for a download in one go. Data
//! that is refused (too large, too short, another checksum) is deleted, so
//! a bad prefix is never resumed twice. A partial another process holds is
//! not touched: that download goes to a private file in `tmp/`.

use std::fs::{self, File, TryLockError};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use super::cache::{CacheError, ContentCache, io_err, normalize_hash};
use super::hasher::HashThread;
use crate::install::sync_dir;

/// Where the bytes go until they are verified.
enum Store {
    /// `partial/<sha256>`, locked by this process; kept when interrupted.
    Partial(PathBuf),
    /// A private file in `tmp/`, deleted when dropped.
    Temp(tempfile::TempPath),
}

/// One blob being written; see the module docs.
pub struct Download<'a> {
    cache: &'a ContentCache,
    expected: String,
    size: u64,
    file: File,
    store: Store,
    hasher: HashThread,
}

impl ContentCache {
    /// Starts writing the blob `sha256_hex` of `size` bytes. `resumable`:
    /// keep the bytes in `partial/` when interrupted, and start from the
    /// ones an earlier download kept there (hashed now; see
    /// [`Download::have`]). Otherwise, or when another process is writing
    /// that partial, a private temporary file.
    pub fn download(
        &self,
        sha256_hex: &str,
        size: u64,
        resumable: bool,
    ) -> Result<Download<'_>, CacheError> {
        let expected = normalize_hash(sha256_hex)?;
        let hasher = HashThread::start()
            .map_err(io_err("start a thread to hash a download for", &self.root))?;
        if resumable {
            let dir = self.partial_dir();
            fs::create_dir_all(&dir).map_err(io_err("create", &dir))?;
            let path = dir.join(&expected);
            let file = File::options()
                .read(true)
                .write(true)
                .create(true)
                .truncate(false)
                .open(&path)
                .map_err(io_err("open", &path))?;
            match file.try_lock() {
                Ok(()) => {
                    let mut download = Download {
                        cache: self,
                        expected,
                        size,
                        file,
                        store: Store::Partial(path),
                        hasher,
                    };
                    download.hash_kept()?;
                    return Ok(download);
                }
                Err(TryLockError::WouldBlock) => {}
                Err(TryLockError::Error(e)) => return Err(io_err("lock", &path)(e)),
            }
        }
        let tmp_dir = self.tmp_dir();
        fs::create_dir_all(&tmp_dir).map_err(io_err("create", &tmp_dir))?;
        let (file, path) = tempfile::Builder::new()
            .prefix("blob-")
            .tempfile_in(&tmp_dir)
            .map_err(io_err("create a file in", &tmp_dir))?
            .into_parts();
        Ok(Download {
            cache: self,
            expected,
            size,
            file,
            store: Store::Temp(path),
            hasher,
        })
    }
}

impl Download<'_> {
    fn path(&self) -> &Path {
        match &self.store {
            Store::Partial(path) => path,
            Store::Temp(path) => path,
        }
    }

    /// The size the blob must have.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// Bytes already here (kept from an earlier download, or written):
    /// the offset to resume from.
    pub fn have(&self) -> u64 {
        self.hasher.len()
    }

    /// Feeds what an earlier download kept to the hasher; more than the
    /// blob's size cannot be the blob's start and is dropped.
    fn hash_kept(&mut self) -> Result<(), CacheError> {
        let path = self.path().to_owned();
        let kept = self.file.metadata().map_err(io_err("read", &path))?.len();
        if kept > self.size {
            return self.restart();
        }
        loop {
            let mut buf = self.hasher.buffer();
            match self.file.read(&mut buf) {
                Ok(0) => {
                    self.hasher.put_back(buf);
                    return Ok(());
                }
                Ok(n) => self.hasher.update(buf, n),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => self.hasher.put_back(buf),
                Err(e) => return Err(io_err("read", &path)(e)),
            }
        }
    }

    /// Drops every byte so far: the next [`Self::append`] writes the blob
    /// from its first byte.
    pub fn restart(&mut self) -> Result<(), CacheError> {
        let path = self.path().to_owned();
        self.file.set_len(0).map_err(io_err("truncate", &path))?;
        self.file
            .seek(SeekFrom::Start(0))
            .map_err(io_err("rewind", &path))?;
        self.hasher =
            HashThread::start().map_err(io_err("start a thread to hash a download for", &path))?;
        Ok(())
    }

    /// Streams `reader` to the end of what is here. Stops with
    /// [`CacheError::TooLarge`] (the data deleted) as soon as byte
    /// `size + 1` of the blob arrives; a read error is
    /// [`CacheError::Source`] and keeps what was written. `on_progress`
    /// gets the bytes of each chunk written.
    pub fn append(
        &mut self,
        reader: impl Read,
        mut on_progress: impl FnMut(u64),
    ) -> Result<(), CacheError> {
        // At most one byte more than the blob's rest: enough to see "too large".
        let room = self.size.saturating_sub(self.have()).saturating_add(1);
        let mut reader = reader.take(room);
        loop {
            let mut buf = self.hasher.buffer();
            let n = match reader.read(&mut buf) {
                Ok(0) => {
                    self.hasher.put_back(buf);
                    return Ok(());
                }
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {
                    self.hasher.put_back(buf);
                    continue;
                }
                Err(source) => {
                    self.hasher.put_back(buf);
                    return Err(CacheError::Source { source });
                }
            };
            if self.have() + n as u64 > self.size {
                self.hasher.put_back(buf);
                self.discard();
                return Err(CacheError::TooLarge {
                    expected: self.size,
                });
            }
            if let Err(e) = self.file.write_all(&buf[..n]) {
                self.hasher.put_back(buf);
                return Err(io_err("write", self.path())(e));
            }
            self.hasher.update(buf, n);
            on_progress(n as u64);
        }
    }

    /// Deletes what is here (a partial must not be resumed again).
    fn discard(&mut self) {
        if let Store::Partial(path) = &self.store {
            let _ = fs::remove_file(path);
        }
    }

    /// Checks the size and sha256 of everything written and renames the
    /// blob into `sha256/`; refused data is deleted. Returns the blob's path.
    pub fn finish(self) -> Result<PathBuf, CacheError> {
        let Download {
            cache,
            expected,
            size,
            file,
            store,
            hasher,
        } = self;
        let discard = || {
            if let Store::Partial(path) = &store {
                let _ = fs::remove_file(path);
            }
        };
        let (sha, written) = hasher.finish();
        if written < size {
            discard();
            return Err(CacheError::TooShort {
                expected: size,
                actual: written,
            });
        }
        let actual = sha.to_hex();
        if actual != expected {
            discard();
            return Err(CacheError::Mismatch { expected, actual });
        }
        let blobs = cache.blobs_dir();
        fs::create_dir_all(&blobs).map_err(io_err("create", &blobs))?;
        let dest = blobs.join(&expected);
        let moved = match store {
            Store::Partial(path) => make_read_only(&file)
                .map_err(io_err("make read-only", &path))
                .and_then(|()| {
                    fs::rename(&path, &dest).map_err(io_err("move a verified blob to", &dest))
                }),
            Store::Temp(path) => make_read_only(&file)
                .map_err(io_err("make read-only", &path))
                .and_then(|()| {
                    path.persist(&dest)
                        .map_err(|e| io_err("move a verified blob to", &dest)(e.error))
                }),
        };
        moved?;
        sync_dir(&blobs);
        Ok(dest)
    }
}

/// A blob's bytes never change; read-only also keeps a hard-linked
/// install from being edited in place by mistake (README "Install").
#[cfg(unix)]
fn make_read_only(file: &File) -> io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let mode = file.metadata()?.permissions().mode();
    file.set_permissions(fs::Permissions::from_mode(mode & 0o555 | 0o444))
}

/// Elsewhere a read-only file cannot be deleted or replaced by rename, and
/// installs do not hard-link, so blobs keep their mode.
#[cfg(not(unix))]
fn make_read_only(_: &File) -> io::Result<()> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fetch::cache::sha256_hex;

    fn cache() -> (tempfile::TempDir, ContentCache) {
        let dir = tempfile::tempdir().unwrap();
        let cache = ContentCache::new(dir.path().join("cache"));
        (dir, cache)
    }

    #[test]
    fn kept_bytes_are_hashed_and_appended_to() {
        let (_d, cache) = cache();
        let data: Vec<u8> = (0..700_000u32).map(|i| (i % 253) as u8).collect();
        let sha = sha256_hex(&data);
        let mut first = cache.download(&sha, 700_000, true).unwrap();
        assert_eq!(first.have(), 0);
        let cut = io::Read::chain(&data[..300_000], Failing);
        assert!(matches!(
            first.append(cut, |_| {}),
            Err(CacheError::Source { .. })
        ));
        drop(first);
        let kept = cache.dir().join("partial").join(&sha);
        assert_eq!(fs::metadata(&kept).unwrap().len(), 300_000);

        let mut second = cache.download(&sha, 700_000, true).unwrap();
        assert_eq!(second.have(), 300_000);
        second.append(&data[300_000..], |_| {}).unwrap();
        let blob = second.finish().unwrap();
        assert_eq!(fs::read(&blob).unwrap(), data);
        assert!(!kept.exists());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(&blob).unwrap().permissions().mode();
            assert_eq!(mode & 0o222, 0, "blobs are read-only: {mode:o}");
        }
    }

    #[test]
    fn a_partial_held_by_another_download_is_not_touched() {
        let (_d, cache) = cache();
        let data = b"0123456789".repeat(1000);
        let sha = sha256_hex(&data);
        let mut holder = cache.download(&sha, data.len() as u64, true).unwrap();
        holder.append(&data[..5000], |_| {}).unwrap();
        let mut other = cache.download(&sha, data.len() as u64, true).unwrap();
        assert_eq!(other.have(), 0, "a private file, not the held partial");
        other.append(&data[..], |_| {}).unwrap();
        other.finish().unwrap();
        let kept = cache.dir().join("partial").join(&sha);
        assert_eq!(fs::metadata(&kept).unwrap().len(), 5000);
        drop(holder);
    }

    #[test]
    fn refused_data_is_deleted_and_an_oversized_partial_dropped() {
        let (_d, cache) = cache();
        let data = b"right data".to_vec();
        let sha = sha256_hex(&data);
        let kept = cache.dir().join("partial").join(&sha);
        let mut d = cache.download(&sha, 10, true).unwrap();
        d.append(&b"wrong data"[..], |_| {}).unwrap();
        assert!(matches!(d.finish(), Err(CacheError::Mismatch { .. })));
        assert!(!kept.exists());

        let mut d = cache.download(&sha, 10, true).unwrap();
        let err = d.append(&b"right data and more"[..], |_| {}).unwrap_err();
        assert!(
            matches!(err, CacheError::TooLarge { expected: 10 }),
            "{err}"
        );
        assert!(!kept.exists());

        fs::write(&kept, b"longer than the blob itself").unwrap();
        let d = cache.download(&sha, 10, true).unwrap();
        assert_eq!(d.have(), 0);
        assert_eq!(fs::metadata(&kept).unwrap().len(), 0);
    }

    struct Failing;

    impl Read for Failing {
        fn read(&mut self, _: &mut [u8]) -> io::Result<usize> {
            Err(io::ErrorKind::ConnectionReset.into())
        }
    }
}
