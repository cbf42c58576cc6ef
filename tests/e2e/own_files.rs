//! The user's own files in a project: plugres moves, replaces or deletes
//! only plugin folders it made (they carry its marker), and installs only
//! into a folder set aside for plugins (README threat model).

use plugres_e2e::project::Project;
use plugres_e2e::*;

#[test]
fn a_users_folder_where_a_plugin_goes_is_never_replaced() {
    let p = Project::new(None);
    let mine = p.dir.join("plugins/hello-world");
    std::fs::create_dir_all(&mine).unwrap();
    std::fs::write(mine.join("notes.md"), "my notes").unwrap();
    let before = p.project_state();
    let err = p.fails(&["add", "hello-world", "--yes"]);
    assert!(
        err.contains("`plugins/hello-world` already exists and was not installed by plugres"),
        "{err}"
    );
    assert!(err.contains("move or rename that folder"), "{err}");
    assert_eq!(
        p.project_state(),
        before,
        "plugres.toml, the lock and the folder kept"
    );
    // Moved away, the plugin installs; the user's folder is where they put it.
    std::fs::rename(&mine, p.dir.join("my-notes")).unwrap();
    p.ok(&["add", "hello-world", "--yes"]);
    assert_eq!(
        std::fs::read_to_string(p.dir.join("my-notes/notes.md")).unwrap(),
        "my notes"
    );
    assert_eq!(p.json(&["verify"])["ok"], true);
}

#[test]
fn a_users_folder_is_not_removed_with_an_unlocked_plugin() {
    let p = Project::new(None);
    p.ok(&["add", "hello-world", "--yes"]);
    // The user swaps the plugin's folder for one of their own.
    let dir = p.dir.join("plugins/hello-world");
    std::fs::remove_dir_all(&dir).unwrap();
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("mine.txt"), "keep").unwrap();
    let out = p.ok(&["remove", "hello-world"]);
    assert_eq!(
        std::fs::read_to_string(dir.join("mine.txt")).unwrap(),
        "keep"
    );
    let said = stdout(&out) + &stderr(&out);
    assert!(said.contains("hello-world"), "{said}");
}

#[test]
fn an_install_dir_that_is_not_a_folder_of_its_own_is_refused() {
    for (dir, says) in [
        (".", "not the project folder"),
        (".git", "not inside `.git`"),
        (".plugres", "not inside `.plugres`"),
    ] {
        let p = Project::new(None);
        let manifest = p.dir.join("plugres.toml");
        let text = std::fs::read_to_string(&manifest).unwrap();
        std::fs::write(
            &manifest,
            format!("{text}\n[settings]\ninstall-dir = \"{dir}\"\n"),
        )
        .unwrap();
        std::fs::create_dir_all(p.dir.join("docs")).unwrap();
        std::fs::write(p.dir.join("docs/README.md"), "the user's").unwrap();
        let before = p.project_state();
        let err = p.fails(&["add", "hello-world", "--yes"]);
        assert!(
            err.contains("`install-dir` must be") && err.contains(says),
            "{dir}: {err}"
        );
        assert!(err.contains("plugres.toml:"), "located: {err}");
        assert_eq!(p.project_state(), before, "{dir}");
    }
}

#[test]
fn an_install_dir_holding_a_manifest_is_refused() {
    let p = Project::new(None);
    let manifest = p.dir.join("plugres.toml");
    let text = std::fs::read_to_string(&manifest).unwrap();
    std::fs::write(
        &manifest,
        format!("{text}\n[settings]\ninstall-dir = \"sub\"\n"),
    )
    .unwrap();
    std::fs::create_dir_all(p.dir.join("sub")).unwrap();
    std::fs::write(p.dir.join("sub/plugres.toml"), "# another project\n").unwrap();
    let before = p.project_state();
    let err = p.fails(&["add", "hello-world", "--yes"]);
    assert!(
        err.contains("the install dir `sub` holds a plugres.toml"),
        "{err}"
    );
    assert_eq!(p.project_state(), before);
}

#[test]
fn add_keeps_a_crlf_plugres_toml_crlf() {
    let p = Project::new(None);
    let manifest = p.dir.join("plugres.toml");
    let crlf = std::fs::read_to_string(&manifest)
        .unwrap()
        .replace('\n', "\r\n");
    std::fs::write(&manifest, &crlf).unwrap();
    p.ok(&["add", "hello-world", "--yes"]);
    let text = std::fs::read_to_string(&manifest).unwrap();
    assert!(text.contains("hello-world = \"^1.2.0\"\r\n"), "{text:?}");
    assert_eq!(
        text.matches('\n').count(),
        text.matches("\r\n").count(),
        "{text:?}"
    );
    p.ok(&["remove", "hello-world"]);
    let text = std::fs::read_to_string(&manifest).unwrap();
    assert_eq!(text, crlf, "add then remove gives the file back");
}

/// An index's `[limits]` (root-signed) bind the install of an artifact
/// from a current lock, not only `validate`: pretty-theme's archive holds
/// more files than the index now allows.
#[test]
fn an_index_lowering_its_limits_binds_the_install() {
    let p = Project::new(None);
    p.ok(&["add", "pretty-theme", "--yes"]);
    let idx = p.test_index();
    let mut config = idx.config();
    config.limits.max_files = 1;
    idx.write_config(config, &[&plugres_e2e::index::key("sample-root")]);
    std::fs::remove_dir_all(p.dir.join("plugins/pretty-theme")).unwrap();
    let err = p.fails(&["install"]);
    assert!(
        err.contains("pretty_theme.tar.gz` holds more than 1 entries"),
        "{err}"
    );
    assert!(!p.dir.join("plugins/pretty-theme").exists());
}
