use super::*;
use crate::PluginFile;

fn hello() -> (PluginName, VersionEntry) {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../sample-index/plugins/he/ll/hello-world.toml"
    );
    let file = PluginFile::parse("hello-world.toml", &std::fs::read(path).unwrap()).unwrap();
    let entry = file.versions.last().unwrap().clone();
    (file.name, entry)
}

fn parts(statement: &Value) -> (String, Vec<(String, String)>, Value) {
    let subjects = statement["subject"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            let name = s["name"].as_str().unwrap().to_string();
            (name, s["digest"]["sha256"].as_str().unwrap().to_string())
        })
        .collect();
    let kind = statement["predicateType"].as_str().unwrap().to_string();
    (kind, subjects, statement["predicate"].clone())
}

#[test]
fn the_statement_of_an_entry_checks_against_it() {
    let (name, entry) = hello();
    let (kind, subjects, predicate) = parts(&statement(&name, &entry));
    check(&name, &entry, &kind, &subjects, &predicate).unwrap();
    assert_eq!(predicate["plugin"], "hello-world");
    assert_eq!(predicate["version"], entry.version.to_string());
    assert_eq!(subjects.len(), entry.artifacts.len());
}

/// Each way a statement can say more or other than the signed file is
/// refused, naming what differs.
#[test]
fn a_statement_that_differs_from_the_file_is_refused() {
    let (name, entry) = hello();
    let (kind, subjects, predicate) = parts(&statement(&name, &entry));
    let refused = |kind: &str, subjects: &[(String, String)], predicate: &Value, says: &str| {
        let err = check(&name, &entry, kind, subjects, predicate).unwrap_err();
        assert!(err.contains(says), "{err}");
    };
    let mut wider = predicate.clone();
    wider["permissions"] = json!(["fs-read", "fs-write", "network"]);
    refused(&kind, &subjects, &wider, "`permissions`");
    let mut other_version = predicate.clone();
    other_version["version"] = json!("9.9.9");
    refused(&kind, &subjects, &other_version, "`version`");
    let mut other_plugin = predicate.clone();
    other_plugin["plugin"] = json!("greeter-core");
    refused(&kind, &subjects, &other_plugin, "`plugin`");
    let mut looser = predicate.clone();
    looser["engine"] = json!("*");
    refused(&kind, &subjects, &looser, "`engine`");
    let mut extra = subjects.clone();
    extra.push(("evil.wasm".into(), "00".repeat(32)));
    refused(&kind, &extra, &predicate, "evil.wasm");
    let swapped: Vec<(String, String)> = subjects
        .iter()
        .map(|(name, _)| (name.clone(), "11".repeat(32)))
        .collect();
    refused(&kind, &swapped, &predicate, "subjects");
    // A subject named otherwise (a file's basename) is the same subject.
    let renamed: Vec<(String, String)> = subjects
        .iter()
        .map(|(_, sha)| ("hello_world.wasm".to_string(), sha.clone()))
        .collect();
    check(&name, &entry, &kind, &renamed, &predicate).unwrap();
    refused(
        "https://slsa.dev/provenance/v1",
        &subjects,
        &predicate,
        "predicate type",
    );
}

/// The same entry with its artifacts or permissions listed in another
/// order states the same thing.
#[test]
fn order_does_not_matter() {
    let (name, mut entry) = hello();
    let (kind, subjects, predicate) = parts(&statement(&name, &entry));
    entry.permissions.reverse();
    entry.artifacts.reverse();
    check(&name, &entry, &kind, &subjects, &predicate).unwrap();
}
