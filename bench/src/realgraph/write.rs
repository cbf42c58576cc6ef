//! A [`Graph`] on disk, twice: a signed plugres index and a cargo registry
//! index with the same packages.
//!
//! The plugres index is written like [`crate::synth`] writes its indexes
//! (schema values rendered and signed with fresh minisign keys, in parallel,
//! then a snapshot and timestamp signed by an online key), with engine
//! [`ENGINE`]; every version names one made-up `any` artifact (a lock
//! downloads nothing). The cargo side is cargo's registry index layout
//! (`1/`, `2/`, `3/a/`, `ab/cd/`), one JSON line per version, usable as the
//! `index/` of a local registry and, with a `config.json`, as a sparse
//! registry.

use std::path::Path;

use anyhow::{Context, Result};
use plugres_index::checkout::sig_path;
use plugres_index::trust;
use plugres_schema::{
    Artifact, CONFIG_PATH, PluginFile, PluginName, Sha256, SigningKey, Target, Version,
    VersionEntry, index_path, render,
};
use rayon::prelude::*;

use super::{ENGINE, Graph, Release};

/// How long the timestamp stays valid (the index is rebuilt on each run).
const TIMESTAMP_EXPIRY: u64 = 7 * 86_400;

/// What a client needs to use the written plugres index.
#[derive(Debug, Clone)]
pub struct Written {
    /// The root key that signed `config.toml`: what a project pins.
    pub root_public_key: String,
    /// Plugin files written (crates whose file fits the size limit).
    pub plugins: usize,
    /// Crates left out because their plugin file exceeds the size limit.
    pub too_big: Vec<String>,
}

/// Writes `graph` as a signed plugres index (trust layer) into `dir`.
pub fn plugres_index(dir: &Path, graph: &Graph, stamp: u64) -> Result<Written> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create `{}`", dir.display()))?;
    let key = |_| plugres_schema::generate_key_files(None).map_err(anyhow::Error::msg);
    let keys: Vec<(String, String, String)> = (0..3).map(key).collect::<Result<_>>()?;
    let signing = |text: &str| SigningKey::from_key_text(text, None).map_err(anyhow::Error::msg);
    let (root, publisher, online) = (
        signing(&keys[0].2)?,
        signing(&keys[1].2)?,
        signing(&keys[2].2)?,
    );
    let me = crate::synth::BenchIndex {
        name: "realgraph",
        engine: ENGINE,
        description: "crates.io entries from a cargo cache, for benchmarks",
        timestamp_expiry: TIMESTAMP_EXPIRY,
    };
    let config = crate::synth::bench_config(&me, &keys[0].0, &keys[1].0, &keys[2].0)?;
    write_signed(
        dir,
        CONFIG_PATH,
        &render::config_file(&config),
        &root,
        stamp,
    )?;
    let results: Vec<Result<Option<String>>> = graph
        .crates
        .par_iter()
        .map(|(name, releases)| {
            let file = plugin_file(name, releases)?;
            let text = render::plugin_file(&file);
            if text.len() > plugres_schema::MAX_FILE_SIZE {
                return Ok(Some(name.clone()));
            }
            let path = index_path(&file.name);
            let full = dir.join(&path);
            if let Some(parent) = full.parent() {
                std::fs::create_dir_all(parent)
                    .with_context(|| format!("cannot create `{}`", parent.display()))?;
            }
            write_signed(dir, &path, &text, &publisher, stamp)?;
            Ok(None)
        })
        .collect();
    let mut too_big = Vec::new();
    for r in results {
        too_big.extend(r?);
    }
    trust::write_snapshot(dir, &online, trust::Bins::Auto, stamp)?;
    trust::write_timestamp(dir, &config, &online, TIMESTAMP_EXPIRY, stamp)?;
    Ok(Written {
        root_public_key: keys[0].0.clone(),
        plugins: graph.crates.len() - too_big.len(),
        too_big,
    })
}

fn write_signed(dir: &Path, rel: &str, text: &str, key: &SigningKey, stamp: u64) -> Result<()> {
    let sig = plugres_schema::sign(key, rel, text.as_bytes(), stamp).map_err(anyhow::Error::msg)?;
    for (path, bytes) in [(rel.to_string(), text), (sig_path(rel), sig.as_str())] {
        let full = dir.join(&path);
        std::fs::write(&full, bytes)
            .with_context(|| format!("cannot write `{}`", full.display()))?;
    }
    Ok(())
}

fn plugin_file(name: &str, releases: &[Release]) -> Result<PluginFile> {
    let name = PluginName::new(name).map_err(anyhow::Error::msg)?;
    let versions = releases
        .iter()
        .map(|r| {
            let version = Version::from(r.version.clone());
            let sha256 = Sha256::of(format!("{name}:{version}").as_bytes());
            let dependencies = r
                .deps
                .iter()
                .map(|(n, q)| Ok((PluginName::new(n).map_err(anyhow::Error::msg)?, q.clone())))
                .collect::<Result<_>>()?;
            Ok(VersionEntry {
                artifacts: vec![Artifact {
                    target: Target::new(Target::ANY).map_err(anyhow::Error::msg)?,
                    url: format!("https://cdn.invalid/{name}/{version}/{name}.wasm"),
                    sha256,
                    size: 4096,
                }],
                version,
                engine: r.engine.clone(),
                published: "2026-01-01T00:00:00Z".to_string(),
                permissions: Vec::new(),
                yanked: r.yanked,
                yank_reason: None,
                dependencies,
                settings: Default::default(),
                readme: None,
                attestation: None,
                span: 0..0,
            })
        })
        .collect::<Result<_>>()?;
    Ok(PluginFile {
        description: format!("The crate `{name}` from crates.io"),
        name,
        license: None,
        repository: None,
        homepage: None,
        authors: Vec::new(),
        support: None,
        keywords: Vec::new(),
        categories: Vec::new(),
        deprecated: None,
        channels: Default::default(),
        versions,
    })
}

/// Where cargo's registry index keeps `name` (lowercase).
pub fn cargo_index_path(name: &str) -> String {
    match name.len() {
        1 => format!("1/{name}"),
        2 => format!("2/{name}"),
        3 => format!("3/{}/{name}", &name[..1]),
        _ => format!("{}/{}/{name}", &name[..2], &name[2..4]),
    }
}

/// One line of cargo's registry index for `release` of `name`.
pub fn cargo_index_line(name: &str, release: &Release) -> String {
    let deps: Vec<serde_json::Value> = release
        .deps
        .iter()
        .map(|(dep, req)| {
            serde_json::json!({
                "name": dep, "req": req.to_string(), "features": [], "optional": false,
                "default_features": true, "target": null, "kind": "normal",
            })
        })
        .collect();
    let cksum = Sha256::of(format!("{name}:{}", release.version).as_bytes()).to_hex();
    let mut line = serde_json::json!({
        "name": name, "vers": release.version.to_string(), "deps": deps,
        "cksum": cksum, "features": {}, "yanked": release.yanked,
    });
    if let Some(rv) = &release.rust_version {
        line["rust_version"] = serde_json::Value::String(rv.clone());
    }
    line.to_string()
}

/// Writes `graph` as cargo's registry index layout under `index`, with a
/// `config.json` naming `dl` for a sparse registry.
pub fn cargo_registry(index: &Path, graph: &Graph, dl: &str) -> Result<()> {
    for (name, releases) in &graph.crates {
        let full = index.join(cargo_index_path(name));
        if let Some(parent) = full.parent() {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("cannot create `{}`", parent.display()))?;
        }
        let mut text = String::new();
        for r in releases {
            text.push_str(&cargo_index_line(name, r));
            text.push('\n');
        }
        std::fs::write(&full, text)
            .with_context(|| format!("cannot write `{}`", full.display()))?;
    }
    let config = serde_json::json!({ "dl": dl });
    let path = index.join("config.json");
    std::fs::write(&path, config.to_string())
        .with_context(|| format!("cannot write `{}`", path.display()))
}
