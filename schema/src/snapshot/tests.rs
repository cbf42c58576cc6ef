use super::*;

fn files(n: usize) -> BTreeMap<String, Sha256> {
    let mut m = BTreeMap::new();
    m.insert(CONFIG_PATH.to_string(), Sha256::of(b"config"));
    m.insert(
        format!("{CONFIG_PATH}{SIGNATURE_SUFFIX}"),
        Sha256::of(b"config sig"),
    );
    for i in 0..n {
        let name = PluginName::new(&format!("plugin-{i}")).unwrap();
        let p = crate::path::index_path(&name);
        m.insert(
            format!("{p}{SIGNATURE_SUFFIX}"),
            Sha256::of(format!("sig {i}").as_bytes()),
        );
        m.insert(p, Sha256::of(format!("file {i}").as_bytes()));
    }
    m
}

/// The signature texts whose digests [`files`] lists.
fn signatures(n: usize) -> BTreeMap<String, String> {
    (0..n)
        .map(|i| {
            let name = PluginName::new(&format!("plugin-{i}")).unwrap();
            (crate::path::index_path(&name), format!("sig {i}"))
        })
        .collect()
}

#[test]
fn flat_snapshot_round_trips_and_lists_every_file() {
    let all = files(3);
    let (snap, bins) = Snapshot::build(4, &all, &signatures(all.len() / 2 - 1), 0);
    assert!(bins.is_empty());
    let text = snap.to_toml();
    let parsed = Snapshot::parse(SNAPSHOT_PATH, text.as_bytes()).unwrap();
    assert_eq!(parsed, snap);
    for (path, sha) in &all {
        assert_eq!(parsed.listing(path), Listing::Listed(*sha), "{path}");
    }
    assert_eq!(parsed.listing("plugins/ot/he/other.toml"), Listing::Absent);
}

#[test]
fn binned_snapshot_puts_each_plugin_in_the_bin_of_its_name_hash() {
    let all = files(50);
    let (snap, bins) = Snapshot::build(9, &all, &signatures(all.len() / 2 - 1), 1);
    assert_eq!(snap.files.len(), 2, "only the config pair stays at the top");
    let parsed = Snapshot::parse(SNAPSHOT_PATH, snap.to_toml().as_bytes()).unwrap();
    assert_eq!(parsed, snap);
    let mut seen = 0;
    for (bin_file, text) in &bins {
        let id = bin_file
            .trim_start_matches("snapshot/")
            .trim_end_matches(".toml");
        assert_eq!(snap.bins[id], Sha256::of(text.as_bytes()));
        let bin = parse_bin(bin_file, text.as_bytes(), id).unwrap();
        for (path, sig) in &bin.signatures {
            assert_eq!(Sha256::of(sig.as_bytes()), all[&format!("{path}.minisig")]);
        }
        let listed = bin.files;
        for (path, sha) in &listed {
            assert_eq!(all[path], *sha);
            assert_eq!(
                parsed.listing(path),
                Listing::InBin {
                    id: id.to_string(),
                    sha256: Some(snap.bins[id])
                }
            );
        }
        seen += listed.len();
    }
    assert_eq!(
        seen, 100,
        "every plugin file and signature is in exactly one bin"
    );
    // The signature of a plugin sits in the same bin as its file.
    let p = crate::path::index_path(&PluginName::new("plugin-7").unwrap());
    assert_eq!(bin_of(&p, 2), bin_of(&format!("{p}.minisig"), 2));
}

#[test]
fn a_bin_file_is_checked_against_the_bin_it_claims() {
    let (_, bins) = Snapshot::build(1, &files(20), &signatures(20), 1);
    let (path, text) = &bins[0];
    let id = path
        .trim_start_matches("snapshot/")
        .trim_end_matches(".toml");
    let other = if id == "0" { "1" } else { "0" };
    let errs = parse_bin(path, text.as_bytes(), other).unwrap_err();
    assert!(
        errs[0]
            .to_string()
            .contains(&format!("expected bin `{other}`")),
        "{errs:?}"
    );
}

#[test]
fn refuses_bad_paths_digests_and_missing_config() {
    let text = "format = 1\nversion = 1\n[files]\n\"../etc/passwd\" = \"00\"\n\"plugins/he/ll/hello-world.toml\" = \"xyz\"\n";
    let errs: Vec<String> = Snapshot::parse(SNAPSHOT_PATH, text.as_bytes())
        .unwrap_err()
        .iter()
        .map(ToString::to_string)
        .collect();
    assert!(
        errs.iter()
            .any(|e| e.contains("snapshot.toml:4:") && e.contains("not the path of a plugin")),
        "{errs:#?}"
    );
    assert!(
        errs.iter()
            .any(|e| e.contains("snapshot.toml:5:") && e.contains("sha256")),
        "{errs:#?}"
    );
    assert!(
        errs.iter().any(|e| e.contains("must list `config.toml`")),
        "{errs:#?}"
    );
}

#[test]
fn binned_snapshot_may_not_list_plugin_files_at_the_top() {
    let (mut snap, _) = Snapshot::build(1, &files(2), &signatures(2), 1);
    snap.files
        .insert("plugins/he/ll/hello-world.toml".into(), Sha256::of(b"x"));
    let errs = Snapshot::parse(SNAPSHOT_PATH, snap.to_toml().as_bytes()).unwrap_err();
    assert!(
        errs[0].to_string().contains("belongs in a bin file"),
        "{errs:?}"
    );
}

#[test]
fn auto_bins_grow_with_the_index() {
    assert_eq!(auto_bin_digits(5), 0);
    assert_eq!(auto_bin_digits(512), 0);
    assert_eq!(auto_bin_digits(513), 1);
    assert_eq!(auto_bin_digits(1024), 1);
    assert_eq!(auto_bin_digits(1025), 2);
    assert_eq!(auto_bin_digits(10_000), 2);
    assert_eq!(auto_bin_digits(100_000), 3);
    assert_eq!(auto_bin_digits(10_000_000), 4);
}

#[test]
fn a_bin_id_longer_than_a_digest_is_refused_not_a_panic() {
    let id = "0".repeat(70);
    let text = format!(
        "format = 1\nbin = \"{id}\"\n[files]\n\"plugins/he/ll/hello-world.toml\" = \"{}\"\n",
        Sha256::of(b"x")
    );
    assert!(parse_bin("snapshot/x.toml", text.as_bytes(), &id).is_err());
    assert_eq!(bin_of("plugins/he/ll/hello-world.toml", 70), None);
}

#[test]
fn carries_each_plugin_files_signature_flat_or_binned() {
    let all = files(40);
    let (flat, _) = Snapshot::build(1, &all, &signatures(40), 0);
    let parsed = Snapshot::parse(SNAPSHOT_PATH, flat.to_toml().as_bytes()).unwrap();
    let p = crate::path::index_path(&PluginName::new("plugin-7").unwrap());
    assert_eq!(parsed.signature(&p), Some("sig 7"));
    let (binned, bins) = Snapshot::build(1, &all, &signatures(40), 1);
    assert!(
        binned.signatures.is_empty(),
        "binned: signatures sit in the bins"
    );
    let carried: usize = bins
        .iter()
        .map(|(path, text)| {
            let id = path
                .trim_start_matches("snapshot/")
                .trim_end_matches(".toml");
            parse_bin(path, text.as_bytes(), id)
                .unwrap()
                .signatures
                .len()
        })
        .sum();
    assert_eq!(carried, 40);
}

#[test]
fn refuses_an_inline_signature_that_is_not_the_listed_one() {
    let all = files(2);
    let p = crate::path::index_path(&PluginName::new("plugin-1").unwrap());
    let mut sigs = signatures(2);
    sigs.insert(p.clone(), "another signature".into());
    let (snap, _) = Snapshot::build(1, &all, &sigs, 0);
    let errs = Snapshot::parse(SNAPSHOT_PATH, snap.to_toml().as_bytes()).unwrap_err();
    assert!(
        errs[0]
            .to_string()
            .contains("not the signature `[files]` lists for"),
        "{errs:?}"
    );
    let mut sigs = signatures(2);
    sigs.insert("plugins/ot/he/other.toml".into(), "sig".into());
    let (mut snap, _) = Snapshot::build(1, &all, &signatures(2), 0);
    snap.signatures.extend(sigs);
    let errs = Snapshot::parse(SNAPSHOT_PATH, snap.to_toml().as_bytes()).unwrap_err();
    assert!(
        errs[0].to_string().contains("is not a plugin file listed"),
        "{errs:?}"
    );
}

#[test]
fn a_catalog_listing_round_trips_and_ids_are_checked() {
    let all = files(3);
    let (mut snap, _) = Snapshot::build(2, &all, &BTreeMap::new(), 0);
    let mut shards = BTreeMap::new();
    shards.insert("3f".to_string(), Sha256::of(b"shard"));
    snap.catalog = Some(crate::CatalogListing { digits: 2, shards });
    let text = snap.to_toml();
    assert!(text.contains("catalog-digits = 2"), "{text}");
    assert_eq!(
        Snapshot::parse(SNAPSHOT_PATH, text.as_bytes()).unwrap(),
        snap
    );
    let bad = text.replace("\"3f\"", "\"3g\"");
    let err = Snapshot::parse(SNAPSHOT_PATH, bad.as_bytes()).unwrap_err();
    assert!(err[0].message.contains("not a catalog shard id"), "{err:?}");
    let orphan = text.replace("catalog-digits = 2\n", "");
    let err = Snapshot::parse(SNAPSHOT_PATH, orphan.as_bytes()).unwrap_err();
    assert!(err[0].message.contains("needs `catalog-digits`"), "{err:?}");
}

#[test]
fn a_snapshot_of_three_digit_bins_lists_them_through_groups() {
    let all = files(300);
    let (snap, bins) = Snapshot::build(5, &all, &signatures(300), 3);
    assert_eq!(snap.group_digits, 1);
    let text = snap.to_toml();
    assert!(text.contains("bin-group-digits = 1\n") && text.contains("\n[bin-groups]\n"));
    assert!(!text.contains("\n[bins]\n"), "{text}");
    let parsed = Snapshot::parse(SNAPSHOT_PATH, text.as_bytes()).unwrap();
    assert!(parsed.bins.is_empty());
    assert_eq!(parsed.groups, snap.groups);
    // Every bin is found through its group, with the digest of its text.
    let groups: BTreeMap<String, String> = snap.group_files().into_iter().collect();
    assert_eq!(groups.len(), snap.groups.len());
    for (bin_file, text) in &bins {
        let bin = bin_file
            .trim_start_matches("snapshot/")
            .trim_end_matches(".toml");
        let group = group_of(bin, 1);
        let group_text = &groups[&group_path(&group)];
        assert_eq!(snap.groups[&group], Sha256::of(group_text.as_bytes()));
        let listed = parse_group("g", group_text.as_bytes(), &group, 3).unwrap();
        assert_eq!(listed[bin], Sha256::of(text.as_bytes()));
    }
    let path = crate::path::index_path(&PluginName::new("plugin-7").unwrap());
    let Listing::InGroup { group, bin, sha256 } = parsed.listing(&path) else {
        panic!("{:?}", parsed.listing(&path));
    };
    assert_eq!((group.len(), bin.len()), (1, 3));
    assert_eq!(auto_group_digits(4), 2);
    assert_eq!(sha256, Some(snap.groups[&group]));
}

#[test]
fn a_group_file_of_another_group_or_with_a_stray_bin_is_refused() {
    let all = files(300);
    let (snap, _) = Snapshot::build(5, &all, &signatures(300), 3);
    let (path, text) = snap.group_files().remove(0);
    let id = path
        .trim_start_matches("snapshot/group-")
        .trim_end_matches(".toml");
    let other = if id == "0" { "1" } else { "0" };
    let errs = parse_group(&path, text.as_bytes(), other, 3).unwrap_err();
    assert!(errs[0].message.contains("expected group"), "{errs:?}");
    let stray = format!("{text}\"{other}00\" = \"{}\"\n", Sha256::of(b"x"));
    let errs = parse_group(&path, stray.as_bytes(), id, 3).unwrap_err();
    assert!(
        errs.iter()
            .any(|e| e.message.contains("does not belong in group")),
        "{errs:?}"
    );
    // A grouped snapshot lists no bins itself.
    let text = snap
        .to_toml()
        .replace("[bin-groups]", "[bins]\n\"abc\" = \"00\"\n\n[bin-groups]");
    let errs = Snapshot::parse(SNAPSHOT_PATH, text.as_bytes()).unwrap_err();
    assert!(
        errs.iter()
            .any(|e| e.message.contains("lists its bins in the group files")),
        "{errs:?}"
    );
}
