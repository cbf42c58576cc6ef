//! Validation of an index: every rule a client relies on, checked before a
//! change is merged.
//!
//! Two modes. Whole-index: every file under `plugins/` is parsed, verified
//! against the scoped publisher keys of the verified config, and checked for
//! dependencies that exist and can match. Since-`base` (the pull-request
//! check): only the files that changed between `base` and `HEAD` (a git tree
//! diff, so the cost follows the change, not the index), plus the rules only
//! history can tell — published versions never change except `yanked`, plugin
//! files are never removed, and a new config is signed by a root key the
//! base config already trusted. A config change re-checks everything, since
//! removing a key can invalidate files that did not change.
//!
//! Every problem is collected as a [`Diagnostic`] with file, line and column.

mod artifacts;
mod attestations;
mod catalog;
pub(crate) mod files;
mod trust;

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::Result;
use plugres_schema::rules::{ConfigRuleError, PreviousConfig, config_problems};
use plugres_schema::{CONFIG_PATH, Diagnostic, IndexConfig, PLUGINS_DIR, READMES_DIR};
use rayon::prelude::*;

use crate::checkout::sig_path;
pub(crate) use crate::fsutil::read_if_exists as read;
use crate::git::{ChangeKind, Repo};
use files::Checked;

pub struct Options {
    pub base: Option<String>,
    pub check_artifacts: bool,
}

#[derive(Debug, Default, serde::Serialize)]
pub struct Report {
    pub diagnostics: Vec<Diagnostic>,
    pub files_checked: usize,
    pub artifacts_checked: usize,
}

impl Report {
    pub fn errors(&self) -> usize {
        self.diagnostics
            .iter()
            .filter(|d| d.severity == plugres_schema::Severity::Error)
            .count()
    }
}

pub fn validate(dir: &Path, opts: &Options) -> Result<Report> {
    let mut report = Report::default();
    let Some(config) = check_config(dir, &mut report)? else {
        return Ok(report);
    };
    let now = plugres_schema::time::now();
    let mut seen = None;
    let (paths, whole) = match &opts.base {
        None => {
            if config.has_snapshot_role() {
                seen = trust::check_whole(dir, &config, now, &mut report.diagnostics)?;
            }
            (all_plugin_paths(dir)?, true)
        }
        Some(base) => {
            let (paths, whole, touched) = changed_since(dir, base, &config, &mut report)?;
            let repo = Repo::open(dir)?;
            trust::check_changed(
                dir,
                (&repo, base),
                &config,
                touched,
                now,
                &mut report.diagnostics,
            )?;
            (paths, whole)
        }
    };
    let checked: Vec<Checked> = paths
        .par_iter()
        .map(|p| files::check_file(dir, p, &config))
        .collect();
    report.files_checked = checked.len();
    // Plugins present, with their versions; `None` for a file that did not
    // parse (its own errors are reported; dependents are not blamed).
    let known: BTreeMap<String, Option<Vec<semver::Version>>> = checked
        .iter()
        .filter_map(|c| {
            let name = plugres_schema::name_from_index_path(&c.path)?;
            let versions = c.plugin.as_ref().map(|p| {
                p.versions
                    .iter()
                    .map(|v| v.version.semver().clone())
                    .collect()
            });
            Some((name.to_string(), versions))
        })
        .collect();
    for c in &checked {
        report.diagnostics.extend(c.diagnostics.iter().cloned());
        files::check_dependencies(dir, c, &known, whole, &mut report.diagnostics);
    }
    if let Some(seen) = &seen {
        // The catalog from the plugin files just parsed (README "The catalog").
        let entries = checked
            .iter()
            .filter(|c| seen.tree.contains_key(&c.path))
            .filter_map(|c| c.plugin.as_ref().map(plugres_schema::CatalogEntry::of))
            .collect();
        catalog::check(dir, seen, entries, &mut report.diagnostics)?;
    }
    if let Some(base) = &opts.base {
        let repo = Repo::open(dir)?;
        let base_config = repo
            .read_at(base, CONFIG_PATH)?
            .and_then(|b| IndexConfig::parse(CONFIG_PATH, &b).ok());
        for c in &checked {
            files::check_immutable(dir, &repo, base, c, &mut report.diagnostics)?;
            files::check_not_replayed(
                dir,
                (&repo, base),
                (&config, base_config.as_ref()),
                c,
                &mut report.diagnostics,
            )?;
        }
    }
    if opts.check_artifacts {
        report.artifacts_checked =
            artifacts::check_all(dir, &config, &checked, &mut report.diagnostics);
    }
    report
        .diagnostics
        .sort_by(|a, b| (&a.file, a.line, a.column).cmp(&(&b.file, b.line, b.column)));
    // A refused trust file is named by the rollback check and the whole
    // check alike.
    report.diagnostics.dedup();
    Ok(report)
}

/// The whole index, read the way `validate` reads it: the config verified
/// against its own root keys, and every plugin file parsed and verified
/// against the scoped publisher keys. Files with problems are left out of
/// the list; their diagnostics are in the report (for commands such as
/// `mirror-artifacts` that work on what verifies).
pub fn verified_plugins(
    dir: &Path,
) -> Result<(Option<IndexConfig>, Vec<plugres_schema::PluginFile>, Report)> {
    let mut report = Report::default();
    let Some(config) = check_config(dir, &mut report)? else {
        return Ok((None, Vec::new(), report));
    };
    let checked: Vec<Checked> = all_plugin_paths(dir)?
        .par_iter()
        .map(|p| files::check_file(dir, p, &config))
        .collect();
    report.files_checked = checked.len();
    let mut plugins = Vec::new();
    for c in checked {
        let clean = !c
            .diagnostics
            .iter()
            .any(|d| d.severity == plugres_schema::Severity::Error);
        report.diagnostics.extend(c.diagnostics);
        if clean {
            plugins.extend(c.plugin);
        }
    }
    Ok((Some(config), plugins, report))
}

/// Parses and verifies config.toml against its own root keys.
fn check_config(dir: &Path, report: &mut Report) -> Result<Option<IndexConfig>> {
    for f in [CONFIG_PATH.to_string(), sig_path(CONFIG_PATH)] {
        if std::fs::symlink_metadata(dir.join(&f)).is_ok() && !is_regular_file(dir, &f) {
            report.diagnostics.push(Diagnostic::file_error(
                f,
                "not a regular file (a symbolic link?): the config must be a regular file",
            ));
            return Ok(None);
        }
    }
    let Some(bytes) = read(dir, CONFIG_PATH)? else {
        report.diagnostics.push(Diagnostic::file_error(
            CONFIG_PATH,
            "missing: every index has a signed config.toml",
        ));
        return Ok(None);
    };
    let config = match IndexConfig::parse(CONFIG_PATH, &bytes) {
        Ok(c) => c,
        Err(d) => {
            report.diagnostics.extend(d);
            return Ok(None);
        }
    };
    match read(dir, &sig_path(CONFIG_PATH))? {
        None => report.diagnostics.push(Diagnostic::file_error(
            CONFIG_PATH,
            "`config.toml.minisig` is missing: the config must be signed by one of its root keys",
        )),
        Some(sig) => {
            let keys = config.root_keys.iter().map(|k| (&k.id, &k.public));
            if let Err(e) = plugres_schema::verify(CONFIG_PATH, &bytes, &sig, keys) {
                report
                    .diagnostics
                    .push(Diagnostic::file_error(CONFIG_PATH, e.to_string()));
            }
        }
    }
    check_sigstore_root(dir, &config, report)?;
    Ok(Some(config))
}

/// The Sigstore trusted root config.toml pins is in the index with that
/// sha256 (README "Trusted publishing"), whether or not any version is
/// attested yet: clients would refuse every attestation otherwise.
fn check_sigstore_root(dir: &Path, config: &IndexConfig, report: &mut Report) -> Result<()> {
    let Some(pinned) = &config.sigstore else {
        return Ok(());
    };
    let path = pinned.path.as_str();
    let problem = match read(dir, path)? {
        None => {
            "missing: config.toml pins it as the Sigstore trusted root (`[sigstore] trusted-root`)"
                .to_string()
        }
        Some(bytes) if plugres_schema::Sha256::of(&bytes) != pinned.sha256 => format!(
            "its sha256 is {}, but config.toml pins {}: put Sigstore's trusted_root.json here, or pin this file's digest in a root-signed config",
            plugres_schema::Sha256::of(&bytes),
            pinned.sha256
        ),
        Some(_) => return Ok(()),
    };
    report
        .diagnostics
        .push(Diagnostic::file_error(path, problem));
    Ok(())
}

/// Every file under `plugins/`, as index paths.
fn all_plugin_paths(dir: &Path) -> Result<Vec<String>> {
    let root = dir.join(PLUGINS_DIR);
    if !root.exists() {
        return Ok(Vec::new());
    }
    let mut out = Vec::new();
    for entry in walkdir::WalkDir::new(&root).sort_by_file_name() {
        let entry = entry?;
        if entry.file_type().is_file() || entry.file_type().is_symlink() {
            let rel = entry.path().strip_prefix(dir)?;
            let parts: Vec<&str> = rel.iter().filter_map(|c| c.to_str()).collect();
            out.push(parts.join("/"));
        }
    }
    Ok(out)
}

/// The plugin paths changed since `base`, whether the check must cover
/// the whole index (a changed config), and what kinds of files changed.
/// Reports removed plugin files and a config re-signed without the base's
/// root keys.
fn changed_since(
    dir: &Path,
    base: &str,
    config: &IndexConfig,
    report: &mut Report,
) -> Result<(Vec<String>, bool, trust::Touched)> {
    let repo = Repo::open(dir)?;
    let changes = repo.changed_paths(base, "HEAD")?;
    let mut touched = std::collections::BTreeSet::new();
    let mut config_changed = false;
    let mut kinds = trust::Touched::default();
    for ch in changes {
        if ch.path == CONFIG_PATH || ch.path == sig_path(CONFIG_PATH) {
            config_changed = true;
            kinds.content = true;
            continue;
        }
        if trust::is_trust_file(&ch.path) {
            kinds.trust = true;
            continue;
        }
        if !ch.path.starts_with("plugins/") {
            check_other_change(dir, &ch, report);
            continue;
        }
        if ch.kind == ChangeKind::Deleted && ch.path.ends_with(".toml") {
            report.diagnostics.push(Diagnostic::file_error(
                &ch.path,
                "a published plugin file was removed; plugins are never deleted (yank their versions instead)",
            ));
            continue;
        }
        kinds.content = true;
        // A changed signature means its plugin file is re-checked, and the
        // other way round.
        let toml = ch
            .path
            .strip_suffix(".minisig")
            .unwrap_or(&ch.path)
            .to_string();
        for p in [sig_path(&toml), toml] {
            // Not `exists()`: that follows links, and a dangling link must
            // be reported, not skipped.
            if std::fs::symlink_metadata(dir.join(&p)).is_ok() {
                touched.insert(p);
            }
        }
    }
    if config_changed {
        check_config_rotation(&repo, base, dir, config, report)?;
        return Ok((all_plugin_paths(dir)?, true, kinds));
    }
    Ok((touched.into_iter().collect(), false, kinds))
}

/// A change outside `plugins/` and the config. Artifacts and readmes
/// stored in the index may only be added (published ones are bound by
/// sha256 and never change), as regular files; `.gitattributes` guards the
/// signed bytes; any other file is not index data, so a maintainer should
/// look at it.
fn check_other_change(dir: &Path, ch: &crate::git::Change, report: &mut Report) {
    let path = ch.path.as_str();
    let stored = if path.starts_with("artifacts/") {
        Some((
            "an artifact",
            "a published artifact stored in the index was changed or removed; artifacts never change (publish a new version)",
        ))
    } else if path.starts_with(&format!("{READMES_DIR}/")) {
        Some((
            "a readme",
            "a published readme was changed or removed; a version's readme never changes (publish a new version)",
        ))
    } else if path.starts_with(&format!("{}/", plugres_schema::ATTESTATIONS_DIR)) {
        Some((
            "an attestation",
            "a published attestation was changed or removed; a version's attestation never changes (publish a new version)",
        ))
    } else {
        None
    };
    let d = if let Some((what, changed)) = stored {
        match ch.kind {
            ChangeKind::Added if is_regular_file(dir, path) => return,
            ChangeKind::Added => Diagnostic::file_error(
                path,
                format!("{what} in the index must be a regular file, not a link or a directory"),
            ),
            _ => Diagnostic::file_error(path, changed),
        }
    } else if path == ".gitattributes" {
        Diagnostic::file_error(
            path,
            "`.gitattributes` keeps git from changing the bytes of signed files (`*.toml -text`, `*.minisig -text`); a maintainer changes it, not a publish",
        )
    } else {
        Diagnostic::file_warning(
            path,
            "not an index file; a publish changes only plugins/ (and artifacts/): a maintainer should review this change",
        )
    };
    report.diagnostics.push(d);
}

fn is_regular_file(dir: &Path, rel: &str) -> bool {
    std::fs::symlink_metadata(dir.join(rel)).is_ok_and(|m| m.file_type().is_file())
}

/// A changed config must be signed by a root key of the base config.
fn check_config_rotation(
    repo: &Repo,
    base: &str,
    dir: &Path,
    config: &IndexConfig,
    report: &mut Report,
) -> Result<()> {
    let Some(old_bytes) = repo.read_at(base, CONFIG_PATH)? else {
        return Ok(());
    };
    let Ok(old) = IndexConfig::parse(CONFIG_PATH, &old_bytes) else {
        return Ok(());
    };
    let (Some(bytes), Some(sig)) = (read(dir, CONFIG_PATH)?, read(dir, &sig_path(CONFIG_PATH))?)
    else {
        return Ok(());
    };
    // The client's root rules, every problem reported.
    let previous = PreviousConfig {
        config: &old,
        bytes: &old_bytes,
    };
    let (_, problems) = config_problems(&old.root_keys, Some(previous), 0, &bytes, &sig);
    for problem in problems {
        let message = match problem {
            ConfigRuleError::NotTrusted(e) | ConfigRuleError::Signature(e) => {
                format!("the new config.toml is not signed by a root key of `{base}`: {e}")
            }
            ConfigRuleError::NewRootNotSigned { key } => format!(
                "root key `{key}` is new since `{base}` but did not sign config.toml: clients accept a new root key only when it signs the config too; add root keys with `plugres-index key rotate-root --keep-old`"
            ),
            ConfigRuleError::RootRetired { signer } => format!(
                "config.toml is signed only by root key `{signer}` of `{base}`, which it no longer lists: clients refuse it; sign it with a root key it keeps, or rotate with `plugres-index key rotate-root`"
            ),
            ConfigRuleError::Version(_) => format!(
                "config.toml changed but its `version` is {} (`{base}` has {}): every change must raise it, since clients refuse a different config under a version they have seen",
                config.version, old.version
            ),
            ConfigRuleError::EngineChanged { from, to } => {
                format!("the engine changed from `{from}` to `{to}`; an index serves one engine")
            }
            // The config's own problems are reported where it is parsed.
            ConfigRuleError::Invalid(_) => continue,
        };
        report
            .diagnostics
            .push(Diagnostic::file_error(CONFIG_PATH, message));
    }
    Ok(())
}

#[cfg(test)]
mod tests;
