//! Sets of semver versions that follow cargo's prerelease rule exactly.
//!
//! A `semver::VersionReq` is not an interval: `>=1.2.0-beta` matches
//! `1.2.0-rc.1` and `1.5.0`, but not `1.5.0-rc.1`, because a prerelease only
//! matches when some comparator names the same `major.minor.patch` *with* a
//! prerelease. One `Ranges` of versions cannot say that, so a [`SemverSet`] keeps
//! two halves:
//!
//! * `release`: ranges that are only ever asked about release versions;
//! * `pre`: ranges that are only ever asked about prerelease versions.
//!
//! Each half is an ordinary `Ranges<SolverVersion>` over *all* versions, so
//! complement and intersection work half by half and the pair is an exact
//! boolean algebra; [`SemverSet::contains`] just looks in the half that
//! matches the version's kind. Build metadata is ignored by requirements, so
//! every bound is chosen to include all build variants of the version it names.

use std::fmt;
use std::ops::Bound::{self, Excluded, Included, Unbounded};

use pubgrub::{Ranges, VersionSet};
use semver::{Comparator, Op, Prerelease, VersionReq};

use super::solver_version::SolverVersion;

use super::pre_ranges::PreRanges;

/// A set of versions with separate ranges for releases and prereleases.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SemverSet {
    release: Ranges<SolverVersion>,
    /// Kept small: see [`PreRanges`].
    pre: PreRanges,
}

impl SemverSet {
    /// The versions `req` matches under cargo's rules: a prerelease matches
    /// only if a comparator names its `major.minor.patch` with a prerelease.
    pub fn from_req(req: &VersionReq) -> Self {
        let mut set = Self::numeric(req);
        let named = req
            .comparators
            .iter()
            .filter(|c| !c.pre.is_empty())
            .filter_map(|c| Some(prereleases_of(c.major, c.minor?, c.patch?)))
            .fold(Ranges::empty(), |acc, r| acc.union(&r));
        set.pre = set.pre.intersection(&named.into());
        set
    }

    /// The versions `req` matches when prereleases are allowed everywhere
    /// (`--pre`): a prerelease matches when every comparator accepts it by
    /// version order, whatever prerelease the comparators name.
    pub fn from_req_allow_pre(req: &VersionReq) -> Self {
        Self::numeric(req)
    }

    /// Every comparator, each taken by version order alone.
    fn numeric(req: &VersionReq) -> Self {
        req.comparators
            .iter()
            .map(comparator_halves)
            .fold(Self::full(), |acc, c| acc.intersection(&c))
    }

    /// Whether the set holds `v` (PubGrub's `contains`, for a version
    /// that is not yet the solver's).
    pub fn contains_version(&self, v: &semver::Version) -> bool {
        self.contains(&SolverVersion::from(v))
    }

    /// The same set with each half reduced to the simplest ranges that agree
    /// on `versions` (which must be sorted), for readable messages.
    pub(crate) fn simplify(&self, versions: &[semver::Version]) -> Self {
        let versions: Vec<SolverVersion> = versions.iter().map(SolverVersion::from).collect();
        let (pre, release): (Vec<&SolverVersion>, Vec<&SolverVersion>) =
            versions.iter().partition(|v| v.is_pre());
        // A half with no versions to agree on may be anything: copy the other.
        match (release.is_empty(), pre.is_empty()) {
            (true, true) => self.clone(),
            (false, true) => {
                let release = self.release.simplify(release.into_iter());
                Self {
                    pre: release.clone().into(),
                    release,
                }
            }
            (true, false) => {
                let pre = self.pre.ranges().simplify(pre.into_iter());
                Self {
                    release: pre.clone(),
                    pre: pre.into(),
                }
            }
            (false, false) => Self {
                release: self.release.simplify(release.into_iter()),
                pre: self.pre.ranges().simplify(pre.into_iter()).into(),
            },
        }
    }

    /// How many of the given versions this set holds: `releases` and
    /// `pres` are sorted ascending and hold only releases and only
    /// prereleases. A binary search per range, not a test per version:
    /// PubGrub asks this for every package each time its range narrows.
    pub(crate) fn count_among(&self, releases: &[SolverVersion], pres: &[SolverVersion]) -> usize {
        let pre = match &self.pre {
            PreRanges::Empty => 0,
            PreRanges::Full => pres.len(),
            PreRanges::Some(ranges) => count_in(ranges, pres),
        };
        count_in(&self.release, releases) + pre
    }
}

impl VersionSet for SemverSet {
    type V = SolverVersion;

    fn empty() -> Self {
        Self {
            release: Ranges::empty(),
            pre: PreRanges::Empty,
        }
    }

    /// A release without build metadata is taken with its build variants,
    /// `[1.4.2, 1.4.3)`: a plugin file holds at most one of them (README
    /// "Formats"), so no candidate tells the two sets apart, and the
    /// release half is never asked about the prereleases in between. That
    /// is what keeps PubGrub's merged dependency terms small: "1.4.2 and
    /// 1.4.3 depend on q ^1" unions two touching intervals into one
    /// instead of keeping a segment per version tried.
    fn singleton(v: SolverVersion) -> Self {
        if !v.is_pre() && !v.has_build() {
            let next = end_of(Half::Release, v.major(), Some(v.minor()), Some(v.patch()));
            Self {
                release: interval(Included(v), next),
                pre: PreRanges::Empty,
            }
        } else if !v.is_pre() {
            Self {
                release: Ranges::singleton(v),
                pre: PreRanges::Empty,
            }
        } else {
            Self {
                release: Ranges::empty(),
                pre: Ranges::singleton(v).into(),
            }
        }
    }

    fn complement(&self) -> Self {
        Self {
            release: self.release.complement(),
            pre: self.pre.complement(),
        }
    }

    fn intersection(&self, other: &Self) -> Self {
        Self {
            release: self.release.intersection(&other.release),
            pre: self.pre.intersection(&other.pre),
        }
    }

    fn contains(&self, v: &SolverVersion) -> bool {
        if !v.is_pre() {
            self.release.contains(v)
        } else {
            self.pre.contains(v)
        }
    }

    fn full() -> Self {
        Self {
            release: Ranges::full(),
            pre: PreRanges::Full,
        }
    }

    fn union(&self, other: &Self) -> Self {
        Self {
            release: self.release.union(&other.release),
            pre: self.pre.union(&other.pre),
        }
    }

    fn is_disjoint(&self, other: &Self) -> bool {
        self.release.is_disjoint(&other.release) && self.pre.is_disjoint(&other.pre)
    }

    fn subset_of(&self, other: &Self) -> bool {
        self.release.subset_of(&other.release) && self.pre.subset_of(&other.pre)
    }
}

/// Semver-ish text: `^1.2`, `>=1.4.0, <2.0.0`, `1.0.0`, `*`. The prerelease
/// half is merged in when that adds no release versions (`^1.0.0-beta`),
/// and spelled out after the release ranges otherwise.
impl fmt::Display for SemverSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.pre.is_empty() {
            return f.write_str(&display_ranges(&self.release));
        }
        let pre = self.pre.ranges();
        if pre.subset_of(&self.release) {
            return f.write_str(&display_ranges(&self.release));
        }
        if self.release.is_empty() {
            return f.write_str(&display_ranges(&pre));
        }
        let extra = pre.intersection(&self.release.complement());
        if holds_no_release(&extra) {
            return f.write_str(&display_ranges(&self.release.union(&pre)));
        }
        write!(
            f,
            "{} (prereleases: {})",
            display_ranges(&self.release),
            display_ranges(&pre)
        )
    }
}

/// How many of `sorted` (ascending) lie in `ranges`.
fn count_in(ranges: &Ranges<SolverVersion>, sorted: &[SolverVersion]) -> usize {
    ranges
        .iter()
        .map(|(lo, hi)| {
            let start = sorted.partition_point(|v| match lo {
                Included(b) => v < b,
                Excluded(b) => v <= b,
                Unbounded => false,
            });
            let end = sorted.partition_point(|v| match hi {
                Included(b) => v <= b,
                Excluded(b) => v < b,
                Unbounded => true,
            });
            end.saturating_sub(start)
        })
        .sum()
}

/// Whether every segment lies inside the prereleases of one `x.y.z`.
fn holds_no_release(ranges: &Ranges<SolverVersion>) -> bool {
    ranges.iter().all(|(lo, hi)| {
        let start = match lo {
            Included(v) | Excluded(v) if v.is_pre() => v,
            _ => return false,
        };
        let same = |v: &SolverVersion| v.triple() == start.triple();
        match hi {
            Excluded(v) => same(v) && (v.is_pre() || !v.has_build()),
            Included(v) => same(v) && v.is_pre(),
            Unbounded => false,
        }
    })
}

fn display_ranges(ranges: &Ranges<SolverVersion>) -> String {
    if ranges.is_empty() {
        return "(no versions)".to_owned();
    }
    let parts: Vec<String> = ranges
        .iter()
        .map(|(lo, hi)| display_segment(lo, hi))
        .collect();
    parts.join(" or ")
}

fn display_segment(lo: &Bound<SolverVersion>, hi: &Bound<SolverVersion>) -> String {
    match (lo, hi) {
        (Unbounded, Unbounded) => "*".to_owned(),
        (Unbounded, Included(b)) => format!("<={b}"),
        (Unbounded, Excluded(b)) => format!("<{b}"),
        (Included(a), Unbounded) => format!(">={a}"),
        (Excluded(a), Unbounded) => format!(">{a}"),
        (Included(a), Included(b)) if a == b => a.to_string(),
        (Included(a), Excluded(b)) if is_one_version(a, b) => a.to_string(),
        (Included(a), Excluded(b)) => match caret(a, b) {
            Some(text) => text,
            None => format!(">={a}, <{b}"),
        },
        (Included(a), Included(b)) => format!(">={a}, <={b}"),
        (Excluded(a), Included(b)) => format!(">{a}, <={b}"),
        (Excluded(a), Excluded(b)) => format!(">{a}, <{b}"),
    }
}

/// Whether `[a, b)` holds just `a` and its build variants.
fn is_one_version(a: &SolverVersion, b: &SolverVersion) -> bool {
    if a.has_build() || b.has_build() {
        return false;
    }
    if a.is_pre() {
        return b.pre_str() == format!("{}.0", a.pre_str()) && b.triple() == a.triple();
    }
    (!b.is_pre() || b.pre_str() == "0")
        && (b.major(), b.minor()) == (a.major(), a.minor())
        && a.patch().checked_add(1) == Some(b.patch())
}

/// `^a` when `[a, b)` is exactly what that caret requirement covers among
/// release versions, written as short as it stays equivalent (`^1.2`).
fn caret(a: &SolverVersion, b: &SolverVersion) -> Option<String> {
    if a.has_build() || b.is_pre() || b.has_build() {
        return None;
    }
    let upper = if a.major() > 0 {
        SolverVersion::new(a.major().checked_add(1)?, 0, 0)
    } else if a.minor() > 0 {
        SolverVersion::new(0, a.minor().checked_add(1)?, 0)
    } else {
        SolverVersion::new(0, 0, a.patch().checked_add(1)?)
    };
    if *b != upper {
        return None;
    }
    let text = if a.is_pre() || (a.major() == 0 && a.minor() == 0) || a.patch() != 0 {
        a.to_string()
    } else if a.minor() != 0 || a.major() == 0 {
        format!("{}.{}", a.major(), a.minor())
    } else {
        a.major().to_string()
    };
    Some(format!("^{text}"))
}

/// The two halves of one comparator, each taken by version order alone
/// (this is `semver`'s per-comparator rule before the prerelease filter).
fn comparator_halves(c: &Comparator) -> SemverSet {
    let (release, pre) = match (c.minor, c.patch) {
        (None, _) => partial(c.op, c.major, None),
        (Some(minor), None) => partial(c.op, c.major, Some(minor)),
        (Some(minor), Some(patch)) => full_comparator(c.op, c.major, minor, patch, &c.pre),
    };
    SemverSet {
        release,
        pre: pre.into(),
    }
}

/// Which half a bound is built for: release bounds sit on release versions,
/// prerelease bounds on `x.y.z-0`, the lowest version of a triple.
#[derive(Clone, Copy)]
enum Half {
    Release,
    Pre,
}

fn at(half: Half, major: u64, minor: u64, patch: u64) -> SolverVersion {
    match half {
        Half::Release => SolverVersion::new(major, minor, patch),
        Half::Pre => with_pre(major, minor, patch, lowest_pre()),
    }
}

/// `major.minor.patch-pre`.
fn with_pre(major: u64, minor: u64, patch: u64, pre: Prerelease) -> SolverVersion {
    semver::Version {
        major,
        minor,
        patch,
        pre,
        build: semver::BuildMetadata::EMPTY,
    }
    .into()
}

fn lowest_pre() -> Prerelease {
    Prerelease::new("0").expect("`0` is a valid prerelease")
}

/// The lowest version above every version of the given prefix: the next
/// major / minor / patch (at its `-0` prerelease in the `Pre` half).
fn end_of(half: Half, major: u64, minor: Option<u64>, patch: Option<u64>) -> Bound<SolverVersion> {
    let next = match (minor, patch) {
        (Some(minor), Some(patch)) => patch
            .checked_add(1)
            .map(|p| at(half, major, minor, p))
            .or_else(|| minor.checked_add(1).map(|m| at(half, major, m, 0))),
        (Some(minor), None) => minor.checked_add(1).map(|m| at(half, major, m, 0)),
        (None, _) => None,
    }
    .or_else(|| major.checked_add(1).map(|m| at(half, m, 0, 0)));
    next.map_or(Unbounded, Excluded)
}

fn interval(lo: Bound<SolverVersion>, hi: Bound<SolverVersion>) -> Ranges<SolverVersion> {
    Ranges::from_range_bounds((lo, hi))
}

/// Everything from `hi` upwards, where `hi` is an exclusive upper bound.
fn from_end(hi: Bound<SolverVersion>) -> Ranges<SolverVersion> {
    match hi {
        Excluded(v) | Included(v) => interval(Included(v), Unbounded),
        Unbounded => Ranges::empty(),
    }
}

/// All prereleases of `major.minor.patch` (with any build metadata).
fn prereleases_of(major: u64, minor: u64, patch: u64) -> Ranges<SolverVersion> {
    interval(
        Included(at(Half::Pre, major, minor, patch)),
        Excluded(SolverVersion::new(major, minor, patch)),
    )
}

/// Comparators that give only `major` or `major.minor`; they never carry a
/// prerelease, so an exact match (`=1.2`, `1.*`, `~1`) takes releases only.
fn partial(
    op: Op,
    major: u64,
    minor: Option<u64>,
) -> (Ranges<SolverVersion>, Ranges<SolverVersion>) {
    let start = |half| Included(at(half, major, minor.unwrap_or(0), 0));
    let block = |half| interval(start(half), end_of(half, major, minor, None));
    let before = |half| interval(Unbounded, Excluded(at(half, major, minor.unwrap_or(0), 0)));
    let after = |half| from_end(end_of(half, major, minor, None));
    match op {
        Op::Exact | Op::Wildcard | Op::Tilde => (block(Half::Release), Ranges::empty()),
        Op::Greater => (after(Half::Release), after(Half::Pre)),
        Op::GreaterEq => (interval(start(Half::Release), Unbounded), after(Half::Pre)),
        Op::Less => (before(Half::Release), before(Half::Pre)),
        Op::LessEq => (
            interval(Unbounded, end_of(Half::Release, major, minor, None)),
            before(Half::Pre),
        ),
        Op::Caret => match minor {
            Some(_) if major > 0 => (
                interval(
                    start(Half::Release),
                    end_of(Half::Release, major, None, None),
                ),
                interval(start(Half::Pre), end_of(Half::Pre, major, None, None)),
            ),
            _ => (block(Half::Release), block(Half::Pre)),
        },
        _ => (Ranges::empty(), Ranges::empty()),
    }
}

/// Comparators with a full `major.minor.patch`, maybe with a prerelease.
fn full_comparator(
    op: Op,
    major: u64,
    minor: u64,
    patch: u64,
    pre: &Prerelease,
) -> (Ranges<SolverVersion>, Ranges<SolverVersion>) {
    let release = SolverVersion::new(major, minor, patch);
    let exact = with_pre(major, minor, patch, pre.clone());
    let release_end = end_of(Half::Release, major, Some(minor), Some(patch));
    let pre_end = end_of(Half::Pre, major, Some(minor), Some(patch));
    // The lowest version above `exact` and all its build variants.
    let above_exact = if pre.is_empty() {
        pre_end.clone()
    } else {
        Excluded(with_pre(
            major,
            minor,
            patch,
            Prerelease::new(&format!("{pre}.0")).expect("appending `.0` keeps it valid"),
        ))
    };
    // The lowest prerelease that `>=exact` accepts by version order: `exact`
    // itself, or for a release the next triple's lowest prerelease.
    let pre_from = match (&pre_end, pre.is_empty()) {
        (_, false) => Some(exact.clone()),
        (Excluded(v) | Included(v), true) => Some(v.clone()),
        (Unbounded, true) => None,
    };
    let pre_from_to = |hi: Bound<SolverVersion>| match &pre_from {
        Some(v) => interval(Included(v.clone()), hi),
        None => Ranges::empty(),
    };
    let all_above = |hi: Bound<SolverVersion>| interval(Included(release.clone()), hi);
    match op {
        Op::Exact | Op::Wildcard if pre.is_empty() => (all_above(release_end), Ranges::empty()),
        Op::Exact | Op::Wildcard => (Ranges::empty(), interval(Included(exact), above_exact)),
        Op::Greater if pre.is_empty() => (from_end(release_end), from_end(pre_end)),
        Op::Greater => (all_above(Unbounded), from_end(above_exact)),
        Op::GreaterEq => (all_above(Unbounded), pre_from_to(Unbounded)),
        Op::Less => (
            interval(Unbounded, Excluded(release.clone())),
            interval(Unbounded, Excluded(exact)),
        ),
        Op::LessEq if pre.is_empty() => (
            interval(Unbounded, release_end),
            interval(Unbounded, Excluded(release)),
        ),
        Op::LessEq => (
            interval(Unbounded, Excluded(release)),
            interval(Unbounded, above_exact),
        ),
        Op::Tilde => (
            all_above(end_of(Half::Release, major, Some(minor), None)),
            pre_from_to(end_of(Half::Pre, major, Some(minor), None)),
        ),
        Op::Caret if major > 0 => (
            all_above(end_of(Half::Release, major, None, None)),
            pre_from_to(end_of(Half::Pre, major, None, None)),
        ),
        Op::Caret if minor > 0 => (
            all_above(end_of(Half::Release, major, Some(minor), None)),
            pre_from_to(end_of(Half::Pre, major, Some(minor), None)),
        ),
        Op::Caret if pre.is_empty() => (all_above(release_end), Ranges::empty()),
        Op::Caret => (
            all_above(release_end),
            interval(Included(exact), Excluded(release)),
        ),
        _ => (Ranges::empty(), Ranges::empty()),
    }
}

#[cfg(test)]
#[path = "version_set_tests.rs"]
mod tests;
