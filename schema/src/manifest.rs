//! `plugin.toml`: what a publisher writes in the plugin's own repository.
//!
//! Like a `Cargo.toml`, it describes one release: name, version, metadata,
//! the engine requirement, dependencies, permissions and where the built
//! files are. `plugres-index publish` turns it into a `[[version]]` of the
//! index file, computing each artifact's sha256 and size from the real file.
//!
//! ```toml
//! [plugin]
//! name = "hello-world"
//! version = "1.2.0"
//! description = "Greets the world"
//! license = "MIT"
//! authors = ["Jane Doe <jane@example.com>"]
//! support = "https://github.com/acme/hello-world/issues"
//! engine = ">=1.4, <2"
//! permissions = ["network"]
//! readme = "README.md"
//!
//! [dependencies]
//! greeter-core = "^0.3"
//!
//! [[artifact]]
//! target = "wasm32-wasip1"
//! path = "target/wasm32-wasip1/release/hello_world.wasm"
//! # url = "https://github.com/acme/hello-world/releases/download/v1.2.0/hello_world.wasm"
//! ```

use std::collections::BTreeMap;

use serde::Deserialize;
use toml::Spanned;

use crate::diag::{Diagnostic, Diagnostics};
use crate::fields::{check_authors, check_http_url, check_tags, parse_req, text_field};
use crate::name::PluginName;
use crate::path::IndexPath;
use crate::plugin::{Permission, Target, check_artifact_url};
use crate::settings::{RawSetting, Settings, validate_settings};
use crate::unknown::UnknownFields;
use crate::version::Version;

/// A validated `plugin.toml`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublishManifest {
    pub name: PluginName,
    pub version: Version,
    pub description: String,
    pub license: Option<String>,
    pub repository: Option<String>,
    pub homepage: Option<String>,
    pub authors: Vec<String>,
    pub support: Option<String>,
    pub keywords: Vec<String>,
    pub categories: Vec<String>,
    pub engine: semver::VersionReq,
    pub permissions: Vec<Permission>,
    pub dependencies: BTreeMap<PluginName, semver::VersionReq>,
    pub artifacts: Vec<ManifestArtifact>,
    /// `[config.NAME]`: the settings this release declares (README
    /// "Plugin configuration").
    pub settings: Settings,
    /// A Markdown file to store with the release, relative to the
    /// manifest's folder and inside it (checked like an [`IndexPath`]).
    pub readme: Option<String>,
}

/// A built file named in `plugin.toml`: where it is on disk (relative to the
/// manifest) and, optionally, the URL it will be downloaded from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManifestArtifact {
    pub target: Target,
    pub path: Option<String>,
    pub url: Option<String>,
}

/// `plugin.toml`: one release of a plugin, as its publisher describes it.
#[derive(Deserialize)]
#[cfg_attr(feature = "json-schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "json-schema", schemars(title = "plugin.toml"))]
pub(crate) struct RawManifest {
    plugin: RawPluginSection,
    /// Other plugins this one needs: name = semver requirement.
    #[serde(default)]
    #[cfg_attr(
        feature = "json-schema",
        schemars(with = "BTreeMap<crate::PluginName, crate::json_schema::Requirement>")
    )]
    dependencies: BTreeMap<Spanned<String>, Spanned<String>>,
    /// The built files, one per target.
    #[serde(default)]
    artifact: Vec<RawManifestArtifact>,
    /// The settings this release can be configured with, by name.
    #[serde(default)]
    #[cfg_attr(
        feature = "json-schema",
        schemars(with = "BTreeMap<String, crate::settings::RawSetting>")
    )]
    config: BTreeMap<Spanned<String>, Spanned<RawSetting>>,
}

/// `[plugin]`: name, version and metadata of the release.
#[derive(Deserialize)]
#[cfg_attr(feature = "json-schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawPluginSection {
    #[cfg_attr(feature = "json-schema", schemars(with = "crate::PluginName"))]
    name: Spanned<String>,
    #[cfg_attr(feature = "json-schema", schemars(with = "crate::Version"))]
    version: Spanned<String>,
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
    /// The engine versions this release runs on, like `>=1.4, <2`.
    #[cfg_attr(
        feature = "json-schema",
        schemars(with = "crate::json_schema::Requirement")
    )]
    engine: Spanned<String>,
    /// What the plugin asks the host for, like `network`.
    #[serde(default)]
    #[cfg_attr(feature = "json-schema", schemars(with = "Vec<crate::Permission>"))]
    permissions: Vec<Spanned<String>>,
    /// A Markdown file shown on the index's web catalog, relative to this
    /// file's folder and inside it, like `README.md`; at most 512 KiB of UTF-8.
    #[cfg_attr(feature = "json-schema", schemars(with = "Option<String>"))]
    readme: Option<Spanned<String>>,
}

/// `[[artifact]]`: a built file for one target.
#[derive(Deserialize)]
#[cfg_attr(feature = "json-schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
struct RawManifestArtifact {
    #[cfg_attr(feature = "json-schema", schemars(with = "crate::Target"))]
    target: Spanned<String>,
    /// The file on disk, relative to plugin.toml.
    path: Option<String>,
    /// Where clients will download it from (absolute, or relative to the index's `artifact-base`).
    #[cfg_attr(
        feature = "json-schema",
        schemars(with = "Option<crate::json_schema::ArtifactUrl>")
    )]
    url: Option<Spanned<String>>,
}

impl PublishManifest {
    pub fn parse(file: &str, bytes: &[u8]) -> Result<PublishManifest, Vec<Diagnostic>> {
        let (raw, mut d, _) =
            crate::fields::raw_toml::<RawManifest>(file, bytes, UnknownFields::Refuse)?;
        let m = raw.validate(&mut d);
        match m {
            Some(m) if !d.has_errors() => Ok(m),
            _ => Err(d.into_vec()),
        }
    }
}

impl RawManifest {
    fn validate(self, d: &mut Diagnostics) -> Option<PublishManifest> {
        let p = self.plugin;
        let name = PluginName::new(p.name.get_ref())
            .map_err(|e| d.error(Some(p.name.span()), e.to_string()))
            .ok();
        let version = Version::parse(p.version.get_ref())
            .map_err(|e| d.error(Some(p.version.span()), e.to_string()))
            .ok();
        let description = text_field(d, &p.description, "description", 1000, false);
        let license = p
            .license
            .as_ref()
            .map(|l| text_field(d, l, "license", 200, true));
        check_http_url(d, p.repository.as_ref(), "repository");
        check_http_url(d, p.homepage.as_ref(), "homepage");
        check_http_url(d, p.support.as_ref(), "support");
        let authors = check_authors(d, &p.authors);
        check_tags(d, &p.keywords, "keywords");
        check_tags(d, &p.categories, "categories");
        let engine = parse_req(d, &p.engine, "engine requirement");
        let permissions = p
            .permissions
            .iter()
            .filter_map(|s| {
                Permission::new(s.get_ref())
                    .map_err(|e| d.error(Some(s.span()), e))
                    .ok()
            })
            .collect();
        let mut dependencies = BTreeMap::new();
        for (k, v) in &self.dependencies {
            match PluginName::new(k.get_ref()) {
                Ok(n) => {
                    if let Some(req) = parse_req(d, v, &format!("requirement for dependency `{n}`"))
                    {
                        dependencies.insert(n, req);
                    }
                }
                Err(e) => d.error(Some(k.span()), format!("dependency: {e}")),
            }
        }
        let settings = validate_settings(d, &self.config);
        let artifacts = self
            .artifact
            .into_iter()
            .filter_map(|a| validate_artifact(d, a))
            .collect();
        if let Some(r) = &p.readme
            && let Err(e) = IndexPath::new(r.get_ref())
        {
            d.error(
                Some(r.span()),
                format!(
                    "`readme` must be a path inside the folder of plugin.toml, like `README.md` or `docs/README.md`: {e}"
                ),
            );
        }
        Some(PublishManifest {
            name: name?,
            version: version?,
            description,
            license,
            repository: p.repository.map(Spanned::into_inner),
            homepage: p.homepage.map(Spanned::into_inner),
            authors,
            support: p.support.map(Spanned::into_inner),
            keywords: p.keywords.into_iter().map(Spanned::into_inner).collect(),
            categories: p.categories.into_iter().map(Spanned::into_inner).collect(),
            engine: engine?,
            permissions,
            dependencies,
            artifacts,
            settings,
            readme: p.readme.map(Spanned::into_inner),
        })
    }
}

fn validate_artifact(d: &mut Diagnostics, a: RawManifestArtifact) -> Option<ManifestArtifact> {
    let target = Target::new(a.target.get_ref())
        .map_err(|e| d.error(Some(a.target.span()), e))
        .ok()?;
    if let Some(u) = &a.url
        && let Err(e) = check_artifact_url(u.get_ref())
    {
        d.error(Some(u.span()), e);
    }
    Some(ManifestArtifact {
        target,
        path: a.path,
        url: a.url.map(Spanned::into_inner),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_documented_example() {
        let text = r#"
[plugin]
name = "hello-world"
version = "1.2.0"
description = "Greets the world"
engine = ">=1.4, <2"
permissions = ["network"]

[dependencies]
greeter-core = "^0.3"

[[artifact]]
target = "wasm32-wasip1"
path = "hello_world.wasm"
"#;
        let m = PublishManifest::parse("plugin.toml", text.as_bytes()).unwrap();
        assert_eq!(m.name.as_str(), "hello-world");
        assert_eq!(m.engine.to_string(), ">=1.4, <2");
        assert_eq!(m.dependencies.len(), 1);
        assert_eq!(m.artifacts[0].path.as_deref(), Some("hello_world.wasm"));
    }

    #[test]
    fn authors_and_support_are_read_and_checked_where_they_are() {
        let text = "[plugin]\nname = \"foo\"\nversion = \"1.0.0\"\ndescription = \"x\"\nengine = \"*\"\nauthors = [\"Jane <j@example.com>\"]\nsupport = \"https://example.com/help\"\n";
        let m = PublishManifest::parse("plugin.toml", text.as_bytes()).unwrap();
        assert_eq!(m.authors, ["Jane <j@example.com>"]);
        assert_eq!(m.support.as_deref(), Some("https://example.com/help"));
        let bad = text
            .replace("https://example.com/help", "example.com")
            .replace("\"Jane <j@example.com>\"", "\"\"");
        let errs = PublishManifest::parse("plugin.toml", bad.as_bytes()).unwrap_err();
        let all: Vec<String> = errs.iter().map(ToString::to_string).collect();
        assert_eq!(
            all,
            [
                "plugin.toml:7:11: error: `support` must be an http(s) URL, got `example.com`",
                "plugin.toml:6:12: error: `authors` must be 1 to 200 characters",
            ]
        );
    }

    #[test]
    fn a_readme_is_a_path_inside_the_manifests_folder() {
        let text = |readme: &str| {
            format!(
                "[plugin]\nname = \"foo\"\nversion = \"1.0.0\"\ndescription = \"x\"\nengine = \"*\"\nreadme = \"{readme}\"\n"
            )
        };
        let m = PublishManifest::parse("plugin.toml", text("docs/README.md").as_bytes()).unwrap();
        assert_eq!(m.readme.as_deref(), Some("docs/README.md"));
        let errors = |readme: &str| {
            PublishManifest::parse("plugin.toml", text(readme).as_bytes())
                .unwrap_err()
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
        };
        assert_eq!(
            errors("../README.md"),
            [
                "plugin.toml:6:10: error: `readme` must be a path inside the folder of plugin.toml, like `README.md` or `docs/README.md`: it contains `.` or `..`"
            ]
        );
        for outside in [
            "/etc/passwd",
            "C:/x.md",
            "docs/../../x.md",
            ".git/config",
            "",
        ] {
            assert_eq!(errors(outside).len(), 1, "{outside}");
        }
    }

    #[test]
    fn reports_every_problem_with_positions() {
        let text =
            "[plugin]\nname = \"Foo\"\nversion = \"1.2\"\ndescription = \"x\"\nengine = \"nope\"\n";
        let errs = PublishManifest::parse("plugin.toml", text.as_bytes()).unwrap_err();
        let lines: Vec<_> = errs.iter().map(|d| d.line).collect();
        assert_eq!(lines, vec![2, 3, 5], "{errs:#?}");
        assert!(
            errs[0]
                .to_string()
                .starts_with("plugin.toml:2:8: error: plugin name `Foo`")
        );
    }
}
