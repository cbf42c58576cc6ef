//! Local plugin development (README "Local plugin development"), through
//! the real `plugres` binary on the sample index: `add --path` of a plugin
//! that depends on greeter-core, install, a rebuild picked up by
//! `install`, `--locked` without and with `--allow-local`, and the
//! refusals (engine, missing plugin.toml, an artifact path out of the
//! folder) with nothing changed.

use std::path::{Path, PathBuf};

use plugres_e2e::project::Project;
use plugres_e2e::{overwrite, run, stderr, stdout};

/// `my-plugin` 0.1.0 in `<tmp>/my-plugin`, asking for `network`, needing
/// greeter-core ^0.3, built as `target/my_plugin.wasm`; `engine` and the
/// artifact's `path` as given.
fn my_plugin(p: &Project, engine: &str, artifact: &str) -> PathBuf {
    let dir = tmp(p).join("my-plugin");
    std::fs::create_dir_all(dir.join("target")).unwrap();
    std::fs::write(
        dir.join("target/my_plugin.wasm"),
        b"\0asm my-plugin build 1",
    )
    .unwrap();
    std::fs::write(
        dir.join("plugin.toml"),
        format!(
            "[plugin]\nname = \"my-plugin\"\nversion = \"0.1.0\"\ndescription = \"Work in progress\"\nengine = \"{engine}\"\npermissions = [\"network\"]\n\n[dependencies]\ngreeter-core = \"^0.3\"\n\n[[artifact]]\ntarget = \"any\"\npath = \"{artifact}\"\n"
        ),
    )
    .unwrap();
    dir
}

fn tmp(p: &Project) -> &Path {
    p.dir.parent().unwrap()
}

/// stderr of a run that exits 1, temp paths as `[TMP]`.
fn refused(p: &Project, args: &[&str]) -> String {
    p.fails(args)
        .replace(&tmp(p).display().to_string(), "[TMP]")
}

fn lock(p: &Project) -> String {
    std::fs::read_to_string(p.dir.join("plugres.lock")).unwrap()
}

#[test]
fn add_path_installs_a_local_build_with_its_registry_dependencies_and_shows_it() {
    let p = Project::new(None);
    my_plugin(&p, ">=1.4", "target/my_plugin.wasm");
    let out = p.ok(&["add", "--path", "../my-plugin", "--yes"]);
    let said = stderr(&out);
    assert!(
        said.contains("Granted network to my-plugin 0.1.0"),
        "{said}"
    );
    assert!(said.contains("Installed my-plugin 0.1.0"), "{said}");
    assert!(said.contains("Installed greeter-core 0.3.1"), "{said}");
    let manifest = std::fs::read_to_string(p.dir.join("plugres.toml")).unwrap();
    assert!(
        manifest.contains("my-plugin = { path = \"../my-plugin\" }"),
        "{manifest}"
    );
    let lock = lock(&p);
    let entry = &lock[lock.find("name = \"my-plugin\"").unwrap()..];
    assert!(
        entry.starts_with("name = \"my-plugin\"\nversion = \"0.1.0\"\nsource = \"path\"\npath = \"../my-plugin\"\n"),
        "{entry}"
    );
    assert!(
        entry.contains("file = \"target/my_plugin.wasm\"\n"),
        "{entry}"
    );
    assert!(!entry.contains("url ="), "{entry}");
    assert_eq!(
        std::fs::read(p.dir.join("plugins/my-plugin/my_plugin.wasm")).unwrap(),
        b"\0asm my-plugin build 1"
    );
    let list = stdout(&p.ok(&["list"]));
    insta::assert_snapshot!(list);
    let json = p.json(&["list"]);
    assert_eq!(json["plugins"][1]["registry"], "path ../my-plugin");
    assert_eq!(json["plugins"][1]["path"], "../my-plugin");
    let tree = stdout(&p.ok(&["tree"]));
    assert!(
        tree.contains("my-plugin 0.1.0 (path ../my-plugin)"),
        "{tree}"
    );
    let outdated = stdout(&p.ok(&["outdated"]));
    assert!(
        outdated.contains("note: my-plugin 0.1.0 is a local build (path ../my-plugin): not compared with a registry"),
        "{outdated}"
    );
    let info = p.json(&["info", "my-plugin"]);
    assert_eq!(info["registry"], "path ../my-plugin");
    assert_eq!(
        info["versions"][0]["published"],
        "unpublished (local build)"
    );
    p.ok(&["verify"]);
    p.ok(&["remove", "my-plugin"]);
    assert!(!p.dir.join("plugins/my-plugin").exists());
    assert!(!self::lock(&p).contains("my-plugin"));
}

#[test]
fn install_picks_up_a_rebuild_and_locked_refuses_local_plugins_unless_allowed() {
    let p = Project::new(None);
    let dir = my_plugin(&p, ">=1.4", "target/my_plugin.wasm");
    p.ok(&["add", "--path", "../my-plugin", "--yes"]);

    let e = refused(&p, &["install", "--locked"]);
    insta::assert_snapshot!("locked_refuses_local", e);
    assert!(refused(&p, &["install", "--frozen"]).contains("`--allow-local`"));
    p.ok(&["install", "--locked", "--allow-local"]);
    p.ok(&["install", "--frozen", "--allow-local"]);

    overwrite(
        &dir.join("target/my_plugin.wasm"),
        b"\0asm my-plugin build 2",
    );
    let list = p.json(&["list"]);
    assert_eq!(list["problems"][0]["kind"], "local", "{list}");
    assert_eq!(list["problems"][0]["fix"], "plugres install", "{list}");
    let before = p.project_state();
    let e = refused(&p, &["install", "--locked", "--allow-local"]);
    assert!(
        e.contains("local plugin `my-plugin` changed since plugres.lock was written"),
        "{e}"
    );
    assert_eq!(p.project_state(), before, "nothing changed under --locked");

    let out = p.ok(&["install"]);
    let said = stderr(&out);
    assert!(
        said.contains(
            "note: local plugin `my-plugin` was rebuilt (its file `target/my_plugin.wasm` changed"
        ),
        "{said}"
    );
    assert!(said.contains("Installed my-plugin 0.1.0"), "{said}");
    assert_eq!(
        std::fs::read(p.dir.join("plugins/my-plugin/my_plugin.wasm")).unwrap(),
        b"\0asm my-plugin build 2"
    );
    let sha = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(
        b"\0asm my-plugin build 2",
    ));
    assert!(lock(&p).contains(&sha), "the lock records the new build");
    // Now the lock matches again: --locked --allow-local installs nothing.
    let out = p.ok(&["install", "--locked", "--allow-local"]);
    assert!(stderr(&out).contains("Up to date"), "{}", stderr(&out));

    // A lock edited to other bytes is not trusted: the files are hashed again.
    let edited = lock(&p).replace(&sha, &"0".repeat(64));
    std::fs::write(p.dir.join("plugres.lock"), edited).unwrap();
    let e = refused(&p, &["install", "--locked", "--allow-local"]);
    assert!(e.contains("changed since plugres.lock was written"), "{e}");
}

#[test]
fn refusals_name_the_problem_and_change_nothing() {
    let p = Project::new(None);
    let before = p.project_state();

    let e = refused(&p, &["add", "--path", "../nowhere", "--yes"]);
    insta::assert_snapshot!("missing_plugin_toml", e);

    my_plugin(&p, ">=2", "target/my_plugin.wasm");
    let e = refused(&p, &["add", "--path", "../my-plugin", "--yes"]);
    insta::assert_snapshot!("engine_mismatch", e);

    std::fs::write(tmp(&p).join("secret.wasm"), b"\0asm not the plugin's").unwrap();
    my_plugin(&p, ">=1.4", "../secret.wasm");
    let e = refused(&p, &["add", "--path", "../my-plugin", "--yes"]);
    insta::assert_snapshot!("artifact_out_of_the_folder", e);

    std::fs::write(
        tmp(&p).join("my-plugin/plugin.toml"),
        "[plugin]\nname = \"my-plugin\"\nversion = \"0.1\"\ndescription = \"x\"\nengine = \"*\"\n",
    )
    .unwrap();
    let e = refused(&p, &["add", "--path", "../my-plugin", "--yes"]);
    assert!(
        e.contains("[TMP]/my-plugin/plugin.toml:3:11: error:"),
        "{e}"
    );
    assert_eq!(p.project_state(), before);
}

#[test]
fn add_path_takes_the_path_from_where_it_runs_and_refuses_names_with_it() {
    let p = Project::new(None);
    my_plugin(&p, ">=1.4", "target/my_plugin.wasm");
    std::fs::create_dir_all(p.dir.join("sub")).unwrap();
    // Not through `p.cmd` (its `-C` names the project): from `sub`.
    let mut sub = plugres_e2e::plugres(&p.home);
    sub.current_dir(p.dir.join("sub"))
        .args(["add", "--path", "../../my-plugin", "--yes"]);
    run(&mut sub, true);
    let manifest = std::fs::read_to_string(p.dir.join("plugres.toml")).unwrap();
    assert!(
        manifest.contains("my-plugin = { path = \"../my-plugin\" }"),
        "{manifest}"
    );
    let out = run(
        &mut p.cmd(&["add", "hello-world", "--path", "../my-plugin"]),
        false,
    );
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
}

#[test]
fn add_global_path_is_taken_from_the_shell_directory_not_the_user_project() {
    let p = Project::new(None);
    my_plugin(&p, ">=1.4", "target/my_plugin.wasm");
    let (index, key) = (
        p.index.display().to_string(),
        plugres_e2e::index::sample_root_key(),
    );
    let init = [
        "--global",
        "init",
        "--engine",
        "demo-engine",
        "--engine-version",
        "1.4.2",
        "--registry",
        &index,
        "--key",
        &key,
    ];
    run(plugres_e2e::plugres(&p.home).args(init), true);
    let mut add = plugres_e2e::plugres(&p.home);
    add.current_dir(tmp(&p))
        .args(["--global", "add", "--path", "my-plugin", "--yes"]);
    run(&mut add, true);
    let user = p.home.join("user/demo-engine");
    let manifest = std::fs::read_to_string(user.join("plugres.toml")).unwrap();
    let dir = tmp(&p).join("my-plugin");
    assert!(
        manifest.contains(&format!("my-plugin = {{ path = \"{}\" }}", dir.display())),
        "{manifest}"
    );
    assert!(user.join("plugins/my-plugin/my_plugin.wasm").is_file());
}
