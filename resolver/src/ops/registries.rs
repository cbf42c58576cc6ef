//! Opening the registries of plugres.toml, and showing them to the
//! resolver as one candidate source.
//!
//! Which registry a plugin comes from: the one plugres.toml names for it;
//! a plugin only reached as a dependency (not listed in plugres.toml) comes
//! from the registry of the plugin that depends on it, and from no other.
//! Looking such a name up in other registries would be dependency
//! confusion: anyone who can publish to a public index could shadow a
//! private plugin's dependency with a higher version. When plugins from two
//! registries depend on the same unlisted name, the resolution fails and
//! asks the user to list it with the registry to take it from. Each index
//! is opened (its config verified) only when first needed.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use plugres_schema::PluginName;

use super::{OpsError, Options};
use crate::credentials::Binding;
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
    open_with(spec, opts, opts.offline, refresh, false)
}

/// Opens the index of `spec` from what is cached (or local), without
/// using the network.
pub(crate) fn open_cached(spec: &RegistrySpec, opts: &Options) -> Result<VerifiedIndex, OpsError> {
    open_with(spec, opts, true, false, false)
}

/// `required`: the project's lock recorded a snapshot of this registry,
/// so an index without one is a downgrade (see
/// [`TrustOptions::require_snapshot`](crate::index::TrustOptions)).
fn open_with(
    spec: &RegistrySpec,
    opts: &Options,
    offline: bool,
    refresh: bool,
    required: bool,
) -> Result<VerifiedIndex, OpsError> {
    let mut trust = opts.trust.clone();
    trust.require_snapshot |= spec.require_snapshot || required;
    open_backend(spec, opts, offline, refresh, &trust)
}

/// Like [`open_cached`], accepting an expired timestamp (for warnings that
/// only read what the cache already holds).
pub(crate) fn open_cached_stale_ok(
    spec: &RegistrySpec,
    opts: &Options,
) -> Result<VerifiedIndex, OpsError> {
    let mut trust = opts.trust.clone();
    trust.allow_expired = true;
    trust.require_snapshot |= spec.require_snapshot;
    open_backend(spec, opts, true, false, &trust)
}

fn open_backend(
    spec: &RegistrySpec,
    opts: &Options,
    offline: bool,
    refresh: bool,
    trust: &crate::index::TrustOptions,
) -> Result<VerifiedIndex, OpsError> {
    let backend: Box<dyn IndexBackend> = match &spec.location {
        IndexLocation::Path(dir) => Box::new(PathBackend::new(dir)),
        IndexLocation::Git(url) => Box::new(GitBackend::open(url, &opts.index_cache_dir, offline)?),
        IndexLocation::Sparse(url) => {
            let mut config = SparseConfig::new(url, &spec.name, &opts.index_cache_dir);
            config.offline = offline;
            config.refresh = refresh;
            config.http = opts.http.clone();
            match token(spec, opts)? {
                Binding::Bound(t) => config.token = Some(t),
                Binding::Withheld(why) => config.token_withheld = Some(why),
                Binding::Missing => {}
            }
            Box::new(SparseBackend::open(config)?)
        }
    };
    let index = VerifiedIndex::open_with(backend, &spec.name, &spec.root_keys, trust)?;
    for w in index.warnings() {
        opts.warn(w);
    }
    Ok(index)
}

/// The bearer token configured for registry `spec`, if it is bound to
/// the index plugres.toml gives (a local index needs none).
pub(crate) fn token(spec: &RegistrySpec, opts: &Options) -> Result<Binding, OpsError> {
    let url = match &spec.location {
        IndexLocation::Sparse(url) | IndexLocation::Git(url) => url,
        IndexLocation::Path(_) => return Ok(Binding::Missing),
    };
    opts.credentials.token_for(&spec.name, url).map_err(|e| {
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
    /// Registries whose snapshot plugres.lock records.
    snapshot_locked: std::collections::BTreeSet<String>,
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
            snapshot_locked: Default::default(),
        }
    }

    /// Registries whose snapshot `lock` records must still have one: a
    /// host serving an older config without snapshot keys is refused, even
    /// on a machine (a fresh CI runner) that never saw the index.
    pub(crate) fn with_lock(mut self, lock: Option<&crate::project::Lockfile>) -> Self {
        let locked = lock.into_iter().flat_map(|l| &l.registries);
        self.snapshot_locked = locked
            .filter(|r| r.snapshot.is_some())
            .map(|r| r.name.clone())
            .collect();
        self
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
            let required = self.snapshot_locked.contains(name);
            let offline = self.opts.offline;
            open_with(spec, self.opts, offline, self.refresh, required).map_err(|e| {
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

/// Why a plugin not listed in plugres.toml is looked up in one registry:
/// a plugin from that registry depends on it.
#[derive(Debug, Clone)]
struct Claim {
    registry: String,
    dependent: String,
}

/// All registries as one [`CandidateSource`] for the resolver, remembering
/// which registry each plugin came from.
///
/// The dependencies of every candidate list handed out are recorded as
/// claims (name → the dependent's registry); a later lookup of an unlisted
/// name goes to its claim's registry only. Claims are taken from every
/// usable version, not only the chosen one, so two registries whose
/// plugins ever depend on the same unlisted name conflict even when the
/// versions finally chosen would not: the safe side of the ambiguity.
pub(crate) struct MultiCandidates<'s> {
    sources: &'s Sources<'s>,
    per_registry: Mutex<HashMap<String, Arc<IndexCandidates<'s>>>>,
    /// Prefetch hints for registries not open yet, per registry: handed to
    /// each when it opens (the roots are hinted before any index is open).
    deferred: Mutex<HashMap<String, Vec<String>>>,
    chosen: Mutex<HashMap<String, String>>,
    claims: Mutex<HashMap<String, Claim>>,
    /// The first error of this layer's own (with its hints), which reaches
    /// the resolver only as text; see [`MultiCandidates::take_error`].
    error: Mutex<Option<OpsError>>,
}

impl<'s> MultiCandidates<'s> {
    pub(crate) fn new(sources: &'s Sources<'s>) -> Self {
        MultiCandidates {
            sources,
            per_registry: Mutex::new(HashMap::new()),
            deferred: Mutex::new(HashMap::new()),
            chosen: Mutex::new(HashMap::new()),
            claims: Mutex::new(HashMap::new()),
            error: Mutex::new(None),
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
        let deferred = self
            .deferred
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(name);
        if let Some(names) = deferred {
            c.prefetch(&names);
        }
        Ok(c)
    }

    /// The registry plugres.toml names for `name`, if it lists it.
    fn listed_registry(&self, name: &str) -> Option<String> {
        let manifest = self.sources.manifest();
        let plugin = PluginName::new(name).ok()?;
        Some(manifest.plugins.get(&plugin)?.registry.clone())
    }

    /// The one registry to look in for plugin `name`, with the dependent
    /// that led there when plugres.toml does not list `name`. `None`: not
    /// listed, and nothing seen so far depends on it.
    fn registry_for(&self, name: &str) -> Option<(String, Option<String>)> {
        if let Some(registry) = self.listed_registry(name) {
            return Some((registry, None));
        }
        let claims = self.claims.lock().unwrap_or_else(PoisonError::into_inner);
        let claim = claims.get(name)?;
        Some((claim.registry.clone(), Some(claim.dependent.clone())))
    }

    /// Records that the versions of `dependent` (from `registry`) depend
    /// on what they name; fails when an unlisted name is already claimed
    /// by a plugin from another registry.
    fn claim(
        &self,
        registry: &str,
        dependent: &str,
        candidates: &[Candidate],
    ) -> Result<(), OpsError> {
        let mut claims = self.claims.lock().unwrap_or_else(PoisonError::into_inner);
        let deps = candidates
            .iter()
            .filter(|c| c.usable)
            .flat_map(|c| c.dependencies.iter().map(|(d, _)| d));
        for dep in deps {
            if self.listed_registry(dep).is_some() {
                continue;
            }
            match claims.get(dep) {
                Some(c) if c.registry != registry => {
                    return Err(OpsError::Failed {
                        message: format!(
                            "`{dep}` is needed by `{}` from registry `{}` and by `{dependent}` from registry `{registry}`; a plugin that plugres.toml does not list comes from the registry of the plugin that needs it, so plugres cannot tell which `{dep}` to take",
                            c.dependent, c.registry
                        ),
                        hints: vec![format!(
                            "list it in plugres.toml with the registry to take it from, e.g. `{dep} = {{ version = \"*\", registry = \"{}\" }}`",
                            c.registry
                        )],
                    });
                }
                Some(_) => {}
                None => {
                    claims.insert(
                        dep.clone(),
                        Claim {
                            registry: registry.to_string(),
                            dependent: dependent.to_string(),
                        },
                    );
                }
            }
        }
        Ok(())
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

    /// Looks `name` up in its one registry; records and returns it when
    /// that registry has `name`. An unlisted dependency its dependent's
    /// registry lacks is an error, never a lookup elsewhere.
    fn find(&self, name: &str) -> Result<Option<String>, OpsError> {
        let Some((registry, dependent)) = self.registry_for(name) else {
            return Ok(None);
        };
        // Open it first, so that the prefetch hints deferred until now (the
        // roots) are under way while this plugin is read.
        let source = self.registry(&registry)?;
        // Read through the index first: its errors keep their own words.
        if let Ok(plugin) = PluginName::new(name) {
            self.sources.index(&registry)?.plugin(&plugin)?;
        }
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
        match dependent {
            None => Ok(None),
            Some(dependent) => Err(OpsError::Failed {
                message: format!(
                    "`{dependent}` from registry `{registry}` depends on `{name}`, which registry `{registry}` does not have; plugres takes a plugin that plugres.toml does not list only from the registry of the plugin that needs it"
                ),
                hints: vec![
                    format!(
                        "if `{name}` should come from another registry, list it in plugres.toml: `{name} = {{ version = \"REQ\", registry = \"NAME\" }}`"
                    ),
                    format!(
                        "otherwise ask the publishers of `{dependent}` to publish `{name}` to registry `{registry}`"
                    ),
                ],
            }),
        }
    }

    /// Keeps `e` (the first one only) for [`MultiCandidates::take_error`],
    /// and hands the resolver its text.
    fn keep(&self, e: OpsError) -> SourceError {
        let text = e.to_string();
        let mut slot = self.error.lock().unwrap_or_else(PoisonError::into_inner);
        if slot.is_none() {
            *slot = Some(e);
        }
        SourceError::new(text)
    }

    /// The error (with its hints) behind a [`SourceError`] this source
    /// returned, if it returned one.
    pub(crate) fn take_error(&self) -> Option<OpsError> {
        self.error
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take()
    }
}

impl CandidateSource for MultiCandidates<'_> {
    fn candidates(&self, name: &str) -> Result<Option<Arc<Vec<Candidate>>>, SourceError> {
        let registry = match self.registry_of(name) {
            Some(r) => Some(r),
            None => self.find(name).map_err(|e| self.keep(e))?,
        };
        let Some(registry) = registry else {
            return Ok(None);
        };
        let list = self
            .registry(&registry)
            .map_err(|e| self.keep(e))?
            .candidates(name)?;
        if let Some(list) = &list {
            self.claim(&registry, name, list)
                .map_err(|e| self.keep(e))?;
        }
        Ok(list)
    }

    fn prefetch(&self, names: &[String]) {
        // Each name only from its own registry, so no index learns of a
        // name it does not serve (a private plugin's dependency would leak
        // to a public index); and only registries already open: prefetching
        // must not open (and verify) an index the resolution may never need.
        // Hints for one not open yet wait for it to open.
        let mut by_registry: HashMap<String, Vec<String>> = HashMap::new();
        for name in names {
            if let Some((registry, _)) = self.registry_for(name) {
                by_registry.entry(registry).or_default().push(name.clone());
            }
        }
        let map = self
            .per_registry
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        for (registry, names) in by_registry {
            match map.get(&registry) {
                Some(source) => source.prefetch(&names),
                None => self
                    .deferred
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .entry(registry)
                    .or_default()
                    .extend(names),
            }
        }
    }
}
