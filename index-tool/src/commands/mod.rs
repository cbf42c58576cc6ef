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
pub mod validate;

use anyhow::Result;

use crate::cli::{Cli, Command};

pub fn run(cli: Cli) -> Result<i32> {
    let quiet = cli.quiet;
    match cli.command {
        Command::Init(a) => init::run(a, quiet).map(|_| 0),
        Command::Keygen(a) => keygen::run(a, quiet).map(|_| 0),
        Command::Key(k) => key::run(k, quiet).map(|_| 0),
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
pub fn status(quiet: bool, verb: &str, msg: impl std::fmt::Display) {
    if !quiet {
        eprintln!("{verb:>12} {msg}");
    }
}
