//! The checked-in JSON Schema of `plugres.toml` against the types that
//! parse it (in `plugres-host`): the file stays at
//! `resolver/json/plugres.schema.json`, the URL editors are pointed at
//! (README "Editor and shell support").

use std::path::Path;

use super::{Manifest, manifest_json_schema as manifest_schema};

fn schema_file() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("json/plugres.schema.json")
}

#[test]
fn checked_in_schema_matches_the_types() {
    let text = plugres_schema::json_schema::to_file_text(&manifest_schema());
    let path = schema_file();
    if std::env::var_os("UPDATE_SCHEMAS").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, &text).unwrap();
        return;
    }
    let on_disk = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        on_disk == text,
        "`{}` is out of date with the Rust types; run `UPDATE_SCHEMAS=1 cargo test -p plugres json_schema` and commit the result",
        path.display()
    );
}

fn toml_to_json(v: toml::Value) -> serde_json::Value {
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

const MANIFEST: &str = r#"
[engine]
version = "1.4.2"
target = "wasm32-wasip1"

[registry.default]
index = "https://github.com/acme/plugin-index.git"
root-keys = ["RWSHnl4xjP2djUC4d3DvrVTXIDlPH9XFoPDGn01Xai+UpZsqGekxqWr/"]
artifact-mirror = "https://mirror.example.com/p/"

[registry.acme]
index = "sparse+https://acme.example.com/index/"
root-keys = ["RWSHnl4xjP2djUC4d3DvrVTXIDlPH9XFoPDGn01Xai+UpZsqGekxqWr/"]

[plugins]
hello-world = "^1.2"
acme-audit = { version = "2", registry = "acme" }

[settings]
install-dir = "plugins"
"#;

#[test]
fn manifests_the_parser_accepts_pass_and_mistakes_fail() {
    let validator = jsonschema::draft7::new(&manifest_schema()).unwrap();
    let check = |text: &str| {
        let parsed = Manifest::parse("plugres.toml", text, Path::new(".")).is_ok();
        let value = toml_to_json(toml::from_str(text).unwrap());
        (parsed, validator.is_valid(&value))
    };
    assert_eq!(check(MANIFEST), (true, true));
    for (from, to) in [
        ("hello-world = ", "Hello = "),
        ("version = \"1.4.2\"", "version = \"1.4\""),
        ("artifact-mirror", "artifact-mirorr"),
        ("registry = \"acme\"", "registy = \"acme\""),
        ("target = \"wasm32-wasip1\"", "target = \"Wasm\""),
        ("root-keys = [\"RWS", "root-keys = [\"XWS"),
        ("\"^1.2\"", "12"),
    ] {
        let bad = MANIFEST.replacen(from, to, 1);
        assert_eq!(check(&bad), (false, false), "{to}");
    }
}
