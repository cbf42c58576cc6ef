//! Helpers for the git layer's tests: the real `git` program as the judge,
//! and a one-call way to write files and commit them through [`Repo`].

use std::path::Path;
use std::process::{Command, Output};

use super::{Author, Repo};

fn run_git(dir: &Path, args: &[&str]) -> Output {
    Command::new("git")
        .args(args)
        .current_dir(dir)
        // Independent of the machine's git configuration.
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_AUTHOR_NAME", "Git Program")
        .env("GIT_AUTHOR_EMAIL", "git@example.org")
        .env("GIT_COMMITTER_NAME", "Git Program")
        .env("GIT_COMMITTER_EMAIL", "git@example.org")
        .output()
        .expect("the `git` program runs")
}

/// Run `git args` in `dir`, panic with its stderr on failure, return stdout.
pub(super) fn git(dir: &Path, args: &[&str]) -> String {
    let out = run_git(dir, args);
    assert!(
        out.status.success(),
        "git {args:?} failed in {}: {}",
        dir.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("git prints UTF-8 here")
}

/// Whether `git args` succeeds in `dir`.
pub(super) fn git_ok(dir: &Path, args: &[&str]) -> bool {
    run_git(dir, args).status.success()
}

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
