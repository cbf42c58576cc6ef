//! `plugres search`, `plugres categories`, and the "did you mean" of
//! commands given an unknown plugin name: what the indexes' catalogs say
//! (README "Finding plugins"), read through the same verification as a
//! resolution.
//!
//! ```text
//! --index URL --key KEY ─┐
//! plugres.toml ──────────┼─► the registries ─► VerifiedIndex::catalog (per registry)
//! user config.toml ──────┘        └─► filter (--category, --keyword, --compatible),
//!                                      rank (rank.rs), sort, --limit ─► report
//! ```
//!
//! Outside a project the registries come from `--index` or the user config
//! file; inside one, from plugres.toml (unless `--index` is given).

mod rank;
mod suggest;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use plugres_schema::{CatalogEntry, PublicKey};
use serde::Serialize;

use super::registries::Registries;
use super::{OpsError, Options, load};
use crate::index::VerifiedIndex;
use crate::project::{DEFAULT_REGISTRY, IndexLocation, Manifest, ProjectError, RegistrySpec};
pub(crate) use suggest::closest;

/// Where the registries of a search come from.
#[derive(Debug, Clone, Default)]
pub struct Discovery {
    /// `--index INDEX --key KEY...`: this index alone.
    pub index: Option<(String, Vec<String>)>,
    /// The user config file, for runs outside a project.
    pub user_config: Option<PathBuf>,
    /// `--registry NAME`: only this one of them.
    pub registry: Option<String>,
}

/// The order of search results.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Sort {
    /// Best match first (exact name, name prefix, keyword, category,
    /// description), then by name.
    #[default]
    Relevance,
    Name,
    /// Most recently published first.
    Updated,
}

/// `plugres search`.
#[derive(Debug, Clone, Default)]
pub struct SearchRequest {
    pub query: String,
    /// Each must be a category of the plugin (any case).
    pub categories: Vec<String>,
    /// Each must be a keyword of the plugin (any case).
    pub keywords: Vec<String>,
    /// Only plugins with a version (not yanked) that runs on this engine
    /// version; `Some(None)`: the project's.
    pub compatible: Option<Option<semver::Version>>,
    pub sort: Sort,
    pub limit: Option<usize>,
    pub from: Discovery,
}

/// One hit of `plugres search`: every field of the catalog entry, and
/// where it came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SearchHit {
    pub registry: String,
    /// The newest version not yanked and not a prerelease.
    pub latest: Option<String>,
    /// Higher is a better match (0 for an empty query).
    pub relevance: u32,
    #[serde(flatten)]
    pub plugin: CatalogEntry,
}

/// The result of `plugres search`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SearchReport {
    pub query: String,
    /// `plugres.toml`, `--index`, or the user config file's path.
    pub registries_from: String,
    /// The engine version of `--compatible`.
    pub compatible_with: Option<String>,
    pub sort: Sort,
    /// Matches before `--limit`.
    pub total: usize,
    pub results: Vec<SearchHit>,
}

/// One category of `plugres categories`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CategoryCount {
    pub name: String,
    pub plugins: usize,
}

/// The result of `plugres categories`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CategoriesReport {
    pub registries_from: String,
    /// Most plugins first.
    pub categories: Vec<CategoryCount>,
}

/// The registries a search reads, and the project if there is one.
struct Sources {
    manifest: Option<Manifest>,
    specs: BTreeMap<String, RegistrySpec>,
    from: String,
}

/// `plugres search`: the plugins of the registries' catalogs that match.
pub fn search(
    start: &Path,
    request: &SearchRequest,
    opts: &Options,
) -> Result<SearchReport, OpsError> {
    let sources = sources(start, &request.from)?;
    let engine = match &request.compatible {
        None => None,
        Some(Some(v)) => Some(v.clone()),
        Some(None) => Some(
            sources
                .manifest
                .as_ref()
                .map(|m| m.engine.version.clone())
                .ok_or_else(|| {
                    OpsError::failed(
                        "`--compatible` without a version needs a project (its engine version), and there is no plugres.toml here or above",
                        &["give the engine version: `--compatible 1.4.2`"],
                    )
                })?,
        ),
    };
    let words = rank::words(&request.query);
    let lower = |v: &[String]| -> Vec<String> { v.iter().map(|s| s.to_lowercase()).collect() };
    let (categories, keywords) = (lower(&request.categories), lower(&request.keywords));
    let has_all = |have: &[String], want: &[String]| {
        want.iter()
            .all(|w| have.iter().any(|h| h.to_lowercase() == *w))
    };
    let mut results = Vec::new();
    let registries = Registries::of(sources.specs.clone(), opts);
    for (registry, catalog) in catalogs(&registries)? {
        for plugin in catalog {
            let fits = has_all(&plugin.categories, &categories)
                && has_all(&plugin.keywords, &keywords)
                && engine.as_ref().is_none_or(|v| plugin.runs_on(v));
            if let Some(relevance) = rank::relevance(&plugin, &words).filter(|_| fits) {
                results.push(SearchHit {
                    registry: registry.clone(),
                    latest: plugin.stable().map(|r| r.version.to_string()),
                    relevance,
                    plugin,
                });
            }
        }
    }
    sort(&mut results, request.sort);
    let total = results.len();
    if let Some(limit) = request.limit {
        results.truncate(limit);
    }
    Ok(SearchReport {
        query: request.query.clone(),
        registries_from: sources.from,
        compatible_with: engine.map(|v| v.to_string()),
        sort: request.sort,
        total,
        results,
    })
}

/// `plugres categories`: every category of the registries' catalogs (and
/// of their configs' `categories` lists) with the number of plugins in it.
pub fn categories(
    start: &Path,
    from: &Discovery,
    opts: &Options,
) -> Result<CategoriesReport, OpsError> {
    let sources = sources(start, from)?;
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    let registries = Registries::of(sources.specs.clone(), opts);
    for r in registries.order() {
        // An index that lists its categories shows the empty ones too.
        for c in &registries.index(r)?.config().categories {
            counts.entry(c.clone()).or_default();
        }
    }
    for (_, catalog) in catalogs(&registries)? {
        for plugin in catalog {
            for c in &plugin.categories {
                *counts.entry(c.to_lowercase()).or_default() += 1;
            }
        }
    }
    let mut categories: Vec<CategoryCount> = counts
        .into_iter()
        .map(|(name, plugins)| CategoryCount { name, plugins })
        .collect();
    categories.sort_by(|a, b| b.plugins.cmp(&a.plugins).then(a.name.cmp(&b.name)));
    Ok(CategoriesReport {
        registries_from: sources.from,
        categories,
    })
}

/// The hint naming the plugins of `index`'s catalog closest to `name`,
/// when it lists a catalog (reading every plugin file for a hint would
/// cost more than the command).
pub(crate) fn did_you_mean(index: &VerifiedIndex, name: &str) -> Option<String> {
    if !index.has_catalog() {
        return None;
    }
    let catalog = index.catalog().ok()?;
    let near = closest(name, catalog.iter().map(|e| e.name.as_str()));
    hint_for(&near)
}

/// `did you mean `a` or `b`?`, or `None` for no names.
pub(crate) fn hint_for(names: &[&str]) -> Option<String> {
    let quoted: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
    match quoted.as_slice() {
        [] => None,
        [one] => Some(format!("did you mean {one}?")),
        [init @ .., last] => Some(format!("did you mean {} or {last}?", init.join(", "))),
    }
}

/// The catalog of each of `registries`, in lookup order.
fn catalogs(registries: &Registries<'_>) -> Result<Vec<(String, Vec<CatalogEntry>)>, OpsError> {
    let mut out = Vec::new();
    for r in registries.order() {
        out.push((r.clone(), registries.index(r)?.catalog()?));
    }
    Ok(out)
}

fn sort(results: &mut [SearchHit], by: Sort) {
    let name = |a: &SearchHit, b: &SearchHit| {
        a.plugin
            .name
            .cmp(&b.plugin.name)
            .then(a.registry.cmp(&b.registry))
    };
    match by {
        Sort::Relevance => results.sort_by(|a, b| b.relevance.cmp(&a.relevance).then(name(a, b))),
        Sort::Name => results.sort_by(name),
        Sort::Updated => {
            results.sort_by(|a, b| b.plugin.updated.cmp(&a.plugin.updated).then(name(a, b)))
        }
    }
}

/// The registries to read: `--index`, else the project's, else the user
/// config file's; `--registry` picks one.
fn sources(start: &Path, from: &Discovery) -> Result<Sources, OpsError> {
    let manifest = match load(start) {
        Ok((_, m)) => Some(m),
        Err(OpsError::Project(ProjectError::NotFound { .. })) => None,
        // With `--index` the project is read only for its engine version.
        Err(_) if from.index.is_some() => None,
        Err(e) => return Err(e),
    };
    let (mut specs, from_text) = if let Some((index, keys)) = &from.index {
        (index_flag(start, index, keys)?, "--index".to_string())
    } else if let Some(m) = &manifest {
        (
            m.registries.clone(),
            crate::project::MANIFEST_FILE.to_string(),
        )
    } else {
        user_config(start, from.user_config.as_deref())?
    };
    if let Some(name) = &from.registry {
        let spec = specs.remove(name).ok_or_else(|| {
            let known: Vec<String> = specs.keys().map(|k| format!("`{k}`")).collect();
            OpsError::failed(
                format!(
                    "there is no registry `{name}` in {from_text} (it has {})",
                    if known.is_empty() {
                        "none".to_string()
                    } else {
                        known.join(", ")
                    }
                ),
                &[],
            )
        })?;
        specs = BTreeMap::from([(name.clone(), spec)]);
    }
    Ok(Sources {
        manifest,
        specs,
        from: from_text,
    })
}

/// The one registry of `--index INDEX --key KEY`.
fn index_flag(
    start: &Path,
    index: &str,
    keys: &[String],
) -> Result<BTreeMap<String, RegistrySpec>, OpsError> {
    let location = IndexLocation::parse(index, start)
        .map_err(|e| OpsError::failed(format!("`--index {index}`: {e}"), &[]))?;
    let root_keys = keys
        .iter()
        .map(|k| PublicKey::parse(k))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| {
            OpsError::failed(
                format!("`--key`: {e}"),
                &["give the index's root public key, as printed by `plugres-index init`"],
            )
        })?;
    if root_keys.is_empty() {
        return Err(OpsError::failed(
            format!(
                "`--index {index}` needs `--key KEY`: plugres reads an index only through a root key you pin"
            ),
            &[],
        ));
    }
    let spec = RegistrySpec {
        name: DEFAULT_REGISTRY.to_string(),
        index: index.to_string(),
        location,
        root_keys,
        artifact_mirror: None,
        require_snapshot: false,
        engine: None,
    };
    Ok(BTreeMap::from([(spec.name.clone(), spec)]))
}

/// The registries of the user config file, for a run outside a project.
fn user_config(
    start: &Path,
    file: Option<&Path>,
) -> Result<(BTreeMap<String, RegistrySpec>, String), OpsError> {
    let shown = file.map_or_else(
        || "~/.config/plugres/config.toml".to_string(),
        |f| f.display().to_string(),
    );
    let none = || {
        let start = std::path::absolute(start).unwrap_or_else(|_| start.to_path_buf());
        OpsError::Failed {
            message: format!(
                "no registries to search: there is no plugres.toml in `{}` or above, and `{shown}` lists no `[registry.NAME]`",
                start.display()
            ),
            hints: vec![
                format!(
                    "add a registry to `{shown}` as in plugres.toml: `[registry.default]` with `index = \"...\"` and `root-keys = [\"RW...\"]`"
                ),
                "or give one index: `plugres search WORDS --index URL --key KEY`".to_string(),
            ],
        }
    };
    let Some(path) = file else {
        return Err(none());
    };
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(none()),
        Err(source) => {
            return Err(ProjectError::Read {
                path: path.to_path_buf(),
                source,
            }
            .into());
        }
    };
    let dir = path.parent().unwrap_or(Path::new("."));
    let specs = crate::project::user_registries(&shown, &text, dir).map_err(|diagnostics| {
        ProjectError::Invalid {
            path: path.to_path_buf(),
            diagnostics,
        }
    })?;
    if specs.is_empty() {
        return Err(none());
    }
    Ok((specs, shown))
}
