//! Reading files from the tree of the accepted commit, straight from the
//! object database: no checkout, no working tree.

use gix::ObjectId;
use gix::bstr::ByteSlice;

/// Why a file could not be read from a tree.
#[derive(Debug)]
pub(super) enum ReadError {
    /// The blob is larger than the caller's limit.
    TooLarge(u64),
    /// The object database failed (a damaged cache).
    Git(gix::Error),
}

impl From<gix::Error> for ReadError {
    fn from(err: gix::Error) -> Self {
        ReadError::Git(err)
    }
}

/// Whether `path` is a plain relative, `/`-separated path that cannot
/// leave the root (see [`plugres_schema::IndexPath`]).
pub(super) fn is_safe_rel_path(path: &str) -> bool {
    plugres_schema::IndexPath::is_valid(path)
}

/// The bytes of the file at `path` in `tree`; `None` when nothing is there
/// or the entry is not a regular file (a directory, symlink or submodule).
/// Refuses blobs over `limit` bytes before loading them.
pub(super) fn read_blob(
    repo: &gix::Repository,
    tree: ObjectId,
    path: &str,
    limit: Option<u64>,
) -> Result<Option<Vec<u8>>, ReadError> {
    let tree = repo.find_tree(tree)?;
    let Some(entry) = tree.lookup_entry(path.split('/'))? else {
        return Ok(None);
    };
    if !entry.mode().is_blob() {
        return Ok(None);
    }
    let id = entry.object_id();
    if let Some(limit) = limit {
        let size = repo.find_header(id)?.size();
        if size > limit {
            return Err(ReadError::TooLarge(size));
        }
    }
    Ok(Some(repo.find_blob(id)?.detach().data))
}

/// Every `.toml` file under `dir` of `tree` down to `max_depth` directory
/// levels, as sorted `/`-separated paths that start with `dir`.
pub(super) fn list_files(
    repo: &gix::Repository,
    tree: ObjectId,
    dir: &str,
    max_depth: usize,
) -> Result<Vec<String>, gix::Error> {
    let root = repo.find_tree(tree)?;
    let Some(entry) = root.lookup_entry(dir.split('/'))? else {
        return Ok(Vec::new());
    };
    if !entry.mode().is_tree() {
        return Ok(Vec::new());
    }
    let mut out = Vec::new();
    let mut stack = vec![(entry.object_id(), dir.to_string(), 0)];
    while let Some((id, prefix, depth)) = stack.pop() {
        let tree = repo.find_tree(id)?;
        for entry in tree.iter() {
            let entry = entry?;
            let Ok(name) = entry.filename().to_str() else {
                continue;
            };
            let path = format!("{prefix}/{name}");
            let mode = entry.mode();
            if mode.is_tree() && depth < max_depth {
                stack.push((entry.oid().to_owned(), path, depth + 1));
            } else if mode.is_blob() && name.ends_with(".toml") {
                out.push(path);
            }
        }
    }
    out.sort();
    Ok(out)
}
