//! What plugres may touch in a project: only folders it made.
//!
//! The install dir holds plugin folders that carry plugres's marker file;
//! anything else there belongs to the user. Before an install moves,
//! replaces or deletes a plugin folder, these checks make sure the folder
//! is one of ours, and that the install dir itself is a folder set aside
//! for plugins (README "plugres.toml": `install-dir`).

use std::path::Path;

use plugres_host::marker::MARKER_FILE;

use super::OpsError;
use crate::install::is_ours;
use crate::project::{MANIFEST_FILE, Project};

/// Refuses an install dir that is not a folder of its own: the project
/// root, or any folder with a plugres.toml in it (plugres.toml itself
/// refuses `.`, `..` and VCS folders).
pub(crate) fn check_install_dir(project: &Project) -> Result<(), OpsError> {
    let dir = &project.install_dir;
    let shown = dir.strip_prefix(&project.dir).unwrap_or(dir).display();
    let refuse = |why: &str| {
        Err(OpsError::failed(
            format!(
                "the install dir `{shown}` {why}; plugres installs only into a folder of its own"
            ),
            &[
                "set `install-dir` in the `[settings]` of plugres.toml to a new folder, like `plugins`",
            ],
        ))
    };
    if same_dir(dir, &project.dir) || dir.join(MANIFEST_FILE).exists() {
        return refuse("holds a plugres.toml");
    }
    Ok(())
}

fn same_dir(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => a == b,
    }
}

/// Refuses to install `name` over something in the install dir that
/// plugres did not make (the user's own folder or file of that name).
pub(crate) fn check_replaceable(project: &Project, name: &str) -> Result<(), OpsError> {
    let path = project.install_dir.join(name);
    if std::fs::symlink_metadata(&path).is_err() || is_ours(&path) {
        return Ok(());
    }
    let shown = path.strip_prefix(&project.dir).unwrap_or(&path).display();
    Err(OpsError::failed(
        format!(
            "`{shown}` already exists and was not installed by plugres (it has no `{MARKER_FILE}`), so plugin `{name}` was not installed over it"
        ),
        &[
            "move or rename that folder if it is yours, then run the command again",
            "or set `install-dir` in the `[settings]` of plugres.toml to a folder of its own",
        ],
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn project(dir: &Path, install: &str) -> Project {
        let mut p = Project::at(dir);
        p.install_dir = dir.join(install);
        p
    }

    #[test]
    fn a_folder_without_the_marker_is_not_replaced() {
        let tmp = tempfile::tempdir().unwrap();
        let p = project(tmp.path(), "plugins");
        assert!(check_replaceable(&p, "hello").is_ok(), "nothing there yet");
        std::fs::create_dir_all(p.install_dir.join("hello")).unwrap();
        std::fs::write(p.install_dir.join("hello/notes.md"), "mine").unwrap();
        let err = check_replaceable(&p, "hello").unwrap_err().to_string();
        assert!(err.contains("`plugins/hello` already exists"), "{err}");
        std::fs::write(p.install_dir.join("hello").join(MARKER_FILE), "").unwrap();
        assert!(check_replaceable(&p, "hello").is_ok());
        std::fs::write(p.install_dir.join("file"), "a file of the user").unwrap();
        assert!(check_replaceable(&p, "file").is_err());
    }

    #[test]
    fn the_project_root_or_a_folder_with_a_manifest_is_no_install_dir() {
        let tmp = tempfile::tempdir().unwrap();
        std::fs::write(tmp.path().join(MANIFEST_FILE), "").unwrap();
        let err = check_install_dir(&project(tmp.path(), "."))
            .unwrap_err()
            .to_string();
        assert!(err.contains("holds a plugres.toml"), "{err}");
        std::fs::create_dir_all(tmp.path().join("sub")).unwrap();
        std::fs::write(tmp.path().join("sub").join(MANIFEST_FILE), "").unwrap();
        assert!(check_install_dir(&project(tmp.path(), "sub")).is_err());
        assert!(check_install_dir(&project(tmp.path(), "plugins")).is_ok());
    }
}
