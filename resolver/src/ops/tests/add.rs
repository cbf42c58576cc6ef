//! `plugres add NAME` without a requirement finds every solution `lock`
//! finds: the new names are resolved unconstrained, then written as `^`
//! of the version chosen.

use std::path::Path;

use crate::index::fixture::{TestIndex, TestPlugin};
use crate::ops::{AddRequest, Options, add};

/// `base` 2.0.0 and 3.0.0; `user` 1.0.0 needs base ^2, 2.0.0 needs base ^3.
fn index() -> TestIndex {
    let ix = TestIndex::new();
    ix.publish(
        TestPlugin::new("base")
            .version("2.0.0", "*")
            .artifact("any")
            .version("3.0.0", "*")
            .artifact("any"),
        "maint",
    );
    ix.publish(
        TestPlugin::new("user")
            .version("1.0.0", "*")
            .dep("base", "^2")
            .artifact("any")
            .version("2.0.0", "*")
            .dep("base", "^3")
            .artifact("any"),
        "maint",
    );
    ix.publish(
        TestPlugin::new("late")
            .version("1.0.0", "*")
            .artifact("any")
            .version("1.1.0", ">=9")
            .artifact("any"),
        "maint",
    );
    ix
}

fn project(dir: &Path, ix: &TestIndex, plugins: &str) {
    std::fs::write(
        dir.join("plugres.toml"),
        format!(
            "[engine]\nversion = \"1.4.2\"\n[registry.default]\nindex = \"{}\"\nroot-keys = [\"{}\"]\n[plugins]\n{plugins}",
            ix.root().display(),
            ix.root_public()
        ),
    )
    .unwrap();
}

fn add_names(dir: &Path, names: &[&str]) -> Result<(), String> {
    let request = AddRequest {
        specs: names.iter().map(|n| n.to_string()).collect(),
        ..AddRequest::default()
    };
    add(dir, &request, &Options::new(dir.join(".cache")))
        .map(|_| ())
        .map_err(|e| e.to_string())
}

fn manifest(dir: &Path) -> String {
    std::fs::read_to_string(dir.join("plugres.toml")).unwrap()
}

#[test]
fn a_name_without_a_requirement_takes_the_newest_version_that_fits() {
    let ix = index();
    let tmp = tempfile::tempdir().unwrap();
    project(tmp.path(), &ix, "base = \"^2\"\n");
    // The newest `user` needs base ^3; the one that fits is 1.0.0.
    add_names(tmp.path(), &["user"]).expect("a solution exists");
    assert!(
        manifest(tmp.path()).contains("user = \"^1.0.0\""),
        "{}",
        manifest(tmp.path())
    );
    // Without the constraint, the newest.
    let tmp = tempfile::tempdir().unwrap();
    project(tmp.path(), &ix, "");
    add_names(tmp.path(), &["user", "late"]).unwrap();
    let text = manifest(tmp.path());
    assert!(text.contains("user = \"^2.0.0\""), "{text}");
    // late 1.1.0 needs engine >=9: the newest that runs here.
    assert!(text.contains("late = \"^1.0.0\""), "{text}");
}

#[test]
fn a_locked_dependency_added_by_name_moves_to_its_newest_fitting_version() {
    let ix = index();
    let tmp = tempfile::tempdir().unwrap();
    project(tmp.path(), &ix, "user = \"^1\"\n");
    add_names(tmp.path(), &["user@^1"]).unwrap();
    // base is locked at 2.0.0 (for user ^1); adding it keeps what fits.
    add_names(tmp.path(), &["base"]).unwrap();
    assert!(
        manifest(tmp.path()).contains("base = \"^2.0.0\""),
        "{}",
        manifest(tmp.path())
    );
}

#[test]
fn only_a_plugin_no_version_of_which_fits_is_an_error() {
    let ix = index();
    let tmp = tempfile::tempdir().unwrap();
    project(tmp.path(), &ix, "base = \"=2.0.0\"\n");
    let before = manifest(tmp.path());
    let err = add_names(tmp.path(), &["user@^2"]).unwrap_err();
    assert!(err.contains("no set of plugin versions"), "{err}");
    let err = add_names(tmp.path(), &["nope"]).unwrap_err();
    assert!(err.contains("there is no plugin named `nope`"), "{err}");
    assert_eq!(manifest(tmp.path()), before, "nothing written");
}
