//! plugres-bench: benchmarks of the index tool and the client, as binaries
//! rather than timed tests (README, "Benchmarks").
//!
//! - `plugres-index-bench` (`src/bin/plugres-index-bench.rs`) writes
//!   synthetic indexes and times `validate`, `snapshot` and `timestamp`.
//! - `plugres-bench` (`src/bin/plugres-bench/`) times the client's lock and
//!   no-op install on them, from a path index and over nginx.
//! - `plugres-realgraph-bench` (`src/bin/plugres-realgraph-bench/`) times
//!   `plugres lock` against `cargo generate-lockfile` on real crates.io
//!   entries ([`realgraph`]).
//!
//! The library holds [`synth`], the synthetic index generator, which the
//! index tool's own validation tests also build on.

pub mod realgraph;
pub mod synth;
