use base64::Engine;

use super::*;

fn key() -> SigningKey {
    SigningKey::generate().unwrap()
}

fn public(k: &SigningKey) -> PublicKey {
    PublicKey::parse(&k.public_base64()).unwrap()
}

fn id(s: &str) -> KeyId {
    KeyId::new(s).unwrap()
}

const PATH: &str = "config.toml";
const BYTES: &[u8] = b"format = 1\n";

#[test]
fn a_file_may_carry_several_signatures_and_each_signer_is_found() {
    let (old, new) = (key(), key());
    let both = format!(
        "{}{}",
        sign(&old, PATH, BYTES, 1).unwrap(),
        sign(&new, PATH, BYTES, 2).unwrap()
    );
    let (old_id, new_id) = (id("old"), id("new"));
    let (old_pk, new_pk) = (public(&old), public(&new));
    let all = signers(
        PATH,
        BYTES,
        both.as_bytes(),
        [(&old_id, &old_pk), (&new_id, &new_pk)],
    )
    .unwrap();
    let ids: Vec<&str> = all.iter().map(|v| v.key_id.as_str()).collect();
    assert_eq!(ids, ["old", "new"]);
    // One candidate is enough for `verify`.
    assert_eq!(
        verify(PATH, BYTES, both.as_bytes(), [(&new_id, &new_pk)])
            .unwrap()
            .key_id,
        new_id
    );
}

#[test]
fn a_garbage_block_makes_the_whole_file_malformed() {
    let k = key();
    let good = sign(&k, PATH, BYTES, 1).unwrap();
    for bad in [
        format!("{good}garbage\n"),
        format!("{good}{}", "x\n".repeat(4)),
        String::new(),
    ] {
        let err = verify(PATH, BYTES, bad.as_bytes(), [(&id("k"), &public(&k))]).unwrap_err();
        assert!(
            matches!(err, SignatureError::Malformed { .. }),
            "{bad:?}: {err}"
        );
    }
}

#[test]
fn an_unknown_signer_is_named_by_its_key_id() {
    let (signer, other) = (key(), key());
    let sig = sign(&signer, PATH, BYTES, 1).unwrap();
    let err = verify(
        PATH,
        BYTES,
        sig.as_bytes(),
        [(&id("other"), &public(&other))],
    )
    .unwrap_err();
    let want = public_key_id(&public(&signer));
    assert_eq!(want.len(), 16);
    assert!(
        err.to_string()
            .contains(&format!("signed only by key `{want}`")),
        "{err}"
    );
    assert!(err.to_string().contains("allowed: `other`"), "{err}");
}

#[test]
fn a_tampered_file_is_a_bad_signature_and_a_moved_one_a_wrong_path() {
    let k = key();
    let sig = sign(&k, PATH, BYTES, 1).unwrap();
    let (kid, pk) = (id("k"), public(&k));
    let err = verify(PATH, b"format = 2\n", sig.as_bytes(), [(&kid, &pk)]).unwrap_err();
    assert!(matches!(err, SignatureError::BadSignature { .. }), "{err}");
    let err = verify("elsewhere.toml", BYTES, sig.as_bytes(), [(&kid, &pk)]).unwrap_err();
    assert!(matches!(err, SignatureError::WrongPath { .. }), "{err}");
}

/// Key ids are chosen freely: a candidate sharing the signer's key id but
/// not its key must not make a good signature fail.
#[test]
fn a_candidate_with_a_colliding_key_id_does_not_block_the_real_signer() {
    let (real, other) = (key(), key());
    let b64 = base64::engine::general_purpose::STANDARD;
    let mut forged = b64.decode(real.public_base64()).unwrap();
    let other_raw = b64.decode(other.public_base64()).unwrap();
    forged[10..].copy_from_slice(&other_raw[10..]);
    let impostor = PublicKey::parse(&b64.encode(&forged)).unwrap();
    assert_eq!(public_key_id(&impostor), public_key_id(&public(&real)));
    let sig = sign(&real, PATH, BYTES, 1).unwrap();
    let (a, b) = (id("impostor"), id("real"));
    let real_pk = public(&real);
    let v = verify(
        PATH,
        BYTES,
        sig.as_bytes(),
        [(&a, &impostor), (&b, &real_pk)],
    )
    .unwrap();
    assert_eq!(v.key_id, b);
    // With only the impostor, the signature is bad (not silently untrusted).
    let err = verify(PATH, BYTES, sig.as_bytes(), [(&a, &impostor)]).unwrap_err();
    assert!(matches!(err, SignatureError::BadSignature { .. }), "{err}");
}

/// `minisign-verify`'s own verdict on `bytes` and one signature block.
fn minisign_says(key: &PublicKey, bytes: &[u8], block: &str) -> Option<bool> {
    let sig = minisign_verify::Signature::decode(block).ok()?;
    let pk = minisign_verify::PublicKey::from_base64(key.as_str()).ok()?;
    Some(pk.verify(bytes, &sig, false).is_ok())
}

/// Ours on the same: `None` where the block does not decode.
fn ours_says(key: &PublicKey, bytes: &[u8], block: &str) -> Option<bool> {
    let sigs = parse_signatures(PATH, block.as_bytes()).ok()?;
    let [s] = sigs.as_slice() else { return None };
    Some(ed25519::verify(key.ed25519(), bytes, &s.block).is_ok())
}

/// The Ed25519 arithmetic (`sign::ed25519`) says what `minisign-verify`
/// says, on genuine signatures and on every kind of tampering: a bit of
/// the file, of either signature, of the key id, of the trusted comment,
/// the algorithm, and another key.
#[test]
fn the_signature_check_agrees_with_minisign_verify() {
    let (k, other) = (key(), key());
    let (pk, other_pk) = (public(&k), public(&other));
    let b64 = |b: &[u8]| base64::engine::general_purpose::STANDARD.encode(b);
    let unb64 = |s: &str| base64::engine::general_purpose::STANDARD.decode(s).unwrap();
    let mut checked = 0;
    for n in 0..24u8 {
        let bytes: Vec<u8> = (0..u32::from(n) * 37)
            .map(|i| (i * 7 + u32::from(n)) as u8)
            .collect();
        let block = sign(&k, PATH, &bytes, u64::from(n)).unwrap();
        let lines: Vec<String> = block.lines().map(str::to_string).collect();
        let mut cases: Vec<(Vec<u8>, String, &PublicKey)> = vec![
            (bytes.clone(), block.clone(), &pk),
            (bytes.clone(), block.clone(), &other_pk),
        ];
        let mut flipped = bytes.clone();
        if let Some(b) = flipped.get_mut(usize::from(n)) {
            *b ^= 1 << (n % 8);
            cases.push((flipped, block.clone(), &pk));
        }
        let mut longer = bytes.clone();
        longer.push(b'\n');
        cases.push((longer, block.clone(), &pk));
        let edit = |line: usize, f: &dyn Fn(&mut Vec<u8>)| {
            let mut l = lines.clone();
            let mut raw = unb64(&l[line]);
            f(&mut raw);
            l[line] = b64(&raw);
            l.join("\n") + "\n"
        };
        let at = usize::from(n) % 64;
        cases.push((bytes.clone(), edit(1, &|r| r[10 + at] ^= 1), &pk));
        cases.push((bytes.clone(), edit(1, &|r| r[2] ^= 1), &pk));
        cases.push((bytes.clone(), edit(1, &|r| r[1] = b'd'), &pk));
        cases.push((bytes.clone(), edit(3, &|r| r[at] ^= 0x80), &pk));
        let mut comment = lines.clone();
        comment[2] = comment[2].replace("path:", "path: ");
        cases.push((bytes.clone(), comment.join("\n") + "\n", &pk));
        for (bytes, block, key) in &cases {
            assert_eq!(
                ours_says(key, bytes, block),
                minisign_says(key, bytes, block),
                "{block}"
            );
            checked += 1;
        }
        assert_eq!(ours_says(&pk, &bytes, &block), Some(true));
    }
    assert!(checked > 200, "{checked}");
}
