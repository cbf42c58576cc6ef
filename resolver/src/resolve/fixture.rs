//! An in-memory [`CandidateSource`] built like prose:
//!
//! ```ignore
//! Index::new()
//!     .plugin("a").version("1.0.0").engine(">=1.4").dep("b", "^1")
//!     .plugin("b").version("1.2.0").yanked("broken build")
//! ```
//!
//! It records which plugins were fetched and prefetched, in order.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use plugres_schema::PluginName;
use semver::{Version, VersionReq};

use super::{Candidate, CandidateSource, Request, SourceError};

#[derive(Default)]
pub(crate) struct Index {
    plugins: BTreeMap<String, Vec<Candidate>>,
    failing: BTreeMap<String, String>,
    current: String,
    /// `fetch x` / `prefetch x, y` lines, in call order.
    pub(crate) log: Mutex<Vec<String>>,
}

fn req(text: &str) -> VersionReq {
    VersionReq::parse(text).unwrap_or_else(|e| panic!("test requirement `{text}`: {e}"))
}

pub(crate) fn ver(text: &str) -> Version {
    Version::parse(text).unwrap_or_else(|e| panic!("test version `{text}`: {e}"))
}

impl Index {
    pub(crate) fn new() -> Self {
        Self::default()
    }

    /// Starts (or continues) describing plugin `name`.
    pub(crate) fn plugin(mut self, name: &str) -> Self {
        self.plugins.entry(name.to_owned()).or_default();
        self.current = name.to_owned();
        self
    }

    /// Adds a version of the current plugin: any engine, no dependencies.
    pub(crate) fn version(mut self, version: &str) -> Self {
        let list = self
            .plugins
            .get_mut(&self.current)
            .expect("call .plugin() first");
        list.push(Candidate {
            version: ver(version),
            engine: VersionReq::STAR,
            dependencies: Arc::from([]),
            yanked: None,
            usable: true,
            unattested: false,
        });
        self
    }

    fn last(&mut self) -> &mut Candidate {
        self.plugins
            .get_mut(&self.current)
            .and_then(|l| l.last_mut())
            .expect("call .version() first")
    }

    pub(crate) fn engine(mut self, requirement: &str) -> Self {
        self.last().engine = req(requirement);
        self
    }

    pub(crate) fn dep(mut self, name: &str, requirement: &str) -> Self {
        let last = self.last();
        let mut dependencies = last.dependencies.to_vec();
        dependencies.push((
            PluginName::new(name).expect("a plugin name"),
            req(requirement),
        ));
        last.dependencies = dependencies.into();
        self
    }

    pub(crate) fn yanked(mut self, reason: &str) -> Self {
        self.last().yanked = Some(Some(reason.to_owned()).filter(|r| !r.is_empty()));
        self
    }

    /// No artifact for the project's target.
    pub(crate) fn unusable(mut self) -> Self {
        self.last().usable = false;
        self
    }

    /// Not attested where the index's publish policy wants it.
    pub(crate) fn unattested(mut self) -> Self {
        self.last().usable = false;
        self.last().unattested = true;
        self
    }

    /// Fetching `name` fails with `message`.
    pub(crate) fn failing(mut self, name: &str, message: &str) -> Self {
        self.failing.insert(name.to_owned(), message.to_owned());
        self
    }

    pub(crate) fn log(&self) -> Vec<String> {
        self.log.lock().expect("log lock").clone()
    }
}

impl CandidateSource for Index {
    fn candidates(&self, name: &str) -> Result<Option<Arc<Vec<Candidate>>>, SourceError> {
        self.log
            .lock()
            .expect("log lock")
            .push(format!("fetch {name}"));
        if let Some(message) = self.failing.get(name) {
            return Err(SourceError::new(message.clone()));
        }
        Ok(self.plugins.get(name).map(|l| Arc::new(l.clone())))
    }

    fn prefetch(&self, names: &[String]) {
        self.log
            .lock()
            .expect("log lock")
            .push(format!("prefetch {}", names.join(", ")));
    }
}

/// A request for engine `demo-engine` at `engine`, with these roots.
pub(crate) fn request(engine: &str, roots: &[(&str, &str)]) -> Request {
    Request {
        engine_name: "demo-engine".to_owned(),
        engine_version: ver(engine),
        roots: roots
            .iter()
            .map(|(n, r)| ((*n).to_owned(), req(r)))
            .collect(),
        locked: BTreeMap::new(),
        allow_prerelease: false,
    }
}
