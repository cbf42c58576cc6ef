//! Fetching a set of artifacts into the [`ContentCache`], in parallel.
//!
//! Flow per item: already cached (right size) → done; a local path (an
//! index on disk ships its artifacts beside it) → copied through the same
//! verifying [`ContentCache::insert`]; a URL → GET with the optional token,
//! the identity encoding and a deadline from the size
//! ([`HttpConfig::deadline`]), streamed as sent (never decoded) into
//! `insert`, which refuses byte `size + 1` and any checksum mismatch. Network trouble (5xx, 408, 429, timeouts, dropped connections)
//! is retried per [`RetryPolicy`](super::RetryPolicy); a wrong file never is.
//!
//! A bounded set of worker threads takes items from a shared counter. After
//! the first failure no new item starts; blobs that finished stay cached,
//! which is harmless because the cache is content-addressed.

use std::fs::File;
use std::path::PathBuf;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use indicatif::{MultiProgress, ProgressBar, ProgressStyle};

use super::cache::{CacheError, ContentCache};
use super::http::{HttpClient, HttpConfig, HttpError, Outcome};

/// Where an artifact comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ArtifactSource {
    /// An absolute http(s) URL.
    Url(String),
    /// A file on disk, e.g. beside a local index checkout.
    Path(PathBuf),
}

impl std::fmt::Display for ArtifactSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ArtifactSource::Url(url) => f.write_str(url),
            ArtifactSource::Path(path) => write!(f, "{}", path.display()),
        }
    }
}

/// One artifact to fetch, with the size and checksum its verified index entry promises.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FetchItem {
    /// For messages and progress bars, e.g. `hello-world 1.2.0`.
    pub label: String,
    pub source: ArtifactSource,
    /// Lower- or upper-case hex.
    pub sha256: String,
    pub size: u64,
}

/// Looks up the bearer token for a URL, if any.
pub type TokenLookup = dyn Fn(&str) -> Option<String> + Send + Sync;

/// How [`fetch_all`] runs.
pub struct FetchOptions {
    /// Parallel downloads; clamped to 1..=16.
    pub jobs: usize,
    /// Draw progress bars on stderr. Pass `true` only on a terminal and
    /// without `--quiet`/`--json`.
    pub progress: bool,
    /// Token for a URL; the token is sent as `Authorization: Bearer` and never printed.
    pub token: Option<Box<TokenLookup>>,
    pub http: HttpConfig,
}

impl Default for FetchOptions {
    fn default() -> Self {
        Self {
            jobs: 6,
            progress: false,
            token: None,
            http: HttpConfig::default(),
        }
    }
}

impl std::fmt::Debug for FetchOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FetchOptions")
            .field("jobs", &self.jobs)
            .field("progress", &self.progress)
            .field("token", &self.token.as_ref().map(|_| "<lookup>"))
            .field("http", &self.http)
            .finish()
    }
}

/// A failed fetch, naming the artifact and where it came from.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    /// The server could not be reached or did not deliver the file.
    #[error("could not download `{label}` from `{url}` (attempts: {attempts})")]
    Download {
        label: String,
        url: String,
        attempts: u32,
        #[source]
        source: HttpError,
    },
    /// The data arrived but is not the file the index promises.
    #[error(
        "the artifact of `{label}` from `{url}` is not the published file; report this to the registry's maintainers"
    )]
    Verify {
        label: String,
        url: String,
        #[source]
        source: CacheError,
    },
    /// A local artifact could not be read or does not match.
    #[error(
        "the artifact of `{label}` at `{path}` could not be used; check that the index checkout is complete and unmodified"
    )]
    Local {
        label: String,
        path: PathBuf,
        #[source]
        source: CacheError,
    },
    /// The cache itself failed (lock, permissions, disk full): its own
    /// message says which and what to do.
    #[error(transparent)]
    Cache(CacheError),
}

/// Makes sure every item is in `cache`; returns the blob paths in item order.
pub fn fetch_all(
    items: &[FetchItem],
    cache: &ContentCache,
    opts: &FetchOptions,
) -> Result<Vec<PathBuf>, FetchError> {
    let _lock = cache.lock_shared().map_err(FetchError::Cache)?;
    let mut found: Vec<Option<PathBuf>> =
        items.iter().map(|i| cache.get(&i.sha256, i.size)).collect();
    let todo: Vec<usize> = (0..items.len()).filter(|&i| found[i].is_none()).collect();
    if !todo.is_empty() {
        let client = HttpClient::new(opts.http.clone());
        let bars = Bars::new(opts.progress, todo.len());
        let results = Mutex::new(&mut found);
        let first_error: Mutex<Option<FetchError>> = Mutex::new(None);
        let next = AtomicUsize::new(0);
        let failed = AtomicBool::new(false);
        let workers = opts.jobs.clamp(1, 16).min(todo.len());
        std::thread::scope(|s| {
            for _ in 0..workers {
                s.spawn(|| {
                    while !failed.load(Ordering::SeqCst) {
                        let Some(&index) = todo.get(next.fetch_add(1, Ordering::SeqCst)) else {
                            break;
                        };
                        match fetch_one(&items[index], cache, &client, opts, &bars) {
                            Ok(path) => lock(&results)[index] = Some(path),
                            Err(err) => {
                                failed.store(true, Ordering::SeqCst);
                                lock(&first_error).get_or_insert(err);
                            }
                        }
                    }
                });
            }
        });
        bars.finish();
        if let Some(err) = first_error.into_inner().unwrap_or_else(|p| p.into_inner()) {
            return Err(err);
        }
    }
    Ok(found.into_iter().flatten().collect())
}

/// Locks a mutex even if a worker panicked while holding it (the scope
/// re-raises that panic anyway).
fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

fn fetch_one(
    item: &FetchItem,
    cache: &ContentCache,
    client: &HttpClient,
    opts: &FetchOptions,
    bars: &Bars,
) -> Result<PathBuf, FetchError> {
    let bar = bars.item(&item.label, item.size);
    let result = match &item.source {
        ArtifactSource::Path(path) => copy_local(item, path, cache, &bar),
        ArtifactSource::Url(url) => {
            let token = opts.token.as_ref().and_then(|lookup| lookup(url));
            let mut attempts = 0;
            client
                .config()
                .retry
                .run(
                    |attempt| {
                        attempts = attempt;
                        bar.set_position(0);
                        download_once(item, url, token.as_deref(), cache, client, &bar)
                    },
                    Attempt::outcome,
                )
                .map_err(|err| err.into_fetch_error(item, url, attempts))
        }
    };
    bars.done(bar);
    result
}

fn copy_local(
    item: &FetchItem,
    path: &std::path::Path,
    cache: &ContentCache,
    bar: &ProgressBar,
) -> Result<PathBuf, FetchError> {
    // A cache that cannot be written is not a problem of the local file.
    let local = |source| match source {
        CacheError::Io { .. } => FetchError::Cache(source),
        source => FetchError::Local {
            label: item.label.clone(),
            path: path.to_owned(),
            source,
        },
    };
    let file = File::open(path).map_err(|source| local(CacheError::Source { source }))?;
    cache
        .insert(file, &item.sha256, item.size, |n| bar.inc(n))
        .map_err(local)
}

/// Why one attempt failed: the network (maybe worth retrying) or the data (never).
enum Attempt {
    Http(HttpError),
    Data(CacheError),
}

impl Attempt {
    fn outcome(&self) -> Option<Outcome> {
        match self {
            Attempt::Http(e) => Some(e.outcome()),
            Attempt::Data(_) => None,
        }
    }

    fn into_fetch_error(self, item: &FetchItem, url: &str, attempts: u32) -> FetchError {
        match self {
            Attempt::Http(source) => FetchError::Download {
                label: item.label.clone(),
                url: url.to_owned(),
                attempts,
                source,
            },
            // Not about the data from `url`: a problem of the cache itself.
            Attempt::Data(source @ (CacheError::Io { .. } | CacheError::BadHash { .. })) => {
                FetchError::Cache(source)
            }
            Attempt::Data(source) => FetchError::Verify {
                label: item.label.clone(),
                url: url.to_owned(),
                source,
            },
        }
    }
}

fn download_once(
    item: &FetchItem,
    url: &str,
    token: Option<&str>,
    cache: &ContentCache,
    client: &HttpClient,
    bar: &ProgressBar,
) -> Result<PathBuf, Attempt> {
    let response = client.get(url, token, item.size).map_err(Attempt::Http)?;
    // The body is the bytes as sent, whatever `Content-Encoding` says (see
    // `body.rs`), so a declared length beyond the promise is refused
    // before reading.
    if let Some(len) = response.body().content_length()
        && len > item.size
    {
        return Err(Attempt::Data(CacheError::TooLarge {
            expected: item.size,
        }));
    }
    let reader = response.into_body().into_reader();
    cache
        .insert(reader, &item.sha256, item.size, |n| bar.inc(n))
        .map_err(|err| match err {
            CacheError::Source { source } => Attempt::Http(HttpError::from_body_io(url, source)),
            other => Attempt::Data(other),
        })
}

/// Progress bars, or nothing at all when disabled.
struct Bars {
    multi: Option<MultiProgress>,
    total: ProgressBar,
}

impl Bars {
    fn new(enabled: bool, count: usize) -> Self {
        if !enabled {
            return Self {
                multi: None,
                total: ProgressBar::hidden(),
            };
        }
        let multi = MultiProgress::new();
        let total = multi.add(ProgressBar::new(count as u64));
        total.set_style(style("{prefix:>12.bold} {pos}/{len} artifacts {elapsed}"));
        total.set_prefix("Downloading");
        Self {
            multi: Some(multi),
            total,
        }
    }

    fn item(&self, label: &str, size: u64) -> ProgressBar {
        let Some(multi) = &self.multi else {
            return ProgressBar::hidden();
        };
        let bar = multi.add(ProgressBar::new(size));
        bar.set_style(style(
            "{prefix:>24} [{bar:30}] {binary_bytes}/{binary_total_bytes} {binary_bytes_per_sec}",
        ));
        bar.set_prefix(label.to_owned());
        bar
    }

    fn done(&self, bar: ProgressBar) {
        bar.finish_and_clear();
        if let Some(multi) = &self.multi {
            multi.remove(&bar);
        }
        self.total.inc(1);
    }

    fn finish(&self) {
        self.total.finish_and_clear();
    }
}

fn style(template: &str) -> ProgressStyle {
    ProgressStyle::with_template(template)
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> ")
}

#[cfg(test)]
mod tests;
