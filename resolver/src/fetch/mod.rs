//! Getting artifacts onto this machine: an HTTP client with explicit
//! timeouts, per-request deadlines and a pure retry policy ([`HttpClient`],
//! [`HttpConfig::deadline`], [`retry_delay`]), capped reading of encoded
//! bodies ([`read_capped`]: which requests may be decoded, and why), a
//! content-addressed cache that only ever holds verified blobs
//! ([`ContentCache`]), and parallel fetching of a resolved set of artifacts
//! into it ([`fetch_all`]).
//!
//! Nothing here knows the index formats: callers pass plain URLs, sizes and
//! checksums taken from verified index entries.

mod body;
mod cache;
mod download;
mod hasher;
mod http;
mod partial;
mod range;
mod resolve;
#[cfg(test)]
pub(crate) mod test_server;

pub use body::{ACCEPT_INDEX, BodyError, Coding, read_capped};
pub use cache::{CacheError, CacheLock, ContentCache};
pub use download::{
    ArtifactSource, FetchError, FetchItem, FetchOptions, LONG_DOWNLOAD, LineSink, TokenLookup,
    fetch_all,
};
pub use http::{
    DEFAULT_MIN_RATE, ENV_MAX_TIME, ENV_MIN_RATE, ENV_RETRIES, ENV_TIMEOUT, HttpClient, HttpConfig,
    HttpError, Outcome, RetryPolicy, bearer, classify, jitter, retry_delay, status_hint,
};
pub use partial::Download;
pub(crate) use resolve::agent;
