use super::*;
use crate::validate::{Options, validate};
use plugres_bench::synth::{SynthInfo, generate_git, snapshot_and_commit};
use plugres_test_support::git::git;

fn whole(dir: &Path) -> Vec<String> {
    let opts = Options {
        base: None,
        check_artifacts: false,
    };
    strings(validate(dir, &opts).unwrap().diagnostics)
}

fn since(dir: &Path, base: &str) -> Vec<String> {
    let opts = Options {
        base: Some(base.to_string()),
        check_artifacts: false,
    };
    strings(validate(dir, &opts).unwrap().diagnostics)
}

fn strings(d: Vec<Diagnostic>) -> Vec<String> {
    d.iter().map(ToString::to_string).collect()
}

fn index(plugins: usize) -> (tempfile::TempDir, SynthInfo) {
    let t = tempfile::tempdir().unwrap();
    let info = generate_git(t.path(), plugins, 2, 4).unwrap();
    (t, info)
}

/// Rewrites a plugin file and signs it again with its publisher key: only
/// the snapshot can tell.
fn republish(dir: &Path, info: &SynthInfo, n: usize) -> String {
    let name = plugres_schema::PluginName::new(&info.names[n]).unwrap();
    let rel = plugres_schema::index_path(&name);
    let text = std::fs::read_to_string(dir.join(&rel)).unwrap() + "# changed\n";
    let key = plugres_schema::SigningKey::from_key_text(&info.publisher_key_text, None).unwrap();
    std::fs::write(dir.join(&rel), &text).unwrap();
    std::fs::write(
        dir.join(sig_path(&rel)),
        plugres_schema::sign(&key, &rel, text.as_bytes(), 1).unwrap(),
    )
    .unwrap();
    rel
}

#[test]
fn every_difference_from_the_snapshot_is_named_by_path() {
    let (t, info) = index(12);
    let dir = t.path();
    assert!(whole(dir).is_empty(), "{:#?}", whole(dir));
    let changed = republish(dir, &info, 3);
    let removed =
        plugres_schema::index_path(&plugres_schema::PluginName::new(&info.names[5]).unwrap());
    std::fs::remove_file(dir.join(&removed)).unwrap();
    std::fs::remove_file(dir.join(sig_path(&removed))).unwrap();
    std::fs::create_dir_all(dir.join("plugins/2")).unwrap();
    std::fs::write(dir.join("plugins/2/zz.toml"), "name = \"zz\"\n").unwrap();
    let d = whole(dir);
    let has = |path: &str, text: &str| {
        d.iter()
            .any(|l| l.starts_with(&format!("{path}: error: ")) && l.contains(text))
    };
    assert!(
        has(&changed, "but snapshot.toml (version 1) lists"),
        "{d:#?}"
    );
    assert!(
        has(&sig_path(&changed), "but snapshot.toml (version 1) lists"),
        "{d:#?}"
    );
    assert!(
        has(&removed, "listed in snapshot.toml (version 1) but missing"),
        "{d:#?}"
    );
    assert!(has(&sig_path(&removed), "but missing"), "{d:#?}");
    assert!(
        has("plugins/2/zz.toml", "not listed in snapshot.toml"),
        "{d:#?}"
    );
    // The timestamp still points at the (unchanged) snapshot.
    assert!(!d.iter().any(|l| l.starts_with("timestamp.toml")), "{d:#?}");
}

/// A 20-plugin index with a snapshot of `bin_digits`-digit bins and a
/// timestamp, by the tool itself: it validates clean.
fn signed_with_bins(bin_digits: u8) -> tempfile::TempDir {
    let (t, info) = index(20);
    let dir = t.path();
    let online = plugres_schema::SigningKey::from_key_text(&info.online_key_text, None).unwrap();
    let cfg = crate::checkout::Checkout::open(dir)
        .unwrap()
        .load_config()
        .unwrap()
        .0;
    crate::trust::write_snapshot(dir, &online, crate::trust::Bins::Digits(bin_digits), 5).unwrap();
    let now = crate::checkout::now_unix();
    crate::trust::write_timestamp(dir, &cfg, &online, 3600, now).unwrap();
    assert!(whole(dir).is_empty(), "{:#?}", whole(dir));
    t
}

#[test]
fn bins_are_checked_and_stale_ones_reported() {
    let t = signed_with_bins(1);
    let dir = t.path();
    let bins = existing_bin_files(dir).unwrap();
    assert!(bins.len() > 3);
    // A bin edited after signing: named, and its files are not each blamed.
    let edited = &bins[0];
    let text = std::fs::read_to_string(dir.join(edited)).unwrap() + "\n";
    std::fs::write(dir.join(edited), text).unwrap();
    // A bin file the snapshot does not list.
    let stray = "snapshot/zz.toml";
    std::fs::write(dir.join(stray), "x").unwrap();
    let d = whole(dir);
    assert_eq!(d.len(), 2, "{d:#?}");
    assert!(
        d[0].starts_with(&format!("{edited}: error: sha256 is")),
        "{d:#?}"
    );
    assert!(
        d[1].starts_with(&format!("{stray}: error: not a bin")),
        "{d:#?}"
    );
}

#[test]
fn bin_groups_are_checked_and_a_changed_group_blames_no_file_of_its_bins() {
    let t = signed_with_bins(3);
    let dir = t.path();
    let groups: Vec<String> = existing_bin_files(dir)
        .unwrap()
        .into_iter()
        .filter(|p| p.starts_with("snapshot/group-"))
        .collect();
    assert!(groups.len() > 3, "{groups:?}");
    let edited = &groups[0];
    let text = std::fs::read_to_string(dir.join(edited)).unwrap() + "\n";
    std::fs::write(dir.join(edited), text).unwrap();
    let d = whole(dir);
    assert_eq!(d.len(), 1, "{d:#?}");
    assert!(
        d[0].starts_with(&format!("{edited}: error: sha256 is")) && d[0].contains("bin group"),
        "{d:#?}"
    );
    // A missing group: named once too.
    std::fs::remove_file(dir.join(edited)).unwrap();
    let d = whole(dir);
    assert_eq!(d.len(), 1, "{d:#?}");
    assert!(
        d[0].contains("missing: snapshot.toml") && d[0].contains("lists bin group"),
        "{d:#?}"
    );
}

#[test]
fn the_timestamp_must_point_at_the_snapshot_and_expiry_warns() {
    let (t, info) = index(5);
    let dir = t.path();
    let online = plugres_schema::SigningKey::from_key_text(&info.online_key_text, None).unwrap();
    let cfg = crate::checkout::Checkout::open(dir)
        .unwrap()
        .load_config()
        .unwrap()
        .0;
    crate::trust::write_snapshot(dir, &online, crate::trust::Bins::Auto, 5).unwrap();
    let mut out = Vec::new();
    check_whole(dir, &cfg, 10, &mut out).unwrap();
    let d = strings(out);
    assert_eq!(d.len(), 2, "{d:#?}");
    assert!(
        d[0].contains("timestamp.toml: error: points at snapshot version 1")
            && d[0].contains("snapshot.toml is version 2"),
        "{d:#?}"
    );
    // The head still holds the files of timestamp 1.
    assert!(
        d[1].contains("head.bundle: error: does not carry the index's `snapshot.toml`, `snapshot.toml.minisig`; run `plugres-index timestamp`"),
        "{d:#?}"
    );
    crate::trust::write_timestamp(dir, &cfg, &online, 3600, 100).unwrap();
    let mut out = Vec::new();
    check_whole(dir, &cfg, 100 + 3600 + 7200, &mut out).unwrap();
    let d = strings(out);
    assert_eq!(d.len(), 1, "{d:#?}");
    assert!(
        d[0].starts_with("timestamp.toml: warning: expired 2h 0m ago")
            && d[0].contains("plugres-index timestamp"),
        "{d:#?}"
    );
    // Signed by a key without the role.
    let other = plugres_schema::SigningKey::generate().unwrap();
    crate::trust::write_snapshot(dir, &other, crate::trust::Bins::Auto, 5).unwrap();
    let mut out = Vec::new();
    check_whole(dir, &cfg, 10, &mut out).unwrap();
    let d = strings(out);
    assert!(
        d.iter()
            .any(|l| l.starts_with("snapshot.toml: error: `snapshot.toml` is signed only by key")),
        "{d:#?}"
    );
}

#[test]
fn a_pull_request_may_leave_the_snapshot_stale_but_not_roll_it_back() {
    let (t, info) = index(8);
    let dir = t.path();
    let v1 = git(dir, &["rev-parse", "HEAD"]).trim().to_string();
    let key = plugres_schema::SigningKey::from_key_text(&info.publisher_key_text, None).unwrap();
    plugres_bench::synth::publish_next_version(dir, &key, &info.names[2]).unwrap();
    let d = since(dir, &v1);
    assert_eq!(d.len(), 1, "{d:#?}");
    assert!(
        d[0].starts_with("snapshot.toml: warning: snapshot is stale"),
        "{d:#?}"
    );
    // The post-merge job signs; a change that touches the snapshot must match.
    snapshot_and_commit(dir, &info).unwrap();
    assert!(since(dir, &v1).is_empty(), "{:#?}", since(dir, &v1));
    let v2 = git(dir, &["rev-parse", "HEAD"]).trim().to_string();
    // Putting the old snapshot and timestamp back is a rollback.
    git(
        dir,
        &[
            "checkout",
            &v1,
            "--",
            "snapshot.toml",
            "snapshot.toml.minisig",
            "timestamp.toml",
            "timestamp.toml.minisig",
        ],
    );
    git(dir, &["commit", "-q", "-m", "rollback"]);
    let d = since(dir, &v2);
    assert!(
        d.iter()
            .any(|l| l.starts_with("snapshot.toml: error: version went down from 2")),
        "{d:#?}"
    );
    assert!(
        d.iter()
            .any(|l| l.starts_with("timestamp.toml: error: version went down from 2")),
        "{d:#?}"
    );
    // ...and the old snapshot no longer lists the published version.
    let rel = plugres_schema::index_path(&plugres_schema::PluginName::new(&info.names[2]).unwrap());
    assert!(
        d.iter()
            .any(|l| l.starts_with(&format!("{rel}: error: sha256 is"))),
        "{d:#?}"
    );
}

#[test]
fn trust_files_are_recognised() {
    for p in [
        "snapshot.toml",
        "snapshot.toml.minisig",
        "timestamp.toml",
        "timestamp.toml.minisig",
        "snapshot/3f.toml",
        "catalog/3f.toml",
    ] {
        assert!(is_trust_file(p), "{p}");
    }
    for p in [
        "config.toml",
        "plugins/2/ab.toml",
        "snapshots.toml",
        "README.md",
    ] {
        assert!(!is_trust_file(p), "{p}");
    }
}

#[test]
fn a_timestamp_larger_than_clients_read_is_refused() {
    let (t, _) = index(2);
    let dir = t.path();
    let cfg = crate::checkout::Checkout::open(dir)
        .unwrap()
        .load_config()
        .unwrap()
        .0;
    let path = dir.join(plugres_schema::TIMESTAMP_PATH);
    let mut text = std::fs::read_to_string(&path).unwrap();
    text.push_str(&format!(
        "# {}\n",
        "x".repeat(plugres_schema::MAX_TIMESTAMP_SIZE)
    ));
    std::fs::write(&path, text).unwrap();
    let mut out = Vec::new();
    check_whole(dir, &cfg, 10, &mut out).unwrap();
    let d = strings(out);
    assert!(
        d.iter()
            .any(|l| l.starts_with("timestamp.toml: error: larger than 16384 bytes")),
        "{d:#?}"
    );
}

/// README "The catalog": `validate` checks the catalog the snapshot lists
/// is exactly what the plugin files say, naming the plugins that differ.
#[test]
fn the_catalog_must_be_what_the_plugin_files_say() {
    let (t, info) = index(12);
    let dir = t.path();
    assert!(whole(dir).is_empty(), "{:#?}", whole(dir));
    let shard = "catalog/all.toml";
    let text = std::fs::read_to_string(dir.join(shard)).unwrap();
    assert!(text.contains(&info.names[3]), "{text}");
    // A publisher changes a description: the listed shard is now stale.
    let name = plugres_schema::PluginName::new(&info.names[3]).unwrap();
    let rel = plugres_schema::index_path(&name);
    let plugin = std::fs::read_to_string(dir.join(&rel)).unwrap();
    let edited = plugin.replacen("description = \"", "description = \"Now ", 1);
    assert_ne!(edited, plugin);
    let key = plugres_schema::SigningKey::from_key_text(&info.publisher_key_text, None).unwrap();
    std::fs::write(dir.join(&rel), &edited).unwrap();
    std::fs::write(
        dir.join(sig_path(&rel)),
        plugres_schema::sign(&key, &rel, edited.as_bytes(), 1).unwrap(),
    )
    .unwrap();
    let d = whole(dir);
    let stale = d
        .iter()
        .find(|l| l.starts_with(&format!("{shard}: error: ")))
        .unwrap_or_else(|| panic!("{d:#?}"));
    assert!(
        stale.contains(&format!("the entries of `{name}` differ")),
        "{stale}"
    );
    // Re-signing the snapshot brings the catalog up to date.
    let online = plugres_schema::SigningKey::from_key_text(&info.online_key_text, None).unwrap();
    crate::trust::write_snapshot(dir, &online, crate::trust::Bins::Auto, 5).unwrap();
    let after = std::fs::read_to_string(dir.join(shard)).unwrap();
    assert!(after.contains("Now "), "{after}");
    assert!(
        !whole(dir).iter().any(|l| l.starts_with("catalog/")),
        "{:#?}",
        whole(dir)
    );
    // A shard edited after signing, and a stray one.
    std::fs::write(dir.join(shard), after.replace("Now ", "Later ")).unwrap();
    std::fs::write(dir.join("catalog/ff.toml"), "x").unwrap();
    let d = whole(dir);
    assert!(
        d.iter()
            .any(|l| l.starts_with(&format!("{shard}: error: differs"))),
        "{d:#?}"
    );
    assert!(
        d.iter()
            .any(|l| l.starts_with("catalog/ff.toml: error: not a catalog shard")),
        "{d:#?}"
    );
}
