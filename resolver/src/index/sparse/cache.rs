//! The on-disk cache of one sparse index: the files fetched, with the
//! validators (ETag, Last-Modified) to revalidate them.
//!
//! ```text
//! <cache_root>/sparse/<host-path>-<16 hex of sha256(url)>/
//!   files/plugins/he/ll/hello-world.toml     exact bytes, as served
//!   meta/plugins/he/ll/hello-world.toml.json {"etag", "last_modified", "sha256", "absent"}
//!   tmp/                                     files being written
//!   .lock                                    held by writers
//! ```
//!
//! `files/` is itself an index tree. Each file is written to `tmp/` and
//! renamed into place, body first and sidecar second, under the writer
//! lock; a reader trusts a body only when the sidecar's SHA-256 matches it,
//! so a half-finished update reads as "not cached". Nothing here is
//! trusted for more than that: every byte still goes through
//! [`VerifiedIndex`](crate::index::VerifiedIndex). The whole folder may be
//! deleted at any time; it is recreated on the next write.

use std::fs::{self, File};
use std::io::{self, Read};
use std::path::{Path, PathBuf};

use plugres_fs::{FileLock, LockKind};
use plugres_schema::MAX_FILE_SIZE;
use sha2::{Digest, Sha256};

use super::http_logic::Validators;

/// What the cache knows about one index file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Cached {
    /// The bytes last served, and how to revalidate them.
    Body {
        bytes: Vec<u8>,
        validators: Validators,
    },
    /// The server said 404/410 last time.
    Absent,
}

#[derive(serde::Serialize, serde::Deserialize)]
struct Meta {
    #[serde(flatten)]
    validators: Validators,
    sha256: Option<String>,
    #[serde(default)]
    absent: bool,
}

/// The cache folder of one index.
#[derive(Debug, Clone)]
pub(crate) struct DiskCache {
    dir: PathBuf,
}

impl DiskCache {
    pub(crate) fn new(dir: PathBuf) -> Self {
        DiskCache { dir }
    }

    pub(crate) fn dir(&self) -> &Path {
        &self.dir
    }

    fn join(&self, top: &str, path: &str, suffix: &str) -> PathBuf {
        let mut p = self.dir.join(top);
        let mut parts = path.split('/').peekable();
        while let Some(part) = parts.next() {
            if parts.peek().is_none() {
                p.push(format!("{part}{suffix}"));
            } else {
                p.push(part);
            }
        }
        p
    }

    fn body_path(&self, path: &str) -> PathBuf {
        self.join("files", path, "")
    }

    fn meta_path(&self, path: &str) -> PathBuf {
        self.join("meta", path, ".json")
    }

    /// Whether anything is cached for `path` (a body or an absence).
    pub(crate) fn has(&self, path: &str) -> bool {
        self.load(path).is_some()
    }

    /// The cached state of `path`; `None` when there is none, or it is
    /// damaged or half-written.
    pub(crate) fn load(&self, path: &str) -> Option<Cached> {
        let meta_bytes = read_limited(&self.meta_path(path), 16 * 1024)?;
        let meta: Meta = serde_json::from_slice(&meta_bytes).ok()?;
        if meta.absent {
            return Some(Cached::Absent);
        }
        let bytes = read_limited(&self.body_path(path), MAX_FILE_SIZE)?;
        let sha = hex::encode(Sha256::digest(&bytes));
        if meta.sha256.as_deref() != Some(sha.as_str()) {
            return None;
        }
        Some(Cached::Body {
            bytes,
            validators: meta.validators,
        })
    }

    /// Records the current state of `path`: its bytes and validators, or
    /// (`body: None`) that the server has no such file.
    pub(crate) fn store(
        &self,
        path: &str,
        body: Option<&[u8]>,
        validators: &Validators,
    ) -> io::Result<()> {
        let _lock = FileLock::acquire(&self.dir.join(".lock"), LockKind::Exclusive, || {})?;
        let body_path = self.body_path(path);
        let meta = match body {
            Some(bytes) => {
                write_atomic(&body_path, bytes)?;
                Meta {
                    validators: validators.clone(),
                    sha256: Some(hex::encode(Sha256::digest(bytes))),
                    absent: false,
                }
            }
            None => {
                match fs::remove_file(&body_path) {
                    Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(e),
                    _ => {}
                }
                Meta {
                    validators: Validators::default(),
                    sha256: None,
                    absent: true,
                }
            }
        };
        let json = serde_json::to_vec(&meta).map_err(io::Error::other)?;
        write_atomic(&self.meta_path(path), &json)
    }
}

/// Writes `bytes` to `target` through a temporary file in `tmp`.
///
/// Not synced to disk: a file torn by a crash fails the sidecar's SHA-256
/// check and reads as "not cached", which costs one refetch. An fsync per
/// file made a cold lock of ~450 files take seconds.
fn write_atomic(target: &Path, bytes: &[u8]) -> io::Result<()> {
    let opts = plugres_fs::WriteOptions {
        durable: false,
        create_dirs: true,
        ..plugres_fs::WriteOptions::default()
    };
    plugres_fs::atomic_write_with(target, bytes, opts)
}

/// The file's bytes when it exists and holds at most `limit` bytes.
fn read_limited(path: &Path, limit: usize) -> Option<Vec<u8>> {
    let file = File::open(path).ok()?;
    let mut bytes = Vec::new();
    file.take(limit as u64 + 1).read_to_end(&mut bytes).ok()?;
    (bytes.len() <= limit).then_some(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn validators() -> Validators {
        Validators::from_headers(Some("\"e1\""), Some("Tue, 01 Dec 2026 10:00:00 GMT"))
    }

    #[test]
    fn stores_and_loads_bodies_and_absences() {
        let tmp = tempfile::tempdir().unwrap();
        let cache = DiskCache::new(tmp.path().join("c"));
        let p = "plugins/he/ll/hello-world.toml";
        assert_eq!(cache.load(p), None);
        cache.store(p, Some(b"name = 1"), &validators()).unwrap();
        assert_eq!(
            cache.load(p),
            Some(Cached::Body {
                bytes: b"name = 1".to_vec(),
                validators: validators()
            })
        );
        // The files tree is an index tree.
        assert_eq!(
            fs::read(tmp.path().join("c/files/plugins/he/ll/hello-world.toml")).unwrap(),
            b"name = 1"
        );
        cache.store(p, None, &Validators::default()).unwrap();
        assert_eq!(cache.load(p), Some(Cached::Absent));
        assert!(cache.has(p));
        assert!(
            !tmp.path()
                .join("c/files/plugins/he/ll/hello-world.toml")
                .exists()
        );
        // No temporary file is left behind.
        let dir = tmp.path().join("c/files/plugins/he/ll");
        let left: Vec<_> = fs::read_dir(&dir)
            .unwrap()
            .filter_map(|e| e.ok())
            .filter(|e| {
                e.file_name()
                    .to_string_lossy()
                    .starts_with(".plugres-write-")
            })
            .collect();
        assert!(left.is_empty(), "{left:?}");
    }

    #[test]
    fn a_body_that_does_not_match_its_sidecar_is_not_cached() {
        let tmp = tempfile::tempdir().unwrap();
        let cache = DiskCache::new(tmp.path().to_path_buf());
        cache
            .store("config.toml", Some(b"a"), &validators())
            .unwrap();
        fs::write(tmp.path().join("files/config.toml"), b"b").unwrap();
        assert_eq!(cache.load("config.toml"), None);
        fs::write(tmp.path().join("meta/config.toml.json"), b"{not json").unwrap();
        assert_eq!(cache.load("config.toml"), None);
    }

    #[test]
    fn survives_deletion_of_the_whole_folder() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("c");
        let cache = DiskCache::new(dir.clone());
        cache
            .store("config.toml", Some(b"a"), &validators())
            .unwrap();
        fs::remove_dir_all(&dir).unwrap();
        assert_eq!(cache.load("config.toml"), None);
        cache
            .store("config.toml", Some(b"b"), &validators())
            .unwrap();
        assert!(
            matches!(cache.load("config.toml"), Some(Cached::Body { bytes, .. }) if bytes == b"b")
        );
    }

    #[test]
    fn concurrent_writers_leave_a_consistent_entry() {
        let tmp = tempfile::tempdir().unwrap();
        let cache = DiskCache::new(tmp.path().to_path_buf());
        std::thread::scope(|s| {
            for i in 0..8u8 {
                let cache = &cache;
                s.spawn(move || {
                    for _ in 0..20 {
                        let body = vec![b'a' + i; 1000 + i as usize];
                        cache
                            .store("plugins/1/a.toml", Some(&body), &validators())
                            .unwrap();
                        // Every load sees some writer's whole file, or nothing.
                        if let Some(Cached::Body { bytes, .. }) = cache.load("plugins/1/a.toml") {
                            let first = bytes[0];
                            assert!(bytes.iter().all(|b| *b == first));
                            assert_eq!(bytes.len(), 1000 + (first - b'a') as usize);
                        }
                    }
                });
            }
        });
        assert!(cache.has("plugins/1/a.toml"));
    }
}
