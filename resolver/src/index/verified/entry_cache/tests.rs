use super::*;

const FILE: &str = r#"
name = "hello"
description = "Greets"

[[version]]
version = "1.0.0"
engine = "*"
published = 2026-11-21T10:00:00Z

[[version.artifact]]
target = "any"
url = "hello/1.0.0/hello.wasm"
sha256 = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
size = 1
"#;

const PATH: &str = "plugins/he/ll/hello.toml";

fn parsed() -> PluginFile {
    PluginFile::parse("hello.toml", FILE.as_bytes()).unwrap()
}

fn digests() -> (Sha256, Sha256) {
    (Sha256::of(b"file"), Sha256::of(b"sig"))
}

fn cache(dir: &Path) -> EntryCache {
    EntryCache::new(dir.to_path_buf(), Sha256::of(b"config"))
}

/// Every entry file under `dir`.
fn entry_files(dir: &Path) -> Vec<PathBuf> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .map(|e| e.into_path())
        .collect()
}

#[test]
fn gives_back_what_it_kept_under_the_same_digests_only() {
    let dir = tempfile::tempdir().unwrap();
    let c = cache(dir.path());
    let (file, sig) = digests();
    assert_eq!(c.plugin(PATH, file, sig), None);
    c.keep_plugin(PATH, file, sig, &parsed());
    c.flush();
    assert_eq!(c.plugin(PATH, file, sig), Some(parsed()));
    // Another signature, another file, another config: misses.
    assert_eq!(c.plugin(PATH, file, Sha256::of(b"other")), None);
    assert_eq!(c.plugin(PATH, Sha256::of(b"other"), sig), None);
    let other_config = EntryCache::new(dir.path().to_path_buf(), Sha256::of(b"config 2"));
    assert_eq!(other_config.plugin(PATH, file, sig), None);
}

#[test]
fn an_entry_for_another_path_is_not_found_there() {
    let dir = tempfile::tempdir().unwrap();
    let c = cache(dir.path());
    let (file, sig) = digests();
    c.keep_plugin(PATH, file, sig, &parsed());
    c.flush();
    assert_eq!(c.plugin("plugins/ot/he/other.toml", file, sig), None);
}

#[test]
fn a_corrupt_or_foreign_entry_is_ignored_and_rewritten() {
    let dir = tempfile::tempdir().unwrap();
    let c = cache(dir.path());
    let (file, sig) = digests();
    c.keep_plugin(PATH, file, sig, &parsed());
    c.flush();
    let [pack] = entry_files(dir.path()).try_into().unwrap();
    let good = std::fs::read(&pack).unwrap();
    // In the entry, the table, the footer: each is a miss.
    for i in [0, 40, good.len() / 2, good.len() - 60, good.len() - 1] {
        let mut bad = good.clone();
        bad[i] ^= 1;
        std::fs::write(&pack, &bad).unwrap();
        assert_eq!(
            cache(dir.path()).plugin(PATH, file, sig),
            None,
            "flipped byte {i}"
        );
    }
    std::fs::write(&pack, &good[..good.len() - 1]).unwrap();
    assert_eq!(cache(dir.path()).plugin(PATH, file, sig), None, "truncated");
    // A whole, valid entry of another key stored under this key.
    let key = c.key(Kind::Plugin, PATH, &[file, sig]);
    let other = c.key(Kind::Plugin, PATH, &[file, Sha256::of(b"sig 2")]);
    let mut w = pack::PackWriter::create(dir.path()).unwrap();
    w.add(key, &seal(other, &parsed().encode())).unwrap();
    w.finish().unwrap();
    assert_eq!(
        cache(dir.path()).plugin(PATH, file, sig),
        None,
        "foreign entry"
    );
    // Kept again, it is found in the newer pack, past the damaged ones.
    c.keep_plugin(PATH, file, sig, &parsed());
    c.flush();
    assert_eq!(c.plugin(PATH, file, sig), Some(parsed()));
    assert_eq!(cache(dir.path()).plugin(PATH, file, sig), Some(parsed()));
}

/// Beyond `MAX_PACKS` packs, the run that wrote the last merges them into
/// one holding every entry that still checks, and removes entries of the
/// earlier layout (a file per entry).
#[test]
fn packs_are_merged_beyond_the_most_a_folder_holds() {
    let dir = tempfile::tempdir().unwrap();
    let legacy = dir.path().join("ab".repeat(32));
    std::fs::write(&legacy, b"an entry of the earlier layout").unwrap();
    let (file, sig) = digests();
    let path = |i: usize| format!("plugins/3/h/h{i}.toml");
    for i in 0..pack::MAX_PACKS {
        let c = cache(dir.path());
        c.keep_plugin(&path(i), file, sig, &parsed());
        c.flush();
    }
    assert_eq!(
        entry_files(dir.path()).len(),
        pack::MAX_PACKS + 1,
        "not yet"
    );
    let c = cache(dir.path());
    c.keep_plugin(&path(pack::MAX_PACKS), file, sig, &parsed());
    c.flush();
    let left = entry_files(dir.path());
    let packs: Vec<_> = left
        .iter()
        .filter(|p| p.extension().is_some_and(|e| e == "pack"))
        .collect();
    assert_eq!(packs.len(), 1, "{left:?}");
    assert!(!legacy.exists());
    let c = cache(dir.path());
    for i in 0..=pack::MAX_PACKS {
        // The name in the file is checked against the path: only the
        // lookup is asked of the pack here.
        let key = c.key(Kind::Plugin, &path(i), &[file, sig]);
        assert!(c.get(key).is_some(), "entry {i}");
    }
}

#[test]
fn keeps_bins_by_digest() {
    let dir = tempfile::tempdir().unwrap();
    let c = cache(dir.path());
    let files = Bin {
        files: [
            (PATH.to_string(), Sha256::of(b"a")),
            (format!("{PATH}.minisig"), Sha256::of(b"b")),
        ]
        .into(),
        signatures: [(PATH.to_string(), "b".to_string())].into(),
    };
    let sha = Sha256::of(b"bin");
    assert!(c.bin("snapshot/ab.toml", sha).is_none());
    c.keep_bin("snapshot/ab.toml", sha, &BinTable::of(&files));
    c.flush();
    let kept = c.bin("snapshot/ab.toml", sha).expect("kept");
    for (path, sha) in &files.files {
        assert_eq!(kept.file(path), Some(*sha));
    }
    assert_eq!(kept.signature(PATH), Some("b"));
    assert!(c.bin("snapshot/ab.toml", Sha256::of(b"x")).is_none());
    let encoded = encode_bin(&files);
    assert_eq!(decode_bin(&encoded), Some(files));
    for n in 0..encoded.len() {
        assert_eq!(decode_bin(&encoded[..n]), None, "cut at {n}");
    }
}

#[test]
fn an_unwritable_folder_costs_nothing_but_the_entry() {
    let dir = tempfile::tempdir().unwrap();
    let blocker = dir.path().join("file");
    std::fs::write(&blocker, "").unwrap();
    let c = EntryCache::new(blocker.join("sub"), Sha256::of(b"config"));
    let (file, sig) = digests();
    c.keep_plugin(PATH, file, sig, &parsed());
    c.flush();
    assert_eq!(c.plugin(PATH, file, sig), None);
}

#[test]
fn nothing_is_kept_before_a_flush() {
    let dir = tempfile::tempdir().unwrap();
    let c = cache(dir.path());
    let (file, sig) = digests();
    c.keep_plugin(PATH, file, sig, &parsed());
    assert!(packs(dir.path()).is_empty());
    assert_eq!(c.plugin(PATH, file, sig), None);
    c.flush();
    assert_eq!(packs(dir.path()).len(), 1);
    assert_eq!(entry_files(dir.path()).len(), 1, "the pack alone");
}

/// The packs under `dir`, by name.
fn packs(dir: &Path) -> Vec<String> {
    entry_files(dir)
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".pack") && !n.starts_with('.'))
        .collect()
}

#[test]
fn keeps_snapshots_by_digest() {
    let dir = tempfile::tempdir().unwrap();
    let c = EntryCache::for_content(dir.path());
    let snapshot = Snapshot {
        version: 42,
        bin_digits: 2,
        files: [("config.toml".to_string(), Sha256::of(b"c"))].into(),
        bins: [("3f".to_string(), Sha256::of(b"b"))].into(),
        group_digits: 0,
        groups: Default::default(),
        signatures: Default::default(),
        catalog: Some(plugres_schema::CatalogListing {
            digits: 1,
            shards: [("a".to_string(), Sha256::of(b"shard"))].into(),
        }),
    };
    let sha = Sha256::of(b"snapshot bytes");
    assert_eq!(c.snapshot(sha), None);
    c.keep_snapshot(sha, &snapshot);
    c.flush();
    assert_eq!(c.snapshot(sha), Some(snapshot.clone()));
    assert_eq!(c.snapshot(Sha256::of(b"other")), None);
    let flat = Snapshot {
        bin_digits: 0,
        bins: Default::default(),
        signatures: [(PATH.to_string(), "sig".to_string())].into(),
        catalog: None,
        ..snapshot
    };
    c.keep_snapshot(Sha256::of(b"flat"), &flat);
    c.flush();
    assert_eq!(c.snapshot(Sha256::of(b"flat")), Some(flat.clone()));
    let grouped = Snapshot {
        bin_digits: 3,
        group_digits: 2,
        groups: [("3f".to_string(), Sha256::of(b"g"))].into(),
        ..flat
    };
    c.keep_snapshot(Sha256::of(b"grouped"), &grouped);
    c.flush();
    assert_eq!(c.snapshot(Sha256::of(b"grouped")), Some(grouped));
}

#[test]
fn an_entry_that_does_not_decode_is_replaced() {
    let dir = tempfile::tempdir().unwrap();
    let c = cache(dir.path());
    let (file, sig) = digests();
    // A whole, sealed entry whose payload is not a plugin file (an older
    // encoding): a miss, then replaced by the next keep.
    let key = c.key(Kind::Plugin, PATH, &[file, sig]);
    c.put(key, b"prvfile0 older layout");
    c.flush();
    assert_eq!(c.plugin(PATH, file, sig), None);
    c.keep_plugin(PATH, file, sig, &parsed());
    c.flush();
    assert_eq!(c.plugin(PATH, file, sig), Some(parsed()));
}

#[test]
fn catalog_shards_are_kept_by_path_and_digest() {
    let dir = tempfile::tempdir().unwrap();
    let c = EntryCache::for_content(dir.path());
    let entries = vec![CatalogEntry::of(&parsed())];
    let sha = Sha256::of(b"shard");
    assert_eq!(c.catalog_shard("catalog/all.toml", sha), None);
    c.keep_catalog_shard("catalog/all.toml", sha, &entries);
    c.flush();
    assert_eq!(c.catalog_shard("catalog/all.toml", sha), Some(entries));
    assert_eq!(c.catalog_shard("catalog/all.toml", Sha256::of(b"x")), None);
    assert_eq!(c.catalog_shard("catalog/0.toml", sha), None);
}

/// A verified attestation is found again only under the same config,
/// bundle, version and statement; a damaged entry is a miss.
#[test]
fn attestations_are_kept_by_config_bundle_and_statement() {
    let tmp = tempfile::tempdir().unwrap();
    let (bundle, statement) = (Sha256::of(b"bundle"), Sha256::of(b"statement"));
    let verified = VerifiedAttestation {
        publisher: plugres_schema::KeyId::new("acme-release").unwrap(),
        bundle_sha256: bundle,
        repository: "https://github.com/acme/hello".into(),
        commit: "0123456789abcdef".into(),
        git_ref: "refs/tags/v1.0.0".into(),
        signed_at: 1_764_855_470,
    };
    let c = cache(tmp.path());
    c.keep_attestation("hello 1.0.0", statement, &verified);
    c.flush();
    let c = cache(tmp.path());
    assert_eq!(
        c.attestation("hello 1.0.0", bundle, statement),
        Some(verified)
    );
    assert_eq!(c.attestation("hello 1.0.1", bundle, statement), None);
    assert_eq!(
        c.attestation("hello 1.0.0", Sha256::of(b"other"), statement),
        None
    );
    assert_eq!(
        c.attestation("hello 1.0.0", bundle, Sha256::of(b"widened")),
        None
    );
    let other_config = EntryCache::new(tmp.path().to_path_buf(), Sha256::of(b"config 2"));
    assert_eq!(
        other_config.attestation("hello 1.0.0", bundle, statement),
        None
    );
    for f in entry_files(tmp.path()) {
        let mut bytes = std::fs::read(&f).unwrap();
        let at = bytes.len() / 2;
        bytes[at] ^= 1;
        std::fs::write(&f, bytes).unwrap();
    }
    assert_eq!(c.attestation("hello 1.0.0", bundle, statement), None);
}

/// Entries are written while the run goes on, into a pack under a name no
/// lookup finds, and kept only by `flush`: a cache dropped without it (a
/// run that refused a file) leaves the folder as it was.
#[test]
fn entries_are_kept_only_when_flushed_and_leave_nothing_otherwise() {
    let dir = tempfile::tempdir().unwrap();
    let (file, sig) = digests();
    let c = cache(dir.path());
    c.keep_plugin(PATH, file, sig, &parsed());
    c.keep_plugin("plugins/ot/he/other.toml", file, sig, &parsed());
    assert_eq!(c.plugin(PATH, file, sig), None, "not kept before the flush");
    assert_eq!(entry_files(dir.path()).len(), 1, "written meanwhile");
    drop(c);
    assert_eq!(entry_files(dir.path()), Vec::<PathBuf>::new());

    let c = cache(dir.path());
    c.keep_plugin(PATH, file, sig, &parsed());
    c.flush();
    // Kept after a flush, more entries with a later one.
    c.keep_plugin("plugins/ot/he/other.toml", file, sig, &parsed());
    c.flush();
    assert_eq!(c.plugin(PATH, file, sig), Some(parsed()));
    assert_eq!(packs(dir.path()).len(), 2);
    assert_eq!(entry_files(dir.path()).len(), 2, "no temporary file left");
}
