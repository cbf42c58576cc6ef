//! Test support shared by every crate's tests: real programs on
//! 127.0.0.1, started the same way everywhere.
//!
//! - [`git`]: the `git` program isolated from the machine's configuration,
//!   a `git daemon` serving a folder, and copies of trees into repositories.
//! - [`nginx`]: nginx serving folders on free ports, with an access log the
//!   caller reads in the format it chose.
//!
//! It depends on neither `plugres` nor `plugres-index`, so both can use it
//! from their unit tests. Helpers panic on failure (they are for tests),
//! except [`nginx::Nginx::start`], which the benchmark also uses.

// Test support: a failed step should stop the test at once.
#![allow(clippy::unwrap_used)]

pub mod git;
pub mod nginx;

use std::net::{TcpListener, TcpStream};
use std::time::{Duration, Instant};

/// Stops a test that needs a program this machine lacks, naming it and how
/// to install it: a test never falls back to something else and then
/// asserts what only the real program does.
pub fn missing_tool(tool: &str, debian_package: &str) -> ! {
    panic!(
        "`{tool}` is required by this test and was not found.\n\
         Run the tests with `bash tests/run.sh`: it installs what they use \
         (Debian/Ubuntu: `sudo apt-get install {debian_package}`), then runs them."
    )
}

/// A port on 127.0.0.1 that was free a moment ago.
pub fn free_port() -> std::io::Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// Waits until something accepts connections on 127.0.0.1:`port`, for at
/// most `timeout`; whether it did.
pub fn wait_for_port(port: u16, timeout: Duration) -> bool {
    let deadline = Instant::now() + timeout;
    while Instant::now() < deadline {
        if TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    false
}
