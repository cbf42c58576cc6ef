//! nginx serving a generated index on 127.0.0.1, with an access log that
//! records each request's status and connection: the sparse benchmark
//! counts the requests a run made, and checks what they were answered.
//!
//! The configuration is the end-to-end tests' (`tests/support/http.rs`):
//! a temporary prefix holds it, the pid file, the logs and nginx's temp
//! folders; `daemon off` keeps the master process our child. It is stopped
//! with `nginx -s stop` (the master then stops its worker; killing the
//! master alone would leave the worker serving the port).

use std::collections::{BTreeMap, BTreeSet};
use std::net::{TcpListener, TcpStream};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use serde::Serialize;

/// Where Debian's package puts nginx.
const CANDIDATES: [&str; 2] = ["/usr/sbin/nginx", "/usr/bin/nginx"];
/// Longest wait for nginx to listen, and to stop.
const START_TIMEOUT: Duration = Duration::from_secs(10);
const STOP_TIMEOUT: Duration = Duration::from_secs(5);
/// The access log is written right after each response; a run's last
/// lines are awaited until the log stops growing for this long.
const LOG_SETTLE: Duration = Duration::from_millis(20);
const LOG_SETTLE_LIMIT: Duration = Duration::from_secs(2);

/// The nginx binary: `given`, or the first of the usual paths that exists.
pub(crate) fn find(given: Option<PathBuf>) -> Option<PathBuf> {
    given.or_else(|| CANDIDATES.iter().map(PathBuf::from).find(|p| p.is_file()))
}

/// A running nginx; stopped when dropped.
pub(crate) struct Nginx {
    child: Child,
    bin: PathBuf,
    prefix: tempfile::TempDir,
    port: u16,
}

impl Nginx {
    /// Starts `bin` serving `root` at `http://127.0.0.1:<free port>/` and
    /// waits until it accepts connections.
    pub(crate) fn start(bin: &Path, root: &Path) -> Result<Nginx> {
        let prefix = tempfile::tempdir().context("cannot create a folder for nginx")?;
        let root = std::path::absolute(root)
            .with_context(|| format!("cannot make `{}` absolute", root.display()))?;
        let port = free_port()?;
        std::fs::write(conf_path(prefix.path()), config(prefix.path(), &root, port))
            .context("cannot write nginx.conf")?;
        let child = Command::new(bin)
            .args(prefix_args(prefix.path()))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .with_context(|| format!("cannot run `{}`", bin.display()))?;
        let mut server = Nginx {
            child,
            bin: bin.to_path_buf(),
            prefix,
            port,
        };
        server.wait_listening()?;
        Ok(server)
    }

    /// The registry location a project names: `sparse+http://127.0.0.1:PORT/`.
    pub(crate) fn sparse_url(&self) -> String {
        format!("sparse+http://127.0.0.1:{}/", self.port)
    }

    fn access_log(&self) -> PathBuf {
        self.prefix.path().join("access.log")
    }

    /// Bytes logged so far: where the next run's lines will start.
    pub(crate) fn log_len(&self) -> u64 {
        std::fs::metadata(self.access_log()).map_or(0, |m| m.len())
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
        let bytes = std::fs::read(self.access_log())
            .with_context(|| format!("cannot read `{}`", self.access_log().display()))?;
        let tail = bytes.get(offset as usize..).unwrap_or_default();
        parse_log(&String::from_utf8_lossy(tail))
    }

    fn wait_listening(&mut self) -> Result<()> {
        let deadline = Instant::now() + START_TIMEOUT;
        while Instant::now() < deadline {
            if TcpStream::connect(("127.0.0.1", self.port)).is_ok() {
                return Ok(());
            }
            if let Some(status) = self.child.try_wait()? {
                bail!(
                    "nginx exited ({status}) instead of listening on 127.0.0.1:{}: {}",
                    self.port,
                    self.error_log()
                );
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        bail!(
            "nginx did not listen on 127.0.0.1:{} within {} s: {}",
            self.port,
            START_TIMEOUT.as_secs(),
            self.error_log()
        )
    }

    fn error_log(&self) -> String {
        let text =
            std::fs::read_to_string(self.prefix.path().join("error.log")).unwrap_or_default();
        text.trim().to_string()
    }

    fn stop(&mut self) {
        if let Ok(Some(_)) = self.child.try_wait() {
            return;
        }
        let _ = Command::new(&self.bin)
            .args(prefix_args(self.prefix.path()))
            .args(["-s", "stop"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        let deadline = Instant::now() + STOP_TIMEOUT;
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Nginx {
    fn drop(&mut self) {
        self.stop();
    }
}

fn conf_path(prefix: &Path) -> PathBuf {
    prefix.join("nginx.conf")
}

/// `-c`, `-p` and `-e` (error log before the config is read) in `prefix`.
fn prefix_args(prefix: &Path) -> Vec<PathBuf> {
    vec![
        "-c".into(),
        conf_path(prefix),
        "-p".into(),
        prefix.to_path_buf(),
        "-e".into(),
        prefix.join("error.log"),
    ]
}

fn free_port() -> Result<u16> {
    let listener = TcpListener::bind("127.0.0.1:0").context("cannot find a free port")?;
    Ok(listener.local_addr()?.port())
}

/// Whether this process runs as root (nginx then needs `user root;` to
/// read a root-owned tree).
fn is_root() -> bool {
    std::fs::metadata("/proc/self").is_ok_and(|m| m.uid() == 0)
}

fn config(prefix: &Path, root: &Path, port: u16) -> String {
    let t = prefix.display();
    let user = if is_root() { "user root;" } else { "" };
    format!(
        "{user}
worker_processes 1;
daemon off;
error_log {t}/error.log;
pid {t}/nginx.pid;
events {{ worker_connections 256; }}
http {{
  log_format bench '$status $connection $request_uri';
  access_log {t}/access.log bench;
  client_body_temp_path {t}/body;
  proxy_temp_path {t}/proxy;
  fastcgi_temp_path {t}/fcgi;
  uwsgi_temp_path {t}/uwsgi;
  scgi_temp_path {t}/scgi;
  default_type application/octet-stream;
  types {{ text/plain toml minisig; application/wasm wasm; }}
  server {{
    listen 127.0.0.1:{port};
    root {root};
  }}
}}
",
        root = root.display()
    )
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

    /// A real nginx (where installed) serves a file and logs the request,
    /// and is gone after the drop.
    #[test]
    fn serves_a_folder_and_logs_each_request() {
        use std::io::{Read, Write};
        let Some(bin) = find(None) else {
            eprintln!("nginx is not installed; skipped");
            return;
        };
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

    #[test]
    fn the_config_listens_on_loopback_and_logs_in_the_bench_format() {
        let conf = config(Path::new("/tmp/p"), Path::new("/srv/index"), 8123);
        assert!(conf.contains("listen 127.0.0.1:8123;"));
        assert!(conf.contains("root /srv/index;"));
        assert!(conf.contains("access_log /tmp/p/access.log bench;"));
        assert!(conf.contains("daemon off;"));
    }
}
