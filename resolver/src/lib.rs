//! plugres: the client library.

pub mod fetch;
pub mod index;
pub mod install;
pub mod project;
pub mod resolve;
