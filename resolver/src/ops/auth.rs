//! Which bearer token goes with which artifact download.
//!
//! A private registry's token (see [`crate::credentials`]) is sent only
//! under its index URL and its config's `artifact-base` (origin and path
//! prefix), and to no other host or folder. The `artifact-base` comes from the verified config of the
//! index as cached (or local): installing from a lock needs no network for
//! the index, so none is used to decide where a token may go.

use super::OpsError;
use super::registries::Registries;
use crate::credentials::{Binding, Scope, TokenScopes};
use crate::fetch::TokenLookup;
use crate::project::{IndexLocation, Lockfile, Manifest};

/// The token lookup for downloading the artifacts of `lock`; `None` when
/// no registry it uses has a token.
pub(crate) fn artifact_tokens(
    manifest: &Manifest,
    lock: &Lockfile,
    registries: &Registries<'_>,
) -> Result<Option<Box<TokenLookup>>, OpsError> {
    let mut used: Vec<&str> = lock.plugins.iter().map(|p| p.registry.as_str()).collect();
    used.sort_unstable();
    used.dedup();
    let mut scopes = TokenScopes::default();
    for name in used {
        let Some(spec) = manifest.registries.get(name) else {
            continue;
        };
        let Binding::Bound(token) = super::registries::token(spec, registries.options())? else {
            continue;
        };
        let mut scoped: Vec<Scope> = Vec::new();
        match &spec.location {
            IndexLocation::Sparse(url) | IndexLocation::Git(url) => {
                scoped.extend(Scope::index(url));
            }
            IndexLocation::Path(_) => {}
        }
        // Best effort: without a cached config, only the index's folder.
        if let Ok(index) = registries.cached(name)
            && let Some(base) = &index.config().artifact_base
        {
            scoped.extend(Scope::folder(base));
        }
        for scope in scoped {
            scopes.allow(name, scope, &token);
        }
    }
    if scopes.is_empty() {
        return Ok(None);
    }
    Ok(Some(Box::new(move |url: &str| {
        scopes.token_for(url).map(|t| t.expose().to_string())
    })))
}
