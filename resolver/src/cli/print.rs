//! Printing reports for people (or as JSON), and errors the cargo way:
//! `error: …`, `  caused by: …`, then `hint: …` lines.
//!
//! Data a command was asked for (a tree, a table) goes to stdout; status
//! lines ("Installed …") go to stderr and vanish under `--quiet`; warnings
//! stay. Under `--json` stdout carries exactly one JSON document and
//! nothing else is printed.

use std::fmt::Write as _;

use serde::Serialize;

use plugres::ops::{
    CategoriesReport, Change, ChangeReport, EngineCheckReport, InfoReport, ListReport,
    ListedPlugin, OutdatedReport, RegistryList, SearchReport, TreeNode, TreeReport, VerifyReport,
};

/// Where and how to print.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Out {
    pub(crate) json: bool,
    pub(crate) quiet: bool,
    /// Colour stderr labels.
    pub(crate) color: bool,
}

const RED: &str = "31";
const YELLOW: &str = "33";
const CYAN: &str = "36";
const GREEN: &str = "32";

impl Out {
    fn paint(&self, text: &str, code: &str) -> String {
        if self.color {
            format!("\x1b[1;{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }

    /// A status line on stderr (not under `--quiet` or `--json`).
    pub(crate) fn status(&self, line: &str) {
        if !self.quiet && !self.json {
            eprintln!("{line}");
        }
    }

    pub(crate) fn warn(&self, message: &str) {
        if !self.json {
            eprintln!("{}: {message}", self.paint("warning", YELLOW));
        }
    }

    /// Data on stdout (human form).
    pub(crate) fn data(&self, text: &str) {
        if !self.json {
            plugres_fs::write_stdout(text.as_bytes());
        }
    }

    pub(crate) fn json<T: Serialize>(&self, value: &T) {
        if self.json {
            match serde_json::to_string_pretty(value) {
                Ok(s) => plugres_fs::write_stdout(format!("{s}\n").as_bytes()),
                Err(e) => eprintln!("error: cannot write JSON: {e}"),
            }
        }
    }

    /// Prints an error with its causes and hints.
    pub(crate) fn error(&self, err: &(dyn std::error::Error + 'static), hints: &[String]) {
        self.error_with(err, None, hints);
    }

    /// An error with, under `--verbose`, the full `derivation` of a
    /// resolution conflict after its message (JSON: a `derivation` field).
    pub(crate) fn error_with(
        &self,
        err: &(dyn std::error::Error + 'static),
        derivation: Option<&str>,
        hints: &[String],
    ) {
        let causes = plugres::ops::causes(err);
        if self.json {
            let mut value = serde_json::json!({
                "error": err.to_string(),
                "causes": causes,
                "hints": hints,
            });
            if let Some(derivation) = derivation {
                value["derivation"] = derivation.into();
            }
            let text = serde_json::to_string_pretty(&value).unwrap_or_default();
            plugres_fs::write_stdout(format!("{text}\n").as_bytes());
            return;
        }
        eprintln!("{}: {err}", self.paint("error", RED));
        for c in &causes {
            eprintln!("  caused by: {c}");
        }
        if let Some(derivation) = derivation {
            eprintln!("\nEvery step of the derivation:\n{derivation}\n");
        }
        for h in hints {
            eprintln!("{}: {h}", self.paint("hint", CYAN));
        }
    }

    fn ok(&self, text: &str) -> String {
        self.paint(text, GREEN)
    }
}

fn plural(n: usize, one: &str) -> String {
    if n == 1 {
        format!("{n} {one}")
    } else {
        format!("{n} {one}s")
    }
}

fn change_line(c: &Change) -> String {
    match (&c.from, &c.to) {
        (None, Some(to)) => format!("+ {} {to}", c.name),
        (Some(from), None) => format!("- {} {from}", c.name),
        (Some(from), Some(to)) => format!("~ {} {from} -> {to}", c.name),
        (None, None) => format!("  {}", c.name),
    }
}

/// `add`, `remove`, `lock`, `update`, `install`.
pub(crate) fn changes(out: &Out, r: &ChangeReport) {
    out.json(r);
    for w in &r.warnings {
        out.warn(w);
    }
    if r.lock_written {
        out.status(&format!(
            "{} {}",
            out.ok("Locked"),
            plural(r.locked, "plugin")
        ));
    }
    for c in &r.changes {
        out.status(&change_line(c));
    }
    for g in &r.granted {
        out.status(&format!(
            "{} {} to {} {}",
            out.ok("Granted"),
            g.permissions.join(", "),
            g.name,
            g.version
        ));
    }
    for i in &r.installed {
        out.status(&format!("{} {} {}", out.ok("Installed"), i.name, i.version));
    }
    for u in &r.uninstalled {
        out.status(&format!("{} {u}", out.ok("Uninstalled")));
    }
    for n in &r.notes {
        out.status(&format!("note: {n}"));
    }
    for u in &r.unmanaged {
        out.status(&format!(
            "note: `{u}` in the install dir was not installed by plugres; left alone"
        ));
    }
    if r.dry_run {
        out.status(&format!(
            "note: dry run: {} would be locked; plugres.lock was not written and nothing was installed",
            plural(r.locked, "plugin")
        ));
        return;
    }
    if !r.lock_written && r.changes.is_empty() && r.installed.is_empty() && r.uninstalled.is_empty()
    {
        out.status(&format!(
            "{} ({} locked)",
            out.ok("Up to date"),
            plural(r.locked, "plugin")
        ));
    }
}

/// `tree`.
pub(crate) fn tree(out: &Out, r: &TreeReport) {
    out.json(r);
    out.data(&tree_text(r));
}

fn tree_text(r: &TreeReport) -> String {
    let mut s = String::new();
    for root in &r.roots {
        node(&mut s, root, "", None, r.inverted);
    }
    if r.roots.is_empty() {
        s.push_str("(no plugins)\n");
    }
    s
}

fn node(s: &mut String, n: &TreeNode, prefix: &str, last: Option<bool>, inverted: bool) {
    let branch = match last {
        None => "",
        Some(true) => "└── ",
        Some(false) => "├── ",
    };
    let mut tags = Vec::new();
    let local = n.path.as_ref().map(|p| format!("path {p}"));
    if let Some(l) = &local {
        tags.push(l.as_str());
    }
    if n.disabled {
        tags.push("disabled");
    }
    if inverted && n.direct {
        tags.push("plugres.toml");
    }
    if n.cycle {
        tags.push("cycle");
    }
    let tags = if tags.is_empty() {
        String::new()
    } else {
        format!(" ({})", tags.join(", "))
    };
    let _ = writeln!(s, "{prefix}{branch}{} {}{tags}", n.name, n.version);
    let child_prefix = match last {
        None => prefix.to_string(),
        Some(true) => format!("{prefix}    "),
        Some(false) => format!("{prefix}│   "),
    };
    for (i, c) in n.children.iter().enumerate() {
        node(
            s,
            c,
            &child_prefix,
            Some(i + 1 == n.children.len()),
            inverted,
        );
    }
}

/// Left-aligned columns.
fn table(rows: &[Vec<String>]) -> String {
    let cols = rows.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..cols)
        .map(|c| {
            rows.iter()
                .filter_map(|r| r.get(c))
                .map(|x| x.chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut s = String::new();
    for r in rows {
        let mut line = String::new();
        for (i, cell) in r.iter().enumerate() {
            if i + 1 == r.len() {
                line.push_str(cell);
            } else {
                let _ = write!(line, "{cell:<w$}  ", w = widths[i]);
            }
        }
        s.push_str(line.trim_end());
        s.push('\n');
    }
    s
}

/// `outdated`.
pub(crate) fn outdated(out: &Out, r: &OutdatedReport) {
    out.json(r);
    out.data(&outdated_text(r));
}

fn outdated_text(r: &OutdatedReport) -> String {
    let rows: Vec<&plugres::ops::OutdatedPlugin> = r
        .plugins
        .iter()
        .filter(|p| p.outdated || p.yanked || !p.held_back.is_empty())
        .collect();
    let mut local = String::new();
    for p in r.plugins.iter().filter(|p| p.path.is_some()) {
        let path = p.path.as_deref().unwrap_or_default();
        let _ = writeln!(
            local,
            "note: {} {} is a local build (path {path}): not compared with a registry",
            p.name, p.current
        );
    }
    if rows.is_empty() {
        let registry = r.plugins.iter().filter(|p| p.path.is_none()).count();
        let what = match local.is_empty() {
            true => "plugin",
            false => "registry plugin",
        };
        let all = match registry {
            1 => format!("The 1 {what} is at its newest version"),
            n => format!("All {n} {what}s are at their newest versions"),
        };
        return format!("{all} ({} {}).\n{local}", r.engine_name, r.engine);
    }
    let dash = |v: &Option<String>| v.clone().unwrap_or_else(|| "-".into());
    let mut t = vec![vec![
        "Plugin".to_string(),
        "Current".into(),
        format!("Compatible ({} {})", r.engine_name, r.engine),
        "Latest".into(),
        "Held back by".into(),
    ]];
    for p in &rows {
        let current = match p.yanked {
            true => format!("{} (yanked)", p.current),
            false => p.current.clone(),
        };
        t.push(vec![
            p.name.clone(),
            current,
            dash(&p.compatible),
            dash(&p.latest),
            p.held_back.join("; "),
        ]);
    }
    let mut s = table(&t);
    for p in rows.iter().filter(|p| p.yanked) {
        let reason = p
            .yank_reason
            .as_deref()
            .map_or_else(String::new, |r| format!(": {r}"));
        let fix = p.fix.as_deref().unwrap_or_default();
        let _ = writeln!(s, "\n{} {} is yanked{reason}; {fix}", p.name, p.current);
    }
    if !local.is_empty() {
        s.push('\n');
        s.push_str(&local);
    }
    s
}

/// `list` / `status`: a table, then the problems with their fixes.
pub(crate) fn list(out: &Out, r: &ListReport) {
    out.json(r);
    out.data(&list_text(r));
}

fn list_text(r: &ListReport) -> String {
    if r.plugins.is_empty() {
        return "No plugins are locked.\n".to_string();
    }
    let mut t = vec![
        [
            "Plugin",
            "Version",
            "Registry",
            "State",
            "Files",
            "Index",
            "Update",
            "Depends on",
            "Needed by",
        ]
        .map(String::from)
        .to_vec(),
    ];
    for p in &r.plugins {
        let list = |v: &[String]| match v {
            [] => "-".to_string(),
            v => v.join(", "),
        };
        let (index, update) = index_cells(p);
        t.push(vec![
            p.name.clone(),
            p.version.clone(),
            p.registry.clone(),
            if p.enabled { "enabled" } else { "disabled" }.into(),
            if p.intact { "ok" } else { "CHANGED" }.into(),
            index,
            update,
            list(&p.depends_on),
            list(&p.needed_by),
        ]);
    }
    let mut s = table(&t);
    if !r.index_checked {
        s.push_str("\nnote: --offline: yanks, deprecations and newer versions were not checked\n");
    }
    if r.problems.is_empty() {
        let _ = writeln!(
            s,
            "\nNo problems: every file matches plugres.lock{}.",
            if r.index_checked {
                ", nothing is yanked or deprecated"
            } else {
                ""
            }
        );
        return s;
    }
    let _ = writeln!(s, "\n{}:", plural(r.problems.len(), "problem"));
    for p in &r.problems {
        let _ = writeln!(s, "  {}", p.message);
        if let Some(fix) = &p.fix {
            let _ = writeln!(s, "    fix: {fix}");
        }
    }
    s
}

/// The Index and Update cells of a `list` row.
fn index_cells(p: &ListedPlugin) -> (String, String) {
    if p.path.is_some() {
        return ("local".into(), "-".into());
    }
    let Some(state) = &p.index else {
        return ("not checked".into(), "?".into());
    };
    let mut marks = Vec::new();
    if state.yanked {
        marks.push("yanked");
    }
    if state.deprecated.is_some() {
        marks.push("deprecated");
    }
    let index = match marks.as_slice() {
        [] => "ok".to_string(),
        m => m.join(", "),
    };
    let update = match (&state.newer_compatible, state.update_allowed) {
        (None, _) => "-".to_string(),
        (Some(v), true) => v.clone(),
        (Some(v), false) => format!("{v} (held back)"),
    };
    (index, update)
}

/// `info`.
/// `plugres config NAME`: one line per setting.
pub(crate) fn config(out: &Out, r: &plugres::ops::ConfigReport) {
    out.json(r);
    for key in &r.changed {
        out.status(&format!("Configured {} `{key}` in plugres.toml", r.plugin));
    }
    if r.settings.is_empty() {
        out.data(&format!(
            "{} {} declares no settings.\n",
            r.plugin, r.version
        ));
        return;
    }
    let mut t = vec![vec![
        "Setting".to_string(),
        "Type".into(),
        "Value".into(),
        "Default".into(),
        "Accepts".into(),
        "Description".into(),
    ]];
    let show = |v: &Option<plugres_schema::SettingValue>| {
        v.as_ref().map_or("-".to_string(), |v| v.to_toml())
    };
    for s in &r.settings {
        let value = match (&s.value, &s.secret_var) {
            (_, Some(var)) => format!("secret: ${var}"),
            (Some(v), None) => v.to_toml(),
            (None, None) if s.default.is_some() => "(default)".into(),
            (None, None) => "(not set: required)".into(),
        };
        let mut accepts: Vec<String> = s.allowed.iter().map(|v| v.to_toml()).collect();
        if s.min.is_some() || s.max.is_some() {
            accepts.push(format!("{}..={}", show(&s.min), show(&s.max)));
        }
        t.push(vec![
            s.name.clone(),
            s.kind.to_string(),
            value,
            show(&s.default),
            if accepts.is_empty() {
                "-".into()
            } else {
                accepts.join(", ")
            },
            s.description.clone().unwrap_or_default(),
        ]);
    }
    out.data(&format!("{} {}\n{}", r.plugin, r.version, table(&t)));
}

pub(crate) fn info(out: &Out, r: &InfoReport) {
    out.json(r);
    let mut s = format!("{} — {}\n", r.name, r.description);
    let mut facts = vec![format!("registry: {}", r.registry)];
    if let Some(l) = &r.license {
        facts.push(format!("license: {l}"));
    }
    if let Some(repo) = &r.repository {
        facts.push(format!("repository: {repo}"));
    }
    let _ = writeln!(s, "{}", facts.join("   "));
    if let Some(home) = &r.homepage {
        let _ = writeln!(s, "homepage: {home}");
    }
    if let Some(support) = &r.support {
        let _ = writeln!(s, "support: {support}");
    }
    if !r.authors.is_empty() {
        let _ = writeln!(s, "authors: {}", r.authors.join(", "));
    }
    if !r.keywords.is_empty() {
        let _ = writeln!(s, "keywords: {}", r.keywords.join(", "));
    }
    if !r.categories.is_empty() {
        let _ = writeln!(s, "categories: {}", r.categories.join(", "));
    }
    if let Some(d) = &r.deprecated {
        let _ = writeln!(s, "DEPRECATED: {d}");
    }
    if let Some(l) = &r.locked {
        let _ = writeln!(s, "locked: {l}");
    }
    if let Some(b) = &r.released_by {
        let _ = writeln!(
            s,
            "released by: {} at {} (commit {}), {} {}, signed {} (trusted publisher `{}`, verified)",
            b.repository,
            b.git_ref,
            b.commit.get(..12).unwrap_or(&b.commit),
            r.name,
            b.version,
            b.signed_at,
            b.publisher
        );
    }
    if !r.channels.is_empty() {
        let list: Vec<String> = r
            .channels
            .iter()
            .map(|(c, v)| format!("{c} → {v}"))
            .collect();
        let _ = writeln!(
            s,
            "channels: {}   (follow one: plugres add {}@CHANNEL)",
            list.join(", "),
            r.name
        );
    }
    let _ = writeln!(s);
    let mut t = vec![vec![
        "Version".to_string(),
        "Published".into(),
        format!("{} (project: {})", r.engine_name, r.project_engine),
        "Permissions".into(),
        "Targets".into(),
        "Notes".into(),
    ]];
    for v in &r.versions {
        let mut notes = Vec::new();
        if r.locked.as_deref() == Some(v.version.as_str()) {
            notes.push("locked".to_string());
        }
        let tags: Vec<&str> = r
            .channels
            .iter()
            .filter(|(_, at)| **at == v.version)
            .map(|(c, _)| c.as_str())
            .collect();
        if !tags.is_empty() {
            notes.push(format!("channel {}", tags.join(", ")));
        }
        if !v.runs_on_project_engine {
            notes.push("does not run on this engine".into());
        }
        if v.yanked {
            notes.push(match &v.yank_reason {
                Some(reason) => format!("yanked: {reason}"),
                None => "yanked".into(),
            });
        }
        if v.attested {
            notes.push("attested".into());
        }
        if v.unattested {
            notes.push(
                "not attested: not used (the index's publish policy wants an attestation)".into(),
            );
        }
        if !v.dependencies.is_empty() {
            let deps: Vec<String> = v
                .dependencies
                .iter()
                .map(|(n, r)| format!("{n} {r}"))
                .collect();
            notes.push(format!("needs {}", deps.join(", ")));
        }
        let perms = if v.permissions.is_empty() {
            "-".to_string()
        } else {
            v.permissions.join(", ")
        };
        t.push(vec![
            v.version.clone(),
            publish_day(&v.published).to_string(),
            v.engine.clone(),
            perms,
            v.targets.join(", "),
            notes.join("; "),
        ]);
    }
    s.push_str(&table(&t));
    // The settings of the version a project would use: the locked one,
    // else the newest that runs here.
    let shown = r
        .versions
        .iter()
        .find(|v| r.locked.as_deref() == Some(v.version.as_str()))
        .or_else(|| {
            r.versions
                .iter()
                .find(|v| v.runs_on_project_engine && !v.yanked)
        });
    if let Some(v) = shown.filter(|v| !v.settings.is_empty()) {
        let _ = writeln!(
            s,
            "\nSettings of {} (set with `plugres config {} KEY=VALUE`):",
            v.version, r.name
        );
        for (name, d) in &v.settings {
            let default = match (&d.default, d.secret) {
                (_, true) => "secret".to_string(),
                (Some(x), false) => format!("default {x}"),
                (None, false) => "required".to_string(),
            };
            let about = d
                .description
                .as_deref()
                .map_or_else(String::new, |x| format!(": {x}"));
            let _ = writeln!(s, "  {name} ({}, {default}){about}", d.kind);
        }
    }
    out.data(&s);
}

/// The day of an RFC 3339 `published` time, as registries' version lists
/// show it (`2026-03-01T12:00:00Z` → `2026-03-01`); anything else as written.
fn publish_day(published: &str) -> &str {
    match published.split_once('T') {
        Some((day, _)) if day.len() == 10 => day,
        _ => published,
    }
}

/// `search`.
pub(crate) fn search(out: &Out, r: &SearchReport) {
    out.json(r);
    if r.results.is_empty() {
        out.data(&format!("No plugins match `{}`.\n", r.query));
        return;
    }
    let several = r
        .results
        .iter()
        .any(|h| h.registry != r.results[0].registry);
    let rows: Vec<Vec<String>> = r
        .results
        .iter()
        .map(|h| {
            let mut desc = h.plugin.description.clone();
            if h.plugin.deprecated.is_some() {
                desc.push_str(" (deprecated)");
            }
            let mut row = vec![
                h.plugin.name.to_string(),
                h.latest.clone().unwrap_or_else(|| "-".into()),
            ];
            if several {
                row.push(h.registry.clone());
            }
            row.push(desc);
            row
        })
        .collect();
    out.data(&table(&rows));
    if r.total > r.results.len() {
        out.status(&format!(
            "{} of {} matching plugins shown (--limit)",
            r.results.len(),
            r.total
        ));
    }
}

/// `categories`.
pub(crate) fn categories(out: &Out, r: &CategoriesReport) {
    out.json(r);
    if r.categories.is_empty() {
        out.data("No plugin names a category.\n");
        return;
    }
    let rows: Vec<Vec<String>> = r
        .categories
        .iter()
        .map(|c| vec![c.name.clone(), plural(c.plugins, "plugin")])
        .collect();
    out.data(&table(&rows));
}

/// `verify`; returns whether everything matched.
pub(crate) fn verify(out: &Out, r: &VerifyReport) -> bool {
    out.json(r);
    if r.ok {
        out.status(&format!(
            "{} {}: every file matches plugres.lock",
            out.ok("Verified"),
            plural(r.checked, "plugin")
        ));
    } else {
        let mut s = String::new();
        for p in &r.problems {
            let _ = writeln!(s, "{}: {}", p.name, p.problem);
        }
        out.data(&s);
    }
    r.ok
}

/// `engine-check`; returns whether the move is possible.
pub(crate) fn engine_check(out: &Out, r: &EngineCheckReport) -> bool {
    out.json(r);
    out.data(&engine_check_text(r));
    r.possible
}

fn engine_check_text(r: &EngineCheckReport) -> String {
    let mut s = String::new();
    let verdict = if r.possible { "possible" } else { "blocked" };
    let _ = writeln!(s, "{} {} -> {}: {verdict}", r.engine_name, r.from, r.to);
    if r.possible {
        if r.changes.is_empty() {
            let _ = writeln!(s, "plugres.lock would stay as it is.");
        } else {
            let _ = writeln!(s, "plugres.lock would change:");
            for c in &r.changes {
                let _ = writeln!(s, "  {}", change_line(c));
            }
        }
    } else {
        if !r.blockers.is_empty() {
            let _ = writeln!(s, "blocked by:");
            for b in &r.blockers {
                let _ = writeln!(s, "  {}: {}", b.name, b.reason);
                if let Some(fix) = &b.fix {
                    let _ = writeln!(s, "    fix: {fix}");
                }
            }
        }
        if let Some(e) = &r.explanation {
            let _ = writeln!(s, "resolution on {} {}:", r.engine_name, r.to);
            for line in e.lines() {
                let _ = writeln!(s, "  {line}");
            }
        }
        for h in &r.hints {
            let _ = writeln!(s, "hint: {h}");
        }
    }
    s
}

/// `registry list` and `init`.
pub(crate) fn registries(out: &Out, r: &RegistryList) {
    out.json(r);
    if r.registries.is_empty() {
        out.data(&format!("No registries in {}.\n", r.manifest));
        return;
    }
    let rows: Vec<Vec<String>> = r
        .registries
        .iter()
        .map(|x| vec![x.name.clone(), x.index.clone(), x.root_keys.join(", ")])
        .collect();
    out.data(&table(&rows));
}

#[cfg(test)]
mod tests {
    use super::*;
    use plugres::ops::{Blocker, TreeNode};

    fn node(name: &str, version: &str, children: Vec<TreeNode>) -> TreeNode {
        TreeNode {
            name: name.into(),
            version: version.into(),
            req: None,
            direct: false,
            disabled: false,
            path: None,
            cycle: false,
            children,
        }
    }

    #[test]
    fn tree_draws_branches() {
        let mut core = node("greeter-core", "0.3.1", vec![]);
        core.disabled = true;
        let hello = node("hello-world", "1.2.0", vec![core.clone()]);
        let audit = node(
            "acme-audit",
            "2.0.0",
            vec![hello, node("pretty-theme", "1.0.0", vec![])],
        );
        let r = TreeReport {
            inverted: false,
            roots: vec![audit, core],
        };
        insta::assert_snapshot!(tree_text(&r));
    }

    #[test]
    fn list_marks_what_was_not_checked_and_held_back_updates() {
        let plugin = |name: &str, index: Option<plugres::ops::IndexState>| ListedPlugin {
            name: name.into(),
            version: "1.0.0".into(),
            registry: "sample".into(),
            path: None,
            direct: true,
            enabled: name != "b",
            intact: true,
            integrity_problems: vec![],
            index,
            depends_on: vec!["c ^1".into(), "d ^2".into()],
            needed_by: vec![],
        };
        let held = plugres::ops::IndexState {
            yanked: false,
            yank_reason: None,
            yanked_since_lock: false,
            deprecated: Some("use e".into()),
            newer_compatible: Some("1.1.0".into()),
            update_allowed: false,
        };
        let r = ListReport {
            index_checked: true,
            plugins: vec![plugin("a", Some(held)), plugin("b", None)],
            problems: vec![plugres::ops::ListProblem {
                name: "a".into(),
                kind: "deprecated",
                message: "a is deprecated: use e; remove it once you have a replacement".into(),
                fix: Some("plugres remove a".into()),
            }],
        };
        insta::assert_snapshot!(list_text(&r));
        let offline = ListReport {
            index_checked: false,
            plugins: vec![plugin("b", None)],
            problems: vec![],
        };
        insta::assert_snapshot!(list_text(&offline));
    }

    #[test]
    fn engine_check_names_blockers_and_fixes() {
        let r = EngineCheckReport {
            engine_name: "demo-engine".into(),
            from: "1.4.2".into(),
            to: "2.0.0".into(),
            possible: false,
            changes: vec![],
            blockers: vec![Blocker {
                name: "hello-world".into(),
                locked: Some("1.2.0".into()),
                engine: Some(">=1.4, <2".into()),
                reason: "hello-world 1.2.0 needs demo-engine >=1.4, <2; hello-world 2.0.0 runs on demo-engine 2.0.0, but plugres.toml requires hello-world ^1.2.0".into(),
                fix: Some("plugres add hello-world@^2.0.0".into()),
            }],
            explanation: Some("hello-world 1.2.0 needs demo-engine ^1.4, but this project runs demo-engine 2.0.0.".into()),
            hints: vec![],
        };
        insta::assert_snapshot!(engine_check_text(&r));
    }
}
