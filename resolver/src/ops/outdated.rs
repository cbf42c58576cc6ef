//! `plugres outdated`: for each locked plugin, the version locked, the
//! newest that runs on the project's engine, the newest of all, and what
//! holds it back (an engine requirement, plugres.toml, another plugin).

use std::collections::BTreeMap;

use serde::Serialize;

use super::registries::Registries;
use super::{OpsError, Options, load};
use crate::index::IndexCandidates;
use crate::resolve::{CandidateSource, newest};

/// One row of `plugres outdated`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OutdatedPlugin {
    pub name: String,
    /// Listed in plugres.toml (not only a dependency).
    pub direct: bool,
    /// The locked version.
    pub current: String,
    /// The newest version that runs on the project's engine.
    pub compatible: Option<String>,
    /// The newest version of all (yanked and prereleases excluded).
    pub latest: Option<String>,
    /// A newer version exists (compatible or not).
    pub outdated: bool,
    /// Why `current` is not `compatible`, and `compatible` not `latest`.
    pub held_back: Vec<String>,
}

/// The result of `plugres outdated`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OutdatedReport {
    pub engine_name: String,
    pub engine: String,
    pub plugins: Vec<OutdatedPlugin>,
}

/// Compares the lock of the project at or above `start` with its indexes.
pub fn outdated(start: &std::path::Path, opts: &Options) -> Result<OutdatedReport, OpsError> {
    let (project, manifest) = load(start)?;
    let lock = project.load_lockfile()?.ok_or_else(|| {
        OpsError::failed(
            format!("there is no plugres.lock in `{}`", project.dir.display()),
            &["run `plugres lock` first"],
        )
    })?;
    let registries = Registries::new(&manifest, opts).with_lock(Some(&lock));
    let engine = &manifest.engine.version;
    let engine_name = registries.engine_name(&manifest)?;
    let target = manifest
        .engine
        .target
        .as_ref()
        .map(|t| t.as_str().to_string());
    let mut per_registry: BTreeMap<String, IndexCandidates<'_>> = BTreeMap::new();
    let mut rows = Vec::new();
    for p in &lock.plugins {
        if !per_registry.contains_key(&p.registry) {
            let index = registries.index(&p.registry)?;
            per_registry.insert(
                p.registry.clone(),
                IndexCandidates::new(index, target.clone()),
            );
        }
        let candidates = &per_registry[&p.registry];
        // Verified here first, so a bad file is reported in the index's words.
        candidates.index().plugin(&p.name)?;
        let name = p.name.as_str();
        let current = p.version.semver();
        let pre = !current.pre.is_empty();
        let source_err = |e: crate::resolve::SourceError| OpsError::failed(e.to_string(), &[]);
        let compatible = newest(candidates, name, Some(engine), pre).map_err(source_err)?;
        let latest = newest(candidates, name, None, pre).map_err(source_err)?;
        let mut held_back = Vec::new();
        if let Some(l) = &latest
            && compatible.as_ref() != Some(l)
        {
            let needs = candidates
                .candidates(name)
                .map_err(source_err)?
                .and_then(|all| {
                    all.iter()
                        .find(|c| &c.version == l)
                        .map(|c| c.engine.to_string())
                })
                .unwrap_or_default();
            held_back.push(format!(
                "{name} {l} needs {engine_name} {needs}, but this project runs {engine_name} {engine}"
            ));
        }
        // Precedence, not `Ord`: semver's `Ord` ranks `1.2.0+b` above
        // `1.2.0` (README "Formats": build metadata is ignored).
        if let Some(c) = &compatible
            && c.cmp_precedence(current).is_gt()
        {
            let direct_req = manifest
                .plugins
                .iter()
                .find(|(n, _)| n.as_str() == name)
                .map(|(_, s)| &s.req);
            let mut why: Vec<String> = Vec::new();
            if let Some(req) = direct_req.filter(|r| !r.matches(c)) {
                why.push(format!("plugres.toml requires {name} {req}"));
            }
            for other in &lock.plugins {
                if let Some((_, req)) = other.dependencies.iter().find(|(d, _)| d.as_str() == name)
                    && !req.matches(c)
                {
                    why.push(format!(
                        "{} {} requires {name} {req}",
                        other.name, other.version
                    ));
                }
            }
            if why.is_empty() {
                why.push(format!(
                    "{name} {c} is allowed: run `plugres update {name}`"
                ));
            }
            held_back.extend(why);
        }
        rows.push(OutdatedPlugin {
            name: name.to_string(),
            direct: manifest.plugins.keys().any(|n| n.as_str() == name),
            current: current.to_string(),
            outdated: latest.as_ref().is_some_and(|l| l > current),
            compatible: compatible.map(|v| v.to_string()),
            latest: latest.map(|v| v.to_string()),
            held_back,
        });
    }
    Ok(OutdatedReport {
        engine_name,
        engine: engine.to_string(),
        plugins: rows,
    })
}
