//! Every file a client reads leniently: an unknown field of the same
//! format is skipped and reported once with its place, a strict read
//! refuses it there, and what the file says otherwise is unchanged.

use std::collections::BTreeMap;

use super::*;
use crate::{
    CatalogEntry, IndexConfig, PluginFile, Sha256, Snapshot, Timestamp, parse_bin_with,
    parse_group_with, parse_shard_with,
};

const PLUGIN: &str = r#"name = "hello-world"
description = "Greets the world"
support-tier = "gold"

[[version]]
version = "1.0.0"
engine = ">=1.0"
published = 2026-11-21T10:00:00Z
reviewed-by = ["a"]

[[version.artifact]]
target = "any"
url = "hello-world/1.0.0/hello.wasm"
sha256 = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
size = 3
mirrors = ["https://mirror.example/hello.wasm"]

[[version]]
version = "1.1.0"
engine = ">=1.0"
published = 2026-11-22T10:00:00Z
reviewed-by = ["b"]

[version.signing]
transparency-log = "https://log.example/1"

[[version.artifact]]
target = "any"
url = "hello-world/1.1.0/hello.wasm"
sha256 = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
size = 3
"#;

/// `text` without its lines that name an unknown field.
fn known_only(text: &str, unknown: &[&str]) -> String {
    let mut out = String::new();
    let mut skip_table = false;
    for line in text.lines() {
        if line.starts_with('[') {
            skip_table = unknown.iter().any(|u| line.contains(u));
        }
        let named = unknown.iter().any(|u| line.starts_with(&format!("{u} =")));
        if !skip_table && !named {
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}

fn places(unknown: &[UnknownField]) -> Vec<String> {
    unknown.iter().map(|u| u.diagnostic.to_string()).collect()
}

#[test]
fn a_plugin_file_with_future_fields_reads_as_the_file_without_them() {
    let path = "plugins/he/ll/hello-world.toml";
    let read = PluginFile::parse_with(path, PLUGIN.as_bytes(), UnknownFields::Ignore).unwrap();
    let without = known_only(
        PLUGIN,
        &["support-tier", "reviewed-by", "mirrors", "version.signing"],
    );
    // Equal but for where each version sits in its text.
    let unspanned = |mut f: PluginFile| {
        f.versions.iter_mut().for_each(|v| v.span = 0..0);
        f
    };
    assert_eq!(
        unspanned(read.value.clone()),
        unspanned(PluginFile::parse(path, without.as_bytes()).unwrap())
    );
    assert_eq!(
        read.value.versions[1].span.start,
        PLUGIN.find("[[version]]\nversion = \"1.1.0\"").unwrap()
    );
    // Each field once, at its first place, however many versions carry
    // it; in the order of the file.
    let fields: Vec<&str> = read.unknown.iter().map(|u| u.field.as_str()).collect();
    assert_eq!(
        fields,
        [
            "support-tier",
            "version.reviewed-by",
            "version.artifact.mirrors",
            "version.signing",
        ]
    );
    assert_eq!(
        places(&read.unknown)[..2],
        [
            "plugins/he/ll/hello-world.toml:3:1: warning: unknown field `support-tier` ignored: this plugres reads format 1 without it (a newer plugres may use it)",
            "plugins/he/ll/hello-world.toml:9:1: warning: unknown field `version.reviewed-by` ignored: this plugres reads format 1 without it (a newer plugres may use it)",
        ]
    );
    assert!(read.unknown.iter().all(|u| u.once_key().0 == "plugins"));
}

#[test]
fn a_strict_read_refuses_the_first_unknown_field_at_its_place() {
    let errs = PluginFile::parse("p.toml", PLUGIN.as_bytes()).unwrap_err();
    assert_eq!(errs.len(), 1, "{errs:#?}");
    assert!(
        errs[0]
            .to_string()
            .starts_with("p.toml:3:1: error: unknown field `support-tier`"),
        "{}",
        errs[0]
    );
}

#[test]
fn other_problems_are_still_errors_in_a_lenient_read() {
    let bad = PLUGIN.replace("version = \"1.1.0\"", "version = \"1.1\"");
    let errs = PluginFile::parse_with("p.toml", bad.as_bytes(), UnknownFields::Ignore).unwrap_err();
    assert!(errs.iter().all(|e| e.severity == crate::Severity::Error));
    assert!(errs[0].to_string().contains("1.1"), "{errs:#?}");
    let typed = PLUGIN.replace("size = 3\nmirrors", "size = \"3\"\nmirrors");
    assert!(PluginFile::parse_with("p.toml", typed.as_bytes(), UnknownFields::Ignore).is_err());
}

fn sample_config() -> String {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../sample-index/config.toml");
    std::fs::read_to_string(path).unwrap()
}

#[test]
fn a_config_ignores_a_future_field_but_never_one_in_a_key_table() {
    let text = sample_config();
    let at = text.find("\n[").unwrap();
    let future = format!(
        "{}\nmirrors = [\"https://mirror.example/\"]\n[limits]\nmax-depth = 3\n{}",
        &text[..at],
        &text[at..]
    );
    let read =
        IndexConfig::parse_with("config.toml", future.as_bytes(), UnknownFields::Ignore).unwrap();
    assert_eq!(
        read.value,
        IndexConfig::parse("config.toml", text.as_bytes()).unwrap()
    );
    let mut fields: Vec<&str> = read.unknown.iter().map(|u| u.field.as_str()).collect();
    fields.sort_unstable();
    assert_eq!(fields, ["limits.max-depth", "mirrors"]);
    assert!(IndexConfig::parse("config.toml", future.as_bytes()).is_err());

    // A key's fields decide what it may sign: an attribute this plugres
    // does not know (an expiry, a revocation) is refused in every mode.
    for table in ["[[root-key]]", "[[publisher-key]]", "[[snapshot-key]]"] {
        let qualified = text.replacen(table, &format!("{table}\nrevoked = true"), 1);
        assert_ne!(qualified, text, "{table}");
        let errs =
            IndexConfig::parse_with("config.toml", qualified.as_bytes(), UnknownFields::Ignore)
                .unwrap_err();
        assert!(
            errs[0].to_string().contains("unknown field `revoked`"),
            "{errs:#?}"
        );
    }
}

fn files(n: usize) -> BTreeMap<String, Sha256> {
    let mut all = BTreeMap::new();
    all.insert("config.toml".to_string(), Sha256::of(b"c"));
    all.insert("config.toml.minisig".to_string(), Sha256::of(b"s"));
    for i in 0..n {
        let p = crate::index_path(&crate::PluginName::new(&format!("p{i}")).unwrap());
        all.insert(format!("{p}.minisig"), Sha256::of(p.as_bytes()));
        all.insert(p.clone(), Sha256::of(p.as_bytes()));
    }
    all
}

/// `text` with `line` added after its first line (`format = 1`).
fn with_line(text: &str, line: &str) -> String {
    let (first, rest) = text.split_once('\n').unwrap();
    format!("{first}\n{line}\n{rest}")
}

#[test]
fn a_snapshot_and_its_bins_ignore_a_future_field() {
    let (snap, bins) = Snapshot::build(3, &files(20), &BTreeMap::new(), 1);
    let text = with_line(&snap.to_toml(), "delegations = 2");
    let read =
        Snapshot::parse_with("snapshot.toml", text.as_bytes(), UnknownFields::Ignore).unwrap();
    assert_eq!(read.value, snap);
    assert_eq!(read.unknown[0].field, "delegations");
    assert!(
        read.unknown[0]
            .diagnostic
            .to_string()
            .starts_with("snapshot.toml:2:1: warning")
    );
    assert!(Snapshot::parse("snapshot.toml", text.as_bytes()).is_err());

    let (path, bin_text) = &bins[0];
    let id = path
        .trim_start_matches("snapshot/")
        .trim_end_matches(".toml");
    let future = with_line(bin_text, "expires = 2030-01-01T00:00:00Z");
    let read = parse_bin_with(path, future.as_bytes(), id, UnknownFields::Ignore).unwrap();
    assert_eq!(
        read.value,
        crate::parse_bin(path, bin_text.as_bytes(), id).unwrap()
    );
    assert_eq!(
        read.unknown[0].once_key(),
        ("snapshot".into(), "expires".into())
    );
    assert!(crate::parse_bin(path, future.as_bytes(), id).is_err());
}

#[test]
fn a_bin_group_ignores_a_future_field() {
    let text = "format = 1\ngroup = \"3\"\nnote = \"x\"\n\n[bins]\n\"3f0\" = \"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad\"\n";
    let read = parse_group_with(
        "snapshot/group-3.toml",
        text.as_bytes(),
        "3",
        3,
        UnknownFields::Ignore,
    )
    .unwrap();
    assert_eq!(read.value.len(), 1);
    assert_eq!(read.unknown[0].field, "note");
    assert!(crate::parse_group("snapshot/group-3.toml", text.as_bytes(), "3", 3).is_err());
}

#[test]
fn a_timestamp_ignores_a_future_field() {
    let t = Timestamp {
        version: 2,
        expires: 1_795_920_248,
        snapshot_version: 1,
        snapshot_sha256: Sha256::of(b"s"),
        snapshot_size: 10,
    };
    let text = format!("{}hashes = [\"sha512\"]\n", t.to_toml());
    let read =
        Timestamp::parse_with("timestamp.toml", text.as_bytes(), UnknownFields::Ignore).unwrap();
    assert_eq!(read.value, t);
    assert_eq!(read.unknown[0].field, "snapshot.hashes");
    assert!(Timestamp::parse("timestamp.toml", text.as_bytes()).is_err());
}

#[test]
fn a_catalog_shard_ignores_a_future_field() {
    let file = PluginFile::parse(
        "plugins/he/ll/hello-world.toml",
        known_only(
            PLUGIN,
            &["support-tier", "reviewed-by", "mirrors", "version.signing"],
        )
        .as_bytes(),
    )
    .unwrap();
    let entry = CatalogEntry::of(&file);
    let text = crate::shard_text("all", std::slice::from_ref(&entry));
    let future = text.replace("description =", "downloads = 12\ndescription =");
    assert_ne!(future, text);
    let read = parse_shard_with(
        "catalog/all.toml",
        future.as_bytes(),
        "all",
        0,
        UnknownFields::Ignore,
    )
    .unwrap();
    assert_eq!(read.value, [entry]);
    assert_eq!(read.unknown[0].field, "plugin.downloads");
    assert!(crate::parse_shard("catalog/all.toml", future.as_bytes(), "all", 0).is_err());
}

#[test]
fn another_format_is_refused_even_when_reading_leniently() {
    let t = "format = 2\nversion = 1\nexpires = 2030-01-01T00:00:00Z\nnew = 1\n[snapshot]\nversion = 1\nsha256 = \"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad\"\nsize = 1\n";
    let errs =
        Timestamp::parse_with("timestamp.toml", t.as_bytes(), UnknownFields::Ignore).unwrap_err();
    assert!(
        errs[0].message.contains("format 2 is not supported"),
        "{errs:#?}"
    );
}
