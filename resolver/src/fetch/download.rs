//! Fetching a set of artifacts into the [`ContentCache`], in parallel.
//!
//! Flow per item: already cached (right size) → done; a local path (an
//! index on disk ships its artifacts beside it) → copied through the same
//! verifying [`ContentCache::insert`]; a URL → GET with the optional token,
//! the identity encoding and a deadline from the size
//! ([`HttpConfig::deadline`]), streamed as sent (never decoded) into
//! a [`Download`] kept in the cache's `partial/`, which refuses byte
//! `size + 1` and any checksum mismatch. Network trouble (5xx, 408, 429,
//! timeouts, dropped connections) is retried per
//! [`RetryPolicy`](super::RetryPolicy); a wrong file never is. A retry, or
//! the next run after an interrupted one, resumes with a `Range` request
//! from the bytes kept (see `range.rs`): they are hashed again first, and
//! the sha256 of the whole stays the only trust decision.
//!
//! What the user sees: progress bars on a terminal (an elapsed time that
//! ticks, an ETA per artifact); elsewhere, unless quiet, a plain
//! `Downloading NAME VERSION (SIZE)` line, and `Downloaded …` when done,
//! for each artifact of at least [`LONG_DOWNLOAD`] bytes, as cargo prints.
//!
//! A bounded set of worker threads takes items from a shared counter. After
//! the first failure no new item starts; blobs that finished stay cached,
//! which is harmless because the cache is content-addressed.

use std::fs::File;
use std::path::PathBuf;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use indicatif::{HumanBytes, MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use ureq::Body;
use ureq::http::Response;

use super::cache::{CacheError, ContentCache};
use super::http::{HttpClient, HttpConfig, HttpError, Outcome};
use super::partial::Download;
use super::range::{RangeAnswer, range_answer};

/// Downloads of at least this many bytes get `Downloading`/`Downloaded`
/// lines when there are no progress bars: 1 MiB.
pub const LONG_DOWNLOAD: u64 = 1 << 20;

/// Where plain progress lines go (stderr in the CLI).
pub type LineSink = dyn Fn(&str) + Send + Sync;

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
pub struct FetchOptions<'a> {
    /// Parallel downloads; clamped to 1..=16.
    pub jobs: usize,
    /// Draw progress bars on stderr. Pass `true` only on a terminal and
    /// without `--quiet`/`--json`.
    pub progress: bool,
    /// Token for a URL; the token is sent as `Authorization: Bearer` and never printed.
    pub token: Option<Box<TokenLookup>>,
    pub http: HttpConfig,
    /// Where `Downloading`/`Downloaded` lines go for downloads of at least
    /// [`LONG_DOWNLOAD`] bytes; `None`: no lines. Pass it only without
    /// progress bars (not on a terminal) and without `--quiet`.
    pub lines: Option<&'a LineSink>,
}

impl Default for FetchOptions<'_> {
    fn default() -> Self {
        Self {
            jobs: 6,
            progress: false,
            token: None,
            http: HttpConfig::default(),
            lines: None,
        }
    }
}

impl std::fmt::Debug for FetchOptions<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FetchOptions")
            .field("jobs", &self.jobs)
            .field("progress", &self.progress)
            .field("token", &self.token.as_ref().map(|_| "<lookup>"))
            .field("http", &self.http)
            .field("lines", &self.lines.map(|_| "<sink>"))
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
    opts: &FetchOptions<'_>,
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
    opts: &FetchOptions<'_>,
    bars: &Bars,
) -> Result<PathBuf, FetchError> {
    let bar = bars.item(&item.label, item.size);
    let result = match &item.source {
        ArtifactSource::Path(path) => copy_local(item, path, cache, &bar),
        ArtifactSource::Url(url) => {
            let lines = opts.lines.filter(|_| item.size >= LONG_DOWNLOAD);
            let size = HumanBytes(item.size);
            if let Some(line) = lines {
                line(&format!("Downloading {} ({size})", item.label));
            }
            let started = Instant::now();
            let token = opts.token.as_ref().and_then(|lookup| lookup(url));
            let mut attempts = 0;
            let result = client
                .config()
                .retry
                .run(
                    |attempt| {
                        attempts = attempt;
                        download_once(item, url, token.as_deref(), cache, client, &bar)
                    },
                    Attempt::outcome,
                )
                .map_err(|err| err.into_fetch_error(item, url, attempts));
            if let (Some(line), Ok(_)) = (lines, &result) {
                let secs = started.elapsed().as_secs_f64();
                line(&format!(
                    "Downloaded {} ({size} in {secs:.1} s)",
                    item.label
                ));
            }
            result
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

/// One attempt at `url`: resumes from the bytes an earlier attempt or run
/// kept when there are some, else (or when they cannot be resumed) gets
/// the whole file.
fn download_once(
    item: &FetchItem,
    url: &str,
    token: Option<&str>,
    cache: &ContentCache,
    client: &HttpClient,
    bar: &ProgressBar,
) -> Result<PathBuf, Attempt> {
    let open = || {
        cache
            .download(&item.sha256, item.size, true)
            .map_err(Attempt::Data)
    };
    let mut download = open()?;
    bar.set_position(download.have());
    if download.have() == item.size {
        // Killed between the last byte and the rename: no request needed
        // if the kept bytes are the file (else they are deleted).
        match download.finish() {
            Err(CacheError::Mismatch { .. }) => download = open()?,
            done => return done.map_err(Attempt::Data),
        }
    } else if download.have() > 0 {
        match resume(&mut download, item, url, token, client, bar)? {
            Resumed::Whole => return download.finish().map_err(Attempt::Data),
            Resumed::Rest => match download.finish() {
                // The kept bytes, or the rest, were not the file's (both
                // are deleted): once more from the first byte.
                Err(CacheError::Mismatch { .. }) => download = open()?,
                done => return done.map_err(Attempt::Data),
            },
            Resumed::Restart => {}
        }
    }
    bar.set_position(0);
    let response = client.get(url, token, item.size).map_err(Attempt::Http)?;
    append(&mut download, response, item.size, url, bar)?;
    download.finish().map_err(Attempt::Data)
}

/// What a `Range` request for the rest of a download brought.
enum Resumed {
    /// The rest, appended to the kept bytes.
    Rest,
    /// The whole file (the server ignores `Range`), written from byte 0.
    Whole,
    /// Nothing usable: the kept bytes are dropped; get the whole file.
    Restart,
}

fn resume(
    download: &mut Download<'_>,
    item: &FetchItem,
    url: &str,
    token: Option<&str>,
    client: &HttpClient,
    bar: &ProgressBar,
) -> Result<Resumed, Attempt> {
    let from = download.have();
    let response = client
        .get_from(url, token, item.size - from, from)
        .map_err(Attempt::Http)?;
    let content_range = response
        .headers()
        .get("content-range")
        .and_then(|v| v.to_str().ok());
    let status = response.status().as_u16();
    match range_answer(status, content_range, from, item.size) {
        RangeAnswer::Rest => {
            append(download, response, item.size - from, url, bar)?;
            Ok(Resumed::Rest)
        }
        RangeAnswer::Whole => {
            download.restart().map_err(Attempt::Data)?;
            bar.set_position(0);
            append(download, response, item.size, url, bar)?;
            Ok(Resumed::Whole)
        }
        RangeAnswer::Restart(_) => {
            download.restart().map_err(Attempt::Data)?;
            Ok(Resumed::Restart)
        }
        RangeAnswer::Status(status) => Err(Attempt::Http(HttpError::Status {
            url: crate::credentials::redact_url(url),
            status,
        })),
    }
}

/// Streams a response body into `download`; at most `most` bytes may
/// come. The body is the bytes as sent, whatever `Content-Encoding` says
/// (see `body.rs`), so a declared length beyond that is refused before
/// reading.
fn append(
    download: &mut Download<'_>,
    response: Response<Body>,
    most: u64,
    url: &str,
    bar: &ProgressBar,
) -> Result<(), Attempt> {
    if let Some(len) = response.body().content_length()
        && len > most
    {
        return Err(Attempt::Data(CacheError::TooLarge {
            expected: download.size(),
        }));
    }
    let reader = response.into_body().into_reader();
    download
        .append(reader, |n| bar.inc(n))
        .map_err(|err| match err {
            CacheError::Source { source } => Attempt::Http(HttpError::from_body_io(url, source)),
            other => Attempt::Data(other),
        })
}

/// How often the bars redraw on their own: the elapsed time and the ETA
/// move even while no byte arrives.
const TICK: Duration = Duration::from_millis(200);

/// Progress bars, or nothing at all when disabled.
struct Bars {
    multi: Option<MultiProgress>,
    total: ProgressBar,
}

impl Bars {
    fn new(enabled: bool, count: usize) -> Self {
        match enabled {
            true => Self::drawn_to(ProgressDrawTarget::stderr(), count),
            false => Self {
                multi: None,
                total: ProgressBar::hidden(),
            },
        }
    }

    fn drawn_to(target: ProgressDrawTarget, count: usize) -> Self {
        let multi = MultiProgress::with_draw_target(target);
        let total = multi.add(ProgressBar::new(count as u64));
        total.set_style(style("{prefix:>12.bold} {pos}/{len} artifacts {elapsed}"));
        total.set_prefix("Downloading");
        // Without a tick the line redraws only when an artifact is done,
        // so the elapsed time stood still (at 0s for a single artifact).
        total.enable_steady_tick(TICK);
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
            "{prefix:>24} [{bar:30}] {binary_bytes}/{binary_total_bytes} {binary_bytes_per_sec} {eta}",
        ));
        bar.set_prefix(label.to_owned());
        bar.enable_steady_tick(TICK);
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
