//! Entry packs: the entries of one run in one file.
//!
//! An entry per file cost a cold lock an inode allocation per plugin, the
//! largest system cost of the run (216 files created took 59 ms of CPU on
//! a file system that had seen many deletions), and a warm one an `open`
//! per plugin. A pack holds the sealed entries of one run back to back,
//! then a table of their keys, sorted, so a lookup is a binary search and
//! one positioned read:
//!
//! ```text
//! entry…                    sealed: key ‖ payload ‖ sha256(key ‖ payload)
//! table                     count × (key 32 ‖ offset u64 ‖ length u32)
//! footer                    table offset u64 ‖ count u32 ‖ sha256(table) ‖ MAGIC
//! ```
//!
//! A pack is written under a temporary name and renamed into place whole,
//! and never changed after; one whose footer or table does not check is
//! ignored whole, one entry that does not check is a miss (the caller's
//! seal check). When a folder holds more than [`MAX_PACKS`], the run that
//! wrote the last one merges them into one ([`compact`]).

use std::fs::File;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use plugres_fs::LockKind;
use plugres_schema::Sha256;

/// The last bytes of every pack.
const MAGIC: &[u8; 8] = b"plgpack1";
/// A table row: key, offset, length.
const ROW: usize = 32 + 8 + 4;
/// Table offset, count, table digest, magic.
const FOOTER: usize = 8 + 4 + 32 + MAGIC.len();
/// Packs a folder may hold before they are merged: a lookup tries each.
pub(super) const MAX_PACKS: usize = 8;
/// How packs are named: `<20-digit nanoseconds>-<pid>-<n>.pack`, so that
/// names sort by age.
const SUFFIX: &str = ".pack";
/// Temporary files older than this are left by a run that died.
const STALE: std::time::Duration = std::time::Duration::from_secs(3600);

/// Where one entry sits in its pack.
#[derive(Debug, Clone, Copy)]
struct Row {
    key: [u8; 32],
    offset: u64,
    len: u32,
}

/// A pack opened for lookups.
#[derive(Debug)]
pub(super) struct Pack {
    file: File,
    rows: Vec<Row>,
}

impl Pack {
    /// The pack at `path`, when its footer and table check.
    pub(super) fn open(path: &Path) -> Option<Pack> {
        let file = File::open(path).ok()?;
        let len = file.metadata().ok()?.len();
        let mut footer = [0u8; FOOTER];
        read_at(&file, &mut footer, len.checked_sub(FOOTER as u64)?).ok()?;
        if &footer[FOOTER - MAGIC.len()..] != MAGIC {
            return None;
        }
        let table_at = u64::from_le_bytes(footer[..8].try_into().ok()?);
        let count = u32::from_le_bytes(footer[8..12].try_into().ok()?) as u64;
        if table_at.checked_add(count.checked_mul(ROW as u64)?)? != len - FOOTER as u64 {
            return None;
        }
        let mut table = vec![0u8; usize::try_from(count).ok()? * ROW];
        read_at(&file, &mut table, table_at).ok()?;
        if Sha256::of(&table).as_bytes()[..] != footer[12..44] {
            return None;
        }
        let rows: Vec<Row> = table
            .chunks_exact(ROW)
            .map(|r| Row {
                key: r[..32].try_into().expect("32 bytes"),
                offset: u64::from_le_bytes(r[32..40].try_into().expect("8 bytes")),
                len: u32::from_le_bytes(r[40..44].try_into().expect("4 bytes")),
            })
            .collect();
        let inside = |r: &Row| {
            r.offset
                .checked_add(u64::from(r.len))
                .is_some_and(|end| end <= table_at)
        };
        let sorted = rows.windows(2).all(|w| w[0].key < w[1].key);
        (sorted && rows.iter().all(inside)).then_some(Pack { file, rows })
    }

    /// Reads the entry stored under `key` into `buffer` (replacing what it
    /// held); false when the pack has none or it cannot be read.
    pub(super) fn read(&self, key: &Sha256, buffer: &mut Vec<u8>) -> bool {
        let Ok(at) = self
            .rows
            .binary_search_by(|r| r.key[..].cmp(&key.as_bytes()[..]))
        else {
            return false;
        };
        let row = self.rows[at];
        buffer.clear();
        buffer.resize(row.len as usize, 0);
        read_at(&self.file, buffer, row.offset).is_ok()
    }

    fn keys(&self) -> impl Iterator<Item = Sha256> + '_ {
        self.rows.iter().map(|r| Sha256::from_bytes(r.key))
    }
}

/// A pack being written: entries go to a temporary file as they come.
pub(super) struct PackWriter {
    dir: PathBuf,
    temp: PathBuf,
    file: File,
    rows: Vec<Row>,
    at: u64,
}

impl PackWriter {
    /// A new pack in `dir` (created if missing).
    pub(super) fn create(dir: &Path) -> io::Result<PackWriter> {
        std::fs::create_dir_all(dir)?;
        let temp = dir.join(format!(".plugres-pack-{}", unique()));
        let file = File::options().write(true).create_new(true).open(&temp)?;
        Ok(PackWriter {
            dir: dir.to_path_buf(),
            temp,
            file,
            rows: Vec::new(),
            at: 0,
        })
    }

    /// Appends the sealed entry `bytes` stored under `key`.
    pub(super) fn add(&mut self, key: Sha256, bytes: &[u8]) -> io::Result<()> {
        let len = u32::try_from(bytes.len()).map_err(io::Error::other)?;
        self.file.write_all(bytes)?;
        self.rows.push(Row {
            key: *key.as_bytes(),
            offset: self.at,
            len,
        });
        self.at += u64::from(len);
        Ok(())
    }

    /// Writes the table and puts the pack in place. Not synced: a pack torn
    /// by a crash fails its footer and is ignored.
    pub(super) fn finish(mut self) -> io::Result<PathBuf> {
        // One row per key: the first kept wins (they say the same).
        self.rows.sort_by_key(|r| r.key);
        self.rows.dedup_by_key(|r| r.key);
        let mut table = Vec::with_capacity(self.rows.len() * ROW + FOOTER);
        for r in &self.rows {
            table.extend_from_slice(&r.key);
            table.extend_from_slice(&r.offset.to_le_bytes());
            table.extend_from_slice(&r.len.to_le_bytes());
        }
        let digest = Sha256::of(&table);
        table.extend_from_slice(&self.at.to_le_bytes());
        table.extend_from_slice(&(self.rows.len() as u32).to_le_bytes());
        table.extend_from_slice(digest.as_bytes());
        table.extend_from_slice(MAGIC);
        self.file.write_all(&table)?;
        let path = self.dir.join(format!("{}{SUFFIX}", unique()));
        std::fs::rename(&self.temp, &path)?;
        self.temp = PathBuf::new();
        Ok(path)
    }
}

impl Drop for PackWriter {
    /// A pack not finished is not kept.
    fn drop(&mut self) {
        if !self.temp.as_os_str().is_empty() {
            let _ = std::fs::remove_file(&self.temp);
        }
    }
}

/// The packs of `dir`, newest first (unreadable ones left out).
pub(super) fn open_all(dir: &Path) -> Vec<Pack> {
    pack_paths(dir)
        .iter()
        .rev()
        .filter_map(|p| Pack::open(p))
        .collect()
}

/// Paths of the packs in `dir`, oldest first.
fn pack_paths(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut paths: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| is_pack_name(p))
        .collect();
    paths.sort();
    paths
}

fn is_pack_name(path: &Path) -> bool {
    path.file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| n.ends_with(SUFFIX) && !n.starts_with('.'))
}

/// Merges the packs of `dir` into one when there are more than
/// [`MAX_PACKS`], and removes what runs that died left behind. Skipped
/// while another process does it (`.lock`). A process that listed a pack
/// merged away meanwhile finds its entries in the merged one or, at worst,
/// misses them and verifies again.
pub(super) fn compact(dir: &Path) {
    let paths = pack_paths(dir);
    if paths.len() <= MAX_PACKS {
        return;
    }
    let Ok(Some(_lock)) =
        plugres_fs::FileLock::try_acquire(&dir.join(".lock"), LockKind::Exclusive)
    else {
        return;
    };
    let paths = pack_paths(dir);
    if merge(dir, &paths).is_ok() {
        for p in &paths {
            let _ = std::fs::remove_file(p);
        }
    }
    remove_leftovers(dir);
}

/// One pack of every entry of `paths` whose seal checks, the newest copy
/// of each key.
fn merge(dir: &Path, paths: &[PathBuf]) -> io::Result<PathBuf> {
    let mut out = PackWriter::create(dir)?;
    let mut buffer = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for pack in paths.iter().rev().filter_map(|p| Pack::open(p)) {
        for key in pack.keys().collect::<Vec<_>>() {
            if seen.contains(&key) || !pack.read(&key, &mut buffer) {
                continue;
            }
            if super::is_sealed(key, &buffer) {
                out.add(key, &buffer)?;
                seen.insert(key);
            }
        }
    }
    out.finish()
}

/// Entries of the earlier layout (a file per entry, named by its key) and
/// temporary files of runs that died.
fn remove_leftovers(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.filter_map(Result::ok) {
        let name = e.file_name();
        let Some(name) = name.to_str() else { continue };
        let legacy = name.len() == 64 && name.bytes().all(|b| b.is_ascii_hexdigit());
        let temp = name.starts_with(".plugres-pack-") || name.starts_with(".plugres-entry-");
        let old = || {
            e.metadata()
                .and_then(|m| m.modified())
                .ok()
                .and_then(|t| t.elapsed().ok())
                .is_some_and(|age| age > STALE)
        };
        if legacy || (temp && old()) {
            let _ = std::fs::remove_file(e.path());
        }
    }
}

/// A name no other pack, temporary or not, of any process has.
fn unique() -> String {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    format!("{nanos:020}-{}-{n}", std::process::id())
}

#[cfg(unix)]
fn read_at(file: &File, buffer: &mut [u8], offset: u64) -> io::Result<()> {
    std::os::unix::fs::FileExt::read_exact_at(file, buffer, offset)
}

#[cfg(windows)]
fn read_at(file: &File, mut buffer: &mut [u8], mut offset: u64) -> io::Result<()> {
    while !buffer.is_empty() {
        match std::os::windows::fs::FileExt::seek_read(file, buffer, offset)? {
            0 => return Err(io::ErrorKind::UnexpectedEof.into()),
            n => {
                buffer = &mut buffer[n..];
                offset += n as u64;
            }
        }
    }
    Ok(())
}
