//! The JSON Schema of `plugres.toml`, for editors (taplo, Even Better TOML).
//!
//! Generated from the `Raw*` structs that deserialise the manifest, with the
//! checked newtypes of `plugres-schema` for names, targets and keys. The
//! generated file is checked in as `resolver/json/plugres.schema.json` (the
//! URL editors are pointed at); a test of the `plugres` crate fails when it
//! drifts (`UPDATE_SCHEMAS=1 cargo test -p plugres json_schema` rewrites it).

use std::borrow::Cow;

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};

/// The schema of `plugres.toml`.
pub fn manifest_schema() -> serde_json::Value {
    plugres_schema::json_schema::document::<super::RawManifest>()
}

/// A registry's name in `[registry.NAME]`.
pub(crate) struct RegistryName;

impl JsonSchema for RegistryName {
    fn schema_name() -> Cow<'static, str> {
        Cow::Borrowed("RegistryName")
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": "string",
            "pattern": "^[a-z0-9][a-z0-9_-]{0,63}$"
        })
    }
}

/// The engine version: any semver version.
pub(crate) struct EngineVersion;

impl JsonSchema for EngineVersion {
    fn schema_name() -> Cow<'static, str> {
        Cow::Borrowed("EngineVersion")
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": "string",
            "description": "A semver version, like `1.4.2`.",
            "pattern": r"^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$",
            "examples": ["1.4.2"]
        })
    }
}

/// An entry of `[plugins]`: `"^1.2"` or `{ version = "^1.2", registry = "acme" }`.
pub(crate) struct PluginRequirement;

impl JsonSchema for PluginRequirement {
    fn schema_name() -> Cow<'static, str> {
        Cow::Borrowed("PluginRequirement")
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        let req = generator.subschema_for::<plugres_schema::json_schema::Requirement>();
        let registry = generator.subschema_for::<RegistryName>();
        json_schema!({
            "description": "A version requirement like `\"^1.2\"`, a table `{ version = \"^1.2\", registry = \"acme\" }`, or a release channel to follow: `{ channel = \"beta\" }`, or a local build `{ path = \"../my-plugin\" }`.",
            "anyOf": [
                req.clone(),
                {
                    "type": "object",
                    "properties": { "version": req.clone(), "registry": registry.clone() },
                    "required": ["version"],
                    "additionalProperties": false
                },
                {
                    "type": "object",
                    "properties": {
                        "channel": {
                            "description": "A release channel the plugin's publisher sets (`plugres-index tag`), or `latest`: the newest usable version.",
                            "type": "string",
                            "pattern": "^[a-z][a-z0-9-]{0,31}$"
                        },
                        "registry": registry.clone()
                    },
                    "required": ["channel"],
                    "additionalProperties": false
                },
                {
                    "type": "object",
                    "properties": {
                        "path": {
                            "description": "The folder of a local plugin's plugin.toml, relative to plugres.toml (README \"Local plugin development\").",
                            "type": "string",
                            "minLength": 1
                        },
                        "version": req,
                        "registry": registry
                    },
                    "required": ["path"],
                    "additionalProperties": false
                }
            ]
        })
    }
}
