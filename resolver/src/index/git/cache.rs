//! Where the git cache of one index URL lives, and the small files plugres
//! keeps beside the bare repository.
//!
//! ```text
//! <cache root>/git/<host-path>-<16 hex of sha256(url)>/
//!   repo.git/          bare repository, fetched into, never checked out
//!   plugres.lock       exclusive lock held while cloning or fetching
//!   plugres-seen       the commit last accepted (hex), written atomically
//!   files/<commit>/…   artifacts stored in the index, copied out of repo.git
//! ```
//!
//! The readable part of the name is for people looking at the cache; the
//! hash keeps two URLs that sanitise alike apart. Credentials in a URL never
//! reach the name. Every file is written by rename, so an interrupted run
//! leaves either the old or the new state, and the whole directory may be
//! deleted at any time (the next online run fetches it again).

use std::io;
use std::path::{Path, PathBuf};

use gix::ObjectId;
use plugres_fs::{FileLock, LockKind, WriteOptions};
use sha2::{Digest, Sha256};

/// The readable part of a cache name is cut to this many bytes.
const MAX_READABLE: usize = 48;

/// The cache directory of one index URL.
#[derive(Debug, Clone)]
pub(super) struct CacheDir {
    dir: PathBuf,
}

impl CacheDir {
    pub(super) fn new(cache_root: &Path, url: &str) -> Self {
        CacheDir {
            dir: cache_root.join("git").join(cache_name(url)),
        }
    }

    pub(super) fn dir(&self) -> &Path {
        &self.dir
    }

    pub(super) fn repo(&self) -> PathBuf {
        self.dir.join("repo.git")
    }

    /// Where the artifact `rel` of commit `commit` is materialised.
    pub(super) fn file(&self, commit: &str, rel: &str) -> PathBuf {
        rel.split('/')
            .fold(self.dir.join("files").join(commit), |p, s| p.join(s))
    }

    /// Takes the exclusive lock of this cache, creating the directory; the
    /// lock is released when the returned file is dropped.
    pub(super) fn lock(&self) -> io::Result<FileLock> {
        FileLock::acquire(&self.dir.join("plugres.lock"), LockKind::Exclusive, || {})
    }

    /// The commit accepted last time, `None` if none was (never fetched, or
    /// the cache was deleted).
    pub(super) fn seen(&self) -> io::Result<Option<ObjectId>> {
        let text = match std::fs::read_to_string(self.dir.join("plugres-seen")) {
            Ok(text) => text,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(e),
        };
        ObjectId::from_hex(text.trim().as_bytes())
            .map(Some)
            .map_err(|_| io::Error::new(io::ErrorKind::InvalidData, "`plugres-seen` is damaged"))
    }

    pub(super) fn set_seen(&self, commit: ObjectId) -> io::Result<()> {
        write_atomic(
            &self.dir.join("plugres-seen"),
            format!("{commit}\n").as_bytes(),
        )
    }
}

/// Writes `bytes` to `path` through a temporary file in the same directory
/// and a rename, creating parent directories.
pub(super) fn write_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let opts = WriteOptions {
        create_dirs: true,
        ..WriteOptions::default()
    };
    plugres_fs::atomic_write_with(path, bytes, opts)
}

/// `<host-path>-<16 hex>`: readable, filesystem-safe, unique per URL.
fn cache_name(url: &str) -> String {
    let hash = hex::encode(Sha256::digest(url.as_bytes()));
    format!("{}-{}", readable(url), &hash[..16])
}

/// Host and path of `url` with the scheme, any `user[:password]@` and a
/// trailing `.git` dropped, and every other character than ASCII letters,
/// digits, `.` and `_` turned into `-`.
fn readable(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    // The userinfo ends at the last `@` before the path starts.
    let authority_end = rest.find('/').unwrap_or(rest.len());
    let rest = match rest[..authority_end].rfind('@') {
        Some(at) => &rest[at + 1..],
        None => rest,
    };
    let rest = rest.trim_end_matches('/');
    let rest = rest.strip_suffix(".git").unwrap_or(rest);
    let mut out = String::new();
    for c in rest.chars() {
        let c = if c.is_ascii_alphanumeric() || c == '.' || c == '_' {
            c
        } else {
            '-'
        };
        if !(c == '-' && out.ends_with('-')) {
            out.push(c);
        }
        if out.len() >= MAX_READABLE {
            break;
        }
    }
    let out = out.trim_matches(|c| c == '-' || c == '.');
    if out.is_empty() {
        "index".to_string()
    } else {
        out.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_readable_safe_and_distinct() {
        let name = cache_name("https://github.com/acme/plugin-index.git");
        assert!(name.starts_with("github.com-acme-plugin-index-"), "{name}");
        assert_eq!(name.len(), "github.com-acme-plugin-index-".len() + 16);
        assert_ne!(
            cache_name("https://github.com/acme/plugin-index.git"),
            cache_name("https://github.com/acme/plugin-index")
        );
        assert_eq!(
            readable("https://user:s3cret@host:8443/x/y"),
            "host-8443-x-y"
        );
        assert_eq!(
            readable("git@github.com:acme/index.git"),
            "github.com-acme-index"
        );
        assert_eq!(readable("file:///tmp/my index/"), "tmp-my-index");
        assert_eq!(readable("file:///../.."), "index");
        assert!(readable(&format!("git://h/{}", "a".repeat(500))).len() <= MAX_READABLE);
    }

    #[test]
    fn seen_roundtrips_and_detects_damage() {
        let root = tempfile::tempdir().unwrap();
        let cache = CacheDir::new(root.path(), "git://h/x");
        assert_eq!(cache.seen().unwrap(), None);
        let _lock = cache.lock().unwrap();
        let id = ObjectId::from_hex(b"0123456789abcdef0123456789abcdef01234567").unwrap();
        cache.set_seen(id).unwrap();
        assert_eq!(cache.seen().unwrap(), Some(id));
        std::fs::write(cache.dir().join("plugres-seen"), "zz\n").unwrap();
        assert_eq!(cache.seen().unwrap_err().kind(), io::ErrorKind::InvalidData);
        assert_eq!(
            cache.file("abc", "artifacts/a/1.0.0/a.wasm"),
            cache.dir().join("files/abc/artifacts/a/1.0.0/a.wasm")
        );
    }
}
