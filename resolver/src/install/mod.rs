//! Turning verified blobs into plugin folders.
//!
//! Data flow for one plugin: [`stage`] makes an empty folder inside the
//! install dir, [`unpack`] fills it from the cached blob (refusing anything
//! that could escape it), and [`Staging::commit`] swaps it in for the
//! plugin's folder. The whole run holds a [`ProjectLock`] and starts with
//! [`recover`], so an interrupted or concurrent run never leaves a
//! half-written folder behind. [`atomic_write`] does the same for single
//! files such as the manifest and the lockfile. A single-file artifact is
//! not unpacked but placed from the cache by [`place_file`]: cloned,
//! hard-linked or copied per [`LinkMode`].

mod link;
mod place;

pub use link::{LinkMode, Placed, place_file};
pub use place::{PlaceError, ProjectLock, Staging, is_ours, recover, remove, stage};
/// The extractor and its limits live in `plugres-archive`, shared with the
/// index tool so that `validate` refuses what a client would.
pub use plugres_archive::{
    ArtifactKind, ExtractError, Limits, Unpacked, check_single_file, unpack,
};
/// One atomic writer, shared with `plugres-host` (which saves lockfiles too).
pub use plugres_host::atomic::atomic_write;
pub(crate) use plugres_host::atomic::sync_dir;
