//! A project in a temporary directory using a private copy of the signed
//! sample index, for the operations' tests.

use std::path::{Path, PathBuf};

use super::{Grants, Options};
use crate::project::Lockfile;

/// The sample index's pinned root key (sample-index/config.toml).
pub(crate) const SAMPLE_ROOT_KEY: &str = "RWSHnl4xjP2djUC4d3DvrVTXIDlPH9XFoPDGn01Xai+UpZsqGekxqWr/";

/// A project dir, an index copy and a cache dir, all temporary.
pub(crate) struct Sandbox {
    tmp: tempfile::TempDir,
}

fn copy_tree(from: &Path, to: &Path) {
    for entry in walkdir::WalkDir::new(from) {
        let entry = entry.expect("walk sample index");
        let rel = entry.path().strip_prefix(from).expect("prefix");
        let dest = to.join(rel);
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&dest).expect("mkdir");
        } else {
            std::fs::copy(entry.path(), &dest).expect("copy");
        }
    }
}

impl Sandbox {
    /// A project running demo-engine `engine` with the sample index as
    /// registry `default`, and no plugins yet.
    pub(crate) fn new(engine: &str) -> Sandbox {
        let tmp = tempfile::tempdir().expect("tempdir");
        let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("../sample-index");
        copy_tree(&sample, &tmp.path().join("index"));
        std::fs::create_dir(tmp.path().join("project")).expect("mkdir");
        let s = Sandbox { tmp };
        s.write_manifest(&format!(
            "# my project\n[engine]\nversion = \"{engine}\"\n\n[registry.default]\nindex = \"../index\"\nroot-keys = [\"{SAMPLE_ROOT_KEY}\"]\n\n[plugins]\n"
        ));
        s
    }

    pub(crate) fn root(&self) -> &Path {
        self.tmp.path()
    }

    pub(crate) fn project(&self) -> PathBuf {
        self.tmp.path().join("project")
    }

    pub(crate) fn index(&self) -> PathBuf {
        self.tmp.path().join("index")
    }

    pub(crate) fn cache(&self) -> PathBuf {
        self.tmp.path().join("cache")
    }

    pub(crate) fn plugin_dir(&self, name: &str) -> PathBuf {
        self.project().join("plugins").join(name)
    }

    pub(crate) fn write_manifest(&self, text: &str) {
        std::fs::write(self.project().join("plugres.toml"), text).expect("write manifest");
    }

    pub(crate) fn manifest_text(&self) -> String {
        std::fs::read_to_string(self.project().join("plugres.toml")).expect("read manifest")
    }

    pub(crate) fn lock_text(&self) -> Option<String> {
        std::fs::read_to_string(self.project().join("plugres.lock")).ok()
    }

    pub(crate) fn lock(&self) -> Lockfile {
        Lockfile::load(&self.project().join("plugres.lock"))
            .expect("lock readable")
            .expect("lock exists")
    }

    /// `name version` of every locked plugin.
    pub(crate) fn locked(&self) -> Vec<String> {
        self.lock()
            .plugins
            .iter()
            .map(|p| format!("{} {}", p.name, p.version))
            .collect()
    }

    /// Options granting every permission, cache in the sandbox.
    pub(crate) fn opts(&self) -> Options {
        let mut o = Options::new(self.cache());
        o.grants = Grants {
            yes: true,
            ..Grants::default()
        };
        o
    }

    /// Options granting nothing.
    pub(crate) fn strict_opts(&self) -> Options {
        Options::new(self.cache())
    }

    /// Everything under the project dir except plugres' own lock dir, with contents.
    pub(crate) fn snapshot(&self) -> Vec<(String, Vec<u8>)> {
        let dir = self.project();
        walkdir::WalkDir::new(&dir)
            .sort_by_file_name()
            .into_iter()
            .filter_map(Result::ok)
            .filter(|e| e.file_type().is_file())
            .filter(|e| !e.path().starts_with(dir.join(".plugres")))
            .map(|e| {
                let rel = e
                    .path()
                    .strip_prefix(&dir)
                    .expect("prefix")
                    .display()
                    .to_string();
                (rel, std::fs::read(e.path()).expect("read"))
            })
            .collect()
    }

    /// Replaces temporary paths in `text` by `[TMP]`, for snapshots.
    pub(crate) fn redact(&self, text: &str) -> String {
        let root = self.root().display().to_string();
        let real = std::fs::canonicalize(self.root())
            .map(|p| p.display().to_string())
            .unwrap_or_else(|_| root.clone());
        text.replace(&real, "[TMP]").replace(&root, "[TMP]")
    }
}
