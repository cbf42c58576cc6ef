//! Real HTTP servers on 127.0.0.1 for the end-to-end tests.
//!
//! [`StaticServer`] is nginx (Debian's package, which `tests/run.sh`
//! installs) serving a directory, with an access log the tests can read;
//! without nginx a test fails, naming it (never another server: the tests
//! assert on nginx's access log). [`FaultServer`] is a small server in this process that misbehaves
//! on purpose: errors, hangs, oversized bodies, slow drips, gzip-labelled
//! bodies, reset connections; in front of an
//! index directory it serves the files and misbehaves on chosen paths only.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use plugres_test_support::nginx::{self, Nginx};

/// A static server: nginx ([`plugres_test_support::nginx`]).
pub struct StaticServer {
    server: Nginx,
    pub port: u16,
}

impl StaticServer {
    /// Serves `dir` at `http://127.0.0.1:PORT/`. `extra` is added inside the
    /// nginx `server` block (e.g. a bearer-token check).
    pub fn start(dir: &Path) -> StaticServer {
        Self::start_with(dir, "")
    }

    pub fn start_with(dir: &Path, extra: &str) -> StaticServer {
        let site = nginx::Server {
            root: dir,
            extra: extra.to_string(),
        };
        let server = Nginx::start(&nginx::require(), &[site], None).expect("start nginx");
        let port = server.port(0);
        StaticServer { server, port }
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}/", self.port)
    }

    /// Lines of nginx's access log.
    pub fn access_log(&self) -> Vec<String> {
        self.server
            .access_log()
            .lines()
            .map(str::to_string)
            .collect()
    }

    pub fn stop(&mut self) {
        self.server.stop();
    }
}

impl Drop for StaticServer {
    fn drop(&mut self) {
        self.stop();
    }
}

/// What a [`FaultServer`] does with each request, in order; the last
/// behaviour repeats.
#[derive(Clone, Debug)]
pub enum Fault {
    /// 200 with these bytes.
    Serve(Vec<u8>),
    /// This status with an empty body.
    Status(u16),
    /// Accept and never answer (until the server is dropped).
    Hang,
    /// Declare no length and send `n` bytes of zeros.
    Endless(usize),
    /// Declare `len` bytes, then send one byte of zeros every `every`
    /// (a slow-drip server; stops when the client leaves, or after 60 s).
    Drip { len: usize, every: Duration },
    /// 200 with `Content-Encoding: gzip` and these bytes as they are (an
    /// S3 object with that metadata, or a gzip bomb).
    Gzipped(Vec<u8>),
}

/// Picks the fault for each request from its path and its number (from 0).
type Responder = dyn Fn(&str, usize) -> Fault + Send + Sync;

/// URL path (like `/timestamp.toml`) → fault, shared with the server.
pub type Faults = Arc<Mutex<Vec<(String, Fault)>>>;

pub struct FaultServer {
    pub port: u16,
    /// The faults of [`FaultServer::in_front_of`] by URL path; change them
    /// while the server runs.
    pub faults: Faults,
    pub hits: Arc<AtomicUsize>,
    stop: Arc<AtomicBool>,
    pub paths: Arc<Mutex<Vec<String>>>,
    /// While set, every connection is reset instead of answered.
    reset: Arc<AtomicBool>,
}

impl FaultServer {
    /// Answers request `n` with `script[n]` (the last one repeats).
    pub fn start(script: Vec<Fault>) -> FaultServer {
        Self::with(
            Arc::new(move |_path: &str, n: usize| {
                script.get(n).or(script.last()).cloned().unwrap()
            }),
            Faults::default(),
        )
    }

    /// A static server of `dir` (200 with the file, 404 when missing) that
    /// answers the URL paths of `faults` (like `/timestamp.toml`) with
    /// their fault instead: a hostile or broken host in front of an index.
    pub fn in_front_of(dir: &Path, faults: Vec<(String, Fault)>) -> FaultServer {
        let dir = dir.to_path_buf();
        let shared: Faults = Arc::new(Mutex::new(faults));
        let faults = shared.clone();
        let responder = Arc::new(move |path: &str, _n: usize| {
            let path = path.split('?').next().unwrap_or("");
            let fault = faults
                .lock()
                .unwrap()
                .iter()
                .find(|(p, _)| p == path)
                .map(|(_, f)| f.clone());
            if let Some(f) = fault {
                return f;
            }
            let rel = path.trim_start_matches('/');
            if rel.split('/').any(|c| c == "..") {
                return Fault::Status(400);
            }
            match std::fs::read(dir.join(rel)) {
                Ok(bytes) if dir.join(rel).is_file() => Fault::Serve(bytes),
                _ => Fault::Status(404),
            }
        });
        Self::with(responder, shared)
    }

    /// From now on, reset every connection (`true`) or answer again.
    pub fn reset_connections(&self, on: bool) {
        self.reset.store(on, Ordering::SeqCst);
    }

    /// Replaces the faults of an [`FaultServer::in_front_of`] server.
    pub fn set_faults(&self, faults: Vec<(String, Fault)>) {
        *self.faults.lock().unwrap() = faults;
    }

    fn with(responder: Arc<Responder>, faults: Faults) -> FaultServer {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        listener.set_nonblocking(true).unwrap();
        let hits = Arc::new(AtomicUsize::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let paths = Arc::new(Mutex::new(Vec::new()));
        let reset = Arc::new(AtomicBool::new(false));
        let (h, s, p, rs) = (hits.clone(), stop.clone(), paths.clone(), reset.clone());
        std::thread::spawn(move || {
            // Bounded: the server stops when dropped, and lives at most
            // 10 minutes (the first test of a run may wait minutes for
            // cargo to build the binaries before it sends a request).
            let deadline = Instant::now() + Duration::from_secs(600);
            while !s.load(Ordering::SeqCst) && Instant::now() < deadline {
                match listener.accept() {
                    Ok((stream, _)) if rs.load(Ordering::SeqCst) => {
                        h.fetch_add(1, Ordering::SeqCst);
                        // Closed with the request unread: the kernel
                        // answers with a reset (RST), not a clean close.
                        std::thread::spawn(move || {
                            std::thread::sleep(Duration::from_millis(150));
                            drop(stream);
                        });
                    }
                    Ok((stream, _)) => {
                        let n = h.fetch_add(1, Ordering::SeqCst);
                        let (s2, p2, r) = (s.clone(), p.clone(), responder.clone());
                        std::thread::spawn(move || answer(stream, n, &*r, &s2, &p2));
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(5)),
                }
            }
        });
        FaultServer {
            port,
            faults,
            hits,
            stop,
            paths,
            reset,
        }
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}/", self.port)
    }
}

impl Drop for FaultServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
    }
}

fn answer(
    mut stream: TcpStream,
    n: usize,
    responder: &Responder,
    stop: &AtomicBool,
    paths: &Mutex<Vec<String>>,
) {
    stream.set_nonblocking(false).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut first = String::new();
    let _ = reader.read_line(&mut first);
    let path = first.split_whitespace().nth(1).unwrap_or("").to_string();
    paths.lock().unwrap().push(path.clone());
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
            break;
        }
    }
    let fault = responder(&path, n);
    let _ = match fault {
        Fault::Serve(body) => {
            let head = format!(
                "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            );
            stream
                .write_all(head.as_bytes())
                .and_then(|_| stream.write_all(&body))
        }
        Fault::Gzipped(body) => {
            let head = format!(
                "HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            );
            stream
                .write_all(head.as_bytes())
                .and_then(|_| stream.write_all(&body))
        }
        Fault::Status(code) => {
            let head =
                format!("HTTP/1.1 {code} Fault\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
            stream.write_all(head.as_bytes())
        }
        Fault::Hang => {
            let deadline = Instant::now() + Duration::from_secs(30);
            while !stop.load(Ordering::SeqCst) && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(20));
            }
            Ok(())
        }
        Fault::Endless(n) => {
            let head = "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n";
            let chunk = vec![0u8; 8192];
            let mut sent = 0;
            let mut r = stream.write_all(head.as_bytes());
            while r.is_ok() && sent < n {
                r = stream.write_all(&chunk);
                sent += chunk.len();
            }
            r
        }
        Fault::Drip { len, every } => {
            let head =
                format!("HTTP/1.1 200 OK\r\nContent-Length: {len}\r\nConnection: close\r\n\r\n");
            let deadline = Instant::now() + Duration::from_secs(60);
            let mut r = stream.write_all(head.as_bytes());
            let mut sent = 0;
            while r.is_ok()
                && sent < len
                && !stop.load(Ordering::SeqCst)
                && Instant::now() < deadline
            {
                r = stream.write_all(&[0]).and_then(|_| stream.flush());
                sent += 1;
                std::thread::sleep(every);
            }
            r
        }
    };
    let _ = stream.flush();
    let mut sink = [0u8; 64];
    let _ = stream.read(&mut sink);
}
