//! `plugres init` and `plugres registry add|remove|list`: the project's
//! engine and the indexes it trusts.
//!
//! Adding a registry pins its root key(s) and verifies the index's config
//! against them right away (over the network unless `--offline`), so a
//! wrong key, URL or engine is caught when it is typed, not at the next
//! `add`.

use std::path::Path;

use plugres_schema::{PublicKey, Target};
use serde::Serialize;

use super::lock::acquire;
use super::{OpsError, Options, load, load_locked, registries};
use crate::project::{
    DEFAULT_REGISTRY, IndexLocation, MANIFEST_FILE, Manifest, ManifestEditor, Project, ProjectExt,
    RegistrySpec,
};

/// What `plugres init` was asked for.
#[derive(Debug, Clone)]
pub struct InitRequest {
    pub engine_version: semver::Version,
    pub target: Option<String>,
    /// `--registry INDEX --key KEY`: a first registry, named `default`.
    pub registry: Option<(String, Vec<String>)>,
    /// `[engine] name`, known before any registry says it (`init --global`
    /// makes the user project of that engine): a registry serving another
    /// engine is then refused.
    pub engine_name: Option<String>,
}

/// A registry as plugres.toml has it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RegistryReport {
    pub name: String,
    pub index: String,
    pub root_keys: Vec<String>,
    /// The index's config was read and its signature checked against the keys.
    pub verified: bool,
    /// The engine the index serves, when verified.
    pub engine: Option<String>,
}

/// The result of `plugres registry list` (and of `init`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RegistryList {
    pub manifest: String,
    pub registries: Vec<RegistryReport>,
}

fn parse_keys(keys: &[String]) -> Result<Vec<PublicKey>, OpsError> {
    if keys.is_empty() {
        return Err(OpsError::failed(
            "a registry needs its root key: pass `--key KEY`",
            &["the key is printed by `plugres-index init` and published by the index's owners"],
        ));
    }
    keys.iter()
        .map(|k| PublicKey::parse(k).map_err(|e| OpsError::failed(e, &[])))
        .collect()
}

/// Verifies the index of `spec` as it is added: reachable, its config
/// signed by the pinned root keys, serving the project's engine (recorded
/// as `[engine] name` when plugres.toml has none yet). An index with a
/// signed snapshot gets `require-snapshot = true`, so no later host can
/// switch it off. `--offline` skips a git or sparse index (checked on first
/// use instead); a local one is always checked.
fn check(
    spec: &RegistrySpec,
    editor: &mut ManifestEditor,
    opts: &Options,
) -> Result<RegistryReport, OpsError> {
    let mut report = RegistryReport {
        name: spec.name.clone(),
        index: spec.index.clone(),
        root_keys: spec.root_keys.iter().map(|k| k.to_string()).collect(),
        verified: false,
        engine: None,
    };
    let local = matches!(spec.location, IndexLocation::Path(_));
    if opts.offline && !local {
        return Ok(report);
    }
    let index = registries::open(spec, opts).map_err(|e| unchecked_hint(e, local))?;
    let engine = index.config().engine.clone();
    editor.set_engine_name(&engine)?;
    report.verified = true;
    report.engine = Some(engine);
    if index.snapshot_version().is_some() {
        editor.require_snapshot(&spec.name)?;
    }
    Ok(report)
}

/// `err`, with the way to add a remote registry that cannot be checked now.
fn unchecked_hint(err: OpsError, local: bool) -> OpsError {
    if local {
        return err;
    }
    let mut hints = err.hints();
    if hints.iter().any(|h| h.contains("`sparse+")) {
        return OpsError::Failed {
            message: err.to_string(),
            hints,
        };
    }
    hints.push(
        "nothing was written; to add it without checking now (it is checked on first use), pass `--offline`"
            .to_string(),
    );
    OpsError::Failed {
        message: err.to_string(),
        hints,
    }
}

/// `plugres init`: writes a new plugres.toml in `dir`.
pub fn init(dir: &Path, request: &InitRequest, opts: &Options) -> Result<RegistryList, OpsError> {
    let project = Project::at(dir);
    if project.manifest_path.exists() {
        return Err(OpsError::failed(
            format!("`{}` already exists", project.manifest_path.display()),
            &["edit it, or use `plugres registry add` and `plugres add`"],
        ));
    }
    std::fs::create_dir_all(&project.dir).map_err(|e| {
        OpsError::failed(
            format!("cannot create `{}`: {e}", project.dir.display()),
            &[],
        )
    })?;
    let _guard = acquire(&project, opts)?;
    let mut editor = ManifestEditor::new(&project.manifest_path, &request.engine_version);
    if let Some(t) = &request.target {
        let target = Target::new(t).map_err(|e| OpsError::failed(e, &[]))?;
        editor.set_engine_target(Some(&target))?;
    }
    if let Some(name) = &request.engine_name {
        editor.set_engine_name(name)?;
    }
    let mut reports = Vec::new();
    if let Some((index, keys)) = &request.registry {
        let keys = parse_keys(keys)?;
        editor.add_registry("default", index, &keys, None)?;
        let spec = manifest_spec(&editor, &project, "default")?;
        reports.push(check(&spec, &mut editor, opts)?);
    }
    editor.save()?;
    Ok(RegistryList {
        manifest: project.manifest_path.display().to_string(),
        registries: reports,
    })
}

/// The registry `name` as `editor` would save it.
fn manifest_spec(
    editor: &ManifestEditor,
    project: &Project,
    name: &str,
) -> Result<RegistrySpec, OpsError> {
    let text = editor.to_string();
    let manifest = crate::project::Manifest::parse(MANIFEST_FILE, &text, &project.dir).map_err(
        |diagnostics| {
            OpsError::Project(crate::project::ProjectError::Invalid {
                path: project.manifest_path.clone(),
                diagnostics,
            })
        },
    )?;
    manifest
        .registries
        .get(name)
        .cloned()
        .ok_or_else(|| OpsError::failed(format!("registry `{name}` was not added"), &[]))
}

/// `plugres registry add NAME INDEX --key KEY...`: adds (or re-pins) a registry.
pub fn registry_add(
    start: &Path,
    name: &str,
    index: &str,
    keys: &[String],
    opts: &Options,
) -> Result<RegistryReport, OpsError> {
    let (project, manifest, _guard) = load_locked(start, opts)?;
    let keys = parse_keys(keys)?;
    let mut editor = project.edit_manifest()?;
    pin_implicit_registry(&manifest, &mut editor, name);
    editor.add_registry(name, index, &keys, None)?;
    let spec = manifest_spec(&editor, &project, name)?;
    let report = check(&spec, &mut editor, opts)?;
    editor.save()?;
    Ok(report)
}

/// A plugin that names no registry comes from `default`, or from the only
/// registry when there is no `default` (README "For project users"). Adding
/// a second registry, `added`, would leave such plugins with none (or, when
/// it is named `default`, move them to it): each gets `registry = "ONLY"`
/// written, so plugres.toml stays valid and means what it meant.
fn pin_implicit_registry(manifest: &Manifest, editor: &mut ManifestEditor, added: &str) {
    let mut names = manifest.registries.keys();
    let (Some(only), None) = (names.next(), names.next()) else {
        return;
    };
    if only == DEFAULT_REGISTRY || only == added {
        return;
    }
    for (plugin, spec) in &manifest.plugins {
        if spec.registry == *only {
            editor.set_plugin_registry(plugin, only);
        }
    }
}

/// `plugres registry remove NAME`: refused while a plugin comes from it.
pub fn registry_remove(
    start: &Path,
    name: &str,
    opts: &Options,
) -> Result<RegistryReport, OpsError> {
    let (project, manifest, _guard) = load_locked(start, opts)?;
    let Some(spec) = manifest.registries.get(name) else {
        return Err(OpsError::failed(
            format!("there is no registry `{name}` in plugres.toml"),
            &["see them with `plugres registry list`"],
        ));
    };
    let users: Vec<String> = manifest
        .plugins
        .iter()
        .filter(|(_, s)| s.registry == name)
        .map(|(n, _)| n.to_string())
        .collect();
    if !users.is_empty() {
        return Err(OpsError::Failed {
            message: format!("registry `{name}` is still used by {}", users.join(", ")),
            hints: vec![format!(
                "remove them first: `plugres remove {}`",
                users.join(" ")
            )],
        });
    }
    let report = RegistryReport {
        name: name.to_string(),
        index: spec.index.clone(),
        root_keys: spec.root_keys.iter().map(|k| k.to_string()).collect(),
        verified: false,
        engine: None,
    };
    let mut editor = project.edit_manifest()?;
    editor.remove_registry(name);
    editor.save()?;
    Ok(report)
}

/// `plugres registry list`: the registries of plugres.toml (not opened).
pub fn registry_list(start: &Path) -> Result<RegistryList, OpsError> {
    let (project, manifest) = load(start)?;
    Ok(RegistryList {
        manifest: project.manifest_path.display().to_string(),
        registries: manifest
            .registries
            .values()
            .map(|spec| RegistryReport {
                name: spec.name.clone(),
                index: spec.index.clone(),
                root_keys: spec.root_keys.iter().map(|k| k.to_string()).collect(),
                verified: false,
                engine: None,
            })
            .collect(),
    })
}
