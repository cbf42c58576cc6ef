//! The root sets timed: named crates (where the graph has them), this
//! workspace's own dependencies, and every crate, each cut down to a set
//! plugres can solve.
//!
//! plugres locks one version per name; cargo may lock two semver-
//! incompatible ones. A set that needs two is not a fair comparison (plugres
//! reports a conflict), so [`pick`] checks each set in-process with the
//! resolver and, when it has no solution, keeps roots greedily in order
//! while the set stays solvable; the dropped roots are printed.

use std::path::Path;

use anyhow::{Context, Result};
use plugres::resolve::{Request, resolve};
use plugres_bench::realgraph::{ENGINE, Graph, plugin_name};
use semver::{Version, VersionReq};

/// A named set of `(crate, requirement)` roots.
pub(crate) struct RootSet {
    pub(crate) name: &'static str,
    pub(crate) roots: Vec<(String, VersionReq)>,
    /// Roots left out so that one version per crate can solve the rest.
    pub(crate) dropped: Vec<String>,
}

const SMALL: &[&str] = &["anyhow", "serde-json", "clap"];
const MEDIUM: &[&str] = &[
    "anyhow",
    "serde",
    "serde-json",
    "toml",
    "clap",
    "thiserror",
    "tempfile",
    "walkdir",
    "rayon",
    "sha2",
    "hex",
    "base64",
    "semver",
    "flate2",
    "tar",
    "ureq",
    "regex",
    "indicatif",
    "rand",
    "proptest",
];

/// The sets, each solvable by plugres on `graph` at `engine`.
pub(crate) fn pick(graph: &Graph, engine: &Version) -> Result<Vec<RootSet>> {
    let named = |names: &[&str]| -> Vec<(String, VersionReq)> {
        names
            .iter()
            .filter(|n| graph.crates.contains_key(**n))
            .map(|n| (n.to_string(), VersionReq::STAR))
            .collect()
    };
    let workspace = workspace_dependencies(graph)?;
    let every: Vec<(String, VersionReq)> = graph
        .crates
        .keys()
        .map(|n| (n.clone(), VersionReq::STAR))
        .collect();
    Ok(vec![
        cut(graph, engine, "small", named(SMALL)),
        cut(graph, engine, "medium", named(MEDIUM)),
        cut(graph, engine, "workspace", workspace),
        cut(graph, engine, "all", every),
    ])
}

fn solvable(graph: &Graph, engine: &Version, roots: &[(String, VersionReq)]) -> bool {
    let request = Request {
        engine_name: ENGINE.to_string(),
        engine_version: engine.clone(),
        roots: roots.to_vec(),
        locked: Default::default(),
        allow_prerelease: false,
    };
    resolve(graph, &request).is_ok()
}

fn cut(
    graph: &Graph,
    engine: &Version,
    name: &'static str,
    roots: Vec<(String, VersionReq)>,
) -> RootSet {
    if solvable(graph, engine, &roots) {
        return RootSet {
            name,
            roots,
            dropped: Vec::new(),
        };
    }
    let mut kept = Vec::new();
    let mut dropped = Vec::new();
    for root in roots {
        kept.push(root);
        if !solvable(graph, engine, &kept) {
            dropped.extend(kept.pop().map(|(n, _)| n));
        }
    }
    RootSet {
        name,
        roots: kept,
        dropped,
    }
}

/// `[workspace.dependencies]` of this repository's Cargo.toml that are in
/// the graph, with their requirements (path-only ones left out).
fn workspace_dependencies(graph: &Graph) -> Result<Vec<(String, VersionReq)>> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../Cargo.toml");
    let text = std::fs::read_to_string(&path)
        .with_context(|| format!("cannot read `{}`", path.display()))?;
    let doc: toml::Table =
        toml::from_str(&text).with_context(|| format!("`{}` is not TOML", path.display()))?;
    let deps = doc
        .get("workspace")
        .and_then(|w| w.get("dependencies"))
        .and_then(toml::Value::as_table)
        .with_context(|| format!("`{}` has no [workspace.dependencies]", path.display()))?;
    let mut out = Vec::new();
    for (name, spec) in deps {
        let req = match spec {
            toml::Value::String(s) => Some(s.as_str()),
            toml::Value::Table(t) => t.get("version").and_then(toml::Value::as_str),
            _ => None,
        };
        let name = plugin_name(name);
        if let Some(req) = req
            && graph.crates.contains_key(&name)
        {
            let req = VersionReq::parse(req)
                .with_context(|| format!("`{name} = \"{req}\"` in `{}`", path.display()))?;
            out.push((name, req));
        }
    }
    Ok(out)
}
