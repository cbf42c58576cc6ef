//! Resolution scenarios on small in-memory indexes, and the wording of
//! failures as reviewed snapshots.

use super::fixture::{Index, request, ver};
use super::{Request, Resolution, ResolveError, SourceError, newest, resolve};

fn solve(index: &Index, request: &Request) -> Resolution {
    resolve(index, request).unwrap_or_else(|e| panic!("expected a resolution, got: {e}"))
}

/// The explanation followed by `hint:` lines, as the CLI would print them.
pub(super) fn failure(index: &Index, request: &Request) -> String {
    match resolve(index, request) {
        Ok(r) => panic!("expected no solution, got {:?}", r.packages),
        Err(ResolveError::NoSolution {
            explanation, hints, ..
        }) => {
            let mut text = explanation;
            for hint in hints {
                text.push_str("\nhint: ");
                text.push_str(&hint);
            }
            text
        }
        Err(other) => panic!("expected no solution, got: {other}"),
    }
}

fn chosen(resolution: &Resolution) -> Vec<String> {
    resolution
        .packages
        .iter()
        .map(|(n, v)| format!("{n} {v}"))
        .collect()
}

#[test]
fn picks_the_highest_versions_and_records_edges() {
    #[rustfmt::skip]
    let index = Index::new()
        .plugin("a").version("1.0.0").version("1.1.0").dep("b", "^1")
        .plugin("b").version("1.0.0").version("1.2.0").version("2.0.0");
    let r = solve(&index, &request("1.4.2", &[("a", "^1")]));
    assert_eq!(chosen(&r), ["a 1.1.0", "b 1.2.0"]);
    assert_eq!(r.roots, ["a"]);
    assert_eq!(r.dependencies["a"], ["b"]);
    assert!(r.dependencies["b"].is_empty());
    assert!(r.warnings.is_empty());
}

#[test]
fn skips_versions_made_for_another_engine() {
    #[rustfmt::skip]
    let index = Index::new()
        .plugin("hello-world")
            .version("1.0.0").engine(">=1.0, <2")
            .version("1.5.0").engine(">=1.5")
            .version("2.0.0").engine(">=2.0.0");
    let r = solve(&index, &request("1.4.2", &[("hello-world", "*")]));
    assert_eq!(chosen(&r), ["hello-world 1.0.0"]);
}

#[test]
fn backtracks_out_of_a_dependency_conflict() {
    #[rustfmt::skip]
    let index = Index::new()
        .plugin("app").version("1.0.0").dep("lib", "^1").version("2.0.0").dep("lib", "^2")
        .plugin("lib").version("1.3.0").version("2.0.0").engine(">=3");
    let r = solve(&index, &request("1.4.2", &[("app", "*")]));
    assert_eq!(chosen(&r), ["app 1.0.0", "lib 1.3.0"]);
}

#[test]
fn prefers_the_locked_version_when_it_is_in_range() {
    #[rustfmt::skip]
    let index = Index::new()
        .plugin("a").version("1.0.0").version("1.1.0").version("2.0.0");
    let mut req = request("1.0.0", &[("a", "^1")]);
    req.locked.insert("a".into(), ver("1.0.0"));
    assert_eq!(chosen(&solve(&index, &req)), ["a 1.0.0"]);
    req.locked.insert("a".into(), ver("2.0.0"));
    assert_eq!(chosen(&solve(&index, &req)), ["a 1.1.0"]);
}

#[test]
fn yanked_versions_only_when_locked_and_then_with_a_warning() {
    #[rustfmt::skip]
    let index = Index::new()
        .plugin("a").version("1.0.0").version("1.1.0").yanked("corrupt archive");
    let mut req = request("1.0.0", &[("a", "^1")]);
    assert_eq!(chosen(&solve(&index, &req)), ["a 1.0.0"]);
    req.locked.insert("a".into(), ver("1.1.0"));
    let r = solve(&index, &req);
    assert_eq!(chosen(&r), ["a 1.1.0"]);
    assert_eq!(
        r.warnings,
        ["using yanked `a 1.1.0` (locked): corrupt archive"]
    );
}

#[test]
fn versions_without_an_artifact_are_never_chosen() {
    #[rustfmt::skip]
    let index = Index::new()
        .plugin("a").version("1.0.0").version("1.1.0").unusable();
    let mut req = request("1.0.0", &[("a", "^1")]);
    req.locked.insert("a".into(), ver("1.1.0"));
    assert_eq!(chosen(&solve(&index, &req)), ["a 1.0.0"]);
}

#[test]
fn prereleases_need_a_requirement_that_names_one_or_pre() {
    #[rustfmt::skip]
    let index = Index::new()
        .plugin("a").version("1.0.0").version("2.0.0-beta.1");
    assert_eq!(
        chosen(&solve(&index, &request("1.0.0", &[("a", "*")]))),
        ["a 1.0.0"]
    );
    let named = request("1.0.0", &[("a", "^2.0.0-beta")]);
    assert_eq!(chosen(&solve(&index, &named)), ["a 2.0.0-beta.1"]);
    let mut pre = request("1.0.0", &[("a", ">=1.5")]);
    pre.allow_prerelease = true;
    assert_eq!(chosen(&solve(&index, &pre)), ["a 2.0.0-beta.1"]);
}

#[test]
fn source_errors_abort_with_their_message() {
    #[rustfmt::skip]
    let index = Index::new()
        .plugin("a").version("1.0.0").dep("b", "^1")
        .failing("b", "GET https://plugins.example/b/index.toml: 503 Service Unavailable");
    match resolve(&index, &request("1.0.0", &[("a", "^1")])) {
        Err(ResolveError::Source(e)) => {
            assert_eq!(
                e.to_string(),
                "GET https://plugins.example/b/index.toml: 503 Service Unavailable"
            )
        }
        other => panic!("expected a source error, got {other:?}"),
    }
}

#[test]
fn prefetches_roots_and_dependencies_before_fetching_them() {
    #[rustfmt::skip]
    let index = Index::new()
        .plugin("a").version("1.0.0").dep("c", "^1").dep("d", "^1")
        .plugin("b").version("1.0.0")
        .plugin("c").version("1.0.0")
        .plugin("d").version("1.0.0");
    solve(&index, &request("1.0.0", &[("a", "^1"), ("b", "^1")]));
    let log = index.log();
    let at = |line: &str| {
        log.iter()
            .position(|l| l == line)
            .unwrap_or_else(|| panic!("no `{line}` in {log:?}"))
    };
    assert!(at("prefetch a, b") < at("fetch a"));
    assert!(at("prefetch c, d") < at("fetch c"));
    assert!(at("prefetch c, d") < at("fetch d"));
    assert_eq!(
        log.iter().filter(|l| l.starts_with("fetch ")).count(),
        4,
        "each plugin fetched once: {log:?}"
    );
}

/// A name required twice (both requirements must hold) is prefetched once.
#[test]
fn a_name_required_twice_is_prefetched_once() {
    #[rustfmt::skip]
    let index = Index::new()
        .plugin("a").version("1.0.0").dep("c", ">=1").dep("c", "<2")
        .plugin("c").version("1.0.0");
    solve(&index, &request("1.0.0", &[("a", "^1")]));
    let log = index.log();
    assert!(log.iter().any(|l| l == "prefetch c"), "{log:?}");
    assert!(!log.iter().any(|l| l.contains("c, c")), "{log:?}");
}

/// Reading a plugin's file prefetches what its likely version needs,
/// before the plugin is decided: the locked version, else the newest one
/// that may be chosen (not yanked ones).
#[test]
fn reading_a_file_prefetches_the_likely_versions_dependencies() {
    #[rustfmt::skip]
    let index = || Index::new()
        .plugin("a").version("1.0.0").dep("old", "^1")
                    .version("2.0.0").dep("new", "^1")
                    .version("3.0.0").dep("bad", "^1").yanked("broken")
        .plugin("b").version("1.0.0")
        .plugin("old").version("1.0.0")
        .plugin("new").version("1.0.0")
        .plugin("bad").version("1.0.0");
    // The line right after `fetch a`: before, a's dependencies were
    // prefetched only once `a` was decided.
    let after_fetch_a = |log: Vec<String>| {
        let at = log.iter().position(|l| l == "fetch a").expect("fetch a");
        log.get(at + 1).cloned().unwrap_or_default()
    };
    let newest = index();
    solve(&newest, &request("1.0.0", &[("a", "*"), ("b", "^1")]));
    assert_eq!(after_fetch_a(newest.log()), "prefetch new");
    assert!(!newest.log().iter().any(|l| l.contains("bad")));

    let locked = index();
    let mut req = request("1.0.0", &[("a", "*"), ("b", "^1")]);
    req.locked.insert("a".into(), ver("1.0.0"));
    solve(&locked, &req);
    assert_eq!(after_fetch_a(locked.log()), "prefetch old");

    // Where the range admits prereleases, the newest version is chosen
    // even when it is one, and that is the guess too.
    #[rustfmt::skip]
    let pre = Index::new()
        .plugin("a").version("1.0.0").dep("old", "^1")
                    .version("1.1.0-beta.1").dep("beta", "^1")
        .plugin("b").version("1.0.0")
        .plugin("old").version("1.0.0")
        .plugin("beta").version("1.0.0");
    let mut req = request("1.0.0", &[("a", "*"), ("b", "^1")]);
    req.allow_prerelease = true;
    solve(&pre, &req);
    assert_eq!(after_fetch_a(pre.log()), "prefetch beta");

    // Within the range asked for: `^1` never reaches 2.0.0, so `new`
    // (which no resolution of this request reads) is not fetched.
    let ranged = index();
    solve(&ranged, &request("1.0.0", &[("a", "^1"), ("b", "^1")]));
    assert_eq!(after_fetch_a(ranged.log()), "prefetch old");
    assert!(
        !ranged.log().iter().any(|l| l.contains("new")),
        "{:?}",
        ranged.log()
    );
}

#[test]
fn newest_respects_yanks_targets_engine_and_prereleases() {
    #[rustfmt::skip]
    let index = Index::new()
        .plugin("a")
            .version("1.0.0").engine("^1")
            .version("1.1.0").engine("^1").yanked("")
            .version("1.2.0").engine("^1").unusable()
            .version("2.0.0").engine("^2")
            .version("3.0.0-rc.1").engine("^2");
    let newest_for = |engine: Option<&str>, pre| {
        newest(&index, "a", engine.map(ver).as_ref(), pre).expect("in memory")
    };
    assert_eq!(newest_for(None, false), Some(ver("2.0.0")));
    assert_eq!(newest_for(None, true), Some(ver("3.0.0-rc.1")));
    assert_eq!(newest_for(Some("1.9.0"), false), Some(ver("1.0.0")));
    assert_eq!(newest_for(Some("0.9.0"), false), None);
    assert_eq!(
        newest(&index, "nope", None, false).expect("in memory"),
        None
    );
}

#[test]
fn engine_too_old() {
    #[rustfmt::skip]
    let index = Index::new()
        .plugin("hello-world").version("1.0.0").version("2.0.0").engine(">=2.0.0");
    let text = failure(&index, &request("1.4.2", &[("hello-world", "^2")]));
    assert!(
        text.contains(
            "hello-world 2.0.0 needs demo-engine >=2.0.0, but this project runs demo-engine 1.4.2"
        ),
        "{text}"
    );
    insta::assert_snapshot!("engine_too_old", text);
}

#[test]
fn engine_too_old_through_a_dependency() {
    #[rustfmt::skip]
    let index = Index::new()
        .plugin("greeter").version("1.0.0").dep("greeter-core", "^0.3").engine(">=1.4")
        .plugin("greeter-core")
            .version("0.3.0").engine(">=2")
            .version("0.3.1").engine(">=2.1");
    let text = failure(&index, &request("1.4.2", &[("greeter", "^1")]));
    insta::assert_snapshot!("engine_too_old_through_a_dependency", text);
}

#[test]
fn unknown_plugin() {
    #[rustfmt::skip]
    let index = Index::new()
        .plugin("a").version("1.0.0");
    let text = failure(&index, &request("1.0.0", &[("nope", "^1")]));
    assert!(
        text.contains("no plugin named `nope` in the index"),
        "{text}"
    );
    insta::assert_snapshot!("unknown_plugin", text);
}

#[test]
fn unknown_plugin_deep_in_the_graph() {
    #[rustfmt::skip]
    let index = Index::new()
        .plugin("a").version("1.0.0").dep("b", "^1")
        .plugin("b").version("1.0.0").dep("ghost", "^1");
    let text = failure(&index, &request("1.0.0", &[("a", "^1")]));
    assert!(text.contains("no plugin named `ghost`"), "{text}");
    insta::assert_snapshot!("unknown_plugin_deep_in_the_graph", text);
}

#[test]
fn only_a_prerelease_would_match() {
    #[rustfmt::skip]
    let index = Index::new()
        .plugin("a").version("1.0.0").version("2.0.0-beta.1");
    let text = failure(&index, &request("1.0.0", &[("a", "^2")]));
    assert!(text.contains("--pre"), "{text}");
    insta::assert_snapshot!("only_a_prerelease_would_match", text);
}

#[test]
fn only_a_yanked_version_would_match() {
    #[rustfmt::skip]
    let index = Index::new()
        .plugin("a").version("1.0.0").version("1.4.0").yanked("leaks file handles");
    let text = failure(&index, &request("1.0.0", &[("a", "^1.4")]));
    assert!(text.contains("leaks file handles"), "{text}");
    insta::assert_snapshot!("only_a_yanked_version_would_match", text);
}

#[test]
fn conflicting_requirements_on_a_shared_dependency() {
    #[rustfmt::skip]
    let index = Index::new()
        .plugin("app").version("1.0.0").dep("left", "^1").dep("right", "^1")
        .plugin("left")
            .version("1.0.0").dep("util", "=1.0.0")
            .version("1.1.0").dep("util", "=1.0.0")
        .plugin("right").version("1.0.0").dep("util", "^2")
        .plugin("util").version("1.0.0").version("2.0.0").version("2.1.0");
    let text = failure(&index, &request("1.0.0", &[("app", "^1")]));
    insta::assert_snapshot!("conflicting_requirements_on_a_shared_dependency", text);
}

/// A range that would read simpler over a yanked version the sentence is
/// not true of names that version instead of covering it silently.
#[test]
fn a_yanked_version_inside_a_range_is_named() {
    #[rustfmt::skip]
    let index = Index::new()
        .plugin("a")
            .version("1.0.0").dep("b", "^1")
            .version("1.1.0").dep("b", "^1")
            .version("1.2.0").dep("b", "^2").yanked("")
            .version("1.3.0").dep("b", "^1")
            .version("1.4.0").dep("b", "^1")
        .plugin("b").version("1.0.0").version("2.0.0");
    let text = failure(&index, &request("1.0.0", &[("a", "^1"), ("b", "^2")]));
    insta::assert_snapshot!("a_yanked_version_inside_a_range_is_named", text);
}

/// Versions an attestation policy rules out are named as such (README
/// "Trusted publishing"), not as versions without an artifact.
#[test]
fn versions_not_attested_are_named_as_such() {
    #[rustfmt::skip]
    let index = Index::new()
        .plugin("a")
            .version("1.0.0").dep("b", "^1")
            .version("1.1.0").dep("b", "^1")
            .version("1.2.0").dep("b", "^2").unattested()
            .version("1.3.0").dep("b", "^1")
        .plugin("b").version("1.0.0").version("2.0.0");
    let text = failure(&index, &request("1.0.0", &[("a", "^1"), ("b", "^2")]));
    assert!(text.contains("not attested"), "{text}");
    assert!(!text.contains("artifact"), "{text}");
    insta::assert_snapshot!("versions_not_attested_inside_a_range_are_named", text);
    let index = Index::new().plugin("a").version("1.0.0").unattested();
    let text = failure(&index, &request("1.0.0", &[("a", "^1")]));
    insta::assert_snapshot!("no_version_attested", text);
}

/// The same for versions that do not run on the project's engine.
#[test]
fn versions_for_another_engine_inside_a_range_are_named() {
    #[rustfmt::skip]
    let index = Index::new()
        .plugin("a")
            .version("1.0.0").dep("b", "^1")
            .version("1.1.0").dep("b", "^1")
            .version("1.2.0").engine(">=2").dep("b", "^2")
            .version("1.3.0").dep("b", "^1")
            .version("1.4.0").dep("b", "^1")
        .plugin("b").version("1.0.0").version("2.0.0");
    let text = failure(&index, &request("1.0.0", &[("a", "^1"), ("b", "^2")]));
    insta::assert_snapshot!("versions_for_another_engine_inside_a_range_are_named", text);
}

/// A requirement that matches one version prints as written, not as a
/// bare version that reads like a pin.
#[test]
fn a_requirement_matching_one_version_prints_as_written() {
    #[rustfmt::skip]
    let index = Index::new()
        .plugin("minisign").version("0.10.0").dep("scrypt", "^0.11.0")
        .plugin("scrypt").version("0.11.0").version("0.12.0");
    let text = failure(
        &index,
        &request("1.0.0", &[("minisign", "^0.10"), ("scrypt", "^0.12")]),
    );
    assert!(
        text.contains("minisign 0.10.0 depends on scrypt ^0.11.0"),
        "{text}"
    );
}

#[test]
fn a_typed_source_error_comes_back_whole() {
    #[derive(Debug, thiserror::Error)]
    #[error("refused: {0}")]
    struct Refused(u32);
    let e = SourceError::typed(Refused(7));
    assert_eq!(e.to_string(), "refused: 7");
    let copy = e.clone();
    let e = e.into_typed::<std::io::Error>().unwrap_err();
    assert_eq!(e.into_typed::<Refused>().unwrap().0, 7);
    // Taken once: a clone then keeps only the text.
    assert_eq!(
        copy.into_typed::<Refused>().unwrap_err().to_string(),
        "refused: 7"
    );
    assert!(SourceError::new("x").into_typed::<Refused>().is_err());
}

/// README "Formats": build metadata is kept in the text but ignored for
/// matching and precedence, on plugins and on the engine alike.
#[test]
fn build_metadata_is_ignored_for_matching_and_precedence() {
    #[rustfmt::skip]
    let index = Index::new()
        .plugin("a").version("1.0.0").dep("b", "=1.2.0")
            .version("2.0.0").dep("b", ">1.2.0, <1.3.0")
            .version("3.0.0").dep("b", "<1.2.1")
        .plugin("b").version("1.2.0+build.5").engine(">=1.4")
            .version("1.2.1+a.0").version("1.3.0-rc.1+x");
    let pick = |root_req: &str| chosen(&solve(&index, &request("1.4.2+local", &[("a", root_req)])));
    assert_eq!(pick("=1.0.0"), ["a 1.0.0", "b 1.2.0+build.5"]);
    assert_eq!(pick("=2.0.0"), ["a 2.0.0", "b 1.2.1+a.0"]);
    assert_eq!(pick("=3.0.0"), ["a 3.0.0", "b 1.2.0+build.5"]);
    let mut req = request("1.4.2", &[("b", "^1.2")]);
    assert_eq!(chosen(&solve(&index, &req)), ["b 1.2.1+a.0"]);
    req.locked.insert("b".into(), ver("1.2.0+build.5"));
    assert_eq!(chosen(&solve(&index, &req)), ["b 1.2.0+build.5"]);
    assert_eq!(
        newest(&index, "b", None, false).unwrap(),
        Some(ver("1.2.1+a.0"))
    );
    let newest_pre = newest(&index, "b", Some(&ver("1.4.2+local")), true).unwrap();
    assert_eq!(newest_pre, Some(ver("1.3.0-rc.1+x")));
}
