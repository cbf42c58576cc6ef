//! Printing reports: for people, cargo style (status lines on stderr that
//! `--quiet` silences, data a command was asked for on stdout), or with
//! `--json` the report itself on stdout and no status lines. Errors go to
//! stderr either way (`error: …`, then its causes).

use plugres_index::mirror::{MAPPING_FILE, Report as MirrorReport};
use plugres_index::ops::{
    EditReport, InitReport, KeyAddReport, KeyList, KeyRemoveReport, KeygenReport, LogReport,
    PublishOutcome, RotateRootReport, SignedReport,
};
use plugres_index::trust::{SnapshotWritten, TimestampWritten};
use plugres_index::validate::Report as ValidateReport;
use serde::Serialize;

use super::args::{Format, IndexDir, InitArgs, RotateRootArgs};

/// How to print: `--quiet`, `--json`.
#[derive(Debug, Clone, Copy)]
pub struct Out {
    pub quiet: bool,
    pub json: bool,
}

impl Out {
    /// A status line on stderr, cargo style (`   Published hello 1.0.0`),
    /// unless `--quiet` or `--json`.
    pub fn status(&self, verb: &str, msg: impl std::fmt::Display) {
        if !self.quiet && !self.json {
            eprintln!("{verb:>12} {msg}");
        }
    }

    /// Lines for people on stderr (hints, next steps), under the same rule.
    fn talk(&self) -> bool {
        !self.quiet && !self.json
    }
}

/// A report as pretty JSON on stdout.
pub fn json(report: &impl Serialize) -> anyhow::Result<()> {
    let text = serde_json::to_string_pretty(report)?;
    plugres_fs::write_stdout(format!("{text}\n").as_bytes());
    Ok(())
}

/// The `-C DIR` the command was given: hints are pasted in the shell's
/// directory, not DIR, so they `cd` there too. Set once, before any
/// printing.
static STARTED_IN: std::sync::OnceLock<std::path::PathBuf> = std::sync::OnceLock::new();

/// Records `-C DIR` for [`in_index`].
pub fn set_started_in(dir: &std::path::Path) {
    let _ = STARTED_IN.set(dir.to_path_buf());
}

/// `command`, run in the index checkout `index` names (below `-C DIR`
/// when given): prefixed with `cd DIR && ` when it is not the current
/// directory, so a hint is one command to paste.
pub fn in_index(index: &IndexDir, command: &str) -> String {
    let dir = match (STARTED_IN.get(), &index.index) {
        (Some(c), Some(i)) => Some(c.join(i)),
        (Some(c), None) => Some(c.clone()),
        (None, i) => i.clone(),
    };
    match &dir {
        Some(dir) if dir != std::path::Path::new(".") => {
            let d = dir.display().to_string();
            let quoted = if d.contains(|c: char| !(c.is_ascii_alphanumeric() || "/._-".contains(c)))
            {
                format!("'{}'", d.replace('\'', "'\\''"))
            } else {
                d
            };
            format!("cd {quoted} && {command}")
        }
        _ => command.to_string(),
    }
}

const SIGN_TRUST_LAYER: &str = "plugres-index snapshot && plugres-index timestamp";

/// The hint after a change of plugin files in an index with the snapshot
/// role: the signed snapshot no longer matches until it is re-signed. On a
/// branch for a pull request that is the index CI's job after the merge
/// (a publisher has no online key); committed straight to the index, it is
/// the maintainer's next step.
fn snapshot_stale_hint(out: &Out, stale: bool, on_branch: bool, index: &IndexDir) {
    if !out.talk() || !stale {
        return;
    }
    if on_branch {
        eprintln!(
            "note: the index's CI signs a new snapshot.toml with the online key once the pull request is merged"
        );
    } else {
        eprintln!(
            "note: snapshot.toml is now stale: clients see this change once it is signed with the online key (an index CI does it after each merge)\nnext: {}",
            in_index(index, SIGN_TRUST_LAYER)
        );
    }
}

/// `next: …` after a change of config.toml in an index with a trust layer.
fn next_sign(out: &Out, stale: bool, index: &IndexDir) {
    if out.talk() && stale {
        eprintln!("next: {}", in_index(index, SIGN_TRUST_LAYER));
    }
}

/// `1 file`, `2 files`.
fn plural(n: impl TryInto<u64>, one: &str) -> String {
    match n.try_into().unwrap_or(u64::MAX) {
        1 => format!("1 {one}"),
        n => format!("{n} {one}s"),
    }
}

/// A size for people: `812 B`, `4.2 KB`, `1.3 MB`.
pub fn bytes(n: u64) -> String {
    match n {
        n if n < 1000 => format!("{n} B"),
        n if n < 1_000_000 => format!("{:.1} KB", n as f64 / 1e3),
        n => format!("{:.1} MB", n as f64 / 1e6),
    }
}

fn short(commit: &str) -> &str {
    &commit[..12.min(commit.len())]
}

pub fn init(out: &Out, a: &InitArgs, r: &InitReport) -> anyhow::Result<()> {
    if out.json {
        return json(r);
    }
    out.status(
        "Created",
        format!("index `{}` in `{}`", r.name, r.dir.display()),
    );
    if !out.quiet {
        if let Some(path) = &r.online_key {
            online_steps(a, path);
        }
        eprintln!(
            "Clients pin this root key (plugres.toml `root-keys`, or `plugres registry add --key`):"
        );
    }
    println!("{}", r.root_public_key);
    Ok(())
}

fn online_steps(a: &InitArgs, key_path: &std::path::Path) {
    eprintln!(
        "This index has a trust layer: snapshot.toml (version 1) and timestamp.toml are signed by the online key `{}`.\n\
Next steps:\n  \
1. store the text of `{}` as the secret `PLUGRES_ONLINE_KEY` of the index repository (then delete the file, or keep it offline)\n  \
2. add the workflows of plugres's .github/examples/: index-snapshot.yml (after each merge: `plugres-index snapshot && plugres-index timestamp`)\n     \
and index-timestamp.yml (daily: `plugres-index timestamp`; a timestamp expires after {})\n  \
3. push the index: {}",
        key_path.display(),
        key_path.display(),
        plugres_schema::time::format_duration(plugres_schema::DEFAULT_TIMESTAMP_EXPIRY),
        in_index(
            &IndexDir {
                index: Some(a.dir.clone())
            },
            "git remote add origin URL && git push -u origin main"
        )
    );
}

pub fn keygen(out: &Out, r: &KeygenReport) -> anyhow::Result<()> {
    if out.json {
        return json(r);
    }
    out.status(
        "Generated",
        format!(
            "`{}` and `{}`",
            r.key_file.display(),
            r.public_file.display()
        ),
    );
    // The public key on stdout, alone, so scripts can capture it.
    println!("{}", r.public_key);
    Ok(())
}

pub fn key_added(out: &Out, index: &IndexDir, r: &KeyAddReport) -> anyhow::Result<()> {
    if out.json {
        return json(r);
    }
    out.status(
        "Added",
        format!("{} (config version {})", r.what(), r.config_version),
    );
    next_sign(out, r.snapshot_stale, index);
    Ok(())
}

pub fn key_removed(out: &Out, index: &IndexDir, r: &KeyRemoveReport) -> anyhow::Result<()> {
    if out.json {
        return json(r);
    }
    out.status(
        "Removed",
        format!(
            "{} key `{}` (config version {}); files it alone signed no longer verify",
            r.role.as_str(),
            r.id,
            r.config_version
        ),
    );
    next_sign(out, r.snapshot_stale, index);
    Ok(())
}

/// One line a key: role, id, public key, and a publisher key's scopes.
pub fn key_list(out: &Out, list: &KeyList) -> anyhow::Result<()> {
    if out.json {
        return json(list);
    }
    let row = |role: &str, id: &str, public: &str, scopes: &str| {
        println!("{role:<10} {id:<20} {public}{scopes}");
    };
    for k in &list.root {
        row("root", &k.id, &k.public, "");
    }
    for k in &list.publisher {
        row(
            "publisher",
            &k.id,
            &k.public,
            &format!("  scopes: {}", k.scopes.join(", ")),
        );
    }
    for k in &list.snapshot {
        row("snapshot", &k.id, &k.public, "");
    }
    for k in &list.timestamp {
        row("timestamp", &k.id, &k.public, "");
    }
    Ok(())
}

pub fn rotated(out: &Out, a: &RotateRootArgs, r: &RotateRootReport) -> anyhow::Result<()> {
    if out.json {
        return json(r);
    }
    out.status(
        "Rotated",
        format!(
            "root key `{}` -> `{}`{}: config version {}, signed by both keys (commit {})",
            r.old_id,
            r.new_id,
            if r.keep_old { " (old key kept)" } else { "" },
            r.config_version,
            short(&r.commit)
        ),
    );
    if !out.quiet {
        ceremony(a, r);
    }
    Ok(())
}

fn ceremony(a: &RotateRootArgs, r: &RotateRootReport) {
    let mut step = 1;
    let mut next = |s: String| {
        eprintln!("  {step}. {s}");
        step += 1;
    };
    eprintln!("Next steps:");
    if r.snapshot_stale {
        next(format!(
            "sign the new config into the snapshot: {}",
            in_index(&a.index, SIGN_TRUST_LAYER)
        ));
    }
    next("push the commit (through the index's usual review)".to_string());
    next(format!(
        "tell the index's users to replace the pinned `root-keys` in plugres.toml (or `plugres registry add --key`) with the new public key:\n       {}\n     Clients that already trust `{}` follow the rotation by themselves; new clients need the new key.",
        r.new_public_key, r.old_id
    ));
    next(format!(
        "keep the old secret key `{}` offline until every user has moved, then destroy it{}",
        a.old_key.display(),
        if r.keep_old {
            " (and remove it: `plugres-index key remove ID --role root`)"
        } else {
            ""
        }
    ));
}

pub fn snapshot(
    out: &Out,
    index: &IndexDir,
    r: &SignedReport<SnapshotWritten>,
) -> anyhow::Result<()> {
    if out.json {
        return json(r);
    }
    let done = &r.written;
    let bins = match (done.bin_digits, done.groups) {
        (0, _) => "no bins".to_string(),
        (d, 0) => format!(
            "{} bins of {d} hex digits, {}",
            done.bins,
            bytes(done.bin_bytes)
        ),
        (d, g) => format!(
            "{} bins of {d} hex digits listed in {g} groups, {}",
            done.bins,
            bytes(done.bin_bytes)
        ),
    };
    out.status(
        "Snapshot",
        format!(
            "version {}: {} of {}, snapshot.toml {}, {bins}, catalog of {} in {} (signed by `{}`, commit {})",
            done.version,
            plural(done.files, "file"),
            plural(done.plugins, "plugin"),
            bytes(done.snapshot_bytes),
            plural(done.catalog_shards, "shard"),
            bytes(done.catalog_bytes),
            r.signed_by,
            short(&r.commit)
        ),
    );
    if out.talk() {
        eprintln!("next: {}", in_index(index, "plugres-index timestamp"));
    }
    Ok(())
}

pub fn timestamp(out: &Out, r: &SignedReport<TimestampWritten>) -> anyhow::Result<()> {
    if out.json {
        return json(r);
    }
    let done = &r.written;
    out.status(
        "Timestamp",
        format!(
            "version {} for snapshot {}, expires {} (in {}; signed by `{}`, commit {})",
            done.version,
            done.snapshot_version,
            done.expires_utc,
            plugres_schema::time::format_duration(r.valid_for.unwrap_or_default()),
            r.signed_by,
            short(&r.commit)
        ),
    );
    Ok(())
}

pub fn published(out: &Out, index: &IndexDir, outcome: &PublishOutcome) -> anyhow::Result<()> {
    let r = match outcome {
        PublishOutcome::Unchanged { name, version } => {
            // Even under `--json`, which prints nothing here (the publish
            // action reads "no output" as "already there").
            if !out.quiet {
                eprintln!("{:>12} {name} {version} is already published", "Unchanged");
            }
            return Ok(());
        }
        PublishOutcome::Predicate {
            name,
            version,
            path,
        } => {
            out.status(
                "Wrote",
                format!(
                    "the attestation predicate of {name} {version} to `{}` (predicate type {}): sign it with the artifacts as subjects, then publish with `--attestation`",
                    path.display(),
                    plugres_schema::attestation::PREDICATE_TYPE
                ),
            );
            return Ok(());
        }
        PublishOutcome::Published(r) => r,
    };
    if out.json {
        return json(r);
    }
    out.status(
        "Published",
        format!("{} {} (commit {})", r.name, r.version, short(&r.commit)),
    );
    if let Some(base) = &r.artifact_base {
        for art in &r.artifacts {
            if !art.url.contains("://") {
                out.status(
                    "Upload",
                    format!("the {} artifact to {base}{}", art.target, art.url),
                );
            }
        }
    }
    push_step(out, r.branch.as_deref());
    snapshot_stale_hint(out, r.snapshot_stale, r.branch.is_some(), index);
    Ok(())
}

/// After a commit on a new branch: how it reaches the index.
fn push_step(out: &Out, branch: Option<&str>) {
    if let Some(branch) = branch.filter(|_| out.talk()) {
        eprintln!("Next: git push origin {branch}   # then open a pull request");
    }
}

/// A yank, unyank or deprecation.
pub fn edited(out: &Out, index: &IndexDir, r: &EditReport) -> anyhow::Result<()> {
    if out.json {
        return json(r);
    }
    match &r.branch {
        Some(branch) => out.status("Committed", format!("{} on branch `{branch}`", r.change)),
        None => out.status("Committed", &r.change),
    }
    push_step(out, r.branch.as_deref());
    snapshot_stale_hint(out, r.snapshot_stale, r.branch.is_some(), index);
    Ok(())
}

/// Every problem, then a verdict (human), workflow commands (github) or
/// the report (json).
pub fn validated(
    out: &Out,
    format: Format,
    base: Option<&str>,
    r: &ValidateReport,
) -> anyhow::Result<()> {
    match format {
        _ if out.json => json(r)?,
        Format::Json => json(r)?,
        Format::Github => validate_github(r),
        Format::Human => validate_human(r, out.quiet, base),
    }
    Ok(())
}

fn validate_human(report: &ValidateReport, quiet: bool, base: Option<&str>) {
    for d in &report.diagnostics {
        eprintln!("{d}");
    }
    if quiet && report.errors() == 0 {
        return;
    }
    let scope = match base {
        Some(b) => format!("changed since `{b}`"),
        None => "in the index".to_string(),
    };
    let arts = if report.artifacts_checked > 0 {
        format!(
            ", {} downloaded and compared",
            plural(report.artifacts_checked, "artifact")
        )
    } else {
        String::new()
    };
    let verdict = match report.errors() {
        0 => "ok".to_string(),
        1 => "1 error".to_string(),
        n => format!("{n} errors"),
    };
    eprintln!(
        "{verdict}: {} checked {scope}{arts}",
        plural(report.files_checked, "file")
    );
}

/// GitHub Actions workflow commands, so problems show on the PR's files.
fn validate_github(report: &ValidateReport) {
    for d in &report.diagnostics {
        let level = match d.severity {
            plugres_schema::Severity::Error => "error",
            plugres_schema::Severity::Warning => "warning",
        };
        let msg = escape_data(&d.message);
        let file = escape_property(&d.file);
        if d.line > 0 {
            println!(
                "::{level} file={file},line={},col={}::{msg}",
                d.line, d.column
            );
        } else {
            println!("::{level} file={file}::{msg}");
        }
    }
    println!(
        "{} checked, {}",
        plural(report.files_checked, "file"),
        plural(report.errors(), "error")
    );
}

fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

/// The audit trail, one commit a line and one change a line below it.
pub fn log(out: &Out, r: &LogReport) -> anyhow::Result<()> {
    if out.json {
        return json(r);
    }
    for e in &r.events {
        let signed = e
            .signed_by
            .as_deref()
            .map_or("signature does not verify".to_string(), |k| {
                format!("signed by `{k}`")
            });
        println!(
            "{}  {}  {} <{}>  {signed}",
            &e.commit[..10.min(e.commit.len())],
            e.time,
            e.author,
            e.email
        );
        for c in &e.changes {
            println!("    {c}");
        }
    }
    Ok(())
}

/// The report (or JSON), warnings for skipped files, then the totals.
pub fn mirrored(out: &Out, dir: &std::path::Path, r: &MirrorReport) -> anyhow::Result<()> {
    if out.json {
        json(r)?;
    }
    for file in &r.skipped_files {
        eprintln!(
            "warning: `{file}` does not verify and was skipped (run `plugres-index validate` on the index)"
        );
    }
    out.status(
        "Mirrored",
        format!(
            "{} into `{}`: {} downloaded ({} bytes), {} already present; mapping in {MAPPING_FILE}",
            plural(r.downloaded + r.present, "artifact"),
            dir.display(),
            r.downloaded,
            r.downloaded_bytes,
            r.present,
        ),
    );
    Ok(())
}

/// Where the site went, and how to look at it.
pub fn site(out: &Out, r: &plugres_index::site::SiteReport) -> anyhow::Result<()> {
    if out.json {
        return json(r);
    }
    out.status(
        "Wrote",
        format!(
            "{} for {} to `{}`",
            plural(r.files, "file"),
            plural(r.plugins, "plugin"),
            r.out.display()
        ),
    );
    if out.talk() {
        eprintln!(
            "open `{}` in a browser, or serve the folder from any static host",
            r.out.join("index.html").display()
        );
    }
    Ok(())
}
