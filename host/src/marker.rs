//! `.plugres-installed.toml`: what plugres put into a plugin folder.
//!
//! Written into each plugin folder (before the folder is swapped in, so it
//! is there exactly when the folder is):
//!
//! ```toml
//! name = "hello-world"
//! version = "1.2.0"
//! target = "any"
//! sha256 = "bba4…"          # the artifact's checksum, as in plugres.lock
//! kind = "file"             # or "tar.gz" / "zip": how the artifact was unpacked
//!
//! [files."hello_world.wasm"] # every file of the folder
//! sha256 = "bba4…"
//! size = 18243
//! modified = "1763683200.123456789"   # mtime when installed (seconds.nanos)
//! ```
//!
//! `plugres install` compares name, version and sha256 with the lock, and
//! each file's size and mtime with the marker (as git's index does), to
//! skip folders that are already right without hashing anything.
//! `plugres verify` and a host ([`crate::installed`]) re-hash the files;
//! for a single-file artifact the file's hash must equal the lock's sha256
//! itself, so the check does not rest on the marker alone.
//!
//! A host only reads markers (through [`crate::installed`]); `plugres`
//! writes them.

use std::collections::BTreeMap;
use std::fs::File;
use std::io;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// The marker's file name inside each plugin folder.
pub const MARKER_FILE: &str = ".plugres-installed.toml";

const HEADER: &str = "# Written by plugres when it installed this folder; do not edit.\n\
# `plugres verify` and the host engine check the files below against plugres.lock.\n";

/// `.plugres-installed.toml`: the artifact a folder was installed from and
/// every file it holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Marker {
    pub name: String,
    pub version: String,
    pub target: String,
    /// The artifact's sha256, as in plugres.lock.
    pub sha256: String,
    /// How the artifact was unpacked ([`crate::artifact::ArtifactKind::as_str`]).
    pub kind: String,
    /// Every file of the folder, by '/'-separated relative path.
    pub files: BTreeMap<String, FileEntry>,
}

/// One installed file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileEntry {
    pub sha256: String,
    pub size: u64,
    /// Modification time when installed, `seconds.nanoseconds`.
    pub modified: String,
}

impl FileEntry {
    /// The entry for the file at `path`, hashing it.
    pub fn of(path: &Path) -> io::Result<FileEntry> {
        let sha256 = hash_file(path)?;
        let (size, modified) = stat(path)?;
        Ok(FileEntry {
            sha256,
            size,
            modified,
        })
    }
}

/// Size and mtime of `path`.
fn stat(path: &Path) -> io::Result<(u64, String)> {
    let meta = std::fs::symlink_metadata(path)?;
    let modified = meta
        .modified()
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map(|d| format!("{}.{:09}", d.as_secs(), d.subsec_nanos()))
        .unwrap_or_default();
    Ok((meta.len(), modified))
}

/// Cheap check that the files of `dir` are still the ones `marker` lists:
/// same names, sizes and mtimes. No hashing.
pub fn unchanged_since_install(dir: &Path, marker: &Marker) -> bool {
    let Ok(files) = list_files(dir) else {
        return false;
    };
    files.len() == marker.files.len()
        && files.iter().all(|(rel, path)| {
            marker.files.get(rel).is_some_and(|entry| {
                stat(path)
                    .is_ok_and(|(size, modified)| size == entry.size && modified == entry.modified)
            })
        })
}

impl Marker {
    /// The marker of the folder `dir`; `None` when absent or unreadable
    /// (the folder is then treated as not installed by plugres).
    pub fn read(dir: &Path) -> Option<Marker> {
        let text = std::fs::read_to_string(dir.join(MARKER_FILE)).ok()?;
        toml::from_str(&text).ok()
    }

    /// Writes the marker into `dir`, refusing to overwrite a file of that
    /// name (an archive may not ship one).
    pub fn write(&self, dir: &Path) -> io::Result<()> {
        let text = format!(
            "{HEADER}{}",
            toml::to_string(self).map_err(io::Error::other)?
        );
        let path = dir.join(MARKER_FILE);
        let mut f = File::options().write(true).create_new(true).open(&path)?;
        io::Write::write_all(&mut f, text.as_bytes())?;
        f.sync_all()
    }
}

/// The sha256 (lower-case hex) of the file at `path`.
pub fn hash_file(path: &Path) -> io::Result<String> {
    Ok(plugres_fs::sha256_of_file(path)?.0.to_hex())
}

/// Every regular file below `dir` except the marker, as '/'-separated
/// relative paths; `Err` names the first entry that is neither a file nor
/// a directory (a symlink, …).
pub fn list_files(dir: &Path) -> Result<Vec<(String, PathBuf)>, String> {
    let mut out = Vec::new();
    for entry in walkdir::WalkDir::new(dir).min_depth(1).sort_by_file_name() {
        let entry = entry.map_err(|e| e.to_string())?;
        let rel = entry
            .path()
            .strip_prefix(dir)
            .map_err(|e| e.to_string())?
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect::<Vec<_>>()
            .join("/");
        let kind = entry.file_type();
        if kind.is_dir() {
            continue;
        }
        if !kind.is_file() {
            return Err(format!("`{rel}` is not a regular file (a link?)"));
        }
        if rel != MARKER_FILE {
            out.push((rel, entry.path().to_path_buf()));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roundtrips_and_refuses_to_overwrite() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("sub")).unwrap();
        std::fs::write(dir.path().join("sub/a.txt"), b"abc").unwrap();
        let files = list_files(dir.path()).unwrap();
        assert_eq!(files.len(), 1);
        assert_eq!(files[0].0, "sub/a.txt");
        let sha = hash_file(&files[0].1).unwrap();
        assert_eq!(
            sha,
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        let entry = FileEntry::of(&files[0].1).unwrap();
        assert_eq!(entry.sha256, sha);
        assert_eq!(entry.size, 3);
        let m = Marker {
            name: "a".into(),
            version: "1.0.0".into(),
            target: "any".into(),
            sha256: sha,
            kind: "file".into(),
            files: [("sub/a.txt".to_string(), entry)].into(),
        };
        m.write(dir.path()).unwrap();
        assert_eq!(Marker::read(dir.path()), Some(m.clone()));
        assert!(m.write(dir.path()).is_err());
        // The marker itself is not listed.
        assert_eq!(list_files(dir.path()).unwrap().len(), 1);
        assert!(unchanged_since_install(dir.path(), &m));
        std::fs::write(dir.path().join("sub/a.txt"), b"abcd").unwrap();
        assert!(!unchanged_since_install(dir.path(), &m));
    }
}
