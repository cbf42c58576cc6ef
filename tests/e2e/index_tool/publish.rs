//! The publisher's side: `init`, `keygen`, `key add` and `publish` end to end, and
//! what a publish commits or refuses.

use std::path::Path;

use plugres_e2e::*;

use super::{init_idx, sign_trust, write_plugin};

/// init → keygen → key add → publish ×2 (with a dependency) → validate
/// --base → yank → validate; then a plain `git clone` validates too.
#[test]
fn maintainer_and_publisher_workflow() {
    let t = tempfile::tempdir().unwrap();
    let d = t.path();
    let idx = d.join("idx");
    let out = init_idx(d, &[]);
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
