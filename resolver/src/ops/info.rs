//! `plugres info NAME`: what the indexes say about a plugin, read through
//! the same verification as resolution.

use std::collections::BTreeMap;

use plugres_schema::{PluginFile, PluginName};
use serde::Serialize;

use super::registries::Registries;
use super::{OpsError, Options, load};

/// One version in `plugres info`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VersionInfo {
    pub version: String,
    /// The engine versions it runs on.
    pub engine: String,
    /// Whether it runs on this project's engine version.
    pub runs_on_project_engine: bool,
    pub yanked: bool,
    pub yank_reason: Option<String>,
    pub permissions: Vec<String>,
    pub targets: Vec<String>,
    pub dependencies: BTreeMap<String, String>,
    pub published: String,
    /// The settings it declares (README "Plugin configuration").
    pub settings: plugres_schema::Settings,
    /// Whether its entry names a trusted publisher's attestation.
    pub attested: bool,
    /// The index's publish policy wants an attestation and it has none:
    /// plugres does not use it.
    pub unattested: bool,
}

/// Who released a version, by its verified attestation (README "Trusted
/// publishing").
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReleasedBy {
    pub version: String,
    /// The `[[trusted-publisher]]` of config.toml it verified as.
    pub publisher: String,
    pub repository: String,
    pub git_ref: String,
    pub commit: String,
    /// When the transparency log recorded the signature (UTC).
    pub signed_at: String,
    pub bundle_sha256: String,
}

/// The result of `plugres info NAME`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InfoReport {
    pub name: String,
    pub registry: String,
    pub description: String,
    pub license: Option<String>,
    pub repository: Option<String>,
    pub homepage: Option<String>,
    /// Who wrote the plugin (README "Plugin file"); empty when not given.
    pub authors: Vec<String>,
    /// Where users get help or documentation.
    pub support: Option<String>,
    pub keywords: Vec<String>,
    pub categories: Vec<String>,
    pub deprecated: Option<String>,
    /// Release channel -> the version it names (README "Channels"), with
    /// `latest` as this project's engine computes it (absent when no
    /// version is usable).
    pub channels: BTreeMap<String, String>,
    pub engine_name: String,
    pub project_engine: String,
    /// The version in plugres.lock, if locked.
    pub locked: Option<String>,
    /// Newest first.
    pub versions: Vec<VersionInfo>,
    /// The locked version's verified attestation, else the newest attested
    /// version's; `None` when no version is attested.
    pub released_by: Option<ReleasedBy>,
}

/// Describes plugin `name` from the registry plugres.toml takes it from
/// (or the first that has it; `registry` to choose).
pub fn info(
    start: &std::path::Path,
    name: &str,
    registry: Option<&str>,
    opts: &Options,
) -> Result<InfoReport, OpsError> {
    let (project, manifest) = load(start)?;
    let plugin =
        PluginName::new(name).map_err(|e| OpsError::failed(format!("`{name}`: {e}"), &[]))?;
    let handle = Registries::new(&manifest, opts);
    if let (None, Some(path)) = (
        registry,
        manifest.plugins.get(&plugin).and_then(|s| s.path.as_ref()),
    ) {
        let target = manifest.engine.target.as_ref().map(|t| t.as_str());
        let local = super::local::read(Some(&plugin), path, target)?;
        let locked = project
            .load_lockfile()?
            .and_then(|l| l.plugin(name).map(|p| p.version.to_string()));
        let engine_name = handle
            .engine_name(&manifest)
            .unwrap_or_else(|_| "the engine".into());
        return Ok(local_info(
            &local,
            &engine_name,
            &manifest.engine.version,
            locked,
        ));
    }
    let registries: Vec<String> = match (registry, manifest.plugins.get(&plugin)) {
        (Some(r), _) => vec![r.to_string()],
        (None, Some(spec)) => vec![spec.registry.clone()],
        (None, None) => handle.order().to_vec(),
    };
    let mut hints = Vec::new();
    for r in &registries {
        let index = handle.index(r)?;
        if let Some(file) = index.plugin(&plugin)? {
            let locked = project
                .load_lockfile()?
                .and_then(|l| l.plugin(name).map(|p| p.version.to_string()));
            let released_by = released_by(index, &file, locked.as_deref())?;
            let mut report = describe(
                &file,
                r,
                &index.config().engine,
                &manifest.engine.version,
                locked,
                index.requires_attestation(&plugin),
            );
            report.released_by = released_by;
            return Ok(report);
        }
        hints.extend(super::search::did_you_mean(index, name));
    }
    hints.push("find plugins with `plugres search WORDS`".to_string());
    Err(OpsError::Failed {
        message: format!("no plugin named `{name}` in {}", quoted(&registries)),
        hints,
    })
}

/// What a local plugin's plugin.toml says (README "Local plugin
/// development"): one version, unpublished; `registry` is `path DIR`.
fn local_info(
    local: &super::local::LocalPlugin,
    engine_name: &str,
    engine: &semver::Version,
    locked: Option<String>,
) -> InfoReport {
    let m = &local.manifest;
    let version = VersionInfo {
        version: m.version.to_string(),
        engine: m.engine.to_string(),
        runs_on_project_engine: m.engine.matches(engine),
        yanked: false,
        yank_reason: None,
        permissions: m.permissions.iter().map(|p| p.to_string()).collect(),
        targets: m.artifacts.iter().map(|a| a.target.to_string()).collect(),
        dependencies: m
            .dependencies
            .iter()
            .map(|(n, r)| (n.to_string(), r.to_string()))
            .collect(),
        published: "unpublished (local build)".to_string(),
        settings: m.settings.clone(),
        attested: false,
        unattested: false,
    };
    InfoReport {
        name: m.name.to_string(),
        registry: format!("path {}", local.written),
        description: m.description.clone(),
        license: m.license.clone(),
        repository: m.repository.clone(),
        homepage: m.homepage.clone(),
        authors: m.authors.clone(),
        support: m.support.clone(),
        keywords: m.keywords.clone(),
        categories: m.categories.clone(),
        deprecated: None,
        engine_name: engine_name.to_string(),
        project_engine: engine.to_string(),
        locked,
        versions: vec![version],
        channels: BTreeMap::new(),
        released_by: None,
    }
}

/// The verified attestation `info` shows: the locked version's, else the
/// newest attested one's.
fn released_by(
    index: &crate::index::VerifiedIndex,
    file: &PluginFile,
    locked: Option<&str>,
) -> Result<Option<ReleasedBy>, OpsError> {
    let locked = locked.and_then(|v| plugres_schema::Version::parse(v).ok());
    let entry = match locked.as_ref().and_then(|v| file.get(v)) {
        Some(v) => Some(v),
        None => file
            .versions
            .iter()
            .filter(|v| v.attestation.is_some())
            .max_by(|a, b| a.version.cmp(&b.version)),
    };
    let Some(entry) = entry.filter(|v| v.attestation.is_some()) else {
        return Ok(None);
    };
    let Some(a) = index.attestation(&file.name, entry)? else {
        return Ok(None);
    };
    Ok(Some(ReleasedBy {
        version: entry.version.to_string(),
        publisher: a.publisher.to_string(),
        repository: a.repository,
        git_ref: a.git_ref,
        commit: a.commit,
        signed_at: plugres_schema::time::format_utc(u64::try_from(a.signed_at).unwrap_or(0)),
        bundle_sha256: a.bundle_sha256.to_hex(),
    }))
}

fn quoted(registries: &[String]) -> String {
    let list: Vec<String> = registries.iter().map(|r| format!("`{r}`")).collect();
    format!("registry {}", list.join(", "))
}

fn describe(
    file: &PluginFile,
    registry: &str,
    engine_name: &str,
    engine: &semver::Version,
    locked: Option<String>,
    attested_only: bool,
) -> InfoReport {
    let mut versions: Vec<VersionInfo> = file
        .versions
        .iter()
        .map(|v| VersionInfo {
            version: v.version.to_string(),
            engine: v.engine.to_string(),
            runs_on_project_engine: v.engine.matches(engine),
            yanked: v.yanked,
            yank_reason: v.yank_reason.clone(),
            permissions: v.permissions.iter().map(|p| p.to_string()).collect(),
            targets: v.artifacts.iter().map(|a| a.target.to_string()).collect(),
            dependencies: v
                .dependencies
                .iter()
                .map(|(n, r)| (n.to_string(), r.to_string()))
                .collect(),
            published: v.published.clone(),
            settings: v.settings.clone(),
            attested: v.attestation.is_some(),
            unattested: attested_only && v.attestation.is_none(),
        })
        .collect();
    // Newest first, by precedence (build metadata ignored, README "Formats").
    versions.sort_by(|a, b| {
        let parse = |s: &str| plugres_schema::Version::parse(s).ok();
        parse(&b.version).cmp(&parse(&a.version))
    });
    InfoReport {
        name: file.name.to_string(),
        registry: registry.to_string(),
        description: file.description.clone(),
        license: file.license.clone(),
        repository: file.repository.clone(),
        homepage: file.homepage.clone(),
        authors: file.authors.clone(),
        support: file.support.clone(),
        keywords: file.keywords.clone(),
        categories: file.categories.clone(),
        deprecated: file.deprecated.clone(),
        channels: channels(file, engine, attested_only),
        engine_name: engine_name.to_string(),
        project_engine: engine.to_string(),
        locked,
        versions,
        released_by: None,
    }
}

/// The declared channels and `latest` on `engine`.
/// The channels the file names, and `latest` as this project would take
/// it (only attested versions where the publish policy wants them).
fn channels(
    file: &PluginFile,
    engine: &semver::Version,
    attested_only: bool,
) -> BTreeMap<String, String> {
    let mut out: BTreeMap<String, String> = file
        .channels
        .iter()
        .map(|(c, v)| (c.to_string(), v.to_string()))
        .collect();
    let mut usable = std::borrow::Cow::Borrowed(file);
    if attested_only {
        usable.to_mut().versions.retain(|v| v.attestation.is_some());
    }
    if let Ok(latest) = usable.channel_version(&plugres_schema::Channel::latest(), engine) {
        out.insert("latest".to_string(), latest.version.to_string());
    }
    out
}
