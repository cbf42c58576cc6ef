//! A real dependency graph, for the real-graph benchmark
//! (`plugres-realgraph-bench`, README "Benchmarks").
//!
//! The data flow: cargo's cache of crates.io index entries
//! (`~/.cargo/registry/index/*/.cache/`, see [`cache`]) is read into
//! [`cache::Entry`]s; [`Graph::convert`] turns them into one graph under the
//! rules below; [`write::plugres_index`] writes it as a signed plugres index
//! (trust layer included) and [`write::cargo_registry`] as a cargo registry
//! index, from the same [`Graph`], so both resolvers see the same packages,
//! versions, requirements, engine bounds and yanks.
//!
//! Conversion rules:
//! - Names: lowercased, `_` → `-`. A crate whose name the plugres name rules
//!   still refuse (e.g. starting with a digit) is skipped, like any version
//!   that depends on a skipped or absent crate, requires versions of a crate
//!   none of which is kept (cargo's cache holds only the crates a build
//!   looked at), or depends on its own crate (an old
//!   version re-exporting a newer one: plugres locks one version per name).
//! - Dependencies: `normal` and not optional. Target-specific ones are kept:
//!   `cargo generate-lockfile` locks every target's dependencies, and plugres
//!   has no per-target dependencies, so keeping them keeps the two graphs
//!   alike. A renamed dependency (`package = ...`) names the real crate; two
//!   entries for one crate (e.g. under two targets) become one requirement
//!   holding both sets of comparators. Features are dropped on both sides.
//! - `rust-version` is the engine requirement (engine `rustc`): `>=X`;
//!   absent, `*`.
//! - Versions keep their build metadata; yanked versions stay yanked.
//!
//! Cargo still differs from plugres in one way the data cannot remove: it
//! may lock two semver-incompatible versions of one crate, where plugres
//! locks one version per name. The benchmark reports both solution sizes.

pub mod cache;
pub mod write;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use plugres::resolve::{Candidate, CandidateSource, SourceError};
use plugres_schema::PluginName;
use semver::{Version, VersionReq};

/// The engine name of a real-graph index.
pub const ENGINE: &str = "rustc";

/// One version of a crate, converted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Release {
    pub version: Version,
    /// Rust versions it builds with (`rust-version`), or `*`.
    pub engine: VersionReq,
    /// Normal, non-optional dependencies by (converted) name.
    pub deps: BTreeMap<String, VersionReq>,
    pub yanked: bool,
    /// The `rust-version` text as published, for the cargo registry.
    pub rust_version: Option<String>,
}

/// What conversion left out, and why.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Skipped {
    /// Crates whose names plugres refuses (after `_` → `-`).
    pub names: Vec<String>,
    /// Versions whose version or a requirement does not parse.
    pub unparsable: usize,
    /// Versions with a dependency on a crate, or a requirement on versions,
    /// not in the graph.
    pub missing_dependency: usize,
    /// Versions that depend on their own crate (e.g. `rand` 0.3.23 on
    /// `rand` ^0.4): plugres refuses them, one version per name.
    pub self_dependency: usize,
}

/// Crates by converted name, each with its versions in ascending order.
#[derive(Debug, Clone, Default)]
pub struct Graph {
    pub crates: BTreeMap<String, Vec<Release>>,
    pub skipped: Skipped,
}

impl Graph {
    /// Converts `entries` under the rules of the module docs.
    pub fn convert(entries: &[cache::Entry]) -> Graph {
        let mut skipped = Skipped::default();
        let mut known = BTreeSet::new();
        for e in entries {
            let name = plugin_name(&e.name);
            match PluginName::new(&name) {
                Ok(_) => {
                    known.insert(name);
                }
                Err(_) => {
                    if !skipped.names.contains(&e.name) {
                        skipped.names.push(e.name.clone());
                    }
                }
            }
        }
        let mut crates: BTreeMap<String, Vec<Release>> = BTreeMap::new();
        for e in entries {
            let name = plugin_name(&e.name);
            if !known.contains(&name) {
                continue;
            }
            match release(e, &known) {
                Ok(r) => crates.entry(name).or_default().push(r),
                Err(Drop::Unparsable) => skipped.unparsable += 1,
                Err(Drop::MissingDependency) => skipped.missing_dependency += 1,
                Err(Drop::SelfDependency) => skipped.self_dependency += 1,
            }
        }
        for list in crates.values_mut() {
            list.sort_by(|a, b| a.version.cmp_precedence(&b.version));
            list.dedup_by(|a, b| a.version.cmp_precedence(&b.version).is_eq());
        }
        // A version may depend on a crate, or on versions of it, that were
        // left out: drop it too (the index tool's `validate` refuses a
        // requirement no version matches), until nothing changes.
        loop {
            let before = skipped.missing_dependency;
            let matchable = |deps: &BTreeMap<String, VersionReq>| {
                deps.iter().all(|(d, req)| {
                    crates
                        .get(d)
                        .is_some_and(|list| list.iter().any(|r| req.matches(&r.version)))
                })
            };
            let keep: BTreeMap<String, Vec<bool>> = crates
                .iter()
                .map(|(n, list)| (n.clone(), list.iter().map(|r| matchable(&r.deps)).collect()))
                .collect();
            for (name, list) in crates.iter_mut() {
                let mut flags = keep[name].iter();
                let len = list.len();
                list.retain(|_| flags.next().copied().unwrap_or(false));
                skipped.missing_dependency += len - list.len();
            }
            crates.retain(|_, v| !v.is_empty());
            if skipped.missing_dependency == before {
                break;
            }
        }
        Graph { crates, skipped }
    }

    /// Versions in the graph.
    pub fn versions(&self) -> usize {
        self.crates.values().map(Vec::len).sum()
    }
}

/// A crate name as a plugin name would be spelled: lowercase, `-` for `_`.
pub fn plugin_name(crate_name: &str) -> String {
    crate_name.to_ascii_lowercase().replace('_', "-")
}

enum Drop {
    Unparsable,
    MissingDependency,
    SelfDependency,
}

fn release(e: &cache::Entry, known: &BTreeSet<String>) -> Result<Release, Drop> {
    let version = Version::parse(&e.vers).map_err(|_| Drop::Unparsable)?;
    let engine = match &e.rust_version {
        Some(rv) => VersionReq::parse(&format!(">={rv}")).map_err(|_| Drop::Unparsable)?,
        None => VersionReq::STAR,
    };
    let mut deps: BTreeMap<String, VersionReq> = BTreeMap::new();
    for d in &e.deps {
        if d.optional || d.kind.as_deref().is_some_and(|k| k != "normal") {
            continue;
        }
        let name = plugin_name(d.package.as_deref().unwrap_or(&d.name));
        if !known.contains(&name) {
            return Err(Drop::MissingDependency);
        }
        if name == plugin_name(&e.name) {
            return Err(Drop::SelfDependency);
        }
        let req = VersionReq::parse(&d.req).map_err(|_| Drop::Unparsable)?;
        let merged = deps.entry(name).or_insert_with(|| VersionReq {
            comparators: Vec::new(),
        });
        for c in req.comparators {
            if !merged.comparators.contains(&c) {
                merged.comparators.push(c);
            }
        }
    }
    Ok(Release {
        version,
        engine,
        deps,
        yanked: e.yanked,
        rust_version: e.rust_version.clone(),
    })
}

/// The graph as the resolver sees an index, every version usable: the
/// benchmark picks root sets with it in-process before timing anything.
impl CandidateSource for Graph {
    fn candidates(&self, name: &str) -> Result<Option<Arc<Vec<Candidate>>>, SourceError> {
        Ok(self.crates.get(name).map(|list| {
            Arc::new(
                list.iter()
                    .map(|r| Candidate {
                        version: r.version.clone(),
                        engine: r.engine.clone(),
                        // Names were checked as the graph was read.
                        dependencies: r
                            .deps
                            .iter()
                            .filter_map(|(n, q)| Some((PluginName::new(n).ok()?, q.clone())))
                            .collect(),
                        yanked: r.yanked.then_some(None),
                        usable: true,
                        unattested: false,
                    })
                    .collect(),
            )
        }))
    }
}

#[cfg(test)]
mod tests;
