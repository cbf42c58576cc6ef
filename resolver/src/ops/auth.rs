//! Which bearer token goes with which artifact download.
//!
//! A private registry's token (see [`crate::credentials`]) is sent to the
//! origins of its index URL and of its config's `artifact-base`, and to no
//! other host. The `artifact-base` comes from the verified config of the
//! index as cached (or local): installing from a lock needs no network for
//! the index, so none is used to decide where a token may go.

use super::{OpsError, Options, registries};
use crate::credentials::TokenScopes;
use crate::fetch::TokenLookup;
use crate::project::{IndexLocation, Lockfile, Manifest};

/// The token lookup for downloading the artifacts of `lock`; `None` when
/// no registry it uses has a token.
pub(crate) fn artifact_tokens(
    manifest: &Manifest,
    lock: &Lockfile,
    opts: &Options,
) -> Result<Option<Box<TokenLookup>>, OpsError> {
    let mut used: Vec<&str> = lock.plugins.iter().map(|p| p.registry.as_str()).collect();
    used.sort_unstable();
    used.dedup();
    let mut scopes = TokenScopes::default();
    for name in used {
        let Some(spec) = manifest.registries.get(name) else {
            continue;
        };
        let Some(token) = registries::token(spec, opts)? else {
            continue;
        };
        let mut urls: Vec<String> = Vec::new();
        match &spec.location {
            IndexLocation::Sparse(url) | IndexLocation::Git(url) => urls.push(url.clone()),
            IndexLocation::Path(_) => {}
        }
        // Best effort: without a cached config, only the index's origin.
        if let Ok(index) = registries::open_cached(spec, opts)
            && let Some(base) = &index.config().artifact_base
        {
            urls.push(base.clone());
        }
        let refs: Vec<&str> = urls.iter().map(String::as_str).collect();
        scopes.allow(&refs, &token);
    }
    if scopes.is_empty() {
        return Ok(None);
    }
    Ok(Some(Box::new(move |url: &str| {
        scopes.token_for(url).map(|t| t.expose().to_string())
    })))
}
