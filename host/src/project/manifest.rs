//! `plugres.toml`: what a project asks for.
//!
//! ```toml
//! [engine]
//! name = "demo-engine"         # optional; the engine its registries must serve
//! version = "1.4.2"            # the engine version this project runs
//! target = "wasm32-wasip1"     # optional; default: any + the host platform
//!
//! [registry.default]
//! index = "https://github.com/acme/plugin-index.git"  # git URL, sparse+https://..., or a path
//! root-keys = ["RWQ..."]
//! # artifact-mirror = "https://mirror.example.com/artifacts/"
//!
//! [plugins]
//! hello-world = "^1.2"
//! acme-audit = { version = "2", registry = "acme" }
//! greeter-core = { channel = "beta" }   # follow a release channel
//! my-plugin = { path = "../my-plugin" }   # a local build (README "Local plugin development")
//!
//! [settings]
//! install-dir = "plugins"
//! ```
//!
//! Parsed here into checked types; every problem is reported with its line
//! and column. The client edits it with a comment-keeping editor of its own.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use plugres_schema::{Channel, Diagnostic, Diagnostics, PluginName, PublicKey, Target};
use semver::VersionReq;
use serde::Deserialize;
use toml::Spanned;

use super::ProjectError;

#[cfg(feature = "json-schema")]
pub(crate) mod json_schema;

/// The manifest's file name.
pub const MANIFEST_FILE: &str = "plugres.toml";

/// The registry a plugin uses when it names none (unless there is only one).
pub const DEFAULT_REGISTRY: &str = "default";

/// The install dir when `[settings] install-dir` is absent.
pub const DEFAULT_INSTALL_DIR: &str = "plugins";

/// A validated `plugres.toml`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Manifest {
    pub engine: EngineSpec,
    pub registries: BTreeMap<String, RegistrySpec>,
    pub plugins: BTreeMap<PluginName, PluginSpec>,
    /// Relative to the project dir, `/`-separated.
    pub install_dir: String,
}

/// `[engine]`: the host engine the project runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EngineSpec {
    /// The engine the project's registries must serve (config.toml's
    /// `engine`); `None` in a manifest written before it was recorded.
    pub name: Option<String>,
    pub version: semver::Version,
    /// `None`: artifacts for `any` or the host platform.
    pub target: Option<Target>,
}

/// `[registry.NAME]`: an index and the root keys the project trusts for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegistrySpec {
    pub name: String,
    /// `index` as written (recorded in the lockfile).
    pub index: String,
    pub location: IndexLocation,
    pub root_keys: Vec<PublicKey>,
    /// Base URL to fetch artifacts from instead of their origin.
    pub artifact_mirror: Option<String>,
    /// `require-snapshot = true`: the index has a signed snapshot, and a
    /// config without snapshot keys is refused (a downgrade), even on a
    /// machine that never saw this index.
    pub require_snapshot: bool,
    /// `[engine] name`: the engine this registry's config.toml must name,
    /// or the index serves plugins for another engine and is refused.
    pub engine: Option<String>,
}

impl RegistrySpec {
    /// Where to download an artifact of this registry from when the
    /// registry has an `artifact-mirror`: the mirror base plus the layout of
    /// `plugres-index mirror-artifacts` (`<sha256[0..2]>/<sha256>/<file name>`),
    /// computed from the verified sha256 alone. `None` without a mirror.
    ///
    /// There is no fallback to the origin: a site with a mirror is often
    /// one that cannot reach the origin, and a quiet fallback would hide a
    /// mirror that is missing files. The lockfile keeps the origin's URLs,
    /// so a lock made behind a mirror works anywhere.
    pub fn mirror_url(&self, sha256: &plugres_schema::Sha256, file_name: &str) -> Option<String> {
        let base = self.artifact_mirror.as_deref()?;
        let sep = if base.ends_with('/') { "" } else { "/" };
        Some(format!(
            "{base}{sep}{}",
            plugres_schema::mirror_path(sha256, file_name)
        ))
    }
}

/// Where an index is, by the form of `index`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IndexLocation {
    /// A local directory (a checkout or mirror); relative paths are taken
    /// from the manifest's directory.
    Path(PathBuf),
    /// A git repository URL (`https://…`, `ssh://…`, `git@host:path`, `file://…`).
    Git(String),
    /// A static HTTP index: `sparse+https://…` (stored without `sparse+`).
    Sparse(String),
}

impl IndexLocation {
    /// Classifies `index` as written in plugres.toml.
    pub fn parse(index: &str, manifest_dir: &Path) -> Result<IndexLocation, String> {
        let index = index.trim();
        if index.is_empty() {
            return Err("`index` is empty: give a git URL, `sparse+https://…` or a path".into());
        }
        if crate::url::has_password(index) {
            return Err(format!(
                "`{}` carries a password; plugres.toml and plugres.lock are shared with the project, so remove it and give the token in credentials.toml (`[registry.NAME]` with `index` and `token`) or in `PLUGRES_REGISTRY_<NAME>_TOKEN`",
                crate::url::redact_url(index)
            ));
        }
        if let Some(url) = index.strip_prefix("sparse+") {
            return if url.starts_with("https://") || url.starts_with("http://") {
                Ok(IndexLocation::Sparse(url.to_string()))
            } else {
                Err(format!(
                    "`{index}`: a sparse index URL is `sparse+https://…` or `sparse+http://…`"
                ))
            };
        }
        if index.contains("://") || is_scp_like(index) {
            return Ok(IndexLocation::Git(index.to_string()));
        }
        Ok(IndexLocation::Path(manifest_dir.join(index)))
    }
}

/// `user@host:path`, git's scp-like syntax (but not `C:\x` or `./a:b`).
fn is_scp_like(s: &str) -> bool {
    match s.split_once(':') {
        Some((host, _)) => host.contains('@') && !host.contains('/'),
        None => false,
    }
}

/// One entry of `[plugins]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PluginSpec {
    /// The version requirement; `*` when [`channel`](Self::channel) is set
    /// (the channel decides the version then).
    pub req: VersionReq,
    /// The registry it comes from (resolved: never empty). For a local
    /// plugin ([`PluginSpec::path`]), the registry its dependencies that
    /// plugres.toml does not list come from (empty when there is none).
    pub registry: String,
    /// `{ channel = "beta" }`: the version a release channel names (README
    /// "Channels"), instead of a requirement.
    pub channel: Option<Channel>,
    /// `config = { KEY = VALUE }` / `[plugins.NAME.config]`: the project's
    /// values for the plugin's settings (README "Plugin configuration"),
    /// checked against the locked version's declarations at lock and
    /// install time and by the host.
    pub config: BTreeMap<String, ConfigValue>,
    /// `path = "DIR"`: a local build in DIR (its plugin.toml), used instead
    /// of any registry's plugin of this name (README "Local plugin
    /// development").
    pub path: Option<LocalPath>,
}

/// The folder of a local plugin: as written in plugres.toml (kept in
/// plugres.lock) and resolved against the project folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalPath {
    pub written: String,
    pub dir: PathBuf,
}

impl LocalPath {
    /// The folder `written` in plugres.toml of the project in `project_dir`.
    pub fn new(written: &str, project_dir: &Path) -> LocalPath {
        LocalPath {
            written: written.to_string(),
            dir: lexical(&project_dir.join(written)),
        }
    }
}

/// `path` without `.` parts and with each `..` taking away the part
/// before it, so messages name `/work/my-plugin`, not
/// `/work/game/../my-plugin` (symlinks are the file system's business).
fn lexical(path: &Path) -> PathBuf {
    use std::path::Component;
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir
                if matches!(out.components().next_back(), Some(Component::Normal(_))) =>
            {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

/// A setting's value as plugres.toml gives it, with where, for messages.
#[derive(Debug, Clone, PartialEq)]
pub struct ConfigValue {
    pub value: toml::Value,
    /// `plugres.toml:LINE:COLUMN`.
    pub at: String,
}

impl Eq for ConfigValue {}

impl PluginSpec {
    /// The local plugin's path as written, if this is one.
    pub fn local(&self) -> Option<&str> {
        self.path.as_ref().map(|p| p.written.as_str())
    }

    /// Whether locked plugin `p` still meets this entry: its version
    /// matches the requirement, or for a channel, it was locked through
    /// the same channel (which may have moved since: `update` follows it).
    pub fn locked_by(&self, p: &super::LockedPlugin) -> bool {
        match &self.channel {
            Some(c) => p.channel.as_ref() == Some(c),
            None => p.channel.is_none() && self.req.matches(p.version.semver()),
        }
    }

    /// The requirement as plugres.toml writes it: `^1.2` or `@beta`.
    pub fn describe(&self) -> String {
        match &self.channel {
            Some(c) => format!("@{c}"),
            None => self.req.to_string(),
        }
    }
}

/// `plugres.toml`: the engine a project runs, the registries it trusts
/// and the plugins it wants.
#[derive(Deserialize)]
#[cfg_attr(feature = "json-schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "json-schema", schemars(title = "plugres.toml"))]
struct RawManifest {
    engine: RawEngine,
    /// Indexes to take plugins from, by name; `default` serves plugins that name none.
    #[serde(default)]
    #[cfg_attr(
        feature = "json-schema",
        schemars(with = "BTreeMap<json_schema::RegistryName, RawRegistry>")
    )]
    registry: BTreeMap<Spanned<String>, Spanned<RawRegistry>>,
    /// The plugins wanted: name = requirement, or a table naming the registry.
    #[serde(default)]
    #[cfg_attr(
        feature = "json-schema",
        schemars(with = "BTreeMap<PluginName, json_schema::PluginRequirement>")
    )]
    plugins: BTreeMap<Spanned<String>, Spanned<toml::Value>>,
    settings: Option<RawSettings>,
}

/// `[engine]`: the host engine the project runs.
#[derive(Deserialize)]
#[cfg_attr(feature = "json-schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
struct RawEngine {
    /// The engine's name as its indexes' config.toml give it (`plugres init`
    /// and `registry add` record it); a registry serving another engine is refused.
    #[cfg_attr(feature = "json-schema", schemars(with = "Option<String>"))]
    name: Option<Spanned<String>>,
    /// The engine version this project runs, like `1.4.2`.
    #[cfg_attr(feature = "json-schema", schemars(with = "json_schema::EngineVersion"))]
    version: Spanned<String>,
    /// Artifacts to install; default: `any` and the host platform.
    #[cfg_attr(feature = "json-schema", schemars(with = "Option<Target>"))]
    target: Option<Spanned<String>>,
}

/// `[registry.NAME]`: an index and the root keys trusted for it.
#[derive(Deserialize)]
#[cfg_attr(feature = "json-schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawRegistry {
    /// A git URL, `sparse+https://…`, or a path (a checkout or mirror).
    #[cfg_attr(feature = "json-schema", schemars(with = "String", length(min = 1)))]
    index: Spanned<String>,
    /// The index's root public keys (`RWQ…`), as printed by `plugres-index init`.
    #[serde(default)]
    #[cfg_attr(
        feature = "json-schema",
        schemars(with = "Vec<PublicKey>", length(min = 1))
    )]
    root_keys: Vec<Spanned<String>>,
    /// Base URL of an artifact mirror (`plugres-index mirror-artifacts`);
    /// when set, artifacts are downloaded from it instead of their origin.
    #[cfg_attr(
        feature = "json-schema",
        schemars(with = "Option<String>", regex(pattern = "^(https?|file)://[^\\s]*$"))
    )]
    artifact_mirror: Option<Spanned<String>>,
    /// The index serves a signed snapshot and timestamp: refuse it if it
    /// stops (written by `plugres init --registry` / `registry add`).
    #[serde(default)]
    require_snapshot: bool,
}

/// The user config file (`$PLUGRES_HOME/config.toml`, else
/// `~/.config/plugres/config.toml`): registries for commands run outside
/// a project (`plugres search`, `plugres categories`).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawUserConfig {
    #[serde(default)]
    registry: BTreeMap<Spanned<String>, Spanned<RawRegistry>>,
}

/// The `[registry.NAME]` tables of the user config file `text` (as in
/// plugres.toml, checked the same way); `file` names it in diagnostics
/// and relative index paths are taken from `dir`.
pub fn user_registries(
    file: &str,
    text: &str,
    dir: &Path,
) -> Result<BTreeMap<String, RegistrySpec>, Vec<Diagnostic>> {
    let mut d = Diagnostics::new(file, text);
    let raw: RawUserConfig = match toml::from_str(text) {
        Ok(r) => r,
        Err(e) => {
            d.toml_error(&e);
            return Err(d.into_vec());
        }
    };
    let registries: BTreeMap<String, RegistrySpec> = raw
        .registry
        .into_iter()
        .filter_map(|(name, reg)| validate_registry(&mut d, name, reg, dir))
        .map(|r| (r.name.clone(), r))
        .collect();
    refuse_shared_env_vars(&mut d, &registries);
    if d.has_errors() {
        Err(d.into_vec())
    } else {
        Ok(registries)
    }
}

/// `[settings]`
#[derive(Deserialize)]
#[cfg_attr(feature = "json-schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawSettings {
    /// Where plugins are installed, relative to the project; default `plugins`.
    #[cfg_attr(feature = "json-schema", schemars(with = "Option<String>"))]
    install_dir: Option<Spanned<String>>,
}

impl Manifest {
    /// Reads and validates the manifest at `path`.
    pub fn load(path: &Path) -> Result<Manifest, ProjectError> {
        let text = std::fs::read_to_string(path).map_err(|source| ProjectError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        let dir = path.parent().unwrap_or(Path::new("."));
        Manifest::parse(&path.display().to_string(), &text, dir).map_err(|diagnostics| {
            ProjectError::Invalid {
                path: path.to_path_buf(),
                diagnostics,
            }
        })
    }

    /// Validates manifest `text`; `file` names it in diagnostics and
    /// relative index paths are taken from `dir`.
    pub fn parse(file: &str, text: &str, dir: &Path) -> Result<Manifest, Vec<Diagnostic>> {
        let mut d = Diagnostics::new(file, text);
        let raw: RawManifest = match toml::from_str(text) {
            Ok(r) => r,
            Err(e) => {
                d.toml_error(&e);
                return Err(d.into_vec());
            }
        };
        let manifest = raw.validate(&mut d, dir, text);
        match manifest {
            Some(m) if !d.has_errors() => Ok(m),
            _ => Err(d.into_vec()),
        }
    }

    /// The registry plugin `name` comes from.
    pub fn registry_of(&self, name: &PluginName) -> Option<&RegistrySpec> {
        self.registries.get(&self.plugins.get(name)?.registry)
    }

    /// The install dir under `project_dir`.
    pub fn install_dir_in(&self, project_dir: &Path) -> PathBuf {
        self.install_dir
            .split('/')
            .fold(project_dir.to_path_buf(), |p, s| p.join(s))
    }
}

impl RawManifest {
    fn validate(self, d: &mut Diagnostics, dir: &Path, text: &str) -> Option<Manifest> {
        let engine = validate_engine(d, self.engine);
        let engine_name = engine.as_ref().and_then(|e| e.name.clone());
        let registries: BTreeMap<String, RegistrySpec> = self
            .registry
            .into_iter()
            .filter_map(|(name, reg)| validate_registry(d, name, reg, dir))
            .map(|r| {
                let engine = engine_name.clone();
                (r.name.clone(), RegistrySpec { engine, ..r })
            })
            .collect();
        refuse_shared_env_vars(d, &registries);
        let default = default_registry(&registries);
        let mut plugins = BTreeMap::new();
        for (name, value) in &self.plugins {
            let parsed = PluginName::new(name.get_ref())
                .map_err(|e| d.error(Some(name.span()), e.to_string()))
                .ok();
            let spec = validate_plugin(d, name.get_ref(), value, &registries, default, (text, dir));
            if let (Some(n), Some(s)) = (parsed, spec) {
                plugins.insert(n, s);
            }
        }
        let install_dir = match self.settings.and_then(|s| s.install_dir) {
            Some(dir) => validate_install_dir(d, &dir),
            None => DEFAULT_INSTALL_DIR.to_string(),
        };
        Some(Manifest {
            engine: engine?,
            registries,
            plugins,
            install_dir,
        })
    }
}

fn validate_engine(d: &mut Diagnostics, raw: RawEngine) -> Option<EngineSpec> {
    let version = semver::Version::parse(raw.version.get_ref())
        .map_err(|e| {
            d.error(
                Some(raw.version.span()),
                format!(
                    "engine version `{}` is not a semver version (like `1.4.2`): {e}",
                    raw.version.get_ref()
                ),
            )
        })
        .ok();
    let target = match &raw.target {
        Some(t) => Some(
            Target::new(t.get_ref())
                .map_err(|e| d.error(Some(t.span()), e))
                .ok()?,
        ),
        None => None,
    };
    let name = raw.name.and_then(|n| {
        let ok = !n.get_ref().trim().is_empty() && n.get_ref().trim() == n.get_ref();
        if !ok {
            d.error(
                Some(n.span()),
                "engine `name` must be the engine's name as its index's config.toml gives it (like `demo-engine`)",
            );
        }
        ok.then(|| n.into_inner())
    });
    Some(EngineSpec {
        name,
        version: version?,
        target,
    })
}

fn validate_registry(
    d: &mut Diagnostics,
    name: Spanned<String>,
    raw: Spanned<RawRegistry>,
    dir: &Path,
) -> Option<RegistrySpec> {
    let span = raw.span();
    let raw = raw.into_inner();
    let ok_name = is_registry_name(name.get_ref());
    if !ok_name {
        d.error(
            Some(name.span()),
            format!(
                "registry name `{}` must be 1-64 lowercase letters, digits, `-` or `_`, starting with a letter or digit",
                name.get_ref()
            ),
        );
    }
    let location = IndexLocation::parse(raw.index.get_ref(), dir)
        .map_err(|e| d.error(Some(raw.index.span()), e))
        .ok();
    if raw.root_keys.is_empty() {
        d.error(
            Some(span),
            format!(
                "registry `{}` has no `root-keys`: plugres trusts an index only through a root key pinned here (the key printed by `plugres-index init`)",
                name.get_ref()
            ),
        );
    }
    let root_keys: Vec<PublicKey> = raw
        .root_keys
        .iter()
        .filter_map(|k| {
            PublicKey::parse(k.get_ref())
                .map_err(|e| d.error(Some(k.span()), e))
                .ok()
        })
        .collect();
    if let Some(m) = &raw.artifact_mirror {
        let u = m.get_ref();
        let ok =
            (u.starts_with("https://") || u.starts_with("http://") || u.starts_with("file://"))
                && !u.contains(char::is_whitespace);
        if !ok {
            d.error(
                Some(m.span()),
                format!("`artifact-mirror` must be an http(s):// or file:// URL, got `{u}`"),
            );
        }
    }
    ok_name.then_some(())?;
    Some(RegistrySpec {
        name: name.into_inner(),
        index: raw.index.into_inner(),
        location: location?,
        root_keys,
        artifact_mirror: raw.artifact_mirror.map(Spanned::into_inner),
        require_snapshot: raw.require_snapshot,
        engine: None,
    })
}

/// `acme-x` and `acme_x` would read their token from the same
/// `PLUGRES_REGISTRY_ACME_X_TOKEN`: refuse such pairs.
fn refuse_shared_env_vars(d: &mut Diagnostics, registries: &BTreeMap<String, RegistrySpec>) {
    let mut seen: BTreeMap<String, &str> = BTreeMap::new();
    for name in registries.keys() {
        let stem = super::env_stem(name);
        if let Some(other) = seen.insert(stem, name) {
            d.error(
                None,
                format!(
                    "registries `{other}` and `{name}` differ only by `-` and `_`, so they would share the token variable `{}`; rename one",
                    super::env_var_for(name)
                ),
            );
        }
    }
}

/// Whether `s` may name a registry: 1-64 lowercase letters, digits, `-` or
/// `_`, starting with a letter or digit.
pub fn is_registry_name(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && s.as_bytes()[0].is_ascii_alphanumeric()
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
}

/// The registry of plugins that name none: `default`, or the only one.
fn default_registry(registries: &BTreeMap<String, RegistrySpec>) -> Option<&str> {
    if registries.contains_key(DEFAULT_REGISTRY) {
        Some(DEFAULT_REGISTRY)
    } else if registries.len() == 1 {
        registries.keys().next().map(String::as_str)
    } else {
        None
    }
}

fn validate_plugin(
    d: &mut Diagnostics,
    name: &str,
    value: &Spanned<toml::Value>,
    registries: &BTreeMap<String, RegistrySpec>,
    default: Option<&str>,
    (text, dir): (&str, &Path),
) -> Option<PluginSpec> {
    let span = || Some(value.span());
    let mut config = BTreeMap::new();
    let mut path = None;
    let (req, registry) = match value.get_ref() {
        toml::Value::String(s) => (s.as_str(), None),
        toml::Value::Table(t) => {
            let keys = ["version", "registry", "channel", "config", "path"];
            if let Some(k) = t.keys().find(|k| !keys.contains(&k.as_str())) {
                d.error(
                    span(),
                    format!(
                        "plugin `{name}`: unknown key `{k}` (expected `version` or `channel`, `registry` and `config`; or `path`)"
                    ),
                );
            }
            config = plugin_config(d, name, value, text);
            let req = t.get("version").and_then(toml::Value::as_str);
            let registry = t.get("registry").map(|r| r.as_str().unwrap_or(""));
            path = match t.get("path") {
                Some(p) => Some(validate_path(d, name, p, span(), dir)?),
                None => None,
            };
            match (req, t.get("channel")) {
                (_, Some(_)) if path.is_some() => {
                    d.error(
                        span(),
                        format!("plugin `{name}` has `path` and `channel`: a local build has the one version its plugin.toml gives"),
                    );
                    return None;
                }
                // A local plugin has the one version its plugin.toml gives.
                (None, None) if path.is_some() => ("*", registry),
                (Some(_), Some(_)) => {
                    d.error(
                        span(),
                        format!("plugin `{name}` has both `version` and `channel`; give one"),
                    );
                    return None;
                }
                (Some(r), None) => (r, registry),
                (None, Some(c)) => {
                    let channel = c.as_str().unwrap_or("").to_string();
                    let channel = Channel::new(&channel)
                        .map_err(|e| d.error(span(), format!("plugin `{name}`: {e}")))
                        .ok();
                    let registry = plugin_registry(d, name, span(), registry, registries, default);
                    return Some(PluginSpec {
                        req: VersionReq::STAR,
                        registry: registry?,
                        channel: Some(channel?),
                        config,
                        path: None,
                    });
                }
                (None, None) => {
                    d.error(
                        span(),
                        format!("plugin `{name}` needs `version`, like `{{ version = \"^1.2\" }}`, or `channel`, like `{{ channel = \"beta\" }}`"),
                    );
                    return None;
                }
            }
        }
        _ => {
            d.error(
                span(),
                format!(
                    "plugin `{name}`: expected a version requirement like `\"^1.2\"` or a table like `{{ version = \"^1.2\", registry = \"acme\" }}`"
                ),
            );
            return None;
        }
    };
    let req = VersionReq::parse(req)
        .map_err(|e| {
            let follow = match Channel::new(req) {
                Ok(_) => format!("; to follow the release channel `{req}`, write `{name} = {{ channel = \"{req}\" }}`"),
                Err(_) => String::new(),
            };
            d.error(
                span(),
                format!(
                    "plugin `{name}`: `{req}` is not a version requirement (like `^1.2` or `>=1, <3`): {e}{follow}"
                ),
            )
        })
        .ok();
    let registry = match (&path, registry, default) {
        // A local plugin needs a registry only for its dependencies.
        (Some(_), None, None) => Some(String::new()),
        _ => plugin_registry(d, name, span(), registry, registries, default),
    };
    Some(PluginSpec {
        req: req?,
        registry: registry?,
        channel: None,
        config,
        path,
    })
}

/// The `config` table of plugin `name`'s entry: setting name = a string,
/// integer, float or boolean. Positions are found in `text` (a value
/// parsed as `toml::Value` has none): the key's first occurrence after the
/// entry's start.
fn plugin_config(
    d: &mut Diagnostics,
    name: &str,
    entry: &Spanned<toml::Value>,
    text: &str,
) -> BTreeMap<String, ConfigValue> {
    let mut out = BTreeMap::new();
    let Some(config) = entry.get_ref().get("config") else {
        return out;
    };
    let Some(table) = config.as_table() else {
        d.error(
            Some(entry.span()),
            format!("plugin `{name}`: `config` must be a table of settings, like `config = {{ greeting = \"Hi\" }}`"),
        );
        return out;
    };
    for (key, value) in table {
        let offset = find_key(text, entry.span().start, key);
        let (line, column) = d.line_col(offset);
        let at = format!("{}:{line}:{column}", d.file());
        if !plugres_schema::is_setting_name(key) {
            d.error(
                Some(offset..offset),
                format!("plugin `{name}`: `{key}` is not a setting name"),
            );
            continue;
        }
        if matches!(
            value,
            toml::Value::Array(_) | toml::Value::Table(_) | toml::Value::Datetime(_)
        ) {
            d.error(
                Some(offset..offset),
                format!(
                    "plugin `{name}`: setting `{key}` must be a string, integer, float or boolean"
                ),
            );
            continue;
        }
        out.insert(
            key.clone(),
            ConfigValue {
                value: value.clone(),
                at,
            },
        );
    }
    out
}

/// The byte offset of `key =` at or after `from` in `text` (else `from`).
fn find_key(text: &str, from: usize, key: &str) -> usize {
    let rest = text.get(from..).unwrap_or("");
    let mut at = 0;
    while let Some(i) = rest[at..].find(key) {
        let start = at + i;
        let before = rest[..start].chars().next_back();
        let after = rest[start + key.len()..].trim_start_matches([' ', '\t', '"']);
        let word_start =
            before.is_none_or(|c| !(c.is_ascii_alphanumeric() || c == '_' || c == '-'));
        if word_start && after.starts_with('=') {
            return from + start;
        }
        at = start + key.len();
    }
    from
}

/// `path = "DIR"` of a local plugin: a non-empty string, resolved
/// against the project folder `dir`.
fn validate_path(
    d: &mut Diagnostics,
    name: &str,
    value: &toml::Value,
    span: Option<std::ops::Range<usize>>,
    dir: &Path,
) -> Option<LocalPath> {
    match value.as_str().map(str::trim) {
        Some(p) if !p.is_empty() => Some(LocalPath::new(p, dir)),
        _ => {
            d.error(
                span,
                format!(
                    "plugin `{name}`: `path` must be the folder of the plugin's plugin.toml, like `path = \"../{name}\"`"
                ),
            );
            None
        }
    }
}

/// The registry a `[plugins]` entry takes its plugin from: the one it
/// names, else the default.
fn plugin_registry(
    d: &mut Diagnostics,
    name: &str,
    at: Option<std::ops::Range<usize>>,
    registry: Option<&str>,
    registries: &BTreeMap<String, RegistrySpec>,
    default: Option<&str>,
) -> Option<String> {
    let span = || at.clone();
    let registry = match registry {
        Some(r) if registries.contains_key(r) => r.to_string(),
        Some(r) => {
            d.error(
                span(),
                format!(
                    "plugin `{name}` names registry `{r}`, which has no `[registry.{r}]` table"
                ),
            );
            return None;
        }
        None => match default {
            Some(r) => r.to_string(),
            None => {
                d.error(
                    span(),
                    format!(
                        "plugin `{name}` names no registry, and there is no `[registry.{DEFAULT_REGISTRY}]`: add `registry = \"NAME\"` to it, or name a registry `{DEFAULT_REGISTRY}`"
                    ),
                );
                return None;
            }
        },
    };
    Some(registry)
}

/// Folders an install dir may not be or lie in: version control and
/// plugres's own (README "plugres.toml": `install-dir`).
const RESERVED_DIRS: &[&str] = &[
    ".git", ".hg", ".svn", ".bzr", ".jj", ".pijul", "_darcs", ".plugres",
];

fn validate_install_dir(d: &mut Diagnostics, raw: &Spanned<String>) -> String {
    let s = raw.get_ref().trim_end_matches('/');
    let relative = !s.is_empty()
        && !s.starts_with('/')
        && !s.contains('\\')
        && !s.contains(':')
        && s.split('/').all(|seg| !seg.is_empty() && seg != "..");
    // `./plugins` is `plugins`; `.` alone is the project folder.
    let segments: Vec<&str> = s.split('/').filter(|seg| *seg != ".").collect();
    let reserved = segments.iter().find(|seg| RESERVED_DIRS.contains(seg));
    let problem = match reserved {
        _ if !relative => Some("a relative path inside the project".to_string()),
        _ if segments.is_empty() => Some("a folder of its own, not the project folder".to_string()),
        Some(dir) => Some(format!("a folder of its own, not inside `{dir}`")),
        None => None,
    };
    if let Some(what) = problem {
        d.error(
            Some(raw.span()),
            format!(
                "`install-dir` must be {what} (like `plugins`), got `{}`",
                raw.get_ref()
            ),
        );
    }
    segments.join("/")
}

#[cfg(test)]
mod tests;
