//! What a trusted publisher's attestation states about one version
//! (issue 17; not yet read by the client or the index tool).
//!
//! The statement is an in-toto v1 statement whose subjects are the
//! version's artifacts and whose predicate is the version's entry itself —
//! so the CI identity signs the metadata a client acts on (engine
//! requirement, permissions, dependencies, where each artifact is and its
//! digest), not only the bytes. A client compares it with the signed
//! plugin file: equal, or refused. Settings, the readme and the
//! publication time are not in it (v1).

use serde_json::{Value, json};

use crate::{PluginName, VersionEntry};

/// The statement's `predicateType`.
pub const PREDICATE_TYPE: &str = "https://plugres.dev/attestation/version/v1";

/// The in-toto statement type.
pub const STATEMENT_TYPE: &str = "https://in-toto.io/Statement/v1";

/// The subjects: each artifact's URL (as the plugin file gives it) and
/// sha256, sorted. A statement's subjects are checked by digest only.
pub fn subjects(entry: &VersionEntry) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = entry
        .artifacts
        .iter()
        .map(|a| (a.url.clone(), a.sha256.to_hex()))
        .collect();
    out.sort();
    out
}

/// The predicate: the entry's facts in a fixed form (permissions sorted,
/// artifacts by target then URL).
pub fn predicate(plugin: &PluginName, entry: &VersionEntry) -> Value {
    let mut permissions: Vec<&str> = entry.permissions.iter().map(|p| p.as_str()).collect();
    permissions.sort_unstable();
    let dependencies: serde_json::Map<String, Value> = entry
        .dependencies
        .iter()
        .map(|(name, req)| (name.to_string(), Value::from(req.to_string())))
        .collect();
    let mut artifacts: Vec<Value> = entry
        .artifacts
        .iter()
        .map(|a| {
            json!({
                "target": a.target.as_str(),
                "url": a.url,
                "sha256": a.sha256.to_hex(),
                "size": a.size,
            })
        })
        .collect();
    artifacts.sort_by_key(|a| (a["target"].to_string(), a["url"].to_string()));
    json!({
        "plugin": plugin.as_str(),
        "version": entry.version.to_string(),
        "engine": entry.engine.to_string(),
        "permissions": permissions,
        "dependencies": dependencies,
        "artifacts": artifacts,
    })
}

/// The whole statement a publisher's release workflow signs.
pub fn statement(plugin: &PluginName, entry: &VersionEntry) -> Value {
    let subject: Vec<Value> = subjects(entry)
        .into_iter()
        .map(|(name, sha)| json!({ "name": name, "digest": { "sha256": sha } }))
        .collect();
    json!({
        "_type": STATEMENT_TYPE,
        "subject": subject,
        "predicateType": PREDICATE_TYPE,
        "predicate": predicate(plugin, entry),
    })
}

/// Whether a verified statement says exactly what the signed entry says;
/// the error names the first difference.
pub fn check(
    plugin: &PluginName,
    entry: &VersionEntry,
    predicate_type: &str,
    stated_subjects: &[(String, String)],
    stated_predicate: &Value,
) -> Result<(), String> {
    if predicate_type != PREDICATE_TYPE {
        return Err(format!(
            "its predicate type is `{predicate_type}`, not `{PREDICATE_TYPE}`"
        ));
    }
    // Subjects are matched by digest: their names are whatever the signing
    // tool wrote (GitHub's attest action names files by their basename);
    // where each artifact is comes from the predicate.
    let digests = |subjects: &[(String, String)]| {
        let mut d: Vec<String> = subjects.iter().map(|(_, sha)| sha.clone()).collect();
        d.sort();
        d
    };
    let expected = subjects(entry);
    if digests(stated_subjects) != digests(&expected) {
        return Err(format!(
            "its subjects are {}, where the plugin file's artifacts are {}",
            list(stated_subjects),
            list(&expected)
        ));
    }
    let expected = predicate(plugin, entry);
    if *stated_predicate != expected {
        let field = [
            "plugin",
            "version",
            "engine",
            "permissions",
            "dependencies",
            "artifacts",
        ]
        .into_iter()
        .find(|f| stated_predicate.get(f) != expected.get(f))
        .unwrap_or("its fields");
        return Err(format!(
            "its predicate differs from the plugin file in `{field}`: it states {}, the file has {}",
            stated_predicate.get(field).unwrap_or(&Value::Null),
            expected.get(field).unwrap_or(&Value::Null)
        ));
    }
    Ok(())
}

fn list(subjects: &[(String, String)]) -> String {
    let items: Vec<String> = subjects
        .iter()
        .map(|(name, sha)| format!("`{name}` ({sha})"))
        .collect();
    match items.is_empty() {
        true => "none".to_string(),
        false => items.join(", "),
    }
}

#[cfg(test)]
mod tests;
