//! `plugres install` with a current lock reads no index, yet a locked
//! version may have been yanked since the lock was made. When this machine
//! has already accepted a newer snapshot of the index than the one the
//! lock records, the locked plugins are looked up there (from the cache,
//! no network) and every yank is reported with its reason. The locked
//! artifacts are still installed: they are pinned by sha256.

use plugres_schema::{PluginFile, PluginName, VersionEntry};

use super::registries::Registries;
use crate::project::{Lockfile, Manifest};

/// Warnings for locked versions yanked after the lock's snapshot.
pub(crate) fn yanked_since(
    manifest: &Manifest,
    lock: &Lockfile,
    registries: &Registries<'_>,
) -> Vec<String> {
    let mut warnings = Vec::new();
    for locked in &lock.registries {
        let Some(at) = locked.snapshot else { continue };
        let Some(spec) = manifest.registries.get(&locked.name) else {
            continue;
        };
        // Best effort: an index not cached (or refused) only means no check.
        // An expired timestamp still tells of yanks it knows: read it anyway.
        let stale_ok;
        let index = match registries.opened(&locked.name) {
            Some(index) => index,
            None => match super::registries::open_cached_stale_ok(spec, registries.options()) {
                Ok(index) => {
                    stale_ok = index;
                    &stale_ok
                }
                Err(_) => continue,
            },
        };
        let Some(now) = index.snapshot_version().filter(|v| *v > at) else {
            continue;
        };
        for p in lock
            .plugins
            .iter()
            .filter(|p| p.registry == locked.name && p.yanked.is_none())
        {
            let Ok(Some(file)) = index.plugin(&p.name) else {
                continue;
            };
            let Some(entry) = file.get(&p.version).filter(|e| e.yanked) else {
                continue;
            };
            let reason = entry
                .yank_reason
                .as_deref()
                .map_or_else(String::new, |r| format!(": {r}"));
            warnings.push(format!(
                "`{} {}` was yanked after plugres.lock was made (snapshot {at}; this machine has seen snapshot {now}){reason}. It is still installed as locked; {}",
                p.name,
                p.version,
                remedy(manifest, &p.name, &file).advice
            ));
        }
    }
    warnings
}

/// What moves the project off a yanked locked version: `advice` in words,
/// and `command`, the command alone, when there is one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Remedy {
    pub(crate) advice: String,
    pub(crate) command: Option<String>,
}

/// What moves the project off a yanked locked version, as a command that
/// works: `update` when the project's requirement allows a version that
/// can be used (not yanked, not a prerelease, runs on the engine); else
/// `add NAME@^V` for the newest such version; else there is none yet. A
/// plugin the project does not name itself is a dependency: `update`
/// moves it within what the plugins that need it allow.
pub(crate) fn remedy(manifest: &Manifest, name: &PluginName, file: &PluginFile) -> Remedy {
    let engine = &manifest.engine.version;
    let usable = |e: &&VersionEntry| {
        let v = e.version.semver();
        !e.yanked && v.pre.is_empty() && e.engine.matches(engine)
    };
    let update = Remedy {
        advice: format!("run `plugres update {name}` to move off it"),
        command: Some(format!("plugres update {name}")),
    };
    let Some(spec) = manifest.plugins.get(name) else {
        return update;
    };
    let req = &spec.req;
    if file
        .versions
        .iter()
        .filter(usable)
        .any(|e| req.matches(e.version.semver()))
    {
        return update;
    }
    match file
        .versions
        .iter()
        .filter(usable)
        .map(|e| e.version.semver())
        .max()
    {
        Some(v) => {
            let command = format!("plugres add {name}@^{}.{}.{}", v.major, v.minor, v.patch);
            Remedy {
                advice: format!(
                    "no other version that `{name} = \"{req}\"` allows can be used, so `plugres update` cannot move it: run `{command}` to move to {v}"
                ),
                command: Some(command),
            }
        }
        None => Remedy {
            advice: format!(
                "no other version of `{name}` can replace it yet (every other one is yanked, a prerelease, or made for another engine version): keep it until one is published, or `plugres remove {name}`"
            ),
            command: None,
        },
    }
}
