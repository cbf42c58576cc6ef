//! Small file helpers: atomic writes and an advisory lock on the checkout.

use std::fs::File;
use std::path::Path;

/// The bytes of `dir/rel`, or `None` when there is no such file.
pub fn read_if_exists(dir: &Path, rel: &str) -> anyhow::Result<Option<Vec<u8>>> {
    let path = dir.join(rel);
    match std::fs::read(&path) {
        Ok(b) => Ok(Some(b)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(anyhow::anyhow!("cannot read `{}`: {e}", path.display())),
    }
}

/// An index file read by [`read_regular_bounded`].
#[derive(Debug, PartialEq, Eq)]
pub enum Bounded {
    Missing,
    /// A link, directory, device or pipe: never followed or read.
    NotRegular,
    /// Larger than the bound; only the bound plus one byte was read.
    TooLarge,
    Bytes(Vec<u8>),
}

/// The bytes of `dir/rel` when it is a regular file of at most `max`
/// bytes. For files a pull request controls: a link could point outside
/// the checkout or at `/dev/zero`, and a huge file would be read whole.
pub fn read_regular_bounded(dir: &Path, rel: &str, max: usize) -> anyhow::Result<Bounded> {
    use std::io::Read;
    let path = dir.join(rel);
    let cannot = |e: std::io::Error| anyhow::anyhow!("cannot read `{}`: {e}", path.display());
    match std::fs::symlink_metadata(&path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Bounded::Missing),
        Err(e) => return Err(cannot(e)),
        Ok(m) if !m.file_type().is_file() => return Ok(Bounded::NotRegular),
        Ok(_) => {}
    }
    let mut bytes = Vec::new();
    File::open(&path)
        .and_then(|f| f.take(max as u64 + 1).read_to_end(&mut bytes))
        .map_err(cannot)?;
    Ok(if bytes.len() > max {
        Bounded::TooLarge
    } else {
        Bounded::Bytes(bytes)
    })
}

/// Writes `bytes` to `path` through a temp file in the same directory and a
/// rename, so readers see the old or the new content, never half of it.
/// The file is world-readable (0644): index files are served as they are.
pub fn atomic_write(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    write_with_mode(path, bytes, 0o644)
}

/// Like [`atomic_write`], readable by the owner only (secret keys).
pub fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    write_with_mode(path, bytes, 0o600)
}

fn write_with_mode(path: &Path, bytes: &[u8], mode: u32) -> std::io::Result<()> {
    let opts = plugres_fs::WriteOptions {
        mode: Some(mode),
        create_dirs: true,
        ..plugres_fs::WriteOptions::default()
    };
    plugres_fs::atomic_write_with(path, bytes, opts)
}

/// An exclusive lock on the checkout, held while a command edits it, so two
/// concurrent runs cannot interleave their writes and commits.
pub struct CheckoutLock {
    _lock: plugres_fs::FileLock,
}

impl CheckoutLock {
    /// Takes the lock, calling `on_wait` first when another run holds it.
    pub fn acquire(workdir: &Path, on_wait: impl FnOnce()) -> std::io::Result<CheckoutLock> {
        let git = workdir.join(".git");
        let path = if git.is_dir() {
            git.join("plugres-index.lock")
        } else {
            workdir.join(".plugres-index.lock")
        };
        let lock = plugres_fs::FileLock::acquire(&path, plugres_fs::LockKind::Exclusive, on_wait)?;
        Ok(CheckoutLock { _lock: lock })
    }
}
