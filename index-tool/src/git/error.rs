//! The one error type of the git layer.
//!
//! Every message names the repository directory, the revision or the path it
//! is about (in backticks) and says what the user can do. The underlying gix
//! error, when there is one, is kept as the `source` so that an `anyhow`
//! printer can show the whole chain without repeating it in the message.

use std::path::PathBuf;

/// Errors of [`Repo`](super::Repo) operations.
#[derive(Debug, thiserror::Error)]
pub enum GitError {
    /// `Repo::init` could not create the repository.
    #[error(
        "could not create a git repository in `{dir}`; the directory must be writable and must not contain a `.git` folder yet"
    )]
    Init {
        dir: PathBuf,
        #[source]
        source: gix::Error,
    },

    /// `Repo::open` was pointed at something that is not a git checkout.
    #[error(
        "`{dir}` is not a git checkout; pass the directory that contains the index's `.git` folder, or run `plugres-index init` to create one"
    )]
    NotACheckout {
        dir: PathBuf,
        #[source]
        source: gix::Error,
    },

    /// The repository has no working tree, or its working tree is elsewhere.
    #[error(
        "`{dir}` is a git repository but not a checkout with a working tree; clone it without `--bare` and pass the clone's directory"
    )]
    NoWorkingTree { dir: PathBuf },

    /// A revision did not resolve to a commit.
    #[error(
        "revision `{rev}` does not name a commit in `{dir}`; check the branch name or commit id, and fetch it first if it is a remote branch"
    )]
    UnknownRev {
        rev: String,
        dir: PathBuf,
        #[source]
        source: gix::Error,
    },

    /// A branch name that git would reject.
    #[error("`{name}` is not a valid git branch name; use letters, digits, `-`, `_`, `.` and `/`")]
    InvalidBranchName {
        name: String,
        #[source]
        source: gix::validate::reference::name::Error,
    },

    /// `create_branch_and_switch` was asked for a branch that already exists.
    #[error(
        "branch `{name}` already exists in `{dir}`; pick another name or delete it with `git branch -D {name}`"
    )]
    BranchExists { name: String, dir: PathBuf },

    /// A path given to the API is not a clean repository-relative path.
    #[error(
        "`{path}` is not a valid path inside the repository ({reason}); use a relative path with `/` separators such as `plugins/he/ll/hello-world.toml`"
    )]
    InvalidPath { path: String, reason: &'static str },

    /// A path to commit exists in the working tree but is not a regular file.
    #[error(
        "`{path}` is not a regular file; only files (not directories or symbolic links) can be committed"
    )]
    NotAFile { path: PathBuf },

    /// A path names a directory in the tree of a revision.
    #[error("`{path}` is a directory at revision `{rev}`, not a file")]
    NotABlob { path: String, rev: String },

    /// Reading a file from the working tree failed.
    #[error("could not read `{path}` from the working tree")]
    ReadFile {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    /// The files to commit are identical to the ones in `HEAD`.
    #[error("nothing to commit in `{dir}`: {detail}")]
    NothingToCommit { dir: PathBuf, detail: String },

    /// The branch moved between reading `HEAD` and updating it.
    #[error(
        "`{branch}` in `{dir}` changed while committing (another process committed at the same time); run the command again"
    )]
    RefMoved {
        branch: String,
        dir: PathBuf,
        #[source]
        source: gix::Error,
    },

    /// Any other failure of a git operation.
    #[error(
        "git could not {action} in `{dir}`; check that the repository is not corrupt (`git fsck`)"
    )]
    Git {
        action: &'static str,
        dir: PathBuf,
        #[source]
        source: gix::Error,
    },
}
