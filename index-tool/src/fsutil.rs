//! Small file helpers: atomic writes and an advisory lock on the checkout.

use std::fs::File;
use std::io::Write;
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
    write_via_temp(path, bytes, Some(0o644))
}

/// Like [`atomic_write`], readable by the owner only (secret keys).
pub fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    write_via_temp(path, bytes, Some(0o600))
}

fn write_via_temp(path: &Path, bytes: &[u8], mode: Option<u32>) -> std::io::Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
    #[cfg(unix)]
    if let Some(mode) = mode {
        use std::os::unix::fs::PermissionsExt;
        tmp.as_file()
            .set_permissions(std::fs::Permissions::from_mode(mode))?;
    }
    #[cfg(not(unix))]
    let _ = mode;
    tmp.write_all(bytes)?;
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

/// An exclusive lock on the checkout, held while a command edits it, so two
/// concurrent runs cannot interleave their writes and commits.
pub struct CheckoutLock {
    _file: File,
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
        let file = File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(path)?;
        if file.try_lock().is_err() {
            on_wait();
            file.lock()?;
        }
        Ok(CheckoutLock { _file: file })
    }
}
