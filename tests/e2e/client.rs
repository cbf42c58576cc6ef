//! The project user's workflow through the real `plugres` binary, on the
//! sample index from a path, with artifacts from a real static HTTP server,
//! and the refusals that must leave project and cache as they were.

use std::path::Path;

use plugres_e2e::http::{Fault, FaultServer, StaticServer};
use plugres_e2e::index::{TestIndex, sample_root_key};
use plugres_e2e::project::{Backend, Project};
use plugres_e2e::*;
use serde_json::Value;

fn versions(lock: &Path) -> Vec<(String, String)> {
    let v: toml::Value = toml::from_str(&std::fs::read_to_string(lock).unwrap()).unwrap();
    v["plugin"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["name"].as_str().unwrap().to_string(),
                p["version"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
}

#[test]
fn the_whole_workflow_on_a_path_index() {
    workflow(Backend::Path);
}

#[test]
fn the_whole_workflow_on_a_git_index() {
    workflow(Backend::Git);
}

#[test]
fn the_whole_workflow_on_a_sparse_http_index() {
    workflow(Backend::Sparse);
}

/// One scenario, run on every backend: the same results each time.
fn workflow(backend: Backend) {
    let p = Project::on(backend, None);
    let add = p.json(&["add", "hello-world", "--yes"]);
    assert_eq!(add["installed"].as_array().unwrap().len(), 2, "{add}");
    assert_eq!(
        versions(&p.dir.join("plugres.lock")),
        pairs(&[("greeter-core", "0.3.1"), ("hello-world", "1.2.0")])
    );
    assert!(p.dir.join("plugins/hello-world/hello_world.wasm").is_file());
    assert!(
        std::fs::read_to_string(p.dir.join("plugres.toml"))
            .unwrap()
            .contains("hello-world = \"^1.2.0\"")
    );

    let tree = stdout(&p.ok(&["tree"]));
    assert!(
        tree.contains("hello-world 1.2.0") && tree.contains("└── greeter-core 0.3.1"),
        "{tree}"
    );
    let why = stdout(&p.ok(&["tree", "--invert", "greeter-core"]));
    assert!(why.contains("hello-world 1.2.0 (plugres.toml)"), "{why}");

    let outdated = p.json(&["outdated"]);
    let hw = &outdated["plugins"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["name"] == "hello-world")
        .unwrap()
        .clone();
    assert_eq!(
        (
            hw["current"].as_str(),
            hw["compatible"].as_str(),
            hw["latest"].as_str()
        ),
        (Some("1.2.0"), Some("1.2.0"), Some("2.0.0")),
        "{hw}"
    );
    assert!(hw["held_back"].to_string().contains("demo-engine"), "{hw}");

    let info = p.json(&["info", "acme-audit"]);
    let v110 = info["versions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["version"] == "1.1.0")
        .unwrap()
        .clone();
    assert_eq!(v110["yanked"], true);
    assert!(
        v110["yank_reason"]
            .as_str()
            .unwrap()
            .contains("loses audit records")
    );
    let info = p.json(&["info", "old-greeter"]);
    assert_eq!(info["deprecated"], "use hello-world instead");

    // Every transport, a static host too: search reads the catalog.
    let search = p.json(&["search", "theme"]);
    assert_eq!(search["results"][0]["name"], "pretty-theme", "{search}");

    // The engine conflict explains itself, naming the engine and the version.
    let err = p.fails(&["add", "hello-world@^2", "--yes"]);
    assert!(
        err.contains(
            "hello-world 2.0.0 needs demo-engine >=2.0.0, but this project runs demo-engine 1.4.2"
        ),
        "{err}"
    );
    assert!(
        err.contains("hint:") && err.contains("plugres engine-check"),
        "{err}"
    );

    // engine-check lists the blockers and exits 3 (a check that says no).
    let out = run(&mut p.cmd(&["--json", "engine-check", "2.0.0"]), false);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    let check: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(check["possible"], false);
    assert_eq!(check["blockers"][0]["name"], "hello-world", "{check}");
    let ok = p.json(&["engine-check", "1.9.0"]);
    assert_eq!(ok["possible"], true, "{ok}");

    // An archive plugin is extracted.
    p.ok(&["add", "pretty-theme", "--yes"]);
    assert!(p.dir.join("plugins/pretty-theme/styles/main.css").is_file());
    // update with an older lock pin: lower the requirement, lock an older version, then update.
    p.ok(&["remove", "hello-world"]);
    assert!(!p.dir.join("plugins/hello-world").exists());
    p.ok(&["add", "hello-world@=1.1.0", "--yes"]);
    assert!(
        versions(&p.dir.join("plugres.lock")).contains(&("hello-world".into(), "1.1.0".into()))
    );
    let manifest = std::fs::read_to_string(p.dir.join("plugres.toml"))
        .unwrap()
        .replace("\"=1.1.0\"", "\"^1.1\"");
    std::fs::write(p.dir.join("plugres.toml"), manifest).unwrap();
    p.ok(&["install", "--yes"]); // the locked 1.1.0 still fits: kept
    assert!(
        versions(&p.dir.join("plugres.lock")).contains(&("hello-world".into(), "1.1.0".into()))
    );
    p.ok(&["update", "hello-world", "--yes"]);
    assert!(
        versions(&p.dir.join("plugres.lock")).contains(&("hello-world".into(), "1.2.0".into()))
    );

    let verify = p.json(&["verify"]);
    assert_eq!(verify["ok"], true, "{verify}");
    overwrite(&p.dir.join("plugins/hello-world/hello_world.wasm"), b"evil");
    let checked = run(&mut p.cmd(&["verify"]), false);
    assert_eq!(checked.status.code(), Some(3), "{}", stderr(&checked));
    let err = stderr(&checked);
    assert!(
        err.contains("hello_world.wasm")
            || stdout(&run(&mut p.cmd(&["verify"]), false)).contains("hello_world.wasm"),
        "{err}"
    );
    // install repairs it.
    p.ok(&["install"]);
    assert_eq!(p.json(&["verify"])["ok"], true);
}

#[test]
fn install_from_a_current_lock_reads_no_index() {
    let p = Project::new(None);
    p.ok(&["add", "hello-world", "old-greeter", "--yes"]);
    std::fs::remove_dir_all(p.dir.join("plugins")).unwrap();
    // The index is gone; the cache and the lock are enough.
    std::fs::rename(&p.index, p.index.with_extension("gone")).unwrap();
    let out = p.json(&["install", "--frozen"]);
    assert_eq!(out["index_read"], false, "{out}");
    // The lock remembers a deprecation, so an index-free install still says it.
    assert!(
        out["warnings"]
            .to_string()
            .contains("`old-greeter` is deprecated: use hello-world instead"),
        "{out}"
    );
    assert_eq!(p.json(&["verify"])["ok"], true);
}

#[test]
fn artifacts_come_from_a_real_static_http_server() {
    let tmp = tempfile::tempdir().unwrap();
    let index = tmp.path().join("index");
    TestIndex::sample_copy(&index, None);
    let server = StaticServer::start(&index);
    TestIndex { dir: index.clone() }.set_artifact_base(Some(&server.url()));
    let p = Project::with_index(tmp, index, &sample_root_key());
    p.ok(&["add", "acme-audit", "pretty-theme", "--yes"]);
    assert!(p.dir.join("plugins/pretty-theme/theme.toml").is_file());
    let lock = std::fs::read_to_string(p.dir.join("plugres.lock")).unwrap();
    assert!(
        lock.contains(&format!(
            "{}artifacts/acme-audit/2.0.0/acme_audit.wasm",
            server.url()
        )),
        "{lock}"
    );
    let log = server.access_log().join("\n");
    assert!(
        log.contains("GET /artifacts/hello-world/1.2.0/hello_world.wasm"),
        "nginx access log:\n{log}"
    );
    assert_eq!(p.json(&["verify"])["ok"], true);
}

/// Sets up a project with hello-world installed, applies `tamper`, runs
/// `args` expecting failure, and checks project and cache are unchanged.
fn refused(p: &Project, args: &[&str], tamper: impl FnOnce(&Project), expect: &[&str]) -> String {
    p.ok(&["add", "hello-world", "--yes"]);
    tamper(p);
    p.upstream_changed();
    let before = p.state();
    let err = p.fails(args);
    for e in expect {
        assert!(err.contains(e), "expected `{e}` in:\n{err}");
    }
    assert_eq!(
        p.state(),
        before,
        "the refused command changed the project or the cache"
    );
    err
}

#[test]
fn a_wrong_root_key_is_refused() {
    let p = Project::new(None);
    p.ok(&["add", "hello-world", "--yes"]);
    // The project pins another key than the one that signed the config.
    let wrong = plugres_e2e::index::key("sample-maintainers").public_base64();
    let m = std::fs::read_to_string(p.dir.join("plugres.toml"))
        .unwrap()
        .replace(&sample_root_key(), &wrong);
    std::fs::write(p.dir.join("plugres.toml"), m).unwrap();
    let before = p.state();
    let err = p.fails(&["add", "acme-audit", "--yes"]);
    assert!(
        err.contains("`config.toml` of the index")
            && err.contains("not signed by a root key pinned"),
        "{err}"
    );
    assert_eq!(p.state(), before);
    // `registry add` and `init` verify right away too.
    let idx = p.index.to_str().unwrap().to_string();
    let err = p.fails(&["registry", "add", "other", &idx, "--key", &wrong]);
    assert!(err.contains("not signed by a root key pinned"), "{err}");
}

#[test]
fn a_hanging_server_times_out() {
    let server = FaultServer::start(vec![Fault::Hang]);
    let p = Project::with_remote_artifact(&server.url(), b"\0asm\x01\0\0\0");
    let before = p.state();
    let start = std::time::Instant::now();
    let out = run(
        p.cmd(&["add", "remote-one", "--yes"])
            .env("PLUGRES_HTTP_TIMEOUT", "1")
            .env("PLUGRES_HTTP_RETRIES", "1"),
        false,
    );
    assert!(
        start.elapsed() < std::time::Duration::from_secs(30),
        "took {:?}",
        start.elapsed()
    );
    let err = stderr(&out);
    assert!(
        err.contains("remote_one.wasm") && err.to_lowercase().contains("time"),
        "{err}"
    );
    assert_eq!(p.state(), before);
}

#[test]
fn a_500_then_200_server_is_retried() {
    let bytes = b"\0asm\x01\0\0\0retried".to_vec();
    let server = FaultServer::start(vec![Fault::Status(500), Fault::Serve(bytes.clone())]);
    let p = Project::with_remote_artifact(&server.url(), &bytes);
    p.ok(&["add", "remote-one", "--yes"]);
    assert_eq!(
        std::fs::read(p.dir.join("plugins/remote-one/remote_one.wasm")).unwrap(),
        bytes
    );
    assert_eq!(server.hits.load(std::sync::atomic::Ordering::SeqCst), 2);
}

fn targz(entries: &[(&str, tar::EntryType, &str)]) -> Vec<u8> {
    let mut builder = tar::Builder::new(flate2::write::GzEncoder::new(
        Vec::new(),
        flate2::Compression::default(),
    ));
    for (name, kind, target) in entries {
        let mut h = tar::Header::new_gnu();
        h.set_entry_type(*kind);
        h.set_mode(0o644);
        let data: &[u8] = if *kind == tar::EntryType::Regular {
            b"payload"
        } else {
            b""
        };
        h.set_size(data.len() as u64);
        // Write the raw name so `../` survives (the safe API refuses it).
        let raw = &mut h.as_old_mut().name;
        raw[..name.len()].copy_from_slice(name.as_bytes());
        if !target.is_empty() {
            h.set_link_name(target).unwrap();
        }
        h.set_cksum();
        builder.append(&h, data).unwrap();
    }
    builder.into_inner().unwrap().finish().unwrap()
}

#[test]
fn archives_that_escape_their_folder_are_refused() {
    for (what, archive) in [
        (
            "dot-dot",
            targz(&[
                ("ok.txt", tar::EntryType::Regular, ""),
                ("../evil.txt", tar::EntryType::Regular, ""),
            ]),
        ),
        (
            "absolute symlink",
            targz(&[("passwd", tar::EntryType::Symlink, "/etc/passwd")]),
        ),
    ] {
        let p = Project::new(None);
        TestIndex {
            dir: p.index.clone(),
        }
        .plugin("evil-archive")
        .version("1.0.0", "*")
        .artifact("any", "evil.tar.gz", &archive)
        .publish();
        let err = refused(&p, &["add", "evil-archive", "--yes"], |_| {}, &["evil"]);
        assert!(
            !p.dir.join("plugins/evil.txt").exists() && !p.dir.join("evil.txt").exists(),
            "{what}"
        );
        assert!(
            !p.dir.join("plugins/evil-archive").exists(),
            "{what}: {err}"
        );
    }
}

#[test]
fn kill_9_during_install_then_install_completes() {
    let bytes = b"\0asm\x01\0\0\0killed".to_vec();
    // The first request hangs (we kill the client meanwhile); later ones serve.
    let server = FaultServer::start(vec![Fault::Hang, Fault::Serve(bytes.clone())]);
    let p = Project::with_remote_artifact(&server.url(), &bytes);
    // Lock remote-one (no download yet) by hand-editing the manifest.
    let m = std::fs::read_to_string(p.dir.join("plugres.toml"))
        .unwrap()
        .replace("[plugins]\n", "[plugins]\nremote-one = \"1\"\n");
    std::fs::write(p.dir.join("plugres.toml"), m).unwrap();
    p.ok(&["lock"]);
    assert_eq!(server.hits.load(std::sync::atomic::Ordering::SeqCst), 0);
    let mut child = p.cmd(&["install", "--yes"]).spawn().unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while server.hits.load(std::sync::atomic::Ordering::SeqCst) == 0
        && std::time::Instant::now() < deadline
    {
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    p.ok(&["install", "--yes"]);
    assert_eq!(
        std::fs::read(p.dir.join("plugins/remote-one/remote_one.wasm")).unwrap(),
        bytes
    );
    assert_eq!(p.json(&["verify"])["ok"], true);
}

#[test]
fn two_installs_at_once_both_succeed() {
    let p = Project::new(None);
    p.ok(&["add", "hello-world", "acme-audit", "pretty-theme", "--yes"]);
    std::fs::remove_dir_all(p.dir.join("plugins")).unwrap();
    std::fs::remove_dir_all(&p.home).unwrap();
    let a = p
        .cmd(&["install"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let b = p
        .cmd(&["install"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let (a, b) = (a.wait_with_output().unwrap(), b.wait_with_output().unwrap());
    assert!(a.status.success(), "{}", stderr(&a));
    assert!(b.status.success(), "{}", stderr(&b));
    assert_eq!(p.json(&["verify"])["ok"], true);
}

#[test]
fn a_git_index_rewritten_to_an_older_commit_is_refused() {
    let p = Project::on(Backend::Git, None);
    p.ok(&["add", "hello-world", "--yes"]);
    let seen = git(&p.index, &["rev-parse", "HEAD"]);
    // A normal new commit is fetched (incrementally) and used.
    TestIndex {
        dir: p.index.clone(),
    }
    .plugin("fresh-one")
    .version("1.0.0", "*")
    .artifact("any", "f.wasm", b"\0asm\x01\0\0\0")
    .publish();
    p.upstream_changed();
    p.ok(&["add", "fresh-one", "--yes"]);
    // The host force-pushes the branch back to the commit seen first.
    git(&p.index, &["reset", "-q", "--hard", seen.trim()]);
    let before = p.state();
    let err = p.fails(&["update", "--yes"]);
    assert!(err.contains("history"), "{err}");
    assert_eq!(p.state(), before);
}

#[test]
fn a_private_sparse_registry_takes_a_bearer_token_and_never_shows_it() {
    const TOKEN: &str = "s3cr3t-t0ken-4-plugres";
    let tmp = tempfile::tempdir().unwrap();
    let index = tmp.path().join("index");
    TestIndex::sample_copy(&index, None);
    let nginx = StaticServer::start_with(
        &index,
        &format!("if ($http_authorization != \"Bearer {TOKEN}\") {{ return 401; }}"),
    );
    let home = tmp.path().join("home");
    let dir = tmp.path().join("project");
    std::fs::create_dir_all(&dir).unwrap();
    let url = format!("sparse+{}", nginx.url());
    let cmd = |args: &[&str]| {
        let mut c = plugres(&home);
        c.arg("-C").arg(&dir).args(args);
        c
    };
    run(&mut cmd(&["init", "--engine-version", "1.4.2"]), true);
    let manifest = std::fs::read_to_string(dir.join("plugres.toml")).unwrap()
        + &format!(
            "\n[registry.default]\nindex = \"{url}\"\nroot-keys = [\"{}\"]\n",
            sample_root_key()
        );
    std::fs::write(dir.join("plugres.toml"), manifest).unwrap();
    // Without the token: a clear error naming the registry and the variable.
    let out = run(&mut cmd(&["add", "hello-world", "--yes"]), false);
    let err = stderr(&out);
    assert!(
        err.contains("default") && err.contains("PLUGRES_REGISTRY_DEFAULT_TOKEN"),
        "{err}"
    );
    // A token bound to another index is not sent: nginx answers 401 to
    // every request, and the error says the token is for another index.
    let before = nginx.access_log().len();
    let out = run(
        cmd(&["add", "hello-world", "--yes"])
            .env("PLUGRES_REGISTRY_DEFAULT_TOKEN", TOKEN)
            .env(
                "PLUGRES_REGISTRY_DEFAULT_INDEX",
                "sparse+https://index.elsewhere.example/",
            ),
        false,
    );
    let err = stderr(&out);
    assert!(
        err.contains("another index URL") && err.contains("index.elsewhere.example"),
        "{err}"
    );
    assert!(!err.contains(TOKEN) && !stdout(&out).contains(TOKEN));
    let log = nginx.access_log();
    assert!(
        log[before.min(log.len())..]
            .iter()
            .all(|l| l.contains(" 401 ")),
        "{log:?}"
    );
    // With it, bound to this index: works, artifacts included (same origin).
    let with_token = |c: &mut std::process::Command| {
        c.env("PLUGRES_REGISTRY_DEFAULT_TOKEN", TOKEN)
            .env("PLUGRES_REGISTRY_DEFAULT_INDEX", &url);
    };
    let mut add = cmd(&["add", "hello-world", "--yes"]);
    with_token(&mut add);
    let out = run(&mut add, true);
    let mut tree = cmd(&["--json", "tree"]);
    with_token(&mut tree);
    let out2 = run(&mut tree, true);
    assert!(dir.join("plugins/hello-world/hello_world.wasm").is_file());
    // The token is in no output and no file the project or the cache holds.
    for o in [&out, &out2] {
        assert!(!stdout(o).contains(TOKEN) && !stderr(o).contains(TOKEN));
    }
    for root in [&dir, &home] {
        for entry in walkdir::WalkDir::new(root)
            .into_iter()
            .filter_map(Result::ok)
        {
            if entry.file_type().is_file() {
                let bytes = std::fs::read(entry.path()).unwrap();
                assert!(
                    !bytes.windows(TOKEN.len()).any(|w| w == TOKEN.as_bytes()),
                    "token found in {}",
                    entry.path().display()
                );
            }
        }
    }
    assert!(
        nginx.access_log().iter().any(|l| l.contains(" 200 ")),
        "nginx saw no successful request"
    );
}

#[test]
fn a_damaged_cache_blob_is_caught_and_fetched_again() {
    let p = Project::new(None);
    p.ok(&["add", "pretty-theme", "--yes"]);
    // Edit the cached archive on disk (same size), and drop the install.
    let blob = walkdir::WalkDir::new(p.home.join("cache/sha256"))
        .into_iter()
        .filter_map(Result::ok)
        .find(|e| e.file_type().is_file())
        .unwrap()
        .into_path();
    let mut bytes = std::fs::read(&blob).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 0xff;
    overwrite(&blob, &bytes);
    std::fs::remove_dir_all(p.dir.join("plugins/pretty-theme")).unwrap();
    p.ok(&["install"]);
    assert_ne!(
        std::fs::read(&blob).unwrap(),
        bytes,
        "the damaged blob was replaced"
    );
    assert_eq!(p.json(&["verify"])["ok"], true);
}

/// One registry handle per command: `plugres add` without a version (which
/// reads the index to pick the requirement, resolves, then installs) runs
/// the trust chain of the sparse index once — one `timestamp.toml` request
/// in nginx's access log — where each step used to open the index anew.
#[test]
fn add_opens_a_sparse_index_once() {
    let p = Project::on(Backend::Sparse, None);
    let nginx = p.served.nginx.as_ref().unwrap();
    let before = nginx.access_log().len();
    p.ok(&["add", "hello-world", "--yes"]);
    let log = nginx.access_log();
    let timestamps = log[before..]
        .iter()
        .filter(|l| l.contains("GET /timestamp.toml "))
        .count();
    assert_eq!(timestamps, 1, "nginx access log:\n{}", log.join("\n"));
    assert_eq!(p.json(&["verify"])["ok"], true);
}

/// A single-file artifact for a platform triple is a program: it is
/// installed executable (a download carries no mode). A `.wasm` for `any`
/// is not.
#[cfg(unix)]
#[test]
fn a_native_single_file_artifact_is_installed_executable() {
    use std::os::unix::fs::PermissionsExt;
    const TRIPLE: &str = "x86_64-unknown-linux-gnu";
    let p = Project::new(None);
    TestIndex {
        dir: p.index.clone(),
    }
    .plugin("native-tool")
    .version("1.0.0", "*")
    .artifact(TRIPLE, "native-tool", b"#!/bin/sh\necho hello\n")
    .publish();
    let m = std::fs::read_to_string(p.dir.join("plugres.toml"))
        .unwrap()
        .replacen(
            "[engine]\n",
            &format!("[engine]\ntarget = \"{TRIPLE}\"\n"),
            1,
        );
    std::fs::write(p.dir.join("plugres.toml"), m).unwrap();
    p.ok(&["add", "native-tool", "hello-world", "--yes"]);
    let mode = |rel: &str| {
        std::fs::metadata(p.dir.join("plugins").join(rel))
            .unwrap()
            .permissions()
            .mode()
    };
    assert_eq!(mode("native-tool/native-tool") & 0o111, 0o111);
    assert_eq!(mode("hello-world/hello_world.wasm") & 0o111, 0);
    assert_eq!(p.json(&["verify"])["ok"], true);
}

/// `engine-check` and `verify` tell "the check says no" (3) from "the
/// check could not run" (1): a script acts on each differently.
#[test]
fn checks_exit_3_for_no_and_1_for_an_error() {
    let mut p = Project::on(Backend::Sparse, None);
    p.ok(&["add", "hello-world", "--yes"]);
    let blocked = run(&mut p.cmd(&["engine-check", "2.0.0"]), false);
    assert_eq!(blocked.status.code(), Some(3), "{}", stderr(&blocked));
    p.served.nginx.as_mut().unwrap().stop();
    let unreachable = run(&mut p.cmd(&["engine-check", "2.0.0"]), false);
    assert_eq!(
        unreachable.status.code(),
        Some(1),
        "{}",
        stderr(&unreachable)
    );
    std::fs::remove_file(p.dir.join("plugres.lock")).unwrap();
    let no_lock = run(&mut p.cmd(&["verify"]), false);
    assert_eq!(no_lock.status.code(), Some(1), "{}", stderr(&no_lock));
}
