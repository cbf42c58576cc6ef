//! The index file of one plugin: its metadata and every published version.

use std::collections::BTreeMap;
use std::fmt;
use std::ops::Range;

use serde::Deserialize;
use toml::Spanned;

use crate::channel::{Channel, MAX_CHANNELS};
use crate::diag::{Diagnostic, Diagnostics};
use crate::fields::{check_authors, check_http_url, check_tags, parse_req, text_field};
use crate::name::PluginName;
use crate::path::IndexPath;
use crate::settings::{RawSetting, Settings, validate_settings};
use crate::sha::Sha256;
use crate::unknown::{Parsed, UnknownFields};
use crate::version::Version;

/// Largest artifact size a plugin file may declare: the client's hard cap
/// (1 GiB, [`crate::limits`]), so no index can list an artifact no client
/// can install. A config's `[limits]` may lower it further.
pub use crate::limits::MAX_ARTIFACT_SIZE;

/// A plugin file, validated. Built only by [`PluginFile::parse`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PluginFile {
    pub name: PluginName,
    pub description: String,
    pub license: Option<String>,
    pub repository: Option<String>,
    pub homepage: Option<String>,
    /// Who wrote the plugin, like `Jane Doe <jane@example.com>` (README
    /// "Plugin file"); shown by `plugres info`.
    pub authors: Vec<String>,
    /// Where users get help or documentation (an http(s) URL).
    pub support: Option<String>,
    pub keywords: Vec<String>,
    pub categories: Vec<String>,
    /// Set when the plugin is deprecated; the message says what to use instead.
    pub deprecated: Option<String>,
    /// Release channels (`beta = "2.0.0-beta.3"`): each names a published,
    /// unyanked version (README "Channels").
    pub channels: BTreeMap<Channel, Version>,
    pub versions: Vec<VersionEntry>,
}

/// One published version of a plugin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VersionEntry {
    pub version: Version,
    /// The engine versions this version runs on.
    pub engine: semver::VersionReq,
    /// RFC 3339 time of publication, as written in the file.
    pub published: String,
    pub permissions: Vec<Permission>,
    pub yanked: bool,
    pub yank_reason: Option<String>,
    pub dependencies: Dependencies,
    pub artifacts: Vec<Artifact>,
    /// The settings it can be configured with (README "Plugin
    /// configuration"), by name.
    pub settings: Settings,
    /// The version's readme, stored in the index (README "Plugin file").
    pub readme: Option<Readme>,
    /// The trusted publisher's Sigstore bundle for this version, stored in
    /// the index (README "Trusted publishing").
    pub attestation: Option<StoredFile>,
    /// Byte range of this version's table in the file (for diagnostics).
    pub span: Range<usize>,
}

/// A built file of one version for one target.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Artifact {
    pub target: Target,
    /// Absolute `https://`/`http://` URL, or a path relative to the index's
    /// `artifact-base` (or to the index itself when there is none).
    pub url: String,
    pub sha256: Sha256,
    pub size: u64,
}

/// A version's readme: Markdown stored in the index at `path` by
/// `publish`, bound to the signed entry by its sha256 and size. Shown by
/// the index's web catalog; clients never read it. The index's own rules
/// (where it lives, at most [`crate::limits::MAX_README_SIZE`], the bytes
/// matching) are `plugres-index validate`'s: a client parses only the types.
pub type Readme = StoredFile;

/// A file a version entry names in the index (its readme, its attestation
/// bundle): where it is, bound to the entry by sha256 and size.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredFile {
    pub path: IndexPath,
    pub sha256: Sha256,
    pub size: u64,
}

/// What an artifact runs on: `any`, `wasm32-wasip1`, or a platform triple.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(transparent)]
pub struct Target(String);

impl Target {
    pub const ANY: &'static str = "any";

    pub fn new(s: &str) -> Result<Self, String> {
        let ok = !s.is_empty()
            && s.len() <= 64
            && s.as_bytes()[0].is_ascii_alphanumeric()
            && s.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"_.-".contains(&b));
        if ok {
            Ok(Target(s.to_string()))
        } else {
            Err(format!(
                "`{s}` is not a target (expected `any` or a triple like `wasm32-wasip1` or `x86_64-unknown-linux-gnu`)"
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn is_any(&self) -> bool {
        self.0 == Self::ANY
    }

    /// Whether artifacts for this target are native code for a machine (a
    /// platform triple), not `any` or WebAssembly (`wasm32-*`, `wasm64-*`):
    /// a single-file artifact for it is installed executable.
    pub fn is_native(&self) -> bool {
        !self.is_any() && !self.0.starts_with("wasm")
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A capability a plugin asks the host for, like `network` or `fs-read`.
/// Form: `[a-z][a-z0-9-]*`, optionally `:` and a scope (`fs-read:/data`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(transparent)]
pub struct Permission(String);

impl Permission {
    pub fn new(s: &str) -> Result<Self, String> {
        let (head, scope) = match s.split_once(':') {
            Some((h, sc)) => (h, Some(sc)),
            None => (s, None),
        };
        let head_ok = !head.is_empty()
            && head.len() <= 64
            && head.as_bytes()[0].is_ascii_lowercase()
            && head
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        let scope_ok = scope.is_none_or(|sc| {
            !sc.is_empty() && sc.len() <= 256 && sc.chars().all(|c| !c.is_control() && c != ' ')
        });
        if head_ok && scope_ok {
            Ok(Permission(s.to_string()))
        } else {
            Err(format!(
                "`{s}` is not a permission (expected a word like `network` or `fs-read`, optionally `:scope`)"
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Permission {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl VersionEntry {
    /// The artifact for `target`: an exact match wins over `any`.
    pub fn artifact_for(&self, target: &str) -> Option<&Artifact> {
        self.artifacts
            .iter()
            .find(|a| a.target.as_str() == target)
            .or_else(|| self.artifacts.iter().find(|a| a.target.is_any()))
    }
}

impl PluginFile {
    /// Parses and validates a plugin file. `file` names it in diagnostics.
    /// Every problem found is reported, not just the first.
    /// A field this plugres does not know is an error.
    pub fn parse(file: &str, bytes: &[u8]) -> Result<PluginFile, Vec<Diagnostic>> {
        Self::parse_with(file, bytes, UnknownFields::Refuse).map(|p| p.value)
    }

    /// [`PluginFile::parse`], with unknown fields treated as `mode` says
    /// (README "Format evolution"). A file in the index tool's own layout
    /// is read by a fast path that accepts exactly what this would
    /// (`canonical`).
    pub fn parse_with(
        file: &str,
        bytes: &[u8],
        mode: UnknownFields,
    ) -> Result<Parsed<PluginFile>, Vec<Diagnostic>> {
        if let Some(value) = std::str::from_utf8(bytes)
            .ok()
            .filter(|_| bytes.len() <= crate::MAX_FILE_SIZE)
            .and_then(|text| canonical::parse(file, text, mode))
        {
            return Ok(Parsed {
                value,
                unknown: Vec::new(),
            });
        }
        Self::parse_full(file, bytes, mode)
    }

    /// [`PluginFile::parse_with`] by the `toml` crate alone, whatever the
    /// layout (the fast path's fallback, with the diagnostics).
    fn parse_full(
        file: &str,
        bytes: &[u8],
        mode: UnknownFields,
    ) -> Result<Parsed<PluginFile>, Vec<Diagnostic>> {
        let (raw, mut diags, unknown) = crate::fields::raw_toml::<RawPlugin>(file, bytes, mode)?;
        let plugin = raw.validate(&mut diags, mode);
        crate::fields::finish(plugin, diags, unknown)
    }

    /// The entry for `version`, if published.
    pub fn get(&self, version: &Version) -> Option<&VersionEntry> {
        self.versions.iter().find(|v| &v.version == version)
    }
}

/// A plugin file of a plugres index: the plugin's metadata and every
/// published version. Signed by a publisher key (`.minisig` beside it).
#[derive(Deserialize)]
#[cfg_attr(feature = "json-schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
#[cfg_attr(
    feature = "json-schema",
    schemars(title = "plugres index: plugin file")
)]
pub(crate) struct RawPlugin {
    #[cfg_attr(feature = "json-schema", schemars(with = "crate::PluginName"))]
    name: Spanned<String>,
    /// One line saying what the plugin does.
    #[cfg_attr(
        feature = "json-schema",
        schemars(with = "String", length(min = 1, max = 1000))
    )]
    description: Spanned<String>,
    /// An SPDX license expression, like `MIT OR Apache-2.0`.
    #[cfg_attr(
        feature = "json-schema",
        schemars(with = "Option<String>", length(max = 200))
    )]
    license: Option<Spanned<String>>,
    #[cfg_attr(
        feature = "json-schema",
        schemars(with = "Option<crate::json_schema::HttpUrl>")
    )]
    repository: Option<Spanned<String>>,
    #[cfg_attr(
        feature = "json-schema",
        schemars(with = "Option<crate::json_schema::HttpUrl>")
    )]
    homepage: Option<Spanned<String>>,
    /// Who wrote the plugin, like `Jane Doe <jane@example.com>`; at most 20.
    #[serde(default)]
    #[cfg_attr(
        feature = "json-schema",
        schemars(with = "Vec<crate::json_schema::Author>", length(max = 20))
    )]
    authors: Vec<Spanned<String>>,
    /// Where users get help or documentation: an issue tracker, forum or docs site.
    #[cfg_attr(
        feature = "json-schema",
        schemars(with = "Option<crate::json_schema::HttpUrl>")
    )]
    support: Option<Spanned<String>>,
    /// Up to 5 search words.
    #[serde(default)]
    #[cfg_attr(
        feature = "json-schema",
        schemars(with = "Vec<crate::json_schema::Tag>", length(max = 5))
    )]
    keywords: Vec<Spanned<String>>,
    /// Up to 5 categories.
    #[serde(default)]
    #[cfg_attr(
        feature = "json-schema",
        schemars(with = "Vec<crate::json_schema::Tag>", length(max = 5))
    )]
    categories: Vec<Spanned<String>>,
    /// Set when the plugin is deprecated: what to use instead.
    #[cfg_attr(
        feature = "json-schema",
        schemars(with = "Option<String>", length(min = 1, max = 1000))
    )]
    deprecated: Option<Spanned<String>>,
    /// Release channels: channel name = a published, unyanked version
    /// (`beta = "2.0.0-beta.3"`); they may move. `latest` is computed, not declared.
    #[serde(default)]
    #[cfg_attr(
        feature = "json-schema",
        schemars(with = "BTreeMap<String, crate::Version>")
    )]
    channels: BTreeMap<Spanned<String>, Spanned<String>>,
    /// Every published version (`[[version]]`), never changed once published except `yanked`.
    #[serde(default)]
    #[cfg_attr(feature = "json-schema", schemars(with = "Vec<RawVersion>"))]
    version: Vec<Spanned<RawVersion>>,
}

/// `[[version]]`: one published version.
#[derive(Deserialize)]
#[cfg_attr(feature = "json-schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawVersion {
    #[cfg_attr(feature = "json-schema", schemars(with = "crate::Version"))]
    version: Spanned<String>,
    /// The engine versions this version runs on, like `>=1.4, <2`.
    #[cfg_attr(
        feature = "json-schema",
        schemars(with = "crate::json_schema::Requirement")
    )]
    engine: Spanned<String>,
    #[cfg_attr(
        feature = "json-schema",
        schemars(with = "crate::json_schema::Datetime")
    )]
    published: Spanned<toml::value::Datetime>,
    /// What the plugin asks the host for, like `network`.
    #[serde(default)]
    #[cfg_attr(feature = "json-schema", schemars(with = "Vec<crate::Permission>"))]
    permissions: Vec<Spanned<String>>,
    /// Clients stop choosing a yanked version (locked projects keep it).
    #[serde(default)]
    yanked: bool,
    /// Why it was yanked; only with `yanked = true`.
    #[cfg_attr(
        feature = "json-schema",
        schemars(with = "Option<String>", length(min = 1, max = 1000))
    )]
    yank_reason: Option<Spanned<String>>,
    /// Other plugins this version needs: name = semver requirement.
    #[serde(default)]
    #[cfg_attr(
        feature = "json-schema",
        schemars(with = "BTreeMap<crate::PluginName, crate::json_schema::Requirement>")
    )]
    dependencies: BTreeMap<Spanned<String>, Spanned<String>>,
    /// The settings this version can be configured with, by name.
    #[serde(default)]
    #[cfg_attr(
        feature = "json-schema",
        schemars(with = "BTreeMap<String, crate::settings::RawSetting>")
    )]
    config: BTreeMap<Spanned<String>, Spanned<RawSetting>>,
    /// The built files, one per target; at least one.
    #[serde(default)]
    #[cfg_attr(
        feature = "json-schema",
        schemars(with = "Vec<RawArtifact>", length(min = 1))
    )]
    artifact: Vec<Spanned<RawArtifact>>,
    /// The version's readme, stored in the index by `publish`.
    readme: Option<RawStoredFile>,
    /// The trusted publisher's Sigstore bundle for this version, stored in
    /// the index by `publish --attestation`.
    attestation: Option<RawStoredFile>,
}

/// `{ path, sha256, size }`: a file stored in the index (a readme, an
/// attestation bundle).
#[derive(Deserialize)]
#[cfg_attr(feature = "json-schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
struct RawStoredFile {
    /// Where it is in the index, like `readmes/he/ll/hello-world/1.2.0.md`.
    #[cfg_attr(feature = "json-schema", schemars(with = "String"))]
    path: Spanned<String>,
    #[cfg_attr(feature = "json-schema", schemars(with = "crate::Sha256"))]
    sha256: Spanned<String>,
    /// Its size in bytes (`plugres-index` refuses a readme over 512 KiB, a
    /// bundle over 64 KiB).
    #[cfg_attr(feature = "json-schema", schemars(with = "u64"))]
    size: Spanned<i64>,
}

/// `[[version.artifact]]`: a built file, with the size and sha256 clients check.
#[derive(Deserialize)]
#[cfg_attr(feature = "json-schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(crate) struct RawArtifact {
    #[cfg_attr(feature = "json-schema", schemars(with = "crate::Target"))]
    target: Spanned<String>,
    #[cfg_attr(
        feature = "json-schema",
        schemars(with = "crate::json_schema::ArtifactUrl")
    )]
    url: Spanned<String>,
    #[cfg_attr(feature = "json-schema", schemars(with = "crate::Sha256"))]
    sha256: Spanned<String>,
    #[cfg_attr(
        feature = "json-schema",
        schemars(with = "crate::json_schema::ArtifactSize")
    )]
    size: Spanned<i64>,
}

impl RawPlugin {
    fn validate(self, d: &mut Diagnostics, mode: UnknownFields) -> Option<PluginFile> {
        let name = match PluginName::new(self.name.get_ref()) {
            Ok(n) => Some(n),
            Err(e) => {
                d.error(Some(self.name.span()), e.to_string());
                None
            }
        };
        let description = text_field(d, &self.description, "description", 1000, false);
        check_http_url(d, self.repository.as_ref(), "repository");
        check_http_url(d, self.homepage.as_ref(), "homepage");
        check_http_url(d, self.support.as_ref(), "support");
        let authors = check_authors(d, &self.authors);
        check_tags(d, &self.keywords, "keywords");
        check_tags(d, &self.categories, "categories");
        let deprecated = self
            .deprecated
            .as_ref()
            .map(|m| text_field(d, m, "deprecated", 1000, false));
        let license = self
            .license
            .as_ref()
            .map(|l| text_field(d, l, "license", 200, true));
        let mut versions: Vec<VersionEntry> = Vec::new();
        for raw in self.version {
            let span = raw.span();
            if let Some(v) = raw.into_inner().validate(span, name.as_ref(), d) {
                if let Some(first) = versions.iter().find(|e| e.version == v.version) {
                    d.error(
                        Some(v.span.clone()),
                        listed_twice(&first.version, &v.version),
                    );
                }
                versions.push(v);
            }
        }
        // A client leaves out a channel the rules refuse (README
        // "Channels"): it names nothing usable, and refusing the whole file
        // would cost every version of the plugin for a bad pointer.
        let channels = match mode {
            UnknownFields::Refuse => validate_channels(d, &self.channels, &versions),
            UnknownFields::Ignore => {
                let mut quiet = Diagnostics::new(d.file(), "");
                validate_channels(&mut quiet, &self.channels, &versions)
            }
        };
        Some(PluginFile {
            name: name?,
            description,
            license,
            repository: self.repository.map(Spanned::into_inner),
            homepage: self.homepage.map(Spanned::into_inner),
            authors,
            support: self.support.map(Spanned::into_inner),
            keywords: self.keywords.into_iter().map(Spanned::into_inner).collect(),
            categories: self
                .categories
                .into_iter()
                .map(Spanned::into_inner)
                .collect(),
            deprecated,
            channels,
            versions,
        })
    }
}

/// `[channels]`: each a channel name (not `latest`, which clients
/// compute) naming a version of this file that is not yanked.
fn validate_channels(
    d: &mut Diagnostics,
    raw: &BTreeMap<Spanned<String>, Spanned<String>>,
    versions: &[VersionEntry],
) -> BTreeMap<Channel, Version> {
    if raw.len() > MAX_CHANNELS {
        let at = raw.keys().nth(MAX_CHANNELS).map(Spanned::span);
        d.error(
            at,
            format!(
                "{} channels; a plugin may have at most {MAX_CHANNELS}",
                raw.len()
            ),
        );
    }
    let mut out = BTreeMap::new();
    for (k, v) in raw {
        let channel = match Channel::new(k.get_ref()) {
            Ok(c) if c.is_latest() => {
                d.error(
                    Some(k.span()),
                    "channel `latest` cannot be set: it is always the newest usable version, computed by each client",
                );
                continue;
            }
            Ok(c) => c,
            Err(e) => {
                d.error(Some(k.span()), e);
                continue;
            }
        };
        let Ok(version) = Version::parse(v.get_ref()).map_err(|e| {
            d.error(Some(v.span()), format!("channel `{channel}`: {e}"));
        }) else {
            continue;
        };
        match versions.iter().find(|e| e.version == version) {
            None => d.error(
                Some(v.span()),
                format!("channel `{channel}` names version `{version}`, which is not published in this file"),
            ),
            Some(e) if e.yanked => d.error(
                Some(v.span()),
                format!("channel `{channel}` names version `{version}`, which is yanked; point it at another version"),
            ),
            Some(_) => {
                out.insert(channel, version);
            }
        }
    }
    out
}

impl RawVersion {
    fn validate(
        self,
        span: Range<usize>,
        name: Option<&PluginName>,
        d: &mut Diagnostics,
    ) -> Option<VersionEntry> {
        let version = Version::parse(self.version.get_ref())
            .map_err(|e| d.error(Some(self.version.span()), e.to_string()))
            .ok();
        let engine = parse_req(d, &self.engine, "engine requirement");
        let permissions = self
            .permissions
            .iter()
            .filter_map(|p| {
                Permission::new(p.get_ref())
                    .map_err(|e| d.error(Some(p.span()), e))
                    .ok()
            })
            .collect();
        let yank_reason = self
            .yank_reason
            .as_ref()
            .map(|r| text_field(d, r, "yank-reason", 1000, false));
        if yank_reason.is_some() && !self.yanked {
            let at = self.yank_reason.as_ref().map(|r| r.span());
            d.error(at, "`yank-reason` is set but `yanked` is not true");
        }
        let dependencies = validate_dependencies(d, &self.dependencies, name);
        let artifacts = validate_artifacts(d, &self.artifact, span.clone());
        let settings = validate_settings(d, &self.config);
        let readme = self.readme.and_then(|r| r.validate(d, "readme"));
        let attestation = self.attestation.and_then(|r| r.validate(d, "attestation"));
        Some(VersionEntry {
            version: version?,
            engine: engine?,
            published: datetime_text(self.published.get_ref()),
            permissions,
            yanked: self.yanked,
            yank_reason,
            dependencies,
            artifacts,
            settings,
            readme,
            attestation,
            span,
        })
    }
}

impl RawStoredFile {
    fn validate(self, d: &mut Diagnostics, what: &str) -> Option<StoredFile> {
        let path = IndexPath::new(self.path.get_ref())
            .map_err(|e| {
                let p = self.path.get_ref();
                d.error(
                    Some(self.path.span()),
                    format!("{what} path `{p}` is not a path inside the index: {e}"),
                )
            })
            .ok();
        let sha256 = Sha256::parse(self.sha256.get_ref())
            .map_err(|e| d.error(Some(self.sha256.span()), e))
            .ok();
        let size = u64::try_from(*self.size.get_ref())
            .map_err(|_| {
                d.error(
                    Some(self.size.span()),
                    format!("{what} size must not be negative"),
                )
            })
            .ok();
        Some(StoredFile {
            path: path?,
            sha256: sha256?,
            size: size?,
        })
    }
}

/// A version equal in precedence to one listed before it (README "Formats":
/// build metadata does not make a new version).
fn listed_twice(first: &Version, again: &Version) -> String {
    if first.same_text(again) {
        format!("version `{again}` is listed twice; each version appears once")
    } else {
        format!(
            "version `{again}` is listed twice: it differs from `{first}` only in build metadata, \
             which semver ignores, so they are one version; give the new release a new version number"
        )
    }
}

fn validate_dependencies(
    d: &mut Diagnostics,
    raw: &BTreeMap<Spanned<String>, Spanned<String>>,
    own: Option<&PluginName>,
) -> Dependencies {
    let mut out = Vec::new();
    for (k, v) in raw {
        let dep = match PluginName::new(k.get_ref()) {
            Ok(n) => n,
            Err(e) => {
                d.error(Some(k.span()), format!("dependency: {e}"));
                continue;
            }
        };
        if Some(&dep) == own {
            d.error(Some(k.span()), format!("`{dep}` depends on itself"));
            continue;
        }
        if let Some(req) = parse_req(d, v, &format!("requirement for dependency `{dep}`")) {
            out.push((dep, req));
        }
    }
    out.into_iter().collect()
}

pub(crate) fn validate_artifacts(
    d: &mut Diagnostics,
    raw: &[Spanned<RawArtifact>],
    version_span: Range<usize>,
) -> Vec<Artifact> {
    if raw.is_empty() {
        d.error(
            Some(version_span),
            "this version has no `[[version.artifact]]`; every version needs at least one built file",
        );
    }
    let mut out: Vec<Artifact> = Vec::new();
    for a in raw {
        let a = a.get_ref();
        let target = Target::new(a.target.get_ref()).map_err(|e| d.error(Some(a.target.span()), e));
        if let Err(e) = check_artifact_url(a.url.get_ref()) {
            d.error(Some(a.url.span()), e);
        }
        let sha = Sha256::parse(a.sha256.get_ref()).map_err(|e| d.error(Some(a.sha256.span()), e));
        let size = *a.size.get_ref();
        if size <= 0 || size as u64 > MAX_ARTIFACT_SIZE {
            d.error(
                Some(a.size.span()),
                format!("artifact size {size} is out of range (1 byte to 1 GiB, the most a client installs)"),
            );
        }
        if let (Ok(target), Ok(sha256)) = (target, sha) {
            if out.iter().any(|o| o.target == target) {
                d.error(
                    Some(a.target.span()),
                    format!("two artifacts for target `{target}`; give each target once"),
                );
            }
            out.push(Artifact {
                target,
                url: a.url.get_ref().clone(),
                sha256,
                size: size.max(0) as u64,
            });
        }
    }
    out
}

/// An artifact URL is absolute http(s), or a relative path that stays inside
/// its base (no `..`, no leading `/`, no `\`).
pub(crate) fn check_artifact_url(url: &str) -> Result<(), String> {
    if url.starts_with("https://") || url.starts_with("http://") {
        let ok = url.len() <= 2048 && !url.chars().any(|c| c.is_whitespace() || c.is_control());
        return if ok {
            Ok(())
        } else {
            Err(format!(
                "artifact URL `{url}` contains spaces or control characters"
            ))
        };
    }
    let bad = url.is_empty()
        || url.len() > 1024
        || url.starts_with('/')
        || url.contains('\\')
        || url.contains("://")
        || url
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || c == '?' || c == '#')
        || url
            .split('/')
            .any(|seg| seg.is_empty() || seg == "." || seg == "..");
    if bad {
        Err(format!(
            "artifact URL `{url}` must be an absolute `https://` URL or a relative path like `hello-world/1.2.0/hello.wasm` (no `..`, no leading `/`)"
        ))
    } else {
        Ok(())
    }
}

pub(crate) mod binary;
pub(crate) mod canonical;
mod dependencies;

pub use dependencies::Dependencies;
#[cfg(test)]
mod tests;

/// `dt` as `Display` writes it. The usual form (`2026-01-01T00:00:00Z`) is
/// written digit by digit: `Display`, a `write!` per part, was a
/// twentieth of reading a plugin file. A test checks it against
/// `Display`.
fn datetime_text(dt: &toml::value::Datetime) -> String {
    use toml::value::{Date, Offset, Time};
    match (dt.date, dt.time, dt.offset) {
        (
            Some(Date { year, month, day }),
            Some(Time {
                hour,
                minute,
                second: Some(second),
                nanosecond: None,
            }),
            Some(Offset::Z),
        ) if year <= 9999 => {
            let mut out = String::with_capacity(20);
            let two = |out: &mut String, n: u8| {
                out.push(char::from(b'0' + n / 10 % 10));
                out.push(char::from(b'0' + n % 10));
            };
            two(&mut out, (year / 100) as u8);
            two(&mut out, (year % 100) as u8);
            for (sep, n) in [
                ('-', month),
                ('-', day),
                ('T', hour),
                (':', minute),
                (':', second),
            ] {
                out.push(sep);
                two(&mut out, n);
            }
            out.push('Z');
            out
        }
        _ => dt.to_string(),
    }
}
