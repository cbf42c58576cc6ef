//! Plugin settings (README "Plugin configuration"): what a version declares
//! it can be configured with, and the rules a project's values must meet.
//!
//! ```toml
//! [version.config.greeting]        # plugin.toml: [config.greeting]
//! type = "string"                  # string | integer | float | boolean
//! default = "Hello"                # without one, the project must set it
//! description = "What to say"
//! allowed = ["Hello", "Hi"]        # strings and integers
//! # min = 1, max = 10              # integers and floats
//! # secret = true                  # strings: never in plugres.toml or the lock
//! ```
//!
//! A declaration is part of a published version, so it is signed and
//! immutable like the rest. The same checks run in `plugres-index
//! validate`/`publish`, in the client at lock and install time, and in the
//! host library, so all three agree on what a value means.

use std::collections::BTreeMap;
use std::fmt;

use serde::Deserialize;
use toml::Spanned;

use crate::diag::Diagnostics;
use crate::fields::text_field;

/// The most settings one version may declare.
pub const MAX_SETTINGS: usize = 64;

/// The longest string value or allowed value accepted.
pub const MAX_SETTING_TEXT: usize = 4096;

/// What kind of value a setting takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SettingType {
    String,
    Integer,
    Float,
    Boolean,
}

impl SettingType {
    fn parse(s: &str) -> Option<SettingType> {
        Some(match s {
            "string" => SettingType::String,
            "integer" => SettingType::Integer,
            "float" => SettingType::Float,
            "boolean" => SettingType::Boolean,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            SettingType::String => "string",
            SettingType::Integer => "integer",
            SettingType::Float => "float",
            SettingType::Boolean => "boolean",
        }
    }
}

impl fmt::Display for SettingType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A setting's value, of its declared type.
#[derive(Debug, Clone, serde::Serialize)]
#[serde(untagged)]
pub enum SettingValue {
    String(String),
    Integer(i64),
    /// Finite: NaN and infinities are refused.
    Float(f64),
    Boolean(bool),
}

impl PartialEq for SettingValue {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (SettingValue::String(a), SettingValue::String(b)) => a == b,
            (SettingValue::Integer(a), SettingValue::Integer(b)) => a == b,
            (SettingValue::Float(a), SettingValue::Float(b)) => a.to_bits() == b.to_bits(),
            (SettingValue::Boolean(a), SettingValue::Boolean(b)) => a == b,
            _ => false,
        }
    }
}

impl Eq for SettingValue {}

impl SettingValue {
    /// `value` as a value of `kind` (an integer is a float too), or why not.
    pub fn of(kind: SettingType, value: &toml::Value) -> Result<SettingValue, String> {
        let v = match (kind, value) {
            (SettingType::String, toml::Value::String(s)) => SettingValue::String(s.clone()),
            (SettingType::Integer, toml::Value::Integer(i)) => SettingValue::Integer(*i),
            (SettingType::Float, toml::Value::Float(f)) if f.is_finite() => SettingValue::Float(*f),
            (SettingType::Float, toml::Value::Integer(i)) => SettingValue::Float(*i as f64),
            (SettingType::Boolean, toml::Value::Boolean(b)) => SettingValue::Boolean(*b),
            _ => {
                return Err(format!(
                    "expected {} {kind}, got {}",
                    article(kind),
                    describe(value)
                ));
            }
        };
        if let SettingValue::String(s) = &v
            && (s.len() > MAX_SETTING_TEXT
                || s.chars().any(|c| c.is_control() && c != '\n' && c != '\t'))
        {
            return Err(format!(
                "a string setting holds at most {MAX_SETTING_TEXT} bytes and no control characters"
            ));
        }
        Ok(v)
    }

    /// The value as TOML text (`"Hi"`, `3`, `0.5`, `true`).
    pub fn to_toml(&self) -> String {
        match self {
            SettingValue::String(s) => crate::render::quote(s),
            SettingValue::Integer(i) => i.to_string(),
            SettingValue::Float(f) => format!("{f:?}"),
            SettingValue::Boolean(b) => b.to_string(),
        }
    }

    fn as_f64(&self) -> Option<f64> {
        match self {
            SettingValue::Integer(i) => Some(*i as f64),
            SettingValue::Float(f) => Some(*f),
            _ => None,
        }
    }
}

impl fmt::Display for SettingValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_toml())
    }
}

fn article(kind: SettingType) -> &'static str {
    match kind {
        SettingType::Integer => "an",
        _ => "a",
    }
}

fn describe(v: &toml::Value) -> String {
    match v {
        toml::Value::String(s) => format!("the string {}", crate::render::quote(s)),
        toml::Value::Integer(i) => format!("the integer {i}"),
        toml::Value::Float(f) => format!("the float {f}"),
        toml::Value::Boolean(b) => format!("the boolean {b}"),
        toml::Value::Datetime(d) => format!("the date-time {d}"),
        toml::Value::Array(_) => "an array".to_string(),
        toml::Value::Table(_) => "a table".to_string(),
    }
}

/// One declared setting, validated.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SettingDecl {
    #[serde(rename = "type")]
    pub kind: SettingType,
    /// Used when the project sets nothing; without one, the project must.
    pub default: Option<SettingValue>,
    pub description: Option<String>,
    /// The only values accepted, when not empty.
    pub allowed: Vec<SettingValue>,
    pub min: Option<SettingValue>,
    pub max: Option<SettingValue>,
    /// Given through the environment or credentials.toml only.
    pub secret: bool,
}

impl SettingDecl {
    /// `value` checked against this declaration: its type, `allowed`,
    /// `min` and `max`. The error says what was expected.
    pub fn check(&self, value: &toml::Value) -> Result<SettingValue, String> {
        let v = SettingValue::of(self.kind, value)?;
        if !self.allowed.is_empty() && !self.allowed.contains(&v) {
            let list: Vec<String> = self.allowed.iter().map(|a| a.to_toml()).collect();
            return Err(format!(
                "{v} is not one of the allowed values: {}",
                list.join(", ")
            ));
        }
        let n = v.as_f64();
        if let (Some(n), Some(min)) = (n, self.min.as_ref().and_then(SettingValue::as_f64))
            && n < min
        {
            return Err(format!(
                "{v} is below the minimum {}",
                self.min.as_ref().map(|m| m.to_toml()).unwrap_or_default()
            ));
        }
        if let (Some(n), Some(max)) = (n, self.max.as_ref().and_then(SettingValue::as_f64))
            && n > max
        {
            return Err(format!(
                "{v} is above the maximum {}",
                self.max.as_ref().map(|m| m.to_toml()).unwrap_or_default()
            ));
        }
        Ok(v)
    }

    /// Whether a project must give a value (no default). Secrets come from
    /// the environment, so only the host can tell whether one is missing.
    pub fn required(&self) -> bool {
        self.default.is_none()
    }
}

/// The settings of one version, by name.
pub type Settings = BTreeMap<String, SettingDecl>;

/// A setting's name: `[a-z][a-z0-9_-]*`, at most 64 characters.
pub fn is_setting_name(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && b.len() <= 64
        && b[0].is_ascii_lowercase()
        && b.iter()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'_' || *c == b'-')
}

/// `[config.NAME]` / `[version.config.NAME]` / a lock's
/// `[plugin.config.NAME]` as written; [`validate_settings`] checks it.
#[derive(Deserialize)]
#[cfg_attr(feature = "json-schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct RawSetting {
    /// `string`, `integer`, `float` or `boolean`.
    #[serde(rename = "type")]
    #[cfg_attr(
        feature = "json-schema",
        schemars(with = "String", regex(pattern = "^(string|integer|float|boolean)$"))
    )]
    kind: Spanned<String>,
    /// The value used when the project sets none; without one the project must set it.
    #[cfg_attr(feature = "json-schema", schemars(with = "Option<serde_json::Value>"))]
    default: Option<Spanned<toml::Value>>,
    /// What the setting does, for `plugres info` and the web catalog.
    #[cfg_attr(
        feature = "json-schema",
        schemars(with = "Option<String>", length(max = 1000))
    )]
    description: Option<Spanned<String>>,
    /// The only values accepted (strings and integers).
    #[cfg_attr(
        feature = "json-schema",
        schemars(with = "Option<Vec<serde_json::Value>>")
    )]
    allowed: Option<Spanned<Vec<toml::Value>>>,
    /// The smallest value accepted (integers and floats).
    #[cfg_attr(feature = "json-schema", schemars(with = "Option<f64>"))]
    min: Option<Spanned<toml::Value>>,
    /// The largest value accepted (integers and floats).
    #[cfg_attr(feature = "json-schema", schemars(with = "Option<f64>"))]
    max: Option<Spanned<toml::Value>>,
    /// A secret (strings only): given through the environment or credentials.toml, never plugres.toml.
    #[serde(default)]
    secret: bool,
}

/// Validates the `[config]` tables of a version (or plugin.toml).
pub fn validate_settings(
    d: &mut Diagnostics,
    raw: &BTreeMap<Spanned<String>, Spanned<RawSetting>>,
) -> Settings {
    if raw.len() > MAX_SETTINGS {
        let at = raw.keys().nth(MAX_SETTINGS).map(Spanned::span);
        d.error(
            at,
            format!(
                "{} settings; a version may declare at most {MAX_SETTINGS}",
                raw.len()
            ),
        );
    }
    let mut out = Settings::new();
    for (name, setting) in raw {
        if !is_setting_name(name.get_ref()) {
            d.error(
                Some(name.span()),
                format!(
                    "`{}` is not a setting name (expected lowercase letters, digits, `_` and `-`, starting with a letter)",
                    name.get_ref()
                ),
            );
            continue;
        }
        if let Some(decl) = validate_setting(d, name.get_ref(), setting.get_ref()) {
            out.insert(name.get_ref().clone(), decl);
        }
    }
    out
}

fn validate_setting(d: &mut Diagnostics, name: &str, raw: &RawSetting) -> Option<SettingDecl> {
    let Some(kind) = SettingType::parse(raw.kind.get_ref()) else {
        d.error(
            Some(raw.kind.span()),
            format!(
                "setting `{name}`: type `{}` is not one of `string`, `integer`, `float`, `boolean`",
                raw.kind.get_ref()
            ),
        );
        return None;
    };
    let mut ok = true;
    let mut typed = |d: &mut Diagnostics, v: &Spanned<toml::Value>, what: &str| {
        SettingValue::of(kind, v.get_ref())
            .map_err(|e| {
                ok = false;
                d.error(Some(v.span()), format!("setting `{name}`: {what}: {e}"))
            })
            .ok()
    };
    let numeric = matches!(kind, SettingType::Integer | SettingType::Float);
    let mut bound = |d: &mut Diagnostics, v: &Option<Spanned<toml::Value>>, what: &str| {
        let v = v.as_ref()?;
        if !numeric {
            d.error(
                Some(v.span()),
                format!("setting `{name}`: `{what}` is for integer and float settings"),
            );
            return None;
        }
        typed(d, v, what)
    };
    let min = bound(d, &raw.min, "min");
    let max = bound(d, &raw.max, "max");
    let allowed: Vec<SettingValue> = match &raw.allowed {
        Some(list) if !matches!(kind, SettingType::String | SettingType::Integer) => {
            d.error(
                Some(list.span()),
                format!("setting `{name}`: `allowed` is for string and integer settings"),
            );
            Vec::new()
        }
        Some(list) => list
            .get_ref()
            .iter()
            .filter_map(|v| {
                SettingValue::of(kind, v)
                    .map_err(|e| {
                        d.error(
                            Some(list.span()),
                            format!("setting `{name}`: `allowed`: {e}"),
                        )
                    })
                    .ok()
            })
            .collect(),
        None => Vec::new(),
    };
    if raw.secret && kind != SettingType::String {
        d.error(
            Some(raw.kind.span()),
            format!("setting `{name}`: only string settings can be `secret`"),
        );
    }
    let default = raw.default.as_ref().and_then(|v| {
        if raw.secret {
            d.error(
                Some(v.span()),
                format!(
                    "setting `{name}`: a secret has no default (it would be published in the index)"
                ),
            );
            return None;
        }
        let decl = SettingDecl {
            kind,
            default: None,
            description: None,
            allowed: allowed.clone(),
            min: min.clone(),
            max: max.clone(),
            secret: false,
        };
        decl.check(v.get_ref())
            .map_err(|e| d.error(Some(v.span()), format!("setting `{name}`: default: {e}")))
            .ok()
    });
    let description = raw
        .description
        .as_ref()
        .map(|t| text_field(d, t, "description", 1000, false));
    ok.then_some(SettingDecl {
        kind,
        default,
        description,
        allowed,
        min,
        max,
        secret: raw.secret,
    })
}

/// The `[….config.NAME]` tables of `settings` under `prefix` (`version`
/// in a plugin file, `plugin` in a lock), in name order.
pub fn render_settings(s: &mut String, prefix: &str, settings: &Settings) {
    use std::fmt::Write;
    for (name, decl) in settings {
        let _ = writeln!(s, "\n[{prefix}.config.{name}]");
        let _ = writeln!(s, "type = \"{}\"", decl.kind);
        if let Some(v) = &decl.default {
            let _ = writeln!(s, "default = {}", v.to_toml());
        }
        if let Some(t) = &decl.description {
            let _ = writeln!(s, "description = {}", crate::render::quote(t));
        }
        if !decl.allowed.is_empty() {
            let list: Vec<String> = decl.allowed.iter().map(|v| v.to_toml()).collect();
            let _ = writeln!(s, "allowed = [{}]", list.join(", "));
        }
        for (key, v) in [("min", &decl.min), ("max", &decl.max)] {
            if let Some(v) = v {
                let _ = writeln!(s, "{key} = {}", v.to_toml());
            }
        }
        if decl.secret {
            let _ = writeln!(s, "secret = true");
        }
    }
}

/// `settings` as text [`from_text`] reads back (the verified-entry cache).
pub(crate) fn to_text(settings: &Settings) -> String {
    let mut s = String::new();
    render_settings(&mut s, "s", settings);
    s
}

/// The settings [`to_text`] wrote, or `None` when `text` is not such
/// settings, valid.
pub(crate) fn from_text(text: &str) -> Option<Settings> {
    #[derive(Deserialize)]
    struct Doc {
        s: Inner,
    }
    #[derive(Deserialize)]
    struct Inner {
        config: BTreeMap<Spanned<String>, Spanned<RawSetting>>,
    }
    if text.is_empty() {
        return Some(Settings::new());
    }
    let doc: Doc = toml::from_str(text).ok()?;
    let mut d = Diagnostics::new("", text);
    let out = validate_settings(&mut d, &doc.s.config);
    (!d.has_errors()).then_some(out)
}

#[cfg(test)]
mod tests;
