//! Checks of the trust layer: `snapshot.toml` (and its bins) lists exactly
//! the signed files of the tree, `timestamp.toml` points at that snapshot,
//! each is signed by a key of its role, and (against a base revision)
//! neither version goes down.
//!
//! Whole-index: any difference between the snapshot and the tree is an
//! error, named by path. Since-`base` (a pull request): the snapshot is
//! usually *stale*, since the maintainers' CI signs a new one after the
//! merge with the online key; that is a warning. A pull request that does
//! change the snapshot or timestamp gets the whole check.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use anyhow::Result;
use plugres_schema::rules::{VersionRuleError, check_version, verify_role};
use plugres_schema::{
    Diagnostic, HEAD_FILES, HEAD_PATH, Head, IndexConfig, RoleKey, SNAPSHOT_PATH, Sha256, Snapshot,
    TIMESTAMP_PATH, Timestamp, bin_of, bin_path, group_of, group_path, parse_bin, parse_group,
};

use crate::checkout::sig_path;
use crate::fsutil::{Bounded, read_regular_bounded};
use crate::git::Repo;
use crate::trust::{existing_bin_files, tree_digests};

/// Whether `path` (an index path) is a file of the trust layer.
pub fn is_trust_file(path: &str) -> bool {
    [SNAPSHOT_PATH, TIMESTAMP_PATH]
        .iter()
        .any(|f| path == *f || path == sig_path(f))
        || path == HEAD_PATH
        || path.starts_with(&format!("{}/", plugres_schema::SNAPSHOT_BIN_DIR))
        || path.starts_with(&format!("{}/", plugres_schema::CATALOG_DIR))
}

/// What the catalog check needs of a snapshot that parsed.
pub struct Seen {
    pub version: u64,
    pub catalog: Option<plugres_schema::CatalogListing>,
    /// Index path → sha256 of every signed file of the tree.
    pub tree: BTreeMap<String, Sha256>,
}

/// The whole check but the catalog's (see [`super::catalog::check`], which
/// needs the plugin files parsed); `now` is the Unix time expiry is judged
/// at. Returns the snapshot when it parsed.
pub fn check_whole(
    dir: &Path,
    config: &IndexConfig,
    now: u64,
    out: &mut Vec<Diagnostic>,
) -> Result<Option<Seen>> {
    let snapshot = load_signed(dir, SNAPSHOT_PATH, "snapshot", &config.snapshot_keys, out)?;
    let snapshot = snapshot.and_then(|bytes| match Snapshot::parse(SNAPSHOT_PATH, &bytes) {
        Ok(s) => Some((s, bytes)),
        Err(d) => {
            out.extend(d);
            None
        }
    });
    let mut seen = None;
    if let Some((snap, _)) = &snapshot {
        let (listed, failed_bins) = listed_files(dir, snap, out)?;
        let tree = tree_digests(dir)?;
        compare(snap, &listed, &failed_bins, &tree, out);
        seen = Some(Seen {
            version: snap.version,
            catalog: snap.catalog.clone(),
            tree,
        });
    }
    check_timestamp(
        dir,
        config,
        snapshot.as_ref().map(|(_, b)| b.as_slice()),
        now,
        out,
    )?;
    check_head(dir, out)?;
    Ok(seen)
}

/// `head.bundle` holds exactly the trust files of the tree (README
/// "head.bundle"). Clients verify what it carries and fall back to the
/// separate files, so a stale head is no risk, but it makes every new
/// client's first request a wasted one.
fn check_head(dir: &Path, out: &mut Vec<Diagnostic>) -> Result<()> {
    let found = match load(dir, HEAD_PATH, out)? {
        Loaded::Refused => return Ok(()),
        Loaded::Missing => {
            out.push(Diagnostic::file_warning(
                HEAD_PATH,
                "missing: a client new to this index then makes six requests for the trust files instead of one; run `plugres-index timestamp` to write it",
            ));
            return Ok(());
        }
        Loaded::Bytes(b) => b,
    };
    let want = crate::trust::head_of(dir)?;
    if want.as_deref() == Some(found.as_slice()) {
        return Ok(());
    }
    let why = match Head::parse(&found) {
        Err(e) => format!("does not parse: {e}"),
        Ok(head) => {
            let stale: Vec<String> = HEAD_FILES
                .iter()
                .filter(|p| {
                    let tree = crate::fsutil::read_if_exists(dir, p).ok().flatten();
                    head.file(p) != tree.as_deref()
                })
                .map(|p| format!("`{p}`"))
                .collect();
            format!("does not carry the index's {}", stale.join(", "))
        }
    };
    out.push(Diagnostic::file_error(
        HEAD_PATH,
        format!("{why}; run `plugres-index timestamp` to write it anew"),
    ));
    Ok(())
}

/// What a change since `base` edits.
#[derive(Debug, Default, Clone, Copy)]
pub struct Touched {
    /// A file of the trust layer.
    pub trust: bool,
    /// Plugin files or the config.
    pub content: bool,
}

/// The check of a change since `base`.
pub fn check_changed(
    dir: &Path,
    (repo, base): (&Repo, &str),
    config: &IndexConfig,
    touched: Touched,
    now: u64,
    out: &mut Vec<Diagnostic>,
) -> Result<()> {
    check_not_rolled_back(
        dir,
        repo,
        base,
        SNAPSHOT_PATH,
        |b| Snapshot::parse(SNAPSHOT_PATH, b).ok().map(|s| s.version),
        out,
    )?;
    check_not_rolled_back(
        dir,
        repo,
        base,
        TIMESTAMP_PATH,
        |b| Timestamp::parse(TIMESTAMP_PATH, b).ok().map(|t| t.version),
        out,
    )?;
    if !config.has_snapshot_role() {
        return Ok(());
    }
    if touched.trust {
        if let Some(seen) = check_whole(dir, config, now, out)? {
            let entries = crate::trust::tree_catalog(dir, &seen.tree)?;
            super::catalog::check(dir, &seen, entries, out)?;
        }
        return Ok(());
    }
    if touched.content {
        let what = if std::fs::symlink_metadata(dir.join(SNAPSHOT_PATH)).is_ok() {
            "snapshot is stale: this change is not in snapshot.toml yet"
        } else {
            "there is no snapshot yet"
        };
        out.push(Diagnostic::file_warning(
            SNAPSHOT_PATH,
            format!(
                "{what}; the post-merge job runs `plugres-index snapshot` and `plugres-index timestamp` with the online key"
            ),
        ));
    }
    Ok(())
}

/// The bytes of `path` when its signature verifies against `keys` (the
/// `role` keys); every problem is reported.
fn load_signed(
    dir: &Path,
    path: &str,
    role: &str,
    keys: &[RoleKey],
    out: &mut Vec<Diagnostic>,
) -> Result<Option<Vec<u8>>> {
    let ids: Vec<String> = keys.iter().map(|k| format!("`{}`", k.id)).collect();
    let bytes = match load(dir, path, out)? {
        Loaded::Bytes(b) => b,
        Loaded::Refused => return Ok(None),
        Loaded::Missing => {
            out.push(Diagnostic::file_error(
            path,
            format!(
                "missing: config.toml has {role} keys ({}), so clients require a signed `{path}`; run `plugres-index {role}`",
                ids.join(", ")
            ),
        ));
            return Ok(None);
        }
    };
    let sig = match load(dir, &sig_path(path), out)? {
        Loaded::Bytes(b) => b,
        Loaded::Refused => return Ok(Some(bytes)),
        Loaded::Missing => {
            out.push(Diagnostic::file_error(
            path,
            format!(
                "`{path}.minisig` is missing: `{path}` must be signed by a {role} key ({}); run `plugres-index {role}`",
                ids.join(", ")
            ),
        ));
            return Ok(Some(bytes));
        }
    };
    if let Err(e) = verify_role(path, &bytes, &sig, keys) {
        out.push(Diagnostic::file_error(path, e.to_string()));
    }
    Ok(Some(bytes))
}

/// Every file the snapshot lists, its bins (and their groups) read and
/// checked; and the ids of bins or groups that could not be read (their
/// files are not blamed one by one).
fn listed_files(
    dir: &Path,
    snap: &Snapshot,
    out: &mut Vec<Diagnostic>,
) -> Result<(BTreeMap<String, Sha256>, BTreeSet<String>)> {
    let mut listed = snap.files.clone();
    let mut failed = BTreeSet::new();
    let mut bins = snap.bins.clone();
    let mut current: BTreeSet<String> = BTreeSet::new();
    for (id, sha) in &snap.groups {
        let path = group_path(id);
        current.insert(path.clone());
        let what = format!("bin group `{id}`");
        let parse = |b: &[u8]| parse_group(&path, b, id, snap.bin_digits);
        match listed_table(dir, &path, sha, &what, snap.version, out, parse)? {
            Some(group) => bins.extend(group),
            None => {
                failed.insert(id.clone());
            }
        }
    }
    for (id, sha) in &bins {
        let path = bin_path(id);
        current.insert(path.clone());
        let what = format!("bin `{id}`");
        let parse = |b: &[u8]| parse_bin(&path, b, id);
        match listed_table(dir, &path, sha, &what, snap.version, out, parse)? {
            Some(bin) => listed.extend(bin.files),
            None => {
                failed.insert(id.clone());
            }
        }
    }
    // The bins of a group that could not be read are unknown, not stale.
    let bin_dir = format!("{}/", plugres_schema::SNAPSHOT_BIN_DIR);
    let in_failed_group = |path: &str| {
        let id = path
            .strip_prefix(bin_dir.as_str())
            .and_then(|p| p.strip_suffix(".toml"))
            .unwrap_or(path);
        snap.group_digits > 0 && failed.contains(&group_of(id, snap.group_digits))
    };
    for path in existing_bin_files(dir)? {
        if !current.contains(&path) && !in_failed_group(&path) {
            out.push(Diagnostic::file_error(
                &path,
                format!(
                    "not a bin of snapshot.toml (version {}): a stale bin; `plugres-index snapshot` removes it",
                    snap.version
                ),
            ));
        }
    }
    Ok((listed, failed))
}

/// Bin or group file `path` (`what`) parsed by `parse`, when it is
/// there, signed-off, has the digest snapshot `version` lists and parses;
/// else `None`, with the reason reported.
fn listed_table<T>(
    dir: &Path,
    path: &str,
    sha: &Sha256,
    what: &str,
    version: u64,
    out: &mut Vec<Diagnostic>,
    parse: impl FnOnce(&[u8]) -> std::result::Result<T, Vec<Diagnostic>>,
) -> Result<Option<T>> {
    let Some(bytes) = listed_bytes(dir, path, sha, what, version, out)? else {
        return Ok(None);
    };
    Ok(parse(&bytes).map_err(|d| out.extend(d)).ok())
}

/// The bytes of bin or group file `path` (`what`), when they are there,
/// signed-off and the digest snapshot `version` lists; else reported.
fn listed_bytes(
    dir: &Path,
    path: &str,
    sha: &Sha256,
    what: &str,
    version: u64,
    out: &mut Vec<Diagnostic>,
) -> Result<Option<Vec<u8>>> {
    let bytes = match load(dir, path, out)? {
        Loaded::Bytes(b) => b,
        Loaded::Refused => return Ok(None),
        Loaded::Missing => {
            out.push(Diagnostic::file_error(
                path,
                format!("missing: snapshot.toml (version {version}) lists {what}"),
            ));
            return Ok(None);
        }
    };
    let actual = Sha256::of(&bytes);
    if actual != *sha {
        out.push(Diagnostic::file_error(
            path,
            format!(
                "sha256 is {actual}, but snapshot.toml (version {version}) lists {sha} for {what}: it changed after the snapshot was signed"
            ),
        ));
        return Ok(None);
    }
    Ok(Some(bytes))
}

/// Reports each file the snapshot and the tree disagree on, by path.
fn compare(
    snap: &Snapshot,
    listed: &BTreeMap<String, Sha256>,
    failed_bins: &BTreeSet<String>,
    tree: &BTreeMap<String, Sha256>,
    out: &mut Vec<Diagnostic>,
) {
    let v = snap.version;
    let in_failed_bin = |p: &str| {
        bin_of(p, snap.bin_digits).is_some_and(|id| {
            failed_bins.contains(&id)
                || (snap.group_digits > 0
                    && failed_bins.contains(&group_of(&id, snap.group_digits)))
        })
    };
    for (path, actual) in tree {
        if in_failed_bin(path) {
            continue;
        }
        match listed.get(path) {
            None => out.push(Diagnostic::file_error(
                path,
                format!(
                    "not listed in snapshot.toml (version {v}): clients treat this file as absent; run `plugres-index snapshot`"
                ),
            )),
            Some(expected) if expected != actual => out.push(Diagnostic::file_error(
                path,
                format!(
                    "sha256 is {actual}, but snapshot.toml (version {v}) lists {expected}: the file changed after the snapshot was signed (run `plugres-index snapshot` if the change is intended)"
                ),
            )),
            Some(_) => {}
        }
    }
    for path in listed.keys() {
        if !tree.contains_key(path) && !in_failed_bin(path) {
            out.push(Diagnostic::file_error(
                path,
                format!("listed in snapshot.toml (version {v}) but missing from the index"),
            ));
        }
    }
}

fn check_timestamp(
    dir: &Path,
    config: &IndexConfig,
    snapshot: Option<&[u8]>,
    now: u64,
    out: &mut Vec<Diagnostic>,
) -> Result<()> {
    let Some(bytes) = load_signed(
        dir,
        TIMESTAMP_PATH,
        "timestamp",
        &config.timestamp_keys,
        out,
    )?
    else {
        return Ok(());
    };
    let ts = match Timestamp::parse(TIMESTAMP_PATH, &bytes) {
        Ok(t) => t,
        Err(d) => {
            out.extend(d);
            return Ok(());
        }
    };
    if let Some(snap_bytes) = snapshot {
        let sha = Sha256::of(snap_bytes);
        let version = Snapshot::parse(SNAPSHOT_PATH, snap_bytes).map_or(0, |s| s.version);
        if ts.snapshot_sha256 != sha
            || ts.snapshot_size != snap_bytes.len() as u64
            || ts.snapshot_version != version
        {
            out.push(Diagnostic::file_error(
                TIMESTAMP_PATH,
                format!(
                    "points at snapshot version {} ({} bytes, sha256 {}), but snapshot.toml is version {version} ({} bytes, sha256 {sha}); run `plugres-index timestamp`",
                    ts.snapshot_version,
                    ts.snapshot_size,
                    ts.snapshot_sha256,
                    snap_bytes.len()
                ),
            ));
        }
    }
    if ts.expires <= now {
        out.push(Diagnostic::file_warning(
            TIMESTAMP_PATH,
            format!(
                "expired {} ago (at {}): clients refuse this index until it is re-signed; run `plugres-index timestamp` (the scheduled job does it daily)",
                plugres_schema::time::format_duration(now - ts.expires),
                plugres_schema::time::format_utc(ts.expires)
            ),
        ));
    }
    Ok(())
}

/// The version of `path` did not go down since `base`, and did not stay
/// the same with other bytes; the file was not removed.
fn check_not_rolled_back(
    dir: &Path,
    repo: &Repo,
    base: &str,
    path: &str,
    version: impl Fn(&[u8]) -> Option<u64>,
    out: &mut Vec<Diagnostic>,
) -> Result<()> {
    let Some(old_bytes) = repo.read_at(base, path)? else {
        return Ok(());
    };
    let Some(old) = version(&old_bytes) else {
        return Ok(());
    };
    let new_bytes = match load(dir, path, out)? {
        Loaded::Bytes(b) => b,
        Loaded::Refused => return Ok(()),
        Loaded::Missing => {
            out.push(Diagnostic::file_error(
                path,
                format!(
                    "removed, but `{base}` has version {old}: clients of this index require it"
                ),
            ));
            return Ok(());
        }
    };
    let Some(new) = version(&new_bytes) else {
        return Ok(()); // its own parse errors are reported by the whole check
    };
    // The client's version rule for the role files.
    let message = match check_version(Some((old, &old_bytes)), 0, new, &new_bytes) {
        Ok(()) => return Ok(()),
        Err(VersionRuleError::Rollback { .. }) => format!(
            "version went down from {old} (in `{base}`) to {new}: clients refuse a rollback"
        ),
        Err(VersionRuleError::Reused { .. }) => format!(
            "changed under the same version {new} as in `{base}`: clients refuse a different file under a version they have seen"
        ),
    };
    out.push(Diagnostic::file_error(path, message));
    Ok(())
}

/// A file of the trust layer, read.
enum Loaded {
    Missing,
    /// Not read (a link or too large); the reason is reported.
    Refused,
    Bytes(Vec<u8>),
}

/// Reads a trust-layer file the way plugin files are read: never through
/// a link (one to `/dev/zero` would be read without end), and within the
/// size a client accepts.
fn load(dir: &Path, path: &str, out: &mut Vec<Diagnostic>) -> Result<Loaded> {
    let max = plugres_schema::file_limit(path).0 as usize;
    let refused = match read_regular_bounded(dir, path, max)? {
        Bounded::Missing => return Ok(Loaded::Missing),
        Bounded::Bytes(b) => return Ok(Loaded::Bytes(b)),
        Bounded::NotRegular => "not a regular file (a symbolic link?): index files must be regular files, since a link can point outside the index or at a device".to_string(),
        Bounded::TooLarge => format!("larger than {max} bytes: clients refuse it"),
    };
    out.push(Diagnostic::file_error(path, refused));
    Ok(Loaded::Refused)
}

#[cfg(test)]
mod tests;
