//! Committing files the tool wrote into the working tree.
//!
//! Like `git commit -- <paths>`: only the named paths are taken from the
//! working tree; every other file keeps the content it has in `HEAD`. File
//! bytes are stored as they are (no end-of-line or other filters), because
//! signatures cover the exact bytes.

use std::collections::HashMap;
use std::io::Read;

use gix::ObjectId;
use gix::index::entry::Stat;
use gix::object::tree::EntryKind;

use super::{Author, GitError, Repo, check_rel_path};

impl Repo {
    /// Record `paths` (repository-relative, `/`-separated) as they are in the
    /// working tree in a new commit on the branch `HEAD` points at, and return
    /// the commit id as hex. A path missing from the working tree is removed
    /// from the tree. The branch is updated only if it still points where it
    /// pointed when the commit was prepared, so a concurrent commit is never
    /// lost ([`GitError::RefMoved`]). Afterwards `.git/index` matches the new
    /// commit, so `git status` shows nothing for these paths.
    pub fn commit_paths(
        &self,
        paths: &[&str],
        message: &str,
        author: &Author,
    ) -> Result<String, GitError> {
        for path in paths {
            check_rel_path(path)?;
        }
        let head = self.repo.head().map_err(self.fail("read `HEAD`"))?;
        let parent = head.id().map(gix::Id::detach);
        let base_tree = match parent {
            Some(id) => self.tree_of_commit(id)?,
            None => ObjectId::empty_tree(self.repo.object_hash()),
        };

        let mut editor = self
            .repo
            .edit_tree(base_tree)
            .map_err(self.fail("load the tree of `HEAD`"))?;
        let mut stats = HashMap::new();
        for path in paths {
            match self.read_worktree_file(path)? {
                Some(file) => {
                    let id = self
                        .repo
                        .write_blob(&file.bytes)
                        .map_err(self.fail("write a blob"))?;
                    editor
                        .upsert(*path, file.kind, id)
                        .map_err(self.fail("edit the tree"))?;
                    stats.insert(*path, file.stat);
                }
                None => {
                    editor
                        .remove_leaf(*path)
                        .map_err(self.fail("remove a file from the tree"))?;
                }
            }
        }
        let tree = editor
            .write()
            .map_err(self.fail("write the tree"))?
            .detach();
        if tree == base_tree {
            return Err(GitError::NothingToCommit {
                dir: self.workdir.clone(),
                detail: if paths.is_empty() {
                    "no paths were given".to_owned()
                } else {
                    let names: Vec<String> = paths.iter().map(|p| format!("`{p}`")).collect();
                    format!(
                        "{} already match the last commit; change the files first",
                        names.join(", ")
                    )
                },
            });
        }

        let commit = self.commit_tree(tree, parent, message, author)?;
        self.write_index(tree, &stats)?;
        Ok(commit.to_string())
    }

    /// Commit `tree` with `parent` and move the branch `HEAD` points at to it,
    /// provided the branch still points at `parent` (or is unborn when
    /// `parent` is `None`).
    fn commit_tree(
        &self,
        tree: ObjectId,
        parent: Option<ObjectId>,
        message: &str,
        author: &Author,
    ) -> Result<ObjectId, GitError> {
        let signature = author.signature(gix::date::Time::now_local_or_utc());
        let mut time = gix::date::parse::TimeBuf::default();
        let signature = signature.to_ref(&mut time);
        let message = message_with_newline(message);
        match self
            .repo
            .commit_as(signature, signature, "HEAD", message, tree, parent)
        {
            Ok(id) => Ok(id.detach()),
            Err(source) => Err(self.commit_error(parent, source)),
        }
    }

    /// Explain a failed `commit_as`: if `HEAD` no longer points at `parent`,
    /// another process committed in between.
    fn commit_error(&self, parent: Option<ObjectId>, source: gix::Error) -> GitError {
        let now = self
            .repo
            .head()
            .ok()
            .map(|head| head.id().map(gix::Id::detach));
        match now {
            Some(now) if now != parent => GitError::RefMoved {
                branch: self
                    .head_branch()
                    .ok()
                    .flatten()
                    .unwrap_or_else(|| "HEAD".to_owned()),
                dir: self.workdir.clone(),
                source,
            },
            _ => self.fail("create the commit")(source),
        }
    }

    fn tree_of_commit(&self, id: ObjectId) -> Result<ObjectId, GitError> {
        let commit = self
            .repo
            .find_commit(id)
            .map_err(self.fail("read the commit of `HEAD`"))?;
        Ok(commit
            .tree_id()
            .map_err(self.fail("read the commit of `HEAD`"))?
            .detach())
    }

    /// Read `path` from the working tree; `None` when it does not exist.
    fn read_worktree_file(&self, path: &str) -> Result<Option<WorktreeFile>, GitError> {
        let full = self.workdir.join(path);
        let read_err = |source| GitError::ReadFile {
            path: full.clone(),
            source,
        };
        let meta = match std::fs::symlink_metadata(&full) {
            Ok(meta) => meta,
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            // A parent of `path` is a file: then `path` cannot exist either.
            Err(err) if err.kind() == std::io::ErrorKind::NotADirectory => return Ok(None),
            Err(err) => return Err(read_err(err)),
        };
        if !meta.is_file() {
            return Err(GitError::NotAFile { path: full });
        }
        let mut file = std::fs::File::open(&full).map_err(read_err)?;
        let mut bytes = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0));
        file.read_to_end(&mut bytes).map_err(read_err)?;
        // Stat the open file after reading, as git does, so a later change is
        // noticed by `git status` even if it happens within the same second.
        let stat = gix::index::fs::Metadata::from_file(&file)
            .ok()
            .and_then(|meta| Stat::from_fs(&meta).ok())
            .unwrap_or_default();
        Ok(Some(WorktreeFile {
            bytes,
            kind: if is_executable(&meta) {
                EntryKind::BlobExecutable
            } else {
                EntryKind::Blob
            },
            stat,
        }))
    }

    /// Replace `.git/index` with the entries of `tree`. Stat data comes from
    /// the files just committed, or from the old index for entries that did
    /// not change, so `git status` need not re-hash the whole index.
    fn write_index(&self, tree: ObjectId, fresh: &HashMap<&str, Stat>) -> Result<(), GitError> {
        let mut index = self
            .repo
            .index_from_tree(&tree)
            .map_err(self.fail("build `.git/index` from the new tree"))?;
        let old = if self.repo.index_path().is_file() {
            // An unreadable old index only costs stat data; it is replaced anyway.
            self.repo.open_index().ok()
        } else {
            None
        };
        let (entries, backing) = index.entries_mut_and_pathbacking();
        for entry in entries {
            let path = entry.path_in(backing);
            if let Some(stat) = std::str::from_utf8(path).ok().and_then(|p| fresh.get(p)) {
                entry.stat = *stat;
            } else if let Some(old) = old.as_ref()
                && let Some(previous) = old.entry_by_path(path)
                && previous.id == entry.id
                && previous.mode == entry.mode
                // An entry racily clean in the old index (its file changed
                // within the time the index was written in) keeps no stat
                // data, so git hashes the file again, as git itself smudges
                // such entries: an edit made then would otherwise never show.
                && !previous.stat.is_racy(old.timestamp(), Default::default())
            {
                entry.stat = previous.stat;
            }
        }
        index
            .write(gix::index::write::Options::default())
            .map_err(self.fail("write `.git/index`"))
    }
}

/// What [`Repo::read_worktree_file`] found.
struct WorktreeFile {
    bytes: Vec<u8>,
    kind: EntryKind,
    stat: Stat,
}

#[cfg(unix)]
fn is_executable(meta: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::PermissionsExt;
    meta.permissions().mode() & 0o111 != 0
}

#[cfg(not(unix))]
fn is_executable(_meta: &std::fs::Metadata) -> bool {
    false
}

/// git ends commit messages with a newline; do the same so `git log` output
/// and `git commit --amend` behave as with commits made by git.
fn message_with_newline(message: &str) -> String {
    let trimmed = message.trim_end();
    format!("{trimmed}\n")
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{commit_files, git, write_file};
    use super::*;

    #[test]
    fn first_commit_is_seen_by_git() {
        let dir = tempfile::tempdir().unwrap();
        let repo = Repo::init(dir.path()).unwrap();
        let id = commit_files(
            &repo,
            &[
                ("config.toml", Some("format = 1\n")),
                ("config.toml.minisig", Some("untrusted comment: x\n")),
                (
                    "plugins/he/ll/hello-world.toml",
                    Some("name = \"hello-world\"\n"),
                ),
                (".gitattributes", Some("* -text\n")),
            ],
            "Create index",
        );
        assert_eq!(git(dir.path(), &["status", "--porcelain"]), "");
        assert_eq!(git(dir.path(), &["rev-parse", "HEAD"]).trim(), id);
        assert_eq!(git(dir.path(), &["rev-parse", "main"]).trim(), id);
        assert_eq!(
            git(dir.path(), &["log", "--format=%an <%ae>|%s"]),
            "Test Author <test@example.org>|Create index\n"
        );
        assert_eq!(
            git(dir.path(), &["ls-tree", "-r", "--name-only", "HEAD"]),
            ".gitattributes\nconfig.toml\nconfig.toml.minisig\nplugins/he/ll/hello-world.toml\n"
        );
        assert_eq!(
            git(dir.path(), &["show", "HEAD:plugins/he/ll/hello-world.toml"]),
            "name = \"hello-world\"\n"
        );
        git(dir.path(), &["fsck", "--strict", "--no-progress"]);
    }

    #[test]
    fn later_commits_keep_other_files_and_delete_missing_ones() {
        let dir = tempfile::tempdir().unwrap();
        let repo = Repo::init(dir.path()).unwrap();
        let first = commit_files(
            &repo,
            &[
                ("config.toml", Some("format = 1\n")),
                ("plugins/1/a.toml", Some("name = \"a\"\n")),
                ("plugins/2/ab.toml", Some("name = \"ab\"\n")),
            ],
            "one",
        );
        // An unrelated edit stays uncommitted.
        write_file(dir.path(), "config.toml", "format = 2\n");
        let second = commit_files(
            &repo,
            &[
                ("plugins/1/a.toml", None),
                ("plugins/2/ab.toml", Some("name = \"ab\"\nx = 1\n")),
            ],
            "two",
        );
        assert_eq!(
            git(dir.path(), &["rev-parse", "HEAD~1"]).trim(),
            first,
            "second commit has the first as parent"
        );
        assert_eq!(git(dir.path(), &["rev-parse", "HEAD"]).trim(), second);
        assert_eq!(
            git(dir.path(), &["ls-tree", "-r", "--name-only", "HEAD"]),
            "config.toml\nplugins/2/ab.toml\n",
            "the emptied directory `plugins/1` is gone"
        );
        assert_eq!(
            git(dir.path(), &["show", "HEAD:config.toml"]),
            "format = 1\n"
        );
        assert_eq!(
            git(dir.path(), &["status", "--porcelain"]),
            " M config.toml\n"
        );
        assert_eq!(git(dir.path(), &["log", "--format=%s"]), "two\none\n");
        git(dir.path(), &["fsck", "--strict", "--no-progress"]);
    }

    #[test]
    fn second_commit_on_a_new_branch() {
        let dir = tempfile::tempdir().unwrap();
        let repo = Repo::init(dir.path()).unwrap();
        let first = commit_files(&repo, &[("config.toml", Some("format = 1\n"))], "init");
        repo.create_branch_and_switch("publish/hello-world-1.0.0")
            .unwrap();
        let second = commit_files(
            &repo,
            &[(
                "plugins/he/ll/hello-world.toml",
                Some("name = \"hello-world\"\n"),
            )],
            "Publish hello-world 1.0.0",
        );
        assert_eq!(git(dir.path(), &["rev-parse", "main"]).trim(), first);
        assert_eq!(
            git(dir.path(), &["rev-parse", "publish/hello-world-1.0.0"]).trim(),
            second
        );
        assert_eq!(
            git(
                dir.path(),
                &["log", "--format=%s", "publish/hello-world-1.0.0"]
            ),
            "Publish hello-world 1.0.0\ninit\n"
        );
        assert_eq!(git(dir.path(), &["status", "--porcelain"]), "");
        git(dir.path(), &["fsck", "--strict", "--no-progress"]);
    }

    #[test]
    fn unchanged_files_are_nothing_to_commit() {
        let dir = tempfile::tempdir().unwrap();
        let repo = Repo::init(dir.path()).unwrap();
        commit_files(&repo, &[("config.toml", Some("format = 1\n"))], "init");
        let err = repo
            .commit_paths(&["config.toml"], "again", &Author::new("a", "a@b"))
            .unwrap_err();
        assert!(matches!(err, GitError::NothingToCommit { .. }), "{err:?}");
        assert!(err.to_string().contains("`config.toml`"), "{err}");
    }

    #[test]
    fn directories_and_bad_paths_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let repo = Repo::init(dir.path()).unwrap();
        std::fs::create_dir(dir.path().join("plugins")).unwrap();
        let author = Author::new("a", "a@b");
        assert!(matches!(
            repo.commit_paths(&["plugins"], "m", &author),
            Err(GitError::NotAFile { .. })
        ));
        assert!(matches!(
            repo.commit_paths(&["../outside"], "m", &author),
            Err(GitError::InvalidPath { .. })
        ));
        assert!(!git(dir.path(), &["log", "--all", "--format=%H"]).contains(char::is_alphanumeric));
    }

    #[test]
    fn a_moved_branch_is_not_overwritten() {
        let dir = tempfile::tempdir().unwrap();
        let repo = Repo::init(dir.path()).unwrap();
        let first = commit_files(&repo, &[("config.toml", Some("format = 1\n"))], "init");
        let stale: ObjectId = first.parse().unwrap();
        let tree = repo.tree_of_commit(stale).unwrap();
        // Another writer commits after we read `HEAD` ...
        write_file(dir.path(), "README.md", "other\n");
        git(dir.path(), &["add", "README.md"]);
        git(dir.path(), &["commit", "-q", "-m", "concurrent"]);
        let concurrent = git(dir.path(), &["rev-parse", "HEAD"]).trim().to_owned();

        // ... so our update, prepared against the old `HEAD`, must fail.
        let err = repo
            .commit_tree(tree, Some(stale), "ours", &Author::new("a", "a@b"))
            .unwrap_err();
        assert!(matches!(err, GitError::RefMoved { .. }), "{err:?}");
        assert!(err.to_string().contains("`main`"), "{err}");
        assert_eq!(git(dir.path(), &["rev-parse", "main"]).trim(), concurrent);

        // The same holds for a first commit racing another first commit.
        let other = tempfile::tempdir().unwrap();
        let fresh = Repo::init(other.path()).unwrap();
        write_file(other.path(), "a", "a\n");
        git(other.path(), &["add", "a"]);
        git(other.path(), &["commit", "-q", "-m", "theirs"]);
        let empty = ObjectId::empty_tree(gix::hash::Kind::Sha1);
        let err = fresh
            .commit_tree(empty, None, "ours", &Author::new("a", "a@b"))
            .unwrap_err();
        assert!(matches!(err, GitError::RefMoved { .. }), "{err:?}");
    }

    #[test]
    fn a_git_clone_has_the_same_files() {
        let dir = tempfile::tempdir().unwrap();
        let repo = Repo::init(dir.path()).unwrap();
        let files = [
            ("config.toml", "format = 1\n"),
            ("config.toml.minisig", "untrusted comment: sig\n"),
            (
                "plugins/he/ll/hello-world.toml",
                "name = \"hello-world\"\r\nbytes kept\r\n",
            ),
            ("plugins/he/ll/hello-world.toml.minisig", "sig\n"),
            ("README.md", "# index\n"),
        ];
        let with_content: Vec<(&str, Option<&str>)> =
            files.iter().map(|(p, c)| (*p, Some(*c))).collect();
        commit_files(&repo, &with_content, "Create index");

        let parent = tempfile::tempdir().unwrap();
        git(
            parent.path(),
            &["clone", "-q", dir.path().to_str().unwrap(), "clone"],
        );
        let clone = parent.path().join("clone");
        for (path, content) in files {
            assert_eq!(
                std::fs::read(clone.join(path)).unwrap(),
                content.as_bytes(),
                "{path} in the clone"
            );
        }
        assert_eq!(git(&clone, &["ls-files"]), git(dir.path(), &["ls-files"]),);
        assert_eq!(git(&clone, &["status", "--porcelain"]), "");
        git(&clone, &["fsck", "--strict", "--no-progress"]);
    }
}
