//! Plugin configuration (README "Plugin configuration"): the sample's
//! hello-world 1.2.0 declares `greeting` (string, allowed values) and
//! `times` (integer 1..=10). Values set with `plugres config` or by hand
//! are checked at install with file:line:col and nothing changed on error;
//! the host library hands them over; secrets never go in plugres.toml;
//! an update that drops or retypes a setting the project sets is refused
//! before anything is installed.

use plugres_e2e::project::Project;

const HELLO: &str = "plugins/he/ll/hello-world.toml";

fn manifest(p: &Project) -> String {
    std::fs::read_to_string(p.dir.join("plugres.toml")).unwrap()
}

fn said(p: &Project, text: &str) -> String {
    text.replace(&p.dir.display().to_string(), "[PROJECT]")
}

/// The host library's view of hello-world's configuration.
fn host_config(
    p: &Project,
    secrets: &dyn Fn(&str, &str) -> Option<String>,
) -> Result<String, String> {
    let all = plugres_host::installed_with_secrets(&p.dir, secrets).map_err(|e| e.to_string())?;
    let hello = all.iter().find(|x| x.name == "hello-world").unwrap();
    let mut shown: Vec<String> = hello
        .config
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    shown.extend(
        hello
            .secrets
            .iter()
            .map(|(k, v)| format!("{k}={}", v.expose())),
    );
    Ok(shown.join(" "))
}

fn no_secrets(_: &str, _: &str) -> Option<String> {
    None
}

#[test]
fn settings_are_set_checked_and_handed_to_the_host() {
    let p = Project::new(None);
    p.ok(&["add", "hello-world", "--yes"]);
    assert_eq!(
        host_config(&p, &no_secrets).unwrap(),
        "greeting=\"Hello\" times=1",
        "defaults"
    );

    p.ok(&["config", "hello-world", "greeting=Hi", "times=3"]);
    assert!(
        manifest(&p).contains(
            "hello-world = { version = \"^1.2.0\", config = { greeting = \"Hi\", times = 3 } }"
        ),
        "{}",
        manifest(&p)
    );
    let shown = p.json(&["config", "hello-world"]);
    assert_eq!(shown["settings"][1]["name"], "times");
    assert_eq!(shown["settings"][1]["value"], 3);
    assert_eq!(
        host_config(&p, &no_secrets).unwrap(),
        "greeting=\"Hi\" times=3"
    );

    // A bad value from the command line changes nothing.
    let before = p.project_state();
    let err = p.fails(&["config", "hello-world", "greeting=Yo"]);
    insta::assert_snapshot!("config_value_not_allowed", said(&p, &err));
    let err = p.fails(&["config", "hello-world", "colour=red"]);
    assert!(
        err.contains(
            "hello-world 1.2.0 has no setting `colour` (its settings: `greeting`, `times`)"
        ),
        "{err}"
    );
    assert_eq!(p.project_state(), before);

    // A bad value written by hand: install names it and installs nothing;
    // the host refuses to start with it.
    let text = manifest(&p).replace("times = 3", "times = 30");
    std::fs::write(p.dir.join("plugres.toml"), &text).unwrap();
    let before = p.project_state();
    let err = p.fails(&["install"]);
    insta::assert_snapshot!("config_out_of_range_at_install", said(&p, &err));
    assert_eq!(p.project_state(), before);
    let err = host_config(&p, &no_secrets).unwrap_err();
    assert!(err.contains("30 is above the maximum 10"), "{err}");

    // Adding with a new requirement keeps the settings.
    let text = manifest(&p).replace("times = 30", "times = 2");
    std::fs::write(p.dir.join("plugres.toml"), &text).unwrap();
    p.ok(&["add", "hello-world@^1.2", "--yes"]);
    assert!(
        manifest(&p).contains("config = { greeting = \"Hi\", times = 2 }"),
        "{}",
        manifest(&p)
    );
    p.ok(&[
        "config",
        "hello-world",
        "--unset",
        "times",
        "--unset",
        "greeting",
    ]);
    assert!(
        manifest(&p).contains("hello-world = { version = \"^1.2\" }"),
        "{}",
        manifest(&p)
    );
}

#[test]
fn secrets_come_from_the_environment_never_from_plugres_toml() {
    let p = Project::new(None);
    // The publisher adds a secret to hello-world 1.2.0 (a signed edit).
    p.test_index().edit(HELLO, "sample-maintainers", |t| {
        t.replacen(
            "[version.config.times]",
            "[version.config.api-token]\ntype = \"string\"\nsecret = true\n\n[version.config.times]",
            1,
        )
    });
    p.ok(&["add", "hello-world", "--yes"]);
    let lock = std::fs::read_to_string(p.dir.join("plugres.lock")).unwrap();
    assert!(
        lock.contains("[plugin.config.api-token]\ntype = \"string\"\nsecret = true"),
        "{lock}"
    );

    let err = host_config(&p, &no_secrets).unwrap_err();
    assert!(
        err.contains("hello-world 1.2.0 needs the secret `api-token`: set PLUGRES_CONFIG_HELLO_WORLD__API_TOKEN or `api-token` under `[config.hello-world]` in credentials.toml"),
        "{err}"
    );
    let vault = |plugin: &str, key: &str| {
        (plugin == "hello-world" && key == "api-token").then(|| "s3cret".to_string())
    };
    assert_eq!(
        host_config(&p, &vault).unwrap(),
        "greeting=\"Hello\" times=1 api-token=s3cret"
    );

    let err = p.fails(&["config", "hello-world", "api-token=s3cret"]);
    assert!(
        err.contains("is a secret, and plugres.toml is shared with the project"),
        "{err}"
    );
    assert!(!manifest(&p).contains("s3cret"));
    let text = manifest(&p).replace(
        "hello-world = \"^1.2.0\"",
        "hello-world = { version = \"^1.2.0\", config = { api-token = \"s3cret\" } }",
    );
    std::fs::write(p.dir.join("plugres.toml"), &text).unwrap();
    let err = p.fails(&["install"]);
    assert!(
        err.contains("setting `api-token` of hello-world is a secret: remove it from plugres.toml"),
        "{err}"
    );
    let lock_after = std::fs::read_to_string(p.dir.join("plugres.lock")).unwrap();
    assert!(!lock_after.contains("s3cret"));
}

#[test]
fn an_update_that_retypes_a_setting_the_project_sets_is_refused_first() {
    let p = Project::new(None);
    p.ok(&["add", "hello-world", "--yes"]);
    p.ok(&["config", "hello-world", "times=3"]);
    // hello-world 1.2.5: `times` becomes a string.
    p.test_index().edit(HELLO, "sample-maintainers", |t| {
        let start = t.find("[[version]]\nversion = \"1.2.0\"").unwrap();
        let end = start + t[start + 1..].find("[[version]]").unwrap() + 1;
        let newer = t[start..end]
            .replace("version = \"1.2.0\"", "version = \"1.2.5\"")
            .replace(
                "type = \"integer\"\ndefault = 1\n",
                "type = \"string\"\ndefault = \"once\"\n",
            )
            .replace("min = 1\nmax = 10\n", "");
        format!("{t}\n{newer}")
    });
    let before = p.project_state();
    let err = p.fails(&["update", "hello-world"]);
    insta::assert_snapshot!("config_retyped_by_update", said(&p, &err));
    assert_eq!(p.project_state(), before, "nothing installed or written");
}
