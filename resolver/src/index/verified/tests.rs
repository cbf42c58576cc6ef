use super::*;
use crate::index::PathBackend;
use crate::index::fixture::{TestIndex, TestPlugin};
use plugres_schema::{CONFIG_PATH, SignatureError, SigningKey, render};

fn name(s: &str) -> PluginName {
    PluginName::new(s).unwrap()
}

fn hello() -> TestPlugin {
    TestPlugin::new("hello-world")
        .keyword("greeting")
        .version("1.0.0", ">=1")
        .artifact("any")
}

fn read(ix: &TestIndex, path: &str) -> Vec<u8> {
    std::fs::read(ix.root().join(path)).unwrap()
}

#[test]
fn a_good_file_verifies_and_misses_are_none() {
    let ix = TestIndex::new();
    let published = ix.publish(hello(), "maint");
    let index = ix.open().unwrap();
    assert_eq!(index.config().name, "test");
    let got = index.plugin(&name("hello-world")).unwrap().unwrap();
    assert_eq!(render::plugin_file(&got), render::plugin_file(&published));
    assert!(index.plugin(&name("nope")).unwrap().is_none());
}

#[test]
fn one_changed_byte_is_refused() {
    let ix = TestIndex::new();
    ix.publish(hello(), "maint");
    let path = "plugins/he/ll/hello-world.toml";
    let text = String::from_utf8(read(&ix, path)).unwrap();
    ix.write(path, text.replacen("1.0.0", "1.0.1", 1).as_bytes());
    let err = ix.open().unwrap().plugin(&name("hello-world")).unwrap_err();
    assert!(
        matches!(
            &err,
            IndexError::Signature {
                source: SignatureError::BadSignature { .. },
                ..
            }
        ),
        "{err}"
    );
    let msg = err.to_string();
    assert!(msg.contains(&format!("`{path}`")), "{msg}");
    assert!(msg.contains("registry `default`"), "{msg}");
    assert!(msg.contains("tampered"), "{msg}");
}

#[test]
fn a_file_moved_with_its_signature_is_refused() {
    let ix = TestIndex::new();
    ix.publish(hello(), "maint");
    ix.publish(
        TestPlugin::new("bye").version("1.0.0", "*").artifact("any"),
        "maint",
    );
    let a = "plugins/he/ll/hello-world.toml";
    let b = "plugins/3/b/bye.toml";
    // A's genuine file and signature served at B's path.
    ix.write(b, &read(&ix, a));
    ix.write(&format!("{b}.minisig"), &read(&ix, &format!("{a}.minisig")));
    let err = ix.open().unwrap().plugin(&name("bye")).unwrap_err();
    assert!(
        matches!(
            &err,
            IndexError::Signature {
                source: SignatureError::WrongPath { signed_for, .. },
                ..
            } if signed_for == a
        ),
        "{err}"
    );
}

#[test]
fn a_signature_of_another_file_is_refused() {
    let ix = TestIndex::new();
    ix.publish(hello(), "maint");
    ix.publish(
        TestPlugin::new("bye").version("1.0.0", "*").artifact("any"),
        "maint",
    );
    let sig = read(&ix, "plugins/he/ll/hello-world.toml.minisig");
    ix.write("plugins/3/b/bye.toml.minisig", &sig);
    let err = ix.open().unwrap().plugin(&name("bye")).unwrap_err();
    assert!(
        matches!(
            &err,
            IndexError::Signature {
                source: SignatureError::BadSignature { .. },
                ..
            }
        ),
        "{err}"
    );
}

#[test]
fn a_key_outside_its_scope_is_refused() {
    let ix = TestIndex::with_publishers(&[("acme", &["acme-*"]), ("other", &["other-*"])]);
    ix.publish(
        TestPlugin::new("acme-audit")
            .version("1.0.0", "*")
            .artifact("any"),
        "other",
    );
    ix.publish(
        TestPlugin::new("other-thing")
            .version("1.0.0", "*")
            .artifact("any"),
        "other",
    );
    let index = ix.open().unwrap();
    assert!(index.plugin(&name("other-thing")).unwrap().is_some());
    let err = index.plugin(&name("acme-audit")).unwrap_err();
    assert!(
        matches!(
            &err,
            IndexError::Signature {
                source: SignatureError::UntrustedKey { allowed, .. },
                ..
            } if &**allowed == "`acme`"
        ),
        "{err}"
    );
}

#[test]
fn a_config_signed_by_an_unpinned_key_is_refused() {
    let ix = TestIndex::new();
    let stranger = SigningKey::generate().unwrap();
    let text = read(&ix, CONFIG_PATH);
    ix.write_signed(CONFIG_PATH, &text, &stranger);
    let err = ix.open().unwrap_err();
    assert!(matches!(err, IndexError::ConfigNotTrusted { .. }), "{err}");
    let msg = err.to_string();
    assert!(msg.contains("root-keys"), "{msg}");
    assert!(msg.contains(ix.root_public().as_str()), "{msg}");

    // Nor does pinning nothing, or pinning the wrong key, open it.
    let open = |keys: &[PublicKey]| {
        VerifiedIndex::open(Box::new(PathBackend::new(ix.root())), "default", keys)
    };
    assert!(matches!(
        open(&[]),
        Err(IndexError::ConfigNotTrusted { .. })
    ));
    // Pinned but not a root key of the config it signed.
    let other = PublicKey::parse(&stranger.public_base64()).unwrap();
    assert!(matches!(
        open(&[ix.root_public(), other.clone()]),
        Err(IndexError::RootKeyRetired { .. })
    ));
    // Signed again by the real root key, which is pinned second.
    ix.write_signed(CONFIG_PATH, &text, &ix.root_key);
    assert!(open(&[other, ix.root_public()]).is_ok());
}

#[test]
fn a_root_rotation_needs_the_new_keys_signature_too() {
    let ix = TestIndex::new();
    let text = String::from_utf8(read(&ix, CONFIG_PATH)).unwrap();
    let mut config = IndexConfig::parse(CONFIG_PATH, text.as_bytes()).unwrap();
    let new_root = SigningKey::generate().unwrap();
    config.root_keys[0].public = PublicKey::parse(&new_root.public_base64()).unwrap();
    config.version = 2;
    // Signed by the old (pinned) key only: the new key never agreed.
    ix.write_config(&config, &ix.root_key);
    let err = ix.open().unwrap_err();
    assert!(
        matches!(&err, IndexError::RotationNotSigned { key, .. } if key == "root"),
        "{err}"
    );
    // Signed by both: the rotation is accepted with the old key pinned.
    let new_text = render::config_file(&config);
    let both = [&ix.root_key, &new_root]
        .iter()
        .map(|k| plugres_schema::sign(k, CONFIG_PATH, new_text.as_bytes(), 1).unwrap())
        .collect::<String>();
    std::fs::write(ix.root().join("config.toml.minisig"), both).unwrap();
    let index = ix.open().unwrap();
    assert_eq!(
        index.config().root_keys[0].public,
        config.root_keys[0].public
    );
}

#[test]
fn missing_signatures_are_refused() {
    let ix = TestIndex::new();
    ix.publish(hello(), "maint");
    std::fs::remove_file(ix.root().join("plugins/he/ll/hello-world.toml.minisig")).unwrap();
    let err = ix.open().unwrap().plugin(&name("hello-world")).unwrap_err();
    assert!(
        matches!(&err, IndexError::MissingSignature { path, .. } if path == "plugins/he/ll/hello-world.toml"),
        "{err}"
    );
    std::fs::remove_file(ix.root().join("config.toml.minisig")).unwrap();
    let err = ix.open().unwrap_err();
    assert!(
        matches!(&err, IndexError::MissingSignature { path, .. } if path == CONFIG_PATH),
        "{err}"
    );
    std::fs::remove_file(ix.root().join("config.toml")).unwrap();
    assert!(matches!(ix.open(), Err(IndexError::MissingConfig { .. })));
}

#[test]
fn signed_but_invalid_or_misplaced_files_are_refused() {
    let ix = TestIndex::new();
    let key = ix.publisher("maint");
    let path = "plugins/3/b/bad.toml";
    ix.write_signed(path, b"name = \"bad\"\n", key);
    let err = ix.open().unwrap().plugin(&name("bad")).unwrap_err();
    assert!(matches!(err, IndexError::Invalid { .. }), "{err}");
    assert!(err.to_string().contains(path), "{err}");

    // hello-world's content, correctly signed for bye's path.
    let text = render::plugin_file(&ix.publish(hello(), "maint"));
    ix.write_signed("plugins/3/b/bye.toml", text.as_bytes(), key);
    let err = ix.open().unwrap().plugin(&name("bye")).unwrap_err();
    assert!(matches!(err, IndexError::NameMismatch { .. }), "{err}");
}

#[test]
fn files_read_counts_only_what_was_asked() {
    let ix = TestIndex::new();
    for n in ["alpha", "beta", "gamma", "delta", "epsilon"] {
        ix.publish(
            TestPlugin::new(n).version("1.0.0", "*").artifact("any"),
            "maint",
        );
    }
    let index = ix.open().unwrap();
    assert_eq!(index.files_read(), 0);
    index.plugin(&name("beta")).unwrap().unwrap();
    index.plugin(&name("delta")).unwrap().unwrap();
    index.plugin(&name("beta")).unwrap().unwrap();
    assert_eq!(index.files_read(), 2);
    assert!(index.plugin(&name("zeta")).unwrap().is_none());
    assert!(index.plugin(&name("zeta")).unwrap().is_none());
    assert_eq!(index.files_read(), 3);
}

#[test]
fn without_a_catalog_the_catalog_is_derived_from_every_plugin_file() {
    let ix = TestIndex::new();
    ix.publish(hello(), "maint");
    ix.publish(
        TestPlugin::new("bye").version("1.0.0", "*").artifact("any"),
        "maint",
    );
    ix.write("plugins/README.md", b"not a plugin");
    let index = ix.open().unwrap();
    assert!(!index.has_catalog());
    let mut names: Vec<String> = index
        .catalog()
        .unwrap()
        .iter()
        .map(|e| e.name.to_string())
        .collect();
    names.sort();
    assert_eq!(names, ["bye", "hello-world"]);
    assert_eq!(index.files_read(), 2);

    // A tampered file fails the catalog rather than being skipped silently.
    ix.write("plugins/3/b/bye.toml", b"name = \"bye\"\n");
    let fresh = ix.open().unwrap();
    assert!(fresh.catalog().is_err());
}

/// README "The catalog": with a snapshot listing one, the catalog is read
/// from its shards (no plugin file), checked against the listed digests,
/// and kept by digest so the next run reads no shard.
#[test]
fn a_listed_catalog_is_read_from_its_shards_and_kept_by_digest() {
    let ix = TestIndex::new();
    ix.publish(hello(), "maint");
    ix.publish(
        TestPlugin::new("bye").version("1.0.0", "*").artifact("any"),
        "maint",
    );
    let online = ix.enable_snapshots();
    ix.snapshot_with_catalog(&online, 1, 0, Some(1));
    ix.timestamp(&online, 1, plugres_schema::time::now() + 3600);
    let home = tempfile::tempdir().unwrap();
    let open = || {
        let opts = crate::index::TrustOptions {
            dir: Some(home.path().join("trust")),
            verified_entries: Some(home.path().join("verified")),
            ..Default::default()
        };
        VerifiedIndex::open_with(
            Box::new(PathBackend::new(ix.root())),
            "default",
            &[ix.root_public()],
            &opts,
        )
        .unwrap()
    };
    let index = open();
    assert!(index.has_catalog());
    let mut catalog = index.catalog().unwrap();
    catalog.sort_by(|a, b| a.name.cmp(&b.name));
    let names: Vec<&str> = catalog.iter().map(|e| e.name.as_str()).collect();
    assert_eq!(names, ["bye", "hello-world"]);
    assert_eq!(catalog[1].keywords, ["greeting"]);
    assert_eq!(index.files_read(), 0, "no plugin file read");
    drop(index);

    // Kept by digest: the shards are not read again.
    let shards: Vec<std::path::PathBuf> = std::fs::read_dir(ix.root().join("catalog"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(shards.len(), 2, "one shard per plugin's name hash");
    let saved: Vec<Vec<u8>> = shards.iter().map(|p| std::fs::read(p).unwrap()).collect();
    for p in &shards {
        std::fs::remove_file(p).unwrap();
    }
    let mut again = open().catalog().unwrap();
    again.sort_by(|a, b| a.name.cmp(&b.name));
    assert_eq!(again, catalog);

    // A shard that is not the listed one is refused, like any index file.
    for (p, bytes) in shards.iter().zip(&saved) {
        let text = String::from_utf8(bytes.clone()).unwrap();
        std::fs::write(p, text.replace(" plugin\"", " plugln\"")).unwrap();
    }
    let _ = std::fs::remove_dir_all(home.path().join("verified"));
    let err = open().catalog().unwrap_err();
    assert!(
        matches!(&err, IndexError::SnapshotMismatch { path, .. } if path.starts_with("catalog/")),
        "{err}"
    );
}

#[test]
fn artifact_locations() {
    let ix = TestIndex::new();
    let file = ix.publish(hello(), "maint");
    let index = ix.open().unwrap();
    let mut a = file.versions[0].artifacts[0].clone();
    assert_eq!(
        index.artifact_location(&a),
        ArtifactLocation::Path(ix.root().join("hello-world/1.0.0/any.bin"))
    );
    a.url = "https://cdn.example.com/x.wasm".into();
    assert_eq!(
        index.artifact_location(&a),
        ArtifactLocation::Url(a.url.clone())
    );

    let mut config = index.config().clone();
    config.artifact_base = Some("https://cdn.example.com/p/".into());
    ix.write_config(&config, &ix.root_key);
    let index = ix.open().unwrap();
    a.url = "hello-world/1.0.0/any.bin".into();
    assert_eq!(
        index.artifact_location(&a),
        ArtifactLocation::Url("https://cdn.example.com/p/hello-world/1.0.0/any.bin".into())
    );
}

#[test]
fn the_sample_index_verifies_end_to_end() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../sample-index");
    let config = std::fs::read(root.join(CONFIG_PATH)).unwrap();
    // Pin the root key the sample config names (a user pins it from the
    // README); every signature below must still chain to it.
    let pinned: Vec<PublicKey> = IndexConfig::parse(CONFIG_PATH, &config)
        .unwrap()
        .root_keys
        .into_iter()
        .map(|k| k.public)
        .collect();
    let index = VerifiedIndex::open(Box::new(PathBackend::new(&root)), "sample", &pinned).unwrap();
    let catalog = index.catalog().unwrap();
    let all: Vec<Arc<PluginFile>> = catalog
        .iter()
        .map(|e| index.plugin(&e.name).unwrap().unwrap())
        .collect();
    assert!(
        all.iter().any(|p| p.name.as_str() == "hello-world"),
        "{all:?}"
    );
    assert_eq!(index.files_read(), all.len());
    assert_eq!(
        catalog,
        all.iter()
            .map(|p| plugres_schema::CatalogEntry::of(p))
            .collect::<Vec<_>>(),
        "the sample catalog is what its plugin files say"
    );
    for p in &all {
        for v in &p.versions {
            for a in &v.artifacts {
                if let ArtifactLocation::Path(file) = index.artifact_location(a) {
                    assert!(file.is_file(), "{}", file.display());
                }
            }
        }
    }
}
