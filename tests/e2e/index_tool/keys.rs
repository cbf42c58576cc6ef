//! Key and config changes: `key rotate-root`, `key add` by role, and the
//! config version that every change raises.

use plugres_e2e::*;

use super::{init_idx, sign_trust};

/// `key rotate-root`: the new config carries the old and the new key's
/// signatures, and the ceremony is printed.
#[test]
fn rotate_root_signs_the_config_with_both_keys() {
    let t = tempfile::tempdir().unwrap();
    let d = t.path();
    let idx = sample_index_repo(d);
    run(
        plugres_index()
            .current_dir(d)
            .args(["keygen", "--unencrypted", "--out", "root-2027"]),
        true,
    );
    let help = stdout(&run(
        plugres_index().args(["key", "rotate-root", "--help"]),
        true,
    ));
    assert!(
        help.contains("old AND the new key") && help.contains("root-keys"),
        "{help}"
    );
    let out = run(
        plugres_index()
            .args(["key", "rotate-root", "--old-key"])
            .arg(sample_key("sample-root"))
            .arg("--new-key")
            .arg(d.join("root-2027.key"))
            .args(["--new-id", "root-2027", "--index"])
            .arg(&idx),
        true,
    );
    let err = stderr(&out);
    let new_pub = std::fs::read_to_string(d.join("root-2027.pub")).unwrap();
    let new_pub = new_pub.lines().last().unwrap();
    assert!(
        err.contains("Rotated root key `sample-root` -> `root-2027`: config version 4")
            && err.contains("plugres-index snapshot && plugres-index timestamp")
            && err.contains(new_pub)
            && err.contains("offline"),
        "{err}"
    );
    let config = std::fs::read(idx.join("config.toml")).unwrap();
    let sig = std::fs::read(idx.join("config.toml.minisig")).unwrap();
    let text = String::from_utf8_lossy(&config);
    assert!(
        text.contains("version = 4") && !text.contains(&plugres_e2e::index::sample_root_key()),
        "{text}"
    );
    let old_id = plugres_schema::KeyId::new("sample-root").unwrap();
    let new_id = plugres_schema::KeyId::new("root-2027").unwrap();
    let old = plugres_schema::PublicKey::parse(&plugres_e2e::index::sample_root_key()).unwrap();
    let new = plugres_schema::PublicKey::parse(new_pub).unwrap();
    let signers = plugres_schema::signers(
        "config.toml",
        &config,
        &sig,
        [(&old_id, &old), (&new_id, &new)],
    )
    .unwrap();
    assert_eq!(signers.len(), 2, "{signers:?}");
    // The pull-request check accepts it (the snapshot is re-signed after
    // the merge); the whole check wants the new snapshot.
    run(
        plugres_index()
            .args(["validate", "--base", "HEAD~1"])
            .arg(&idx),
        true,
    );
    run(plugres_index().arg("validate").arg(&idx), false);
    sign_trust(&idx, &sample_key("sample-online"));
    run(plugres_index().arg("validate").arg(&idx), true);
    // The old key no longer signs the config alone.
    let out = run(
        plugres_index()
            .args(["key", "add", "late", "--scope", "*", "--public", new_pub])
            .arg("--root-key")
            .arg(sample_key("sample-root"))
            .arg("--index")
            .arg(&idx),
        false,
    );
    assert!(stderr(&out).contains("not a root key"), "{}", stderr(&out));
}

/// Every config change raises `version`; the pull-request check refuses
/// one that does not.
#[test]
fn config_changes_raise_the_version() {
    let t = tempfile::tempdir().unwrap();
    let d = t.path();
    let idx = sample_index_repo(d);
    run(
        plugres_index()
            .current_dir(d)
            .args(["keygen", "--unencrypted", "--out", "ts"]),
        true,
    );
    let out = run(
        plugres_index()
            .args(["key", "add", "ts-2", "--role", "timestamp", "--public-file"])
            .arg(d.join("ts.pub"))
            .arg("--root-key")
            .arg(sample_key("sample-root"))
            .arg("--index")
            .arg(&idx),
        true,
    );
    assert!(
        stderr(&out).contains("Added timestamp key `ts-2` (config version 4)"),
        "{}",
        stderr(&out)
    );
    let out = run(
        plugres_index()
            .args(["key", "add", "bad", "--role", "snapshot", "--scope", "*"])
            .arg("--public-file")
            .arg(d.join("ts.pub"))
            .arg("--root-key")
            .arg(sample_key("sample-root"))
            .arg("--index")
            .arg(&idx),
        false,
    );
    assert!(stderr(&out).contains("only publisher keys have scopes"));
    run(
        plugres_index()
            .args(["validate", "--base", "HEAD~1"])
            .arg(&idx),
        true,
    );
    // The new timestamp key signs timestamps.
    run(
        plugres_index()
            .args(["timestamp", "--key"])
            .arg(d.join("ts.key"))
            .arg("--index")
            .arg(&idx),
        true,
    );
    // A config edited and re-signed by hand, its version left alone.
    let text = std::fs::read_to_string(idx.join("config.toml"))
        .unwrap()
        .replace("(SAMPLE KEYS", "(sample keys");
    std::fs::write(idx.join("config.toml"), &text).unwrap();
    std::fs::write(
        idx.join("config.toml.minisig"),
        plugres_schema::sign(
            &plugres_e2e::index::key("sample-root"),
            "config.toml",
            text.as_bytes(),
            1,
        )
        .unwrap(),
    )
    .unwrap();
    git(&idx, &["commit", "-q", "-am", "same version"]);
    let err = stderr(&run(
        plugres_index()
            .args(["validate", "--base", "HEAD~1"])
            .arg(&idx),
        false,
    ));
    assert!(
        err.contains(
            "config.toml: error: config.toml changed but its `version` is 4 (`HEAD~1` has 4)"
        ),
        "{err}"
    );
}

/// `key add --role root` is refused (clients want the new root key's own
/// signature: `key rotate-root --keep-old`); `--role online` moves an
/// index made with `--no-snapshot` to the trust layer in one command.
#[test]
fn key_add_refuses_root_keys_and_adds_an_online_key_in_both_roles() {
    let t = tempfile::tempdir().unwrap();
    let d = t.path();
    let idx = d.join("idx");
    init_idx(d, &["--no-snapshot"]);
    run(
        plugres_index()
            .current_dir(d)
            .args(["keygen", "--unencrypted", "--out", "online"]),
        true,
    );
    let help = stdout(&run(plugres_index().args(["key", "add", "--help"]), true));
    assert!(
        help.contains("--role online") && help.contains("rotate-root"),
        "{help}"
    );
    let head = git(&idx, &["rev-parse", "HEAD"]);
    let err = stderr(&run(
        plugres_index().current_dir(d).args([
            "key",
            "add",
            "late",
            "--role",
            "root",
            "--public-file",
            "online.pub",
            "--root-key",
            "root.key",
            "--index",
            "idx",
        ]),
        false,
    ));
    assert!(
        err.contains("plugres-index key rotate-root") && err.contains("--keep-old"),
        "{err}"
    );
    assert_eq!(git(&idx, &["rev-parse", "HEAD"]), head);
    let base = head.trim().to_string();
    let out = run(
        plugres_index().current_dir(d).args([
            "key",
            "add",
            "ci",
            "--role",
            "online",
            "--public-file",
            "online.pub",
            "--root-key",
            "root.key",
            "--index",
            "idx",
        ]),
        true,
    );
    assert!(
        stderr(&out).contains("snapshot key `ci-snapshot` and timestamp key `ci-timestamp`"),
        "{}",
        stderr(&out)
    );
    sign_trust(&idx, &d.join("online.key"));
    run(plugres_index().arg("validate").arg(&idx), true);
    run(
        plugres_index()
            .args(["validate", "--base", &base])
            .arg(&idx),
        true,
    );
}
