//! plugres: the client library.

pub mod fetch;
pub mod install;
pub mod resolve;
