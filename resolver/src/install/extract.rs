//! Unpacking a verified artifact into a plugin's (staging) folder.
//!
//! The checksum proves the archive is the one the publisher signed, not
//! that the publisher is careful; so unpacking trusts nothing in it. The
//! rule is deliberately simple: an archive may hold only regular files and
//! directories, at relative paths made of plain names. Symbolic links, hard
//! links, devices, pipes, absolute paths, `..`, backslashes and drive-like
//! names are refused outright, not repaired. Because nothing but plain
//! directories is ever created inside the (empty) destination, no path can
//! lead outside it; files are opened with `create_new`, so nothing is ever
//! overwritten either. [`Limits`] bound the unpacked size and entry count,
//! counted on the bytes actually written (a header cannot lie its way past).

use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
use std::path::{Component, Path, PathBuf};

/// How an artifact is laid out (one home for hosts and the installer).
pub use plugres_host::artifact::ArtifactKind;

/// Upper bounds for one artifact.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Total bytes written.
    pub max_total_bytes: u64,
    /// Files and directories.
    pub max_entries: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_total_bytes: 1 << 30,
            max_entries: 100_000,
        }
    }
}

/// Why an artifact was not unpacked. Every message names the artifact.
#[derive(Debug, thiserror::Error)]
pub enum ExtractError {
    /// An entry that could write outside the folder, or is not a plain file or directory.
    #[error(
        "`{archive}` contains `{entry}`, which plugres refuses to unpack: {reason}; only plain files and directories at relative paths are allowed, so ask the plugin's publisher to rebuild the archive"
    )]
    Refused {
        archive: String,
        entry: String,
        reason: &'static str,
    },
    /// More bytes than [`Limits::max_total_bytes`].
    #[error(
        "`{archive}` unpacks to more than {limit} bytes, the limit for one plugin; it may be an archive bomb"
    )]
    TooLarge { archive: String, limit: u64 },
    /// More entries than [`Limits::max_entries`].
    #[error("`{archive}` holds more than {limit} entries, the limit for one plugin")]
    TooManyEntries { archive: String, limit: u64 },
    /// The archive cannot be read.
    #[error(
        "`{archive}` is not a readable {kind} archive; the published file may be damaged or misnamed"
    )]
    Corrupt {
        archive: String,
        kind: &'static str,
        #[source]
        source: io::Error,
    },
    /// The destination must be an existing, empty directory.
    #[error("cannot unpack `{archive}` into `{dest}`: it must be an existing empty directory")]
    Dest { archive: String, dest: PathBuf },
    /// Writing a file or directory failed.
    #[error("cannot write `{path}` while unpacking `{archive}`; check free space and permissions")]
    Write {
        archive: String,
        path: PathBuf,
        #[source]
        source: io::Error,
    },
}

/// Unpacks `blob` (named `file_name` by its publisher) into `dest`, an
/// existing empty directory. On error `dest` may hold part of the files;
/// callers unpack into a staging folder they drop on failure.
pub fn unpack(
    blob: &Path,
    kind: ArtifactKind,
    file_name: &str,
    dest: &Path,
    limits: &Limits,
) -> Result<(), ExtractError> {
    let mut out = Writer {
        archive: file_name,
        kind,
        dest,
        limits,
        bytes: 0,
        entries: 0,
    };
    let empty = fs::read_dir(dest)
        .map(|mut d| d.next().is_none())
        .unwrap_or(false);
    if !empty {
        return Err(ExtractError::Dest {
            archive: file_name.to_owned(),
            dest: dest.to_owned(),
        });
    }
    let file = File::open(blob).map_err(|e| out.corrupt(e))?;
    match kind {
        ArtifactKind::File => unpack_file(file, &mut out),
        ArtifactKind::TarGz => unpack_tar_gz(file, &mut out),
        ArtifactKind::Zip => unpack_zip(file, &mut out),
    }
}

fn unpack_file(file: File, out: &mut Writer<'_>) -> Result<(), ExtractError> {
    let rel = match safe_relative_path(out.archive) {
        Ok(Some(rel)) if rel.components().count() == 1 => rel,
        _ => {
            return Err(out.refuse(
                out.archive,
                "a single-file artifact needs a plain file name",
            ));
        }
    };
    out.file(&rel, out.archive, file, false)
}

fn unpack_tar_gz(file: File, out: &mut Writer<'_>) -> Result<(), ExtractError> {
    use tar::EntryType;

    let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(io::BufReader::new(file)));
    for entry in archive.entries().map_err(|e| out.corrupt(e))? {
        let entry = entry.map_err(|e| out.corrupt(e))?;
        let raw_name = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
        let kind = entry.header().entry_type();
        let refused = match kind {
            EntryType::Regular | EntryType::Continuous | EntryType::Directory => None,
            // Metadata for the whole archive; it names no file.
            EntryType::XGlobalHeader => continue,
            EntryType::Symlink => Some("it is a symbolic link"),
            EntryType::Link => Some("it is a hard link"),
            EntryType::Char | EntryType::Block => Some("it is a device file"),
            EntryType::Fifo => Some("it is a named pipe"),
            EntryType::GNUSparse => Some("it is a sparse file"),
            _ => Some("it is not a plain file or directory"),
        };
        if let Some(reason) = refused {
            return Err(out.refuse(&raw_name, reason));
        }
        if std::str::from_utf8(&entry.path_bytes()).is_err() {
            return Err(out.refuse(&raw_name, "its name is not valid UTF-8"));
        }
        let rel = safe_relative_path(&raw_name).map_err(|reason| out.refuse(&raw_name, reason))?;
        if kind == EntryType::Directory {
            out.dir(rel.as_deref())?;
        } else {
            let rel =
                rel.ok_or_else(|| out.refuse(&raw_name, "a file cannot be the archive root"))?;
            let executable = entry.header().mode().is_ok_and(|m| m & 0o111 != 0);
            out.file(&rel, &raw_name, entry, executable)?;
        }
    }
    Ok(())
}

fn unpack_zip(file: File, out: &mut Writer<'_>) -> Result<(), ExtractError> {
    const TYPE_MASK: u32 = 0o170_000;
    const REGULAR: u32 = 0o100_000;
    const DIRECTORY: u32 = 0o040_000;
    const SYMLINK: u32 = 0o120_000;

    let mut archive =
        zip::ZipArchive::new(io::BufReader::new(file)).map_err(|e| out.corrupt(e.into()))?;
    if archive.len() as u64 > out.limits.max_entries {
        return Err(ExtractError::TooManyEntries {
            archive: out.archive.to_owned(),
            limit: out.limits.max_entries,
        });
    }
    for index in 0..archive.len() {
        let entry = archive.by_index(index).map_err(|e| out.corrupt(e.into()))?;
        let raw_name = entry.name().to_owned();
        let mode = entry.unix_mode().unwrap_or(0);
        match mode & TYPE_MASK {
            0 | REGULAR | DIRECTORY => {}
            SYMLINK => return Err(out.refuse(&raw_name, "it is a symbolic link")),
            _ => return Err(out.refuse(&raw_name, "it is a device, pipe or socket")),
        }
        let rel = safe_relative_path(&raw_name).map_err(|reason| out.refuse(&raw_name, reason))?;
        if entry.is_dir() || mode & TYPE_MASK == DIRECTORY {
            out.dir(rel.as_deref())?;
        } else {
            let rel =
                rel.ok_or_else(|| out.refuse(&raw_name, "a file cannot be the archive root"))?;
            if entry.size() > out.remaining() {
                return Err(out.too_large());
            }
            out.file(&rel, &raw_name, entry, mode & 0o111 != 0)?;
        }
    }
    Ok(())
}

/// Turns an entry name into a relative path of plain components; `None`
/// means the archive root (`./`). The reason says why a name is refused.
fn safe_relative_path(name: &str) -> Result<Option<PathBuf>, &'static str> {
    if name.is_empty() {
        return Err("its name is empty");
    }
    if name.contains('\0') {
        return Err("its name contains a NUL byte");
    }
    if name.contains('\\') {
        return Err("its name contains `\\`, a Windows path separator");
    }
    if name.contains(':') {
        return Err("its name contains `:`, a Windows drive or stream separator");
    }
    if name.starts_with('/') {
        return Err("it is an absolute path");
    }
    let mut rel = PathBuf::new();
    for part in name.split('/') {
        match part {
            "" | "." => {}
            ".." => return Err("its path contains `..`"),
            _ => rel.push(part),
        }
    }
    // Belt and braces: what we built must be plain names only.
    if !rel.components().all(|c| matches!(c, Component::Normal(_))) {
        return Err("its path is not a plain relative path");
    }
    Ok((!rel.as_os_str().is_empty()).then_some(rel))
}

/// Creates entries under `dest`, counting bytes and entries against the limits.
struct Writer<'a> {
    archive: &'a str,
    kind: ArtifactKind,
    dest: &'a Path,
    limits: &'a Limits,
    bytes: u64,
    entries: u64,
}

impl Writer<'_> {
    fn refuse(&self, entry: &str, reason: &'static str) -> ExtractError {
        ExtractError::Refused {
            archive: self.archive.to_owned(),
            entry: entry.to_owned(),
            reason,
        }
    }

    fn corrupt(&self, source: io::Error) -> ExtractError {
        ExtractError::Corrupt {
            archive: self.archive.to_owned(),
            kind: self.kind.as_str(),
            source,
        }
    }

    fn too_large(&self) -> ExtractError {
        ExtractError::TooLarge {
            archive: self.archive.to_owned(),
            limit: self.limits.max_total_bytes,
        }
    }

    fn write_err(&self, path: &Path, source: io::Error) -> ExtractError {
        ExtractError::Write {
            archive: self.archive.to_owned(),
            path: path.to_owned(),
            source,
        }
    }

    fn remaining(&self) -> u64 {
        self.limits.max_total_bytes.saturating_sub(self.bytes)
    }

    fn count_entry(&mut self) -> Result<(), ExtractError> {
        self.entries += 1;
        if self.entries > self.limits.max_entries {
            return Err(ExtractError::TooManyEntries {
                archive: self.archive.to_owned(),
                limit: self.limits.max_entries,
            });
        }
        Ok(())
    }

    fn dir(&mut self, rel: Option<&Path>) -> Result<(), ExtractError> {
        self.count_entry()?;
        if let Some(rel) = rel {
            let path = self.dest.join(rel);
            fs::create_dir_all(&path).map_err(|e| self.write_err(&path, e))?;
        }
        Ok(())
    }

    fn file(
        &mut self,
        rel: &Path,
        raw: &str,
        mut reader: impl Read,
        executable: bool,
    ) -> Result<(), ExtractError> {
        self.count_entry()?;
        let path = self.dest.join(rel);
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent).map_err(|e| self.write_err(parent, e))?;
        }
        let mut options = OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(
            &mut options,
            if executable { 0o755 } else { 0o644 },
        );
        #[cfg(not(unix))]
        let _ = executable;
        let mut file = match options.open(&path) {
            Ok(file) => file,
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
                return Err(self.refuse(raw, "it appears twice in the archive"));
            }
            Err(e) => return Err(self.write_err(&path, e)),
        };
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            let n = match reader.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(self.corrupt(e)),
            };
            if n as u64 > self.remaining() {
                return Err(self.too_large());
            }
            self.bytes += n as u64;
            file.write_all(&buf[..n])
                .map_err(|e| self.write_err(&path, e))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests;
