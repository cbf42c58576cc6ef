//! Helpers for the git layer's tests: the real `git` program as the judge
//! ([`plugres_test_support::git`], shared by every crate's tests), and a
//! one-call way to write files and commit them through [`Repo`].

use std::path::Path;

pub(super) use plugres_test_support::git::{git, git_ok};

use super::{Author, Repo};

/// Write `content` to the repository-relative `path` under `root`.
pub(super) fn write_file(root: &Path, path: &str, content: &str) {
    let full = root.join(path);
    std::fs::create_dir_all(full.parent().expect("has a parent")).unwrap();
    std::fs::write(full, content).unwrap();
}

/// Write (`Some`) or delete (`None`) each file in the working tree, then
/// commit exactly those paths as "Test Author"; returns the commit id.
pub(super) fn commit_files(repo: &Repo, files: &[(&str, Option<&str>)], message: &str) -> String {
    for (path, content) in files {
        match content {
            Some(content) => write_file(repo.workdir(), path, content),
            None => std::fs::remove_file(repo.workdir().join(path)).unwrap(),
        }
    }
    let paths: Vec<&str> = files.iter().map(|(path, _)| *path).collect();
    let author = Author::new("Test Author", "test@example.org");
    repo.commit_paths(&paths, message, &author).unwrap()
}
