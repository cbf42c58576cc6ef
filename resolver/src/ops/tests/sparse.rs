//! The operations over a sparse HTTP registry served by nginx: a private
//! registry behind a bearer token, `--offline` from the index cache, and
//! the one re-resolution past a stale CDN.

use std::path::Path;

use crate::credentials::Credentials;
use crate::index::fixture::{TestIndex, TestPlugin};
use crate::index::sparse::test_nginx::Nginx;
use crate::ops::test_support::{SAMPLE_ROOT_KEY, Sandbox};
use crate::ops::{AddRequest, Options, add, install, lock};

const TOKEN: &str = "tok-9c2e51d7-private";

fn sparse_manifest(s: &Sandbox, url: &str) {
    s.write_manifest(&format!(
        "[engine]\nversion = \"1.4.2\"\n\n[registry.default]\nindex = \"sparse+{url}\"\nroot-keys = [\"{SAMPLE_ROOT_KEY}\"]\n\n[plugins]\n"
    ));
}

/// Options with the token of registry `default`, bound to index `bound_to`.
fn with_token(s: &Sandbox, bound_to: &str) -> Options {
    let mut o = s.opts();
    o.credentials = Credentials::new(
        [
            (
                "PLUGRES_REGISTRY_DEFAULT_TOKEN".to_string(),
                TOKEN.to_string(),
            ),
            (
                "PLUGRES_REGISTRY_DEFAULT_INDEX".to_string(),
                bound_to.to_string(),
            ),
        ],
        None,
    );
    o
}

fn files_containing(dir: &Path, needle: &str) -> Vec<String> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .filter(|e| {
            std::fs::read(e.path())
                .is_ok_and(|b| b.windows(needle.len()).any(|w| w == needle.as_bytes()))
        })
        .map(|e| e.path().display().to_string())
        .collect()
}

#[test]
fn a_private_sparse_registry_works_with_its_token_only() {
    let s = Sandbox::new("1.4.2");
    let check = format!("if ($http_authorization != \"Bearer {TOKEN}\") {{ return 401; }}");
    let nginx = Nginx::serve(&s.index(), &check);
    sparse_manifest(&s, &nginx.url(0));

    let request = AddRequest {
        specs: vec!["hello-world".into()],
        ..AddRequest::default()
    };
    let bound = format!("sparse+{}", nginx.url(0));
    let r = add(&s.project(), &request, &with_token(&s, &bound)).expect("add with the token");
    assert!(r.installed.iter().any(|p| p.name == "hello-world"), "{r:?}");
    // Artifacts (beside the index, same origin) were fetched with the token.
    let artifacts = nginx.hits("/artifacts/");
    assert!(!artifacts.is_empty(), "{:?}", nginx.log());
    let bearer = format!("Bearer {TOKEN}");
    assert!(
        artifacts
            .iter()
            .all(|l| l.status == 200 && l.authorization == bearer),
        "{artifacts:?}"
    );
    assert!(s.plugin_dir("hello-world").is_dir());

    // Without it: a clear error that names the registry and the way to give one.
    std::fs::remove_file(s.project().join("plugres.lock")).unwrap();
    let err = lock(&s.project(), &s.opts()).unwrap_err();
    let text = crate::ops::render(&err);
    assert!(text.contains("registry `default`"), "{text}");
    assert!(text.contains("PLUGRES_REGISTRY_DEFAULT_TOKEN"), "{text}");

    // A token bound to another index is not sent, and the error says so.
    let before = nginx.log().len();
    let elsewhere = with_token(&s, "sparse+https://index.elsewhere.example/");
    let text = crate::ops::render(&lock(&s.project(), &elsewhere).unwrap_err());
    assert!(
        text.contains("another index URL") && text.contains("index.elsewhere.example"),
        "{text}"
    );
    assert!(!text.contains(TOKEN), "{text}");
    let log = nginx.log();
    assert!(
        log[before..]
            .iter()
            .all(|l| l.status == 401 && l.authorization == "-"),
        "{log:?}"
    );

    // Offline, from the index cache alone: no request at all.
    let before = nginx.log().len();
    let mut offline = s.opts();
    offline.offline = true;
    let r = lock(&s.project(), &offline).expect("offline lock from the cache");
    assert!(r.locked >= 2, "{r:?}");
    assert_eq!(nginx.log().len(), before);

    // The token is in no file the project or the caches hold.
    assert_eq!(files_containing(&s.project(), TOKEN), Vec::<String>::new());
    assert_eq!(files_containing(&s.cache(), TOKEN), Vec::<String>::new());
    assert!(!format!("{:?}", with_token(&s, &bound).credentials).contains(TOKEN));
}

#[test]
fn offline_without_a_cache_says_what_is_missing() {
    let s = Sandbox::new("1.4.2");
    let nginx = Nginx::serve(&s.index(), "");
    sparse_manifest(&s, &nginx.url(0));
    let mut offline = s.opts();
    offline.offline = true;
    let request = AddRequest {
        specs: vec!["hello-world".into()],
        ..AddRequest::default()
    };
    let text = crate::ops::render(&add(&s.project(), &request, &offline).unwrap_err());
    assert!(
        text.contains("`config.toml`") && text.contains("without --offline"),
        "{text}"
    );
    assert!(nginx.log().is_empty());
    // Online once, then offline works.
    add(&s.project(), &request, &s.opts()).expect("online add");
    install(&s.project(), &offline).expect("offline install");
}

#[test]
fn a_stale_cdn_copy_gets_one_more_resolution_past_the_cache() {
    let ix = TestIndex::new();
    ix.publish(
        TestPlugin::new("lib")
            .version("1.0.0", ">=1")
            .artifact("any"),
        "maint",
    );
    // What the "CDN" still serves: lib before 2.0.0 was published.
    let lib = "plugins/3/l/lib.toml";
    for f in [lib.to_string(), format!("{lib}.minisig")] {
        let to = ix.root().join("stale").join(&f);
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::copy(ix.root().join(&f), to).unwrap();
    }
    ix.publish(
        TestPlugin::new("lib")
            .version("1.0.0", ">=1")
            .artifact("any")
            .version("2.0.0", ">=1")
            .artifact("any"),
        "maint",
    );
    ix.publish(
        TestPlugin::new("app")
            .version("1.0.0", ">=1")
            .dep("lib", "^2")
            .artifact("any"),
        "maint",
    );
    let stale = "location /plugins/3/ { if ($args !~ \"plugres-refresh\") { rewrite ^/(.*)$ /stale/$1 break; } }";
    let nginx = Nginx::serve(ix.root(), stale);
    let project = tempfile::tempdir().unwrap();
    std::fs::write(
        project.path().join("plugres.toml"),
        format!(
            "[engine]\nversion = \"1.4.2\"\n\n[registry.default]\nindex = \"sparse+{}\"\nroot-keys = [\"{}\"]\n\n[plugins]\napp = \"^1\"\n",
            nginx.url(0),
            ix.root_public()
        ),
    )
    .unwrap();
    let opts = Options::new(project.path().join("cache"));
    let r = lock(project.path(), &opts).expect("lock after one refresh");
    assert_eq!(r.locked, 2, "{r:?}");
    let text = std::fs::read_to_string(project.path().join("plugres.lock")).unwrap();
    assert!(text.contains("2.0.0"), "{text}");
    let lib_hits = nginx.hits("/plugins/3/l/lib.toml?plugres-refresh=");
    assert!(!lib_hits.is_empty(), "{:?}", nginx.log());

    // Offline there is no second try: the stale answer was the last one.
    let mut offline = Options::new(project.path().join("cache2"));
    offline.offline = true;
    assert!(lock(project.path(), &offline).is_err());
}
