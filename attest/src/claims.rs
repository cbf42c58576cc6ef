//! The certificate's Fulcio claims against the trusted publisher.

use sigstore_verify::crypto::CertificateInfo;

use super::{AttestError, TrustedPublisher};

/// The claims a verified release names, for the lock and `info`.
pub(crate) struct Claims {
    pub(crate) repository: String,
    pub(crate) commit: String,
    pub(crate) git_ref: String,
}

/// Every configured claim must be the certificate's, exactly.
pub(crate) fn check(
    cert: &CertificateInfo,
    publisher: &TrustedPublisher,
    version: &str,
) -> Result<Claims, AttestError> {
    let ci = &cert.ci_claims;
    let git_ref = publisher.ref_pattern.replace("{version}", version);
    same("OIDC issuer", cert.issuer.as_deref(), &publisher.issuer)?;
    same(
        "repository",
        ci.source_repository_uri.as_deref(),
        &publisher.repository,
    )?;
    same(
        "repository id",
        ci.source_repository_identifier.as_deref(),
        &publisher.repository_id,
    )?;
    same(
        "repository owner id",
        ci.source_repository_owner_identifier.as_deref(),
        &publisher.owner_id,
    )?;
    same("ref", ci.source_repository_ref.as_deref(), &git_ref)?;
    let workflow = format!("{}/{}@{git_ref}", publisher.repository, publisher.workflow);
    same("workflow", ci.build_config_uri.as_deref(), &workflow)?;
    let signer = ci.build_signer_uri.as_deref();
    match &publisher.signer_workflow {
        // A reusable workflow signs at its own ref.
        Some(expected) => {
            let found = signer.and_then(|s| s.split_once('@')).map(|(path, _)| path);
            same("signer workflow", found, expected)?;
        }
        None => same("signer workflow", signer, &workflow)?,
    }
    if let Some(runner) = &publisher.runner {
        same("runner", ci.runner_environment.as_deref(), runner)?;
    }
    if let Some(environment) = &publisher.environment {
        same(
            "environment",
            ci.deployment_environment.as_deref(),
            environment,
        )?;
    }
    let commit = ci.source_repository_digest.clone().unwrap_or_default();
    Ok(Claims {
        repository: publisher.repository.clone(),
        commit,
        git_ref,
    })
}

fn same(what: &'static str, found: Option<&str>, expected: &str) -> Result<(), AttestError> {
    match found {
        Some(found) if found == expected => Ok(()),
        found => Err(AttestError::Claim {
            what,
            found: found.unwrap_or("(none)").to_string(),
            expected: expected.to_string(),
        }),
    }
}
