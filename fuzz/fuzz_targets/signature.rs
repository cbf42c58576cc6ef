//! `verify`, `signers` and `parse_signatures` on arbitrary `.minisig` text
//! (one or several signatures) against the real sample index.
//!
//! The input picks one genuinely signed file of `sample-index/`, whether its
//! bytes are kept or tampered with, which path it is claimed to live at, and
//! which keys are trusted; the rest of the input is the signature text. The
//! fuzzer knows no secret key, so the invariant is exact:
//!
//! * `Ok` only for the genuine bytes at their genuine path, and only naming
//!   keys that really signed them and are among the candidates;
//! * `verify` is the first of `signers`, error for error;
//! * `parse_signatures` gives at least one signature, each with a 16-digit
//!   upper-case hex key id;
//! * the genuine `.minisig` for the genuine triple always verifies (so the
//!   target is known to reach the success path);
//! * nothing panics, including `parse_trusted_comment`, `PublicKey::parse`
//!   and `public_key_id` on the same text.

#![no_main]

use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;
use plugres_schema::{
    KeyId, PublicKey, SignatureError, parse_signatures, parse_trusted_comment, public_key_id,
    signers, verify,
};

/// `(index path, bytes, genuine .minisig text)` of every signed sample file.
const FILES: [(&str, &[u8], &[u8]); 6] = [
    (
        "config.toml",
        include_bytes!("../../sample-index/config.toml"),
        include_bytes!("../../sample-index/config.toml.minisig"),
    ),
    (
        "plugins/he/ll/hello-world.toml",
        include_bytes!("../../sample-index/plugins/he/ll/hello-world.toml"),
        include_bytes!("../../sample-index/plugins/he/ll/hello-world.toml.minisig"),
    ),
    (
        "plugins/ac/me/acme-audit.toml",
        include_bytes!("../../sample-index/plugins/ac/me/acme-audit.toml"),
        include_bytes!("../../sample-index/plugins/ac/me/acme-audit.toml.minisig"),
    ),
    (
        "plugins/gr/ee/greeter-core.toml",
        include_bytes!("../../sample-index/plugins/gr/ee/greeter-core.toml"),
        include_bytes!("../../sample-index/plugins/gr/ee/greeter-core.toml.minisig"),
    ),
    (
        "plugins/ol/d-/old-greeter.toml",
        include_bytes!("../../sample-index/plugins/ol/d-/old-greeter.toml"),
        include_bytes!("../../sample-index/plugins/ol/d-/old-greeter.toml.minisig"),
    ),
    (
        "plugins/pr/et/pretty-theme.toml",
        include_bytes!("../../sample-index/plugins/pr/et/pretty-theme.toml"),
        include_bytes!("../../sample-index/plugins/pr/et/pretty-theme.toml.minisig"),
    ),
];

/// The three sample public keys, in a fixed order.
const KEYS: [(&str, &str); 3] = [
    (
        "sample-root",
        include_str!("../../tests/fixtures/sample-keys/sample-root.pub"),
    ),
    (
        "sample-maintainers",
        include_str!("../../tests/fixtures/sample-keys/sample-maintainers.pub"),
    ),
    (
        "acme-release",
        include_str!("../../tests/fixtures/sample-keys/acme-release.pub"),
    ),
];

/// Claimed paths other than a file's own.
const OTHER_PATHS: [&str; 6] = [
    "",
    "config.toml ",
    "plugins/he/ll/hello-world.toml\tpath:config.toml",
    "plugins/he/ll/hello-world.tom",
    "./config.toml",
    "plugins/HE/LL/hello-world.toml",
];

struct Fixture {
    keys: Vec<(KeyId, PublicKey)>,
    /// For each of `FILES`, a bit per entry of `keys` that signed it (none
    /// if the sample is being regenerated and does not verify: then
    /// nothing may verify for that file either).
    signed_by: Vec<u8>,
}

static FIXTURE: LazyLock<Fixture> = LazyLock::new(|| {
    let keys: Vec<(KeyId, PublicKey)> = KEYS
        .iter()
        .map(|(id, text)| {
            (
                KeyId::new(id).expect("sample key id"),
                PublicKey::parse(text).expect("sample public key"),
            )
        })
        .collect();
    let signed_by = FILES
        .iter()
        .map(|(path, bytes, sig)| {
            let all = signers(path, bytes, sig, keys.iter().map(|(i, k)| (i, k)));
            all.iter().flatten().fold(0, |mask, v| {
                let i = keys.iter().position(|(id, _)| *id == v.key_id);
                mask | (1 << i.expect("signer is a sample key"))
            })
        })
        .collect();
    Fixture { keys, signed_by }
});

fuzz_target!(|data: &[u8]| {
    let fx = &*FIXTURE;
    let [file_sel, key_mask, path_sel, tamper, sig @ ..] = data else {
        return;
    };
    let file = usize::from(*file_sel) % FILES.len();
    let (genuine_path, genuine_bytes, genuine_sig) = FILES[file];

    let mut bytes = genuine_bytes.to_vec();
    let tampered = *tamper != 0;
    if tampered {
        // Flip some bits at a position the input picks; or append when the
        // position is past the end.
        let pos = usize::from(*tamper) * 7;
        match bytes.get_mut(pos) {
            Some(b) => *b ^= tamper | 1,
            None => bytes.push(*tamper),
        }
    }
    let path = match path_sel % 8 {
        0 | 1 => genuine_path,
        2 => FILES[(file + 1) % FILES.len()].0,
        n => OTHER_PATHS[usize::from(n) % OTHER_PATHS.len()],
    };
    let candidates: Vec<&(KeyId, PublicKey)> = fx
        .keys
        .iter()
        .enumerate()
        .filter(|(i, _)| key_mask & (1 << i) != 0)
        .map(|(_, k)| k)
        .collect();
    let trusted_signers = key_mask & fx.signed_by[file];
    let candidates = || candidates.iter().map(|(i, k)| (i, k));

    let result = verify(path, &bytes, sig, candidates());
    let all = signers(path, &bytes, sig, candidates());
    assert_eq!(
        result,
        all.clone().map(|mut v| v.remove(0)),
        "verify is the first signer"
    );
    if let Ok(found) = &all {
        assert!(!tampered, "tampered bytes verified: {found:?}");
        assert_eq!(path, genuine_path, "a signature verified at another path");
        assert!(!found.is_empty(), "Ok with no signer");
        for v in found {
            let i = fx.keys.iter().position(|(id, _)| *id == v.key_id);
            let bit = 1 << i.expect("a sample key");
            assert!(
                trusted_signers & bit != 0,
                "{v:?} did not sign or is not trusted"
            );
        }
    }
    if sig == genuine_sig && !tampered && trusted_signers != 0 {
        if path == genuine_path {
            assert!(
                result.is_ok(),
                "the genuine signature was refused: {result:?}"
            );
        } else {
            assert!(
                matches!(result, Err(SignatureError::WrongPath { .. })),
                "a moved file must be refused as moved: {result:?}"
            );
        }
    }
    if let Ok(parsed) = parse_signatures(path, sig) {
        assert!(!parsed.is_empty(), "Ok with no signature");
        for s in &parsed {
            let id = s.key_id();
            assert!(
                id.len() == 16 && id.bytes().all(|b| matches!(b, b'0'..=b'9' | b'A'..=b'F')),
                "key id `{id}`"
            );
        }
    }

    if let Ok(text) = std::str::from_utf8(sig) {
        let _ = parse_trusted_comment(text);
        if let Ok(key) = PublicKey::parse(text) {
            let id = public_key_id(&key);
            assert!(id.is_empty() || id.len() == 16, "key id `{id}`");
        }
    }
});
