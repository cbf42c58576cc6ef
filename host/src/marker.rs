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
//! tree = "5d1e…"            # the tree digest of the files below, as in plugres.lock
//! stamp = "90ab…"           # digest of every file's path, size and mtime at install
//!
//! [files."hello_world.wasm"] # every file of the folder
//! sha256 = "bba4…"
//! size = 18243
//! modified = "1763683200.123456789"   # mtime when installed (seconds.nanos)
//! ```
//!
//! `plugres install` reads only the lines above the first table
//! ([`MarkerHeader::read`]): it compares name, version, sha256 and tree with
//! the lock, and the `stamp` with the sizes and mtimes of the files on disk
//! (as git's index does), to skip folders that are already right without
//! hashing anything or parsing the per-file list, however many files a
//! plugin has.
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

use plugres_schema::Sha256;
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
    /// The [`tree_digest`] of the files, computed from the verified
    /// artifact as it was unpacked. Absent in markers of older plugres.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tree: Option<String>,
    /// The [`stamp`] of the files when installed. Absent in markers of
    /// older plugres (such a folder is reinstalled once).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stamp: Option<String>,
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
    /// The entry for the file at `path` whose bytes hash to `sha256` (as
    /// they were written), with its size and mtime now.
    pub fn stat(path: &Path, sha256: &Sha256) -> io::Result<FileEntry> {
        let (size, modified) = stat(path)?;
        Ok(FileEntry {
            sha256: sha256.to_hex(),
            size,
            modified,
        })
    }

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

/// The marker's top-level fields, without the per-file list: what a
/// no-op install reads (a few hundred bytes, whatever the file count).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MarkerHeader {
    pub name: String,
    pub version: String,
    pub target: String,
    pub sha256: String,
    pub kind: String,
    #[serde(default)]
    pub tree: Option<String>,
    #[serde(default)]
    pub stamp: Option<String>,
}

/// The most a header may take; a marker whose top-level fields are longer
/// was not written by plugres.
const MAX_HEADER_BYTES: u64 = 16 * 1024;

impl MarkerHeader {
    /// The header of the marker of folder `dir`: the lines before the first
    /// `[table]`. `None` when absent or unreadable.
    pub fn read(dir: &Path) -> Option<MarkerHeader> {
        use io::BufRead;
        let file = File::open(dir.join(MARKER_FILE)).ok()?;
        let mut text = String::new();
        for line in io::BufReader::new(io::Read::take(file, MAX_HEADER_BYTES)).lines() {
            let line = line.ok()?;
            if line.starts_with('[') {
                break;
            }
            text.push_str(&line);
            text.push('\n');
        }
        toml::from_str(&text).ok()
    }
}

/// The digest of a set of files that plugres.lock records as an
/// artifact's `tree`: sha256 over, for each file in byte order of its
/// '/'-separated path, its sha256 in hex, a space, the path and a NUL byte
/// (a path holds no NUL, so the listing reads one way only).
pub fn tree_digest<'a>(files: impl IntoIterator<Item = (&'a str, &'a Sha256)>) -> Sha256 {
    let mut files: Vec<(&str, &Sha256)> = files.into_iter().collect();
    files.sort_unstable_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
    let mut listing = Vec::new();
    for (path, sha) in files {
        listing.extend_from_slice(sha.to_hex().as_bytes());
        listing.push(b' ');
        listing.extend_from_slice(path.as_bytes());
        listing.push(0);
    }
    Sha256::of(&listing)
}

/// A digest of every file's path, size and mtime, from the marker's list
/// (`files`) or from disk ([`stamp_of_dir`]): equal when nothing was
/// added, removed, resized or touched.
pub fn stamp<'a>(files: impl IntoIterator<Item = (&'a str, u64, &'a str)>) -> String {
    let mut listing = Vec::new();
    for (path, size, modified) in files {
        listing.extend_from_slice(format!("{size} {modified} {path}\0").as_bytes());
    }
    Sha256::of(&listing).to_hex()
}

/// The [`stamp`] of the files of `dir` as they are now.
pub fn stamp_of_dir(dir: &Path) -> Option<String> {
    let mut files = list_files(dir).ok()?;
    files.sort_unstable_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
    let mut stats = Vec::with_capacity(files.len());
    for (rel, path) in &files {
        let (size, modified) = stat(path).ok()?;
        stats.push((rel.as_str(), size, modified));
    }
    Some(stamp(stats.iter().map(|(r, s, m)| (*r, *s, m.as_str()))))
}

/// Cheap check that the files of `dir` are still the ones its marker
/// listed: the same names, sizes and mtimes (the header's `stamp`). No
/// hashing, and the per-file list is not read.
pub fn unchanged_since_install(dir: &Path, header: &MarkerHeader) -> bool {
    header
        .stamp
        .as_ref()
        .is_some_and(|s| stamp_of_dir(dir).as_ref() == Some(s))
}

impl Marker {
    /// The marker of the folder `dir`; `None` when absent or unreadable
    /// (the folder is then treated as not installed by plugres).
    pub fn read(dir: &Path) -> Option<Marker> {
        let text = std::fs::read_to_string(dir.join(MARKER_FILE)).ok()?;
        toml::from_str(&text).ok()
    }

    /// The stamp of this marker's file list (byte order of paths, as
    /// [`stamp_of_dir`] lists them).
    pub fn files_stamp(&self) -> String {
        let mut files: Vec<(&str, u64, &str)> = self
            .files
            .iter()
            .map(|(p, f)| (p.as_str(), f.size, f.modified.as_str()))
            .collect();
        files.sort_unstable_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
        stamp(files)
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
    fn the_tree_digest_follows_paths_and_contents_not_their_order() {
        let (a, b) = (Sha256::of(b"a"), Sha256::of(b"b"));
        let tree = tree_digest([("x/a", &a), ("x-b", &b)]);
        assert_eq!(tree, tree_digest([("x-b", &b), ("x/a", &a)]));
        assert_ne!(tree, tree_digest([("x/a", &b), ("x-b", &a)]));
        assert_ne!(tree, tree_digest([("x/a", &a)]));
        // sha256("<hex of sha256(a)> x-b\0<hex of sha256(b)> ...") is fixed by the README.
        let listing = format!("{} x-b\0{} x/a\0", b.to_hex(), a.to_hex());
        assert_eq!(tree, Sha256::of(listing.as_bytes()));
    }

    #[test]
    fn an_old_marker_has_a_header_without_tree_or_stamp() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join(MARKER_FILE),
            "name = \"a\"\nversion = \"1.0.0\"\ntarget = \"any\"\nsha256 = \"ab\"\nkind = \"file\"\n\n[files.\"a.wasm\"]\nsha256 = \"ab\"\nsize = 1\nmodified = \"1.0\"\n",
        )
        .unwrap();
        let header = MarkerHeader::read(dir.path()).unwrap();
        assert_eq!((header.tree, header.stamp), (None, None));
        assert!(Marker::read(dir.path()).is_some());
    }

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
            tree: None,
            stamp: None,
            files: [("sub/a.txt".to_string(), entry)].into(),
        };
        let m = Marker {
            stamp: Some(m.files_stamp()),
            tree: Some("ab".repeat(32)),
            ..m
        };
        m.write(dir.path()).unwrap();
        assert_eq!(Marker::read(dir.path()), Some(m.clone()));
        assert!(m.write(dir.path()).is_err());
        // The marker itself is not listed.
        assert_eq!(list_files(dir.path()).unwrap().len(), 1);
        let header = MarkerHeader::read(dir.path()).unwrap();
        assert_eq!(header.tree, m.tree);
        assert!(unchanged_since_install(dir.path(), &header));
        std::fs::write(dir.path().join("sub/a.txt"), b"abcd").unwrap();
        assert!(!unchanged_since_install(dir.path(), &header));
    }
}
