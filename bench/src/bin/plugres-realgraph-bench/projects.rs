//! The data on disk and the two projects per root set: a plugres project
//! (`plugres.toml`) and a cargo package (`Cargo.toml`) asking for the same
//! roots, and the cargo home whose config points crates.io at our registry.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use plugres_bench::realgraph::{Graph, write};
use semver::Version;

use crate::sets::RootSet;

/// The root package of every cargo project (no crate of the graph has it).
pub(crate) const CARGO_ROOT: &str = "realgraph-bench-root";

/// Where the benchmark's data lives.
pub(crate) struct Data {
    pub(crate) work: PathBuf,
    /// Served by nginx in `--sparse`: `plugres/` and `cargo/index/`.
    pub(crate) serve: PathBuf,
    pub(crate) written: write::Written,
}

impl Data {
    /// Writes the plugres index and the cargo registry of `graph` under `work`.
    pub(crate) fn write(work: &Path, graph: &Graph) -> Result<Data> {
        let serve = work.join("serve");
        if serve.exists() {
            std::fs::remove_dir_all(&serve)
                .with_context(|| format!("cannot remove `{}`", serve.display()))?;
        }
        let stamp = plugres_index::checkout::now_unix();
        let written = write::plugres_index(&serve.join("plugres"), graph, stamp)?;
        if !written.too_big.is_empty() {
            bail!(
                "plugin files over the size limit: {} (the graph would differ between plugres and cargo)",
                written.too_big.join(", ")
            );
        }
        write::cargo_registry(&serve.join("cargo/index"), graph, "http://127.0.0.1/unused")?;
        Ok(Data {
            work: work.to_path_buf(),
            serve,
            written,
        })
    }

    pub(crate) fn plugres_index(&self) -> PathBuf {
        self.serve.join("plugres")
    }

    /// The local registry's root (its `index/` is the registry index).
    pub(crate) fn cargo_registry(&self) -> PathBuf {
        self.serve.join("cargo")
    }
}

/// A new project dir `dir` whose plugres.toml asks for `set`'s roots from
/// `location`, pinning `root_key`.
pub(crate) fn plugres_project(
    dir: &Path,
    set: &RootSet,
    location: &str,
    root_key: &str,
    engine: &Version,
) -> Result<()> {
    fresh_dir(dir)?;
    let mut text = format!(
        "[engine]\nversion = {}\n\n[registry.default]\nindex = {}\nroot-keys = [{}]\n\n[plugins]\n",
        quoted(&engine.to_string()),
        quoted(location),
        quoted(root_key)
    );
    for (name, req) in &set.roots {
        text.push_str(&format!("{name} = {}\n", quoted(&req.to_string())));
    }
    write_file(&dir.join("plugres.toml"), &text)
}

/// A new cargo package at `dir` depending on `set`'s roots; edition 2024,
/// so cargo's resolver prefers versions whose `rust-version` fits `engine`.
pub(crate) fn cargo_project(dir: &Path, set: &RootSet, engine: &Version) -> Result<()> {
    fresh_dir(dir)?;
    let mut text = format!(
        "[package]\nname = \"{CARGO_ROOT}\"\nversion = \"0.0.0\"\nedition = \"2024\"\nrust-version = \"{}.{}\"\npublish = false\n\n[dependencies]\n",
        engine.major, engine.minor
    );
    for (name, req) in &set.roots {
        text.push_str(&format!("{name} = {}\n", quoted(&req.to_string())));
    }
    write_file(&dir.join("Cargo.toml"), &text)?;
    std::fs::create_dir_all(dir.join("src")).context("cannot create src/")?;
    write_file(&dir.join("src/lib.rs"), "")
}

/// A new `CARGO_HOME` at `home` whose crates.io is `source` (a
/// `local-registry = "..."` or `registry = "sparse+..."` line).
pub(crate) fn cargo_home(home: &Path, source: &str) -> Result<()> {
    fresh_dir(home)?;
    let text = format!(
        "[source.crates-io]\nreplace-with = \"realgraph\"\n\n[source.realgraph]\n{source}\n"
    );
    write_file(&home.join("config.toml"), &text)
}

/// `(name, version)` of every package in a `plugres.lock` or `Cargo.lock`
/// (the cargo root package left out).
pub(crate) fn locked(lock: &Path) -> Result<Vec<(String, String)>> {
    let text = std::fs::read_to_string(lock)
        .with_context(|| format!("cannot read `{}`", lock.display()))?;
    let doc: toml::Table =
        toml::from_str(&text).with_context(|| format!("`{}` is not TOML", lock.display()))?;
    let list = doc
        .get("plugin")
        .or_else(|| doc.get("package"))
        .and_then(toml::Value::as_array)
        .cloned()
        .unwrap_or_default();
    Ok(list
        .iter()
        .filter_map(|p| {
            Some((
                p.get("name")?.as_str()?.to_string(),
                p.get("version")?.as_str()?.to_string(),
            ))
        })
        .filter(|(n, _)| n != CARGO_ROOT)
        .collect())
}

/// How two solutions compare: packages in each, cargo's distinct names, and
/// the names both lock at the same version.
#[derive(Debug, Clone, Default)]
pub(crate) struct Agreement {
    pub(crate) plugres: usize,
    pub(crate) cargo: usize,
    pub(crate) cargo_names: usize,
    pub(crate) same: usize,
}

pub(crate) fn agreement(plugres: &[(String, String)], cargo: &[(String, String)]) -> Agreement {
    let mut by_name: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (n, v) in cargo {
        by_name.entry(n).or_default().push(v);
    }
    let same = plugres
        .iter()
        .filter(|(n, v)| {
            by_name
                .get(n.as_str())
                .is_some_and(|vs| vs.contains(&v.as_str()))
        })
        .count();
    Agreement {
        plugres: plugres.len(),
        cargo: cargo.len(),
        cargo_names: by_name.len(),
        same,
    }
}

fn fresh_dir(dir: &Path) -> Result<()> {
    if dir.exists() {
        std::fs::remove_dir_all(dir)
            .with_context(|| format!("cannot remove `{}`", dir.display()))?;
    }
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create `{}`", dir.display()))
}

fn write_file(path: &Path, text: &str) -> Result<()> {
    std::fs::write(path, text).with_context(|| format!("cannot write `{}`", path.display()))
}

/// `s` as a TOML basic string.
pub(crate) fn quoted(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}
