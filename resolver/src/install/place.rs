//! Putting plugin folders into the install dir, atomically as far as the
//! file system allows, and the project lock that serialises whole runs.
//!
//! Layout of the install dir (default `plugins/`):
//!
//! ```text
//! <name>/                          one folder per installed plugin
//! .plugres-tmp-<random>/           a folder being filled (a `Staging`)
//! .plugres-old-<name>-<random>/    a replaced folder about to be deleted
//! .plugres-del-<name>-<random>/    a removed plugin's folder being deleted
//! ```
//!
//! Replacing `<name>` is two renames on the same file system: the old
//! folder moves aside, the staged one moves in, then the old one is
//! deleted. Removing `<name>` is one rename to a `.plugres-del-*` name,
//! then the delete. A crash leaves at most a `.plugres-*` folder, and
//! [`recover`] puts things right: it drops staging folders, finishes the
//! deletes a removal started (a half-deleted folder never comes back), and,
//! where `<name>` went missing between the two renames of a replacement,
//! moves the old folder back.
//!
//! All of this assumes one plugres at a time per project: take
//! [`ProjectLock`] first, then call [`recover`].

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use plugres_fs::{FileLock, LockKind};
use plugres_host::marker::MARKER_FILE;

use super::sync_dir;

const TMP_PREFIX: &str = ".plugres-tmp-";
const OLD_PREFIX: &str = ".plugres-old-";
const DEL_PREFIX: &str = ".plugres-del-";

/// A failed install-dir operation.
#[derive(Debug, thiserror::Error)]
pub enum PlaceError {
    /// The name cannot be a folder inside the install dir.
    #[error("`{name}` cannot be a plugin folder name: {reason}")]
    BadName { name: String, reason: &'static str },
    /// Something plugres did not make is where a plugin folder goes.
    #[error("`{}` was not installed by plugres (it has no `{MARKER_FILE}`), so it was left as it is", path.display())]
    NotOurs { path: PathBuf },
    /// A file system operation failed.
    #[error("cannot {action} `{path}`; check that the directory is writable and on a local disk")]
    Io {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: io::Error,
    },
}

fn io_err<'a>(action: &'static str, path: &'a Path) -> impl FnOnce(io::Error) -> PlaceError + 'a {
    move |source| PlaceError::Io {
        action,
        path: path.to_owned(),
        source,
    }
}

/// A plugin folder must be one plain name, and not one of ours.
fn check_name(name: &str) -> Result<(), PlaceError> {
    let reason = if name.is_empty() {
        "it is empty"
    } else if name.starts_with('.') {
        "it starts with `.`"
    } else if name.contains(['/', '\\', '\0', ':']) {
        "it contains a path separator or a reserved character"
    } else {
        return Ok(());
    };
    Err(PlaceError::BadName {
        name: name.to_owned(),
        reason,
    })
}

fn random_suffix() -> String {
    format!("{:016x}", rand::random::<u64>())
}

/// Removes a file, a symlink or a directory tree (never following links).
fn remove_any(path: &Path) -> io::Result<()> {
    let result = match fs::symlink_metadata(path) {
        Ok(meta) if meta.is_dir() => fs::remove_dir_all(path),
        Ok(_) => fs::remove_file(path),
        Err(e) => Err(e),
    };
    match result {
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        other => other,
    }
}

/// Whether `dir` is a plugin folder plugres made: a real folder (not a
/// link) with plugres's marker file in it. Nothing else in the install
/// dir is ever moved, replaced or deleted.
pub fn is_ours(dir: &Path) -> bool {
    let plain_dir = fs::symlink_metadata(dir).is_ok_and(|m| m.is_dir());
    plain_dir && fs::symlink_metadata(dir.join(MARKER_FILE)).is_ok_and(|m| m.is_file())
}

fn exists(path: &Path) -> bool {
    fs::symlink_metadata(path).is_ok()
}

/// A folder inside the install dir being filled with one plugin's files.
/// Deleted on drop unless committed.
#[derive(Debug)]
pub struct Staging {
    install_dir: PathBuf,
    dir: PathBuf,
    committed: bool,
}

/// Creates `<install_dir>/.plugres-tmp-<random>/` (and `install_dir` if needed).
pub fn stage(install_dir: &Path) -> Result<Staging, PlaceError> {
    fs::create_dir_all(install_dir).map_err(io_err("create", install_dir))?;
    let mut attempts = 0;
    loop {
        let dir = install_dir.join(format!("{TMP_PREFIX}{}", random_suffix()));
        match fs::create_dir(&dir) {
            Ok(()) => {
                return Ok(Staging {
                    install_dir: install_dir.to_owned(),
                    dir,
                    committed: false,
                });
            }
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists && attempts < 8 => attempts += 1,
            Err(e) => return Err(io_err("create", &dir)(e)),
        }
    }
}

impl Staging {
    /// The folder to fill.
    pub fn path(&self) -> &Path {
        &self.dir
    }

    /// Makes the staged folder `<install_dir>/<name>`, replacing the
    /// plugin folder that was there (never a folder plugres did not make).
    /// Returns the final path.
    pub fn commit(mut self, name: &str) -> Result<PathBuf, PlaceError> {
        check_name(name)?;
        let target = self.install_dir.join(name);
        if exists(&target) && !is_ours(&target) {
            return Err(PlaceError::NotOurs { path: target });
        }
        let old = if exists(&target) {
            let old = self
                .install_dir
                .join(format!("{OLD_PREFIX}{name}-{}", random_suffix()));
            fs::rename(&target, &old).map_err(io_err("move aside", &target))?;
            Some(old)
        } else {
            None
        };
        if let Err(e) = fs::rename(&self.dir, &target) {
            if let Some(old) = &old {
                let _ = fs::rename(old, &target);
            }
            return Err(io_err("move into place", &target)(e));
        }
        self.committed = true;
        sync_dir(&self.install_dir);
        if let Some(old) = old {
            // A failure here leaves a `.plugres-old-*` folder that `recover` removes.
            let _ = remove_any(&old);
        }
        Ok(target)
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        if !self.committed {
            let _ = remove_any(&self.dir);
        }
    }
}

/// Cleans up after an interrupted run: removes staging folders, restores a
/// plugin folder that was moved aside but not replaced, and removes old
/// folders whose replacement is in place. A missing install dir is fine.
pub fn recover(install_dir: &Path) -> Result<(), PlaceError> {
    let entries = match fs::read_dir(install_dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(io_err("list", install_dir)(e)),
    };
    let mut names: Vec<String> = Vec::new();
    for entry in entries {
        let entry = entry.map_err(io_err("list", install_dir))?;
        if let Some(name) = entry.file_name().to_str() {
            names.push(name.to_owned());
        }
    }
    names.sort();
    let mut changed = false;
    for name in names {
        let path = install_dir.join(&name);
        if name.starts_with(TMP_PREFIX) || name.starts_with(DEL_PREFIX) {
            changed = true;
            remove_any(&path).map_err(io_err("remove", &path))?;
        } else if let Some(rest) = name.strip_prefix(OLD_PREFIX) {
            changed = true;
            let plugin = rest.rsplit_once('-').map(|(plugin, _)| plugin);
            match plugin {
                Some(plugin)
                    if check_name(plugin).is_ok() && !exists(&install_dir.join(plugin)) =>
                {
                    let target = install_dir.join(plugin);
                    fs::rename(&path, &target).map_err(io_err("restore", &target))?;
                }
                _ => remove_any(&path).map_err(io_err("remove", &path))?,
            }
        }
    }
    // Only a change needs to be made durable; every run starts here.
    if changed {
        sync_dir(install_dir);
    }
    Ok(())
}

/// Removes the plugin folder `<install_dir>/<name>` (moved aside first,
/// so it vanishes at once; see [`recover`]). Returns whether it existed.
pub fn remove(install_dir: &Path, name: &str) -> Result<bool, PlaceError> {
    check_name(name)?;
    let target = install_dir.join(name);
    if !exists(&target) {
        return Ok(false);
    }
    if !is_ours(&target) {
        return Err(PlaceError::NotOurs { path: target });
    }
    let old = install_dir.join(format!("{DEL_PREFIX}{name}-{}", random_suffix()));
    fs::rename(&target, &old).map_err(io_err("move aside", &target))?;
    sync_dir(install_dir);
    remove_any(&old).map_err(io_err("remove", &old))?;
    Ok(true)
}

/// An exclusive lock on `<project>/.plugres/lock`, held for a whole
/// install/update so concurrent runs take turns. Released on drop (also
/// when the process dies: the OS drops the lock with the file handle).
#[derive(Debug)]
pub struct ProjectLock {
    _lock: FileLock,
    path: PathBuf,
}

impl ProjectLock {
    /// Takes the lock, waiting as long as another process holds it;
    /// `on_wait` is called once with a message before waiting.
    pub fn acquire(project_dir: &Path, on_wait: impl FnOnce(&str)) -> Result<Self, PlaceError> {
        let dir = project_dir.join(".plugres");
        fs::create_dir_all(&dir).map_err(io_err("create", &dir))?;
        let path = dir.join("lock");
        let lock = FileLock::acquire(&path, LockKind::Exclusive, || {
            on_wait(&format!(
                "waiting for another plugres process to finish in `{}` (lock file `{}`)…",
                project_dir.display(),
                path.display()
            ))
        })
        .map_err(io_err("lock", &path))?;
        Ok(Self { _lock: lock, path })
    }

    /// The lock file.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

#[cfg(test)]
mod tests;
