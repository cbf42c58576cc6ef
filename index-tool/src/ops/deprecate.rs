//! Signed edits of a published plugin: yank, unyank, deprecate, tag.
//!
//! The only changes a published version may see. Each is one signed edit
//! ([`Editing::edit_plugin`](crate::signed_edit::Editing::edit_plugin)):
//! the plugin file is loaded and verified, edited, re-signed with a
//! publisher key whose scope covers the plugin, and committed on a new
//! branch for a pull request (`yank/NAME-VERSION`, `unyank/NAME-VERSION`,
//! `deprecate/NAME`, `undeprecate/NAME`, `tag/NAME-CHANNEL`), as `publish`
//! does, or on the current branch.

use std::path::PathBuf;

use anyhow::{Result, bail};
use plugres_schema::{Channel, PluginFile, PluginName, Version};

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

#[derive(Debug, Clone)]
pub struct TagRequest {
    pub index: PathBuf,
    pub name: String,
    pub channel: String,
    /// The version the channel names from now on; `None` removes it.
    pub version: Option<String>,
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
        // A channel never names a yanked version (README "Channels"): the
        // yank takes it off, and the commit says so.
        let dropped: Vec<String> = p
            .channels
            .iter()
            .filter(|(_, v)| **v == version)
            .map(|(c, _)| c.to_string())
            .collect();
        p.channels.retain(|_, v| *v != version);
        let mut title = match &reason {
            Some(r) => format!("Yank {} {version}: {r}", p.name),
            None => format!("Yank {} {version}", p.name),
        };
        if !dropped.is_empty() {
            title.push_str(&format!(" (removes channel {})", dropped.join(", ")));
        }
        Ok(title)
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

/// `tag NAME CHANNEL VERSION` points a channel at a version (creating or
/// moving it); `tag NAME CHANNEL --delete` removes it. The version must be
/// published and not yanked, as the plugin file's rules say.
pub fn tag(req: &TagRequest, ui: &(impl Interact + ?Sized)) -> Result<EditReport> {
    let channel = Channel::new(&req.channel).map_err(anyhow::Error::msg)?;
    if channel.is_latest() {
        bail!(
            "`latest` is not a channel a publisher sets: every client takes it to mean the newest usable version"
        );
    }
    let version = req.version.as_deref().map(Version::parse).transpose()?;
    let branch = req.branch.resolve(|| format!("tag/{}-{channel}", req.name));
    edit(&req.index, &req.name, &req.key, branch, ui, |p| {
        let Some(version) = version else {
            if p.channels.remove(&channel).is_none() {
                bail!("{} has no channel `{channel}`", p.name);
            }
            return Ok(format!("Remove channel {channel} of {}", p.name));
        };
        let v = find_version(p, &version)?;
        if v.yanked {
            bail!(
                "{} {version} is yanked; a channel may only name a version users can install",
                p.name
            );
        }
        let version = v.version.clone();
        let old = p.channels.insert(channel.clone(), version.clone());
        Ok(match old {
            Some(old) if old == version => {
                bail!("channel `{channel}` of {} already names {version}", p.name)
            }
            Some(old) => format!(
                "Move channel {channel} of {} from {old} to {version}",
                p.name
            ),
            None => format!("Tag {} {version} as {channel}", p.name),
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
