//! Real git repositories and a real `git daemon` on 127.0.0.1, for tests
//! ([`plugres_test_support::git`], shared by every crate's tests).

use std::path::{Path, PathBuf};

pub(crate) use plugres_test_support::git::GitDaemon as Daemon;
/// The `git` program in a folder, isolated from the machine's
/// configuration; returns its trimmed stdout and panics when it fails.
pub(crate) use plugres_test_support::git::git_trimmed as git;
use plugres_test_support::git::{commit_tree, sample_index};

/// A copy of the sample index committed on `main` in
/// `<tempdir>/upstream`, plus an empty cache root beside it.
pub(crate) struct Upstream {
    dir: tempfile::TempDir,
}

impl Upstream {
    pub(crate) fn sample() -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        commit_tree(
            &sample_index(),
            &dir.path().join("upstream"),
            "sample index",
        );
        std::fs::create_dir(dir.path().join("cache")).expect("cache dir");
        Upstream { dir }
    }

    /// The parent of the repository: what `git daemon` serves.
    pub(crate) fn base(&self) -> &Path {
        self.dir.path()
    }

    pub(crate) fn work(&self) -> PathBuf {
        self.dir.path().join("upstream")
    }

    pub(crate) fn cache_root(&self) -> PathBuf {
        self.dir.path().join("cache")
    }

    pub(crate) fn head(&self) -> String {
        git(&self.work(), &["rev-parse", "HEAD"])
    }

    /// Commits a change of `README.md` and returns the new head.
    pub(crate) fn commit_readme(&self, line: &str) -> String {
        let readme = self.work().join("README.md");
        let mut text = std::fs::read_to_string(&readme).expect("README");
        text.push_str(line);
        text.push('\n');
        std::fs::write(&readme, text).expect("write README");
        git(&self.work(), &["commit", "-q", "-am", line]);
        self.head()
    }
}
