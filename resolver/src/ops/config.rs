//! Plugin configuration in a project (README "Plugin configuration"):
//! the check every lock and install makes before anything is written, and
//! `plugres config NAME [KEY=VALUE...]`.

use std::collections::BTreeMap;

use plugres_host::plugin_config::{self, secret_var};
use plugres_schema::{PluginName, SettingType, SettingValue};
use serde::Serialize;

use super::{OpsError, Options, load_locked};
use crate::project::{Lockfile, Manifest, ProjectExt};

/// Checks plugres.toml's settings of every locked plugin against what its
/// locked version declares (`old`: the lock before this command, so an
/// update that drops or retypes a setting says so). Secrets are not
/// looked up here: they belong to the machine that runs the host.
pub(crate) fn check(
    manifest: &Manifest,
    manifest_file: &str,
    lock: &Lockfile,
    old: Option<&Lockfile>,
) -> Result<(), OpsError> {
    let mut problems = Vec::new();
    for p in &lock.plugins {
        let values = manifest.plugins.get(&p.name).map(|s| &s.config);
        let previous = old
            .and_then(|o| o.plugin(p.name.as_str()))
            .filter(|o| o.version != p.version);
        if let Err(found) = plugin_config::resolve(p, values, manifest_file, previous, None) {
            problems.extend(found);
        }
    }
    if problems.is_empty() {
        return Ok(());
    }
    Err(OpsError::Failed {
        message: format!(
            "the plugin settings in plugres.toml do not fit the versions to lock; nothing was changed\n{}",
            problems.join("\n")
        ),
        hints: vec![
            "see what a plugin declares with `plugres config NAME`, and set a value with `plugres config NAME KEY=VALUE`".to_string(),
        ],
    })
}

/// One setting in `plugres config NAME`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SettingReport {
    pub name: String,
    #[serde(rename = "type")]
    pub kind: SettingType,
    pub description: Option<String>,
    pub default: Option<SettingValue>,
    /// The value plugres.toml gives (never a secret's).
    pub value: Option<SettingValue>,
    pub secret: bool,
    /// For a secret: the environment variable that gives it.
    pub secret_var: Option<String>,
    pub allowed: Vec<SettingValue>,
    pub min: Option<SettingValue>,
    pub max: Option<SettingValue>,
}

/// The result of `plugres config NAME [KEY=VALUE...]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ConfigReport {
    pub plugin: String,
    pub version: String,
    pub settings: Vec<SettingReport>,
    /// Settings this run set or removed.
    pub changed: Vec<String>,
}

/// `plugres config NAME [KEY=VALUE...] [--unset KEY...]`: shows plugin
/// `name`'s settings as its locked version declares them, with
/// plugres.toml's values; sets or removes values first, each checked
/// against the declaration (plugres.toml is written only when all are).
pub fn config(
    start: &std::path::Path,
    name: &str,
    set: &[String],
    unset: &[String],
    opts: &Options,
) -> Result<ConfigReport, OpsError> {
    let (project, manifest, _guard) = load_locked(start, opts)?;
    let lock = super::require_lock(&project, "run `plugres install` first")?;
    let plugin =
        PluginName::new(name).map_err(|e| OpsError::failed(format!("`{name}`: {e}"), &[]))?;
    let locked = lock.plugin(name).ok_or_else(|| {
        OpsError::failed(
            format!("`{name}` is not in plugres.lock"),
            &["add it first with `plugres add NAME`"],
        )
    })?;
    let mut changed = Vec::new();
    if !set.is_empty() || !unset.is_empty() {
        if opts.locked || opts.frozen {
            return Err(OpsError::failed(
                "`plugres config KEY=VALUE` changes plugres.toml, which `--locked`/`--frozen` forbid",
                &["run it without `--locked`/`--frozen`"],
            ));
        }
        if !manifest.plugins.contains_key(&plugin) {
            return Err(OpsError::failed(
                format!(
                    "`{name}` is locked as a dependency but not listed in the `[plugins]` of plugres.toml, where its settings go"
                ),
                &["list it first with `plugres add NAME`"],
            ));
        }
        let mut editor = project.edit_manifest()?;
        for pair in set {
            let (key, text) = pair.split_once('=').ok_or_else(|| {
                OpsError::failed(
                    format!("`{pair}` is not KEY=VALUE"),
                    &["e.g. `plugres config hello-world greeting=Hi`"],
                )
            })?;
            let value = typed_value(locked, key, text)?;
            editor.set_plugin_config(&plugin, key, Some(value));
            changed.push(key.to_string());
        }
        for key in unset {
            editor.set_plugin_config(&plugin, key, None);
            changed.push(key.to_string());
        }
        let text = editor.to_string();
        let path = editor.path().display().to_string();
        let new = Manifest::parse(&path, &text, &project.dir).map_err(|diagnostics| {
            OpsError::Project(crate::project::ProjectError::Invalid {
                path: editor.path().to_path_buf(),
                diagnostics,
            })
        })?;
        let values = new.plugins.get(&plugin).map(|s| &s.config);
        plugin_config::resolve(locked, values, &path, None, None).map_err(|problems| {
            OpsError::Failed {
                message: format!(
                    "the settings of `{name}` would not be valid; plugres.toml was not changed\n{}",
                    problems.join("\n")
                ),
                hints: Vec::new(),
            }
        })?;
        editor.save()?;
        return Ok(report(locked, Some(&new), changed));
    }
    Ok(report(locked, Some(&manifest), changed))
}

/// `text` as a value of the type `key` is declared with, so `times=3` is
/// written as the integer 3 and `greeting=3` as the string "3".
fn typed_value(
    locked: &crate::project::LockedPlugin,
    key: &str,
    text: &str,
) -> Result<toml_edit::Value, OpsError> {
    let Some(decl) = locked.settings.get(key) else {
        let names: Vec<String> = locked.settings.keys().map(|k| format!("`{k}`")).collect();
        return Err(OpsError::failed(
            format!(
                "{} {} has no setting `{key}`{}",
                locked.name,
                locked.version,
                match names.is_empty() {
                    true => " (it declares no settings)".to_string(),
                    false => format!(" (its settings: {})", names.join(", ")),
                }
            ),
            &[],
        ));
    };
    if decl.secret {
        return Err(OpsError::failed(
            format!(
                "setting `{key}` of {} is a secret, and plugres.toml is shared with the project",
                locked.name
            ),
            &[&format!(
                "set {} in the environment, or `{key}` under `[config.{}]` in credentials.toml",
                secret_var(locked.name.as_str(), key),
                locked.name
            )],
        ));
    }
    let bad = |what: &str| {
        OpsError::failed(
            format!(
                "setting `{key}` of {} is {what}, and `{text}` is not one",
                locked.name,
            ),
            &[],
        )
    };
    Ok(match decl.kind {
        SettingType::String => toml_edit::Value::from(text),
        SettingType::Integer => text.parse::<i64>().map_err(|_| bad("an integer"))?.into(),
        SettingType::Float => text
            .parse::<f64>()
            .ok()
            .filter(|f| f.is_finite())
            .ok_or_else(|| bad("a float"))?
            .into(),
        SettingType::Boolean => match text {
            "true" => true.into(),
            "false" => false.into(),
            _ => return Err(bad("a boolean (`true` or `false`)")),
        },
    })
}

fn report(
    locked: &crate::project::LockedPlugin,
    manifest: Option<&Manifest>,
    changed: Vec<String>,
) -> ConfigReport {
    let values: BTreeMap<String, SettingValue> = manifest
        .and_then(|m| m.plugins.get(&locked.name))
        .map(|s| {
            s.config
                .iter()
                .filter_map(|(k, v)| {
                    let decl = locked.settings.get(k)?;
                    Some((k.clone(), decl.check(&v.value).ok()?))
                })
                .collect()
        })
        .unwrap_or_default();
    let settings = locked
        .settings
        .iter()
        .map(|(name, d)| SettingReport {
            name: name.clone(),
            kind: d.kind,
            description: d.description.clone(),
            default: d.default.clone(),
            value: values.get(name).cloned(),
            secret: d.secret,
            secret_var: d.secret.then(|| secret_var(locked.name.as_str(), name)),
            allowed: d.allowed.clone(),
            min: d.min.clone(),
            max: d.max.clone(),
        })
        .collect();
    ConfigReport {
        plugin: locked.name.to_string(),
        version: locked.version.to_string(),
        settings,
        changed,
    }
}
