//! `SemverSet` against `semver::VersionReq::matches`, exhaustively over small
//! versions and randomly over requirements.

use proptest::prelude::*;
use pubgrub::VersionSet;
use semver::{Comparator, Op, Prerelease, Version, VersionReq};

use super::SemverSet;

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
            prop_assert_eq!(set.contains(&v), req.matches(&v), "`{}` vs {}", req, v);
            prop_assert_eq!(pre.contains(&v), matches_allowing_pre(&req, &v), "--pre `{}` vs {}", req, v);
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
            prop_assert_eq!(both.contains(&v), sa.contains(&v) && sb.contains(&v));
            prop_assert_eq!(either.contains(&v), sa.contains(&v) || sb.contains(&v));
            prop_assert_eq!(not_a.contains(&v), !sa.contains(&v));
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
        let (pres, releases): (Vec<Version>, Vec<Version>) = all.iter().cloned().partition(|v| !v.pre.is_empty());
        for set in [sa.clone(), sa.complement(), sa.union(&sb), sa.intersection(&sb.complement())] {
            let expected = all.iter().filter(|v| set.contains(v)).count();
            prop_assert_eq!(set.count_among(&releases, &pres), expected, "{}", set);
        }
    }
}

#[test]
fn singleton_holds_only_its_version() {
    for v in universe() {
        let set = SemverSet::singleton(v.clone());
        assert_eq!(set.as_singleton(), Some(&v));
        let hits: Vec<_> = universe().into_iter().filter(|u| set.contains(u)).collect();
        assert_eq!(hits, vec![v]);
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
        assert_eq!(set.contains(&top), req.matches(&top), "{text}");
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
