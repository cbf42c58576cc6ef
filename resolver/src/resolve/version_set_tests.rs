//! `SemverSet` against `semver::VersionReq::matches`, exhaustively over small
//! versions and randomly over requirements.

use proptest::prelude::*;
use pubgrub::VersionSet;
use semver::{Comparator, Op, Prerelease, Version, VersionReq};

use super::{SemverSet, SolverVersion};

const PRES: &[&str] = &["", "0", "alpha", "alpha.0", "alpha.1", "beta", "rc.2"];

/// Every version with numbers 0..4 and each prerelease, with and without
/// build metadata: ~900 versions, checked for each generated requirement.
fn universe() -> Vec<Version> {
    let mut all = Vec::new();
    for major in 0..4 {
        for minor in 0..4 {
            for patch in 0..4 {
                for pre in PRES {
                    for build in ["", "b1"] {
                        let text = match (pre.is_empty(), build.is_empty()) {
                            (true, true) => format!("{major}.{minor}.{patch}"),
                            (false, true) => format!("{major}.{minor}.{patch}-{pre}"),
                            (true, false) => format!("{major}.{minor}.{patch}+{build}"),
                            (false, false) => format!("{major}.{minor}.{patch}-{pre}+{build}"),
                        };
                        all.push(Version::parse(&text).expect("test version parses"));
                    }
                }
            }
        }
    }
    all
}

fn comparator() -> impl Strategy<Value = String> {
    let op = prop::sample::select(vec!["=", ">", ">=", "<", "<=", "~", "^", ""]);
    let pre = prop::sample::select(PRES.to_vec());
    let shape = 0..6u8;
    (op, 0..4u64, 0..4u64, 0..4u64, pre, shape).prop_map(|(op, ma, mi, pa, pre, shape)| match shape
    {
        0 => format!("{op}{ma}"),
        1 => format!("{op}{ma}.{mi}"),
        2 => format!("{ma}.*"),
        3 => format!("{ma}.{mi}.*"),
        4 if !pre.is_empty() => format!("{op}{ma}.{mi}.{pa}-{pre}"),
        _ => format!("{op}{ma}.{mi}.{pa}"),
    })
}

fn requirement() -> impl Strategy<Value = VersionReq> {
    prop_oneof![
        1 => Just("*".to_owned()),
        12 => prop::collection::vec(comparator(), 1..4).prop_map(|c| c.join(", ")),
    ]
    .prop_filter_map("semver rejects it", |text| VersionReq::parse(&text).ok())
}

/// What `--pre` means for a prerelease: every comparator accepts it by
/// version order. `semver` applies its prerelease filter after that; adding
/// `>=x.y.z-0` for the version's own triple satisfies the filter and accepts
/// every prerelease of that triple, leaving the other comparators to decide.
fn matches_allowing_pre(req: &VersionReq, v: &Version) -> bool {
    if v.pre.is_empty() {
        return req.matches(v);
    }
    let mut widened = req.clone();
    widened.comparators.push(Comparator {
        op: Op::GreaterEq,
        major: v.major,
        minor: Some(v.minor),
        patch: Some(v.patch),
        pre: Prerelease::new("0").expect("valid prerelease"),
    });
    widened.matches(v)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 600, ..ProptestConfig::default() })]

    #[test]
    fn contains_is_exactly_matches(req in requirement()) {
        let set = SemverSet::from_req(&req);
        let pre = SemverSet::from_req_allow_pre(&req);
        for v in universe() {
            prop_assert_eq!(set.contains_version(&v), req.matches(&v), "`{}` vs {}", req, v);
            prop_assert_eq!(pre.contains_version(&v), matches_allowing_pre(&req, &v), "--pre `{}` vs {}", req, v);
        }
    }

    #[test]
    fn operations_behave_as_sets(a in requirement(), b in requirement(), allow in any::<bool>()) {
        let make = |r: &VersionReq| if allow { SemverSet::from_req_allow_pre(r) } else { SemverSet::from_req(r) };
        let (sa, sb) = (make(&a), make(&b));
        let both = sa.intersection(&sb);
        let either = sa.union(&sb);
        let not_a = sa.complement();
        prop_assert_eq!(&either, &sa.complement().intersection(&sb.complement()).complement());
        prop_assert_eq!(sa.is_disjoint(&sb), both == SemverSet::empty());
        prop_assert_eq!(both.subset_of(&sa), true);
        prop_assert_eq!(sa.subset_of(&sb), sa == both);
        for v in universe() {
            prop_assert_eq!(both.contains_version(&v), sa.contains_version(&v) && sb.contains_version(&v));
            prop_assert_eq!(either.contains_version(&v), sa.contains_version(&v) || sb.contains_version(&v));
            prop_assert_eq!(not_a.contains_version(&v), !sa.contains_version(&v));
        }
    }

    /// Counting by binary search agrees with testing every version, on
    /// every shape PubGrub builds (complements, unions, intersections).
    #[test]
    fn count_among_is_the_number_contained(a in requirement(), b in requirement(), allow in any::<bool>()) {
        let make = |r: &VersionReq| if allow { SemverSet::from_req_allow_pre(r) } else { SemverSet::from_req(r) };
        let (sa, sb) = (make(&a), make(&b));
        let mut all = universe();
        all.sort();
        let (pres, releases): (Vec<SolverVersion>, Vec<SolverVersion>) = all.iter().map(SolverVersion::from).partition(SolverVersion::is_pre);
        for set in [sa.clone(), sa.complement(), sa.union(&sb), sa.intersection(&sb.complement())] {
            let expected = all.iter().filter(|v| set.contains_version(v)).count();
            prop_assert_eq!(set.count_among(&releases, &pres), expected, "{}", set);
        }
    }
}

#[test]
fn singleton_holds_its_version_and_for_a_release_its_build_variants() {
    for v in universe() {
        let set = SemverSet::singleton(SolverVersion::from(&v));
        let hits: Vec<_> = universe()
            .into_iter()
            .filter(|u| set.contains_version(u))
            .collect();
        // A plain release holds its build variants too (one version, as a
        // plugin file may hold only one of them); anything else only itself.
        let expected: Vec<_> = universe()
            .into_iter()
            .filter(|u| match v.pre.is_empty() && v.build.is_empty() {
                true => {
                    (u.major, u.minor, u.patch) == (v.major, v.minor, v.patch) && u.pre.is_empty()
                }
                false => *u == v,
            })
            .collect();
        assert_eq!(hits, expected, "{v}");
        assert_eq!(set.to_string(), v.to_string());
    }
}

#[test]
fn extreme_numbers_do_not_overflow() {
    let max = u64::MAX;
    for text in [
        format!("^{max}"),
        format!("~{max}.{max}.{max}"),
        format!(">{max}.{max}.{max}"),
        format!("<={max}.{max}"),
        format!("={max}.{max}.{max}-rc.1"),
    ] {
        let req = VersionReq::parse(&text).expect("parses");
        let set = SemverSet::from_req(&req);
        let top = Version::new(max, max, max);
        assert_eq!(set.contains_version(&top), req.matches(&top), "{text}");
    }
}

#[test]
fn displays_like_requirements() {
    let show =
        |req: &str| SemverSet::from_req(&VersionReq::parse(req).expect("parses")).to_string();
    assert_eq!(show("^1.2"), "^1.2");
    assert_eq!(show("^1"), "^1");
    assert_eq!(show("^0.3.1"), "^0.3.1");
    assert_eq!(show(">=1.4.0, <1.9.0"), ">=1.4.0, <1.9.0");
    assert_eq!(show(">=2.0.0"), ">=2.0.0");
    assert_eq!(show("=1.0.0"), "1.0.0");
    assert_eq!(show("=1.0.0-beta"), "1.0.0-beta");
    assert_eq!(show("^1.0.0-beta"), "^1.0.0-beta");
    assert_eq!(show("*"), "*");
    assert_eq!(show("<1.0.0, >1.0.0"), "(no versions)");
}
