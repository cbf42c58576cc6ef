//! `plugres generate-man DIR` (hidden): man pages for packagers, one per
//! command and subcommand (`plugres.1`, `plugres-registry-add.1`), made from
//! the same clap definitions as `--help`.

use std::path::Path;

use plugres::ops::OpsError;

/// Writes the pages of `cmd` and its visible subcommands into `dir`;
/// returns how many it wrote (not how many the folder holds: packagers
/// write `plugres-index`'s pages into the same folder).
pub(crate) fn generate(cmd: clap::Command, dir: &Path) -> Result<usize, OpsError> {
    let failed = |e: std::io::Error| {
        OpsError::failed(
            format!("cannot write man pages into `{}`: {e}", dir.display()),
            &["check that the folder is writable"],
        )
    };
    std::fs::create_dir_all(dir).map_err(failed)?;
    // As `generate_to` does: no pages for clap's `help` subcommands.
    let mut cmd = cmd.disable_help_subcommand(true);
    cmd.build();
    let count = pages(&cmd);
    clap_mangen::generate_to(cmd, dir).map_err(failed)?;
    Ok(count)
}

/// How many pages `clap_mangen::generate_to` writes for the built `cmd`.
fn pages(cmd: &clap::Command) -> usize {
    1 + cmd
        .get_subcommands()
        .filter(|s| !s.is_hide_set())
        .map(pages)
        .sum::<usize>()
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::*;
    use crate::cli::args::Cli;

    fn page_names(cmd: &clap::Command, prefix: &str, out: &mut Vec<String>) {
        out.push(format!("{prefix}.1"));
        for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
            if sub.get_name() != "help" {
                page_names(sub, &format!("{prefix}-{}", sub.get_name()), out);
            }
        }
    }

    #[test]
    fn the_count_is_the_pages_written_not_the_folder_s() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("plugres-index.1"), "another tool's page").unwrap();
        let written = generate(Cli::command(), dir.path()).unwrap();
        let mut names = Vec::new();
        page_names(&Cli::command(), "plugres", &mut names);
        assert_eq!(written, names.len());
    }

    #[test]
    fn every_subcommand_gets_a_non_empty_page() {
        let dir = tempfile::tempdir().unwrap();
        generate(Cli::command(), dir.path()).unwrap();
        let mut names = Vec::new();
        page_names(&Cli::command(), "plugres", &mut names);
        assert!(names.contains(&"plugres-registry-add.1".to_string()));
        assert!(names.contains(&"plugres-install.1".to_string()));
        assert!(!names.iter().any(|n| n.contains("generate-man")));
        for name in &names {
            let page = std::fs::read_to_string(dir.path().join(name))
                .unwrap_or_else(|e| panic!("`{name}` was not written: {e}"));
            assert!(
                page.contains(".SH NAME") && page.contains(".SH SYNOPSIS"),
                "{name}"
            );
            assert!(page.len() > 200, "{name} is nearly empty");
        }
    }
}
