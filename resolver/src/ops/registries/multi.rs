//! All registries as one candidate source for the resolver.
//!
//! Which registry a plugin comes from: the one plugres.toml names for it;
//! a plugin only reached as a dependency (not listed in plugres.toml) comes
//! from the registry of the plugin that depends on it, and from no other.
//! Looking such a name up in other registries would be dependency
//! confusion: anyone who can publish to a public index could shadow a
//! private plugin's dependency with a higher version. When plugins from two
//! registries depend on the same unlisted name, the resolution fails and
//! asks the user to list it with the registry to take it from.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, PoisonError};

use plugres_schema::PluginName;

use super::Registries;
use crate::index::{IndexCandidates, VerifiedIndex};
use crate::ops::OpsError;
use crate::ops::local::LocalPlugin;
use crate::project::Manifest;
use crate::resolve::{Candidate, CandidateSource, SourceError};

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
    registries: &'s Registries<'s>,
    manifest: &'s Manifest,
    /// Local plugins (README "Local plugin development"): each the only
    /// candidate of its name, whoever asks for it.
    locals: &'s BTreeMap<String, LocalPlugin>,
    per_registry: Mutex<HashMap<String, Arc<IndexCandidates<'s>>>>,
    /// Prefetch hints for registries not open yet, per registry: handed to
    /// each when it opens (the roots are hinted before any index is open).
    deferred: Mutex<HashMap<String, Vec<String>>>,
    chosen: Mutex<HashMap<String, String>>,
    claims: Mutex<HashMap<String, Claim>>,
}

impl<'s> MultiCandidates<'s> {
    /// The plugins of `manifest` from `registries`, and its `locals`.
    pub(crate) fn new(
        registries: &'s Registries<'s>,
        manifest: &'s Manifest,
        locals: &'s BTreeMap<String, LocalPlugin>,
    ) -> Self {
        MultiCandidates {
            registries,
            manifest,
            locals,
            per_registry: Mutex::new(HashMap::new()),
            deferred: Mutex::new(HashMap::new()),
            chosen: Mutex::new(HashMap::new()),
            claims: Mutex::new(HashMap::new()),
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
        let index = self.registries.index(name)?;
        let target = self
            .manifest
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
    fn listed_registry(&self, name: &str) -> Option<&'s str> {
        Some(self.manifest.plugins.get(name)?.registry.as_str())
    }

    /// The one registry to look in for plugin `name`, with the dependent
    /// that led there when plugres.toml does not list `name`. `None`: not
    /// listed, and nothing seen so far depends on it.
    fn registry_for(&self, name: &str) -> Option<(String, Option<String>)> {
        if let Some(registry) = self.listed_registry(name) {
            return Some((registry.to_owned(), None));
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
        // Each name once: most versions of a plugin name the same ones.
        let mut deps: Vec<&str> = candidates
            .iter()
            .filter(|c| c.usable)
            .flat_map(|c| c.dependencies.iter().map(|(d, _)| d.as_str()))
            .collect();
        deps.sort_unstable();
        deps.dedup();
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
                        dep.to_owned(),
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
        self.registries.index(&registry)
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
            self.registries.index(&registry)?.plugin(&plugin)?;
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
}

impl CandidateSource for MultiCandidates<'_> {
    fn candidates(&self, name: &str) -> Result<Option<Arc<Vec<Candidate>>>, SourceError> {
        if let Some(local) = self.locals.get(name) {
            // Its dependencies that plugres.toml does not list come from the
            // registry its entry names (or the default one).
            let list = vec![local.candidate()];
            if let Some(registry) = self.listed_registry(name).filter(|r| !r.is_empty()) {
                self.claim(registry, name, &list)
                    .map_err(SourceError::typed)?;
            }
            return Ok(Some(Arc::new(list)));
        }
        let registry = match self.registry_of(name) {
            Some(r) => Some(r),
            None => self.find(name).map_err(SourceError::typed)?,
        };
        let Some(registry) = registry else {
            return Ok(None);
        };
        let list = self
            .registry(&registry)
            .map_err(SourceError::typed)?
            .candidates(name)?;
        if let Some(list) = &list {
            self.claim(&registry, name, list)
                .map_err(SourceError::typed)?;
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
        for name in names.iter().filter(|n| !self.locals.contains_key(*n)) {
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
