//! plugres-index follows the conventions of `plugres` (and cargo, git):
//! `-C DIR`, `--quiet`, and signed edits on a branch for a pull request
//! with the push step printed, like `publish`. Messages pinned as insta
//! snapshots.

use std::path::Path;
use std::process::Output;

use plugres_e2e::*;

/// stderr of `out` with `tmp` shown as `[TMP]`.
fn said(out: &Output, tmp: &Path) -> String {
    stderr(out).replace(&tmp.display().to_string(), "[TMP]")
}

fn branch(idx: &Path) -> String {
    git(idx, &["rev-parse", "--abbrev-ref", "HEAD"])
        .trim()
        .to_string()
}

/// `yank`, `unyank` and `deprecate` commit on a new branch named for the
/// change and print the push step (they committed on the current branch,
/// straight onto `main`, unlike `publish`); `--branch` names it,
/// `--no-branch` keeps the current one.
#[test]
fn signed_edits_go_on_a_branch_and_print_the_push_step() {
    let t = tempfile::tempdir().unwrap();
    let idx = sample_index_repo(t.path());
    let key = sample_key("acme-release");
    let edit = |args: &[&str], key: &Path| {
        run(
            plugres_index()
                .args(["-C"])
                .arg(&idx)
                .args(args)
                .arg("--key")
                .arg(key),
            true,
        )
    };
    let out = edit(&["yank", "acme-audit", "2.0.0", "--reason", "broken"], &key);
    assert_eq!(branch(&idx), "yank/acme-audit-2.0.0");
    assert_eq!(
        git(&idx, &["log", "-1", "--format=%s", "main"]).trim(),
        "sample",
        "main is untouched"
    );
    insta::assert_snapshot!("yank_on_a_branch", said(&out, t.path()));

    let out = edit(&["unyank", "acme-audit", "2.0.0", "--no-branch"], &key);
    assert_eq!(branch(&idx), "yank/acme-audit-2.0.0", "the current branch");
    insta::assert_snapshot!("unyank_on_the_current_branch", said(&out, t.path()));

    let maintainers = sample_key("sample-maintainers");
    let out = edit(
        &[
            "deprecate",
            "hello-world",
            "--message",
            "use hello-universe",
            "--branch",
            "retire-hello",
        ],
        &maintainers,
    );
    assert_eq!(branch(&idx), "retire-hello");
    insta::assert_snapshot!("deprecate_on_a_named_branch", said(&out, t.path()));

    // A refused edit makes no branch.
    let out = run(
        plugres_index()
            .arg("-C")
            .arg(&idx)
            .args(["yank", "acme-audit", "9.9.9", "--key"])
            .arg(&key),
        false,
    );
    assert!(
        stderr(&out).contains("has no version 9.9.9"),
        "{}",
        stderr(&out)
    );
    assert_eq!(branch(&idx), "retire-hello");
    assert!(git(&idx, &["branch", "--list", "yank/acme-audit-9.9.9"]).is_empty());

    // --quiet: nothing but errors.
    let out = edit(
        &["-q", "unyank", "acme-audit", "1.1.0", "--no-branch"],
        &key,
    );
    assert_eq!(stderr(&out), "");
    assert_eq!(stdout(&out), "");
}

/// `-C DIR` runs as if started in DIR: the default index `.` and relative
/// paths are taken from there; a DIR that does not exist is named.
#[test]
fn dash_c_runs_in_the_directory() {
    let t = tempfile::tempdir().unwrap();
    let idx = sample_index_repo(t.path());
    let out = run(
        plugres_index()
            .current_dir(t.path())
            .args(["-C", "index", "key", "list"]),
        true,
    );
    assert!(
        stdout(&out).contains("sample-maintainers"),
        "{}",
        stdout(&out)
    );
    let out = run(
        plugres_index()
            .current_dir(t.path())
            .args(["-C", "index", "validate", "--json"]),
        true,
    );
    let report: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert!(report["files_checked"].as_u64().unwrap() > 5, "{report}");
    assert_eq!(branch(&idx), "main");

    let out = run(
        plugres_index()
            .current_dir(t.path())
            .args(["-C", "nowhere/at/all", "key", "list"]),
        false,
    );
    assert_eq!(out.status.code(), Some(1));
    insta::assert_snapshot!(said(&out, t.path()));
}

/// `init -q` prints nothing but the data asked for: the root public key
/// on stdout (what scripts capture), no status lines or next steps.
#[test]
fn init_quiet_prints_only_the_root_key() {
    let t = tempfile::tempdir().unwrap();
    let out = run(
        plugres_index().current_dir(t.path()).args([
            "-q",
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
    assert_eq!(stderr(&out), "");
    let printed = stdout(&out);
    assert!(printed.trim().starts_with("RW"), "{printed}");
    assert_eq!(printed.lines().count(), 1, "{printed}");
}
