//! The resolver's view of a verified index: [`CandidateSource`].
//!
//! Turns each verified plugin file into the resolver's [`Candidate`]s, once
//! per plugin, marking a version usable when it has an artifact for the
//! project's target (see [`crate::project::select_artifact`]) and, where
//! the index's publish policy asks for one, an attestation.

use std::sync::{Arc, Mutex, PoisonError};

use plugres_schema::{PluginFile, PluginName};
use rustc_hash::FxHashMap;

use super::VerifiedIndex;
use crate::project::select_artifact;
use crate::resolve::{Candidate, CandidateSource, SourceError};

type Cached = Option<Arc<Vec<Candidate>>>;

/// A [`VerifiedIndex`] seen by the resolver, for one project target.
pub struct IndexCandidates<'a> {
    index: &'a VerifiedIndex,
    /// The project's `[engine] target`; `None` = the host platform.
    target: Option<String>,
    cache: Mutex<FxHashMap<String, Cached>>,
}

impl<'a> IndexCandidates<'a> {
    pub fn new(index: &'a VerifiedIndex, target: Option<String>) -> Self {
        IndexCandidates {
            index,
            target,
            cache: Mutex::new(FxHashMap::default()),
        }
    }

    pub fn index(&self) -> &'a VerifiedIndex {
        self.index
    }

    fn convert(&self, file: &PluginFile) -> Vec<Candidate> {
        // Under a publish policy that wants attestations, a version without
        // one is not offered (README "Trusted publishing").
        let attested_only = self.index.requires_attestation(&file.name);
        let mut out: Vec<Candidate> = file
            .versions
            .iter()
            .map(|v| Candidate {
                version: v.version.semver().clone(),
                engine: v.engine.clone(),
                dependencies: v.dependencies.shared(),
                yanked: v.yanked.then(|| v.yank_reason.clone()),
                usable: select_artifact(&v.artifacts, |a| &a.target, self.target.as_deref())
                    .is_some()
                    && (!attested_only || v.attestation.is_some()),
                unattested: attested_only && v.attestation.is_none(),
            })
            .collect();
        out.sort_by(|a, b| a.version.cmp(&b.version));
        out
    }
}

impl CandidateSource for IndexCandidates<'_> {
    fn candidates(&self, name: &str) -> Result<Cached, SourceError> {
        if let Some(hit) = self
            .cache
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(name)
        {
            return Ok(hit.clone());
        }
        // A name no plugin can have is simply not in the index.
        let Ok(plugin) = PluginName::new(name) else {
            return Ok(None);
        };
        let file = self
            .index
            .plugin(&plugin)
            .map_err(|e| SourceError::from_error(&e))?;
        let found = file.map(|f| Arc::new(self.convert(&f)));
        self.cache
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(name.to_string(), found.clone());
        Ok(found)
    }

    fn prefetch(&self, names: &[String]) {
        let names: Vec<PluginName> = names
            .iter()
            .filter_map(|n| PluginName::new(n).ok())
            .collect();
        self.index.prefetch(&names);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::index::fixture::{TestIndex, TestPlugin};
    use crate::project::host_target;

    #[test]
    fn versions_become_candidates_for_the_target() {
        let ix = TestIndex::new();
        ix.publish(
            TestPlugin::new("hello")
                .version("1.1.0", ">=1.4, <2")
                .artifact("wasm32-wasip1")
                .dep("greeter-core", "^0.3")
                .yanked(Some("broken"))
                .version("1.0.0", ">=1")
                .artifact("any")
                .version("1.2.0", ">=1")
                .artifact(host_target()),
            "maint",
        );
        let index = ix.open().unwrap();
        let usable = |target: Option<&str>| -> Vec<(String, bool)> {
            let src = IndexCandidates::new(&index, target.map(str::to_string));
            src.candidates("hello")
                .unwrap()
                .unwrap()
                .iter()
                .map(|c| (c.version.to_string(), c.usable))
                .collect()
        };
        let s = |v: &str, u: bool| (v.to_string(), u);
        assert_eq!(
            usable(Some("wasm32-wasip1")),
            vec![s("1.0.0", true), s("1.1.0", true), s("1.2.0", false)]
        );
        assert_eq!(
            usable(None),
            vec![s("1.0.0", true), s("1.1.0", false), s("1.2.0", true)]
        );

        let src = IndexCandidates::new(&index, None);
        let all = src.candidates("hello").unwrap().unwrap();
        let yanked = &all[1];
        assert_eq!(yanked.yanked, Some(Some("broken".to_string())));
        assert_eq!(yanked.engine.to_string(), ">=1.4, <2");
        assert_eq!(
            yanked.dependencies[..],
            [(
                PluginName::new("greeter-core").unwrap(),
                "^0.3".parse().unwrap()
            )]
        );
        assert_eq!(all[0].yanked, None);
        assert!(src.candidates("missing").unwrap().is_none());
        assert!(src.candidates("Not A Name").unwrap().is_none());
        src.candidates("hello").unwrap();
        assert_eq!(index.files_read(), 2);
    }

    #[test]
    fn index_errors_become_source_errors() {
        let ix = TestIndex::new();
        ix.publish(
            TestPlugin::new("hello")
                .version("1.0.0", "*")
                .artifact("any"),
            "maint",
        );
        ix.write("plugins/he/ll/hello.toml.minisig", b"garbage");
        let index = ix.open().unwrap();
        let err = IndexCandidates::new(&index, None)
            .candidates("hello")
            .unwrap_err();
        assert!(
            err.to_string().contains("plugins/he/ll/hello.toml"),
            "{err}"
        );
    }
}
