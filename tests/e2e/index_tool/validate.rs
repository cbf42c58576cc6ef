//! `validate --base`, the pull-request check: edits of published versions,
//! links and paths outside the index, replayed older signed files.

use plugres_e2e::*;

use super::{init_idx, sign_trust, write_plugin};

#[test]
fn validate_base_rejects_edits_of_published_versions() {
    let t = tempfile::tempdir().unwrap();
    let idx = sample_index_repo(t.path());
    let path = idx.join("plugins/he/ll/hello-world.toml");
    let original = std::fs::read_to_string(&path).unwrap();
    for (from, to, field, version) in [
        (
            "greeter-core = \"^0.3\"\n\n[[version.artifact]]\ntarget = \"any\"\nurl = \"artifacts/hello-world/1.1.0",
            "greeter-core = \"^0.3.1\"\n\n[[version.artifact]]\ntarget = \"any\"\nurl = \"artifacts/hello-world/1.1.0",
            "dependencies",
            "1.1.0",
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
    symlink("../../../nowhere.toml", &idx.join(hello));
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
    symlink("../../../copy.toml", &idx.join(hello));
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

/// A pull request restoring a pre-yank plugin file and its signature from
/// history (valid, path-bound, in scope) is refused by `validate --base`:
/// its signature is older than the base's.
#[test]
fn validate_base_refuses_a_replayed_older_signed_file() {
    let t = tempfile::tempdir().unwrap();
    let d = t.path();
    let idx = d.join("idx");
    init_idx(d, &["--no-snapshot"]);
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

/// `validate` applies the client's limits (no artifact over 1 GiB, or over
/// the config's lower `[limits]`), and `--check-artifacts` runs the client's
/// extractor: what every client would refuse fails the index's CI.
#[test]
fn validate_applies_the_clients_limits_and_extractor() {
    use plugres_e2e::index::TestIndex;
    let t = tempfile::tempdir().unwrap();
    let idx = TestIndex::sample_copy(&t.path().join("index"), None);
    let validate = |extra: &[&str], ok: bool| {
        let out = run(
            plugres_index().arg("validate").arg(&idx.dir).args(extra),
            ok,
        );
        format!("{}{}", stdout(&out), stderr(&out))
    };

    // An archive with `..`: signed and hashed right, refused by every client.
    let mut builder = tar::Builder::new(flate2::write::GzEncoder::new(
        Vec::new(),
        flate2::Compression::default(),
    ));
    let mut h = tar::Header::new_gnu();
    h.set_size(4);
    h.set_mode(0o644);
    h.as_old_mut().name[..11].copy_from_slice(b"../evil.txt");
    h.set_cksum();
    builder.append(&h, &b"evil"[..]).unwrap();
    let evil = builder.into_inner().unwrap().finish().unwrap();
    let rel = idx
        .plugin("evil-archive")
        .version("1.0.0", "*")
        .artifact("any", "evil.tar.gz", &evil)
        .publish();
    validate(&[], true);
    let text = validate(&["--check-artifacts"], false);
    assert!(
        text.contains("clients would refuse it") && text.contains("`../evil.txt`"),
        "{text}"
    );
    std::fs::remove_file(idx.dir.join(&rel)).unwrap();
    std::fs::remove_file(idx.dir.join(format!("{rel}.minisig"))).unwrap();
    idx.refresh();
    validate(&["--check-artifacts"], true);

    // A declared 2 GiB artifact: no client unpacks more than 1 GiB.
    let hello = "plugins/he/ll/hello-world.toml";
    let size = |t: &str| {
        let at = t.find("\nsize = ").unwrap() + 8;
        t[at..at + t[at..].find('\n').unwrap()].to_string()
    };
    idx.edit(hello, "sample-maintainers", |t| {
        t.replacen(
            &format!("\nsize = {}\n", size(t)),
            "\nsize = 2147483648\n",
            1,
        )
    });
    let text = validate(&[], false);
    assert!(text.contains("1 byte to 1 GiB"), "{text}");
    idx.edit(hello, "sample-maintainers", |t| {
        t.replacen("\nsize = 2147483648\n", "\nsize = 100\n", 1)
    });

    // An index may lower the limits; its artifacts must then fit.
    let mut config = idx.config();
    config.limits.max_artifact_size = 50;
    idx.write_config(config, &[&plugres_e2e::index::key("sample-root")]);
    let text = validate(&[], false);
    assert!(text.contains("max-artifact-size` of 50 bytes"), "{text}");
}

/// README "config.toml": an index may list the categories plugins may
/// name; `validate` and `publish` refuse others, naming the list.
#[test]
fn a_category_outside_the_configured_list_is_refused_by_validate_and_publish() {
    use plugres_e2e::index::{TestIndex, key};
    let t = tempfile::tempdir().unwrap();
    let idx = TestIndex::sample_copy(&t.path().join("index"), None);
    let mut config = idx.config();
    config.categories = vec!["greeting".into(), "logging".into(), "security".into()];
    idx.write_config(config, &[&key("sample-root")]);
    let out = run(plugres_index().arg("validate").arg(&idx.dir), false);
    let text = format!("{}{}", stdout(&out), stderr(&out));
    assert!(
        text.contains(
            "plugins/pr/et/pretty-theme.toml:6:1: error: `themes` is not a category of this index; config.toml allows: `greeting`, `logging`, `security`"
        ),
        "{text}"
    );

    let manifest = write_plugin(t.path(), "new-game", "1.0.0", "");
    let m = std::fs::read_to_string(&manifest).unwrap().replace(
        "[dependencies]",
        "categories = [\"games\"]\n\n[dependencies]",
    );
    std::fs::write(&manifest, m).unwrap();
    let out = run(
        plugres_index()
            .arg("publish")
            .arg(&manifest)
            .arg("--key")
            .arg(sample_key("sample-maintainers"))
            .arg("--index")
            .arg(&idx.dir)
            .arg("--no-branch"),
        false,
    );
    let err = stderr(&out);
    assert!(
        err.contains("`games` is not a category of this index; config.toml allows: `greeting`, `logging`, `security`"),
        "{err}"
    );
    assert!(
        !idx.dir.join("plugins/ne/w-/new-game.toml").exists(),
        "nothing published"
    );
}

/// A symbolic link to `target` at `link` (a file link on Windows, where
/// these tests do not run: README "Platforms"; it keeps them compiling).
fn symlink(target: &str, link: &std::path::Path) {
    #[cfg(unix)]
    std::os::unix::fs::symlink(target, link).unwrap();
    #[cfg(windows)]
    std::os::windows::fs::symlink_file(target, link).unwrap();
}
