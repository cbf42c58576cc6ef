//! nginx serving a generated index on 127.0.0.1, with an access log that
//! records each request's status and connection: the sparse benchmark
//! counts the requests a run made, and checks what they were answered.
//!
//! nginx is started by [`plugres_test_support::nginx`], the launcher the
//! tests use too (a temporary prefix, one nginx process, our child); this
//! module adds the `bench` log format and reads it.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use plugres_test_support::nginx::{self, Server};
use serde::Serialize;

/// The access log's `bench` format: `STATUS CONNECTION URI`.
const LOG_FORMAT: &str = "$status $connection $request_uri";
/// The access log is written right after each response; a run's last
/// lines are awaited until the log stops growing for this long.
const LOG_SETTLE: Duration = Duration::from_millis(20);
const LOG_SETTLE_LIMIT: Duration = Duration::from_secs(2);

/// The nginx binary: `given`, or the first of the usual paths that exists.
pub(crate) fn find(given: Option<PathBuf>) -> Option<PathBuf> {
    given.or_else(nginx::binary)
}

/// A running nginx; stopped when dropped.
pub(crate) struct Nginx {
    server: nginx::Nginx,
    port: u16,
}

impl Nginx {
    /// Starts `bin` serving `root` at `http://127.0.0.1:<free port>/` and
    /// waits until it accepts connections.
    pub(crate) fn start(bin: &Path, root: &Path) -> Result<Nginx> {
        let server = nginx::Nginx::start(bin, &[Server::plain(root)], Some(LOG_FORMAT))
            .with_context(|| format!("cannot serve `{}` with nginx", root.display()))?;
        let port = server.port(0);
        Ok(Nginx { server, port })
    }

    /// The registry location a project names: `sparse+http://127.0.0.1:PORT/`.
    pub(crate) fn sparse_url(&self) -> String {
        format!("sparse+http://127.0.0.1:{}/", self.port)
    }

    /// The server's root URL: `http://127.0.0.1:PORT/`.
    #[allow(dead_code)] // plugres-realgraph-bench shares this module
    pub(crate) fn http_url(&self) -> String {
        format!("http://127.0.0.1:{}/", self.port)
    }

    /// Bytes logged so far: where the next run's lines will start.
    pub(crate) fn log_len(&self) -> u64 {
        std::fs::metadata(self.server.access_log_path()).map_or(0, |m| m.len())
    }

    /// The requests logged after byte `offset`, once the log has settled.
    pub(crate) fn requests_since(&self, offset: u64) -> Result<Requests> {
        let start = Instant::now();
        let mut len = self.log_len();
        loop {
            std::thread::sleep(LOG_SETTLE);
            let now = self.log_len();
            if now == len || start.elapsed() > LOG_SETTLE_LIMIT {
                break;
            }
            len = now;
        }
        let log = self.server.access_log_path();
        let bytes =
            std::fs::read(&log).with_context(|| format!("cannot read `{}`", log.display()))?;
        let tail = bytes.get(offset as usize..).unwrap_or_default();
        parse_log(&String::from_utf8_lossy(tail))
    }
}

/// What the access log says about some requests.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub(crate) struct Requests {
    pub(crate) total: usize,
    /// Requests per HTTP status.
    pub(crate) by_status: BTreeMap<u16, usize>,
    /// TCP connections they came on.
    pub(crate) connections: usize,
    /// Different files asked for (the query string, a cache-buster, aside).
    pub(crate) distinct_paths: usize,
}

/// Counts the lines of the `bench` log format: `STATUS CONNECTION URI`.
pub(crate) fn parse_log(text: &str) -> Result<Requests> {
    let mut requests = Requests::default();
    let mut connections = BTreeSet::new();
    let mut paths = BTreeSet::new();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let mut fields = line.split_whitespace();
        let (Some(status), Some(connection), Some(uri)) =
            (fields.next(), fields.next(), fields.next())
        else {
            bail!("the nginx access log has a line not in the `bench` format: `{line}`");
        };
        let status: u16 = status
            .parse()
            .with_context(|| format!("no HTTP status in the access log line `{line}`"))?;
        requests.total += 1;
        *requests.by_status.entry(status).or_default() += 1;
        connections.insert(connection.to_string());
        paths.insert(uri.split('?').next().unwrap_or(uri).to_string());
    }
    requests.connections = connections.len();
    requests.distinct_paths = paths.len();
    Ok(requests)
}

#[cfg(test)]
mod tests {
    use std::net::TcpStream;

    use super::*;

    #[test]
    fn counts_statuses_connections_and_paths() {
        let log = "200 1 /config.toml\n\
                   200 1 /config.toml.minisig\n\
                   304 2 /plugins/ab/cd/abcd.toml\n\
                   404 2 /plugins/no/pe/nope.toml\n\
                   404 3 /plugins/no/pe/nope.toml?plugres-refresh=17\n\n";
        let r = parse_log(log).unwrap();
        assert_eq!(r.total, 5);
        assert_eq!(r.by_status, BTreeMap::from([(200, 2), (304, 1), (404, 2)]));
        assert_eq!(r.connections, 3);
        assert_eq!(r.distinct_paths, 4);
    }

    #[test]
    fn refuses_lines_in_another_format() {
        assert!(parse_log("127.0.0.1 - - [22/Nov/2026] \"GET / HTTP/1.1\" 200\n").is_err());
        assert!(parse_log("200 1\n").is_err());
        assert_eq!(parse_log("").unwrap(), Requests::default());
    }

    /// A real nginx serves a file and logs the request, and is gone after
    /// the drop.
    #[test]
    fn serves_a_folder_and_logs_each_request() {
        use std::io::{Read, Write};
        let bin = find(None).unwrap_or_else(plugres_test_support::nginx::require);
        let root = tempfile::tempdir().unwrap();
        std::fs::write(root.path().join("config.toml"), "x = 1\n").unwrap();
        let server = Nginx::start(&bin, root.path()).unwrap();
        let port = server.port;
        assert_eq!(
            server.sparse_url(),
            format!("sparse+http://127.0.0.1:{port}/")
        );
        let offset = server.log_len();
        for path in ["/config.toml", "/missing.toml"] {
            let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
            stream
                .set_read_timeout(Some(Duration::from_secs(5)))
                .unwrap();
            write!(
                stream,
                "GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
            )
            .unwrap();
            let mut answer = String::new();
            stream.read_to_string(&mut answer).unwrap();
        }
        let r = server.requests_since(offset).unwrap();
        assert_eq!(r.by_status, BTreeMap::from([(200, 1), (404, 1)]));
        assert_eq!(r.connections, 2);
        drop(server);
        assert!(TcpStream::connect(("127.0.0.1", port)).is_err());
    }
}
