//! The `plugres-index` command line: parse arguments (`args`), resolve them
//! with the environment into a request (`requests`, `keys`), run one
//! operation of [`plugres_index::ops`], print its report (`print`). Exit
//! codes: 0 success, 1 failure (including `validate` finding errors),
//! 2 usage errors.

mod args;
mod keys;
mod man;
mod print;
mod requests;

use anyhow::{Context, Result, bail};
use clap::{CommandFactory, Parser};
use plugres_index::ops;

use args::{Cli, Command, KeyCommand};
use keys::Terminal;
use print::Out;

/// Runs the command line of this process and exits.
pub fn main() -> ! {
    let cli = Cli::parse();
    let code = match run(cli) {
        Ok(code) => code,
        Err(e) => {
            print_error(&e);
            1
        }
    };
    std::process::exit(code);
}

fn run(cli: Cli) -> Result<i32> {
    if let Some(dir) = &cli.directory {
        if !dir.is_dir() {
            bail!(
                "`{}` is not a directory (no such directory, or not one); check the path given with `-C`",
                dir.display()
            );
        }
        std::env::set_current_dir(dir)
            .with_context(|| format!("cannot change to `{}` (given with `-C`)", dir.display()))?;
        print::set_started_in(dir);
    }
    let out = Out {
        quiet: cli.quiet,
        json: cli.json,
    };
    let ui = Terminal { out };
    match cli.command {
        Command::Init(a) => print::init(&out, &a, &ops::init(&a.request(), &ui)?)?,
        Command::Keygen(a) => print::keygen(&out, &ops::keygen(&a.request(), &ui)?)?,
        Command::Key(KeyCommand::Add(a)) => {
            print::key_added(&out, &a.index, &ops::key_add(&a.request(), &ui)?)?
        }
        Command::Key(KeyCommand::Remove(a)) => {
            print::key_removed(&out, &a.index, &ops::key_remove(&a.request(), &ui)?)?
        }
        Command::Key(KeyCommand::List(a)) => {
            print::key_list(&out, &ops::key_list(&a.index.path())?)?
        }
        Command::Key(KeyCommand::RotateRoot(a)) => {
            print::rotated(&out, &a, &ops::rotate_root(&a.request(), &ui)?)?
        }
        Command::Snapshot(a) => {
            print::snapshot(&out, &a.index, &ops::snapshot(&a.request(), &ui)?)?
        }
        Command::Timestamp(a) => print::timestamp(&out, &ops::timestamp(&a.request(), &ui)?)?,
        Command::Publish(a) => print::published(&out, &a.index, &ops::publish(&a.request(), &ui)?)?,
        Command::Yank(a) => print::edited(&out, &a.index, &ops::yank(&a.request(), &ui)?)?,
        Command::Unyank(a) => print::edited(&out, &a.index, &ops::unyank(&a.request(), &ui)?)?,
        Command::Tag(a) => print::edited(&out, &a.index, &ops::tag(&a.request(), &ui)?)?,
        Command::Deprecate(a) => {
            print::edited(&out, &a.index, &ops::deprecate(&a.request(), &ui)?)?
        }
        Command::Validate(a) => {
            let report = ops::validate(&a.request())?;
            print::validated(&out, a.format, a.base.as_deref(), &report)?;
            return Ok(if report.errors() > 0 { 1 } else { 0 });
        }
        Command::Log(a) => print::log(&out, &ops::log(&a.index.path(), &a.name)?)?,
        Command::Site(a) => {
            print::site(&out, &plugres_index::site::build(&a.index.path(), &a.out)?)?
        }
        Command::MirrorArtifacts(a) => {
            let report = ops::mirror(&a.request())?;
            print::mirrored(&out, &a.out, &report)?;
            if !report.failed.is_empty() {
                bail!(
                    "{} artifacts could not be mirrored:\n{}\nhint: run the same command again to retry; files already mirrored are kept",
                    report.failed.len(),
                    report.failed.join("\n")
                );
            }
        }
        Command::GenerateMan(a) => man::run(&a.dir, &out)?,
        Command::Completions(a) => {
            let mut cmd = Cli::command();
            let mut script = Vec::new();
            clap_complete::generate(a.shell, &mut cmd, "plugres-index", &mut script);
            plugres_fs::write_stdout(&script);
        }
    }
    Ok(0)
}

/// cargo-style: `error: …`, the causes, then any `hint:` lines.
fn print_error(e: &anyhow::Error) {
    let color = std::env::var_os("NO_COLOR").is_none()
        && std::io::IsTerminal::is_terminal(&std::io::stderr());
    let (red, bold, reset) = if color {
        ("\x1b[1;31m", "\x1b[1m", "\x1b[0m")
    } else {
        ("", "", "")
    };
    let text = e.to_string();
    let mut lines = text.lines();
    eprintln!(
        "{red}error{reset}{bold}:{reset} {}",
        lines.next().unwrap_or("")
    );
    for l in lines {
        eprintln!("{l}");
    }
    for cause in e.chain().skip(1) {
        eprintln!("  caused by: {cause}");
    }
}
