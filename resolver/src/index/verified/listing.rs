//! Plugin files checked against the verified snapshot: what the snapshot
//! does not list is not in the index, and what it lists must have its
//! digest (else a host mixed files of different moments).

use std::sync::{Arc, PoisonError};

use plugres_schema::rules::verify_plugin_file;
use plugres_schema::{
    Listing, Sha256, Snapshot, bin_path, name_from_index_path, parse_bin, signature_path,
};

use super::VerifiedIndex;
use super::bin_table::BinTable;
use crate::index::IndexError;
use crate::index::trust::check_digest;

impl VerifiedIndex {
    /// The digest the snapshot lists for `path`; `None` when the index
    /// has no such file at this snapshot. Loads the path's bin if needed.
    pub(super) fn expected(
        &self,
        snapshot: &Snapshot,
        path: &str,
    ) -> Result<Option<Sha256>, IndexError> {
        match snapshot.listing(path) {
            Listing::Listed(sha) => Ok(Some(sha)),
            Listing::Absent | Listing::InBin { sha256: None, .. } => Ok(None),
            Listing::InBin {
                id,
                sha256: Some(sha),
            } => Ok(self.bin(snapshot, &id, sha)?.file(path)),
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
            Listing::Absent | Listing::InBin { sha256: None, .. } => None,
            Listing::InBin {
                id,
                sha256: Some(sha),
            } => self
                .bin(snapshot, &id, sha)?
                .signature(path)
                .map(str::to_string),
        };
        Ok(text.map(String::into_bytes))
    }

    /// Loads the bins with these ids (in parallel on a network backend).
    pub(super) fn load_bins(&self, snapshot: &Snapshot, ids: &[String]) -> Result<(), IndexError> {
        let loaded = self.bins.lock().unwrap_or_else(PoisonError::into_inner);
        let todo: Vec<(String, Sha256)> = ids
            .iter()
            .filter(|id| !loaded.contains_key(*id))
            .filter_map(|id| snapshot.bins.get(id).map(|sha| (id.clone(), *sha)))
            .collect();
        drop(loaded);
        // Bins kept by the verified-entry cache need no request.
        let todo: Vec<(String, Sha256)> = todo
            .into_iter()
            .filter(|(id, sha)| self.kept_bin(id, *sha).is_none())
            .collect();
        let pins: Vec<(String, Sha256)> =
            todo.iter().map(|(id, sha)| (bin_path(id), *sha)).collect();
        self.backend.pin(&pins);
        self.backend
            .prefetch(&pins.iter().map(|(p, _)| p.clone()).collect::<Vec<_>>());
        for (id, sha) in todo {
            self.bin(snapshot, &id, sha)?;
        }
        Ok(())
    }

    fn bin(&self, snapshot: &Snapshot, id: &str, sha: Sha256) -> Result<Arc<BinTable>, IndexError> {
        if let Some(hit) = self
            .bins
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(id)
        {
            return Ok(hit.clone());
        }
        if let Some(kept) = self.kept_bin(id, sha) {
            return Ok(kept);
        }
        let bin = self.read_bin(snapshot, id, &bin_path(id), sha)?;
        Ok(self.remember_bin(id, bin))
    }

    /// Bin `id` from the verified-entry cache, if it holds it (now loaded).
    fn kept_bin(&self, id: &str, sha: Sha256) -> Option<Arc<BinTable>> {
        let bin = self.entries.as_ref()?.bin(&bin_path(id), sha)?;
        Some(self.remember_bin(id, bin))
    }

    fn remember_bin(&self, id: &str, bin: BinTable) -> Arc<BinTable> {
        let bin = Arc::new(bin);
        self.bins
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(id.to_string(), bin.clone());
        bin
    }

    fn read_bin(
        &self,
        snapshot: &Snapshot,
        id: &str,
        path: &str,
        sha: Sha256,
    ) -> Result<BinTable, IndexError> {
        self.backend.pin(&[(path.to_string(), sha)]);
        let bytes = self.read_listed(snapshot, path)?;
        self.check_listed(snapshot, path, &bytes, sha)?;
        let bin = parse_bin(path, &bytes, id).map_err(|diagnostics| IndexError::Invalid {
            registry: self.registry.clone(),
            index: self.describe(),
            path: path.to_string(),
            diagnostics,
        })?;
        // Encoded once: the table looked up now is the entry kept.
        let bin = BinTable::of(&bin);
        if let Some(entries) = &self.entries {
            entries.keep_bin(path, sha, &bin);
            self.backend.kept_verified(&[path]);
        }
        Ok(bin)
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
            && verify_plugin_file(path, &bytes, &signature, &self.config).is_ok()
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
