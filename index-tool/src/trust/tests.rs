use super::*;

fn key() -> SigningKey {
    SigningKey::generate().unwrap()
}

fn put(dir: &Path, rel: &str, text: &str) {
    let full = dir.join(rel);
    std::fs::create_dir_all(full.parent().unwrap()).unwrap();
    std::fs::write(full, text).unwrap();
}

/// A tree with the shapes the snapshot must sort out: a config, two plugin
/// files (one without its signature), and files that are not signed index
/// files.
fn tree(dir: &Path) {
    put(dir, "config.toml", "config");
    put(dir, "config.toml.minisig", "config sig");
    put(dir, "plugins/he/ll/hello-world.toml", "hello");
    put(dir, "plugins/he/ll/hello-world.toml.minisig", "hello sig");
    put(dir, "plugins/2/ab.toml", "ab");
    put(dir, "plugins/xx/ll/hello-world.toml", "wrong folder");
    put(dir, "plugins/2/orphan.toml.minisig", "orphan sig");
    put(dir, "artifacts/hello-world/1.0.0/h.wasm", "wasm");
    put(dir, "README.md", "readme");
}

#[test]
fn the_tree_lists_exactly_the_signed_files_with_their_digests() {
    let t = tempfile::tempdir().unwrap();
    tree(t.path());
    let d = tree_digests(t.path()).unwrap();
    let paths: Vec<&str> = d.keys().map(String::as_str).collect();
    assert_eq!(
        paths,
        [
            "config.toml",
            "config.toml.minisig",
            "plugins/2/ab.toml",
            "plugins/he/ll/hello-world.toml",
            "plugins/he/ll/hello-world.toml.minisig",
        ]
    );
    assert_eq!(d["plugins/2/ab.toml"], Sha256::of(b"ab"));
}

#[test]
fn versions_rise_by_one_and_the_timestamp_points_at_the_snapshot() {
    let t = tempfile::tempdir().unwrap();
    let dir = t.path();
    tree(dir);
    let k = key();
    let first = write_snapshot(dir, &k, Bins::Auto, 10).unwrap();
    assert_eq!((first.version, first.bin_digits, first.files), (1, 0, 5));
    assert_eq!(first.changed, ["snapshot.toml", "snapshot.toml.minisig"]);
    let second = write_snapshot(dir, &k, Bins::Auto, 11).unwrap();
    assert_eq!(second.version, 2);
    let bytes = std::fs::read(dir.join(SNAPSHOT_PATH)).unwrap();
    let snap = Snapshot::parse(SNAPSHOT_PATH, &bytes).unwrap();
    assert_eq!(snap.version, 2);
    assert_eq!(snap.files.len(), 5);
    // Signed for its path, by the key.
    let cfg = config_with_online(&k);
    let sig = std::fs::read(dir.join("snapshot.toml.minisig")).unwrap();
    let keys = cfg.snapshot_keys.iter().map(|k| (&k.id, &k.public));
    plugres_schema::verify(SNAPSHOT_PATH, &bytes, &sig, keys).unwrap();

    let ts = write_timestamp(dir, &cfg, &k, 3600, 100).unwrap();
    assert_eq!((ts.version, ts.expires, ts.snapshot_version), (1, 3700, 2));
    assert_eq!(ts.snapshot_sha256, Sha256::of(&bytes).to_hex());
    assert_eq!(ts.snapshot_size, bytes.len() as u64);
    let ts = write_timestamp(dir, &cfg, &k, 3600, 200).unwrap();
    assert_eq!(ts.version, 2);
    let parsed = Timestamp::parse(
        TIMESTAMP_PATH,
        &std::fs::read(dir.join(TIMESTAMP_PATH)).unwrap(),
    )
    .unwrap();
    assert_eq!((parsed.version, parsed.expires), (2, 3800));
}

#[test]
fn a_timestamp_needs_a_snapshot_signed_by_a_snapshot_key() {
    let t = tempfile::tempdir().unwrap();
    let dir = t.path();
    tree(dir);
    let (online, other) = (key(), key());
    let cfg = config_with_online(&online);
    let err = write_timestamp(dir, &cfg, &online, 60, 1).unwrap_err();
    assert!(
        format!("{err:#}").contains("run `plugres-index snapshot` first"),
        "{err:#}"
    );
    write_snapshot(dir, &other, Bins::Auto, 1).unwrap();
    let err = write_timestamp(dir, &cfg, &online, 60, 1).unwrap_err();
    assert!(format!("{err:#}").contains("does not verify"), "{err:#}");
    assert!(!dir.join(TIMESTAMP_PATH).exists());
}

#[test]
fn bins_are_rewritten_only_when_they_change_and_stale_ones_go() {
    let t = tempfile::tempdir().unwrap();
    let dir = t.path();
    tree(dir);
    let k = key();
    let first = write_snapshot(dir, &k, Bins::Digits(2), 1).unwrap();
    assert_eq!(first.bins, 2);
    assert_eq!(existing_bin_files(dir).unwrap().len(), 2);
    // Nothing changed: only snapshot.toml is rewritten.
    let again = write_snapshot(dir, &k, Bins::Digits(2), 2).unwrap();
    assert_eq!(again.changed, ["snapshot.toml", "snapshot.toml.minisig"]);
    // One plugin changed: its bin only.
    put(dir, "plugins/2/ab.toml", "ab v2");
    let changed = write_snapshot(dir, &k, Bins::Digits(2), 3).unwrap();
    let ab_bin = plugres_schema::bin_path(&plugres_schema::bin_of("plugins/2/ab.toml", 2).unwrap());
    assert_eq!(
        changed.changed,
        ["snapshot.toml", "snapshot.toml.minisig", ab_bin.as_str()]
    );
    // Back to no bins: the bin files are removed (and listed for the commit).
    put(dir, "snapshot/zz.toml", "stray");
    let flat = write_snapshot(dir, &k, Bins::Digits(0), 4).unwrap();
    assert_eq!(flat.changed.len(), 5, "{:?}", flat.changed);
    assert!(existing_bin_files(dir).unwrap().is_empty());
}

#[test]
fn three_digit_bins_are_listed_through_groups_and_one_change_rewrites_one_of_each() {
    let t = tempfile::tempdir().unwrap();
    let dir = t.path();
    tree(dir);
    let k = key();
    let first = write_snapshot(dir, &k, Bins::Digits(3), 1).unwrap();
    assert_eq!((first.bins, first.groups), (2, 2));
    assert_eq!(existing_bin_files(dir).unwrap().len(), 4);
    let text = std::fs::read_to_string(dir.join(SNAPSHOT_PATH)).unwrap();
    assert!(
        text.contains("[bin-groups]") && !text.contains("[bins]"),
        "{text}"
    );
    // One plugin changed: its bin, its group and snapshot.toml.
    put(dir, "plugins/2/ab.toml", "ab v2");
    let changed = write_snapshot(dir, &k, Bins::Digits(3), 2).unwrap();
    let bin = plugres_schema::bin_of("plugins/2/ab.toml", 3).unwrap();
    let group = plugres_schema::group_path(&plugres_schema::group_of(&bin, 1));
    let mut want = vec![
        "snapshot.toml".to_string(),
        "snapshot.toml.minisig".to_string(),
        plugres_schema::bin_path(&bin),
        group,
    ];
    want.sort();
    assert_eq!(changed.changed, want);
    // The previous snapshot's bins are read back through its groups.
    let previous = previous_snapshot(dir).unwrap().unwrap();
    assert_eq!(previous.bins.len(), 2);
    assert!(previous.catalog.is_some());
}

#[test]
fn an_unparsable_previous_snapshot_stops_the_next() {
    let t = tempfile::tempdir().unwrap();
    tree(t.path());
    put(t.path(), SNAPSHOT_PATH, "version = \"x\"");
    let err = write_snapshot(t.path(), &key(), Bins::Auto, 1).unwrap_err();
    assert!(format!("{err:#}").contains("does not parse"), "{err:#}");
}

#[test]
fn roles_are_checked_and_the_allowed_ids_named() {
    let (online, other) = (key(), key());
    let cfg = config_with_online(&online);
    assert_eq!(
        check_role(&cfg.snapshot_keys, &online, "snapshot")
            .unwrap()
            .id
            .as_str(),
        "online-snapshot"
    );
    let err = check_role(&cfg.snapshot_keys, &other, "snapshot")
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("not a snapshot key") && err.contains("`online-snapshot`"),
        "{err}"
    );
    let err = check_role(&[], &other, "timestamp")
        .unwrap_err()
        .to_string();
    assert!(err.contains("no `[[timestamp-key]]`"), "{err}");
    assert_eq!("auto".parse::<Bins>(), Ok(Bins::Auto));
    assert_eq!("3".parse::<Bins>(), Ok(Bins::Digits(3)));
    assert!("5".parse::<Bins>().is_err());
}

fn config_with_online(online: &SigningKey) -> IndexConfig {
    let root = key();
    let text = format!(
        "format = 1\nname = \"t\"\nengine = \"demo-engine\"\n\n[[root-key]]\nid = \"root\"\npublic = \"{}\"\n\n[[snapshot-key]]\nid = \"online-snapshot\"\npublic = \"{p}\"\n\n[[timestamp-key]]\nid = \"online-timestamp\"\npublic = \"{p}\"\n",
        root.public_base64(),
        p = online.public_base64()
    );
    IndexConfig::parse(CONFIG_PATH, text.as_bytes()).unwrap()
}
