//! The catalog: what a search needs of every plugin, in a few signed files.
//!
//! Searching by reading every plugin file costs one request per plugin on
//! a static host (which has no directory listing anyway) and one parse per
//! plugin everywhere. So `plugres-index snapshot` derives, from each plugin
//! file, one [`CatalogEntry`] (name, description, keywords, categories,
//! links, deprecation, the newest version and newest non-prerelease with
//! their engine requirement, publish date, permissions and targets, the
//! engine requirements of every usable version, and the yanked versions),
//! and writes the entries into *shards*: `catalog/<id>.toml`, where `id` is
//! the first `catalog-digits` hex digits of sha256(name) (`all` when the
//! catalog is one file). The snapshot lists each shard by sha256, so a
//! shard is exactly as trustworthy as the snapshot, and a publish changes
//! one shard: a client that searched before fetches that shard alone.
//!
//! An entry is a pure function of its plugin file ([`CatalogEntry::of`])
//! and a shard's text a pure function of its entries ([`shard_text`]), so
//! `validate` can check a catalog byte for byte against the plugin files.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use toml::Spanned;

use crate::diag::Diagnostic;
use crate::fields::{check_format, finish, raw_toml};
use crate::name::PluginName;
use crate::plugin::{Permission, PluginFile, Target};
use crate::sha::Sha256;
use crate::unknown::{Parsed, UnknownFields};
use crate::version::Version;

/// Folder of the catalog shards.
pub const CATALOG_DIR: &str = "catalog";
/// The id of the only shard of a catalog with `catalog-digits = 0`.
pub const CATALOG_ALL: &str = "all";
/// Most plugins a shard should hold: ≈ 350 bytes each, so a shard stays
/// near 350 KB of TOML (a fraction of that gzip-encoded on the wire) and a
/// cold search of 100,000 plugins costs 256 requests.
pub const CATALOG_PLUGINS_PER_SHARD: usize = 1024;

/// The most bytes a shard [`build_catalog_auto`] writes may have (half a
/// client's file limit): plugins with long descriptions or many engine
/// requirements make their shards split further.
pub const MAX_SHARD_BYTES: usize = 512 * 1024;

/// The catalog part of a snapshot: how shards are named, and each shard's
/// sha256 (shards without plugins are left out).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CatalogListing {
    pub digits: u8,
    pub shards: BTreeMap<String, Sha256>,
}

/// What the catalog says of one plugin: derived from its plugin file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct CatalogEntry {
    pub name: PluginName,
    pub description: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub license: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repository: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub homepage: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub authors: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub support: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub keywords: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub categories: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deprecated: Option<String>,
    /// The latest `published` of any version (RFC 3339, as written).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated: Option<String>,
    /// The distinct engine requirements of the versions not yanked, sorted:
    /// whether some version runs on an engine, without every version.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub engines: Vec<String>,
    /// Yanked versions, oldest first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub yanked: Vec<Version>,
    /// The newest version not yanked (a prerelease too).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub newest: Option<Release>,
    /// The newest non-prerelease not yanked, when it is not `newest`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub newest_stable: Option<Release>,
}

/// One version as the catalog describes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct Release {
    pub version: Version,
    /// The engine versions it runs on.
    pub engine: String,
    /// RFC 3339, as written in the plugin file.
    pub published: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub permissions: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub targets: Vec<String>,
}

impl CatalogEntry {
    /// The entry of plugin `file`.
    pub fn of(file: &PluginFile) -> CatalogEntry {
        let usable: Vec<_> = file.versions.iter().filter(|v| !v.yanked).collect();
        let release = |v: &&crate::VersionEntry| Release {
            version: v.version.clone(),
            engine: v.engine.to_string(),
            published: v.published.clone(),
            permissions: v.permissions.iter().map(|p| p.to_string()).collect(),
            targets: v.artifacts.iter().map(|a| a.target.to_string()).collect(),
        };
        let newest = usable.iter().max_by(|a, b| a.version.cmp(&b.version));
        let stable = usable
            .iter()
            .filter(|v| !v.version.is_prerelease())
            .max_by(|a, b| a.version.cmp(&b.version));
        let newest_stable = match (newest, stable) {
            (Some(n), Some(s)) if n.version != s.version => Some(release(s)),
            _ => None,
        };
        let engines: BTreeSet<String> = usable.iter().map(|v| v.engine.to_string()).collect();
        let mut yanked: Vec<Version> = file
            .versions
            .iter()
            .filter(|v| v.yanked)
            .map(|v| v.version.clone())
            .collect();
        yanked.sort();
        CatalogEntry {
            name: file.name.clone(),
            description: file.description.clone(),
            license: file.license.clone(),
            repository: file.repository.clone(),
            homepage: file.homepage.clone(),
            authors: file.authors.clone(),
            support: file.support.clone(),
            keywords: file.keywords.clone(),
            categories: file.categories.clone(),
            deprecated: file.deprecated.clone(),
            updated: file.versions.iter().map(|v| v.published.clone()).max(),
            engines: engines.into_iter().collect(),
            yanked,
            newest: newest.map(release),
            newest_stable,
        }
    }

    /// The newest non-prerelease version not yanked.
    pub fn stable(&self) -> Option<&Release> {
        self.newest_stable
            .as_ref()
            .or(self.newest.as_ref().filter(|r| !r.version.is_prerelease()))
    }

    /// Whether some version not yanked runs on `engine`.
    pub fn runs_on(&self, engine: &semver::Version) -> bool {
        self.engines
            .iter()
            .any(|e| semver::VersionReq::parse(e).is_ok_and(|r| r.matches(engine)))
    }
}

/// The number of hex digits naming the shards of a catalog of `plugins`
/// plugins: none (one shard) up to [`CATALOG_PLUGINS_PER_SHARD`], then
/// enough that a shard holds at most about that many.
pub fn auto_catalog_digits(plugins: usize) -> u8 {
    let mut digits = 0u8;
    while digits < crate::MAX_BIN_DIGITS
        && plugins > CATALOG_PLUGINS_PER_SHARD * 16usize.pow(u32::from(digits))
    {
        digits += 1;
    }
    digits
}

/// The shard of plugin `name` in a catalog of `digits` hex digits.
pub fn catalog_shard_of(name: &PluginName, digits: u8) -> String {
    if digits == 0 {
        return CATALOG_ALL.to_string();
    }
    let hex = Sha256::of(name.as_str().as_bytes()).to_hex();
    hex[..usize::from(digits)].to_string()
}

/// The index path of shard `id`: `catalog/3f.toml`.
pub fn catalog_path(id: &str) -> String {
    format!("{CATALOG_DIR}/{id}.toml")
}

/// The shards of a catalog of `entries` in `digits` hex digits, as
/// `(id, text)`, each text deterministic (entries sorted by name).
pub fn build_catalog(entries: Vec<CatalogEntry>, digits: u8) -> Vec<(String, String)> {
    let mut shards: BTreeMap<String, Vec<CatalogEntry>> = BTreeMap::new();
    for e in entries {
        shards
            .entry(catalog_shard_of(&e.name, digits))
            .or_default()
            .push(e);
    }
    shards
        .into_iter()
        .map(|(id, mut entries)| {
            entries.sort_by(|a, b| a.name.cmp(&b.name));
            let text = shard_text(&id, &entries);
            (id, text)
        })
        .collect()
}

/// [`build_catalog`] with [`auto_catalog_digits`], and more digits while
/// a shard would be over [`MAX_SHARD_BYTES`] (up to the most there are).
/// Returns the digits and the shards.
pub fn build_catalog_auto(entries: Vec<CatalogEntry>) -> (u8, Vec<(String, String)>) {
    let mut digits = auto_catalog_digits(entries.len());
    loop {
        let shards = build_catalog(entries.clone(), digits);
        let fits = shards.iter().all(|(_, t)| t.len() <= MAX_SHARD_BYTES);
        if fits || digits >= crate::MAX_BIN_DIGITS {
            return (digits, shards);
        }
        digits += 1;
    }
}

/// The text of shard `id` holding `entries` (sorted by name).
pub fn shard_text(id: &str, entries: &[CatalogEntry]) -> String {
    #[derive(Serialize)]
    struct Out<'a> {
        format: u32,
        shard: &'a str,
        plugin: &'a [CatalogEntry],
    }
    toml::to_string(&Out {
        format: crate::FORMAT,
        shard: id,
        plugin: entries,
    })
    .unwrap_or_default()
}

/// Whether `id` names a shard of a catalog of `digits` hex digits.
pub fn is_shard_id(id: &str, digits: u8) -> bool {
    if digits == 0 {
        return id == CATALOG_ALL;
    }
    id.len() == usize::from(digits) && id.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// One shard file, checked to be shard `id` of a `digits`-digit catalog:
/// its entries belong in it, are sorted and unique, and every engine
/// requirement, permission and target parses. A field this plugres does
/// not know is an error.
pub fn parse_shard(
    file: &str,
    bytes: &[u8],
    id: &str,
    digits: u8,
) -> Result<Vec<CatalogEntry>, Vec<Diagnostic>> {
    parse_shard_with(file, bytes, id, digits, UnknownFields::Refuse).map(|p| p.value)
}

/// [`parse_shard`], with unknown fields treated as `mode` says (README
/// "Format evolution").
pub fn parse_shard_with(
    file: &str,
    bytes: &[u8],
    id: &str,
    digits: u8,
    mode: UnknownFields,
) -> Result<Parsed<Vec<CatalogEntry>>, Vec<Diagnostic>> {
    let (raw, mut d, unknown) = raw_toml::<RawShard>(file, bytes, mode)?;
    check_format(&mut d, &raw.format);
    if raw.shard.get_ref() != id {
        d.error(
            Some(raw.shard.span()),
            format!(
                "this is the file of catalog shard `{}`, expected shard `{id}`",
                raw.shard.get_ref()
            ),
        );
    }
    let mut out: Vec<CatalogEntry> = Vec::with_capacity(raw.plugin.len());
    for spanned in raw.plugin {
        let span = spanned.span();
        let e = spanned.into_inner();
        if catalog_shard_of(&e.name, digits) != id {
            d.error(
                Some(span.clone()),
                format!("`{}` does not belong in catalog shard `{id}`", e.name),
            );
        }
        if out.last().is_some_and(|p| p.name >= e.name) {
            d.error(
                Some(span.clone()),
                format!(
                    "`{}`: plugins of a shard are sorted by name, each once",
                    e.name
                ),
            );
        }
        if let Some(problem) = entry_problem(&e) {
            d.error(Some(span), format!("`{}`: {problem}", e.name));
        }
        out.push(e);
    }
    finish(Some(out), d, unknown)
}

/// What in `e` does not parse, if anything.
fn entry_problem(e: &CatalogEntry) -> Option<String> {
    let releases = e.newest.iter().chain(e.newest_stable.iter());
    let reqs = e.engines.iter().chain(releases.clone().map(|r| &r.engine));
    for r in reqs {
        if let Err(err) = semver::VersionReq::parse(r) {
            return Some(format!("engine requirement `{r}`: {err}"));
        }
    }
    for r in releases {
        for p in &r.permissions {
            if let Err(err) = Permission::new(p) {
                return Some(err);
            }
        }
        for t in &r.targets {
            if let Err(err) = Target::new(t) {
                return Some(err);
            }
        }
    }
    None
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawShard {
    format: Spanned<u32>,
    shard: Spanned<String>,
    #[serde(default)]
    plugin: Vec<Spanned<CatalogEntry>>,
}

mod binary;

pub use binary::{decode_entries, encode_entries};

#[cfg(test)]
mod tests;
