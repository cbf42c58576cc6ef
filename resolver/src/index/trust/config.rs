//! Which `config.toml` to trust: the root role and its rotation.
//!
//! On first use the config must be signed by a key pinned in plugres.toml.
//! After that, only the root keys of the last accepted config may sign the
//! next one (so a retired, maybe leaked, root key stops counting even if a
//! project still pins it), every root key a new config adds must have
//! signed it too (proof that its holder took part), and its `version` may
//! not go down.

use plugres_schema::{
    CONFIG_PATH, IndexConfig, PublicKey, SIGNATURE_SUFFIX, Sha256, SignatureError, Snapshot,
};

use super::{Ctx, Pair, Seen, listed};
use crate::index::IndexError;

/// The config trusted now, with the bytes it was accepted from.
#[derive(Debug, Clone)]
pub(crate) struct Current {
    pub config: IndexConfig,
    pub pair: Pair,
}

/// The kept config of an earlier run (accepted then; local state is trusted).
pub(crate) fn parse_kept(pair: Pair) -> Option<Current> {
    let config = IndexConfig::parse(CONFIG_PATH, &pair.bytes).ok()?;
    Some(Current { config, pair })
}

/// First contact: the config must be signed by a pinned key.
pub(crate) fn first_use(
    ctx: &Ctx<'_>,
    pinned: &[PublicKey],
    seen: Seen,
) -> Result<Current, IndexError> {
    let pair = ctx
        .read_pair(CONFIG_PATH)?
        .ok_or_else(|| IndexError::MissingConfig {
            registry: ctx.registry.to_string(),
            index: ctx.index.clone(),
        })?;
    accept(ctx, pinned, None, pair, seen)
}

/// Re-reads the config (an index without a snapshot has nothing else that
/// says when it changed) and accepts a changed one by the rotation rules.
pub(crate) fn refresh(
    ctx: &Ctx<'_>,
    mut current: Current,
    seen: Seen,
) -> Result<Current, IndexError> {
    refresh_changed(ctx, &mut current, seen)?;
    Ok(current)
}

/// Like [`refresh`], in place; whether the config changed.
pub(crate) fn refresh_changed(
    ctx: &Ctx<'_>,
    current: &mut Current,
    seen: Seen,
) -> Result<bool, IndexError> {
    let Some(bytes) = ctx.backend.read(CONFIG_PATH)? else {
        return Err(IndexError::MissingConfig {
            registry: ctx.registry.to_string(),
            index: ctx.index.clone(),
        });
    };
    // The same bytes are the same config: its signature need not be read.
    if bytes == current.pair.bytes {
        return Ok(false);
    }
    let signature = ctx.read_signature(CONFIG_PATH)?;
    let pair = Pair { bytes, signature };
    *current = accept(ctx, &roots(&current.config), Some(current), pair, seen)?;
    Ok(true)
}

/// Makes `current` the config the snapshot lists: unchanged when the
/// digests match, else fetched pinned to them and accepted by the
/// rotation rules.
pub(crate) fn follow_snapshot(
    ctx: &Ctx<'_>,
    current: &mut Current,
    snapshot: &Snapshot,
    seen: Seen,
) -> Result<(), IndexError> {
    let sig_path = format!("{CONFIG_PATH}{SIGNATURE_SUFFIX}");
    let (Some(want), Some(want_sig)) = (listed(snapshot, CONFIG_PATH), listed(snapshot, &sig_path))
    else {
        let msg = "does not list `config.toml` and its signature";
        let d = plugres_schema::Diagnostic::file_error(plugres_schema::SNAPSHOT_PATH, msg);
        return Err(ctx.invalid(plugres_schema::SNAPSHOT_PATH, vec![d]));
    };
    if Sha256::of(&current.pair.bytes) == want && Sha256::of(&current.pair.signature) == want_sig {
        return Ok(());
    }
    ctx.backend.pin(&[
        (CONFIG_PATH.to_string(), want),
        (sig_path.clone(), want_sig),
    ]);
    let pair = ctx
        .read_pair(CONFIG_PATH)?
        .ok_or_else(|| IndexError::MissingFromSnapshot {
            registry: ctx.registry.to_string(),
            index: ctx.index.clone(),
            path: CONFIG_PATH.to_string(),
            snapshot: snapshot.version,
        })?;
    ctx.check_digest(CONFIG_PATH, snapshot.version, &pair.bytes, want)?;
    ctx.check_digest(&sig_path, snapshot.version, &pair.signature, want_sig)?;
    *current = accept(ctx, &roots(&current.config), Some(current), pair, seen)?;
    Ok(())
}

fn roots(config: &IndexConfig) -> Vec<PublicKey> {
    config.root_keys.iter().map(|k| k.public.clone()).collect()
}

/// Accepts `pair` as the config if `trusted` keys signed it, every root
/// key it adds signed it, it lists one of its signers as a root key, and
/// its version does not go back.
fn accept(
    ctx: &Ctx<'_>,
    trusted: &[PublicKey],
    previous: Option<&Current>,
    pair: Pair,
    seen: Seen,
) -> Result<Current, IndexError> {
    let signers = trusted_signers(ctx, trusted, &pair)?;
    let config =
        IndexConfig::parse(CONFIG_PATH, &pair.bytes).map_err(|d| ctx.invalid(CONFIG_PATH, d))?;
    for key in config
        .root_keys
        .iter()
        .filter(|k| !trusted.contains(&k.public))
    {
        let one = [(&key.id, &key.public)];
        if plugres_schema::signers(CONFIG_PATH, &pair.bytes, &pair.signature, one).is_err() {
            return Err(IndexError::RotationNotSigned {
                registry: ctx.registry.to_string(),
                index: ctx.index.clone(),
                key: key.id.to_string(),
            });
        }
    }
    let listed_signer = signers
        .iter()
        .any(|s| config.root_keys.iter().any(|k| &k.public == s));
    let new_root_signed = config
        .root_keys
        .iter()
        .any(|k| !trusted.contains(&k.public));
    if !listed_signer && !new_root_signed {
        return Err(IndexError::RootKeyRetired {
            registry: ctx.registry.to_string(),
            index: ctx.index.clone(),
            key: signers.first().map(ToString::to_string).unwrap_or_default(),
        });
    }
    let floor = previous.map_or(seen.config, |p| p.config.version.max(seen.config));
    if config.version < floor {
        return Err(ctx.rollback(CONFIG_PATH, config.version, floor));
    }
    if let Some(p) = previous
        && config.version == p.config.version
        && pair.bytes != p.pair.bytes
    {
        return Err(IndexError::ConfigVersionReused {
            registry: ctx.registry.to_string(),
            index: ctx.index.clone(),
            version: config.version,
        });
    }
    Ok(Current { config, pair })
}

/// The `trusted` keys that signed the config; at least one.
fn trusted_signers(
    ctx: &Ctx<'_>,
    trusted: &[PublicKey],
    pair: &Pair,
) -> Result<Vec<PublicKey>, IndexError> {
    let ids: Vec<plugres_schema::KeyId> = (1..=trusted.len())
        .filter_map(|i| plugres_schema::KeyId::new(&format!("trusted-root-key-{i}")).ok())
        .collect();
    match plugres_schema::signers(
        CONFIG_PATH,
        &pair.bytes,
        &pair.signature,
        ids.iter().zip(trusted),
    ) {
        Ok(found) => Ok(found
            .iter()
            .filter_map(|v| ids.iter().position(|id| id == &v.key_id))
            .filter_map(|i| trusted.get(i).cloned())
            .collect()),
        Err(SignatureError::UntrustedKey { .. }) => Err(IndexError::ConfigNotTrusted {
            registry: ctx.registry.to_string(),
            index: ctx.index.clone(),
            pinned: if trusted.is_empty() {
                "none".to_string()
            } else {
                trusted
                    .iter()
                    .map(|k| format!("`{k}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            },
        }),
        Err(source) => Err(ctx.signature(source)),
    }
}
