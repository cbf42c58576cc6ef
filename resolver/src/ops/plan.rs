//! From plugres.toml to a lock: resolve against the command's registries
//! and build the [`Lockfile`], without writing anything.
//!
//! "Minimal changes": every resolution prefers the versions already locked,
//! so adding a plugin or updating one leaves the others where they were
//! unless a requirement forces a move. `update` with names drops only those
//! names' preferences; `update` alone drops all of them.

use std::collections::{BTreeMap, BTreeSet};

use plugres_schema::{PluginName, Version};

use super::OpsError;
use super::channel::{Engine, channel_req};
use super::lock_check::{EntryKeys, edited_hints};
use super::registries::{MultiCandidates, Registries};
use crate::project::{
    LockedArtifact, LockedPlugin, LockedPluginExt, LockedRegistry, Lockfile, Manifest,
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
    /// All, with this plugin at exactly this version (`update NAME
    /// --precise VERSION`): a requirement when plugres.toml lists it, a
    /// preference (which a yanked version may be) when it is a dependency.
    Precise(&'a str, &'a semver::Version),
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
    registries: &Registries<'_>,
    manifest: &Manifest,
    old: Option<&Lockfile>,
    prefer: Prefer<'_>,
    engine: Option<&semver::Version>,
    allow_prerelease: bool,
) -> Result<Plan, OpsError> {
    let first = plan_with(registries, manifest, old, prefer, engine, allow_prerelease);
    match first {
        Err(OpsError::Resolve(ResolveError::NoSolution { .. })) if registries.may_refresh() => {
            let say = "No solution; fetching the sparse indexes again past CDN caches…";
            registries.options().say(say);
            let fresh = registries.refreshed();
            let plan = plan_with(&fresh, manifest, old, prefer, engine, allow_prerelease);
            // The plan rests on these indexes: their trust state is
            // recorded before it is used, as `apply` does for the first.
            fresh.settle()?;
            plan
        }
        other => other,
    }
}

/// [`plan`] with the indexes of `registries`.
fn plan_with(
    registries: &Registries<'_>,
    manifest: &Manifest,
    old: Option<&Lockfile>,
    prefer: Prefer<'_>,
    engine: Option<&semver::Version>,
    allow_prerelease: bool,
) -> Result<Plan, OpsError> {
    let locals = super::local::read_all(manifest)?;
    let candidates = MultiCandidates::new(registries, manifest, &locals);
    let locked = match (old, prefer) {
        (None, _) | (_, Prefer::Nothing) => Default::default(),
        (Some(l), Prefer::Locked) => l.locked_versions(),
        (Some(l), Prefer::AllBut(names)) => {
            let mut v = l.locked_versions();
            v.retain(|k, _| !names.contains(k));
            v
        }
        (Some(l), Prefer::Precise(name, version)) => {
            let mut v = l.locked_versions();
            v.insert(name.to_string(), version.clone());
            v
        }
    };
    let engine_name = registries.engine_name(manifest)?;
    let engine_version = engine.unwrap_or(&manifest.engine.version);
    let engine = Engine {
        name: &engine_name,
        version: engine_version,
    };
    let roots = manifest
        .plugins
        .iter()
        .map(|(n, s)| {
            let req = match (prefer, &s.channel) {
                (Prefer::Precise(name, v), _) if n.as_str() == name => exactly(v),
                (_, Some(c)) => channel_req(registries, n, s, c, old, prefer, &engine)?,
                _ => s.req.clone(),
            };
            Ok((n.to_string(), req))
        })
        .collect::<Result<_, OpsError>>()?;
    let request = Request {
        engine_version: engine_version.clone(),
        engine_name,
        roots,
        locked,
        allow_prerelease,
    };
    let resolution = match resolve(&candidates, &request) {
        Ok(r) => r,
        // This layer's own refusals (e.g. a dependency's registry) keep their hints.
        Err(ResolveError::Source(e)) => {
            return Err(e
                .into_typed::<OpsError>()
                .unwrap_or_else(|e| ResolveError::Source(e).into()));
        }
        Err(e) => return Err(e.into()),
    };
    verify_attestations_ahead(&candidates, &resolution.packages, &locals);
    let mut plugins = Vec::new();
    let mut deprecated = Vec::new();
    let mut used = BTreeSet::new();
    let remembered = registries.checked_entries();
    let mut keys = EntryKeys::default();
    for (name, version) in &resolution.packages {
        if let Some(local) = locals.get(name) {
            plugins.push(keep_choices(local.locked(), old));
            continue;
        }
        let index = candidates.index_of(name)?;
        let plugin_name =
            PluginName::new(name).map_err(|e| OpsError::failed(format!("`{name}`: {e}"), &[]))?;
        let file = index
            .plugin(&plugin_name)?
            .ok_or_else(|| OpsError::failed(format!("`{name}` vanished from the index"), &[]))?;
        let entry = file.get(&Version::from(version.clone())).ok_or_else(|| {
            OpsError::failed(format!("`{name} {version}` vanished from the index"), &[])
        })?;
        let mut locked = LockedPlugin::from_index(index, &file, entry)?;
        locked.channel = manifest
            .plugins
            .get(&plugin_name)
            .and_then(|s| s.channel.clone());
        if let Some(previous) = old.and_then(|o| o.plugin(name)) {
            let spec = registries.spec(&previous.registry);
            let checked = spec.is_ok_and(|spec| remembered.contains(&keys.key(spec, previous)));
            same_artifacts(previous, &locked, checked)?;
        }
        let locked = keep_choices(locked, old);
        if let Some(message) = &file.deprecated {
            deprecated.push(format!("`{name}` is deprecated: {message}"));
        }
        used.insert(index.registry_name().to_string());
        plugins.push(locked);
    }
    let locked_registries = used
        .iter()
        .map(|name| {
            let index = registries.index(name)?;
            Ok(LockedRegistry {
                name: name.clone(),
                index: manifest.registries[name].index.clone(),
                revision: index.revision(),
                snapshot: index.snapshot_version(),
            })
        })
        .collect::<Result<Vec<_>, OpsError>>()?;
    let locked_registries = keep_seen(old, &plugins, locked_registries);
    let mut warnings = resolution.warnings;
    warnings.extend(deprecated);
    Ok(Plan {
        lockfile: Lockfile {
            registries: locked_registries,
            plugins,
        },
        warnings,
        files_read: registries.files_read(),
    })
}

/// `locked` with the user's choices in `old` for that plugin kept: the
/// `disabled` flag and the grants it still asks for — when it comes from
/// where it came from (a local build replacing a registry's plugin, or
/// the reverse, asks for its permissions again).
fn keep_choices(mut locked: LockedPlugin, old: Option<&Lockfile>) -> LockedPlugin {
    let previous = old
        .and_then(|o| o.plugin(locked.name.as_str()))
        .filter(|p| p.path == locked.path);
    if let Some(previous) = previous {
        locked.disabled = previous.disabled;
        locked.granted = previous
            .granted
            .iter()
            .filter(|p| locked.permissions.contains(p))
            .cloned()
            .collect();
    }
    locked
}

/// `=VERSION`.
pub(crate) fn exactly(v: &semver::Version) -> semver::VersionReq {
    semver::VersionReq {
        comparators: vec![semver::Comparator {
            op: semver::Op::Exact,
            major: v.major,
            minor: Some(v.minor),
            patch: Some(v.patch),
            pre: v.pre.clone(),
        }],
    }
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

/// What `new` has for the target of `old`.
fn describe(new: &LockedPlugin, old: &LockedArtifact) -> String {
    match new.artifacts.iter().find(|a| a.target == old.target) {
        Some(a) => format!("sha256 {} and size {}", a.sha256.to_hex(), a.size),
        None => "no artifact".to_string(),
    }
}

/// Like cargo's "checksum changed": a version once locked is immutable, so
/// when the index now gives the locked version of a plugin another sha256
/// or size for a target the lock lists, nothing is locked. If this machine
/// checked the locked entry against the index before (`remembered`), the
/// index changed a published artifact (a compromise, or a publisher's
/// mistake); otherwise the lock was edited.
fn same_artifacts(
    previous: &LockedPlugin,
    new: &LockedPlugin,
    remembered: bool,
) -> Result<(), OpsError> {
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
    if !remembered {
        return Err(OpsError::Failed {
            message: format!(
                "plugres.lock does not match the signed index for `{name} {version}`: for target `{}` the lock has sha256 {} and size {}, the index of registry `{}` has {}. The lock was edited (by hand, or in a change you pulled); nothing was changed",
                old.target.as_str(),
                old.sha256.to_hex(),
                old.size,
                new.registry,
                describe(new, old),
            ),
            hints: edited_hints(name, version),
        });
    }
    let now = describe(new, old);
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

/// The chosen versions' attestations, fetched together and verified on all
/// cores before the lock entries are built one by one (which then find them
/// verified). Errors surface there, with their context.
fn verify_attestations_ahead(
    candidates: &MultiCandidates<'_>,
    packages: &BTreeMap<String, semver::Version>,
    locals: &BTreeMap<String, super::local::LocalPlugin>,
) {
    let mut by_index: Vec<(
        &crate::index::VerifiedIndex,
        Vec<(PluginName, plugres_schema::VersionEntry)>,
    )> = Vec::new();
    for (name, version) in packages.iter().filter(|(n, _)| !locals.contains_key(*n)) {
        let (Ok(index), Ok(plugin)) = (candidates.index_of(name), PluginName::new(name)) else {
            continue;
        };
        let Ok(Some(file)) = index.plugin(&plugin) else {
            continue;
        };
        let Some(entry) = file.get(&Version::from(version.clone())) else {
            continue;
        };
        if entry.attestation.is_none() {
            continue;
        }
        let at = match by_index.iter().position(|(i, _)| std::ptr::eq(*i, index)) {
            Some(at) => at,
            None => {
                by_index.push((index, Vec::new()));
                by_index.len() - 1
            }
        };
        by_index[at].1.push((plugin, entry.clone()));
    }
    for (index, versions) in by_index {
        index.verify_attestations(&versions);
    }
}
