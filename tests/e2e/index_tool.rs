//! The index maintainer's and publisher's workflow, through the binary.

use std::path::Path;

use plugres_e2e::*;

fn write_plugin(dir: &Path, name: &str, version: &str, deps: &str) -> std::path::PathBuf {
    let src = dir.join(format!("src-{name}-{version}"));
    std::fs::create_dir_all(&src).unwrap();
    std::fs::write(src.join("mod.wasm"), format!("\0asm{name}{version}")).unwrap();
    std::fs::write(
        src.join("plugin.toml"),
        format!(
            "[plugin]\nname = \"{name}\"\nversion = \"{version}\"\ndescription = \"test {name}\"\nengine = \">=1.0\"\n\n[dependencies]\n{deps}\n\n[[artifact]]\ntarget = \"any\"\npath = \"mod.wasm\"\n"
        ),
    )
    .unwrap();
    src.join("plugin.toml")
}

/// Signs a new snapshot and timestamp of `idx` with the online key `key`.
fn sign_trust(idx: &Path, key: &Path) {
    for cmd in ["snapshot", "timestamp"] {
        run(
            plugres_index()
                .args([cmd, "--key"])
                .arg(key)
                .arg("--index")
                .arg(idx),
            true,
        );
    }
}

/// init → keygen → key add → publish ×2 (with a dependency) → validate
/// --base → yank → validate; then a plain `git clone` validates too.
#[test]
fn maintainer_and_publisher_workflow() {
    let t = tempfile::tempdir().unwrap();
    let d = t.path();
    let idx = d.join("idx");
    let out = run(
        plugres_index().current_dir(d).args([
            "init",
            "idx",
            "--engine",
            "demo-engine",
            "--unencrypted",
            "--key-out",
            "root",
        ]),
        true,
    );
    let root_pub = stdout(&out).trim().to_string();
    assert!(root_pub.starts_with("RW"), "{root_pub}");
    // An encrypted publisher key, password from the environment.
    run(
        plugres_index()
            .current_dir(d)
            .env("PLUGRES_KEY_PASSWORD", "hunter2")
            .args(["keygen", "--out", "pub"]),
        true,
    );
    assert!(
        std::fs::read_to_string(d.join("pub.key"))
            .unwrap()
            .contains("encrypted")
    );
    run(
        plugres_index().current_dir(d).args([
            "key",
            "add",
            "acme",
            "--public-file",
            "pub.pub",
            "--scope",
            "acme-*",
            "--root-key",
            "root.key",
            "--index",
            "idx",
        ]),
        true,
    );
    let base = git(&idx, &["rev-parse", "HEAD"]).trim().to_string();
    let core = write_plugin(d, "acme-core", "1.0.0", "");
    let app = write_plugin(d, "acme-app", "0.1.0", "acme-core = \"^1\"");
    let publish = |m: &Path| {
        run(
            plugres_index()
                .env("PLUGRES_KEY_PASSWORD", "hunter2")
                .arg("publish")
                .arg(m)
                .args(["--key"])
                .arg(d.join("pub.key"))
                .args(["--index"])
                .arg(&idx)
                .arg("--no-branch"),
            true,
        )
    };
    publish(&core);
    publish(&app);
    run(
        plugres_index()
            .args(["validate", "--base", &base])
            .arg(&idx),
        true,
    );
    let out = run(
        plugres_index()
            .args(["yank", "acme-core", "1.0.0", "--reason", "broken", "--key"])
            .arg(d.join("pub.key"))
            .env("PLUGRES_KEY_PASSWORD", "hunter2")
            .arg("--index")
            .arg(&idx),
        true,
    );
    assert!(stderr(&out).contains("Yank acme-core 1.0.0: broken"));
    // The snapshot `init` signed no longer matches: the whole check fails
    // until the online key signs a new one (what the index's CI does).
    let err = stderr(&run(plugres_index().arg("validate").arg(&idx), false));
    assert!(
        err.contains("plugins/ac/me/acme-core.toml: error: not listed in snapshot.toml"),
        "{err}"
    );
    sign_trust(&idx, &d.join("idx-online.key"));
    run(plugres_index().arg("validate").arg(&idx), true);
    assert_eq!(git(&idx, &["status", "--porcelain"]), "");
    let log = stdout(&run(
        plugres_index()
            .args(["log", "acme-core", "--index"])
            .arg(&idx),
        true,
    ));
    assert!(
        log.contains("yanked 1.0.0 (broken)")
            && log.contains("published 1.0.0")
            && log.contains("signed by `acme`"),
        "{log}"
    );

    // A plain clone validates (bytes intact through git).
    git(d, &["clone", "-q", idx.to_str().unwrap(), "clone"]);
    let out = run(plugres_index().arg("validate").arg(d.join("clone")), true);
    assert!(
        stderr(&out).contains("ok: 4 files checked"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn publish_commits_on_a_release_branch_and_refuses_repeats() {
    let t = tempfile::tempdir().unwrap();
    let idx = sample_index_repo(t.path());
    let m = write_plugin(t.path(), "acme-new", "1.0.0", "hello-world = \"^1.2\"");
    let key = sample_key("acme-release");
    let publish = |ok: bool| {
        run(
            plugres_index()
                .arg("publish")
                .arg(&m)
                .arg("--key")
                .arg(&key)
                .arg("--index")
                .arg(&idx),
            ok,
        )
    };
    let out = publish(true);
    assert!(
        stderr(&out).contains("git push origin publish/acme-new-1.0.0"),
        "{}",
        stderr(&out)
    );
    assert_eq!(
        git(&idx, &["branch", "--show-current"]).trim(),
        "publish/acme-new-1.0.0"
    );
    run(
        plugres_index()
            .args(["validate", "--base", "main"])
            .arg(&idx),
        true,
    );
    // Publishing the same version again is refused, and changes nothing.
    let before = snapshot_tree(&idx);
    let out = run(
        plugres_index()
            .arg("publish")
            .arg(&m)
            .arg("--key")
            .arg(&key)
            .arg("--index")
            .arg(&idx)
            .arg("--no-branch"),
        false,
    );
    assert!(
        stderr(&out).contains("acme-new 1.0.0 is already published"),
        "{}",
        stderr(&out)
    );
    assert_eq!(snapshot_tree(&idx), before);
    // --if-new makes a re-run a no-op success.
    run(
        plugres_index()
            .arg("publish")
            .arg(&m)
            .arg("--key")
            .arg(&key)
            .arg("--index")
            .arg(&idx)
            .args(["--no-branch", "--if-new"]),
        true,
    );
}

#[test]
fn publish_refusals_leave_the_index_unchanged() {
    let t = tempfile::tempdir().unwrap();
    let idx = sample_index_repo(t.path());
    let before = snapshot_tree(&idx);
    let head = git(&idx, &["rev-parse", "HEAD"]);
    let cases: Vec<(std::path::PathBuf, &str, &str)> = vec![
        // out of the key's scope
        (
            write_plugin(t.path(), "not-acme", "1.0.0", ""),
            "acme-release",
            "may not publish `not-acme`",
        ),
        // unknown dependency
        (
            write_plugin(t.path(), "acme-x", "1.0.0", "nowhere = \"1\""),
            "acme-release",
            "dependency `nowhere` is not in this index",
        ),
        // dependency requirement nothing matches
        (
            write_plugin(t.path(), "acme-y", "1.0.0", "hello-world = \"^9\""),
            "acme-release",
            "no version of dependency `hello-world` matches `^9`",
        ),
        // existing version
        (
            write_plugin(t.path(), "hello-world", "1.2.0", ""),
            "sample-maintainers",
            "hello-world 1.2.0 is already published",
        ),
    ];
    for (m, key, expect) in cases {
        let out = run(
            plugres_index()
                .arg("publish")
                .arg(&m)
                .arg("--key")
                .arg(sample_key(key))
                .arg("--index")
                .arg(&idx),
            false,
        );
        assert!(
            stderr(&out).contains(expect),
            "expected `{expect}` in:\n{}",
            stderr(&out)
        );
    }
    // A manifest whose engine requirement does not parse: file:line:col.
    let m = write_plugin(t.path(), "acme-z", "1.0.0", "");
    let text = std::fs::read_to_string(&m)
        .unwrap()
        .replace(">=1.0", ">=banana");
    std::fs::write(&m, text).unwrap();
    let out = run(
        plugres_index()
            .arg("publish")
            .arg(&m)
            .arg("--key")
            .arg(sample_key("acme-release"))
            .arg("--index")
            .arg(&idx),
        false,
    );
    assert!(
        stderr(&out).contains("plugin.toml:5:10: error: engine requirement `>=banana`"),
        "{}",
        stderr(&out)
    );
    assert_eq!(snapshot_tree(&idx), before);
    assert_eq!(git(&idx, &["rev-parse", "HEAD"]), head);
}

#[test]
fn validate_base_rejects_edits_of_published_versions() {
    let t = tempfile::tempdir().unwrap();
    let idx = sample_index_repo(t.path());
    let path = idx.join("plugins/he/ll/hello-world.toml");
    let original = std::fs::read_to_string(&path).unwrap();
    for (from, to, field, version) in [
        (
            "greeter-core = \"^0.3\"\n\n[[version.artifact]]\ntarget = \"any\"\nurl = \"artifacts/hello-world/1.2.0",
            "greeter-core = \"^0.3.1\"\n\n[[version.artifact]]\ntarget = \"any\"\nurl = \"artifacts/hello-world/1.2.0",
            "dependencies",
            "1.2.0",
        ),
        (
            "sha256 = \"b10f562d",
            "sha256 = \"c10f562d",
            "artifact",
            "1.1.0",
        ),
    ] {
        assert!(original.contains(from), "fixture drifted: {from}");
        let edited = original.replacen(from, to, 1);
        std::fs::write(&path, &edited).unwrap();
        // Re-signed with the right key, as a malicious publisher could, and
        // committed: the signature is fine, only history can tell.
        let rel = "plugins/he/ll/hello-world.toml";
        let key = plugres_schema::SigningKey::from_key_text(
            &std::fs::read_to_string(sample_key("sample-maintainers")).unwrap(),
            None,
        )
        .unwrap();
        std::fs::write(
            idx.join(format!("{rel}.minisig")),
            plugres_schema::sign(&key, rel, edited.as_bytes(), 1).unwrap(),
        )
        .unwrap();
        // ...and even the online key signed it into the snapshot.
        sign_trust(&idx, &sample_key("sample-online"));
        git(&idx, &["add", "-A"]);
        git(&idx, &["commit", "-q", "-am", "sneaky edit"]);
        run(plugres_index().arg("validate").arg(&idx), true); // each file is fine on its own
        let out = run(
            plugres_index()
                .args(["validate", "--format", "github", "--base", "HEAD~1"])
                .arg(&idx),
            false,
        );
        let text = stdout(&out);
        assert!(
            text.contains("::error file=plugins/he/ll/hello-world.toml,line="),
            "{text}"
        );
        assert!(
            text.contains(&format!(
                "published version `{version}` was changed ({field})"
            )),
            "{field}: {text}"
        );
        git(&idx, &["reset", "-q", "--hard", "HEAD~1"]);
    }
}

#[test]
fn validate_refuses_links_and_changes_outside_the_index() {
    let t = tempfile::tempdir().unwrap();
    let idx = sample_index_repo(t.path());
    let validate_base = |ok: bool| {
        stderr(&run(
            plugres_index()
                .args(["validate", "--base", "HEAD~1"])
                .arg(&idx),
            ok,
        ))
    };
    let commit = |msg: &str| {
        git(&idx, &["add", "-A"]);
        git(&idx, &["commit", "-q", "-m", msg]);
    };
    let reset = || git(&idx, &["reset", "-q", "--hard", "HEAD~1"]);
    let hello = "plugins/he/ll/hello-world.toml";

    // A plugin file replaced by a dangling link (a removal in disguise).
    std::fs::remove_file(idx.join(hello)).unwrap();
    std::os::unix::fs::symlink("../../../nowhere.toml", idx.join(hello)).unwrap();
    commit("link");
    let err = validate_base(false);
    assert!(
        err.contains(&format!("{hello}: error: not a regular file")),
        "{err}"
    );
    reset();

    // A link to an identical copy outside plugins/: the whole-index check refuses it too.
    std::fs::copy(idx.join(hello), idx.join("copy.toml")).unwrap();
    std::fs::remove_file(idx.join(hello)).unwrap();
    std::os::unix::fs::symlink("../../../copy.toml", idx.join(hello)).unwrap();
    let err = stderr(&run(plugres_index().arg("validate").arg(&idx), false));
    assert!(
        err.contains(&format!("{hello}: error: not a regular file")),
        "{err}"
    );
    git(&idx, &["checkout", "-q", "--", "."]);
    std::fs::remove_file(idx.join("copy.toml")).unwrap();

    // A published artifact stored in the index changed.
    std::fs::write(
        idx.join("artifacts/hello-world/1.2.0/hello_world.wasm"),
        b"\0asm other",
    )
    .unwrap();
    commit("artifact");
    let err = validate_base(false);
    assert!(
        err.contains("artifacts/hello-world/1.2.0/hello_world.wasm: error: a published artifact"),
        "{err}"
    );
    reset();

    // .gitattributes guards the signed bytes.
    std::fs::write(idx.join(".gitattributes"), "*.toml text eol=crlf\n").unwrap();
    commit("eol");
    let err = validate_base(false);
    assert!(err.contains(".gitattributes: error:"), "{err}");
    reset();

    // Other files are not index data: a warning for a maintainer, not a failure.
    std::fs::write(idx.join("README.md"), "hello\n").unwrap();
    commit("readme");
    let out = validate_base(true);
    assert!(
        out.contains("README.md: warning: not an index file"),
        "{out}"
    );
}

/// `init` makes a trust-layer index: an online key for the snapshot and
/// timestamp roles, a signed snapshot and timestamp, all committed.
#[test]
fn init_creates_an_index_with_a_snapshot_that_validates() {
    let t = tempfile::tempdir().unwrap();
    let d = t.path();
    let out = run(
        plugres_index().current_dir(d).args([
            "init",
            "idx",
            "--engine",
            "demo-engine",
            "--unencrypted",
            "--key-out",
            "root",
        ]),
        true,
    );
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
        err.contains("plugins/ac/me/acme-new.toml: error: not listed in snapshot.toml (version 2)")
            && err.contains("plugins/ac/me/acme-new.toml.minisig: error: not listed"),
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
    assert_eq!(v["version"], 3);
    assert_eq!(v["bin_digits"], 0);
    assert_eq!(v["files"], 14);
    assert_eq!(git(&idx, &["log", "-1", "--format=%s"]), "snapshot 3\n");
    // Between snapshot and timestamp the timestamp points at the old one.
    let err = stderr(&run(plugres_index().arg("validate").arg(&idx), false));
    assert!(
        err.contains("timestamp.toml: error: points at snapshot version 2"),
        "{err}"
    );
    run(
        plugres_index()
            .args(["timestamp", "--index"])
            .arg(&idx)
            .env("PLUGRES_TIMESTAMP_KEY", &online),
        true,
    );
    assert_eq!(git(&idx, &["log", "-1", "--format=%s"]), "timestamp 3\n");
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
            "{rel}: error: sha256 is {}, but snapshot.toml (version 2) lists",
            plugres_schema::Sha256::of(text.as_bytes())
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

/// A pull request restoring a pre-yank plugin file and its signature from
/// history (valid, path-bound, in scope) is refused by `validate --base`:
/// its signature is older than the base's.
#[test]
fn validate_base_refuses_a_replayed_older_signed_file() {
    let t = tempfile::tempdir().unwrap();
    let d = t.path();
    let idx = d.join("idx");
    run(
        plugres_index().current_dir(d).args([
            "init",
            "idx",
            "--engine",
            "demo-engine",
            "--unencrypted",
            "--key-out",
            "root",
            "--no-snapshot",
        ]),
        true,
    );
    run(
        plugres_index()
            .current_dir(d)
            .args(["keygen", "--unencrypted", "--out", "pub"]),
        true,
    );
    run(
        plugres_index().current_dir(d).args([
            "key",
            "add",
            "hello",
            "--public-file",
            "pub.pub",
            "--scope",
            "*",
            "--root-key",
            "root.key",
            "--index",
            "idx",
        ]),
        true,
    );
    let manifest = write_plugin(d, "hello", "1.0.0", "");
    run(
        plugres_index()
            .env("SOURCE_DATE_EPOCH", "1700000000")
            .arg("publish")
            .arg(&manifest)
            .arg("--key")
            .arg(d.join("pub.key"))
            .arg("--index")
            .arg(&idx)
            .arg("--no-branch"),
        true,
    );
    run(
        plugres_index()
            .env("SOURCE_DATE_EPOCH", "1700000100")
            .args(["yank", "hello", "1.0.0", "--reason", "broken", "--key"])
            .arg(d.join("pub.key"))
            .arg("--index")
            .arg(&idx),
        true,
    );
    let base = git(&idx, &["rev-parse", "HEAD"]).trim().to_string();
    let rel = "plugins/he/ll/hello.toml";
    for f in [rel.to_string(), format!("{rel}.minisig")] {
        let old = git(&idx, &["show", &format!("HEAD~1:{f}")]);
        std::fs::write(idx.join(&f), old).unwrap();
    }
    assert!(
        !std::fs::read_to_string(idx.join(rel))
            .unwrap()
            .contains("yanked")
    );
    git(&idx, &["commit", "-q", "-am", "restore hello"]);
    let err = stderr(&run(
        plugres_index()
            .args(["validate", "--base", &base])
            .arg(&idx),
        false,
    ));
    assert!(
        err.contains(&format!(
            "{rel}: error: `{rel}` is signed at 2023-11-14T22:13:20Z, before the version in `{base}` (signed at 2023-11-14T22:15:00Z): an older signed file replayed"
        )),
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
    run(
        plugres_index().current_dir(d).args([
            "init",
            "idx",
            "--engine",
            "demo-engine",
            "--unencrypted",
            "--key-out",
            "root",
            "--no-snapshot",
        ]),
        true,
    );
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
