//! End-to-end tests: the real `plugres-index` and `plugres` binaries against
//! real git repositories, real static HTTP servers on 127.0.0.1 and real
//! minisign signatures.

// The helpers beside the tests unwrap too (clippy.toml's
// `allow-unwrap-in-tests` covers only `#[test]` functions here).
#![allow(clippy::unwrap_used)]

mod actions;
mod attacks;
mod build_metadata;
mod channels;
mod client;
mod config;
mod faults;
mod format_evolution;
mod index_tamper;
mod index_tool;
mod list;
mod local_plugin;
mod lock_edits;
mod messages;
mod mirror;
mod own_files;
mod registry_add;
mod resume;
mod search;
mod stale_snapshot;
mod trusted_publishing;
mod user_wide;
mod warm_update;
