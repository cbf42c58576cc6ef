//! `plugres-index validate`: print every problem; exit 1 when there are errors.

use anyhow::Result;

use crate::cli::{Format, ValidateArgs};
use crate::validate::{Options, Report, validate};

pub fn run(a: ValidateArgs, quiet: bool) -> Result<i32> {
    let dir = a.dir.clone().unwrap_or_else(|| ".".into());
    if !dir.join("config.toml").exists() {
        anyhow::bail!(
            "`{}` is not an index checkout: it has no config.toml\nhint: run `plugres-index validate DIR` with the checkout's directory",
            dir.display()
        );
    }
    let opts = Options {
        base: a.base.clone(),
        check_artifacts: a.check_artifacts,
    };
    let report = validate(&dir, &opts)?;
    match a.format {
        Format::Json => println!("{}", serde_json::to_string_pretty(&report)?),
        Format::Github => print_github(&report),
        Format::Human => print_human(&report, quiet, a.base.as_deref()),
    }
    Ok(if report.errors() > 0 { 1 } else { 0 })
}

fn print_human(report: &Report, quiet: bool, base: Option<&str>) {
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
            ", {} artifacts downloaded and compared",
            report.artifacts_checked
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
        "{verdict}: {} files checked {scope}{arts}",
        report.files_checked
    );
}

/// GitHub Actions workflow commands, so problems show on the PR's files.
fn print_github(report: &Report) {
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
        "{} files checked, {} errors",
        report.files_checked,
        report.errors()
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
