//! Install-dir operations on real directories, including interrupted runs
//! and two concurrent "installs" in threads.

use std::fs;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use super::*;

fn names(dir: &Path) -> Vec<String> {
    let mut out: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    out.sort();
    out
}

/// A staged plugin folder: `file` and plugres's marker.
fn staged_with(install: &Path, file: &str, content: &str) -> Staging {
    let staging = stage(install).unwrap();
    fs::write(staging.path().join(file), content).unwrap();
    fs::write(staging.path().join(MARKER_FILE), "").unwrap();
    staging
}

#[test]
fn commit_installs_then_replaces_a_plugin_folder() {
    let tmp = tempfile::tempdir().unwrap();
    let install = tmp.path().join("plugins");
    let path = staged_with(&install, "v1.txt", "1")
        .commit("hello-world")
        .unwrap();
    assert_eq!(path, install.join("hello-world"));
    assert_eq!(names(&install), ["hello-world"]);

    staged_with(&install, "v2.txt", "2")
        .commit("hello-world")
        .unwrap();
    assert_eq!(
        names(&install),
        ["hello-world"],
        "old folder gone, no leftovers"
    );
    assert_eq!(names(&install.join("hello-world")), [MARKER_FILE, "v2.txt"]);
}

#[test]
fn a_folder_plugres_did_not_make_is_never_replaced_or_removed() {
    let tmp = tempfile::tempdir().unwrap();
    let install = tmp.path();
    fs::create_dir(install.join("docs")).unwrap();
    fs::write(install.join("docs/README.md"), "the user's").unwrap();
    fs::write(install.join("notes"), "a file").unwrap();
    for name in ["docs", "notes"] {
        let err = staged_with(install, "f", "x").commit(name).unwrap_err();
        assert!(matches!(err, PlaceError::NotOurs { .. }), "{err}");
        assert!(matches!(
            remove(install, name),
            Err(PlaceError::NotOurs { .. })
        ));
    }
    assert_eq!(
        fs::read_to_string(install.join("docs/README.md")).unwrap(),
        "the user's"
    );
    assert_eq!(names(install), ["docs", "notes"], "stagings dropped");
}

#[test]
fn a_dropped_staging_leaves_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let staging = staged_with(tmp.path(), "f", "x");
    assert_eq!(names(tmp.path()).len(), 1);
    drop(staging);
    assert!(names(tmp.path()).is_empty());
}

#[test]
fn bad_names_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    for bad in ["", "..", ".plugres-tmp-x", "a/b", "a\\b", "../x"] {
        let err = staged_with(tmp.path(), "f", "x").commit(bad).unwrap_err();
        assert!(matches!(err, PlaceError::BadName { .. }), "{bad}: {err}");
        assert!(matches!(
            remove(tmp.path(), bad),
            Err(PlaceError::BadName { .. })
        ));
    }
    assert!(names(tmp.path()).is_empty(), "stagings dropped");
}

#[test]
fn recover_restores_a_folder_moved_aside_and_drops_leftovers() {
    let tmp = tempfile::tempdir().unwrap();
    let install = tmp.path();
    // Interrupted between the two renames of `a-b`.
    fs::create_dir(install.join(".plugres-old-a-b-0123456789abcdef")).unwrap();
    fs::write(
        install.join(".plugres-old-a-b-0123456789abcdef/keep"),
        "old",
    )
    .unwrap();
    // Interrupted after both renames of `c`.
    fs::create_dir(install.join("c")).unwrap();
    fs::create_dir(install.join(".plugres-old-c-00000000000000ff")).unwrap();
    // Interrupted while staging.
    fs::create_dir(install.join(".plugres-tmp-feedfeedfeedfeed")).unwrap();
    fs::write(install.join(".plugres-tmp-feedfeedfeedfeed/partial"), "p").unwrap();
    // Interrupted while removing `d` (partly deleted, marker gone first).
    fs::create_dir(install.join(".plugres-del-d-0000000000000001")).unwrap();
    fs::write(install.join(".plugres-del-d-0000000000000001/rest"), "r").unwrap();
    // Not ours: untouched.
    fs::write(install.join(".gitignore"), "*").unwrap();

    recover(install).unwrap();
    assert_eq!(names(install), [".gitignore", "a-b", "c"]);
    assert_eq!(fs::read_to_string(install.join("a-b/keep")).unwrap(), "old");
    recover(&install.join("missing")).unwrap();
}

#[test]
fn remove_deletes_a_plugin_folder() {
    let tmp = tempfile::tempdir().unwrap();
    staged_with(tmp.path(), "f", "x").commit("p").unwrap();
    assert!(remove(tmp.path(), "p").unwrap());
    assert!(!remove(tmp.path(), "p").unwrap());
    assert!(names(tmp.path()).is_empty());
}

#[test]
fn the_project_lock_makes_a_second_run_wait_then_succeed() {
    let start = Instant::now();
    let tmp = tempfile::tempdir().unwrap();
    let project = tmp.path().to_owned();
    let install = project.join("plugins");

    let first = ProjectLock::acquire(&project, |_| panic!("nobody holds it yet")).unwrap();
    assert!(first.path().ends_with(".plugres/lock"));
    let (waiting_tx, waiting_rx) = mpsc::channel();
    let second = {
        let (project, install) = (project.clone(), install.clone());
        std::thread::spawn(move || {
            let lock =
                ProjectLock::acquire(&project, |msg| waiting_tx.send(msg.to_owned()).unwrap())
                    .unwrap();
            recover(&install).unwrap();
            staged_with(&install, "from", "second").commit("p").unwrap();
            drop(lock);
        })
    };
    let msg = waiting_rx
        .recv_timeout(Duration::from_secs(10))
        .expect("second run waits");
    assert!(msg.contains("waiting for another plugres process"), "{msg}");

    // The first run installs while the second waits.
    recover(&install).unwrap();
    staged_with(&install, "from", "first").commit("p").unwrap();
    assert_eq!(fs::read_to_string(install.join("p/from")).unwrap(), "first");
    drop(first);

    second.join().unwrap();
    assert_eq!(
        fs::read_to_string(install.join("p/from")).unwrap(),
        "second"
    );
    assert_eq!(names(&install), ["p"]);
    assert!(start.elapsed() < Duration::from_secs(20));
}
