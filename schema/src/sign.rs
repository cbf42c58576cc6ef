//! Detached minisign signatures over the exact bytes of index files.
//!
//! The signature's trusted comment (which minisign signs too) binds the file
//! to its place in the index: `timestamp:<unix>\tpath:<index path>`. A valid
//! signature served at another path — a plugin file swapped for another's —
//! therefore fails, even though the bytes and key are genuine.

pub(crate) mod ed25519;

use crate::keys::{KeyId, PublicKey};

/// Who signed a file, once verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    pub key_id: KeyId,
    /// Unix time the signer put in the trusted comment, if any.
    pub timestamp: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("`{path}.minisig` is not a minisign signature: {reason}")]
    Malformed { path: String, reason: String },
    #[error(
        "`{path}` is signed only by {signed_by}, which may not sign it (allowed: {allowed}); the key was removed from config.toml (revoked), is out of its scope, or was never authorized"
    )]
    UntrustedKey {
        path: String,
        /// Who made the signatures: minisign key ids (`key 1A2B3C4D5E6F7081`).
        signed_by: Box<str>,
        allowed: Box<str>,
    },
    #[error(
        "`{path}` does not match its signature by key `{key}`: the file was changed after it was signed"
    )]
    BadSignature { path: String, key: KeyId },
    #[error(
        "`{path}` carries a signature made for `{signed_for}`: a signed file was moved or swapped"
    )]
    WrongPath { path: String, signed_for: String },
}

/// The trusted comment that binds a signature to `path`.
pub fn trusted_comment(path: &str, timestamp: u64) -> String {
    format!("timestamp:{timestamp}\tpath:{path}")
}

/// `(path, timestamp)` from a trusted comment written by [`trusted_comment`].
pub fn parse_trusted_comment(comment: &str) -> (Option<&str>, Option<u64>) {
    let mut path = None;
    let mut ts = None;
    for field in comment.split('\t') {
        if let Some(p) = field.strip_prefix("path:") {
            path = Some(p);
        } else if let Some(t) = field.strip_prefix("timestamp:") {
            ts = t.parse().ok();
        }
    }
    (path, ts)
}

/// One signature of a `.minisig` file, decoded.
pub struct Signature {
    sig: minisign_verify::Signature,
    /// The same signature for the arithmetic (`ed25519`).
    block: ed25519::Block,
    /// The signer's minisign key id, as `minisign` prints it.
    key_id: String,
}

impl Signature {
    /// The signer's minisign key id (16 hex digits), as `minisign -V` prints it.
    pub fn key_id(&self) -> &str {
        &self.key_id
    }
}

/// Splits the text of a `.minisig` file into its signatures. A file may
/// hold several, one after another (a config signed by an old and a new
/// root key during rotation); each is the usual four lines.
pub fn parse_signatures(path: &str, signature: &[u8]) -> Result<Vec<Signature>, SignatureError> {
    let malformed = |reason: String| SignatureError::Malformed {
        path: path.to_string(),
        reason,
    };
    if signature.len() > crate::MAX_SIGNATURE_SIZE {
        return Err(malformed(format!("{} bytes is too large", signature.len())));
    }
    let text = std::str::from_utf8(signature).map_err(|_| malformed("not UTF-8".into()))?;
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    if lines.is_empty() {
        return Err(malformed("the file is empty".into()));
    }
    if !lines.len().is_multiple_of(4) {
        return Err(malformed(format!(
            "{} lines; each signature is 4 (untrusted comment, signature, trusted comment, global signature)",
            lines.len()
        )));
    }
    lines
        .chunks(4)
        .map(|block| {
            let text = block.join("\n");
            let sig =
                minisign_verify::Signature::decode(&text).map_err(|e| malformed(e.to_string()))?;
            let key_id = signature_key_id(&text).ok_or_else(|| malformed("no key id".into()))?;
            let line = decode_b64(block[1]);
            let global = decode_b64(block[3]);
            let block = line
                .zip(global)
                .and_then(|(line, global)| ed25519::Block::new(&line, block[2], &global))
                .ok_or_else(|| malformed("Invalid encoding".into()))?;
            Ok(Signature { sig, block, key_id })
        })
        .collect()
}

/// Verifies `bytes` (the file at index path `path`) against the `.minisig`
/// text `signature`, accepting only the `candidates` keys: the first
/// signature by a candidate must verify and be bound to `path`.
pub fn verify<'a>(
    path: &str,
    bytes: &[u8],
    signature: &[u8],
    candidates: impl IntoIterator<Item = (&'a KeyId, &'a PublicKey)>,
) -> Result<Verified, SignatureError> {
    let mut all = signers(path, bytes, signature, candidates)?;
    Ok(all.remove(0))
}

/// Every candidate key that signed `bytes` (at index path `path`), at
/// least one. A signature by a candidate that does not verify is an error
/// (the file was changed), whatever the other signatures say; signatures
/// by other keys are ignored.
pub fn signers<'a>(
    path: &str,
    bytes: &[u8],
    signature: &[u8],
    candidates: impl IntoIterator<Item = (&'a KeyId, &'a PublicKey)>,
) -> Result<Vec<Verified>, SignatureError> {
    let sigs = parse_signatures(path, signature)?;
    let candidates: Vec<_> = candidates.into_iter().collect();
    let mut found = Vec::new();
    for s in &sigs {
        // Key ids are chosen freely: several candidates may share one, so a
        // signature is bad only when no candidate with its id verifies it.
        let mut bad = None;
        let mut verified = false;
        for (id, key) in &candidates {
            match ed25519::verify(key.ed25519(), bytes, &s.block) {
                Ok(()) => {
                    found.push(check_path(path, &s.sig, id)?);
                    verified = true;
                }
                Err(ed25519::Refused::OtherKey) => {}
                Err(ed25519::Refused::Legacy) => {
                    return Err(SignatureError::Malformed {
                        path: path.to_string(),
                        reason:
                            "legacy (non-prehashed) signature; sign again with a current minisign"
                                .into(),
                    });
                }
                Err(ed25519::Refused::Invalid) => bad = bad.or(Some(*id)),
            }
        }
        if let (false, Some(id)) = (verified, bad) {
            return Err(SignatureError::BadSignature {
                path: path.to_string(),
                key: id.clone(),
            });
        }
    }
    if found.is_empty() {
        let allowed: Vec<String> = candidates.iter().map(|(id, _)| format!("`{id}`")).collect();
        let by: Vec<String> = sigs.iter().map(|s| format!("key `{}`", s.key_id)).collect();
        return Err(SignatureError::UntrustedKey {
            path: path.to_string(),
            signed_by: by.join(" and ").into(),
            allowed: if allowed.is_empty() {
                "none".into()
            } else {
                allowed.join(", ").into()
            },
        });
    }
    Ok(found)
}

/// The minisign key id of a signature block: bytes 2..10 of its second
/// line, printed as `minisign` does (little-endian, upper-case hex).
fn signature_key_id(block: &str) -> Option<String> {
    let line = block.lines().nth(1)?.trim();
    let raw = decode_b64(line)?;
    key_id_hex(raw.get(2..10)?)
}

fn key_id_hex(keynum: &[u8]) -> Option<String> {
    let arr: [u8; 8] = keynum.try_into().ok()?;
    Some(format!("{:016X}", u64::from_le_bytes(arr)))
}

/// The minisign key id of a public key (as in `key_id()` of its signatures).
pub fn public_key_id(key: &PublicKey) -> String {
    decode_b64(key.as_str())
        .and_then(|raw| key_id_hex(raw.get(2..10)?))
        .unwrap_or_default()
}

fn check_path(
    path: &str,
    sig: &minisign_verify::Signature,
    id: &KeyId,
) -> Result<Verified, SignatureError> {
    let (signed_for, timestamp) = parse_trusted_comment(sig.trusted_comment());
    match signed_for {
        Some(p) if p == path => Ok(Verified {
            key_id: id.clone(),
            timestamp,
        }),
        other => Err(SignatureError::WrongPath {
            path: path.to_string(),
            signed_for: other
                .unwrap_or("(no path in the trusted comment)")
                .to_string(),
        }),
    }
}

#[cfg(feature = "signing")]
pub use signing::{SigningKey, generate_key_files, sign};

#[cfg(feature = "signing")]
mod signing {
    use super::{decode_b64, trusted_comment};

    /// A secret key ready to sign, with its public half.
    pub struct SigningKey {
        sk: minisign::SecretKey,
        pk: minisign::PublicKey,
    }

    impl SigningKey {
        /// A fresh key pair.
        pub fn generate() -> Result<Self, String> {
            let kp =
                minisign::KeyPair::generate_unencrypted_keypair().map_err(|e| e.to_string())?;
            Ok(SigningKey {
                sk: kp.sk,
                pk: kp.pk,
            })
        }

        /// Loads the text of a minisign `.key` file. `password` is needed
        /// when the key is encrypted; `None` for an unencrypted key.
        pub fn from_key_text(text: &str, password: Option<String>) -> Result<Self, String> {
            let b64 = key_line(text).ok_or("the key file is empty")?;
            let raw =
                decode_b64(b64).ok_or("the key file is not a minisign secret key (bad base64)")?;
            // Unencrypted keys (`minisign -G -W`) have kdf algorithm 0,0 and
            // may carry a zero checksum that from_unencrypted_box rejects, so
            // they load from raw bytes.
            let encrypted = raw.get(2..4) != Some(&[0, 0][..]);
            let sk = if encrypted {
                let pw = password.ok_or(
                    "the key is encrypted: give its password (PLUGRES_KEY_PASSWORD or the prompt)",
                )?;
                minisign::SecretKey::from_box(
                    minisign::SecretKeyBox::from_string(text).map_err(|e| e.to_string())?,
                    Some(pw),
                )
                .map_err(|e| format!("cannot decrypt the key (wrong password?): {e}"))?
            } else {
                minisign::SecretKey::from_bytes(&raw)
                    .map_err(|e| format!("not a minisign secret key: {e}"))?
            };
            let pk = minisign::PublicKey::from_secret_key(&sk).map_err(|e| e.to_string())?;
            Ok(SigningKey { sk, pk })
        }

        /// Whether the text of a `.key` file holds an encrypted key, i.e.
        /// whether [`SigningKey::from_key_text`] will need a password.
        pub fn is_encrypted_text(text: &str) -> bool {
            key_line(text)
                .and_then(decode_b64)
                .is_some_and(|raw| raw.get(2..4) != Some(&[0, 0][..]))
        }

        /// The base64 public key (`RWQ...`), as written in config.toml.
        pub fn public_base64(&self) -> String {
            self.pk.to_base64()
        }

        /// The `.pub` file text.
        pub fn public_file_text(&self) -> Result<String, String> {
            Ok(self.pk.to_box().map_err(|e| e.to_string())?.to_string())
        }
    }

    fn key_line(text: &str) -> Option<&str> {
        text.lines()
            .map(str::trim)
            .find(|l| !l.is_empty() && !l.starts_with("untrusted comment:"))
    }

    /// A new key pair as `(public base64, .pub file text, .key file text)`;
    /// the secret key is encrypted with `password` when one is given.
    pub fn generate_key_files(
        password: Option<String>,
    ) -> Result<(String, String, String), String> {
        let kp = match password {
            Some(pw) => minisign::KeyPair::generate_encrypted_keypair(Some(pw)),
            None => minisign::KeyPair::generate_unencrypted_keypair(),
        }
        .map_err(|e| e.to_string())?;
        let pub_text = kp.pk.to_box().map_err(|e| e.to_string())?.to_string();
        let key_text = kp.sk.to_box(None).map_err(|e| e.to_string())?.to_string();
        Ok((kp.pk.to_base64(), pub_text, key_text))
    }

    /// Signs `bytes`, the file at index path `path`; returns `.minisig` text.
    pub fn sign(
        key: &SigningKey,
        path: &str,
        bytes: &[u8],
        timestamp: u64,
    ) -> Result<String, String> {
        if path.contains(['\n', '\r', '\t']) {
            return Err(format!(
                "cannot sign `{path}`: the path contains a control character"
            ));
        }
        let comment = trusted_comment(path, timestamp);
        let sig = minisign::sign(
            Some(&key.pk),
            &key.sk,
            bytes,
            Some(&comment),
            Some("signature from plugres-index"),
        )
        .map_err(|e| e.to_string())?;
        Ok(sig.to_string())
    }
}

pub(crate) fn decode_b64(s: &str) -> Option<Vec<u8>> {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.decode(s).ok()
}

#[cfg(test)]
#[cfg(feature = "signing")]
mod tests;
