//! Signed edits of a published plugin: yank, unyank, deprecate.
//!
//! The only changes a published version may see. Each loads and verifies the
//! plugin file, edits it, re-signs it with a publisher key whose scope covers
//! the plugin, and commits on the current branch.

use anyhow::{Result, bail};
use plugres_schema::{PluginFile, PluginName, Version, index_path, render};

use crate::checkout::{Checkout, diagnostics_error, publisher_id_of, sig_path};
use crate::cli::{DeprecateArgs, IndexDir, KeyArg, UnyankArgs, YankArgs};
use crate::fsutil::CheckoutLock;
use crate::git::Author;
use crate::keys;

pub fn yank(a: YankArgs, quiet: bool) -> Result<()> {
    let version = Version::parse(&a.version)?;
    let reason = a.reason.clone();
    edit(&a.index, &a.name, &a.key, quiet, |p| {
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

pub fn unyank(a: UnyankArgs, quiet: bool) -> Result<()> {
    let version = Version::parse(&a.version)?;
    edit(&a.index, &a.name, &a.key, quiet, |p| {
        let v = find_version(p, &version)?;
        if !v.yanked {
            bail!("{} {version} is not yanked", p.name);
        }
        v.yanked = false;
        v.yank_reason = None;
        Ok(format!("Unyank {} {version}", p.name))
    })
}

pub fn deprecate(a: DeprecateArgs, quiet: bool) -> Result<()> {
    let message = if a.undo { None } else { a.message.clone() };
    edit(&a.index, &a.name, &a.key, quiet, |p| {
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

/// Loads, edits with `change` (which returns the commit message), checks,
/// signs and commits one plugin file.
fn edit(
    index: &IndexDir,
    name: &str,
    key: &KeyArg,
    quiet: bool,
    change: impl FnOnce(&mut PluginFile) -> Result<String>,
) -> Result<()> {
    let name = PluginName::new(name)?;
    let checkout = Checkout::open(&index.path())?;
    let _lock = CheckoutLock::acquire(&checkout.dir, || {
        eprintln!("Blocking: waiting for another plugres-index on this checkout")
    })?;
    let (config, _) = checkout.load_config()?;
    let Some(mut plugin) = checkout.load_plugin(&config, &name)? else {
        bail!("no plugin `{name}` in this index");
    };
    let key = keys::load_signing_key(key.key.as_deref(), "publisher key")?;
    let Some(signer) = publisher_id_of(&config, &key).filter(|k| k.allows(&name)) else {
        bail!("the key is not a publisher key of this index whose scopes cover `{name}`");
    };
    let message = change(&mut plugin)?;
    let path = index_path(&name);
    let text = render::plugin_file(&plugin);
    PluginFile::parse(&path, text.as_bytes()).map_err(|d| diagnostics_error(&d))?;
    checkout.write_signed(&path, text.as_bytes(), &key)?;
    let author = Author::from_env_or_config(&checkout.git);
    checkout.git.commit_paths(
        &[&path, &sig_path(&path)],
        &format!("{message}\n\nSigned-by: {}", signer.id),
        &author,
    )?;
    super::status(quiet, "Committed", message);
    super::snapshot_stale_hint(quiet, &config, index);
    Ok(())
}
