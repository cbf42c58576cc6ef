//! `plugres list` (alias `status`): every locked plugin with what a user
//! asks first — which version, from where, loaded or not, are its files
//! intact, has it been yanked or deprecated, is a newer one allowed, what
//! it needs and what needs it — then the problems, each with the command
//! that fixes it.
//!
//! Nothing here checks anything itself: integrity is `verify`'s check
//! ([`super::verify::problems`]), yanks, deprecations and newer versions are
//! `outdated`'s rows ([`Compare`]), dependencies and dependents come from
//! the lock as `tree` reads it ([`super::tree::dependents`]). A status
//! command reports what is wrong rather than failing on it: only a project
//! that cannot be read is an error (README "For project users").

use serde::Serialize;

use super::outdated::{Compare, OutdatedPlugin};
use super::registries::Registries;
use super::verify::VerifyProblem;
use super::{OpsError, Options, load};
use crate::project::{LockedPlugin, Lockfile, Manifest};

/// What the index says of a locked plugin now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IndexState {
    /// The locked version is yanked.
    pub yanked: bool,
    pub yank_reason: Option<String>,
    /// Yanked after plugres.lock was made (the lock recorded no yank).
    pub yanked_since_lock: bool,
    /// The plugin's deprecation message.
    pub deprecated: Option<String>,
    /// The newest version that runs on the project's engine, when newer
    /// than the locked one (`outdated`'s "Compatible").
    pub newer_compatible: Option<String>,
    /// Whether `plugres update NAME` would move to it (nothing in
    /// plugres.toml or another plugin holds it back).
    pub update_allowed: bool,
}

/// One row of `plugres list`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ListedPlugin {
    pub name: String,
    pub version: String,
    /// The registry's name, or `path DIR` for a local plugin.
    pub registry: String,
    /// A local plugin's folder as plugres.toml writes it (README "Local
    /// plugin development"); its `index` is `null`.
    pub path: Option<String>,
    /// Listed in plugres.toml (not only a dependency).
    pub direct: bool,
    /// The host loads it (`plugres disable` turns it off).
    pub enabled: bool,
    /// Its installed files match what install recorded, and its lock
    /// entry what the signed index says (`plugres verify`'s check).
    pub intact: bool,
    /// What `verify` found wrong with it.
    pub integrity_problems: Vec<String>,
    /// `None` when the index was not checked (`--offline`, or it could
    /// not be read: see the report's `problems`).
    pub index: Option<IndexState>,
    /// The plugins it depends on, with the requirement (`greeter-core ^0.3`).
    pub depends_on: Vec<String>,
    /// The locked plugins that depend on it.
    pub needed_by: Vec<String>,
}

/// Something to act on, with the command that fixes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ListProblem {
    /// The plugin (or registry, for `index`) it is about.
    pub name: String,
    /// `files`, `local`, `not-locked`, `yanked`, `deprecated`, `update` or `index`.
    pub kind: &'static str,
    pub message: String,
    /// The command that fixes it, when one does.
    pub fix: Option<String>,
}

/// The result of `plugres list`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ListReport {
    /// Whether the indexes were read for yanks, deprecations and newer
    /// versions (not under `--offline`).
    pub index_checked: bool,
    /// In plugres.lock's order (by name).
    pub plugins: Vec<ListedPlugin>,
    pub problems: Vec<ListProblem>,
}

/// The status of the plugins of the project at or above `start`.
pub fn list(start: &std::path::Path, opts: &Options) -> Result<ListReport, OpsError> {
    let (project, manifest) = load(start)?;
    let lock = super::require_lock(
        &project,
        "run `plugres install` to resolve and install the plugins of plugres.toml",
    )?;
    let registries = Registries::new(&manifest, opts).with_lock(Some(&lock));
    let mut problems = Vec::new();
    let rows = match opts.offline {
        true => vec![None; lock.plugins.len()],
        false => compare(&manifest, &lock, &registries, &mut problems),
    };
    // After `compare`: the lock check reads the indexes it opened online
    // rather than opening the cached ones again.
    let verified = super::verify::problems(&project, &manifest, &lock, &registries)?;
    let plugins: Vec<ListedPlugin> = lock
        .plugins
        .iter()
        .zip(&rows)
        .map(|(p, row)| listed(&manifest, &lock, p, row.as_ref(), &verified))
        .collect();
    let mut all = problems_of(&plugins, &rows, &verified);
    all.extend(local_problems(&manifest, &lock));
    all.extend(problems);
    Ok(ListReport {
        index_checked: !opts.offline,
        plugins,
        problems: all,
    })
}

/// Local plugins whose folder no longer matches plugres.lock (a rebuild,
/// which `plugres install` picks up), or cannot be read (README "Local
/// plugin development").
fn local_problems(manifest: &Manifest, lock: &Lockfile) -> Vec<ListProblem> {
    let target = manifest.engine.target.as_ref().map(|t| t.as_str());
    let mut out = Vec::new();
    for (name, spec) in &manifest.plugins {
        let Some(path) = &spec.path else { continue };
        let (message, fix) = match super::local::read(Some(name), path, target) {
            Ok(local) => {
                let locals = std::collections::BTreeMap::from([(name.to_string(), local)]);
                let Some((_, what)) = super::local::changed_since(lock, &locals).pop() else {
                    continue;
                };
                let message =
                    format!("local plugin `{name}` was rebuilt since it was installed: {what}");
                (message, Some("plugres install".to_string()))
            }
            Err(e) => (format!("local plugin `{name}`: {e}"), None),
        };
        out.push(ListProblem {
            name: name.to_string(),
            kind: "local",
            message,
            fix,
        });
    }
    out
}

/// `outdated`'s row of each locked plugin; `None` for a plugin whose index
/// could not be read (said once per registry in `problems`).
fn compare(
    manifest: &Manifest,
    lock: &Lockfile,
    registries: &Registries<'_>,
    problems: &mut Vec<ListProblem>,
) -> Vec<Option<OutdatedPlugin>> {
    let compare = Compare::new(manifest, lock, registries);
    let mut failed: Vec<String> = Vec::new();
    lock.plugins
        .iter()
        .map(|p| {
            if failed.contains(&p.registry) || p.is_local() {
                return None;
            }
            if let Err(e) = registries.index(&p.registry) {
                failed.push(p.registry.clone());
                problems.push(ListProblem {
                    name: p.registry.clone(),
                    kind: "index",
                    message: format!(
                        "registry `{}` could not be read, so its plugins were not checked for yanks and newer versions: {e}",
                        p.registry
                    ),
                    fix: None,
                });
                return None;
            }
            compare
                .row(p)
                .map_err(|e| {
                    problems.push(ListProblem {
                        name: p.name.to_string(),
                        kind: "index",
                        message: format!("not checked for yanks and newer versions: {e}"),
                        fix: None,
                    })
                })
                .ok()
        })
        .collect()
}

/// The row of locked plugin `p`.
fn listed(
    manifest: &Manifest,
    lock: &Lockfile,
    p: &LockedPlugin,
    row: Option<&OutdatedPlugin>,
    verified: &[VerifyProblem],
) -> ListedPlugin {
    let integrity_problems: Vec<String> = verified
        .iter()
        .filter(|v| v.name == p.name.as_str())
        .map(|v| v.problem.clone())
        .collect();
    ListedPlugin {
        name: p.name.to_string(),
        version: p.version.to_string(),
        registry: p.origin(),
        path: p.path.clone(),
        direct: manifest.plugins.contains_key(&p.name),
        enabled: !p.disabled,
        intact: integrity_problems.is_empty(),
        integrity_problems,
        index: row.map(|r| index_state(p, r)),
        depends_on: p
            .dependencies
            .iter()
            .map(|(n, req)| format!("{n} {req}"))
            .collect(),
        needed_by: super::tree::dependents(lock, p.name.as_str())
            .map(|(d, _)| d.name.to_string())
            .collect(),
    }
}

/// An `outdated` row as what the index says of a locked plugin now.
fn index_state(p: &LockedPlugin, row: &OutdatedPlugin) -> IndexState {
    let newer = row.compatible.as_ref().filter(|c| {
        match (
            semver::Version::parse(c),
            semver::Version::parse(&row.current),
        ) {
            // Precedence: build metadata is ignored (README "Formats").
            (Ok(c), Ok(current)) => c.cmp_precedence(&current).is_gt(),
            _ => false,
        }
    });
    IndexState {
        yanked: row.yanked,
        yank_reason: row.yank_reason.clone(),
        yanked_since_lock: row.yanked && p.yanked.is_none(),
        deprecated: row.deprecated.clone(),
        newer_compatible: newer.cloned(),
        update_allowed: row.update_allowed,
    }
}

/// What is wrong with the rows, in the order a user fixes it: files
/// (and installed folders no longer locked), yanks, deprecations, then
/// updates `plugres update` makes.
fn problems_of(
    plugins: &[ListedPlugin],
    rows: &[Option<OutdatedPlugin>],
    verified: &[VerifyProblem],
) -> Vec<ListProblem> {
    let mut files = Vec::new();
    let mut index = Vec::new();
    let mut updates = Vec::new();
    for (p, row) in plugins.iter().zip(rows) {
        let problem = |kind, message: String, fix: Option<String>| ListProblem {
            name: p.name.clone(),
            kind,
            message,
            fix,
        };
        for v in &p.integrity_problems {
            let fix = Some("plugres install".to_string());
            files.push(problem(
                "files",
                format!("{} {}: {v}", p.name, p.version),
                fix,
            ));
        }
        let (Some(row), Some(state)) = (row, &p.index) else {
            continue;
        };
        if state.yanked {
            let when = match state.yanked_since_lock {
                true => "was yanked after plugres.lock was made",
                false => "is yanked",
            };
            let reason = state
                .yank_reason
                .as_deref()
                .map_or_else(String::new, |r| format!(": {r}"));
            let advice = row.fix.as_deref().unwrap_or_default();
            index.push(problem(
                "yanked",
                format!("{} {} {when}{reason}; {advice}", p.name, p.version),
                row.fix_command.clone(),
            ));
        }
        if let Some(d) = &state.deprecated {
            let fix = match p.direct {
                true => format!("plugres remove {}", p.name),
                false => format!("plugres tree --invert {}", p.name),
            };
            let how = match p.direct {
                true => "remove it once you have a replacement",
                false => "see which plugin needs it",
            };
            index.push(problem(
                "deprecated",
                format!("{} is deprecated: {d}; {how}", p.name),
                Some(fix),
            ));
        }
        if let Some(newer) = state
            .newer_compatible
            .as_ref()
            .filter(|_| state.update_allowed)
        {
            updates.push(problem(
                "update",
                format!("{} {newer} is available (locked: {})", p.name, p.version),
                Some(format!("plugres update {}", p.name)),
            ));
        }
    }
    for v in verified
        .iter()
        .filter(|v| !plugins.iter().any(|p| p.name == v.name))
    {
        files.push(ListProblem {
            name: v.name.clone(),
            kind: "not-locked",
            message: format!("`{}`: {}", v.path, v.problem),
            fix: Some("plugres install".into()),
        });
    }
    files.extend(index);
    files.extend(updates);
    files
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(current: &str, compatible: Option<&str>) -> OutdatedPlugin {
        OutdatedPlugin {
            name: "greeter-core".into(),
            direct: false,
            current: current.into(),
            compatible: compatible.map(str::to_string),
            latest: compatible.map(str::to_string),
            outdated: false,
            held_back: vec![],
            yanked: false,
            yank_reason: None,
            deprecated: None,
            fix: None,
            fix_command: None,
            channel: None,
            channel_version: None,
            update_allowed: false,
            path: None,
        }
    }

    fn listed_plugin(name: &str, intact: bool, index: Option<IndexState>) -> ListedPlugin {
        ListedPlugin {
            name: name.into(),
            version: "0.3.1".into(),
            registry: "default".into(),
            path: None,
            direct: true,
            enabled: true,
            intact,
            integrity_problems: match intact {
                true => vec![],
                false => vec!["`x.wasm` was changed after installation".into()],
            },
            index,
            depends_on: vec![],
            needed_by: vec![],
        }
    }

    #[test]
    fn only_a_newer_compatible_version_is_offered_by_precedence() {
        let locked = |s: &str| -> LockedPlugin {
            let lock = Lockfile::parse(
                "plugres.lock",
                &format!(
                    "version = 1\n\n[[registry]]\nname = \"default\"\nindex = \"../index\"\n\n[[plugin]]\nname = \"greeter-core\"\nversion = \"{s}\"\nregistry = \"default\"\nengine = \"*\"\n"
                ),
            );
            lock.map(|l| l.plugins[0].clone())
                .unwrap_or_else(|e| panic!("{e:?}"))
        };
        let p = locked("0.3.1");
        assert_eq!(
            index_state(&p, &row("0.3.1", Some("0.3.0"))).newer_compatible,
            None
        );
        assert_eq!(
            index_state(&p, &row("0.3.1", Some("0.3.1+b2"))).newer_compatible,
            None
        );
        let mut newer = row("0.3.1", Some("0.3.2"));
        newer.yanked = true;
        let state = index_state(&p, &newer);
        assert_eq!(state.newer_compatible.as_deref(), Some("0.3.2"));
        assert!(state.yanked && state.yanked_since_lock);
    }

    #[test]
    fn problems_come_files_first_then_yanks_then_updates_each_with_its_fix() {
        let state = |yanked, update_allowed| IndexState {
            yanked,
            yank_reason: Some("CVE-1".into()),
            yanked_since_lock: true,
            deprecated: None,
            newer_compatible: Some("0.4.0".into()),
            update_allowed,
        };
        let plugins = vec![
            listed_plugin("a", true, Some(state(false, true))),
            listed_plugin("b", true, Some(state(true, false))),
            listed_plugin("c", false, None),
        ];
        let mut yanked = row("0.3.1", Some("0.4.0"));
        yanked.fix = Some("run `plugres update b` to move off it".into());
        yanked.fix_command = Some("plugres update b".into());
        let rows = vec![Some(row("0.3.1", Some("0.4.0"))), Some(yanked), None];
        let stray = VerifyProblem {
            name: "gone".into(),
            path: "plugins/gone".into(),
            problem: "installed by plugres but no longer locked".into(),
        };
        let problems = problems_of(&plugins, &rows, &[stray]);
        let kinds: Vec<(&str, &str, Option<&str>)> = problems
            .iter()
            .map(|p| (p.name.as_str(), p.kind, p.fix.as_deref()))
            .collect();
        assert_eq!(
            kinds,
            vec![
                ("c", "files", Some("plugres install")),
                ("gone", "not-locked", Some("plugres install")),
                ("b", "yanked", Some("plugres update b")),
                ("a", "update", Some("plugres update a")),
            ]
        );
        assert_eq!(
            problems[2].message,
            "b 0.3.1 was yanked after plugres.lock was made: CVE-1; run `plugres update b` to move off it"
        );
    }
}
