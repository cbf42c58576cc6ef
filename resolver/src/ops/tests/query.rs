//! Read-only commands: tree, outdated, info, search, engine-check, registries.

use crate::ops::test_support::{SAMPLE_ROOT_KEY, Sandbox};
use crate::ops::{
    AddRequest, Discovery, InitRequest, SearchRequest, Sort, add, categories, engine_check, info,
    init, outdated, registry_add, registry_list, registry_remove, remove, search, tree,
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

fn query(q: &str) -> SearchRequest {
    SearchRequest {
        query: q.to_string(),
        ..SearchRequest::default()
    }
}

fn found(s: &Sandbox, request: &SearchRequest) -> Vec<String> {
    search(&s.project(), request, &s.opts())
        .unwrap()
        .results
        .into_iter()
        .map(|h| h.plugin.name.to_string())
        .collect()
}

#[test]
fn search_matches_every_word_best_match_first() {
    let s = Sandbox::new("1.4.2");
    let names = |q: &str| found(&s, &query(q));
    assert_eq!(names("theme"), vec!["pretty-theme"]);
    // Name prefix, then inside the name, then a keyword, then the description.
    assert_eq!(
        names("greet"),
        vec!["greeter-core", "old-greeter", "hello-world", "acme-audit"]
    );
    assert_eq!(names("hello world")[0], "hello-world");
    assert_eq!(
        names("greeting demo"),
        vec!["greeter-core", "hello-world", "old-greeter"]
    );
    assert_eq!(names("").len(), 5);
    assert!(names("nothing-like-this").is_empty());
}

#[test]
fn search_filters_sorts_and_limits_with_every_catalog_field() {
    let s = Sandbox::new("1.0.0");
    let by = |f: &dyn Fn(&mut SearchRequest)| {
        let mut r = query("");
        f(&mut r);
        found(&s, &r)
    };
    assert_eq!(
        by(&|r| r.categories = vec!["Logging".into()]),
        ["acme-audit"]
    );
    assert_eq!(by(&|r| r.keywords = vec!["ui".into()]), ["pretty-theme"]);
    // On the project's engine (1.0.0) acme-audit (>=1.2 / >=1.4) runs nowhere.
    let on_project = by(&|r| r.compatible = Some(None));
    assert!(
        !on_project.contains(&"acme-audit".to_string()),
        "{on_project:?}"
    );
    assert!(on_project.contains(&"hello-world".to_string()));
    assert!(
        by(&|r| r.compatible = Some(Some("1.4.0".parse().unwrap())))
            .contains(&"acme-audit".to_string())
    );
    assert_eq!(by(&|r| r.sort = Sort::Name)[0], "acme-audit");
    let limited = search(
        &s.project(),
        &SearchRequest {
            limit: Some(2),
            sort: Sort::Updated,
            ..query("")
        },
        &s.opts(),
    )
    .unwrap();
    assert_eq!((limited.results.len(), limited.total), (2, 5));
    // --json carries the whole catalog entry.
    let r = search(&s.project(), &query("hello-world"), &s.opts()).unwrap();
    let json = serde_json::to_value(&r.results[0]).unwrap();
    assert_eq!(json["name"], "hello-world");
    assert_eq!(json["latest"], "2.0.0");
    assert_eq!(json["categories"][0], "greeting");
    assert_eq!(json["newest"]["engine"], ">=2.0");
    assert_eq!(json["newest"]["permissions"][1], "network");
    assert_eq!(
        json["repository"],
        "https://github.com/plugres/sample-hello-world"
    );
}

/// README "Finding plugins": outside a project, the registries of the
/// user config file, or `--index URL --key KEY`.
#[test]
fn search_outside_a_project_reads_the_user_config_or_the_index_flag() {
    let s = Sandbox::new("1.4.2");
    let elsewhere = s.root().join("elsewhere");
    std::fs::create_dir(&elsewhere).unwrap();
    let config = s.root().join("home/config.toml");
    let request = |from: Discovery| SearchRequest {
        from,
        ..query("theme")
    };
    let names = |r: &SearchRequest| -> Result<Vec<String>, String> {
        search(&elsewhere, r, &s.opts())
            .map(|r| {
                r.results
                    .into_iter()
                    .map(|h| h.plugin.name.to_string())
                    .collect()
            })
            .map_err(|e| e.to_string())
    };
    let from_config = Discovery {
        user_config: Some(config.clone()),
        ..Discovery::default()
    };
    let err = names(&request(from_config.clone())).unwrap_err();
    assert!(
        err.starts_with("no registries to search: there is no plugres.toml in"),
        "{err}"
    );
    std::fs::create_dir_all(config.parent().unwrap()).unwrap();
    std::fs::write(
        &config,
        format!("[registry.sample]\nindex = \"../index\"\nroot-keys = [\"{SAMPLE_ROOT_KEY}\"]\n"),
    )
    .unwrap();
    assert_eq!(names(&request(from_config)).unwrap(), ["pretty-theme"]);
    let flag = Discovery {
        index: Some((
            s.index().display().to_string(),
            vec![SAMPLE_ROOT_KEY.into()],
        )),
        ..Discovery::default()
    };
    assert_eq!(names(&request(flag.clone())).unwrap(), ["pretty-theme"]);
    // `--compatible` alone needs a project's engine.
    let err = names(&SearchRequest {
        compatible: Some(None),
        ..request(flag)
    })
    .unwrap_err();
    assert!(err.contains("needs a project"), "{err}");
}

#[test]
fn categories_are_counted() {
    let s = Sandbox::new("1.4.2");
    let r = categories(&s.project(), &Discovery::default(), &s.opts()).unwrap();
    let got: Vec<(String, usize)> = r
        .categories
        .into_iter()
        .map(|c| (c.name, c.plugins))
        .collect();
    assert_eq!(
        got,
        [
            ("greeting".to_string(), 3),
            ("logging".to_string(), 1),
            ("security".to_string(), 1),
            ("themes".to_string(), 1)
        ]
    );
}

#[test]
fn a_mistyped_name_gets_the_closest_names() {
    let s = project_with(&["hello-world"]);
    let hints = |e: crate::ops::OpsError| e.hints();
    let err = info(&s.project(), "hello-wrold", None, &s.opts()).unwrap_err();
    assert_eq!(hints(err)[0], "did you mean `hello-world`?");
    let request = AddRequest {
        specs: vec!["greter-core".into()],
        ..AddRequest::default()
    };
    let err = add(&s.project(), &request, &s.opts()).unwrap_err();
    assert_eq!(hints(err)[0], "did you mean `greeter-core`?");
    let err = remove(&s.project(), &["hello-wrld".into()], &s.opts()).unwrap_err();
    assert_eq!(hints(err)[0], "did you mean `hello-world`?");
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
        engine_name: None,
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
