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

    /// A file over a limit smaller than [`plugres_schema::MAX_FILE_SIZE`]
    /// that applies to it (`why`): the size the signed timestamp gives for
    /// the snapshot, or a timestamp's or signature's own limit.
    #[error(
        "`{path}` in the index at `{index}` is larger than {limit} bytes, {why}; plugres stopped reading there. The host serves another file than the signed one (an attack, or a broken mirror): try again later, and report it to whoever runs the index if it persists"
    )]
    OverLimit {
        index: String,
        path: String,
        limit: u64,
        why: &'static str,
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

    /// A version's attestation does not hold (README "Trusted publishing").
    #[error(
        "{source} (index `{index}`, registry `{registry}`). plugres installs nothing an index's trusted publisher did not release: report it to the index maintainers"
    )]
    Attestation {
        registry: String,
        index: String,
        #[source]
        source: Box<plugres_schema::rules::AttestationError>,
    },

    /// A version the publish policy says must be attested is not.
    #[error(
        "`{name} {version}` of registry `{registry}` has no attestation, and config.toml of the index at `{index}` requires one for `{name}` (publish policy `{policy}`); plugres will not use it"
    )]
    NotAttested {
        registry: String,
        index: String,
        name: String,
        version: String,
        policy: &'static str,
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

    /// A snapshot, timestamp or config older than one seen before.
    #[error(
        "`{path}` of the index at `{index}` (registry `{registry}`) is version {found}, older than version {seen} this machine already accepted: the host serves old index data (a rollback attack, or a stale mirror). plugres refuses it, so a yanked or fixed version cannot come back. Try again later or use another mirror; if the index was rebuilt on purpose, its maintainers will say so, and deleting `{state}` forgets what was seen"
    )]
    Rollback {
        registry: String,
        index: String,
        path: &'static str,
        found: u64,
        seen: u64,
        state: String,
    },

    /// The signed timestamp is past its expiry.
    #[error(
        "`timestamp.toml` of the index at `{index}` (registry `{registry}`) expired {ago} ago (at {expires}): the host has stopped publishing fresh index data (a freeze attack, or an unmaintained mirror), so plugres cannot know it sees current versions and yanks. Try again later or use another mirror. For an offline mirror you trust to be this old, pass --allow-expired-index (or set PLUGRES_ALLOW_EXPIRED_INDEX=1)"
    )]
    Expired {
        registry: String,
        index: String,
        ago: String,
        expires: String,
    },

    /// A file's digest differs from what the verified snapshot lists.
    #[error(
        "`{path}` of the index at `{index}` (registry `{registry}`) does not match snapshot {snapshot}: its sha256 is {found}, the snapshot lists {expected}. The host mixes files from different moments of the index (a mix-and-match attack, or a mirror caught mid-update) or altered the file. Try again later; report it to whoever runs the index if it persists"
    )]
    SnapshotMismatch {
        registry: String,
        index: String,
        path: String,
        snapshot: u64,
        found: Box<str>,
        expected: Box<str>,
    },

    /// A file changed after the snapshot was made, which does not list it
    /// or lists older bytes: the maintainers forgot `plugres-index
    /// snapshot` (see [`super::IndexBackend::changed_after_snapshot`]).
    #[error(
        "the snapshot of the index at `{index}` (registry `{registry}`) is stale: `{path}` changed after snapshot {snapshot} was made, {what}, so plugres does not use it (nothing from it was used). Most likely the index's maintainers merged a change without signing a new snapshot: they must run `plugres-index snapshot --key ONLINE_KEY_FILE` in the index and commit the result (an index CI does this after every merge: README, \"An index repository's CI\"). If nobody changed that file on purpose, it was altered without the online key: report it to them"
    )]
    StaleSnapshot {
        registry: String,
        index: String,
        path: String,
        snapshot: u64,
        /// "which does not list it" or "which lists an older version of it".
        what: &'static str,
    },

    /// A file the snapshot lists is not served.
    #[error(
        "`{path}` is listed in snapshot {snapshot} of the index at `{index}` (registry `{registry}`) but the host does not serve it: a file was removed (an attack hiding a plugin or its fix, or a broken mirror). Report it to whoever runs the index"
    )]
    MissingFromSnapshot {
        registry: String,
        index: String,
        path: String,
        snapshot: u64,
    },

    /// The config names snapshot/timestamp keys, but a file is missing.
    #[error(
        "the index at `{index}` (registry `{registry}`) has `[[snapshot-key]]`s in its config but no `{path}`: every such index must serve a signed snapshot and timestamp. The host withholds it (an attack) or the index maintainers have not run `plugres-index snapshot` / `plugres-index timestamp`: report it to them"
    )]
    MissingTrustFile {
        registry: String,
        index: String,
        path: &'static str,
    },

    /// The project knows this registry has a snapshot, but the config
    /// served has no snapshot keys.
    #[error(
        "the index at `{index}` (registry `{registry}`) serves a config without `[[snapshot-key]]`s, but this project recorded that the registry has a signed snapshot (`require-snapshot` in plugres.toml, or `snapshot` in plugres.lock): the host serves an older config to switch off rollback and freeze protection (a downgrade attack), or the index dropped its trust layer. Report it to whoever runs the index; if the index really dropped it, remove `require-snapshot` from `[registry.{registry}]`"
    )]
    SnapshotRequired { registry: String, index: String },

    /// A new config adds a root key that did not sign it.
    #[error(
        "the new `config.toml` of the index at `{index}` (registry `{registry}`) adds root key `{key}`, which did not sign it: a root rotation must be signed by a root key this machine already trusts and by every new root key (`plugres-index key rotate-root` does both). plugres keeps trusting the config it accepted before; report it to the index maintainers"
    )]
    RotationNotSigned {
        registry: String,
        index: String,
        key: String,
    },

    /// A config changed without raising its version.
    #[error(
        "`config.toml` of the index at `{index}` (registry `{registry}`) changed but keeps version {version}: every change of the config must raise `version` (a config replayed or altered under an old number). Report it to the index maintainers"
    )]
    ConfigVersionReused {
        registry: String,
        index: String,
        version: u64,
    },

    #[error(
        "`{path}` of the index at `{index}` (registry `{registry}`) differs from the one this machine trusts under the same version {version}: a signed file changed without a new version (a replay, or a leaked online key). Report it to the index maintainers"
    )]
    VersionReused {
        registry: String,
        index: String,
        path: &'static str,
        version: u64,
    },

    #[error(
        "`config.toml` of the index at `{index}` (registry `{registry}`) changed its engine from `{from}` to `{to}`: an index serves one engine, so this is not the index the project chose. Report it to the index maintainers"
    )]
    EngineChanged {
        registry: String,
        index: String,
        from: String,
        to: String,
    },

    /// The trust state of this machine cannot be read or written. Never
    /// advises deleting it: that forgets the rollback floor.
    #[error(
        "cannot {action} the trust state `{path}`: {error}; {}",
        crate::local_io::advice(error, "the trust state")
    )]
    TrustState {
        action: &'static str,
        path: String,
        error: std::io::Error,
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
