//! nginx on 127.0.0.1 for the sparse backend's tests: Debian's package,
//! started with a temporary config (as the e2e tests do), one `server`
//! block per port, and an access log that records each request's status,
//! conditional header and `Authorization` so tests can count and inspect.
//!
//! Tests that need it are skipped (with a note on stderr) where nginx is
//! not installed.

use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// One nginx process serving one or more ports.
pub(crate) struct Nginx {
    child: Child,
    pub(crate) ports: Vec<u16>,
    tmp: tempfile::TempDir,
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

pub(crate) fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

fn binary() -> Option<PathBuf> {
    ["/usr/sbin/nginx", "/usr/bin/nginx"]
        .iter()
        .map(PathBuf::from)
        .find(|p| p.exists())
}

impl Nginx {
    /// Serves `root` on one port; `extra` goes into the `server` block.
    pub(crate) fn serve(root: &Path, extra: &str) -> Option<Nginx> {
        Self::servers(&[(root, extra.to_string())])
    }

    /// One `server` per entry, each on its own free port; `@PORTn@` in an
    /// `extra` stands for the port of server `n`.
    pub(crate) fn servers(servers: &[(&Path, String)]) -> Option<Nginx> {
        let Some(bin) = binary() else {
            eprintln!("nginx is not installed: skipping");
            return None;
        };
        let tmp = tempfile::tempdir().expect("tempdir");
        let t = tmp.path().display();
        let ports: Vec<u16> = servers.iter().map(|_| free_port()).collect();
        let blocks: String = servers
            .iter()
            .zip(&ports)
            .map(|((root, extra), port)| {
                let extra = ports.iter().enumerate().fold(extra.clone(), |e, (i, p)| {
                    e.replace(&format!("@PORT{i}@"), &p.to_string())
                });
                format!(
                    "  server {{\n    listen 127.0.0.1:{port};\n    root {};\n    {extra}\n  }}\n",
                    root.display()
                )
            })
            .collect();
        let user = if is_root() { "user root;" } else { "" };
        let conf = format!(
            "{user}\nworker_processes 1;\ndaemon off;\n# One process, our child: killing it leaves no orphaned worker.\nmaster_process off;\nerror_log {t}/error.log;\npid {t}/nginx.pid;\n\
events {{ worker_connections 256; }}\n\
http {{\n  log_format probe '$server_port \"$request_uri\" $status \"$http_authorization\"';\n\
  access_log {t}/access.log probe;\n  client_body_temp_path {t}/body;\n  proxy_temp_path {t}/proxy;\n\
  fastcgi_temp_path {t}/fcgi;\n  uwsgi_temp_path {t}/uwsgi;\n  scgi_temp_path {t}/scgi;\n\
  default_type application/octet-stream;\n{blocks}}}\n"
        );
        let conf_path = tmp.path().join("nginx.conf");
        std::fs::write(&conf_path, conf).expect("write nginx.conf");
        let child = Command::new(bin)
            .arg("-c")
            .arg(&conf_path)
            .arg("-p")
            .arg(tmp.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start nginx");
        let nginx = Nginx { child, ports, tmp };
        for port in &nginx.ports {
            wait_for(*port);
        }
        Some(nginx)
    }

    pub(crate) fn url(&self, i: usize) -> String {
        format!("http://127.0.0.1:{}/", self.ports[i])
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
        let text = std::fs::read_to_string(self.tmp.path().join("access.log")).unwrap_or_default();
        text.lines().filter_map(parse_line).collect()
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

impl Drop for Nginx {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| o.stdout.starts_with(b"0"))
        .unwrap_or(false)
}

fn wait_for(port: u16) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        if TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    panic!("nginx did not listen on port {port} within 10 s");
}
