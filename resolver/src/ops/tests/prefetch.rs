//! The resolver's prefetch hints reach a sparse index even when they come
//! before the index is open: the roots are hinted first, so without that
//! a lock fetched its roots one after another on one connection.

use std::collections::BTreeSet;
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

use crate::fetch::test_server::{Reply, TestServer};
use crate::ops::lock;
use crate::ops::test_support::{SAMPLE_ROOT_KEY, Sandbox};

/// Longest the server holds the first plugin file back.
const HOLD: Duration = Duration::from_secs(5);

/// Which plugin files were asked for, and whether the first one was
/// released by a request for another (rather than by the time limit).
#[derive(Default)]
struct Seen {
    plugin_files: BTreeSet<String>,
    released_by_another: Option<bool>,
}

fn is_plugin_file(path: &str) -> bool {
    path.starts_with("/plugins/") && path.ends_with(".toml")
}

#[test]
fn roots_are_fetched_in_parallel_from_the_start() {
    let s = Sandbox::new("1.4.2");
    let root = s.index();
    let state = Arc::new((Mutex::new(Seen::default()), Condvar::new()));
    let shared = state.clone();
    // Holds back the first plugin file until another plugin file is asked
    // for: a lock that fetches one root at a time would wait out HOLD.
    let server = TestServer::start(move |_, path| {
        let (seen, changed) = &*shared;
        if is_plugin_file(path) {
            let mut guard = seen.lock().unwrap();
            let first = guard.plugin_files.is_empty();
            guard.plugin_files.insert(path.to_string());
            changed.notify_all();
            if first {
                let (guard, wait) = changed
                    .wait_timeout_while(guard, HOLD, |g| g.plugin_files.len() < 2)
                    .unwrap();
                let mut guard = guard;
                guard.released_by_another = Some(!wait.timed_out());
            }
        }
        match std::fs::read(root.join(path.trim_start_matches('/'))) {
            Ok(bytes) => Reply::Bytes(200, bytes),
            Err(_) => Reply::Bytes(404, Vec::new()),
        }
    });
    s.write_manifest(&format!(
        "[engine]\nversion = \"1.4.2\"\n\n[registry.default]\nindex = \"sparse+{}/\"\nroot-keys = [\"{SAMPLE_ROOT_KEY}\"]\n\n[plugins]\nhello-world = \"*\"\npretty-theme = \"*\"\n",
        server.base
    ));

    let r = lock(&s.project(), &s.opts()).expect("lock over sparse HTTP");
    assert_eq!(r.locked, 3, "{r:?}"); // the two roots and greeter-core
    let seen = state.0.lock().unwrap();
    assert_eq!(
        seen.released_by_another,
        Some(true),
        "the second root was only asked for after the first one's file: {:?}",
        seen.plugin_files
    );
}
