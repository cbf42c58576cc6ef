//! plugres-index: the index maintainer's and publisher's tool, as a library.
//!
//! [`ops`] holds one operation per command (a request in, a
//! `serde::Serialize` report out); the binary (`src/main.rs`, `src/cli/`)
//! parses arguments into requests and prints reports. Tests and the benchmarks (the
//! `plugres-bench` crate) drive the same library.

pub mod checked_copy;
pub mod checkout;
pub mod fsutil;
pub mod git;
pub mod keys;
pub mod mirror;
pub mod ops;
pub mod readme;
pub mod signed_edit;
pub mod site;
pub mod trust;
pub mod validate;
