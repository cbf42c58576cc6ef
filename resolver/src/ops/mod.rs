//! What each `plugres` command does, as library calls the CLI only has to
//! parse arguments for and print.
//!
//! # Data flow of a command that changes the project (`add`, `remove`,
//! `update`, `lock`, `install`)
//!
//! ```text
//! plugres.toml ─┐                      (skipped when the lock is current)
//! plugres.lock ─┴─► plan::plan ──► registries::Registries (one VerifiedIndex per registry)
//!                     │                 └─► resolve() (PubGrub, locked versions preferred)
//!                     ▼
//!                 new Lockfile ──► permissions::grant (--allow / --yes / prompt)
//!                     │
//!                     ▼
//!                 sync::prepare: fetch_all into the cache, unpack each changed
//!                 plugin into a staging folder (everything verified here)
//!                     │
//!                     ▼
//!                 save plugres.toml, plugres.lock (atomic), then
//!                 sync::Prepared::commit: swap staged folders in, remove the
//!                 folders of plugins no longer locked
//! ```
//!
//! Every artifact is fetched, checked and unpacked before any project file
//! changes, so a refused artifact leaves the project as it was. The whole
//! run holds the project's [`ProjectLock`].
//!
//! Results are plain `Serialize` reports: the CLI prints them as text or,
//! under `--json`, as they are. Their field names are the JSON shapes.

mod add;
mod auth;
mod cache;
mod channel;
mod config;
mod engine_check;
mod error;
mod info;
mod list;
mod local;
mod locate;
mod lock;
mod lock_check;
mod outdated;
mod own_files;
mod permissions;
mod plan;
mod precise;
mod registries;
mod registry;
mod search;
mod sync;
mod toggle;
mod tree;
mod verify;
mod yanked_since;

#[cfg(test)]
mod test_support;
#[cfg(test)]
mod tests;

use std::path::PathBuf;

use serde::Serialize;

use crate::credentials::Credentials;
use crate::fetch::HttpConfig;
use crate::install::ProjectLock;
use crate::project::{Manifest, Project};

pub use add::{AddRequest, add, remove};
pub use cache::{CacheReport, cache_clean, cache_dir};
pub use config::{ConfigReport, SettingReport, config};
pub use engine_check::{Blocker, EngineCheckReport, engine_check};
pub use error::{OpsError, causes, render};
pub use info::{InfoReport, VersionInfo, info};
pub use list::{IndexState, ListProblem, ListReport, ListedPlugin, list};
pub use lock::{install, lock, update};
pub use outdated::{OutdatedPlugin, OutdatedReport, outdated};
pub use permissions::{Grants, PermissionRequest, Prompt};
pub use plugres_host::marker::MARKER_FILE;
pub use plugres_host::{InstalledError, InstalledPlugin, installed};
pub use precise::update_precise;
pub use registry::{
    InitRequest, RegistryList, RegistryReport, init, registry_add, registry_list, registry_remove,
};
pub use search::{
    CategoriesReport, CategoryCount, Discovery, SearchHit, SearchReport, SearchRequest, Sort,
    categories, search,
};
pub use toggle::{ToggleReport, set_disabled};
pub use tree::{TreeNode, TreeReport, tree};
pub use verify::{VerifyProblem, VerifyReport, verify};

/// Receives status lines meant for the user.
pub type StatusSink = dyn Fn(&str) + Send + Sync;

/// How an operation may behave: the global flags, resolved.
pub struct Options {
    /// Root of the artifact cache (`sha256/<hex>` below it).
    pub cache_dir: PathBuf,
    /// Root of the git and sparse index caches (`<PLUGRES_HOME>/index`).
    pub index_cache_dir: PathBuf,
    /// Never use the network. Local (path) indexes and artifacts still
    /// work; git and sparse indexes are read from their caches.
    pub offline: bool,
    /// Fail instead of changing `plugres.lock`.
    pub locked: bool,
    /// `--frozen`: use `plugres.lock` as it is, never reading an index
    /// (implies `locked` and `offline`).
    pub frozen: bool,
    /// `--allow-local`: `locked`/`frozen` accept local plugins (README
    /// "Local plugin development").
    pub allow_local: bool,
    /// `--dry-run`: resolve and report what would change, writing nothing
    /// (no plugres.lock, no plugres.toml, no install).
    pub dry_run: bool,
    /// Draw download progress bars (only on a terminal, not quiet or JSON).
    pub progress: bool,
    /// How single-file artifacts get from the cache into plugin folders
    /// (`--link-mode`, `PLUGRES_LINK_MODE`).
    pub link_mode: crate::install::LinkMode,
    pub http: HttpConfig,
    /// Bearer tokens of private registries.
    pub credentials: Credentials,
    pub grants: Grants,
    /// Where what was seen of each index is kept (rollback floor), and
    /// whether an expired index timestamp is accepted.
    pub trust: crate::index::TrustOptions,
    /// Warnings (printed even under `--quiet`); `None`: to `status`.
    pub warn: Option<Box<StatusSink>>,
    /// Status lines such as "waiting for another plugres…"; `None`: silent.
    pub status: Option<Box<StatusSink>>,
    /// Fields of index files this plugres does not know, warned about
    /// once per run (README "Format evolution"); default: silent.
    pub index_notices: crate::index::FieldNotices,
    /// The process ends when the command returns (the command line): what
    /// `lock`, `update` and `install` read is left to the exit then, not
    /// freed piece by piece (`Registries::finish`, in `ops/registries`).
    /// Library callers leave it `false`.
    pub exit_after: bool,
}

impl Options {
    /// Options for a run with the cache at `cache_dir` and defaults otherwise.
    /// The index caches go to `<cache_dir>/index`; no tokens.
    pub fn new(cache_dir: impl Into<PathBuf>) -> Options {
        let cache_dir = cache_dir.into();
        Options {
            index_cache_dir: cache_dir.join("index"),
            offline: false,
            locked: false,
            frozen: false,
            allow_local: false,
            dry_run: false,
            progress: false,
            link_mode: crate::install::LinkMode::default(),
            http: HttpConfig::default(),
            credentials: Credentials::none(),
            grants: Grants::default(),
            trust: crate::index::TrustOptions {
                dir: Some(cache_dir.join("trust")),
                ..Default::default()
            },
            status: None,
            warn: None,
            index_notices: crate::index::FieldNotices::default(),
            exit_after: false,
            cache_dir,
        }
    }

    /// A warning that belongs to no report (e.g. a stale index accepted
    /// with `--allow-expired-index`): to `warn`, else to `status`.
    pub(crate) fn warn(&self, line: &str) {
        match (&self.warn, &self.status) {
            (Some(w), _) => w(line),
            (None, Some(status)) => status(&format!("warning: {line}")),
            (None, None) => {}
        }
    }

    pub(crate) fn say(&self, line: &str) {
        if let Some(status) = &self.status {
            status(line);
        }
    }
}

/// How one locked plugin changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Change {
    pub name: String,
    /// The version locked before; `None` when added.
    pub from: Option<String>,
    /// The version locked now; `None` when removed.
    pub to: Option<String>,
}

/// A plugin that was (re)installed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InstalledEntry {
    pub name: String,
    pub version: String,
}

/// Permissions granted during this run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GrantedEntry {
    pub name: String,
    pub version: String,
    pub permissions: Vec<String>,
}

/// The result of a command that changes the project: `add`, `remove`,
/// `lock`, `update`, `install`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ChangeReport {
    /// Plugins in the lock after the run.
    pub locked: usize,
    /// Version changes in `plugres.lock`.
    pub changes: Vec<Change>,
    /// Whether `plugres.lock` was written.
    pub lock_written: bool,
    /// Whether an index was read (false for an up-to-date `install`).
    pub index_read: bool,
    /// Plugin files read from indexes by the resolution of `lock`,
    /// `update` and a re-locking `install`; it follows the solution's size,
    /// not the index's. 0 when no index was read (and for `add`/`remove`).
    pub index_files_read: usize,
    /// Plugins (re)installed into the install dir.
    pub installed: Vec<InstalledEntry>,
    /// Plugin folders removed from the install dir.
    pub uninstalled: Vec<String>,
    /// Folders in the install dir plugres does not manage (left alone).
    pub unmanaged: Vec<String>,
    pub granted: Vec<GrantedEntry>,
    /// Deprecation messages, yank reasons and other things to know.
    pub warnings: Vec<String>,
    /// Things done that were not asked for but are no problem, e.g. a
    /// local plugin re-installed after a rebuild.
    pub notes: Vec<String>,
    /// `--dry-run`: `changes` is what would change; nothing was written.
    pub dry_run: bool,
}

/// The project at or above `start` with its manifest read.
pub(crate) fn load(start: &std::path::Path) -> Result<(Project, Manifest), OpsError> {
    let mut project = Project::find(start)?;
    let manifest = project.load_manifest()?;
    Ok((project, manifest))
}

/// The project's plugres.lock, or an error naming the folder with `hint`
/// (the command that makes one) for a command that needs it.
pub(crate) fn require_lock(
    project: &Project,
    hint: &str,
) -> Result<crate::project::Lockfile, OpsError> {
    project.load_lockfile()?.ok_or_else(|| {
        OpsError::failed(
            format!("there is no plugres.lock in `{}`", project.dir.display()),
            &[hint],
        )
    })
}

/// The project at or above `start`, its [`ProjectLock`] taken, and only
/// then its manifest read: a run that waited for another must act on the
/// plugres.toml that run left (e.g. not uninstall what an `add` just
/// added), so every command that changes the project starts here.
pub(crate) fn load_locked(
    start: &std::path::Path,
    opts: &Options,
) -> Result<(Project, Manifest, ProjectLock), OpsError> {
    let mut project = Project::find(start)?;
    let guard = lock::acquire(&project, opts)?;
    let manifest = project.load_manifest()?;
    Ok((project, manifest, guard))
}
