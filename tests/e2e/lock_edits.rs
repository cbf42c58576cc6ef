//! plugres.lock is input, not trust: a lock edited in a pull request (an
//! artifact's URL pointed at another host or a `file://`, with that file's
//! sha256 and size) must not install bytes no key signed, on a machine
//! that has the project installed, nor on a fresh CI runner, and `plugres
//! verify` must not approve it (README threat model).

use plugres_e2e::http::StaticServer;
use plugres_e2e::project::{Backend, Project};
use plugres_e2e::*;
use plugres_schema::Sha256;

const EVIL: &[u8] = b"\0asm\x01\0\0\0 not what any publisher signed";

/// Points every artifact line of `hello-world` in plugres.lock at `url`,
/// with EVIL's digest and size: the six lines of the attack.
fn redirect_hello(p: &Project, url: &str) {
    let path = p.dir.join("plugres.lock");
    let text = std::fs::read_to_string(&path).unwrap();
    let mut out = String::new();
    let mut in_hello = false;
    for line in text.lines() {
        if line.starts_with("name = ") {
            in_hello = line == "name = \"hello-world\"";
        }
        let line = match line.split_once(" = ") {
            Some(("url", _)) if in_hello => format!("url = \"{url}\""),
            Some(("sha256", _)) if in_hello => {
                format!("sha256 = \"{}\"", Sha256::of(EVIL).to_hex())
            }
            Some(("size", _)) if in_hello => format!("size = {}", EVIL.len()),
            _ => line.to_string(),
        };
        out.push_str(&line);
        out.push('\n');
    }
    assert_ne!(out, text, "the lock names hello-world's artifacts");
    std::fs::write(&path, out).unwrap();
}

fn assert_edited(err: &str) {
    assert!(
        err.contains("plugres.lock does not match the signed index for `hello-world 1.2.0`")
            && err.contains("The lock was edited"),
        "{err}"
    );
    assert!(err.contains("git checkout plugres.lock"), "{err}");
}

#[test]
fn attack_lock_edited_to_another_host_or_a_file() {
    let evil_dir = tempfile::tempdir().unwrap();
    std::fs::write(evil_dir.path().join("evil.wasm"), EVIL).unwrap();
    let nginx = StaticServer::start(evil_dir.path());
    let file_url = format!("file://{}", evil_dir.path().join("evil.wasm").display());
    for url in [format!("{}/evil.wasm", nginx.url()), file_url] {
        // The victim has the project installed; the edited lock arrives
        // with a `git pull`.
        let p = Project::new(None);
        p.ok(&["add", "hello-world", "--yes"]);
        redirect_hello(&p, &url);
        let before = (p.project_state(), p.artifact_cache());
        assert_edited(&p.fails(&["install", "--locked"]));
        assert_edited(&p.fails(&["install"]));
        assert_eq!((p.project_state(), p.artifact_cache()), before, "{url}");
        let out = run(&mut p.cmd(&["--json", "verify"]), false);
        let verify = String::from_utf8_lossy(&out.stdout);
        assert!(verify.contains("\"ok\": false"), "{verify}");
        assert!(
            verify.contains("does not match the signed index"),
            "{verify}"
        );
        // A fresh machine (CI) with the edited lock refuses it too.
        std::fs::remove_dir_all(&p.home).unwrap();
        std::fs::remove_dir_all(p.dir.join("plugins")).unwrap();
        assert_edited(&p.fails(&["install", "--locked"]));
        assert!(!p.dir.join("plugins/hello-world").exists());
    }
    assert!(
        nginx.access_log().iter().all(|l| !l.contains("evil.wasm")),
        "nothing was fetched from the other host"
    );
}

#[test]
fn a_lock_this_machine_cannot_check_offline_is_refused_by_name() {
    let p = Project::on(Backend::Sparse, None);
    p.ok(&["add", "hello-world", "--yes"]);
    // Checked once: `--frozen` needs nothing more.
    p.ok(&["install", "--frozen"]);
    // A lock this machine never checked (its record gone, as on a machine
    // that only ever saw another lock) and index caches without the
    // plugin's file (its verified entry, any cached bytes): offline, the
    // entry cannot be checked.
    std::fs::remove_dir_all(p.home.join("index/checked-entries")).unwrap();
    std::fs::remove_dir_all(p.home.join("index/verified")).unwrap();
    let cached_plugin_files: Vec<_> = walkdir::WalkDir::new(p.home.join("index"))
        .into_iter()
        .flatten()
        .filter(|e| e.file_name() == "plugins" && e.path().parent().unwrap().ends_with("files"))
        .map(|e| e.path().to_path_buf())
        .collect();
    for dir in cached_plugin_files {
        std::fs::remove_dir_all(dir).unwrap();
    }
    let before = p.project_state();
    let err = p.fails(&["install", "--frozen"]);
    assert!(
        err.contains("cannot check")
            && err.contains("`hello-world 1.2.0`")
            && err.contains("--frozen"),
        "{err}"
    );
    assert_eq!(p.project_state(), before);
    // Online, it checks out and is remembered.
    p.ok(&["install", "--locked"]);
    p.ok(&["install", "--frozen"]);
}

#[test]
fn a_lock_granting_a_permission_never_asked_for_is_refused() {
    let p = Project::new(None);
    p.ok(&["add", "hello-world", "--yes"]);
    let path = p.dir.join("plugres.lock");
    let text = std::fs::read_to_string(&path).unwrap();
    let grants = "granted = [\"fs-read\", \"network\"]";
    assert!(text.contains(grants), "{text}");
    let edited = text.replace(
        grants,
        "granted = [\"fs-read\", \"network\", \"process-spawn\"]",
    );
    std::fs::write(&path, edited).unwrap();
    let before = p.project_state();
    for args in [&["install"][..], &["verify"]] {
        let err = p.fails(args);
        assert!(
            err.contains("plugres.lock:")
                && err.contains("`process-spawn` is granted but `hello-world` does not ask for it"),
            "{args:?}: {err}"
        );
    }
    assert_eq!(p.project_state(), before);
}
