//! `SemverSet` against `semver::VersionReq::matches`, on requirements and
//! versions built from the input (the same rule as the proptest in
//! `resolver/src/resolve/version_set_tests.rs`, over a wider space: large
//! and extreme numbers, any prerelease, build metadata).
//!
//! * `from_req(r).contains(v) == r.matches(v)`;
//! * `from_req_allow_pre(r).contains(v) == matches_allowing_pre(r, v)`;
//! * intersection, union and complement agree with `&&`, `||` and `!`;
//! * `Display` never panics.

#![no_main]

use arbitrary::{Arbitrary, Unstructured};
use libfuzzer_sys::fuzz_target;
use plugres::resolve::SemverSet;
use pubgrub::VersionSet;
use semver::{Comparator, Op, Prerelease, Version, VersionReq};

const OPS: [&str; 8] = ["=", ">", ">=", "<", "<=", "~", "^", ""];
const PRES: [&str; 9] = [
    "", "0", "alpha", "alpha.0", "alpha.1", "beta", "rc.2", "1", "a-b.00x",
];

/// A number: mostly tiny (so requirements and versions meet), sometimes at
/// the edge of `u64`.
fn number(u: &mut Unstructured<'_>) -> arbitrary::Result<u64> {
    Ok(match u.int_in_range(0..=9u8)? {
        0..=5 => u64::from(u.int_in_range(0..=3u8)?),
        6 => u64::MAX,
        7 => u64::MAX - 1,
        8 => u64::from(u32::MAX),
        _ => u64::arbitrary(u)?,
    })
}

/// A prerelease: one of the proptest's, or any identifier text.
fn prerelease(u: &mut Unstructured<'_>) -> arbitrary::Result<String> {
    if u.ratio(1, 8)? {
        let s = String::arbitrary(u)?;
        return Ok(s.chars().take(12).collect());
    }
    Ok(PRES[usize::from(u.int_in_range(0..=8u8)?)].to_owned())
}

fn comparator(u: &mut Unstructured<'_>) -> arbitrary::Result<String> {
    let op = OPS[usize::from(u.int_in_range(0..=7u8)?)];
    let (ma, mi, pa) = (number(u)?, number(u)?, number(u)?);
    let pre = prerelease(u)?;
    Ok(match u.int_in_range(0..=6u8)? {
        0 => format!("{op}{ma}"),
        1 => format!("{op}{ma}.{mi}"),
        2 => format!("{ma}.*"),
        3 => format!("{ma}.{mi}.*"),
        4 => format!("{op}{ma}.*"),
        5 if !pre.is_empty() => format!("{op}{ma}.{mi}.{pa}-{pre}"),
        _ => format!("{op}{ma}.{mi}.{pa}"),
    })
}

fn requirement(u: &mut Unstructured<'_>) -> arbitrary::Result<Option<VersionReq>> {
    let text = if u.ratio(1, 16)? {
        "*".to_owned()
    } else {
        let n = u.int_in_range(1..=3u8)?;
        let parts = (0..n)
            .map(|_| comparator(u))
            .collect::<arbitrary::Result<Vec<_>>>()?;
        parts.join(", ")
    };
    Ok(VersionReq::parse(&text).ok())
}

fn version(u: &mut Unstructured<'_>) -> arbitrary::Result<Option<Version>> {
    let mut text = format!("{}.{}.{}", number(u)?, number(u)?, number(u)?);
    let pre = prerelease(u)?;
    if !pre.is_empty() {
        text = format!("{text}-{pre}");
    }
    if u.ratio(1, 4)? {
        text.push_str("+b1");
    }
    Ok(Version::parse(&text).ok())
}

/// What `--pre` means for a prerelease (copied from the proptest): every
/// comparator accepts it by version order. Adding `>=x.y.z-0` for the
/// version's own triple satisfies semver's prerelease filter and accepts
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

/// Also the versions right at each comparator's numbers, where off-by-one
/// bounds would show.
fn versions_near(req: &VersionReq, out: &mut Vec<Version>) {
    for c in &req.comparators {
        let (mi, pa) = (c.minor.unwrap_or(0), c.patch.unwrap_or(0));
        let mut v = Version::new(c.major, mi, pa);
        out.push(v.clone());
        v.pre = c.pre.clone();
        out.push(v.clone());
        v.pre = Prerelease::new("0").expect("valid prerelease");
        out.push(v.clone());
        if let Some(p) = pa.checked_add(1) {
            out.push(Version::new(c.major, mi, p));
        }
    }
}

fn run(u: &mut Unstructured<'_>) -> arbitrary::Result<()> {
    let (Some(a), Some(b)) = (requirement(u)?, requirement(u)?) else {
        return Ok(());
    };
    let mut versions = Vec::new();
    for _ in 0..u.int_in_range(0..=8u8)? {
        if let Some(v) = version(u)? {
            versions.push(v);
        }
    }
    versions_near(&a, &mut versions);
    versions_near(&b, &mut versions);

    let (sa, sb) = (SemverSet::from_req(&a), SemverSet::from_req(&b));
    let (pa, pb) = (
        SemverSet::from_req_allow_pre(&a),
        SemverSet::from_req_allow_pre(&b),
    );
    let _ = (sa.to_string(), pa.to_string());
    let both = sa.intersection(&sb);
    let either = pa.union(&pb);
    let not_a = sa.complement();
    for v in &versions {
        assert_eq!(sa.contains(v), a.matches(v), "`{a}` vs {v}");
        assert_eq!(sb.contains(v), b.matches(v), "`{b}` vs {v}");
        assert_eq!(
            pa.contains(v),
            matches_allowing_pre(&a, v),
            "--pre `{a}` vs {v}"
        );
        assert_eq!(
            both.contains(v),
            a.matches(v) && b.matches(v),
            "`{a}` and `{b}` vs {v}"
        );
        assert_eq!(
            either.contains(v),
            matches_allowing_pre(&a, v) || matches_allowing_pre(&b, v),
            "--pre `{a}` or `{b}` vs {v}"
        );
        assert_eq!(not_a.contains(v), !a.matches(v), "not `{a}` vs {v}");
    }
    Ok(())
}

fuzz_target!(|data: &[u8]| {
    let _ = run(&mut Unstructured::new(data));
});
