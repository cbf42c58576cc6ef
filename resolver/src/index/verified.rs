//! [`VerifiedIndex`]: the one place where index bytes become trusted values.
//!
//! Steps 2 and 3 of the chain of trust (DESIGN.md) happen here and nowhere
//! else, so every backend gets the same checks:
//!
//! 2. `config.toml` must carry a valid signature by a root key the project
//!    pinned in plugres.toml — not by a key the config itself lists, which an
//!    attacker would control — and that key must still be a root key of the
//!    config (an index retires a key by dropping it).
//! 3. A plugin file must carry a valid signature, bound to its own index
//!    path, by a publisher key of the verified config whose scopes cover the
//!    plugin's name.
//!
//! Only then are the bytes parsed. Parsed files are cached, so each plugin
//! file is read and verified at most once per run.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use plugres_schema::{
    Artifact, CONFIG_PATH, IndexConfig, KeyId, PluginFile, PluginName, PublicKey, SIGNATURE_SUFFIX,
    SignatureError, index_path, name_from_index_path,
};
use rayon::prelude::*;

use super::{ArtifactLocation, IndexBackend, IndexError};

/// An index whose config is verified; plugin files are verified on demand.
pub struct VerifiedIndex {
    backend: Box<dyn IndexBackend>,
    registry: String,
    config: IndexConfig,
    /// `None` records "no such plugin", so a miss is not asked twice.
    cache: Mutex<HashMap<PluginName, Option<Arc<PluginFile>>>>,
    files_read: AtomicUsize,
    /// Set once any file failed to read or verify: the backend is then
    /// never asked to [`persist`](IndexBackend::persist) what it fetched.
    refused: std::sync::atomic::AtomicBool,
}

impl Drop for VerifiedIndex {
    /// Everything read verified: let the backend keep it (caches, the
    /// accepted git commit). After a refusal it keeps nothing new.
    fn drop(&mut self) {
        if !self.refused.load(Ordering::SeqCst) {
            self.backend.persist();
        }
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
    /// `pinned_root_keys` are the `root-keys` of plugres.toml.
    pub fn open(
        backend: Box<dyn IndexBackend>,
        registry_name: &str,
        pinned_root_keys: &[PublicKey],
    ) -> Result<Self, IndexError> {
        let index = backend.describe();
        let registry = registry_name.to_string();
        let sig_path = format!("{CONFIG_PATH}{SIGNATURE_SUFFIX}");
        backend.prefetch(&[CONFIG_PATH.to_string(), sig_path.clone()]);
        let bytes = backend
            .read(CONFIG_PATH)?
            .ok_or_else(|| IndexError::MissingConfig {
                registry: registry.clone(),
                index: index.clone(),
            })?;
        let signature = backend
            .read(&sig_path)?
            .ok_or_else(|| IndexError::MissingSignature {
                registry: registry.clone(),
                index: index.clone(),
                path: CONFIG_PATH.to_string(),
            })?;
        let signer = verify_config(&registry, &index, &bytes, &signature, pinned_root_keys)?;
        let config =
            IndexConfig::parse(CONFIG_PATH, &bytes).map_err(|diagnostics| IndexError::Invalid {
                registry: registry.clone(),
                index: index.clone(),
                path: CONFIG_PATH.to_string(),
                diagnostics,
            })?;
        if !config.root_keys.iter().any(|k| &k.public == signer) {
            return Err(IndexError::RootKeyRetired {
                registry,
                index,
                key: signer.to_string(),
            });
        }
        Ok(VerifiedIndex {
            backend,
            registry,
            config,
            cache: Mutex::new(HashMap::new()),
            files_read: AtomicUsize::new(0),
            refused: std::sync::atomic::AtomicBool::new(false),
        })
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

    /// Plugin files read from the backend so far (hits and misses, not
    /// counting signatures or the config): what a resolution touched.
    pub fn files_read(&self) -> usize {
        self.files_read.load(Ordering::Relaxed)
    }

    /// Tells the backend these plugins will be asked for soon.
    pub fn prefetch(&self, names: &[PluginName]) {
        let cache = self.cache.lock().unwrap_or_else(PoisonError::into_inner);
        let paths: Vec<String> = names
            .iter()
            .filter(|n| !cache.contains_key(*n))
            .flat_map(|n| {
                let p = index_path(n);
                [format!("{p}{SIGNATURE_SUFFIX}"), p]
            })
            .collect();
        drop(cache);
        if !paths.is_empty() {
            self.backend.prefetch(&paths);
        }
    }

    /// The verified file of plugin `name`; `Ok(None)` when the index has none.
    pub fn plugin(&self, name: &PluginName) -> Result<Option<Arc<PluginFile>>, IndexError> {
        if let Some(hit) = self
            .cache
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(name)
        {
            return Ok(hit.clone());
        }
        let file = self
            .read_plugin(name)
            .inspect_err(|_| self.refused.store(true, Ordering::SeqCst))?
            .map(Arc::new);
        self.cache
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(name.clone(), file.clone());
        Ok(file)
    }

    fn read_plugin(&self, name: &PluginName) -> Result<Option<PluginFile>, IndexError> {
        let path = index_path(name);
        self.files_read.fetch_add(1, Ordering::Relaxed);
        let Some(bytes) = self.backend.read(&path)? else {
            return Ok(None);
        };
        let signature = self
            .backend
            .read(&format!("{path}{SIGNATURE_SUFFIX}"))?
            .ok_or_else(|| IndexError::MissingSignature {
                registry: self.registry.clone(),
                index: self.describe(),
                path: path.clone(),
            })?;
        let keys = self.config.publishers_for(name).map(|k| (&k.id, &k.public));
        plugres_schema::verify(&path, &bytes, &signature, keys).map_err(|source| {
            IndexError::Signature {
                registry: self.registry.clone(),
                index: self.describe(),
                source,
            }
        })?;
        let file = PluginFile::parse(&path, &bytes).map_err(|diagnostics| IndexError::Invalid {
            registry: self.registry.clone(),
            index: self.describe(),
            path: path.clone(),
            diagnostics,
        })?;
        if &file.name != name {
            return Err(IndexError::NameMismatch {
                registry: self.registry.clone(),
                index: self.describe(),
                path,
                expected: name.to_string(),
                found: file.name.to_string(),
            });
        }
        Ok(Some(file))
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

    /// Plugins matching every word of `query` (case-insensitive) in their
    /// name, description, keywords or categories, sorted by name. Reads and
    /// verifies every plugin file of the index, in parallel; an empty query
    /// lists them all.
    pub fn search(&self, query: &str) -> Result<Vec<Arc<PluginFile>>, IndexError> {
        let names: Vec<PluginName> = self
            .backend
            .list_plugins()?
            .iter()
            .filter_map(|p| name_from_index_path(p))
            .collect();
        self.prefetch(&names);
        let words: Vec<String> = query.split_whitespace().map(str::to_lowercase).collect();
        let mut found = names
            .par_iter()
            .map(|n| self.plugin(n))
            .filter_map(|r| match r {
                Ok(Some(p)) if words.iter().all(|w| matches(&p, w)) => Some(Ok(p)),
                Ok(_) => None,
                Err(e) => Some(Err(e)),
            })
            .collect::<Result<Vec<_>, _>>()?;
        found.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(found)
    }
}

/// Whether lowercase `word` occurs in what describes plugin `p`.
fn matches(p: &PluginFile, word: &str) -> bool {
    let has = |s: &str| s.to_lowercase().contains(word);
    has(p.name.as_str())
        || has(&p.description)
        || p.keywords.iter().any(|k| has(k))
        || p.categories.iter().any(|c| has(c))
}

/// Checks the config signature against the pinned keys only; returns the
/// pinned key that signed it.
fn verify_config<'a>(
    registry: &str,
    index: &str,
    bytes: &[u8],
    signature: &[u8],
    pinned: &'a [PublicKey],
) -> Result<&'a PublicKey, IndexError> {
    // Pinned keys have no id in plugres.toml; number them for messages.
    let ids: Vec<KeyId> = (1..=pinned.len())
        .filter_map(|i| KeyId::new(&format!("pinned-root-key-{i}")).ok())
        .collect();
    let not_trusted = || IndexError::ConfigNotTrusted {
        registry: registry.to_string(),
        index: index.to_string(),
        pinned: if pinned.is_empty() {
            "none".to_string()
        } else {
            pinned
                .iter()
                .map(|k| format!("`{k}`"))
                .collect::<Vec<_>>()
                .join(", ")
        },
    };
    match plugres_schema::verify(CONFIG_PATH, bytes, signature, ids.iter().zip(pinned)) {
        Ok(v) => ids
            .iter()
            .position(|id| id == &v.key_id)
            .and_then(|i| pinned.get(i))
            .ok_or_else(not_trusted),
        Err(SignatureError::UntrustedKey { .. }) => Err(not_trusted()),
        Err(source) => Err(IndexError::Signature {
            registry: registry.to_string(),
            index: index.to_string(),
            source,
        }),
    }
}

#[cfg(test)]
mod tests;
