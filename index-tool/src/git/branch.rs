//! Branches: which one `HEAD` is on, whether one exists, and `git switch -c`.
//!
//! Switching never touches the working tree or `.git/index`: a new branch made
//! from `HEAD` has the same tree, so the checkout stays consistent.

use gix::refs::transaction::{LogChange, PreviousValue, RefEdit, RefLog};
use gix::refs::{FullName, Target};

use super::{Author, GitError, Repo};

impl Repo {
    /// The short name of the branch `HEAD` points at (it may be unborn), or
    /// `None` when `HEAD` is detached.
    pub fn head_branch(&self) -> Result<Option<String>, GitError> {
        let name = self.repo.head_name().map_err(self.fail("read `HEAD`"))?;
        Ok(name.map(|name| name.shorten().to_string()))
    }

    /// Whether the local branch `name` exists (has a commit).
    pub fn branch_exists(&self, name: &str) -> Result<bool, GitError> {
        let full = branch_ref(name)?;
        let found = self
            .repo
            .try_find_reference(full.as_ref())
            .map_err(self.fail("look up a branch"))?;
        Ok(found.is_some())
    }

    /// Create the local branch `name` at `HEAD` and point `HEAD` at it, like
    /// `git switch -c name`. On an unborn `HEAD` only `HEAD` is repointed (the
    /// branch comes into being with the first commit). The working tree is
    /// left as it is. Fails if the branch already exists.
    pub fn create_branch_and_switch(&self, name: &str) -> Result<(), GitError> {
        let full = branch_ref(name)?;
        let exists = || GitError::BranchExists {
            name: name.to_owned(),
            dir: self.workdir.clone(),
        };
        if self.branch_exists(name)? {
            return Err(exists());
        }
        let head = self.repo.head().map_err(self.fail("read `HEAD`"))?;
        let from = match head.referent_name() {
            Some(branch) => branch.shorten().to_string(),
            None => "detached HEAD".to_owned(),
        };
        if let Some(id) = head.id() {
            let created = self.repo.reference(
                full.clone(),
                id.detach(),
                PreviousValue::MustNotExist,
                format!("branch: Created from {from}"),
            );
            if let Err(source) = created {
                // Lost a race against another process creating the same branch.
                return Err(if self.branch_exists(name)? {
                    exists()
                } else {
                    self.fail("create a branch")(source)
                });
            }
        }
        self.point_head_at(name, &format!("checkout: moving from {from} to {name}"))
    }

    /// Make `HEAD` a symbolic reference to `refs/heads/{name}`.
    pub(super) fn point_head_at(&self, name: &str, reflog_message: &str) -> Result<(), GitError> {
        let full = branch_ref(name)?;
        let head: FullName = "HEAD"
            .try_into()
            .map_err(|source| GitError::InvalidBranchName {
                name: "HEAD".to_owned(),
                source,
            })?;
        let edit = RefEdit::update_with_log(
            head,
            Target::Symbolic(full),
            PreviousValue::Any,
            LogChange {
                mode: RefLog::AndReference,
                force_create_reflog: false,
                message: reflog_message.into(),
            },
        );
        let author = Author::from_env_or_config(self);
        let mut time = gix::date::parse::TimeBuf::default();
        let signature = author.signature(gix::date::Time::now_local_or_utc());
        self.repo
            .edit_references_as(Some(edit), Some(signature.to_ref(&mut time)))
            .map_err(self.fail("update `HEAD`"))?;
        Ok(())
    }
}

/// `refs/heads/{name}`, checked against git's rules for branch names.
fn branch_ref(name: &str) -> Result<FullName, GitError> {
    let invalid = |source| GitError::InvalidBranchName {
        name: name.to_owned(),
        source,
    };
    let full = format!("refs/heads/{name}");
    gix::validate::reference::branch_name(full.as_str().into()).map_err(invalid)?;
    FullName::try_from(full).map_err(invalid)
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{commit_files, git};
    use super::*;

    #[test]
    fn switch_on_unborn_head_only_repoints_head() {
        let dir = tempfile::tempdir().unwrap();
        let repo = Repo::init(dir.path()).unwrap();
        repo.create_branch_and_switch("publish/hello").unwrap();
        assert_eq!(
            repo.head_branch().unwrap().as_deref(),
            Some("publish/hello")
        );
        assert!(!repo.branch_exists("publish/hello").unwrap());
        assert!(!repo.branch_exists("main").unwrap());
        commit_files(&repo, &[("config.toml", Some("format = 1\n"))], "init");
        assert!(repo.branch_exists("publish/hello").unwrap());
        assert_eq!(
            git(dir.path(), &["branch", "--show-current"]).trim(),
            "publish/hello"
        );
    }

    #[test]
    fn switch_creates_branch_at_head_and_keeps_files() {
        let dir = tempfile::tempdir().unwrap();
        let repo = Repo::init(dir.path()).unwrap();
        let first = commit_files(&repo, &[("config.toml", Some("format = 1\n"))], "init");
        std::fs::write(dir.path().join("README.md"), "wip\n").unwrap();

        repo.create_branch_and_switch("feature").unwrap();
        assert_eq!(repo.head_branch().unwrap().as_deref(), Some("feature"));
        assert_eq!(repo.resolve_rev("feature").unwrap(), first);
        assert_eq!(repo.resolve_rev("main").unwrap(), first);
        assert_eq!(git(dir.path(), &["rev-parse", "feature"]).trim(), first);
        assert_eq!(
            git(dir.path(), &["symbolic-ref", "--short", "HEAD"]).trim(),
            "feature"
        );
        // The untracked file is still there and nothing else changed.
        assert_eq!(
            git(dir.path(), &["status", "--porcelain"]),
            "?? README.md\n"
        );

        let err = repo.create_branch_and_switch("main").unwrap_err();
        assert!(matches!(err, GitError::BranchExists { .. }), "{err:?}");
        assert!(err.to_string().contains("`main`"), "{err}");
    }

    /// A machine with no git identity at all (no `user.name`, no
    /// `GIT_COMMITTER_*`): a branch is still created, as a commit would be.
    #[test]
    fn switch_works_without_a_git_identity() {
        let dir = tempfile::tempdir().unwrap();
        let first = {
            let repo = Repo::init(dir.path()).unwrap();
            commit_files(&repo, &[("config.toml", Some("format = 1\n"))], "init")
        };
        let isolated = gix::open_opts(dir.path(), gix::open::Options::isolated()).unwrap();
        assert!(isolated.committer().is_none(), "the test needs no identity");
        let repo = Repo::from_gix(isolated, dir.path()).unwrap();
        repo.create_branch_and_switch("publish/hello").unwrap();
        assert_eq!(repo.resolve_rev("publish/hello").unwrap(), first);
        assert_eq!(
            repo.head_branch().unwrap().as_deref(),
            Some("publish/hello")
        );
    }

    #[test]
    fn bad_branch_names_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let repo = Repo::init(dir.path()).unwrap();
        for bad in ["", "a..b", "with space", "HEAD", "end.lock", "x~1"] {
            assert!(
                matches!(
                    repo.create_branch_and_switch(bad),
                    Err(GitError::InvalidBranchName { .. })
                ),
                "{bad:?} was accepted"
            );
        }
        assert_eq!(repo.head_branch().unwrap().as_deref(), Some("main"));
    }

    #[test]
    fn detached_head_has_no_branch() {
        let dir = tempfile::tempdir().unwrap();
        let repo = Repo::init(dir.path()).unwrap();
        commit_files(&repo, &[("config.toml", Some("format = 1\n"))], "init");
        git(dir.path(), &["checkout", "-q", "--detach"]);
        assert_eq!(repo.head_branch().unwrap(), None);
    }
}
