//! Plugin versions: semver, build metadata allowed and ignored for precedence.
//!
//! semver.org says build metadata (`1.2.0+build.5`) "MUST be ignored when
//! determining version precedence", and two versions that differ only in it
//! have the same precedence. plugres takes that literally: a [`Version`]
//! compares, orders and hashes by precedence alone, so `1.2.0+a == 1.2.0+b`.
//! One plugin may therefore list only one of them (the second is "listed
//! twice"), and every map or set keyed by `Version` treats them as one.
//! The text keeps the build part: it is what the lock file, artifact URLs and
//! install directories show. [`Version::same_text`] compares that text, for the
//! immutability check that must notice a published version's build metadata
//! being rewritten.

use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};

/// A semver version. Equality, order and hash ignore build metadata (semver
/// precedence); `semver::Version`'s own `Ord` breaks ties on it, so code that
/// needs precedence compares `Version`s, not `semver()`s.
#[derive(Debug, Clone, serde::Serialize)]
#[serde(transparent)]
pub struct Version(semver::Version);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VersionError {
    #[error("`{0}` is not a semver version (expected MAJOR.MINOR.PATCH, like `1.2.0`): {1}")]
    Syntax(String, String),
}

impl Version {
    pub fn parse(s: &str) -> Result<Self, VersionError> {
        semver::Version::parse(s)
            .map(Version)
            .map_err(|e| VersionError::Syntax(s.to_string(), e.to_string()))
    }

    pub fn semver(&self) -> &semver::Version {
        &self.0
    }

    pub fn into_semver(self) -> semver::Version {
        self.0
    }

    pub fn is_prerelease(&self) -> bool {
        !self.0.pre.is_empty()
    }

    /// Whether the two are the same text, build metadata included (`==`
    /// ignores it).
    pub fn same_text(&self, other: &Version) -> bool {
        self.0 == other.0
    }
}

impl From<semver::Version> for Version {
    fn from(v: semver::Version) -> Self {
        Version(v)
    }
}

impl PartialEq for Version {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Version {}

impl PartialOrd for Version {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Version {
    fn cmp(&self, other: &Self) -> Ordering {
        self.0.cmp_precedence(&other.0)
    }
}

impl Hash for Version {
    fn hash<H: Hasher>(&self, state: &mut H) {
        // Consistent with `Eq`: the build part is left out.
        (self.0.major, self.0.minor, self.0.patch, &self.0.pre).hash(state);
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl std::str::FromStr for Version {
    type Err = VersionError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Version::parse(s)
    }
}

impl<'de> serde::Deserialize<'de> for Version {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Version::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeSet, HashSet};

    use super::*;

    fn v(s: &str) -> Version {
        Version::parse(s).unwrap()
    }

    #[test]
    fn parses_build_metadata_and_keeps_its_text() {
        assert_eq!(v("1.2.0+build.5").to_string(), "1.2.0+build.5");
        assert_eq!(v("1.2.0-rc.1+git.abc").to_string(), "1.2.0-rc.1+git.abc");
        assert!(matches!(
            Version::parse("1.2"),
            Err(VersionError::Syntax(..))
        ));
        assert!(matches!(
            Version::parse("1.2.0+"),
            Err(VersionError::Syntax(..))
        ));
    }

    #[test]
    fn build_metadata_is_ignored_for_precedence() {
        assert_eq!(v("1.2.0+a"), v("1.2.0+b"));
        assert_eq!(v("1.2.0+a"), v("1.2.0"));
        assert!(!v("1.2.0+a").same_text(&v("1.2.0+b")));
        assert!(v("1.2.0+a").same_text(&v("1.2.0+a")));
        // semver's own Ord orders `1.2.0+b` above `1.2.0+a`; ours must not.
        assert_eq!(v("1.2.0+b").cmp(&v("1.2.0+a")), Ordering::Equal);
        assert!(v("1.2.0+zzz") < v("1.2.1-rc.1"));
        assert!(v("1.2.0-rc.1+z") < v("1.2.0+a"));
        let set: BTreeSet<Version> = [v("1.2.0+a"), v("1.2.0+b"), v("1.2.0")].into();
        assert_eq!(set.len(), 1);
        let set: HashSet<Version> = [v("1.2.0+a"), v("1.2.0+b"), v("1.2.0")].into();
        assert_eq!(set.len(), 1);
    }

    #[test]
    fn requirements_match_regardless_of_build_metadata() {
        let req = semver::VersionReq::parse("=1.2.0").unwrap();
        assert!(req.matches(v("1.2.0+build.5").semver()));
        let req = semver::VersionReq::parse("^1.2.1").unwrap();
        assert!(!req.matches(v("1.2.0+build.5").semver()));
    }
}
