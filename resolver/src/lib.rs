//! plugres: the client library (indexes, resolution, downloads, install).
//!
//! A host engine that only loads what `plugres install` put in place
//! depends on `plugres-host` instead: the project files, the install
//! marker and [`installed`] live there, without network, git or solver, and
//! are re-exported here ([`project`], [`installed`]).

pub mod credentials;
pub mod fetch;
pub mod index;
pub mod install;
pub mod local_io;
pub mod ops;
pub mod project;
pub mod resolve;
pub mod settings;

pub use ops::{InstalledError, InstalledPlugin, installed};
