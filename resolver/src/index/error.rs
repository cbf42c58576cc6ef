//! Why reading an index failed, said so a user knows what to do next.

use plugres_schema::{Diagnostic, SignatureError};

/// An error reading or trusting an index. Every message names the file, the
/// index (path or URL) and, once known, the registry of plugres.toml.
#[derive(Debug, thiserror::Error)]
pub enum IndexError {
    #[error("cannot read `{path}` of the index at `{index}`: {source}")]
    Io {
        index: String,
        path: String,
        #[source]
        source: std::io::Error,
    },

    /// A network backend could not get a file (after its own retries).
    #[error("cannot fetch `{path}` from the index at `{index}`: {message}")]
    Transport {
        index: String,
        path: String,
        message: String,
    },

    /// `--offline` was asked, but this remote index was never fetched.
    #[error(
        "the index at `{index}` is not in the cache (`{cache}`); run once without --offline to fetch it"
    )]
    NotCached { index: String, cache: String },

    /// The git host moved the index branch to a commit that does not descend
    /// from the one seen before: history was rewritten.
    #[error(
        "the index at `{index}` rewrote history: its index branch now points at `{tip}`, which does not descend from `{seen}` seen before (a force-push to an older or different commit). plugres refuses it; the cache keeps `{seen}`, usable with --offline. If the index maintainers announced the rewrite, delete `{cache}` to accept the new history; otherwise report it to them"
    )]
    HistoryRewritten {
        index: String,
        seen: String,
        tip: String,
        cache: String,
    },

    /// The local git cache of a remote index is unusable.
    #[error(
        "cannot {action} in the cache of the index at `{index}` (`{cache}`): {message}. The cache is safe to delete"
    )]
    GitCache {
        index: String,
        cache: String,
        action: &'static str,
        message: String,
    },

    #[error(
        "`{path}` in the index at `{index}` is {size} bytes; plugres refuses index files over {limit} bytes. The index is broken or hostile: report it to its maintainers"
    )]
    TooLarge {
        index: String,
        path: String,
        size: u64,
        limit: usize,
    },

    #[error("the index at `{index}` cannot {what}")]
    Unsupported { index: String, what: &'static str },

    #[error(
        "the index at `{index}` has no `config.toml`, so it is not a plugres index. Check `index` of `[registry.{registry}]` in plugres.toml"
    )]
    MissingConfig { registry: String, index: String },

    #[error(
        "`{path}` in the index at `{index}` (registry `{registry}`) has no signature `{path}.minisig`; plugres reads only signed index files. The index is incomplete or was tampered with: report it to its maintainers"
    )]
    MissingSignature {
        registry: String,
        index: String,
        path: String,
    },

    #[error(
        "`config.toml` of the index at `{index}` (registry `{registry}`) is not signed by a root key pinned in plugres.toml (pinned: {pinned}). The index may have been tampered with, or its owners rotated their root key: if you trust a newer root key, add it to `root-keys` of `[registry.{registry}]` in plugres.toml"
    )]
    ConfigNotTrusted {
        registry: String,
        index: String,
        pinned: String,
    },

    #[error(
        "`config.toml` of the index at `{index}` (registry `{registry}`) is signed by the pinned key `{key}`, which the config no longer lists as a `[[root-key]]`: the index retired that key. If you trust a current root key of the index, pin it in `root-keys` of `[registry.{registry}]` in plugres.toml"
    )]
    RootKeyRetired {
        registry: String,
        index: String,
        key: String,
    },

    #[error("{source} (index `{index}`, registry `{registry}`). {}", signature_hint(.source))]
    Signature {
        registry: String,
        index: String,
        #[source]
        source: SignatureError,
    },

    #[error(
        "`{path}` in the index at `{index}` (registry `{registry}`) is signed but not valid (a newer plugres may be needed; otherwise report it to the index maintainers):{}",
        list(.diagnostics)
    )]
    Invalid {
        registry: String,
        index: String,
        path: String,
        diagnostics: Vec<Diagnostic>,
    },

    #[error(
        "`{path}` in the index at `{index}` (registry `{registry}`) describes plugin `{found}`, not `{expected}`: a signed file was put at the wrong place. Report it to the index maintainers"
    )]
    NameMismatch {
        registry: String,
        index: String,
        path: String,
        expected: String,
        found: String,
    },
}

/// What a signature failure most likely means, and what to do about it.
fn signature_hint(err: &SignatureError) -> &'static str {
    match err {
        SignatureError::Malformed { .. } => {
            "The signature file is damaged or was replaced: the index may have been tampered with; report it to its maintainers"
        }
        SignatureError::UntrustedKey { .. } => {
            "Only keys of the verified config.toml whose scopes cover the plugin may sign it: the index may have been tampered with; report it to its maintainers"
        }
        SignatureError::BadSignature { .. } => {
            "The index may have been tampered with, or a transfer was corrupted: try again, and report it to the index maintainers if it persists"
        }
        SignatureError::WrongPath { .. } => {
            "A mirror or host is serving another file's content here: report it to whoever runs the index"
        }
    }
}

fn list(diagnostics: &[Diagnostic]) -> String {
    diagnostics.iter().map(|d| format!("\n  {d}")).collect()
}
