//! Writing a command's output to stdout when the reader may go away.
//!
//! Rust ignores `SIGPIPE`, so `plugres completions bash | head -1` made
//! `print!` panic (exit 101) once `head` closed the pipe. Unix tools stop
//! quietly instead: the reader has all it wanted.

use std::io::{ErrorKind, Write};

/// Writes `bytes` to stdout and flushes. A closed pipe ends the process
/// with status 0, silently; another write error with status 1, named.
pub fn write_stdout(bytes: &[u8]) {
    let mut out = std::io::stdout().lock();
    match out.write_all(bytes).and_then(|()| out.flush()) {
        Ok(()) => {}
        Err(e) if e.kind() == ErrorKind::BrokenPipe => std::process::exit(0),
        Err(e) => {
            eprintln!("error: cannot write to stdout: {e}");
            std::process::exit(1)
        }
    }
}
