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
    push_quoted(&mut out, s);
    out
}

/// [`quote`] of `text`, written at the end of `out`.
pub(crate) fn push_quoted(out: &mut String, text: &str) {
    out.push('"');
    push_escaped(out, text);
    out.push('"');
}

/// The inside of a basic string: `text` escaped. A run of characters that
/// need no escape (almost all of them) is copied in one piece.
fn push_escaped(out: &mut String, text: &str) {
    let mut plain = 0;
    for (at, c) in text.char_indices() {
        let escape = match c {
            '"' => "\\\"",
            '\\' => "\\\\",
            '\n' => "\\n",
            '\t' => "\\t",
            '\r' => "\\r",
            c if c.is_control() => "",
            _ => continue,
        };
        out.push_str(&text[plain..at]);
        match escape {
            "" => {
                let _ = write!(out, "\\u{:04X}", c as u32);
            }
            e => out.push_str(e),
        }
        plain = at + c.len_utf8();
    }
    out.push_str(&text[plain..]);
}

/// [`quote`] of what `value` displays as, without the intermediate string.
fn push_quoted_display(out: &mut String, value: &dyn std::fmt::Display) {
    out.push('"');
    let _ = write!(Escaping(out), "{value}");
    out.push('"');
}

/// Escapes what is written through it, as in a basic string.
struct Escaping<'a>(&'a mut String);

impl Write for Escaping<'_> {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        push_escaped(self.0, s);
        Ok(())
    }
}

/// A one-line array of basic strings: `["a", "b"]`.
fn push_quoted_list<S: AsRef<str>>(out: &mut String, items: &[S]) {
    out.push('[');
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        push_quoted(out, item.as_ref());
    }
    out.push(']');
}

fn quote_list<S: AsRef<str>>(items: &[S]) -> String {
    let mut out = String::new();
    push_quoted_list(&mut out, items);
    out
}

/// `key = "value"` and a newline.
fn line_quoted(out: &mut String, key: &str, value: &str) {
    out.push_str(key);
    out.push_str(" = ");
    push_quoted(out, value);
    out.push('\n');
}

/// `key = "value"` and a newline, for a value that displays.
fn line_quoted_display(out: &mut String, key: &str, value: &dyn std::fmt::Display) {
    out.push_str(key);
    out.push_str(" = ");
    push_quoted_display(out, value);
    out.push('\n');
}

/// The text of a plugin file.
pub fn plugin_file(p: &PluginFile) -> String {
    let mut s = String::new();
    plugin_file_into(&mut s, p);
    s
}

/// [`plugin_file`], written at the end of `s` (a caller that knows the
/// size gives room for it: the fast read checks every file it reads by
/// rendering it again).
pub(crate) fn plugin_file_into(s: &mut String, p: &PluginFile) {
    line_quoted(s, "name", p.name.as_str());
    line_quoted(s, "description", &p.description);
    for (key, val) in [
        ("license", &p.license),
        ("repository", &p.repository),
        ("homepage", &p.homepage),
        ("support", &p.support),
    ] {
        if let Some(v) = val {
            line_quoted(s, key, v);
        }
    }
    for (key, list) in [
        ("authors", &p.authors),
        ("keywords", &p.keywords),
        ("categories", &p.categories),
    ] {
        if !list.is_empty() {
            s.push_str(key);
            s.push_str(" = ");
            push_quoted_list(s, list);
            s.push('\n');
        }
    }
    if let Some(d) = &p.deprecated {
        line_quoted(s, "deprecated", d);
    }
    if !p.channels.is_empty() {
        s.push_str("\n[channels]\n");
        for (channel, version) in &p.channels {
            line_quoted_display(s, &channel.to_string(), version);
        }
    }
    for v in &p.versions {
        s.push('\n');
        version_entry(s, v);
    }
}

fn version_entry(s: &mut String, v: &VersionEntry) {
    s.push_str("[[version]]\n");
    line_quoted_display(s, "version", &v.version);
    line_quoted_display(s, "engine", &v.engine);
    s.push_str("published = ");
    s.push_str(&v.published);
    s.push('\n');
    s.push_str("permissions = ");
    let perms: Vec<&str> = v.permissions.iter().map(|p| p.as_str()).collect();
    push_quoted_list(s, &perms);
    s.push('\n');
    if v.yanked {
        s.push_str("yanked = true\n");
    }
    if let Some(r) = &v.yank_reason {
        line_quoted(s, "yank-reason", r);
    }
    for (key, file) in [("readme", &v.readme), ("attestation", &v.attestation)] {
        if let Some(r) = file {
            s.push_str(key);
            s.push_str(" = { path = ");
            push_quoted(s, r.path.as_str());
            s.push_str(", sha256 = ");
            push_quoted_display(s, &r.sha256);
            let _ = writeln!(s, ", size = {} }}", r.size);
        }
    }
    if !v.dependencies.is_empty() {
        s.push_str("\n[version.dependencies]\n");
        for (name, req) in &v.dependencies {
            line_quoted_display(s, name.as_str(), req);
        }
    }
    crate::settings::render_settings(s, "version", &v.settings);
    for a in &v.artifacts {
        s.push_str("\n[[version.artifact]]\n");
        line_quoted(s, "target", a.target.as_str());
        line_quoted(s, "url", &a.url);
        line_quoted_display(s, "sha256", &a.sha256);
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The escaping as first written: a character at a time.
    fn quote_char_by_char(s: &str) -> String {
        let mut out = String::from('"');
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

    /// Runs of plain text are copied whole; the escapes stay those of a
    /// character at a time, at the start, middle and end of a string.
    #[test]
    fn quoting_escapes_exactly_as_before() {
        for s in [
            "",
            "plain",
            "\"",
            "a\"b\\c",
            "line\nnext\ttab\rret",
            "\u{1}\u{7f}x\u{9f}",
            "ünïcødé \u{2028} ✓",
            "end\\",
            "\\start",
            "\u{0}",
        ] {
            assert_eq!(quote(s), quote_char_by_char(s), "{s:?}");
            let mut out = String::new();
            push_quoted_display(&mut out, &s);
            assert_eq!(out, quote_char_by_char(s), "{s:?}");
        }
        assert_eq!(quote_list(&["a", "b\""]), "[\"a\", \"b\\\"\"]");
        assert_eq!(quote_list::<&str>(&[]), "[]");
    }
}
