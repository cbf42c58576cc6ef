//! Changing `plugres.toml` the way a user would by hand.
//!
//! Edits work on the TOML document itself (`toml_edit`), so comments, key
//! order, blank lines and quoting of everything not touched stay as they
//! were. A changed value keeps the comment after it; a new plugin goes in
//! name order when the table was sorted, else at the end. Saving checks the
//! result as a manifest first and writes it atomically.

use std::fmt;
use std::path::{Path, PathBuf};

use plugres_schema::{Channel, Diagnostics, PluginName, PublicKey, Target};
use semver::VersionReq;
use toml_edit::{Array, DocumentMut, InlineTable, Item, Table, TableLike, Value};

use super::{Manifest, ProjectError, is_registry_name};

/// An open `plugres.toml`, to edit and save.
#[derive(Debug, Clone)]
pub struct ManifestEditor {
    path: PathBuf,
    doc: DocumentMut,
    /// The file ended its lines with CRLF (Windows): it is saved so, new
    /// lines included, not with mixed line ends.
    crlf: bool,
}

impl ManifestEditor {
    /// Reads the manifest at `path` for editing.
    pub fn open(path: &Path) -> Result<Self, ProjectError> {
        let text = std::fs::read_to_string(path).map_err(|source| ProjectError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        Self::from_text(path, &text)
    }

    /// Parses `text` (the content of `path`) for editing.
    pub fn from_text(path: &Path, text: &str) -> Result<Self, ProjectError> {
        let doc = text.parse::<DocumentMut>().map_err(|e| {
            let mut d = Diagnostics::new(path.display().to_string(), text);
            d.error(e.span(), e.message().trim().to_string());
            ProjectError::Invalid {
                path: path.to_path_buf(),
                diagnostics: d.into_vec(),
            }
        })?;
        Ok(ManifestEditor {
            path: path.to_path_buf(),
            doc,
            crlf: text.contains("\r\n"),
        })
    }

    /// A new manifest for a project running `engine` (for `plugres init`).
    pub fn new(path: &Path, engine: &semver::Version) -> Self {
        let text = format!(
            "# plugres project manifest: the plugins this project uses.\n\
             \n\
             [engine]\n\
             version = \"{engine}\"\n\
             \n\
             [plugins]\n"
        );
        let doc = text.parse::<DocumentMut>().unwrap_or_default();
        ManifestEditor {
            path: path.to_path_buf(),
            doc,
            crlf: false,
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Sets `[engine] version`.
    pub fn set_engine_version(&mut self, version: &semver::Version) -> Result<(), ProjectError> {
        let engine = self.table("engine")?;
        set_value(engine, "version", Value::from(version.to_string()));
        Ok(())
    }

    /// Sets `[engine] target`, or removes it (`None`: any + host platform).
    pub fn set_engine_target(&mut self, target: Option<&Target>) -> Result<(), ProjectError> {
        let engine = self.table("engine")?;
        match target {
            Some(t) => set_value(engine, "target", Value::from(t.as_str())),
            None => {
                engine.remove("target");
            }
        }
        Ok(())
    }

    /// Records `[engine] name`, the engine the registries must serve
    /// (kept when already there: a registry of another engine is refused).
    pub fn set_engine_name(&mut self, name: &str) -> Result<(), ProjectError> {
        let engine = self.table("engine")?;
        if engine.get("name").is_none() {
            set_value(engine, "name", Value::from(name));
        }
        Ok(())
    }

    /// Adds plugin `name` or changes its requirement. `registry: None` uses
    /// the default registry (written as `name = "req"`). Its `config` stays.
    pub fn add_plugin(
        &mut self,
        name: &PluginName,
        req: &VersionReq,
        registry: Option<&str>,
    ) -> Result<(), ProjectError> {
        let fields = [
            ("version", Some(Value::from(req.to_string()))),
            ("channel", None),
            ("path", None),
            ("registry", registry.map(Value::from)),
        ];
        self.set_plugin_entry(name, &fields)
    }

    /// Adds plugin `name`, or changes its entry, to follow release channel
    /// `channel` (`name = { channel = "beta" }`, README "Channels").
    pub fn add_plugin_channel(
        &mut self,
        name: &PluginName,
        channel: &Channel,
        registry: Option<&str>,
    ) -> Result<(), ProjectError> {
        let fields = [
            ("version", None),
            ("channel", Some(Value::from(channel.as_str()))),
            ("path", None),
            ("registry", registry.map(Value::from)),
        ];
        self.set_plugin_entry(name, &fields)
    }

    /// Sets (`Some`) or removes the `fields` of plugin `name`'s entry. A
    /// table entry is edited in place (so `config` and comments stay); a
    /// string entry or a new one is written as `name = "REQ"` when only
    /// `version` is set, else as an inline table.
    fn set_plugin_entry(
        &mut self,
        name: &PluginName,
        fields: &[(&str, Option<Value>)],
    ) -> Result<(), ProjectError> {
        let plugins = self.table("plugins")?;
        if let Some(t) = plugins
            .get_mut(name.as_str())
            .and_then(Item::as_table_like_mut)
        {
            for (key, value) in fields {
                match value {
                    Some(v) => set_value(t, key, v.clone()),
                    None => {
                        t.remove(key);
                    }
                }
            }
            return Ok(());
        }
        let set: Vec<(&str, &Value)> = fields
            .iter()
            .filter_map(|(k, v)| v.as_ref().map(|v| (*k, v)))
            .collect();
        let value = match set.as_slice() {
            [("version", v)] => (*v).clone(),
            _ => {
                let mut t = InlineTable::new();
                for (k, v) in set {
                    t.insert(k, v.clone());
                }
                Value::InlineTable(t)
            }
        };
        set_value(plugins, name.as_str(), value);
        Ok(())
    }

    /// Sets setting `key` of plugin `name` to `value` (`None` removes it)
    /// under the entry's `config` (README "Plugin configuration"); a
    /// `name = "REQ"` entry becomes `{ version = "REQ", config = { … } }`.
    /// `false` if plugres.toml does not list `name`.
    pub fn set_plugin_config(
        &mut self,
        name: &PluginName,
        key: &str,
        value: Option<Value>,
    ) -> bool {
        let Some(entry) = self
            .doc
            .get_mut("plugins")
            .and_then(Item::as_table_like_mut)
            .and_then(|t| t.get_mut(name.as_str()))
        else {
            return false;
        };
        if let Item::Value(Value::String(req)) = entry {
            let decor = req.decor().clone();
            let mut t = InlineTable::new();
            t.insert("version", Value::from(req.value().as_str()));
            let mut v = Value::InlineTable(t);
            *v.decor_mut() = decor;
            *entry = Item::Value(v);
        }
        let Some(t) = entry.as_table_like_mut() else {
            return false;
        };
        if t.get("config").is_none() {
            if value.is_none() {
                return true;
            }
            t.insert(
                "config",
                Item::Value(Value::InlineTable(InlineTable::new())),
            );
        }
        let Some(config) = t.get_mut("config").and_then(Item::as_table_like_mut) else {
            return false;
        };
        match value {
            Some(v) => set_value(config, key, v),
            None => {
                config.remove(key);
            }
        }
        if config.is_empty() {
            t.remove("config");
            t.fmt();
        }
        true
    }

    /// Makes plugin `name` the local build in folder `path` (README "Local
    /// plugin development"): `name = { path = "…" }`, with `registry` when
    /// its dependencies come from a registry other than the default one.
    /// Replaces a registry entry of that name, keeping its `config`.
    pub fn add_local_plugin(
        &mut self,
        name: &PluginName,
        path: &str,
        registry: Option<&str>,
    ) -> Result<(), ProjectError> {
        let fields = [
            ("path", Some(Value::from(path))),
            ("version", None),
            ("channel", None),
            ("registry", registry.map(Value::from)),
        ];
        self.set_plugin_entry(name, &fields)
    }

    /// Names registry `registry` on plugin `name`'s entry, keeping the
    /// requirement as written (`hello = "^1"` becomes `hello = { version =
    /// "^1", registry = "sample" }`). For a plugin that relied on the only
    /// registry being its default (README "For project users"), before a
    /// second registry makes that ambiguous. `false` if it was not there.
    pub fn set_plugin_registry(&mut self, name: &PluginName, registry: &str) -> bool {
        let Some(entry) = self
            .doc
            .get_mut("plugins")
            .and_then(Item::as_table_like_mut)
            .and_then(|t| t.get_mut(name.as_str()))
        else {
            return false;
        };
        match entry {
            Item::Value(Value::String(req)) => {
                let decor = req.decor().clone();
                let mut t = InlineTable::new();
                t.insert("version", Value::from(req.value().as_str()));
                t.insert("registry", Value::from(registry));
                let mut value = Value::InlineTable(t);
                *value.decor_mut() = decor;
                *entry = Item::Value(value);
                true
            }
            other => match other.as_table_like_mut() {
                Some(t) => {
                    set_value(t, "registry", Value::from(registry));
                    true
                }
                None => false,
            },
        }
    }

    /// Removes plugin `name`; `false` if it was not there.
    pub fn remove_plugin(&mut self, name: &PluginName) -> bool {
        self.doc
            .get_mut("plugins")
            .and_then(Item::as_table_like_mut)
            .and_then(|t| t.remove(name.as_str()))
            .is_some()
    }

    /// Adds `[registry.NAME]`, or updates its index, keys and mirror.
    pub fn add_registry(
        &mut self,
        name: &str,
        index: &str,
        root_keys: &[PublicKey],
        artifact_mirror: Option<&str>,
    ) -> Result<(), ProjectError> {
        if !is_registry_name(name) {
            return Err(self.edit_error(format!(
                "registry name `{name}` must be 1-64 lowercase letters, digits, `-` or `_`"
            )));
        }
        let path = self.path.clone();
        let registries = self.table("registry")?;
        if registries.get(name).is_none() {
            registries.insert(name, Item::Table(Table::new()));
        }
        let reg = registries
            .get_mut(name)
            .and_then(Item::as_table_like_mut)
            .ok_or_else(|| ProjectError::Edit {
                path,
                message: format!("`registry.{name}` is not a table"),
            })?;
        set_value(reg, "index", Value::from(index));
        let keys: Array = root_keys.iter().map(|k| k.as_str()).collect();
        set_value(reg, "root-keys", Value::Array(keys));
        match artifact_mirror {
            Some(m) => set_value(reg, "artifact-mirror", Value::from(m)),
            None => {
                reg.remove("artifact-mirror");
            }
        }
        Ok(())
    }

    /// Sets `require-snapshot = true` in `[registry.NAME]` (if it exists).
    pub fn require_snapshot(&mut self, name: &str) -> Result<(), ProjectError> {
        let registries = self.table("registry")?;
        if let Some(reg) = registries.get_mut(name).and_then(Item::as_table_like_mut) {
            set_value(reg, "require-snapshot", Value::from(true));
        }
        Ok(())
    }

    /// Removes `[registry.NAME]`; `false` if it was not there.
    pub fn remove_registry(&mut self, name: &str) -> bool {
        self.doc
            .get_mut("registry")
            .and_then(Item::as_table_like_mut)
            .and_then(|t| t.remove(name))
            .is_some()
    }

    /// Checks the edited text as a manifest, then writes it atomically.
    /// Returns the manifest as saved.
    pub fn save(&self) -> Result<Manifest, ProjectError> {
        let text = self.to_string();
        let dir = self.path.parent().unwrap_or(Path::new("."));
        let manifest = Manifest::parse(&self.path.display().to_string(), &text, dir).map_err(
            |diagnostics| ProjectError::Invalid {
                path: self.path.clone(),
                diagnostics,
            },
        )?;
        crate::install::atomic_write(&self.path, text.as_bytes()).map_err(|source| {
            ProjectError::Write {
                path: self.path.clone(),
                source,
            }
        })?;
        Ok(manifest)
    }

    /// The top-level table `key`, created (as `[key]`) when absent.
    fn table(&mut self, key: &str) -> Result<&mut dyn TableLike, ProjectError> {
        let path = self.path.clone();
        let root = self.doc.as_table_mut();
        if root.get(key).is_none() {
            let mut t = Table::new();
            // `[registry.NAME]` headers without an empty `[registry]` above.
            t.set_implicit(key == "registry");
            root.insert(key, Item::Table(t));
        }
        root.get_mut(key)
            .and_then(Item::as_table_like_mut)
            .ok_or_else(|| ProjectError::Edit {
                path,
                message: format!("`{key}` is not a table; make it `[{key}]`"),
            })
    }

    fn edit_error(&self, message: String) -> ProjectError {
        ProjectError::Edit {
            path: self.path.clone(),
            message,
        }
    }
}

impl fmt::Display for ManifestEditor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = self.doc.to_string();
        match self.crlf {
            true => f.write_str(&text.replace("\r\n", "\n").replace('\n', "\r\n")),
            false => f.write_str(&text),
        }
    }
}

/// Sets `key` to `value`, keeping the spacing and trailing comment of an
/// existing value; a new key goes in order if the table was sorted.
fn set_value(table: &mut dyn TableLike, key: &str, value: Value) {
    if let Some(Item::Value(old)) = table.get_mut(key) {
        let decor = old.decor().clone();
        *old = value;
        *old.decor_mut() = decor;
        return;
    }
    let keys: Vec<&str> = table.iter().map(|(k, _)| k).collect();
    let was_sorted = keys.windows(2).all(|w| w[0] <= w[1]);
    table.insert(key, Item::Value(value));
    if was_sorted {
        table.sort_values();
    }
}

#[cfg(test)]
mod tests;
