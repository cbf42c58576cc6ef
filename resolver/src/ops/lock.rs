//! `plugres lock`, `update` and `install`: from plugres.toml to a lock, and
//! from a lock to the install dir.
//!
//! "Minimal changes": every resolution prefers the versions already locked,
//! so adding a plugin or updating one leaves the others where they were
//! unless a requirement forces a move. `update` with names drops only those
//! names' preferences; `update` alone drops all of them.
//!
//! `install` with a lock that is current for plugres.toml (see
//! [`Lockfile::is_current_for`]) never opens an index: it checks the
//! install dir's markers and is done.

use std::collections::BTreeSet;

use plugres_schema::{PluginName, Version};

use super::registries::{MultiCandidates, Sources};
use super::yanked_since::yanked_since;
use super::{Change, ChangeReport, OpsError, Options, load_locked, permissions, sync};
use crate::install::ProjectLock;
use crate::project::{
    LockedPlugin, LockedPluginExt, LockedRegistry, Lockfile, Manifest, ManifestEditor, Project,
};
use crate::resolve::{Request, ResolveError, resolve};

/// Which locked versions the resolver should keep.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Prefer<'a> {
    /// All of them (lock, install, add, remove).
    Locked,
    /// None (`update` with no names).
    Nothing,
    /// All but these (`update NAME...`).
    AllBut(&'a [String]),
}

/// A resolved, not yet written lock.
pub(crate) struct Plan {
    pub(crate) lockfile: Lockfile,
    pub(crate) warnings: Vec<String>,
    /// Plugin files read from the indexes to make it.
    pub(crate) files_read: usize,
}

/// Resolves `manifest` against its registries and builds the lock, keeping
/// the grants and `disabled` flags of `old`. `engine` overrides the
/// manifest's engine version (for `engine-check`).
///
/// A CDN in front of a sparse index may still serve a plugin file from
/// before a publish, so a dependency's new version looks missing: when the
/// resolution finds no solution and a sparse index took part, it runs once
/// more with every index file fetched past the CDN's cache.
pub(crate) fn plan(
    manifest: &Manifest,
    old: Option<&Lockfile>,
    prefer: Prefer<'_>,
    engine: Option<&semver::Version>,
    allow_prerelease: bool,
    opts: &Options,
) -> Result<Plan, OpsError> {
    let sources = Sources::new(manifest, opts).with_lock(old);
    let first = plan_with(&sources, old, prefer, engine, allow_prerelease);
    match first {
        Err(OpsError::Resolve(ResolveError::NoSolution { .. })) if sources.may_refresh() => {
            opts.say("No solution; fetching the sparse indexes again past CDN caches…");
            let fresh = Sources::refreshed(manifest, opts).with_lock(old);
            plan_with(&fresh, old, prefer, engine, allow_prerelease)
        }
        other => other,
    }
}

/// [`plan`] with the registries of `sources`.
fn plan_with(
    sources: &Sources<'_>,
    old: Option<&Lockfile>,
    prefer: Prefer<'_>,
    engine: Option<&semver::Version>,
    allow_prerelease: bool,
) -> Result<Plan, OpsError> {
    let manifest = sources.manifest();
    let candidates = MultiCandidates::new(sources);
    let locked = match (old, prefer) {
        (None, _) | (_, Prefer::Nothing) => Default::default(),
        (Some(l), Prefer::Locked) => l.locked_versions(),
        (Some(l), Prefer::AllBut(names)) => {
            let mut v = l.locked_versions();
            v.retain(|k, _| !names.contains(k));
            v
        }
    };
    let engine_name = sources.engine_name()?;
    let request = Request {
        engine_name,
        engine_version: engine.unwrap_or(&manifest.engine.version).clone(),
        roots: manifest
            .plugins
            .iter()
            .map(|(n, s)| (n.to_string(), s.req.clone()))
            .collect(),
        locked,
        allow_prerelease,
    };
    let resolution = match resolve(&candidates, &request) {
        Ok(r) => r,
        // This layer's own refusals (e.g. a dependency's registry) keep their hints.
        Err(e @ ResolveError::Source(_)) => {
            return Err(candidates.take_error().unwrap_or(e.into()));
        }
        Err(e) => return Err(e.into()),
    };
    let mut plugins = Vec::new();
    let mut deprecated = Vec::new();
    let mut used = BTreeSet::new();
    for (name, version) in &resolution.packages {
        let index = candidates.index_of(name)?;
        let plugin_name =
            PluginName::new(name).map_err(|e| OpsError::failed(format!("`{name}`: {e}"), &[]))?;
        let file = index
            .plugin(&plugin_name)?
            .ok_or_else(|| OpsError::failed(format!("`{name}` vanished from the index"), &[]))?;
        let entry = Version::try_from(version.clone())
            .ok()
            .and_then(|v| file.get(&v))
            .ok_or_else(|| {
                OpsError::failed(format!("`{name} {version}` vanished from the index"), &[])
            })?;
        let mut locked = LockedPlugin::from_index(index, &file, entry);
        if let Some(previous) = old.and_then(|o| o.plugin(name)) {
            same_artifacts(previous, &locked)?;
            locked.disabled = previous.disabled;
            locked.granted = previous
                .granted
                .iter()
                .filter(|p| locked.permissions.contains(p))
                .cloned()
                .collect();
        }
        if let Some(message) = &file.deprecated {
            deprecated.push(format!("`{name}` is deprecated: {message}"));
        }
        used.insert(index.registry_name().to_string());
        plugins.push(locked);
    }
    let registries = used
        .iter()
        .map(|name| {
            let index = sources.index(name)?;
            Ok(LockedRegistry {
                name: name.clone(),
                index: manifest.registries[name].index.clone(),
                revision: index.revision(),
                snapshot: index.snapshot_version(),
            })
        })
        .collect::<Result<Vec<_>, OpsError>>()?;
    let registries = keep_seen(old, &plugins, registries);
    let mut warnings = resolution.warnings;
    warnings.extend(deprecated);
    Ok(Plan {
        lockfile: Lockfile {
            registries,
            plugins,
        },
        warnings,
        files_read: sources.files_read(),
    })
}

/// When the locked plugins did not change, the lock keeps the index
/// revision and snapshot it recorded: a newer index that changes nothing
/// for this project does not rewrite plugres.lock (nor fail `--locked`).
fn keep_seen(
    old: Option<&Lockfile>,
    plugins: &[LockedPlugin],
    new: Vec<LockedRegistry>,
) -> Vec<LockedRegistry> {
    let Some(old) = old else { return new };
    fn sorted(list: &[LockedPlugin]) -> Vec<&LockedPlugin> {
        let mut v: Vec<&LockedPlugin> = list.iter().collect();
        v.sort_by(|a, b| a.name.cmp(&b.name));
        v
    }
    if sorted(&old.plugins) != sorted(plugins) {
        return new;
    }
    new.into_iter()
        .map(|r| {
            match old
                .registries
                .iter()
                .find(|o| o.name == r.name && o.index == r.index)
            {
                // A lock made before the index had a snapshot learns it.
                Some(o) if o.snapshot.is_none() && r.snapshot.is_some() => r,
                Some(o) => o.clone(),
                None => r,
            }
        })
        .collect()
}

/// Like cargo's "checksum changed": a version once locked is immutable, so
/// when the index now gives the locked version of a plugin another sha256
/// or size for a target the lock lists, the index changed a published
/// artifact (a compromise, or a publisher's mistake) and nothing is locked.
fn same_artifacts(previous: &LockedPlugin, new: &LockedPlugin) -> Result<(), OpsError> {
    if previous.version != new.version || previous.registry != new.registry {
        return Ok(());
    }
    let changed = previous.artifacts.iter().find(|old| {
        new.artifacts
            .iter()
            .find(|a| a.target == old.target)
            .is_none_or(|a| a.sha256 != old.sha256 || a.size != old.size)
    });
    let Some(old) = changed else {
        return Ok(());
    };
    let (name, version) = (&new.name, &new.version);
    let now = match new.artifacts.iter().find(|a| a.target == old.target) {
        Some(a) => format!("sha256 {} and size {}", a.sha256.to_hex(), a.size),
        None => "no artifact".to_string(),
    };
    Err(OpsError::Failed {
        message: format!(
            "the index of registry `{}` changed the artifact of the published version `{name} {version}` for target `{}`: plugres.lock has sha256 {} and size {}, the index now has {now}; a published version must never change, so the index may be compromised",
            new.registry,
            old.target.as_str(),
            old.sha256.to_hex(),
            old.size
        ),
        hints: vec![
            "plugres.lock and the install dir were left as they were; ask the registry's maintainers what happened".to_string(),
            format!(
                "to accept the new artifact deliberately, delete the `[[plugin]]` entry of `{name}` from plugres.lock, then run `plugres lock` again"
            ),
        ],
    })
}

/// The version changes from `old` to `new`, sorted by name.
pub(crate) fn changes(old: Option<&Lockfile>, new: &Lockfile) -> Vec<Change> {
    let version =
        |l: Option<&Lockfile>, n: &str| l.and_then(|l| l.plugin(n)).map(|p| p.version.to_string());
    let mut names: BTreeSet<String> = new.plugins.iter().map(|p| p.name.to_string()).collect();
    if let Some(old) = old {
        names.extend(old.plugins.iter().map(|p| p.name.to_string()));
    }
    names
        .into_iter()
        .filter_map(|name| {
            let from = version(old, &name);
            let to = version(Some(new), &name);
            (from != to).then_some(Change { name, from, to })
        })
        .collect()
}

/// Whether writing `new` would change the lock file. Equal values render
/// equal text, so only unequal ones are rendered and compared.
fn differs(old: Option<&Lockfile>, new: &Lockfile) -> bool {
    match old {
        Some(old) if old == new => false,
        _ => old.map(Lockfile::to_toml) != Some(new.to_toml()),
    }
}

/// The yank reasons of the locked plugins that are yanked, and the
/// deprecation messages recorded in the lock (shown by every install).
fn lock_warnings(lock: &Lockfile) -> Vec<String> {
    let yanked = lock.plugins.iter().filter_map(|p| {
        let reason = p.yanked.as_ref()?;
        Some(match reason {
            Some(r) => format!("using yanked `{} {}` (locked): {r}", p.name, p.version),
            None => format!("using yanked `{} {}` (locked)", p.name, p.version),
        })
    });
    let deprecated = lock.plugins.iter().filter_map(|p| {
        let message = p.deprecated.as_ref()?;
        Some(format!("`{}` is deprecated: {message}", p.name))
    });
    yanked.chain(deprecated).collect()
}

/// What [`apply`] does after resolving.
pub(crate) struct Apply<'a> {
    pub(crate) project: &'a Project,
    pub(crate) manifest: &'a Manifest,
    /// A changed plugres.toml to save, only once everything else succeeded.
    pub(crate) editor: Option<&'a ManifestEditor>,
    pub(crate) old: Option<&'a Lockfile>,
    /// Fill the install dir (everything but `plugres lock`).
    pub(crate) install: bool,
    pub(crate) index_read: bool,
}

/// Checks `--locked`, asks for permissions, fetches and stages every
/// artifact, then saves plugres.toml and plugres.lock and swaps the staged
/// plugins in. Any failure before the save leaves the project untouched.
pub(crate) fn apply(
    a: Apply<'_>,
    mut lockfile: Lockfile,
    mut warnings: Vec<String>,
    opts: &Options,
) -> Result<ChangeReport, OpsError> {
    let changes = changes(a.old, &lockfile);
    let resolved_differs = differs(a.old, &lockfile);
    if (opts.locked || opts.frozen) && (resolved_differs || a.editor.is_some()) {
        let mut what: Vec<String> = changes
            .iter()
            .map(|c| match (&c.from, &c.to) {
                (None, Some(to)) => format!("add {} {to}", c.name),
                (Some(from), None) => format!("remove {} {from}", c.name),
                (Some(from), Some(to)) => format!("{} {from} -> {to}", c.name),
                (None, None) => c.name.clone(),
            })
            .collect();
        if what.is_empty() {
            what.push("rewrite plugres.lock".to_string());
        }
        return Err(OpsError::failed(
            format!(
                "plugres.lock needs to change ({}), but `--locked` or `--frozen` forbids that",
                what.join(", ")
            ),
            &["run `plugres lock` (without `--locked`) to update plugres.lock, and commit it"],
        ));
    }
    let granted = if a.install {
        permissions::grant(&mut lockfile, &opts.grants)?
    } else {
        Vec::new()
    };
    let prepared = if a.install {
        Some(sync::prepare(a.project, a.manifest, &lockfile, opts)?)
    } else {
        None
    };
    if let Some(editor) = a.editor {
        editor.save()?;
    }
    let lock_written = differs(a.old, &lockfile);
    if lock_written {
        lockfile.save(&a.project.lock_path)?;
    }
    for w in lock_warnings(&lockfile) {
        if !warnings.contains(&w) {
            warnings.push(w);
        }
    }
    let mut report = ChangeReport {
        locked: lockfile.plugins.len(),
        changes,
        lock_written,
        index_read: a.index_read,
        granted,
        warnings,
        ..ChangeReport::default()
    };
    if let Some(prepared) = prepared {
        let done = prepared.commit()?;
        report.installed = done.installed;
        report.uninstalled = done.uninstalled;
        report.unmanaged = done.unmanaged;
    }
    Ok(report)
}

/// Takes the project lock, telling the user when another run holds it.
/// The lock's folder `.plugres/` ignores itself in git.
pub(crate) fn acquire(project: &Project, opts: &Options) -> Result<ProjectLock, OpsError> {
    let lock = ProjectLock::acquire(&project.dir, |m| opts.say(m))?;
    let ignore = project.dir.join(".plugres").join(".gitignore");
    if !ignore.exists() {
        // Best effort: only spares the user a `git status` entry.
        let _ = std::fs::write(&ignore, "*\n");
    }
    Ok(lock)
}

/// `plugres lock`: resolves plugres.toml and writes plugres.lock, keeping
/// locked versions where they still fit. Installs nothing.
pub fn lock(start: &std::path::Path, opts: &Options) -> Result<ChangeReport, OpsError> {
    let (project, manifest, _guard) = load_locked(start, opts)?;
    let old = project.load_lockfile()?;
    if opts.frozen {
        return frozen_lock(&project, &manifest, old.as_ref(), opts, false);
    }
    let plan = plan(&manifest, old.as_ref(), Prefer::Locked, None, false, opts)?;
    let a = Apply {
        project: &project,
        manifest: &manifest,
        editor: None,
        old: old.as_ref(),
        install: false,
        index_read: true,
    };
    apply_plan(a, plan, opts)
}

/// [`apply`] of a fresh plan, reporting the plugin files it read.
fn apply_plan(a: Apply<'_>, plan: Plan, opts: &Options) -> Result<ChangeReport, OpsError> {
    let report = apply(a, plan.lockfile, plan.warnings, opts)?;
    Ok(ChangeReport {
        index_files_read: plan.files_read,
        ..report
    })
}

/// `plugres update [NAME...]`: re-resolves preferring the newest versions
/// of `names` (of everything when empty), keeping the others where they
/// are, then installs.
pub fn update(
    start: &std::path::Path,
    names: &[String],
    opts: &Options,
) -> Result<ChangeReport, OpsError> {
    if opts.frozen {
        return Err(OpsError::failed(
            "`plugres update` reads the index, which `--frozen` forbids",
            &["run it without `--frozen`"],
        ));
    }
    let (project, manifest, _guard) = load_locked(start, opts)?;
    let old = project.load_lockfile()?;
    if let Some(lock) = &old
        && let Some(missing) = names.iter().find(|n| lock.plugin(n).is_none())
    {
        return Err(OpsError::failed(
            format!("`{missing}` is not in plugres.lock, so there is nothing to update"),
            &["see what is locked with `plugres tree`; add a plugin with `plugres add NAME`"],
        ));
    }
    let prefer = if names.is_empty() {
        Prefer::Nothing
    } else {
        Prefer::AllBut(names)
    };
    let plan = plan(&manifest, old.as_ref(), prefer, None, false, opts)?;
    let a = Apply {
        project: &project,
        manifest: &manifest,
        editor: None,
        old: old.as_ref(),
        install: true,
        index_read: true,
    };
    apply_plan(a, plan, opts)
}

/// `plugres install`: makes the install dir match plugres.lock, first
/// re-locking if the lock no longer fits plugres.toml (an error under
/// `--locked`/`--frozen`). With a current lock no index is read.
pub fn install(start: &std::path::Path, opts: &Options) -> Result<ChangeReport, OpsError> {
    let (project, manifest, _guard) = load_locked(start, opts)?;
    let old = project.load_lockfile()?;
    match &old {
        Some(lock) if lock.is_current_for(&manifest) => {
            let a = Apply {
                project: &project,
                manifest: &manifest,
                editor: None,
                old: old.as_ref(),
                install: true,
                index_read: false,
            };
            let warnings = match opts.frozen {
                true => Vec::new(),
                false => yanked_since(&manifest, lock, opts),
            };
            apply(a, lock.clone(), warnings, opts)
        }
        _ if opts.frozen || opts.locked => {
            frozen_lock(&project, &manifest, old.as_ref(), opts, true)
        }
        _ => {
            let plan = plan(&manifest, old.as_ref(), Prefer::Locked, None, false, opts)?;
            let a = Apply {
                project: &project,
                manifest: &manifest,
                editor: None,
                old: old.as_ref(),
                install: true,
                index_read: true,
            };
            apply_plan(a, plan, opts)
        }
    }
}

/// Under `--frozen` (or `--locked` with a stale lock) the lock must be
/// current as it is.
fn frozen_lock(
    project: &Project,
    manifest: &Manifest,
    old: Option<&Lockfile>,
    opts: &Options,
    install: bool,
) -> Result<ChangeReport, OpsError> {
    match old {
        Some(lock) if lock.is_current_for_frozen(manifest) => {
            let a = Apply {
                project,
                manifest,
                editor: None,
                old,
                install,
                index_read: false,
            };
            apply(a, lock.clone(), Vec::new(), opts)
        }
        Some(_) => Err(OpsError::failed(
            "plugres.lock does not match plugres.toml, and `--locked`/`--frozen` forbid changing it",
            &["run `plugres lock` to update plugres.lock, and commit it"],
        )),
        None => Err(OpsError::failed(
            format!(
                "there is no plugres.lock in `{}`, and `--locked`/`--frozen` forbid creating it",
                project.dir.display()
            ),
            &["run `plugres lock` to create plugres.lock, and commit it"],
        )),
    }
}
