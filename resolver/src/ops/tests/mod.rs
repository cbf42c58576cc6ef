//! Scenario tests of the operations on a private copy of the signed sample
//! index (see `test_support`).

mod add;
mod errors;
mod local;
mod lock;
mod portable;
mod prefetch;
mod query;
mod sparse;
mod sync;
mod trust;
