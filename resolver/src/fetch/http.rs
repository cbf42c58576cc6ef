//! The HTTP client every download goes through, and the retry policy.
//!
//! ureq has no timeouts by default and turns 4xx/5xx into errors; here the
//! agent always gets explicit timeouts, and statuses come back as responses
//! so that [`retry_delay`] — a pure function, testable without a server —
//! decides what is worth another attempt. Interpreting a response is kept
//! apart from the socket: [`status_hint`] and [`classify`] are plain
//! functions too.
//!
//! Bearer tokens are attached per request ([`bearer`]) and never appear in
//! an error message, a `Debug` output or a log line.
//!
//! Every plugres request — artifacts, sparse index files, git's smart HTTP —
//! goes through an agent built by [`HttpConfig::agent_builder`] and
//! [`super::agent`] (each host looked up once per agent): one set of
//! timeouts, one proxy setup (ureq reads `HTTPS_PROXY`/`NO_PROXY`), one TLS
//! stack, one redirect policy.

use std::io::{self, Read};
use std::time::Duration;

use ureq::config::ConfigBuilder;
use ureq::http::Response;
use ureq::typestate::AgentScope;
use ureq::{Agent, Body};

/// Environment variable that overrides the connect and read timeouts (seconds).
pub const ENV_TIMEOUT: &str = "PLUGRES_HTTP_TIMEOUT";
/// Environment variable that overrides the number of retries.
pub const ENV_RETRIES: &str = "PLUGRES_HTTP_RETRIES";
/// Environment variable that overrides the slowest transfer rate a request
/// may have, in KiB per second (see [`HttpConfig::deadline`]).
pub const ENV_MIN_RATE: &str = "PLUGRES_HTTP_MIN_RATE";
/// Environment variable that overrides the longest any one request may
/// take, in seconds (see [`HttpConfig::deadline`]).
pub const ENV_MAX_TIME: &str = "PLUGRES_HTTP_MAX_TIME";

/// How the HTTP client behaves: timeouts, deadlines and retries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpConfig {
    /// Budget for resolving the host and setting up the connection (incl. TLS).
    pub connect_timeout: Duration,
    /// Budget for sending the request, for the response headers, and for each
    /// single read of the body. A server that stops sending hits it; one
    /// that drips a byte just inside it does not, hence [`Self::deadline`].
    pub read_timeout: Duration,
    /// The slowest average transfer rate a request may have, in bytes per
    /// second: with [`Self::read_timeout`] as allowance it gives every
    /// request a deadline from the most bytes it may carry.
    pub min_rate: u64,
    /// No request takes longer than this, whatever its size: the deadline
    /// of a request whose size is not known in advance (git's smart HTTP).
    pub max_time: Duration,
    /// When to try again.
    pub retry: RetryPolicy,
}

/// Default of [`HttpConfig::min_rate`]: 8 KiB/s (64 kbit/s), slower than
/// any link plugres is usable on, yet at it a 1 MiB index file takes at
/// most 128 s and a timestamp (at most 16 KiB) 2 s.
pub const DEFAULT_MIN_RATE: u64 = 8 * 1024;

impl Default for HttpConfig {
    fn default() -> Self {
        Self {
            connect_timeout: Duration::from_secs(10),
            read_timeout: Duration::from_secs(30),
            min_rate: DEFAULT_MIN_RATE,
            max_time: Duration::from_secs(3600),
            retry: RetryPolicy::default(),
        }
    }
}

impl HttpConfig {
    /// The defaults, overridden by `PLUGRES_HTTP_TIMEOUT`, `PLUGRES_HTTP_RETRIES`,
    /// `PLUGRES_HTTP_MIN_RATE` and `PLUGRES_HTTP_MAX_TIME`.
    pub fn from_env() -> Result<Self, HttpError> {
        Self::default().with_env(|var| std::env::var(var).ok())
    }

    /// Applies the environment overrides, reading variables through `lookup`
    /// (so tests need not touch the process environment).
    pub fn with_env(mut self, lookup: impl Fn(&str) -> Option<String>) -> Result<Self, HttpError> {
        let number = |var: &'static str, expected: &'static str, range: (u64, u64)| {
            lookup(var)
                .map(|value| parse_env_number(var, &value, expected, range))
                .transpose()
        };
        if let Some(secs) = number(ENV_TIMEOUT, "whole number of seconds above 0", (1, 86_400))? {
            self.connect_timeout = Duration::from_secs(secs);
            self.read_timeout = Duration::from_secs(secs);
        }
        if let Some(retries) = number(ENV_RETRIES, "whole number of retries, 0 to 10", (0, 10))? {
            self.retry.retries = retries as u32;
        }
        let kib = "whole number of KiB per second, 1 to 1048576";
        if let Some(rate) = number(ENV_MIN_RATE, kib, (1, 1 << 20))? {
            self.min_rate = rate * 1024;
        }
        let secs = "whole number of seconds, 1 to 604800";
        if let Some(secs) = number(ENV_MAX_TIME, secs, (1, 604_800))? {
            self.max_time = Duration::from_secs(secs);
        }
        Ok(self)
    }

    /// How long a request whose body is at most `max_bytes` may take from
    /// start to last byte: an allowance of the connect and read timeouts
    /// (connecting, then waiting for the answer: each step already has
    /// that long) plus `max_bytes` at [`Self::min_rate`], and never more
    /// than [`Self::max_time`]. A per-read timeout alone does not bound a
    /// host that drips one byte just inside it (README "Threat model":
    /// slow retrieval); this does, from what the request may carry: an
    /// artifact's declared size, an index file's limit, the snapshot size
    /// the timestamp gives.
    pub fn deadline(&self, max_bytes: u64) -> Duration {
        let millis = max_bytes.saturating_mul(1000) / self.min_rate.max(1);
        let allowance = self.connect_timeout.saturating_add(self.read_timeout);
        allowance
            .saturating_add(Duration::from_millis(millis))
            .min(self.max_time)
    }

    /// The agent settings every request shares. Statuses are not errors:
    /// callers see every response and decide. Redirects are ureq's (at most
    /// 10 followed), and `Authorization` never follows a redirect, not even
    /// to the same host, so a token reaches only the URL it was sent to.
    /// Every request asks for the identity encoding unless it says
    /// otherwise (see [`super::read_capped`]), and ends by [`Self::max_time`]
    /// unless it sets a nearer [`Self::deadline`].
    pub fn agent_builder(&self) -> ConfigBuilder<AgentScope> {
        Agent::config_builder()
            .http_status_as_error(false)
            .user_agent(concat!("plugres/", env!("CARGO_PKG_VERSION")))
            .accept_encoding("identity")
            .redirect_auth_headers(ureq::config::RedirectAuthHeaders::Never)
            .timeout_resolve(Some(self.connect_timeout))
            .timeout_connect(Some(self.connect_timeout))
            .timeout_send_request(Some(self.read_timeout))
            .timeout_recv_response(Some(self.read_timeout))
            .timeout_per_read(Some(self.read_timeout))
            .timeout_per_write(Some(self.read_timeout))
            .timeout_global(Some(self.max_time))
    }
}

/// The `Authorization` header that carries `token`. Callers decide whether
/// the token may go to a URL ([`crate::credentials::may_carry_token`] and the
/// token's scope); this only spells the header.
pub fn bearer(token: &str) -> (&'static str, String) {
    ("Authorization", format!("Bearer {token}"))
}

fn parse_env_number(
    var: &'static str,
    value: &str,
    expected: &'static str,
    (min, max): (u64, u64),
) -> Result<u64, HttpError> {
    match value.trim().parse::<u64>() {
        Ok(n) if (min..=max).contains(&n) => Ok(n),
        _ => Err(HttpError::BadEnv {
            var,
            value: value.to_owned(),
            expected,
        }),
    }
}

/// What happened on one attempt, as far as retrying is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// The server answered with this HTTP status.
    Status(u16),
    /// A timeout expired: connecting, waiting for headers, or reading the body.
    Timeout,
    /// The connection was reset, aborted or closed before the data was complete.
    ConnectionLost,
    /// No connection could be made (refused, unreachable).
    ConnectFailed,
    /// Anything retrying cannot fix: bad URL, unknown host, TLS failure, ...
    Fatal,
}

/// Bounded exponential backoff.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Retries after the first attempt; `3` means at most 4 attempts.
    pub retries: u32,
    /// Delay before the first retry; doubled for each further one.
    pub base_delay: Duration,
    /// Upper bound for one delay.
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            retries: 3,
            base_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(8),
        }
    }
}

impl RetryPolicy {
    /// How long to wait before attempt `attempt + 1`, after attempt number
    /// `attempt` (counted from 1) ended with `outcome`; `None` means give up.
    ///
    /// Pure: the caller adds jitter with [`jitter`] when it sleeps.
    pub fn delay(&self, outcome: &Outcome, attempt: u32) -> Option<Duration> {
        if attempt == 0 || attempt > self.retries || !is_transient(outcome) {
            return None;
        }
        let factor = 1u32.checked_shl(attempt - 1).unwrap_or(u32::MAX);
        Some(self.base_delay.saturating_mul(factor).min(self.max_delay))
    }

    /// Sleeps for `delay` with random jitter, so that many clients that
    /// failed together do not come back together.
    pub fn sleep(delay: Duration) {
        std::thread::sleep(jitter(delay, rand::random::<f64>()));
    }

    /// Runs `op` until it succeeds, fails for good, or the retries run out.
    /// `op` gets the attempt number (from 1); `outcome` says whether an error
    /// is worth retrying (`None`: never).
    pub fn run<T, E>(
        &self,
        mut op: impl FnMut(u32) -> Result<T, E>,
        outcome: impl Fn(&E) -> Option<Outcome>,
    ) -> Result<T, E> {
        let mut attempt = 1;
        loop {
            match op(attempt) {
                Ok(value) => return Ok(value),
                Err(err) => match outcome(&err).and_then(|o| self.delay(&o, attempt)) {
                    Some(delay) => Self::sleep(delay),
                    None => return Err(err),
                },
            }
            attempt += 1;
        }
    }
}

/// [`RetryPolicy::delay`] with the default policy (3 retries, 0.5 s doubling, at most 8 s).
pub fn retry_delay(outcome: &Outcome, attempt: u32) -> Option<Duration> {
    RetryPolicy::default().delay(outcome, attempt)
}

/// Spreads `delay` over `[delay/2, delay]`; `unit` is a number in `[0, 1)`.
pub fn jitter(delay: Duration, unit: f64) -> Duration {
    let half = delay / 2;
    half + half.mul_f64(unit.clamp(0.0, 1.0))
}

/// Whether another attempt may go better: 5xx, 408, 429, timeouts and lost
/// connections. Other 4xx (404, 401, ...) will not change by asking again.
fn is_transient(outcome: &Outcome) -> bool {
    match *outcome {
        Outcome::Status(code) => code >= 500 || code == 408 || code == 429,
        Outcome::Timeout | Outcome::ConnectionLost | Outcome::ConnectFailed => true,
        Outcome::Fatal => false,
    }
}

/// What a ureq error means for retrying.
pub fn classify(err: &ureq::Error) -> Outcome {
    match err {
        ureq::Error::Timeout(_) => Outcome::Timeout,
        ureq::Error::ConnectionFailed => Outcome::ConnectFailed,
        ureq::Error::Io(e) => classify_io(e),
        ureq::Error::StatusCode(code) => Outcome::Status(*code),
        _ => Outcome::Fatal,
    }
}

fn classify_io(err: &io::Error) -> Outcome {
    use io::ErrorKind::*;
    match err.kind() {
        TimedOut | WouldBlock => Outcome::Timeout,
        ConnectionReset | ConnectionAborted | BrokenPipe | UnexpectedEof | NotConnected => {
            Outcome::ConnectionLost
        }
        ConnectionRefused | HostUnreachable | NetworkUnreachable | NetworkDown => {
            Outcome::ConnectFailed
        }
        _ => Outcome::Fatal,
    }
}

/// What to tell the user about an unexpected status.
pub fn status_hint(status: u16) -> &'static str {
    match status {
        401 | 403 => {
            "the server refused access; if these artifacts are private, configure a token for this host"
        }
        404 | 410 => {
            "the file is not on the server; the index entry may name a wrong URL, or the upload is not finished"
        }
        408 | 429 => "the server is busy or rate-limiting; try again later",
        500..=599 => "the server failed; try again later, or use a mirror",
        300..=399 => "the server redirected too often or without a target; check the URL",
        _ => "the server did not deliver the file; check the URL",
    }
}

/// A ureq error as the cause in a message: an I/O error as the OS words it
/// ("Connection reset by peer (os error 104)"), without ureq's `io:`.
fn cause_text(err: &ureq::Error) -> String {
    match err {
        ureq::Error::Io(e) => e.to_string(),
        other => other.to_string(),
    }
}

/// Which timeout passed, in words.
fn phase_text(phase: ureq::Timeout) -> String {
    match phase {
        ureq::Timeout::Global => "the request's deadline passed".to_owned(),
        other => other.to_string(),
    }
}

/// What to do about a timeout: a step that stalled, or a transfer too slow
/// for its deadline.
fn timeout_hint(phase: ureq::Timeout) -> String {
    if phase == ureq::Timeout::Global {
        format!(
            "the host sent too slowly: a request may take the timeout plus its size at {ENV_MIN_RATE} (default 8 KiB/s), at most {ENV_MAX_TIME} (default 3600 s). On a slow link, lower {ENV_MIN_RATE}=<KiB/s> or raise {ENV_MAX_TIME}=<seconds>"
        )
    } else {
        format!("check the network, or allow more time with {ENV_TIMEOUT}=<seconds>")
    }
}

/// A failed HTTP request. Messages name the URL; tokens never appear.
#[derive(Debug, thiserror::Error)]
pub enum HttpError {
    /// The server answered, but not with success.
    #[error("`{url}` answered HTTP {status}: {}", status_hint(*status))]
    Status { url: String, status: u16 },
    /// A timeout expired.
    #[error("timed out talking to `{url}` ({}); {}", phase_text(*.phase), timeout_hint(*.phase))]
    Timeout {
        url: String,
        /// Which timeout: [`ureq::Timeout::Global`] is the request's whole
        /// deadline ([`HttpConfig::deadline`]), the others one step's.
        phase: ureq::Timeout,
    },
    /// Any other failure below HTTP: DNS, connect, TLS, a dropped connection.
    /// The cause is part of the message, not only a `source`: callers that
    /// fold an error into one line (a sparse index file, git's transport)
    /// keep it that way, and "connection reset by peer" is what a user
    /// needs to see.
    #[error(
        "request to `{url}` failed: {}; check the URL and the network (set HTTPS_PROXY if you need a proxy)",
        cause_text(.cause)
    )]
    Transport {
        url: String,
        outcome: Outcome,
        cause: Box<ureq::Error>,
    },
    /// An environment override could not be read.
    #[error("`{var}` is set to `{value}`, expected a {expected}; fix or unset it")]
    BadEnv {
        var: &'static str,
        value: String,
        expected: &'static str,
    },
}

impl HttpError {
    /// Wraps a ureq error (or an I/O error from a body reader) for `url`.
    pub fn from_ureq(url: &str, err: ureq::Error) -> Self {
        // A password in the URL must not reach a message.
        let url = &crate::credentials::redact_url(url);
        match err {
            ureq::Error::Timeout(phase) => HttpError::Timeout {
                url: url.to_owned(),
                phase,
            },
            ureq::Error::StatusCode(status) => HttpError::Status {
                url: url.to_owned(),
                status,
            },
            other => HttpError::Transport {
                url: url.to_owned(),
                outcome: classify(&other),
                cause: Box::new(other),
            },
        }
    }

    /// Wraps an error from reading a response body; ureq hides its own errors
    /// inside `io::Error`, and `ureq::Error::from` unwraps them again.
    pub fn from_body_io(url: &str, err: io::Error) -> Self {
        Self::from_ureq(url, ureq::Error::from(err))
    }

    /// What this error means for retrying.
    pub fn outcome(&self) -> Outcome {
        match self {
            HttpError::Status { status, .. } => Outcome::Status(*status),
            HttpError::Timeout { .. } => Outcome::Timeout,
            HttpError::Transport { outcome, .. } => *outcome,
            HttpError::BadEnv { .. } => Outcome::Fatal,
        }
    }
}

/// A ureq agent with explicit timeouts, shared by all downloads of a run
/// (it pools connections). Cheap to clone.
#[derive(Clone)]
pub struct HttpClient {
    agent: Agent,
    config: HttpConfig,
}

impl std::fmt::Debug for HttpClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpClient")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl HttpClient {
    /// Builds the agent from [`HttpConfig::agent_builder`].
    pub fn new(config: HttpConfig) -> Self {
        Self {
            agent: super::agent(config.agent_builder().build()),
            config,
        }
    }

    /// The settings this client was built with.
    pub fn config(&self) -> &HttpConfig {
        &self.config
    }

    /// The underlying agent, for callers that need headers such as ETag.
    pub fn agent(&self) -> &Agent {
        &self.agent
    }

    /// One GET of a body of at most `max_bytes`, whatever the status,
    /// ending at its [`HttpConfig::deadline`]. `token` is sent as a bearer
    /// token. The body is the exact bytes the host sent: the identity
    /// encoding is asked for, and a `Content-Encoding` the host adds anyway
    /// is not undone (an artifact's sha256 is over the bytes as published).
    pub fn get_any(
        &self,
        url: &str,
        token: Option<&str>,
        max_bytes: u64,
    ) -> Result<Response<Body>, HttpError> {
        self.get_from(url, token, max_bytes, 0)
    }

    /// [`Self::get_any`] asking for the bytes from offset `from` on (a
    /// `Range` request; none when `from` is 0), where `max_bytes` is what
    /// may still come. What the server answered is the caller's to check
    /// (see `super::range`).
    pub fn get_from(
        &self,
        url: &str,
        token: Option<&str>,
        max_bytes: u64,
        from: u64,
    ) -> Result<Response<Body>, HttpError> {
        let mut request = self.agent.get(url);
        if let Some(token) = token {
            let (name, value) = bearer(token);
            request = request.header(name, value);
        }
        if from > 0 {
            request = request.header("Range", super::range::range_header(from));
        }
        let deadline = self.config.deadline(max_bytes);
        request
            .config()
            .timeout_global(Some(deadline))
            .build()
            .call()
            .map_err(|e| HttpError::from_ureq(url, e))
    }

    /// [`Self::get_any`] that must answer 2xx; any other status becomes
    /// [`HttpError::Status`] (after draining a little of the body, so the
    /// connection can be reused).
    pub fn get(
        &self,
        url: &str,
        token: Option<&str>,
        max_bytes: u64,
    ) -> Result<Response<Body>, HttpError> {
        let response = self.get_any(url, token, max_bytes)?;
        let status = response.status().as_u16();
        if response.status().is_success() {
            return Ok(response);
        }
        let mut reader = response.into_body().into_reader().take(64 * 1024);
        let _ = io::copy(&mut reader, &mut io::sink());
        Err(HttpError::Status {
            url: crate::credentials::redact_url(url),
            status,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_server_errors_timeouts_and_lost_connections() {
        for outcome in [
            Outcome::Status(500),
            Outcome::Status(502),
            Outcome::Status(503),
            Outcome::Status(408),
            Outcome::Status(429),
            Outcome::Timeout,
            Outcome::ConnectionLost,
            Outcome::ConnectFailed,
        ] {
            assert!(retry_delay(&outcome, 1).is_some(), "{outcome:?}");
        }
    }

    #[test]
    fn never_retries_other_client_errors_or_fatal_ones() {
        for outcome in [
            Outcome::Status(400),
            Outcome::Status(401),
            Outcome::Status(403),
            Outcome::Status(404),
            Outcome::Status(410),
            Outcome::Status(200),
            Outcome::Fatal,
        ] {
            assert_eq!(retry_delay(&outcome, 1), None, "{outcome:?}");
        }
    }

    #[test]
    fn backoff_doubles_and_stops_after_the_retry_budget() {
        let o = Outcome::Status(503);
        assert_eq!(retry_delay(&o, 1), Some(Duration::from_millis(500)));
        assert_eq!(retry_delay(&o, 2), Some(Duration::from_millis(1000)));
        assert_eq!(retry_delay(&o, 3), Some(Duration::from_millis(2000)));
        assert_eq!(retry_delay(&o, 4), None);
        assert_eq!(retry_delay(&o, 0), None);
    }

    #[test]
    fn backoff_is_capped() {
        let policy = RetryPolicy {
            retries: 40,
            ..RetryPolicy::default()
        };
        assert_eq!(policy.delay(&Outcome::Timeout, 39), Some(policy.max_delay));
        assert_eq!(policy.delay(&Outcome::Timeout, 40), Some(policy.max_delay));
        assert_eq!(policy.delay(&Outcome::Timeout, 41), None);
    }

    #[test]
    fn jitter_stays_within_half_and_full_delay() {
        let d = Duration::from_millis(1000);
        assert_eq!(jitter(d, 0.0), Duration::from_millis(500));
        assert_eq!(jitter(d, 0.5), Duration::from_millis(750));
        assert!(jitter(d, 0.999_999) <= d);
        assert_eq!(jitter(d, 7.0), d);
    }

    #[test]
    fn run_stops_on_permanent_errors_and_retries_transient_ones() {
        let policy = RetryPolicy {
            retries: 3,
            base_delay: Duration::from_millis(1),
            max_delay: Duration::from_millis(2),
        };
        let mut calls = 0;
        let result: Result<(), u16> = policy.run(
            |_| {
                calls += 1;
                Err(404)
            },
            |s| Some(Outcome::Status(*s)),
        );
        assert_eq!((result, calls), (Err(404), 1));

        let mut calls = 0;
        let result: Result<u32, u16> = policy.run(
            |attempt| {
                calls += 1;
                if attempt < 3 { Err(503) } else { Ok(attempt) }
            },
            |s| Some(Outcome::Status(*s)),
        );
        assert_eq!((result, calls), (Ok(3), 3));

        let mut calls = 0;
        let result: Result<(), u16> = policy.run(
            |_| {
                calls += 1;
                Err(500)
            },
            |s| Some(Outcome::Status(*s)),
        );
        assert_eq!((result, calls), (Err(500), 4));
    }

    #[test]
    fn io_errors_are_classified() {
        let lost = io::Error::from(io::ErrorKind::ConnectionReset);
        assert_eq!(classify(&ureq::Error::Io(lost)), Outcome::ConnectionLost);
        let eof = io::Error::from(io::ErrorKind::UnexpectedEof);
        assert_eq!(classify(&ureq::Error::Io(eof)), Outcome::ConnectionLost);
        let refused = io::Error::from(io::ErrorKind::ConnectionRefused);
        assert_eq!(classify(&ureq::Error::Io(refused)), Outcome::ConnectFailed);
        let wrapped = ureq::Error::Timeout(ureq::Timeout::PerRead).into_io();
        let err = HttpError::from_body_io("http://x/a", wrapped);
        assert_eq!(err.outcome(), Outcome::Timeout);
        assert_eq!(classify(&ureq::Error::HostNotFound), Outcome::Fatal);
    }

    #[test]
    fn env_overrides_timeouts_and_retries() {
        let config = HttpConfig::default()
            .with_env(|var| match var {
                ENV_TIMEOUT => Some("5".into()),
                ENV_RETRIES => Some(" 0 ".into()),
                _ => None,
            })
            .unwrap();
        assert_eq!(config.connect_timeout, Duration::from_secs(5));
        assert_eq!(config.read_timeout, Duration::from_secs(5));
        assert_eq!(config.retry.retries, 0);

        let config = HttpConfig::default()
            .with_env(|var| match var {
                ENV_MIN_RATE => Some("64".into()),
                ENV_MAX_TIME => Some("600".into()),
                _ => None,
            })
            .unwrap();
        assert_eq!(config.min_rate, 64 * 1024);
        assert_eq!(config.max_time, Duration::from_secs(600));

        let unchanged = HttpConfig::default().with_env(|_| None).unwrap();
        assert_eq!(unchanged, HttpConfig::default());
    }

    #[test]
    fn bad_env_values_are_refused_by_name() {
        for (var, value) in [
            (ENV_TIMEOUT, "ten"),
            (ENV_TIMEOUT, "0"),
            (ENV_TIMEOUT, "-3"),
            (ENV_RETRIES, "99"),
            (ENV_RETRIES, "1.5"),
            (ENV_MIN_RATE, "0"),
            (ENV_MIN_RATE, "fast"),
            (ENV_MAX_TIME, "0"),
            (ENV_MAX_TIME, "9999999"),
        ] {
            let err = HttpConfig::default()
                .with_env(|v| (v == var).then(|| value.to_owned()))
                .unwrap_err();
            let msg = err.to_string();
            assert!(msg.contains(var) && msg.contains(value), "{msg}");
        }
    }

    #[test]
    fn a_deadline_is_the_timeouts_plus_the_size_at_the_floor_rate_capped() {
        let config = HttpConfig {
            connect_timeout: Duration::from_secs(2),
            read_timeout: Duration::from_secs(2),
            min_rate: 8 * 1024,
            max_time: Duration::from_secs(1000),
            ..HttpConfig::default()
        };
        assert_eq!(config.deadline(0), Duration::from_secs(4));
        // The 66-byte artifact: the allowance and 8 ms.
        assert_eq!(config.deadline(66), Duration::from_millis(4008));
        assert_eq!(config.deadline(1 << 20), Duration::from_secs(4 + 128));
        assert_eq!(config.deadline(u64::MAX), Duration::from_secs(1000));
        let default = HttpConfig::default();
        // An index file at its 1 MiB limit: 10 s + 30 s + 128 s.
        assert_eq!(default.deadline(1 << 20), Duration::from_secs(168));
        // A 1 GiB artifact: the one-hour cap.
        assert_eq!(default.deadline(1 << 30), Duration::from_secs(3600));
    }

    #[test]
    fn a_passed_deadline_says_which_settings_allow_more() {
        let err = HttpError::from_ureq("http://h/a", ureq::Error::Timeout(ureq::Timeout::Global));
        let msg = err.to_string();
        assert!(
            msg.contains("deadline") && msg.contains(ENV_MIN_RATE),
            "{msg}"
        );
        assert!(msg.contains(ENV_MAX_TIME), "{msg}");
        assert_eq!(err.outcome(), Outcome::Timeout);
        let err = HttpError::from_ureq("http://h/a", ureq::Error::Timeout(ureq::Timeout::PerRead));
        assert!(err.to_string().contains(ENV_TIMEOUT), "{err}");
    }

    #[test]
    fn a_lost_connection_keeps_its_cause_in_the_message() {
        let reset = io::Error::from_raw_os_error(104);
        let err = HttpError::from_body_io("http://h/timestamp.toml", reset);
        assert_eq!(err.outcome(), Outcome::ConnectionLost);
        assert_eq!(
            err.to_string(),
            "request to `http://h/timestamp.toml` failed: Connection reset by peer (os error 104); check the URL and the network (set HTTPS_PROXY if you need a proxy)"
        );
        assert!(std::error::Error::source(&err).is_none(), "said once");
    }

    #[test]
    fn status_errors_name_url_status_and_a_hint() {
        let err = HttpError::Status {
            url: "https://cdn.example/a.wasm".into(),
            status: 404,
        };
        let msg = err.to_string();
        assert!(msg.contains("`https://cdn.example/a.wasm`"), "{msg}");
        assert!(
            msg.contains("404") && msg.contains("not on the server"),
            "{msg}"
        );
    }
}
