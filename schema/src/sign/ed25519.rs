//! The check of a minisign signature, by `ed25519-dalek`.
//!
//! Verifying every plugin file's two Ed25519 signatures was the largest
//! single cost of a cold resolution: `minisign-verify`'s portable field
//! arithmetic took 28 ms for the 215 files of one lock, `ed25519-dalek`
//! 18 ms (measured on this project's real-graph index). So the decoding
//! stays `minisign-verify`'s (the format's errors, the trusted comment) and
//! only the arithmetic changes, checking exactly what `minisign-verify`
//! checks (`PublicKey::verify`, no legacy signatures):
//!
//! 1. the signature's key id is the key's (else: not this key's);
//! 2. the signature is prehashed (`ED`): a legacy one (`Ed`) is refused;
//! 3. the signature is valid for BLAKE2b-512 of the bytes;
//! 4. the global signature is valid for the signature followed by the
//!    trusted comment (what binds the comment, and the path in it).
//!
//! Both are checked with `verify_strict`, which also refuses signatures
//! and keys of small order that a lenient verifier would take. A test
//! compares every outcome with `minisign-verify` on real and mutated
//! signatures.

use blake2::{Blake2b512, Digest};
use ed25519_dalek::{Signature as Ed25519Signature, VerifyingKey};

/// A public key as its base64 line gives it.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct Key {
    id: [u8; 8],
    /// `None` for 32 bytes that are no point of the curve: such a key
    /// verifies nothing.
    point: Option<VerifyingKey>,
}

impl Key {
    /// From the 42 bytes of a decoded public key line (algorithm, key id,
    /// key).
    pub(crate) fn from_bytes(raw: &[u8]) -> Option<Key> {
        let raw: &[u8; 42] = raw.try_into().ok()?;
        let id = raw[2..10].try_into().ok()?;
        let point = raw[10..42]
            .try_into()
            .ok()
            .and_then(|b| VerifyingKey::from_bytes(b).ok());
        Some(Key { id, point })
    }
}

/// One signature block, as its two base64 lines and trusted comment give it.
pub(crate) struct Block {
    prehashed: bool,
    key_id: [u8; 8],
    signature: [u8; 64],
    /// The trusted comment without its `trusted comment: ` prefix.
    trusted_comment: String,
    global: [u8; 64],
}

impl Block {
    /// From the decoded signature line (74 bytes), the trusted comment line
    /// and the decoded global signature line (64 bytes).
    pub(crate) fn new(line: &[u8], comment_line: &str, global: &[u8]) -> Option<Block> {
        let line: &[u8; 74] = line.try_into().ok()?;
        let prehashed = match &line[..2] {
            b"ED" => true,
            b"Ed" => false,
            _ => return None,
        };
        Some(Block {
            prehashed,
            key_id: line[2..10].try_into().ok()?,
            signature: line[10..74].try_into().ok()?,
            trusted_comment: comment_line.strip_prefix("trusted comment: ")?.to_string(),
            global: global.try_into().ok()?,
        })
    }
}

/// Why a block is not a valid signature by a key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Refused {
    /// Made by another key (by its id).
    OtherKey,
    /// A legacy, not prehashed, signature.
    Legacy,
    /// The bytes or the trusted comment are not what was signed.
    Invalid,
}

/// Whether `block` is `key`'s valid signature of `bytes`.
pub(crate) fn verify(key: &Key, bytes: &[u8], block: &Block) -> Result<(), Refused> {
    if key.id != block.key_id {
        return Err(Refused::OtherKey);
    }
    if !block.prehashed {
        return Err(Refused::Legacy);
    }
    let point = key.point.as_ref().ok_or(Refused::Invalid)?;
    let prehash = Blake2b512::digest(bytes);
    point
        .verify_strict(&prehash, &Ed25519Signature::from_bytes(&block.signature))
        .map_err(|_| Refused::Invalid)?;
    let mut global = Vec::with_capacity(64 + block.trusted_comment.len());
    global.extend_from_slice(&block.signature);
    global.extend_from_slice(block.trusted_comment.as_bytes());
    point
        .verify_strict(&global, &Ed25519Signature::from_bytes(&block.global))
        .map_err(|_| Refused::Invalid)
}
