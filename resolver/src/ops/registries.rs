//! Opening the registries of plugres.toml, and showing them to the
//! resolver as one candidate source.
//!
//! Which registry a plugin comes from: the one plugres.toml names for it;
//! a plugin only reached as a dependency comes from the first registry (in
//! the order: `default`, then the others by name) whose index has it. Each
//! index is opened (its config verified) only when first needed.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use plugres_schema::PluginName;

use super::{OpsError, Options};
use crate::credentials::Token;
use crate::index::git::GitBackend;
use crate::index::sparse::{SparseBackend, SparseConfig};
use crate::index::{IndexBackend, IndexCandidates, PathBackend, VerifiedIndex};
use crate::project::{DEFAULT_REGISTRY, IndexLocation, Manifest, RegistrySpec};
use crate::resolve::{Candidate, CandidateSource, SourceError};

/// Opens the index of one registry, verifying its config against the
/// pinned root keys. Git and sparse indexes are cached under
/// `opts.index_cache_dir` and read only from there when `opts.offline`;
/// `refresh` makes a sparse index fetch every file past CDN caches.
pub(crate) fn open(
    spec: &RegistrySpec,
    opts: &Options,
    refresh: bool,
) -> Result<VerifiedIndex, OpsError> {
    open_with(spec, opts, opts.offline, refresh)
}

/// Opens the index of `spec` from what is cached (or local), without
/// using the network.
pub(crate) fn open_cached(spec: &RegistrySpec, opts: &Options) -> Result<VerifiedIndex, OpsError> {
    open_with(spec, opts, true, false)
}

fn open_with(
    spec: &RegistrySpec,
    opts: &Options,
    offline: bool,
    refresh: bool,
) -> Result<VerifiedIndex, OpsError> {
    let backend: Box<dyn IndexBackend> = match &spec.location {
        IndexLocation::Path(dir) => Box::new(PathBackend::new(dir)),
        IndexLocation::Git(url) => Box::new(GitBackend::open(url, &opts.index_cache_dir, offline)?),
        IndexLocation::Sparse(url) => {
            let mut config = SparseConfig::new(url, &spec.name, &opts.index_cache_dir);
            config.offline = offline;
            config.refresh = refresh;
            config.http = opts.http.clone();
            config.token = token(spec, opts)?;
            Box::new(SparseBackend::open(config)?)
        }
    };
    Ok(VerifiedIndex::open(backend, &spec.name, &spec.root_keys)?)
}

/// The bearer token configured for registry `spec`, if any.
pub(crate) fn token(spec: &RegistrySpec, opts: &Options) -> Result<Option<Token>, OpsError> {
    opts.credentials.token(&spec.name).map_err(|e| {
        OpsError::failed(
            format!("cannot read the token of registry `{}`: {e}", spec.name),
            &[],
        )
    })
}

/// The registries of a manifest, opened on first use.
pub(crate) struct Sources<'m> {
    manifest: &'m Manifest,
    opts: &'m Options,
    /// Fetch sparse index files past CDN caches (see [`Sources::refreshed`]).
    refresh: bool,
    /// Registry names in lookup order.
    order: Vec<String>,
    opened: BTreeMap<String, OnceLock<Result<VerifiedIndex, String>>>,
}

impl<'m> Sources<'m> {
    pub(crate) fn new(manifest: &'m Manifest, opts: &'m Options) -> Self {
        Self::with_refresh(manifest, opts, false)
    }

    /// Like [`Sources::new`], but sparse indexes fetch every file with a
    /// cache-busting query: for one more try when a resolution failed on
    /// what may be a CDN's stale copy.
    pub(crate) fn refreshed(manifest: &'m Manifest, opts: &'m Options) -> Self {
        Self::with_refresh(manifest, opts, true)
    }

    fn with_refresh(manifest: &'m Manifest, opts: &'m Options, refresh: bool) -> Self {
        let mut order: Vec<String> = manifest.registries.keys().cloned().collect();
        order.sort_by_key(|n| (n != DEFAULT_REGISTRY, n.clone()));
        let opened = order.iter().map(|n| (n.clone(), OnceLock::new())).collect();
        Sources {
            manifest,
            opts,
            refresh,
            order,
            opened,
        }
    }

    /// The verified index of registry `name`.
    pub(crate) fn index(&self, name: &str) -> Result<&VerifiedIndex, OpsError> {
        let spec = self.manifest.registries.get(name).ok_or_else(|| {
            OpsError::failed(
                format!("there is no registry `{name}` in plugres.toml"),
                &["see them with `plugres registry list`; add one with `plugres registry add NAME INDEX --key KEY`"],
            )
        })?;
        let slot = self
            .opened
            .get(name)
            .expect("every manifest registry has a slot");
        let mut first_error = None;
        let result = slot.get_or_init(|| {
            open(spec, self.opts, self.refresh).map_err(|e| {
                let message = e.to_string();
                first_error = Some(e);
                message
            })
        });
        match (result, first_error) {
            (Ok(index), _) => Ok(index),
            (Err(_), Some(e)) => Err(e),
            (Err(message), None) => Err(OpsError::failed(message.clone(), &[])),
        }
    }

    /// The registry names in lookup order.
    pub(crate) fn order(&self) -> &[String] {
        &self.order
    }

    /// The registry of plugres.toml's default (or only) registry, if any.
    pub(crate) fn default_registry(&self) -> Option<&str> {
        self.order.first().map(String::as_str)
    }

    /// The name of the engine the indexes serve (from the first index that
    /// opened), e.g. `demo-engine`.
    pub(crate) fn engine_name(&self) -> Result<String, OpsError> {
        let name = self
            .manifest
            .plugins
            .values()
            .map(|p| p.registry.as_str())
            .next()
            .or(self.default_registry());
        match name {
            Some(n) => Ok(self.index(n)?.config().engine.clone()),
            None => Ok("the engine".to_string()),
        }
    }

    pub(crate) fn manifest(&self) -> &'m Manifest {
        self.manifest
    }

    /// Whether a fresh try past CDN caches could change a failed
    /// resolution: some registry is a sparse index, and we are online.
    pub(crate) fn may_refresh(&self) -> bool {
        !self.refresh
            && !self.opts.offline
            && self
                .manifest
                .registries
                .values()
                .any(|r| matches!(r.location, IndexLocation::Sparse(_)))
    }

    /// Plugin files read so far from the indexes opened (see
    /// [`VerifiedIndex::files_read`]).
    pub(crate) fn files_read(&self) -> usize {
        self.opened
            .values()
            .filter_map(|slot| slot.get()?.as_ref().ok())
            .map(VerifiedIndex::files_read)
            .sum()
    }
}

/// All registries as one [`CandidateSource`] for the resolver, remembering
/// which registry each plugin came from.
pub(crate) struct MultiCandidates<'s> {
    sources: &'s Sources<'s>,
    per_registry: Mutex<HashMap<String, Arc<IndexCandidates<'s>>>>,
    chosen: Mutex<HashMap<String, String>>,
}

impl<'s> MultiCandidates<'s> {
    pub(crate) fn new(sources: &'s Sources<'s>) -> Self {
        MultiCandidates {
            sources,
            per_registry: Mutex::new(HashMap::new()),
            chosen: Mutex::new(HashMap::new()),
        }
    }

    fn registry(&self, name: &str) -> Result<Arc<IndexCandidates<'s>>, OpsError> {
        let mut map = self
            .per_registry
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(c) = map.get(name) {
            return Ok(c.clone());
        }
        let index = self.sources.index(name)?;
        let target = self
            .sources
            .manifest()
            .engine
            .target
            .as_ref()
            .map(|t| t.as_str().to_string());
        let c = Arc::new(IndexCandidates::new(index, target));
        map.insert(name.to_string(), c.clone());
        Ok(c)
    }

    /// The registries to look in for plugin `name`, in order.
    fn registries_for(&self, name: &str) -> Vec<String> {
        let manifest = self.sources.manifest();
        if let Some(spec) = PluginName::new(name)
            .ok()
            .and_then(|n| manifest.plugins.get(&n))
        {
            return vec![spec.registry.clone()];
        }
        self.sources.order().to_vec()
    }

    /// The registry `name` was found in, once the resolver asked for it.
    pub(crate) fn registry_of(&self, name: &str) -> Option<String> {
        self.chosen
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(name)
            .cloned()
    }

    /// The verified index plugin `name` was found in.
    pub(crate) fn index_of(&self, name: &str) -> Result<&'s VerifiedIndex, OpsError> {
        let registry = match self.registry_of(name) {
            Some(r) => r,
            None => self.find(name)?.ok_or_else(|| {
                OpsError::failed(format!("no registry has a plugin named `{name}`"), &[])
            })?,
        };
        self.sources.index(&registry)
    }

    /// Looks `name` up in its registries; records and returns the one that has it.
    fn find(&self, name: &str) -> Result<Option<String>, OpsError> {
        for registry in self.registries_for(name) {
            // Read through the index first: its errors keep their own words.
            if let Ok(plugin) = PluginName::new(name) {
                self.sources.index(&registry)?.plugin(&plugin)?;
            }
            let source = self.registry(&registry)?;
            if source
                .candidates(name)
                .map_err(|e| OpsError::failed(e.to_string(), &[]))?
                .is_some()
            {
                self.chosen
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .insert(name.to_string(), registry.clone());
                return Ok(Some(registry));
            }
        }
        Ok(None)
    }
}

impl CandidateSource for MultiCandidates<'_> {
    fn candidates(&self, name: &str) -> Result<Option<Arc<Vec<Candidate>>>, SourceError> {
        let registry = match self.registry_of(name) {
            Some(r) => Some(r),
            None => self
                .find(name)
                .map_err(|e| SourceError::new(e.to_string()))?,
        };
        match registry {
            Some(r) => self
                .registry(&r)
                .map_err(|e| SourceError::new(e.to_string()))?
                .candidates(name),
            None => Ok(None),
        }
    }

    fn prefetch(&self, names: &[String]) {
        // Only registries already open: prefetching must not open (and
        // verify) an index the resolution may never need.
        let map = self
            .per_registry
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        for source in map.values() {
            source.prefetch(names);
        }
    }
}
