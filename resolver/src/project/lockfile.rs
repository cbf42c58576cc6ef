//! Lock entries from a verified index: the part of `plugres.lock` that
//! needs an index stays with the client; the format itself (parsing,
//! rendering, [`Lockfile::is_current_for`](super::Lockfile::is_current_for))
//! is in `plugres-host`.

use plugres_schema::{PluginFile, VersionEntry};

use super::{LockedArtifact, LockedAttestation, LockedPlugin};
use crate::index::{IndexError, VerifiedIndex};

/// [`LockedPlugin::from_index`]: a lock entry from a verified index.
pub trait LockedPluginExt: Sized {
    /// The entry for `version` of verified `file` from `index`, with
    /// artifact URLs resolved and its attestation verified (when it has
    /// one, or the publish policy wants one). Nothing granted, not disabled.
    fn from_index(
        index: &VerifiedIndex,
        file: &PluginFile,
        version: &VersionEntry,
    ) -> Result<Self, IndexError>;
}

impl LockedPluginExt for LockedPlugin {
    fn from_index(
        index: &VerifiedIndex,
        file: &PluginFile,
        version: &VersionEntry,
    ) -> Result<Self, IndexError> {
        let attestation = index
            .attestation(&file.name, version)?
            .map(|a| LockedAttestation {
                sha256: a.bundle_sha256,
                publisher: a.publisher.to_string(),
                repository: a.repository,
                commit: a.commit,
                git_ref: a.git_ref,
            });
        Ok(LockedPlugin {
            name: file.name.clone(),
            version: version.version.clone(),
            registry: index.registry_name().to_string(),
            path: None,
            engine: version.engine.clone(),
            dependencies: version.dependencies.to_map(),
            permissions: version.permissions.clone(),
            granted: Vec::new(),
            disabled: false,
            yanked: version.yanked.then(|| version.yank_reason.clone()),
            deprecated: file.deprecated.clone(),
            channel: None,
            settings: version.settings.clone(),
            artifacts: version
                .artifacts
                .iter()
                .map(|a| LockedArtifact {
                    target: a.target.clone(),
                    url: index.lock_url(a),
                    sha256: a.sha256,
                    size: a.size,
                    tree: None,
                })
                .collect(),
            attestation,
        })
    }
}

#[cfg(test)]
mod tests {
    use plugres_schema::{Permission, Sha256};

    use super::*;
    use crate::index::fixture::{TestIndex, TestPlugin};
    use crate::project::{LockedRegistry, Lockfile, host_target};

    #[test]
    fn entries_from_a_verified_local_index_record_index_relative_paths() {
        let ix = TestIndex::new();
        let file = ix.publish(
            TestPlugin::new("hello")
                .version("1.0.0", ">=1")
                .permission("network")
                .artifact("any")
                .artifact(host_target())
                .yanked(None),
            "maint",
        );
        let index = ix.open().unwrap();
        let entry = LockedPlugin::from_index(&index, &file, &file.versions[0]).unwrap();
        assert_eq!(entry.registry, "default");
        assert_eq!(entry.yanked, Some(None));
        assert_eq!(entry.permissions, vec![Permission::new("network").unwrap()]);
        let host = entry.artifact_for(None).unwrap();
        assert_eq!(host.target.as_str(), host_target());
        // As published, so the lock names no path of this machine.
        let published = file.versions[0]
            .artifacts
            .iter()
            .find(|a| a.target == host.target)
            .unwrap();
        assert_eq!(host.url, published.url);
        let rel = host.index_relative().expect("index-relative");
        assert!(!rel.contains(&*ix.root().to_string_lossy()), "{rel}");
        let crate::index::ArtifactLocation::Path(path) = index.relative_artifact(rel) else {
            panic!("a path index keeps artifacts in files");
        };
        let bytes = std::fs::read(path).unwrap();
        assert_eq!(Sha256::of(&bytes), host.sha256);
        assert_eq!(bytes.len() as u64, host.size);
        // The text roundtrips.
        let lock = Lockfile {
            registries: vec![LockedRegistry {
                name: "default".into(),
                index: "../index".into(),
                revision: None,
                snapshot: None,
            }],
            plugins: vec![entry.clone()],
        };
        let back = Lockfile::parse("plugres.lock", &lock.to_toml()).unwrap();
        assert_eq!(back.plugins, vec![entry]);
    }
}
