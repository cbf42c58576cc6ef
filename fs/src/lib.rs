//! The file-system helpers every plugres crate shares, written once:
//!
//! - [`atomic_write`]: a file is replaced whole or not at all (temp file in
//!   the same folder, then a rename), so a reader or a crash never sees half
//!   of it;
//! - [`FileLock`]: a lock file held while a process changes what it guards,
//!   telling the user when it has to wait for another process;
//! - [`HashingReader`]: the sha256 and length of bytes as they stream by,
//!   for artifacts too large to hold in memory;
//! - [`write_stdout`]: a command's output, ending quietly when the reader
//!   closed the pipe (`| head`).
//!
//! std and sha2 only, so the light host crate can use it too.

mod atomic;
mod hash;
mod lock;
mod stdout;

pub use atomic::{WriteOptions, atomic_write, atomic_write_with, sync_dir};
pub use hash::{HashingReader, sha256_of_file};
pub use lock::{FileLock, LockKind};
pub use stdout::write_stdout;
