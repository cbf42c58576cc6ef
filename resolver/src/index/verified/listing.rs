//! Plugin files checked against the verified snapshot: what the snapshot
//! does not list is not in the index, and what it lists must have its
//! digest (else a host mixed files of different moments).

use std::sync::{Arc, PoisonError};

use plugres_schema::rules::verify_plugin_file_with;
use plugres_schema::{
    Bin, Listing, Parsed, Sha256, Snapshot, UnknownFields, bin_path, group_of, group_path,
    name_from_index_path, parse_bin_with, parse_group_with, signature_path,
};

use super::VerifiedIndex;
use super::bin_table::BinTable;
use crate::index::IndexError;
use crate::index::trust::check_digest;

/// What a snapshot table file is: a bin (plugin file digests and
/// signatures) or a bin group (bin digests), looked up the same way.
#[derive(Clone, Copy)]
enum Table {
    Bin,
    Group,
}

impl VerifiedIndex {
    /// The digest the snapshot lists for `path`; `None` when the index
    /// has no such file at this snapshot. Loads the path's bin (and its
    /// group) if needed.
    pub(super) fn expected(
        &self,
        snapshot: &Snapshot,
        path: &str,
    ) -> Result<Option<Sha256>, IndexError> {
        match snapshot.listing(path) {
            Listing::Listed(sha) => Ok(Some(sha)),
            Listing::Absent => Ok(None),
            binned => Ok(self
                .listed_bin(snapshot, binned)?
                .and_then(|b| b.file(path))),
        }
    }

    /// The text of plugin file `path`'s signature when the snapshot carries
    /// it (README, "snapshot.toml and timestamp.toml"): no request then.
    pub(super) fn inline_signature(
        &self,
        snapshot: &Snapshot,
        path: &str,
    ) -> Result<Option<Vec<u8>>, IndexError> {
        let text = match snapshot.listing(path) {
            Listing::Listed(_) => snapshot.signature(path).map(str::to_string),
            Listing::Absent => None,
            binned => self
                .listed_bin(snapshot, binned)?
                .and_then(|b| b.signature(path).map(str::to_string)),
        };
        Ok(text.map(String::into_bytes))
    }

    /// The bin a binned listing points to, through its group when the
    /// snapshot is grouped; `None` when the snapshot lists no such bin.
    fn listed_bin(
        &self,
        snapshot: &Snapshot,
        listing: Listing,
    ) -> Result<Option<Arc<BinTable>>, IndexError> {
        let (id, sha) = match listing {
            Listing::InBin {
                id,
                sha256: Some(sha),
            } => (id, sha),
            Listing::InGroup {
                group,
                bin,
                sha256: Some(sha),
            } => match self.group(snapshot, &group, sha)?.file(&bin) {
                Some(bin_sha) => (bin, bin_sha),
                None => return Ok(None),
            },
            _ => return Ok(None),
        };
        Ok(Some(self.bin(snapshot, &id, sha)?))
    }

    /// Loads the bins with these ids (in parallel on a network backend),
    /// after the groups that list them when the snapshot is grouped.
    pub(super) fn load_bins(&self, snapshot: &Snapshot, ids: &[String]) -> Result<(), IndexError> {
        let bins: Vec<(String, String, Sha256)> = if snapshot.group_digits > 0 {
            let mut groups: Vec<String> = ids
                .iter()
                .map(|id| group_of(id, snapshot.group_digits))
                .collect();
            groups.dedup();
            let listed: Vec<(String, String, Sha256)> = groups
                .iter()
                .filter_map(|g| {
                    snapshot
                        .groups
                        .get(g)
                        .map(|sha| (g.clone(), group_path(g), *sha))
                })
                .collect();
            self.load_tables(snapshot, &listed, Table::Group)?;
            let mut bins = Vec::new();
            for id in ids {
                let group = group_of(id, snapshot.group_digits);
                if let Some(&sha) = snapshot.groups.get(&group)
                    && let Some(bin_sha) = self.group(snapshot, &group, sha)?.file(id)
                {
                    bins.push((id.clone(), bin_path(id), bin_sha));
                }
            }
            bins
        } else {
            ids.iter()
                .filter_map(|id| {
                    snapshot
                        .bins
                        .get(id)
                        .map(|sha| (id.clone(), bin_path(id), *sha))
                })
                .collect()
        };
        self.load_tables(snapshot, &bins, Table::Bin)
    }

    /// Loads the tables `(id, path, sha)` not loaded yet: those the
    /// verified-entry cache keeps need no request, the others are
    /// prefetched together, then read.
    fn load_tables(
        &self,
        snapshot: &Snapshot,
        tables: &[(String, String, Sha256)],
        kind: Table,
    ) -> Result<(), IndexError> {
        let loaded = self.bins.lock().unwrap_or_else(PoisonError::into_inner);
        let todo: Vec<&(String, String, Sha256)> = tables
            .iter()
            .filter(|(_, path, _)| !loaded.contains_key(path))
            .collect();
        drop(loaded);
        let todo: Vec<&(String, String, Sha256)> = todo
            .into_iter()
            .filter(|(_, path, sha)| self.kept_table(path, *sha).is_none())
            .collect();
        let pins: Vec<(String, Sha256)> =
            todo.iter().map(|(_, p, sha)| (p.clone(), *sha)).collect();
        self.backend.pin(&pins);
        self.backend
            .prefetch(&pins.iter().map(|(p, _)| p.clone()).collect::<Vec<_>>());
        for (id, path, sha) in todo {
            self.table(snapshot, kind, id, path, *sha)?;
        }
        Ok(())
    }

    fn bin(&self, snapshot: &Snapshot, id: &str, sha: Sha256) -> Result<Arc<BinTable>, IndexError> {
        self.table(snapshot, Table::Bin, id, &bin_path(id), sha)
    }

    /// Group `id` of a grouped snapshot: bin id → digest of the bin's file.
    fn group(
        &self,
        snapshot: &Snapshot,
        id: &str,
        sha: Sha256,
    ) -> Result<Arc<BinTable>, IndexError> {
        self.table(snapshot, Table::Group, id, &group_path(id), sha)
    }

    /// The bin or group at `path` with digest `sha`: from this run's
    /// memory, the verified-entry cache, or read, checked and parsed.
    fn table(
        &self,
        snapshot: &Snapshot,
        kind: Table,
        id: &str,
        path: &str,
        sha: Sha256,
    ) -> Result<Arc<BinTable>, IndexError> {
        if let Some(hit) = self
            .bins
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(path)
        {
            return Ok(hit.clone());
        }
        if let Some(kept) = self.kept_table(path, sha) {
            return Ok(kept);
        }
        let table = self.read_table(snapshot, kind, id, path, sha)?;
        Ok(self.remember_table(path, table))
    }

    /// The table at `path` from the verified-entry cache, if it holds it (now loaded).
    fn kept_table(&self, path: &str, sha: Sha256) -> Option<Arc<BinTable>> {
        let table = self.entries.as_ref()?.bin(path, sha)?;
        Some(self.remember_table(path, table))
    }

    fn remember_table(&self, path: &str, table: BinTable) -> Arc<BinTable> {
        let table = Arc::new(table);
        self.bins
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(path.to_string(), table.clone());
        table
    }

    fn read_table(
        &self,
        snapshot: &Snapshot,
        kind: Table,
        id: &str,
        path: &str,
        sha: Sha256,
    ) -> Result<BinTable, IndexError> {
        self.backend.pin(&[(path.to_string(), sha)]);
        let bytes = self.read_listed(snapshot, path)?;
        self.check_listed(snapshot, path, &bytes, sha)?;
        let lenient = UnknownFields::Ignore;
        let parsed = match kind {
            Table::Bin => parse_bin_with(path, &bytes, id, lenient),
            Table::Group => {
                parse_group_with(path, &bytes, id, snapshot.bin_digits, lenient).map(|p| Parsed {
                    value: Bin {
                        files: p.value,
                        signatures: Default::default(),
                    },
                    unknown: p.unknown,
                })
            }
        };
        let parsed = parsed.map_err(|diagnostics| IndexError::Invalid {
            registry: self.registry.clone(),
            index: self.describe(),
            path: path.to_string(),
            diagnostics,
        })?;
        self.notices.report(&parsed.unknown);
        let bin = parsed.value;
        // Encoded once: the table looked up now is the entry kept.
        let table = BinTable::of(&bin);
        if let Some(entries) = &self.entries {
            entries.keep_bin(path, sha, &table);
            self.backend.kept_verified(&[path]);
        }
        Ok(table)
    }

    /// The bytes of `path`, which the snapshot lists (and the backend was
    /// told the digest of): a missing file is refused.
    pub(super) fn read_listed(
        &self,
        snapshot: &Snapshot,
        path: &str,
    ) -> Result<Vec<u8>, IndexError> {
        let bytes = self
            .backend
            .read(path)?
            .ok_or_else(|| IndexError::MissingFromSnapshot {
                registry: self.registry.clone(),
                index: self.describe(),
                path: path.to_string(),
                snapshot: snapshot.version,
            })?;
        Ok(bytes)
    }

    pub(super) fn check_listed(
        &self,
        snapshot: &Snapshot,
        path: &str,
        bytes: &[u8],
        sha: Sha256,
    ) -> Result<(), IndexError> {
        let index = self.describe();
        check_digest(&self.registry, &index, path, snapshot.version, bytes, sha).map_err(|e| {
            if self.merged_after_snapshot(path) {
                self.stale(snapshot, path, "which lists an older version of it")
            } else {
                e
            }
        })
    }

    /// A local index serves plugin file `path`, which its snapshot does not
    /// list, signed and merged after the snapshot: refused as a stale
    /// snapshot (a static host has no history to tell: the file is absent).
    pub(super) fn unlisted(&self, snapshot: &Snapshot, path: &str) -> Result<(), IndexError> {
        if self.backend.is_local() && self.merged_after_snapshot(path) {
            return Err(self.stale(snapshot, path, "which does not list it"));
        }
        Ok(())
    }

    /// Whether plugin file `path`, as served, looks like a change merged
    /// after the snapshot: the index's history says it changed since, and
    /// it verifies with the signature served beside it (a publisher's
    /// edit). Only the wording of a refusal depends on this.
    fn merged_after_snapshot(&self, path: &str) -> bool {
        if name_from_index_path(path).is_none() {
            return false;
        }
        // Cheapest first: a name the index does not serve at all (a typo,
        // another registry's plugin) never reaches the history walk.
        let read = |p: &str| self.backend.read(p).ok().flatten();
        let (Some(bytes), Some(signature)) = (read(path), read(&signature_path(path))) else {
            return false;
        };
        self.backend.changed_after_snapshot(path)
            && verify_plugin_file_with(
                path,
                &bytes,
                Some(&signature),
                &self.config,
                UnknownFields::Ignore,
            )
            .is_ok()
    }

    fn stale(&self, snapshot: &Snapshot, path: &str, what: &'static str) -> IndexError {
        IndexError::StaleSnapshot {
            registry: self.registry.clone(),
            index: self.describe(),
            path: path.to_string(),
            snapshot: snapshot.version,
            what,
        }
    }
}
