//! Reading one file as it is in a given revision, without a checkout.

use gix::ObjectId;

use super::{GitError, Repo, check_rel_path};

impl Repo {
    /// The bytes of `path` in the tree of the commit `rev` names, or `None`
    /// when the path does not exist there. Fails when `rev` does not resolve
    /// or when `path` is a directory at `rev`.
    pub fn read_at(&self, rev: &str, path: &str) -> Result<Option<Vec<u8>>, GitError> {
        check_rel_path(path)?;
        let commit = self.commit_at(rev)?;
        let tree = commit.tree().map_err(self.fail("read a commit's tree"))?;
        let Some((id, mode)) = self.entry_in_tree(&tree, path)? else {
            return Ok(None);
        };
        if mode.is_tree() {
            return Err(GitError::NotABlob {
                path: path.to_owned(),
                rev: rev.to_owned(),
            });
        }
        let blob = self
            .repo
            .find_blob(id)
            .map_err(self.fail("read a file from the object database"))?;
        Ok(Some(blob.detach().data))
    }

    /// The id and mode of the entry at `path` in `tree`, walking only the
    /// trees on that path.
    pub(super) fn entry_in_tree(
        &self,
        tree: &gix::Tree<'_>,
        path: &str,
    ) -> Result<Option<(ObjectId, gix::object::tree::EntryMode)>, GitError> {
        let entry = tree
            .lookup_entry(path.split('/'))
            .map_err(self.fail("look up a path in a tree"))?;
        Ok(entry.map(|entry| (entry.object_id(), entry.mode())))
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::commit_files;
    use super::*;

    #[test]
    fn reads_files_at_several_revisions() {
        let dir = tempfile::tempdir().unwrap();
        let repo = Repo::init(dir.path()).unwrap();
        let path = "plugins/he/ll/hello-world.toml";
        let one = commit_files(&repo, &[(path, Some("v = 1\n"))], "one");
        commit_files(&repo, &[(path, Some("v = 2\n"))], "two");
        repo.create_branch_and_switch("next").unwrap();
        commit_files(
            &repo,
            &[(path, None), ("config.toml", Some("c\n"))],
            "three",
        );

        let read = |rev: &str| repo.read_at(rev, path).unwrap();
        assert_eq!(read("main").as_deref(), Some(&b"v = 2\n"[..]));
        assert_eq!(read("main~1").as_deref(), Some(&b"v = 1\n"[..]));
        assert_eq!(read(&one).as_deref(), Some(&b"v = 1\n"[..]));
        assert_eq!(read(&one[..10]).as_deref(), Some(&b"v = 1\n"[..]));
        assert_eq!(read("HEAD~1").as_deref(), Some(&b"v = 2\n"[..]));
        assert_eq!(read("HEAD"), None, "deleted in the last commit");
        assert_eq!(read("next"), None);
        assert_eq!(repo.read_at(&one, "config.toml").unwrap(), None);
        assert_eq!(
            repo.read_at("HEAD", "config.toml").unwrap().as_deref(),
            Some(&b"c\n"[..])
        );
    }

    #[test]
    fn reads_remote_tracking_branches_of_a_clone() {
        let origin = tempfile::tempdir().unwrap();
        let repo = Repo::init(origin.path()).unwrap();
        commit_files(&repo, &[("config.toml", Some("format = 1\n"))], "one");
        let clone_parent = tempfile::tempdir().unwrap();
        let clone_dir = clone_parent.path().join("clone");
        super::super::test_support::git(
            clone_parent.path(),
            &["clone", "-q", origin.path().to_str().unwrap(), "clone"],
        );
        let clone = Repo::open(&clone_dir).unwrap();
        assert_eq!(
            clone
                .read_at("origin/main", "config.toml")
                .unwrap()
                .as_deref(),
            Some(&b"format = 1\n"[..])
        );
        assert_eq!(
            clone.resolve_rev("origin/main").unwrap(),
            repo.resolve_rev("main").unwrap()
        );
    }

    #[test]
    fn errors_name_the_rev_or_the_directory() {
        let dir = tempfile::tempdir().unwrap();
        let repo = Repo::init(dir.path()).unwrap();
        commit_files(&repo, &[("plugins/1/a.toml", Some("a\n"))], "one");
        let err = repo.read_at("HEAD~5", "plugins/1/a.toml").unwrap_err();
        assert!(matches!(err, GitError::UnknownRev { .. }), "{err:?}");
        assert!(err.to_string().contains("`HEAD~5`"), "{err}");
        let err = repo.read_at("HEAD", "plugins/1").unwrap_err();
        assert!(matches!(err, GitError::NotABlob { .. }), "{err:?}");
        assert_eq!(repo.read_at("HEAD", "plugins/1/a.toml/x").unwrap(), None);
    }
}
