//! Signed test indexes built like prose:
//!
//! ```ignore
//! let idx = TestIndex::new(dir, Some(&server.url()));
//! idx.plugin("evil").version("1.0.0").artifact("any", "evil.tar.gz", &bytes).publish();
//! ```
//!
//! Files are rendered and signed with the same schema code the index tool
//! uses, with the sample keys (`tests/fixtures/sample-keys/`).

use std::path::{Path, PathBuf};

use plugres_schema::{
    Artifact, CONFIG_PATH, IndexConfig, KeyId, PluginFile, PluginName, RoleKey, Sha256, SigningKey,
    Target, Version, VersionEntry, index_path, render,
};

use crate::trust::{self, Generation};
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

/// A test index. [`TestIndex::sample_copy`] makes a trust-layer index (the
/// config gives the sample online key the snapshot and timestamp roles, and
/// every change is followed by a real `plugres-index snapshot` and
/// `timestamp`). Whether an index has the trust layer is read from its
/// config each time, so `TestIndex { dir }` works on any index.
pub struct TestIndex {
    pub dir: PathBuf,
}

impl TestIndex {
    /// A copy of the sample index at `dir` as a git repository with the
    /// trust layer: snapshot and timestamp keys in the config, a signed
    /// `snapshot.toml` and `timestamp.toml` (valid 7 days), and
    /// `artifact-base` set when given.
    pub fn sample_copy(dir: &Path, artifact_base: Option<&str>) -> TestIndex {
        crate::copy_tree(&sample_index(), dir);
        let idx = TestIndex {
            dir: dir.to_path_buf(),
        };
        // The sample's own online key, under the sample's ids: whatever the
        // sample ships, the copy's snapshot and timestamp are made afresh.
        let mut config = idx.config();
        let online =
            plugres_schema::PublicKey::parse(&trust::online_key().public_base64()).unwrap();
        let role = |id: &str| RoleKey {
            id: KeyId::new(id).unwrap(),
            public: online.clone(),
        };
        config.snapshot_keys = vec![role(trust::SNAPSHOT_KEY_ID)];
        config.timestamp_keys = vec![role(trust::TIMESTAMP_KEY_ID)];
        config.artifact_base = artifact_base.map(str::to_string);
        idx.write_config_unlisted(config, &[&key("sample-root")]);
        crate::git(dir, &["init", "-q", "-b", "main"]);
        idx.refresh();
        idx
    }

    /// The config as it is now (not verified).
    pub fn config(&self) -> IndexConfig {
        let bytes = std::fs::read(self.dir.join(CONFIG_PATH)).unwrap();
        IndexConfig::parse(CONFIG_PATH, &bytes).unwrap()
    }

    pub fn has_trust_layer(&self) -> bool {
        self.config().has_snapshot_role()
    }

    pub fn set_artifact_base(&self, base: Option<&str>) {
        let mut config = self.config();
        config.artifact_base = base.map(str::to_string);
        self.write_config(config, &[&key("sample-root")]);
    }

    /// Writes `config` with its version raised by one, signed by every key
    /// of `signers` (several: one `.minisig` holding each signature, as
    /// in a root rotation), then refreshes snapshot and timestamp.
    pub fn write_config(&self, config: IndexConfig, signers: &[&SigningKey]) {
        self.write_config_unlisted(config, signers);
        self.refresh();
    }

    /// [`TestIndex::write_config`] without the refresh: the new config is
    /// not in any snapshot yet.
    pub fn write_config_unlisted(&self, mut config: IndexConfig, signers: &[&SigningKey]) {
        config.version = self.config().version.max(config.version) + 1;
        let text = render::config_file(&config);
        std::fs::write(self.dir.join(CONFIG_PATH), &text).unwrap();
        let sig: String = signers
            .iter()
            .map(|k| plugres_schema::sign(k, CONFIG_PATH, text.as_bytes(), trust::now()).unwrap())
            .collect();
        std::fs::write(self.dir.join(format!("{CONFIG_PATH}.minisig")), sig).unwrap();
    }

    /// Edits the text of the file at index path `rel`, re-signs it with
    /// sample key `with`, and refreshes snapshot and timestamp.
    pub fn edit(&self, rel: &str, with: &str, edit: impl FnOnce(&str) -> String) {
        let path = self.dir.join(rel);
        let text = std::fs::read_to_string(&path).unwrap();
        let edited = edit(&text);
        assert_ne!(edited, text, "the edit of `{rel}` changed nothing");
        std::fs::write(&path, edited).unwrap();
        resign(&self.dir, rel, with);
        self.refresh();
    }

    /// Commits every change (when the index is a git repository), then, on
    /// a trust-layer index, runs the real `plugres-index snapshot` and
    /// `timestamp` (default expiry) and commits their files.
    pub fn refresh(&self) {
        self.refresh_expiring_in(None);
    }

    /// [`TestIndex::refresh`] with a timestamp valid for `expires_in`
    /// (`1s`, `7d`, ...).
    pub fn refresh_expiring_in(&self, expires_in: Option<&str>) {
        self.commit("index change");
        if self.has_trust_layer() {
            trust::tool_snapshot(&self.dir);
            trust::tool_timestamp(&self.dir, expires_in);
            self.commit("snapshot and timestamp");
        }
    }

    /// [`TestIndex::refresh`] with the snapshot's bins of `digits` hex
    /// digits (`plugres-index snapshot --bins DIGITS`; 3 and more: listed
    /// through bin groups).
    pub fn refresh_with_bins(&self, digits: u8) {
        self.commit("index change");
        trust::tool_snapshot_with(&self.dir, &["--bins", &digits.to_string()]);
        trust::tool_timestamp(&self.dir, None);
        self.commit("snapshot and timestamp");
    }

    /// Only a new timestamp (the same snapshot), valid for `expires_in`.
    pub fn timestamp(&self, expires_in: Option<&str>) {
        trust::tool_timestamp(&self.dir, expires_in);
        self.commit("timestamp");
    }

    /// What an attacker holding the online key can do: sign a snapshot of
    /// the files as they are now (however broken) and a timestamp for it,
    /// without any of the tool's checks. Commits.
    pub fn forge_snapshot(&self) {
        trust::forge_snapshot(&self.dir, None);
        trust::forge_timestamp(&self.dir, None, 86_400);
        self.commit("forged snapshot");
    }

    /// Publishes the changes of the tree: gives every file a new
    /// modification time (see [`trust::bump_mtimes`]: nginx's ETag is the
    /// mtime in seconds and the size, so a file rewritten within the same
    /// second at the same size would otherwise be answered 304), and
    /// commits all changes when the index is a git repository.
    pub fn commit(&self, message: &str) {
        trust::bump_mtimes(&self.dir);
        if !self.dir.join(".git").exists() {
            return;
        }
        crate::git(&self.dir, &["add", "-A"]);
        if !crate::git(&self.dir, &["status", "--porcelain"]).is_empty() {
            crate::git(&self.dir, &["commit", "-q", "-m", message]);
        }
    }

    /// A copy of the whole tree as it is now.
    pub fn generation(&self) -> Generation {
        Generation::capture(&self.dir)
    }

    /// Serves `generation` again (exactly its files; committed on top).
    pub fn serve_generation(&self, generation: &Generation) {
        generation.serve_in(&self.dir);
        self.commit("an older generation");
    }

    /// Copies these files of `generation` over the current ones (committed).
    pub fn mix_in(&self, generation: &Generation, rels: &[&str]) {
        generation.copy_into(&self.dir, rels);
        self.commit("mixed generations");
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

    /// A readme for the last version, stored where `publish` stores it
    /// (`readmes/...`), with its hash and size in the entry.
    pub fn readme(mut self, text: &str) -> Self {
        let v = self.last().version.clone();
        let rel = plugres_schema::readme_path(&self.name, &v);
        let path = self.index.dir.join(&rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, text).unwrap();
        self.last().readme = Some(plugres_schema::Readme {
            path: plugres_schema::IndexPath::new(&rel).unwrap(),
            sha256: Sha256::of(text.as_bytes()),
            size: text.len() as u64,
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

    /// Writes and signs the plugin file with `sample-maintainers` (scope
    /// `*`), then refreshes snapshot and timestamp.
    pub fn publish(self) -> String {
        self.publish_with("sample-maintainers")
    }

    pub fn publish_with(self, key_name: &str) -> String {
        let index = self.index;
        let rel = self.publish_unlisted(key_name);
        index.refresh();
        rel
    }

    /// Writes and signs the plugin file, but takes no new snapshot: the
    /// file is not listed (or listed with another digest).
    pub fn publish_unlisted(self, key_name: &str) -> String {
        let file = PluginFile {
            name: self.name.clone(),
            description: format!("test plugin {}", self.name),
            license: None,
            repository: None,
            homepage: None,
            authors: Vec::new(),
            support: None,
            keywords: vec![],
            categories: vec![],
            deprecated: self.deprecated,
            channels: Default::default(),
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
