//! Durable, all-or-nothing file writes for project files (plugres.toml,
//! plugres.lock, markers): the one writer of [`plugres_fs`].

pub use plugres_fs::{atomic_write, sync_dir};
