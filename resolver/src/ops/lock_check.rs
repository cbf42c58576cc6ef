//! plugres.lock is input, not trust (README threat model).
//!
//! A lock arrives in pull requests like any file, so before an install
//! uses it, every locked entry — name, version, engine requirement,
//! dependencies, permissions, and each artifact's target, URL, sha256 and
//! size — must equal what the verified index of its registry says. What
//! checked out once is remembered on this machine ([`CheckedEntries`]),
//! so a no-op install stays a few file lookups and reads no index; an
//! entry not remembered is checked against the cached index first, then
//! (unless `--offline`/`--frozen`) the index online.

use std::collections::BTreeMap;

use plugres_schema::{PluginName, Sha256, Version};

use super::OpsError;
use super::registries::Registries;
use crate::index::VerifiedIndex;
use crate::project::{LockedPlugin, LockedPluginExt, Lockfile, RegistrySpec};

/// The keys of lock entries ([`EntryKeys::key`]); each registry's lines
/// are written once, not once per entry.
#[derive(Default)]
pub(crate) struct EntryKeys(BTreeMap<String, String>);

impl EntryKeys {
    /// The digest of everything an install trusts in a lock entry, with
    /// the registry it must come from (its index and pinned root keys, as
    /// plugres.toml gives them). Yank and deprecation notes are left out:
    /// they change after publishing and are only shown.
    pub(crate) fn key(&mut self, spec: &RegistrySpec, p: &LockedPlugin) -> String {
        if !self.0.contains_key(&spec.name) {
            self.0.insert(spec.name.clone(), registry_lines(spec));
        }
        entry_key_after(&self.0[&spec.name], p)
    }
}

/// The lines of an entry's key that name its registry: the same for all
/// of a registry's entries, so written once per lock, not per entry.
fn registry_lines(spec: &RegistrySpec) -> String {
    let mut keys: Vec<String> = spec.root_keys.iter().map(|k| k.to_string()).collect();
    keys.sort();
    format!(
        "plugres checked lock entry 1\nindex {:?}\nroot-keys {}\n",
        spec.location,
        keys.join(" ")
    )
}

/// [`EntryKeys::key`] with its registry's lines given.
fn entry_key_after(registry: &str, p: &LockedPlugin) -> String {
    let mut text = String::with_capacity(registry.len() + 512);
    text.push_str(registry);
    for line in facts(p) {
        text += &line;
        text.push('\n');
    }
    Sha256::of(text.as_bytes()).to_hex()
}

/// The checked facts of an entry as sorted lines, so that two entries
/// are equal exactly when their lines are, and a difference can be named.
fn facts(p: &LockedPlugin) -> Vec<String> {
    let mut lines = vec![
        format!(
            "plugin {} {} from registry `{}`",
            p.name, p.version, p.registry
        ),
        format!("engine requirement `{}`", p.engine),
    ];
    lines.extend(
        p.dependencies
            .iter()
            .map(|(n, r)| format!("dependency `{n}` `{r}`")),
    );
    let mut permissions: Vec<String> = p.permissions.iter().map(|x| x.to_string()).collect();
    permissions.sort();
    lines.push(format!("permissions [{}]", permissions.join(", ")));
    let mut artifacts: Vec<String> = p
        .artifacts
        .iter()
        .map(|a| {
            format!(
                "artifact for `{}` at `{}` (sha256 {}, {} bytes)",
                a.target.as_str(),
                a.url,
                a.sha256.to_hex(),
                a.size
            )
        })
        .collect();
    artifacts.sort();
    lines.extend(artifacts);
    if let Some(a) = &p.attestation {
        lines.push(format!(
            "attestation (sha256 {}) by trusted publisher `{}`: {} at `{}`, commit {}",
            a.sha256.to_hex(),
            a.publisher,
            a.repository,
            a.git_ref,
            a.commit
        ));
    }
    // The declared settings: an edited declaration would change what the
    // host accepts (a secret made plain, a range widened).
    for (name, decl) in &p.settings {
        let mut one = plugres_schema::Settings::new();
        one.insert(name.clone(), decl.clone());
        let mut text = String::new();
        plugres_schema::render_settings(&mut text, "plugin", &one);
        lines.push(format!("setting {}", text.trim().replace('\n', "; ")));
    }
    lines
}

/// The lines of `lock` that `index` does not have, and the other way round.
fn differences(lock: &LockedPlugin, index: &LockedPlugin) -> (Vec<String>, Vec<String>) {
    let (l, i) = (facts(lock), facts(index));
    let only = |a: &[String], b: &[String]| a.iter().filter(|x| !b.contains(x)).cloned().collect();
    (only(&l, &i), only(&i, &l))
}

/// The entry of `plugin`'s name and version as `index` signs it, if the
/// index has that version.
fn signed_entry(
    index: &VerifiedIndex,
    plugin: &LockedPlugin,
) -> Result<Option<LockedPlugin>, OpsError> {
    let Some(file) = index.plugin(&plugin.name)? else {
        return Ok(None);
    };
    match file.get(&plugin.version) {
        Some(v) => Ok(Some(LockedPlugin::from_index(index, &file, v)?)),
        None => Ok(None),
    }
}

/// The keys of every entry of `lock` (one the command resolved from the
/// verified index), to [`CheckedEntries::record`].
pub(crate) fn keys(lock: &Lockfile, registries: &Registries<'_>) -> Result<Vec<String>, OpsError> {
    // A local plugin has no signed entry: its files are hashed afresh by
    // every command that uses them (README "Local plugin development").
    let mut keys = EntryKeys::default();
    lock.plugins
        .iter()
        .filter(|p| !p.is_local())
        .map(|p| Ok(keys.key(registries.spec(&p.registry)?, p)))
        .collect()
}

/// Checks every entry of `lock` as the module says; returns the keys to
/// [`CheckedEntries::record`] once the command succeeded.
pub(crate) fn check(lock: &Lockfile, registries: &Registries<'_>) -> Result<Vec<String>, OpsError> {
    let store = registries.checked_entries();
    let mut todo: BTreeMap<&str, Vec<(&LockedPlugin, String)>> = BTreeMap::new();
    let mut keys = EntryKeys::default();
    for plugin in lock.plugins.iter().filter(|p| !p.is_local()) {
        let key = keys.key(registries.spec(&plugin.registry)?, plugin);
        if !store.contains(&key) {
            todo.entry(plugin.registry.as_str())
                .or_default()
                .push((plugin, key));
        }
    }
    let mut checked = Vec::new();
    for (registry, entries) in todo {
        checked.extend(check_registry(registry, entries, registries)?);
    }
    Ok(checked)
}

/// [`check`] of the unremembered entries of one registry: against the
/// cached index, then the index online for what the cache lacks.
fn check_registry(
    registry: &str,
    entries: Vec<(&LockedPlugin, String)>,
    registries: &Registries<'_>,
) -> Result<Vec<String>, OpsError> {
    let mut keys = Vec::new();
    let mut unknown = Vec::new();
    let cached = registries.cached(registry).ok();
    for (plugin, key) in entries {
        match against_cache(cached, plugin) {
            Cached::Confirms => keys.push(key),
            Cached::Differs(message) => return Err(edited(plugin, message)),
            Cached::CannotTell => unknown.push((plugin, key)),
        }
    }
    if unknown.is_empty() {
        return Ok(keys);
    }
    if registries.options().offline {
        let names: Vec<String> = unknown
            .iter()
            .map(|(p, _)| format!("`{} {}`", p.name, p.version))
            .collect();
        return Err(OpsError::failed(
            format!(
                "cannot check {} of plugres.lock against the signed index of registry `{registry}`: this machine has not verified {} yet, and `--offline`/`--frozen` forbid reading the index",
                names.join(", "),
                if names.len() == 1 { "it" } else { "them" },
            ),
            &[
                "run the command once without `--offline`/`--frozen`: a lock is checked against the index before anything it names is installed",
            ],
        ));
    }
    let names: Vec<String> = unknown
        .iter()
        .map(|(p, _)| format!("{} {}", p.name, p.version))
        .collect();
    registries.options().say(&format!(
        "Checking plugres.lock against the index of registry `{registry}` (new to this machine: {})",
        names.join(", ")
    ));
    let index = registries.index(registry)?;
    for (plugin, key) in unknown {
        match signed_entry(index, plugin)? {
            Some(signed) => same(plugin, &signed)?,
            None => return Err(not_in_index(plugin)),
        }
        keys.push(key);
    }
    Ok(keys)
}

/// For `plugres verify`, which never uses the network: each entry of
/// `lock` that neither this machine remembers nor the cached index
/// confirms, with what is wrong.
pub(crate) fn problems(lock: &Lockfile, registries: &Registries<'_>) -> Vec<(String, String)> {
    let store = registries.checked_entries();
    let mut out = Vec::new();
    let mut keys = EntryKeys::default();
    for plugin in lock.plugins.iter().filter(|p| !p.is_local()) {
        let Ok(spec) = registries.spec(&plugin.registry) else {
            out.push((
                plugin.name.to_string(),
                format!("its registry `{}` is not in plugres.toml", plugin.registry),
            ));
            continue;
        };
        if store.contains(&keys.key(spec, plugin)) {
            continue;
        }
        let problem = match against_cache(registries.cached(&plugin.registry).ok(), plugin) {
            Cached::Confirms => continue,
            Cached::Differs(message) => message,
            Cached::CannotTell => "its plugres.lock entry was never checked against the signed index on this machine, and the cached index cannot confirm it; run `plugres install` (it checks the lock online)".to_string(),
        };
        out.push((plugin.name.to_string(), problem));
    }
    out
}

/// What this machine's cached index says of a locked entry.
enum Cached {
    Confirms,
    /// What differs (see [`mismatch`]).
    Differs(String),
    /// No cached index, or one without that version (it may predate it).
    CannotTell,
}

fn against_cache(cached: Option<&VerifiedIndex>, plugin: &LockedPlugin) -> Cached {
    match cached.map(|index| signed_entry(index, plugin)) {
        Some(Ok(Some(signed))) => match mismatch(plugin, &signed) {
            None => Cached::Confirms,
            Some(message) => Cached::Differs(message),
        },
        _ => Cached::CannotTell,
    }
}

/// A locked entry must be what the index signs.
fn same(lock: &LockedPlugin, signed: &LockedPlugin) -> Result<(), OpsError> {
    match mismatch(lock, signed) {
        None => Ok(()),
        Some(message) => Err(edited(lock, message)),
    }
}

/// The refusal of an edited entry, `message` saying what differs.
fn edited(lock: &LockedPlugin, message: String) -> OpsError {
    OpsError::Failed {
        message: format!("{message}; nothing was installed or changed"),
        hints: edited_hints(&lock.name, &lock.version),
    }
}

/// What differs between a locked entry and the one the index signs.
fn mismatch(lock: &LockedPlugin, signed: &LockedPlugin) -> Option<String> {
    let (in_lock, in_index) = differences(lock, signed);
    if in_lock.is_empty() && in_index.is_empty() {
        return None;
    }
    Some(format!(
        "plugres.lock does not match the signed index for `{} {}`: the lock has {}, where the index of registry `{}` has {}. The lock was edited (by hand, or in a change you pulled)",
        lock.name,
        lock.version,
        list(&in_lock),
        lock.registry,
        list(&in_index),
    ))
}

fn list(lines: &[String]) -> String {
    match lines {
        [] => "nothing more".to_string(),
        _ => lines.join("; "),
    }
}

fn not_in_index(p: &LockedPlugin) -> OpsError {
    OpsError::Failed {
        message: format!(
            "plugres.lock names `{} {}` of registry `{}`, but its signed index has no such version. The lock was edited (by hand, or in a change you pulled); nothing was installed or changed",
            p.name, p.version, p.registry
        ),
        hints: edited_hints(&p.name, &p.version),
    }
}

/// What to do about an edited lock.
pub(crate) fn edited_hints(name: &PluginName, version: &Version) -> Vec<String> {
    vec![
        "if you did not mean to change plugres.lock, restore it from version control (`git checkout plugres.lock`)".to_string(),
        format!(
            "otherwise delete the `[[plugin]]` entry of `{name} {version}` from plugres.lock and run `plugres lock`: it writes what the index signs"
        ),
    ]
}

mod remembered;
#[cfg(test)]
mod tests;

pub(crate) use remembered::CheckedEntries;
