//! The version type PubGrub works with: a semver version in 16 bytes.
//!
//! PubGrub keeps a version set in every term of every incompatibility,
//! and every bound of those sets is a version. With `semver::Version`
//! (40 bytes, two heap-backed identifiers) a lock of a few hundred real
//! plugins spent over half its time zeroing the fresh memory those sets
//! filled (README "Benchmarks"). Almost every version is a plain release
//! whose numbers fit in 21 bits each: [`SolverVersion`] packs those into
//! one `u64` whose integer order is the version order, and keeps the rare
//! rest (prereleases, build metadata, huge numbers) behind an `Arc`.
//!
//! A version that can be packed always is, so equal versions always have
//! the same representation; ordering is semver's (`semver::Version`'s
//! `Ord`, build metadata last) in every mix of the two.

use std::cmp::Ordering;
use std::fmt;
use std::sync::Arc;

use semver::Version;

/// Bits per number in the packed form.
const BITS: u32 = 21;
const MASK: u64 = (1 << BITS) - 1;

/// A semver version as the solver keeps it.
#[derive(Clone)]
pub struct SolverVersion(Repr);

#[derive(Clone)]
enum Repr {
    /// `major << 42 | minor << 21 | patch`: a release without build metadata.
    Packed(u64),
    /// Anything else.
    Full(Arc<Version>),
}

impl SolverVersion {
    /// `0.0.0`, the project's own version.
    pub const ZERO: SolverVersion = SolverVersion(Repr::Packed(0));

    /// `major.minor.patch`, a release.
    pub fn new(major: u64, minor: u64, patch: u64) -> Self {
        Self::pack(major, minor, patch)
            .unwrap_or_else(|| Self(Repr::Full(Arc::new(Version::new(major, minor, patch)))))
    }

    /// The packed form of `v`, if it has one.
    fn pack_release(v: &Version) -> Option<Self> {
        if v.pre.is_empty() && v.build.is_empty() {
            Self::pack(v.major, v.minor, v.patch)
        } else {
            None
        }
    }

    fn pack(major: u64, minor: u64, patch: u64) -> Option<Self> {
        (major <= MASK && minor <= MASK && patch <= MASK)
            .then(|| Self(Repr::Packed(major << (2 * BITS) | minor << BITS | patch)))
    }

    /// The semver version this is.
    pub fn to_version(&self) -> Version {
        match &self.0 {
            Repr::Packed(_) => Version::new(self.major(), self.minor(), self.patch()),
            Repr::Full(v) => (**v).clone(),
        }
    }

    /// The major number.
    pub fn major(&self) -> u64 {
        match &self.0 {
            Repr::Packed(k) => k >> (2 * BITS),
            Repr::Full(v) => v.major,
        }
    }

    /// The minor number.
    pub fn minor(&self) -> u64 {
        match &self.0 {
            Repr::Packed(k) => (k >> BITS) & MASK,
            Repr::Full(v) => v.minor,
        }
    }

    /// The patch number.
    pub fn patch(&self) -> u64 {
        match &self.0 {
            Repr::Packed(k) => k & MASK,
            Repr::Full(v) => v.patch,
        }
    }

    /// The prerelease part, `""` for a release.
    pub fn pre_str(&self) -> &str {
        match &self.0 {
            Repr::Packed(_) => "",
            Repr::Full(v) => v.pre.as_str(),
        }
    }

    /// Whether this is a prerelease.
    pub fn is_pre(&self) -> bool {
        matches!(&self.0, Repr::Full(v) if !v.pre.is_empty())
    }

    /// Whether this carries build metadata.
    pub fn has_build(&self) -> bool {
        matches!(&self.0, Repr::Full(v) if !v.build.is_empty())
    }

    /// `(major, minor, patch)`.
    pub(crate) fn triple(&self) -> (u64, u64, u64) {
        (self.major(), self.minor(), self.patch())
    }
}

impl From<&Version> for SolverVersion {
    fn from(v: &Version) -> Self {
        Self::pack_release(v).unwrap_or_else(|| Self(Repr::Full(Arc::new(v.clone()))))
    }
}

impl From<Version> for SolverVersion {
    fn from(v: Version) -> Self {
        match Self::pack_release(&v) {
            Some(packed) => packed,
            None => Self(Repr::Full(Arc::new(v))),
        }
    }
}

impl Ord for SolverVersion {
    fn cmp(&self, other: &Self) -> Ordering {
        match (&self.0, &other.0) {
            (Repr::Packed(a), Repr::Packed(b)) => a.cmp(b),
            (Repr::Full(a), Repr::Full(b)) => a.cmp(b),
            // A packed version is a release without build metadata: below
            // it on the same numbers only prereleases, above it only builds.
            (Repr::Packed(_), Repr::Full(full)) => self
                .triple()
                .cmp(&other.triple())
                .then_with(|| full_vs_release(full).reverse()),
            (Repr::Full(full), Repr::Packed(_)) => self
                .triple()
                .cmp(&other.triple())
                .then_with(|| full_vs_release(full)),
        }
    }
}

/// How `full` compares with the plain release of its own numbers.
fn full_vs_release(full: &Version) -> Ordering {
    if !full.pre.is_empty() {
        Ordering::Less
    } else if !full.build.is_empty() {
        Ordering::Greater
    } else {
        Ordering::Equal
    }
}

impl PartialOrd for SolverVersion {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for SolverVersion {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for SolverVersion {}

impl PartialEq<Version> for SolverVersion {
    fn eq(&self, other: &Version) -> bool {
        match &self.0 {
            Repr::Packed(_) => {
                self.triple() == (other.major, other.minor, other.patch)
                    && other.pre.is_empty()
                    && other.build.is_empty()
            }
            Repr::Full(v) => **v == *other,
        }
    }
}

impl fmt::Display for SolverVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            Repr::Packed(_) => write!(f, "{}.{}.{}", self.major(), self.minor(), self.patch()),
            Repr::Full(v) => v.fmt(f),
        }
    }
}

impl fmt::Debug for SolverVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn samples() -> Vec<Version> {
        let texts = [
            "0.0.0",
            "0.0.1",
            "0.1.0",
            "1.0.0-0",
            "1.0.0-alpha",
            "1.0.0-alpha.1",
            "1.0.0-beta",
            "1.0.0",
            "1.0.0+build",
            "1.0.0+build.2",
            "1.0.1-rc.1+b",
            "1.0.1",
            "1.2.3",
            "2097151.2097151.2097151",
            "2097152.0.0",
            "2097151.2097152.0",
            "2097151.2097151.2097152",
            "20230101.0.0",
            "20230101.0.0-pre",
            "18446744073709551615.18446744073709551615.18446744073709551615",
        ];
        texts.iter().map(|t| Version::parse(t).unwrap()).collect()
    }

    #[test]
    fn order_and_equality_are_semvers_in_every_mix() {
        let all = samples();
        for a in &all {
            let sa = SolverVersion::from(a);
            assert_eq!(sa.to_version(), *a);
            assert_eq!(sa.to_string(), a.to_string());
            assert!(sa == *a);
            for b in &all {
                let sb = SolverVersion::from(b);
                assert_eq!(sa.cmp(&sb), a.cmp(b), "{a} vs {b}");
                assert_eq!(sa == sb, a == b, "{a} == {b}");
            }
        }
    }

    #[test]
    fn packable_versions_are_always_packed() {
        for v in samples() {
            let from = SolverVersion::from(&v);
            let packable = v.pre.is_empty()
                && v.build.is_empty()
                && v.major <= MASK
                && v.minor <= MASK
                && v.patch <= MASK;
            assert_eq!(matches!(from.0, Repr::Packed(_)), packable, "{v}");
            if v.pre.is_empty() && v.build.is_empty() {
                let new = SolverVersion::new(v.major, v.minor, v.patch);
                assert_eq!(matches!(new.0, Repr::Packed(_)), packable, "{v}");
                assert_eq!(new, from);
            }
        }
        assert_eq!(SolverVersion::ZERO.to_version(), Version::new(0, 0, 0));
    }

    #[test]
    fn is_small() {
        assert_eq!(std::mem::size_of::<SolverVersion>(), 16);
        assert!(std::mem::size_of::<std::ops::Bound<SolverVersion>>() <= 24);
    }
}
