//! `plugres-index generate-man DIR` (hidden): man pages for packagers.
//!
//! One page per command and subcommand, named the way `man` looks them up
//! (`plugres-index.1`, `plugres-index-key-add.1`), generated from the same
//! clap definitions as `--help`, so they cannot disagree with it.

use std::path::Path;

use anyhow::{Context, Result};
use clap::CommandFactory;

use super::args::Cli;
use super::print::{Out, json};

/// What `generate-man` wrote.
#[derive(Debug, serde::Serialize)]
struct ManReport<'a> {
    pages: usize,
    dir: &'a Path,
}

pub fn run(dir: &Path, out: &Out) -> Result<()> {
    let pages = generate(Cli::command(), dir)?;
    if out.json {
        return json(&ManReport { pages, dir });
    }
    out.status("Wrote", format!("{pages} man pages to `{}`", dir.display()));
    Ok(())
}

/// Writes the pages of `cmd` and its visible subcommands into `dir`;
/// returns how many.
pub fn generate(cmd: clap::Command, dir: &Path) -> Result<usize> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create `{}`", dir.display()))?;
    // As `generate_to` does: no pages for clap's `help` subcommands.
    let mut cmd = cmd.disable_help_subcommand(true);
    cmd.build();
    let count = pages(&cmd);
    clap_mangen::generate_to(cmd, dir)
        .with_context(|| format!("cannot write man pages into `{}`", dir.display()))?;
    Ok(count)
}

/// How many pages `clap_mangen::generate_to` writes for the built `cmd`:
/// one, and those of its visible subcommands. Counted from the command,
/// not the folder, which may hold other pages (`plugres`'s).
fn pages(cmd: &clap::Command) -> usize {
    1 + cmd
        .get_subcommands()
        .filter(|s| !s.is_hide_set())
        .map(pages)
        .sum::<usize>()
}

/// Expected page names: the command and every visible subcommand, joined by `-`.
#[cfg(test)]
pub fn page_names(cmd: &clap::Command, prefix: &str, out: &mut Vec<String>) {
    out.push(format!("{prefix}.1"));
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        if sub.get_name() == "help" {
            continue;
        }
        page_names(sub, &format!("{prefix}-{}", sub.get_name()), out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_subcommand_gets_a_non_empty_page() {
        let dir = tempfile::tempdir().unwrap();
        generate(Cli::command(), dir.path()).unwrap();
        let mut names = Vec::new();
        page_names(&Cli::command(), "plugres-index", &mut names);
        assert!(names.len() > 12, "{names:?}");
        assert!(names.contains(&"plugres-index-key-add.1".to_string()));
        assert!(names.contains(&"plugres-index-mirror-artifacts.1".to_string()));
        assert!(!names.iter().any(|n| n.contains("generate-man")));
        for name in &names {
            let page = std::fs::read_to_string(dir.path().join(name))
                .unwrap_or_else(|e| panic!("`{name}` was not written: {e}"));
            assert!(page.contains(".SH NAME"), "{name}: {page}");
            assert!(page.contains(".SH SYNOPSIS"), "{name}");
            assert!(page.len() > 200, "{name} is nearly empty");
        }
        let written = std::fs::read_dir(dir.path()).unwrap().count();
        assert_eq!(written, names.len(), "one page a command, none for `help`");
        let others = tempfile::tempdir().unwrap();
        for other in ["plugres.1", "plugres-add.1", "git.1"] {
            std::fs::write(others.path().join(other), "").unwrap();
        }
        assert_eq!(
            generate(Cli::command(), others.path()).unwrap(),
            written,
            "counts what it wrote, not every page in the folder"
        );
        let top = std::fs::read_to_string(dir.path().join("plugres-index.1")).unwrap();
        assert!(
            top.contains("publish"),
            "the top page lists the subcommands"
        );
    }
}
