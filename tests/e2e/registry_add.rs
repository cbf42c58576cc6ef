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
