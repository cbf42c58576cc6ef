//! A minimal DevTools-protocol client for the browser tests: headless
//! chromium with a debugging port on 127.0.0.1, one page, commands over
//! its WebSocket. Enough to type into a page key by key and read it back.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tungstenite::{Message, WebSocket};

/// Debian's chromium (or Chrome), as the tests find it.
pub fn browser() -> &'static str {
    ["chromium", "google-chrome", "chromium-browser"]
        .into_iter()
        .find(|c| {
            Command::new(c)
                .arg("--version")
                .output()
                .is_ok_and(|o| o.status.success())
        })
        .unwrap_or_else(|| plugres_test_support::missing_tool("chromium", "chromium"))
}

/// A headless browser showing one page; killed when dropped.
pub struct Page {
    child: Child,
    socket: WebSocket<TcpStream>,
    next_id: u64,
    _profile: tempfile::TempDir,
}

impl Page {
    /// Opens `url` and waits (bounded) until it has loaded.
    pub fn open(url: &str) -> Page {
        let profile = tempfile::tempdir().unwrap();
        let child = Command::new(browser())
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--no-first-run",
                "--remote-debugging-address=127.0.0.1",
                "--remote-debugging-port=0",
            ])
            .arg(format!("--user-data-dir={}", profile.path().display()))
            .arg(url)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromium");
        let port = active_port(profile.path());
        let page_url = page_socket(port, url);
        let stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        let (socket, _) = tungstenite::client(page_url.as_str(), stream).expect("devtools socket");
        let mut page = Page {
            child,
            socket,
            next_id: 0,
            _profile: profile,
        };
        // The target may still show the blank page it starts with.
        let loaded = format!(
            "location.href === {} && document.readyState === 'complete'",
            json!(url)
        );
        page.until(&loaded);
        page
    }

    /// Sends one command and returns its result (events are skipped).
    pub fn call(&mut self, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        let msg = json!({ "id": id, "method": method, "params": params }).to_string();
        self.socket.send(Message::text(msg)).unwrap();
        loop {
            let reply = self.socket.read().expect("devtools reply");
            let Ok(text) = reply.into_text() else {
                continue;
            };
            let v: Value = serde_json::from_str(text.as_str()).unwrap();
            if v["id"] == id {
                assert!(v.get("error").is_none(), "{method}: {v}");
                return v["result"].clone();
            }
        }
    }

    /// The value of a JavaScript expression in the page.
    pub fn eval(&mut self, expression: &str) -> Value {
        let r = self.call(
            "Runtime.evaluate",
            json!({ "expression": expression, "returnByValue": true }),
        );
        r["result"]["value"].clone()
    }

    /// Waits (at most 10 s) until `expression` is true.
    pub fn until(&mut self, expression: &str) {
        let deadline = Instant::now() + Duration::from_secs(10);
        while self.eval(expression) != Value::Bool(true) {
            assert!(Instant::now() < deadline, "never true: {expression}");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Types `text` key by key into the focused element, as a user does.
    pub fn type_text(&mut self, text: &str) {
        for c in text.chars() {
            let key = c.to_string();
            for kind in ["keyDown", "keyUp"] {
                let mut params = json!({ "type": kind, "key": key });
                if kind == "keyDown" {
                    params["text"] = json!(key);
                }
                self.call("Input.dispatchKeyEvent", params);
            }
        }
    }

    /// Presses a key without text (`Tab`, `Backspace`, `Enter`).
    pub fn press(&mut self, key: &str, code: u32) {
        for kind in ["rawKeyDown", "keyUp"] {
            self.call(
                "Input.dispatchKeyEvent",
                json!({ "type": kind, "key": key, "windowsVirtualKeyCode": code }),
            );
        }
    }
}

impl Drop for Page {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The port chromium chose, from `DevToolsActivePort` in its profile.
fn active_port(profile: &Path) -> u16 {
    let file = profile.join("DevToolsActivePort");
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Some(port) = std::fs::read_to_string(&file)
            .ok()
            .and_then(|t| t.lines().next()?.trim().parse().ok())
        {
            return port;
        }
        assert!(
            Instant::now() < deadline,
            "chromium opened no debugging port"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The WebSocket URL of the page showing `url`, from `/json/list`.
fn page_socket(port: u16, url: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let body = get(port, "/json/list");
        let targets: Value = serde_json::from_str(&body).unwrap_or(json!([]));
        let page = targets
            .as_array()
            .into_iter()
            .flatten()
            .find(|t| t["type"] == "page" && t["url"] == url);
        if let Some(url) = page.and_then(|p| p["webSocketDebuggerUrl"].as_str()) {
            return url.to_string();
        }
        assert!(Instant::now() < deadline, "no page target: {body}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The body of `GET path` from the debugging port (HTTP/1.1: chromium
/// answers 1.0 requests with nothing, and keeps the connection open, so
/// the body is read by its length).
fn get(port: u16, path: &str) -> String {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    write!(s, "GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n").unwrap();
    let mut reader = std::io::BufReader::new(s);
    let mut length = 0;
    loop {
        let mut line = String::new();
        std::io::BufRead::read_line(&mut reader, &mut line).unwrap();
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some((name, value)) = line.split_once(':')
            && name.eq_ignore_ascii_case("content-length")
        {
            length = value.trim().parse().unwrap();
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body).unwrap();
    String::from_utf8(body).unwrap()
}
