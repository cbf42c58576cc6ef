//! nginx (Debian's package, which `tests/run.sh` installs) serving folders on
//! 127.0.0.1: the end-to-end tests' static host, the sparse backend's
//! tests and the sparse benchmark all start it here.
//!
//! A temporary prefix holds the configuration, the pid file, the logs and
//! nginx's temp folders. `daemon off` and `master_process off` keep a single
//! nginx process, our child: killing it leaves no worker serving the port.
//! Each server block gets its own free port; the access log is written in
//! the format the caller names (nginx's `combined` when none), so each
//! caller parses what it needs.

use std::io;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Where Debian's package puts nginx.
const CANDIDATES: [&str; 2] = ["/usr/sbin/nginx", "/usr/bin/nginx"];
/// Longest wait for nginx to listen.
const START_TIMEOUT: Duration = Duration::from_secs(10);

/// The nginx binary: the first of the usual paths that exists.
pub fn binary() -> Option<PathBuf> {
    CANDIDATES.iter().map(PathBuf::from).find(|p| p.is_file())
}

/// The nginx binary, or a panic naming it and how to install it.
pub fn require() -> PathBuf {
    binary().unwrap_or_else(|| crate::missing_tool("nginx", "nginx-light"))
}

/// One `server` block: the folder it serves, and directives added inside
/// the block, where `@PORTn@` stands for the port of server `n`.
pub struct Server<'a> {
    pub root: &'a Path,
    pub extra: String,
}

impl<'a> Server<'a> {
    /// Serves `root` as it is.
    pub fn plain(root: &'a Path) -> Self {
        Server {
            root,
            extra: String::new(),
        }
    }
}

/// A running nginx; killed when dropped.
pub struct Nginx {
    child: Child,
    ports: Vec<u16>,
    prefix: tempfile::TempDir,
}

impl Nginx {
    /// Starts `bin` with one server per entry of `servers`, each on its own
    /// free port of 127.0.0.1, the access log in `log_format` (an nginx
    /// `log_format` string; `None` for nginx's default), and waits until
    /// every port accepts connections.
    pub fn start(
        bin: &Path,
        servers: &[Server<'_>],
        log_format: Option<&str>,
    ) -> io::Result<Nginx> {
        let prefix = tempfile::tempdir()?;
        let ports = servers
            .iter()
            .map(|_| crate::free_port())
            .collect::<io::Result<Vec<u16>>>()?;
        let conf = config(prefix.path(), servers, &ports, log_format)?;
        std::fs::write(prefix.path().join("nginx.conf"), conf)?;
        let child = Command::new(bin)
            .arg("-c")
            .arg(prefix.path().join("nginx.conf"))
            .arg("-p")
            .arg(prefix.path())
            // The error log before the configuration is read, too.
            .arg("-e")
            .arg(prefix.path().join("error.log"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| io::Error::other(format!("cannot run `{}`: {e}", bin.display())))?;
        let mut nginx = Nginx {
            child,
            ports,
            prefix,
        };
        nginx.wait_listening()?;
        Ok(nginx)
    }

    /// The port of server `i`.
    pub fn port(&self, i: usize) -> u16 {
        self.ports[i]
    }

    /// Every server's port, in the order given.
    pub fn ports(&self) -> &[u16] {
        &self.ports
    }

    /// `http://127.0.0.1:PORT/` of server `i`.
    pub fn url(&self, i: usize) -> String {
        format!("http://127.0.0.1:{}/", self.ports[i])
    }

    /// The folder holding `access.log`, `error.log` and the configuration.
    pub fn prefix(&self) -> &Path {
        self.prefix.path()
    }

    /// Where the access log is written.
    pub fn access_log_path(&self) -> PathBuf {
        self.prefix.path().join("access.log")
    }

    /// The access log so far (empty before the first request).
    pub fn access_log(&self) -> String {
        std::fs::read_to_string(self.access_log_path()).unwrap_or_default()
    }

    /// The error log, trimmed.
    pub fn error_log(&self) -> String {
        let text =
            std::fs::read_to_string(self.prefix.path().join("error.log")).unwrap_or_default();
        text.trim().to_string()
    }

    /// Stops nginx (also done on drop).
    pub fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    fn wait_listening(&mut self) -> io::Result<()> {
        let deadline = Instant::now() + START_TIMEOUT;
        for &port in &self.ports {
            loop {
                if crate::wait_for_port(port, Duration::from_millis(20)) {
                    break;
                }
                if let Some(status) = self.child.try_wait()? {
                    return Err(io::Error::other(format!(
                        "nginx exited ({status}) instead of listening on 127.0.0.1:{port}: {}",
                        self.error_log()
                    )));
                }
                if Instant::now() > deadline {
                    return Err(io::Error::other(format!(
                        "nginx did not listen on 127.0.0.1:{port} within {} s: {}",
                        START_TIMEOUT.as_secs(),
                        self.error_log()
                    )));
                }
            }
        }
        Ok(())
    }
}

impl Drop for Nginx {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Whether this process runs as root (nginx then needs `user root;` to
/// read a root-owned tree).
#[cfg(unix)]
fn is_root() -> bool {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata("/proc/self").is_ok_and(|m| m.uid() == 0)
}

/// No `user` directive off Unix (README "Platforms": these tests run on Linux).
#[cfg(not(unix))]
fn is_root() -> bool {
    false
}

fn config(
    prefix: &Path,
    servers: &[Server<'_>],
    ports: &[u16],
    log_format: Option<&str>,
) -> io::Result<String> {
    let t = prefix.display();
    let user = if is_root() { "user root;" } else { "" };
    let (format_line, format_name) = match log_format {
        Some(f) => (format!("  log_format plugres '{f}';\n"), " plugres"),
        None => (String::new(), ""),
    };
    let mut blocks = String::new();
    for (server, port) in servers.iter().zip(ports) {
        let root = std::path::absolute(server.root)?;
        let extra = ports
            .iter()
            .enumerate()
            .fold(server.extra.clone(), |e, (i, p)| {
                e.replace(&format!("@PORT{i}@"), &p.to_string())
            });
        blocks.push_str(&format!(
            "  server {{\n    listen 127.0.0.1:{port};\n    root {};\n    {extra}\n  }}\n",
            root.display()
        ));
    }
    Ok(format!(
        "{user}
worker_processes 1;
daemon off;
master_process off;
error_log {t}/error.log;
pid {t}/nginx.pid;
events {{ worker_connections 256; }}
http {{
{format_line}  access_log {t}/access.log{format_name};
  client_body_temp_path {t}/body;
  proxy_temp_path {t}/proxy;
  fastcgi_temp_path {t}/fcgi;
  uwsgi_temp_path {t}/uwsgi;
  scgi_temp_path {t}/scgi;
  default_type application/octet-stream;
  types {{ text/plain toml minisig; application/wasm wasm; }}
{blocks}}}
"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_config_listens_on_loopback_and_logs_in_the_given_format() {
        let servers = [
            Server::plain(Path::new("/srv/index")),
            Server {
                root: Path::new("/srv/other"),
                extra: "return 302 http://127.0.0.1:@PORT0@/;".into(),
            },
        ];
        let conf = config(
            Path::new("/tmp/p"),
            &servers,
            &[8123, 8124],
            Some("$status"),
        )
        .unwrap();
        assert!(conf.contains("listen 127.0.0.1:8123;"));
        assert!(conf.contains("root /srv/index;"));
        assert!(conf.contains("listen 127.0.0.1:8124;"));
        assert!(conf.contains("return 302 http://127.0.0.1:8123/;"));
        assert!(conf.contains("log_format plugres '$status';"));
        assert!(conf.contains("access_log /tmp/p/access.log plugres;"));
        assert!(conf.contains("daemon off;"));
        assert!(conf.contains("master_process off;"));
        let plain = config(Path::new("/tmp/p"), &servers[..1], &[8123], None).unwrap();
        assert!(plain.contains("access_log /tmp/p/access.log;"));
        assert!(!plain.contains("log_format"));
    }
}
