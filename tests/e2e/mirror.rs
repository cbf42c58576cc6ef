//! A mirror operator's workflow, as the README's "Mirroring" section runs
//! it: `git clone --mirror` of the index, `plugres-index mirror-artifacts`
//! into a folder served by a real static server, and a project with
//! `artifact-mirror` that installs with the origin's artifact host stopped.
//! The origin is a trust-layer index (snapshot and timestamp), which a
//! mirror serves unchanged.

use std::path::Path;

use plugres_e2e::GitDaemon;
use plugres_e2e::http::StaticServer;
use plugres_e2e::index::{TestIndex, sample_root_key};
use plugres_e2e::*;

/// Runs `git clone` (plain or `--mirror`) with the test's isolated git.
fn clone(from: &Path, to: &Path, mirror: bool) {
    let parent = to.parent().unwrap();
    let mut args = vec!["clone", "-q"];
    if mirror {
        args.push("--mirror");
    }
    let (from, to) = (from.to_str().unwrap(), to.to_str().unwrap());
    args.extend([from, to]);
    git(parent, &args);
}

fn mirror_artifacts(index: &Path, out: &Path) -> String {
    let o = run(
        plugres_index().arg("mirror-artifacts").arg(index).arg(out),
        true,
    );
    stderr(&o)
}

#[test]
fn a_project_installs_from_an_artifact_mirror_with_the_origin_down() {
    let tmp = tempfile::tempdir().unwrap();
    // The origin: the sample index in git, its artifacts on a static host.
    let mut origin_host = StaticServer::start(&sample_index());
    let origin = tmp.path().join("index");
    // Committed, with a new snapshot and timestamp, by the helper.
    TestIndex::sample_copy(&origin, Some(&origin_host.url()));

    // The operator: a git mirror of the index, a checkout of it, and the
    // artifacts mirrored into a folder.
    let index_mirror = tmp.path().join("index-mirror.git");
    clone(&origin, &index_mirror, true);
    let checkout = tmp.path().join("index-checkout");
    clone(&index_mirror, &checkout, false);
    let out = tmp.path().join("artifacts");
    let first = mirror_artifacts(&checkout, &out);
    assert!(first.contains(" 0 already present"), "{first}");
    assert!(!first.contains(" 0 downloaded"), "{first}");
    let second = mirror_artifacts(&checkout, &out);
    assert!(
        second.contains(" 0 downloaded (0 bytes)"),
        "a second run downloads nothing:\n{second}"
    );
    let mapping = std::fs::read_to_string(out.join("plugres-mirror.toml")).unwrap();
    assert!(mapping.contains(&origin_host.url()), "{mapping}");

    let mirror_host = StaticServer::start(&out);
    origin_host.stop();

    // The user: a project on the index mirror (the bare `--mirror` repo,
    // served by git daemon), artifacts from the artifact mirror.
    let daemon = GitDaemon::start(tmp.path());
    let mirror_url = daemon.url("index-mirror.git");
    let dir = tmp.path().join("project");
    let home = tmp.path().join("home");
    std::fs::create_dir_all(&dir).unwrap();
    let plugres_in = |args: &[&str], ok: bool| {
        let mut c = plugres(&home);
        c.arg("-C").arg(&dir).args(args);
        run(&mut c, ok)
    };
    plugres_in(
        &[
            "init",
            "--engine-version",
            "1.4.2",
            "--registry",
            &mirror_url,
            "--key",
            &sample_root_key(),
        ],
        true,
    );
    let manifest = dir.join("plugres.toml");
    let text = std::fs::read_to_string(&manifest).unwrap();
    assert!(text.contains("[registry.default]\n"), "{text}");
    let text = text.replacen(
        "[registry.default]\n",
        &format!(
            "[registry.default]\nartifact-mirror = \"{}\"\n",
            mirror_host.url()
        ),
        1,
    );
    std::fs::write(&manifest, text).unwrap();

    plugres_in(&["add", "hello-world", "acme-audit", "--yes"], true);
    assert!(dir.join("plugins/hello-world").is_dir());
    assert!(dir.join("plugins/acme-audit").is_dir());
    let log = mirror_host.access_log().join("\n");
    assert!(
        log.contains("hello_world.wasm HTTP") && log.contains("acme_audit.wasm HTTP"),
        "the mirror served the artifacts:\n{log}"
    );
    // The lock keeps the origin's URLs, so it works without the mirror too.
    let lock = std::fs::read_to_string(dir.join("plugres.lock")).unwrap();
    assert!(lock.contains(&origin_host.url()), "{lock}");

    // No quiet fallback: a file missing from the mirror fails, naming it.
    std::fs::remove_dir_all(&home).unwrap();
    std::fs::remove_dir_all(dir.join("plugins")).unwrap();
    let mapping: toml::Value = toml::from_str(&mapping).unwrap();
    let locked = mapping["artifact"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| {
            a["plugin"].as_str() == Some("hello-world")
                && lock.contains(a["sha256"].as_str().unwrap())
        })
        .expect("the locked hello-world is in the mapping");
    std::fs::remove_file(out.join(locked["path"].as_str().unwrap())).unwrap();
    let err = stderr(&plugres_in(&["install"], false));
    assert!(err.contains(&mirror_host.url()), "{err}");
}

#[test]
fn a_git_mirror_verifies_like_the_origin_and_a_modified_file_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let origin = tmp.path().join("index");
    TestIndex::sample_copy(&origin, None);
    let mirror = tmp.path().join("mirror.git");
    clone(&origin, &mirror, true);
    let daemon = GitDaemon::start(tmp.path());
    let dir = tmp.path().join("project");
    let home = tmp.path().join("home");
    std::fs::create_dir_all(&dir).unwrap();
    let plugres_in = |args: &[&str], ok: bool| {
        let mut c = plugres(&home);
        c.arg("-C").arg(&dir).args(args);
        run(&mut c, ok)
    };
    let url = daemon.url("mirror.git");
    plugres_in(
        &[
            "init",
            "--engine-version",
            "1.4.2",
            "--registry",
            &url,
            "--key",
            &sample_root_key(),
        ],
        true,
    );
    plugres_in(&["add", "hello-world", "--yes"], true);

    // The mirror's operator (or an attacker on it) edits a plugin file: its
    // digest is no longer the one the signed snapshot lists, nor does its
    // signature match (whichever the client checks first).
    let work = tmp.path().join("mirror-work");
    clone(&mirror, &work, false);
    let f = work.join("plugins/ac/me/acme-audit.toml");
    let text = std::fs::read_to_string(&f)
        .unwrap()
        .replace("hello-world = \"^1.2\"", "hello-world = \"^1.0\"");
    std::fs::write(&f, text).unwrap();
    git(&work, &["commit", "-q", "-am", "looser requirement"]);
    git(&work, &["push", "-q", "origin", "HEAD:main"]);
    let before = snapshot_tree(&dir);
    let err = stderr(&plugres_in(&["add", "acme-audit", "--yes"], false));
    assert!(
        err.contains("plugins/ac/me/acme-audit.toml")
            && (err.contains("mix-and-match") || err.contains("tampered")),
        "{err}"
    );
    assert_eq!(
        snapshot_tree(&dir)
            .into_iter()
            .filter(|(p, _)| !p.starts_with(".plugres/"))
            .collect::<Vec<_>>(),
        before
            .into_iter()
            .filter(|(p, _)| !p.starts_with(".plugres/"))
            .collect::<Vec<_>>()
    );
}
