//! Making the install dir match a lock, in two steps so nothing in the
//! project changes until every artifact has been checked.
//!
//! [`prepare`]: for each locked plugin whose folder's marker does not
//! already say "this version, this artifact", fetch the artifact into the
//! content cache (size and sha256 checked while streaming), unpack it into
//! a staging folder inside the install dir and write its marker there.
//! [`Prepared::commit`]: swap each staged folder in, and remove the folders
//! of plugins no longer locked. Folders without a marker were not made by
//! plugres: they are left alone (reported as unmanaged), and a plugin
//! whose folder name is taken by one is not installed (see [`own_files`]).

use std::path::{Path, PathBuf};

use plugres_host::marker::{FileEntry, Marker, MarkerHeader, unchanged_since_install};
use plugres_schema::Sha256;

use super::locate::Locator;
use super::own_files;
use super::registries::Registries;
use super::{InstalledEntry, OpsError};
use crate::fetch::{ArtifactSource, ContentCache, FetchItem, FetchOptions, fetch_all};
use crate::install::{
    ArtifactKind, Limits, LinkMode, Staging, Unpacked, check_single_file, place_file, recover,
    remove, stage, unpack,
};
use crate::project::{LockedArtifact, LockedPlugin, Lockfile, Manifest, Project};

/// Staged plugin folders, ready to swap in.
pub(crate) struct Prepared {
    install_dir: PathBuf,
    staged: Vec<(InstalledEntry, Staging)>,
    /// The tree digest of each staged artifact, computed as it was unpacked:
    /// (plugin, target, tree), for plugres.lock.
    trees: Vec<(String, String, Sha256)>,
    remove: Vec<String>,
    unmanaged: Vec<String>,
}

/// What [`Prepared::commit`] did.
pub(crate) struct Done {
    pub(crate) installed: Vec<InstalledEntry>,
    pub(crate) uninstalled: Vec<String>,
    pub(crate) unmanaged: Vec<String>,
}

/// The artifact `plugin` installs for the project's target, or an error
/// naming the target.
pub(crate) fn artifact_of<'a>(
    plugin: &'a LockedPlugin,
    manifest: &Manifest,
) -> Result<&'a LockedArtifact, OpsError> {
    let target = manifest.engine.target.as_ref().map(|t| t.as_str());
    plugin.artifact_for(target).ok_or_else(|| {
        let shown = target.unwrap_or(crate::project::host_target());
        OpsError::failed(
            format!(
                "`{} {}` in plugres.lock has no artifact for target `{shown}` (nor for `any`)",
                plugin.name, plugin.version
            ),
            &["run `plugres lock` to choose versions built for this target"],
        )
    })
}

/// Whether the folder of `plugin` already holds `artifact`: its marker's
/// header says so (with the lock's tree digest) and no file changed size
/// or mtime since. Reads the marker's header only. A lock without the tree
/// (an older plugres wrote it) reinstalls once from the verified artifact,
/// which records it — except under `--locked`/`--frozen`, which leave the
/// lock as it is.
fn up_to_date(
    install_dir: &Path,
    plugin: &LockedPlugin,
    artifact: &LockedArtifact,
    keep_lock: bool,
) -> bool {
    let dir = install_dir.join(plugin.name.as_str());
    let tree_ok = |m: &MarkerHeader| match &artifact.tree {
        Some(tree) => m.tree.as_deref() == Some(tree.to_hex().as_str()),
        None => keep_lock,
    };
    MarkerHeader::read(&dir).is_some_and(|m| {
        m.name == plugin.name.as_str()
            && m.version == plugin.version.to_string()
            && m.sha256 == artifact.sha256.to_hex()
            && tree_ok(&m)
            && unchanged_since_install(&dir, &m)
    })
}

pub(crate) use plugres_host::artifact::artifact_file_name;

/// Fetches, checks and stages every plugin of `lock` that is not installed
/// as locked; finds folders to remove. Changes nothing visible.
pub(crate) fn prepare(
    project: &Project,
    manifest: &Manifest,
    lock: &Lockfile,
    registries: &Registries<'_>,
) -> Result<Prepared, OpsError> {
    let opts = registries.options();
    let install_dir = project.install_dir.clone();
    recover(&install_dir)?;
    let mut todo = Vec::new();
    let keep_lock = opts.locked || opts.frozen;
    for plugin in &lock.plugins {
        let artifact = artifact_of(plugin, manifest)?;
        if !up_to_date(&install_dir, plugin, artifact, keep_lock) {
            todo.push((plugin, artifact));
        }
    }
    if !todo.is_empty() {
        own_files::check_install_dir(project)?;
    }
    for (plugin, _) in &todo {
        own_files::check_replaceable(project, plugin.name.as_str())?;
    }
    let mut staged = Vec::new();
    let mut trees = Vec::new();
    if !todo.is_empty() {
        let cache = ContentCache::new(&opts.cache_dir);
        // Held while unpacking too, so `plugres cache clean` waits for us;
        // taken first, so what is cached now stays until the fetch.
        let _cache_lock = cache.lock_shared()?;
        let locator = Locator::new(manifest, registries);
        let mut items = Vec::new();
        for (p, a) in &todo {
            let sha256 = a.sha256.to_hex();
            // A cached artifact needs no source: its index stays closed. It
            // is re-hashed first: a blob damaged or edited on disk is
            // removed here and fetched again from its source.
            let cached = match cache.verify(&sha256, a.size)? {
                true => cache.get(&sha256, a.size),
                false => None,
            };
            let source = match cached {
                Some(blob) => ArtifactSource::Path(blob),
                None => locator.source(p, a)?,
            };
            items.push(FetchItem {
                label: format!("{} {}", p.name, p.version),
                source,
                sha256,
                size: a.size,
            });
        }
        if opts.offline {
            check_offline(&items, &cache)?;
        }
        let fetch = FetchOptions {
            progress: opts.progress,
            http: opts.http.clone(),
            token: super::auth::artifact_tokens(manifest, lock, registries)?,
            // Plain lines where there are no bars (not a terminal), unless quiet.
            lines: match opts.progress {
                true => None,
                false => opts.status.as_deref(),
            },
            ..FetchOptions::default()
        };
        let blobs = fetch_all(&items, &cache, &fetch)?;
        for ((plugin, artifact), blob) in todo.into_iter().zip(blobs) {
            let staging = stage(&install_dir)?;
            let limits = limits_of(registries, &plugin.registry);
            let tree = match fill(
                staging.path(),
                plugin,
                artifact,
                &blob,
                &limits,
                opts.link_mode,
            ) {
                Ok(tree) => tree,
                Err(e) => {
                    // Genuine bytes that cannot be installed (an archive the
                    // extractor refuses) are not kept: the run leaves the cache
                    // as it found it, and they would only be refused again.
                    let _ = std::fs::remove_file(&blob);
                    return Err(e);
                }
            };
            check_tree(plugin, artifact, &tree)?;
            trees.push((plugin.name.to_string(), artifact.target.to_string(), tree));
            let entry = InstalledEntry {
                name: plugin.name.to_string(),
                version: plugin.version.to_string(),
            };
            staged.push((entry, staging));
        }
    }
    let (remove, unmanaged) = leftovers(&install_dir, lock)?;
    Ok(Prepared {
        install_dir,
        staged,
        trees,
        remove,
        unmanaged,
    })
}

/// The tree the verified artifact unpacked to must be the one the lock
/// records, if it records one: else the lock's `tree` was edited.
fn check_tree(
    plugin: &LockedPlugin,
    artifact: &LockedArtifact,
    tree: &Sha256,
) -> Result<(), OpsError> {
    match &artifact.tree {
        Some(locked) if locked != tree => Err(OpsError::failed(
            format!(
                "plugres.lock records tree {} for `{} {}` (target `{}`), but its verified artifact unpacks to tree {}: plugres.lock was edited; nothing was changed",
                locked.to_hex(),
                plugin.name,
                plugin.version,
                artifact.target,
                tree.to_hex()
            ),
            &[
                "restore plugres.lock from version control, or delete the `tree` line and run `plugres install`",
            ],
        )),
        _ => Ok(()),
    }
}

/// Under `--offline`, every download must already be in the cache.
fn check_offline(items: &[FetchItem], cache: &ContentCache) -> Result<(), OpsError> {
    let missing: Vec<&str> = items
        .iter()
        .filter(|i| {
            matches!(i.source, ArtifactSource::Url(_)) && cache.get(&i.sha256, i.size).is_none()
        })
        .map(|i| i.label.as_str())
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    Err(OpsError::failed(
        format!(
            "`--offline` is set, but the artifacts of {} are not in the cache",
            missing.join(", ")
        ),
        &["run once without `--offline` (and without `--frozen`) to download them"],
    ))
}

/// What an artifact of `registry` may unpack to: the index's `[limits]`
/// (README "config.toml"), never above the client's own caps. Read from
/// the index this command opened, else this machine's cached copy (the
/// lock check opened it online when it had to); an index that cannot be
/// read at all leaves the client's caps (a repair from the artifact cache
/// needs no index).
fn limits_of(registries: &Registries<'_>, registry: &str) -> Limits {
    match registries.cached(registry) {
        Ok(index) => Limits::HARD.min(index.config().limits),
        Err(_) => Limits::HARD,
    }
}

/// Unpacks `blob` into the staging folder `dir` (a single file is placed
/// per `link_mode` instead: see [`place_file`]) and writes the marker;
/// returns the tree digest of what the verified bytes became. A native
/// single-file artifact (a program for this machine) is installed
/// executable: a download carries no mode (README "Install").
fn fill(
    dir: &Path,
    plugin: &LockedPlugin,
    artifact: &LockedArtifact,
    blob: &Path,
    limits: &Limits,
    link_mode: LinkMode,
) -> Result<Sha256, OpsError> {
    let file_name = artifact_file_name(&artifact.url);
    let kind = ArtifactKind::from_file_name(&file_name);
    let io_failed = |what: String| {
        OpsError::failed(
            format!(
                "cannot {what} while installing `{} {}`",
                plugin.name, plugin.version
            ),
            &["check the free space and permissions of the install dir"],
        )
    };
    let unpacked = match kind {
        // The verified blob is the file: placed, not copied and hashed again.
        ArtifactKind::File => {
            let name = check_single_file(&file_name, artifact.size, limits)?;
            let native = artifact.target.is_native();
            place_file(blob, &dir.join(&name), link_mode, native)
                .map_err(|e| io_failed(format!("place `{name}` from the cache: {e}")))?;
            let mut unpacked = Unpacked::default();
            unpacked
                .files
                .insert(name, (artifact.sha256, artifact.size));
            unpacked
        }
        _ => unpack(blob, kind, &file_name, dir, limits)?,
    };
    let mut files = std::collections::BTreeMap::new();
    for (rel, (sha256, _)) in &unpacked.files {
        let path = dir.join(rel);
        let entry = FileEntry::stat(&path, sha256)
            .map_err(|e| io_failed(format!("read `{}`: {e}", path.display())))?;
        files.insert(rel.clone(), entry);
    }
    let tree = unpacked.tree();
    let mut marker = Marker {
        name: plugin.name.to_string(),
        version: plugin.version.to_string(),
        target: artifact.target.to_string(),
        sha256: artifact.sha256.to_hex(),
        kind: kind.as_str().to_string(),
        tree: Some(tree.to_hex()),
        stamp: None,
        files,
    };
    marker.stamp = Some(marker.files_stamp());
    if dir.join(super::MARKER_FILE).exists() {
        return Err(OpsError::failed(
            format!(
                "the artifact of `{} {}` contains a file named `{}`, which plugres reserves for itself; it was not installed",
                plugin.name,
                plugin.version,
                super::MARKER_FILE
            ),
            &["ask the plugin's publisher to rebuild the archive without it"],
        ));
    }
    marker
        .write(dir)
        .map_err(|e| io_failed(format!("write `{}`: {e}", super::MARKER_FILE)))?;
    Ok(tree)
}

/// Folders of the install dir that are not locked: those plugres made
/// (to remove) and the others (left alone).
fn leftovers(install_dir: &Path, lock: &Lockfile) -> Result<(Vec<String>, Vec<String>), OpsError> {
    let entries = match std::fs::read_dir(install_dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok((Vec::new(), Vec::new())),
        Err(e) => {
            return Err(OpsError::failed(
                format!(
                    "cannot list the install dir `{}`: {e}",
                    install_dir.display()
                ),
                &[],
            ));
        }
    };
    let mut remove = Vec::new();
    let mut unmanaged = Vec::new();
    for entry in entries.flatten() {
        let Some(name) = entry.file_name().to_str().map(str::to_string) else {
            continue;
        };
        if name.starts_with('.') || lock.plugin(&name).is_some() {
            continue;
        }
        if entry.file_type().is_ok_and(|t| t.is_dir())
            && MarkerHeader::read(&entry.path()).is_some()
        {
            remove.push(name);
        } else {
            unmanaged.push(name);
        }
    }
    remove.sort();
    unmanaged.sort();
    Ok((remove, unmanaged))
}

impl Prepared {
    /// Records in `lock` the tree digest of every artifact staged now
    /// (README "plugres.lock": computed from the verified artifact).
    pub(crate) fn record_trees(&self, lock: &mut Lockfile) {
        for (name, target, tree) in &self.trees {
            let artifact = lock
                .plugins
                .iter_mut()
                .filter(|p| p.name.as_str() == name)
                .flat_map(|p| p.artifacts.iter_mut())
                .find(|a| a.target.as_str() == target);
            if let Some(a) = artifact {
                a.tree = Some(*tree);
            }
        }
    }

    /// Swaps the staged folders in and removes unlocked plugin folders.
    pub(crate) fn commit(self) -> Result<Done, OpsError> {
        let mut installed = Vec::new();
        for (entry, staging) in self.staged {
            staging.commit(&entry.name)?;
            installed.push(entry);
        }
        let mut uninstalled = Vec::new();
        for name in self.remove {
            if remove(&self.install_dir, &name)? {
                uninstalled.push(name);
            }
        }
        Ok(Done {
            installed,
            uninstalled,
            unmanaged: self.unmanaged,
        })
    }
}
