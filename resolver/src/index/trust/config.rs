//! Which `config.toml` to trust: the root role and its rotation.
//!
//! On first use the config must be signed by a key pinned in plugres.toml.
//! After that, only the root keys of the last accepted config may sign the
//! next one. The rules themselves are the index tool's too:
//! [`plugres_schema::rules::accept_config`]; this module decides which
//! config to check against them, and when.

use plugres_schema::rules::{
    ConfigRuleError, PreviousConfig, VersionRuleError, accept_config_with,
};
use plugres_schema::{
    CONFIG_PATH, IndexConfig, KeyId, PublicKey, RoleKey, Sha256, Snapshot, UnknownFields,
    signature_path,
};

use super::{Ctx, Pair, Seen, listed};
use crate::index::IndexError;

/// The config trusted now, with the bytes it was accepted from.
#[derive(Debug, Clone)]
pub(crate) struct Current {
    pub config: IndexConfig,
    pub pair: Pair,
}

/// The kept config of an earlier run (accepted then; local state is
/// trusted). Read as leniently as when it was accepted, so a config with
/// a field this plugres does not know stays the one rotations start from.
pub(crate) fn parse_kept(pair: Pair) -> Option<Current> {
    let config = IndexConfig::parse_with(CONFIG_PATH, &pair.bytes, UnknownFields::Ignore)
        .ok()?
        .value;
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
    accept(ctx, &pinned_roots(pinned), None, pair, seen)
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
    *current = accept(ctx, &current.config.root_keys, Some(current), pair, seen)?;
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
    let sig_path = signature_path(CONFIG_PATH);
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
    *current = accept(ctx, &current.config.root_keys, Some(current), pair, seen)?;
    Ok(())
}

/// The pinned keys as root keys (ids by position: a pinned key has none).
fn pinned_roots(pinned: &[PublicKey]) -> Vec<RoleKey> {
    pinned
        .iter()
        .enumerate()
        .filter_map(|(i, public)| {
            let id = KeyId::new(&format!("pinned-root-key-{}", i + 1)).ok()?;
            Some(RoleKey {
                id,
                public: public.clone(),
            })
        })
        .collect()
}

/// Accepts `pair` as the config by the root rules
/// ([`plugres_schema::rules::accept_config`]) when the `trusted` root keys
/// are trusted and `previous` is the config trusted so far.
fn accept(
    ctx: &Ctx<'_>,
    trusted: &[RoleKey],
    previous: Option<&Current>,
    pair: Pair,
    seen: Seen,
) -> Result<Current, IndexError> {
    let before = previous.map(|p| PreviousConfig {
        config: &p.config,
        bytes: &p.pair.bytes,
    });
    let accepted = accept_config_with(
        trusted,
        before,
        seen.config,
        &pair.bytes,
        &pair.signature,
        UnknownFields::Ignore,
    )
    .map_err(|e| refused(ctx, trusted, e))?;
    ctx.notices.report(&accepted.unknown);
    Ok(Current {
        config: accepted.value,
        pair,
    })
}

/// The client's error for a config the root rules refuse.
fn refused(ctx: &Ctx<'_>, trusted: &[RoleKey], e: ConfigRuleError) -> IndexError {
    let (registry, index) = (ctx.registry.to_string(), ctx.index.clone());
    match e {
        ConfigRuleError::NotTrusted(_) => IndexError::ConfigNotTrusted {
            registry,
            index,
            pinned: if trusted.is_empty() {
                "none".to_string()
            } else {
                let keys: Vec<String> = trusted.iter().map(|k| format!("`{}`", k.public)).collect();
                keys.join(", ")
            },
        },
        ConfigRuleError::Signature(source) => ctx.signature(source),
        ConfigRuleError::Invalid(d) => ctx.invalid(CONFIG_PATH, d),
        ConfigRuleError::NewRootNotSigned { key } => IndexError::RotationNotSigned {
            registry,
            index,
            key: key.to_string(),
        },
        ConfigRuleError::RootRetired { signer } => IndexError::RootKeyRetired {
            registry,
            index,
            key: signer.to_string(),
        },
        ConfigRuleError::Version(VersionRuleError::Rollback { found, floor }) => {
            ctx.rollback(CONFIG_PATH, found, floor)
        }
        ConfigRuleError::Version(VersionRuleError::Reused { version }) => {
            IndexError::ConfigVersionReused {
                registry,
                index,
                version,
            }
        }
        ConfigRuleError::EngineChanged { from, to } => IndexError::EngineChanged {
            registry,
            index,
            from,
            to,
        },
    }
}
