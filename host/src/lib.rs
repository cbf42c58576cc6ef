//! plugres-host: what a host engine needs to load a project's plugins.
//!
//! A host engine (the program plugins extend) embeds this crate and calls
//! [`installed`] at start-up. It reads the project's files and the install
//! dir, never an index or the network:
//!
//! ```text
//! plugres.toml ──► project::Manifest (install dir, target)
//! plugres.lock ──► project::Lockfile (versions, artifacts, granted permissions)
//!                        │
//!                        ▼
//! <install dir>/<plugin>/.plugres-installed.toml (marker::Marker)
//!                        │  each folder re-hashed and checked against the lock
//!                        ▼
//!                  Vec<InstalledPlugin>
//! ```
//!
//! The `plugres` crate (the client: indexes, resolution, downloads,
//! install) builds on these same types and re-exports them, so what the
//! client writes and what a host reads are parsed by one piece of code.
//! This crate has no network, git or solver dependency (checked in CI; see
//! README "Development").

pub mod artifact;
pub mod atomic;
mod installed;
pub mod marker;
pub mod plugin_config;
pub mod project;
pub mod url;
mod user;

pub use installed::{
    InstalledError, InstalledPlugin, check_plugin, installed, installed_with_secrets,
};
pub use user::{
    AllInstalled, Shadowed, installed_with_user, installed_with_user_at, user_project_dir,
    user_project_engines, user_projects_root,
};
