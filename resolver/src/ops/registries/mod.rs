//! The registries of plugres.toml, opened once per command.
//!
//! A command builds one [`Registries`] handle and passes it down: the
//! resolution, the permission prompt, the artifact locator and the token
//! scopes all read the same [`VerifiedIndex`] of a registry, so its trust
//! chain runs once per command. Each index is opened (its config verified)
//! only when first needed: online for a resolution, or from what this
//! machine has cached when a command must not use the network for it (an
//! install from a current lock). An index opened online also serves the
//! cached reads.
//!
//! [`MultiCandidates`] shows the registries to the resolver as one
//! candidate source (see its module for which registry a plugin comes from).

mod multi;
mod probe;
mod speculate;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::OnceLock;

pub(crate) use multi::MultiCandidates;

use super::lock_check::CheckedEntries;
use super::{OpsError, Options};
use crate::credentials::Binding;
use crate::index::git::{GitBackend, GitConfig};
use crate::index::sparse::{SparseBackend, SparseConfig};
use crate::index::{IndexBackend, PathBackend, VerifiedIndex};
use crate::project::{DEFAULT_REGISTRY, IndexLocation, Manifest, RegistrySpec};
use plugres_schema::PluginName;

/// Opens the index of one registry outside a command's handle (checking
/// a registry as it is added), verifying its config against the pinned
/// root keys. Git and sparse indexes are cached under
/// `opts.index_cache_dir` and read only from there when `opts.offline`.
pub(crate) fn open(spec: &RegistrySpec, opts: &Options) -> Result<VerifiedIndex, OpsError> {
    open_with(spec, opts, opts.offline, false, false, &[], None)
}

/// `required`: the project's lock recorded a snapshot of this registry,
/// so an index without one is a downgrade (see
/// [`TrustOptions::require_snapshot`](crate::index::TrustOptions)).
/// `roots`: the index paths of the project's plugins from this registry,
/// fetched at once on a first use, with their dependencies as `hint`
/// guesses them.
fn open_with(
    spec: &RegistrySpec,
    opts: &Options,
    offline: bool,
    refresh: bool,
    required: bool,
    roots: &[String],
    hint: Option<crate::index::ArrivalHook>,
) -> Result<VerifiedIndex, OpsError> {
    let mut trust = opts.trust.clone();
    trust.require_snapshot |= spec.require_snapshot || required;
    trust.first_use_prefetch = roots.to_vec();
    trust.first_use_hint = hint;
    open_backend(spec, opts, offline, refresh, &trust)
}

/// The index of `spec` from this machine's cache only, accepting an
/// expired timestamp (for warnings that only read what the cache holds).
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
        IndexLocation::Git(url) => {
            let mut config = GitConfig::new(url, &opts.index_cache_dir);
            config.offline = offline;
            config.http = opts.http.clone();
            (config.token, config.token_withheld) = token(spec, opts)?.split();
            Box::new(GitBackend::open_with(config).map_err(|e| {
                match (!offline)
                    .then(|| probe::sparse_hint(url, &opts.http))
                    .flatten()
                {
                    Some(hint) => OpsError::Failed {
                        message: e.to_string(),
                        hints: vec![hint],
                    },
                    None => e.into(),
                }
            })?)
        }
        IndexLocation::Sparse(url) => {
            let mut config = SparseConfig::new(url, &spec.name, &opts.index_cache_dir);
            config.offline = offline;
            config.refresh = refresh;
            config.http = opts.http.clone();
            (config.token, config.token_withheld) = token(spec, opts)?.split();
            Box::new(SparseBackend::open(config)?)
        }
    };
    let mut trust = trust.clone();
    trust.verified_entries = Some(opts.index_cache_dir.join("verified"));
    trust.notices = opts.index_notices.clone();
    let index = VerifiedIndex::open_with(backend, &spec.name, &spec.root_keys, &trust)?;
    check_engine(spec, &index.config().engine)?;
    for w in index.warnings() {
        opts.warn(w);
    }
    Ok(index)
}

/// Refuses an index that serves plugins for an engine other than the
/// project's `[engine] name`: its plugins' engine requirements are about
/// another program's versions.
pub(crate) fn check_engine(spec: &RegistrySpec, served: &str) -> Result<(), OpsError> {
    match &spec.engine {
        Some(want) if want != served => Err(OpsError::failed(
            format!(
                "registry `{}` (`{}`) serves plugins for `{served}`, but this project's engine is `{want}` (`[engine] name` in plugres.toml)",
                spec.name, spec.index
            ),
            &[
                "use the index of this project's engine",
                "or, if the engine was renamed, change `[engine] name` in plugres.toml",
            ],
        )),
        _ => Ok(()),
    }
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

/// An index of a registry, opened once: the text of its error otherwise.
type Slot = OnceLock<Result<VerifiedIndex, String>>;

/// The registries of a manifest, each opened on first use and at most
/// once per way of opening it.
pub(crate) struct Registries<'o> {
    specs: BTreeMap<String, RegistrySpec>,
    opts: &'o Options,
    /// Fetch sparse index files past CDN caches (see [`Registries::refreshed`]).
    refresh: bool,
    /// Registry names in lookup order.
    order: Vec<String>,
    online: BTreeMap<String, Slot>,
    /// Opened from this machine's cache only (see [`Registries::cached`]).
    cached: BTreeMap<String, Slot>,
    /// Registries whose snapshot plugres.lock records.
    snapshot_locked: BTreeSet<String>,
    /// The lock entries this machine has checked, read once per command.
    checked: CheckedEntries,
    /// Let the trust state be written while the command goes on (see
    /// [`Registries::saving_trust_meanwhile`]); otherwise an index is
    /// opened only once it is recorded.
    trust_meanwhile: bool,
    /// Index paths of plugres.toml's plugins, by registry: what a first
    /// use of that registry fetches while it checks the trust chain.
    roots: BTreeMap<String, Vec<String>>,
    /// What a first use guesses their dependencies from (see `speculate`):
    /// plugres.toml, and the versions plugres.lock records.
    guesses_from: Option<(Manifest, HashMap<PluginName, semver::Version>)>,
}

impl<'o> Registries<'o> {
    pub(crate) fn new(manifest: &Manifest, opts: &'o Options) -> Self {
        let mut registries = Self::unopened(manifest.registries.clone(), opts, false);
        registries.guesses_from = Some((manifest.clone(), HashMap::new()));
        for (name, spec) in &manifest.plugins {
            if spec.path.is_none() {
                let paths = registries.roots.entry(spec.registry.clone()).or_default();
                paths.push(plugres_schema::index_path(name));
            }
        }
        registries
    }

    /// The registries `specs`, outside a project (`plugres search
    /// --index`, the user config file).
    pub(crate) fn of(specs: BTreeMap<String, RegistrySpec>, opts: &'o Options) -> Self {
        Self::unopened(specs, opts, false)
    }

    /// The registries of `specs`, none opened yet.
    fn unopened(specs: BTreeMap<String, RegistrySpec>, opts: &'o Options, refresh: bool) -> Self {
        let mut order: Vec<String> = specs.keys().cloned().collect();
        order.sort_by_key(|n| (n != DEFAULT_REGISTRY, n.clone()));
        let slots = || order.iter().map(|n| (n.clone(), OnceLock::new())).collect();
        Registries {
            specs,
            opts,
            refresh,
            online: slots(),
            cached: slots(),
            order,
            snapshot_locked: BTreeSet::new(),
            checked: CheckedEntries::under(&opts.index_cache_dir),
            trust_meanwhile: false,
            roots: BTreeMap::new(),
            guesses_from: None,
        }
    }

    /// A new handle on the same registries whose sparse indexes fetch
    /// every file with a cache-busting query: for one more try when a
    /// resolution failed on what may be a CDN's stale copy.
    pub(crate) fn refreshed(&self) -> Self {
        Registries {
            snapshot_locked: self.snapshot_locked.clone(),
            trust_meanwhile: self.trust_meanwhile,
            roots: self.roots.clone(),
            guesses_from: self.guesses_from.clone(),
            ..Self::unopened(self.specs.clone(), self.opts, true)
        }
    }

    /// For a command that calls [`Registries::settle`] before it writes
    /// anything (the resolving ones, through `apply`): the trust state of
    /// each index it opens is written while it resolves, not before (on a
    /// first use, seven files with their fsyncs). Any other command opens
    /// an index only once its trust state is recorded.
    pub(crate) fn saving_trust_meanwhile(mut self) -> Self {
        self.trust_meanwhile = true;
        self
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
        if let Some((_, versions)) = &mut self.guesses_from {
            let plugins = lock.into_iter().flat_map(|l| &l.plugins);
            versions.extend(plugins.map(|p| (p.name.clone(), p.version.semver().clone())));
        }
        self
    }

    pub(crate) fn options(&self) -> &'o Options {
        self.opts
    }

    /// The lock entries this machine has checked against a verified index.
    pub(crate) fn checked_entries(&self) -> &CheckedEntries {
        &self.checked
    }

    /// The registry `name` of plugres.toml.
    pub(crate) fn spec(&self, name: &str) -> Result<&RegistrySpec, OpsError> {
        self.specs.get(name).ok_or_else(|| {
            OpsError::failed(
                format!("there is no registry `{name}` in plugres.toml"),
                &["see them with `plugres registry list`; add one with `plugres registry add NAME INDEX --key KEY`"],
            )
        })
    }

    /// The verified index of registry `name`, read as `--offline` allows.
    pub(crate) fn index(&self, name: &str) -> Result<&VerifiedIndex, OpsError> {
        let spec = self.spec(name)?;
        let required = self.snapshot_locked.contains(name);
        let (offline, refresh) = (self.opts.offline, self.refresh);
        take(&self.online[name], || {
            let roots = self.roots.get(name).map_or(&[][..], Vec::as_slice);
            let hint = self
                .guesses_from
                .as_ref()
                .filter(|_| !roots.is_empty())
                .map(|(manifest, locked)| speculate::Speculation::hook(manifest, name, locked));
            self.settled(open_with(
                spec, self.opts, offline, refresh, required, roots, hint,
            )?)
        })
    }

    /// `index`, its trust state recorded unless the command settles later.
    fn settled(&self, index: VerifiedIndex) -> Result<VerifiedIndex, OpsError> {
        if !self.trust_meanwhile {
            index.settle()?;
        }
        Ok(index)
    }

    /// The verified index of registry `name` without using the network:
    /// the one this command already opened, else what this machine has
    /// cached (a path index is always at hand).
    pub(crate) fn cached(&self, name: &str) -> Result<&VerifiedIndex, OpsError> {
        if let Some(index) = self.opened(name) {
            return Ok(index);
        }
        let spec = self.spec(name)?;
        let required = self.snapshot_locked.contains(name);
        take(&self.cached[name], || {
            self.settled(open_with(
                spec,
                self.opts,
                true,
                false,
                required,
                &[],
                None,
            )?)
        })
    }

    /// The index of `name` if this command opened it online already.
    pub(crate) fn opened(&self, name: &str) -> Option<&VerifiedIndex> {
        self.online.get(name)?.get()?.as_ref().ok()
    }

    /// Whether the index of `name` this command reads was opened online.
    pub(crate) fn is_online(&self, name: &str) -> bool {
        self.opened(name).is_some()
    }

    /// The registry names in lookup order.
    pub(crate) fn order(&self) -> &[String] {
        &self.order
    }

    /// The registry of plugres.toml's default (or only) registry, if any.
    pub(crate) fn default_registry(&self) -> Option<&str> {
        self.order.first().map(String::as_str)
    }

    /// The name of the engine the indexes serve (from the index of the
    /// first plugin `manifest` lists, or else the default registry's),
    /// e.g. `demo-engine`.
    pub(crate) fn engine_name(&self, manifest: &Manifest) -> Result<String, OpsError> {
        let name = manifest
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

    /// Whether a fresh try past CDN caches could change a failed
    /// resolution: some registry is a sparse index, and we are online.
    pub(crate) fn may_refresh(&self) -> bool {
        !self.refresh
            && !self.opts.offline
            && self
                .specs
                .values()
                .any(|r| matches!(r.location, IndexLocation::Sparse(_)))
    }

    /// Ends a command's use of the registries: each open index keeps what
    /// it verified ([`VerifiedIndex::close`]); then, when the process ends
    /// right after ([`Options::exit_after`]), their memory is left to the
    /// exit: freeing the parsed files of a 406-plugin lock one by one took
    /// 1.7–2.9 ms, and the allocator's clean-up at exit more.
    pub(crate) fn finish(self) {
        for slot in self.online.values().chain(self.cached.values()) {
            if let Some(Ok(index)) = slot.get() {
                index.close();
            }
        }
        if self.opts.exit_after {
            std::mem::forget(self);
        }
    }

    /// Waits until the trust state records every index this command opened
    /// (see [`VerifiedIndex::settle`]): before a command writes anything.
    pub(crate) fn settle(&self) -> Result<(), OpsError> {
        for index in self.online.values().chain(self.cached.values()) {
            if let Some(Ok(index)) = index.get() {
                index.settle()?;
            }
        }
        Ok(())
    }

    /// Plugin files read so far from the indexes opened (see
    /// [`VerifiedIndex::files_read`]).
    pub(crate) fn files_read(&self) -> usize {
        self.online
            .values()
            .chain(self.cached.values())
            .filter_map(|slot| slot.get()?.as_ref().ok())
            .map(VerifiedIndex::files_read)
            .sum()
    }
}

/// The index in `slot`, opened by `open` the first time; the first error
/// keeps its type (and hints), later asks get its text.
fn take(
    slot: &Slot,
    open: impl FnOnce() -> Result<VerifiedIndex, OpsError>,
) -> Result<&VerifiedIndex, OpsError> {
    let mut first_error = None;
    let result = slot.get_or_init(|| {
        open().map_err(|e| {
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
