//! An edited plugres.lock is refused before anything is installed; what
//! checked out once needs no index again.

use crate::ops::test_support::Sandbox;
use crate::ops::{AddRequest, add, install, verify};

fn add_ok(s: &Sandbox, specs: &[&str]) {
    let request = AddRequest {
        specs: specs.iter().map(|x| x.to_string()).collect(),
        ..AddRequest::default()
    };
    add(&s.project(), &request, &s.opts()).expect("add");
}

fn edit_lock(s: &Sandbox, from: &str, to: &str) {
    let text = s.lock_text().unwrap();
    assert!(text.contains(from), "{from} in\n{text}");
    std::fs::write(s.project().join("plugres.lock"), text.replace(from, to)).unwrap();
}

fn forget_checks(s: &Sandbox) {
    let _ = std::fs::remove_dir_all(s.cache().join("index/checked-entries"));
    std::fs::remove_dir_all(s.project().join("plugins")).unwrap();
}

#[test]
fn a_lock_whose_artifact_was_redirected_is_refused_as_edited() {
    let s = Sandbox::new("1.4.2");
    add_ok(&s, &["hello-world"]);
    forget_checks(&s);
    // Another file of the same index, its digest and size: bytes nobody
    // signed for hello-world.
    let other = s.index().join("artifacts/acme-audit/2.0.0/acme_audit.wasm");
    let bytes = std::fs::read(&other).unwrap();
    let mut lock = s.lock();
    let hello = lock
        .plugins
        .iter_mut()
        .find(|p| p.name.as_str() == "hello-world")
        .unwrap();
    let artifact = &mut hello.artifacts[0];
    artifact.url = format!("file://{}", other.display());
    artifact.sha256 = plugres_schema::Sha256::of(&bytes);
    artifact.size = bytes.len() as u64;
    lock.save(&s.project().join("plugres.lock")).unwrap();
    let before = s.snapshot();
    let err = install(&s.project(), &s.opts()).expect_err("edited lock");
    let message = err.to_string();
    assert!(
        message.contains("plugres.lock does not match the signed index for `hello-world 1.2.0`"),
        "{message}"
    );
    assert!(message.contains("The lock was edited"), "{message}");
    assert!(message.contains("file://"), "{message}");
    assert!(
        err.hints()
            .iter()
            .any(|h| h.contains("git checkout plugres.lock")),
        "{:?}",
        err.hints()
    );
    assert_eq!(s.snapshot(), before, "nothing installed or changed");
    let report = verify(&s.project(), &s.opts()).unwrap();
    assert!(
        report.problems.iter().any(|p| p.name == "hello-world"
            && p.path.ends_with("plugres.lock")
            && p.problem.contains("does not match the signed index")),
        "{report:?}"
    );
}

#[test]
fn a_lock_naming_a_version_the_index_lacks_or_fewer_permissions_is_refused() {
    let s = Sandbox::new("1.4.2");
    add_ok(&s, &["acme-audit"]);
    forget_checks(&s);
    let lock = s.lock_text().unwrap();
    edit_lock(&s, "version = \"2.0.0\"", "version = \"2.0.9\"");
    let err = install(&s.project(), &s.opts()).expect_err("unknown version");
    assert!(
        err.to_string()
            .contains("its signed index has no such version"),
        "{err}"
    );
    std::fs::write(s.project().join("plugres.lock"), &lock).unwrap();
    let permissions = s.lock().plugin("acme-audit").unwrap().permissions.clone();
    assert!(!permissions.is_empty());
    edit_lock(&s, "permissions = [", "permissions = [] # [");
    let err = install(&s.project(), &s.opts()).expect_err("permissions dropped");
    assert!(err.to_string().contains("permissions"), "{err}");
}

#[test]
fn a_checked_lock_needs_no_index_and_a_genuine_one_installs() {
    let s = Sandbox::new("1.4.2");
    add_ok(&s, &["hello-world"]);
    // Remembered: a no-op install with the index gone still works.
    let index = s.index();
    std::fs::rename(&index, s.root().join("moved")).unwrap();
    install(&s.project(), &s.opts()).expect("no index needed");
    std::fs::rename(s.root().join("moved"), &index).unwrap();
    // Forgotten: the genuine lock checks out against the index again.
    forget_checks(&s);
    install(&s.project(), &s.opts()).expect("genuine lock");
    assert!(s.cache().join("index/checked-entries").is_dir());
}
