//! Release channels (README "Channels"): a publisher points `beta` or
//! `stable` at a version with `plugres-index tag`; a project follows one
//! with `plugres add NAME@CHANNEL`, keeps its locked version on `install`,
//! and moves with the channel on `update`. Through the real binaries, over
//! a static HTTP server, on a copy of the sample index (greeter-core:
//! `beta` = 0.4.0-beta.1, `stable` = 0.3.1).

use std::path::Path;

use plugres_e2e::project::{Backend, Project};
use plugres_e2e::*;

const GREETER: &str = "plugins/gr/ee/greeter-core.toml";

/// The locked version and channel of `name`.
fn locked(p: &Project, name: &str) -> (String, Option<String>) {
    let text = std::fs::read_to_string(p.dir.join("plugres.lock")).unwrap();
    let lock: toml::Value = toml::from_str(&text).unwrap();
    let entry = lock["plugin"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["name"].as_str() == Some(name))
        .unwrap_or_else(|| panic!("{name} is not locked:\n{text}"));
    let channel = entry
        .get("channel")
        .and_then(|c| c.as_str())
        .map(String::from);
    (entry["version"].as_str().unwrap().to_string(), channel)
}

fn manifest(p: &Project) -> String {
    std::fs::read_to_string(p.dir.join("plugres.toml")).unwrap()
}

/// stderr with the project's temp dir shown as `[TMP]`.
fn said(p: &Project, text: &str) -> String {
    text.replace(&p.dir.display().to_string(), "[PROJECT]")
}

#[test]
fn a_project_follows_a_channel_and_update_moves_with_it() {
    let p = Project::on(Backend::Sparse, None);
    p.ok(&["add", "greeter-core@beta", "--yes"]);
    assert!(
        manifest(&p).contains("greeter-core = { channel = \"beta\" }"),
        "{}",
        manifest(&p)
    );
    assert_eq!(
        locked(&p, "greeter-core"),
        ("0.4.0-beta.1".into(), Some("beta".into()))
    );
    let info = p.json(&["info", "greeter-core"]);
    assert_eq!(
        info["channels"],
        serde_json::json!({"beta": "0.4.0-beta.1", "latest": "0.3.1", "stable": "0.3.1"})
    );

    // The publisher moves `beta` back to 0.3.0 (a signed edit, new snapshot).
    p.test_index().edit(GREETER, "sample-maintainers", |t| {
        t.replace("beta = \"0.4.0-beta.1\"", "beta = \"0.3.0\"")
    });
    // The lock is the lock: install and --locked keep the version.
    p.ok(&["install", "--locked"]);
    p.ok(&["install"]);
    assert_eq!(locked(&p, "greeter-core").0, "0.4.0-beta.1");
    let outdated = stdout(&p.ok(&["outdated"]));
    assert!(outdated.contains("greeter-core"), "{outdated}");
    // `update` follows the channel.
    let out = p.ok(&["update", "greeter-core"]);
    assert!(
        stderr(&out).contains("greeter-core 0.4.0-beta.1 -> 0.3.0"),
        "{}",
        stderr(&out)
    );
    assert_eq!(
        locked(&p, "greeter-core"),
        ("0.3.0".into(), Some("beta".into()))
    );

    // Switching to a requirement re-resolves; back to a channel too.
    p.ok(&["add", "greeter-core@^0.3", "--yes"]);
    assert_eq!(
        locked(&p, "greeter-core"),
        ("0.3.0".into(), None),
        "kept: it matches"
    );
    p.ok(&["add", "greeter-core@latest", "--yes"]);
    assert_eq!(
        locked(&p, "greeter-core"),
        ("0.3.1".into(), Some("latest".into()))
    );
    // `--precise` does not fight the channel.
    let err = p.fails(&["update", "greeter-core", "--precise", "0.3.0"]);
    insta::assert_snapshot!("precise_on_a_channel", said(&p, &err));
}

#[test]
fn a_channel_that_does_not_exist_or_does_not_run_is_refused_and_nothing_changes() {
    let p = Project::new(None);
    p.ok(&["add", "hello-world", "--yes"]);
    let before = p.project_state();
    let err = p.fails(&["add", "greeter-core@nightly", "--yes"]);
    insta::assert_snapshot!("unknown_channel", said(&p, &err));
    assert_eq!(p.project_state(), before, "a refused add changes nothing");

    // beta names 0.4.0-beta.1, which needs demo-engine >=1.4.
    let text = manifest(&p).replace("version = \"1.4.2\"", "version = \"1.3.0\"");
    std::fs::write(p.dir.join("plugres.toml"), text).unwrap();
    let err = p.fails(&["add", "greeter-core@beta", "--yes"]);
    insta::assert_snapshot!("channel_needs_another_engine", said(&p, &err));

    // A requirement that is really a channel name is pointed at the table form.
    let text = manifest(&p).replace("[plugins]\n", "[plugins]\ngreeter-core = \"beta\"\n");
    std::fs::write(p.dir.join("plugres.toml"), text).unwrap();
    let err = p.fails(&["lock"]);
    assert!(
        err.contains(
            "to follow the release channel `beta`, write `greeter-core = { channel = \"beta\" }`"
        ),
        "{err}"
    );
}

/// `plugres-index tag` points, moves and deletes a channel in a signed
/// edit on a branch; a yanked or missing version is refused; `yank` takes
/// a channel off the version it yanks; `publish --channel` tags the new
/// version; and `validate` accepts every result.
#[test]
fn publishers_tag_move_and_delete_channels() {
    let t = tempfile::tempdir().unwrap();
    let idx = sample_index_repo(t.path());
    let key = sample_key("sample-maintainers");
    let tool = |args: &[&str], ok: bool| {
        run(
            plugres_index()
                .arg("-C")
                .arg(&idx)
                .args(args)
                .arg("--key")
                .arg(&key),
            ok,
        )
    };
    let start = git(&idx, &["rev-parse", "HEAD"]).trim().to_string();
    let channels = |idx: &Path| {
        let text = std::fs::read_to_string(idx.join(GREETER)).unwrap();
        let file: toml::Value = toml::from_str(&text).unwrap();
        file.get("channels").cloned()
    };
    let out = tool(&["tag", "greeter-core", "rc", "0.3.0"], true);
    assert!(
        stderr(&out).contains("Tag greeter-core 0.3.0 as rc on branch `tag/greeter-core-rc`"),
        "{}",
        stderr(&out)
    );
    assert!(stderr(&out).contains("git push origin tag/greeter-core-rc"));
    let out = tool(&["tag", "greeter-core", "rc", "0.3.1", "--no-branch"], true);
    assert!(
        stderr(&out).contains("Move channel rc of greeter-core from 0.3.0 to 0.3.1"),
        "{}",
        stderr(&out)
    );
    assert_eq!(channels(&idx).unwrap()["rc"].as_str(), Some("0.3.1"));

    let out = tool(
        &["tag", "greeter-core", "rc", "9.9.9", "--no-branch"],
        false,
    );
    assert!(
        stderr(&out).contains("has no version 9.9.9"),
        "{}",
        stderr(&out)
    );
    let out = tool(&["tag", "greeter-core", "latest", "0.3.1"], false);
    assert!(
        stderr(&out).contains("`latest` is not a channel"),
        "{}",
        stderr(&out)
    );

    // Yanking the version a channel names takes the channel off it.
    let out = tool(&["yank", "greeter-core", "0.3.1", "--no-branch"], true);
    assert!(
        stderr(&out).contains("(removes channel rc, stable)"),
        "{}",
        stderr(&out)
    );
    assert_eq!(
        channels(&idx)
            .unwrap()
            .as_table()
            .unwrap()
            .keys()
            .collect::<Vec<_>>(),
        ["beta"]
    );
    let out = tool(
        &["tag", "greeter-core", "stable", "0.3.1", "--no-branch"],
        false,
    );
    assert!(stderr(&out).contains("0.3.1 is yanked"), "{}", stderr(&out));
    tool(
        &["tag", "greeter-core", "beta", "--delete", "--no-branch"],
        true,
    );
    assert_eq!(channels(&idx), None);

    // publish --channel tags what it publishes.
    let m = t.path().join("gc");
    std::fs::create_dir_all(&m).unwrap();
    std::fs::write(m.join("gc.wasm"), b"\0asm\x01\0\0\0").unwrap();
    std::fs::write(
        m.join("plugin.toml"),
        "[plugin]\nname = \"greeter-core\"\nversion = \"0.5.0-rc.1\"\ndescription = \"d\"\nengine = \">=1.4\"\n\n[[artifact]]\ntarget = \"any\"\npath = \"gc.wasm\"\n",
    )
    .unwrap();
    let mut publish = plugres_index();
    publish
        .arg("-C")
        .arg(&idx)
        .arg("publish")
        .arg(m.join("plugin.toml"))
        .args(["--channel", "next", "--no-branch", "--key"])
        .arg(&key);
    run(&mut publish, true);
    assert_eq!(channels(&idx).unwrap()["next"].as_str(), Some("0.5.0-rc.1"));
    let online = sample_key("sample-online");
    for role in ["snapshot", "timestamp"] {
        run(
            plugres_index()
                .arg("-C")
                .arg(&idx)
                .arg(role)
                .arg("--key")
                .arg(&online),
            true,
        );
    }
    run(plugres_index().arg("validate").arg(&idx), true);
    // Channels may move: the pull-request check over every edit above
    // accepts them (published versions did not change).
    run(
        plugres_index()
            .args(["validate", "--base", &start])
            .arg(&idx),
        true,
    );
}
