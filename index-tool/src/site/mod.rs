//! `plugres-index site OUT`: a static web catalog of the index (README
//! "A web catalog"). The index is the data and any static host serves the
//! result: a home page that searches as you type (a small script over
//! `catalog.js`, no build step, no CDN), one page per plugin, and a plain
//! list that needs no script. Links are relative, so the site works from
//! `file://`, a subfolder or a domain root; the same index gives the same
//! bytes.
//!
//! Every publisher-controlled string reaches HTML through minijinja's
//! auto-escaping, reaches the script as JSON in a file of its own (never
//! inside a `<script>` element), and only `http(s)://` URLs become links
//! (`model::safe_link`). A readme is the one publisher text a page takes
//! as HTML: the newest version's, read back only when it is the file its
//! signed entry hashes, rendered from Markdown and sanitized
//! (`markdown::to_safe_html`).

mod markdown;
mod model;
mod render;
#[cfg(test)]
mod tests;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use plugres_schema::{IndexConfig, PluginFile, name_from_index_path, signature_path};

use crate::checkout::diagnostics_error;
use crate::validate::files::check_file;

pub use model::SitePlugin;

/// What `site` wrote.
#[derive(Debug, serde::Serialize)]
pub struct SiteReport {
    pub out: PathBuf,
    pub plugins: usize,
    pub files: usize,
}

/// Builds the site of the index at `index` into `out` (created; files the
/// site writes are replaced, others left alone). Every plugin file must
/// verify and validate, as `validate` checks it: a site is built only from
/// an index clients would accept.
pub fn build(index: &Path, out: &Path) -> Result<SiteReport> {
    let config = load_config(index)?;
    let files = load_plugins(index, &config)?;
    let mut readmes = load_readmes(index, &files)?;
    let mut plugins = model::plugins(files);
    for p in &mut plugins {
        p.readme = readmes.remove(&p.name);
    }
    let pages = render::site(&config, &plugins)?;
    for (rel, bytes) in &pages {
        let path = out.join(rel);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("cannot create `{}`", dir.display()))?;
        }
        plugres_fs::atomic_write(&path, bytes)
            .with_context(|| format!("cannot write `{}`", path.display()))?;
    }
    Ok(SiteReport {
        out: out.to_path_buf(),
        plugins: plugins.len(),
        files: pages.len(),
    })
}

fn load_config(index: &Path) -> Result<IndexConfig> {
    let read = |rel: &str| {
        std::fs::read(index.join(rel))
            .with_context(|| format!("cannot read `{}`", index.join(rel).display()))
    };
    let bytes = read("config.toml").context("not an index (no config.toml); pass `--index DIR`")?;
    let config = IndexConfig::parse("config.toml", &bytes).map_err(|d| diagnostics_error(&d))?;
    let sig = read("config.toml.minisig")?;
    plugres_schema::verify(
        "config.toml",
        &bytes,
        &sig,
        config.root_keys.iter().map(|k| (&k.id, &k.public)),
    )?;
    Ok(config)
}

/// Every plugin file, checked as `validate` checks it, with the id of the
/// publisher key that signed it.
fn load_plugins(index: &Path, config: &IndexConfig) -> Result<Vec<(PluginFile, model::Signer)>> {
    let mut paths: Vec<String> = walkdir::WalkDir::new(index.join("plugins"))
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .filter_map(|e| {
            let rel = e
                .path()
                .strip_prefix(index)
                .ok()?
                .to_str()?
                .replace('\\', "/");
            rel.ends_with(".toml").then_some(rel)
        })
        .collect();
    paths.sort();
    let mut out = Vec::new();
    for path in paths {
        let checked = check_file(index, &path, config);
        let mut errors = checked
            .diagnostics
            .iter()
            .filter(|d| d.severity == plugres_schema::Severity::Error);
        if let Some(d) = errors.next() {
            bail!(
                "{d}\nhint: the site is built only from a valid index; run `plugres-index validate`"
            );
        }
        let (Some(file), Some(name)) = (checked.plugin, name_from_index_path(&path)) else {
            continue;
        };
        out.push((file, signed_by(index, config, &path, &name)?));
    }
    Ok(out)
}

/// Who vouches for the plugin file at `path`: the publisher key that signed
/// it, or (unsigned, where the publish policy lets attestations vouch,
/// which `check_file` verified) its trusted publishers.
fn signed_by(
    index: &Path,
    config: &IndexConfig,
    path: &str,
    name: &plugres_schema::PluginName,
) -> Result<model::Signer> {
    let sig_file = index.join(signature_path(path));
    if !sig_file.exists() {
        let ids: Vec<String> = config
            .trusted_publishers_for(name)
            .map(|t| t.id.to_string())
            .collect();
        return Ok(model::Signer {
            kind: "trusted publisher",
            id: ids.join(", "),
        });
    }
    let bytes = std::fs::read(index.join(path))?;
    let sig = std::fs::read(sig_file)?;
    let signer = plugres_schema::verify(
        path,
        &bytes,
        &sig,
        config.publishers_for(name).map(|k| (&k.id, &k.public)),
    )?;
    Ok(model::Signer::key(signer.key_id.as_str()))
}

/// The readme of each plugin's leading version (`model::latest`), as its
/// page shows it, by plugin name. Each is read back and checked against
/// its signed entry here, the bytes checked being the bytes rendered: a
/// readme changed since `validate` fails the build like a bad plugin file.
fn load_readmes(
    index: &Path,
    files: &[(PluginFile, model::Signer)],
) -> Result<BTreeMap<String, model::PageReadme>> {
    let mut out = BTreeMap::new();
    for (file, _) in files {
        let Some(v) = model::latest(file) else {
            continue;
        };
        let Some(text) = crate::readme::check_stored(index, &file.name, v) else {
            continue;
        };
        let text = text.map_err(|problem| {
            anyhow::anyhow!(
                "{}: {problem}\nhint: the site is built only from a valid index; run `plugres-index validate`",
                plugres_schema::index_path(&file.name)
            )
        })?;
        let page = model::PageReadme {
            version: v.version.to_string(),
            html: markdown::to_safe_html(&text),
        };
        out.insert(file.name.to_string(), page);
    }
    Ok(out)
}
