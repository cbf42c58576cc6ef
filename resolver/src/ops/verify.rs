//! `plugres verify`: re-checks every installed file against plugres.lock.
//!
//! The same check the host library runs ([`super::installed`]), but it
//! goes on after the first problem and lists them all. Reads no index.

use plugres_host::check_plugin;
use plugres_host::marker::MarkerHeader;
use serde::Serialize;

use super::registries::Registries;
use super::sync::artifact_of;
use super::{OpsError, Options, load, lock_check};
use crate::project::{Lockfile, Manifest, Project};

/// One plugin folder that does not match the lock.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VerifyProblem {
    pub name: String,
    pub path: String,
    pub problem: String,
}

/// The result of `plugres verify`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VerifyReport {
    /// True when every locked plugin is installed exactly as locked.
    pub ok: bool,
    /// Locked plugins checked.
    pub checked: usize,
    pub problems: Vec<VerifyProblem>,
}

/// Checks the install dir of the project at or above `start`, and that
/// plugres.lock is what the signed index says (from what this machine
/// verified before; never online).
pub fn verify(start: &std::path::Path, opts: &Options) -> Result<VerifyReport, OpsError> {
    let (project, manifest) = load(start)?;
    let lock = super::require_lock(
        &project,
        "run `plugres install` to resolve and install the plugins of plugres.toml",
    )?;
    // Only `cached` indexes are read: never the network.
    let registries = Registries::new(&manifest, opts).with_lock(Some(&lock));
    let problems = problems(&project, &manifest, &lock, &registries)?;
    Ok(VerifyReport {
        ok: problems.is_empty(),
        checked: lock.plugins.len(),
        problems,
    })
}

/// Everything in the install dir and plugres.lock that does not match what
/// install recorded and the signed index says, sorted by plugin name: what
/// `verify` reports, and `list` shows per plugin. Reads only cached indexes.
pub(crate) fn problems(
    project: &Project,
    manifest: &Manifest,
    lock: &Lockfile,
    registries: &Registries<'_>,
) -> Result<Vec<VerifyProblem>, OpsError> {
    let mut problems = Vec::new();
    for (name, problem) in lock_check::problems(lock, registries) {
        problems.push(VerifyProblem {
            path: project.lock_path.display().to_string(),
            name,
            problem,
        });
    }
    for plugin in &lock.plugins {
        let dir = project.install_dir.join(plugin.name.as_str());
        let artifact = artifact_of(plugin, manifest)?;
        if let Err(problem) = check_plugin(&dir, plugin, artifact) {
            problems.push(VerifyProblem {
                name: plugin.name.to_string(),
                path: dir.display().to_string(),
                problem,
            });
        }
    }
    if let Ok(entries) = std::fs::read_dir(&project.install_dir) {
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if !name.starts_with('.')
                && lock.plugin(&name).is_none()
                && MarkerHeader::read(&entry.path()).is_some()
            {
                problems.push(VerifyProblem {
                    name,
                    path: entry.path().display().to_string(),
                    problem: "installed by plugres but no longer locked".into(),
                });
            }
        }
    }
    problems.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(problems)
}
