//! The cryptography `sigstore-verify` runs on: `ring`'s.
//!
//! `sigstore-verify` asks for a process-wide provider unless it is built
//! with aws-lc, a second C crypto library beside the `ring` that rustls
//! already brings. Verifying needs hashes and signature checks over whole
//! messages only: a DSSE envelope, an SCT, a log's signed entry timestamp
//! and checkpoint, and a certificate chain are all signed that way. A
//! signature over a precomputed digest (`hashedrekord` bundles, which
//! plugres does not accept) is refused.

use ring::signature::{self, VerificationAlgorithm};
use sigstore_verify::crypto::{CryptoProvider, Error, HashContext, Result, SigningScheme};
use sigstore_verify::types::HashAlgorithm;

/// `ring` as a `sigstore-crypto` provider.
#[derive(Debug)]
pub(crate) struct Ring;

static RING: Ring = Ring;

/// Installs [`Ring`] for this process (once; a provider installed before,
/// by plugres or by a host that embeds it, stays).
pub(crate) fn install() {
    let _ = sigstore_verify::crypto::install_default_provider(&RING);
}

struct Hash(ring::digest::Context);

impl HashContext for Hash {
    fn update(&mut self, data: &[u8]) {
        self.0.update(data);
    }

    fn finalize(self: Box<Self>) -> Vec<u8> {
        self.0.finish().as_ref().to_vec()
    }
}

impl CryptoProvider for Ring {
    fn hash(&self, algorithm: HashAlgorithm) -> Result<Box<dyn HashContext>> {
        let algorithm = match algorithm {
            HashAlgorithm::Sha2256 => &ring::digest::SHA256,
            HashAlgorithm::Sha2384 => &ring::digest::SHA384,
            HashAlgorithm::Sha2512 => &ring::digest::SHA512,
            other => {
                return Err(Error::UnsupportedAlgorithm(format!("hash {other:?}")));
            }
        };
        Ok(Box::new(Hash(ring::digest::Context::new(algorithm))))
    }

    fn verify_raw(
        &self,
        scheme: SigningScheme,
        public_key: &[u8],
        data: &[u8],
        signature: &[u8],
    ) -> Result<()> {
        let algorithm: &dyn VerificationAlgorithm = match scheme {
            SigningScheme::EcdsaP256Sha256 => &signature::ECDSA_P256_SHA256_ASN1,
            SigningScheme::EcdsaP256Sha384 => &signature::ECDSA_P256_SHA384_ASN1,
            SigningScheme::EcdsaP384Sha256 => &signature::ECDSA_P384_SHA256_ASN1,
            SigningScheme::EcdsaP384Sha384 => &signature::ECDSA_P384_SHA384_ASN1,
            SigningScheme::Ed25519 => &signature::ED25519,
            SigningScheme::RsaPkcs1Sha256 => &signature::RSA_PKCS1_2048_8192_SHA256,
            SigningScheme::RsaPkcs1Sha384 => &signature::RSA_PKCS1_2048_8192_SHA384,
            SigningScheme::RsaPkcs1Sha512 => &signature::RSA_PKCS1_2048_8192_SHA512,
            SigningScheme::RsaPssSha256 => &signature::RSA_PSS_2048_8192_SHA256,
            SigningScheme::RsaPssSha384 => &signature::RSA_PSS_2048_8192_SHA384,
            SigningScheme::RsaPssSha512 => &signature::RSA_PSS_2048_8192_SHA512,
            other => {
                return Err(Error::UnsupportedAlgorithm(format!("{other:?}")));
            }
        };
        signature::UnparsedPublicKey::new(algorithm, public_key)
            .verify(data, signature)
            .map_err(|_| Error::Verification("signature does not verify".into()))
    }

    fn verify_prehashed(
        &self,
        scheme: SigningScheme,
        _public_key: &[u8],
        _digest: &[u8],
        _signature: &[u8],
    ) -> Result<()> {
        Err(Error::UnsupportedAlgorithm(format!(
            "{scheme:?} over a precomputed digest (plugres accepts DSSE attestations only)"
        )))
    }
}
