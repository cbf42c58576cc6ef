//! The git layer of the index tool: a checkout of the index repository, read
//! and written with gix only (the `git` program is never run here).
//!
//! An index is an ordinary, non-bare git checkout. The tool writes files into
//! the working tree and then records exactly those files in a commit with
//! [`Repo::commit_paths`]: it hashes them into blobs, edits the tree of `HEAD`
//! (only the subtrees on the edited paths are rewritten), commits on the branch
//! `HEAD` points at with a compare-and-swap on that branch, and finally
//! rewrites `.git/index` from the new tree so `git status` stays clean.
//!
//! Reading goes through trees, never the working tree: [`Repo::read_at`]
//! fetches one file at a revision, [`Repo::changed_paths`] diffs two trees by
//! descending only into subtrees whose ids differ (so its cost follows the size
//! of the change, not of the index), and [`Repo::history`] lists the commits
//! that changed one file, which is what the "published versions never change"
//! check needs.
//!
//! Paths in this API are repository-relative and `/`-separated, like the paths
//! git stores, e.g. `plugins/he/ll/hello-world.toml`.

mod author;
mod branch;
mod commit;
mod diff;
mod error;
mod history;
mod local_config;
mod read;
#[cfg(test)]
mod test_support;

use std::path::{Path, PathBuf};

pub use author::Author;
pub use diff::{Change, ChangeKind};
pub use error::GitError;
pub use history::HistoryEntry;
pub use local_config::ONLINE_KEY;

/// A non-bare git checkout of an index.
pub struct Repo {
    repo: gix::Repository,
    workdir: PathBuf,
}

impl std::fmt::Debug for Repo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Repo")
            .field("workdir", &self.workdir)
            .finish()
    }
}

impl Repo {
    /// Create a new non-bare repository in `dir` (created if missing) whose
    /// `HEAD` points at the unborn branch `main`, whatever `init.defaultBranch`
    /// says, so every index starts the same way. No commit is made.
    pub fn init(dir: &Path) -> Result<Repo, GitError> {
        let init_err = |source| GitError::Init {
            dir: dir.to_path_buf(),
            source,
        };
        let repo = Repo::from_gix(gix::init(dir).map_err(init_err)?, dir)?;
        if repo.head_branch()?.as_deref() != Some(DEFAULT_BRANCH) {
            repo.point_head_at(DEFAULT_BRANCH, "")?;
        }
        Ok(repo)
    }

    /// Open the checkout whose working tree (or `.git` directory) is exactly
    /// `dir`; parent directories are not searched, so a plain folder inside
    /// some other checkout is reported as not being a checkout.
    pub fn open(dir: &Path) -> Result<Repo, GitError> {
        let repo = gix::open(dir).map_err(|source| GitError::NotACheckout {
            dir: dir.to_path_buf(),
            source,
        })?;
        Repo::from_gix(repo, dir)
    }

    fn from_gix(repo: gix::Repository, dir: &Path) -> Result<Repo, GitError> {
        let workdir =
            repo.workdir()
                .map(Path::to_path_buf)
                .ok_or_else(|| GitError::NoWorkingTree {
                    dir: dir.to_path_buf(),
                })?;
        let mut repo = Repo { repo, workdir };
        repo.default_committer();
        Ok(repo)
    }

    /// Ref updates record a committer in the reflog. Where git names none
    /// (a fresh machine or CI container), the tool's commit author stands
    /// in, so creating a branch works wherever committing does.
    fn default_committer(&mut self) {
        if self.repo.committer().is_none() {
            let author = Author::from_env_or_config(self);
            // Setting an in-memory value fails only for a malformed one.
            let _ = self
                .repo
                .committer_or_set_fallback(author.name.as_str(), author.email.as_str());
        }
    }

    /// The root of the working tree.
    pub fn workdir(&self) -> &Path {
        &self.workdir
    }

    /// The id of the commit `rev` names, as lowercase hex. `rev` is anything
    /// `git rev-parse` understands: `main`, `HEAD~1`, `origin/main`, an id.
    pub fn resolve_rev(&self, rev: &str) -> Result<String, GitError> {
        Ok(self.commit_at(rev)?.id.to_string())
    }

    /// Resolve `rev` and peel it to a commit.
    fn commit_at(&self, rev: &str) -> Result<gix::Commit<'_>, GitError> {
        let unknown = |source| GitError::UnknownRev {
            rev: rev.to_owned(),
            dir: self.workdir.clone(),
            source,
        };
        self.repo
            .rev_parse_single(rev)
            .map_err(unknown)?
            .object()
            .and_then(gix::Object::peel_to_commit)
            .map_err(unknown)
    }

    /// Build the catch-all error for a failed gix call doing `action`.
    fn fail(&self, action: &'static str) -> impl FnOnce(gix::Error) -> GitError + '_ {
        move |source| GitError::Git {
            action,
            dir: self.workdir.clone(),
            source,
        }
    }
}

/// The branch a new index starts on.
const DEFAULT_BRANCH: &str = "main";

/// Check that `path` is a clean repository-relative path (what git stores in
/// trees), so it can neither escape the working tree nor touch `.git`.
fn check_rel_path(path: &str) -> Result<(), GitError> {
    let invalid = |reason| {
        Err(GitError::InvalidPath {
            path: path.to_owned(),
            reason,
        })
    };
    // The rule every index path follows (`plugres_schema::IndexPath`).
    match plugres_schema::IndexPath::new(path) {
        Ok(_) => Ok(()),
        Err(reason) => invalid(reason),
    }
}

#[cfg(test)]
mod tests {
    use super::test_support::{git, git_ok};
    use super::*;

    #[test]
    fn init_starts_unborn_on_main() {
        let dir = tempfile::tempdir().unwrap();
        let repo = Repo::init(dir.path()).unwrap();
        assert_eq!(repo.head_branch().unwrap().as_deref(), Some("main"));
        assert_eq!(
            git(dir.path(), &["symbolic-ref", "HEAD"]).trim(),
            "refs/heads/main"
        );
        assert!(!git_ok(dir.path(), &["rev-parse", "--verify", "HEAD"]));
        assert!(matches!(
            repo.resolve_rev("HEAD"),
            Err(GitError::UnknownRev { .. })
        ));
    }

    #[test]
    fn init_refuses_an_existing_repository() {
        let dir = tempfile::tempdir().unwrap();
        Repo::init(dir.path()).unwrap();
        let err = Repo::init(dir.path()).unwrap_err();
        assert!(matches!(err, GitError::Init { .. }), "{err:?}");
        assert!(
            err.to_string()
                .contains(&format!("`{}`", dir.path().display())),
            "{err}"
        );
    }

    #[test]
    fn open_a_plain_directory_names_it() {
        let dir = tempfile::tempdir().unwrap();
        let err = Repo::open(dir.path()).unwrap_err();
        assert!(matches!(err, GitError::NotACheckout { .. }), "{err:?}");
        let msg = err.to_string();
        assert!(
            msg.contains(&format!("`{}` is not a git checkout", dir.path().display())),
            "{msg}"
        );
    }

    #[test]
    fn open_does_not_search_parent_directories() {
        let dir = tempfile::tempdir().unwrap();
        Repo::init(dir.path()).unwrap();
        let sub = dir.path().join("plugins");
        std::fs::create_dir(&sub).unwrap();
        assert!(matches!(
            Repo::open(&sub),
            Err(GitError::NotACheckout { .. })
        ));
        let repo = Repo::open(dir.path()).unwrap();
        assert_eq!(
            repo.workdir().canonicalize().unwrap(),
            dir.path().canonicalize().unwrap()
        );
    }

    #[test]
    fn open_a_bare_repository_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        git(dir.path(), &["init", "--bare", "-q", "."]);
        let err = Repo::open(dir.path()).unwrap_err();
        assert!(matches!(err, GitError::NoWorkingTree { .. }), "{err:?}");
    }

    #[test]
    fn unknown_rev_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let repo = Repo::init(dir.path()).unwrap();
        let err = repo.resolve_rev("no-such-branch").unwrap_err();
        assert!(err.to_string().contains("`no-such-branch`"), "{err}");
    }

    #[test]
    fn rel_paths_are_checked() {
        for good in [
            "config.toml",
            "plugins/he/ll/hello-world.toml",
            ".gitattributes",
        ] {
            check_rel_path(good).unwrap();
        }
        for bad in [
            "",
            "/etc/passwd",
            "a//b",
            "a/",
            "../x",
            "a/./b",
            ".git/config",
            "a\\b",
        ] {
            assert!(
                matches!(check_rel_path(bad), Err(GitError::InvalidPath { .. })),
                "{bad:?} was accepted"
            );
        }
    }
}
