//! User-wide plugins (README "User-wide plugins"): `--global` works on a
//! per-user project of one engine, and a host loads its plugins beside the
//! project's, the project's own winning.

use std::path::Path;
use std::process::Command;

use plugres_e2e::index::sample_root_key;
use plugres_e2e::project::Project;
use plugres_e2e::{plugres, run, stderr};

fn global(home: &Path, args: &[&str]) -> Command {
    let mut c = plugres(home);
    c.arg("--global").args(args);
    c
}

fn init_args<'a>(engine: &'a str, index: &'a str, key: &'a str) -> Vec<&'a str> {
    vec![
        "init",
        "--engine",
        engine,
        "--engine-version",
        "1.4.2",
        "--registry",
        index,
        "--key",
        key,
    ]
}

#[test]
fn user_wide_plugins_live_per_engine_and_load_beside_the_projects() {
    let p = Project::new(None);
    let (index, key) = (p.index.display().to_string(), sample_root_key());
    let user_root = p.home.join("user");

    // Nothing yet: the message says how to start.
    let none = stderr(&run(&mut global(&p.home, &["add", "pretty-theme"]), false));
    insta::assert_snapshot!("no_user_project", none);
    let unnamed = stderr(&run(
        &mut global(&p.home, &["init", "--engine-version", "1.4.2"]),
        false,
    ));
    assert!(unnamed.contains("--engine NAME"), "{unnamed}");

    // The engine named must be the one the index serves; nothing is made.
    let wrong = stderr(&run(
        &mut global(&p.home, &init_args("other-engine", &index, &key)),
        false,
    ));
    assert!(
        wrong.contains("serves plugins for `demo-engine`"),
        "{wrong}"
    );
    assert!(!user_root.join("other-engine/plugres.toml").exists());

    run(
        &mut global(&p.home, &init_args("demo-engine", &index, &key)),
        true,
    );
    let manifest = std::fs::read_to_string(user_root.join("demo-engine/plugres.toml")).unwrap();
    assert!(manifest.contains("name = \"demo-engine\""), "{manifest}");
    // One engine: `--engine` may be left out from now on.
    run(
        &mut global(&p.home, &["add", "pretty-theme", "hello-world", "--yes"]),
        true,
    );
    assert!(user_root.join("demo-engine/plugins/pretty-theme").is_dir());

    // The project pins its own hello-world; the user's is not loaded.
    p.ok(&["add", "hello-world@~1.1", "--yes"]);
    let all = plugres_host::installed_with_user_at(&user_root, Some(&p.dir), "demo-engine")
        .expect("both check out");
    let loaded: Vec<String> = all
        .plugins()
        .map(|x| format!("{} {}", x.name, x.version))
        .collect();
    assert!(
        loaded.contains(&"pretty-theme 1.0.0".to_string()),
        "{loaded:?}"
    );
    assert!(
        loaded.iter().any(|l| l.starts_with("hello-world 1.1.")),
        "{loaded:?}"
    );
    assert_eq!(
        loaded
            .iter()
            .filter(|l| l.starts_with("hello-world"))
            .count(),
        1,
        "{loaded:?}"
    );
    let notes: Vec<String> = all.shadowed.iter().map(|s| s.to_string()).collect();
    assert!(
        notes
            .iter()
            .any(|n| n.starts_with("your user-wide `hello-world 1.2.0` is not loaded")),
        "{notes:?}"
    );

    // Without a project, the user's plugins alone.
    let alone = plugres_host::installed_with_user_at(&user_root, None, "demo-engine").unwrap();
    assert!(alone.project.is_empty() && alone.shadowed.is_empty());
    assert!(alone.user.iter().any(|x| x.name == "hello-world"));

    // A second engine: `--global` must now say which.
    std::fs::create_dir_all(user_root.join("zeta-engine")).unwrap();
    std::fs::write(
        user_root.join("zeta-engine/plugres.toml"),
        "[engine]\nversion = \"1.0.0\"\n",
    )
    .unwrap();
    let several = stderr(&run(&mut global(&p.home, &["install"]), false));
    insta::assert_snapshot!("several_user_projects", several);
    run(
        &mut global(&p.home, &["--engine", "demo-engine", "install"]),
        true,
    );
    let stray = p.fails(&["--engine", "demo-engine", "install"]);
    assert!(stray.contains("goes with `--global`"), "{stray}");
}
