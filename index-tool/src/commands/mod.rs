//! One file per command. Each takes its parsed arguments, does the work
//! through the library modules, and prints its result.

pub mod deprecate;
pub mod init;
pub mod key;
pub mod keygen;
pub mod log;
pub mod man;
pub mod mirror;
pub mod publish;
pub mod rotate;
pub mod snapshot;
pub mod timestamp;
pub mod validate;

use anyhow::Result;

use crate::cli::{Cli, Command};

pub fn run(cli: Cli) -> Result<i32> {
    let quiet = cli.quiet;
    match cli.command {
        Command::Init(a) => init::run(a, quiet).map(|_| 0),
        Command::Keygen(a) => keygen::run(a, quiet).map(|_| 0),
        Command::Key(k) => key::run(k, quiet).map(|_| 0),
        Command::Snapshot(a) => snapshot::run(a, quiet).map(|_| 0),
        Command::Timestamp(a) => timestamp::run(a, quiet).map(|_| 0),
        Command::Publish(a) => publish::run(a, quiet).map(|_| 0),
        Command::Yank(a) => deprecate::yank(a, quiet).map(|_| 0),
        Command::Unyank(a) => deprecate::unyank(a, quiet).map(|_| 0),
        Command::Deprecate(a) => deprecate::deprecate(a, quiet).map(|_| 0),
        Command::Validate(a) => validate::run(a, quiet),
        Command::Log(a) => log::run(a).map(|_| 0),
        Command::MirrorArtifacts(a) => mirror::run(a, quiet).map(|_| 0),
        Command::GenerateMan(a) => man::run(&a.dir, quiet).map(|_| 0),
        Command::Completions(a) => {
            use clap::CommandFactory;
            let mut cmd = Cli::command();
            clap_complete::generate(a.shell, &mut cmd, "plugres-index", &mut std::io::stdout());
            Ok(0)
        }
    }
}

/// Prints a status line to stderr unless `--quiet`, cargo style.
/// Commits the trust files a role key just wrote (`changed`), titled
/// `what` (`snapshot 7`) with the signer's id; prints `done` as JSON when
/// asked. Returns the commit id.
pub fn commit_signed(
    checkout: &crate::checkout::Checkout,
    changed: &[String],
    what: &str,
    signer: &plugres_schema::RoleKey,
    json: Option<&impl serde::Serialize>,
) -> anyhow::Result<String> {
    let refs: Vec<&str> = changed.iter().map(String::as_str).collect();
    let commit = checkout.git.commit_paths(
        &refs,
        &format!("{what}\n\nSigned-by: {}", signer.id),
        &crate::git::Author::from_env_or_config(&checkout.git),
    )?;
    if let Some(done) = json {
        let mut v = serde_json::to_value(done)?;
        v["commit"] = commit.clone().into();
        v["signed_by"] = signer.id.as_str().into();
        println!("{}", serde_json::to_string_pretty(&v)?);
    }
    Ok(commit)
}

pub fn status(quiet: bool, verb: &str, msg: impl std::fmt::Display) {
    if !quiet {
        eprintln!("{verb:>12} {msg}");
    }
}

/// `command`, run in the index checkout `index` names: prefixed with
/// `cd DIR && ` when it is not the current directory, so a hint is one
/// command to paste.
pub fn in_index(index: &crate::cli::IndexDir, command: &str) -> String {
    match &index.index {
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

/// The hint after a change of plugin files in an index with the snapshot
/// role: the signed snapshot no longer matches until it is re-signed.
pub fn snapshot_stale_hint(
    quiet: bool,
    config: &plugres_schema::IndexConfig,
    index: &crate::cli::IndexDir,
) {
    if quiet || !config.has_snapshot_role() {
        return;
    }
    eprintln!(
        "note: snapshot.toml is now stale (the index's CI re-signs it after a merge, with the online key)\nnext: {}",
        in_index(index, "plugres-index snapshot && plugres-index timestamp")
    );
}

/// A size for people: `812 B`, `4.2 KB`, `1.3 MB`.
pub fn bytes(n: u64) -> String {
    match n {
        n if n < 1000 => format!("{n} B"),
        n if n < 1_000_000 => format!("{:.1} KB", n as f64 / 1e3),
        n => format!("{:.1} MB", n as f64 / 1e6),
    }
}
