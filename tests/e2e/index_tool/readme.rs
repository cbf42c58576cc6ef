//! A version's readme (README "Plugin file"), through the real binary:
//! `publish` stores it hashed beside the plugin's data and records it in
//! the signed entry; `validate` refuses a readme that is missing, too
//! large, or not the bytes its entry hashes, and (since `--base`) any
//! change to a published one; publish refuses what it must not store.
//! Today's client reads an index with readmes without a warning.

use std::path::{Path, PathBuf};

use plugres_e2e::index::{TestIndex, sample_root_key};
use plugres_e2e::project::{Backend, Project};
use plugres_e2e::*;

use super::write_plugin;

const README: &str = "# acme-doc\n\nDocuments things.\n";
const STORED: &str = "readmes/ac/me/acme-doc/1.0.0.md";

/// `write_plugin` for `acme-doc 1.0.0`, naming `readme` (written with
/// `text` when given).
fn manifest(dir: &Path, readme: &str, text: Option<&[u8]>) -> PathBuf {
    let m = write_plugin(dir, "acme-doc", "1.0.0", "");
    let toml = std::fs::read_to_string(&m)
        .unwrap()
        .replace("engine = ", &format!("readme = \"{readme}\"\nengine = "));
    std::fs::write(&m, toml).unwrap();
    if let Some(text) = text {
        std::fs::write(m.parent().unwrap().join(readme), text).unwrap();
    }
    m
}

fn publish(m: &Path, idx: &Path, ok: bool) -> std::process::Output {
    run(
        plugres_index()
            .arg("publish")
            .arg(m)
            .arg("--key")
            .arg(sample_key("acme-release"))
            .arg("--index")
            .arg(idx),
        ok,
    )
}

/// The `error:` lines of a failed `validate --base BASE` (or a whole one).
fn refusals(idx: &Path, base: Option<&str>) -> String {
    let mut cmd = plugres_index();
    cmd.arg("validate");
    if let Some(base) = base {
        cmd.args(["--base", base]);
    }
    let out = run(cmd.arg(idx), false);
    stderr(&out)
        .lines()
        .filter(|l| l.contains("error:") && l.contains("readme"))
        .collect::<Vec<_>>()
        .join("\n")
}

fn commit_all(idx: &Path, message: &str) {
    git(idx, &["add", "-A"]);
    git(idx, &["commit", "-q", "-m", message]);
}

#[test]
fn publish_stores_the_readme_hashed_and_validate_binds_it() {
    let t = tempfile::tempdir().unwrap();
    let idx = sample_index_repo(t.path());
    let m = manifest(t.path(), "README.md", Some(README.as_bytes()));
    publish(&m, &idx, true);
    assert_eq!(std::fs::read_to_string(idx.join(STORED)).unwrap(), README);
    let file = std::fs::read_to_string(idx.join("plugins/ac/me/acme-doc.toml")).unwrap();
    let sha = plugres_schema::Sha256::of(README.as_bytes()).to_hex();
    let entry = format!(
        "readme = {{ path = \"{STORED}\", sha256 = \"{sha}\", size = {} }}",
        README.len()
    );
    assert!(file.contains(&entry), "{file}");
    assert!(
        git(&idx, &["ls-files", STORED]).contains(STORED),
        "committed"
    );
    assert_eq!(git(&idx, &["status", "--porcelain"]), "");
    run(
        plugres_index()
            .args(["validate", "--base", "main"])
            .arg(&idx),
        true,
    );
    let published = git(&idx, &["rev-parse", "HEAD"]).trim().to_string();

    // In the pull request itself: the stored bytes differ from the
    // entry, or the file is gone.
    let mut said = Vec::new();
    std::fs::write(idx.join(STORED), "# acme-doc\n\nDocuments thingz.\n").unwrap();
    commit_all(&idx, "swap the readme");
    said.push(refusals(&idx, Some("main")));
    git(&idx, &["rm", "-q", STORED]);
    commit_all(&idx, "drop the readme");
    said.push(refusals(&idx, Some("main")));
    // After the merge: a later change to the published readme.
    said.push(refusals(&idx, Some(&published)));
    insta::assert_snapshot!("validate_refusals", said.join("\n"));
}

#[test]
fn validate_refuses_an_oversized_or_tampered_readme_in_the_whole_index() {
    let t = tempfile::tempdir().unwrap();
    let index = t.path().join("index");
    let ix = TestIndex::sample_copy(&index, None);
    let big = "a".repeat(512 * 1024 + 1);
    ix.plugin("big-doc")
        .version("1.0.0", ">=1.0")
        .artifact("any", "b.wasm", b"\0asm")
        .readme(&big)
        .publish();
    ix.plugin("ok-doc")
        .version("1.0.0", ">=1.0")
        .artifact("any", "o.wasm", b"\0asm")
        .readme("# fine\n")
        .publish();
    std::fs::write(index.join("readmes/ok/-d/ok-doc/1.0.0.md"), "# fin\n\n").unwrap();
    insta::assert_snapshot!("whole_validate_refusals", refusals(&index, None));
}

#[test]
fn publish_refuses_a_readme_it_must_not_store_and_changes_nothing() {
    let t = tempfile::tempdir().unwrap();
    let idx = sample_index_repo(t.path());
    let before = snapshot_tree(&idx);
    let mut said = Vec::new();
    let cases: [(&str, Option<Vec<u8>>); 4] = [
        ("README.md", Some(vec![b'#'; 512 * 1024 + 1])),
        ("README.md", Some(b"caf\xe9\n".to_vec())),
        ("../README.md", None),
        ("MISSING.md", None),
    ];
    for (rel, text) in cases {
        let m = manifest(t.path(), rel, text.as_deref());
        let out = publish(&m, &idx, false);
        let tmp = t.path().display().to_string();
        said.push(stderr(&out).replace(&tmp, "[TMP]").trim_end().to_string());
        assert_eq!(snapshot_tree(&idx), before, "{rel}");
    }
    #[cfg(unix)]
    {
        let m = manifest(t.path(), "LINK.md", None);
        std::fs::write(t.path().join("secret.md"), "secret").unwrap();
        std::os::unix::fs::symlink(
            t.path().join("secret.md"),
            m.parent().unwrap().join("LINK.md"),
        )
        .unwrap();
        let out = publish(&m, &idx, false);
        let err = stderr(&out);
        assert!(err.contains("outside the folder of the manifest"), "{err}");
        assert_eq!(snapshot_tree(&idx), before);
    }
    insta::assert_snapshot!("publish_refusals", said.join("\n---\n"));
}

/// README "Format evolution": `readme` is metadata within format 1; today's
/// client knows it and says nothing about it.
#[test]
fn todays_client_reads_an_index_with_readmes_without_a_warning() {
    let tmp = tempfile::tempdir().unwrap();
    let index = tmp.path().join("index");
    let ix = TestIndex::sample_copy(&index, None);
    ix.plugin("doc-plugin")
        .version("1.0.0", ">=1.0")
        .artifact("any", "d.wasm", b"\0asm")
        .readme("# doc-plugin\n")
        .publish();
    let p = Project::with_backend(tmp, index, &sample_root_key(), Backend::Path);
    let out = p.ok(&["add", "doc-plugin", "--yes"]);
    assert!(!stderr(&out).contains("warning"), "{}", stderr(&out));
    assert!(p.dir.join("plugins/doc-plugin").is_dir());
}
