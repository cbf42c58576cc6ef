//! A change merged into a path or git index without a new snapshot: the
//! client refuses the changed file, as it must, and says why in words a
//! maintainer acts on (the snapshot is stale; run `plugres-index
//! snapshot`), not as an attack on a host.

use std::path::Path;

use plugres_e2e::index::{TestIndex, resign};
use plugres_e2e::project::{Backend, Project};

const ACME: &str = "plugins/ac/me/acme-audit.toml";

/// A project on the sample index through `backend` (a git repository:
/// for a path index, a maintainer's checkout).
fn project(backend: Backend) -> (Project, TestIndex) {
    let p = Project::on(backend, None);
    let idx = p.test_index();
    assert!(idx.dir.join(".git").is_dir());
    (p, idx)
}

/// The error with the index's folder as `[INDEX]`.
fn redacted(err: &str, index: &Path, served_as: &str) -> String {
    // Snapshot versions grow each time the sample is regenerated.
    let err = match err.split_once("after snapshot ") {
        Some((head, tail)) => {
            let digits = tail.bytes().take_while(u8::is_ascii_digit).count();
            format!("{head}after snapshot [N]{}", &tail[digits..])
        }
        None => err.to_string(),
    };
    err.replace(served_as, "[INDEX]")
        .replace(&index.display().to_string(), "[INDEX]")
}

#[test]
fn a_plugin_merged_without_a_snapshot_is_a_stale_snapshot() {
    for backend in [Backend::Path, Backend::Git] {
        eprintln!("backend: {backend:?}");
        let (p, idx) = project(backend);
        let rel = idx
            .plugin("acme-new")
            .version("1.0.0", ">=1.0")
            .artifact("any", "acme_new.wasm", b"\0asm new")
            .publish_unlisted("acme-release");
        idx.commit("merge acme-new (no snapshot)");
        let err = p.fails(&["add", "acme-new", "--yes"]);
        for expect in [
            "is stale",
            &rel,
            "which does not list it",
            "plugres-index snapshot --key",
        ] {
            assert!(
                err.contains(expect),
                "{backend:?}: expected `{expect}` in:\n{err}"
            );
        }
        if backend == Backend::Path {
            insta::assert_snapshot!(redacted(&err, &idx.dir, &p.served.url));
        }
        // Once the maintainers sign a snapshot, the plugin is there.
        idx.refresh();
        p.ok(&["add", "acme-new", "--yes"]);
    }
}

#[test]
fn a_yank_merged_without_a_snapshot_is_a_stale_snapshot() {
    for backend in [Backend::Path, Backend::Git] {
        eprintln!("backend: {backend:?}");
        let (p, idx) = project(backend);
        let path = idx.dir.join(ACME);
        let text = std::fs::read_to_string(&path).unwrap();
        let yanked = text.replacen(
            "version = \"2.0.0\"\n",
            "version = \"2.0.0\"\nyanked = true\n",
            1,
        );
        assert_ne!(yanked, text);
        std::fs::write(&path, yanked).unwrap();
        resign(&idx.dir, ACME, "acme-release");
        idx.commit("yank acme-audit 2.0.0 (no snapshot)");
        let err = p.fails(&["add", "acme-audit", "--yes"]);
        for expect in ["is stale", ACME, "which lists an older version of it"] {
            assert!(
                err.contains(expect),
                "{backend:?}: expected `{expect}` in:\n{err}"
            );
        }
        assert!(!err.contains("mix-and-match"), "{err}");
    }
}

/// An edit in a path index's working tree, not committed: the same.
#[test]
fn an_uncommitted_edit_of_a_path_index_is_a_stale_snapshot() {
    let (p, idx) = project(Backend::Path);
    std::fs::write(
        idx.dir.join(ACME),
        std::fs::read_to_string(idx.dir.join(ACME))
            .unwrap()
            .replace("Audit log", "Audit trail"),
    )
    .unwrap();
    resign(&idx.dir, ACME, "acme-release");
    let err = p.fails(&["add", "acme-audit", "--yes"]);
    assert!(err.contains("is stale"), "{err}");
}
