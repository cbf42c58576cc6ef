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

use super::OpsError;
use crate::index::{IndexCandidates, PathBackend, VerifiedIndex};
use crate::project::{DEFAULT_REGISTRY, IndexLocation, Manifest, RegistrySpec};
use crate::resolve::{Candidate, CandidateSource, SourceError};

/// Opens the index of one registry, verifying its config against the
/// pinned root keys.
pub(crate) fn open(spec: &RegistrySpec) -> Result<VerifiedIndex, OpsError> {
    match &spec.location {
        IndexLocation::Path(dir) => Ok(VerifiedIndex::open(
            Box::new(PathBackend::new(dir)),
            &spec.name,
            &spec.root_keys,
        )?),
        IndexLocation::Git(url) | IndexLocation::Sparse(url) => Err(OpsError::failed(
            format!(
                "registry `{}` uses the index `{url}`, but this plugres reads only indexes in a local directory",
                spec.name
            ),
            &[
                "clone the index (`git clone URL DIR`) and set `index = \"DIR\"` for this registry in plugres.toml",
            ],
        )),
    }
}

/// The registries of a manifest, opened on first use.
pub(crate) struct Sources<'m> {
    manifest: &'m Manifest,
    /// Registry names in lookup order.
    order: Vec<String>,
    opened: BTreeMap<String, OnceLock<Result<VerifiedIndex, String>>>,
}

impl<'m> Sources<'m> {
    pub(crate) fn new(manifest: &'m Manifest) -> Self {
        let mut order: Vec<String> = manifest.registries.keys().cloned().collect();
        order.sort_by_key(|n| (n != DEFAULT_REGISTRY, n.clone()));
        let opened = order.iter().map(|n| (n.clone(), OnceLock::new())).collect();
        Sources {
            manifest,
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
            open(spec).map_err(|e| {
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
