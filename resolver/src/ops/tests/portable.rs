//! A lock made from a path or git index holds no path of the machine that
//! made it, and installs elsewhere: artifacts stored in the index are
//! recorded by their index-relative path and found through the registry.

use std::sync::{Arc, Mutex};

use crate::index::git::test_support::{Daemon, Upstream};
use crate::ops::test_support::{SAMPLE_ROOT_KEY, Sandbox};
use crate::ops::{AddRequest, Options, add, install};

fn add_hello(s: &Sandbox, opts: &Options) {
    let request = AddRequest {
        specs: vec!["hello-world".into()],
        ..AddRequest::default()
    };
    add(&s.project(), &request, opts).expect("add");
}

/// Asserts the lock names no temporary path and no `file://` URL, and
/// every artifact by its path inside the index.
fn assert_portable(s: &Sandbox) {
    let text = s.lock_text().expect("lock");
    assert_eq!(s.redact(&text), text, "a temp path leaked:\n{text}");
    assert!(!text.contains("file://"), "{text}");
    for p in s.lock().plugins {
        for a in &p.artifacts {
            assert!(a.url.starts_with("artifacts/"), "{}", a.url);
        }
    }
}

/// Removes the install dir and the artifact cache (the index caches stay).
fn forget_installs(s: &Sandbox) {
    std::fs::remove_dir_all(s.project().join("plugins")).unwrap();
    std::fs::remove_dir_all(s.cache().join("sha256")).unwrap();
}

/// `--frozen`: the lock as it is, no index read, no network.
fn frozen(s: &Sandbox) -> Options {
    let mut o = s.opts();
    o.frozen = true;
    o.locked = true;
    o.offline = true;
    o
}

#[test]
fn a_lock_from_a_path_index_names_no_path_and_survives_a_moved_index() {
    let s = Sandbox::new("1.4.2");
    add_hello(&s, &s.opts());
    assert_portable(&s);
    let lock_before = s.lock_text().unwrap();

    // The index moves, plugres.toml follows; the lock stays as committed.
    std::fs::rename(s.index(), s.root().join("moved-index")).unwrap();
    s.write_manifest(
        &s.manifest_text()
            .replace("\"../index\"", "\"../moved-index\""),
    );
    forget_installs(&s);
    let r = install(&s.project(), &frozen(&s)).expect("frozen install");
    assert_eq!(r.installed.len(), 2, "{r:?}");
    assert!(!r.index_read && !r.lock_written);
    assert_eq!(s.lock_text().unwrap(), lock_before);
    assert!(
        s.plugin_dir("hello-world")
            .join("hello_world.wasm")
            .is_file()
    );

    // Without `--frozen`, install re-locks: only the registry's path changes.
    let r = install(&s.project(), &s.opts()).unwrap();
    assert!(r.lock_written && r.changes.is_empty(), "{r:?}");
    let after = s.lock_text().unwrap();
    assert_eq!(
        after,
        lock_before.replace("index = \"../index\"", "index = \"../moved-index\"")
    );
}

#[test]
fn a_lock_from_a_git_index_names_no_cache_path_and_refetches_a_deleted_cache() {
    let up = Upstream::sample();
    let daemon = Daemon::start(up.base());
    let s = Sandbox::new("1.4.2");
    s.write_manifest(&format!(
        "[engine]\nversion = \"1.4.2\"\n\n[registry.default]\nindex = \"{}\"\nroot-keys = [\"{SAMPLE_ROOT_KEY}\"]\n\n[plugins]\n",
        daemon.url("upstream")
    ));
    add_hello(&s, &s.opts());
    assert_portable(&s);

    // The index cache is still here: a frozen (offline) install reads the
    // artifacts out of it.
    forget_installs(&s);
    let r = install(&s.project(), &frozen(&s)).expect("frozen install");
    assert_eq!(r.installed.len(), 2, "{r:?}");

    // Everything cached is gone: offline cannot, online fetches and says so.
    std::fs::remove_dir_all(s.cache()).unwrap();
    std::fs::remove_dir_all(s.project().join("plugins")).unwrap();
    let err = install(&s.project(), &frozen(&s)).unwrap_err();
    assert!(!s.project().join("plugins").exists(), "{err}");
    let lines = Arc::new(Mutex::new(Vec::<String>::new()));
    let mut opts = s.opts();
    let sink = lines.clone();
    opts.status = Some(Box::new(move |l: &str| {
        sink.lock().unwrap().push(l.to_string())
    }));
    let r = install(&s.project(), &opts).expect("install refetching the index");
    assert_eq!(r.installed.len(), 2, "{r:?}");
    assert!(!r.index_read && !r.lock_written, "{r:?}");
    let lines = lines.lock().unwrap();
    assert_eq!(
        lines
            .iter()
            .filter(|l| l.contains("Checking plugres.lock against the index of registry `default`"))
            .count(),
        1,
        "{lines:?}"
    );
    // The fetch was recorded: the next offline install needs no network.
    drop(daemon);
    forget_installs(&s);
    install(&s.project(), &frozen(&s)).expect("offline from the refetched cache");
}
