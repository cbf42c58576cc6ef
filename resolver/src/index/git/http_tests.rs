//! The git backend over smart HTTP, against `git http-backend` on
//! 127.0.0.1: clone and fetch, a private index, a redirect, a timeout.

use std::time::Duration;

use super::test_http::{GitHttpServer, Rules};
use super::test_support::Upstream;
use super::*;
use crate::fetch::test_server::{Reply, TestServer};

const TOKEN: &str = "s3cret-git-token";

/// Quick retries and short timeouts, so a failing test fails fast.
fn config(url: &str, up: &Upstream) -> GitConfig {
    let mut config = GitConfig::new(url, &up.cache_root());
    config.http.retry = RetryPolicy {
        retries: 1,
        base_delay: Duration::from_millis(10),
        max_delay: Duration::from_millis(10),
    };
    config
}

fn open(config: GitConfig) -> Result<GitBackend, IndexError> {
    let backend = GitBackend::open_with(config)?;
    backend.persist();
    Ok(backend)
}

#[test]
fn clones_and_fetches_over_smart_http() {
    let up = Upstream::sample();
    let server = GitHttpServer::start(up.base(), Rules::default());
    let url = server.url("upstream");

    let first = open(config(&url, &up)).unwrap();
    assert_eq!(first.revision(), Some(up.head()));
    assert!(
        first.objects_received() > 40,
        "{}",
        first.objects_received()
    );
    assert_eq!(
        first.read("config.toml").unwrap(),
        std::fs::read(up.work().join("config.toml")).ok()
    );

    let two = up.commit_readme("over http");
    let second = open(config(&url, &up)).unwrap();
    assert_eq!(second.revision(), Some(two));
    assert!(
        (3..=6).contains(&second.objects_received()),
        "only the new objects travel: {}",
        second.objects_received()
    );
    let readme = second.read("README.md").unwrap().unwrap();
    assert!(String::from_utf8(readme).unwrap().ends_with("over http\n"));

    let requests = server.requests();
    let first = &requests[0];
    assert_eq!(
        (first.method.as_str(), first.target.as_str()),
        ("GET", "/upstream/info/refs?service=git-upload-pack")
    );
    assert!(
        requests
            .iter()
            .any(|r| r.method == "POST" && r.target == "/upstream/git-upload-pack"),
        "{requests:?}"
    );
    assert!(requests.iter().all(|r| r.authorization.is_none()));
}

#[test]
fn a_private_index_gets_its_token_and_says_why_when_it_has_none() {
    let up = Upstream::sample();
    // 403, not 401: a 401 makes gix ask git's credential helpers, which
    // may prompt on a terminal.
    let rules = Rules {
        token: Some(TOKEN.to_string()),
        refusal: 403,
    };
    let server = GitHttpServer::start(up.base(), rules);
    let url = server.url("upstream");

    let mut withheld = config(&url, &up);
    withheld.token_withheld = Some("the token is bound to another index".to_string());
    let err = open(withheld).unwrap_err();
    assert!(matches!(err, IndexError::Transport { .. }), "{err:?}");
    let msg = err.to_string();
    assert!(
        msg.contains("refused access: the token is bound to another index"),
        "{msg}"
    );
    assert!(msg.contains("403"), "{msg}");
    assert!(!msg.contains("attempts"), "a 403 is not retried: {msg}");

    let mut with_token = config(&url, &up);
    with_token.token = Token::new(TOKEN);
    let backend = open(with_token).unwrap();
    assert_eq!(backend.revision(), Some(up.head()));
    let bearer = format!("Bearer {TOKEN}");
    let requests = server.requests();
    let sent: Vec<_> = requests
        .iter()
        .filter(|r| r.authorization.as_deref() == Some(bearer.as_str()))
        .collect();
    assert!(sent.len() >= 2, "GET and POST carry it: {requests:?}");
    assert!(!format!("{backend:?}{err:?}").contains(TOKEN));

    // A redirect, even to the same server, does not carry the token.
    let moved = server.url("moved/upstream");
    let mut redirected = config(&moved, &up);
    redirected.token = Token::new(TOKEN);
    redirected.cache_root = up.cache_root().join("moved");
    let err = open(redirected).unwrap_err();
    assert!(err.to_string().contains("403"), "{err}");
    let requests = server.requests();
    let [.., asked, landed] = &requests[..] else {
        panic!("{requests:?}")
    };
    assert_eq!(asked.authorization.as_deref(), Some(bearer.as_str()));
    assert_eq!(landed.target, "/upstream/info/refs?service=git-upload-pack");
    assert_eq!(landed.authorization, None);
}

#[test]
fn the_first_request_follows_a_redirect_and_the_rest_go_where_it_ended() {
    let up = Upstream::sample();
    let server = GitHttpServer::start(up.base(), Rules::default());
    let url = server.url("moved/upstream");
    let backend = open(config(&url, &up)).unwrap();
    assert_eq!(backend.revision(), Some(up.head()));
    let targets: Vec<_> = server.requests().into_iter().map(|r| r.target).collect();
    assert_eq!(
        targets[..2],
        [
            "/moved/upstream/info/refs?service=git-upload-pack",
            "/upstream/info/refs?service=git-upload-pack"
        ]
    );
    assert!(
        targets[2..]
            .iter()
            .all(|t| t == "/upstream/git-upload-pack"),
        "{targets:?}"
    );
}

#[test]
fn a_silent_server_times_out_as_configured() {
    let up = Upstream::sample();
    let server = TestServer::start(|_, _| Reply::Hang);
    let url = server.url("upstream");
    let mut config = config(&url, &up);
    config.http.read_timeout = Duration::from_millis(300);
    let started = std::time::Instant::now();
    let err = open(config).unwrap_err();
    let msg = err.to_string();
    assert!(msg.contains("timed out"), "{msg}");
    assert!(msg.contains(crate::fetch::ENV_TIMEOUT), "{msg}");
    assert!(
        msg.contains("after 2 attempts"),
        "timeouts are retried: {msg}"
    );
    assert!(started.elapsed() < Duration::from_secs(10));
}

/// A host dripping a byte every 300 ms never trips the 1 s read timeout;
/// the request's cap (`max_time`, 2 s here) ends each attempt.
#[test]
fn a_drip_under_the_read_timeout_ends_at_the_cap() {
    let up = Upstream::sample();
    let every = Duration::from_millis(300);
    // A smart-HTTP advertisement whose first pkt-line announces 65520
    // bytes, which then come one at a time.
    let server = TestServer::start(move |_, _| Reply::Drip {
        len: 4096,
        every,
        headers: "Content-Type: application/x-git-upload-pack-advertisement\r\n",
        prefix: b"fff0",
    });
    let mut config = config(&server.url("upstream"), &up);
    config.http.connect_timeout = Duration::from_secs(1);
    config.http.read_timeout = Duration::from_secs(1);
    config.http.max_time = Duration::from_secs(2);
    let started = std::time::Instant::now();
    let err = open(config).unwrap_err();
    let msg = err.to_string();
    assert!(msg.contains("deadline"), "{msg}");
    assert!(msg.contains(crate::fetch::ENV_MAX_TIME), "{msg}");
    assert!(
        started.elapsed() < Duration::from_secs(8),
        "{:?}",
        started.elapsed()
    );
}

/// Git's answers are read as sent: one the host gzip-encoded anyway is
/// refused by name, not decoded without a cap.
#[test]
fn an_encoded_answer_is_refused() {
    let up = Upstream::sample();
    let server = TestServer::start(|_, _| Reply::Gzipped(vec![0x1f, 0x8b, 8, 0]));
    let err = open(config(&server.url("upstream"), &up)).unwrap_err();
    let msg = err.to_string();
    assert!(msg.contains("`Content-Encoding: gzip`"), "{msg}");
    let headers = &server.requests()[0].headers;
    assert!(headers.contains("accept-encoding: identity"), "{headers}");
}
