//! The commits that changed one file, with the file as each left it.
//!
//! Index CI uses this to check that a published version was never edited
//! afterwards: it replays a plugin file's past contents, oldest to newest.

use std::collections::HashMap;

use gix::ObjectId;
use gix::bstr::ByteSlice;
use gix::revision::walk::Sorting;
use gix::traverse::commit::simple::CommitTimeOrder;

use super::{GitError, Repo, check_rel_path};

/// One commit that changed a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryEntry {
    /// The commit id as hex.
    pub commit: String,
    /// The author's name and e-mail.
    pub author: String,
    pub email: String,
    /// The author time, in seconds since the Unix epoch.
    pub time: i64,
    /// The first line of the commit message.
    pub summary: String,
    /// The file as this commit left it; `None` if the commit deleted it.
    pub blob: Option<Vec<u8>>,
}

/// The id and mode of a path in some commit's tree, `None` if absent.
type Slot = Option<(ObjectId, gix::object::tree::EntryMode)>;

impl Repo {
    /// The commits reachable from `start` in which `path` differs from the
    /// commit's first parent (for a root commit: in which it exists), newest
    /// first by commit time. On a linear history this is `git log -- path`;
    /// a merge counts when it differs from its first parent. A path that is a
    /// directory in some commit counts as absent there.
    pub fn history(&self, path: &str, start: &str) -> Result<Vec<HistoryEntry>, GitError> {
        check_rel_path(path)?;
        let tip = self.commit_at(start)?.id;
        let walk = self
            .repo
            .rev_walk([tip])
            .sorting(Sorting::ByCommitTime(CommitTimeOrder::NewestFirst))
            .all()
            .map_err(self.fail("walk the history"))?;

        // A commit's slot is looked up again when its child is compared with it.
        let mut slots: HashMap<ObjectId, Slot> = HashMap::new();
        let mut entries = Vec::new();
        for info in walk {
            let info = info.map_err(self.fail("walk the history"))?;
            let here = self.slot(&mut slots, info.id, path)?;
            let before = match info.parent_ids.first() {
                Some(parent) => self.slot(&mut slots, *parent, path)?,
                None => None,
            };
            if here != before {
                entries.push(self.history_entry(info.id, here)?);
            }
            slots.remove(&info.id);
        }
        Ok(entries)
    }

    /// The slot of `path` in `commit`, cached in `slots`.
    fn slot(
        &self,
        slots: &mut HashMap<ObjectId, Slot>,
        commit: ObjectId,
        path: &str,
    ) -> Result<Slot, GitError> {
        if let Some(slot) = slots.get(&commit) {
            return Ok(*slot);
        }
        let tree = self
            .repo
            .find_commit(commit)
            .and_then(|commit| commit.tree())
            .map_err(self.fail("read a commit's tree"))?;
        let slot = self
            .entry_in_tree(&tree, path)?
            .filter(|(_, mode)| !mode.is_tree());
        slots.insert(commit, slot);
        Ok(slot)
    }

    fn history_entry(&self, id: ObjectId, slot: Slot) -> Result<HistoryEntry, GitError> {
        let read = self.fail("read a commit");
        let commit = self.repo.find_commit(id).map_err(read)?;
        let author = commit
            .author()
            .map_err(self.fail("read a commit's author"))?;
        let summary = commit
            .message()
            .map_err(self.fail("read a commit message"))?
            .summary()
            .to_str_lossy()
            .into_owned();
        let blob = match slot {
            Some((blob, _)) => Some(
                self.repo
                    .find_blob(blob)
                    .map_err(self.fail("read a file from the object database"))?
                    .detach()
                    .data,
            ),
            None => None,
        };
        Ok(HistoryEntry {
            commit: id.to_string(),
            author: author.name.to_str_lossy().into_owned(),
            email: author.email.to_str_lossy().into_owned(),
            time: author.seconds(),
            summary,
            blob,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{commit_files, git};
    use super::*;

    #[test]
    fn lists_the_commits_that_changed_a_file_newest_first() {
        let dir = tempfile::tempdir().unwrap();
        let repo = Repo::init(dir.path()).unwrap();
        let path = "plugins/he/ll/hello-world.toml";
        let c1 = commit_files(&repo, &[(path, Some("v1\n"))], "Publish 1.0.0");
        commit_files(&repo, &[("config.toml", Some("format = 1\n"))], "Unrelated");
        let c3 = commit_files(&repo, &[(path, Some("v2\n"))], "Publish 1.1.0\n\nbody");
        commit_files(
            &repo,
            &[("config.toml", Some("format = 2\n"))],
            "Unrelated again",
        );
        let c5 = commit_files(&repo, &[(path, None)], "Remove hello-world");

        let history = repo.history(path, "HEAD").unwrap();
        let commits: Vec<&str> = history.iter().map(|e| e.commit.as_str()).collect();
        assert_eq!(commits, vec![c5.as_str(), c3.as_str(), c1.as_str()]);
        assert_eq!(
            git(dir.path(), &["log", "--format=%H", "--", path])
                .lines()
                .collect::<Vec<_>>(),
            commits,
            "git log agrees"
        );
        let blobs: Vec<Option<&[u8]>> = history.iter().map(|e| e.blob.as_deref()).collect();
        assert_eq!(blobs, vec![None, Some(&b"v2\n"[..]), Some(&b"v1\n"[..])]);
        assert_eq!(history[1].summary, "Publish 1.1.0");
        assert_eq!(history[1].author, "Test Author");
        assert_eq!(history[1].email, "test@example.org");
        let git_time: i64 = git(dir.path(), &["log", "-1", "--format=%at", &c3])
            .trim()
            .parse()
            .unwrap();
        assert_eq!(history[1].time, git_time);

        // Starting further back only sees older commits.
        let older = repo.history(path, &c3).unwrap();
        assert_eq!(older.len(), 2);
        assert_eq!(repo.history("plugins/none.toml", "HEAD").unwrap(), vec![]);
    }

    #[test]
    fn follows_merges_into_side_branches() {
        let dir = tempfile::tempdir().unwrap();
        let repo = Repo::init(dir.path()).unwrap();
        let path = "plugins/1/a.toml";
        commit_files(&repo, &[(path, Some("v1\n"))], "one");
        repo.create_branch_and_switch("side").unwrap();
        let side = commit_files(&repo, &[(path, Some("v2\n"))], "side change");
        git(dir.path(), &["checkout", "-q", "main"]);
        commit_files(&repo, &[("config.toml", Some("c\n"))], "main change");
        git(dir.path(), &["merge", "-q", "--no-edit", "side"]);

        let history = repo.history(path, "main").unwrap();
        let summaries: Vec<&str> = history.iter().map(|e| e.summary.as_str()).collect();
        // The merge differs from its first parent in `path`, and the side
        // commit differs from its own parent.
        assert_eq!(summaries.len(), 3, "{summaries:?}");
        assert!(summaries.contains(&"side change"));
        assert!(summaries.contains(&"one"));
        assert!(
            summaries[0].starts_with("Merge branch 'side'"),
            "{summaries:?}"
        );
        assert!(history.iter().any(|e| e.commit == side));
    }
}
