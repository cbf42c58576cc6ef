//! plugres-archive: unpacking a verified artifact into a plugin's
//! (staging) folder, within one set of limits.
//!
//! The client installs with it and `plugres-index validate
//! --check-artifacts` runs it on every artifact it checks, so an index that
//! validates holds only artifacts every client can install (README
//! "config.toml", `[limits]`).
//!
//! The checksum proves the archive is the one the publisher signed, not
//! that the publisher is careful; so unpacking trusts nothing in it. The
//! rule is deliberately simple: an archive may hold only regular files and
//! directories, at relative paths made of plain names, each path once.
//! Symbolic links, hard links, devices, pipes, absolute paths, `..`,
//! backslashes and drive-like names are refused outright, not repaired, and
//! so are two entries of one name (also in a zip, whose reader would keep
//! only the last) and an entry inside one the archive made a file. Because
//! nothing but plain directories is ever created inside the (empty)
//! destination, no path can lead outside it; files are opened with
//! `create_new`, so nothing is ever overwritten either. [`Limits`] bound
//! the unpacked size, the entry count and the path bytes, counted on what
//! is actually written (a header cannot lie its way past).
//!
//! Every file is hashed as it is written, so [`Unpacked`] lists what the
//! verified bytes became, and [`Unpacked::tree`] is the digest plugres.lock
//! records for it (README "plugres.lock").

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::{Component, Path, PathBuf};

use plugres_fs::HashingReader;
use plugres_schema::Sha256;

/// How an artifact is laid out (one home for hosts and the installer).
pub use plugres_host::artifact::ArtifactKind;
/// Upper bounds for one artifact: the client's hard caps by default
/// ([`Limits::HARD`]), lowered by an index's `[limits]`.
pub use plugres_schema::ArchiveLimits as Limits;

/// The longest name of one path component: 255 bytes, what common file
/// systems allow (a longer one would fail with an OS error instead).
const MAX_COMPONENT_BYTES: usize = 255;

/// Why an artifact was not unpacked. Every message names the artifact.
#[derive(Debug, thiserror::Error)]
pub enum ExtractError {
    /// An entry that could write outside the folder, is not a plain file or
    /// directory, or clashes with another entry.
    #[error(
        "`{archive}` contains `{entry}`, which plugres refuses to unpack: {reason}; an archive may hold only plain files and directories at relative paths, each once, so ask the plugin's publisher to rebuild it"
    )]
    Refused {
        archive: String,
        entry: String,
        reason: String,
    },
    /// The artifact itself is larger than [`Limits::max_artifact_size`].
    #[error("`{archive}` is {size} bytes, over the limit of {limit} bytes for one artifact")]
    ArtifactTooLarge {
        archive: String,
        size: u64,
        limit: u64,
    },
    /// What it unpacks to is over [`Limits::max_unpacked_size`].
    #[error(
        "`{archive}` unpacks to more than {limit} bytes, the limit for one plugin; it may be an archive bomb"
    )]
    TooLarge { archive: String, limit: u64 },
    /// More entries than [`Limits::max_files`].
    #[error("`{archive}` holds more than {limit} entries, the limit for one plugin")]
    TooManyEntries { archive: String, limit: u64 },
    /// One path over [`Limits::max_path_bytes`], or a component over 255 bytes.
    #[error(
        "`{archive}` contains an entry whose path is too long ({len} bytes; at most {limit} per path and 255 per name): `{entry}…`; ask the plugin's publisher to rebuild the archive"
    )]
    PathTooLong {
        archive: String,
        entry: String,
        len: usize,
        limit: u64,
    },
    /// All paths together over [`Limits::max_total_path_bytes`].
    #[error(
        "the paths in `{archive}` add up to more than {limit} bytes, the limit for one plugin (every path is listed in the plugin's install marker)"
    )]
    PathsTooLarge { archive: String, limit: u64 },
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

/// What an artifact became: every file written, by '/'-separated path,
/// with the sha256 and size of the bytes written.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Unpacked {
    pub files: BTreeMap<String, (Sha256, u64)>,
}

impl Unpacked {
    /// The tree digest of what was written (see
    /// [`plugres_host::marker::tree_digest`]), as plugres.lock records it.
    pub fn tree(&self) -> Sha256 {
        plugres_host::marker::tree_digest(self.files.iter().map(|(p, (sha, _))| (p.as_str(), sha)))
    }
}

/// Unpacks `blob` (named `file_name` by its publisher) into `dest`, an
/// existing empty directory, and lists what it wrote. On error `dest` may
/// hold part of the files; callers unpack into a staging folder they drop
/// on failure.
pub fn unpack(
    blob: &Path,
    kind: ArtifactKind,
    file_name: &str,
    dest: &Path,
    limits: &Limits,
) -> Result<Unpacked, ExtractError> {
    let mut out = Writer::new(file_name, kind, dest, limits);
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
    let size = file.metadata().map_err(|e| out.corrupt(e))?.len();
    if size > limits.max_artifact_size {
        return Err(ExtractError::ArtifactTooLarge {
            archive: file_name.to_owned(),
            size,
            limit: limits.max_artifact_size,
        });
    }
    match kind {
        ArtifactKind::File => unpack_file(file, &mut out)?,
        ArtifactKind::TarGz => unpack_tar_gz(file, &mut out)?,
        ArtifactKind::Zip => unpack_zip(file, &mut out)?,
    }
    Ok(out.unpacked)
}

/// The checks [`unpack`] makes of a single-file artifact named `file_name`
/// of `size` bytes, without reading or writing it: the name is one plain
/// component, and the size and name are within `limits`. Returns the
/// file's name in the plugin folder. For an installer that places the
/// verified blob itself (a copy-on-write clone or a hard link) instead of
/// copying its bytes through [`unpack`].
pub fn check_single_file(
    file_name: &str,
    size: u64,
    limits: &Limits,
) -> Result<String, ExtractError> {
    if size > limits.max_artifact_size {
        return Err(ExtractError::ArtifactTooLarge {
            archive: file_name.to_owned(),
            size,
            limit: limits.max_artifact_size,
        });
    }
    let mut out = Writer::new(file_name, ArtifactKind::File, Path::new(""), limits);
    let rel = single_file_name(&out)?;
    let slash = slash_path(&rel);
    out.count_entry(&slash)?;
    if size > out.remaining() {
        return Err(out.too_large());
    }
    Ok(slash)
}

/// A single-file artifact's name as a path: one plain component.
fn single_file_name(out: &Writer<'_>) -> Result<PathBuf, ExtractError> {
    match safe_relative_path(out.archive) {
        Ok(Some(rel)) if rel.components().count() == 1 => Ok(rel),
        _ => Err(out.refuse(
            out.archive,
            "a single-file artifact needs a plain file name",
        )),
    }
}

fn unpack_file(file: File, out: &mut Writer<'_>) -> Result<(), ExtractError> {
    let rel = single_file_name(out)?;
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
            out.dir(rel.as_deref(), &raw_name)?;
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

    let mut listing = file.try_clone().map_err(|e| out.corrupt(e))?;
    let mut archive =
        zip::ZipArchive::new(io::BufReader::new(file)).map_err(|e| out.corrupt(e.into()))?;
    if archive.len() as u64 > out.limits.max_files {
        return Err(ExtractError::TooManyEntries {
            archive: out.archive.to_owned(),
            limit: out.limits.max_files,
        });
    }
    // The zip reader keeps one entry per name (the last), so a name given
    // twice would install silently; the central directory still has both.
    let start = archive.central_directory_start();
    if let Some(name) =
        zip_duplicate(&mut listing, start, out.limits.max_files).map_err(|e| out.corrupt(e))?
    {
        return Err(out.refuse(&name, "it appears twice in the archive"));
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
            out.dir(rel.as_deref(), &raw_name)?;
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

/// Walks a zip's central directory from `start` and returns the first
/// name that appears twice (raw bytes, shown lossily). Reads at most
/// `max + 1` records; what follows the records (the end record) stops it.
fn zip_duplicate(r: &mut File, start: u64, max: u64) -> io::Result<Option<String>> {
    const CENTRAL_HEADER: [u8; 4] = *b"PK\x01\x02";
    let mut r = io::BufReader::new(r);
    r.seek(SeekFrom::Start(start))?;
    let mut seen: HashSet<Vec<u8>> = HashSet::new();
    let mut header = [0u8; 46];
    for _ in 0..=max {
        if r.read_exact(&mut header).is_err() || header[..4] != CENTRAL_HEADER {
            break;
        }
        let u16_at = |i: usize| u64::from(u16::from_le_bytes([header[i], header[i + 1]]));
        let mut name = vec![0u8; u16_at(28) as usize];
        r.read_exact(&mut name)?;
        let skip = u16_at(30) + u16_at(32);
        r.seek_relative(skip as i64)?;
        if !seen.insert(name.clone()) {
            return Ok(Some(String::from_utf8_lossy(&name).into_owned()));
        }
    }
    Ok(None)
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
            _ => {
                portable_name(part)?;
                rel.push(part);
            }
        }
    }
    // Belt and braces: what we built must be plain names only.
    if !rel.components().all(|c| matches!(c, Component::Normal(_))) {
        return Err("its path is not a plain relative path");
    }
    Ok((!rel.as_os_str().is_empty()).then_some(rel))
}

/// Refuses a path component that Windows cannot create as a plain file,
/// on every platform, so an artifact that unpacks on one unpacks on all
/// (README "Platforms"): characters Windows forbids in names, a trailing
/// dot or space (Windows drops it, so `a.` would be `a`), and the device
/// names (`CON`, `NUL`, `COM1`, … with any extension), which open a device
/// instead of a file there.
fn portable_name(part: &str) -> Result<(), &'static str> {
    if part
        .chars()
        .any(|c| c.is_control() || "<>\"|?*".contains(c))
    {
        return Err(
            "its name contains a control character or one of `<>\"|?*`, which Windows forbids",
        );
    }
    if part.ends_with('.') || part.ends_with(' ') {
        return Err("a name in its path ends with `.` or a space, which Windows drops");
    }
    let stem = part.split('.').next().unwrap_or(part).trim_end();
    let device = match stem.to_ascii_uppercase().as_str() {
        "CON" | "PRN" | "AUX" | "NUL" | "CONIN$" | "CONOUT$" => true,
        s if s.len() == 4 && (s.starts_with("COM") || s.starts_with("LPT")) => {
            s[3..].chars().all(|c| c.is_ascii_digit())
        }
        // COM¹ and the like: Windows counts superscript digits too.
        s => {
            (s.starts_with("COM") || s.starts_with("LPT"))
                && matches!(&s[3..], "\u{b9}" | "\u{b2}" | "\u{b3}")
        }
    };
    if device {
        return Err("a name in its path is a Windows device name (`CON`, `NUL`, `COM1`, …)");
    }
    Ok(())
}

/// `rel` as a '/'-separated string (its components are plain UTF-8 names).
fn slash_path(rel: &Path) -> String {
    rel.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

/// Creates entries under `dest`, counting bytes, entries and path bytes
/// against the limits, and remembering every path it made so that a
/// clash between entries is named, not left to an OS error.
struct Writer<'a> {
    archive: &'a str,
    kind: ArtifactKind,
    dest: &'a Path,
    limits: &'a Limits,
    bytes: u64,
    entries: u64,
    path_bytes: u64,
    dirs: HashSet<String>,
    /// Every path made so far, by its lowercase form: macOS and Windows
    /// file systems ignore case, so two that differ only in case are one.
    folded: HashMap<String, String>,
    unpacked: Unpacked,
}

impl<'a> Writer<'a> {
    /// A writer of artifact `archive` (of `kind`) into `dest`, nothing made yet.
    fn new(archive: &'a str, kind: ArtifactKind, dest: &'a Path, limits: &'a Limits) -> Self {
        Writer {
            archive,
            kind,
            dest,
            limits,
            bytes: 0,
            entries: 0,
            path_bytes: 0,
            dirs: HashSet::new(),
            folded: HashMap::new(),
            unpacked: Unpacked::default(),
        }
    }
}

impl Writer<'_> {
    fn refuse(&self, entry: &str, reason: impl Into<String>) -> ExtractError {
        ExtractError::Refused {
            archive: self.archive.to_owned(),
            entry: entry.to_owned(),
            reason: reason.into(),
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
            limit: self.limits.max_unpacked_size,
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
        self.limits.max_unpacked_size.saturating_sub(self.bytes)
    }

    /// Counts one entry and its path against the limits.
    fn count_entry(&mut self, path: &str) -> Result<(), ExtractError> {
        self.entries += 1;
        if self.entries > self.limits.max_files {
            return Err(ExtractError::TooManyEntries {
                archive: self.archive.to_owned(),
                limit: self.limits.max_files,
            });
        }
        let len = path.len();
        if len as u64 > self.limits.max_path_bytes
            || path.split('/').any(|c| c.len() > MAX_COMPONENT_BYTES)
        {
            let shown: String = path.chars().take(80).collect();
            return Err(ExtractError::PathTooLong {
                archive: self.archive.to_owned(),
                entry: shown,
                len,
                limit: self.limits.max_path_bytes,
            });
        }
        self.path_bytes += len as u64;
        if self.path_bytes > self.limits.max_total_path_bytes {
            return Err(ExtractError::PathsTooLarge {
                archive: self.archive.to_owned(),
                limit: self.limits.max_total_path_bytes,
            });
        }
        Ok(())
    }

    /// Refuses `path` (from entry `raw`) when a parent of it is a file of
    /// the archive; otherwise records its parents as directories.
    fn claim_parents(&mut self, path: &str, raw: &str) -> Result<(), ExtractError> {
        let mut end = 0;
        while let Some(i) = path[end..].find('/') {
            let parent = &path[..end + i];
            if self.unpacked.files.contains_key(parent) {
                return Err(self.refuse(
                    raw,
                    format!("it would go inside `{parent}`, which the archive has as a file"),
                ));
            }
            self.claim_case(parent, raw)?;
            self.dirs.insert(parent.to_owned());
            end += i + 1;
        }
        Ok(())
    }

    /// Refuses `path` when another path of the archive differs from it only
    /// in case: one name on macOS and Windows, so the archive would unpack
    /// differently there (README "Platforms").
    fn claim_case(&mut self, path: &str, raw: &str) -> Result<(), ExtractError> {
        let folded = path.to_lowercase();
        match self.folded.get(&folded) {
            Some(seen) if seen != path => Err(self.refuse(
                raw,
                format!(
                    "it differs from `{seen}` only in case, which macOS and Windows take for one name"
                ),
            )),
            Some(_) => Ok(()),
            None => {
                self.folded.insert(folded, path.to_owned());
                Ok(())
            }
        }
    }

    fn dir(&mut self, rel: Option<&Path>, raw: &str) -> Result<(), ExtractError> {
        let Some(rel) = rel else {
            return self.count_entry("");
        };
        let path = slash_path(rel);
        self.count_entry(&path)?;
        if self.unpacked.files.contains_key(&path) {
            return Err(self.refuse(
                raw,
                "it is a directory, but the archive also has a file of that name",
            ));
        }
        self.claim_parents(&path, raw)?;
        self.claim_case(&path, raw)?;
        self.dirs.insert(path);
        let full = self.dest.join(rel);
        fs::create_dir_all(&full).map_err(|e| self.write_err(&full, e))
    }

    fn file(
        &mut self,
        rel: &Path,
        raw: &str,
        reader: impl Read,
        executable: bool,
    ) -> Result<(), ExtractError> {
        let slash = slash_path(rel);
        self.count_entry(&slash)?;
        if self.unpacked.files.contains_key(&slash) {
            return Err(self.refuse(raw, "it appears twice in the archive"));
        }
        if self.dirs.contains(&slash) {
            return Err(self.refuse(
                raw,
                "it is a file, but the archive also has a directory of that name",
            ));
        }
        self.claim_parents(&slash, raw)?;
        self.claim_case(&slash, raw)?;
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
        let mut reader = HashingReader::new(reader);
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
        self.unpacked.files.insert(slash, reader.finish());
        Ok(())
    }
}

#[cfg(test)]
mod tests;
