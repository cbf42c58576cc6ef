//! Conflicts on a slice of the real crates.io graph, as reviewed snapshots.
//!
//! `testdata/real_graph.tsv` holds every version of a few crates (those the
//! conflicts below need), one line each:
//! `name <TAB> version <TAB> engine requirement <TAB> y|- (yanked) <TAB> deps`,
//! deps as `name requirement` joined by `;`. The engine is `rustc` and a
//! crate's `rust-version` is its requirement (`>=1.71`, `*` when absent);
//! only normal, non-optional, target-independent dependencies on crates of
//! the slice are kept; `_` becomes `-`; versions with build metadata or a
//! requirement semver cannot read are left out.
//!
//! Regenerate it from cargo's registry cache (after `cargo fetch` of any
//! project that knows these crates) with
//! `cargo test -p plugres --lib real_graph -- --ignored regenerate`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use semver::{Version, VersionReq};

use super::fixture::{Index, ver};
use super::{Request, ResolveError, resolve};

const FIXTURE: &str = include_str!("testdata/real_graph.tsv");

/// The crates of the slice, as crates.io names them.
const CRATES: &[&str] = &[
    "syn",
    "thiserror",
    "thiserror-impl",
    "proc-macro2",
    "quote",
    "unicode-ident",
    "dashmap",
    "hashbrown",
    "minisign",
    "scrypt",
    "ct-codecs",
    "cfg-if",
    "lock_api",
    "scopeguard",
    "once_cell",
];

/// The fixture as an in-memory index.
fn index() -> Index {
    let mut index = Index::new();
    for line in FIXTURE.lines() {
        let fields: Vec<&str> = line.split('\t').collect();
        let [name, version, engine, yanked, deps] = fields[..] else {
            panic!("fixture line `{line}`: expected 5 tab-separated fields");
        };
        index = index.plugin(name).version(version).engine(engine);
        if yanked == "y" {
            index = index.yanked("");
        }
        for dep in deps.split(';').filter(|d| !d.is_empty()) {
            let (dep, req) = dep.split_once(' ').expect("`name requirement`");
            index = index.dep(dep, req);
        }
    }
    index
}

fn request(rustc: &str, roots: &[(&str, &str)]) -> Request {
    let mut request = super::fixture::request(rustc, roots);
    request.engine_name = "rustc".to_owned();
    request
}

/// Explanation then `hint:` lines, as the CLI prints them.
fn failure(request: &Request) -> String {
    super::tests::failure(&index(), request)
}

#[test]
fn fixture_reads_and_resolves() {
    let r = resolve(
        &index(),
        &request("1.80.0", &[("thiserror", "*"), ("dashmap", "*")]),
    )
    .expect("a resolution");
    assert_eq!(r.packages["syn"], ver("3.0.10"));
}

/// Reads cargo's cache file of one crate: a header (format version,
/// index version, revision, NUL), then `version NUL json NUL` pairs.
fn cached_entries(cache: &Path, name: &str) -> Vec<serde_json::Value> {
    let path = match name.len() {
        1 => format!("1/{name}"),
        2 => format!("2/{name}"),
        3 => format!("3/{}/{name}", &name[..1]),
        _ => format!("{}/{}/{name}", &name[..2], &name[2..4]),
    };
    let bytes = std::fs::read(cache.join(&path))
        .unwrap_or_else(|e| panic!("{}: {e}", cache.join(&path).display()));
    bytes
        .split(|b| *b == 0)
        .filter(|part| part.first() == Some(&b'{'))
        .map(|json| serde_json::from_slice(json).expect("an index entry"))
        .collect()
}

/// One fixture line of a crates.io index entry, `None` when left out.
fn fixture_line(entry: &serde_json::Value, slice: &BTreeSet<String>) -> Option<String> {
    let text = |v: &serde_json::Value| v.as_str().unwrap_or_default().to_owned();
    let name = text(&entry["name"]).replace('_', "-");
    let version = Version::parse(entry["vers"].as_str()?).ok()?;
    if !version.build.is_empty() {
        return None;
    }
    let engine = match entry["rust_version"].as_str() {
        Some(rust) => format!(">={rust}"),
        None => "*".to_owned(),
    };
    VersionReq::parse(&engine).ok()?;
    let mut deps = Vec::new();
    for dep in entry["deps"].as_array()? {
        let kind = dep["kind"].as_str().unwrap_or("normal");
        if kind != "normal" || dep["optional"] == true || !dep["target"].is_null() {
            continue;
        }
        let dep_name = dep["package"].as_str().or(dep["name"].as_str())?;
        let dep_name = dep_name.replace('_', "-");
        let req = text(&dep["req"]);
        VersionReq::parse(&req).ok()?;
        if slice.contains(&dep_name) {
            deps.push(format!("{dep_name} {req}"));
        }
    }
    let yanked = if entry["yanked"] == true { "y" } else { "-" };
    Some(format!(
        "{name}\t{version}\t{engine}\t{yanked}\t{}",
        deps.join(";")
    ))
}

#[test]
#[ignore = "rewrites testdata/real_graph.tsv from cargo's registry cache"]
fn regenerate() {
    let home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(std::env::var_os("HOME").expect("HOME")).join(".cargo"));
    let cache = home.join("registry/index/index.crates.io-1949cf8c6b5b557f/.cache");
    let slice: BTreeSet<String> = CRATES.iter().map(|c| c.replace('_', "-")).collect();
    let mut lines = BTreeMap::new();
    for name in CRATES {
        let kept: Vec<String> = cached_entries(&cache, name)
            .iter()
            .filter_map(|e| fixture_line(e, &slice))
            .collect();
        lines.insert(name.replace('_', "-"), kept);
    }
    let text: String = lines.values().flatten().map(|l| format!("{l}\n")).collect();
    let out = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src/resolve/testdata/real_graph.tsv");
    std::fs::write(&out, text).expect("write the fixture");
}

/// `syn ^2` in the project, and a thiserror new enough that its
/// thiserror-impl needs syn ^3.
#[test]
fn syn_2_against_a_thiserror_that_needs_syn_3() {
    let text = failure(&request(
        "1.80.0",
        &[("syn", "^2"), ("thiserror", "^2.0.19")],
    ));
    insta::assert_snapshot!("syn_2_against_a_thiserror_that_needs_syn_3", text);
}

/// syn held below 2.0.87 on rustc 1.70: every thiserror 2 up to 2.0.18
/// needs syn ^2.0.87 through its thiserror-impl, and the newer ones need a
/// newer rustc. PubGrub proves it one patch release at a time (59 lines).
#[test]
fn syn_pinned_low_against_thiserror_on_an_old_rustc() {
    let text = failure(&request(
        "1.70.0",
        &[("syn", "<2.0.87"), ("thiserror", "^2")],
    ));
    insta::assert_snapshot!("syn_pinned_low_against_thiserror_on_an_old_rustc", text);
}

/// The same conflict's every step, as `--verbose` prints it: ranges stay
/// ranges the sentence is true of, no step piles up negations.
#[test]
fn syn_pinned_low_against_thiserror_step_by_step() {
    let request = request("1.70.0", &[("syn", "<2.0.87"), ("thiserror", "^2")]);
    let Err(ResolveError::NoSolution { derivation, .. }) = resolve(&index(), &request) else {
        panic!("expected no solution");
    };
    for negation in ["not rustc", "not syn", "not thiserror"] {
        assert!(!derivation.contains(negation), "{derivation}");
    }
    insta::assert_snapshot!("syn_pinned_low_against_thiserror_step_by_step", derivation);
}

/// dashmap 5.3–6.2 need hashbrown ^0.12 or ^0.14, with yanked versions in
/// the middle of those ranges; the project wants hashbrown ^0.15.
#[test]
fn dashmap_against_a_newer_hashbrown() {
    let text = failure(&request(
        "1.80.0",
        &[("dashmap", ">=5.3"), ("hashbrown", "^0.15")],
    ));
    insta::assert_snapshot!("dashmap_against_a_newer_hashbrown", text);
}

/// minisign ^0.10 has one version, which requires `scrypt ^0.11.0`; the
/// project wants scrypt ^0.12.
#[test]
fn minisign_requires_an_older_scrypt() {
    let text = failure(&request(
        "1.90.0",
        &[("minisign", "^0.10"), ("scrypt", "^0.12")],
    ));
    insta::assert_snapshot!("minisign_requires_an_older_scrypt", text);
}

/// Every minisign depends on some scrypt older than 0.12, through ten
/// different requirements over its history.
#[test]
fn no_minisign_takes_scrypt_0_12() {
    let text = failure(&request(
        "1.90.0",
        &[("minisign", "*"), ("scrypt", "^0.12")],
    ));
    insta::assert_snapshot!("no_minisign_takes_scrypt_0_12", text);
}

/// Every syn ^3 needs rustc 1.71 or newer.
#[test]
fn rustc_too_old_for_syn_3() {
    let text = failure(&request("1.65.0", &[("syn", "^3")]));
    insta::assert_snapshot!("rustc_too_old_for_syn_3", text);
}

/// thiserror ^2 on rustc 1.60: too old for any thiserror 2 (1.61 and up).
#[test]
fn rustc_too_old_for_thiserror_2() {
    let text = failure(&request("1.60.0", &[("thiserror", "^2")]));
    insta::assert_snapshot!("rustc_too_old_for_thiserror_2", text);
}
