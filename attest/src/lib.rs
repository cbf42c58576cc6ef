//! Offline checks of a Sigstore attestation against a trusted publisher.
//!
//! A trusted publisher (README, "Trusted publishing", issue 17) signs a
//! plugin version from its CI with a short-lived certificate instead of a
//! long-lived key. What a client can check without the network:
//!
//! 1. The bundle is a DSSE in-toto statement whose certificate chains to
//!    the pinned Sigstore trusted root at signing time, with a valid SCT,
//!    and whose single transparency-log entry is included in the log
//!    (inclusion proof, checkpoint and signed entry timestamp) and agrees
//!    with the envelope. `sigstore-verify` does this part.
//! 2. The certificate's claims are those of the expected publisher: OIDC
//!    issuer, repository by URL *and* numeric ids (a renamed or
//!    re-registered repository does not match), owner id, workflow,
//!    signer workflow, the ref that binds the version to its tag, the
//!    runner kind and the deployment environment ([`TrustedPublisher`]).
//! 3. The signing time the log recorded — which the signer cannot choose —
//!    is inside the publisher's validity window.
//!
//! Nothing here reads the wall clock: a bundle whose certificate lived ten
//! minutes verifies a year later, by the log's time.
//!
//! What the statement says (subjects and predicate) is returned for the
//! caller to compare with the signed index entry
//! (`plugres_schema::attestation::check`: the predicate is the entry).

mod provider;

use sigstore_verify::trust_root::TrustedRoot;
use sigstore_verify::types::{Artifact, Bundle, SignatureContent};
use sigstore_verify::{VerificationPolicy, Verifier};

/// Largest bundle read; real ones are a few KiB.
pub const MAX_BUNDLE_SIZE: usize = 64 * 1024;

/// Fulcio's OIDC issuer claim for GitHub Actions.
pub const GITHUB_ACTIONS_ISSUER: &str = "https://token.actions.githubusercontent.com";

/// Who may publish, as the index's root-signed config pins it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrustedPublisher {
    /// The OIDC issuer, like [`GITHUB_ACTIONS_ISSUER`].
    pub issuer: String,
    /// The repository as `https://github.com/OWNER/REPO`.
    pub repository: String,
    /// The repository's numeric id: a repository deleted and re-created
    /// under the same name gets a new one.
    pub repository_id: String,
    /// The owner's numeric id: a renamed or re-registered account does not
    /// keep it.
    pub owner_id: String,
    /// The workflow file that runs the release, like
    /// `.github/workflows/release.yml`.
    pub workflow: String,
    /// A reusable workflow that signs, as `https://github.com/ORG/REPO/PATH`
    /// (without `@ref`), when signing happens there.
    pub signer_workflow: Option<String>,
    /// The git ref a version is released from, `{version}` standing for it:
    /// `refs/tags/v{version}`.
    pub ref_pattern: String,
    /// `github-hosted` when self-hosted runners must not sign.
    pub runner: Option<String>,
    /// The deployment environment the signing job must have run in (Fulcio's
    /// `1.3.6.1.4.1.57264.1.23`), where its protection rules (required
    /// reviewers, allowed tags) guard the release.
    pub environment: Option<String>,
    /// The log's signing time must be at or after this (Unix seconds).
    pub valid_from: Option<i64>,
    /// ... and before this (Unix seconds): how a compromised repository is
    /// cut off without touching what it signed before.
    pub valid_until: Option<i64>,
}

/// What a verified attestation says, and who signed it when.
#[derive(Debug, Clone, PartialEq)]
pub struct Attested {
    /// The in-toto statement's `predicateType`.
    pub predicate_type: String,
    /// The statement's subjects: name and sha256 (hex).
    pub subjects: Vec<(String, String)>,
    /// The statement's predicate.
    pub predicate: serde_json::Value,
    /// When the transparency log recorded the signature (Unix seconds).
    pub signed_at: i64,
    /// The repository and commit the release was built from.
    pub repository: String,
    pub commit: String,
    /// The ref it was released from.
    pub git_ref: String,
}

/// Why an attestation is refused. Each names one check.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum AttestError {
    #[error("the attestation bundle is {size} bytes; the limit is {MAX_BUNDLE_SIZE}")]
    TooLarge { size: usize },
    #[error("the attestation bundle cannot be read: {0}")]
    Malformed(String),
    #[error("the pinned Sigstore trusted root cannot be read: {0}")]
    TrustedRoot(String),
    #[error(
        "the attestation must be a DSSE envelope with exactly one transparency-log entry carrying an inclusion proof: {0}"
    )]
    Shape(String),
    #[error("the attestation does not verify against the pinned Sigstore trusted root: {0}")]
    Sigstore(String),
    #[error(
        "the attestation was signed by {what} `{found}`, but the trusted publisher is `{expected}`"
    )]
    Claim {
        what: &'static str,
        found: String,
        expected: String,
    },
    #[error("the attestation was signed at {signed_at} (Unix time, by the log), {why}")]
    OutsideWindow { signed_at: i64, why: String },
}

/// Checks `bundle` (Sigstore bundle JSON) against `root` (a trusted root
/// JSON) and `publisher`, for the release of `version`.
pub fn verify(
    bundle: &[u8],
    root: &[u8],
    publisher: &TrustedPublisher,
    version: &str,
) -> Result<Attested, AttestError> {
    if bundle.len() > MAX_BUNDLE_SIZE {
        return Err(AttestError::TooLarge { size: bundle.len() });
    }
    provider::install();
    let text = std::str::from_utf8(bundle).map_err(|e| AttestError::Malformed(e.to_string()))?;
    let parsed = Bundle::from_json(text).map_err(|e| AttestError::Malformed(e.to_string()))?;
    let statement = statement(&parsed)?;
    let root = std::str::from_utf8(root)
        .map_err(|e| AttestError::TrustedRoot(e.to_string()))
        .and_then(|r| {
            TrustedRoot::from_json(r).map_err(|e| AttestError::TrustedRoot(e.to_string()))
        })?;
    let verifier = Verifier::new(&root).map_err(|e| AttestError::TrustedRoot(e.to_string()))?;
    let first = statement.subjects.first().map(|(_, sha)| sha.clone());
    let digest = first
        .and_then(|sha| sigstore_verify::types::Sha256Hash::from_hex(&sha).ok())
        .ok_or_else(|| AttestError::Shape("the statement has no sha256 subject".into()))?;
    // Identity and issuer are matched below with the other claims, each
    // refusal naming its claim.
    let policy = VerificationPolicy::any_identity();
    let result = verifier
        .verify(Artifact::from_digest(digest), &parsed, &policy)
        .map_err(|e| AttestError::Sigstore(e.to_string()))?;
    if !(result.certificate_verified() && result.sct_verified() && result.tlog_verified()) {
        return Err(AttestError::Sigstore(
            "the certificate, its SCT or the log inclusion was not checked".into(),
        ));
    }
    let signed_at = result
        .integrated_time()
        .ok_or_else(|| AttestError::Shape("no log time was verified".into()))?
        .as_second();
    let certificate = result
        .certificate()
        .ok_or_else(|| AttestError::Shape("no signing certificate".into()))?;
    let claims = claims::check(certificate, publisher, version)?;
    window(publisher, signed_at)?;
    Ok(Attested {
        predicate_type: statement.predicate_type,
        subjects: statement.subjects,
        predicate: statement.predicate,
        signed_at,
        repository: claims.repository,
        commit: claims.commit,
        git_ref: claims.git_ref,
    })
}

mod claims;

/// The parts of the statement plugres reads.
struct Statement {
    predicate_type: String,
    subjects: Vec<(String, String)>,
    predicate: serde_json::Value,
}

/// The DSSE in-toto statement of a bundle with one logged, proven entry.
fn statement(bundle: &Bundle) -> Result<Statement, AttestError> {
    let entries = &bundle.verification_material.tlog_entries;
    if entries.len() != 1 {
        return Err(AttestError::Shape(format!(
            "it has {} entries",
            entries.len()
        )));
    }
    if entries[0].inclusion_proof.is_none() {
        return Err(AttestError::Shape(
            "its entry has no inclusion proof".into(),
        ));
    }
    let SignatureContent::DsseEnvelope(envelope) = &bundle.content else {
        return Err(AttestError::Shape(
            "it signs a message, not a DSSE envelope".into(),
        ));
    };
    let value: serde_json::Value = serde_json::from_slice(envelope.payload.as_bytes())
        .map_err(|e| AttestError::Malformed(format!("the statement is not JSON: {e}")))?;
    let predicate_type = value["predicateType"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let subjects = value["subject"]
        .as_array()
        .map(|list| {
            list.iter()
                .map(|s| {
                    let name = s["name"].as_str().unwrap_or_default().to_string();
                    let sha = s["digest"]["sha256"]
                        .as_str()
                        .unwrap_or_default()
                        .to_string();
                    (name, sha)
                })
                .collect()
        })
        .unwrap_or_default();
    Ok(Statement {
        predicate_type,
        subjects,
        predicate: value["predicate"].clone(),
    })
}

/// The log's time must be inside the publisher's window.
fn window(publisher: &TrustedPublisher, signed_at: i64) -> Result<(), AttestError> {
    let why = match (publisher.valid_from, publisher.valid_until) {
        (Some(from), _) if signed_at < from => {
            format!("before the publisher's `valid-from` ({from})")
        }
        (_, Some(until)) if signed_at >= until => {
            format!("at or after the publisher's `valid-until` ({until})")
        }
        _ => return Ok(()),
    };
    Err(AttestError::OutsideWindow { signed_at, why })
}

#[cfg(test)]
mod tests;
