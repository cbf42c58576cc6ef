//! `plugres add -hello` must not print help and exit 0.
//!
//! clap reads `-hello` as the short flags `-h -e -l -l -o` and acts on
//! `-h` before it finds that `-e` does not exist. A cluster that holds a
//! flag that stops the run (`-h`, `-V`) and a letter that is no flag at
//! all is a mistyped argument (often a plugin name with a stray `-`), so
//! it is refused as a usage error before clap runs.

use std::ffi::OsString;

use clap::Command;
use clap::error::{Error, ErrorKind};

/// The first argument of `args` (without the program name) that is such
/// a cluster, as a usage error of `cmd`.
pub(crate) fn check(cmd: &mut Command, args: &[OsString]) -> Result<(), Error> {
    let mut current: Vec<String> = Vec::new();
    let mut skip_value = false;
    for arg in args {
        let Some(arg) = arg.to_str() else { continue };
        if std::mem::take(&mut skip_value) {
            continue;
        }
        if arg == "--" {
            break;
        }
        if let Some(long) = arg.strip_prefix("--") {
            skip_value = !long.contains('=') && long_takes_value(cmd, &current, long);
            continue;
        }
        if let Some(cluster) = arg.strip_prefix('-').filter(|c| !c.is_empty()) {
            match scan(cmd, &current, cluster) {
                Cluster::Fine { value_next } => skip_value = value_next,
                Cluster::Mistyped(letter) => {
                    let message = format!(
                        "unexpected argument '{arg}' found ('-{letter}' is no flag)\n\n  tip: plugin names never start with '-'; to pass a value that does, put '--' before it"
                    );
                    return Err(sub(cmd, &current).error(ErrorKind::UnknownArgument, message));
                }
            }
            continue;
        }
        if sub(cmd, &current).find_subcommand(arg).is_some() {
            current.push(arg.to_string());
        }
    }
    Ok(())
}

enum Cluster {
    /// Every letter is a flag (the last may take the next argument).
    Fine { value_next: bool },
    /// Holds `-h`/`-V` and this letter, which is no flag.
    Mistyped(char),
}

fn scan(cmd: &mut Command, path: &[String], cluster: &str) -> Cluster {
    let mut stops = false;
    for (i, c) in cluster.char_indices() {
        if c == 'h' || c == 'V' {
            stops = true;
            continue;
        }
        match short_takes_value(cmd, path, c) {
            // The rest of the cluster is the value: `-Cdir`.
            Some(true) => {
                return Cluster::Fine {
                    value_next: i + c.len_utf8() == cluster.len(),
                };
            }
            Some(false) => {}
            None if stops || cluster.contains(['h', 'V']) => return Cluster::Mistyped(c),
            None => return Cluster::Fine { value_next: false },
        }
    }
    Cluster::Fine { value_next: false }
}

/// The (sub)command at `path` below `cmd`.
fn sub<'a>(cmd: &'a mut Command, path: &[String]) -> &'a mut Command {
    let mut at = cmd;
    for name in path {
        at = at
            .find_subcommand_mut(name)
            .expect("path holds subcommands found before");
    }
    at
}

/// Whether short flag `c` exists at `path` (or above: global flags), and
/// takes a value.
fn short_takes_value(cmd: &mut Command, path: &[String], c: char) -> Option<bool> {
    find(cmd, path, |a| a.get_short() == Some(c))
}

fn long_takes_value(cmd: &mut Command, path: &[String], long: &str) -> bool {
    find(cmd, path, |a| a.get_long() == Some(long)).unwrap_or(false)
}

fn find(cmd: &mut Command, path: &[String], hit: impl Fn(&clap::Arg) -> bool) -> Option<bool> {
    for depth in (0..=path.len()).rev() {
        let at = sub(cmd, &path[..depth]);
        if let Some(a) = at.get_arguments().find(|a| hit(a)) {
            return Some(a.get_action().takes_values());
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::*;
    use crate::cli::args::Cli;

    fn checked(line: &str) -> Result<(), String> {
        let mut cmd = Cli::command();
        cmd.build();
        let args: Vec<OsString> = line.split_whitespace().map(OsString::from).collect();
        check(&mut cmd, &args).map_err(|e| e.to_string())
    }

    #[test]
    fn a_name_with_a_stray_dash_is_a_usage_error_not_help() {
        let err = checked("add -hello").unwrap_err();
        assert!(err.contains("unexpected argument '-hello'"), "{err}");
        assert!(err.contains("'--'"), "{err}");
        assert!(checked("-C -hello add x").is_ok(), "a value of -C");
        assert!(
            checked("add --registry -hello x").is_ok(),
            "a value of --registry"
        );
        assert!(checked("add x -- -hello").is_ok(), "after --");
    }

    #[test]
    fn real_flags_and_clusters_pass() {
        for line in [
            "add -h",
            "-h",
            "-V",
            "add -qy hello",
            "-Cdir add x",
            "add -q -y x",
            "add -hq",
        ] {
            assert!(checked(line).is_ok(), "{line}");
        }
    }
}
