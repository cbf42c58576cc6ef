//! The one error type of the operations, with the hints the CLI prints
//! after it.

use crate::fetch::{CacheError, FetchError};
use crate::index::IndexError;
use crate::install::{ExtractError, PlaceError};
use crate::project::ProjectError;
use crate::resolve::ResolveError;

/// Why an operation failed. Lower layers' errors pass through unchanged
/// (their messages already name the file or URL); [`OpsError::Failed`]
/// carries this layer's own messages. [`OpsError::hints`] gives the
/// one-line suggestions to print after the message.
#[derive(Debug, thiserror::Error)]
pub enum OpsError {
    #[error(transparent)]
    Project(#[from] ProjectError),
    #[error(transparent)]
    Index(#[from] IndexError),
    #[error(transparent)]
    Resolve(#[from] ResolveError),
    #[error(transparent)]
    Fetch(#[from] FetchError),
    #[error(transparent)]
    Place(#[from] PlaceError),
    #[error(transparent)]
    Extract(#[from] ExtractError),
    #[error(transparent)]
    Cache(#[from] CacheError),
    /// A failure this layer found; `hints` say what to do.
    #[error("{message}")]
    Failed { message: String, hints: Vec<String> },
}

impl OpsError {
    /// An error with a message and hints.
    pub fn failed(message: impl Into<String>, hints: &[&str]) -> OpsError {
        OpsError::Failed {
            message: message.into(),
            hints: hints.iter().map(|h| h.to_string()).collect(),
        }
    }

    /// One-line suggestions for the user, printed as `hint:` lines.
    pub fn hints(&self) -> Vec<String> {
        match self {
            OpsError::Failed { hints, .. } => hints.clone(),
            OpsError::Resolve(ResolveError::NoSolution { hints, .. }) => hints.clone(),
            OpsError::Fetch(FetchError::Verify { .. } | FetchError::Local { .. })
            | OpsError::Extract(_) => vec![
                "nothing was installed and plugres.toml and plugres.lock were left as they were"
                    .to_string(),
            ],
            OpsError::Fetch(FetchError::Download { .. }) => vec![
                "check the network and run the command again; what was downloaded is kept in the cache"
                    .to_string(),
            ],
            _ => Vec::new(),
        }
    }
}

impl OpsError {
    /// Every step of a resolution conflict's derivation, when the message
    /// shows less (it summarises a long one): for `--verbose`.
    pub fn derivation(&self) -> Option<&str> {
        match self {
            OpsError::Resolve(ResolveError::NoSolution {
                explanation,
                derivation,
                ..
            }) if derivation != explanation => Some(derivation),
            _ => None,
        }
    }
}

/// The messages of `err`'s causes, skipping those a message already
/// contains (transparent wrappers repeat their inner error).
pub fn causes(err: &(dyn std::error::Error + 'static)) -> Vec<String> {
    let top = err.to_string();
    let mut out: Vec<String> = Vec::new();
    let mut next = err.source();
    while let Some(cause) = next {
        let text = cause.to_string();
        if !top.contains(&text) && !out.contains(&text) {
            out.push(text);
        }
        next = cause.source();
    }
    out
}

/// `err` as the CLI prints it without colours: `error: …`, `  caused by: …`
/// lines, then `hint: …` lines.
pub fn render(err: &OpsError) -> String {
    let mut s = format!("error: {err}\n");
    for c in causes(err) {
        s.push_str(&format!("  caused by: {c}\n"));
    }
    for h in err.hints() {
        s.push_str(&format!("hint: {h}\n"));
    }
    s
}
