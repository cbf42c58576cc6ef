//! The files a project holds, and where they are.
//!
//! A project is a directory with a `plugres.toml` ([`Manifest`]: the engine
//! version, the registries and their pinned root keys, the plugins wanted),
//! a generated `plugres.lock` ([`Lockfile`]: the exact versions and
//! artifacts resolved) and an install dir (default `plugins/`) that
//! `plugres install` fills with one folder per plugin.
//!
//! Data flow in the client (`plugres`): `plugres.toml` → [`Manifest`] →
//! resolution against verified indexes → [`Lockfile`] → install. When
//! [`Lockfile::is_current_for`] the manifest, install skips the index
//! entirely. A host reads the same two files and the install dir (see
//! [`crate::installed`]). The client edits the manifest with its own
//! comment-keeping editor; every write is atomic ([`atomic_write`]).

mod env;
mod error;
mod lockfile;
mod manifest;
mod target;

use std::path::{Path, PathBuf};

/// One atomic writer for every project file.
pub use crate::atomic::atomic_write;
pub use env::{env_index_var_for, env_stem, env_var_for};
pub use error::ProjectError;
pub use lockfile::{
    LOCK_FILE, LOCK_VERSION, LockedArtifact, LockedAttestation, LockedPlugin, LockedRegistry,
    Lockfile,
};
/// The JSON Schema of `plugres.toml` (checked in as `resolver/json/plugres.schema.json`).
#[cfg(feature = "json-schema")]
pub use manifest::json_schema::manifest_schema as manifest_json_schema;
pub use manifest::{
    ConfigValue, DEFAULT_INSTALL_DIR, DEFAULT_REGISTRY, EngineSpec, IndexLocation, LocalPath,
    MANIFEST_FILE, Manifest, PluginSpec, RegistrySpec, is_registry_name, user_registries,
};
pub use target::{host_target, select_artifact};

/// Where a project's files are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Project {
    pub dir: PathBuf,
    pub manifest_path: PathBuf,
    pub lock_path: PathBuf,
    /// `<dir>/plugins` until [`Project::load_manifest`] reads `[settings]`.
    pub install_dir: PathBuf,
}

impl Project {
    /// The project in `dir` (which need not have a manifest yet, e.g. for
    /// `plugres init`). `dir` is made absolute.
    pub fn at(dir: impl Into<PathBuf>) -> Project {
        let dir = dir.into();
        let dir = std::path::absolute(&dir).unwrap_or(dir);
        Project {
            manifest_path: dir.join(MANIFEST_FILE),
            lock_path: dir.join(LOCK_FILE),
            install_dir: dir.join(DEFAULT_INSTALL_DIR),
            dir,
        }
    }

    /// The nearest project at or above `start`, like cargo finds Cargo.toml.
    pub fn find(start: &Path) -> Result<Project, ProjectError> {
        let start = std::path::absolute(start).unwrap_or_else(|_| start.to_path_buf());
        if !start.is_dir() {
            return Err(ProjectError::NoSuchDirectory { start });
        }
        start
            .ancestors()
            .find(|d| d.join(MANIFEST_FILE).is_file())
            .map(Project::at)
            .ok_or(ProjectError::NotFound { start })
    }

    /// Reads `plugres.toml`, and takes the install dir from its `[settings]`.
    pub fn load_manifest(&mut self) -> Result<Manifest, ProjectError> {
        let manifest = Manifest::load(&self.manifest_path)?;
        self.install_dir = manifest.install_dir_in(&self.dir);
        Ok(manifest)
    }

    /// Reads `plugres.lock`; `Ok(None)` when the project has none yet.
    pub fn load_lockfile(&self) -> Result<Option<Lockfile>, ProjectError> {
        Lockfile::load(&self.lock_path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn find_walks_up_to_the_manifest() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("proj");
        let deep = root.join("src/a/b");
        std::fs::create_dir_all(&deep).unwrap();
        std::fs::write(
            root.join(MANIFEST_FILE),
            "[engine]\nversion = \"1.0.0\"\n\n[settings]\ninstall-dir = \"vendor/plugins\"\n",
        )
        .unwrap();
        let mut p = Project::find(&deep).unwrap();
        assert_eq!(p.dir, root);
        assert_eq!(p.manifest_path, root.join("plugres.toml"));
        assert_eq!(p.lock_path, root.join("plugres.lock"));
        assert_eq!(p.install_dir, root.join("plugins"));
        p.load_manifest().unwrap();
        assert_eq!(p.install_dir, root.join("vendor").join("plugins"));
        assert!(p.load_lockfile().unwrap().is_none());

        let err = Project::find(dir.path()).unwrap_err();
        assert!(matches!(err, ProjectError::NotFound { .. }));
        assert!(err.to_string().contains("plugres init"), "{err}");
        // A directory that does not exist is named as such (`-C` typo).
        let missing = dir.path().join("nowhere");
        let err = Project::find(&missing).unwrap_err();
        assert!(matches!(err, ProjectError::NoSuchDirectory { .. }), "{err}");
        assert!(err.to_string().contains("is not a directory"), "{err}");
    }
}
