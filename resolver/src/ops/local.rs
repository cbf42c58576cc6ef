//! Local plugins: a build on this machine used instead of a registry's
//! plugin of that name (README "Local plugin development"), like cargo's
//! `path` dependencies and `npm link`.
//!
//! plugres.toml names the folder (`my-plugin = { path = "../my-plugin" }`);
//! the folder holds the `plugin.toml` a publisher gives `plugres-index
//! publish`. Each command reads it afresh: the one version it describes
//! becomes the resolver's only candidate of that name (so other plugins
//! that depend on the name get the local build or a conflict), and the file
//! of its `[[artifact]]` for the project's target (or `any`) is hashed here
//! — sha256 and size — for the lock. The install then takes the file
//! through the same cache, unpack, marker and tree code as any artifact,
//! checked against that hash while it is copied. No signature: the user
//! named the folder. What makes it safe is that the file must stay inside
//! the folder (no `..`, no absolute path, no symlink out of it) and that
//! every install hashes it again, so a lock edited to other bytes is never
//! trusted.

use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};

use plugres_schema::{PluginName, PublishManifest, Sha256, Target};

use super::OpsError;
use crate::project::{LocalPath, LockedArtifact, LockedPlugin, Manifest, ProjectError};
use crate::resolve::Candidate;

/// The manifest file of a local plugin's folder.
pub(crate) const PLUGIN_TOML: &str = "plugin.toml";

/// A local plugin as its folder describes it now.
#[derive(Debug, Clone)]
pub(crate) struct LocalPlugin {
    pub(crate) manifest: PublishManifest,
    /// The folder as plugres.toml writes it (kept in the lock).
    pub(crate) written: String,
    /// The artifact for the project's target: its file inside the folder
    /// (`/`-separated), and the sha256 and size of that file now.
    pub(crate) target: Target,
    pub(crate) file: String,
    pub(crate) sha256: Sha256,
    pub(crate) size: u64,
}

impl LocalPlugin {
    /// The one version the resolver may choose.
    pub(crate) fn candidate(&self) -> Candidate {
        let m = &self.manifest;
        Candidate {
            version: m.version.semver().clone(),
            engine: m.engine.clone(),
            dependencies: m
                .dependencies
                .iter()
                .map(|(n, r)| (n.clone(), r.clone()))
                .collect(),
            yanked: None,
            usable: true,
            unattested: false,
        }
    }

    /// Its plugres.lock entry (no grants yet, no tree until installed).
    pub(crate) fn locked(&self) -> LockedPlugin {
        let m = &self.manifest;
        LockedPlugin {
            name: m.name.clone(),
            version: m.version.clone(),
            registry: String::new(),
            path: Some(self.written.clone()),
            channel: None,
            // Declared in its plugin.toml: plugres.toml's values for it are
            // checked as for any plugin (README "Plugin configuration").
            settings: m.settings.clone(),
            engine: m.engine.clone(),
            dependencies: m.dependencies.clone(),
            permissions: m.permissions.clone(),
            granted: Vec::new(),
            disabled: false,
            yanked: None,
            deprecated: None,
            artifacts: vec![LockedArtifact {
                target: self.target.clone(),
                url: self.file.clone(),
                sha256: self.sha256,
                size: self.size,
                tree: None,
            }],
            attestation: None,
        }
    }
}

/// Every local plugin of `manifest`, read now, by name.
pub(crate) fn read_all(manifest: &Manifest) -> Result<BTreeMap<String, LocalPlugin>, OpsError> {
    let target = manifest.engine.target.as_ref().map(Target::as_str);
    manifest
        .plugins
        .iter()
        .filter_map(|(name, spec)| Some((name, spec.path.as_ref()?)))
        .map(|(name, path)| Ok((name.to_string(), read(Some(name), path, target)?)))
        .collect()
}

/// The local plugin in `path`: its plugin.toml parsed (strictly, with
/// file:line:col errors), named `name` when given, with the file of its
/// artifact for `target` hashed.
pub(crate) fn read(
    name: Option<&PluginName>,
    path: &LocalPath,
    target: Option<&str>,
) -> Result<LocalPlugin, OpsError> {
    let file = path.dir.join(PLUGIN_TOML);
    let bytes = std::fs::read(&file).map_err(|e| missing(name, path, &file, &e))?;
    let manifest = PublishManifest::parse(&file.display().to_string(), &bytes).map_err(|d| {
        OpsError::Project(ProjectError::Invalid {
            path: file.clone(),
            diagnostics: d,
        })
    })?;
    if let Some(want) = name.filter(|n| **n != manifest.name) {
        return Err(OpsError::failed(
            format!(
                "`{}` names plugin `{}`, but plugres.toml has it as `{want}` (`path = \"{}\"`)",
                file.display(),
                manifest.name,
                path.written
            ),
            &[&format!(
                "rename the entry in plugres.toml to `{}`, or point `{want}` at its own folder",
                manifest.name
            )],
        ));
    }
    let with_path: Vec<_> = manifest
        .artifacts
        .iter()
        .filter_map(|a| Some((a.target.clone(), a.path.as_deref()?)))
        .collect();
    let Some((target_found, rel)) =
        crate::project::select_artifact(&with_path, |(t, _)| t, target).cloned()
    else {
        let shown = target.unwrap_or(crate::project::host_target());
        return Err(OpsError::failed(
            format!(
                "`{}` has no `[[artifact]]` with a `path` for target `{shown}` (nor for `any`), so `{}` has nothing to install",
                file.display(),
                manifest.name
            ),
            &[
                "build the plugin, and name the built file in plugin.toml: `[[artifact]] target = \"any\"` (or this target) with `path = \"…\"`",
            ],
        ));
    };
    let (rel, abs) = inside(&path.dir, rel).map_err(|why| {
        OpsError::failed(
            format!(
                "`{}`: the artifact `path = \"{rel}\"` {why}; a local plugin installs only files inside its own folder `{}`",
                file.display(),
                path.dir.display()
            ),
            &["give the built file's path relative to plugin.toml, inside the plugin's folder"],
        )
    })?;
    let (sha256, size) = plugres_fs::sha256_of_file(&abs).map_err(|e| {
        OpsError::failed(
            format!(
                "cannot read the artifact `{}` of local plugin `{}`: {e}",
                abs.display(),
                manifest.name
            ),
            &["build the plugin first, so the file plugin.toml names exists"],
        )
    })?;
    if size == 0 {
        return Err(OpsError::failed(
            format!(
                "the artifact `{}` of local plugin `{}` is empty",
                abs.display(),
                manifest.name
            ),
            &["build the plugin again"],
        ));
    }
    Ok(LocalPlugin {
        manifest,
        written: path.written.clone(),
        target: target_found,
        file: rel,
        sha256,
        size,
    })
}

/// The error for a folder without a readable plugin.toml.
fn missing(
    name: Option<&PluginName>,
    path: &LocalPath,
    file: &Path,
    e: &std::io::Error,
) -> OpsError {
    let what = match name {
        Some(n) => format!(
            "local plugin `{n}` (`path = \"{}\"` in plugres.toml)",
            path.written
        ),
        None => format!("`{}`", path.written),
    };
    let problem = match e.kind() {
        std::io::ErrorKind::NotFound => "there is none".to_string(),
        _ => e.to_string(),
    };
    OpsError::failed(
        format!("cannot read `{}` of {what}: {problem}", file.display()),
        &[
            "a local plugin's folder holds the plugin.toml a publisher gives `plugres-index publish` (README \"For plugin publishers\")",
        ],
    )
}

/// `rel` as a `/`-separated path inside `dir`, and the file it names;
/// `Err` says why it is not one: absolute, with `..`, or (through a
/// symlink) resolving outside `dir`.
fn inside(dir: &Path, rel: &str) -> Result<(String, PathBuf), String> {
    let mut parts = Vec::new();
    for c in Path::new(rel).components() {
        match c {
            Component::Normal(s) => match s.to_str() {
                Some(s) if !s.contains(['\\', ':']) => parts.push(s.to_string()),
                _ => return Err("has a part that is not a plain name".into()),
            },
            Component::CurDir => {}
            Component::ParentDir => return Err("goes up with `..`".into()),
            Component::RootDir | Component::Prefix(_) => return Err("is absolute".into()),
        }
    }
    if parts.is_empty() || rel.contains('\\') {
        return Err("is not a file's path".into());
    }
    let abs = parts.iter().fold(dir.to_path_buf(), |p, s| p.join(s));
    let real_dir = dir
        .canonicalize()
        .map_err(|e| format!("cannot be checked: {e}"))?;
    if let Ok(real) = abs.canonicalize()
        && !real.starts_with(&real_dir)
    {
        return Err(format!("leads out of the folder (to `{}`)", real.display()));
    }
    Ok((parts.join("/"), abs))
}

/// `path` (given on the command line in `cwd`, inside `project`) as
/// plugres.toml writes it: relative to the project folder, `/`-separated,
/// without `.` parts (an absolute path stays as it is).
pub(crate) fn relative_to(project: &Path, cwd: &Path, path: &str) -> String {
    if Path::new(path).is_absolute() {
        return path.to_string();
    }
    let below = cwd.strip_prefix(project).unwrap_or(Path::new(""));
    let mut parts: Vec<String> = Vec::new();
    let all = below.components().chain(Path::new(path).components());
    for c in all {
        match c {
            Component::Normal(s) => parts.push(s.to_string_lossy().into_owned()),
            Component::ParentDir => match parts.last() {
                Some(last) if last != ".." => {
                    parts.pop();
                }
                _ => parts.push("..".to_string()),
            },
            _ => {}
        }
    }
    match parts.is_empty() {
        true => ".".to_string(),
        false => parts.join("/"),
    }
}

/// Refuses local plugins under `--locked`/`--frozen` unless `--allow-local`
/// was given: a lock with a path in it installs whatever that folder holds
/// on the machine that runs it, which is not what CI should build from.
pub(crate) fn refuse_when_locked(
    manifest: &Manifest,
    lock: Option<&crate::project::Lockfile>,
    opts: &super::Options,
) -> Result<(), OpsError> {
    if !(opts.locked || opts.frozen) || opts.allow_local {
        return Ok(());
    }
    let from_manifest = manifest
        .plugins
        .iter()
        .filter_map(|(n, s)| Some((n.to_string(), s.local()?.to_string())));
    let from_lock = lock
        .into_iter()
        .flat_map(|l| &l.plugins)
        .filter_map(|p| Some((p.name.to_string(), p.path.clone()?)));
    let Some((name, path)) = from_manifest.chain(from_lock).next() else {
        return Ok(());
    };
    Err(OpsError::failed(
        format!(
            "`{name}` is a local plugin (`path = \"{path}\"`), and `--locked`/`--frozen` refuse local plugins: they install whatever that folder holds on this machine"
        ),
        &[
            "pass `--allow-local` to install it anyway (its files must still match plugres.lock)",
            &format!("or use the published plugin: `plugres add {name}` (drops the path)"),
        ],
    ))
}

/// The local plugins of `lock` whose files no longer match it (a
/// rebuild), or whose plugin.toml says otherwise: (name, what changed).
pub(crate) fn changed_since(
    lock: &crate::project::Lockfile,
    locals: &BTreeMap<String, LocalPlugin>,
) -> Vec<(String, String)> {
    let mut changed = Vec::new();
    for (name, local) in locals {
        let Some(locked) = lock.plugin(name) else {
            continue;
        };
        let now = local.locked();
        let artifact = locked.artifacts.iter().find(|a| a.target == local.target);
        let what = match artifact {
            _ if locked.path != now.path => continue,
            Some(a) if a.sha256 != local.sha256 || a.size != local.size || a.url != local.file => {
                format!(
                    "its file `{}` changed (sha256 {}, size {}; plugres.lock has {}, size {})",
                    local.file,
                    local.sha256.to_hex(),
                    local.size,
                    a.sha256.to_hex(),
                    a.size
                )
            }
            None => format!(
                "it now builds `{}` for target `{}`",
                local.file, local.target
            ),
            Some(_)
                if locked.version != now.version
                    || locked.engine != now.engine
                    || locked.dependencies != now.dependencies
                    || sorted(&locked.permissions) != sorted(&now.permissions)
                    || locked.settings != now.settings =>
            {
                format!("its {PLUGIN_TOML} changed")
            }
            Some(_) => continue,
        };
        changed.push((name.clone(), what));
    }
    changed
}

fn sorted(list: &[plugres_schema::Permission]) -> std::collections::BTreeSet<&str> {
    list.iter()
        .map(plugres_schema::Permission::as_str)
        .collect()
}

#[cfg(test)]
mod tests;
