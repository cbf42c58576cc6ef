//! The rule for a version's attestation (README "Trusted publishing"):
//! the bundle is the one the entry names, verifies offline against the
//! pinned Sigstore root as one of the trusted publishers covering the
//! plugin, and states exactly the entry. The client (at lock and install)
//! and `plugres-index validate` call this one function.

use plugres_attest::{AttestError, Attested};

use crate::config::{IndexConfig, TrustedPublisher};
use crate::keys::KeyId;
use crate::name::PluginName;
use crate::plugin::VersionEntry;
use crate::sha::Sha256;

/// Largest attestation bundle a client reads or an index accepts.
pub const MAX_BUNDLE_SIZE: u64 = plugres_attest::MAX_BUNDLE_SIZE as u64;

/// Who vouched for a version, as the lock records it and `info` shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedAttestation {
    /// The `[[trusted-publisher]]` it verified as.
    pub publisher: KeyId,
    pub bundle_sha256: Sha256,
    /// `https://github.com/OWNER/REPO`.
    pub repository: String,
    /// The commit the release was built from.
    pub commit: String,
    /// The ref it was released from, like `refs/tags/v1.2.0`.
    pub git_ref: String,
    /// When the transparency log recorded it (Unix seconds).
    pub signed_at: i64,
}

/// Why a version's attestation is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AttestationError {
    #[error("{name} {version} has no attestation")]
    Missing { name: PluginName, version: String },
    #[error("the attestation `{path}` of {name} {version} is not in the index")]
    BundleMissing {
        path: String,
        name: PluginName,
        version: String,
    },
    #[error("the Sigstore trusted root `{path}` that config.toml pins is not in the index")]
    TrustedRootMissing { path: String },
    #[error(
        "config.toml has no `[sigstore] trusted-root`, so the attestation of {name} {version} cannot be verified"
    )]
    NoTrustedRoot { name: PluginName, version: String },
    #[error(
        "the Sigstore trusted root `{path}` has sha256 {found}, not the {expected} config.toml pins"
    )]
    TrustedRootMismatch {
        path: String,
        expected: Sha256,
        found: Sha256,
    },
    #[error(
        "no `[[trusted-publisher]]` of config.toml covers `{name}`, so its attestation of {version} cannot be verified"
    )]
    NoTrustedPublisher { name: PluginName, version: String },
    #[error("the attestation `{path}` is {served}; the entry of {name} {version} names {named}")]
    NotTheNamedBundle {
        path: String,
        name: PluginName,
        version: String,
        /// `N bytes with sha256 X`, as the entry names it.
        named: String,
        /// The same of the bytes served.
        served: String,
    },
    #[error(
        "{name} {version} is not a trusted publisher's release: {}",
        reasons(refusals)
    )]
    Refused {
        name: PluginName,
        version: String,
        /// Each covering trusted publisher and why it does not match.
        refusals: Vec<(KeyId, AttestError)>,
    },
    #[error("the attestation of {name} {version} does not state its entry: {why}")]
    NotTheEntry {
        name: PluginName,
        version: String,
        why: String,
    },
}

fn reasons(refusals: &[(KeyId, AttestError)]) -> String {
    match refusals {
        [(_, only)] => only.to_string(),
        all => all
            .iter()
            .map(|(id, e)| format!("as `{id}`: {e}"))
            .collect::<Vec<_>>()
            .join("; "),
    }
}

/// Checks `bundle`, the attestation `entry` of plugin `name` names, with
/// `trusted_root` the bytes of the file `[sigstore] trusted-root` names.
/// Reads no clock and no network.
pub fn verify_attestation(
    config: &IndexConfig,
    trusted_root: &[u8],
    name: &PluginName,
    entry: &VersionEntry,
    bundle: &[u8],
) -> Result<VerifiedAttestation, AttestationError> {
    let version = entry.version.to_string();
    let Some(named) = &entry.attestation else {
        return Err(AttestationError::Missing {
            name: name.clone(),
            version,
        });
    };
    let found = Sha256::of(bundle);
    if found != named.sha256 || bundle.len() as u64 != named.size {
        let described = |size: u64, sha: Sha256| format!("{size} bytes with sha256 {sha}");
        return Err(AttestationError::NotTheNamedBundle {
            path: named.path.as_str().to_string(),
            name: name.clone(),
            version,
            named: described(named.size, named.sha256),
            served: described(bundle.len() as u64, found),
        });
    }
    check_trusted_root(config, trusted_root, name, &version)?;
    let mut refusals = Vec::new();
    let mut verified = None;
    for publisher in config.trusted_publishers_for(name) {
        match plugres_attest::verify(bundle, trusted_root, &claims(publisher), &version) {
            Ok(a) => {
                verified = Some((publisher, a));
                break;
            }
            Err(e) => refusals.push((publisher.id.clone(), e)),
        }
    }
    let Some((publisher, attested)) = verified else {
        return Err(match refusals.is_empty() {
            true => AttestationError::NoTrustedPublisher {
                name: name.clone(),
                version,
            },
            false => AttestationError::Refused {
                name: name.clone(),
                version,
                refusals,
            },
        });
    };
    states_the_entry(name, entry, &attested)?;
    Ok(VerifiedAttestation {
        publisher: publisher.id.clone(),
        bundle_sha256: found,
        repository: attested.repository,
        commit: attested.commit,
        git_ref: attested.git_ref,
        signed_at: attested.signed_at,
    })
}

/// The trusted root's bytes are the ones config.toml pins.
pub fn check_trusted_root(
    config: &IndexConfig,
    trusted_root: &[u8],
    name: &PluginName,
    version: &str,
) -> Result<(), AttestationError> {
    let Some(pinned) = &config.sigstore else {
        return Err(AttestationError::NoTrustedRoot {
            name: name.clone(),
            version: version.to_string(),
        });
    };
    let found = Sha256::of(trusted_root);
    if found != pinned.sha256 {
        return Err(AttestationError::TrustedRootMismatch {
            path: pinned.path.as_str().to_string(),
            expected: pinned.sha256,
            found,
        });
    }
    Ok(())
}

fn states_the_entry(
    name: &PluginName,
    entry: &VersionEntry,
    attested: &Attested,
) -> Result<(), AttestationError> {
    crate::attestation::check(
        name,
        entry,
        &attested.predicate_type,
        &attested.subjects,
        &attested.predicate,
    )
    .map_err(|why| AttestationError::NotTheEntry {
        name: name.clone(),
        version: entry.version.to_string(),
        why,
    })
}

/// The config's publisher as the verifier takes it.
fn claims(t: &TrustedPublisher) -> plugres_attest::TrustedPublisher {
    let secs = |v: Option<u64>| v.map(|s| i64::try_from(s).unwrap_or(i64::MAX));
    plugres_attest::TrustedPublisher {
        issuer: t.issuer.clone(),
        repository: t.repository.clone(),
        repository_id: t.repository_id.clone(),
        owner_id: t.owner_id.clone(),
        workflow: t.workflow.clone(),
        signer_workflow: t.signer_workflow.clone(),
        ref_pattern: t.ref_pattern.clone(),
        runner: t.runner.clone(),
        environment: t.environment.clone(),
        valid_from: secs(t.valid_from),
        valid_until: secs(t.valid_until),
    }
}

#[cfg(test)]
mod tests;
