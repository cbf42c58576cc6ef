//! Signed edits of a published plugin: yank, unyank, deprecate.
//!
//! The only changes a published version may see. Each is one signed edit
//! ([`Editing::edit_plugin`](crate::signed_edit::Editing::edit_plugin)):
//! the plugin file is loaded and verified, edited, re-signed with a
//! publisher key whose scope covers the plugin, and committed on a new
//! branch for a pull request (`yank/NAME-VERSION`, `unyank/NAME-VERSION`,
//! `deprecate/NAME`, `undeprecate/NAME`), as `publish` does, or on the
//! current branch.

use std::path::PathBuf;

use anyhow::{Result, bail};
use plugres_schema::{PluginFile, PluginName, Version};

use super::Interact;
use crate::keys::KeyRef;

#[derive(Debug, Clone)]
pub struct YankRequest {
    pub index: PathBuf,
    pub name: String,
    pub version: String,
    /// Why: shown to users whose lock still holds this version.
    pub reason: Option<String>,
    /// The publisher key.
    pub key: KeyRef,
    pub branch: BranchChoice,
}

#[derive(Debug, Clone)]
pub struct UnyankRequest {
    pub index: PathBuf,
    pub name: String,
    pub version: String,
    pub key: KeyRef,
    pub branch: BranchChoice,
}

#[derive(Debug, Clone)]
pub struct DeprecateRequest {
    pub index: PathBuf,
    pub name: String,
    /// The deprecation message; `None` removes the deprecation.
    pub message: Option<String>,
    pub key: KeyRef,
    pub branch: BranchChoice,
}

/// Where an edit is committed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum BranchChoice {
    /// A new branch named for the change (`yank/hello-1.0.0`).
    #[default]
    Named,
    /// A new branch of this name.
    Given(String),
    /// The current branch.
    Current,
}

impl BranchChoice {
    /// The branch to create, `default` when none was given.
    fn resolve(&self, default: impl FnOnce() -> String) -> Option<String> {
        match self {
            BranchChoice::Named => Some(default()),
            BranchChoice::Given(b) => Some(b.clone()),
            BranchChoice::Current => None,
        }
    }
}

/// What a yank, unyank or deprecation committed.
#[derive(Debug, Clone, serde::Serialize)]
pub struct EditReport {
    pub name: String,
    /// What changed, as the commit's title (`Yank hello 1.0.0: broken`).
    pub change: String,
    pub commit: String,
    /// The new branch committed on (`None`: the current one).
    pub branch: Option<String>,
    /// The index has a trust layer, whose snapshot this edit made stale.
    pub snapshot_stale: bool,
}

pub fn yank(req: &YankRequest, ui: &(impl Interact + ?Sized)) -> Result<EditReport> {
    let version = Version::parse(&req.version)?;
    let reason = req.reason.clone();
    let branch = req
        .branch
        .resolve(|| format!("yank/{}-{version}", req.name));
    edit(&req.index, &req.name, &req.key, branch, ui, |p| {
        let v = find_version(p, &version)?;
        if v.yanked {
            bail!("{} {version} is already yanked", p.name);
        }
        v.yanked = true;
        v.yank_reason = reason.clone();
        Ok(match &reason {
            Some(r) => format!("Yank {} {version}: {r}", p.name),
            None => format!("Yank {} {version}", p.name),
        })
    })
}

pub fn unyank(req: &UnyankRequest, ui: &(impl Interact + ?Sized)) -> Result<EditReport> {
    let version = Version::parse(&req.version)?;
    let branch = req
        .branch
        .resolve(|| format!("unyank/{}-{version}", req.name));
    edit(&req.index, &req.name, &req.key, branch, ui, |p| {
        let v = find_version(p, &version)?;
        if !v.yanked {
            bail!("{} {version} is not yanked", p.name);
        }
        v.yanked = false;
        v.yank_reason = None;
        Ok(format!("Unyank {} {version}", p.name))
    })
}

pub fn deprecate(req: &DeprecateRequest, ui: &(impl Interact + ?Sized)) -> Result<EditReport> {
    let message = req.message.clone();
    let verb = if message.is_some() {
        "deprecate"
    } else {
        "undeprecate"
    };
    let branch = req.branch.resolve(|| format!("{verb}/{}", req.name));
    edit(&req.index, &req.name, &req.key, branch, ui, |p| {
        p.deprecated = message.clone();
        Ok(match &message {
            Some(m) => format!("Deprecate {}: {m}", p.name),
            None => format!("Undeprecate {}", p.name),
        })
    })
}

fn find_version<'a>(
    p: &'a mut PluginFile,
    version: &Version,
) -> Result<&'a mut plugres_schema::VersionEntry> {
    let name = p.name.clone();
    let have: Vec<String> = p.versions.iter().map(|v| v.version.to_string()).collect();
    match p.versions.iter_mut().find(|v| &v.version == version) {
        Some(v) => Ok(v),
        None => bail!(
            "{name} has no version {version} (published: {})",
            have.join(", ")
        ),
    }
}

/// One signed edit of the plugin file of `name` with `change` (which returns
/// the commit title), on the new branch `branch` when given.
fn edit(
    index: &std::path::Path,
    name: &str,
    key: &KeyRef,
    branch: Option<String>,
    ui: &(impl Interact + ?Sized),
    change: impl FnOnce(&mut PluginFile) -> Result<String>,
) -> Result<EditReport> {
    let name = PluginName::new(name)?;
    let edit = super::open(index, ui)?;
    let done = edit.edit_plugin(
        &name,
        || key.load("publisher key", ui),
        change,
        branch.as_deref(),
    )?;
    Ok(EditReport {
        name: name.to_string(),
        change: done.title,
        commit: done.commit,
        branch,
        snapshot_stale: edit.config.has_snapshot_role(),
    })
}
