//! Lock files: one process at a time changes a project, a cache or a
//! checkout. The lock is the OS's advisory lock on a file (std's
//! `File::lock`), released when the [`FileLock`] is dropped or the process
//! dies, so a crash never leaves a stale lock behind.

use std::fs::File;
use std::io;
use std::path::{Path, PathBuf};

/// Whether others may hold the lock at the same time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LockKind {
    /// Readers: many at once, but no writer.
    Shared,
    /// A writer: alone.
    Exclusive,
}

/// A held lock on a lock file.
#[derive(Debug)]
pub struct FileLock {
    _file: File,
    path: PathBuf,
}

impl FileLock {
    /// Takes the lock on the file at `path` (created, with its folder, if
    /// missing). When another process holds it, calls `on_wait` once, then
    /// waits.
    pub fn acquire(path: &Path, kind: LockKind, on_wait: impl FnOnce()) -> io::Result<FileLock> {
        let file = open(path)?;
        if !try_lock(&file, kind) {
            on_wait();
            match kind {
                LockKind::Shared => file.lock_shared()?,
                LockKind::Exclusive => file.lock()?,
            }
        }
        Ok(FileLock {
            _file: file,
            path: path.to_path_buf(),
        })
    }

    /// The lock on the file at `path` (created, with its folder, if
    /// missing) if no other process holds it; `None` then, without waiting
    /// (for work another process may as well do, like merging a cache).
    pub fn try_acquire(path: &Path, kind: LockKind) -> io::Result<Option<FileLock>> {
        let file = open(path)?;
        Ok(try_lock(&file, kind).then(|| FileLock {
            _file: file,
            path: path.to_path_buf(),
        }))
    }

    /// The lock file.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// The lock file at `path`, created with its folder if missing.
fn open(path: &Path) -> io::Result<File> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(path)
}

/// Whether `kind` of lock on `file` was free, and is now held.
fn try_lock(file: &File, kind: LockKind) -> bool {
    match kind {
        LockKind::Shared => file.try_lock_shared().is_ok(),
        LockKind::Exclusive => file.try_lock().is_ok(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shared_locks_share_and_an_exclusive_one_waits() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/lock");
        let a = FileLock::acquire(&path, LockKind::Shared, || panic!("free")).unwrap();
        let _b = FileLock::acquire(&path, LockKind::Shared, || panic!("shared")).unwrap();
        assert_eq!(a.path(), path);
        let file = File::options().write(true).open(&path).unwrap();
        assert!(file.try_lock().is_err(), "readers hold it");
        drop((a, _b));
        let _c = FileLock::acquire(&path, LockKind::Exclusive, || panic!("free")).unwrap();
        let waited = std::sync::atomic::AtomicBool::new(false);
        let p = path.clone();
        std::thread::scope(|s| {
            s.spawn(|| {
                std::thread::sleep(std::time::Duration::from_millis(50));
                drop(_c);
            });
            let _d = FileLock::acquire(&p, LockKind::Exclusive, || {
                waited.store(true, std::sync::atomic::Ordering::SeqCst)
            })
            .unwrap();
        });
        assert!(waited.into_inner());
    }

    #[test]
    fn try_acquire_takes_a_free_lock_and_never_waits_for_a_held_one() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/lock");
        let held = FileLock::try_acquire(&path, LockKind::Exclusive).unwrap();
        assert!(held.is_some(), "free: taken");
        assert!(
            FileLock::try_acquire(&path, LockKind::Shared)
                .unwrap()
                .is_none()
        );
        assert!(
            FileLock::try_acquire(&path, LockKind::Exclusive)
                .unwrap()
                .is_none()
        );
        drop(held);
        let a = FileLock::try_acquire(&path, LockKind::Shared).unwrap();
        assert!(a.is_some());
        assert!(
            FileLock::try_acquire(&path, LockKind::Shared)
                .unwrap()
                .is_some()
        );
        assert!(
            FileLock::try_acquire(&path, LockKind::Exclusive)
                .unwrap()
                .is_none()
        );
    }
}
