//! Choosing plugin versions: PubGrub over plugins plus one virtual package,
//! the host engine.
//!
//! # Data flow
//!
//! ```text
//! Request (engine version, root requirements, lock, --pre)
//!    │
//!    ▼
//! resolve() ──► Provider (provider.rs) ──► CandidateSource::candidates(name)
//!    │             │  ▲                     (git / HTTP / disk: not our business)
//!    │             │  └── CandidateSource::prefetch(names): speculative hints
//!    │             ▼
//!    │          pubgrub::resolve over Package = Root | Engine | Plugin(name)
//!    │             │ requirements become SemverSet (version_set.rs):
//!    │             │ cargo's semver rules, prereleases included
//!    ▼             ▼
//! Resolution   or  DerivationTree ──► report.rs ──► ResolveError::NoSolution
//! ```
//!
//! The engine is a package with exactly one version, the project's. The root
//! depends on that version, and each plugin version's `engine` requirement is
//! a dependency on it, so an engine mismatch is an ordinary conflict that the
//! report can name ("… needs demo-engine >=2.0.0, but this project runs
//! demo-engine 1.4.2").
//!
//! Which versions may be chosen: usable (an artifact exists for the project's
//! target), not yanked unless it is the locked version, and a prerelease only
//! when the requirement allows it. Among those, the locked version wins when
//! it is in range, else the highest.
//!
//! This module knows nothing about where candidates come from; callers adapt
//! their index to [`CandidateSource`].

mod pre_ranges;
mod provider;
mod report;
mod solver_version;
mod version_set;

#[cfg(test)]
mod brute_force_tests;
#[cfg(test)]
mod fixture;
#[cfg(test)]
mod real_graph_tests;
#[cfg(test)]
mod tests;

use std::collections::BTreeMap;
use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};

use plugres_schema::PluginName;
use semver::{Version, VersionReq};

pub use report::VERBOSE_HINT;
pub use solver_version::SolverVersion;
pub use version_set::SemverSet;

/// One published version of a plugin, as the resolver sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Candidate {
    pub version: Version,
    /// Engine versions this plugin version runs on.
    pub engine: VersionReq,
    /// What it requires, by plugin (a name given twice must meet both).
    /// Shared with the index's parsed file (see
    /// [`plugres_schema::Dependencies::shared`]): a large lock's ten
    /// thousand versions are not copied to be offered.
    pub dependencies: Arc<[(PluginName, VersionReq)]>,
    /// `Some(reason)` when yanked; the reason may be absent.
    pub yanked: Option<Option<String>>,
    /// `false` when there is no artifact for the project's target, or it
    /// is not attested where the index wants it: never chosen.
    pub usable: bool,
    /// Not usable because the index's publish policy wants an attestation
    /// and it has none (README "Trusted publishing"): said so by name.
    pub unattested: bool,
}

/// Where the resolver gets plugin versions from.
pub trait CandidateSource: Sync {
    /// All versions of plugin `name`, or `Ok(None)` when the index has no such plugin.
    fn candidates(&self, name: &str) -> Result<Option<Arc<Vec<Candidate>>>, SourceError>;

    /// Hint that these plugins will likely be asked for soon, so a network
    /// backend can fetch them in parallel. The default does nothing.
    fn prefetch(&self, _names: &[String]) {}
}

/// A failure of the candidate source: its message verbatim and, when the
/// source has one, its own typed error, which the caller gets back
/// through the resolver ([`SourceError::into_typed`]) with everything it
/// carries (hints, kinds), not only its text.
#[derive(Clone, Debug)]
pub struct SourceError {
    message: String,
    typed: Option<Arc<Mutex<Option<Typed>>>>,
}

type Typed = Box<dyn std::error::Error + Send + Sync>;

impl SourceError {
    /// An error with this exact message.
    pub fn new(message: impl Into<String>) -> Self {
        SourceError {
            message: message.into(),
            typed: None,
        }
    }

    /// Keeps the whole chain of `error`, joined with `: `.
    pub fn from_error(error: &(dyn std::error::Error + 'static)) -> Self {
        let mut message = error.to_string();
        let mut next = error.source();
        while let Some(cause) = next {
            message.push_str(": ");
            message.push_str(&cause.to_string());
            next = cause.source();
        }
        Self::new(message)
    }

    /// Carries `error` itself, to be taken back with [`SourceError::into_typed`].
    pub fn typed<E: std::error::Error + Send + Sync + 'static>(error: E) -> Self {
        SourceError {
            message: error.to_string(),
            typed: Some(Arc::new(Mutex::new(Some(Box::new(error))))),
        }
    }

    /// The typed error this carries, if it is an `E` not taken yet (by
    /// this error or a clone of it); else `self` back.
    pub fn into_typed<E: std::error::Error + Send + Sync + 'static>(self) -> Result<E, Self> {
        let taken = self.typed.as_ref().and_then(|slot| {
            let mut slot = slot.lock().unwrap_or_else(PoisonError::into_inner);
            match slot.as_ref() {
                Some(e) if e.is::<E>() => slot.take(),
                _ => None,
            }
        });
        match taken.map(|e| e.downcast::<E>()) {
            Some(Ok(e)) => Ok(*e),
            _ => Err(self),
        }
    }
}

impl PartialEq for SourceError {
    fn eq(&self, other: &Self) -> bool {
        self.message == other.message
    }
}

impl Eq for SourceError {}

impl fmt::Display for SourceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for SourceError {}

/// What to resolve.
#[derive(Clone, Debug)]
pub struct Request {
    /// The engine's name, used in messages (e.g. `demo-engine`).
    pub engine_name: String,
    pub engine_version: Version,
    /// The project's direct requirements.
    pub roots: Vec<(String, VersionReq)>,
    /// Preferred versions, from the lockfile. A yanked version may be chosen
    /// only when it is the locked one.
    pub locked: BTreeMap<String, Version>,
    /// `--pre`: prereleases may match any requirement by version order.
    pub allow_prerelease: bool,
}

/// The chosen versions.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Resolution {
    /// Every chosen plugin.
    pub packages: BTreeMap<String, Version>,
    /// The plugins the project requires directly, sorted.
    pub roots: Vec<String>,
    /// Edges: plugin → the plugins it depends on, sorted.
    pub dependencies: BTreeMap<String, Vec<String>>,
    /// Things the user should know, e.g. a locked version that is yanked.
    pub warnings: Vec<String>,
}

/// Why resolution failed.
#[derive(Debug, thiserror::Error)]
pub enum ResolveError {
    /// No set of versions satisfies every requirement. `explanation` says why
    /// in a few plain sentences; `derivation` is every step of the proof
    /// (for `--verbose`; the same text when the proof is short); `hints` are
    /// one-line suggestions for the CLI to print after it (neither is part
    /// of the `Display` text).
    #[error("no set of plugin versions satisfies this project:\n{explanation}")]
    NoSolution {
        explanation: String,
        derivation: String,
        hints: Vec<String>,
    },
    /// The candidate source failed; resolution stopped.
    #[error("reading the plugin index failed: {0}")]
    Source(#[from] SourceError),
}

/// Chooses a version for every plugin the project needs, directly or not.
pub fn resolve(
    source: &dyn CandidateSource,
    request: &Request,
) -> Result<Resolution, ResolveError> {
    provider::Provider::new(source, request).solve()
}

/// The newest usable, non-yanked version of `name`; with `engine`, only among
/// versions whose engine requirement accepts it. Prereleases count only with
/// `allow_pre`. `Ok(None)` when there is no such version or no such plugin.
pub fn newest(
    source: &dyn CandidateSource,
    name: &str,
    engine: Option<&Version>,
    allow_pre: bool,
) -> Result<Option<Version>, SourceError> {
    let Some(candidates) = source.candidates(name)? else {
        return Ok(None);
    };
    let runs_on = |c: &Candidate| match engine {
        None => true,
        Some(e) if allow_pre => SemverSet::from_req_allow_pre(&c.engine).contains_version(e),
        Some(e) => c.engine.matches(e),
    };
    Ok(candidates
        .iter()
        .filter(|c| c.usable && c.yanked.is_none())
        .filter(|c| allow_pre || c.version.pre.is_empty())
        .filter(|c| runs_on(c))
        .map(|c| &c.version)
        .max()
        .cloned())
}
