//! The catalog of a new snapshot (README "The catalog"), reusing the
//! previous snapshot's shards where no plugin changed.
//!
//! Deriving an entry means parsing a plugin file with every version it
//! has; doing that for every plugin on each snapshot made the post-merge
//! job ten times slower. A shard can only change when a plugin file in it
//! does, and the bins of the new snapshot say which plugins' files did: a
//! bin whose digest is the one the previous snapshot lists holds the same
//! files. Catalog shards are named like bins, by a shorter prefix of the
//! same hash, so a shard is clean when every bin under it is; its text is
//! taken from the previous snapshot (checked against the digest that
//! snapshot lists) and only the plugin files of the other shards are read.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use anyhow::Result;
use plugres_schema::{
    CATALOG_ALL, MAX_SHARD_BYTES, SNAPSHOT_BIN_DIR, Sha256, Snapshot, auto_catalog_digits,
    build_catalog, build_catalog_auto, catalog_path, catalog_shard_of, name_from_index_path,
};

use super::tree_catalog;
use crate::fsutil::read_if_exists;

/// A catalog: its digits and its shards as `(id, text)`.
type Shards = (u8, Vec<(String, String)>);

/// The catalog of the tree whose signed files have `digests`, as its
/// digits and `(shard id, text)`s, given the previous snapshot and the
/// new snapshot's bins (`(bin path, text)`, `bin_digits` digits).
pub(super) fn shards(
    dir: &Path,
    digests: &BTreeMap<String, Sha256>,
    previous: Option<&Snapshot>,
    (bin_digits, bin_files): (u8, &[(String, String)]),
) -> Result<Shards> {
    if let Some(prev) = previous
        && let Some(reused) = incremental(dir, digests, prev, bin_digits, bin_files)?
    {
        return Ok(reused);
    }
    Ok(build_catalog_auto(tree_catalog(dir, digests)?))
}

/// The catalog from the previous one and the plugin files of the shards
/// whose bins changed; `None` when the previous snapshot cannot tell (no
/// catalog, other bins, too few digits now) or a kept shard is not the
/// one it lists.
fn incremental(
    dir: &Path,
    digests: &BTreeMap<String, Sha256>,
    prev: &Snapshot,
    bin_digits: u8,
    bin_files: &[(String, String)],
) -> Result<Option<Shards>> {
    let Some(old) = &prev.catalog else {
        return Ok(None);
    };
    let digits = old.digits;
    let plugins = digests
        .keys()
        .filter(|p| name_from_index_path(p).is_some())
        .count();
    if bin_digits == 0
        || prev.bin_digits != bin_digits
        || digits > bin_digits
        || digits < auto_catalog_digits(plugins)
    {
        return Ok(None);
    }
    let shard_of_bin = |bin: &str| match digits {
        0 => CATALOG_ALL.to_string(),
        d => bin[..usize::from(d)].to_string(),
    };
    let prefix = format!("{SNAPSHOT_BIN_DIR}/");
    let mut bins_now = BTreeSet::new();
    let mut dirty = BTreeSet::new();
    for (path, text) in bin_files {
        let Some(id) = path
            .strip_prefix(&prefix)
            .and_then(|p| p.strip_suffix(".toml"))
        else {
            return Ok(None);
        };
        bins_now.insert(id.to_string());
        if prev.bins.get(id) != Some(&Sha256::of(text.as_bytes())) {
            dirty.insert(shard_of_bin(id));
        }
    }
    for id in prev.bins.keys().filter(|id| !bins_now.contains(*id)) {
        dirty.insert(shard_of_bin(id));
    }
    let mut out: BTreeMap<String, String> = BTreeMap::new();
    for (id, sha) in old.shards.iter().filter(|(id, _)| !dirty.contains(*id)) {
        let kept = read_if_exists(dir, &catalog_path(id))?;
        match kept.and_then(|b| String::from_utf8(b).ok()) {
            Some(text) if Sha256::of(text.as_bytes()) == *sha => {
                out.insert(id.clone(), text);
            }
            _ => return Ok(None),
        }
    }
    let changed: BTreeMap<String, Sha256> = digests
        .iter()
        .filter(|(p, _)| {
            name_from_index_path(p).is_some_and(|n| dirty.contains(&catalog_shard_of(&n, digits)))
        })
        .map(|(p, s)| (p.clone(), *s))
        .collect();
    for (id, text) in build_catalog(tree_catalog(dir, &changed)?, digits) {
        if text.len() > MAX_SHARD_BYTES {
            return Ok(None);
        }
        out.insert(id, text);
    }
    Ok(Some((digits, out.into_iter().collect())))
}

#[cfg(test)]
mod tests {
    use super::*;
    use plugres_schema::{CatalogListing, SigningKey, catalog_path};

    /// A tree of `n` plugins signed into `dir` by the synthetic generator.
    fn tree(dir: &Path, n: usize) -> plugres_bench::synth::SynthInfo {
        plugres_bench::synth::generate(dir, n, 2, 3).unwrap()
    }

    /// The previous snapshot of the tree as it is now, with a catalog of
    /// `digits` digits written to disk, and its bins.
    fn snapshot_now(dir: &Path, digits: u8) -> (Snapshot, Vec<(String, String)>) {
        let digests = crate::trust::tree_digests(dir).unwrap();
        let (mut snap, bins) = Snapshot::build(1, &digests, &BTreeMap::new(), 2);
        let mut listing = CatalogListing {
            digits,
            shards: BTreeMap::new(),
        };
        for (id, text) in build_catalog(tree_catalog(dir, &digests).unwrap(), digits) {
            std::fs::create_dir_all(dir.join("catalog")).unwrap();
            std::fs::write(dir.join(catalog_path(&id)), &text).unwrap();
            listing.shards.insert(id, Sha256::of(text.as_bytes()));
        }
        snap.catalog = Some(listing);
        (snap, bins)
    }

    #[test]
    fn only_the_shards_of_changed_plugins_are_rebuilt_and_the_result_is_the_full_one() {
        let t = tempfile::tempdir().unwrap();
        let dir = t.path();
        let info = tree(dir, 40);
        let (prev, _) = snapshot_now(dir, 1);
        // One plugin's description changes (and is signed again).
        let name = plugres_schema::PluginName::new(&info.names[7]).unwrap();
        let rel = plugres_schema::index_path(&name);
        let text = std::fs::read_to_string(dir.join(&rel)).unwrap();
        let edited = text.replacen("description = \"", "description = \"Edited ", 1);
        let key = SigningKey::from_key_text(&info.publisher_key_text, None).unwrap();
        std::fs::write(dir.join(&rel), &edited).unwrap();
        std::fs::write(
            dir.join(format!("{rel}.minisig")),
            plugres_schema::sign(&key, &rel, edited.as_bytes(), 1).unwrap(),
        )
        .unwrap();
        let digests = crate::trust::tree_digests(dir).unwrap();
        let (_, bins) = Snapshot::build(2, &digests, &BTreeMap::new(), 2);
        let full = build_catalog(tree_catalog(dir, &digests).unwrap(), 1);
        let got = incremental(dir, &digests, &prev, 2, &bins)
            .unwrap()
            .unwrap();
        assert_eq!(got, (1, full.clone()));
        let old = &prev.catalog.as_ref().unwrap().shards;
        let rebuilt: Vec<&String> = full
            .iter()
            .filter(|(id, text)| old.get(id) != Some(&Sha256::of(text.as_bytes())))
            .map(|(id, _)| id)
            .collect();
        assert_eq!(rebuilt, [&catalog_shard_of(&name, 1)]);

        // A kept shard that is not the listed one: everything is rebuilt.
        let other = full.iter().find(|(id, _)| *id != *rebuilt[0]).unwrap();
        std::fs::write(dir.join(catalog_path(&other.0)), "tampered").unwrap();
        assert_eq!(incremental(dir, &digests, &prev, 2, &bins).unwrap(), None);
        // Other bins than before: no reuse either.
        assert_eq!(incremental(dir, &digests, &prev, 3, &bins).unwrap(), None);
    }
}
