//! `plugres lock`, `update` and `install`, and the step they share with
//! `add` and `remove`: from a planned lock (see [`super::plan`]) to
//! plugres.lock and the install dir.
//!
//! `install` with a lock that is current for plugres.toml (see
//! [`Lockfile::is_current_for`]) never opens an index: it checks the
//! install dir's markers and is done.

use std::collections::BTreeSet;

use super::plan::{Plan, Prefer, plan};
use super::registries::Registries;
use super::yanked_since::yanked_since;
use super::{
    Change, ChangeReport, OpsError, Options, load_locked, local, lock_check, permissions, sync,
};
use crate::install::ProjectLock;
use crate::project::{Lockfile, Manifest, ManifestEditor, Project};

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
    /// The command's registries (read again only for what the install
    /// needs: artifact locations and token scopes).
    pub(crate) registries: &'a Registries<'a>,
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
    a.registries.settle()?;
    local::refuse_when_locked(a.manifest, Some(&lockfile), opts)?;
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
    if opts.dry_run {
        warnings.extend(lock_warnings(&lockfile));
        return Ok(ChangeReport {
            locked: lockfile.plugins.len(),
            changes,
            index_read: a.index_read,
            warnings,
            dry_run: true,
            ..ChangeReport::default()
        });
    }
    // A lock the command did not just resolve is input: check it against
    // the signed index before using it (README threat model).
    let mut checked = match a.index_read {
        true => Vec::new(),
        false => lock_check::check(&lockfile, a.registries)?,
    };
    let manifest_file = a.project.manifest_path.display().to_string();
    super::config::check(a.manifest, &manifest_file, &lockfile, a.old)?;
    let granted = if a.install {
        permissions::grant(&mut lockfile, &opts.grants)?
    } else {
        Vec::new()
    };
    // A re-lock from the index knows no trees: keep those of the old lock.
    lockfile.keep_trees(a.old);
    let prepared = if a.install {
        Some(sync::prepare(
            a.project,
            a.manifest,
            &lockfile,
            a.registries,
        )?)
    } else {
        None
    };
    // The trees of artifacts unpacked now; `--locked`/`--frozen` leave the
    // lock as it is (README "plugres.lock").
    if let Some(p) = prepared.as_ref().filter(|_| !(opts.locked || opts.frozen)) {
        p.record_trees(&mut lockfile);
    }
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
    if a.index_read {
        checked = lock_check::keys(&lockfile, a.registries)?;
    }
    a.registries.checked_entries().record(&checked);
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
    let registries = Registries::new(&manifest, opts)
        .with_lock(old.as_ref())
        .saving_trust_meanwhile();
    if opts.frozen {
        rebuilt_locals(&manifest, old.as_ref(), opts)?;
        return frozen_lock(&project, &manifest, old.as_ref(), &registries, false);
    }
    let plan = plan(
        &registries,
        &manifest,
        old.as_ref(),
        Prefer::Locked,
        None,
        false,
    )?;
    let a = Apply {
        project: &project,
        manifest: &manifest,
        editor: None,
        old: old.as_ref(),
        registries: &registries,
        install: false,
        index_read: true,
    };
    let report = apply_plan(a, plan, opts)?;
    registries.finish();
    Ok(report)
}

/// [`apply`] of a fresh plan, reporting the plugin files it read.
pub(super) fn apply_plan(
    a: Apply<'_>,
    plan: Plan,
    opts: &Options,
) -> Result<ChangeReport, OpsError> {
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
    refuse_frozen_update(opts)?;
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
    let registries = Registries::new(&manifest, opts)
        .with_lock(old.as_ref())
        .saving_trust_meanwhile();
    let plan = plan(&registries, &manifest, old.as_ref(), prefer, None, false)?;
    let project = (&project, &manifest, old.as_ref());
    let report = apply_update(project, &registries, plan, opts)?;
    registries.finish();
    Ok(report)
}

/// `update` reads the index: refused under `--frozen`.
pub(super) fn refuse_frozen_update(opts: &Options) -> Result<(), OpsError> {
    if opts.frozen {
        return Err(OpsError::failed(
            "`plugres update` reads the index, which `--frozen` forbids",
            &["run it without `--frozen`"],
        ));
    }
    Ok(())
}

/// Writes and installs an `update`'s plan (plugres.toml unchanged).
pub(super) fn apply_update(
    (project, manifest, old): (&Project, &Manifest, Option<&Lockfile>),
    registries: &Registries<'_>,
    plan: Plan,
    opts: &Options,
) -> Result<ChangeReport, OpsError> {
    let a = Apply {
        project,
        manifest,
        editor: None,
        old,
        registries,
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
    let registries = Registries::new(&manifest, opts)
        .with_lock(old.as_ref())
        .saving_trust_meanwhile();
    let rebuilt = rebuilt_locals(&manifest, old.as_ref(), opts)?;
    let report = match &old {
        Some(lock) if lock.is_current_for(&manifest) && rebuilt.is_empty() => {
            let a = Apply {
                project: &project,
                manifest: &manifest,
                editor: None,
                old: old.as_ref(),
                registries: &registries,
                install: true,
                index_read: false,
            };
            let warnings = match opts.frozen {
                true => Vec::new(),
                false => yanked_since(&manifest, lock, &registries),
            };
            apply(a, lock.clone(), warnings, opts)
        }
        _ if opts.frozen || opts.locked => {
            frozen_lock(&project, &manifest, old.as_ref(), &registries, true)
        }
        _ => {
            let plan = plan(
                &registries,
                &manifest,
                old.as_ref(),
                Prefer::Locked,
                None,
                false,
            )?;
            let a = Apply {
                project: &project,
                manifest: &manifest,
                editor: None,
                old: old.as_ref(),
                registries: &registries,
                install: true,
                index_read: true,
            };
            let mut report = apply_plan(a, plan, opts)?;
            report.notes.extend(rebuilt.into_iter().map(|(name, what)| {
                format!("local plugin `{name}` was rebuilt ({what}): re-installed, and plugres.lock updated")
            }));
            Ok(report)
        }
    }?;
    registries.finish();
    Ok(report)
}

/// The local plugins whose folder no longer matches plugres.lock (a
/// rebuild), each with what changed; re-hashed now, so a lock edited to
/// name other bytes is never trusted (README "Local plugin development").
/// Under `--locked`/`--frozen` local plugins need `--allow-local`, and a
/// rebuild is an error: the lock may not change.
fn rebuilt_locals(
    manifest: &Manifest,
    old: Option<&Lockfile>,
    opts: &Options,
) -> Result<Vec<(String, String)>, OpsError> {
    local::refuse_when_locked(manifest, old, opts)?;
    let (Some(lock), true) = (old, manifest.plugins.values().any(|s| s.path.is_some())) else {
        return Ok(Vec::new());
    };
    let rebuilt = local::changed_since(lock, &local::read_all(manifest)?);
    match rebuilt.first() {
        Some((name, what)) if opts.locked || opts.frozen => Err(OpsError::failed(
            format!(
                "local plugin `{name}` changed since plugres.lock was written ({what}), and `--locked`/`--frozen` forbid updating plugres.lock"
            ),
            &[
                "run `plugres install` without `--locked`/`--frozen` to install the new build and record it in plugres.lock",
            ],
        )),
        _ => Ok(rebuilt),
    }
}

/// Under `--frozen` (or `--locked` with a stale lock) the lock must be
/// current as it is.
fn frozen_lock(
    project: &Project,
    manifest: &Manifest,
    old: Option<&Lockfile>,
    registries: &Registries<'_>,
    install: bool,
) -> Result<ChangeReport, OpsError> {
    let opts = registries.options();
    match old {
        Some(lock) if lock.is_current_for_frozen(manifest) => {
            let a = Apply {
                project,
                manifest,
                editor: None,
                old,
                registries,
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
