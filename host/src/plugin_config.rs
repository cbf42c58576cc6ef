//! Plugin configuration (README "Plugin configuration"): a project's
//! values from plugres.toml checked against the settings the locked
//! version declares, defaults applied, secrets taken from the environment
//! or credentials.toml.
//!
//! One rule for the client (at lock and install, before anything is
//! installed) and the host (at start-up, with the secrets): [`resolve`].
//! Secrets never come from plugres.toml or the lock, which are shared with
//! the project: a secret given there is an error.

use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;

use plugres_schema::{SettingDecl, SettingValue};

use crate::project::{ConfigValue, LockedPlugin};

/// The environment variable prefix of secrets:
/// `PLUGRES_CONFIG_<PLUGIN>__<SETTING>` (see [`secret_var`]).
pub const SECRET_VAR_PREFIX: &str = "PLUGRES_CONFIG_";

/// The variable that gives secret `setting` of `plugin`: upper case, `-`
/// as `_`, and `__` between the two (a plugin name has no `_`, so the
/// split is unambiguous): `PLUGRES_CONFIG_HELLO_WORLD__API_TOKEN`.
pub fn secret_var(plugin: &str, setting: &str) -> String {
    let up = |s: &str| s.to_ascii_uppercase().replace('-', "_");
    format!("{SECRET_VAR_PREFIX}{}__{}", up(plugin), up(setting))
}

/// A secret value: printed as `<redacted>` by `Debug`, so it cannot end up
/// in a log by accident; [`Secret::expose`] gives it to the plugin.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

/// A plugin's configuration, ready to hand to it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PluginConfig {
    /// Every non-secret setting: the project's value, else the default.
    pub values: BTreeMap<String, SettingValue>,
    /// Every secret that was found.
    pub secrets: BTreeMap<String, Secret>,
}

/// Where secrets come from: `None` in the client, which checks
/// everything else (secrets are for the machine that runs the host).
pub type SecretLookup<'a> = Option<&'a dyn Fn(&str, &str) -> Option<String>>;

/// The configuration of locked `plugin` from the project's `values` (its
/// plugres.toml entry's `config`; `file` names plugres.toml), checked
/// against the settings it declares. `previous` is the entry the lock had
/// before an update, so a dropped or retyped setting is named as such.
/// Every problem is returned, each a line like cargo's errors.
pub fn resolve(
    plugin: &LockedPlugin,
    values: Option<&BTreeMap<String, ConfigValue>>,
    file: &str,
    previous: Option<&LockedPlugin>,
    secrets: SecretLookup<'_>,
) -> Result<PluginConfig, Vec<String>> {
    let (name, version) = (plugin.name.as_str(), &plugin.version);
    let empty = BTreeMap::new();
    let values = values.unwrap_or(&empty);
    let mut problems = Vec::new();
    let mut out = PluginConfig::default();
    for (key, given) in values {
        let at = &given.at;
        let Some(decl) = plugin.settings.get(key) else {
            problems.push(format!(
                "{at}: error: {name} {version} has no setting `{key}`{}{}",
                was(previous, key, None),
                known(plugin)
            ));
            continue;
        };
        if decl.secret {
            problems.push(format!(
                "{at}: error: setting `{key}` of {name} is a secret: remove it from plugres.toml (which is shared with the project) and set {} or `{key}` under `[config.{name}]` in credentials.toml",
                secret_var(name, key)
            ));
            continue;
        }
        match decl.check(&given.value) {
            Ok(v) => {
                out.values.insert(key.clone(), v);
            }
            Err(e) => problems.push(format!(
                "{at}: error: setting `{key}` of {name} {version}: {e}{}",
                was(previous, key, Some(decl))
            )),
        }
    }
    for (key, decl) in &plugin.settings {
        if values.contains_key(key) {
            continue;
        }
        if decl.secret {
            let Some(lookup) = secrets else { continue };
            match lookup(name, key) {
                Some(s) => {
                    out.secrets.insert(key.clone(), Secret(s));
                }
                None if decl.required() => problems.push(format!(
                    "error: {name} {version} needs the secret `{key}`{}: set {} or `{key}` under `[config.{name}]` in credentials.toml",
                    about(decl),
                    secret_var(name, key)
                )),
                None => {}
            }
            continue;
        }
        match &decl.default {
            Some(v) => {
                out.values.insert(key.clone(), v.clone());
            }
            None => problems.push(format!(
                "{file}: error: {name} {version} needs setting `{key}` ({}{}): set it with `plugres config {name} {key}=VALUE`",
                decl.kind,
                decl.description.as_ref().map_or_else(String::new, |d| format!(": {d}"))
            )),
        }
    }
    if problems.is_empty() {
        Ok(out)
    } else {
        Err(problems)
    }
}

/// ` (what it does)` when the declaration says.
fn about(decl: &SettingDecl) -> String {
    decl.description
        .as_ref()
        .map_or_else(String::new, |d| format!(" ({d})"))
}

/// The settings `plugin` declares, for a hint.
fn known(plugin: &LockedPlugin) -> String {
    if plugin.settings.is_empty() {
        return " (it declares no settings)".to_string();
    }
    let names: Vec<String> = plugin.settings.keys().map(|k| format!("`{k}`")).collect();
    format!(" (its settings: {})", names.join(", "))
}

/// What the previously locked version said of `key`, when it differs.
fn was(previous: Option<&LockedPlugin>, key: &str, now: Option<&SettingDecl>) -> String {
    let Some(p) = previous else {
        return String::new();
    };
    match (p.settings.get(key), now) {
        (Some(_), None) => format!(
            "; the locked {} {} had it, so this update drops it",
            p.name, p.version
        ),
        (Some(old), Some(now)) if old.kind != now.kind => format!(
            "; the locked {} {} declared it as {}, so this update retypes it",
            p.name, p.version, old.kind
        ),
        _ => String::new(),
    }
}

/// A secret of `plugin` from the environment ([`secret_var`]), else from
/// `[config.PLUGIN]` in credentials.toml (`$PLUGRES_HOME/credentials.toml`,
/// else the platform's config folder: the file registry tokens are in).
pub fn lookup_secret(plugin: &str, setting: &str) -> Option<String> {
    if let Some(v) = std::env::var_os(secret_var(plugin, setting)) {
        return Some(v.to_string_lossy().into_owned());
    }
    let text = std::fs::read_to_string(credentials_file()?).ok()?;
    let doc: toml::Table = toml::from_str(&text).ok()?;
    doc.get("config")?
        .get(plugin)?
        .get(setting)?
        .as_str()
        .map(str::to_string)
}

/// `credentials.toml`, where the client reads registry tokens too.
fn credentials_file() -> Option<PathBuf> {
    if let Some(home) = std::env::var_os(crate::user::ENV_HOME).filter(|h| !h.is_empty()) {
        return Some(PathBuf::from(home).join("credentials.toml"));
    }
    use etcetera::BaseStrategy;
    let base = etcetera::choose_base_strategy().ok()?;
    Some(base.config_dir().join("plugres").join("credentials.toml"))
}

#[cfg(test)]
mod tests;
