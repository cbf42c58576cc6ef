//! plugres: the client library.

pub mod credentials;
pub mod fetch;
pub mod index;
pub mod install;
pub mod ops;
pub mod project;
pub mod resolve;
pub mod settings;

pub use ops::{InstalledError, InstalledPlugin, installed};
