//! Real archives, good and malicious, built with the tar and zip crates.

use std::fs;
use std::io::{Cursor, Write};
use std::path::{Path, PathBuf};

use flate2::Compression;
use flate2::write::GzEncoder;
use tar::{EntryType, Header};
use zip::write::SimpleFileOptions;

use super::*;

/// A sandbox: `root/dest` is where archives unpack; nothing else may appear under `root`.
struct Sandbox {
    _tmp: tempfile::TempDir,
    root: PathBuf,
    blobs: tempfile::TempDir,
}

impl Sandbox {
    fn new() -> Self {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().join("sentinel");
        fs::create_dir_all(root.join("dest")).unwrap();
        Self {
            _tmp: tmp,
            root,
            blobs: tempfile::tempdir().unwrap(),
        }
    }

    fn dest(&self) -> PathBuf {
        self.root.join("dest")
    }

    fn unpack(&self, name: &str, bytes: &[u8], limits: &Limits) -> Result<Unpacked, ExtractError> {
        let blob = self.blobs.path().join("blob");
        fs::write(&blob, bytes).unwrap();
        unpack(
            &blob,
            ArtifactKind::from_file_name(name),
            name,
            &self.dest(),
            limits,
        )
    }

    /// Everything under the sentinel root, relative, sorted.
    fn listing(&self) -> Vec<String> {
        let mut out = Vec::new();
        list(&self.root, &self.root, &mut out);
        out.sort();
        out
    }

    /// Asserts that nothing was written outside `dest`, and nothing in the
    /// blob folder besides the blob.
    fn assert_contained(&self) {
        for path in self.listing() {
            assert!(
                path == "dest" || path.starts_with("dest/"),
                "escaped: {path}"
            );
        }
        let blobs: Vec<_> = fs::read_dir(self.blobs.path()).unwrap().collect();
        assert_eq!(blobs.len(), 1, "only the blob in the blob folder");
        let parent = self.root.parent().unwrap();
        assert_eq!(
            fs::read_dir(parent).unwrap().count(),
            1,
            "only the sentinel next to it"
        );
    }
}

fn list(base: &Path, dir: &Path, out: &mut Vec<String>) {
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        // '/'-separated on every platform (Windows lists `dest\a`).
        let rel = path.strip_prefix(base).unwrap();
        out.push(
            rel.components()
                .map(|c| c.as_os_str().to_string_lossy())
                .collect::<Vec<_>>()
                .join("/"),
        );
        let meta = fs::symlink_metadata(&path).unwrap();
        assert!(
            !meta.file_type().is_symlink(),
            "a symlink was created: {}",
            path.display()
        );
        if meta.is_dir() {
            list(base, &path, out);
        }
    }
}

/// Builds a .tar.gz from raw headers, so names the tar crate would refuse
/// to write (`..`, absolute) can be put in.
struct TarGz(tar::Builder<GzEncoder<Vec<u8>>>);

impl TarGz {
    fn new() -> Self {
        Self(tar::Builder::new(GzEncoder::new(
            Vec::new(),
            Compression::fast(),
        )))
    }

    fn raw(
        mut self,
        name: &str,
        kind: EntryType,
        link: Option<&str>,
        data: &[u8],
        mode: u32,
    ) -> Self {
        let mut header = Header::new_gnu();
        let field = &mut header.as_old_mut().name;
        field[..name.len()].copy_from_slice(name.as_bytes());
        header.set_entry_type(kind);
        header.set_size(data.len() as u64);
        header.set_mode(mode);
        if let Some(link) = link {
            header.set_link_name_literal(link).unwrap();
        }
        header.set_cksum();
        self.0.append(&header, data).unwrap();
        self
    }

    fn file(self, name: &str, data: &[u8]) -> Self {
        self.raw(name, EntryType::Regular, None, data, 0o644)
    }

    fn dir(self, name: &str) -> Self {
        self.raw(name, EntryType::Directory, None, b"", 0o755)
    }

    /// A file under any name, a long one as a GNU long-name entry.
    fn long(mut self, name: &str, data: &[u8]) -> Self {
        let mut header = Header::new_gnu();
        header.set_size(data.len() as u64);
        header.set_mode(0o644);
        self.0.append_data(&mut header, name, data).unwrap();
        self
    }

    fn bytes(self) -> Vec<u8> {
        self.0.into_inner().unwrap().finish().unwrap()
    }
}

struct Zip(zip::ZipWriter<Cursor<Vec<u8>>>);

impl Zip {
    fn new() -> Self {
        Self(zip::ZipWriter::new(Cursor::new(Vec::new())))
    }

    fn file(mut self, name: &str, data: &[u8]) -> Self {
        let options = SimpleFileOptions::default().unix_permissions(0o644);
        self.0.start_file(name, options).unwrap();
        self.0.write_all(data).unwrap();
        self
    }

    fn symlink(mut self, name: &str, target: &str) -> Self {
        self.0
            .add_symlink(name, target, SimpleFileOptions::default())
            .unwrap();
        self
    }

    fn bytes(self) -> Vec<u8> {
        self.0.finish().unwrap().into_inner()
    }
}

fn refused(result: Result<Unpacked, ExtractError>, reason_part: &str) {
    match result {
        Err(ExtractError::Refused { reason, .. }) => {
            assert!(
                reason.contains(reason_part),
                "reason {reason:?} lacks {reason_part:?}"
            )
        }
        other => panic!("expected a refusal ({reason_part}), got {other:?}"),
    }
}

#[test]
fn a_good_tar_gz_unpacks_with_directories_and_modes() {
    let sb = Sandbox::new();
    let bytes = TarGz::new()
        .dir("./")
        .dir("./lib/")
        .file("./lib/core.wasm", b"\0asm")
        .raw("bin/run", EntryType::Regular, None, b"#!/bin/sh\n", 0o755)
        .file("README.md", b"hi")
        .bytes();
    sb.unpack("p.tar.gz", &bytes, &Limits::default()).unwrap();
    assert_eq!(
        sb.listing(),
        [
            "dest",
            "dest/README.md",
            "dest/bin",
            "dest/bin/run",
            "dest/lib",
            "dest/lib/core.wasm"
        ]
    );
    assert_eq!(fs::read(sb.dest().join("lib/core.wasm")).unwrap(), b"\0asm");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &str| {
            fs::metadata(sb.dest().join(p))
                .unwrap()
                .permissions()
                .mode()
        };
        assert_ne!(mode("bin/run") & 0o100, 0, "executable bit kept");
        assert_eq!(mode("README.md") & 0o111, 0);
    }
}

#[test]
fn a_good_zip_and_a_single_file_unpack() {
    let sb = Sandbox::new();
    let bytes = Zip::new().file("a/b.txt", b"b").file("c.txt", b"c").bytes();
    sb.unpack("p.zip", &bytes, &Limits::default()).unwrap();
    assert_eq!(
        sb.listing(),
        ["dest", "dest/a", "dest/a/b.txt", "dest/c.txt"]
    );

    let sb = Sandbox::new();
    sb.unpack("hello.wasm", b"\0asm module", &Limits::default())
        .unwrap();
    assert_eq!(
        fs::read(sb.dest().join("hello.wasm")).unwrap(),
        b"\0asm module"
    );
}

#[test]
fn tar_path_escapes_are_refused() {
    for (name, reason) in [
        ("../evil", "`..`"),
        ("a/../../evil", "`..`"),
        ("/tmp/plugres-abs-evil", "absolute"),
        ("..\\evil", "`\\`"),
        ("C:evil", "`:`"),
    ] {
        let sb = Sandbox::new();
        let bytes = TarGz::new()
            .file("ok.txt", b"fine")
            .file(name, b"evil")
            .bytes();
        refused(sb.unpack("p.tar.gz", &bytes, &Limits::default()), reason);
        sb.assert_contained();
    }
    assert!(!Path::new("/tmp/plugres-abs-evil").exists());
}

#[test]
fn tar_links_and_special_files_are_refused() {
    let cases: [(&str, TarGz); 5] = [
        (
            "symbolic link",
            TarGz::new().raw(
                "passwd",
                EntryType::Symlink,
                Some("/etc/passwd"),
                b"",
                0o777,
            ),
        ),
        (
            "symbolic link",
            TarGz::new()
                .raw("up", EntryType::Symlink, Some(".."), b"", 0o777)
                .file("up/evil", b"through the link"),
        ),
        (
            "hard link",
            TarGz::new().raw("h", EntryType::Link, Some("/etc/passwd"), b"", 0o644),
        ),
        (
            "device",
            TarGz::new().raw("tty", EntryType::Char, None, b"", 0o644),
        ),
        (
            "pipe",
            TarGz::new().raw("fifo", EntryType::Fifo, None, b"", 0o644),
        ),
    ];
    for (reason, archive) in cases {
        let sb = Sandbox::new();
        refused(
            sb.unpack("p.tgz", &archive.bytes(), &Limits::default()),
            reason,
        );
        sb.assert_contained();
        assert!(sb.listing().iter().all(|p| !p.contains("evil")));
    }
}

#[test]
fn duplicate_entries_never_overwrite() {
    let sb = Sandbox::new();
    let bytes = TarGz::new()
        .file("a.txt", b"first")
        .file("./a.txt", b"second")
        .bytes();
    refused(sb.unpack("p.tar.gz", &bytes, &Limits::default()), "twice");
    assert_eq!(fs::read(sb.dest().join("a.txt")).unwrap(), b"first");
}

#[test]
fn zip_slip_and_zip_symlinks_are_refused() {
    for (name, reason) in [
        ("../evil", "`..`"),
        ("/abs-evil", "absolute"),
        ("..\\..\\evil", "`\\`"),
        ("a/../../evil", "`..`"),
    ] {
        let sb = Sandbox::new();
        let bytes = Zip::new().file("ok.txt", b"ok").file(name, b"evil").bytes();
        refused(sb.unpack("p.zip", &bytes, &Limits::default()), reason);
        sb.assert_contained();
    }
    let sb = Sandbox::new();
    let bytes = Zip::new()
        .symlink("passwd", "/etc/passwd")
        .file("passwd/x", b"x")
        .bytes();
    refused(
        sb.unpack("p.zip", &bytes, &Limits::default()),
        "symbolic link",
    );
    sb.assert_contained();
}

/// Names made on (or aimed at) Windows: separators, drive letters, UNC
/// and device paths, and names Windows cannot hold, refused on every
/// platform, in tar and zip alike.
#[test]
fn windows_paths_and_names_are_refused_everywhere() {
    for (name, reason) in [
        ("\\\\server\\share\\evil", "`\\`"),
        ("\\\\?\\C:\\evil", "`\\`"),
        ("C:\\evil", "`\\`"),
        ("c:/evil", "`:`"),
        ("D:", "`:`"),
        ("a/b:stream", "`:`"),
        ("//server/share/evil", "absolute"),
        ("CON", "device name"),
        ("lib/nul.txt", "device name"),
        ("com1", "device name"),
        ("LPT9.log", "device name"),
        ("COM\u{b9}", "device name"),
        ("aux .txt", "device name"),
        ("evil.", "ends with `.`"),
        ("lib /x", "ends with `.` or a space"),
        ("what?.txt", "Windows forbids"),
        ("a|b", "Windows forbids"),
        ("tab\there", "control character"),
    ] {
        let sb = Sandbox::new();
        let bytes = TarGz::new()
            .file("ok.txt", b"fine")
            .file(name, b"evil")
            .bytes();
        refused(sb.unpack("p.tar.gz", &bytes, &Limits::default()), reason);
        sb.assert_contained();
        let sb = Sandbox::new();
        let bytes = Zip::new().file("ok.txt", b"ok").file(name, b"evil").bytes();
        refused(sb.unpack("p.zip", &bytes, &Limits::default()), reason);
        sb.assert_contained();
    }
    // Near misses are plain names.
    let sb = Sandbox::new();
    let bytes = TarGz::new()
        .file("console.txt", b"1")
        .file("con-fig/com10", b"2")
        .file("lpt.md", b"3")
        .file(".hidden", b"4")
        .file("a b.txt", b"5")
        .bytes();
    sb.unpack("p.tar.gz", &bytes, &Limits::default()).unwrap();
}

#[test]
fn names_that_differ_only_in_case_are_refused() {
    for names in [["README.md", "readme.md"], ["Lib/a.txt", "lib/b.txt"]] {
        let sb = Sandbox::new();
        let bytes = TarGz::new()
            .file(names[0], b"1")
            .file(names[1], b"2")
            .bytes();
        refused(
            sb.unpack("p.tar.gz", &bytes, &Limits::default()),
            "only in case",
        );
        let sb = Sandbox::new();
        let bytes = Zip::new().file(names[0], b"1").file(names[1], b"2").bytes();
        refused(
            sb.unpack("p.zip", &bytes, &Limits::default()),
            "only in case",
        );
    }
    let sb = Sandbox::new();
    let bytes = TarGz::new()
        .dir("lib/")
        .file("lib/a.txt", b"1")
        .file("lib/b.txt", b"2")
        .bytes();
    sb.unpack("p.tar.gz", &bytes, &Limits::default()).unwrap();
}

#[test]
fn bombs_over_the_limits_are_refused() {
    let limits = Limits {
        max_unpacked_size: 1 << 20,
        max_files: 10,
        ..Limits::HARD
    };
    let zeros = vec![0u8; 3 << 20];

    let sb = Sandbox::new();
    let bytes = TarGz::new().file("bomb", &zeros).bytes();
    assert!(bytes.len() < 64 << 10, "compresses well: {}", bytes.len());
    let err = sb.unpack("p.tar.gz", &bytes, &limits).unwrap_err();
    assert!(
        matches!(err, ExtractError::TooLarge { limit, .. } if limit == 1 << 20),
        "{err:?}"
    );
    sb.assert_contained();

    let sb = Sandbox::new();
    let options = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    zip.start_file("bomb", options).unwrap();
    zip.write_all(&zeros).unwrap();
    let bytes = zip.finish().unwrap().into_inner();
    let err = sb.unpack("p.zip", &bytes, &limits).unwrap_err();
    assert!(matches!(err, ExtractError::TooLarge { .. }), "{err:?}");

    let sb = Sandbox::new();
    let mut many = TarGz::new();
    for i in 0..11 {
        many = many.file(&format!("f{i}"), b"x");
    }
    let err = sb.unpack("p.tar.gz", &many.bytes(), &limits).unwrap_err();
    assert!(
        matches!(err, ExtractError::TooManyEntries { limit: 10, .. }),
        "{err:?}"
    );

    let sb = Sandbox::new();
    let err = sb.unpack("big.wasm", &zeros, &limits).unwrap_err();
    assert!(matches!(err, ExtractError::TooLarge { .. }), "{err:?}");
}

#[test]
fn bad_destinations_and_bad_data_are_reported() {
    let sb = Sandbox::new();
    fs::write(sb.dest().join("old"), b"x").unwrap();
    let err = sb
        .unpack("hello.wasm", b"x", &Limits::default())
        .unwrap_err();
    assert!(matches!(err, ExtractError::Dest { .. }), "{err:?}");

    let sb = Sandbox::new();
    let err = sb
        .unpack("p.tar.gz", b"not gzip at all", &Limits::default())
        .unwrap_err();
    assert!(err.to_string().contains("`p.tar.gz`"), "{err}");
    assert!(
        matches!(err, ExtractError::Corrupt { kind: "tar.gz", .. }),
        "{err:?}"
    );

    let sb = Sandbox::new();
    let err = sb
        .unpack("p.zip", b"PK nonsense", &Limits::default())
        .unwrap_err();
    assert!(
        matches!(err, ExtractError::Corrupt { kind: "zip", .. }),
        "{err:?}"
    );
}

#[test]
fn refusal_messages_name_the_archive_and_entry() {
    let sb = Sandbox::new();
    let bytes = TarGz::new().file("../evil", b"x").bytes();
    let msg = sb
        .unpack("acme-1.0.tar.gz", &bytes, &Limits::default())
        .unwrap_err()
        .to_string();
    assert!(
        msg.contains("`acme-1.0.tar.gz`") && msg.contains("`../evil`"),
        "{msg}"
    );
}

#[test]
fn unpacked_files_are_listed_with_the_hashes_of_what_was_written() {
    let sb = Sandbox::new();
    let bytes = TarGz::new()
        .dir("lib/")
        .file("lib/a.txt", b"abc")
        .file("b.txt", b"")
        .bytes();
    let unpacked = sb.unpack("p.tar.gz", &bytes, &Limits::default()).unwrap();
    let abc = plugres_schema::Sha256::of(b"abc");
    let empty = plugres_schema::Sha256::of(b"");
    assert_eq!(
        unpacked.files,
        [
            ("b.txt".to_string(), (empty, 0)),
            ("lib/a.txt".to_string(), (abc, 3))
        ]
        .into()
    );
    assert_eq!(
        unpacked.tree(),
        plugres_host::marker::tree_digest([("lib/a.txt", &abc), ("b.txt", &empty)])
    );
}

#[test]
fn a_zip_naming_one_file_twice_is_refused() {
    // The zip writer refuses a repeated name, so write two and rename one
    // in both of its headers (same length).
    let bytes = Zip::new()
        .file("run.sh", b"echo good")
        .file("rum.sh", b"echo evil")
        .bytes();
    let mut patched = bytes.clone();
    let mut i = 0;
    while let Some(at) = patched[i..].windows(6).position(|w| w == b"rum.sh") {
        patched[i + at..i + at + 6].copy_from_slice(b"run.sh");
        i += at + 6;
    }
    assert_ne!(patched, bytes);
    let sb = Sandbox::new();
    refused(sb.unpack("p.zip", &patched, &Limits::default()), "twice");
    sb.assert_contained();
}

#[test]
fn entries_that_clash_with_a_file_or_directory_are_named() {
    for (bytes, entry, reason) in [
        (
            TarGz::new().file("x", b"1").file("x/y", b"2").bytes(),
            "x/y",
            "inside `x`, which the archive has as a file",
        ),
        (
            TarGz::new().file("x", b"1").dir("x/z/").bytes(),
            "x/z/",
            "inside `x`",
        ),
        (
            TarGz::new().file("x", b"1").dir("x/").bytes(),
            "x/",
            "also has a file of that name",
        ),
        (
            TarGz::new().file("x/y", b"1").file("x", b"2").bytes(),
            "x",
            "also has a directory of that name",
        ),
    ] {
        let sb = Sandbox::new();
        let err = sb
            .unpack("p.tar.gz", &bytes, &Limits::default())
            .unwrap_err();
        let msg = err.to_string();
        assert!(
            msg.contains(&format!("`{entry}`")) && msg.contains(reason),
            "{msg}"
        );
        sb.assert_contained();
    }
}

#[test]
fn long_paths_and_many_path_bytes_are_refused() {
    let sb = Sandbox::new();
    let deep = format!("{}/f", vec!["d".repeat(200); 6].join("/"));
    assert!(deep.len() > 1024);
    let err = sb
        .unpack(
            "p.tar.gz",
            &TarGz::new().long(&deep, b"x").bytes(),
            &Limits::default(),
        )
        .unwrap_err();
    assert!(
        matches!(err, ExtractError::PathTooLong { limit: 1024, .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("too long"), "{err}");

    let sb = Sandbox::new();
    let wide = "n".repeat(256);
    let err = sb
        .unpack(
            "p.tar.gz",
            &TarGz::new().long(&wide, b"x").bytes(),
            &Limits::default(),
        )
        .unwrap_err();
    assert!(matches!(err, ExtractError::PathTooLong { .. }), "{err:?}");

    let limits = Limits {
        max_total_path_bytes: 100,
        ..Limits::HARD
    };
    let mut many = TarGz::new();
    for i in 0..20 {
        many = many.file(&format!("file-{i:02}"), b"x");
    }
    let sb = Sandbox::new();
    let err = sb.unpack("p.tar.gz", &many.bytes(), &limits).unwrap_err();
    assert!(
        matches!(err, ExtractError::PathsTooLarge { limit: 100, .. }),
        "{err:?}"
    );
}

#[test]
fn an_artifact_over_the_size_limit_is_refused_before_unpacking() {
    let limits = Limits {
        max_artifact_size: 4,
        ..Limits::HARD
    };
    let sb = Sandbox::new();
    let err = sb.unpack("a.wasm", b"12345", &limits).unwrap_err();
    assert!(
        matches!(
            err,
            ExtractError::ArtifactTooLarge {
                size: 5,
                limit: 4,
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(sb.listing(), ["dest"]);
}

/// What an installer that links the blob checks instead of unpacking:
/// the same name rule and limits as `unpack` of a single file.
#[test]
fn a_single_file_is_checked_without_unpacking() {
    let limits = Limits {
        max_unpacked_size: 1 << 20,
        ..Limits::HARD
    };
    assert_eq!(
        check_single_file("hello.wasm", 1 << 20, &limits).unwrap(),
        "hello.wasm"
    );
    let err = check_single_file("big.wasm", (1 << 20) + 1, &limits).unwrap_err();
    assert!(matches!(err, ExtractError::TooLarge { .. }), "{err:?}");
    let err =
        check_single_file("huge.wasm", Limits::HARD.max_artifact_size + 1, &limits).unwrap_err();
    assert!(
        matches!(err, ExtractError::ArtifactTooLarge { .. }),
        "{err:?}"
    );
    for bad in ["../x.wasm", "a/b.wasm", "/abs.wasm", "c:x.wasm", ""] {
        let err = check_single_file(bad, 10, &limits).unwrap_err();
        assert!(
            matches!(err, ExtractError::Refused { .. }),
            "{bad}: {err:?}"
        );
    }
    let long = format!("{}.wasm", "n".repeat(300));
    let err = check_single_file(&long, 10, &limits).unwrap_err();
    assert!(matches!(err, ExtractError::PathTooLong { .. }), "{err:?}");
}
