//! nginx on 127.0.0.1 for the sparse backend's tests
//! ([`plugres_test_support::nginx`], the launcher every crate's tests use),
//! with an access log that records each request's port, status and
//! `Authorization` so tests can count and inspect.
//!
//! A test that needs it fails where nginx is not installed, naming it
//! (`tests/run.sh` installs it).

use std::path::Path;
use std::time::Duration;

use plugres_test_support::nginx::{self, Server};

/// The access log's format: `PORT "URI" STATUS "AUTHORIZATION"`.
const LOG_FORMAT: &str = r#"$server_port "$request_uri" $status "$http_authorization""#;

/// One nginx process serving one or more ports.
pub(crate) struct Nginx {
    inner: nginx::Nginx,
    pub(crate) ports: Vec<u16>,
}

/// One logged request.
#[derive(Debug, Clone)]
pub(crate) struct Logged {
    pub(crate) port: u16,
    /// Path and query, e.g. `/plugins/1/a.toml?plugres-refresh=1`.
    pub(crate) target: String,
    pub(crate) status: u16,
    /// The `Authorization` header, `-` when none.
    pub(crate) authorization: String,
}

impl Nginx {
    /// Serves `root` on one port; `extra` goes into the `server` block.
    pub(crate) fn serve(root: &Path, extra: &str) -> Nginx {
        Self::servers(&[(root, extra.to_string())])
    }

    /// One `server` per entry, each on its own free port; `@PORTn@` in an
    /// `extra` stands for the port of server `n`.
    pub(crate) fn servers(servers: &[(&Path, String)]) -> Nginx {
        let bin = nginx::require();
        let servers: Vec<Server<'_>> = servers
            .iter()
            .map(|(root, extra)| Server {
                root,
                extra: extra.clone(),
            })
            .collect();
        let inner = nginx::Nginx::start(&bin, &servers, Some(LOG_FORMAT)).expect("start nginx");
        let ports = inner.ports().to_vec();
        Nginx { inner, ports }
    }

    pub(crate) fn url(&self, i: usize) -> String {
        self.inner.url(i)
    }

    /// Every request so far. nginx logs a request after answering it, so
    /// this first waits (at most 300 ms) for the log to stop growing.
    pub(crate) fn log(&self) -> Vec<Logged> {
        let mut last = self.read_log();
        for _ in 0..15 {
            std::thread::sleep(Duration::from_millis(20));
            let now = self.read_log();
            if now.len() == last.len() {
                return now;
            }
            last = now;
        }
        last
    }

    fn read_log(&self) -> Vec<Logged> {
        self.inner
            .access_log()
            .lines()
            .filter_map(parse_line)
            .collect()
    }

    /// Requests so far whose target contains `needle`.
    pub(crate) fn hits(&self, needle: &str) -> Vec<Logged> {
        self.log()
            .into_iter()
            .filter(|l| l.target.contains(needle))
            .collect()
    }
}

fn parse_line(line: &str) -> Option<Logged> {
    let (port, rest) = line.split_once(" \"")?;
    let (target, rest) = rest.split_once("\" ")?;
    let (status, rest) = rest.split_once(' ')?;
    Some(Logged {
        port: port.parse().ok()?,
        target: target.to_string(),
        status: status.parse().ok()?,
        authorization: rest.trim_matches('"').to_string(),
    })
}
