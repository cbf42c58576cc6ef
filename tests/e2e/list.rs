//! `plugres list` / `status` (README "For project users"): every locked
//! plugin's state in one table, problems with their fixes, exit 0 even
//! when something is wrong; `outdated` on a yanked lock; `disable` of a
//! plugin another one needs.

use plugres_e2e::project::Project;
use plugres_e2e::{overwrite, stderr, stdout};

const GREETER: &str = "plugins/gr/ee/greeter-core.toml";

/// A project with hello-world 1.2.0, which needs greeter-core 0.3.1, and
/// acme-audit 2.0.0, which needs hello-world.
fn project() -> Project {
    let p = Project::new(None);
    p.ok(&["add", "hello-world", "acme-audit", "--yes"]);
    p
}

/// Yanks greeter-core 0.3.1 in the project's index (signed, new snapshot).
fn yank_greeter(p: &Project) {
    p.test_index().edit(GREETER, "sample-maintainers", |text| {
        text.replacen(
            "version = \"0.3.1\"\n",
            "version = \"0.3.1\"\nyanked = true\nyank-reason = \"CVE-2026-0042: use 0.3.0\"\n",
            1,
        )
    });
}

/// stdout of `list` with `args`, which exits 0 whatever it finds.
fn list(p: &Project, args: &[&str]) -> String {
    let mut all = vec!["list"];
    all.extend_from_slice(args);
    let out = p.ok(&all);
    assert_eq!(out.status.code(), Some(0));
    stdout(&out).replace(&p.dir.display().to_string(), "[PROJECT]")
}

#[test]
fn list_shows_a_healthy_project_and_status_is_the_same() {
    let p = project();
    let text = list(&p, &[]);
    insta::assert_snapshot!(text);
    assert_eq!(stdout(&p.ok(&["status"])), text);
    let offline = list(&p, &["--offline"]);
    assert!(offline.contains("not checked"), "{offline}");
    assert!(
        offline
            .contains("note: --offline: yanks, deprecations and newer versions were not checked"),
        "{offline}"
    );

    let json = p.json(&["list"]);
    assert_eq!(json["index_checked"], true);
    assert_eq!(json["problems"], serde_json::json!([]));
    let hello = &json["plugins"][2];
    assert_eq!(hello["name"], "hello-world");
    assert_eq!(hello["version"], "1.2.0");
    assert_eq!(hello["registry"], "default");
    assert_eq!(hello["direct"], true);
    assert_eq!(hello["enabled"], true);
    assert_eq!(hello["intact"], true);
    assert_eq!(
        hello["depends_on"],
        serde_json::json!(["greeter-core ^0.3"])
    );
    assert_eq!(hello["needed_by"], serde_json::json!(["acme-audit"]));
    assert_eq!(hello["index"]["yanked"], false);
    assert_eq!(hello["index"]["newer_compatible"], serde_json::Value::Null);
    let offline = p.json(&["list", "--offline"]);
    assert_eq!(offline["index_checked"], false);
    assert_eq!(offline["plugins"][0]["index"], serde_json::Value::Null);
}

#[test]
fn list_names_a_tampered_file_and_the_fix_and_exits_0() {
    let p = project();
    overwrite(
        &p.dir.join("plugins/greeter-core/greeter_core.wasm"),
        b"\0asm tampered",
    );
    let text = list(&p, &[]);
    insta::assert_snapshot!(text);
    let json = p.json(&["list"]);
    assert_eq!(json["plugins"][1]["intact"], false);
    assert_eq!(json["problems"][0]["kind"], "files");
    assert_eq!(json["problems"][0]["fix"], "plugres install");
    // The fix it names works.
    p.ok(&["install"]);
    assert!(list(&p, &[]).contains("No problems"));
}

/// Runs the fix a report names (`plugres update NAME`, `plugres add
/// NAME@^V`) as a user would copy it.
fn run_fix(p: &Project, fix: &serde_json::Value) {
    let fix = fix.as_str().expect("a fix command");
    let mut args: Vec<&str> = fix.strip_prefix("plugres ").unwrap().split(' ').collect();
    args.push("--yes");
    p.ok(&args);
}

/// The case: two plugins at their newest versions, one of them
/// then yanked. `outdated` said "All 2 plugins are at their newest
/// versions"; it and `list` must say it is yanked and name a fix that works.
#[test]
fn list_and_outdated_say_a_locked_version_was_yanked_with_the_fix_that_works() {
    for (add, fix) in [
        // Named in plugres.toml as ^0.3.1: no other version fits it.
        ("greeter-core", "plugres add greeter-core@^0.3.0"),
        // Only a dependency (of hello-world ^0.3): `update` moves it.
        ("hello-world", "plugres update greeter-core"),
    ] {
        let p = Project::new(None);
        p.ok(&["add", "pretty-theme", add, "--yes"]);
        let before = stdout(&p.ok(&["outdated"]));
        if add == "greeter-core" {
            assert!(
                before.contains("All 2 plugins are at their newest versions"),
                "{before}"
            );
        }
        yank_greeter(&p);

        let outdated = stdout(&p.ok(&["outdated"]));
        assert!(outdated.contains("0.3.1 (yanked)"), "{outdated}");
        assert!(outdated.contains(&format!("`{fix}`")), "{outdated}");
        let json = p.json(&["outdated"]);
        let greeter = &json["plugins"][0];
        assert_eq!(greeter["name"], "greeter-core");
        assert_eq!(greeter["yanked"], true);
        assert_eq!(greeter["yank_reason"], "CVE-2026-0042: use 0.3.0");
        assert_eq!(greeter["fix_command"], fix);

        let text = list(&p, &[]);
        let json = p.json(&["list"]);
        let yank = &json["problems"][0];
        assert_eq!(yank["kind"], "yanked");
        assert_eq!(yank["fix"], fix);
        assert_eq!(json["plugins"][0]["index"]["yanked_since_lock"], true);
        if add == "greeter-core" {
            insta::assert_snapshot!("outdated_yanked", outdated);
            insta::assert_snapshot!("list_yanked", text);
        }

        // The fix named works: off the yanked version, nothing left to say.
        run_fix(&p, &json["problems"][0]["fix"]);
        let after = stdout(&p.ok(&["outdated"]));
        assert!(!after.contains("yanked"), "{add}: {after}");
        let text = list(&p, &[]);
        assert!(text.contains("No problems"), "{add}: {text}");
    }
}

#[test]
fn disabling_a_plugin_an_enabled_one_needs_warns_and_names_it() {
    let p = project();
    let out = p.ok(&["disable", "greeter-core"]);
    insta::assert_snapshot!(stderr(&out));
    let json = p.json(&["disable", "greeter-core"]);
    assert_eq!(json["disabled"], true);
    assert_eq!(json["needed_by"], serde_json::json!(["hello-world"]));
    // Still disabled, as asked; and a plugin nothing needs gives no warning.
    assert!(list(&p, &[]).contains("disabled"));
    let quiet = stderr(&p.ok(&["disable", "acme-audit"]));
    assert!(!quiet.contains("warning"), "{quiet}");
    // Once hello-world is disabled too, disabling greeter-core warns no more.
    p.ok(&["enable", "greeter-core"]);
    p.ok(&["disable", "hello-world"]);
    let quiet = stderr(&p.ok(&["disable", "greeter-core"]));
    assert!(!quiet.contains("warning"), "{quiet}");
}
