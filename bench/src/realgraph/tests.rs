use super::cache::{Entry, parse};
use super::write::{cargo_index_line, cargo_index_path};
use super::*;

/// A cache file as cargo writes it: header, then version/JSON pairs.
fn cache_file(lines: &[&str]) -> Vec<u8> {
    let mut bytes = vec![3, 2, 0, 0, 0];
    bytes.extend_from_slice(b"\"etag-1\"\0");
    for line in lines {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        bytes.extend_from_slice(v["vers"].as_str().unwrap().as_bytes());
        bytes.push(0);
        bytes.extend_from_slice(line.as_bytes());
        bytes.push(0);
    }
    bytes
}

fn entries(lines: &[&str]) -> Vec<Entry> {
    parse("test", &cache_file(lines)).unwrap()
}

#[test]
fn reads_the_json_lines_of_a_cache_file() {
    let got = entries(&[
        r#"{"name":"a_b","vers":"1.0.0","deps":[],"yanked":false,"rust_version":"1.70"}"#,
        r#"{"name":"a_b","vers":"1.1.0+build.5","deps":[],"yanked":true}"#,
    ]);
    assert_eq!(got.len(), 2);
    assert_eq!(got[0].rust_version.as_deref(), Some("1.70"));
    assert!(got[1].yanked);
    assert!(parse("bad", &cache_file(&[r#"{"vers":"1.0.0"}"#])).is_err());
}

#[test]
fn converts_under_the_documented_rules() {
    let graph = Graph::convert(&entries(&[
        r#"{"name":"serde_json","vers":"1.0.0+build.5","rust_version":"1.56","deps":[
            {"name":"serde","req":"^1","optional":false,"kind":"normal"},
            {"name":"ser","package":"serde","req":"<1.5","optional":false,"kind":"normal","target":"cfg(windows)"},
            {"name":"itoa","req":"^1","optional":true,"kind":"normal"},
            {"name":"tester","req":"^1","optional":false,"kind":"dev"}]}"#,
        r#"{"name":"serde","vers":"1.2.0","deps":[]}"#,
        r#"{"name":"serde","vers":"1.3.0","yanked":true,"deps":[{"name":"9lives","req":"*"}]}"#,
        r#"{"name":"9lives","vers":"1.0.0","deps":[]}"#,
        r#"{"name":"app","vers":"0.1.0","deps":[{"name":"gone","req":"*"}]}"#,
        r#"{"name":"serde","vers":"0.9.0","deps":[{"name":"serde","req":"^1"}]}"#,
        r#"{"name":"old","vers":"0.1.0","deps":[{"name":"serde","req":"^0.8"}]}"#,
    ]));
    assert_eq!(graph.skipped.self_dependency, 1);
    assert_eq!(graph.skipped.names, ["9lives"]);
    assert_eq!(
        graph.skipped.missing_dependency, 3,
        "serde 1.3.0, app 0.1.0, old 0.1.0"
    );
    assert_eq!(
        graph.crates.keys().collect::<Vec<_>>(),
        ["serde", "serde-json"]
    );
    let sj = &graph.crates["serde-json"][0];
    assert_eq!(sj.version.to_string(), "1.0.0+build.5");
    assert_eq!(sj.engine.to_string(), ">=1.56");
    assert_eq!(sj.deps.len(), 1, "{:?}", sj.deps);
    assert_eq!(sj.deps["serde"].to_string(), "^1, <1.5");
    assert_eq!(graph.crates["serde"][0].engine, VersionReq::STAR);
}

#[test]
fn the_graph_resolves_in_process() {
    let graph = Graph::convert(&entries(&[
        r#"{"name":"a","vers":"1.0.0","deps":[{"name":"b","req":"^1"}]}"#,
        r#"{"name":"b","vers":"1.0.0+x","deps":[]}"#,
        r#"{"name":"b","vers":"1.1.0","yanked":true,"deps":[]}"#,
    ]));
    let request = plugres::resolve::Request {
        engine_name: ENGINE.to_string(),
        engine_version: Version::new(1, 89, 0),
        roots: vec![("a".to_string(), VersionReq::STAR)],
        locked: BTreeMap::new(),
        allow_prerelease: false,
    };
    let r = plugres::resolve::resolve(&graph, &request).unwrap();
    assert_eq!(r.packages["b"].to_string(), "1.0.0+x");
}

#[test]
fn writes_cargo_index_paths_and_lines() {
    assert_eq!(cargo_index_path("a"), "1/a");
    assert_eq!(cargo_index_path("ab"), "2/ab");
    assert_eq!(cargo_index_path("abc"), "3/a/abc");
    assert_eq!(cargo_index_path("serde-json"), "se/rd/serde-json");
    let release = Release {
        version: Version::parse("1.0.0+b").unwrap(),
        engine: VersionReq::STAR,
        deps: BTreeMap::from([("serde".to_string(), VersionReq::parse("^1").unwrap())]),
        yanked: true,
        rust_version: Some("1.56".to_string()),
    };
    let line: serde_json::Value =
        serde_json::from_str(&cargo_index_line("serde-json", &release)).unwrap();
    assert_eq!(line["vers"], "1.0.0+b");
    assert_eq!(line["yanked"], true);
    assert_eq!(line["rust_version"], "1.56");
    assert_eq!(line["deps"][0]["req"], "^1");
    assert_eq!(line["deps"][0]["kind"], "normal");
}
