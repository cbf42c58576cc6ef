//! Installing: refused artifacts change nothing; damage is found and repaired.

use crate::ops::test_support::Sandbox;
use crate::ops::{AddRequest, OpsError, add, install, verify};

fn add_ok(s: &Sandbox, specs: &[&str]) {
    let request = AddRequest {
        specs: specs.iter().map(|x| x.to_string()).collect(),
        ..AddRequest::default()
    };
    add(&s.project(), &request, &s.opts()).expect("add");
}

fn add_err(s: &Sandbox, spec: &str) -> OpsError {
    let request = AddRequest {
        specs: vec![spec.to_string()],
        ..AddRequest::default()
    };
    add(&s.project(), &request, &s.opts()).expect_err("add must fail")
}

fn cached_blobs(s: &Sandbox) -> usize {
    std::fs::read_dir(s.cache().join("sha256")).map_or(0, |d| d.count())
}

#[test]
fn an_artifact_with_one_byte_changed_is_refused_and_nothing_changes() {
    let s = Sandbox::new("1.4.2");
    add_ok(&s, &["pretty-theme"]);
    let wasm = s
        .index()
        .join("artifacts/hello-world/1.2.0/hello_world.wasm");
    let mut bytes = std::fs::read(&wasm).unwrap();
    bytes[10] ^= 1;
    std::fs::write(&wasm, bytes).unwrap();
    let before = s.snapshot();
    let blobs = cached_blobs(&s);
    let err = add_err(&s, "hello-world");
    let text = err.to_string();
    assert!(text.contains("hello-world 1.2.0"), "{text}");
    assert!(
        crate::ops::render(&err).contains("checksum mismatch"),
        "{}",
        crate::ops::render(&err)
    );
    assert_eq!(
        s.snapshot(),
        before,
        "manifest, lock and install dir unchanged"
    );
    assert!(
        cached_blobs(&s) <= blobs + 1,
        "only greeter-core may have been cached"
    );
}

#[test]
fn an_artifact_larger_than_declared_is_refused() {
    let s = Sandbox::new("1.4.2");
    let wasm = s
        .index()
        .join("artifacts/greeter-core/0.3.1/greeter_core.wasm");
    let mut bytes = std::fs::read(&wasm).unwrap();
    bytes.push(0);
    std::fs::write(&wasm, bytes).unwrap();
    let err = add_err(&s, "hello-world");
    assert!(
        crate::ops::render(&err).contains("larger than"),
        "{}",
        crate::ops::render(&err)
    );
    assert!(s.lock_text().is_none());
    assert!(!s.project().join("plugins/hello-world").exists());
}

#[test]
fn verify_finds_changed_and_added_files_and_install_repairs_them() {
    let s = Sandbox::new("1.4.2");
    add_ok(&s, &["hello-world", "pretty-theme"]);
    assert!(verify(&s.project(), &s.opts()).unwrap().ok);
    // Read-only (hard-linked to the cache where the file system allows):
    // a user who insists makes it writable first.
    let wasm = s.plugin_dir("hello-world").join("hello_world.wasm");
    let mut perms = std::fs::metadata(&wasm).unwrap().permissions();
    #[allow(clippy::permissions_set_readonly_false)]
    perms.set_readonly(false);
    std::fs::set_permissions(&wasm, perms).unwrap();
    std::fs::write(&wasm, b"evil").unwrap();
    std::fs::write(s.plugin_dir("pretty-theme").join("extra.txt"), b"x").unwrap();
    let r = verify(&s.project(), &s.opts()).unwrap();
    assert!(!r.ok);
    assert_eq!(r.problems.len(), 2);
    assert!(
        r.problems[0]
            .problem
            .contains("hello_world.wasm` was changed"),
        "{:?}",
        r.problems
    );
    assert!(
        r.problems[1].problem.contains("extra.txt` was added"),
        "{:?}",
        r.problems
    );
    let fixed = install(&s.project(), &s.opts()).unwrap();
    assert_eq!(fixed.installed.len(), 2);
    assert!(verify(&s.project(), &s.opts()).unwrap().ok);
}

#[test]
fn install_finishes_what_an_interrupted_run_left() {
    let s = Sandbox::new("1.4.2");
    add_ok(&s, &["hello-world"]);
    let plugins = s.project().join("plugins");
    // Killed between the two renames of a replace, with a half-filled staging dir.
    std::fs::rename(
        plugins.join("hello-world"),
        plugins.join(".plugres-old-hello-world-abc123"),
    )
    .unwrap();
    std::fs::create_dir(plugins.join(".plugres-tmp-zzz")).unwrap();
    std::fs::write(plugins.join(".plugres-tmp-zzz/half"), b"x").unwrap();
    let r = install(&s.project(), &s.opts()).unwrap();
    assert!(
        r.installed.is_empty(),
        "the old folder was restored, not refetched"
    );
    let names: Vec<String> = std::fs::read_dir(&plugins)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names.len(), 2, "{names:?}");
    assert!(verify(&s.project(), &s.opts()).unwrap().ok);
}

#[test]
fn archives_are_unpacked_and_listed_in_the_marker() {
    let s = Sandbox::new("1.4.2");
    add_ok(&s, &["pretty-theme"]);
    let host = crate::installed(&s.project()).unwrap();
    assert_eq!(host.len(), 1);
    assert_eq!(host[0].file, None, "an archive has no single file");
    assert!(s.plugin_dir("pretty-theme").join("theme.toml").is_file());
    let marker =
        std::fs::read_to_string(s.plugin_dir("pretty-theme").join(crate::ops::MARKER_FILE))
            .unwrap();
    assert!(marker.contains("kind = \"tar.gz\""), "{marker}");
    assert!(marker.contains("styles/main.css"), "{marker}");
}

#[test]
fn offline_install_needs_cached_downloads() {
    let ix = crate::index::fixture::TestIndex::new();
    ix.publish(
        crate::index::fixture::TestPlugin::new("far-away")
            .version("1.0.0", "*")
            .remote_artifact("any", "http://127.0.0.1:9/far_away.wasm", b"\0asm"),
        "maint",
    );
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(
        tmp.path().join("plugres.toml"),
        format!(
            "[engine]\nversion = \"1.4.2\"\n[registry.default]\nindex = \"{}\"\nroot-keys = [\"{}\"]\n[plugins]\nfar-away = \"1\"\n",
            ix.root().display(),
            ix.root_public()
        ),
    )
    .unwrap();
    let mut opts = crate::ops::Options::new(tmp.path().join(".cache"));
    crate::ops::lock(tmp.path(), &opts).expect("lock, no download");
    opts.offline = true;
    let err = install(tmp.path(), &opts).unwrap_err();
    assert!(err.to_string().contains("--offline"), "{err}");
    assert!(err.to_string().contains("far-away 1.0.0"), "{err}");
}

/// The marker's entry for `rel`, rewritten to `sha256` (what an attacker
/// who edits a file and its entry does).
fn forge_marker_entry(dir: &std::path::Path, rel: &str, sha256: &str) {
    let path = dir.join(crate::ops::MARKER_FILE);
    let text = std::fs::read_to_string(&path).unwrap();
    let at = text.find(&format!("[files.\"{rel}\"]")).unwrap();
    let q = at + text[at..].find("sha256 = \"").unwrap() + 10;
    let forged = format!("{}{sha256}{}", &text[..q], &text[q + 64..]);
    std::fs::write(&path, forged).unwrap();
}

#[test]
fn the_lock_records_each_installed_tree_and_verify_checks_it() {
    let s = Sandbox::new("1.4.2");
    add_ok(&s, &["pretty-theme"]);
    let lock = s.lock();
    let tree = lock.plugins[0].artifacts[0].tree.expect("tree recorded");
    let marker = plugres_host::marker::Marker::read(&s.plugin_dir("pretty-theme")).unwrap();
    assert_eq!(marker.tree, Some(tree.to_hex()));

    // A file and its marker entry edited together.
    let css = s.plugin_dir("pretty-theme").join("styles/main.css");
    std::fs::write(&css, b"body { background: url(evil) }").unwrap();
    let sha = plugres_schema::Sha256::of(b"body { background: url(evil) }").to_hex();
    forge_marker_entry(&s.plugin_dir("pretty-theme"), "styles/main.css", &sha);
    let r = verify(&s.project(), &s.opts()).unwrap();
    assert!(!r.ok);
    assert!(
        r.problems[0]
            .problem
            .contains("not the ones plugres.lock records"),
        "{:?}",
        r.problems
    );
    assert!(crate::installed(&s.project()).is_err());
    // The marker's stamp no longer matches the files: install repairs it.
    let fixed = install(&s.project(), &s.opts()).unwrap();
    assert_eq!(fixed.installed.len(), 1);
    assert!(verify(&s.project(), &s.opts()).unwrap().ok);
}

#[test]
fn an_edited_tree_in_the_lock_is_refused_and_nothing_changes() {
    let s = Sandbox::new("1.4.2");
    add_ok(&s, &["pretty-theme"]);
    let tree = s.lock().plugins[0].artifacts[0].tree.unwrap().to_hex();
    let edited = s.lock_text().unwrap().replace(&tree, &"0".repeat(64));
    std::fs::write(s.project().join("plugres.lock"), &edited).unwrap();
    std::fs::remove_dir_all(s.plugin_dir("pretty-theme")).unwrap();
    let err = install(&s.project(), &s.opts()).unwrap_err();
    let msg = crate::ops::render(&err);
    assert!(msg.contains("plugres.lock was edited"), "{msg}");
    assert_eq!(s.lock_text().unwrap(), edited);
    assert!(!s.plugin_dir("pretty-theme").exists());
}

#[test]
fn a_lock_without_trees_gets_them_on_the_next_install() {
    let s = Sandbox::new("1.4.2");
    add_ok(&s, &["hello-world", "pretty-theme"]);
    let with_trees = s.lock_text().unwrap();
    let without: String = with_trees
        .lines()
        .filter(|l| !l.starts_with("tree = "))
        .map(|l| format!("{l}\n"))
        .collect();
    assert_ne!(without, with_trees);
    std::fs::write(s.project().join("plugres.lock"), &without).unwrap();
    // `--locked` leaves the lock as it is and installs nothing new.
    let mut locked = s.opts();
    locked.locked = true;
    let r = install(&s.project(), &locked).unwrap();
    assert!(r.installed.is_empty() && !r.lock_written);
    assert_eq!(s.lock_text().unwrap(), without);
    // A plain install unpacks the cached artifacts again and records them.
    let r = install(&s.project(), &s.opts()).unwrap();
    assert!(r.lock_written);
    assert_eq!(s.lock_text().unwrap(), with_trees);
    let r = install(&s.project(), &s.opts()).unwrap();
    assert!(r.installed.is_empty() && !r.lock_written, "a no-op now");
}

/// A single-file artifact is placed from the cache, not copied and hashed
/// again: hard-linked (read-only) when asked, a file of its own with
/// `copy`; either way the marker, the lock's tree and `verify` agree, and
/// the next install is a no-op.
#[cfg(unix)]
#[test]
fn a_single_file_artifact_is_linked_from_the_cache_or_copied_per_link_mode() {
    use crate::install::LinkMode;
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    for mode in [LinkMode::Hardlink, LinkMode::Copy] {
        let s = Sandbox::new("1.4.2");
        let mut opts = s.opts();
        opts.link_mode = mode;
        let request = AddRequest {
            specs: vec!["hello-world".to_string()],
            ..AddRequest::default()
        };
        add(&s.project(), &request, &opts).expect("add");
        let installed = s.plugin_dir("hello-world").join("hello_world.wasm");
        let blob = std::fs::read_dir(s.cache().join("sha256"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .find(|b| std::fs::read(b).unwrap() == std::fs::read(&installed).unwrap())
            .expect("the artifact's blob is cached");
        let (file, cached) = (
            std::fs::metadata(&installed).unwrap(),
            std::fs::metadata(&blob).unwrap(),
        );
        let shared = (file.dev(), file.ino()) == (cached.dev(), cached.ino());
        let mode_bits = file.permissions().mode() & 0o777;
        match mode {
            LinkMode::Hardlink => assert!(shared && mode_bits == 0o444, "{mode_bits:o}"),
            _ => assert!(!shared && mode_bits == 0o644, "{mode_bits:o}"),
        }
        assert!(verify(&s.project(), &opts).unwrap().ok, "{mode:?}");
        let again = install(&s.project(), &opts).unwrap();
        assert!(again.installed.is_empty(), "{mode:?}: a no-op");
    }
}
