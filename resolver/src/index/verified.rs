//! [`VerifiedIndex`]: the one place where index bytes become trusted values.
//!
//! Steps 2 and 4 of the chain of trust (README, "Signatures and the chain of
//! trust") happen here and nowhere else, so every backend gets the same
//! checks, by the rules the index tool applies too
//! ([`plugres_schema::rules`]):
//!
//! 2. `config.toml` must carry a valid signature by a root key the project
//!    pinned in plugres.toml — not by a key the config itself lists, which an
//!    attacker would control — and that key must still be a root key of the
//!    config (an index retires a key by dropping it).
//! 4. A plugin file must carry a valid signature, bound to its own index
//!    path, by a publisher key of the verified config whose scopes cover the
//!    plugin's name — or, where the config's publish policy lets
//!    attestations vouch, none: the snapshot's digest binds it, and each of
//!    its versions is used only with a verified attestation (`attested`).
//!
//! Only then are the bytes parsed. Parsed files are cached, so each plugin
//! file is read and verified at most once per run — and, with the
//! verified-entry cache (`entry_cache`), once per machine and config: later
//! runs find the parsed file by the digests the verified snapshot lists.

use std::collections::HashMap;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex, PoisonError};

use plugres_schema::rules::{PluginFileError, verify_plugin_file_with};
use plugres_schema::{
    Artifact, IndexConfig, PluginFile, PluginName, PublicKey, Sha256, Snapshot, UnknownFields,
    index_path, signature_path,
};
use rayon::prelude::*;

use super::trust::TrustOptions;
use super::{ArtifactLocation, IndexBackend, IndexError};
pub(crate) use entry_cache::EntryCache;

/// An index whose config is verified; plugin files are verified on demand.
pub struct VerifiedIndex {
    backend: Box<dyn IndexBackend>,
    registry: String,
    config: IndexConfig,
    /// The verified snapshot: the digest of every file this index may
    /// serve. `None` for an index without snapshot keys.
    snapshot: Option<Snapshot>,
    warnings: Vec<String>,
    /// Bins and bin groups of a binned snapshot read so far, by path.
    bins: Mutex<HashMap<String, Arc<bin_table::BinTable>>>,
    /// `None` records "no such plugin", so a miss is not asked twice.
    cache: Mutex<HashMap<PluginName, Option<Arc<PluginFile>>>>,
    /// Plugins asked for: what a resolution touched, whether read from the
    /// backend or taken from a cache.
    asked: Mutex<std::collections::HashSet<PluginName>>,
    /// Plugins a network backend was asked to prefetch whose files are not
    /// verified yet: verified in parallel once their bytes have arrived
    /// (see [`Self::plugin`]).
    awaiting: Mutex<Vec<PluginName>>,
    /// Parsed files and bins that verified in earlier runs; `None` keeps
    /// nothing between runs.
    entries: Option<EntryCache>,
    /// Set once any file failed to read or verify: the backend is then
    /// never asked to [`persist`](IndexBackend::persist) what it fetched.
    refused: std::sync::atomic::AtomicBool,
    /// Where fields this plugres does not know are reported.
    notices: super::FieldNotices,
    /// Plugins whose files came without a publisher signature (where the
    /// publish policy lets attestations vouch instead).
    unsigned: Mutex<std::collections::HashSet<PluginName>>,
    /// Attestations verified in this run, by plugin and version.
    attested: Mutex<HashMap<(PluginName, String), plugres_schema::rules::VerifiedAttestation>>,
    /// The pinned Sigstore trusted root, once read.
    sigstore_root: Mutex<Option<Arc<Vec<u8>>>>,
    /// The trust state's record of this opening, being written (see
    /// [`Self::settle`]).
    saving: Mutex<Option<super::trust::PendingSave>>,
    /// The parsed snapshot being kept (a memo of its bytes: kept whatever
    /// the run refuses, as it was when written at once).
    snapshot_memo: Option<EntryCache>,
    /// [`Self::close`] ran.
    closed: std::sync::atomic::AtomicBool,
}

/// The fewest entry-cache hits decoded on one thread of the pool.
const SPLIT: usize = 8;

/// The entry-cache key part of a plugin file that has no signature.
fn no_signature() -> Sha256 {
    Sha256::from_bytes([0; 32])
}

impl Drop for VerifiedIndex {
    fn drop(&mut self) {
        self.close();
    }
}

impl std::fmt::Debug for VerifiedIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VerifiedIndex")
            .field("index", &self.backend.describe())
            .field("registry", &self.registry)
            .finish_non_exhaustive()
    }
}

impl VerifiedIndex {
    /// Reads and verifies `config.toml` of the index behind `backend`.
    /// `registry_name` is the project's name for it (for messages);
    /// `pinned_root_keys` are the `root-keys` of plugres.toml. Remembers
    /// nothing between runs: see [`VerifiedIndex::open_with`].
    pub fn open(
        backend: Box<dyn IndexBackend>,
        registry_name: &str,
        pinned_root_keys: &[PublicKey],
    ) -> Result<Self, IndexError> {
        Self::open_with(
            backend,
            registry_name,
            pinned_root_keys,
            &TrustOptions::default(),
        )
    }

    /// Establishes which config, snapshot and timestamp of the index to
    /// trust (see the `index::trust` module), keeping what was seen under
    /// `trust.dir`.
    pub fn open_with(
        backend: Box<dyn IndexBackend>,
        registry_name: &str,
        pinned_root_keys: &[PublicKey],
        trust: &TrustOptions,
    ) -> Result<Self, IndexError> {
        let accepted =
            super::trust::establish(backend.as_ref(), registry_name, pinned_root_keys, trust)?;
        Ok(VerifiedIndex {
            backend,
            registry: registry_name.to_string(),
            config: accepted.config,
            snapshot: accepted.snapshot,
            warnings: accepted.warnings,
            bins: Mutex::new(HashMap::new()),
            cache: Mutex::new(HashMap::new()),
            asked: Mutex::default(),
            awaiting: Mutex::default(),
            entries: trust
                .verified_entries
                .clone()
                .map(|dir| EntryCache::new(dir, accepted.config_digest)),
            refused: std::sync::atomic::AtomicBool::new(false),
            notices: trust.notices.clone(),
            unsigned: Mutex::default(),
            attested: Mutex::default(),
            sigstore_root: Mutex::default(),
            saving: Mutex::new(accepted.saving),
            snapshot_memo: accepted.snapshot_memo,
            closed: std::sync::atomic::AtomicBool::new(false),
        })
    }

    /// Waits until this machine's trust state records what opening this
    /// index accepted (the rollback floor), which happens while the
    /// command goes on. A command calls it before it writes anything that
    /// rests on the index, and fails with its error: a floor that cannot
    /// be recorded is refused as before.
    pub fn settle(&self) -> Result<(), IndexError> {
        match lock(&self.saving).as_mut() {
            Some(pending) => pending.wait(),
            None => Ok(()),
        }
    }

    /// Done with the index (also on drop, once): everything read verified,
    /// so the backend keeps it (caches, the accepted git commit), and the
    /// verified entries are kept. After a refusal nothing new is kept.
    pub fn close(&self) {
        if self.closed.swap(true, Ordering::SeqCst) {
            return;
        }
        let _ = self.settle();
        if let Some(memo) = &self.snapshot_memo {
            memo.flush();
        }
        if !self.refused.load(Ordering::SeqCst) {
            self.backend.persist();
            if let Some(entries) = &self.entries {
                entries.flush();
            }
        }
    }

    /// The version of the snapshot this index was read at, when it has one.
    pub fn snapshot_version(&self) -> Option<u64> {
        self.snapshot.as_ref().map(|s| s.version)
    }

    /// Problems accepted on the user's say-so (an expired timestamp with
    /// `--allow-expired-index`), to show.
    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }

    /// The verified `config.toml`.
    pub fn config(&self) -> &IndexConfig {
        &self.config
    }

    /// The project's name for this index (`[registry.NAME]`).
    pub fn registry_name(&self) -> &str {
        &self.registry
    }

    /// The index's path or URL, for messages.
    pub fn describe(&self) -> String {
        self.backend.describe()
    }

    /// The index revision seen, when the backend knows it.
    pub fn revision(&self) -> Option<String> {
        self.backend.revision()
    }

    /// Plugin files asked for so far (hits and misses, not counting
    /// signatures or the config): what a resolution touched.
    pub fn files_read(&self) -> usize {
        self.asked
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }

    /// Tells the backend these plugins will be asked for soon. With a
    /// snapshot, only listed files are asked for, pinned to their digests
    /// (their bins are loaded first), and none the verified-entry cache
    /// already holds. A local backend's files are verified right away, in
    /// parallel.
    pub fn prefetch(&self, names: &[PluginName]) {
        let todo: Vec<&PluginName> = {
            let cache = self.cache.lock().unwrap_or_else(PoisonError::into_inner);
            names.iter().filter(|n| !cache.contains_key(*n)).collect()
        };
        if todo.is_empty() {
            return;
        }
        let todo = match &self.snapshot {
            Some(snapshot) => self.prefetch_listed(snapshot, todo),
            None => {
                let paths: Vec<String> = todo
                    .iter()
                    .flat_map(|n| {
                        let p = index_path(n);
                        [signature_path(&p), p]
                    })
                    .collect();
                self.backend.prefetch(&paths);
                todo
            }
        };
        if self.backend.is_local() {
            self.verify_ahead(&todo);
        } else {
            lock(&self.awaiting).extend(todo.into_iter().cloned());
        }
    }

    /// [`Self::prefetch`] for an index with a snapshot: the names whose
    /// files must still be read (the others came from the entry cache).
    fn prefetch_listed<'n>(
        &self,
        snapshot: &Snapshot,
        names: Vec<&'n PluginName>,
    ) -> Vec<&'n PluginName> {
        let paths: Vec<(&PluginName, String)> = names.iter().map(|n| (*n, index_path(n))).collect();
        let mut ids: Vec<String> = paths
            .iter()
            .flat_map(|(_, p)| [p.clone(), signature_path(p)])
            .filter_map(|p| plugres_schema::bin_of(&p, snapshot.bin_digits))
            .collect();
        ids.sort_unstable();
        ids.dedup();
        // A bin that fails to load fails again, with its error, on read.
        let _ = self.load_bins(snapshot, &ids);
        // Entry-cache hits decode in parallel: on a large lock this is a
        // sixth of the run, and the resolver waits for it. A miss keeps the
        // digests the snapshot lists, for the pins below.
        let lookup = |(name, path): &(&PluginName, String)| {
            let listed = self.expected(snapshot, path).ok().flatten();
            let sig = self
                .expected(snapshot, &signature_path(path))
                .ok()
                .flatten();
            let key = sig.or_else(|| self.may_be_unsigned(name).then(no_signature));
            let hit = listed
                .zip(key)
                .and_then(|(sha, sig_sha)| self.cached(name, path, sha, sig_sha));
            match hit {
                Some(file) => {
                    self.remember(name, Some(Arc::new(file)));
                    None
                }
                None => Some((listed, sig)),
            }
        };
        // A batch too small to split is decoded here: starting the thread
        // pool for it cost more than the decode (a warm lock of a few
        // plugins then needs no pool at all).
        let misses: Vec<Option<(Option<Sha256>, Option<Sha256>)>> = if paths.len() < 2 * SPLIT {
            paths.iter().map(lookup).collect()
        } else {
            paths.par_iter().with_min_len(SPLIT).map(lookup).collect()
        };
        let mut pins: Vec<(String, Sha256)> = Vec::new();
        let mut todo = Vec::new();
        for ((name, path), miss) in paths.into_iter().zip(misses) {
            let Some((listed, sig)) = miss else {
                continue;
            };
            let sig_path = signature_path(&path);
            // A signature the snapshot carries needs no request.
            let inline = matches!(self.inline_signature(snapshot, &path), Ok(Some(_)));
            pins.extend(listed.map(|sha| (path, sha)));
            pins.extend(sig.filter(|_| !inline).map(|sha| (sig_path, sha)));
            todo.push(name);
        }
        self.backend.pin(&pins);
        self.backend
            .prefetch(&pins.into_iter().map(|(p, _)| p).collect::<Vec<_>>());
        todo
    }

    /// Reads and verifies these plugins' files in parallel, keeping those
    /// that verify; a file that fails fails again, with its error, when the
    /// resolver asks for it (only then does the command fail). Either way
    /// nothing read in this run is kept: a backend's cache must not take
    /// bytes that were refused, even ones nothing needed.
    fn verify_ahead(&self, names: &[&PluginName]) {
        names.par_iter().for_each(|n| match self.read_plugin(n) {
            Ok(file) => self.remember(n, file.map(Arc::new)),
            Err(_) => self.refused.store(true, Ordering::SeqCst),
        });
    }

    /// Whether the backend holds `path`'s answer (see
    /// [`IndexBackend::has_arrived`]).
    #[cfg(test)]
    pub(crate) fn has_arrived(&self, path: &str) -> bool {
        self.backend.has_arrived(path)
    }

    /// Whether `name`'s file was read and verified (or found absent).
    #[cfg(test)]
    pub(crate) fn is_verified(&self, name: &PluginName) -> bool {
        lock(&self.cache).contains_key(name)
    }

    fn remember(&self, name: &PluginName, file: Option<Arc<PluginFile>>) {
        self.cache
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .entry(name.clone())
            .or_insert(file);
    }

    /// The verified file of plugin `name`; `Ok(None)` when the index has none.
    pub fn plugin(&self, name: &PluginName) -> Result<Option<Arc<PluginFile>>, IndexError> {
        self.asked
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(name.clone());
        if let Some(hit) = self
            .cache
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(name)
        {
            return Ok(hit.clone());
        }
        // Prefetched files that have arrived verify on the other cores
        // meanwhile: over HTTP, checking each file only when the resolver
        // asks for it left every core but one idle.
        let ahead = self.arrived_ahead(name);
        let (file, ()) = rayon::join(
            || self.read_plugin(name),
            || self.verify_ahead(&ahead.iter().collect::<Vec<_>>()),
        );
        let file = file
            .inspect_err(|_| self.refused.store(true, Ordering::SeqCst))?
            .map(Arc::new);
        self.remember(name, file.clone());
        Ok(file)
    }

    /// Takes from [`Self::awaiting`] the plugins other than `name` whose
    /// files have arrived; those verified meanwhile are dropped.
    fn arrived_ahead(&self, name: &PluginName) -> Vec<PluginName> {
        let mut awaiting = lock(&self.awaiting);
        if awaiting.is_empty() {
            return Vec::new();
        }
        let cache = lock(&self.cache);
        awaiting.retain(|n| !cache.contains_key(n) && n != name);
        drop(cache);
        let (arrived, waiting) = std::mem::take(&mut *awaiting)
            .into_iter()
            .partition(|n| self.backend.has_arrived(&index_path(n)));
        *awaiting = waiting;
        arrived
    }

    /// Reads and verifies plugin `name`'s file, or takes it from the
    /// verified-entry cache by the digests the snapshot lists for it (or
    /// the served bytes have, without a snapshot).
    fn read_plugin(&self, name: &PluginName) -> Result<Option<PluginFile>, IndexError> {
        let path = index_path(name);
        let sig_path = signature_path(&path);
        let missing_signature = || IndexError::MissingSignature {
            registry: self.registry.clone(),
            index: self.describe(),
            path: path.to_string(),
        };
        let Some(snapshot) = &self.snapshot else {
            let Some(bytes) = self.backend.read(&path)? else {
                return Ok(None);
            };
            // Without a snapshot nothing but a signature vouches for a
            // file (the config refuses unsigned policies there).
            let signature = self
                .backend
                .read(&sig_path)?
                .ok_or_else(missing_signature)?;
            let (sha, sig_sha) = (Sha256::of(&bytes), Sha256::of(&signature));
            if let Some(hit) = self.cached(name, &path, sha, sig_sha) {
                return Ok(Some(hit));
            }
            let file = self.verify(&path, &bytes, Some(&signature))?;
            self.keep(&path, sha, sig_sha, &file);
            return Ok(Some(file));
        };
        let Some(sha) = self.expected(snapshot, &path)? else {
            self.unlisted(snapshot, &path)?;
            return Ok(None);
        };
        let Some(sig_sha) = self.expected(snapshot, &sig_path)? else {
            if !self.may_be_unsigned(name) {
                return Err(missing_signature());
            }
            return self.read_unsigned(snapshot, name, &path, sha).map(Some);
        };
        if let Some(hit) = self.cached(name, &path, sha, sig_sha) {
            return Ok(Some(hit));
        }
        let inline = self.inline_signature(snapshot, &path)?;
        let mut pins = vec![(path.clone(), sha)];
        pins.extend(inline.is_none().then(|| (sig_path.clone(), sig_sha)));
        self.backend.pin(&pins);
        let bytes = self.read_listed(snapshot, &path)?;
        let file = match inline {
            // The signature came with the snapshot: served bytes that are
            // not the listed ones are a host's mix-and-match.
            Some(signature) => {
                self.check_listed(snapshot, &path, &bytes, sha)?;
                self.verify(&path, &bytes, Some(&signature))?
            }
            // Signature first, so a file moved from another path is
            // reported as such, not as a digest mismatch.
            None => {
                let signature = self.read_listed(snapshot, &sig_path)?;
                let file = self.verify(&path, &bytes, Some(&signature))?;
                self.check_listed(snapshot, &path, &bytes, sha)?;
                self.check_listed(snapshot, &sig_path, &signature, sig_sha)?;
                file
            }
        };
        self.keep(&path, sha, sig_sha, &file);
        Ok(Some(file))
    }

    /// A plugin file the snapshot lists without a signature, where the
    /// publish policy lets attestations vouch for its versions: the
    /// snapshot's digest is what binds it.
    fn read_unsigned(
        &self,
        snapshot: &Snapshot,
        name: &PluginName,
        path: &str,
        sha: Sha256,
    ) -> Result<PluginFile, IndexError> {
        lock(&self.unsigned).insert(name.clone());
        if let Some(hit) = self.cached(name, path, sha, no_signature()) {
            return Ok(hit);
        }
        self.backend.pin(&[(path.to_string(), sha)]);
        let bytes = self.read_listed(snapshot, path)?;
        self.check_listed(snapshot, path, &bytes, sha)?;
        let file = self.verify(path, &bytes, None)?;
        self.keep(path, sha, no_signature(), &file);
        Ok(file)
    }

    /// Whether `name`'s file may come without a publisher signature.
    fn may_be_unsigned(&self, name: &PluginName) -> bool {
        self.snapshot.is_some() && !self.config.policy_for(name).requires_signature()
    }

    /// Step 4 of the chain of trust, by the rules the index tool applies.
    fn verify(
        &self,
        path: &str,
        bytes: &[u8],
        signature: Option<&[u8]>,
    ) -> Result<PluginFile, IndexError> {
        let parsed =
            verify_plugin_file_with(path, bytes, signature, &self.config, UnknownFields::Ignore)
                .map_err(|e| self.untrusted(e, bytes))?;
        self.notices.report(&parsed.unknown);
        Ok(parsed.value)
    }

    fn cached(
        &self,
        name: &PluginName,
        path: &str,
        sha: Sha256,
        sig_sha: Sha256,
    ) -> Option<PluginFile> {
        let hit = self.entries.as_ref()?.plugin(path, sha, sig_sha)?;
        if sig_sha == no_signature() {
            lock(&self.unsigned).insert(name.clone());
        }
        Some(hit)
    }

    fn keep(&self, path: &str, sha: Sha256, sig_sha: Sha256, file: &PluginFile) {
        if let Some(entries) = &self.entries {
            entries.keep_plugin(path, sha, sig_sha, file);
            if self.snapshot.is_some() {
                // Found again by the digests the snapshot lists, with no
                // read; without a snapshot the bytes are read to be hashed.
                self.backend.kept_verified(&[path, &signature_path(path)]);
            }
        }
    }

    /// The client's error for a plugin file the trust rules refuse.
    fn untrusted(&self, e: PluginFileError, bytes: &[u8]) -> IndexError {
        let (registry, index) = (self.registry.clone(), self.describe());
        match e {
            PluginFileError::Signature(source) => IndexError::Signature {
                registry,
                index,
                source,
            },
            PluginFileError::NameMismatch {
                path,
                expected,
                found,
            } => IndexError::NameMismatch {
                registry,
                index,
                path,
                expected: expected.to_string(),
                found: found.to_string(),
            },
            PluginFileError::Invalid { path, diagnostics } => IndexError::Invalid {
                registry,
                index,
                path,
                diagnostics,
            },
            PluginFileError::Unsigned { path, .. } => IndexError::MissingSignature {
                registry,
                index,
                path,
            },
            e @ (PluginFileError::NotAPluginPath { .. } | PluginFileError::EngineName { .. }) => {
                let diagnostics = e.clone().into_diagnostics(bytes);
                let path = diagnostics
                    .first()
                    .map(|d| d.file.clone())
                    .unwrap_or_default();
                IndexError::Invalid {
                    registry,
                    index,
                    path,
                    diagnostics,
                }
            }
        }
    }

    /// Where to get `artifact` from: an absolute URL as is; a relative one
    /// under the config's `artifact-base`, or else beside the index.
    pub fn artifact_location(&self, artifact: &Artifact) -> ArtifactLocation {
        let url = &artifact.url;
        if url.starts_with("https://") || url.starts_with("http://") {
            return ArtifactLocation::Url(url.clone());
        }
        match &self.config.artifact_base {
            Some(base) => ArtifactLocation::from_url(&format!("{base}{url}")),
            None => self.backend.relative_artifact(url),
        }
    }

    /// The URL plugres.lock records for `artifact`: an absolute URL when
    /// the index gives one (its own, or under `artifact-base`); otherwise
    /// the index-relative path as published, which an install resolves
    /// through the registry (see [`VerifiedIndex::relative_artifact`]), so
    /// the lock holds no path of this machine (cache or checkout).
    pub fn lock_url(&self, artifact: &Artifact) -> String {
        let url = &artifact.url;
        if url.starts_with("https://") || url.starts_with("http://") {
            return url.clone();
        }
        match &self.config.artifact_base {
            Some(base) => ArtifactLocation::from_url(&format!("{base}{url}")).to_url(),
            None => url.clone(),
        }
    }

    /// Where the index-relative artifact path `url` (no `artifact-base`)
    /// is read from: `<root>/<url>` of a path index, a file materialised
    /// from the pinned commit of a git index, `<base>/<url>` of a sparse one.
    pub fn relative_artifact(&self, url: &str) -> ArtifactLocation {
        self.backend.relative_artifact(url)
    }
}

mod attested;
mod bin_table;
mod catalog;
mod entry_cache;
mod listing;

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

#[cfg(test)]
mod tests;
