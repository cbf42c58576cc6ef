//! The checked-in schemas match the types; real files satisfy them; each
//! newtype's pattern accepts exactly what its constructor accepts.

use std::path::{Path, PathBuf};

use super::*;
use crate::PluginFile;

fn crate_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Every schema this crate generates, with its checked-in file.
fn schemas() -> Vec<(PathBuf, serde_json::Value)> {
    let dir = crate_dir().join("json");
    vec![
        (dir.join("plugin-manifest.schema.json"), plugin_manifest()),
        (dir.join("plugin-file.schema.json"), plugin_file()),
        (dir.join("index-config.schema.json"), index_config()),
        (dir.join("index-snapshot.schema.json"), snapshot()),
        (dir.join("index-timestamp.schema.json"), timestamp()),
    ]
}

/// Compares each generated schema with its file; `UPDATE_SCHEMAS=1`
/// rewrites the files instead.
#[test]
fn checked_in_schemas_match_the_types() {
    let update = std::env::var_os("UPDATE_SCHEMAS").is_some();
    for (path, schema) in schemas() {
        let text = to_file_text(&schema);
        if update {
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, &text).unwrap();
            continue;
        }
        let on_disk = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            on_disk == text,
            "`{}` is out of date with the Rust types; run `UPDATE_SCHEMAS=1 cargo test -p plugres-schema json_schema` and commit the result",
            path.display()
        );
    }
}

/// TOML as taplo shows it to a schema: datetimes become strings.
pub(crate) fn toml_to_json(v: toml::Value) -> serde_json::Value {
    use serde_json::Value as J;
    match v {
        toml::Value::String(s) => J::String(s),
        toml::Value::Integer(i) => J::from(i),
        toml::Value::Float(f) => J::from(f),
        toml::Value::Boolean(b) => J::Bool(b),
        toml::Value::Datetime(d) => J::String(d.to_string()),
        toml::Value::Array(a) => J::Array(a.into_iter().map(toml_to_json).collect()),
        toml::Value::Table(t) => {
            J::Object(t.into_iter().map(|(k, v)| (k, toml_to_json(v))).collect())
        }
    }
}

fn validator(schema: &serde_json::Value) -> jsonschema::Validator {
    jsonschema::draft7::new(schema).expect("the generated schema is a valid draft-7 schema")
}

fn errors(v: &jsonschema::Validator, toml_text: &str) -> Vec<String> {
    let value = toml_to_json(toml::from_str(toml_text).unwrap());
    v.iter_errors(&value)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect()
}

fn sample_index() -> PathBuf {
    crate_dir().join("../sample-index")
}

#[test]
fn the_sample_index_satisfies_the_schemas() {
    let config = validator(&index_config());
    let text = std::fs::read_to_string(sample_index().join("config.toml")).unwrap();
    assert_eq!(errors(&config, &text), Vec::<String>::new());

    let plugin = validator(&plugin_file());
    let mut seen = 0;
    let mut stack = vec![sample_index().join("plugins")];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "toml") {
                let text = std::fs::read_to_string(&path).unwrap();
                // The parser agrees the file is valid, so the schema must too.
                PluginFile::parse("f", text.as_bytes()).unwrap();
                assert_eq!(
                    errors(&plugin, &text),
                    Vec::<String>::new(),
                    "{}",
                    path.display()
                );
                seen += 1;
            }
        }
    }
    assert!(seen >= 5, "only {seen} plugin files found");
}

const MANIFEST: &str = r#"
[plugin]
name = "hello-world"
version = "1.2.0"
description = "Greets the world"
license = "MIT"
repository = "https://github.com/acme/hello-world"
keywords = ["demo"]
engine = ">=1.4, <2"
permissions = ["network", "fs-read:/data"]

[dependencies]
greeter-core = "^0.3"

[[artifact]]
target = "wasm32-wasip1"
path = "target/wasm32-wasip1/release/hello_world.wasm"
url = "https://github.com/acme/hello-world/releases/download/v1.2.0/hello_world.wasm"
"#;

#[test]
fn a_valid_manifest_passes_and_mistakes_are_caught() {
    crate::PublishManifest::parse("plugin.toml", MANIFEST.as_bytes()).unwrap();
    let v = validator(&plugin_manifest());
    assert_eq!(errors(&v, MANIFEST), Vec::<String>::new());

    let cases = [
        ("name = \"hello-world\"", "name = \"Hello\""),
        ("version = \"1.2.0\"", "version = \"1.2\""),
        ("\"network\"", "\"Net work\""),
        ("greeter-core = ", "Greeter = "),
        ("target = \"wasm32-wasip1\"", "target = \"Wasm\""),
        ("license = \"MIT\"", "licence = \"MIT\""),
        ("description = \"Greets the world\"\n", ""),
    ];
    for (from, to) in cases {
        let bad = MANIFEST.replacen(from, to, 1);
        assert!(
            crate::PublishManifest::parse("plugin.toml", bad.as_bytes()).is_err(),
            "{to}"
        );
        assert!(!errors(&v, &bad).is_empty(), "schema accepts `{to}`");
    }
}

#[test]
fn plugin_file_mistakes_are_caught() {
    let v = validator(&plugin_file());
    let good = r#"
name = "hello-world"
description = "Greets"

[[version]]
version = "1.0.0"
engine = ">=1"
published = 2026-01-01T00:00:00Z

[[version.artifact]]
target = "any"
url = "hello-world/1.0.0/hello.wasm"
sha256 = "e3268dec4e39bea9c16795ae1222aad0cecdb5a9b8986da677bbb44f5bf09569"
size = 66
"#;
    PluginFile::parse("f", good.as_bytes()).unwrap();
    assert_eq!(errors(&v, good), Vec::<String>::new());
    for (from, to) in [
        ("sha256 = \"e3", "sha256 = \"E3"),
        ("size = 66", "size = 0"),
        ("url = \"hello-world", "url = \"/hello-world"),
        ("target = \"any\"", "target = \"any\"\nextra = 1"),
        ("published = 2026-01-01T00:00:00Z\n", ""),
    ] {
        let bad = good.replacen(from, to, 1);
        assert!(PluginFile::parse("f", bad.as_bytes()).is_err(), "{to}");
        assert!(!errors(&v, &bad).is_empty(), "schema accepts `{to}`");
    }
}

/// Validates `s` against the schema of `T` alone.
fn schema_accepts<T: JsonSchema>(s: &str) -> bool {
    validator(&document::<T>()).is_valid(&serde_json::Value::String(s.to_string()))
}

fn agree<T: JsonSchema>(what: &str, ok: impl Fn(&str) -> bool, samples: &[&str]) {
    for s in samples {
        assert_eq!(
            schema_accepts::<T>(s),
            ok(s),
            "{what}: schema and constructor disagree on `{s}`"
        );
    }
}

#[test]
fn patterns_accept_what_the_constructors_accept() {
    let long = "a".repeat(64);
    let too_long = "a".repeat(65);
    let words = [
        "",
        "a",
        "hello-world",
        "x1",
        "a-b-c",
        "Foo",
        "1abc",
        "-a",
        "a-",
        "a--b",
        "a_b",
        "a.b",
        "a b",
        "é",
        "plugres",
        "core",
        "acme-*",
        "*",
        "root-2026",
        "R.o_o-t",
        "any",
        "wasm32-wasip1",
        "x86_64-unknown-linux-gnu",
        "network",
        "fs-read:/data",
        "fs-read:",
        "fs-read:a b",
        "net:x:y",
        "1.2.0",
        "1.2",
        "1.2.0-rc.1",
        "1.2.0+git",
        "1.2.0-rc.1+build.5",
        "1.2.0+",
        "1.2.0+a..b",
        "1.2.0+0a.-x",
        "01.2.0",
        "1.0.0-alpha.01",
        &long,
        &too_long,
    ];
    agree::<PluginName>("name", |s| PluginName::new(s).is_ok(), &words);
    agree::<Version>("version", |s| Version::parse(s).is_ok(), &words);
    agree::<Target>("target", |s| Target::new(s).is_ok(), &words);
    agree::<Permission>("permission", |s| Permission::new(s).is_ok(), &words);
    agree::<KeyId>("key id", |s| KeyId::new(s).is_ok(), &words);
    agree::<Scope>("scope", |s| Scope::new(s).is_ok(), &words);
    let hex = Sha256::of(b"x").to_hex();
    agree::<Sha256>(
        "sha256",
        |s| Sha256::parse(s).is_ok(),
        &[&hex, &hex.to_uppercase(), &hex[1..], "abc"],
    );
    let key = "RWSHnl4xjP2djUC4d3DvrVTXIDlPH9XFoPDGn01Xai+UpZsqGekxqWr/";
    agree::<PublicKey>(
        "public key",
        |s| PublicKey::parse(s).is_ok() && !s.contains('\n'),
        &[key, &key[1..], &format!("{key}A"), "RWQ"],
    );
}
