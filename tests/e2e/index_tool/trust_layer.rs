//! The trust layer through the binary: `init`'s snapshot and timestamp,
//! `snapshot` / `timestamp` after a publish, and what `validate` says of a
//! stale snapshot or an expired timestamp.

use plugres_e2e::*;

use super::{init_idx, write_plugin};

/// `init` makes a trust-layer index: an online key for the snapshot and
/// timestamp roles, a signed snapshot and timestamp, all committed.
#[test]
fn init_creates_an_index_with_a_snapshot_that_validates() {
    let t = tempfile::tempdir().unwrap();
    let d = t.path();
    let out = init_idx(d, &[]);
    let err = stderr(&out);
    assert!(
        err.contains("Generated online key `idx-online.key`")
            && err.contains("as the secret `PLUGRES_ONLINE_KEY`"),
        "{err}"
    );
    let idx = d.join("idx");
    for f in [
        "snapshot.toml",
        "snapshot.toml.minisig",
        "timestamp.toml",
        "timestamp.toml.minisig",
    ] {
        assert!(idx.join(f).is_file(), "{f}");
    }
    let snapshot = std::fs::read_to_string(idx.join("snapshot.toml")).unwrap();
    assert!(snapshot.contains("version = 1\n"), "{snapshot}");
    assert_eq!(git(&idx, &["status", "--porcelain"]), "");
    let out = run(plugres_index().arg("validate").arg(&idx), true);
    assert_eq!(stderr(&out), "ok: 0 files checked in the index\n");
    let keys = stdout(&run(
        plugres_index().args(["key", "list", "--index"]).arg(&idx),
        true,
    ));
    let online = std::fs::read_to_string(d.join("idx-online.pub")).unwrap();
    let online = online.lines().last().unwrap();
    assert!(
        keys.contains(&format!("snapshot   online-snapshot      {online}"))
            && keys.contains(&format!("timestamp  online-timestamp     {online}")),
        "{keys}"
    );
    // --no-snapshot: per-file signatures only.
    run(
        plugres_index().current_dir(d).args([
            "init",
            "plain",
            "--engine",
            "demo-engine",
            "--unencrypted",
            "--key-out",
            "plain-root",
            "--no-snapshot",
        ]),
        true,
    );
    assert!(!d.join("plain/snapshot.toml").exists());
    assert!(!d.join("plain-online.key").exists());
    run(plugres_index().arg("validate").arg(d.join("plain")), true);
}

/// A publish leaves the snapshot stale: a warning on the pull request, an
/// error on the whole index, until the online key signs a new snapshot
/// and timestamp.
#[test]
fn publish_then_snapshot_and_timestamp() {
    let t = tempfile::tempdir().unwrap();
    let idx = sample_index_repo(t.path());
    let m = write_plugin(t.path(), "acme-new", "1.0.0", "");
    let out = run(
        plugres_index()
            .arg("publish")
            .arg(&m)
            .arg("--key")
            .arg(sample_key("acme-release"))
            .arg("--index")
            .arg(&idx)
            .arg("--no-branch"),
        true,
    );
    let err = stderr(&out);
    assert!(
        err.contains(&format!(
            "next: cd {} && plugres-index snapshot && plugres-index timestamp",
            idx.display()
        )),
        "{err}"
    );
    // The publish touched no trust file.
    assert_eq!(
        git(&idx, &["diff", "--name-only", "HEAD~1"]),
        "artifacts/acme-new/1.0.0/mod.wasm\nplugins/ac/me/acme-new.toml\nplugins/ac/me/acme-new.toml.minisig\n"
    );
    let out = run(
        plugres_index()
            .args(["validate", "--base", "HEAD~1"])
            .arg(&idx),
        true,
    );
    assert!(
        stderr(&out).contains("snapshot.toml: warning: snapshot is stale"),
        "{}",
        stderr(&out)
    );
    let err = stderr(&run(plugres_index().arg("validate").arg(&idx), false));
    assert!(
        err.contains(&format!(
            "plugins/ac/me/acme-new.toml: error: not listed in snapshot.toml (version {})",
            sample_snapshot()
        )) && err.contains("plugins/ac/me/acme-new.toml.minisig: error: not listed"),
        "{err}"
    );
    // Only a snapshot key signs a snapshot, and it is named.
    let out = run(
        plugres_index()
            .args(["snapshot", "--key"])
            .arg(sample_key("acme-release"))
            .arg("--index")
            .arg(&idx),
        false,
    );
    assert!(
        stderr(&out).contains("is not a snapshot key of this index; allowed: `online-snapshot`"),
        "{}",
        stderr(&out)
    );
    // The key from the environment, as CI passes it.
    let online = std::fs::read_to_string(sample_key("sample-online")).unwrap();
    let out = run(
        plugres_index()
            .args(["snapshot", "--json", "--index"])
            .arg(&idx)
            .env("PLUGRES_SNAPSHOT_KEY", &online),
        true,
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["version"], sample_snapshot() + 1);
    assert_eq!(v["bin_digits"], 0);
    assert_eq!(v["files"], 14);
    assert_eq!(
        git(&idx, &["log", "-1", "--format=%s"]),
        format!("snapshot {}\n", sample_snapshot() + 1)
    );
    // Between snapshot and timestamp the timestamp points at the old one.
    let err = stderr(&run(plugres_index().arg("validate").arg(&idx), false));
    assert!(
        err.contains(&format!(
            "timestamp.toml: error: points at snapshot version {}",
            sample_snapshot()
        )),
        "{err}"
    );
    run(
        plugres_index()
            .args(["timestamp", "--index"])
            .arg(&idx)
            .env("PLUGRES_TIMESTAMP_KEY", &online),
        true,
    );
    assert_eq!(
        git(&idx, &["log", "-1", "--format=%s"]),
        format!("timestamp {}\n", sample_version("timestamp.toml") + 1)
    );
    let out = run(plugres_index().arg("validate").arg(&idx), true);
    assert_eq!(stderr(&out), "ok: 12 files checked in the index\n");
    run(
        plugres_index()
            .args(["validate", "--base", "HEAD~3"])
            .arg(&idx),
        true,
    );
    assert_eq!(git(&idx, &["status", "--porcelain"]), "");
}

#[test]
fn a_file_changed_after_the_snapshot_is_named() {
    let t = tempfile::tempdir().unwrap();
    let idx = sample_index_repo(t.path());
    run(plugres_index().arg("validate").arg(&idx), true);
    let rel = "plugins/gr/ee/greeter-core.toml";
    let text = std::fs::read_to_string(idx.join(rel)).unwrap() + "# changed\n";
    std::fs::write(idx.join(rel), &text).unwrap();
    // Signed again by its publisher: only the snapshot can tell.
    std::fs::write(
        idx.join(format!("{rel}.minisig")),
        plugres_schema::sign(
            &plugres_e2e::index::key("sample-maintainers"),
            rel,
            text.as_bytes(),
            1,
        )
        .unwrap(),
    )
    .unwrap();
    let err = stderr(&run(plugres_index().arg("validate").arg(&idx), false));
    assert!(
        err.contains(&format!(
            "{rel}: error: sha256 is {}, but snapshot.toml (version {}) lists",
            plugres_schema::Sha256::of(text.as_bytes()),
            sample_snapshot()
        )) && err.contains(&format!("{rel}.minisig: error: sha256 is")),
        "{err}"
    );
    assert!(err.contains("2 errors"), "{err}");
}

#[test]
fn an_expired_timestamp_is_a_warning_naming_the_fix() {
    let t = tempfile::tempdir().unwrap();
    let idx = sample_index_repo(t.path());
    let out = run(
        plugres_index()
            .args(["timestamp", "--expires-in", "1s", "--key"])
            .arg(sample_key("sample-online"))
            .arg("--index")
            .arg(&idx),
        true,
    );
    assert!(stderr(&out).contains("(in 1s;"), "{}", stderr(&out));
    std::thread::sleep(std::time::Duration::from_secs(2));
    let err = stderr(&run(plugres_index().arg("validate").arg(&idx), true));
    assert!(
        err.contains("timestamp.toml: warning: expired ")
            && err.contains("run `plugres-index timestamp`"),
        "{err}"
    );
    // A refused key changes nothing.
    let before = snapshot_tree(&idx);
    let out = run(
        plugres_index()
            .args(["timestamp", "--key"])
            .arg(sample_key("sample-root"))
            .arg("--index")
            .arg(&idx),
        false,
    );
    assert!(
        stderr(&out).contains("not a timestamp key of this index; allowed: `online-timestamp`"),
        "{}",
        stderr(&out)
    );
    assert_eq!(snapshot_tree(&idx), before);
}

/// Every `next:` hint runs as printed: after `init` and `key add`, the
/// printed `plugres-index snapshot && plugres-index timestamp` finds the
/// online key `init` recorded for the checkout; a clone without it is told
/// the ways to give the key.
#[test]
fn printed_next_steps_run_as_printed() {
    let t = tempfile::tempdir().unwrap();
    let d = t.path();
    init_idx(d, &[]);
    let idx = d.join("idx");
    assert_eq!(
        git(&idx, &["config", "--local", "plugres.online-key"]).trim(),
        d.join("idx-online.key")
            .canonicalize()
            .unwrap()
            .to_str()
            .unwrap()
    );
    run(
        plugres_index()
            .current_dir(d)
            .args(["keygen", "--unencrypted", "--out", "acme"]),
        true,
    );
    let out = run(
        plugres_index()
            .current_dir(&idx)
            .args(["key", "add", "acme", "--scope", "acme-*", "--public-file"])
            .arg(d.join("acme.pub"))
            .arg("--root-key")
            .arg(d.join("root.key"))
            .env_remove("PLUGRES_SNAPSHOT_KEY")
            .env_remove("PLUGRES_TIMESTAMP_KEY"),
        true,
    );
    let err = stderr(&out);
    let next = err
        .lines()
        .find_map(|l| l.strip_prefix("next: "))
        .unwrap_or_else(|| panic!("no `next:` in:\n{err}"));
    assert!(next.contains("plugres-index snapshot"), "{next}");
    // Run it as printed, with this build's plugres-index first on PATH.
    let bin = plugres_index().get_program().to_owned();
    let path = format!(
        "{}:{}",
        std::path::Path::new(&bin).parent().unwrap().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let out = run(
        std::process::Command::new("bash")
            .args(["-c", next])
            .current_dir(&idx)
            .env("PATH", path)
            .env_remove("PLUGRES_SNAPSHOT_KEY")
            .env_remove("PLUGRES_TIMESTAMP_KEY"),
        true,
    );
    assert!(stderr(&out).contains("Snapshot"), "{}", stderr(&out));
    run(plugres_index().arg("validate").arg(&idx), true);

    // A clone on another machine has no recorded key: the error says how.
    let clone = d.join("clone");
    git(
        d,
        &[
            "clone",
            "-q",
            idx.to_str().unwrap(),
            clone.to_str().unwrap(),
        ],
    );
    let out = run(
        plugres_index()
            .arg("snapshot")
            .arg("--index")
            .arg(&clone)
            .env_remove("PLUGRES_SNAPSHOT_KEY"),
        false,
    );
    let err = stderr(&out);
    assert!(
        err.contains("no snapshot key given")
            && err.contains("--key FILE")
            && err.contains("git config plugres.online-key FILE"),
        "{err}"
    );
}

/// The version of the sample index's snapshot (it grows each time the
/// sample is regenerated: tests/fixtures/make-sample-index.sh).
fn sample_snapshot() -> i64 {
    sample_version("snapshot.toml")
}

/// The `version` of the sample index's `file`.
fn sample_version(file: &str) -> i64 {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../sample-index")
        .join(file);
    let text = std::fs::read_to_string(path).unwrap();
    let doc: toml::Table = toml::from_str(&text).unwrap();
    doc["version"].as_integer().unwrap()
}
