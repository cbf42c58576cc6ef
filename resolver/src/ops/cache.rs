//! `plugres cache dir|clean`: the content-addressed artifact cache.

use serde::Serialize;

use super::{OpsError, Options};
use crate::fetch::ContentCache;

/// Where the cache is, and what was done to it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CacheReport {
    pub dir: String,
    /// `plugres cache clean` removed every cached artifact.
    pub cleaned: bool,
}

/// `plugres cache dir`.
pub fn cache_dir(opts: &Options) -> CacheReport {
    CacheReport {
        dir: opts.cache_dir.display().to_string(),
        cleaned: false,
    }
}

/// `plugres cache clean`: deletes every cached artifact, waiting until no
/// other plugres is using the cache. Installed plugins are not touched.
pub fn cache_clean(opts: &Options) -> Result<CacheReport, OpsError> {
    ContentCache::new(&opts.cache_dir).clean()?;
    Ok(CacheReport {
        dir: opts.cache_dir.display().to_string(),
        cleaned: true,
    })
}
