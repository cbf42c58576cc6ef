//! When a file of a git index changed, relative to its snapshot: only for
//! the wording of a refusal (README, "snapshot.toml and timestamp.toml").

use std::path::Path;

use gix::ObjectId;

/// Longest walk back through first parents looking for the commit that
/// wrote the snapshot: an error message is not worth more.
const MAX_COMMITS: usize = 10_000;

/// Whether `path` differs between `tip` and the newest commit that wrote
/// `tip`'s `snapshot.toml` (the first commit, walking first parents back,
/// whose parent has another snapshot or none): a change merged after the
/// snapshot was made, without a new one.
pub(super) fn changed_after_snapshot(
    repo: &gix::Repository,
    tip: ObjectId,
    path: &str,
) -> Result<bool, gix::Error> {
    let snapshot = blob_at(repo, tip, "snapshot.toml")?;
    if snapshot.is_none() {
        return Ok(false);
    }
    let mut written = tip;
    for _ in 0..MAX_COMMITS {
        let parent = repo.find_commit(written)?.parent_ids().next();
        match parent {
            Some(parent) if blob_at(repo, parent.detach(), "snapshot.toml")? == snapshot => {
                written = parent.detach();
            }
            _ => return Ok(blob_at(repo, written, path)? != blob_at(repo, tip, path)?),
        }
    }
    Ok(false)
}

/// The id of the blob at `path` in `commit`'s tree, if any.
fn blob_at(
    repo: &gix::Repository,
    commit: ObjectId,
    path: &str,
) -> Result<Option<ObjectId>, gix::Error> {
    let tree = repo.find_commit(commit)?.tree()?;
    Ok(tree.lookup_entry(path.split('/'))?.map(|e| e.object_id()))
}

/// [`changed_after_snapshot`] for a folder that is a git checkout (a path
/// index): `None` when `root` is not the top of one. A file edited in the
/// working tree while `snapshot.toml` is as committed changed after it; a
/// `snapshot.toml` edited but not committed leaves nothing to compare.
pub(crate) fn checkout_changed_after_snapshot(root: &Path, path: &str) -> Option<bool> {
    let repo = gix::open(root).ok()?;
    if repo.workdir()?.canonicalize().ok()? != root.canonicalize().ok()? {
        return None;
    }
    let head = repo.head_id().ok()?.detach();
    let on_disk = |rel: &str| {
        let bytes = std::fs::read(root.join(rel)).ok()?;
        gix::objs::compute_hash(repo.object_hash(), gix::objs::Kind::Blob, &bytes).ok()
    };
    let committed = |rel: &str| blob_at(&repo, head, rel).ok().flatten();
    if on_disk("snapshot.toml") != committed("snapshot.toml") {
        return Some(false);
    }
    if on_disk(path) != committed(path) {
        return Some(true);
    }
    changed_after_snapshot(&repo, head, path).ok()
}
