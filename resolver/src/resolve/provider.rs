//! The `pubgrub::DependencyProvider`: turns candidates into PubGrub's terms
//! and decides which package and version to try next.
//!
//! PubGrub calls the provider through `&self`, one call at a time, so the
//! candidate cache is a `RefCell`. A source error cannot be returned from
//! `prioritize`; it is parked and returned from the next call that can fail.

use std::cell::RefCell;
use std::cmp::Reverse;
use std::collections::BTreeMap;
use std::fmt;
use std::rc::Rc;
use std::sync::Arc;

use pubgrub::{
    Dependencies, DependencyProvider, PackageResolutionStatistics, PubGrubError, VersionSet,
};
use rustc_hash::{FxHashMap, FxHashSet};
use semver::VersionReq;

use super::report::{self, Knowledge};
use super::{
    Candidate, CandidateSource, Request, Resolution, ResolveError, SemverSet, SolverVersion,
    SourceError,
};

/// A node of the resolution graph.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum Package {
    /// The project itself; its only version is [`ROOT_VERSION`].
    Root,
    /// The host engine; its only version is the project's engine version.
    Engine,
    Plugin(String),
}

pub(crate) const ROOT_VERSION: SolverVersion = SolverVersion::ZERO;

impl fmt::Display for Package {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Package::Root => f.write_str("the project"),
            Package::Engine => f.write_str("the engine"),
            Package::Plugin(name) => f.write_str(name),
        }
    }
}

/// A plugin's selectable releases and prereleases, each sorted ascending.
type Choices = (Vec<SolverVersion>, Vec<SolverVersion>);

pub(crate) struct Provider<'a> {
    source: &'a dyn CandidateSource,
    request: &'a Request,
    /// `None` once fetched means the index has no such plugin.
    cache: RefCell<FxHashMap<String, Option<Arc<Vec<Candidate>>>>>,
    prefetched: RefCell<FxHashSet<String>>,
    /// Per plugin, what [`Self::choices`] returns.
    choices: RefCell<FxHashMap<String, Rc<Choices>>>,
    /// Every requirement handed to PubGrub, for hints after a failure.
    requirements: RefCell<Vec<(String, VersionReq)>>,
    failed: RefCell<Option<SourceError>>,
}

impl<'a> Provider<'a> {
    pub(crate) fn new(source: &'a dyn CandidateSource, request: &'a Request) -> Self {
        Self {
            source,
            request,
            cache: RefCell::default(),
            prefetched: RefCell::default(),
            choices: RefCell::default(),
            requirements: RefCell::default(),
            failed: RefCell::default(),
        }
    }

    pub(crate) fn solve(self) -> Result<Resolution, ResolveError> {
        match pubgrub::resolve(&self, Package::Root, ROOT_VERSION) {
            Ok(chosen) => Ok(self.resolution(chosen.into_iter())),
            Err(PubGrubError::NoSolution(tree)) => {
                let knowledge = Knowledge {
                    engine_name: &self.request.engine_name,
                    engine_version: &self.request.engine_version,
                    allow_pre: self.request.allow_prerelease,
                    candidates: &self.cache.borrow(),
                    requirements: &self.requirements.borrow(),
                    locked: &self.request.locked,
                };
                let report = report::explain(tree, &knowledge);
                Err(ResolveError::NoSolution {
                    explanation: report.explanation,
                    derivation: report.derivation,
                    hints: report.hints,
                })
            }
            Err(PubGrubError::ErrorRetrievingDependencies { source, .. })
            | Err(PubGrubError::ErrorChoosingVersion { source, .. })
            | Err(PubGrubError::ErrorInShouldCancel(source)) => Err(ResolveError::Source(source)),
        }
    }

    fn resolution(&self, chosen: impl Iterator<Item = (Package, SolverVersion)>) -> Resolution {
        let mut resolution = Resolution {
            roots: self
                .request
                .roots
                .iter()
                .map(|(name, _)| name.clone())
                .collect(),
            ..Resolution::default()
        };
        resolution.roots.sort();
        resolution.roots.dedup();
        for (package, version) in chosen {
            let Package::Plugin(name) = package else {
                continue;
            };
            if let Some(candidate) = self.candidate(&name, &version) {
                let mut deps: Vec<String> = candidate
                    .dependencies
                    .iter()
                    .map(|(d, _)| d.to_string())
                    .collect();
                deps.sort();
                deps.dedup();
                resolution.dependencies.insert(name.clone(), deps);
                if let Some(reason) = &candidate.yanked {
                    resolution.warnings.push(match reason {
                        Some(reason) => {
                            format!("using yanked `{name} {version}` (locked): {reason}")
                        }
                        None => format!("using yanked `{name} {version}` (locked)"),
                    });
                }
            }
            resolution.packages.insert(name, version.to_version());
        }
        resolution
    }

    fn set(&self, req: &VersionReq) -> SemverSet {
        if self.request.allow_prerelease {
            SemverSet::from_req_allow_pre(req)
        } else {
            SemverSet::from_req(req)
        }
    }

    /// The versions of `name`, read once; `range` is what the solver asks
    /// of it now, for the prefetch on first read.
    fn candidates(
        &self,
        name: &str,
        range: &SemverSet,
    ) -> Result<Option<Arc<Vec<Candidate>>>, SourceError> {
        if let Some(known) = self.cache.borrow().get(name) {
            return Ok(known.clone());
        }
        let fetched = self.source.candidates(name)?;
        self.cache
            .borrow_mut()
            .insert(name.to_owned(), fetched.clone());
        if let Some(list) = &fetched {
            self.prefetch_likely(name, list, range);
        }
        Ok(fetched)
    }

    /// Prefetches the dependencies of the version most likely chosen as
    /// soon as a plugin's file is read, not when the plugin is decided:
    /// over HTTP, waiting for the decision fetched the graph one level per
    /// decision. The guess is what `choose_plugin` picks: the locked
    /// version, else the newest selectable one in the range the solver
    /// asks for now (a prerelease where that range admits one), so it does
    /// not fetch for a version outside it (the newest `rand` where `^0.8`
    /// is required).
    fn prefetch_likely(&self, name: &str, list: &[Candidate], range: &SemverSet) {
        let locked = self.request.locked.get(name);
        let likely = list
            .iter()
            .filter(|c| self.selectable(name, c) && range.contains_version(&c.version))
            .max_by_key(|c| (Some(&c.version) == locked, &c.version));
        if let Some(c) = likely {
            self.prefetch(c.dependencies.iter().map(|(d, _)| d.as_str()));
        }
    }

    fn candidate(&self, name: &str, version: &SolverVersion) -> Option<Candidate> {
        let cache = self.cache.borrow();
        let list = cache.get(name)?.as_ref()?;
        list.iter().find(|c| *version == c.version).cloned()
    }

    /// Whether `c` may be chosen at all: usable, and not yanked unless locked.
    fn selectable(&self, name: &str, c: &Candidate) -> bool {
        c.usable && (c.yanked.is_none() || self.request.locked.get(name) == Some(&c.version))
    }

    /// The versions of `name` that may be chosen, releases and prereleases
    /// apart, each sorted ascending (for [`SemverSet::count_among`]).
    fn choices(&self, name: &str, list: &[Candidate]) -> Rc<Choices> {
        if let Some(known) = self.choices.borrow().get(name) {
            return known.clone();
        }
        let mut versions: Vec<SolverVersion> = list
            .iter()
            .filter(|c| self.selectable(name, c))
            .map(|c| SolverVersion::from(&c.version))
            .collect();
        versions.sort();
        let (pres, releases) = versions.into_iter().partition(SolverVersion::is_pre);
        let choices = Rc::new((releases, pres));
        self.choices
            .borrow_mut()
            .insert(name.to_owned(), choices.clone());
        choices
    }

    /// Tells the source about plugins not asked for yet.
    fn prefetch<'n>(&self, names: impl IntoIterator<Item = &'n str>) {
        let cache = self.cache.borrow();
        let mut seen = self.prefetched.borrow_mut();
        let mut fresh: Vec<String> = Vec::new();
        for name in names {
            if !cache.contains_key(name) && !seen.contains(name) {
                seen.insert(name.to_owned());
                fresh.push(name.to_owned());
            }
        }
        drop((cache, seen));
        if !fresh.is_empty() {
            self.source.prefetch(&fresh);
        }
    }

    fn choose_plugin(
        &self,
        name: &str,
        range: &SemverSet,
    ) -> Result<Option<SolverVersion>, SourceError> {
        let Some(list) = self.candidates(name, range)? else {
            return Ok(None);
        };
        let locked = self.request.locked.get(name);
        let locked = locked.filter(|v| range.contains_version(v));
        let locked = locked.and_then(|v| list.iter().find(|c| &c.version == v));
        if let Some(c) = locked.filter(|c| c.usable) {
            self.prefetch(c.dependencies.iter().map(|(d, _)| d.as_str()));
            return Ok(Some(SolverVersion::from(&c.version)));
        }
        let newest = list
            .iter()
            .filter(|c| c.usable && c.yanked.is_none() && range.contains_version(&c.version))
            .max_by(|a, b| a.version.cmp(&b.version));
        // Only the chosen version's dependencies: the next ones a backtrack
        // would try cost requests that most resolutions never read (cargo
        // fetches no more than it reads either).
        if let Some(c) = newest {
            self.prefetch(c.dependencies.iter().map(|(d, _)| d.as_str()));
        }
        Ok(newest.map(|c| SolverVersion::from(&c.version)))
    }

    fn plugin_dependencies(
        &self,
        name: &str,
        version: &SolverVersion,
    ) -> Dependencies<Package, SemverSet, String> {
        let Some(candidate) = self.candidate(name, version) else {
            return Dependencies::Unavailable(format!("`{name} {version}` is not in the index"));
        };
        self.prefetch(candidate.dependencies.iter().map(|(d, _)| d.as_str()));
        // PubGrub cannot take a package depending on itself: check it here.
        let (own, others): (Vec<_>, Vec<_>) = candidate
            .dependencies
            .iter()
            .partition(|(d, _)| d.as_str() == name);
        if let Some((_, req)) = own.iter().find(|(_, req)| !self.set(req).contains(version)) {
            return Dependencies::Unavailable(format!("it requires itself at `{req}`"));
        }
        // A version that runs on the engine would add a term the engine's one
        // version always satisfies: it can never take part in a conflict, so
        // it is left out (on a large lock, a third of PubGrub's terms).
        let engine = self.set(&candidate.engine);
        let mut deps = Vec::with_capacity(others.len() + 1);
        if !engine.contains_version(&self.request.engine_version) {
            deps.push((Package::Engine, engine));
        }
        deps.extend(self.merged(others.iter().map(|(n, r)| (n.as_str(), r))));
        Dependencies::Available(deps.into_iter().collect())
    }

    /// Requirements as PubGrub terms, one per plugin (repeated names are
    /// intersected), remembered for the failure report.
    fn merged<'r>(
        &self,
        requirements: impl IntoIterator<Item = (&'r str, &'r VersionReq)>,
    ) -> Vec<(Package, SemverSet)> {
        let mut noted = self.requirements.borrow_mut();
        let mut by_name: BTreeMap<&str, SemverSet> = BTreeMap::new();
        for (name, req) in requirements {
            noted.push((name.to_owned(), req.clone()));
            let set = self.set(req);
            by_name
                .entry(name)
                .and_modify(|s| *s = s.intersection(&set))
                .or_insert(set);
        }
        by_name
            .into_iter()
            .map(|(name, set)| (Package::Plugin(name.to_owned()), set))
            .collect()
    }
}

impl DependencyProvider for Provider<'_> {
    type P = Package;
    type V = SolverVersion;
    type VS = SemverSet;
    type M = String;
    type Err = SourceError;
    /// (class, conflicts seen, fewest matching versions): the root and engine
    /// first, then plugins nothing can satisfy (they fail fast), then the
    /// plugin most involved in conflicts, then the one with fewest choices.
    type Priority = (u8, u32, Reverse<usize>);

    fn prioritize(
        &self,
        package: &Package,
        range: &SemverSet,
        stats: &PackageResolutionStatistics,
    ) -> Self::Priority {
        let Package::Plugin(name) = package else {
            return (u8::MAX, 0, Reverse(0));
        };
        let list = match self.candidates(name, range) {
            Ok(list) => list,
            Err(error) => {
                // Decide this one next so `choose_version` reports the error.
                self.failed.borrow_mut().get_or_insert(error);
                return (u8::MAX, 0, Reverse(0));
            }
        };
        let count = list.map_or(0, |list| {
            let (releases, pres) = &*self.choices(name, &list);
            range.count_among(releases, pres)
        });
        if count == 0 {
            return (2, 0, Reverse(0));
        }
        (1, stats.conflict_count(), Reverse(count))
    }

    fn choose_version(
        &self,
        package: &Package,
        range: &SemverSet,
    ) -> Result<Option<SolverVersion>, SourceError> {
        if let Some(error) = self.failed.borrow_mut().take() {
            return Err(error);
        }
        match package {
            Package::Root => Ok(Some(ROOT_VERSION).filter(|v| range.contains(v))),
            Package::Engine => {
                let engine = SolverVersion::from(&self.request.engine_version);
                Ok(Some(engine).filter(|v| range.contains(v)))
            }
            Package::Plugin(name) => self.choose_plugin(name, range),
        }
    }

    fn get_dependencies(
        &self,
        package: &Package,
        version: &SolverVersion,
    ) -> Result<Dependencies<Package, SemverSet, String>, SourceError> {
        Ok(match package {
            Package::Root => {
                self.prefetch(self.request.roots.iter().map(|(name, _)| name.as_str()));
                let mut deps = vec![(
                    Package::Engine,
                    SemverSet::singleton(SolverVersion::from(&self.request.engine_version)),
                )];
                let roots = self.request.roots.iter();
                deps.extend(self.merged(roots.map(|(n, r)| (n.as_str(), r))));
                Dependencies::Available(deps.into_iter().collect())
            }
            Package::Engine => Dependencies::Available(Default::default()),
            Package::Plugin(name) => self.plugin_dependencies(name, version),
        })
    }

    fn should_cancel(&self) -> Result<(), SourceError> {
        match self.failed.borrow_mut().take() {
            Some(error) => Err(error),
            None => Ok(()),
        }
    }
}
