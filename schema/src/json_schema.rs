//! JSON Schemas of the TOML formats, so editors can complete and check them.
//!
//! taplo (and VS Code's Even Better TOML, which runs it) validates a TOML
//! file against a JSON Schema: the TOML is read as JSON (datetimes become
//! strings) and checked. The schemas are generated from the same `Raw*`
//! structs that deserialise the files, so field names, required keys and
//! `deny_unknown_fields` cannot drift from the parser; the checked newtypes
//! ([`PluginName`], [`Version`], [`Sha256`], …) contribute a `pattern` that
//! matches what their constructors accept (tests compare the two).
//!
//! A schema only helps while editing. The parsers stay the authority: some
//! rules (a version listed twice, `yank-reason` without `yanked`, a scope a
//! key may not sign) are beyond a schema.
//!
//! The generated files are checked in (`schema/json/*.schema.json`); a test
//! regenerates them in memory and fails when they differ.

use std::borrow::Cow;

use schemars::generate::SchemaSettings;
use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};

use crate::keys::{KeyId, PublicKey, Scope};
use crate::name::{MAX_NAME_LEN, PluginName, RESERVED};
use crate::plugin::{MAX_ARTIFACT_SIZE, Permission, Target};
use crate::sha::Sha256;
use crate::version::Version;

/// The regular expression of a plugin name (see [`PluginName::new`]).
pub const NAME_PATTERN: &str = "^[a-z][a-z0-9]*(-[a-z0-9]+)*$";

/// A semver version, build metadata allowed (semver.org's expression).
pub const VERSION_PATTERN: &str = r"^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)(-((0|[1-9][0-9]*|[0-9]*[a-zA-Z-][0-9a-zA-Z-]*)(\.(0|[1-9][0-9]*|[0-9]*[a-zA-Z-][0-9a-zA-Z-]*))*))?(\+[0-9a-zA-Z-]+(\.[0-9a-zA-Z-]+)*)?$";

/// The schema of `plugin.toml`, the publisher's manifest.
pub fn plugin_manifest() -> serde_json::Value {
    document::<crate::manifest::RawManifest>()
}

/// The schema of a plugin file of the index (`plugins/he/ll/hello-world.toml`).
pub fn plugin_file() -> serde_json::Value {
    document::<crate::plugin::RawPlugin>()
}

/// The schema of the index's `config.toml`.
pub fn index_config() -> serde_json::Value {
    document::<crate::config::RawConfig>()
}

/// The schema of the index's `snapshot.toml`.
pub fn snapshot() -> serde_json::Value {
    document::<crate::snapshot::RawSnapshot>()
}

/// The schema of the index's `timestamp.toml`.
pub fn timestamp() -> serde_json::Value {
    document::<crate::timestamp::RawTimestamp>()
}

/// The root schema of `T` in draft 7, the newest draft taplo reads. TOML
/// has no null, so the `null` schemars allows for an `Option` is dropped:
/// an optional key is simply not required.
pub fn document<T: JsonSchema>() -> serde_json::Value {
    let generator = SchemaSettings::draft07().for_deserialize().into_generator();
    let mut schema = generator.into_root_schema_for::<T>().to_value();
    drop_null(&mut schema);
    schema
}

fn drop_null(v: &mut serde_json::Value) {
    use serde_json::Value;
    match v {
        Value::Object(map) => {
            if let Some(Value::Array(types)) = map.get_mut("type") {
                types.retain(|t| t.as_str() != Some("null"));
                if let [only] = types.as_slice() {
                    let only = only.clone();
                    map.insert("type".into(), only);
                }
            }
            if let Some(Value::Array(options)) = map.get_mut("anyOf") {
                options.retain(|o| o.get("type").and_then(Value::as_str) != Some("null"));
                if let [only] = options.as_slice() {
                    let only = only.clone();
                    map.remove("anyOf");
                    if let Value::Object(inner) = only {
                        for (k, v) in inner {
                            map.entry(k).or_insert(v);
                        }
                    }
                }
            }
            map.values_mut().for_each(drop_null);
        }
        Value::Array(items) => items.iter_mut().for_each(drop_null),
        _ => {}
    }
}

/// Pretty JSON with a final newline: the form of the checked-in files.
pub fn to_file_text(schema: &serde_json::Value) -> String {
    let mut text = serde_json::to_string_pretty(schema).unwrap_or_default();
    text.push('\n');
    text
}

/// Implements `JsonSchema` for a type whose schema is a fixed JSON value.
macro_rules! fixed_schema {
    ($ty:ty, $name:literal, $schema:tt) => {
        impl JsonSchema for $ty {
            fn schema_name() -> Cow<'static, str> {
                Cow::Borrowed($name)
            }

            fn json_schema(_: &mut SchemaGenerator) -> Schema {
                json_schema!($schema)
            }
        }
    };
}

fixed_schema!(PluginName, "PluginName", {
    "type": "string",
    "description": "A plugin name: lowercase letters, digits and single dashes, starting with a letter; at most 64 characters.",
    "pattern": NAME_PATTERN,
    "maxLength": MAX_NAME_LEN,
    "not": { "enum": RESERVED },
    "examples": ["hello-world"]
});

fixed_schema!(Version, "Version", {
    "type": "string",
    "description": "A semver version, like `1.2.0`, `2.0.0-rc.1` or `1.2.0+build.5` (build metadata is ignored for precedence: one plugin may not list two versions that differ only in it).",
    "pattern": VERSION_PATTERN,
    "examples": ["1.2.0"]
});

fixed_schema!(Sha256, "Sha256", {
    "type": "string",
    "description": "SHA-256 of the file: 64 lowercase hex digits.",
    "pattern": "^[0-9a-f]{64}$"
});

fixed_schema!(Target, "Target", {
    "type": "string",
    "description": "What the artifact runs on: `any`, `wasm32-wasip1`, or a platform triple.",
    "pattern": "^[a-z0-9][a-z0-9_.-]*$",
    "maxLength": 64,
    "examples": ["any", "wasm32-wasip1", "x86_64-unknown-linux-gnu"]
});

fixed_schema!(Permission, "Permission", {
    "type": "string",
    "description": "A capability the plugin asks the host for, like `network` or `fs-read`, optionally with `:scope` (`fs-read:/data`).",
    "pattern": r"^[a-z][a-z0-9-]{0,63}(:[^\s\x00-\x1f\x7f]{1,256})?$",
    "examples": ["network", "fs-read", "fs-write:/data"]
});

fixed_schema!(KeyId, "KeyId", {
    "type": "string",
    "description": "The name of a key, like `root-2026` or `acme-release`.",
    "pattern": "^[A-Za-z0-9._-]{1,64}$"
});

fixed_schema!(Scope, "Scope", {
    "type": "string",
    "description": "Plugin names a publisher key may sign: a name pattern with `*` wildcards, like `acme-*`; `*` is any plugin.",
    "pattern": "^[a-z0-9*-]{1,64}$",
    "examples": ["acme-*", "*"]
});

fixed_schema!(PublicKey, "PublicKey", {
    "type": "string",
    "description": "A minisign public key: the base64 line of a `.pub` file.",
    "pattern": "^RW[A-Za-z0-9+/]{54}$",
    "examples": ["RWQf6LRCGA9i53mlYecO4IzT51TGPpvWucNSCh1CBM0QTaLn73Y7GFO3"]
});

/// A semver requirement, like `>=1.4, <2` or `^0.3` (checked by the parser only).
pub struct Requirement;

fixed_schema!(Requirement, "Requirement", {
    "type": "string",
    "description": "A semver requirement (cargo's syntax), like `>=1.4, <2` or `^0.3`.",
    "minLength": 1,
    "examples": ["^1.2", ">=1.4, <2"]
});

/// A TOML datetime; taplo presents it to the schema as a string.
pub(crate) struct Datetime;

fixed_schema!(Datetime, "Datetime", {
    "type": "string",
    "format": "date-time",
    "description": "RFC 3339 time, written as a TOML datetime: `2026-11-21T10:00:00Z`."
});

/// An artifact's size in bytes.
pub(crate) struct ArtifactSize;

fixed_schema!(ArtifactSize, "ArtifactSize", {
    "type": "integer",
    "description": "Size of the file in bytes (1 byte to 1 GiB, the most a client installs; an index may set a lower `[limits] max-artifact-size`).",
    "minimum": 1,
    "maximum": MAX_ARTIFACT_SIZE
});

/// Where an artifact is downloaded from.
pub(crate) struct ArtifactUrl;

fixed_schema!(ArtifactUrl, "ArtifactUrl", {
    "type": "string",
    "description": "An absolute `https://` URL, or a path relative to the index's `artifact-base` (or to the index itself), without `..` or a leading `/`.",
    "pattern": r"^(https?://[^\s]+|[^/\s\\?#][^\s\\?#]*)$"
});

/// An `http(s)://` URL (repository, homepage, support).
pub(crate) struct HttpUrl;

fixed_schema!(HttpUrl, "HttpUrl", {
    "type": "string",
    "description": "An `http(s)://` URL, at most 2048 bytes.",
    "pattern": r"^https?://[^\s]+$",
    "maxLength": crate::fields::MAX_URL_LEN
});

/// One entry of `authors`.
pub(crate) struct Author;

fixed_schema!(Author, "Author", {
    "type": "string",
    "description": "A name, optionally with an e-mail address: `Jane Doe <jane@example.com>`; 1-200 characters, one line.",
    "minLength": 1,
    "maxLength": crate::fields::MAX_AUTHOR_LEN,
    "pattern": r"^[^\n]+$"
});

/// A keyword or category.
pub(crate) struct Tag;

fixed_schema!(Tag, "Tag", {
    "type": "string",
    "description": "1-32 lowercase letters, digits, `-`, `_` or `+`.",
    "pattern": "^[a-z0-9][a-z0-9_+-]{0,31}$"
});

/// The index format number.
pub(crate) struct Format;

/// config.toml's format number: 1, or 2 with trusted publishing.
pub(crate) struct ConfigFormat;

fixed_schema!(ConfigFormat, "ConfigFormat", {
    "type": "integer",
    "description": "The index format: 1, or 2 for a config that uses trusted publishing (`[sigstore]`, `[[trusted-publisher]]`, `[publish-policy]`).",
    "enum": [crate::FORMAT, crate::config::TRUSTED_PUBLISHING_FORMAT]
});

fixed_schema!(Format, "Format", {
    "type": "integer",
    "description": "The index format; this plugres reads format 1.",
    "const": crate::FORMAT
});

#[cfg(test)]
mod tests;
