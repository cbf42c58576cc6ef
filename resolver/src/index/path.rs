//! An index in a local directory: a checkout, an unpacked mirror, or the
//! sample index of this repository.

use std::fs::File;
use std::io::{ErrorKind, Read};
use std::path::{Path, PathBuf};

use plugres_schema::{MAX_FILE_SIZE, PLUGINS_DIR};

use super::{ArtifactLocation, IndexBackend, IndexError};

/// Reads index files from a directory tree.
#[derive(Debug, Clone)]
pub struct PathBackend {
    root: PathBuf,
}

impl PathBackend {
    /// An index rooted at `root` (the folder holding `config.toml`). The
    /// path is made absolute so artifact paths and messages stay valid
    /// whatever the working directory later is.
    pub fn new(root: impl Into<PathBuf>) -> Self {
        let root = root.into();
        let root = std::path::absolute(&root).unwrap_or(root);
        PathBackend { root }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The file for an index path, refusing paths that could leave the root.
    fn file(&self, path: &str) -> Result<PathBuf, IndexError> {
        if !plugres_schema::IndexPath::is_valid(path) {
            return Err(IndexError::Io {
                index: self.describe(),
                path: path.to_string(),
                source: std::io::Error::new(ErrorKind::InvalidInput, "not a relative index path"),
            });
        }
        Ok(path.split('/').fold(self.root.clone(), |p, s| p.join(s)))
    }

    fn io_error(&self, path: &str, source: std::io::Error) -> IndexError {
        IndexError::Io {
            index: self.describe(),
            path: path.to_string(),
            source,
        }
    }
}

impl IndexBackend for PathBackend {
    /// Files are on this machine (a folder; a fetched repository's objects).
    fn is_local(&self) -> bool {
        true
    }

    fn read(&self, path: &str) -> Result<Option<Vec<u8>>, IndexError> {
        let file = self.file(path)?;
        let f = match File::open(&file) {
            Ok(f) => f,
            Err(e) if e.kind() == ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(self.io_error(path, e)),
        };
        // Read at most one byte past the limit, so a huge (or growing) file
        // costs no more than that.
        let mut bytes = Vec::new();
        f.take(MAX_FILE_SIZE as u64 + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| self.io_error(path, e))?;
        if bytes.len() > MAX_FILE_SIZE {
            let size = std::fs::metadata(&file).map_or(bytes.len() as u64, |m| m.len());
            return Err(IndexError::TooLarge {
                index: self.describe(),
                path: path.to_string(),
                size,
                limit: MAX_FILE_SIZE,
            });
        }
        Ok(Some(bytes))
    }

    /// A folder that is a git checkout tells by its history (the git
    /// backend's rule, plus uncommitted edits); another folder (a copied
    /// mirror) cannot.
    fn changed_after_snapshot(&self, path: &str) -> bool {
        super::git::history::checkout_changed_after_snapshot(&self.root, path).unwrap_or(false)
    }

    fn list_plugins(&self) -> Result<Vec<String>, IndexError> {
        let dir = self.root.join(PLUGINS_DIR);
        if !dir.is_dir() {
            return Ok(Vec::new());
        }
        let mut out = Vec::new();
        for entry in walkdir::WalkDir::new(&dir).max_depth(3) {
            let entry = entry.map_err(|e| {
                let source = e
                    .into_io_error()
                    .unwrap_or_else(|| std::io::Error::other("filesystem loop"));
                self.io_error(PLUGINS_DIR, source)
            })?;
            if !entry.file_type().is_file() {
                continue;
            }
            let Ok(rel) = entry.path().strip_prefix(&self.root) else {
                continue;
            };
            let parts: Option<Vec<&str>> =
                rel.components().map(|c| c.as_os_str().to_str()).collect();
            if let Some(parts) = parts {
                let p = parts.join("/");
                if p.ends_with(".toml") {
                    out.push(p);
                }
            }
        }
        out.sort();
        Ok(out)
    }

    fn describe(&self) -> String {
        self.root.display().to_string()
    }

    fn identity(&self) -> String {
        let root = std::fs::canonicalize(&self.root).unwrap_or_else(|_| self.root.clone());
        root.display().to_string()
    }

    fn relative_artifact(&self, url: &str) -> ArtifactLocation {
        ArtifactLocation::Path(url.split('/').fold(self.root.clone(), |p, s| p.join(s)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identity_is_the_canonical_path() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("a")).unwrap();
        let plain = PathBackend::new(dir.path().join("a"));
        let roundabout = PathBackend::new(dir.path().join("a/../a/."));
        assert_eq!(plain.identity(), roundabout.identity());
        assert_ne!(plain.describe(), roundabout.describe());
    }

    /// The default `read_at_most`: a file over the limit a signed file
    /// gives is refused by name, with the reason.
    #[test]
    fn read_at_most_refuses_a_file_over_the_given_limit() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("snapshot.toml"), [b'#'; 100]).unwrap();
        let b = PathBackend::new(dir.path());
        let why = "the size `timestamp.toml` gives for it";
        assert_eq!(
            b.read_at_most("snapshot.toml", 100, why)
                .unwrap()
                .map(|b| b.len()),
            Some(100)
        );
        assert!(matches!(
            b.read_at_most("snapshot.toml", 99, why),
            Err(IndexError::OverLimit { limit: 99, why: w, .. }) if w == why
        ));
        assert_eq!(b.read_at_most("absent.toml", 1, why).unwrap(), None);
    }

    #[test]
    fn reads_lists_and_refuses() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join("plugins/he/ll")).unwrap();
        std::fs::create_dir_all(root.join("plugins/1")).unwrap();
        std::fs::write(root.join("plugins/he/ll/hello-world.toml"), "x").unwrap();
        std::fs::write(root.join("plugins/he/ll/hello-world.toml.minisig"), "s").unwrap();
        std::fs::write(root.join("plugins/1/a.toml"), "y").unwrap();
        std::fs::write(root.join("config.toml"), vec![b'#'; MAX_FILE_SIZE + 1]).unwrap();

        let b = PathBackend::new(root);
        assert_eq!(
            b.read("plugins/1/a.toml").unwrap().as_deref(),
            Some(&b"y"[..])
        );
        assert!(b.read("plugins/1/b.toml").unwrap().is_none());
        assert!(matches!(
            b.read("config.toml"),
            Err(IndexError::TooLarge { size, .. }) if size == MAX_FILE_SIZE as u64 + 1
        ));
        for bad in ["../x", "/etc/passwd", "plugins//a", "a\\b"] {
            assert!(matches!(b.read(bad), Err(IndexError::Io { .. })), "{bad}");
        }
        assert_eq!(
            b.list_plugins().unwrap(),
            vec!["plugins/1/a.toml", "plugins/he/ll/hello-world.toml"]
        );
        assert_eq!(
            b.relative_artifact("hello/1.0.0/h.wasm"),
            ArtifactLocation::Path(root.join("hello").join("1.0.0").join("h.wasm"))
        );
    }
}
