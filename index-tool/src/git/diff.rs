//! Which files differ between two revisions.
//!
//! Index CI validates only the plugin files a pull request touches, so this
//! must stay cheap on a large index: it walks both root trees side by side and
//! descends only into subtrees whose ids differ. Unchanged directories are
//! skipped by comparing one id, so the work grows with the size of the change
//! (times the depth of the path), not with the number of files in the index.
//! No rename detection is done: a moved file is a deletion plus an addition.

use gix::bstr::ByteSlice;
use gix::diff::tree::recorder::Change as Recorded;

use super::{GitError, Repo};

/// How a file differs between the two revisions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeKind {
    Added,
    Modified,
    Deleted,
}

/// One changed file, by repository-relative `/`-separated path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub path: String,
    pub kind: ChangeKind,
}

impl Repo {
    /// The files that differ between the trees of the commits `base` and
    /// `head`, sorted by path. Directories are never reported, only files
    /// (and symbolic links or submodules, should an index contain any).
    pub fn changed_paths(&self, base: &str, head: &str) -> Result<Vec<Change>, GitError> {
        let base_tree = self.tree_at(base)?;
        let head_tree = self.tree_at(head)?;
        self.diff_trees(&base_tree, &head_tree, &self.repo.objects)
    }

    /// The file changes from `base_tree` to `head_tree`, loading subtrees
    /// through `objects`.
    fn diff_trees(
        &self,
        base_tree: &gix::Tree<'_>,
        head_tree: &gix::Tree<'_>,
        objects: impl gix::objs::Find,
    ) -> Result<Vec<Change>, GitError> {
        let mut recorder = gix::diff::tree::Recorder::default();
        gix::diff::tree(
            gix::objs::TreeRefIter::from_bytes(&base_tree.data, base_tree.id.kind()),
            gix::objs::TreeRefIter::from_bytes(&head_tree.data, head_tree.id.kind()),
            gix::diff::tree::State::default(),
            objects,
            &mut recorder,
        )
        .map_err(|err| self.fail("compare two trees")(gix::Error::from_error(err)))?;

        let mut changes: Vec<Change> = recorder
            .records
            .into_iter()
            .filter_map(file_change)
            .collect();
        changes.sort_by(|a, b| a.path.cmp(&b.path));
        Ok(changes)
    }

    fn tree_at(&self, rev: &str) -> Result<gix::Tree<'_>, GitError> {
        self.commit_at(rev)?
            .tree()
            .map_err(self.fail("read a commit's tree"))
    }
}

/// Keep changes of non-directory entries. The diff reports a directory and
/// then, separately, every file below it that changed.
fn file_change(change: Recorded) -> Option<Change> {
    let (path, mode, kind) = match change {
        Recorded::Addition {
            path, entry_mode, ..
        } => (path, entry_mode, ChangeKind::Added),
        Recorded::Deletion {
            path, entry_mode, ..
        } => (path, entry_mode, ChangeKind::Deleted),
        Recorded::Modification {
            path, entry_mode, ..
        } => (path, entry_mode, ChangeKind::Modified),
    };
    (!mode.is_tree()).then(|| Change {
        path: path.to_str_lossy().into_owned(),
        kind,
    })
}

#[cfg(test)]
mod tests {
    use super::super::Author;
    use super::super::test_support::{commit_files, git, write_file};
    use super::*;

    fn change(path: &str, kind: ChangeKind) -> Change {
        Change {
            path: path.to_owned(),
            kind,
        }
    }

    #[test]
    fn reports_added_modified_and_deleted_files_in_nested_dirs() {
        let dir = tempfile::tempdir().unwrap();
        let repo = Repo::init(dir.path()).unwrap();
        let base = commit_files(
            &repo,
            &[
                ("config.toml", Some("format = 1\n")),
                ("plugins/1/a.toml", Some("a\n")),
                ("plugins/he/ll/hello-world.toml", Some("v1\n")),
                ("plugins/he/ll/hello-world.toml.minisig", Some("s1\n")),
                ("plugins/3/a/abc.toml", Some("abc\n")),
            ],
            "base",
        );
        let head = commit_files(
            &repo,
            &[
                ("plugins/1/a.toml", None),
                ("plugins/he/ll/hello-world.toml", Some("v2\n")),
                ("plugins/he/ll/hello-world.toml.minisig", Some("s2\n")),
                ("plugins/he/ll/hello-universe.toml", Some("u\n")),
                ("plugins/2/ab.toml", Some("ab\n")),
            ],
            "head",
        );

        let changes = repo.changed_paths(&base, &head).unwrap();
        assert_eq!(
            changes,
            vec![
                change("plugins/1/a.toml", ChangeKind::Deleted),
                change("plugins/2/ab.toml", ChangeKind::Added),
                change("plugins/he/ll/hello-universe.toml", ChangeKind::Added),
                change("plugins/he/ll/hello-world.toml", ChangeKind::Modified),
                change(
                    "plugins/he/ll/hello-world.toml.minisig",
                    ChangeKind::Modified
                ),
            ]
        );
        // Same answer as git's own tree diff.
        assert_eq!(
            git(
                dir.path(),
                &["diff", "--name-status", "--no-renames", &base, &head]
            ),
            "D\tplugins/1/a.toml\nA\tplugins/2/ab.toml\nA\tplugins/he/ll/hello-universe.toml\n\
             M\tplugins/he/ll/hello-world.toml\nM\tplugins/he/ll/hello-world.toml.minisig\n"
        );
        // The reverse diff swaps additions and deletions.
        let reverse = repo.changed_paths("HEAD", "HEAD~1").unwrap();
        assert_eq!(reverse[0], change("plugins/1/a.toml", ChangeKind::Added));
        assert_eq!(repo.changed_paths("HEAD", "main").unwrap(), vec![]);
    }

    #[test]
    fn an_unknown_rev_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let repo = Repo::init(dir.path()).unwrap();
        commit_files(&repo, &[("config.toml", Some("format = 1\n"))], "base");
        let err = repo.changed_paths("origin/main", "HEAD").unwrap_err();
        assert!(err.to_string().contains("`origin/main`"), "{err}");
    }

    /// The diff skips unchanged subtrees by id, so changing one file among
    /// 2,000 reports exactly that file. This checks the result, not the time:
    /// the diff reads 2 root trees, 2 `plugins` trees and the 2 trees on each
    /// level of the one changed path, whatever the number of files.
    #[test]
    fn one_change_among_many_files_is_one_change() {
        let dir = tempfile::tempdir().unwrap();
        let repo = Repo::init(dir.path()).unwrap();
        let paths: Vec<String> = (0..2000)
            .map(|i| format!("plugins/p{}/q{}/plugin-{i}.toml", i % 20, i % 7))
            .collect();
        for path in &paths {
            write_file(dir.path(), path, &format!("name = \"{path}\"\n"));
        }
        let refs: Vec<&str> = paths.iter().map(String::as_str).collect();
        let author = Author::new("a", "a@b");
        let base = repo.commit_paths(&refs, "many", &author).unwrap();
        write_file(dir.path(), &paths[1234], "changed\n");
        let head = repo.commit_paths(&[&paths[1234]], "one", &author).unwrap();

        assert_eq!(
            repo.changed_paths(&base, &head).unwrap(),
            vec![change(&paths[1234], ChangeKind::Modified)]
        );
        // Count the objects the diff loads below the two root trees.
        let counting = CountingFind {
            inner: &repo.repo.objects,
            count: std::cell::Cell::new(0),
        };
        let changes = repo
            .diff_trees(
                &repo.tree_at(&base).unwrap(),
                &repo.tree_at(&head).unwrap(),
                &counting,
            )
            .unwrap();
        assert_eq!(changes.len(), 1);
        assert_eq!(
            counting.count.get(),
            2 * 3,
            "both sides of plugins/, p14/, q2/"
        );
        assert_eq!(
            git(dir.path(), &["ls-files"]).lines().count(),
            2000,
            "the index holds every file"
        );
        assert_eq!(git(dir.path(), &["status", "--porcelain"]), "");
    }

    /// An object store that counts lookups.
    struct CountingFind<'a> {
        inner: &'a gix::OdbHandle,
        count: std::cell::Cell<usize>,
    }

    impl gix::objs::Find for CountingFind<'_> {
        fn try_find<'a>(
            &self,
            id: &gix::oid,
            buffer: &'a mut Vec<u8>,
        ) -> gix::Result<Option<gix::objs::Data<'a>>> {
            self.count.set(self.count.get() + 1);
            self.inner.try_find(id, buffer)
        }
    }
}
