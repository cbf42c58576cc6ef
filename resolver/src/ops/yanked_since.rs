//! `plugres install` with a current lock reads no index, yet a locked
//! version may have been yanked since the lock was made. When this machine
//! has already accepted a newer snapshot of the index than the one the
//! lock records, the locked plugins are looked up there (from the cache,
//! no network) and every yank is reported with its reason. The locked
//! artifacts are still installed: they are pinned by sha256.

use super::registries::Registries;
use crate::project::{Lockfile, Manifest};

/// Warnings for locked versions yanked after the lock's snapshot.
pub(crate) fn yanked_since(
    manifest: &Manifest,
    lock: &Lockfile,
    registries: &Registries<'_>,
) -> Vec<String> {
    let mut warnings = Vec::new();
    for locked in &lock.registries {
        let Some(at) = locked.snapshot else { continue };
        let Some(spec) = manifest.registries.get(&locked.name) else {
            continue;
        };
        // Best effort: an index not cached (or refused) only means no check.
        // An expired timestamp still tells of yanks it knows: read it anyway.
        let stale_ok;
        let index = match registries.opened(&locked.name) {
            Some(index) => index,
            None => match super::registries::open_cached_stale_ok(spec, registries.options()) {
                Ok(index) => {
                    stale_ok = index;
                    &stale_ok
                }
                Err(_) => continue,
            },
        };
        let Some(now) = index.snapshot_version().filter(|v| *v > at) else {
            continue;
        };
        for p in lock
            .plugins
            .iter()
            .filter(|p| p.registry == locked.name && p.yanked.is_none())
        {
            let Ok(Some(file)) = index.plugin(&p.name) else {
                continue;
            };
            let Some(entry) = file.get(&p.version).filter(|e| e.yanked) else {
                continue;
            };
            let reason = entry
                .yank_reason
                .as_deref()
                .map_or_else(String::new, |r| format!(": {r}"));
            warnings.push(format!(
                "`{} {}` was yanked after plugres.lock was made (snapshot {at}; this machine has seen snapshot {now}){reason}. It is still installed as locked; run `plugres update {}` to move off it",
                p.name, p.version, p.name
            ));
        }
    }
    warnings
}
