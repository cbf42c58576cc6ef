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
