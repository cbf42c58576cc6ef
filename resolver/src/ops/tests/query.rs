//! Read-only commands: tree, outdated, info, search, engine-check, registries.

use crate::ops::test_support::{SAMPLE_ROOT_KEY, Sandbox};
use crate::ops::{
    AddRequest, InitRequest, add, engine_check, info, init, outdated, registry_add, registry_list,
    registry_remove, search, tree,
};

fn project_with(specs: &[&str]) -> Sandbox {
    let s = Sandbox::new("1.4.2");
    let request = AddRequest {
        specs: specs.iter().map(|x| x.to_string()).collect(),
        ..AddRequest::default()
    };
    add(&s.project(), &request, &s.opts()).expect("add");
    s
}

#[test]
fn tree_and_inverted_tree() {
    let s = project_with(&["acme-audit@^1.0", "pretty-theme"]);
    let t = tree(&s.project(), None).unwrap();
    let names: Vec<&str> = t.roots.iter().map(|n| n.name.as_str()).collect();
    assert_eq!(names, vec!["acme-audit", "pretty-theme"]);
    let hello = &t.roots[0].children[0];
    assert_eq!(
        (hello.name.as_str(), hello.req.as_deref()),
        ("hello-world", Some("^1.1"))
    );
    assert_eq!(hello.children[0].name, "greeter-core");

    let why = tree(&s.project(), Some("greeter-core")).unwrap();
    assert!(why.inverted);
    let up = &why.roots[0].children[0];
    assert_eq!(up.name, "hello-world");
    assert_eq!(up.children[0].name, "acme-audit");
    assert!(up.children[0].direct);
    assert!(tree(&s.project(), Some("nope")).is_err());
}

#[test]
fn outdated_says_what_holds_each_plugin_back() {
    let s = project_with(&["hello-world", "acme-audit@^1.0"]);
    let r = outdated(&s.project(), &s.opts()).unwrap();
    assert_eq!(r.engine_name, "demo-engine");
    let hello = r.plugins.iter().find(|p| p.name == "hello-world").unwrap();
    assert_eq!(hello.current, "1.2.0");
    assert_eq!(hello.compatible.as_deref(), Some("1.2.0"));
    assert_eq!(hello.latest.as_deref(), Some("2.0.0"));
    assert_eq!(
        hello.held_back,
        vec!["hello-world 2.0.0 needs demo-engine >=2.0, but this project runs demo-engine 1.4.2"]
    );
    let audit = r.plugins.iter().find(|p| p.name == "acme-audit").unwrap();
    assert_eq!(audit.compatible.as_deref(), Some("2.0.0"));
    assert_eq!(
        audit.held_back,
        vec!["plugres.toml requires acme-audit ^1.0"]
    );
}

#[test]
fn info_lists_versions_with_engine_yank_and_permissions() {
    let s = Sandbox::new("1.4.2");
    let r = info(&s.project(), "acme-audit", None, &s.opts()).unwrap();
    let versions: Vec<&str> = r.versions.iter().map(|v| v.version.as_str()).collect();
    assert_eq!(versions, vec!["2.0.0", "1.1.0", "1.0.0"]);
    let yanked = &r.versions[1];
    assert!(yanked.yanked);
    assert_eq!(
        yanked.yank_reason.as_deref(),
        Some("loses audit records when the log rotates; use 2.0.0")
    );
    assert_eq!(r.versions[0].permissions, vec!["fs-write", "network"]);
    assert_eq!(r.versions[0].targets, vec!["any"]);
    let hello = info(&s.project(), "hello-world", None, &s.opts()).unwrap();
    assert!(!hello.versions[0].runs_on_project_engine);
    assert_eq!(hello.versions[0].engine, ">=2.0");
    let old = info(&s.project(), "old-greeter", None, &s.opts()).unwrap();
    assert_eq!(old.deprecated.as_deref(), Some("use hello-world instead"));
    let err = info(&s.project(), "nope", None, &s.opts()).unwrap_err();
    assert!(err.to_string().contains("no plugin named `nope`"), "{err}");
}

#[test]
fn search_matches_every_word() {
    let s = Sandbox::new("1.4.2");
    let names = |q: &str| -> Vec<String> {
        search(&s.project(), q, &s.opts())
            .unwrap()
            .results
            .into_iter()
            .map(|h| h.name)
            .collect()
    };
    assert_eq!(names("theme"), vec!["pretty-theme"]);
    assert_eq!(
        names("greeting demo"),
        vec!["greeter-core", "hello-world", "old-greeter"]
    );
    assert_eq!(names("").len(), 5);
    assert!(names("nothing-like-this").is_empty());
}

#[test]
fn engine_check_lists_blockers_and_the_lock_to_be() {
    let s = project_with(&["hello-world"]);
    let blocked = engine_check(&s.project(), &"2.0.0".parse().unwrap(), &s.opts()).unwrap();
    assert!(!blocked.possible);
    assert_eq!(blocked.blockers.len(), 1);
    let b = &blocked.blockers[0];
    assert_eq!(b.name, "hello-world");
    assert!(
        b.reason
            .contains("hello-world 1.2.0 needs demo-engine >=1.4, <2"),
        "{}",
        b.reason
    );
    assert_eq!(b.fix.as_deref(), Some("plugres add hello-world@^2.0.0"));
    assert!(blocked.explanation.unwrap().contains("demo-engine 2.0.0"));

    // With the requirement widened, 2.0.0 is reachable: the lock would move.
    s.write_manifest(&s.manifest_text().replace("\"^1.2.0\"", "\">=1.2, <3\""));
    let ok = engine_check(&s.project(), &"2.0.0".parse().unwrap(), &s.opts()).unwrap();
    assert!(ok.possible, "{:?}", ok.explanation);
    assert_eq!(ok.changes.len(), 1);
    assert_eq!(ok.changes[0].to.as_deref(), Some("2.0.0"));
    // Nothing was written.
    assert!(s.lock_text().unwrap().contains("version = \"1.2.0\""));
}

#[test]
fn init_and_registries() {
    let s = Sandbox::new("1.4.2");
    let dir = s.root().join("fresh");
    let request = InitRequest {
        engine_version: "1.4.2".parse().unwrap(),
        target: Some("wasm32-wasip1".into()),
        registry: Some((
            s.index().display().to_string(),
            vec![SAMPLE_ROOT_KEY.into()],
        )),
    };
    let r = init(&dir, &request, &s.opts()).unwrap();
    assert!(r.registries[0].verified);
    assert_eq!(r.registries[0].engine.as_deref(), Some("demo-engine"));
    let text = std::fs::read_to_string(dir.join("plugres.toml")).unwrap();
    assert!(text.contains("target = \"wasm32-wasip1\""), "{text}");
    assert!(init(&dir, &request, &s.opts()).is_err(), "init twice");

    let wrong = "RWTZQrJz+S+8l5y6PBJcGnK9StZJV+giaEnyw1Mpzvfn/kTfGrigOwjb";
    let index = s.index().display().to_string();
    let err = registry_add(&dir, "other", &index, &[wrong.to_string()], &s.opts()).unwrap_err();
    assert!(
        err.to_string().contains("not signed by a root key pinned"),
        "{err}"
    );
    assert!(
        !std::fs::read_to_string(dir.join("plugres.toml"))
            .unwrap()
            .contains("other")
    );
    registry_add(
        &dir,
        "other",
        &index,
        &[SAMPLE_ROOT_KEY.to_string()],
        &s.opts(),
    )
    .unwrap();
    let names: Vec<String> = registry_list(&dir)
        .unwrap()
        .registries
        .into_iter()
        .map(|r| r.name)
        .collect();
    assert_eq!(names, vec!["default", "other"]);
    registry_remove(&dir, "other", &s.opts()).unwrap();
    assert_eq!(registry_list(&dir).unwrap().registries.len(), 1);
}
