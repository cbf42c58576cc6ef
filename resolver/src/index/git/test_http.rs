//! Git's smart HTTP on 127.0.0.1, for tests: a small HTTP/1.1 server that
//! runs `git http-backend` as a CGI program for every request, and can
//! demand a bearer token or redirect `/moved/…` to `/…`.
//!
//! The accept loop ends when the server is dropped; every connection
//! thread gives up after a few seconds.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

/// One request as the server saw it.
#[derive(Debug, Clone)]
pub(crate) struct SeenRequest {
    pub method: String,
    /// Path and query.
    pub target: String,
    /// The `Authorization` header, if any.
    pub authorization: Option<String>,
}

/// What the server demands.
#[derive(Debug, Clone, Default)]
pub(crate) struct Rules {
    /// Refuse a request unless it carries `Authorization: Bearer <token>`.
    pub token: Option<String>,
    /// How: 403, or else 401 (upon which gix asks git's credential helpers
    /// and, with a terminal, prompts; tests without a terminal only).
    pub refusal: u16,
}

/// `git http-backend` serving every repository under a directory.
pub(crate) struct GitHttpServer {
    base: String,
    seen: Arc<Mutex<Vec<SeenRequest>>>,
    stop: Arc<AtomicBool>,
    accept: Option<JoinHandle<()>>,
}

impl GitHttpServer {
    pub(crate) fn start(root: &Path, rules: Rules) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
        listener.set_nonblocking(true).expect("nonblocking");
        let base = format!("http://{}", listener.local_addr().expect("address"));
        let seen = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let site = Arc::new(Site {
            root: root.to_path_buf(),
            base: base.clone(),
            rules,
            seen: seen.clone(),
        });
        let accept = {
            let stop = stop.clone();
            std::thread::spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    match listener.accept() {
                        Ok((stream, _)) => {
                            let site = site.clone();
                            std::thread::spawn(move || site.serve(stream));
                        }
                        Err(_) => std::thread::sleep(Duration::from_millis(5)),
                    }
                }
            })
        };
        GitHttpServer {
            base,
            seen,
            stop,
            accept: Some(accept),
        }
    }

    /// The URL of repository `repo` (a directory under the root).
    pub(crate) fn url(&self, repo: &str) -> String {
        format!("{}/{repo}", self.base)
    }

    pub(crate) fn requests(&self) -> Vec<SeenRequest> {
        self.seen.lock().expect("seen lock").clone()
    }
}

impl Drop for GitHttpServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(accept) = self.accept.take() {
            let _ = accept.join();
        }
    }
}

struct Site {
    root: PathBuf,
    base: String,
    rules: Rules,
    seen: Arc<Mutex<Vec<SeenRequest>>>,
}

/// A parsed request: method, target, lower-cased headers, body.
struct Incoming {
    method: String,
    target: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Incoming {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

impl Site {
    fn serve(&self, stream: TcpStream) {
        let _ = stream.set_nonblocking(false);
        let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
        let mut reader = BufReader::new(stream.try_clone().expect("clone stream"));
        let mut out = stream;
        // Keep-alive: answer requests until the client closes.
        while let Some(request) = read_request(&mut reader) {
            let reply = self.reply(&request);
            if out.write_all(&reply).is_err() {
                return;
            }
        }
    }

    fn reply(&self, request: &Incoming) -> Vec<u8> {
        let authorization = request.header("authorization").map(str::to_string);
        self.seen.lock().expect("seen lock").push(SeenRequest {
            method: request.method.clone(),
            target: request.target.clone(),
            authorization: authorization.clone(),
        });
        if let Some(rest) = request.target.strip_prefix("/moved/") {
            let location = format!("Location: {}/{rest}\r\n", self.base);
            return response("301 Moved Permanently", &location, b"");
        }
        if let Some(token) = &self.rules.token
            && authorization.as_deref() != Some(&format!("Bearer {token}"))
        {
            if self.rules.refusal == 403 {
                return response("403 Forbidden", "", b"no");
            }
            let challenge = "WWW-Authenticate: Bearer realm=\"test\"\r\n";
            return response("401 Unauthorized", challenge, b"no");
        }
        self.cgi(request)
    }

    /// Runs `git http-backend` for `request` and turns its CGI answer into
    /// an HTTP response.
    fn cgi(&self, request: &Incoming) -> Vec<u8> {
        let (path, query) = request
            .target
            .split_once('?')
            .unwrap_or((&request.target, ""));
        let mut cmd = Command::new("git");
        cmd.arg("http-backend")
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("HOME", &self.root)
            .env("GIT_PROJECT_ROOT", &self.root)
            .env("GIT_HTTP_EXPORT_ALL", "1")
            .env("GATEWAY_INTERFACE", "CGI/1.1")
            .env("SERVER_PROTOCOL", "HTTP/1.1")
            .env("REMOTE_ADDR", "127.0.0.1")
            .env("REQUEST_METHOD", &request.method)
            .env("PATH_INFO", path)
            .env("QUERY_STRING", query)
            .env("CONTENT_LENGTH", request.body.len().to_string())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null());
        for (name, var) in [
            ("content-type", "CONTENT_TYPE"),
            ("git-protocol", "HTTP_GIT_PROTOCOL"),
        ] {
            if let Some(value) = request.header(name) {
                cmd.env(var, value);
            }
        }
        let mut child = cmd.spawn().expect("run git http-backend");
        let mut stdin = child.stdin.take().expect("stdin");
        let body = request.body.clone();
        let feeder = std::thread::spawn(move || {
            let _ = stdin.write_all(&body);
        });
        let mut output = Vec::new();
        let _ = child
            .stdout
            .take()
            .expect("stdout")
            .read_to_end(&mut output);
        let _ = feeder.join();
        let _ = child.wait();
        cgi_to_http(&output)
    }
}

/// CGI output (headers, a blank line, the body) as an HTTP response.
fn cgi_to_http(output: &[u8]) -> Vec<u8> {
    let split = output
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map(|i| (i, i + 4))
        .or_else(|| {
            output
                .windows(2)
                .position(|w| w == b"\n\n")
                .map(|i| (i, i + 2))
        });
    let Some((end, body_start)) = split else {
        return response("502 Bad Gateway", "", b"no CGI headers");
    };
    let head = String::from_utf8_lossy(&output[..end]);
    let mut status = "200 OK".to_string();
    let mut headers = String::new();
    for line in head.lines() {
        match line.split_once(':') {
            Some((name, value)) if name.eq_ignore_ascii_case("status") => {
                status = value.trim().to_string();
            }
            Some(_) => {
                headers.push_str(line.trim_end());
                headers.push_str("\r\n");
            }
            None => {}
        }
    }
    response(&status, &headers, &output[body_start..])
}

fn response(status: &str, headers: &str, body: &[u8]) -> Vec<u8> {
    let mut out = format!(
        "HTTP/1.1 {status}\r\n{headers}Content-Length: {}\r\n\r\n",
        body.len()
    )
    .into_bytes();
    out.extend_from_slice(body);
    out
}

/// Reads one request (with a `Content-Length` or chunked body); `None` at
/// the end of the connection or on nonsense.
fn read_request(reader: &mut impl BufRead) -> Option<Incoming> {
    let mut line = String::new();
    reader.read_line(&mut line).ok().filter(|n| *n > 0)?;
    let mut parts = line.split_whitespace();
    let method = parts.next()?.to_string();
    let target = parts.next()?.to_string();
    let mut headers = Vec::new();
    loop {
        let mut line = String::new();
        reader.read_line(&mut line).ok().filter(|n| *n > 0)?;
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        let (name, value) = line.split_once(':')?;
        headers.push((name.trim().to_ascii_lowercase(), value.trim().to_string()));
    }
    let header = |name: &str| {
        headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
    };
    let body = if header("transfer-encoding").is_some_and(|v| v.contains("chunked")) {
        read_chunked(reader)?
    } else {
        let length: usize = header("content-length").map_or(Some(0), |v| v.parse().ok())?;
        let mut body = vec![0; length];
        reader.read_exact(&mut body).ok()?;
        body
    };
    Some(Incoming {
        method,
        target,
        headers,
        body,
    })
}

fn read_chunked(reader: &mut impl BufRead) -> Option<Vec<u8>> {
    let mut body = Vec::new();
    loop {
        let mut size = String::new();
        reader.read_line(&mut size).ok()?;
        let size = usize::from_str_radix(size.trim().split(';').next()?, 16).ok()?;
        let mut chunk = vec![0; size + 2];
        reader.read_exact(&mut chunk).ok()?;
        if size == 0 {
            return Some(body);
        }
        body.extend_from_slice(&chunk[..size]);
    }
}
