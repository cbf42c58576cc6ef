//! Git's smart HTTP over the agent every other plugres request uses (see
//! README "Where an index lives"): gix speaks the protocol, this module only
//! moves its requests and answers, as gix's blocking [`Http`] trait asks.
//!
//! The rules are the sparse index's:
//! - timeouts and proxies come from [`HttpConfig::agent_builder`]; retries
//!   are the fetch's (`fetch.rs`), decided by the same [`Outcome`] rules;
//!   no request outlasts [`HttpConfig::max_time`] (git's answers have no
//!   size known in advance to derive a nearer deadline from);
//! - answers are read as sent: identity is asked for, and any other
//!   `Content-Encoding` is refused ([`identity_only`]);
//! - a bearer token goes only to URLs under the index URL it is bound to,
//!   over https or to this machine, and never along a redirect;
//! - the first request (`info/refs`) follows redirects; the protocol's later
//!   requests go where it ended and follow none (git's
//!   `http.followRedirects=initial`). A redirect that drops the request's
//!   tail or goes from https to http is refused.
//!
//! A request is sent when its answer is first read, so that a POST body is
//! complete by then. Failures arrive as `io::Error`s when the headers are
//! read: that is where gix looks for a 401 to ask git credential helpers.
//!
//! [`Outcome`]: crate::fetch::Outcome

use std::io::{self, BufRead, BufReader, Cursor, Read, Write};
use std::sync::{Arc, Mutex, PoisonError};

use gix::protocol::transport::client::AuthenticationRequired;
use gix::protocol::transport::client::blocking_io::http::{
    GetResponse, Http, PostBodyDataKind, PostResponse,
};
use ureq::http::Response;
use ureq::{Agent, Body, BodyReader, ResponseExt};

use crate::credentials::{Scope, Token, may_carry_token, redact_url};
use crate::fetch::{HttpConfig, HttpError, Outcome, bearer};

/// Git's HTTP requests for one connection to one repository.
pub(super) struct UreqHttp {
    agent: Agent,
    /// The token and the URLs it may go to (under the index URL).
    token: Option<(Scope, Token)>,
    /// Whether the next request is the first (the only one that follows redirects).
    first: bool,
    /// Where the repository turned out to be after the first request's redirects.
    redirected_base: Arc<Mutex<Option<String>>>,
}

impl UreqHttp {
    /// HTTP for the index at `index_url`; `token` is sent under that URL
    /// only, and not at all over plain http to another machine.
    pub(super) fn new(http: &HttpConfig, index_url: &str, token: Option<Token>) -> Self {
        let token = token
            .filter(|_| may_carry_token(index_url))
            .and_then(|t| Some((Scope::index(index_url)?, t)));
        UreqHttp {
            agent: crate::fetch::agent(http.agent_builder().build()),
            token,
            first: true,
            redirected_base: Arc::default(),
        }
    }

    fn exchange(
        &mut self,
        url: &str,
        base_url: &str,
        headers: impl IntoIterator<Item = impl AsRef<str>>,
        body: Option<Arc<Mutex<Vec<u8>>>>,
    ) -> (Headers, ResponseBody) {
        let headers: Vec<(String, String)> = headers
            .into_iter()
            .filter_map(|line| {
                let (name, value) = line.as_ref().split_once(':')?;
                Some((name.trim().to_string(), value.trim().to_string()))
            })
            .collect();
        let has_auth = headers
            .iter()
            .any(|(n, _)| n.eq_ignore_ascii_case("authorization"));
        let token = match &self.token {
            Some((scope, token)) if !has_auth && scope.contains(url) => {
                Some(token.expose().to_string())
            }
            _ => None,
        };
        let request = Request {
            agent: self.agent.clone(),
            url: url.to_string(),
            tail: url.strip_prefix(base_url).unwrap_or_default().to_string(),
            headers,
            token,
            body,
            follow: std::mem::take(&mut self.first),
            redirected_base: self.redirected_base.clone(),
        };
        let exchange = Arc::new(Mutex::new(Exchange {
            request: Some(request),
            headers: None,
            body: None,
        }));
        (
            Headers {
                exchange: exchange.clone(),
                lines: None,
            },
            ResponseBody {
                exchange,
                reader: None,
            },
        )
    }
}

impl Http for UreqHttp {
    type Headers = Headers;
    type ResponseBody = ResponseBody;
    type PostBody = PostBody;

    fn get(
        &mut self,
        url: &str,
        base_url: &str,
        headers: impl IntoIterator<Item = impl AsRef<str>>,
    ) -> gix::Result<GetResponse<Headers, ResponseBody>> {
        let (headers, body) = self.exchange(url, base_url, headers, None);
        Ok(GetResponse { headers, body })
    }

    fn post(
        &mut self,
        url: &str,
        base_url: &str,
        headers: impl IntoIterator<Item = impl AsRef<str>>,
        _body: PostBodyDataKind,
    ) -> gix::Result<PostResponse<Headers, ResponseBody, PostBody>> {
        // An index is only fetched from: the bodies are want/have lists.
        let post_body = Arc::new(Mutex::new(Vec::new()));
        let (headers, body) = self.exchange(url, base_url, headers, Some(post_body.clone()));
        Ok(PostResponse {
            post_body: PostBody(post_body),
            headers,
            body,
        })
    }

    /// gix's `http.*` settings are not used: the agent's are.
    fn configure(&mut self, _config: &dyn std::any::Any) -> gix::Result {
        Ok(())
    }

    fn redirected_base_url(&self) -> Option<String> {
        lock(&self.redirected_base).clone()
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// One request, not sent yet.
struct Request {
    agent: Agent,
    url: String,
    /// `url` after the repository's base URL (`info/refs?…`, `git-upload-pack`).
    tail: String,
    headers: Vec<(String, String)>,
    /// Sent as a bearer token (already checked to be allowed for `url`).
    token: Option<String>,
    /// `Some` for a POST: what the transport wrote.
    body: Option<Arc<Mutex<Vec<u8>>>>,
    follow: bool,
    redirected_base: Arc<Mutex<Option<String>>>,
}

/// A response body being read.
type BodyRead = Box<dyn Read + Send>;

/// The header lines (`name:value\n`), or why there are none.
type Answer = (io::Result<Vec<u8>>, Option<BodyRead>);

impl Request {
    fn send(self) -> Answer {
        match self.call() {
            Ok(response) => self.answer(response),
            Err(err) => (Err(to_io(HttpError::from_ureq(&self.url, err))), None),
        }
    }

    fn call(&self) -> Result<Response<Body>, ureq::Error> {
        let redirects = if self.follow { 10 } else { 0 };
        let auth = self.token.as_deref().map(bearer);
        let headers = self.headers.iter().map(|(n, v)| (n.as_str(), v.clone()));
        let headers = headers.chain(auth);
        match &self.body {
            None => {
                let mut request = self.agent.get(&self.url);
                for (name, value) in headers {
                    request = request.header(name, value);
                }
                request.config().max_redirects(redirects).build().call()
            }
            Some(body) => {
                let mut request = self.agent.post(&self.url);
                for (name, value) in headers {
                    request = request.header(name, value);
                }
                let body = std::mem::take(&mut *lock(body));
                request.config().max_redirects(redirects).build().send(body)
            }
        }
    }

    fn answer(&self, response: Response<Body>) -> Answer {
        let status = response.status().as_u16();
        let landed = response.get_uri().to_string();
        if landed != self.url {
            match rebase(&self.url, &landed, &self.tail) {
                Some(base) => *lock(&self.redirected_base) = Some(base),
                None => return (Err(refused_redirect(&self.url, &landed)), None),
            }
        }
        if status == 401 {
            let www_authenticate = response
                .headers()
                .get_all("www-authenticate")
                .iter()
                .map(|v| v.as_bytes().into())
                .collect();
            let err = AuthenticationRequired { www_authenticate };
            return (
                Err(io::Error::new(io::ErrorKind::PermissionDenied, err)),
                None,
            );
        }
        if !(200..300).contains(&status) {
            let err = HttpError::Status {
                url: redact_url(&landed),
                status,
            };
            return (Err(to_io(err)), None);
        }
        if let Err(err) = identity_only(&landed, &response) {
            return (Err(err), None);
        }
        let mut lines = Vec::new();
        for (name, value) in response.headers() {
            lines.extend_from_slice(name.as_str().as_bytes());
            lines.push(b':');
            lines.extend_from_slice(value.as_bytes());
            lines.push(b'\n');
        }
        let body = Reading {
            url: landed,
            inner: response.into_body().into_reader(),
        };
        (Ok(lines), Some(Box::new(body)))
    }
}

/// A body whose errors say what happened in plugres' words (a passed
/// deadline names the settings that allow more), like the headers' do.
struct Reading {
    url: String,
    inner: BodyReader<'static>,
}

impl Read for Reading {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.inner
            .read(buf)
            .map_err(|e| to_io(HttpError::from_body_io(&self.url, e)))
    }
}

/// Refuses a body the host encoded although plugres asked for identity
/// (the agent's `Accept-Encoding`): git's answers are read as sent, never
/// decoded, since a decoder has no size to be capped at here (see
/// `fetch/body.rs`) and packs are compressed already.
fn identity_only(url: &str, response: &Response<Body>) -> io::Result<()> {
    let value = response
        .headers()
        .get("content-encoding")
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
    match crate::fetch::Coding::from_header(value.as_deref()) {
        Ok(crate::fetch::Coding::Identity) => Ok(()),
        _ => Err(io::Error::other(format!(
            "`{}` answered with `Content-Encoding: {}` although plugres asked for none; git over HTTP reads answers as sent. Check the host's compression settings",
            redact_url(url),
            value.unwrap_or_default()
        ))),
    }
}

/// The repository's base URL after the first request went from `asked` to
/// `landed`: `landed` without the request's `tail`. `None` when the tail
/// is gone (nothing to rebase on) or the scheme went from https to http.
fn rebase(asked: &str, landed: &str, tail: &str) -> Option<String> {
    let scheme = |url: &str| url.split_once("://").map(|(s, _)| s.to_ascii_lowercase());
    let downgrade =
        scheme(asked).as_deref() == Some("https") && scheme(landed).as_deref() != Some("https");
    let http = matches!(scheme(landed).as_deref(), Some("http" | "https"));
    if downgrade || !http {
        return None;
    }
    landed.strip_suffix(tail).map(str::to_string)
}

fn refused_redirect(asked: &str, landed: &str) -> io::Error {
    io::Error::other(format!(
        "`{}` redirected to `{}`, which git over HTTP cannot follow (another path tail, or https to http)",
        redact_url(asked),
        redact_url(landed)
    ))
}

/// An [`HttpError`] as the `io::Error` the transport passes on, with a
/// kind that tells gix (and `fetch.rs`) what happened.
fn to_io(err: HttpError) -> io::Error {
    let kind = match err.outcome() {
        Outcome::Timeout => io::ErrorKind::TimedOut,
        Outcome::ConnectionLost => io::ErrorKind::ConnectionReset,
        Outcome::ConnectFailed => io::ErrorKind::ConnectionRefused,
        Outcome::Status(_) | Outcome::Fatal => io::ErrorKind::Other,
    };
    io::Error::new(kind, err)
}

/// What the headers and the body of one request share: the request until
/// one of them is read, then its answer.
struct Exchange {
    request: Option<Request>,
    headers: Option<io::Result<Vec<u8>>>,
    body: Option<BodyRead>,
}

impl Exchange {
    /// Sends the request unless that happened already.
    fn settle(&mut self) {
        if let Some(request) = self.request.take() {
            let (headers, body) = request.send();
            self.headers = Some(headers);
            self.body = body;
        }
    }
}

/// The response headers, one `name:value` per line; reading them sends
/// the request. A failed request is an error here, once.
pub(super) struct Headers {
    exchange: Arc<Mutex<Exchange>>,
    lines: Option<Cursor<Vec<u8>>>,
}

impl Headers {
    fn lines(&mut self) -> io::Result<&mut Cursor<Vec<u8>>> {
        if self.lines.is_none() {
            let mut exchange = lock(&self.exchange);
            exchange.settle();
            let lines = exchange.headers.take().unwrap_or(Ok(Vec::new()));
            drop(exchange);
            // After an error, later reads find no headers.
            self.lines = Some(Cursor::new(Vec::new()));
            self.lines = Some(Cursor::new(lines?));
        }
        Ok(self.lines.get_or_insert_with(Default::default))
    }
}

impl Read for Headers {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.lines()?.read(buf)
    }
}

impl BufRead for Headers {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        self.lines()?.fill_buf()
    }

    fn consume(&mut self, amt: usize) {
        if let Some(lines) = &mut self.lines {
            lines.consume(amt);
        }
    }
}

/// The response body, streamed; reading it sends the request if the
/// headers were not read first. Empty when the request failed.
pub(super) struct ResponseBody {
    exchange: Arc<Mutex<Exchange>>,
    reader: Option<BufReader<Box<dyn Read + Send>>>,
}

impl ResponseBody {
    fn reader(&mut self) -> &mut BufReader<Box<dyn Read + Send>> {
        self.reader.get_or_insert_with(|| {
            let mut exchange = lock(&self.exchange);
            exchange.settle();
            let body: BodyRead = match exchange.body.take() {
                Some(body) => body,
                None => Box::new(io::empty()),
            };
            BufReader::new(body)
        })
    }
}

impl Read for ResponseBody {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.reader().read(buf)
    }
}

impl BufRead for ResponseBody {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        self.reader().fill_buf()
    }

    fn consume(&mut self, amt: usize) {
        self.reader().consume(amt);
    }
}

/// What the transport writes to POST; sent when the answer is first read.
pub(super) struct PostBody(Arc<Mutex<Vec<u8>>>);

impl Write for PostBody {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        lock(&self.0).extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_redirect_keeps_the_tail_and_never_downgrades() {
        let tail = "info/refs?service=git-upload-pack";
        let asked = format!("https://a.example/repo.git/{tail}");
        assert_eq!(
            rebase(&asked, &format!("https://b.example/moved.git/{tail}"), tail).as_deref(),
            Some("https://b.example/moved.git/")
        );
        assert_eq!(
            rebase(&asked, &format!("http://a.example/repo.git/{tail}"), tail),
            None
        );
        assert_eq!(
            rebase(&asked, "https://a.example/login", tail),
            None,
            "a redirect to a login page has no repository to rebase on"
        );
        let plain = format!("http://a.example/repo.git/{tail}");
        assert_eq!(
            rebase(&plain, &format!("https://a.example/repo.git/{tail}"), tail).as_deref(),
            Some("https://a.example/repo.git/")
        );
    }

    #[test]
    fn the_token_goes_only_under_its_index_and_not_over_plain_http() {
        let http = HttpConfig::default();
        let token = Token::new("secret");
        let git = UreqHttp::new(&http, "https://git.example/acme/index.git", token.clone());
        let (scope, _) = git.token.as_ref().unwrap();
        assert!(scope.contains("https://git.example/acme/index.git/info/refs"));
        assert!(!scope.contains("https://git.example/acme/other.git/info/refs"));
        assert!(!scope.contains("https://evil.example/acme/index.git/info/refs"));
        let plain = UreqHttp::new(&http, "http://git.example/acme/index.git", token.clone());
        assert!(plain.token.is_none());
        let local = UreqHttp::new(&http, "http://127.0.0.1:8080/index.git", token);
        assert!(local.token.is_some());
    }
}
