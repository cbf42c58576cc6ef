//! cargo's on-disk cache of index entries
//! (`~/.cargo/registry/index/<registry>/.cache/`): one file per crate, a
//! short header (a format byte, a 4-byte index version, the index file's
//! ETag or last-modified date and a NUL), then NUL-separated pairs of a
//! version and its JSON index line. Only the JSON lines are read.

use std::path::Path;

use anyhow::{Context, Result};
use serde::Deserialize;

/// One JSON line of the crates.io index (the fields the conversion uses).
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct Entry {
    pub name: String,
    pub vers: String,
    #[serde(default)]
    pub deps: Vec<Dep>,
    #[serde(default)]
    pub yanked: bool,
    #[serde(default)]
    pub rust_version: Option<String>,
}

/// A dependency of an [`Entry`].
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct Dep {
    /// The name the dependent uses (a rename when `package` is set).
    pub name: String,
    pub req: String,
    #[serde(default)]
    pub optional: bool,
    /// `normal`, `dev` or `build`; absent means `normal`.
    #[serde(default)]
    pub kind: Option<String>,
    /// The real crate of a renamed dependency.
    #[serde(default)]
    pub package: Option<String>,
    #[serde(default)]
    pub target: Option<String>,
}

/// The entries of one cache file's bytes. Lines that are not JSON objects
/// (the version keys, the header) are skipped; a JSON line this reader
/// cannot understand is an error naming `file`.
pub fn parse(file: &str, bytes: &[u8]) -> Result<Vec<Entry>> {
    bytes
        .get(5..)
        .unwrap_or_default()
        .split(|&b| b == 0)
        .filter(|chunk| chunk.first() == Some(&b'{'))
        .map(|chunk| {
            serde_json::from_slice(chunk)
                .with_context(|| format!("`{file}` has an index line that is not a crate version"))
        })
        .collect()
}

/// Every entry of every file under `dir` (a cargo `.cache` directory), in
/// file-name order.
pub fn read_dir(dir: &Path) -> Result<Vec<Entry>> {
    let mut files: Vec<_> = walkdir::WalkDir::new(dir)
        .sort_by_file_name()
        .into_iter()
        .collect::<Result<_, _>>()
        .with_context(|| format!("cannot list `{}`", dir.display()))?;
    files.retain(|e| e.file_type().is_file());
    let mut out = Vec::new();
    for f in files {
        let bytes = std::fs::read(f.path())
            .with_context(|| format!("cannot read `{}`", f.path().display()))?;
        out.extend(parse(&f.path().display().to_string(), &bytes)?);
    }
    Ok(out)
}

/// The `.cache` directory of crates.io's sparse index under `cargo_home`:
/// the first `index/index.crates.io-*/.cache`.
pub fn default_dir(cargo_home: &Path) -> Option<std::path::PathBuf> {
    let index = cargo_home.join("registry/index");
    let mut dirs: Vec<_> = std::fs::read_dir(&index)
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with("index.crates.io-"))
                && p.join(".cache").is_dir()
        })
        .collect();
    dirs.sort();
    dirs.first().map(|d| d.join(".cache"))
}
