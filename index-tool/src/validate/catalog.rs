//! The catalog check of a whole-index `validate`: the shards the snapshot
//! lists are exactly what the plugin files of the tree say (README "The
//! catalog"), byte for byte, so a search shows what a resolution would read.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use anyhow::Result;
use plugres_schema::{
    CATALOG_DIR, CatalogEntry, Diagnostic, SNAPSHOT_PATH, Sha256, build_catalog, catalog_path,
    parse_shard,
};

use super::trust::Seen;
use crate::fsutil::{Bounded, read_regular_bounded};
use crate::trust::existing_toml_files;

/// Reports every shard of the snapshot `seen` that differs from the
/// catalog of `entries` (one per plugin file of the tree that parses), and
/// stale shards.
pub fn check(
    dir: &Path,
    seen: &Seen,
    entries: Vec<CatalogEntry>,
    out: &mut Vec<Diagnostic>,
) -> Result<()> {
    let version = seen.version;
    let Some(catalog) = &seen.catalog else {
        out.push(Diagnostic::file_warning(
            SNAPSHOT_PATH,
            "lists no catalog: `plugres search` then reads every plugin file (a sparse HTTP index cannot be searched at all); run `plugres-index snapshot`",
        ));
        return Ok(());
    };
    let expected: BTreeMap<String, String> =
        build_catalog(entries, catalog.digits).into_iter().collect();
    for (id, text) in &expected {
        let path = catalog_path(id);
        let sha = Sha256::of(text.as_bytes());
        let problem = match catalog.shards.get(id) {
            None => Some(format!(
                "snapshot.toml (version {version}) lists no catalog shard `{id}`, but plugin files belong in it; run `plugres-index snapshot`"
            )),
            Some(listed) if *listed != sha => Some(format!(
                "snapshot.toml (version {version}) lists sha256 {listed} for catalog shard `{id}`, but the plugin files make it {sha}{}; run `plugres-index snapshot`",
                differing(dir, &path, id, catalog.digits, text)
            )),
            Some(_) => on_disk_problem(dir, &path, text)?,
        };
        if let Some(p) = problem {
            out.push(Diagnostic::file_error(&path, p));
        }
    }
    for id in catalog
        .shards
        .keys()
        .filter(|id| !expected.contains_key(*id))
    {
        out.push(Diagnostic::file_error(
            catalog_path(id),
            format!(
                "snapshot.toml (version {version}) lists catalog shard `{id}`, but no plugin file belongs in it; run `plugres-index snapshot`"
            ),
        ));
    }
    let listed: BTreeSet<String> = catalog.shards.keys().map(|id| catalog_path(id)).collect();
    for path in existing_toml_files(dir, CATALOG_DIR)? {
        if !listed.contains(&path) {
            out.push(Diagnostic::file_error(
                &path,
                format!(
                    "not a catalog shard of snapshot.toml (version {version}): a stale shard; `plugres-index snapshot` removes it"
                ),
            ));
        }
    }
    Ok(())
}

/// What is wrong with the file of a shard whose listed digest is right.
fn on_disk_problem(dir: &Path, path: &str, text: &str) -> Result<Option<String>> {
    let max = plugres_schema::file_limit(path).0 as usize;
    Ok(match read_regular_bounded(dir, path, max)? {
        Bounded::Bytes(b) if b == text.as_bytes() => None,
        Bounded::Bytes(_) => Some(
            "differs from the shard snapshot.toml lists (its sha256 differs): restore it, or run `plugres-index snapshot`".to_string(),
        ),
        Bounded::Missing => Some("missing: snapshot.toml lists this catalog shard".to_string()),
        Bounded::NotRegular => Some("not a regular file (a symbolic link?)".to_string()),
        Bounded::TooLarge => Some(format!("larger than {max} bytes: clients refuse it")),
    })
}

/// `: the entries of `a`, `b` differ` — the plugins whose entries in the
/// shard on disk are not what their plugin files say, when it parses.
fn differing(dir: &Path, path: &str, id: &str, digits: u8, text: &str) -> String {
    let Ok(bytes) = std::fs::read(dir.join(path)) else {
        return String::new();
    };
    let (Ok(found), Ok(wanted)) = (
        parse_shard(path, &bytes, id, digits),
        parse_shard(path, text.as_bytes(), id, digits),
    ) else {
        return String::new();
    };
    let by_name = |v: Vec<CatalogEntry>| -> BTreeMap<String, CatalogEntry> {
        v.into_iter().map(|e| (e.name.to_string(), e)).collect()
    };
    let (found, wanted) = (by_name(found), by_name(wanted));
    let names: BTreeSet<&String> = found.keys().chain(wanted.keys()).collect();
    let differ: Vec<String> = names
        .into_iter()
        .filter(|n| found.get(*n) != wanted.get(*n))
        .map(|n| format!("`{n}`"))
        .collect();
    if differ.is_empty() {
        String::new()
    } else {
        format!(" (the entries of {} differ)", differ.join(", "))
    }
}
