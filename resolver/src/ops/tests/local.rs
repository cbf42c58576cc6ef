//! Local plugins (README "Local plugin development"): `add --path`, the
//! local build as the only candidate of its name, its dependencies from
//! the registry, install through the same code, rebuilds, `--locked`.

use std::path::{Path, PathBuf};

use crate::ops::test_support::Sandbox;
use crate::ops::{AddRequest, ChangeReport, OpsError, add, install, lock, remove};

/// A local `hello-world` at `version` in `<root>/hello`, needing
/// greeter-core ^0.3, built as `build/hello.wasm` with `bytes`.
fn local_hello(s: &Sandbox, version: &str, bytes: &[u8]) -> PathBuf {
    let dir = s.root().join("hello");
    std::fs::create_dir_all(dir.join("build")).unwrap();
    std::fs::write(dir.join("build/hello.wasm"), bytes).unwrap();
    std::fs::write(
        dir.join("plugin.toml"),
        format!(
            "[plugin]\nname = \"hello-world\"\nversion = \"{version}\"\ndescription = \"a local build\"\nengine = \">=1.4\"\npermissions = [\"network\"]\n\n[dependencies]\ngreeter-core = \"^0.3\"\n\n[[artifact]]\ntarget = \"any\"\npath = \"build/hello.wasm\"\n"
        ),
    )
    .unwrap();
    dir
}

fn add_path(s: &Sandbox, path: &str) -> Result<ChangeReport, OpsError> {
    let request = AddRequest {
        path: Some(path.to_string()),
        ..AddRequest::default()
    };
    add(&s.project(), &request, &s.opts())
}

fn installed_bytes(s: &Sandbox) -> Vec<u8> {
    std::fs::read(s.plugin_dir("hello-world").join("hello.wasm")).unwrap()
}

#[test]
fn add_path_writes_the_folder_locks_it_as_local_and_its_dependencies_from_the_registry() {
    let s = Sandbox::new("1.4.2");
    local_hello(&s, "1.5.0", b"\0asm build 1");
    let r = add_path(&s, "../hello").unwrap();
    assert!(
        s.manifest_text()
            .contains("hello-world = { path = \"../hello\" }"),
        "{}",
        s.manifest_text()
    );
    assert_eq!(s.locked(), vec!["greeter-core 0.3.1", "hello-world 1.5.0"]);
    assert_eq!(
        r.granted[0].permissions,
        vec!["network"],
        "asked like any plugin"
    );
    let lock = s.lock_text().unwrap();
    assert!(
        lock.contains(
            "name = \"hello-world\"\nversion = \"1.5.0\"\nsource = \"path\"\npath = \"../hello\"\n"
        ),
        "{lock}"
    );
    assert!(lock.contains("file = \"build/hello.wasm\""), "{lock}");
    assert!(lock.contains("tree = "), "installed: tree recorded\n{lock}");
    assert_eq!(installed_bytes(&s), b"\0asm build 1");
    // The host loads it like any installed plugin.
    let host = plugres_host::installed(&s.project()).unwrap();
    assert_eq!(host.len(), 2);
    // A no-op install reads nothing and changes nothing.
    let again = install(&s.project(), &s.opts()).unwrap();
    assert!(!again.lock_written && again.installed.is_empty() && again.notes.is_empty());
    // And `remove` takes it out of all three.
    remove(&s.project(), &["hello-world".into()], &s.opts()).unwrap();
    assert!(s.locked().is_empty());
    assert!(!s.plugin_dir("hello-world").exists());
}

#[test]
fn install_picks_up_a_rebuild_unless_locked_and_locked_needs_allow_local() {
    let s = Sandbox::new("1.4.2");
    let dir = local_hello(&s, "1.5.0", b"\0asm build 1");
    add_path(&s, "../hello").unwrap();
    let mut locked = s.opts();
    locked.locked = true;
    let e = install(&s.project(), &locked).unwrap_err().to_string();
    assert!(e.contains("`hello-world` is a local plugin"), "{e}");
    locked.allow_local = true;
    install(&s.project(), &locked).expect("allowed, and the files match");

    std::fs::write(dir.join("build/hello.wasm"), b"\0asm build 2").unwrap();
    let before = s.lock_text();
    let e = install(&s.project(), &locked).unwrap_err().to_string();
    assert!(
        e.contains("local plugin `hello-world` changed since plugres.lock was written"),
        "{e}"
    );
    assert_eq!(s.lock_text(), before, "nothing written under --locked");
    assert_eq!(installed_bytes(&s), b"\0asm build 1");

    let r = install(&s.project(), &s.opts()).unwrap();
    assert!(r.lock_written);
    assert_eq!(r.installed.len(), 1);
    assert!(
        r.notes[0].starts_with("local plugin `hello-world` was rebuilt"),
        "{:?}",
        r.notes
    );
    assert_eq!(installed_bytes(&s), b"\0asm build 2");
    let sha = plugres_schema::Sha256::of(b"\0asm build 2").to_hex();
    assert!(s.lock_text().unwrap().contains(&sha));
}

#[test]
fn a_local_plugin_replaces_the_registry_one_for_its_dependents_or_conflicts() {
    let s = Sandbox::new("1.4.2");
    local_hello(&s, "1.5.0", b"\0asm build 1");
    s.write_manifest(&format!(
        "{}acme-audit = \"^1\"\nhello-world = {{ path = \"../hello\" }}\n",
        s.manifest_text()
    ));
    lock(&s.project(), &s.opts()).unwrap();
    assert!(
        s.locked().contains(&"hello-world 1.5.0".to_string()),
        "{:?}",
        s.locked()
    );
    // acme-audit needs hello-world ^1.1: a 2.0.0 build does not do.
    local_hello(&s, "2.0.0", b"\0asm build 1");
    let e = lock(&s.project(), &s.opts()).unwrap_err().to_string();
    assert!(e.contains("hello-world"), "{e}");
    assert!(e.contains("no set of plugin versions"), "{e}");
}

#[test]
fn an_engine_the_local_build_does_not_run_on_is_a_conflict_naming_the_engine() {
    let s = Sandbox::new("1.3.0");
    local_hello(&s, "1.5.0", b"\0asm build 1");
    let before = s.snapshot();
    let e = add_path(&s, "../hello").unwrap_err().to_string();
    assert!(
        e.contains("hello-world 1.5.0 needs demo-engine >=1.4"),
        "{e}"
    );
    assert_eq!(s.snapshot(), before, "nothing written");
}

#[test]
fn add_path_refuses_a_version_plugres_toml_asks_the_registry_for() {
    let s = Sandbox::new("1.4.2");
    local_hello(&s, "3.0.0", b"\0asm build 1");
    s.write_manifest(&format!("{}hello-world = \"^1.2\"\n", s.manifest_text()));
    let e = add_path(&s, "../hello").unwrap_err().to_string();
    assert_eq!(
        e,
        "plugres.toml wants `hello-world ^1.2` from registry `default`, but the local build in `../hello` is version 3.0.0"
    );
    assert!(Path::new(&s.project()).join("plugres.toml").exists());
}

#[test]
fn a_local_build_replacing_a_granted_registry_plugin_asks_for_its_permissions_again() {
    let s = Sandbox::new("1.4.2");
    let request = AddRequest {
        specs: vec!["hello-world".into()],
        ..AddRequest::default()
    };
    add(&s.project(), &request, &s.opts()).unwrap();
    local_hello(&s, "1.5.0", b"\0asm build 1");
    let before = s.snapshot();
    let request = AddRequest {
        path: Some("../hello".into()),
        ..AddRequest::default()
    };
    let e = add(&s.project(), &request, &s.strict_opts())
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("permissions not granted: `hello-world 1.5.0` asks for network"),
        "{e}"
    );
    assert_eq!(s.snapshot(), before, "nothing changed");
}
