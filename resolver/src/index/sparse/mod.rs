//! The sparse HTTP index backend: an index tree served by any static host
//! (`sparse+https://host/path/`), read one file at a time.
//!
//! Only the files a resolution reaches are fetched. The resolver's
//! speculative [`prefetch`](IndexBackend::prefetch) (dependencies of the
//! candidate versions it is looking at) becomes parallel requests over
//! one ureq agent's kept-alive connections, on a bounded set of worker
//! threads; [`read`](IndexBackend::read) then finds the file fetched, or
//! waits for the request already under way. Each file is fetched at most
//! once per backend.
//!
//! Per file:
//!
//! ```text
//! cache (files/ + ETag/Last-Modified sidecar) ──► GET with If-None-Match /
//!   If-Modified-Since ──► 200: bytes, plain or gzip (refused past the
//!                              file's limit, as sent or decoded, while
//!                              streaming; MAX_FILE_SIZE, less for a
//!                              timestamp, a signature, or the snapshot
//!                              size the timestamp gives), cached atomically
//!                         304: the cached bytes
//!                         404/410: one more GET with `?plugres-refresh=<nanos>`
//!                              (a CDN may still hold a pre-publish miss;
//!                              not for the optional head.bundle), then
//!                              "absent" (cached too, for --offline)
//!                         401/403: an error naming the registry and how to
//!                              give it a token (or why a configured one
//!                              was withheld: bound to another index)
//!                         5xx/408/429, timeouts, resets: retried with backoff
//!                              and jitter; the final error names the URL
//!                              and the cause
//! every request ends by its deadline: the timeouts plus the file's limit
//! at the floor rate (`HttpConfig::deadline`)
//! ```
//!
//! A file whose digest the verified snapshot gives
//! ([`pin`](IndexBackend::pin)) is served from the cache with no request
//! when the cached bytes have that digest, and otherwise fetched whole (and
//! once more past CDN caches if the answer is not it): with a snapshot, an
//! unchanged index costs one conditional request, for `timestamp.toml`.
//! The signature of a file that came back changed is fetched whole too,
//! since an ETag of size and whole-second mtime (nginx's) can call a
//! re-signed signature unchanged.
//!
//! With `offline`, no request is made: files come from the cache, and a
//! file not cached is an error listing what is missing. With `refresh`,
//! every file is fetched whole (no validators) with the cache-busting
//! query: ops re-runs a failed resolution once that way, for a CDN that
//! serves stale plugin files.
//!
//! The rules above are plain functions in `http_logic`; this file only
//! moves bytes. Trust is [`VerifiedIndex`](super::VerifiedIndex)'s job.

mod cache;
mod http_logic;
#[cfg(test)]
pub(crate) mod test_nginx;
#[cfg(test)]
mod tests;

use std::collections::{BTreeSet, HashMap, HashSet, VecDeque};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, OnceLock, PoisonError};

use plugres_schema::{HEAD_PATH, MAX_FILE_SIZE, Sha256};
use ureq::Agent;

use super::{ArrivalHook, ArtifactLocation, IndexBackend, IndexError};
use crate::credentials::{Token, may_carry_token, redact_url};
use crate::fetch::{ACCEPT_INDEX, BodyError, Coding, HttpConfig, HttpError, bearer, read_capped};
use cache::{Cached, DiskCache};
use http_logic::{Class, Validators};

/// Most requests a sparse backend runs at once.
pub const MAX_PARALLEL: usize = 16;

/// Workers a backend starts with. A host that answers fast (loopback, a
/// mirror on the LAN, a CDN edge nearby) keeps them busy: a cold lock of
/// 400 files over loopback took 145 ms with 4 and 179 ms with 16, the extra
/// threads' stacks and allocator pages costing more than they saved.
const FIRST_WORKERS: usize = 4;

/// A request slower than this shows a host far enough away that waiting,
/// not work, is what the workers do: each such request allows one more
/// worker, up to [`MAX_PARALLEL`] (a real network reaches it within a few
/// round trips).
const SLOW_REQUEST: std::time::Duration = std::time::Duration::from_millis(5);

/// A connection's read buffer. ureq's default (128 KiB, and as much again
/// to write) cost a cold lock with [`MAX_PARALLEL`] connections a third of
/// its memory, every page of it zeroed on first touch; an index file is
/// read through it in pieces, so a smaller one costs nothing per file.
const INPUT_BUFFER: usize = 32 * 1024;
/// The longest response head read (status line and headers). Below
/// [`INPUT_BUFFER`], so a longer one is refused as too large by name
/// rather than as a connection that stopped making progress. Hosts and
/// CDNs send a few KiB.
const MAX_RESPONSE_HEAD: usize = 16 * 1024;
/// A connection's write buffer: it holds a GET's request line and headers.
const OUTPUT_BUFFER: usize = 8 * 1024;

/// How to open a [`SparseBackend`].
#[derive(Debug, Clone)]
pub struct SparseConfig {
    /// The index URL without `sparse+`: `https://host/path/`.
    pub url: String,
    /// The project's name for the registry, for messages and the token hint.
    pub registry: String,
    /// Root of the index caches (`<PLUGRES_HOME>/index`); this index uses
    /// `<cache_root>/sparse/<host-path>-<hash>/`.
    pub cache_root: PathBuf,
    /// Serve only from the cache; never make a request.
    pub offline: bool,
    /// Bypass CDN caches: every request carries a cache-busting query.
    pub refresh: bool,
    /// Sent as `Authorization: Bearer` to this index (never printed);
    /// never over plain http to another machine.
    pub token: Option<Token>,
    /// Why a configured token is not sent here (it is bound to another
    /// index), for the message when the index answers 401/403.
    pub token_withheld: Option<String>,
    pub http: HttpConfig,
}

impl SparseConfig {
    /// A config with defaults: online, no token, default HTTP settings.
    pub fn new(url: &str, registry: &str, cache_root: &Path) -> Self {
        SparseConfig {
            url: url.to_string(),
            registry: registry.to_string(),
            cache_root: cache_root.to_path_buf(),
            offline: false,
            refresh: false,
            token: None,
            token_withheld: None,
            http: HttpConfig::default(),
        }
    }
}

/// An index on a static HTTP host. See the module docs.
pub struct SparseBackend {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for SparseBackend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SparseBackend")
            .field("url", &self.inner.shown)
            .field("registry", &self.inner.registry)
            .field("offline", &self.inner.offline)
            .field("cache", &self.inner.cache.dir())
            .finish_non_exhaustive()
    }
}

/// Why one file could not be had; kept (cloneable) in the memo so that a
/// file failed once fails the same way for every reader.
#[derive(Debug, Clone)]
enum Failure {
    Message(String),
    TooLarge(u64),
    NotCached,
}

type Fetched = Result<Option<Arc<Vec<u8>>>, Failure>;

/// Paths waiting for a worker. Workers are started as work arrives, at
/// most [`MAX_PARALLEL`], and wait for more until the backend is dropped
/// (a resolution prefetches in many small batches: a worker per batch
/// meant a thread per request or two).
struct Queue {
    paths: VecDeque<String>,
    workers: usize,
    /// How many workers may run now: [`FIRST_WORKERS`], raised by slow
    /// requests (see [`SLOW_REQUEST`]).
    allowed: usize,
    /// The most workers that ran at once (for tests).
    peak: usize,
    /// Workers waiting for a path.
    idle: usize,
    /// The backend is gone: workers stop.
    closed: bool,
}

struct Inner {
    base: String,
    /// `base` for messages: userinfo redacted.
    shown: String,
    registry: String,
    agent: Agent,
    http: HttpConfig,
    token: Option<Token>,
    token_withheld: Option<String>,
    cache: DiskCache,
    offline: bool,
    refresh: bool,
    memo: Mutex<HashMap<String, Arc<OnceLock<Fetched>>>>,
    /// Handed each file a worker brings in, while set (see
    /// [`IndexBackend::on_arrival`]).
    arrival: Mutex<Option<ArrivalHook>>,
    queue: Mutex<Queue>,
    /// Wakes idle workers when paths are queued or the backend closes.
    wake: Condvar,
    requests: AtomicUsize,
    /// Files found missing from the cache while offline.
    missing: Mutex<BTreeSet<String>>,
    /// Fetched but not yet written to the disk cache: written only by
    /// [`IndexBackend::persist`], once everything read verified.
    pending: Mutex<Vec<PendingWrite>>,
    /// Paths asked for through [`IndexBackend::read`] (by the verifier), as
    /// opposed to only prefetched.
    read: Mutex<BTreeSet<String>>,
    /// Files whose verified form the verifier keeps (see
    /// [`IndexBackend::kept_verified`]): not written to the disk cache.
    kept: Mutex<BTreeSet<String>>,
    /// Digests the verified snapshot lists (see [`IndexBackend::pin`]).
    pins: Mutex<HashMap<String, Sha256>>,
    /// Paths fetched with no pin for them yet: on a first use, the
    /// project's plugins are fetched while the trust chain that pins them
    /// is checked, and their bytes are held to the pin once it comes.
    unpinned: Mutex<HashSet<String>>,
    /// Limits below [`MAX_FILE_SIZE`] (see [`IndexBackend::read_at_most`]).
    limits: Mutex<HashMap<String, (u64, &'static str)>>,
    /// Paths answered with a new body in this session: the signature of
    /// such a file is fetched whole, since nginx-style ETags (size and
    /// whole-second mtime) can call a re-signed signature unchanged.
    fresh: Mutex<BTreeSet<String>>,
}

/// A fetched file (or a confirmed absence) waiting to be cached.
type PendingWrite = (String, Option<Arc<Vec<u8>>>, Validators);

/// What one attempt got, when it is not worth retrying.
enum Answer {
    Body(Vec<u8>, Validators),
    NotModified,
    Absent,
    Denied(u16),
    TooLarge(u64),
    Unexpected(u16),
    /// A `Content-Encoding` plugres does not read, or gzip that does not decode.
    Undecodable(String),
}

impl SparseBackend {
    /// Opens the index at `config.url`. Makes no request: the first one
    /// happens on the first read.
    pub fn open(config: SparseConfig) -> Result<SparseBackend, IndexError> {
        let base =
            http_logic::normalize_base(&config.url).map_err(|message| IndexError::Transport {
                index: format!("sparse+{}", redact_url(&config.url)),
                path: String::new(),
                message,
            })?;
        let dir = config
            .cache_root
            .join("sparse")
            .join(http_logic::cache_dir_name(&base));
        let agent: Agent = crate::fetch::agent(
            config
                .http
                .agent_builder()
                .max_idle_connections(MAX_PARALLEL * 2)
                .max_idle_connections_per_host(MAX_PARALLEL)
                .input_buffer_size(INPUT_BUFFER)
                .max_response_header_size(MAX_RESPONSE_HEAD)
                .output_buffer_size(OUTPUT_BUFFER)
                .build(),
        );
        let (token, token_withheld) = match config.token {
            Some(_) if !may_carry_token(&base) => (
                None,
                Some(format!(
                    "a token is configured, but `{}` is plain http:// on another host; plugres sends tokens only over https:// (or http:// to this machine)",
                    redact_url(&base)
                )),
            ),
            token => (token, config.token_withheld),
        };
        Ok(SparseBackend {
            inner: Arc::new(Inner {
                shown: redact_url(&base),
                base,
                registry: config.registry,
                agent,
                http: config.http,
                token,
                token_withheld,
                cache: DiskCache::new(dir),
                offline: config.offline,
                refresh: config.refresh,
                memo: Mutex::new(HashMap::new()),
                queue: Mutex::new(Queue {
                    paths: VecDeque::new(),
                    workers: 0,
                    allowed: FIRST_WORKERS,
                    peak: 0,
                    idle: 0,
                    closed: false,
                }),
                wake: Condvar::new(),
                requests: AtomicUsize::new(0),
                missing: Mutex::new(BTreeSet::new()),
                pending: Mutex::new(Vec::new()),
                read: Mutex::new(BTreeSet::new()),
                kept: Mutex::new(BTreeSet::new()),
                pins: Mutex::new(HashMap::new()),
                unpinned: Mutex::new(HashSet::new()),
                arrival: Mutex::new(None),
                limits: Mutex::new(HashMap::new()),
                fresh: Mutex::new(BTreeSet::new()),
            }),
        })
    }

    /// This index's cache folder.
    pub fn cache_dir(&self) -> &Path {
        self.inner.cache.dir()
    }

    /// HTTP requests made so far (each attempt counts).
    pub fn requests(&self) -> usize {
        self.inner.requests.load(Ordering::Relaxed)
    }

    /// The most prefetch workers that ran at once.
    #[cfg(test)]
    pub(crate) fn peak_workers(&self) -> usize {
        lock(&self.inner.queue).peak
    }
}

impl Drop for SparseBackend {
    fn drop(&mut self) {
        // Workers still running finish their current file and stop.
        let mut queue = lock(&self.inner.queue);
        queue.paths.clear();
        queue.closed = true;
        drop(queue);
        self.inner.wake.notify_all();
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl IndexBackend for SparseBackend {
    /// Writes the fetched files to the disk cache, now that they verified.
    /// A cache that cannot be written only costs a later refetch.
    /// Only files the verifier actually read (those the resolver asked for,
    /// and prefetched ones it verified ahead because they had arrived): a
    /// speculative prefetch never verified is not kept; nor a file the
    /// verifier keeps in its own cache.
    fn persist(&self) {
        let read = lock(&self.inner.read);
        let kept = lock(&self.inner.kept);
        for (path, bytes, validators) in lock(&self.inner.pending).drain(..) {
            if read.contains(&path) && !kept.contains(&path) {
                let _ =
                    self.inner
                        .cache
                        .store(&path, bytes.as_deref().map(Vec::as_slice), &validators);
            }
        }
    }

    fn read(&self, path: &str) -> Result<Option<Vec<u8>>, IndexError> {
        if !http_logic::is_index_path(path) {
            return Err(self.inner.error(
                path,
                Failure::Message("not a plain relative index path".into()),
            ));
        }
        lock(&self.inner.read).insert(path.to_string());
        match self.inner.get(path) {
            Ok(found) => Ok(found.map(|b| b.as_ref().clone())),
            Err(failure) => Err(self.inner.error(path, failure)),
        }
    }

    fn read_at_most(
        &self,
        path: &str,
        limit: u64,
        why: &'static str,
    ) -> Result<Option<Vec<u8>>, IndexError> {
        lock(&self.inner.limits).insert(path.to_string(), (limit, why));
        let bytes = self.read(path)?;
        super::at_most(self, path, bytes, limit, why)
    }

    fn kept_verified(&self, paths: &[&str]) {
        lock(&self.inner.kept).extend(paths.iter().map(|p| p.to_string()));
    }

    fn has_arrived(&self, path: &str) -> bool {
        lock(&self.inner.memo)
            .get(path)
            .is_some_and(|slot| slot.get().is_some())
    }

    /// Fetched like any file (gzip, the head's size limit, retries), but
    /// a missing head is not asked for again past CDN caches, nor cached
    /// on disk: only a client with no trust state reads it.
    fn head(&self) -> Option<Vec<u8>> {
        if self.inner.offline {
            return None;
        }
        match self.inner.get(HEAD_PATH) {
            Ok(Some(bytes)) => Some(bytes.as_ref().clone()),
            _ => None,
        }
    }

    /// Cached without validators: the next online run asks for the
    /// timestamp whole once, then conditionally as usual.
    fn adopt(&self, files: &[(&str, &[u8])]) {
        let mut pending = lock(&self.inner.pending);
        let mut read = lock(&self.inner.read);
        for (path, bytes) in files {
            pending.push((
                path.to_string(),
                Some(Arc::new(bytes.to_vec())),
                Validators::default(),
            ));
            read.insert(path.to_string());
        }
    }

    fn pin(&self, pins: &[(String, Sha256)]) {
        lock(&self.inner.pins).extend(pins.iter().cloned());
    }

    fn prefetch(&self, paths: &[String]) {
        self.inner.enqueue(paths);
    }

    fn on_arrival(&self, hook: Option<ArrivalHook>) {
        *lock(&self.inner.arrival) = hook;
    }

    fn list_plugins(&self) -> Result<Vec<String>, IndexError> {
        Err(IndexError::Unsupported {
            index: self.describe(),
            what: "list its plugins (a static HTTP host has no directory listing); search a git or local copy of the index instead",
        })
    }

    fn describe(&self) -> String {
        format!("sparse+{}", self.inner.shown)
    }

    fn relative_artifact(&self, url: &str) -> ArtifactLocation {
        ArtifactLocation::Url(format!(
            "{}{}",
            self.inner.base,
            url.trim_start_matches('/')
        ))
    }
}

impl Inner {
    /// Queues the paths not asked for yet, starting workers for them.
    fn enqueue(self: &Arc<Self>, paths: &[String]) {
        if self.offline {
            // Nothing to fetch; note what is missing, for the error message.
            let missing: Vec<&String> = paths.iter().filter(|p| !self.cache.has(p)).collect();
            lock(&self.missing).extend(missing.into_iter().cloned());
            return;
        }
        let memo = lock(&self.memo);
        let todo: Vec<String> = paths
            .iter()
            .filter(|p| http_logic::is_index_path(p) && !memo.contains_key(*p))
            .cloned()
            .collect();
        drop(memo);
        if todo.is_empty() {
            return;
        }
        let mut queue = lock(&self.queue);
        queue.paths.extend(todo);
        self.wake.notify_all();
        self.spawn_workers(&mut queue);
    }

    /// The memoised result for `path`, fetching it if no one has.
    fn get(&self, path: &str) -> Fetched {
        let slot = lock(&self.memo)
            .entry(path.to_string())
            .or_default()
            .clone();
        let fetched = slot.get_or_init(|| self.fetch(path)).clone();
        match self.pinned_since(path) {
            Some(want) => self.held_to(path, want, fetched),
            None => fetched,
        }
    }

    /// The pin of `path` when it came after `path` was fetched (asked for
    /// once: the answer is then settled).
    fn pinned_since(&self, path: &str) -> Option<Sha256> {
        let want = *lock(&self.pins).get(path)?;
        lock(&self.unpinned).remove(path).then_some(want)
    }

    /// `fetched` when it has the digest the snapshot pins; otherwise (a
    /// CDN's older copy, or an absence the snapshot contradicts) the file
    /// fetched again as a pinned file is, in place of the first answer,
    /// which is not cached.
    fn held_to(&self, path: &str, want: Sha256, fetched: Fetched) -> Fetched {
        if matches!(&fetched, Ok(Some(bytes)) if Sha256::of(bytes) == want) {
            return fetched;
        }
        lock(&self.pending).retain(|(p, ..)| p != path);
        // The plain URL just gave this answer: ask past caches at once.
        let again = self
            .fetch_wanted(path, want, Some(http_logic::bust_value()))
            .and_then(|(answer, wanted)| self.pinned_answer(path, answer, wanted));
        let settled = Arc::new(OnceLock::from(again.clone()));
        lock(&self.memo).insert(path.to_string(), settled);
        again
    }

    /// Starts workers for the queued paths no idle worker will take, as
    /// many as are allowed now.
    fn spawn_workers(self: &Arc<Self>, queue: &mut Queue) {
        while queue.workers < queue.allowed && queue.idle < queue.paths.len() {
            let worker = self.clone();
            let spawned = std::thread::Builder::new()
                .name("plugres-sparse".into())
                .spawn(move || worker.work());
            if spawned.is_err() {
                break; // reads still fetch what no worker took
            }
            queue.workers += 1;
            queue.peak = queue.peak.max(queue.workers);
        }
    }

    /// A request took [`SLOW_REQUEST`] or more: allow one more worker, and
    /// start it when paths are waiting.
    fn grow(self: &Arc<Self>) {
        let mut queue = lock(&self.queue);
        if queue.allowed < MAX_PARALLEL {
            queue.allowed += 1;
            self.spawn_workers(&mut queue);
        }
    }

    /// A prefetch worker: takes paths, waiting for more when the queue is
    /// empty, until the backend closes.
    fn work(self: &Arc<Self>) {
        loop {
            let next = {
                let mut queue = lock(&self.queue);
                loop {
                    if queue.closed {
                        queue.workers -= 1;
                        return;
                    }
                    if let Some(p) = queue.paths.pop_front() {
                        break p;
                    }
                    queue.idle += 1;
                    queue = self
                        .wake
                        .wait(queue)
                        .unwrap_or_else(PoisonError::into_inner);
                    queue.idle -= 1;
                }
            };
            let started = std::time::Instant::now();
            let fetched = self.get(&next);
            if started.elapsed() >= SLOW_REQUEST {
                self.grow();
            }
            let hook = lock(&self.arrival).clone();
            if let (Some(hook), Ok(Some(bytes))) = (hook, &fetched) {
                self.enqueue(&(hook.0)(&next, bytes));
            }
        }
    }

    fn fetch(&self, path: &str) -> Fetched {
        let cached = self.cache.load(path);
        let pin = lock(&self.pins).get(path).copied();
        if let Some(want) = pin {
            return self.fetch_pinned(path, want, cached);
        }
        if self.offline {
            return match cached {
                Some(Cached::Body { bytes, .. }) => Ok(Some(Arc::new(bytes))),
                Some(Cached::Absent) => Ok(None),
                None => {
                    lock(&self.missing).insert(path.to_string());
                    Err(Failure::NotCached)
                }
            };
        }
        lock(&self.unpinned).insert(path.to_string());
        let (cached_body, validators) = match cached {
            Some(Cached::Body { bytes, validators }) => (Some(bytes), Some(validators)),
            _ => (None, None),
        };
        // A refresh fetches whole files: a validator that happens to match
        // (e.g. nginx's second-resolution ETag) must not keep a stale copy.
        let (bust, validators) = match self.refresh {
            true => (Some(http_logic::bust_value()), None),
            false if self.file_changed(path) => (None, None),
            false => (None, validators),
        };
        let mut answer = self.fetch_url(path, bust, validators.as_ref())?;
        if matches!(answer, Answer::Absent) && bust.is_none() && http_logic::recheck_absent(path) {
            answer = self.fetch_url(path, Some(http_logic::bust_value()), None)?;
        }
        match answer {
            Answer::Body(bytes, validators) => {
                let bytes = Arc::new(bytes);
                lock(&self.fresh).insert(path.to_string());
                lock(&self.pending).push((path.to_string(), Some(bytes.clone()), validators));
                Ok(Some(bytes))
            }
            Answer::NotModified => match cached_body {
                Some(bytes) => Ok(Some(Arc::new(bytes))),
                None => self.unwanted(path, Answer::NotModified),
            },
            Answer::Absent => {
                lock(&self.pending).push((path.to_string(), None, Validators::default()));
                Ok(None)
            }
            other => self.unwanted(path, other),
        }
    }

    /// Whether `path` is a signature whose signed file came back changed
    /// in this session (its cached copy is then the old file's signature).
    fn file_changed(&self, path: &str) -> bool {
        path.strip_suffix(plugres_schema::SIGNATURE_SUFFIX)
            .is_some_and(|file| lock(&self.fresh).contains(file))
    }

    /// A file whose digest the verified snapshot gives: a cached copy with
    /// that digest is used without any request; otherwise the file is
    /// fetched whole, and once more past CDN caches if what came back is
    /// not it (a CDN may still hold the previous version). What is
    /// returned is checked by the verifier either way.
    fn fetch_pinned(&self, path: &str, want: Sha256, cached: Option<Cached>) -> Fetched {
        if let Some(Cached::Body { bytes, .. }) = cached
            && Sha256::of(&bytes) == want
        {
            return Ok(Some(Arc::new(bytes)));
        }
        if self.offline {
            lock(&self.missing).insert(path.to_string());
            return Err(Failure::NotCached);
        }
        let (mut answer, mut wanted) = self.fetch_wanted(path, want, None)?;
        if !wanted {
            (answer, wanted) = self.fetch_wanted(path, want, Some(http_logic::bust_value()))?;
        }
        self.pinned_answer(path, answer, wanted)
    }

    /// `path` fetched with the query `bust` (or none), and whether it came
    /// with the digest `want`.
    fn fetch_wanted(
        &self,
        path: &str,
        want: Sha256,
        bust: Option<u128>,
    ) -> Result<(Answer, bool), Failure> {
        let answer = self.fetch_url(path, bust, None)?;
        let wanted = matches!(&answer, Answer::Body(bytes, _) if Sha256::of(bytes) == want);
        Ok((answer, wanted))
    }

    /// What a pinned fetch answers: a body is cached only when `wanted`.
    fn pinned_answer(&self, path: &str, answer: Answer, wanted: bool) -> Fetched {
        match answer {
            Answer::Body(bytes, validators) => {
                let bytes = Arc::new(bytes);
                lock(&self.fresh).insert(path.to_string());
                if wanted {
                    lock(&self.pending).push((path.to_string(), Some(bytes.clone()), validators));
                }
                Ok(Some(bytes))
            }
            Answer::Absent => Ok(None),
            other => self.unwanted(path, other),
        }
    }

    /// The failure for an answer that brings no file.
    fn unwanted(&self, path: &str, answer: Answer) -> Fetched {
        let url = http_logic::file_url(&self.shown, path, None);
        match answer {
            Answer::Body(..) | Answer::Absent => Ok(None),
            Answer::NotModified => Err(Failure::Message(format!(
                "`{url}` answered 304 Not Modified to a request that had no cached copy to validate"
            ))),
            Answer::Denied(status) => {
                let token = match (&self.token, &self.token_withheld) {
                    (Some(_), _) => http_logic::TokenState::Sent,
                    (None, Some(why)) => http_logic::TokenState::Withheld(why),
                    (None, None) => http_logic::TokenState::None,
                };
                Err(Failure::Message(http_logic::auth_message(
                    &self.registry,
                    status,
                    token,
                )))
            }
            Answer::TooLarge(size) => Err(Failure::TooLarge(size)),
            Answer::Undecodable(why) => Err(Failure::Message(format!("`{url}` {why}"))),
            Answer::Unexpected(status) => Err(Failure::Message(format!(
                "`{url}` answered HTTP {status}: {}",
                crate::fetch::status_hint(status)
            ))),
        }
    }

    /// The most bytes `path` may have, and why when below [`MAX_FILE_SIZE`]:
    /// a limit of its kind ([`http_logic::file_limit`]) or one a signed
    /// file gives ([`IndexBackend::read_at_most`]).
    fn limit_of(&self, path: &str) -> (u64, Option<&'static str>) {
        let (mut limit, mut why) = http_logic::file_limit(path);
        if let Some(&(given, reason)) = lock(&self.limits).get(path)
            && given < limit
        {
            (limit, why) = (given, Some(reason));
        }
        (limit, why)
    }

    /// GETs one URL with retries for transient trouble.
    fn fetch_url(
        &self,
        path: &str,
        bust: Option<u128>,
        validators: Option<&Validators>,
    ) -> Result<Answer, Failure> {
        let url = http_logic::file_url(&self.base, path, bust);
        let (limit, _) = self.limit_of(path);
        let mut attempts = 0;
        self.http
            .retry
            .run(
                |_| {
                    attempts += 1;
                    self.attempt(&url, validators, limit)
                },
                |e: &HttpError| Some(e.outcome()),
            )
            .map_err(|e| Failure::Message(format!("{e} (attempts: {attempts})")))
    }

    /// One GET of a file of at most `limit` bytes, as sent and as decoded
    /// (gzip is accepted: see `fetch/body.rs`), within the deadline that
    /// size gives ([`HttpConfig::deadline`]). Statuses worth retrying come
    /// back as errors, so that
    /// [`RetryPolicy::run`](crate::fetch::RetryPolicy::run) retries them.
    fn attempt(
        &self,
        url: &str,
        validators: Option<&Validators>,
        limit: u64,
    ) -> Result<Answer, HttpError> {
        self.requests.fetch_add(1, Ordering::Relaxed);
        let mut request = self.agent.get(url).header("Accept-Encoding", ACCEPT_INDEX);
        for (name, value) in http_logic::conditional_headers(validators) {
            request = request.header(name, value);
        }
        if let Some(token) = &self.token {
            let (name, value) = bearer(token.expose());
            request = request.header(name, value);
        }
        let response = request
            .config()
            .timeout_global(Some(self.http.deadline(limit)))
            .build()
            .call()
            .map_err(|e| HttpError::from_ureq(url, e))?;
        let status = response.status().as_u16();
        let header = |name: &str| {
            response
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        };
        let class = http_logic::classify(status);
        if class != Class::Fresh {
            drain(response);
            return match class {
                Class::NotModified => Ok(Answer::NotModified),
                Class::Absent => Ok(Answer::Absent),
                Class::AuthNeeded => Ok(Answer::Denied(status)),
                Class::Retry => Err(HttpError::Status {
                    url: redact_url(url),
                    status,
                }),
                Class::Fresh | Class::Error => Ok(Answer::Unexpected(status)),
            };
        }
        // As sent: the compressed size when encoded, capped all the same.
        if let Some(size) =
            http_logic::declared_too_large(header("content-length").as_deref(), limit)
        {
            return Ok(Answer::TooLarge(size));
        }
        let coding = match Coding::from_header(header("content-encoding").as_deref()) {
            Ok(coding) => coding,
            Err(value) => {
                return Ok(Answer::Undecodable(format!(
                    "answered with `Content-Encoding: {value}`; plugres reads index files plain or gzip-encoded. Check the host's compression settings"
                )));
            }
        };
        let validators = Validators::from_headers(
            header("etag").as_deref(),
            header("last-modified").as_deref(),
        );
        let declared = header("content-length").and_then(|v| v.trim().parse().ok());
        match read_capped(response.into_body().into_reader(), coding, limit, declared) {
            Ok(bytes) => Ok(Answer::Body(bytes, validators)),
            Err(BodyError::TooLarge { limit }) => Ok(Answer::TooLarge(limit + 1)),
            Err(BodyError::Corrupt(e)) => Ok(Answer::Undecodable(format!(
                "sent a gzip-encoded body that does not decode ({e})"
            ))),
            Err(BodyError::Transfer(e)) => Err(HttpError::from_body_io(url, e)),
        }
    }

    fn error(&self, path: &str, failure: Failure) -> IndexError {
        let index = format!("sparse+{}", self.shown);
        match failure {
            Failure::Message(message) => IndexError::Transport {
                index,
                path: path.to_string(),
                message,
            },
            Failure::TooLarge(size) => match self.limit_of(path) {
                (limit, Some(why)) => IndexError::OverLimit {
                    index,
                    path: path.to_string(),
                    limit,
                    why,
                },
                (_, None) => IndexError::TooLarge {
                    index,
                    path: path.to_string(),
                    size,
                    limit: MAX_FILE_SIZE,
                },
            },
            Failure::NotCached => {
                let missing = lock(&self.missing);
                let list: Vec<String> = missing.iter().map(|p| format!("`{p}`")).collect();
                IndexError::Transport {
                    index,
                    path: path.to_string(),
                    message: format!(
                        "--offline forbids fetching it, and it is not in the local cache (not cached: {}). Run once without --offline to fill the cache",
                        list.join(", ")
                    ),
                }
            }
        }
    }
}

/// Reads a little of an unwanted body so the connection can be reused.
fn drain(response: ureq::http::Response<ureq::Body>) {
    let mut reader = response
        .into_body()
        .into_with_config()
        .limit(64 * 1024)
        .reader();
    let _ = std::io::copy(&mut reader, &mut std::io::sink());
}
