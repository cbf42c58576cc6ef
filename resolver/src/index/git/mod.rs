//! An index in a git repository, reached over any URL gix supports
//! (`git://`, `https://`, `ssh://`, `file://`, a local path).
//!
//! [`GitBackend::open`] brings a bare copy of the repository into the cache
//! (cloning the first time, fetching after that) and pins one commit: the
//! tip of the index branch. Every read then comes from that commit's tree in
//! the object database, so a run sees one consistent index even if the
//! remote moves meanwhile, and no checkout is ever made.
//!
//! An index host must not rewrite history: a client that accepted commit
//! `A` accepts a new tip only if `A` is its ancestor. Otherwise the open
//! fails with [`IndexError::HistoryRewritten`] and the cache still holds `A`,
//! so an `--offline` run keeps working. (The signatures already stop a host
//! from forging files; this check stops it from silently rolling a client
//! back to older, validly signed files, e.g. before a yanked release.)
//!
//! Layout and locking of the cache: see `cache.rs`. Over `http(s)://` the
//! git protocol runs on the same HTTP client, settings and token rules as a
//! sparse index: see `http.rs`.

mod cache;
mod fetch;
pub(crate) mod history;
mod http;
mod tree;

#[cfg(test)]
mod http_tests;
#[cfg(test)]
mod test_http;
#[cfg(test)]
pub(crate) mod test_support;
#[cfg(test)]
mod tests;

use std::path::{Path, PathBuf};

use gix::ObjectId;
use plugres_schema::{MAX_FILE_SIZE, PLUGINS_DIR};

use self::cache::CacheDir;
use self::fetch::{FetchError, Network};
use self::tree::ReadError;
use super::{ArtifactLocation, IndexBackend, IndexError};
use crate::credentials::{Token, may_carry_token};
use crate::fetch::{HttpConfig, RetryPolicy};

/// Plugin files sit at most this many directory levels below `plugins/`.
const PLUGIN_DIR_LEVELS: usize = 2;

/// The ref that keeps the accepted commit (and so its objects) alive in the
/// cache, and that negotiation offers to the server as already known.
const SEEN_REF: &str = "refs/plugres/seen";

/// How to open a [`GitBackend`].
#[derive(Debug, Clone)]
pub struct GitConfig {
    /// The repository URL (any URL gix supports, or a local path).
    pub url: String,
    /// Root of the index caches; this index uses `<cache_root>/git/…`.
    pub cache_root: PathBuf,
    /// Read only what the cache holds; never use the network.
    pub offline: bool,
    /// Timeouts and retries; over http(s), the whole HTTP client.
    pub http: HttpConfig,
    /// Sent as `Authorization: Bearer` to URLs under an `http(s)://` index
    /// URL (never printed); never over plain http to another machine.
    pub token: Option<Token>,
    /// Why a configured token is not sent here, for the message when the
    /// index answers 401/403.
    pub token_withheld: Option<String>,
}

impl GitConfig {
    /// Online, no token, default HTTP settings.
    pub fn new(url: &str, cache_root: &Path) -> Self {
        GitConfig {
            url: url.to_string(),
            cache_root: cache_root.to_path_buf(),
            offline: false,
            http: HttpConfig::default(),
            token: None,
            token_withheld: None,
        }
    }
}

/// Reads an index from one commit of a git repository cached under
/// `<cache root>/git/`.
pub struct GitBackend {
    place: Place,
    repo: gix::ThreadSafeRepository,
    commit: ObjectId,
    tree: ObjectId,
    objects_received: u64,
}

impl std::fmt::Debug for GitBackend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GitBackend")
            .field("url", &self.describe())
            .field("cache", &self.place.cache.dir())
            .field("commit", &self.commit)
            .finish_non_exhaustive()
    }
}

impl GitBackend {
    /// Opens the index at `url`: clones it into `cache_root/git/…` the first
    /// time, fetches the index branch after that, and refuses a new tip that
    /// does not descend from the commit accepted before. With `offline`, no
    /// network is used: the commit accepted last time is read from the cache.
    ///
    /// Timeouts and retries follow `PLUGRES_HTTP_TIMEOUT` and
    /// `PLUGRES_HTTP_RETRIES` (see [`HttpConfig::from_env`]); no token.
    pub fn open(url: &str, cache_root: &Path, offline: bool) -> Result<GitBackend, IndexError> {
        let mut config = GitConfig::new(url, cache_root);
        config.offline = offline;
        config.http = HttpConfig::from_env().unwrap_or_default();
        Self::open_with(config)
    }

    /// [`GitBackend::open`] with an explicit retry policy.
    pub fn open_with_retry(
        url: &str,
        cache_root: &Path,
        offline: bool,
        retry: &RetryPolicy,
    ) -> Result<GitBackend, IndexError> {
        let mut config = GitConfig::new(url, cache_root);
        config.offline = offline;
        config.http.retry = retry.clone();
        Self::open_with(config)
    }

    /// Opens the index as `config` says (see [`GitBackend::open`]).
    pub fn open_with(config: GitConfig) -> Result<GitBackend, IndexError> {
        let token_withheld = match &config.token {
            Some(_) if !may_carry_token(&config.url) => Some(format!(
                "a token is configured, but `{}` is not https:// (or http:// to this machine), so plugres does not send it",
                redact(&config.url)
            )),
            _ => config.token_withheld,
        };
        let place = Place {
            cache: CacheDir::new(&config.cache_root, &config.url),
            url: config.url,
            token_withheld,
        };
        let (repo, commit, objects_received) = if config.offline {
            let (repo, commit) = place.open_offline()?;
            (repo, commit, 0)
        } else {
            let net = Network {
                http: config.http,
                token: config.token,
            };
            place.update(&net)?
        };
        let tree = repo
            .find_commit(commit)
            .and_then(|c| c.tree_id())
            .map_err(|e| place.cache_error("read the accepted commit", e.to_string()))?
            .detach();
        Ok(GitBackend {
            place,
            repo: repo.into_sync(),
            commit,
            tree,
            objects_received,
        })
    }

    /// The number of objects the fetch of this open received (0 offline or
    /// when the cache was up to date): how incremental the update was.
    pub fn objects_received(&self) -> u64 {
        self.objects_received
    }

    /// The cache directory of this index (safe to delete).
    pub fn cache_dir(&self) -> &Path {
        self.place.cache.dir()
    }

    /// Copies the artifact `rel` of the pinned commit out of the object
    /// database, unless an earlier run did.
    fn materialise(&self, rel: &str) -> Result<PathBuf, IndexError> {
        let dest = self.place.cache.file(&self.commit.to_string(), rel);
        if dest.is_file() {
            return Ok(dest);
        }
        let repo = self.repo.to_thread_local();
        let bytes = match tree::read_blob(&repo, self.tree, rel, None) {
            Ok(Some(bytes)) => bytes,
            // Missing: the installer reports the missing file by its path.
            Ok(None) => return Ok(dest),
            Err(ReadError::TooLarge(size)) => {
                return Err(self.place.io_error(
                    rel,
                    std::io::Error::other(format!("{size} bytes is too large")),
                ));
            }
            Err(ReadError::Git(e)) => {
                return Err(self.place.cache_error("read an artifact", e.to_string()));
            }
        };
        cache::write_atomic(&dest, &bytes).map_err(|e| self.place.io_error(rel, e))?;
        Ok(dest)
    }
}

/// The index URL and its cache directory: what every message names.
#[derive(Debug)]
struct Place {
    url: String,
    cache: CacheDir,
    /// Why a configured token was not sent (added to a 401/403 message).
    token_withheld: Option<String>,
}

impl Place {
    fn describe(&self) -> String {
        redact(&self.url)
    }

    /// Records `tip` as the accepted commit (the ref keeps its objects and
    /// helps the next fetch; the file is what the history check reads).
    fn accept(&self, repo: &gix::Repository, tip: ObjectId) -> Result<(), IndexError> {
        let _lock = self
            .cache
            .lock()
            .map_err(|e| self.cache_error("lock the cache", e.to_string()))?;
        let seen = self
            .cache
            .seen()
            .map_err(|e| self.cache_error("read the accepted commit", e.to_string()))?;
        if seen == Some(tip) {
            return Ok(());
        }
        // Another run may have accepted a newer commit meanwhile: never
        // move the accepted commit backwards.
        if let Some(seen) = seen
            && repo
                .merge_base(seen, tip)
                .ok()
                .flatten()
                .map(|b| b.detach())
                != Some(seen)
        {
            return Ok(());
        }
        repo.reference(
            SEEN_REF,
            tip,
            gix::refs::transaction::PreviousValue::Any,
            "plugres: accept the fetched index tip",
        )
        .map_err(|e| self.cache_error("record the accepted commit", e.to_string()))?;
        self.cache
            .set_seen(tip)
            .map_err(|e| self.cache_error("record the accepted commit", e.to_string()))
    }

    /// The repository and the commit accepted last time, without network.
    fn open_offline(&self) -> Result<(gix::Repository, ObjectId), IndexError> {
        let not_cached = || IndexError::NotCached {
            index: self.describe(),
            cache: self.cache.dir().display().to_string(),
        };
        if !self.cache.repo().is_dir() {
            return Err(not_cached());
        }
        let seen = self
            .cache
            .seen()
            .map_err(|e| self.cache_error("read the accepted commit", e.to_string()))?
            .ok_or_else(not_cached)?;
        let repo = gix::open(self.cache.repo())
            .map_err(|e| self.cache_error("open the repository", e.to_string()))?;
        Ok((repo, seen))
    }

    /// Clones or fetches under the cache lock; returns the repository, the
    /// commit to use and the number of objects received.
    fn update(&self, net: &Network) -> Result<(gix::Repository, ObjectId, u64), IndexError> {
        let _lock = self
            .cache
            .lock()
            .map_err(|e| self.cache_error("lock the cache", e.to_string()))?;
        let repo = self.open_or_init()?;
        let seen = self
            .cache
            .seen()
            .map_err(|e| self.cache_error("read the accepted commit", e.to_string()))?;

        let fetched = fetch::fetch(&repo, &self.url, net).map_err(|e| self.fetch_error(e, seen))?;
        if let Some(seen) = seen
            && fetched.tip != seen
        {
            let base = repo.merge_base(seen, fetched.tip).map_err(|e| {
                self.cache_error("compare the fetched and the accepted commit", e.to_string())
            })?;
            if base.map(|b| b.detach()) != Some(seen) {
                return Err(IndexError::HistoryRewritten {
                    index: self.describe(),
                    seen: seen.to_string(),
                    tip: fetched.tip.to_string(),
                    cache: self.cache.dir().display().to_string(),
                });
            }
        }
        Ok((repo, fetched.tip, fetched.objects_received))
    }

    /// The cached bare repository, created (empty) if absent. It is set up
    /// aside and renamed into place, so a half-made one never sits there.
    fn open_or_init(&self) -> Result<gix::Repository, IndexError> {
        let path = self.cache.repo();
        if !path.is_dir() {
            let create = |e: String| self.cache_error("create the repository", e);
            let tmp = tempfile::tempdir_in(self.cache.dir()).map_err(|e| create(e.to_string()))?;
            let staged = tmp.path().join("repo.git");
            gix::init_bare(&staged).map_err(|e| create(e.to_string()))?;
            std::fs::rename(&staged, &path).map_err(|e| create(e.to_string()))?;
        }
        gix::open(&path).map_err(|e| self.cache_error("open the repository", e.to_string()))
    }

    fn cache_error(&self, action: &'static str, message: String) -> IndexError {
        IndexError::GitCache {
            index: self.describe(),
            cache: self.cache.dir().display().to_string(),
            action,
            message,
        }
    }

    fn fetch_error(&self, err: FetchError, seen: Option<ObjectId>) -> IndexError {
        let message = match err {
            FetchError::NoBranch => {
                "the repository has no `HEAD`, `main` or `master` branch with a commit".to_string()
            }
            FetchError::Failed {
                message,
                attempts,
                denied,
            } => {
                let tries = if attempts > 1 {
                    format!(" (gave up after {attempts} attempts)")
                } else {
                    String::new()
                };
                let why = match (&self.token_withheld, denied) {
                    (_, false) => String::new(),
                    (Some(why), true) => format!("; the index refused access: {why}"),
                    (None, true) => "; the index refused access (HTTP 401/403)".to_string(),
                };
                let hint = if seen.is_some() {
                    "; to use the copy cached before, pass --offline"
                } else {
                    ""
                };
                format!("{message}{tries}{why}{hint}")
            }
        };
        IndexError::Transport {
            index: self.describe(),
            path: "HEAD".to_string(),
            message,
        }
    }

    fn io_error(&self, path: &str, source: std::io::Error) -> IndexError {
        IndexError::Io {
            index: self.describe(),
            path: path.to_string(),
            source,
        }
    }
}

impl IndexBackend for GitBackend {
    /// Files are on this machine (a folder; a fetched repository's objects).
    fn is_local(&self) -> bool {
        true
    }

    /// Accepts the fetched commit only now that what was read from it
    /// verified. A cache that cannot record it costs nothing but a
    /// history check against the older commit next time.
    fn persist(&self) {
        let _ = self.place.accept(&self.repo.to_thread_local(), self.commit);
    }

    fn read(&self, path: &str) -> Result<Option<Vec<u8>>, IndexError> {
        if !tree::is_safe_rel_path(path) {
            return Err(self.place.io_error(
                path,
                std::io::Error::new(
                    std::io::ErrorKind::InvalidInput,
                    "not a relative index path",
                ),
            ));
        }
        let repo = self.repo.to_thread_local();
        match tree::read_blob(&repo, self.tree, path, Some(MAX_FILE_SIZE as u64)) {
            Ok(bytes) => Ok(bytes),
            Err(ReadError::TooLarge(size)) => Err(IndexError::TooLarge {
                index: self.describe(),
                path: path.to_string(),
                size,
                limit: MAX_FILE_SIZE,
            }),
            Err(ReadError::Git(e)) => Err(self
                .place
                .cache_error("read a file", format!("`{path}`: {e}"))),
        }
    }

    fn changed_after_snapshot(&self, path: &str) -> bool {
        let repo = self.repo.to_thread_local();
        history::changed_after_snapshot(&repo, self.commit, path).unwrap_or(false)
    }

    fn list_plugins(&self) -> Result<Vec<String>, IndexError> {
        let repo = self.repo.to_thread_local();
        tree::list_files(&repo, self.tree, PLUGINS_DIR, PLUGIN_DIR_LEVELS).map_err(|e| {
            self.place
                .cache_error("list the plugin files", e.to_string())
        })
    }

    fn describe(&self) -> String {
        self.place.describe()
    }

    fn revision(&self) -> Option<String> {
        Some(self.commit.to_string())
    }

    /// `<cache>/files/<commit>/<url>`, copied out of the pinned commit: the
    /// lockfile records this path, which stays the same for a commit.
    fn relative_artifact(&self, url: &str) -> ArtifactLocation {
        if !tree::is_safe_rel_path(url) {
            // Not a path inside the index: leave it as a URL that no
            // downloader accepts, rather than a path outside the cache.
            return ArtifactLocation::Url(url.to_string());
        }
        match self.materialise(url) {
            Ok(path) => ArtifactLocation::Path(path),
            // The trait has no error channel: the installer will report the
            // missing file at this path.
            Err(_) => ArtifactLocation::Path(self.place.cache.file(&self.commit.to_string(), url)),
        }
    }
}

/// `url` without a password (`https://user:secret@host` → `https://user:***@host`).
fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let authority_end = rest.find('/').unwrap_or(rest.len());
    let authority = &rest[..authority_end];
    match authority.rfind('@') {
        Some(at) if authority[..at].contains(':') => {
            let user = &authority[..authority[..at].find(':').unwrap_or(at)];
            format!("{scheme}://{user}:***@{}", &rest[at + 1..])
        }
        _ => url.to_string(),
    }
}
