//! Real signed indexes in temporary directories, for tests.
//!
//! ```ignore
//! let ix = TestIndex::new();
//! ix.publish(TestPlugin::new("hello").version("1.0.0", ">=1").artifact("any"), "maint");
//! let index = ix.open().unwrap();
//! ```

use std::path::Path;

use plugres_schema::{
    Artifact, CONFIG_PATH, IndexConfig, KeyId, PluginFile, PluginName, PublicKey, PublisherKey,
    RootKey, SIGNATURE_SUFFIX, Scope, Sha256, SigningKey, Target, Version, VersionEntry,
    index_path, render,
};

use super::{IndexError, PathBackend, VerifiedIndex};

/// A signed index on disk: one root key, named publisher keys with scopes.
pub(crate) struct TestIndex {
    dir: tempfile::TempDir,
    pub root_key: SigningKey,
    publishers: Vec<(String, SigningKey)>,
}

impl TestIndex {
    /// An index whose publisher `maint` may sign any plugin.
    pub(crate) fn new() -> Self {
        Self::with_publishers(&[("maint", &["*"])])
    }

    pub(crate) fn with_publishers(publishers: &[(&str, &[&str])]) -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let root_key = SigningKey::generate().expect("key");
        let mut keys = Vec::new();
        let mut publisher_keys = Vec::new();
        for (id, scopes) in publishers {
            let key = SigningKey::generate().expect("key");
            publisher_keys.push(PublisherKey {
                id: KeyId::new(id).expect("key id"),
                public: public_of(&key),
                scopes: scopes
                    .iter()
                    .map(|s| Scope::new(s).expect("scope"))
                    .collect(),
            });
            keys.push((id.to_string(), key));
        }
        let config = IndexConfig {
            format: plugres_schema::FORMAT,
            name: "test".into(),
            engine: "demo-engine".into(),
            description: None,
            artifact_base: None,
            root_keys: vec![RootKey {
                id: KeyId::new("root").expect("key id"),
                public: public_of(&root_key),
            }],
            publisher_keys,
            version: 1,
            snapshot_keys: vec![],
            timestamp_keys: vec![],
            timestamp_expiry: plugres_schema::DEFAULT_TIMESTAMP_EXPIRY,
            limits: plugres_schema::ArchiveLimits::HARD,
            categories: Vec::new(),
            sigstore: None,
            trusted_publishers: Vec::new(),
            publish_policy: Vec::new(),
        };
        let ix = TestIndex {
            dir,
            root_key,
            publishers: keys,
        };
        ix.write_config(&config, &ix.root_key);
        ix
    }

    pub(crate) fn root(&self) -> &Path {
        self.dir.path()
    }

    pub(crate) fn root_public(&self) -> PublicKey {
        public_of(&self.root_key)
    }

    pub(crate) fn publisher(&self, id: &str) -> &SigningKey {
        &self
            .publishers
            .iter()
            .find(|(i, _)| i == id)
            .expect("no such publisher key")
            .1
    }

    /// Writes `config` signed by `key`.
    pub(crate) fn write_config(&self, config: &IndexConfig, key: &SigningKey) {
        self.write_signed(CONFIG_PATH, render::config_file(config).as_bytes(), key);
    }

    /// Writes a file at an index path, unsigned.
    pub(crate) fn write(&self, path: &str, bytes: &[u8]) {
        let file = self.root().join(path);
        std::fs::create_dir_all(file.parent().expect("parent")).expect("mkdir");
        std::fs::write(file, bytes).expect("write");
    }

    /// Writes a file and its `.minisig` by `key`, bound to `path`.
    pub(crate) fn write_signed(&self, path: &str, bytes: &[u8], key: &SigningKey) {
        self.write(path, bytes);
        let sig = plugres_schema::sign(key, path, bytes, 1_700_000_000).expect("sign");
        self.write(&format!("{path}{SIGNATURE_SUFFIX}"), sig.as_bytes());
    }

    /// Writes the plugin's file signed by publisher `signer`, and its
    /// artifacts beside the index (relative URLs, no artifact-base).
    pub(crate) fn publish(&self, plugin: TestPlugin, signer: &str) -> PluginFile {
        for (url, bytes) in &plugin.blobs {
            self.write(url, bytes);
        }
        let text = render::plugin_file(&plugin.file);
        self.write_signed(
            &index_path(&plugin.file.name),
            text.as_bytes(),
            self.publisher(signer),
        );
        plugin.file
    }

    /// Gives the config snapshot and timestamp keys (`online`, one key for
    /// both roles), raising its version; returns that key.
    pub(crate) fn enable_snapshots(&self) -> SigningKey {
        let online = SigningKey::generate().expect("key");
        let mut config = self.config();
        let role = |id: &str| plugres_schema::RoleKey {
            id: KeyId::new(id).expect("key id"),
            public: public_of(&online),
        };
        config.snapshot_keys = vec![role("online-snapshot")];
        config.timestamp_keys = vec![role("online-timestamp")];
        config.version += 1;
        self.write_config(&config, &self.root_key);
        online
    }

    /// The config as on disk.
    pub(crate) fn config(&self) -> IndexConfig {
        let bytes = std::fs::read(self.root().join(CONFIG_PATH)).expect("config");
        IndexConfig::parse(CONFIG_PATH, &bytes).expect("valid config")
    }

    /// Signs snapshot `version` of the tree as it is now (config and plugin
    /// files with their signatures), binned by `bin_digits`. Returns the
    /// snapshot's bytes.
    pub(crate) fn snapshot(&self, key: &SigningKey, version: u64, bin_digits: u8) -> Vec<u8> {
        self.snapshot_with_catalog(key, version, bin_digits, None)
    }

    /// [`Self::snapshot`], listing a catalog of the plugin files in shards
    /// of `catalog_digits` hex digits when given (README "The catalog").
    pub(crate) fn snapshot_with_catalog(
        &self,
        key: &SigningKey,
        version: u64,
        bin_digits: u8,
        catalog_digits: Option<u8>,
    ) -> Vec<u8> {
        let mut files = std::collections::BTreeMap::new();
        for entry in walkdir::WalkDir::new(self.root()) {
            let entry = entry.expect("walk");
            let rel = entry.path().strip_prefix(self.root()).expect("prefix");
            let rel = rel.to_string_lossy().replace('\\', "/");
            let bare = rel.strip_suffix(SIGNATURE_SUFFIX).unwrap_or(&rel);
            if bare == CONFIG_PATH || plugres_schema::name_from_index_path(bare).is_some() {
                let bytes = std::fs::read(entry.path()).expect("read");
                files.insert(rel.clone(), Sha256::of(&bytes));
            }
        }
        let signatures: std::collections::BTreeMap<String, String> = files
            .keys()
            .filter(|p| plugres_schema::name_from_index_path(p).is_some())
            .filter_map(|p| {
                let sig = self.root().join(format!("{p}{SIGNATURE_SUFFIX}"));
                Some((p.clone(), std::fs::read_to_string(sig).ok()?))
            })
            .collect();
        let (mut snap, bins) =
            plugres_schema::Snapshot::build(version, &files, &signatures, bin_digits);
        let _ = std::fs::remove_dir_all(self.root().join(plugres_schema::CATALOG_DIR));
        if let Some(digits) = catalog_digits {
            let entries = signatures
                .keys()
                .map(|p| {
                    let bytes = std::fs::read(self.root().join(p)).expect("plugin file");
                    let file = PluginFile::parse(p, &bytes).expect("plugin file parses");
                    plugres_schema::CatalogEntry::of(&file)
                })
                .collect();
            let mut listing = plugres_schema::CatalogListing {
                digits,
                shards: Default::default(),
            };
            for (id, text) in plugres_schema::build_catalog(entries, digits) {
                self.write(&plugres_schema::catalog_path(&id), text.as_bytes());
                listing.shards.insert(id, Sha256::of(text.as_bytes()));
            }
            snap.catalog = Some(listing);
        }
        let _ = std::fs::remove_dir_all(self.root().join(plugres_schema::SNAPSHOT_BIN_DIR));
        for (path, text) in bins.into_iter().chain(snap.group_files()) {
            self.write(&path, text.as_bytes());
        }
        let text = snap.to_toml();
        self.write_signed(plugres_schema::SNAPSHOT_PATH, text.as_bytes(), key);
        text.into_bytes()
    }

    /// Signs timestamp `version` for the snapshot on disk, expiring at
    /// `expires` (Unix time).
    pub(crate) fn timestamp(&self, key: &SigningKey, version: u64, expires: u64) {
        let snap =
            std::fs::read(self.root().join(plugres_schema::SNAPSHOT_PATH)).expect("snapshot");
        let parsed = plugres_schema::Snapshot::parse("snapshot.toml", &snap).expect("snapshot");
        let ts = plugres_schema::Timestamp {
            version,
            expires,
            snapshot_version: parsed.version,
            snapshot_sha256: Sha256::of(&snap),
            snapshot_size: snap.len() as u64,
        };
        self.write_signed(plugres_schema::TIMESTAMP_PATH, ts.to_toml().as_bytes(), key);
    }

    /// Writes `head.bundle` from the trust files on disk, as `plugres-index
    /// timestamp` does (README "head.bundle").
    pub(crate) fn head(&self) {
        let head = plugres_schema::Head::assemble(|p| std::fs::read(self.root().join(p)).ok());
        self.write(
            plugres_schema::HEAD_PATH,
            &head.expect("the six trust files"),
        );
    }

    /// The index through a [`PathBackend`] with trust state kept in
    /// `trust` (see [`TrustOptions`](super::TrustOptions)) and clock `now`.
    pub(crate) fn open_trusted(&self, trust: &Path, now: u64) -> Result<VerifiedIndex, IndexError> {
        let opts = super::TrustOptions {
            dir: Some(trust.to_path_buf()),
            allow_expired: false,
            now: Some(now),
            ..Default::default()
        };
        VerifiedIndex::open_with(
            Box::new(PathBackend::new(self.root())),
            "default",
            &[self.root_public()],
            &opts,
        )
    }

    /// The index through a [`PathBackend`], pinning its root key.
    pub(crate) fn open(&self) -> Result<VerifiedIndex, IndexError> {
        VerifiedIndex::open(
            Box::new(PathBackend::new(self.root())),
            "default",
            &[self.root_public()],
        )
    }
}

fn public_of(key: &SigningKey) -> PublicKey {
    PublicKey::parse(&key.public_base64()).expect("public key")
}

/// A plugin file under construction; calls after `version` apply to the
/// latest version.
pub(crate) struct TestPlugin {
    file: PluginFile,
    blobs: Vec<(String, Vec<u8>)>,
}

impl TestPlugin {
    pub(crate) fn new(name: &str) -> Self {
        TestPlugin {
            file: PluginFile {
                name: PluginName::new(name).expect("name"),
                description: format!("The {name} plugin"),
                license: None,
                repository: None,
                homepage: None,
                authors: Vec::new(),
                support: None,
                keywords: Vec::new(),
                categories: Vec::new(),
                deprecated: None,
                channels: Default::default(),
                versions: Vec::new(),
            },
            blobs: Vec::new(),
        }
    }

    /// The plugin file's text, as the index tool writes it.
    pub(crate) fn text(&self) -> String {
        render::plugin_file(&self.file)
    }

    pub(crate) fn keyword(mut self, k: &str) -> Self {
        self.file.keywords.push(k.to_string());
        self
    }

    pub(crate) fn version(mut self, version: &str, engine: &str) -> Self {
        self.file.versions.push(VersionEntry {
            version: Version::parse(version).expect("version"),
            engine: semver::VersionReq::parse(engine).expect("engine req"),
            published: "2026-01-01T00:00:00Z".into(),
            permissions: Vec::new(),
            yanked: false,
            yank_reason: None,
            dependencies: Default::default(),
            artifacts: Vec::new(),
            settings: Default::default(),
            readme: None,
            attestation: None,
            span: 0..0,
        });
        self
    }

    fn last(&mut self) -> &mut VersionEntry {
        self.file.versions.last_mut().expect("call version() first")
    }

    pub(crate) fn dep(mut self, name: &str, req: &str) -> Self {
        self.last().dependencies.insert(
            PluginName::new(name).expect("name"),
            semver::VersionReq::parse(req).expect("req"),
        );
        self
    }

    pub(crate) fn permission(mut self, p: &str) -> Self {
        let p = plugres_schema::Permission::new(p).expect("permission");
        self.last().permissions.push(p);
        self
    }

    pub(crate) fn yanked(mut self, reason: Option<&str>) -> Self {
        let v = self.last();
        v.yanked = true;
        v.yank_reason = reason.map(str::to_string);
        self
    }

    /// An artifact for `target` whose content names plugin, version and target.
    pub(crate) fn artifact(mut self, target: &str) -> Self {
        let name = self.file.name.to_string();
        let v = self.last();
        let bytes = format!("{name} {} {target}\n", v.version).into_bytes();
        let url = format!("{name}/{}/{target}.bin", v.version);
        v.artifacts.push(Artifact {
            target: Target::new(target).expect("target"),
            url: url.clone(),
            sha256: Sha256::of(&bytes),
            size: bytes.len() as u64,
        });
        self.blobs.push((url, bytes));
        self
    }

    /// An artifact for `target` at the absolute `url` (nothing written).
    pub(crate) fn remote_artifact(mut self, target: &str, url: &str, bytes: &[u8]) -> Self {
        self.last().artifacts.push(Artifact {
            target: Target::new(target).expect("target"),
            url: url.to_string(),
            sha256: Sha256::of(bytes),
            size: bytes.len() as u64,
        });
        self
    }
}
