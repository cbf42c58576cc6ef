//! `install::unpack` on hostile archives: nothing may appear outside the
//! destination, nothing inside it may be a link, and the limits hold on
//! what was actually written. Never panics.
//!
//! The first input byte picks the shape of the rest:
//!
//! * 0–3: raw bytes as a `.tar.gz`, a `.tar` (gzipped here), a `.zip`, or
//!   a single file under a name from a list of good and bad names;
//! * 4–6: a structured archive built with `arbitrary` — tar headers written
//!   by hand (any name, `..`, absolute, links, devices, lying sizes, GNU
//!   long names, PAX paths), zips written with the zip crate (directories,
//!   symlinks, deflate, zip64, patched external attributes), or a single
//!   file under an arbitrary name — so the fuzzer reaches the path checks
//!   instead of stalling on checksums.

#![no_main]

use std::fs;
use std::io::{Cursor, Write};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use arbitrary::{Arbitrary, Unstructured};
use libfuzzer_sys::fuzz_target;
use plugres::install::{ArtifactKind, ExtractError, Limits, unpack};

const LIMITS: Limits = Limits {
    max_unpacked_size: 256 * 1024,
    max_files: 64,
    ..Limits::HARD
};

/// Names worth trying, good and hostile.
const NAMES: [&str; 22] = [
    "a",
    "a/",
    "a/b",
    "b.wasm",
    "./a",
    "a/./b",
    "a//b",
    ".",
    "./",
    "",
    "..",
    "../x",
    "/abs",
    "a/../../b",
    "a/..",
    "a\\..\\b",
    "C:x",
    "dest",
    "../dest/x",
    "a/b/c/d/e/f",
    "\0x",
    "x\u{7f}\u{202e}y",
];

/// Pieces that `Name::Join` glues with `/`.
const PARTS: [&str; 10] = ["a", "b", "..", ".", "", "x.wasm", "/", "\\", ":", "dest"];

#[derive(Arbitrary, Debug)]
enum Name {
    Pick(u8),
    Join(Vec<u8>),
    Raw(String),
    /// A long name (past tar's 100 bytes): `n` times `d/`, then a pick.
    Long(u8, u8),
}

impl Name {
    fn text(&self) -> String {
        let pick = |i: &u8| NAMES[usize::from(*i) % NAMES.len()].to_owned();
        match self {
            Name::Pick(i) => pick(i),
            Name::Join(parts) => parts
                .iter()
                .take(16)
                .map(|i| PARTS[usize::from(*i) % PARTS.len()])
                .collect::<Vec<_>>()
                .join("/"),
            Name::Raw(s) => s.clone(),
            Name::Long(n, i) => format!("{}{}", "d/".repeat(usize::from(*n)), pick(i)),
        }
    }
}

/// Content: `bytes` repeated `repeat + 1` times, capped at 512 KiB (twice
/// the byte limit, so the limit is exercised).
#[derive(Arbitrary, Debug)]
struct Data {
    bytes: Vec<u8>,
    repeat: u16,
}

impl Data {
    fn build(&self) -> Vec<u8> {
        let n = (usize::from(self.repeat) + 1).min(512 * 1024 / self.bytes.len().max(1));
        self.bytes.repeat(n)
    }
}

#[derive(Arbitrary, Debug)]
enum TarKind {
    Regular,
    Continuous,
    Directory,
    Symlink,
    Link,
    Char,
    Block,
    Fifo,
    GnuSparse,
    XGlobalHeader,
    Other(u8),
}

impl TarKind {
    fn byte(&self) -> u8 {
        match self {
            TarKind::Regular => b'0',
            TarKind::Continuous => b'7',
            TarKind::Directory => b'5',
            TarKind::Symlink => b'2',
            TarKind::Link => b'1',
            TarKind::Char => b'3',
            TarKind::Block => b'4',
            TarKind::Fifo => b'6',
            TarKind::GnuSparse => b'S',
            TarKind::XGlobalHeader => b'g',
            TarKind::Other(b) => *b,
        }
    }
}

#[derive(Arbitrary, Debug)]
enum LongName {
    /// Truncated to the 100-byte header field.
    Plain,
    /// A GNU `././@LongLink` entry before the header.
    Gnu,
    /// A PAX `x` entry with `path=` and `linkpath=` before the header.
    Pax,
}

#[derive(Arbitrary, Debug)]
struct TarEntry {
    name: Name,
    kind: TarKind,
    link: Name,
    mode: u32,
    data: Data,
    /// A size for the header other than the data's length.
    size_lie: Option<u64>,
    long: LongName,
    ustar: bool,
}

#[derive(Arbitrary, Debug)]
struct TarArchive {
    entries: Vec<TarEntry>,
    /// Omit the two zero blocks that end a tar.
    truncated: bool,
}

fn push_block(out: &mut Vec<u8>, header: &mut tar::Header, data: &[u8]) {
    header.set_cksum();
    out.extend_from_slice(header.as_bytes());
    out.extend_from_slice(data);
    out.resize(out.len().next_multiple_of(512), 0);
}

/// One PAX record: `<len> <key>=<value>\n`, where `len` counts itself.
fn pax_record(key: &str, value: &[u8]) -> Vec<u8> {
    let body = key.len() + value.len() + 3;
    let mut len = body + body.to_string().len();
    if len.to_string().len() != body.to_string().len() {
        len += 1;
    }
    let mut rec = format!("{len} {key}=").into_bytes();
    rec.extend_from_slice(value);
    rec.push(b'\n');
    rec
}

fn copy_field(field: &mut [u8], value: &[u8]) {
    let n = value.len().min(field.len());
    field[..n].copy_from_slice(&value[..n]);
}

impl TarArchive {
    fn build(&self) -> Vec<u8> {
        let mut out = Vec::new();
        for e in self.entries.iter().take(32) {
            let name = e.name.text();
            let link = e.link.text();
            let data = e.data.build();
            match e.long {
                LongName::Plain => {}
                LongName::Gnu => {
                    let mut h = tar::Header::new_gnu();
                    copy_field(&mut h.as_old_mut().name, b"././@LongLink");
                    h.set_entry_type(tar::EntryType::GNULongName);
                    let mut body = name.as_bytes().to_vec();
                    body.push(0);
                    h.set_size(body.len() as u64);
                    h.set_mode(0o644);
                    push_block(&mut out, &mut h, &body);
                }
                LongName::Pax => {
                    let mut body = pax_record("path", name.as_bytes());
                    body.extend(pax_record("linkpath", link.as_bytes()));
                    let mut h = tar::Header::new_ustar();
                    copy_field(&mut h.as_old_mut().name, b"PaxHeader");
                    h.set_entry_type(tar::EntryType::XHeader);
                    h.set_size(body.len() as u64);
                    h.set_mode(0o644);
                    push_block(&mut out, &mut h, &body);
                }
            }
            let mut h = if e.ustar {
                tar::Header::new_ustar()
            } else {
                tar::Header::new_gnu()
            };
            copy_field(&mut h.as_old_mut().name, name.as_bytes());
            copy_field(&mut h.as_old_mut().linkname, link.as_bytes());
            h.set_mode(e.mode);
            h.set_size(e.size_lie.unwrap_or(data.len() as u64));
            h.set_entry_type(tar::EntryType::new(e.kind.byte()));
            push_block(&mut out, &mut h, &data);
        }
        if !self.truncated {
            out.resize(out.len() + 1024, 0);
        }
        out
    }
}

#[derive(Arbitrary, Debug)]
enum ZipKind {
    File,
    Directory,
    Symlink,
}

#[derive(Arbitrary, Debug)]
struct ZipEntry {
    name: Name,
    kind: ZipKind,
    link: Name,
    mode: u16,
    data: Data,
    deflate: bool,
    large: bool,
    /// Written over the central directory's external attributes (the high
    /// 16 bits are the unix mode, so this makes devices, fifos, links).
    attributes: Option<u32>,
}

#[derive(Arbitrary, Debug)]
struct ZipArchive {
    entries: Vec<ZipEntry>,
}

impl ZipArchive {
    fn build(&self) -> Option<Vec<u8>> {
        use zip::write::SimpleFileOptions;
        let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let mut attributes = Vec::new();
        for e in self.entries.iter().take(32) {
            let method = if e.deflate {
                zip::CompressionMethod::Deflated
            } else {
                zip::CompressionMethod::Stored
            };
            let options = SimpleFileOptions::default()
                .compression_method(method)
                .unix_permissions(u32::from(e.mode))
                .large_file(e.large);
            let name = e.name.text();
            let added = match e.kind {
                ZipKind::File => w
                    .start_file(name, options)
                    .and_then(|()| w.write_all(&e.data.build()).map_err(Into::into)),
                ZipKind::Directory => w.add_directory(name, options),
                ZipKind::Symlink => w.add_symlink(name, e.link.text(), options),
            };
            if added.is_err() {
                break;
            }
            attributes.push(e.attributes);
        }
        let mut bytes = w.finish().ok()?.into_inner();
        patch_attributes(&mut bytes, &attributes);
        Some(bytes)
    }
}

/// Overwrites the external attributes of the n-th central directory header.
fn patch_attributes(bytes: &mut [u8], attributes: &[Option<u32>]) {
    let starts: Vec<usize> = bytes
        .windows(4)
        .enumerate()
        .filter(|(_, w)| *w == b"PK\x01\x02")
        .map(|(i, _)| i)
        .collect();
    for (start, attr) in starts.into_iter().zip(attributes) {
        if let (Some(a), Some(field)) = (attr, bytes.get_mut(start + 38..start + 42)) {
            field.copy_from_slice(&a.to_le_bytes());
        }
    }
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    enc.write_all(bytes).expect("writing to a Vec");
    enc.finish().expect("writing to a Vec")
}

/// What to unpack: blob bytes, the kind, and the publisher's file name.
fn input(data: &[u8]) -> Option<(Vec<u8>, ArtifactKind, String)> {
    let (sel, rest) = data.split_first()?;
    Some(match sel % 7 {
        0 => (rest.to_vec(), ArtifactKind::TarGz, "a.tar.gz".into()),
        1 => (gzip(rest), ArtifactKind::TarGz, "a.tgz".into()),
        2 => (rest.to_vec(), ArtifactKind::Zip, "a.zip".into()),
        3 => {
            let (pick, body) = rest.split_first()?;
            let name = NAMES[usize::from(*pick) % NAMES.len()];
            (body.to_vec(), ArtifactKind::File, name.into())
        }
        4 => {
            let tar = TarArchive::arbitrary_take_rest(Unstructured::new(rest)).ok()?;
            (gzip(&tar.build()), ArtifactKind::TarGz, "s.tar.gz".into())
        }
        5 => {
            let zip = ZipArchive::arbitrary_take_rest(Unstructured::new(rest)).ok()?;
            (zip.build()?, ArtifactKind::Zip, "s.zip".into())
        }
        _ => {
            let mut u = Unstructured::new(rest);
            let name = Name::arbitrary(&mut u).ok()?.text();
            let body = Data::arbitrary_take_rest(u).ok()?.build();
            (body, ArtifactKind::File, name)
        }
    })
}

/// Where tempdirs go: memory when there is a tmpfs, since every run makes two.
fn scratch() -> PathBuf {
    let shm = Path::new("/dev/shm");
    if shm.is_dir() {
        shm.to_owned()
    } else {
        std::env::temp_dir()
    }
}

/// Every path under `dir`, by `symlink_metadata` (links are not followed).
fn walk(dir: &Path, out: &mut Vec<(PathBuf, fs::Metadata)>) {
    for entry in fs::read_dir(dir).expect("readable dir") {
        let path = entry.expect("readable entry").path();
        let meta = fs::symlink_metadata(&path).expect("stat");
        let is_dir = meta.is_dir();
        out.push((path.clone(), meta));
        if is_dir {
            walk(&path, out);
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((blob_bytes, kind, name)) = input(data) else {
        return;
    };
    let base = scratch();
    let parent = tempfile::Builder::new()
        .prefix("plugres-fuzz-dest-")
        .tempdir_in(&base)
        .expect("tempdir");
    let blobs = tempfile::Builder::new()
        .prefix("plugres-fuzz-blob-")
        .tempdir_in(&base)
        .expect("tempdir");
    let dest = parent.path().join("dest");
    fs::create_dir(&dest).expect("dest");
    let blob = blobs.path().join("blob");
    fs::write(&blob, &blob_bytes).expect("blob");

    let result = unpack(&blob, kind, &name, &dest, &LIMITS);

    // Only `dest` next to it; only the untouched blob in the blob folder.
    let beside: Vec<_> = fs::read_dir(parent.path())
        .expect("parent")
        .map(|e| e.expect("entry").file_name())
        .collect();
    assert_eq!(beside, ["dest"], "something escaped `dest`: {result:?}");
    let blob_dir: Vec<_> = fs::read_dir(blobs.path()).expect("blobs").collect();
    assert_eq!(blob_dir.len(), 1, "something was written beside the blob");
    assert_eq!(
        fs::read(&blob).expect("blob"),
        blob_bytes,
        "the blob changed"
    );

    // Inside: plain files and directories only, no hard links, and the
    // limits hold on what is on disk.
    let mut found = Vec::new();
    walk(&dest, &mut found);
    let (mut files, mut bytes) = (0u64, 0u64);
    for (path, meta) in &found {
        let t = meta.file_type();
        assert!(t.is_file() || t.is_dir(), "{path:?} is {t:?}: {result:?}");
        if t.is_file() {
            assert_eq!(meta.nlink(), 1, "{path:?} is a hard link");
            assert_eq!(meta.mode() & 0o7000, 0, "{path:?} has setuid/setgid/sticky");
            files += 1;
            bytes += meta.len();
        }
    }
    assert!(files <= LIMITS.max_files, "{files} files: {result:?}");
    assert!(bytes <= LIMITS.max_unpacked_size, "{bytes} bytes: {result:?}");

    match (&result, kind) {
        (Ok(_), ArtifactKind::File) => {
            assert_eq!(found.len(), 1, "a single file becomes one file");
            assert_eq!(fs::read(&found[0].0).expect("file"), blob_bytes);
        }
        (Err(ExtractError::Dest { .. }), _) => panic!("the fresh empty dest was refused"),
        _ => {}
    }
});
