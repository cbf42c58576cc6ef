//! Errors about the files a project holds.

use std::path::PathBuf;

use plugres_schema::Diagnostic;

#[derive(Debug, thiserror::Error)]
pub enum ProjectError {
    #[error(
        "could not find `plugres.toml` in `{}` or any parent directory; run `plugres init` to start a project here",
        start.display()
    )]
    NotFound { start: PathBuf },

    /// `-C DIR` (or the start of the search) names no directory at all.
    #[error(
        "`{}` is not a directory (no such directory, or not one); check the path given with `-C`, or create it and run `plugres init` there",
        start.display()
    )]
    NoSuchDirectory { start: PathBuf },

    #[error("cannot read `{}`: {source}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error("cannot write `{}`: {source}", path.display())]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    /// The file is malformed; each diagnostic has its line and column.
    #[error("`{}` is invalid:{}", path.display(), list(.diagnostics))]
    Invalid {
        path: PathBuf,
        diagnostics: Vec<Diagnostic>,
    },

    /// An edit cannot be made without rewriting the user's text.
    #[error("cannot edit `{}`: {message}", path.display())]
    Edit { path: PathBuf, message: String },
}

fn list(diagnostics: &[Diagnostic]) -> String {
    diagnostics.iter().map(|d| format!("\n  {d}")).collect()
}
