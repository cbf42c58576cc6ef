//! What the site shows, computed from the verified index: one record per
//! plugin, with its reverse dependencies and the key that signed its file.
//! Pure data: no IO, no HTML.

use std::collections::{BTreeMap, BTreeSet};

use plugres_schema::{PluginFile, VersionEntry};
use serde::Serialize;

/// A plugin as its page and the catalog show it.
#[derive(Debug, Clone, Serialize)]
pub struct SitePlugin {
    pub name: String,
    pub description: String,
    pub license: Option<String>,
    /// Only `http(s)://` URLs become links (see `safe_link`).
    pub repository: Option<String>,
    pub homepage: Option<String>,
    /// Where users get help or documentation (a link like `homepage`).
    pub support: Option<String>,
    pub authors: Vec<String>,
    pub keywords: Vec<String>,
    pub categories: Vec<String>,
    pub deprecated: Option<String>,
    /// What vouches for the file: `publisher key` or `trusted publisher`.
    pub signer_kind: &'static str,
    /// Its id (ids, for trusted publishers).
    pub signed_by: String,
    /// Newest first.
    pub versions: Vec<SiteVersion>,
    /// The newest version that is not yanked (releases before prereleases).
    pub latest: Option<String>,
    /// Publication time of the newest version, for "recently updated".
    pub updated: String,
    /// Plugins with some version that depends on this one.
    pub dependents: Vec<String>,
    /// The readme of the `latest` version, sanitized; on its page only,
    /// not in the search's data.
    #[serde(skip)]
    pub readme: Option<PageReadme>,
}

/// A version's readme as its page shows it.
#[derive(Debug, Clone, Serialize)]
pub struct PageReadme {
    /// The version it is of.
    pub version: String,
    /// Sanitized HTML (`markdown::to_safe_html`): the one string a page
    /// takes unescaped.
    pub html: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct SiteVersion {
    pub version: String,
    pub engine: String,
    /// The engine versions it runs on as `[lower, upper)` intervals of
    /// `[major, minor, patch]` (upper `None`: unbounded), so the page's
    /// script can filter by engine version without a semver parser.
    pub engine_ranges: Vec<(Numeric, Option<Numeric>)>,
    pub published: String,
    pub permissions: Vec<String>,
    pub yanked: bool,
    pub yank_reason: Option<String>,
    pub prerelease: bool,
    pub dependencies: Vec<(String, String)>,
    /// `(target, size in bytes)`.
    pub targets: Vec<(String, u64)>,
}

/// Who vouches for a plugin file.
#[derive(Debug, Clone)]
pub struct Signer {
    /// `publisher key` or `trusted publisher`.
    pub kind: &'static str,
    pub id: String,
}

impl Signer {
    pub fn key(id: &str) -> Signer {
        Signer {
            kind: "publisher key",
            id: id.to_string(),
        }
    }
}

/// `[major, minor, patch]`.
pub type Numeric = [u64; 3];

/// The site's records, sorted by name, from verified plugin files and the
/// key id each was signed with.
pub fn plugins(files: Vec<(PluginFile, Signer)>) -> Vec<SitePlugin> {
    let mut dependents: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (file, _) in &files {
        for v in &file.versions {
            for dep in v.dependencies.keys() {
                dependents
                    .entry(dep.to_string())
                    .or_default()
                    .insert(file.name.to_string());
            }
        }
    }
    let mut out: Vec<SitePlugin> = files
        .into_iter()
        .map(|(file, signed_by)| {
            let name = file.name.to_string();
            let needed_by = dependents.remove(&name).unwrap_or_default();
            record(file, signed_by, needed_by.into_iter().collect())
        })
        .collect();
    out.sort_by(|a, b| a.name.cmp(&b.name));
    out
}

fn record(file: PluginFile, signed_by: Signer, dependents: Vec<String>) -> SitePlugin {
    let mut versions: Vec<&VersionEntry> = file.versions.iter().collect();
    versions.sort_by(|a, b| b.version.cmp(&a.version));
    let latest = latest(&file).map(|v| v.version.to_string());
    let updated = versions
        .iter()
        .map(|v| v.published.clone())
        .max()
        .unwrap_or_default();
    SitePlugin {
        name: file.name.to_string(),
        description: file.description,
        license: file.license,
        repository: file.repository.filter(|u| safe_link(u)),
        homepage: file.homepage.filter(|u| safe_link(u)),
        support: file.support.filter(|u| safe_link(u)),
        authors: file.authors,
        keywords: file.keywords,
        categories: file.categories,
        deprecated: file.deprecated,
        signer_kind: signed_by.kind,
        signed_by: signed_by.id,
        latest,
        updated,
        dependents,
        versions: versions.into_iter().map(version).collect(),
        readme: None,
    }
}

/// The version a plugin's page leads with: the newest that is not
/// yanked, releases before prereleases.
pub fn latest(file: &PluginFile) -> Option<&VersionEntry> {
    file.versions
        .iter()
        .filter(|v| !v.yanked)
        .max_by_key(|v| (v.version.semver().pre.is_empty(), &v.version))
}

fn version(v: &VersionEntry) -> SiteVersion {
    SiteVersion {
        version: v.version.to_string(),
        engine: v.engine.to_string(),
        engine_ranges: intervals(&v.engine),
        published: v.published.clone(),
        permissions: v.permissions.iter().map(|p| p.to_string()).collect(),
        yanked: v.yanked,
        yank_reason: v.yank_reason.clone(),
        prerelease: !v.version.semver().pre.is_empty(),
        dependencies: v
            .dependencies
            .iter()
            .map(|(n, r)| (n.to_string(), r.to_string()))
            .collect(),
        targets: v
            .artifacts
            .iter()
            .map(|a| (a.target.as_str().to_string(), a.size))
            .collect(),
    }
}

/// Whether `url` may be an `href`: `http(s)://` only, so a `javascript:`
/// or `data:` URL in a publisher's file never becomes a link (the index
/// validates URLs too; the site does not rely on that).
pub fn safe_link(url: &str) -> bool {
    let lower = url.to_ascii_lowercase();
    (lower.starts_with("https://") || lower.starts_with("http://"))
        && !url.chars().any(|c| c.is_whitespace() || c.is_control())
}

/// The release versions `req` matches, as intervals (one per requirement:
/// its comparators intersected). Prereleases are left out: engine
/// versions are releases.
pub fn intervals(req: &semver::VersionReq) -> Vec<(Numeric, Option<Numeric>)> {
    let mut lo: Numeric = [0, 0, 0];
    let mut hi: Option<Numeric> = None;
    for c in &req.comparators {
        let (clo, chi) = comparator(c);
        lo = lo.max(clo);
        hi = match (hi, chi) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
    }
    match hi {
        Some(h) if h <= lo => Vec::new(),
        _ => vec![(lo, hi)],
    }
}

/// One comparator as `[lower, upper)`, cargo's rules for partial versions.
fn comparator(c: &semver::Comparator) -> (Numeric, Option<Numeric>) {
    use semver::Op;
    let (major, minor, patch) = (c.major, c.minor, c.patch);
    let at = [major, minor.unwrap_or(0), patch.unwrap_or(0)];
    // The first version past everything the given parts name.
    let past = match (minor, patch) {
        (None, _) => [major + 1, 0, 0],
        (Some(m), None) => [major, m + 1, 0],
        (Some(m), Some(p)) => [major, m, p + 1],
    };
    match c.op {
        Op::Exact | Op::Wildcard => (at, Some(past)),
        Op::Greater => (past, None),
        Op::GreaterEq => (at, None),
        Op::Less => ([0, 0, 0], Some(at)),
        Op::LessEq => ([0, 0, 0], Some(past)),
        Op::Tilde => match minor {
            None => (at, Some([major + 1, 0, 0])),
            Some(m) => (at, Some([major, m + 1, 0])),
        },
        Op::Caret => (at, Some(caret_upper(major, minor, patch))),
        _ => ([0, 0, 0], None),
    }
}

fn caret_upper(major: u64, minor: Option<u64>, patch: Option<u64>) -> Numeric {
    match (major, minor, patch) {
        (0, None, _) => [1, 0, 0],
        (0, Some(0), None) => [0, 1, 0],
        (0, Some(0), Some(p)) => [0, 0, p + 1],
        (0, Some(m), _) => [0, m + 1, 0],
        (x, _, _) => [x + 1, 0, 0],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn iv(req: &str) -> Vec<(Numeric, Option<Numeric>)> {
        intervals(&req.parse().unwrap())
    }

    #[test]
    fn engine_requirements_become_numeric_intervals_by_cargos_rules() {
        assert_eq!(iv(">=1.4, <2"), vec![([1, 4, 0], Some([2, 0, 0]))]);
        assert_eq!(iv("^1.2"), vec![([1, 2, 0], Some([2, 0, 0]))]);
        assert_eq!(iv("^0.3"), vec![([0, 3, 0], Some([0, 4, 0]))]);
        assert_eq!(iv("^0.0.3"), vec![([0, 0, 3], Some([0, 0, 4]))]);
        assert_eq!(iv("~1.4"), vec![([1, 4, 0], Some([1, 5, 0]))]);
        assert_eq!(iv("=1.4.2"), vec![([1, 4, 2], Some([1, 4, 3]))]);
        assert_eq!(iv("1.*"), vec![([1, 0, 0], Some([2, 0, 0]))]);
        assert_eq!(iv("*"), vec![([0, 0, 0], None)]);
        assert_eq!(iv(">1.4"), vec![([1, 5, 0], None)]);
        assert_eq!(iv("<=1.4"), vec![([0, 0, 0], Some([1, 5, 0]))]);
        assert_eq!(iv(">=2, <1"), vec![], "nothing matches");
    }

    #[test]
    fn only_http_urls_become_links() {
        assert!(safe_link("https://example.com/a"));
        for bad in [
            "javascript:alert(1)",
            "JAVASCRIPT:alert(1)",
            "data:text/html,x",
            "https://a b",
            "//evil.example",
        ] {
            assert!(!safe_link(bad), "{bad}");
        }
    }
}
