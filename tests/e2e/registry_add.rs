//! `plugres registry add` and `init --registry` check a git or sparse
//! index as it is added (README "For project users"): reachable, signed by
//! the key typed, serving the project's engine, which is recorded as
//! `[engine] name`; `--offline` adds it unchecked.

use plugres_e2e::http::StaticServer;
use plugres_e2e::index::{key, sample_root_key};
use plugres_e2e::project::{Backend, Project};

fn manifest(p: &Project) -> String {
    std::fs::read_to_string(p.dir.join("plugres.toml")).unwrap()
}

#[test]
fn a_remote_index_is_checked_when_added_and_its_engine_recorded() {
    for backend in [Backend::Git, Backend::Sparse] {
        let p = Project::on(backend, None);
        let text = manifest(&p);
        assert!(
            text.contains("name = \"demo-engine\""),
            "{backend:?}: {text}"
        );
        assert!(
            text.contains("require-snapshot = true"),
            "{backend:?}: {text}"
        );

        // A wrong key is caught when typed, nothing is written, and the
        // hint says how to add it unchecked.
        let wrong = key("sample-maintainers").public_base64();
        let url = p.served.url.clone();
        let before = manifest(&p);
        let err = p.fails(&["registry", "add", "other", &url, "--key", &wrong]);
        assert!(err.contains("not signed by a root key pinned"), "{err}");
        assert!(err.contains("pass `--offline`"), "{err}");
        assert_eq!(manifest(&p), before);

        let added = p.json(&[
            "registry",
            "add",
            "other",
            &url,
            "--key",
            &wrong,
            "--offline",
        ]);
        assert_eq!(added["verified"], false, "{added}");
        assert!(manifest(&p).contains("[registry.other]"));
    }
}

#[test]
fn a_plain_http_url_of_a_static_index_says_to_write_sparse() {
    let p = Project::new(None);
    let nginx = StaticServer::start(&p.index);
    let url = nginx.url();
    let err = p.fails(&["registry", "add", "web", &url, "--key", &sample_root_key()]);
    let base = url.trim_end_matches('/');
    assert!(err.contains(&format!("read as `sparse+{base}/`")), "{err}");
    insta::assert_snapshot!(err.replace(base, "http://[HOST]"));
}

#[test]
fn a_registry_serving_another_engine_is_refused() {
    let p = Project::new(None);
    let text = manifest(&p).replace("name = \"demo-engine\"", "name = \"other-engine\"");
    std::fs::write(p.dir.join("plugres.toml"), text).unwrap();
    let before = p.state();
    let err = p.fails(&["add", "hello-world", "--yes"]);
    insta::assert_snapshot!(err.replace(&p.index.display().to_string(), "[INDEX]"));
    assert_eq!(p.state(), before);
    let idx = p.index.to_str().unwrap().to_string();
    let err = p.fails(&[
        "registry",
        "add",
        "again",
        &idx,
        "--key",
        &sample_root_key(),
    ]);
    assert!(err.contains("serves plugins for `demo-engine`"), "{err}");
}

/// A project whose only registry is `sample` (not `default`), made the way
/// a user would: `init`, then `registry add sample`.
fn project_on_sample() -> (
    tempfile::TempDir,
    std::path::PathBuf,
    impl Fn(&[&str]) -> String,
) {
    let tmp = tempfile::tempdir().unwrap();
    let index = tmp.path().join("index");
    plugres_e2e::index::TestIndex::sample_copy(&index, None);
    let dir = tmp.path().join("project");
    std::fs::create_dir_all(&dir).unwrap();
    let home = tmp.path().join("home");
    let run = move |args: &[&str]| {
        let mut cmd = plugres_e2e::plugres(&home);
        cmd.arg("-C").arg(&dir).args(args);
        plugres_e2e::stdout(&plugres_e2e::run(&mut cmd, true))
    };
    run(&["init", "--engine-version", "1.4.2"]);
    let root = sample_root_key();
    run(&[
        "registry",
        "add",
        "sample",
        index.to_str().unwrap(),
        "--key",
        &root,
    ]);
    (tmp, index, run)
}

/// Issue 15 item 7: `add --registry sample` in a project whose only
/// registry is `sample` wrote no `registry =`, and the next `registry add`
/// made plugres.toml invalid ("names no registry, and there is no
/// [registry.default]").
#[test]
fn a_plugin_from_a_registry_not_named_default_keeps_plugres_toml_valid_as_registries_are_added() {
    let (tmp, index, run) = project_on_sample();
    let manifest = || std::fs::read_to_string(tmp.path().join("project/plugres.toml")).unwrap();
    run(&["add", "greeter-core", "--registry", "sample", "--yes"]);
    assert!(
        manifest().contains("greeter-core = { version = \"^0.3.1\", registry = \"sample\" }"),
        "{}",
        manifest()
    );
    let root = sample_root_key();
    run(&[
        "registry",
        "add",
        "other",
        index.to_str().unwrap(),
        "--key",
        &root,
    ]);
    // Still valid, and still meaning the same: nothing to re-lock.
    run(&["install", "--locked"]);
    run(&["add", "hello-world", "--registry", "other", "--yes"]);
    assert!(
        manifest().contains("hello-world = { version = \"^1.2.0\", registry = \"other\" }"),
        "{}",
        manifest()
    );
    run(&["verify"]);
}

/// The same when the plugin was written by hand, relying on the only
/// registry being its default: `registry add` names it on the plugin
/// before the second registry makes it ambiguous (or, for a registry
/// named `default`, would move it there).
#[test]
fn registry_add_names_the_only_registry_on_plugins_that_relied_on_it() {
    for second in ["other", "default"] {
        let (tmp, index, run) = project_on_sample();
        let path = tmp.path().join("project/plugres.toml");
        let text = std::fs::read_to_string(&path).unwrap();
        let hand = text.replace(
            "[plugins]\n",
            "[plugins]\ngreeter-core = \"^0.3\"  # by hand\n",
        );
        std::fs::write(&path, hand).unwrap();
        run(&["install"]);
        let root = sample_root_key();
        run(&[
            "registry",
            "add",
            second,
            index.to_str().unwrap(),
            "--key",
            &root,
        ]);
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(
            text.contains(
                "greeter-core = { version = \"^0.3\", registry = \"sample\" }  # by hand"
            ),
            "{second}: {text}"
        );
        run(&["install", "--locked"]);
    }
}
