//! What each command does, as a library: one function per command that takes
//! a request (settings the binary resolved from flags and the environment)
//! and returns a report (what was done, `serde::Serialize`: the binary's
//! `--json` output). Nothing here parses arguments or prints; the binary
//! (`src/cli/`) does both.
//!
//! While an operation runs it may need the caller: a password for an
//! encrypted key, or to say now what cannot wait for the report (a key pair
//! was generated, another run holds the checkout's lock). That is the
//! [`Interact`] trait.

mod deprecate;
mod init;
mod key;
mod keygen;
mod log;
mod mirror;
mod publish;
mod rotate;
mod snapshot;
mod timestamp;
mod validate;

pub use deprecate::{
    BranchChoice, DeprecateRequest, EditReport, TagRequest, UnyankRequest, YankRequest, deprecate,
    tag, unyank, yank,
};
pub use init::{InitReport, InitRequest, ONLINE_SNAPSHOT_ID, ONLINE_TIMESTAMP_ID, init};
pub use key::{
    KeyAddReport, KeyAddRequest, KeyEntry, KeyList, KeyRemoveReport, KeyRemoveRequest,
    PublicKeyInput, PublisherEntry, Role, key_add, key_list, key_remove,
};
pub use keygen::{KeygenReport, KeygenRequest, keygen};
pub use log::{LogEvent, LogReport, log};
pub use mirror::{MirrorRequest, mirror};
pub use publish::{PublishOutcome, PublishReport, PublishRequest, publish};
pub use rotate::{RotateRootReport, RotateRootRequest, Rotated, rotate, rotate_root};
pub use snapshot::{SignedReport, SnapshotRequest, snapshot};
pub use timestamp::{TimestampRequest, timestamp};
pub use validate::{ValidateRequest, validate};

use crate::keys::Passwords;

/// What an operation asks of whoever runs it, while it runs.
pub trait Interact: Passwords {
    /// Something to tell now: the report comes only if the operation
    /// succeeds, and these are true even if it then fails.
    fn event(&self, event: Event<'_>) {
        let _ = event;
    }
}

/// See [`Interact::event`].
#[derive(Debug, Clone, Copy)]
pub enum Event<'a> {
    /// Another run holds the checkout's lock; this one waits for it.
    WaitingForLock,
    /// `init` wrote a new key pair; `path` is the secret key's file.
    KeyGenerated {
        role: GeneratedKey,
        path: &'a std::path::Path,
    },
}

/// Which key `init` generated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum GeneratedKey {
    /// Signs `config.toml`; encrypted unless asked otherwise.
    Root,
    /// Signs `snapshot.toml` and `timestamp.toml`; never encrypted.
    Online,
}

/// Opens the checkout at `dir` for a signed edit, telling `ui` if it waits.
fn open(
    dir: &std::path::Path,
    ui: &(impl Interact + ?Sized),
) -> anyhow::Result<crate::signed_edit::Editing> {
    crate::signed_edit::Editing::open(dir, || ui.event(Event::WaitingForLock))
}
