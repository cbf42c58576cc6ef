//! A tiny HTTP/1.1 server on 127.0.0.1 for tests: each request gets the
//! reply a script chooses, then the connection is closed.
//!
//! Lifetimes are bounded: the accept loop ends when the server is dropped
//! or after [`MAX_LIFETIME`], every connection thread gives up after a few
//! seconds, and a hanging reply waits at most [`MAX_LIFETIME`] too.

use std::io::{self, BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// No test server lives longer than this.
pub(crate) const MAX_LIFETIME: Duration = Duration::from_secs(30);

/// What the server does with one request.
#[derive(Debug, Clone)]
pub(crate) enum Reply {
    /// A status and a body, with a correct `Content-Length`.
    Bytes(u16, Vec<u8>),
    /// 200 without `Content-Length`, then endless data until the client
    /// hangs up (or 64 MiB, or the lifetime ends).
    Endless,
    /// Read the request, then say nothing until the client gives up.
    Hang,
    /// This status line, extra `headers` (`Name: value\r\n` lines), a
    /// `Content-Length` of `declared` (else the body's length), then the
    /// body, then the connection closes: a `declared` beyond the body is
    /// a transfer cut off midway.
    Raw {
        status: u16,
        headers: String,
        declared: Option<usize>,
        body: Vec<u8>,
    },
    /// 200 with `Content-Encoding: gzip` and these bytes as they are.
    Gzipped(Vec<u8>),
    /// 200 declaring `len` bytes, with extra `headers` (`Name: value\r\n`
    /// lines) and `prefix` sent at once, then one byte every `every` until
    /// the client hangs up (or the lifetime ends).
    Drip {
        len: usize,
        every: Duration,
        headers: &'static str,
        prefix: &'static [u8],
    },
}

/// A request as the server saw it.
#[derive(Debug, Clone)]
pub(crate) struct Seen {
    pub path: String,
    /// The header block, lower-cased names, for assertions such as "sent a token".
    pub headers: String,
}

type Script = dyn Fn(usize, &str) -> Reply + Send + Sync;

pub(crate) struct TestServer {
    pub base: String,
    seen: Arc<Mutex<Vec<Seen>>>,
    stop: Arc<AtomicBool>,
    accept: Option<JoinHandle<()>>,
}

impl TestServer {
    /// Starts a server; `script(n, path)` picks the reply to the n-th request (from 0).
    pub(crate) fn start(script: impl Fn(usize, &str) -> Reply + Send + Sync + 'static) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
        listener
            .set_nonblocking(true)
            .expect("nonblocking listener");
        let base = format!("http://{}", listener.local_addr().expect("local addr"));
        let seen = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let script: Arc<Script> = Arc::new(script);
        let accept = {
            let (seen, stop) = (seen.clone(), stop.clone());
            std::thread::spawn(move || accept_loop(listener, script, seen, stop))
        };
        Self {
            base,
            seen,
            stop,
            accept: Some(accept),
        }
    }

    /// Serves fixed bytes for every request.
    pub(crate) fn serving(body: Vec<u8>) -> Self {
        Self::start(move |_, _| Reply::Bytes(200, body.clone()))
    }

    pub(crate) fn url(&self, path: &str) -> String {
        format!("{}/{}", self.base, path.trim_start_matches('/'))
    }

    pub(crate) fn requests(&self) -> Vec<Seen> {
        self.seen.lock().expect("seen lock").clone()
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(handle) = self.accept.take() {
            let _ = handle.join();
        }
    }
}

fn accept_loop(
    listener: TcpListener,
    script: Arc<Script>,
    seen: Arc<Mutex<Vec<Seen>>>,
    stop: Arc<AtomicBool>,
) {
    let started = Instant::now();
    let mut count = 0usize;
    while !stop.load(Ordering::SeqCst) && started.elapsed() < MAX_LIFETIME {
        match listener.accept() {
            Ok((stream, _)) => {
                let n = count;
                count += 1;
                let (script, seen, stop) = (script.clone(), seen.clone(), stop.clone());
                // Connection threads are detached but bounded by timeouts and `stop`.
                std::thread::spawn(move || {
                    let _ = serve(stream, n, &*script, &seen, &stop, started);
                });
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                std::thread::sleep(Duration::from_millis(5));
            }
            Err(_) => return,
        }
    }
}

fn serve(
    stream: TcpStream,
    n: usize,
    script: &Script,
    seen: &Mutex<Vec<Seen>>,
    stop: &AtomicBool,
    started: Instant,
) -> io::Result<()> {
    stream.set_nonblocking(false)?;
    stream.set_read_timeout(Some(Duration::from_secs(5)))?;
    stream.set_write_timeout(Some(Duration::from_secs(5)))?;
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut request_line = String::new();
    reader.read_line(&mut request_line)?;
    let path = request_line
        .split_whitespace()
        .nth(1)
        .unwrap_or("/")
        .to_owned();
    let mut headers = String::new();
    for _ in 0..100 {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 || line == "\r\n" {
            break;
        }
        headers.push_str(&line.to_ascii_lowercase());
    }
    seen.lock().expect("seen lock").push(Seen {
        path: path.clone(),
        headers,
    });

    let mut out = stream;
    match script(n, &path) {
        Reply::Bytes(status, body) => {
            write!(
                out,
                "HTTP/1.1 {status} X\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            )?;
            out.write_all(&body)?;
        }
        Reply::Endless => {
            out.write_all(b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n")?;
            let chunk = vec![b'x'; 64 * 1024];
            for _ in 0..1024 {
                if stop.load(Ordering::SeqCst) || started.elapsed() > MAX_LIFETIME {
                    break;
                }
                out.write_all(&chunk)?; // fails once the client hangs up
            }
        }
        Reply::Gzipped(body) => {
            write!(
                out,
                "HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            )?;
            out.write_all(&body)?;
        }
        Reply::Drip {
            len,
            every,
            headers,
            prefix,
        } => {
            write!(
                out,
                "HTTP/1.1 200 OK\r\n{headers}Content-Length: {len}\r\nConnection: close\r\n\r\n"
            )?;
            out.write_all(prefix)?;
            for _ in prefix.len()..len {
                if stop.load(Ordering::SeqCst) || started.elapsed() > MAX_LIFETIME {
                    break;
                }
                out.write_all(b"x")?; // fails once the client hangs up
                out.flush()?;
                std::thread::sleep(every);
            }
        }
        Reply::Raw {
            status,
            headers,
            declared,
            body,
        } => {
            write!(
                out,
                "HTTP/1.1 {status} X\r\n{headers}Content-Length: {}\r\nConnection: close\r\n\r\n",
                declared.unwrap_or(body.len())
            )?;
            out.write_all(&body)?;
        }
        Reply::Hang => {
            while !stop.load(Ordering::SeqCst) && started.elapsed() < MAX_LIFETIME {
                std::thread::sleep(Duration::from_millis(20));
            }
        }
    }
    out.flush()
}
