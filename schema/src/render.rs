//! Deterministic TOML text for index files.
//!
//! The index tool writes plugin files and the config through these
//! functions, so the same content always gives the same bytes (and the
//! same signature input), whatever the `toml` crate's serializer heuristics
//! do between versions. Clients never re-serialise: they verify the bytes.

use std::fmt::Write;

use crate::config::IndexConfig;
use crate::plugin::{PluginFile, VersionEntry};

/// A TOML basic string literal.
pub fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04X}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn quote_list<S: AsRef<str>>(items: &[S]) -> String {
    let inner: Vec<String> = items.iter().map(|s| quote(s.as_ref())).collect();
    format!("[{}]", inner.join(", "))
}

/// The text of a plugin file.
pub fn plugin_file(p: &PluginFile) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "name = {}", quote(p.name.as_str()));
    let _ = writeln!(s, "description = {}", quote(&p.description));
    for (key, val) in [
        ("license", &p.license),
        ("repository", &p.repository),
        ("homepage", &p.homepage),
        ("support", &p.support),
    ] {
        if let Some(v) = val {
            let _ = writeln!(s, "{key} = {}", quote(v));
        }
    }
    if !p.authors.is_empty() {
        let _ = writeln!(s, "authors = {}", quote_list(&p.authors));
    }
    if !p.keywords.is_empty() {
        let _ = writeln!(s, "keywords = {}", quote_list(&p.keywords));
    }
    if !p.categories.is_empty() {
        let _ = writeln!(s, "categories = {}", quote_list(&p.categories));
    }
    if let Some(d) = &p.deprecated {
        let _ = writeln!(s, "deprecated = {}", quote(d));
    }
    if !p.channels.is_empty() {
        let _ = writeln!(s, "\n[channels]");
        for (channel, version) in &p.channels {
            let _ = writeln!(s, "{channel} = {}", quote(&version.to_string()));
        }
    }
    for v in &p.versions {
        s.push('\n');
        version_entry(&mut s, v);
    }
    s
}

fn version_entry(s: &mut String, v: &VersionEntry) {
    let _ = writeln!(s, "[[version]]");
    let _ = writeln!(s, "version = {}", quote(&v.version.to_string()));
    let _ = writeln!(s, "engine = {}", quote(&v.engine.to_string()));
    let _ = writeln!(s, "published = {}", v.published);
    let perms: Vec<&str> = v.permissions.iter().map(|p| p.as_str()).collect();
    let _ = writeln!(s, "permissions = {}", quote_list(&perms));
    if v.yanked {
        let _ = writeln!(s, "yanked = true");
    }
    if let Some(r) = &v.yank_reason {
        let _ = writeln!(s, "yank-reason = {}", quote(r));
    }
    for (key, file) in [("readme", &v.readme), ("attestation", &v.attestation)] {
        if let Some(r) = file {
            let _ = writeln!(
                s,
                "{key} = {{ path = {}, sha256 = {}, size = {} }}",
                quote(r.path.as_str()),
                quote(&r.sha256.to_hex()),
                r.size
            );
        }
    }
    if !v.dependencies.is_empty() {
        let _ = writeln!(s, "\n[version.dependencies]");
        for (name, req) in &v.dependencies {
            let _ = writeln!(s, "{name} = {}", quote(&req.to_string()));
        }
    }
    crate::settings::render_settings(s, "version", &v.settings);
    for a in &v.artifacts {
        let _ = writeln!(s, "\n[[version.artifact]]");
        let _ = writeln!(s, "target = {}", quote(a.target.as_str()));
        let _ = writeln!(s, "url = {}", quote(&a.url));
        let _ = writeln!(s, "sha256 = {}", quote(&a.sha256.to_hex()));
        let _ = writeln!(s, "size = {}", a.size);
    }
}

/// The text of `config.toml`.
pub fn config_file(c: &IndexConfig) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "format = {}", c.format);
    let _ = writeln!(s, "version = {}", c.version);
    let _ = writeln!(s, "name = {}", quote(&c.name));
    let _ = writeln!(s, "engine = {}", quote(&c.engine));
    if let Some(d) = &c.description {
        let _ = writeln!(s, "description = {}", quote(d));
    }
    if let Some(b) = &c.artifact_base {
        let _ = writeln!(s, "artifact-base = {}", quote(b));
    }
    if c.timestamp_expiry != crate::config::DEFAULT_TIMESTAMP_EXPIRY {
        let _ = writeln!(
            s,
            "timestamp-expiry = {}",
            quote(&crate::time::format_duration_exact(c.timestamp_expiry))
        );
    }
    if !c.categories.is_empty() {
        let list: Vec<&str> = c.categories.iter().map(String::as_str).collect();
        let _ = writeln!(s, "categories = {}", quote_list(&list));
    }
    config_limits(&mut s, &c.limits);
    role_keys(&mut s, "root-key", &c.root_keys);
    for k in &c.publisher_keys {
        let _ = writeln!(s, "\n[[publisher-key]]");
        let _ = writeln!(s, "id = {}", quote(k.id.as_str()));
        let _ = writeln!(s, "public = {}", quote(k.public.as_str()));
        let scopes: Vec<&str> = k.scopes.iter().map(|x| x.as_str()).collect();
        let _ = writeln!(s, "scopes = {}", quote_list(&scopes));
    }
    role_keys(&mut s, "snapshot-key", &c.snapshot_keys);
    role_keys(&mut s, "timestamp-key", &c.timestamp_keys);
    trusted_publishing(&mut s, c);
    s
}

/// `[sigstore]`, `[[trusted-publisher]]` and `[publish-policy]`.
fn trusted_publishing(s: &mut String, c: &IndexConfig) {
    if let Some(root) = &c.sigstore {
        let _ = writeln!(s, "\n[sigstore]");
        let _ = writeln!(
            s,
            "trusted-root = {{ path = {}, sha256 = {} }}",
            quote(root.path.as_str()),
            quote(&root.sha256.to_hex())
        );
    }
    for t in &c.trusted_publishers {
        let _ = writeln!(s, "\n[[trusted-publisher]]");
        let _ = writeln!(s, "id = {}", quote(t.id.as_str()));
        let scopes: Vec<&str> = t.scopes.iter().map(|x| x.as_str()).collect();
        let _ = writeln!(s, "scopes = {}", quote_list(&scopes));
        for (key, value) in [
            ("issuer", Some(&t.issuer)),
            ("repository", Some(&t.repository)),
            ("repository-id", Some(&t.repository_id)),
            ("owner-id", Some(&t.owner_id)),
            ("workflow", Some(&t.workflow)),
            ("signer-workflow", t.signer_workflow.as_ref()),
            ("ref", Some(&t.ref_pattern)),
            ("runner", t.runner.as_ref()),
            ("environment", t.environment.as_ref()),
        ] {
            if let Some(v) = value {
                let _ = writeln!(s, "{key} = {}", quote(v));
            }
        }
        for (key, value) in [("valid-from", t.valid_from), ("valid-until", t.valid_until)] {
            if let Some(v) = value {
                let _ = writeln!(s, "{key} = {}", quote(&crate::time::format_utc(v)));
            }
        }
    }
    if !c.publish_policy.is_empty() {
        let _ = writeln!(s, "\n[publish-policy]");
        for (scope, policy) in &c.publish_policy {
            let _ = writeln!(s, "{} = {}", quote(scope.as_str()), quote(policy.as_str()));
        }
    }
}

/// `[limits]`, with the fields that are below the client's hard caps.
fn config_limits(s: &mut String, l: &crate::limits::ArchiveLimits) {
    let hard = crate::limits::ArchiveLimits::HARD;
    let fields = [
        (
            "max-artifact-size",
            l.max_artifact_size,
            hard.max_artifact_size,
        ),
        (
            "max-unpacked-size",
            l.max_unpacked_size,
            hard.max_unpacked_size,
        ),
        ("max-files", l.max_files, hard.max_files),
    ];
    let lowered: Vec<_> = fields.iter().filter(|(_, v, cap)| v < cap).collect();
    if lowered.is_empty() {
        return;
    }
    let _ = writeln!(s, "\n[limits]");
    for (key, value, _) in lowered {
        let _ = writeln!(s, "{key} = {value}");
    }
}

fn role_keys(s: &mut String, table: &str, keys: &[crate::keys::RoleKey]) {
    for k in keys {
        let _ = writeln!(s, "\n[[{table}]]");
        let _ = writeln!(s, "id = {}", quote(k.id.as_str()));
        let _ = writeln!(s, "public = {}", quote(k.public.as_str()));
    }
}
