//! Signed test indexes built like prose:
//!
//! ```ignore
//! let idx = TestIndex::new(dir, Some(&server.url()));
//! idx.plugin("evil").version("1.0.0").artifact("any", "evil.tar.gz", &bytes).publish();
//! ```
//!
//! Files are rendered and signed with the same schema code the index tool
//! uses, with the sample keys (`tests/fixtures/sample-keys/`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use plugres_schema::{
    Artifact, IndexConfig, PluginFile, PluginName, Sha256, SigningKey, Target, Version,
    VersionEntry, index_path, render,
};

use crate::{sample_index, sample_key};

pub fn key(name: &str) -> SigningKey {
    SigningKey::from_key_text(&std::fs::read_to_string(sample_key(name)).unwrap(), None).unwrap()
}

/// Signs the file at `rel` in `dir` with sample key `with`.
pub fn resign(dir: &Path, rel: &str, with: &str) {
    let bytes = std::fs::read(dir.join(rel)).unwrap();
    let sig = plugres_schema::sign(&key(with), rel, &bytes, 1).unwrap();
    std::fs::write(dir.join(format!("{rel}.minisig")), sig).unwrap();
}

/// The sample index's root public key (what clients pin).
pub fn sample_root_key() -> String {
    key("sample-root").public_base64()
}

pub struct TestIndex {
    pub dir: PathBuf,
}

impl TestIndex {
    /// A copy of the sample index at `dir`, with `artifact-base` set when
    /// given (the config is re-signed by the sample root key).
    pub fn sample_copy(dir: &Path, artifact_base: Option<&str>) -> TestIndex {
        crate::copy_tree(&sample_index(), dir);
        let idx = TestIndex {
            dir: dir.to_path_buf(),
        };
        if artifact_base.is_some() {
            idx.set_artifact_base(artifact_base);
        }
        idx
    }

    pub fn set_artifact_base(&self, base: Option<&str>) {
        let bytes = std::fs::read(self.dir.join("config.toml")).unwrap();
        let mut config = IndexConfig::parse("config.toml", &bytes).unwrap();
        config.artifact_base = base.map(str::to_string);
        std::fs::write(self.dir.join("config.toml"), render::config_file(&config)).unwrap();
        resign(&self.dir, "config.toml", "sample-root");
    }

    pub fn plugin(&self, name: &str) -> PluginBuilder<'_> {
        PluginBuilder {
            index: self,
            name: PluginName::new(name).unwrap(),
            versions: Vec::new(),
            deprecated: None,
        }
    }
}

pub struct PluginBuilder<'a> {
    index: &'a TestIndex,
    name: PluginName,
    versions: Vec<VersionEntry>,
    deprecated: Option<String>,
}

impl PluginBuilder<'_> {
    pub fn version(mut self, v: &str, engine: &str) -> Self {
        self.versions.push(VersionEntry {
            version: Version::parse(v).unwrap(),
            engine: semver::VersionReq::parse(engine).unwrap(),
            published: "2026-11-21T10:00:00Z".to_string(),
            permissions: Vec::new(),
            yanked: false,
            yank_reason: None,
            dependencies: BTreeMap::new(),
            artifacts: Vec::new(),
            span: 0..0,
        });
        self
    }

    fn last(&mut self) -> &mut VersionEntry {
        self.versions.last_mut().expect("call .version() first")
    }

    pub fn dep(mut self, name: &str, req: &str) -> Self {
        self.last().dependencies.insert(
            PluginName::new(name).unwrap(),
            semver::VersionReq::parse(req).unwrap(),
        );
        self
    }

    pub fn permission(mut self, p: &str) -> Self {
        self.last()
            .permissions
            .push(plugres_schema::Permission::new(p).unwrap());
        self
    }

    /// An artifact stored in the index at `artifacts/NAME/VERSION/FILE`
    /// (a relative URL), declared with these bytes' hash and size.
    pub fn artifact(mut self, target: &str, file: &str, bytes: &[u8]) -> Self {
        let v = self.last().version.to_string();
        let rel = format!("artifacts/{}/{v}/{file}", self.name);
        let path = self.index.dir.join(&rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, bytes).unwrap();
        self.declared(target, &rel, bytes)
    }

    /// An artifact at `url` (absolute, or relative to artifact-base),
    /// declared with these bytes' hash and size; nothing is written.
    pub fn declared(mut self, target: &str, url: &str, bytes: &[u8]) -> Self {
        self.last().artifacts.push(Artifact {
            target: Target::new(target).unwrap(),
            url: url.to_string(),
            sha256: Sha256::of(bytes),
            size: bytes.len() as u64,
        });
        self
    }

    pub fn yanked(mut self, reason: &str) -> Self {
        self.last().yanked = true;
        self.last().yank_reason = Some(reason.to_string());
        self
    }

    pub fn deprecated(mut self, msg: &str) -> Self {
        self.deprecated = Some(msg.to_string());
        self
    }

    /// Writes and signs the plugin file with `sample-maintainers` (scope `*`).
    pub fn publish(self) -> String {
        self.publish_with("sample-maintainers")
    }

    pub fn publish_with(self, key_name: &str) -> String {
        let file = PluginFile {
            name: self.name.clone(),
            description: format!("test plugin {}", self.name),
            license: None,
            repository: None,
            homepage: None,
            keywords: vec![],
            categories: vec![],
            deprecated: self.deprecated,
            versions: self.versions,
        };
        let rel = index_path(&self.name);
        let path = self.index.dir.join(&rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, render::plugin_file(&file)).unwrap();
        resign(&self.index.dir, &rel, key_name);
        rel
    }
}
