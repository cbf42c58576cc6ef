//! `plugres add` and `plugres remove`: edit plugres.toml, re-lock, install
//! (uv-style). plugres.toml is saved only after the new lock resolved and
//! every artifact checked out, so a failed `add` leaves no trace.

use std::collections::BTreeSet;

use plugres_schema::{Channel, PluginName};
use semver::VersionReq;

use super::lock::{Apply, apply};
use super::plan::{Prefer, plan};
use super::registries::Registries;
use super::{ChangeReport, OpsError, Options, load_locked};
use crate::project::{
    DEFAULT_REGISTRY, Lockfile, Manifest, ManifestEditor, ProjectError, ProjectExt,
};

/// What `plugres add` was asked for.
#[derive(Debug, Clone, Default)]
pub struct AddRequest {
    /// `NAME` or `NAME@REQ` (e.g. `hello-world@^1.2`).
    pub specs: Vec<String>,
    /// `--registry`: the registry of plugres.toml to take them from.
    pub registry: Option<String>,
    /// `--pre`: prereleases may be chosen.
    pub pre: bool,
    /// `--path DIR`: a local plugin, the folder of its plugin.toml
    /// (relative to the directory the command runs in), instead of `specs`.
    pub path: Option<String>,
}

/// What `NAME@...` asks for: a requirement, or a release channel to follow.
enum Want {
    Req(VersionReq),
    Channel(Channel),
}

/// Splits `NAME[@REQ]` or `NAME@CHANNEL`, checking both.
fn parse_spec(spec: &str) -> Result<(PluginName, Option<Want>), OpsError> {
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
    let want = req
        .map(|r| match (VersionReq::parse(r), Channel::new(r)) {
            (Ok(req), _) => Ok(Want::Req(req)),
            (Err(_), Ok(channel)) => Ok(Want::Channel(channel)),
            (Err(e), Err(_)) => Err(OpsError::failed(
                format!("`{spec}`: `{r}` is not a version requirement or a channel name: {e}"),
                &[
                    "requirements are written like cargo's: `^1.2`, `~1.2.3`, `>=1, <3`, `=1.2.0`",
                    "channels are words like `beta` or `latest` (`plugres info NAME` lists a plugin's)",
                ],
            )),
        })
        .transpose()?;
    Ok((name, want))
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

/// `plugres add NAME[@REQ]...`: adds the plugins to plugres.toml,
/// resolves, and installs. A plugin named without a requirement is
/// resolved unconstrained (its newest version that fits with everything
/// else is preferred), then written as `^` of the version chosen, like
/// `cargo add` and `uv add`; naming one already in plugres.toml keeps its
/// requirement.
pub fn add(
    start: &std::path::Path,
    request: &AddRequest,
    opts: &Options,
) -> Result<ChangeReport, OpsError> {
    refuse_when_locked(opts, "add")?;
    if let Some(path) = &request.path {
        return add_local(start, path, request.registry.as_deref(), opts);
    }
    if request.specs.is_empty() {
        return Err(OpsError::failed(
            "name at least one plugin to add",
            &["e.g. `plugres add hello-world`"],
        ));
    }
    let (project, manifest, _guard) = load_locked(start, opts)?;
    let old = project.load_lockfile()?;
    let mut editor = project.edit_manifest()?;
    let registries = Registries::new(&manifest, opts)
        .with_lock(old.as_ref())
        .saving_trust_meanwhile();
    if let Some(r) = &request.registry
        && !manifest.registries.contains_key(r)
    {
        return Err(OpsError::failed(
            format!("there is no registry `{r}` in plugres.toml"),
            &["add it first with `plugres registry add NAME INDEX --key KEY`"],
        ));
    }
    // Added without a requirement: (name, registry written or not).
    let mut open: Vec<(PluginName, Option<String>)> = Vec::new();
    // Given a requirement while locked at a version yanked since: not
    // kept at it (the fix `list` and `outdated` name for such a plugin).
    let mut off_yanked: Vec<String> = Vec::new();
    // Following a channel: the channel's version now, not the lock's.
    let mut channels: Vec<String> = Vec::new();
    for spec in &request.specs {
        let (name, want) = parse_spec(spec)?;
        let registry = registry_of(request, &manifest, &registries, &name)?;
        // Only `default` goes unwritten: the only registry is a plugin's
        // default too, but just until a second one is added (README "For
        // project users").
        let written = (registry != DEFAULT_REGISTRY).then_some(registry.clone());
        let req = match (want, manifest.plugins.get(&name)) {
            (Some(Want::Channel(c)), _) => {
                known(&registries, &registry, &name)?;
                editor.add_plugin_channel(&name, &c, written.as_deref())?;
                channels.push(name.to_string());
                continue;
            }
            (Some(Want::Req(r)), _) => {
                if locked_yanked(&registries, &registry, old.as_ref(), &name) {
                    off_yanked.push(name.to_string());
                }
                r
            }
            // A local plugin named without `--path` goes back to its registry.
            (None, Some(existing)) if existing.registry == registry && existing.path.is_none() => {
                if let Some(c) = &existing.channel {
                    editor.add_plugin_channel(&name, c, written.as_deref())?;
                    continue;
                }
                existing.req.clone()
            }
            (None, _) => {
                // Verified here first, so a bad file is reported in the
                // index's words, and a plugin no index has is named.
                known(&registries, &registry, &name)?;
                open.push((name.clone(), written.clone()));
                VersionReq::STAR
            }
        };
        editor.add_plugin(&name, &req, written.as_deref())?;
    }
    let new_manifest = manifest_of(&editor, &project.dir)?;
    let mut fresh: Vec<String> = open.iter().map(|(n, _)| n.to_string()).collect();
    fresh.extend(off_yanked);
    fresh.extend(channels);
    let plan = plan(
        &registries,
        &new_manifest,
        old.as_ref(),
        Prefer::AllBut(&fresh),
        None,
        request.pre,
    )?;
    for (name, written) in &open {
        let chosen = plan.lockfile.plugin(name.as_str()).map(|p| &p.version);
        let req = match chosen {
            Some(v) => VersionReq::parse(&format!("^{v}")).unwrap_or(VersionReq::STAR),
            None => VersionReq::STAR,
        };
        editor.add_plugin(name, &req, written.as_deref())?;
    }
    let new_manifest = manifest_of(&editor, &project.dir)?;
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

/// `plugres add --path DIR` (README "Local plugin development"): reads
/// DIR's plugin.toml, writes `NAME = { path = "DIR" }` to plugres.toml
/// (DIR relative to the project folder), resolves its dependencies from
/// the registries and installs it, like any `add`.
fn add_local(
    start: &std::path::Path,
    path: &str,
    registry: Option<&str>,
    opts: &Options,
) -> Result<ChangeReport, OpsError> {
    let (project, manifest, _guard) = load_locked(start, opts)?;
    let cwd = std::path::absolute(start).unwrap_or_else(|_| start.to_path_buf());
    let written = super::local::relative_to(&project.dir, &cwd, path);
    let local_path = crate::project::LocalPath::new(&written, &project.dir);
    let target = manifest.engine.target.as_ref().map(|t| t.as_str());
    let local = super::local::read(None, &local_path, target)?;
    let name = local.manifest.name.clone();
    if let Some(existing) = manifest.plugins.get(&name)
        && existing.path.is_none()
        && !existing.req.matches(local.manifest.version.semver())
    {
        return Err(OpsError::failed(
            format!(
                "plugres.toml wants `{name} {}` from registry `{}`, but the local build in `{written}` is version {}",
                existing.req, existing.registry, local.manifest.version
            ),
            &[&format!(
                "remove it first (`plugres remove {name}`), or build a version that `{}` allows",
                existing.req
            )],
        ));
    }
    let old = project.load_lockfile()?;
    let registries = Registries::new(&manifest, opts)
        .with_lock(old.as_ref())
        .saving_trust_meanwhile();
    if let Some(r) = registry
        && !manifest.registries.contains_key(r)
    {
        return Err(OpsError::failed(
            format!("there is no registry `{r}` in plugres.toml"),
            &["add it first with `plugres registry add NAME INDEX --key KEY`"],
        ));
    }
    let registry = registry.or(registries.default_registry());
    let mut editor = project.edit_manifest()?;
    editor.add_local_plugin(&name, &written, registry.filter(|r| *r != DEFAULT_REGISTRY))?;
    let new_manifest = manifest_of(&editor, &project.dir)?;
    let fresh = [name.to_string()];
    let plan = plan(
        &registries,
        &new_manifest,
        old.as_ref(),
        Prefer::AllBut(&fresh),
        None,
        false,
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

/// The registry `name` is added from: `--registry`, else the one
/// plugres.toml already gives it, else the default.
fn registry_of(
    request: &AddRequest,
    manifest: &Manifest,
    registries: &Registries<'_>,
    name: &PluginName,
) -> Result<String, OpsError> {
    let registry = match (&request.registry, manifest.plugins.get(name)) {
        (Some(r), _) => Some(r.clone()),
        (None, Some(existing)) => Some(existing.registry.clone()),
        (None, None) => registries.default_registry().map(str::to_string),
    };
    registry.ok_or_else(|| {
        OpsError::failed(
            "plugres.toml has no registry to take plugins from",
            &["add one with `plugres registry add default INDEX --key KEY`"],
        )
    })
}

/// Whether `name` is locked in `old` at a version its index now says is
/// yanked. Yanked versions are used only when already locked (README
/// "Resolution"): `add NAME@REQ` for it is how a user moves off one that
/// plugres.toml's requirement pins (the fix `outdated` names), so the
/// locked version must not be preferred again. Best effort: an index that
/// cannot be read here fails the resolution with its own error.
fn locked_yanked(
    registries: &Registries<'_>,
    registry: &str,
    old: Option<&Lockfile>,
    name: &PluginName,
) -> bool {
    let Some(locked) = old.and_then(|l| l.plugin(name.as_str())) else {
        return false;
    };
    let Ok(index) = registries.index(registry) else {
        return false;
    };
    matches!(index.plugin(name), Ok(Some(file)) if file.get(&locked.version).is_some_and(|e| e.yanked))
}

/// Refuses a plugin that registry `registry` does not have at all.
fn known(registries: &Registries<'_>, registry: &str, name: &PluginName) -> Result<(), OpsError> {
    let index = registries.index(registry)?;
    match index.plugin(name)? {
        Some(_) => Ok(()),
        None => Err(OpsError::Failed {
            message: format!("there is no plugin named `{name}` in registry `{registry}`"),
            hints: super::search::did_you_mean(index, name.as_str())
                .into_iter()
                .chain(["look for plugins with `plugres search WORDS`".to_string()])
                .collect(),
        }),
    }
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
    let (project, manifest, _guard) = load_locked(start, opts)?;
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
            let near = super::search::closest(
                plugin.as_str(),
                manifest.plugins.keys().map(PluginName::as_str),
            );
            return Err(OpsError::Failed {
                message: format!("`{name}` is not in the `[plugins]` of plugres.toml"),
                hints: super::search::hint_for(&near)
                    .into_iter()
                    .chain([hint])
                    .collect(),
            });
        }
    }
    let new_manifest = manifest_of(&editor, &project.dir)?;
    let registries = Registries::new(&new_manifest, opts)
        .with_lock(old.as_ref())
        .saving_trust_meanwhile();
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
