//! The catalog of a verified index (README "The catalog"): what `search`,
//! `categories` and typo suggestions read instead of every plugin file.
//!
//! With a snapshot that lists a catalog, each shard is fetched through the
//! same path as a bin — pinned to the digest the verified snapshot lists,
//! refused when the served bytes differ — and its parsed entries kept in
//! the verified-entry cache by that digest, so a later search reads and
//! parses only the shards a publish changed. Without one (an index with no
//! snapshot, or a snapshot from before catalogs) the entries are derived
//! from every plugin file, which needs a listing: path and git indexes only.

use std::sync::atomic::Ordering;

use plugres_schema::{
    CatalogEntry, CatalogListing, PluginName, Sha256, Snapshot, UnknownFields, catalog_path,
    name_from_index_path, parse_shard_with,
};
use rayon::prelude::*;

use super::VerifiedIndex;
use crate::index::IndexError;

impl VerifiedIndex {
    /// Every plugin of the index as its catalog describes it, by name
    /// within each shard (callers order what they show).
    pub fn catalog(&self) -> Result<Vec<CatalogEntry>, IndexError> {
        let listed = self
            .snapshot
            .as_ref()
            .and_then(|s| s.catalog.as_ref().map(|c| (s, c)));
        match listed {
            Some((snapshot, listing)) => self.read_catalog(snapshot, listing),
            None => self.catalog_from_plugin_files(),
        }
        .inspect_err(|_| self.refused.store(true, Ordering::SeqCst))
    }

    /// Whether this index lists a catalog (else [`Self::catalog`] reads
    /// every plugin file).
    pub fn has_catalog(&self) -> bool {
        self.snapshot.as_ref().is_some_and(|s| s.catalog.is_some())
    }

    fn read_catalog(
        &self,
        snapshot: &Snapshot,
        listing: &CatalogListing,
    ) -> Result<Vec<CatalogEntry>, IndexError> {
        // Kept shards decode in parallel: on a warm search of a large
        // index this decoding is most of the run.
        let kept: Vec<(&String, &Sha256, String, Option<Vec<CatalogEntry>>)> = listing
            .shards
            .par_iter()
            .map(|(id, sha)| {
                let path = catalog_path(id);
                let hit = self
                    .entries
                    .as_ref()
                    .and_then(|c| c.catalog_shard(&path, *sha));
                (id, sha, path, hit)
            })
            .collect();
        let mut entries = Vec::new();
        let mut todo: Vec<(String, String, Sha256)> = Vec::new();
        for (id, sha, path, hit) in kept {
            match hit {
                Some(hit) => entries.extend(hit),
                None => todo.push((id.clone(), path, *sha)),
            }
        }
        let pins: Vec<(String, Sha256)> =
            todo.iter().map(|(_, p, sha)| (p.clone(), *sha)).collect();
        self.backend.pin(&pins);
        self.backend
            .prefetch(&pins.iter().map(|(p, _)| p.clone()).collect::<Vec<_>>());
        let read = todo
            .par_iter()
            .map(|(id, path, sha)| self.read_shard(snapshot, listing.digits, id, path, *sha))
            .collect::<Result<Vec<_>, _>>()?;
        entries.extend(read.into_iter().flatten());
        Ok(entries)
    }

    fn read_shard(
        &self,
        snapshot: &Snapshot,
        digits: u8,
        id: &str,
        path: &str,
        sha: Sha256,
    ) -> Result<Vec<CatalogEntry>, IndexError> {
        let bytes = self.read_listed(snapshot, path)?;
        self.check_listed(snapshot, path, &bytes, sha)?;
        let parsed = parse_shard_with(path, &bytes, id, digits, UnknownFields::Ignore).map_err(
            |diagnostics| IndexError::Invalid {
                registry: self.registry.clone(),
                index: self.describe(),
                path: path.to_string(),
                diagnostics,
            },
        )?;
        self.notices.report(&parsed.unknown);
        let entries = parsed.value;
        if let Some(cache) = &self.entries {
            cache.keep_catalog_shard(path, sha, &entries);
            self.backend.kept_verified(&[path]);
        }
        Ok(entries)
    }

    /// The catalog derived from every plugin file (each read and verified,
    /// in parallel), for an index whose snapshot lists none.
    fn catalog_from_plugin_files(&self) -> Result<Vec<CatalogEntry>, IndexError> {
        let names: Vec<PluginName> = match self.backend.list_plugins() {
            Ok(paths) => paths
                .iter()
                .filter_map(|p| name_from_index_path(p))
                .collect(),
            Err(IndexError::Unsupported { index, .. }) => {
                return Err(IndexError::Unsupported {
                    index,
                    what: "be searched: its snapshot lists no catalog, and a static HTTP host has no directory listing to read every plugin file from (README \"The catalog\"); its maintainers make one with `plugres-index snapshot`, or search a git or local copy of the index",
                });
            }
            Err(e) => return Err(e),
        };
        self.prefetch(&names);
        names
            .par_iter()
            .filter_map(|n| match self.plugin(n) {
                Ok(Some(p)) => Some(Ok(CatalogEntry::of(&p))),
                Ok(None) => None,
                Err(e) => Some(Err(e)),
            })
            .collect()
    }
}
