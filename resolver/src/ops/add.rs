//! `plugres add` and `plugres remove`: edit plugres.toml, re-lock, install
//! (uv-style). plugres.toml is saved only after the new lock resolved and
//! every artifact checked out, so a failed `add` leaves no trace.

use std::collections::BTreeSet;

use plugres_schema::PluginName;
use semver::VersionReq;

use super::lock::{Apply, apply};
use super::plan::{Prefer, plan};
use super::registries::Registries;
use super::{ChangeReport, OpsError, Options, load_locked};
use crate::index::IndexCandidates;
use crate::project::{
    DEFAULT_REGISTRY, Lockfile, Manifest, ManifestEditor, ProjectError, ProjectExt,
};
use crate::resolve::newest;

/// What `plugres add` was asked for.
#[derive(Debug, Clone, Default)]
pub struct AddRequest {
    /// `NAME` or `NAME@REQ` (e.g. `hello-world@^1.2`).
    pub specs: Vec<String>,
    /// `--registry`: the registry of plugres.toml to take them from.
    pub registry: Option<String>,
    /// `--pre`: prereleases may be chosen.
    pub pre: bool,
}

/// Splits `NAME[@REQ]`, checking both.
fn parse_spec(spec: &str) -> Result<(PluginName, Option<VersionReq>), OpsError> {
    let (name, req) = match spec.split_once('@') {
        Some((n, r)) => (n, Some(r)),
        None => (spec, None),
    };
    let name = PluginName::new(name).map_err(|e| {
        OpsError::failed(
            format!("`{spec}`: {e}"),
            &["write a plugin as `NAME` or `NAME@REQ`, e.g. `hello-world@^1.2`"],
        )
    })?;
    let req = req
        .map(|r| {
            VersionReq::parse(r).map_err(|e| {
                OpsError::failed(
                    format!("`{spec}`: `{r}` is not a version requirement: {e}"),
                    &["requirements are written like cargo's: `^1.2`, `~1.2.3`, `>=1, <3`, `=1.2.0`"],
                )
            })
        })
        .transpose()?;
    Ok((name, req))
}

/// The manifest that `editor` would save, without saving it.
fn manifest_of(
    editor: &ManifestEditor,
    project_dir: &std::path::Path,
) -> Result<Manifest, OpsError> {
    let path = editor.path();
    Manifest::parse(
        &path.display().to_string(),
        &editor.to_string(),
        project_dir,
    )
    .map_err(|diagnostics| {
        OpsError::Project(ProjectError::Invalid {
            path: path.to_path_buf(),
            diagnostics,
        })
    })
}

fn refuse_when_locked(opts: &Options, command: &str) -> Result<(), OpsError> {
    if opts.locked || opts.frozen {
        return Err(OpsError::failed(
            format!(
                "`plugres {command}` changes plugres.toml and plugres.lock, which `--locked`/`--frozen` forbid"
            ),
            &["run it without `--locked`/`--frozen`"],
        ));
    }
    Ok(())
}

/// `plugres add NAME[@REQ]...`: adds the plugins to plugres.toml (a plugin
/// named without a requirement gets `^` of its newest version that runs on
/// the project's engine), resolves, and installs.
pub fn add(
    start: &std::path::Path,
    request: &AddRequest,
    opts: &Options,
) -> Result<ChangeReport, OpsError> {
    refuse_when_locked(opts, "add")?;
    if request.specs.is_empty() {
        return Err(OpsError::failed(
            "name at least one plugin to add",
            &["e.g. `plugres add hello-world`"],
        ));
    }
    let (project, manifest, _guard) = load_locked(start, opts)?;
    let old = project.load_lockfile()?;
    let mut editor = project.edit_manifest()?;
    let registries = Registries::new(&manifest, opts).with_lock(old.as_ref());
    if let Some(r) = &request.registry
        && !manifest.registries.contains_key(r)
    {
        return Err(OpsError::failed(
            format!("there is no registry `{r}` in plugres.toml"),
            &["add it first with `plugres registry add NAME INDEX --key KEY`"],
        ));
    }
    for spec in &request.specs {
        let (name, req) = parse_spec(spec)?;
        let registry = match (&request.registry, manifest.plugins.get(&name)) {
            (Some(r), _) => Some(r.clone()),
            (None, Some(existing)) => Some(existing.registry.clone()),
            (None, None) => registries.default_registry().map(str::to_string),
        };
        let Some(registry) = registry else {
            return Err(OpsError::failed(
                "plugres.toml has no registry to take plugins from",
                &["add one with `plugres registry add default INDEX --key KEY`"],
            ));
        };
        let req = match req {
            Some(r) => r,
            None => default_requirement(&registries, &manifest, &registry, &name, request.pre)?,
        };
        let implicit = registry == DEFAULT_REGISTRY
            || (manifest.registries.len() == 1 && manifest.registries.contains_key(&registry));
        editor.add_plugin(&name, &req, (!implicit).then_some(registry.as_str()))?;
    }
    let new_manifest = manifest_of(&editor, &project.dir)?;
    let plan = plan(
        &registries,
        &new_manifest,
        old.as_ref(),
        Prefer::Locked,
        None,
        request.pre,
    )?;
    let a = Apply {
        project: &project,
        manifest: &new_manifest,
        editor: Some(&editor),
        old: old.as_ref(),
        registries: &registries,
        install: true,
        index_read: true,
    };
    apply(a, plan.lockfile, plan.warnings, opts)
}

/// `^` of the newest version of `name` that runs on the project's engine;
/// `*` when there is none, so the resolver explains why.
fn default_requirement(
    registries: &Registries<'_>,
    manifest: &Manifest,
    registry: &str,
    name: &PluginName,
    pre: bool,
) -> Result<VersionReq, OpsError> {
    let index = registries.index(registry)?;
    // Verified here first, so a bad file is reported in the index's words.
    index.plugin(name)?;
    let target = manifest
        .engine
        .target
        .as_ref()
        .map(|t| t.as_str().to_string());
    let candidates = IndexCandidates::new(index, target);
    let newest = newest(
        &candidates,
        name.as_str(),
        Some(&manifest.engine.version),
        pre,
    )
    .map_err(|e| OpsError::failed(e.to_string(), &[]))?;
    Ok(match newest {
        Some(v) => VersionReq::parse(&format!("^{v}")).unwrap_or(VersionReq::STAR),
        None => VersionReq::STAR,
    })
}

/// `plugres remove NAME...`: takes the plugins out of plugres.toml, drops
/// what nothing needs any more from the lock, and uninstalls it. Needs no
/// index when the lock was current.
pub fn remove(
    start: &std::path::Path,
    names: &[String],
    opts: &Options,
) -> Result<ChangeReport, OpsError> {
    refuse_when_locked(opts, "remove")?;
    let (project, _manifest, _guard) = load_locked(start, opts)?;
    let old = project.load_lockfile()?;
    let mut editor = project.edit_manifest()?;
    for name in names {
        let plugin =
            PluginName::new(name).map_err(|e| OpsError::failed(format!("`{name}`: {e}"), &[]))?;
        if !editor.remove_plugin(&plugin) {
            let hint = match old.as_ref().and_then(|l| l.plugin(name)) {
                Some(_) => format!(
                    "`{name}` is locked because another plugin needs it; see why with `plugres tree --invert {name}`"
                ),
                None => "see the project's plugins with `plugres tree`".to_string(),
            };
            return Err(OpsError::Failed {
                message: format!("`{name}` is not in the `[plugins]` of plugres.toml"),
                hints: vec![hint],
            });
        }
    }
    let new_manifest = manifest_of(&editor, &project.dir)?;
    let registries = Registries::new(&new_manifest, opts).with_lock(old.as_ref());
    let pruned = old.as_ref().map(|l| prune(l, &new_manifest));
    let (lockfile, warnings, index_read) = match pruned {
        Some(p) if p.is_current_for(&new_manifest) => (p, Vec::new(), false),
        _ => {
            let plan = plan(
                &registries,
                &new_manifest,
                old.as_ref(),
                Prefer::Locked,
                None,
                false,
            )?;
            (plan.lockfile, plan.warnings, true)
        }
    };
    let a = Apply {
        project: &project,
        manifest: &new_manifest,
        editor: Some(&editor),
        old: old.as_ref(),
        registries: &registries,
        install: true,
        index_read,
    };
    apply(a, lockfile, warnings, opts)
}

/// `lock` without the plugins (and registries) `manifest` no longer reaches.
pub(crate) fn prune(lock: &Lockfile, manifest: &Manifest) -> Lockfile {
    let mut keep = BTreeSet::new();
    let mut todo: Vec<&str> = manifest.plugins.keys().map(PluginName::as_str).collect();
    while let Some(name) = todo.pop() {
        if let Some(p) = lock.plugin(name)
            && keep.insert(p.name.as_str())
        {
            todo.extend(p.dependencies.keys().map(PluginName::as_str));
        }
    }
    let plugins: Vec<_> = lock
        .plugins
        .iter()
        .filter(|p| keep.contains(p.name.as_str()))
        .cloned()
        .collect();
    let registries = lock
        .registries
        .iter()
        .filter(|r| plugins.iter().any(|p| p.registry == r.name))
        .cloned()
        .collect();
    Lockfile {
        registries,
        plugins,
    }
}
