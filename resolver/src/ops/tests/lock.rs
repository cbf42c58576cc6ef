//! Locking: minimal changes, `--locked`/`--frozen`, grants, yanked locks.

use crate::ops::test_support::Sandbox;
use crate::ops::{AddRequest, OpsError, add, install, lock, remove, set_disabled, update};

fn add_specs(s: &Sandbox, specs: &[&str]) -> crate::ops::ChangeReport {
    let request = AddRequest {
        specs: specs.iter().map(|x| x.to_string()).collect(),
        ..AddRequest::default()
    };
    add(&s.project(), &request, &s.opts()).expect("add")
}

#[test]
fn add_edits_the_manifest_locks_dependencies_and_installs() {
    let s = Sandbox::new("1.4.2");
    let r = add_specs(&s, &["hello-world"]);
    assert!(
        s.manifest_text().starts_with("# my project\n"),
        "comment kept"
    );
    assert!(
        s.manifest_text().contains("hello-world = \"^1.2.0\""),
        "{}",
        s.manifest_text()
    );
    assert_eq!(s.locked(), vec!["greeter-core 0.3.1", "hello-world 1.2.0"]);
    assert_eq!(r.installed.len(), 2);
    assert_eq!(r.granted[0].permissions, vec!["fs-read", "network"]);
    let lock = s.lock();
    let hello = lock.plugin("hello-world").unwrap();
    assert_eq!(hello.granted.len(), 2);
    assert!(
        hello.artifacts[0].url == "artifacts/hello-world/1.2.0/hello_world.wasm",
        "{}",
        hello.artifacts[0].url
    );
    assert!(
        s.plugin_dir("hello-world")
            .join("hello_world.wasm")
            .is_file()
    );
}

#[test]
fn install_with_a_current_lock_reads_no_index_and_frozen_never_does() {
    let s = Sandbox::new("1.4.2");
    add_specs(&s, &["hello-world"]);
    std::fs::remove_dir_all(s.plugin_dir("greeter-core")).unwrap();
    // The index is gone: only the lock and the cache remain.
    std::fs::rename(s.index(), s.root().join("gone")).unwrap();
    let r = install(&s.project(), &s.opts()).unwrap();
    assert!(!r.index_read);
    assert_eq!(
        r.installed.len(),
        1,
        "only the missing folder is reinstalled"
    );
    let again = install(&s.project(), &s.opts()).unwrap();
    assert!(again.installed.is_empty() && !again.lock_written);

    let mut frozen = s.opts();
    frozen.frozen = true;
    frozen.locked = true;
    frozen.offline = true;
    install(&s.project(), &frozen).unwrap();
}

#[test]
fn locked_refuses_a_lock_change_and_leaves_the_project_alone() {
    let s = Sandbox::new("1.4.2");
    add_specs(&s, &["hello-world"]);
    let text = s.manifest_text() + "pretty-theme = \"1\"\n";
    s.write_manifest(&text);
    let before = s.snapshot();
    let mut opts = s.opts();
    opts.locked = true;
    let err = install(&s.project(), &opts).unwrap_err();
    assert!(err.to_string().contains("--locked"), "{err}");
    assert_eq!(s.snapshot(), before);
    let err = add(
        &s.project(),
        &AddRequest {
            specs: vec!["old-greeter".into()],
            ..Default::default()
        },
        &opts,
    )
    .unwrap_err();
    assert!(err.to_string().contains("--locked"), "{err}");
    // Without --locked, install re-locks first.
    let r = install(&s.project(), &s.opts()).unwrap();
    assert!(r.index_read && r.lock_written);
    assert!(s.locked().contains(&"pretty-theme 1.0.0".to_string()));
}

#[test]
fn update_of_one_plugin_keeps_the_others_locked() {
    let s = Sandbox::new("1.4.2");
    add_specs(&s, &["hello-world@=1.1.0", "acme-audit@=1.0.0"]);
    assert_eq!(
        s.locked(),
        vec![
            "acme-audit 1.0.0",
            "greeter-core 0.3.1",
            "hello-world 1.1.0"
        ]
    );
    let text = s
        .manifest_text()
        .replace("\"=1.1.0\"", "\"^1.1\"")
        .replace("\"=1.0.0\"", "\">=1\"");
    s.write_manifest(&text);
    // Re-locking alone changes nothing: locked versions are preferred.
    let r = lock(&s.project(), &s.opts()).unwrap();
    assert!(r.changes.is_empty(), "{:?}", r.changes);
    // Updating hello-world moves only it (acme-audit 1.0.0 accepts ^1.1).
    let r = update(&s.project(), &["hello-world".to_string()], &s.opts()).unwrap();
    assert_eq!(r.changes.len(), 1, "{:?}", r.changes);
    assert_eq!(
        s.locked(),
        vec![
            "acme-audit 1.0.0",
            "greeter-core 0.3.1",
            "hello-world 1.2.0"
        ]
    );
    // Updating everything moves acme-audit to 2.0.0, skipping yanked 1.1.0.
    update(&s.project(), &[], &s.opts()).unwrap();
    assert!(s.locked().contains(&"acme-audit 2.0.0".to_string()));
    let err = update(&s.project(), &["nope".to_string()], &s.opts()).unwrap_err();
    assert!(
        err.to_string().contains("`nope` is not in plugres.lock"),
        "{err}"
    );
}

#[test]
fn ungranted_permissions_change_nothing() {
    let s = Sandbox::new("1.4.2");
    let before = s.snapshot();
    let request = AddRequest {
        specs: vec!["hello-world".into()],
        ..AddRequest::default()
    };
    let err = add(&s.project(), &request, &s.strict_opts()).unwrap_err();
    assert!(matches!(err, OpsError::Failed { .. }));
    assert!(
        err.hints()[0].contains("--allow fs-read --allow network"),
        "{:?}",
        err.hints()
    );
    assert_eq!(s.snapshot(), before);
    assert!(s.lock_text().is_none());
}

#[test]
fn remove_prunes_dependencies_without_the_index() {
    let s = Sandbox::new("1.4.2");
    add_specs(&s, &["hello-world", "pretty-theme"]);
    std::fs::create_dir_all(s.plugin_dir("mine")).unwrap();
    std::fs::rename(s.index(), s.root().join("gone")).unwrap();
    let r = remove(&s.project(), &["hello-world".to_string()], &s.opts()).unwrap();
    assert!(!r.index_read);
    assert_eq!(r.uninstalled, vec!["greeter-core", "hello-world"]);
    assert_eq!(
        r.unmanaged,
        vec!["mine"],
        "folders plugres did not make stay"
    );
    assert_eq!(s.locked(), vec!["pretty-theme 1.0.0"]);
    assert!(!s.manifest_text().contains("hello-world"));
    assert!(!s.plugin_dir("greeter-core").exists());
    let err = remove(&s.project(), &["greeter-core".to_string()], &s.opts()).unwrap_err();
    assert!(err.to_string().contains("not in the `[plugins]`"), "{err}");
}

#[test]
fn disabled_survives_relocking_and_reaches_the_host() {
    let s = Sandbox::new("1.4.2");
    add_specs(&s, &["hello-world"]);
    let r = set_disabled(&s.project(), "greeter-core", true, &s.opts()).unwrap();
    assert!(r.changed && r.disabled);
    update(&s.project(), &[], &s.opts()).unwrap();
    assert!(s.lock().plugin("greeter-core").unwrap().disabled);
    let host = crate::installed(&s.project()).unwrap();
    let core = host.iter().find(|p| p.name == "greeter-core").unwrap();
    assert!(!core.enabled);
    let hello = host.iter().find(|p| p.name == "hello-world").unwrap();
    assert!(hello.enabled);
    assert_eq!(hello.permissions, vec!["fs-read", "network"]);
    assert_eq!(
        hello.file.as_deref(),
        Some(
            s.plugin_dir("hello-world")
                .join("hello_world.wasm")
                .as_path()
        )
    );
    set_disabled(&s.project(), "greeter-core", false, &s.opts()).unwrap();
    assert!(!s.lock().plugin("greeter-core").unwrap().disabled);
}

#[test]
fn a_yanked_locked_version_is_kept_with_its_reason() {
    let s = Sandbox::new("1.4.2");
    add_specs(&s, &["acme-audit@=1.0.0"]);
    // Pretend 1.1.0 was locked before it was yanked: point the lock at it.
    let index = std::fs::read_to_string(s.index().join("plugins/ac/me/acme-audit.toml")).unwrap();
    let sha = |v: &str| {
        let at = index.find(&format!("artifacts/acme-audit/{v}/")).unwrap();
        let rest = &index[at..];
        let q = rest.find("sha256 = \"").unwrap() + 10;
        rest[q..q + 64].to_string()
    };
    let lock = s
        .lock_text()
        .unwrap()
        .replace(
            "version = \"1.0.0\"",
            "version = \"1.1.0\"\nyanked = true\nyank-reason = \"loses audit records\"",
        )
        .replace("acme-audit/1.0.0/", "acme-audit/1.1.0/")
        .replace(&sha("1.0.0"), &sha("1.1.0"));
    // The tree digests recorded at install are 1.0.0's: a lock made by
    // `plugres lock` (which installs nothing) has none.
    let lock: String = lock
        .lines()
        .filter(|l| !l.starts_with("tree = "))
        .map(|l| format!("{l}\n"))
        .collect();
    std::fs::write(s.project().join("plugres.lock"), lock).unwrap();
    s.write_manifest(&s.manifest_text().replace("\"=1.0.0\"", "\"^1\""));
    let r = install(&s.project(), &s.opts()).unwrap();
    assert!(!r.index_read);
    assert_eq!(
        r.warnings,
        vec!["using yanked `acme-audit 1.1.0` (locked): loses audit records"]
    );
    // Re-locking keeps it (yanked versions stay when locked) and says why.
    let r = lock_again(&s);
    assert!(r.changes.is_empty(), "{:?}", r.changes);
    assert!(
        r.warnings
            .iter()
            .any(|w| w.contains("yanked `acme-audit 1.1.0`")),
        "{:?}",
        r.warnings
    );
}

fn lock_again(s: &Sandbox) -> crate::ops::ChangeReport {
    lock(&s.project(), &s.opts()).unwrap()
}

#[test]
fn deprecated_plugins_say_so() {
    let s = Sandbox::new("1.4.2");
    let r = add_specs(&s, &["old-greeter"]);
    assert_eq!(
        r.warnings,
        vec!["`old-greeter` is deprecated: use hello-world instead"]
    );
}

#[test]
fn lock_reports_the_plugin_files_its_resolution_read() {
    let s = Sandbox::new("1.4.2");
    add_specs(&s, &["hello-world"]);
    std::fs::remove_file(s.project().join("plugres.lock")).unwrap();
    let r = lock_again(&s);
    // hello-world and greeter-core, not the index's other three plugins.
    assert_eq!(r.index_files_read, 2, "{r:?}");
    let again = install(&s.project(), &s.opts()).unwrap();
    assert_eq!((again.index_read, again.index_files_read), (false, 0));
}

/// `--dry-run` on `update` and `lock`: the changes are reported, and not a
/// byte of the project changes (lock, manifest, install dir).
#[test]
fn dry_run_reports_the_changes_and_writes_nothing() {
    let s = Sandbox::new("1.4.2");
    add_specs(&s, &["hello-world@=1.1.0"]);
    let text = s.manifest_text().replace("\"=1.1.0\"", "\"^1.1\"");
    s.write_manifest(&text);
    let before = s.snapshot();
    let dry = crate::ops::Options {
        dry_run: true,
        ..s.opts()
    };
    let r = update(&s.project(), &[], &dry).unwrap();
    assert!(r.dry_run && !r.lock_written && r.installed.is_empty());
    assert_eq!(r.changes.len(), 1, "{:?}", r.changes);
    assert_eq!(r.changes[0].to.as_deref(), Some("1.2.0"));
    assert_eq!(s.snapshot(), before, "a dry run changed the project");

    // A plugin the manifest names but the lock lacks: `lock` would add it.
    let text = s
        .manifest_text()
        .replace("[plugins]\n", "[plugins]\nacme-audit = \"^2\"\n");
    s.write_manifest(&text);
    let before = s.snapshot();
    let r = lock(&s.project(), &dry).unwrap();
    assert!(r.dry_run && !r.lock_written);
    assert!(
        r.changes.iter().any(|c| c.name == "acme-audit"),
        "{:?}",
        r.changes
    );
    assert_eq!(s.snapshot(), before, "a dry run changed the project");
    // The same without --dry-run writes the lock.
    assert!(lock(&s.project(), &s.opts()).unwrap().lock_written);
}

#[test]
fn update_precise_moves_one_plugin_to_exactly_that_version() {
    use crate::ops::update_precise;
    let s = Sandbox::new("1.4.2");
    add_specs(&s, &["hello-world"]);
    assert_eq!(s.locked(), vec!["greeter-core 0.3.1", "hello-world 1.2.0"]);
    // A dependency, down: a preference the resolution keeps.
    let r = update_precise(&s.project(), "greeter-core", "0.3.0", &s.opts()).unwrap();
    assert_eq!(r.changes.len(), 1, "{:?}", r.changes);
    assert_eq!(s.locked(), vec!["greeter-core 0.3.0", "hello-world 1.2.0"]);
    // A later lock keeps it there.
    assert!(lock(&s.project(), &s.opts()).unwrap().changes.is_empty());
    // A root, down within its requirement `^1.2.0`: refused outside it.
    let before = (s.manifest_text(), s.lock());
    let err = update_precise(&s.project(), "hello-world", "1.1.0", &s.opts()).unwrap_err();
    assert!(
        err.to_string()
            .contains("plugres.toml requires hello-world ^1.2.0, which 1.1.0 does not match"),
        "{err}"
    );
    assert!(err.hints()[0].contains("plugres add hello-world@=1.1.0"));
    // A version the registry does not have names the newest ones.
    let err = update_precise(&s.project(), "greeter-core", "0.9.0", &s.opts()).unwrap_err();
    assert!(err.to_string().contains("no version 0.9.0"), "{err}");
    assert!(
        err.hints()[0].contains("0.4.0-beta.1, 0.3.1, 0.3.0"),
        "{:?}",
        err.hints()
    );
    // A version the rest of the project does not accept (hello-world 1.2.0
    // needs greeter-core ^0.3): nothing moves.
    let err = update_precise(&s.project(), "greeter-core", "0.2.0", &s.opts()).unwrap_err();
    assert!(
        err.to_string()
            .contains("greeter-core 0.2.0 cannot be used"),
        "{err}"
    );
    let err = update_precise(&s.project(), "nope", "1.0.0", &s.opts()).unwrap_err();
    assert!(
        err.to_string().contains("`nope` is not in plugres.lock"),
        "{err}"
    );
    assert_eq!((s.manifest_text(), s.lock()), before);
}
