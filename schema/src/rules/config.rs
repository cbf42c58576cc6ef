//! The rule for `config.toml`, the root role: which config may follow the
//! trusted one.
//!
//! On first use the trusted keys are the ones a project pinned; after that,
//! only the root keys of the last trusted config count (a retired, maybe
//! leaked, root key stops counting even where a project still pins it).
//! Every root key a new config adds must have signed it too (proof that its
//! holder took part), one of its signers must still be a root key of it
//! (or a new root key signed it: a rotation), its `version` is raised by
//! every change and never lowered, and the engine it serves never changes.

use super::roles::{VersionRuleError, check_version};
use crate::config::IndexConfig;
use crate::diag::Diagnostic;
use crate::keys::{KeyId, PublicKey, RoleKey};
use crate::path::CONFIG_PATH;
use crate::sign::{SignatureError, signers};
use crate::unknown::{Parsed, UnknownFields};

/// The config trusted before the candidate, with its bytes.
#[derive(Debug, Clone, Copy)]
pub struct PreviousConfig<'a> {
    pub config: &'a IndexConfig,
    pub bytes: &'a [u8],
}

/// A rule a candidate config breaks.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigRuleError {
    /// No trusted key signed it (the signature names who did).
    #[error("config.toml is not signed by a trusted root key: {0}")]
    NotTrusted(SignatureError),
    #[error(transparent)]
    Signature(SignatureError),
    #[error("config.toml is not a valid config ({} problems)", .0.len())]
    Invalid(Vec<Diagnostic>),
    /// A root key the config adds did not sign it.
    #[error("root key `{key}` is new but did not sign config.toml")]
    NewRootNotSigned { key: KeyId },
    /// Signed only by trusted keys that the config no longer lists.
    #[error("config.toml is signed only by root key `{signer}`, which it no longer lists")]
    RootRetired { signer: PublicKey },
    #[error("config.toml: {0}")]
    Version(VersionRuleError),
    #[error("the engine changed from `{from}` to `{to}`; an index serves one engine")]
    EngineChanged { from: String, to: String },
}

/// The config in `bytes` if it may follow `previous` (or, on first use,
/// `None`) when the `trusted` root keys are trusted and `floor` is the
/// lowest version this reader accepts; else the first rule it breaks.
pub fn accept_config(
    trusted: &[RoleKey],
    previous: Option<PreviousConfig<'_>>,
    floor: u64,
    bytes: &[u8],
    signature: &[u8],
) -> Result<IndexConfig, ConfigRuleError> {
    accept_config_with(
        trusted,
        previous,
        floor,
        bytes,
        signature,
        UnknownFields::Refuse,
    )
    .map(|p| p.value)
}

/// [`accept_config`], with unknown fields outside the key tables treated
/// as `mode` says (README "Format evolution").
pub fn accept_config_with(
    trusted: &[RoleKey],
    previous: Option<PreviousConfig<'_>>,
    floor: u64,
    bytes: &[u8],
    signature: &[u8],
    mode: UnknownFields,
) -> Result<Parsed<IndexConfig>, ConfigRuleError> {
    let (config, problems) = problems_with(trusted, previous, floor, bytes, signature, mode);
    match (problems.into_iter().next(), config) {
        (None, Some(config)) => Ok(config),
        (Some(e), _) => Err(e),
        (None, None) => Err(ConfigRuleError::Invalid(Vec::new())),
    }
}

/// Every rule the config in `bytes` breaks (see [`accept_config`]), in
/// the order they are checked, and the config when it parses: a validator
/// reports them all, a client stops at the first.
pub fn config_problems(
    trusted: &[RoleKey],
    previous: Option<PreviousConfig<'_>>,
    floor: u64,
    bytes: &[u8],
    signature: &[u8],
) -> (Option<IndexConfig>, Vec<ConfigRuleError>) {
    let (config, problems) = problems_with(
        trusted,
        previous,
        floor,
        bytes,
        signature,
        UnknownFields::Refuse,
    );
    (config.map(|p| p.value), problems)
}

fn problems_with(
    trusted: &[RoleKey],
    previous: Option<PreviousConfig<'_>>,
    floor: u64,
    bytes: &[u8],
    signature: &[u8],
    mode: UnknownFields,
) -> (Option<Parsed<IndexConfig>>, Vec<ConfigRuleError>) {
    let mut problems = Vec::new();
    let signed_by = match trusted_signers(trusted, bytes, signature) {
        Ok(keys) => keys,
        Err(e) => {
            problems.push(e);
            Vec::new()
        }
    };
    let Parsed {
        value: config,
        unknown,
    } = match IndexConfig::parse_with(CONFIG_PATH, bytes, mode) {
        Ok(c) => c,
        Err(d) => {
            problems.push(ConfigRuleError::Invalid(d));
            return (None, problems);
        }
    };
    let added: Vec<&RoleKey> = config
        .root_keys
        .iter()
        .filter(|k| !trusted.iter().any(|t| t.public == k.public))
        .collect();
    for key in &added {
        if signers(CONFIG_PATH, bytes, signature, [(&key.id, &key.public)]).is_err() {
            problems.push(ConfigRuleError::NewRootNotSigned {
                key: key.id.clone(),
            });
        }
    }
    let still_listed = signed_by
        .iter()
        .any(|s| config.root_keys.iter().any(|k| &k.public == s));
    if let (false, true, Some(signer)) = (still_listed, added.is_empty(), signed_by.first()) {
        problems.push(ConfigRuleError::RootRetired {
            signer: signer.clone(),
        });
    }
    let trusted_version = previous.map(|p| (p.config.version, p.bytes));
    if let Err(e) = check_version(trusted_version, floor, config.version, bytes) {
        problems.push(ConfigRuleError::Version(e));
    }
    if let Some(p) = previous
        && p.config.engine != config.engine
    {
        problems.push(ConfigRuleError::EngineChanged {
            from: p.config.engine.clone(),
            to: config.engine.clone(),
        });
    }
    (
        Some(Parsed {
            value: config,
            unknown,
        }),
        problems,
    )
}

/// The `trusted` keys that signed the config; at least one.
fn trusted_signers(
    trusted: &[RoleKey],
    bytes: &[u8],
    signature: &[u8],
) -> Result<Vec<PublicKey>, ConfigRuleError> {
    let ids = distinct_ids(trusted);
    match signers(
        CONFIG_PATH,
        bytes,
        signature,
        ids.iter().zip(trusted.iter().map(|k| &k.public)),
    ) {
        Ok(found) => Ok(found
            .iter()
            .filter_map(|v| ids.iter().position(|id| *id == v.key_id))
            .filter_map(|i| trusted.get(i).map(|k| k.public.clone()))
            .collect()),
        Err(e @ SignatureError::UntrustedKey { .. }) => Err(ConfigRuleError::NotTrusted(e)),
        Err(e) => Err(ConfigRuleError::Signature(e)),
    }
}

/// The keys' ids when no two are alike (they name a key in messages),
/// else ids by position: a signer is found by its id.
fn distinct_ids(keys: &[RoleKey]) -> Vec<KeyId> {
    let mut sorted: Vec<&KeyId> = keys.iter().map(|k| &k.id).collect();
    sorted.sort_unstable_by(|a, b| a.as_str().cmp(b.as_str()));
    sorted.dedup();
    if sorted.len() == keys.len() {
        return keys.iter().map(|k| k.id.clone()).collect();
    }
    (1..=keys.len())
        .filter_map(|i| KeyId::new(&format!("trusted-root-key-{i}")).ok())
        .collect()
}
