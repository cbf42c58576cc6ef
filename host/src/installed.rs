//! The host engine's view: which plugins to load, from where, with which
//! permissions.
//!
//! A host engine embeds this crate and calls [`installed`] at start-up. It
//! reads `plugres.toml` (for the install dir and target) and `plugres.lock`,
//! and checks every plugin folder against the lock before returning it: the
//! marker must name the locked version and artifact, the folder must hold
//! exactly the files the marker lists, and each file must hash to what it
//! lists (a single-file artifact to the lock's own sha256), and the files
//! together to the tree digest the lock records for the artifact (so an
//! edit of a file *and* its marker entry is still found). It never reads
//! an index or the network.

use std::collections::{BTreeMap, BTreeSet};

use plugres_schema::SettingValue;
use std::path::{Path, PathBuf};

use crate::artifact::{ArtifactKind, artifact_file_name};
use crate::marker::{MARKER_FILE, Marker, hash_file, list_files, tree_digest};
use crate::plugin_config::{self, Secret};
use crate::project::{LockedArtifact, LockedPlugin, Project, ProjectError, select_artifact};

/// A plugin the host may load.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct InstalledPlugin {
    pub name: String,
    pub version: semver::Version,
    /// The artifact's target (`any`, `wasm32-wasip1`, a platform triple).
    pub target: String,
    /// The plugin's folder; every file in it was checked.
    pub path: PathBuf,
    /// For a single-file artifact (a `.wasm` module, an executable), that file.
    pub file: Option<PathBuf>,
    /// What the user granted; give the plugin these and nothing else.
    pub permissions: Vec<String>,
    /// `false` after `plugres disable NAME`: installed, but do not load it.
    pub enabled: bool,
    /// Its settings (README "Plugin configuration"): plugres.toml's
    /// values checked against what the locked version declares, defaults
    /// filled in.
    pub config: BTreeMap<String, SettingValue>,
    /// Its secret settings, from the environment or credentials.toml;
    /// never serialised.
    #[serde(skip)]
    pub secrets: BTreeMap<String, Secret>,
}

/// Why the installed plugins cannot be trusted or found.
#[derive(Debug, thiserror::Error)]
pub enum InstalledError {
    #[error(transparent)]
    Project(#[from] ProjectError),
    #[error(
        "there is no plugres.lock in `{}`: no plugins are installed; run `plugres install` there",
        dir.display()
    )]
    NoLock { dir: PathBuf },
    /// An engine name that cannot name the user project's folder.
    #[error("{0}")]
    Engine(String),
    /// plugres.toml's settings of a plugin do not fit what its locked
    /// version declares, or a secret it needs is not set.
    #[error("the configuration of plugin `{name}` is not valid:\n{}", problems.join("\n"))]
    Config { name: String, problems: Vec<String> },
    #[error(
        "plugin `{name} {version}` at `{}` does not match plugres.lock: {problem}. Run `plugres install` to restore it",
        path.display()
    )]
    Mismatch {
        name: String,
        version: String,
        path: PathBuf,
        problem: String,
    },
}

/// The plugins installed in the project at `project_dir` (the folder of
/// its `plugres.toml`), each checked against `plugres.lock`.
///
/// ```
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let dir = tempfile::tempdir()?;
/// # std::fs::write(dir.path().join("plugres.toml"), "[engine]\nversion = \"1.4.2\"\n")?;
/// # std::fs::write(dir.path().join("plugres.lock"), "version = 1\n")?;
/// let project_dir = dir.path(); // where the project's plugres.toml is
/// for plugin in plugres_host::installed(project_dir)? {
///     if !plugin.enabled {
///         continue;
///     }
///     println!("load {} {} from {}", plugin.name, plugin.version, plugin.path.display());
///     println!("  with permissions {:?}", plugin.permissions);
///     println!("  configured with {:?}", plugin.config); // secrets: plugin.secrets
/// }
/// # Ok(())
/// # }
/// ```
pub fn installed(project_dir: &Path) -> Result<Vec<InstalledPlugin>, InstalledError> {
    installed_with_secrets(project_dir, &plugin_config::lookup_secret)
}

/// [`installed`], taking secret settings from `secrets(plugin, setting)`
/// instead of the environment and credentials.toml (a host with its own
/// secret store, or a test).
pub fn installed_with_secrets(
    project_dir: &Path,
    secrets: &dyn Fn(&str, &str) -> Option<String>,
) -> Result<Vec<InstalledPlugin>, InstalledError> {
    let mut project = Project::at(project_dir);
    let manifest = project.load_manifest()?;
    let lock = project
        .load_lockfile()?
        .ok_or_else(|| InstalledError::NoLock {
            dir: project.dir.clone(),
        })?;
    let target = manifest.engine.target.as_ref().map(|t| t.as_str());
    let manifest_file = project.manifest_path.display().to_string();
    lock.plugins
        .iter()
        .map(|plugin| {
            let mismatch = |path: PathBuf, problem: String| InstalledError::Mismatch {
                name: plugin.name.to_string(),
                version: plugin.version.to_string(),
                path,
                problem,
            };
            let dir = project.install_dir.join(plugin.name.as_str());
            let artifact =
                select_artifact(&plugin.artifacts, |a| &a.target, target).ok_or_else(|| {
                    mismatch(
                        dir.clone(),
                        "it has no artifact for this project's target".into(),
                    )
                })?;
            let file =
                check_plugin(&dir, plugin, artifact).map_err(|p| mismatch(dir.clone(), p))?;
            let values = manifest.plugins.get(&plugin.name).map(|s| &s.config);
            let config =
                plugin_config::resolve(plugin, values, &manifest_file, None, Some(secrets))
                    .map_err(|problems| InstalledError::Config {
                        name: plugin.name.to_string(),
                        problems,
                    })?;
            Ok(InstalledPlugin {
                name: plugin.name.to_string(),
                version: plugin.version.semver().clone(),
                target: artifact.target.to_string(),
                path: dir,
                file,
                permissions: plugin.granted.iter().map(|p| p.to_string()).collect(),
                enabled: !plugin.disabled,
                config: config.values,
                secrets: config.secrets,
            })
        })
        .collect()
}

/// Checks the folder `dir` against the locked `plugin` and its `artifact`;
/// returns the single file of a single-file artifact. `Err` says what is
/// wrong, naming the file. [`installed`] stops at the first such folder;
/// `plugres verify` lists them all.
pub fn check_plugin(
    dir: &Path,
    plugin: &LockedPlugin,
    artifact: &LockedArtifact,
) -> Result<Option<PathBuf>, String> {
    match std::fs::symlink_metadata(dir) {
        Ok(m) if m.is_dir() => {}
        Ok(_) => return Err("it is not a directory".into()),
        Err(_) => return Err("it is not installed".into()),
    }
    let marker = Marker::read(dir).ok_or_else(|| {
        format!(
            "`{}` is missing or unreadable, so plugres did not install this folder (or it was damaged)",
            dir.join(MARKER_FILE).display()
        )
    })?;
    let sha = artifact.sha256.to_hex();
    if marker.name != plugin.name.as_str()
        || marker.version != plugin.version.to_string()
        || marker.sha256 != sha
    {
        return Err(format!(
            "the folder holds `{} {}` (artifact sha256 {}), but plugres.lock says `{} {}` (sha256 {sha})",
            marker.name, marker.version, marker.sha256, plugin.name, plugin.version
        ));
    }
    // The kind comes from the lock, not from the marker, which a swap of
    // the folder's files could rewrite too.
    let single_file =
        ArtifactKind::from_file_name(&artifact_file_name(&artifact.url)) == ArtifactKind::File;
    if single_file && (marker.files.len() != 1 || marker.files.values().any(|f| f.sha256 != sha)) {
        return Err(
            "it should hold exactly the locked artifact's file, but its marker lists other files"
                .into(),
        );
    }
    let files = list_files(dir).map_err(|e| format!("in `{}`: {e}", dir.display()))?;
    let found: BTreeSet<&str> = files.iter().map(|(rel, _)| rel.as_str()).collect();
    if let Some(extra) = found.iter().find(|rel| !marker.files.contains_key(**rel)) {
        return Err(format!(
            "`{}` was added after installation",
            dir.join(extra).display()
        ));
    }
    if let Some(missing) = marker
        .files
        .keys()
        .find(|rel| !found.contains(rel.as_str()))
    {
        return Err(format!("`{}` is missing", dir.join(missing).display()));
    }
    let mut hashes = Vec::with_capacity(files.len());
    for (rel, path) in &files {
        let actual =
            hash_file(path).map_err(|e| format!("cannot read `{}`: {e}", path.display()))?;
        if marker.files.get(rel).map(|f| &f.sha256) != Some(&actual) {
            return Err(format!(
                "`{}` was changed after installation (its sha256 is {actual})",
                path.display()
            ));
        }
        let actual = plugres_schema::Sha256::parse(&actual).map_err(|e| e.to_string())?;
        hashes.push((rel.as_str(), actual));
    }
    check_tree(&marker, artifact, &hashes)?;
    Ok(single_file
        .then(|| files.first().map(|(_, p)| p.clone()))
        .flatten())
}

/// The files' tree digest must be the one plugres.lock records for the
/// artifact (when it records one: see README "plugres.lock"), and the
/// marker must say the same.
fn check_tree(
    marker: &Marker,
    artifact: &LockedArtifact,
    hashes: &[(&str, plugres_schema::Sha256)],
) -> Result<(), String> {
    let Some(locked) = &artifact.tree else {
        return Ok(());
    };
    let actual = tree_digest(hashes.iter().map(|(p, s)| (*p, s)));
    if actual != *locked || marker.tree.as_deref() != Some(locked.to_hex().as_str()) {
        return Err(format!(
            "its files (tree {}) are not the ones plugres.lock records for the artifact (tree {}); a file and its marker entry were edited, or the folder was replaced",
            actual.to_hex(),
            locked.to_hex()
        ));
    }
    Ok(())
}
