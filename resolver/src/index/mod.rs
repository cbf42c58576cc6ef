//! Reading a plugres index, whatever carries it, and trusting only what is signed.
//!
//! An index is a tree of files (`config.toml`, `plugins/he/ll/hello-world.toml`,
//! each with a detached `.minisig`). It can sit in a local checkout or mirror
//! directory, in a git repository, or on a static HTTP host; each of those is
//! an [`IndexBackend`], which only moves bytes and knows nothing of trust.
//!
//! Data flow, for every backend alike:
//!
//! ```text
//! backend.read(path) ──bytes──► verify (.minisig, pinned root keys / scoped
//!   publisher keys, path bound in the trusted comment) ──► parse (plugres_schema)
//!   ──► cache in VerifiedIndex ──► IndexCandidates (the resolver's view)
//! ```
//!
//! [`VerifiedIndex`] is the one place the chain of trust is checked: the
//! config must be signed by a root key the project pinned, and each plugin
//! file by a publisher key of that verified config whose scopes cover the
//! plugin. Backends are therefore untrusted transport: a mirror, CDN or git
//! host cannot change what a client accepts. "Not found" is a value
//! (`Ok(None)`), not an error.

mod candidates;
mod error;
#[cfg(test)]
pub(crate) mod fixture;
pub mod git;
mod location;
mod notices;
mod path;
pub mod sparse;
mod trust;
mod verified;

pub use candidates::IndexCandidates;
pub use error::IndexError;
pub use location::{ArtifactLocation, file_url_to_path, path_to_file_url};
pub use notices::FieldNotices;
pub use path::PathBackend;
pub use trust::TrustOptions;
pub use verified::VerifiedIndex;

/// `bytes` of `path`, unless over `limit` (see [`IndexBackend::read_at_most`]).
fn at_most<B: IndexBackend + ?Sized>(
    backend: &B,
    path: &str,
    bytes: Option<Vec<u8>>,
    limit: u64,
    why: &'static str,
) -> Result<Option<Vec<u8>>, IndexError> {
    match bytes {
        Some(b) if b.len() as u64 > limit => Err(IndexError::OverLimit {
            index: backend.describe(),
            path: path.to_string(),
            limit,
            why,
        }),
        other => Ok(other),
    }
}

/// What a network backend hands each file its prefetch brings in while
/// the hook is set (see [`IndexBackend::on_arrival`]): the file's index
/// path and bytes, which nothing has checked; it returns the index paths
/// worth fetching next.
#[derive(Clone)]
pub struct ArrivalHook(pub std::sync::Arc<Guess>);

/// See [`ArrivalHook`].
pub type Guess = dyn Fn(&str, &[u8]) -> Vec<String> + Send + Sync;

impl std::fmt::Debug for ArrivalHook {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ArrivalHook")
    }
}

/// Access to the files of one index. Implementations move bytes only:
/// [`VerifiedIndex`] checks every byte they return.
pub trait IndexBackend: Send + Sync {
    /// Bytes of the index file at `path` ('/'-separated, e.g.
    /// "plugins/he/ll/hello-world.toml"), `Ok(None)` when absent. Refuses
    /// files over [`plugres_schema::MAX_FILE_SIZE`].
    fn read(&self, path: &str) -> Result<Option<Vec<u8>>, IndexError>;

    /// [`Self::read`], refusing the file past `limit` bytes with
    /// [`IndexError::OverLimit`] saying `why`: a size a signed file gives
    /// for it (the snapshot's, in timestamp.toml) or a smaller limit of its
    /// role. A network backend stops reading there and gives the request a
    /// deadline from it; the default reads (at most
    /// [`plugres_schema::MAX_FILE_SIZE`]) and checks.
    fn read_at_most(
        &self,
        path: &str,
        limit: u64,
        why: &'static str,
    ) -> Result<Option<Vec<u8>>, IndexError> {
        let bytes = self.read(path)?;
        at_most(self, path, bytes, limit, why)
    }

    /// Hint: these files will be read soon (network backends fetch in
    /// parallel). Default no-op.
    fn prefetch(&self, _paths: &[String]) {}

    /// While `hook` is set, a network backend hands it each file its
    /// prefetch brings in, and prefetches the paths it returns: a guess
    /// at what comes next, from bytes nothing has checked, so it decides
    /// requests only, never what is trusted. `None` unsets it. Default
    /// no-op.
    fn on_arrival(&self, _hook: Option<ArrivalHook>) {}

    /// Whether reads are local (a folder, a fetched git repository): worth
    /// verifying prefetched files right away, in parallel. A network
    /// backend's prefetched files may never be needed. Default `false`.
    fn is_local(&self) -> bool {
        false
    }

    /// Whether the file at `path` is already here: a read would not wait
    /// on the network (a network backend's prefetch has ended for it).
    /// The verifier then checks such files in parallel, together with the
    /// one the resolver waits for. Default: [`Self::is_local`].
    fn has_arrived(&self, _path: &str) -> bool {
        self.is_local()
    }

    /// The index's `head.bundle` (README "head.bundle"): the signed
    /// trust files in one piece, for a backend that would otherwise make
    /// a request for each (a network backend). `None` when there is none
    /// or it cannot be had; the trust files are then read one by one.
    /// Default `None`.
    fn head(&self) -> Option<Vec<u8>> {
        None
    }

    /// The verifier accepted these files from the index's head: a backend
    /// that caches files keeps them as if it had fetched them (so a later
    /// `--offline` run finds them), once [`Self::persist`] runs. Default
    /// no-op.
    fn adopt(&self, _files: &[(&str, &[u8])]) {}

    /// These files must have these digests (listed in the verified
    /// snapshot). A network backend may then answer a read from its cache
    /// without asking the host when the cached bytes match, and fetch
    /// others whole (no conditional request: its cached copy is known
    /// stale). Reads still return whatever bytes were found; the verifier
    /// compares. Default no-op.
    fn pin(&self, _pins: &[(String, plugres_schema::Sha256)]) {}

    /// The verifier keeps what these files verified to (the verified-entry
    /// cache, found again by their digests): a backend need not cache
    /// their bytes too. Default no-op.
    fn kept_verified(&self, _paths: &[&str]) {}

    /// Whether the file at `path` changed after the index's snapshot was
    /// made: a git index's commits since the one that last wrote
    /// `snapshot.toml` (or a checkout's uncommitted edits) change it. Only the wording of a refusal depends on it (a
    /// snapshot the maintainers forgot to renew, rather than a host mixing
    /// files of different moments): the file is refused either way.
    /// Default `false` (a static host cannot tell).
    fn changed_after_snapshot(&self, _path: &str) -> bool {
        false
    }

    /// Every plugin file path, for `search`; `Err(IndexError::Unsupported)`
    /// where a backend cannot list.
    fn list_plugins(&self) -> Result<Vec<String>, IndexError>;

    /// Human description (path or URL) for messages.
    fn describe(&self) -> String;

    /// What identifies this index on this machine, for the trust state
    /// kept per index: the URL, or a local index's canonical path (so two
    /// projects reaching one index by different relative paths share it,
    /// and two indexes reached by the same relative path do not).
    fn identity(&self) -> String {
        self.describe()
    }

    /// Revision of the index seen (git commit id), if the backend knows it.
    fn revision(&self) -> Option<String> {
        None
    }

    /// Makes what this backend fetched durable. [`VerifiedIndex`] calls it
    /// when it is done and every file it read verified; after any refused
    /// file it never does. Network backends therefore keep new bytes in
    /// memory until then, so a run that met a tampered file leaves their
    /// on-disk caches (and a git index's accepted commit) as they were.
    fn persist(&self) {}

    /// Where an artifact URL that is relative (no `artifact-base` in the
    /// config) is read from: for a path index, `<root>/<url>`.
    fn relative_artifact(&self, url: &str) -> ArtifactLocation;
}
