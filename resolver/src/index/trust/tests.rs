//! The trust chain on a real signed index in a temp dir (path backend):
//! each attack the snapshot and timestamp exist for, refused.

use plugres_schema::{PluginName, SigningKey};

use crate::index::IndexError;
use crate::index::fixture::{TestIndex, TestPlugin};

const NOW: u64 = 1_800_000_000;
const DAY: u64 = 86_400;

fn hello(yank: bool) -> TestPlugin {
    let p = TestPlugin::new("hello-world")
        .version("1.0.0", ">=1")
        .artifact("any");
    let p = p.version("1.1.0", ">=1").artifact("any");
    if yank {
        p.yanked(Some("CVE-2026-0001"))
    } else {
        p
    }
}

fn name() -> PluginName {
    PluginName::new("hello-world").unwrap()
}

/// An index with snapshots: hello-world published, snapshot 1, timestamp 1.
fn index() -> (TestIndex, SigningKey, tempfile::TempDir) {
    let ix = TestIndex::new();
    let online = ix.enable_snapshots();
    ix.publish(hello(false), "maint");
    ix.snapshot(&online, 1, 0);
    ix.timestamp(&online, 1, NOW + 7 * DAY);
    (ix, online, tempfile::tempdir().unwrap())
}

/// Copies every file of the index (a "generation" a host could replay).
fn generation(ix: &TestIndex) -> tempfile::TempDir {
    let copy = tempfile::tempdir().unwrap();
    for e in walkdir::WalkDir::new(ix.root()) {
        let e = e.unwrap();
        let to = copy.path().join(e.path().strip_prefix(ix.root()).unwrap());
        if e.file_type().is_dir() {
            std::fs::create_dir_all(&to).unwrap();
        } else {
            std::fs::copy(e.path(), &to).unwrap();
        }
    }
    copy
}

fn restore(ix: &TestIndex, from: &std::path::Path, path: &str) {
    std::fs::copy(from.join(path), ix.root().join(path)).unwrap();
}

#[test]
fn a_current_index_opens_and_plugins_are_checked_against_the_snapshot() {
    let (ix, _, trust) = index();
    let index = ix.open_trusted(trust.path(), NOW).unwrap();
    assert_eq!(index.snapshot_version(), Some(1));
    assert!(index.plugin(&name()).unwrap().is_some());
    // Not listed in the snapshot: not in the index, even if served.
    ix.publish(
        TestPlugin::new("sneaky")
            .version("1.0.0", ">=1")
            .artifact("any"),
        "maint",
    );
    let index = ix.open_trusted(trust.path(), NOW).unwrap();
    assert!(
        index
            .plugin(&PluginName::new("sneaky").unwrap())
            .unwrap()
            .is_none()
    );
}

#[test]
fn rollback_to_an_older_snapshot_is_refused_after_a_newer_one_was_seen() {
    let (ix, online, trust) = index();
    let old = generation(&ix);
    ix.publish(hello(true), "maint");
    ix.snapshot(&online, 2, 0);
    ix.timestamp(&online, 2, NOW + 7 * DAY);
    let index = ix.open_trusted(trust.path(), NOW).unwrap();
    assert!(index.plugin(&name()).unwrap().unwrap().versions[1].yanked);
    drop(index);
    // The host replays generation 1 whole: un-yanking 1.1.0.
    for f in [
        "timestamp.toml",
        "timestamp.toml.minisig",
        "snapshot.toml",
        "snapshot.toml.minisig",
        "plugins/he/ll/hello-world.toml",
        "plugins/he/ll/hello-world.toml.minisig",
    ] {
        restore(&ix, old.path(), f);
    }
    let err = ix.open_trusted(trust.path(), NOW).unwrap_err();
    assert!(
        matches!(
            err,
            IndexError::Rollback {
                path: "timestamp.toml",
                found: 1,
                seen: 2,
                ..
            }
        ),
        "{err}"
    );
    assert!(err.to_string().contains("rollback"), "{err}");
    // A fresh timestamp over the old snapshot is refused too.
    ix.timestamp(&online, 3, NOW + 7 * DAY);
    let err = ix.open_trusted(trust.path(), NOW).unwrap_err();
    assert!(
        matches!(
            err,
            IndexError::Rollback {
                path: "snapshot.toml",
                found: 1,
                seen: 2,
                ..
            }
        ),
        "{err}"
    );
}

#[test]
fn an_expired_timestamp_is_refused_unless_allowed() {
    let (ix, _, trust) = index();
    let later = NOW + 9 * DAY;
    let err = ix.open_trusted(trust.path(), later).unwrap_err();
    let text = err.to_string();
    assert!(matches!(err, IndexError::Expired { .. }), "{text}");
    assert!(
        text.contains("expired 2d ago") && text.contains("--allow-expired-index"),
        "{text}"
    );
    let opts = crate::index::TrustOptions {
        dir: Some(trust.path().to_path_buf()),
        allow_expired: true,
        now: Some(later),
        ..Default::default()
    };
    let backend = Box::new(crate::index::PathBackend::new(ix.root()));
    let index =
        crate::index::VerifiedIndex::open_with(backend, "default", &[ix.root_public()], &opts)
            .unwrap();
    assert!(
        index.warnings()[0].contains("stale"),
        "{:?}",
        index.warnings()
    );
}

#[test]
fn a_plugin_file_from_another_generation_is_refused() {
    let (ix, online, trust) = index();
    let old = generation(&ix);
    ix.publish(hello(true), "maint");
    ix.snapshot(&online, 2, 0);
    ix.timestamp(&online, 2, NOW + 7 * DAY);
    // New snapshot, old (validly signed) plugin file: mix-and-match.
    restore(&ix, old.path(), "plugins/he/ll/hello-world.toml");
    restore(&ix, old.path(), "plugins/he/ll/hello-world.toml.minisig");
    let index = ix.open_trusted(trust.path(), NOW).unwrap();
    let err = index.plugin(&name()).unwrap_err();
    assert!(
        matches!(err, IndexError::SnapshotMismatch { snapshot: 2, .. }),
        "{err}"
    );
    assert!(err.to_string().contains("mix-and-match"), "{err}");
}

#[test]
fn a_listed_file_that_is_not_served_is_an_error_not_an_absence() {
    let (ix, _, trust) = index();
    std::fs::remove_file(ix.root().join("plugins/he/ll/hello-world.toml")).unwrap();
    let index = ix.open_trusted(trust.path(), NOW).unwrap();
    let err = index.plugin(&name()).unwrap_err();
    assert!(
        matches!(err, IndexError::MissingFromSnapshot { snapshot: 1, .. }),
        "{err}"
    );
}

/// An index with snapshot keys, hello-world and `extra-0`…`extra-19`.
fn hello_and_twenty_extras() -> (TestIndex, SigningKey) {
    let ix = TestIndex::new();
    let online = ix.enable_snapshots();
    ix.publish(hello(false), "maint");
    for i in 0..20 {
        ix.publish(
            TestPlugin::new(&format!("extra-{i}"))
                .version("1.0.0", ">=1")
                .artifact("any"),
            "maint",
        );
    }
    (ix, online)
}

#[test]
fn binned_snapshots_work_and_a_tampered_bin_is_refused() {
    let (ix, online) = hello_and_twenty_extras();
    ix.snapshot(&online, 1, 1);
    ix.timestamp(&online, 1, NOW + DAY);
    let trust = tempfile::tempdir().unwrap();
    let index = ix.open_trusted(trust.path(), NOW).unwrap();
    index.prefetch(&[name(), PluginName::new("extra-3").unwrap()]);
    assert!(index.plugin(&name()).unwrap().is_some());
    assert!(
        index
            .plugin(&PluginName::new("extra-19").unwrap())
            .unwrap()
            .is_some()
    );
    drop(index);
    let bin = plugres_schema::bin_of("plugins/he/ll/hello-world.toml", 1).unwrap();
    let path = ix.root().join(plugres_schema::bin_path(&bin));
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, text.replace("[files]", "[files]\n")).unwrap();
    let index = ix.open_trusted(trust.path(), NOW).unwrap();
    let err = index.plugin(&name()).unwrap_err();
    assert!(matches!(err, IndexError::SnapshotMismatch { .. }), "{err}");
}

#[test]
fn grouped_bins_work_and_a_tampered_group_is_refused() {
    let (ix, online) = hello_and_twenty_extras();
    // Three-digit bins: the snapshot lists groups, the groups list bins.
    let text = String::from_utf8(ix.snapshot(&online, 1, 3)).unwrap();
    assert!(text.contains("[bin-groups]"), "{text}");
    ix.timestamp(&online, 1, NOW + DAY);
    let trust = tempfile::tempdir().unwrap();
    let index = ix.open_trusted(trust.path(), NOW).unwrap();
    index.prefetch(&[name(), PluginName::new("extra-3").unwrap()]);
    assert!(index.plugin(&name()).unwrap().is_some());
    let extra = PluginName::new("extra-19").unwrap();
    assert!(index.plugin(&extra).unwrap().is_some());
    assert!(
        index
            .plugin(&PluginName::new("nope").unwrap())
            .unwrap()
            .is_none()
    );
    drop(index);
    // A group changed after the snapshot was signed: refused like a bin.
    let bin = plugres_schema::bin_of("plugins/he/ll/hello-world.toml", 3).unwrap();
    let group = plugres_schema::group_of(&bin, plugres_schema::auto_group_digits(3));
    let path = ix.root().join(plugres_schema::group_path(&group));
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, text.replace("[bins]", "[bins]\n")).unwrap();
    let fresh = tempfile::tempdir().unwrap();
    let index = ix.open_trusted(fresh.path(), NOW).unwrap();
    let err = index.plugin(&name()).unwrap_err();
    assert!(matches!(err, IndexError::SnapshotMismatch { .. }), "{err}");
}

#[test]
fn a_revoked_publisher_key_is_named_by_its_key_id() {
    let (ix, online, trust) = index();
    let mut config = ix.config();
    let revoked = plugres_schema::public_key_id(&config.publisher_keys[0].public);
    config.publisher_keys.clear();
    config.version += 1;
    ix.write_config(&config, &ix.root_key);
    ix.snapshot(&online, 2, 0);
    ix.timestamp(&online, 2, NOW + DAY);
    let index = ix.open_trusted(trust.path(), NOW).unwrap();
    let err = index.plugin(&name()).unwrap_err().to_string();
    assert!(
        err.contains(&format!("signed only by key `{revoked}`")),
        "{err}"
    );
}

#[test]
fn a_config_rollback_or_reuse_of_its_version_is_refused() {
    let (ix, online, trust) = index();
    ix.open_trusted(trust.path(), NOW).unwrap();
    let old = generation(&ix);
    let mut config = ix.config();
    config.description = Some("changed".into());
    config.version += 1;
    ix.write_config(&config, &ix.root_key);
    ix.snapshot(&online, 2, 0);
    ix.timestamp(&online, 2, NOW + DAY);
    ix.open_trusted(trust.path(), NOW).unwrap();
    // Same version, other bytes.
    config.description = Some("changed again".into());
    ix.write_config(&config, &ix.root_key);
    ix.snapshot(&online, 3, 0);
    ix.timestamp(&online, 3, NOW + DAY);
    let err = ix.open_trusted(trust.path(), NOW).unwrap_err();
    assert!(
        matches!(err, IndexError::ConfigVersionReused { .. }),
        "{err}"
    );
    // The old config, listed by a new snapshot (snapshot key abuse).
    restore(&ix, old.path(), "config.toml");
    restore(&ix, old.path(), "config.toml.minisig");
    ix.snapshot(&online, 4, 0);
    ix.timestamp(&online, 4, NOW + DAY);
    let err = ix.open_trusted(trust.path(), NOW).unwrap_err();
    assert!(
        matches!(
            err,
            IndexError::Rollback {
                path: "config.toml",
                ..
            }
        ),
        "{err}"
    );
}

#[test]
fn a_rotated_root_is_followed_and_the_retired_key_stops_counting() {
    let (ix, online, trust) = index();
    ix.open_trusted(trust.path(), NOW).unwrap();
    let new_root = SigningKey::generate().unwrap();
    let mut config = ix.config();
    config.root_keys[0].public =
        plugres_schema::PublicKey::parse(&new_root.public_base64()).unwrap();
    config.version += 1;
    let text = plugres_schema::render::config_file(&config);
    let both: String = [&ix.root_key, &new_root]
        .iter()
        .map(|k| plugres_schema::sign(k, "config.toml", text.as_bytes(), 1).unwrap())
        .collect();
    ix.write("config.toml", text.as_bytes());
    ix.write("config.toml.minisig", both.as_bytes());
    ix.snapshot(&online, 2, 0);
    ix.timestamp(&online, 2, NOW + DAY);
    ix.open_trusted(trust.path(), NOW).unwrap();
    // Later configs signed by the new key alone are accepted here.
    config.version += 1;
    config.description = Some("after rotation".into());
    ix.write_config(&config, &new_root);
    ix.snapshot(&online, 3, 0);
    ix.timestamp(&online, 3, NOW + DAY);
    let index = ix.open_trusted(trust.path(), NOW).unwrap();
    assert_eq!(
        index.config().description.as_deref(),
        Some("after rotation")
    );
    // The old root key, though still pinned, can no longer sign a config.
    config.version += 1;
    ix.write_config(&config, &ix.root_key);
    ix.snapshot(&online, 4, 0);
    ix.timestamp(&online, 4, NOW + DAY);
    let err = ix.open_trusted(trust.path(), NOW).unwrap_err();
    assert!(matches!(err, IndexError::ConfigNotTrusted { .. }), "{err}");
}

/// TUF's fast-forward attack: a leaked online key signs a timestamp with
/// a huge version. Once the maintainers rotate that key (a root-signed
/// config), the honest index is accepted again, and the leaked key no
/// longer counts.
#[test]
fn a_rotated_online_key_resets_the_floor_a_leaked_key_raised() {
    let (ix, leaked, trust) = index();
    ix.timestamp(&leaked, u64::MAX, NOW + DAY);
    ix.open_trusted(trust.path(), NOW).unwrap();
    // Rotation: a new online key, config version raised, signed by root.
    let fresh = SigningKey::generate().unwrap();
    let mut config = ix.config();
    let public = plugres_schema::PublicKey::parse(&fresh.public_base64()).unwrap();
    config.snapshot_keys[0].public = public.clone();
    config.timestamp_keys[0].public = public;
    config.version += 1;
    ix.write_config(&config, &ix.root_key);
    ix.snapshot(&fresh, 2, 0);
    ix.timestamp(&fresh, 1, NOW + DAY);
    let index = ix.open_trusted(trust.path(), NOW).unwrap();
    assert_eq!(index.snapshot_version(), Some(2));
    drop(index);
    // The leaked key, no longer in the config, cannot sign a timestamp.
    ix.timestamp(&leaked, 5, NOW + DAY);
    let err = ix.open_trusted(trust.path(), NOW).unwrap_err();
    assert!(matches!(err, IndexError::Signature { .. }), "{err}");
    // And the floor under the new key holds.
    ix.timestamp(&fresh, 3, NOW + DAY);
    ix.open_trusted(trust.path(), NOW).unwrap();
    ix.timestamp(&fresh, 2, NOW + DAY);
    let err = ix.open_trusted(trust.path(), NOW).unwrap_err();
    assert!(
        matches!(
            err,
            IndexError::Rollback {
                found: 2,
                seen: 3,
                ..
            }
        ),
        "{err}"
    );
}

/// On a machine that never saw the index, a host serving an older config
/// without snapshot keys switches the trust layer off, unless the project
/// recorded that the registry has one.
#[test]
fn a_downgrade_to_a_config_without_snapshot_keys_is_refused_when_required() {
    let ix = TestIndex::new();
    ix.publish(hello(false), "maint");
    let legacy = generation(&ix);
    let online = ix.enable_snapshots();
    ix.snapshot(&online, 1, 0);
    ix.timestamp(&online, 1, NOW + DAY);
    restore(&ix, legacy.path(), "config.toml");
    restore(&ix, legacy.path(), "config.toml.minisig");
    let fresh = tempfile::tempdir().unwrap();
    // Without the requirement, a first use cannot tell.
    assert!(
        ix.open_trusted(fresh.path(), NOW)
            .unwrap()
            .snapshot_version()
            .is_none()
    );
    let opts = crate::index::TrustOptions {
        dir: Some(tempfile::tempdir().unwrap().path().to_path_buf()),
        now: Some(NOW),
        require_snapshot: true,
        ..Default::default()
    };
    let backend = Box::new(crate::index::PathBackend::new(ix.root()));
    let err =
        crate::index::VerifiedIndex::open_with(backend, "default", &[ix.root_public()], &opts)
            .unwrap_err();
    assert!(matches!(err, IndexError::SnapshotRequired { .. }), "{err}");
    assert!(err.to_string().contains("downgrade"), "{err}");
}

#[test]
fn a_timestamp_or_snapshot_changed_under_a_trusted_version_is_refused() {
    let (ix, online, trust) = index();
    ix.open_trusted(trust.path(), NOW).unwrap();
    // The same timestamp version, other bytes (a later expiry): TUF keeps
    // the trusted file.
    ix.timestamp(&online, 1, NOW + 9 * DAY);
    let err = ix.open_trusted(trust.path(), NOW).unwrap_err();
    assert!(
        matches!(
            err,
            IndexError::VersionReused {
                path: "timestamp.toml",
                version: 1,
                ..
            }
        ),
        "{err}"
    );
    // The same snapshot version over other contents, under a new timestamp.
    ix.publish(hello(true), "maint");
    ix.snapshot(&online, 1, 0);
    ix.timestamp(&online, 2, NOW + DAY);
    let err = ix.open_trusted(trust.path(), NOW).unwrap_err();
    assert!(
        matches!(
            err,
            IndexError::VersionReused {
                path: "snapshot.toml",
                version: 1,
                ..
            }
        ),
        "{err}"
    );
    // Raised versions are accepted.
    ix.snapshot(&online, 2, 0);
    ix.timestamp(&online, 3, NOW + DAY);
    ix.open_trusted(trust.path(), NOW).unwrap();
}

#[test]
fn a_config_that_changes_engine_is_refused() {
    let (ix, online, trust) = index();
    ix.open_trusted(trust.path(), NOW).unwrap();
    let mut config = ix.config();
    config.engine = "other-engine".into();
    config.version += 1;
    ix.write_config(&config, &ix.root_key);
    ix.snapshot(&online, 2, 0);
    ix.timestamp(&online, 2, NOW + DAY);
    let err = ix.open_trusted(trust.path(), NOW).unwrap_err();
    assert!(matches!(err, IndexError::EngineChanged { .. }), "{err}");
    assert!(err.to_string().contains("from `"), "{err}");
}

#[test]
fn a_plugin_file_named_for_the_engine_is_refused() {
    let ix = TestIndex::new();
    let engine = ix.config().engine;
    ix.publish(
        TestPlugin::new(&engine)
            .version("1.0.0", ">=1")
            .artifact("any"),
        "maint",
    );
    let index = ix.open().unwrap();
    let err = index
        .plugin(&PluginName::new(&engine).unwrap())
        .unwrap_err();
    assert!(err.to_string().contains("is the engine's name"), "{err:#}");
}

// ------------------------------------------------ the verified-entry cache

/// Every file under `dir`, for counting entries.
fn files_under(dir: &std::path::Path) -> usize {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .flatten()
        .filter(|e| e.file_type().is_file())
        .count()
}

fn open_with_entries(
    ix: &TestIndex,
    trust: &std::path::Path,
    entries: &std::path::Path,
) -> crate::index::VerifiedIndex {
    let opts = crate::index::TrustOptions {
        dir: Some(trust.to_path_buf()),
        now: Some(NOW),
        verified_entries: Some(entries.to_path_buf()),
        ..Default::default()
    };
    crate::index::VerifiedIndex::open_with(
        Box::new(crate::index::PathBackend::new(ix.root())),
        "default",
        &[ix.root_public()],
        &opts,
    )
    .unwrap()
}

#[test]
fn a_verified_entry_answers_for_the_listed_file_without_reading_it() {
    let (ix, _, trust) = index();
    let entries = tempfile::tempdir().unwrap();
    let first = open_with_entries(&ix, trust.path(), entries.path());
    let read = first.plugin(&name()).unwrap().unwrap();
    drop(first);
    assert!(files_under(entries.path()) > 0, "kept when the run ended");
    // The host loses the file: the snapshot lists its digest, and the
    // entry kept under that digest answers.
    std::fs::remove_file(ix.root().join("plugins/he/ll/hello-world.toml")).unwrap();
    let again = open_with_entries(&ix, trust.path(), entries.path());
    assert_eq!(again.plugin(&name()).unwrap().unwrap(), read);
    // Without the cache, the missing file is an error.
    let plain = ix.open_trusted(trust.path(), NOW).unwrap();
    assert!(plain.plugin(&name()).is_err());
}

#[test]
fn a_verified_entry_never_stands_in_for_a_file_of_another_digest() {
    let (ix, online, trust) = index();
    let entries = tempfile::tempdir().unwrap();
    drop(open_with_entries(&ix, trust.path(), entries.path()).plugin(&name()));
    // Someone with the online key lists a tampered file: its digest is new,
    // so the entry is not consulted and the publisher signature refuses it.
    let path = "plugins/he/ll/hello-world.toml";
    let text = std::fs::read_to_string(ix.root().join(path)).unwrap();
    ix.write(path, text.replacen("1.1.0", "1.1.1", 1).as_bytes());
    ix.snapshot(&online, 2, 0);
    ix.timestamp(&online, 2, NOW + 7 * DAY);
    let index = open_with_entries(&ix, trust.path(), entries.path());
    let err = index.plugin(&name()).unwrap_err();
    assert!(matches!(err, IndexError::Signature { .. }), "{err}");
}

#[test]
fn nothing_is_kept_from_a_run_that_refused_a_file() {
    let (ix, online, trust) = index();
    ix.publish(
        TestPlugin::new("other")
            .version("1.0.0", ">=1")
            .artifact("any"),
        "maint",
    );
    let path = "plugins/he/ll/hello-world.toml";
    let text = std::fs::read_to_string(ix.root().join(path)).unwrap();
    ix.write(path, text.replacen("1.1.0", "1.1.1", 1).as_bytes());
    ix.snapshot(&online, 2, 0);
    ix.timestamp(&online, 2, NOW + 7 * DAY);
    let entries = tempfile::tempdir().unwrap();
    // Opening alone keeps the parsed snapshot (a memo of its bytes).
    drop(open_with_entries(&ix, trust.path(), entries.path()));
    let opened = files_under(entries.path());
    let index = open_with_entries(&ix, trust.path(), entries.path());
    assert!(
        index
            .plugin(&PluginName::new("other").unwrap())
            .unwrap()
            .is_some()
    );
    assert!(index.plugin(&name()).is_err());
    drop(index);
    assert_eq!(files_under(entries.path()), opened);
}
