//! Where an install reads each locked artifact from.
//!
//! plugres.lock records an artifact by an absolute URL, used as it is, or
//! — when the artifact is stored in the index itself — by its path inside
//! the index (`artifacts/hello-world/1.2.0/hello_world.wasm`), so the lock
//! names no path of the machine that wrote it. Such a path is resolved here
//! through the plugin's registry as plugres.toml names it now:
//!
//! - path index: `<index dir>/<path>`;
//! - sparse index: `<base URL>/<path>`;
//! - git index: the file copied out of the cached clone's accepted commit.
//!   The cache is opened without network; it is fetched only when it is
//!   gone, or when its commit lacks the file (the lock was made from a newer
//!   index). That is the one case where an install from a current lock uses
//!   the network, and it says so in a status line.
//!
//! A registry's `artifact-mirror` wins over all of these: the mirror path
//! comes from the sha256 and the file name alone.

use super::OpsError;
use super::registries::Registries;
use super::sync::artifact_file_name;
use crate::fetch::ArtifactSource;
use crate::index::{ArtifactLocation, IndexBackend, PathBackend, VerifiedIndex};
use crate::project::{IndexLocation, LockedArtifact, LockedPlugin, Manifest, RegistrySpec};

/// Resolves locked artifacts to download sources, reading each git index
/// through the command's [`Registries`]: from the cache, or fetched when it
/// is not cached or its copy is too old.
pub(crate) struct Locator<'a> {
    manifest: &'a Manifest,
    registries: &'a Registries<'a>,
}

impl<'a> Locator<'a> {
    pub(crate) fn new(manifest: &'a Manifest, registries: &'a Registries<'a>) -> Self {
        Locator {
            manifest,
            registries,
        }
    }

    /// Where to download `artifact` of `plugin` from.
    pub(crate) fn source(
        &self,
        plugin: &LockedPlugin,
        artifact: &LockedArtifact,
    ) -> Result<ArtifactSource, OpsError> {
        if plugin.is_local() {
            return self.local(plugin, artifact);
        }
        let spec = self.manifest.registries.get(&plugin.registry);
        let file_name = artifact_file_name(&artifact.url);
        if let Some(mirror) = spec.and_then(|r| r.mirror_url(&artifact.sha256, &file_name)) {
            return Ok(source_of(ArtifactLocation::from_url(&mirror)));
        }
        let Some(rel) = artifact.index_relative() else {
            return Ok(source_of(ArtifactLocation::from_url(&artifact.url)));
        };
        let spec = spec.ok_or_else(|| {
            OpsError::failed(
                format!(
                    "plugres.lock keeps the artifact of `{} {}` in the index of registry `{}`, which plugres.toml does not name",
                    plugin.name, plugin.version, plugin.registry
                ),
                &["run `plugres lock` to lock it from the registries of plugres.toml"],
            )
        })?;
        match &spec.location {
            IndexLocation::Path(dir) => Ok(source_of(PathBackend::new(dir).relative_artifact(rel))),
            IndexLocation::Sparse(base) => Ok(ArtifactSource::Url(format!(
                "{}/{rel}",
                base.trim_end_matches('/')
            ))),
            IndexLocation::Git(_) => self.in_git(spec, rel),
        }
    }

    /// A local plugin's file, in the folder plugres.toml names for it now
    /// (the command checked its hash against the lock: README "Local
    /// plugin development"); copied into the cache against that hash.
    fn local(
        &self,
        plugin: &LockedPlugin,
        artifact: &LockedArtifact,
    ) -> Result<ArtifactSource, OpsError> {
        let dir = self
            .manifest
            .plugins
            .get(&plugin.name)
            .and_then(|s| s.path.as_ref())
            .ok_or_else(|| {
                OpsError::failed(
                    format!(
                        "plugres.lock has `{}` as a local plugin (`path = \"{}\"`), but plugres.toml does not",
                        plugin.name,
                        plugin.path.as_deref().unwrap_or_default()
                    ),
                    &["run `plugres lock` to lock plugres.toml's plugins"],
                )
            })?;
        let file = artifact
            .url
            .split('/')
            .fold(dir.dir.clone(), |p, s| p.join(s));
        Ok(ArtifactSource::Path(file))
    }

    /// The artifact at `rel` of git registry `spec`, from the cached clone
    /// when it has it, else after a fetch (not under `--offline`).
    fn in_git(&self, spec: &RegistrySpec, rel: &str) -> Result<ArtifactSource, OpsError> {
        let name = spec.name.as_str();
        let offline = self.registries.options().offline;
        let index = match self.registries.cached(name) {
            Ok(index) => index,
            Err(e) if offline => return Err(e),
            Err(_) => self.fetch(name, "it is not cached on this machine")?,
        };
        let location = index.relative_artifact(rel);
        let missing = matches!(&location, ArtifactLocation::Path(p) if !p.is_file());
        if !missing || self.registries.is_online(name) || offline {
            return Ok(source_of(location));
        }
        let index = self.fetch(name, "its cached copy predates plugres.lock")?;
        Ok(source_of(index.relative_artifact(rel)))
    }

    /// The git index of registry `name` online, telling the user why.
    fn fetch(&self, name: &str, why: &str) -> Result<&'a VerifiedIndex, OpsError> {
        self.registries.options().say(&format!(
            "Fetching the git index of registry `{name}`: plugres.lock keeps artifacts in it, and {why}"
        ));
        self.registries.index(name)
    }
}

fn source_of(location: ArtifactLocation) -> ArtifactSource {
    match location {
        ArtifactLocation::Url(u) => ArtifactSource::Url(u),
        ArtifactLocation::Path(p) => ArtifactSource::Path(p),
    }
}
