//! plugres-index: the index maintainer's and publisher's tool, as a library.
//!
//! The binary (`main.rs`) only parses arguments and prints; the work lives
//! here so tests and the benchmarks (the `plugres-bench` crate) drive the same
//! code.

pub mod checked_copy;
pub mod checkout;
pub mod cli;
pub mod commands;
pub mod fsutil;
pub mod git;
pub mod keys;
pub mod mirror;
pub mod trust;
pub mod validate;
