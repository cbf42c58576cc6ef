//! The prerelease half of a [`super::SemverSet`], stored small.
//!
//! Outside `--pre`, a requirement's prerelease half is nearly always empty
//! (no comparator names a prerelease) or, once complemented, full. PubGrub
//! keeps tens of thousands of terms on a large lock, each holding two
//! halves, so storing those two cases without a `Ranges` (and the rare other
//! one boxed) halves a term's size and makes most operations on this half
//! free.

use std::borrow::Cow;

use pubgrub::Ranges;

use super::solver_version::SolverVersion;

/// A `Ranges<SolverVersion>` with its two common values inline. Always in
/// canonical form — `Some` is never empty or full — so derived equality is
/// set equality.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum PreRanges {
    Empty,
    Full,
    Some(Box<Ranges<SolverVersion>>),
}

impl From<Ranges<SolverVersion>> for PreRanges {
    fn from(ranges: Ranges<SolverVersion>) -> Self {
        if ranges.is_empty() {
            Self::Empty
        } else if ranges == Ranges::full() {
            Self::Full
        } else {
            Self::Some(Box::new(ranges))
        }
    }
}

impl PreRanges {
    /// The ranges themselves, built only for the rare `Empty`/`Full` reader.
    pub(super) fn ranges(&self) -> Cow<'_, Ranges<SolverVersion>> {
        match self {
            Self::Empty => Cow::Owned(Ranges::empty()),
            Self::Full => Cow::Owned(Ranges::full()),
            Self::Some(r) => Cow::Borrowed(r),
        }
    }

    pub(super) fn is_empty(&self) -> bool {
        matches!(self, Self::Empty)
    }

    pub(super) fn complement(&self) -> Self {
        match self {
            Self::Empty => Self::Full,
            Self::Full => Self::Empty,
            Self::Some(r) => r.complement().into(),
        }
    }

    pub(super) fn intersection(&self, other: &Self) -> Self {
        match (self, other) {
            (Self::Empty, _) | (_, Self::Empty) => Self::Empty,
            (Self::Full, x) | (x, Self::Full) => x.clone(),
            (Self::Some(a), Self::Some(b)) => a.intersection(b).into(),
        }
    }

    pub(super) fn union(&self, other: &Self) -> Self {
        match (self, other) {
            (Self::Full, _) | (_, Self::Full) => Self::Full,
            (Self::Empty, x) | (x, Self::Empty) => x.clone(),
            (Self::Some(a), Self::Some(b)) => a.union(b).into(),
        }
    }

    pub(super) fn is_disjoint(&self, other: &Self) -> bool {
        match (self, other) {
            (Self::Empty, _) | (_, Self::Empty) => true,
            (Self::Full, _) | (_, Self::Full) => false,
            (Self::Some(a), Self::Some(b)) => a.is_disjoint(b),
        }
    }

    pub(super) fn subset_of(&self, other: &Self) -> bool {
        match (self, other) {
            (Self::Empty, _) | (_, Self::Full) => true,
            (Self::Full, _) | (_, Self::Empty) => false,
            (Self::Some(a), Self::Some(b)) => a.subset_of(b),
        }
    }

    pub(super) fn contains(&self, v: &SolverVersion) -> bool {
        match self {
            Self::Empty => false,
            Self::Full => true,
            Self::Some(r) => r.contains(v),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ops::Bound::{Excluded, Included};

    fn v(s: &str) -> SolverVersion {
        SolverVersion::from(semver::Version::parse(s).unwrap())
    }

    fn samples() -> Vec<Ranges<SolverVersion>> {
        let beta = Ranges::from_range_bounds((Included(v("1.0.0-0")), Excluded(v("1.0.0"))));
        let rc = Ranges::singleton(v("2.0.0-rc.1"));
        vec![
            Ranges::empty(),
            Ranges::full(),
            beta.clone(),
            rc.clone(),
            beta.union(&rc),
            beta.complement(),
        ]
    }

    /// Every operation agrees with the same operation on plain `Ranges`, and
    /// the result is canonical (so `==` is set equality).
    #[test]
    fn agrees_with_ranges_and_stays_canonical() {
        let probes = ["0.9.0", "1.0.0-alpha", "1.0.0", "2.0.0-rc.1", "2.0.0-rc.2"].map(v);
        for a in samples() {
            let pa = PreRanges::from(a.clone());
            assert_eq!(*pa.complement().ranges(), a.complement());
            assert_eq!(pa.is_empty(), a.is_empty());
            for p in &probes {
                assert_eq!(pa.contains(p), a.contains(p));
            }
            for b in samples() {
                let pb = PreRanges::from(b.clone());
                let inter = pa.intersection(&pb);
                let union = pa.union(&pb);
                assert_eq!(*inter.ranges(), a.intersection(&b));
                assert_eq!(*union.ranges(), a.union(&b));
                assert_eq!(inter, PreRanges::from(a.intersection(&b)));
                assert_eq!(union, PreRanges::from(a.union(&b)));
                assert_eq!(pa.is_disjoint(&pb), a.is_disjoint(&b));
                assert_eq!(pa.subset_of(&pb), a.subset_of(&b));
            }
        }
    }
}
