//! Turning verified blobs into plugin folders.
//!
//! Data flow for one plugin: [`stage`] makes an empty folder inside the
//! install dir, [`unpack`] fills it from the cached blob (refusing anything
//! that could escape it), and [`Staging::commit`] swaps it in for the
//! plugin's folder. The whole run holds a [`ProjectLock`] and starts with
//! [`recover`], so an interrupted or concurrent run never leaves a
//! half-written folder behind. [`atomic_write`] does the same for single
//! files such as the manifest and the lockfile.

mod extract;
mod place;

pub use extract::{ArtifactKind, ExtractError, Limits, unpack};
pub use place::{PlaceError, ProjectLock, Staging, is_ours, recover, remove, stage};
/// One atomic writer, shared with `plugres-host` (which saves lockfiles too).
pub use plugres_host::atomic::atomic_write;
pub(crate) use plugres_host::atomic::sync_dir;
