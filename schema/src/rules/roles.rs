//! The rules for the files of the online roles (`snapshot.toml`,
//! `timestamp.toml`): who may sign them, and how their versions move.

use crate::keys::RoleKey;
use crate::sha::Sha256;
use crate::sign::{SignatureError, Verified, verify};

/// `bytes` (the file at `path`) must be signed by one of `keys`, the keys
/// of its role in the trusted config.
pub fn verify_role(
    path: &str,
    bytes: &[u8],
    signature: &[u8],
    keys: &[RoleKey],
) -> Result<Verified, SignatureError> {
    verify(
        path,
        bytes,
        signature,
        keys.iter().map(|k| (&k.id, &k.public)),
    )
}

/// A digest of a role's public keys, order aside: what a version floor
/// was seen under.
pub fn fingerprint(keys: &[RoleKey]) -> Sha256 {
    let mut list: Vec<&str> = keys.iter().map(|k| k.public.as_str()).collect();
    list.sort_unstable();
    Sha256::of(list.join("\n").as_bytes())
}

/// The lowest version of a role's file acceptable now: `seen`, unless
/// the config now gives that role other keys than the ones it was seen
/// under (`seen_keys`, a [`fingerprint`]). Then it starts again, so a
/// leaked online key that signed a huge version cannot lock clients out
/// after the root keys replace it (TUF's fast-forward recovery).
pub fn role_floor(seen: u64, seen_keys: Option<Sha256>, keys: &[RoleKey]) -> u64 {
    match seen_keys {
        Some(k) if k != fingerprint(keys) => 0,
        _ => seen,
    }
}

/// How a signed file's version may not move.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum VersionRuleError {
    #[error("version {found} is older than version {floor}, already seen")]
    Rollback { found: u64, floor: u64 },
    #[error("a different file under version {version}, already seen")]
    Reused { version: u64 },
}

/// A version-numbered file (`found`, with `bytes`) may follow the trusted
/// one (`trusted`: its version and bytes, when there is one) and the
/// `floor`: not older than either, and not other bytes under the trusted
/// version (TUF keeps the trusted file: a changed file raises its version).
pub fn check_version(
    trusted: Option<(u64, &[u8])>,
    floor: u64,
    found: u64,
    bytes: &[u8],
) -> Result<(), VersionRuleError> {
    let floor = trusted.map_or(floor, |(v, _)| v.max(floor));
    if found < floor {
        return Err(VersionRuleError::Rollback { found, floor });
    }
    match trusted {
        Some((v, old)) if v == found && old != bytes => {
            Err(VersionRuleError::Reused { version: found })
        }
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::{KeyId, PublicKey};

    fn key(public: &str) -> RoleKey {
        RoleKey {
            id: KeyId::new("k").unwrap(),
            public: PublicKey::parse(public).unwrap(),
        }
    }

    const A: &str = "RWSHnl4xjP2djUC4d3DvrVTXIDlPH9XFoPDGn01Xai+UpZsqGekxqWr/";
    const B: &str = "RWSnzG4RniUT+fyshSqB5w1evz67GXf/jVPqiSUC1pgImUb1bo0bREz7";

    #[test]
    fn versions_never_go_down_and_keep_their_bytes() {
        assert_eq!(check_version(None, 0, 1, b"a"), Ok(()));
        assert_eq!(check_version(Some((3, b"a")), 0, 4, b"b"), Ok(()));
        assert_eq!(check_version(Some((3, b"a")), 0, 3, b"a"), Ok(()));
        assert_eq!(
            check_version(Some((3, b"a")), 0, 3, b"b"),
            Err(VersionRuleError::Reused { version: 3 })
        );
        assert_eq!(
            check_version(Some((3, b"a")), 5, 4, b"b"),
            Err(VersionRuleError::Rollback { found: 4, floor: 5 })
        );
        assert_eq!(
            check_version(None, 5, 4, b"b"),
            Err(VersionRuleError::Rollback { found: 4, floor: 5 })
        );
    }

    #[test]
    fn a_floor_restarts_when_the_role_changes_keys() {
        let a = [key(A)];
        let ab = [key(B), key(A)];
        assert_eq!(role_floor(9, None, &a), 9);
        assert_eq!(role_floor(9, Some(fingerprint(&a)), &a), 9);
        assert_eq!(role_floor(9, Some(fingerprint(&a)), &ab), 0);
        assert_eq!(fingerprint(&ab), fingerprint(&[key(A), key(B)]));
    }
}
