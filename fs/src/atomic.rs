//! All-or-nothing file writes: the bytes go to a temporary file in the
//! target's folder, which is then renamed over the target, so a reader (or
//! a crash) sees the old content or the new, never half of it.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// How [`atomic_write_with`] writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WriteOptions {
    /// Unix permissions of the file; `None` keeps an existing file's and
    /// gives a new one `0o644`.
    pub mode: Option<u32>,
    /// fsync the file and its folder before returning (project files,
    /// keys). Off for caches whose every read is checked anyway: a torn
    /// file there costs one refetch, and an fsync per file costs seconds.
    pub durable: bool,
    /// Create the target's folders first.
    pub create_dirs: bool,
}

impl Default for WriteOptions {
    fn default() -> Self {
        WriteOptions {
            mode: None,
            durable: true,
            create_dirs: false,
        }
    }
}

/// Replaces `path` with `bytes` atomically and durably. An existing file
/// keeps its permissions; a new one gets `0o644` on Unix.
pub fn atomic_write(path: &Path, bytes: &[u8]) -> io::Result<()> {
    atomic_write_with(path, bytes, WriteOptions::default())
}

/// [`atomic_write`] with other [`WriteOptions`].
pub fn atomic_write_with(path: &Path, bytes: &[u8], opts: WriteOptions) -> io::Result<()> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    if opts.create_dirs {
        fs::create_dir_all(dir)?;
    }
    let (tmp, mut file) = create_temp(dir)?;
    let written = (|| {
        file.write_all(bytes)?;
        set_mode(&file, path, opts.mode)?;
        if opts.durable {
            file.sync_all()?;
        }
        drop(file);
        fs::rename(&tmp, path)
    })();
    if let Err(e) = written {
        let _ = fs::remove_file(&tmp);
        return Err(e);
    }
    if opts.durable {
        sync_dir(dir);
    }
    Ok(())
}

/// A new, empty file `.plugres-write-*` in `dir`, under a name no other
/// writer (thread or process) is using.
fn create_temp(dir: &Path) -> io::Result<(PathBuf, File)> {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    for _ in 0..100 {
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let name = format!(".plugres-write-{}-{nanos:08x}-{n}", std::process::id());
        let tmp = dir.join(name);
        match OpenOptions::new().write(true).create_new(true).open(&tmp) {
            Ok(file) => return Ok((tmp, file)),
            // Left behind by a crashed writer that had the same pid.
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(e),
        }
    }
    Err(io::Error::new(
        io::ErrorKind::AlreadyExists,
        format!("no free temporary file name in `{}`", dir.display()),
    ))
}

#[cfg(unix)]
fn set_mode(file: &File, target: &Path, mode: Option<u32>) -> io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let permissions = match (mode, fs::metadata(target)) {
        (Some(m), _) => fs::Permissions::from_mode(m),
        (None, Ok(meta)) => meta.permissions(),
        (None, Err(_)) => fs::Permissions::from_mode(0o644),
    };
    file.set_permissions(permissions)
}

#[cfg(not(unix))]
fn set_mode(_: &File, _: &Path, _: Option<u32>) -> io::Result<()> {
    Ok(())
}

/// Makes renames inside `dir` durable. Best effort: not every platform can
/// open a directory, and the renamed data itself is already synced.
pub fn sync_dir(dir: &Path) {
    #[cfg(unix)]
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
    #[cfg(not(unix))]
    let _ = dir;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_whole_and_leaves_no_temp_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.toml");
        atomic_write(&path, b"one").unwrap();
        atomic_write(&path, b"two").unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"two");
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn a_failed_write_keeps_the_old_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a");
        atomic_write(&path, b"old").unwrap();
        // A folder in the way of the rename.
        let blocked = dir.path().join("b");
        fs::create_dir_all(blocked.join("x")).unwrap();
        assert!(atomic_write(&blocked, b"new").is_err());
        assert_eq!(fs::read(&path).unwrap(), b"old");
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 2);
    }

    #[cfg(unix)]
    #[test]
    fn modes_are_kept_or_given() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
        let path = dir.path().join("new/key");
        let private = WriteOptions {
            mode: Some(0o600),
            create_dirs: true,
            ..WriteOptions::default()
        };
        atomic_write_with(&path, b"k", private).unwrap();
        assert_eq!(mode(&path), 0o600);
        atomic_write(&path, b"k2").unwrap();
        assert_eq!(mode(&path), 0o600, "an existing file keeps its mode");
        let fresh = dir.path().join("fresh");
        atomic_write(&fresh, b"x").unwrap();
        assert_eq!(mode(&fresh), 0o644);
    }
}
