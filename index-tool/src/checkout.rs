//! An index checkout: the working tree of an index repository, read and
//! written as index files (config, plugin files, signatures).

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, anyhow, bail};
use plugres_schema::rules::{PluginFileError, verify_plugin_file};
use plugres_schema::{
    CONFIG_PATH, Diagnostic, IndexConfig, PluginFile, PluginName, SigningKey, Verified, index_path,
};

use crate::fsutil::atomic_write;
use crate::git::Repo;

pub struct Checkout {
    pub dir: PathBuf,
    pub git: Repo,
}

/// Formats diagnostics as one error, one problem per line.
pub fn diagnostics_error(diags: &[Diagnostic]) -> anyhow::Error {
    let lines: Vec<String> = diags.iter().map(|d| d.to_string()).collect();
    anyhow!("{}", lines.join("\n"))
}

impl Checkout {
    pub fn open(dir: &Path) -> Result<Checkout> {
        if !dir.join(CONFIG_PATH).is_file() {
            bail!(
                "`{}` is not an index checkout: it has no config.toml\nhint: pass `--index DIR`, or create one with `plugres-index init DIR --engine NAME`",
                dir.display()
            );
        }
        let git = Repo::open(dir)?;
        Ok(Checkout {
            dir: dir.to_path_buf(),
            git,
        })
    }

    /// Bytes of the working-tree file at index path `rel`, if present.
    pub fn read(&self, rel: &str) -> Result<Option<Vec<u8>>> {
        crate::fsutil::read_if_exists(&self.dir, rel)
    }

    /// The config, verified against the root keys it lists itself.
    pub fn load_config(&self) -> Result<(IndexConfig, Verified)> {
        let bytes = self.read(CONFIG_PATH)?.unwrap_or_default();
        let config = IndexConfig::parse(CONFIG_PATH, &bytes).map_err(|d| diagnostics_error(&d))?;
        let sig = self.read(&sig_path(CONFIG_PATH))?.ok_or_else(|| {
            anyhow!("`config.toml.minisig` is missing: the config must be signed by a root key")
        })?;
        let verified = plugres_schema::verify(
            CONFIG_PATH,
            &bytes,
            &sig,
            config.root_keys.iter().map(|k| (&k.id, &k.public)),
        )?;
        Ok((config, verified))
    }

    /// The plugin's file, parsed and verified, or `None` for a new plugin.
    pub fn load_plugin(
        &self,
        config: &IndexConfig,
        name: &PluginName,
    ) -> Result<Option<PluginFile>> {
        let path = index_path(name);
        let Some(bytes) = self.read(&path)? else {
            return Ok(None);
        };
        // Unsigned only where the publish policy lets attestations vouch
        // (the rule says so when it does not).
        let sig = self.read(&sig_path(&path))?;
        // The client's rule for a plugin file, so an edit starts from what
        // clients accept.
        let plugin =
            verify_plugin_file(&path, &bytes, sig.as_deref(), config).map_err(|e| match e {
                PluginFileError::Invalid { diagnostics, .. } => diagnostics_error(&diagnostics),
                e => anyhow::Error::new(e),
            })?;
        Ok(Some(plugin))
    }

    /// Writes `bytes` at `rel` and its signature by `key`, both atomically.
    pub fn write_signed(&self, rel: &str, bytes: &[u8], key: &SigningKey) -> Result<()> {
        let sig = plugres_schema::sign(key, rel, bytes, now_unix()).map_err(anyhow::Error::msg)?;
        let file = self.dir.join(rel);
        atomic_write(&file, bytes).with_context(|| format!("cannot write `{}`", file.display()))?;
        let sig_file = self.dir.join(sig_path(rel));
        atomic_write(&sig_file, sig.as_bytes())
            .with_context(|| format!("cannot write `{}`", sig_file.display()))?;
        Ok(())
    }
}

/// Where the signature of `rel` lives (see [`plugres_schema::signature_path`]).
pub use plugres_schema::signature_path as sig_path;

/// Seconds since the epoch; `SOURCE_DATE_EPOCH` overrides it so generated
/// indexes (the sample, tests) are reproducible.
pub fn now_unix() -> u64 {
    if let Some(t) = std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|s| s.parse().ok())
    {
        return t;
    }
    plugres_schema::time::now()
}

/// RFC 3339 UTC time for `published`.
pub fn now_rfc3339() -> String {
    plugres_schema::time::format_utc(now_unix())
}

/// Finds which publisher key of `config` is `key` (same public key).
pub fn publisher_id_of<'a>(
    config: &'a IndexConfig,
    key: &SigningKey,
) -> Option<&'a plugres_schema::PublisherKey> {
    let public = key.public_base64();
    config
        .publisher_keys
        .iter()
        .find(|k| k.public.as_str() == public)
}

/// Finds which root key of `config` is `key`.
pub fn root_id_of<'a>(
    config: &'a IndexConfig,
    key: &SigningKey,
) -> Option<&'a plugres_schema::RootKey> {
    let public = key.public_base64();
    config
        .root_keys
        .iter()
        .find(|k| k.public.as_str() == public)
}
