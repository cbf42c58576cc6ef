//! The sparse backend against real nginx (and a silent socket for
//! timeouts). Without nginx they fail, naming it.

use std::path::Path;
use std::time::Duration;

use plugres_schema::{MAX_FILE_SIZE, PluginName, index_path};

use super::test_nginx::Nginx;
use super::*;
use crate::fetch::RetryPolicy;
use crate::index::fixture::{TestIndex, TestPlugin};
use crate::index::{IndexBackend, VerifiedIndex};

const TOKEN: &str = "s3cret-token-6f1d";

fn config(url: &str, cache: &Path) -> SparseConfig {
    let mut c = SparseConfig::new(url, "acme", cache);
    c.http.retry = RetryPolicy {
        retries: 2,
        base_delay: Duration::from_millis(1),
        max_delay: Duration::from_millis(5),
    };
    c.http.read_timeout = Duration::from_secs(5);
    c
}

fn backend(url: &str, cache: &Path) -> SparseBackend {
    SparseBackend::open(config(url, cache)).expect("open")
}

fn verified(ix: &TestIndex, b: SparseBackend) -> Result<VerifiedIndex, IndexError> {
    VerifiedIndex::open(Box::new(b), "acme", &[ix.root_public()])
}

fn name(n: &str) -> PluginName {
    PluginName::new(n).expect("name")
}

fn index_with(names: &[&str]) -> TestIndex {
    let ix = TestIndex::new();
    for n in names {
        ix.publish(
            TestPlugin::new(n).version("1.0.0", ">=1").artifact("any"),
            "maint",
        );
    }
    ix
}

fn statuses(nginx: &Nginx) -> Vec<u16> {
    nginx.log().iter().map(|l| l.status).collect()
}

#[test]
fn cold_fetch_then_warm_revalidation_is_answered_304() {
    let ix = index_with(&["hello"]);
    let nginx = Nginx::serve(ix.root(), "");
    let cache = tempfile::tempdir().unwrap();

    let cold = verified(&ix, backend(&nginx.url(0), cache.path())).unwrap();
    assert!(cold.plugin(&name("hello")).unwrap().is_some());
    assert_eq!(statuses(&nginx), vec![200; 4], "{:?}", nginx.log());
    drop(cold); // verified: the backend writes its cache now

    let warm = verified(&ix, backend(&nginx.url(0), cache.path())).unwrap();
    assert!(warm.plugin(&name("hello")).unwrap().is_some());
    assert_eq!(statuses(&nginx)[4..], [304; 4], "{:?}", nginx.log());
    drop(warm);

    // A new version on the server: only the plugin file and its signature
    // change. nginx's ETag is mtime (whole seconds) and size, and a
    // signature's size never changes: publish in a later second.
    std::thread::sleep(Duration::from_millis(1100));
    ix.publish(
        TestPlugin::new("hello")
            .version("1.0.0", ">=1")
            .artifact("any")
            .version("1.1.0", ">=1")
            .artifact("any"),
        "maint",
    );
    let after = verified(&ix, backend(&nginx.url(0), cache.path())).unwrap();
    assert_eq!(
        after
            .plugin(&name("hello"))
            .unwrap()
            .unwrap()
            .versions
            .len(),
        2
    );
    assert_eq!(
        statuses(&nginx)[8..],
        [304, 304, 200, 200],
        "{:?}",
        nginx.log()
    );

    // The cache may be deleted at any time.
    std::fs::remove_dir_all(cache.path()).unwrap();
    let again = verified(&ix, backend(&nginx.url(0), cache.path())).unwrap();
    assert!(again.plugin(&name("hello")).unwrap().is_some());
    assert_eq!(statuses(&nginx)[12..], [200; 4]);
}

#[test]
fn each_file_is_fetched_once_per_backend() {
    let ix = index_with(&["hello"]);
    let nginx = Nginx::serve(ix.root(), "");
    let cache = tempfile::tempdir().unwrap();
    let b = backend(&nginx.url(0), cache.path());
    let first = b.read("config.toml").unwrap().unwrap();
    assert_eq!(b.read("config.toml").unwrap().unwrap(), first);
    assert_eq!(b.requests(), 1);
    assert_eq!(nginx.hits("config.toml").len(), 1);
}

#[test]
fn absent_files_are_none_after_exactly_one_cache_busted_retry() {
    let ix = index_with(&[]);
    let nginx = Nginx::serve(ix.root(), "");
    let cache = tempfile::tempdir().unwrap();
    let b = backend(&nginx.url(0), cache.path());
    assert_eq!(b.read("plugins/no/pe/nope.toml").unwrap(), None);
    let hits = nginx.hits("nope.toml");
    assert_eq!(hits.len(), 2, "{hits:?}");
    assert_eq!(hits[0].target, "/plugins/no/pe/nope.toml");
    assert!(
        hits[1]
            .target
            .starts_with("/plugins/no/pe/nope.toml?plugres-refresh="),
        "{hits:?}"
    );
    assert!(hits.iter().all(|h| h.status == 404));
    b.persist();

    // Absence is cached, so --offline knows it too.
    let mut c = config(&nginx.url(0), cache.path());
    c.offline = true;
    let offline = SparseBackend::open(c).unwrap();
    assert_eq!(offline.read("plugins/no/pe/nope.toml").unwrap(), None);
    assert_eq!(nginx.hits("nope.toml").len(), 2);
}

#[test]
fn a_file_published_after_a_cached_miss_is_found_by_the_cache_busted_retry() {
    // nginx as a stale CDN: without the cache-busting query it still says 404.
    let ix = index_with(&["hello"]);
    let extra = "location /plugins/ { if ($args !~ \"plugres-refresh\") { return 404; } }";
    let nginx = Nginx::serve(ix.root(), extra);
    let cache = tempfile::tempdir().unwrap();
    let index = verified(&ix, backend(&nginx.url(0), cache.path())).unwrap();
    assert!(index.plugin(&name("hello")).unwrap().is_some());
}

#[test]
fn refresh_mode_busts_every_request() {
    let ix = index_with(&["hello"]);
    let nginx = Nginx::serve(ix.root(), "");
    let cache = tempfile::tempdir().unwrap();
    let mut c = config(&nginx.url(0), cache.path());
    c.refresh = true;
    let index = verified(&ix, SparseBackend::open(c).unwrap()).unwrap();
    assert!(index.plugin(&name("hello")).unwrap().is_some());
    let log = nginx.log();
    assert_eq!(log.len(), 4);
    assert!(
        log.iter().all(|l| l.target.contains("?plugres-refresh=")),
        "{log:?}"
    );
}

#[test]
fn tampering_on_the_server_is_refused() {
    let ix = index_with(&["hello"]);
    let nginx = Nginx::serve(ix.root(), "");
    let cache = tempfile::tempdir().unwrap();
    let file = ix.root().join(index_path(&name("hello")));
    let mut bytes = std::fs::read(&file).unwrap();
    bytes.extend_from_slice(b"\n# changed on the server\n");
    std::fs::write(&file, bytes).unwrap();
    let index = verified(&ix, backend(&nginx.url(0), cache.path())).unwrap();
    let err = index.plugin(&name("hello")).unwrap_err();
    assert!(matches!(err, IndexError::Signature { .. }), "{err}");

    // A tampered config is refused before any plugin is read.
    let config_file = ix.root().join("config.toml");
    let mut bytes = std::fs::read(&config_file).unwrap();
    bytes.extend_from_slice(b"\n# changed\n");
    std::fs::write(&config_file, bytes).unwrap();
    let err = verified(&ix, backend(&nginx.url(0), cache.path())).unwrap_err();
    assert!(matches!(err, IndexError::Signature { .. }), "{err}");
}

#[test]
fn offline_reads_only_the_cache_and_lists_what_is_missing() {
    let ix = index_with(&["hello", "world"]);
    let nginx = Nginx::serve(ix.root(), "");
    let cache = tempfile::tempdir().unwrap();
    let online = verified(&ix, backend(&nginx.url(0), cache.path())).unwrap();
    assert!(online.plugin(&name("hello")).unwrap().is_some());
    drop(online);
    let before = nginx.log().len();

    let mut c = config(&nginx.url(0), cache.path());
    c.offline = true;
    let offline = verified(&ix, SparseBackend::open(c).unwrap()).unwrap();
    assert!(offline.plugin(&name("hello")).unwrap().is_some());
    offline.prefetch(&[name("world"), name("other")]);
    let err = offline.plugin(&name("world")).unwrap_err().to_string();
    assert!(
        err.contains("--offline") && err.contains("without --offline"),
        "{err}"
    );
    assert!(err.contains("`plugins/wo/rl/world.toml`"), "{err}");
    assert!(err.contains("`plugins/ot/he/other.toml`"), "{err}");
    assert_eq!(nginx.log().len(), before, "offline made requests");

    // Nothing cached at all: the config is what is missing.
    let empty = tempfile::tempdir().unwrap();
    let mut c = config(&nginx.url(0), empty.path());
    c.offline = true;
    let err = verified(&ix, SparseBackend::open(c).unwrap())
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("`config.toml`") && err.contains("without --offline"),
        "{err}"
    );
}

#[test]
fn prefetch_fetches_in_parallel_each_file_once() {
    let names: Vec<String> = (0..30).map(|i| format!("plugin{i}")).collect();
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    let ix = index_with(&refs);
    let nginx = Nginx::serve(ix.root(), "");
    let cache = tempfile::tempdir().unwrap();
    let b = backend(&nginx.url(0), cache.path());
    let paths: Vec<String> = names
        .iter()
        .flat_map(|n| {
            let p = index_path(&name(n));
            [format!("{p}.minisig"), p]
        })
        .collect();
    b.prefetch(&paths);
    b.prefetch(&paths); // asked twice, fetched once
    for p in &paths {
        assert!(b.read(p).unwrap().is_some(), "{p}");
    }
    assert_eq!(b.requests(), paths.len());
    let mut targets: Vec<String> = nginx.log().into_iter().map(|l| l.target).collect();
    targets.sort();
    targets.dedup();
    assert_eq!(targets.len(), paths.len());
}

/// While a hook is set, each file a worker brings in is handed to it and
/// the paths it returns are fetched too, with no read asking for them;
/// once unset, arrivals ask for nothing more.
#[test]
fn an_arrival_hook_fetches_what_it_returns_until_unset() {
    let ix = index_with(&["first", "second", "third"]);
    let nginx = Nginx::serve(ix.root(), "");
    let cache = tempfile::tempdir().unwrap();
    let b = backend(&nginx.url(0), cache.path());
    let [first, second, third] = ["first", "second", "third"].map(|n| index_path(&name(n)));
    let handed = Arc::new(Mutex::new(Vec::new()));
    let (seen, next) = (handed.clone(), second.clone());
    b.on_arrival(Some(crate::index::ArrivalHook(Arc::new(
        move |path, bytes| {
            assert!(!bytes.is_empty());
            seen.lock().unwrap().push(path.to_string());
            if path.ends_with("first.toml") {
                vec![next.clone()]
            } else {
                Vec::new()
            }
        },
    ))));
    b.prefetch(std::slice::from_ref(&first));
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while !b.has_arrived(&second) {
        assert!(
            std::time::Instant::now() < deadline,
            "the hook's path never arrived"
        );
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
    while handed.lock().unwrap().len() < 2 {
        assert!(
            std::time::Instant::now() < deadline,
            "the hook never saw the second file"
        );
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
    assert_eq!(*handed.lock().unwrap(), [first.clone(), second.clone()]);
    b.on_arrival(None);
    b.prefetch(std::slice::from_ref(&third));
    assert!(b.read(&third).unwrap().is_some());
    assert_eq!(handed.lock().unwrap().len(), 2, "unset: not handed");
    assert_eq!(b.requests(), 3);
}

#[test]
fn concurrent_readers_share_one_cache() {
    let names: Vec<String> = (0..12).map(|i| format!("plugin{i}")).collect();
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    let ix = index_with(&refs);
    let nginx = Nginx::serve(ix.root(), "");
    let cache = tempfile::tempdir().unwrap();
    let plugin_names: Vec<PluginName> = names.iter().map(|n| name(n)).collect();
    std::thread::scope(|s| {
        for _ in 0..4 {
            s.spawn(|| {
                let index = verified(&ix, backend(&nginx.url(0), cache.path())).unwrap();
                index.prefetch(&plugin_names);
                for n in &plugin_names {
                    assert!(index.plugin(n).unwrap().is_some(), "{n}");
                }
            });
        }
    });
    let mut c = config(&nginx.url(0), cache.path());
    c.offline = true;
    let offline = verified(&ix, SparseBackend::open(c).unwrap()).unwrap();
    for n in &plugin_names {
        assert!(offline.plugin(n).unwrap().is_some(), "{n}");
    }
}

fn token_config(url: &str, cache: &Path, token: Option<&str>) -> SparseConfig {
    let mut c = config(url, cache);
    c.token = token.map(|t| Token::new(t).unwrap());
    c
}

fn files_contain(dir: &Path, needle: &str) -> Vec<String> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .filter(|e| {
            std::fs::read(e.path())
                .map(|b| b.windows(needle.len()).any(|w| w == needle.as_bytes()))
                .unwrap_or(false)
        })
        .map(|e| e.path().display().to_string())
        .collect()
}

#[test]
fn a_private_index_needs_its_token_and_never_leaks_it() {
    let ix = index_with(&["hello"]);
    let extra = format!("if ($http_authorization != \"Bearer {TOKEN}\") {{ return 401; }}");
    let nginx = Nginx::serve(ix.root(), &extra);
    let cache = tempfile::tempdir().unwrap();

    let none = SparseBackend::open(token_config(&nginx.url(0), cache.path(), None)).unwrap();
    let err = verified(&ix, none).unwrap_err().to_string();
    assert!(
        err.contains("registry `acme`") && err.contains("PLUGRES_REGISTRY_ACME_TOKEN"),
        "{err}"
    );
    assert!(err.contains("credentials.toml"), "{err}");
    let config_hits: Vec<_> = nginx
        .log()
        .into_iter()
        .filter(|l| l.target == "/config.toml")
        .collect();
    assert_eq!(config_hits.len(), 1, "401 is not retried: {config_hits:?}");

    let wrong =
        SparseBackend::open(token_config(&nginx.url(0), cache.path(), Some("wrong-one"))).unwrap();
    let err = verified(&ix, wrong).unwrap_err().to_string();
    assert!(
        err.contains("refused the token") && !err.contains("wrong-one"),
        "{err}"
    );

    let c = token_config(&nginx.url(0), cache.path(), Some(TOKEN));
    assert!(!format!("{c:?}").contains(TOKEN));
    let good = SparseBackend::open(c).unwrap();
    assert!(!format!("{good:?}").contains(TOKEN));
    let index = verified(&ix, good).unwrap();
    assert!(index.plugin(&name("hello")).unwrap().is_some());
    assert!(!format!("{index:?}").contains(TOKEN));
    let err = index
        .plugin(&PluginName::new("nope").unwrap())
        .map(|_| ())
        .err();
    assert!(err.is_none());
    assert_eq!(files_contain(cache.path(), TOKEN), Vec::<String>::new());
}

#[test]
fn a_withheld_token_is_explained_when_the_index_answers_401() {
    let ix = index_with(&["hello"]);
    let extra = format!("if ($http_authorization != \"Bearer {TOKEN}\") {{ return 401; }}");
    let nginx = Nginx::serve(ix.root(), &extra);
    let cache = tempfile::tempdir().unwrap();
    let mut c = config(&nginx.url(0), cache.path());
    c.token_withheld = Some("it is bound to `https://other.example/`".into());
    let err = verified(&ix, SparseBackend::open(c).unwrap())
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("token was not sent: it is bound to `https://other.example/`"),
        "{err}"
    );
    assert!(nginx.log().iter().all(|l| l.authorization == "-"));
}

#[test]
fn no_token_goes_over_plain_http_to_another_host() {
    let cache = tempfile::tempdir().unwrap();
    let remote = SparseBackend::open(token_config(
        "http://index.acme.example/",
        cache.path(),
        Some(TOKEN),
    ))
    .unwrap();
    assert!(remote.inner.token.is_none());
    let why = remote.inner.token_withheld.as_deref().unwrap_or_default();
    assert!(why.contains("plain http://"), "{why}");
    let local = SparseBackend::open(token_config(
        "http://127.0.0.1:9/",
        cache.path(),
        Some(TOKEN),
    ))
    .unwrap();
    assert!(local.inner.token.is_some());
    let tls = SparseBackend::open(token_config(
        "https://index.acme.example/",
        cache.path(),
        Some(TOKEN),
    ))
    .unwrap();
    assert!(tls.inner.token.is_some());
}

#[test]
fn a_password_in_the_url_never_shows() {
    let cache = tempfile::tempdir().unwrap();
    let mut c = config("http://bob:hunter2@127.0.0.1:9/idx", cache.path());
    c.offline = true;
    let b = SparseBackend::open(c).unwrap();
    assert_eq!(b.describe(), "sparse+http://bob:***@127.0.0.1:9/idx/");
    assert!(!format!("{b:?}").contains("hunter2"));
    let err = b.read("config.toml").unwrap_err().to_string();
    assert!(
        err.contains("bob:***@") && !err.contains("hunter2"),
        "{err}"
    );
}

#[test]
fn a_redirect_to_another_port_does_not_carry_the_token() {
    let ix = index_with(&["hello"]);
    let servers = [
        (
            ix.root(),
            "location /moved/ { rewrite ^/moved/(.*)$ http://127.0.0.1:@PORT1@/$1 redirect; }"
                .to_string(),
        ),
        (ix.root(), String::new()),
    ];
    let nginx = Nginx::servers(&servers);
    let cache = tempfile::tempdir().unwrap();
    let url = format!("{}moved/", nginx.url(0));
    let index = verified(
        &ix,
        SparseBackend::open(token_config(&url, cache.path(), Some(TOKEN))).unwrap(),
    )
    .unwrap();
    assert!(index.plugin(&name("hello")).unwrap().is_some());
    let log = nginx.log();
    let (first, second): (Vec<_>, Vec<_>) = log.iter().partition(|l| l.port == nginx.ports[0]);
    assert_eq!(first.len(), 4, "{log:?}");
    assert_eq!(second.len(), 4, "{log:?}");
    assert!(
        first
            .iter()
            .all(|l| l.status == 302 && l.authorization == format!("Bearer {TOKEN}")),
        "{log:?}"
    );
    assert!(
        second
            .iter()
            .all(|l| l.status == 200 && l.authorization == "-"),
        "{log:?}"
    );
}

#[test]
fn server_errors_are_retried_and_client_errors_are_not() {
    let ix = index_with(&[]);
    let extra = "location /down/ { return 503; }\n    location /teapot/ { return 400; }";
    let nginx = Nginx::serve(ix.root(), extra);
    let cache = tempfile::tempdir().unwrap();
    let down = format!("{}down/", nginx.url(0));
    let err = backend(&down, cache.path())
        .read("config.toml")
        .unwrap_err()
        .to_string();
    assert_eq!(nginx.hits("/down/").len(), 3, "{:?}", nginx.log());
    assert!(
        err.contains(&format!("`{down}config.toml`")) && err.contains("503"),
        "{err}"
    );
    assert!(err.contains("attempts: 3"), "{err}");

    let teapot = format!("{}teapot/", nginx.url(0));
    let err = backend(&teapot, cache.path())
        .read("config.toml")
        .unwrap_err()
        .to_string();
    assert_eq!(nginx.hits("/teapot/").len(), 1);
    assert!(
        err.contains(&format!("`{teapot}config.toml`")) && err.contains("400"),
        "{err}"
    );
}

#[test]
fn oversized_files_are_refused() {
    let ix = index_with(&[]);
    ix.write("big/config.toml", &vec![b'#'; MAX_FILE_SIZE + 10]);
    let nginx = Nginx::serve(ix.root(), "");
    let cache = tempfile::tempdir().unwrap();
    let err = backend(&format!("{}big/", nginx.url(0)), cache.path())
        .read("config.toml")
        .unwrap_err();
    assert!(
        matches!(err, IndexError::TooLarge { size, .. } if size > MAX_FILE_SIZE as u64),
        "{err}"
    );
}

#[test]
fn a_silent_server_times_out_with_the_url_named() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/", listener.local_addr().unwrap());
    let cache = tempfile::tempdir().unwrap();
    let mut c = config(&url, cache.path());
    c.http.read_timeout = Duration::from_millis(200);
    c.http.retry.retries = 1;
    let b = SparseBackend::open(c).unwrap();
    let err = b.read("config.toml").unwrap_err().to_string();
    assert!(
        err.contains("timed out") && err.contains(&format!("`{url}config.toml`")),
        "{err}"
    );
    assert!(err.contains("attempts: 2"), "{err}");
    drop(listener);
}

#[test]
fn static_hosts_cannot_list_and_relative_artifacts_are_urls() {
    let cache = tempfile::tempdir().unwrap();
    let b = backend("https://cdn.example.com/idx", cache.path());
    assert_eq!(b.describe(), "sparse+https://cdn.example.com/idx/");
    assert!(matches!(
        b.list_plugins(),
        Err(IndexError::Unsupported { .. })
    ));
    assert_eq!(
        b.relative_artifact("hello/1.0.0/any.bin"),
        ArtifactLocation::Url("https://cdn.example.com/idx/hello/1.0.0/any.bin".into())
    );
    assert_eq!(b.revision(), None);
    assert!(matches!(
        b.read("../etc/passwd"),
        Err(IndexError::Transport { .. })
    ));
    assert!(b.cache_dir().starts_with(cache.path().join("sparse")));
    assert!(SparseBackend::open(config("ftp://x/", cache.path())).is_err());
}

#[test]
fn a_tampered_file_never_reaches_the_disk_cache() {
    let ix = index_with(&["hello"]);
    let nginx = Nginx::serve(ix.root(), "");
    let cache = tempfile::tempdir().unwrap();
    let path = ix.root().join("plugins/he/ll/hello.toml");
    let mut bytes = std::fs::read(&path).unwrap();
    bytes.push(b'\n');
    std::fs::write(&path, bytes).unwrap();
    let index = verified(&ix, backend(&nginx.url(0), cache.path())).unwrap();
    assert!(index.plugin(&name("hello")).is_err());
    drop(index);
    // Nothing of this run was written: not the refused file, not even the
    // config that verified.
    let files: Vec<_> = walkdir::WalkDir::new(cache.path())
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file() && !e.path().ends_with(".lock"))
        .map(|e| e.path().display().to_string())
        .collect();
    assert!(files.is_empty(), "{files:?}");
}

/// Cached files of this run, by path.
fn cached_files(cache: &Path) -> Vec<String> {
    walkdir::WalkDir::new(cache)
        .into_iter()
        .filter_map(Result::ok)
        .map(|e| e.path().display().to_string())
        .collect()
}

/// Waits (bounded) until the backend holds `path`'s answer.
fn until_arrived(index: &VerifiedIndex, path: &str) {
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while !index.has_arrived(path) {
        assert!(std::time::Instant::now() < deadline, "{path} never arrived");
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// An index of `hello` and `world` (its files edited by `edit` first),
/// served by nginx, and a verified index over it with its own cache.
fn hello_and_world(
    edit: impl FnOnce(&Path),
) -> (TestIndex, Nginx, tempfile::TempDir, VerifiedIndex) {
    let ix = index_with(&["hello", "world"]);
    edit(ix.root());
    let nginx = Nginx::serve(ix.root(), "");
    let cache = tempfile::tempdir().unwrap();
    let index = verified(&ix, backend(&nginx.url(0), cache.path())).unwrap();
    (ix, nginx, cache, index)
}

#[test]
fn a_prefetched_file_nothing_read_is_not_cached() {
    let (_ix, _nginx, cache, index) = hello_and_world(|_| {});
    assert!(index.plugin(&name("hello")).unwrap().is_some());
    // Prefetched after the last read: never verified, so never kept.
    index.prefetch(&[name("world")]);
    until_arrived(&index, "plugins/wo/rl/world.toml");
    drop(index);
    let cached = cached_files(cache.path());
    assert!(
        cached.iter().any(|p| p.ends_with("hello.toml")),
        "{cached:?}"
    );
    assert!(
        !cached.iter().any(|p| p.contains("world.toml")),
        "{cached:?}"
    );
}

/// Prefetched files that have arrived are verified together with the one
/// the resolver waits for; a good one is then kept like any file read.
#[test]
fn prefetched_files_that_arrived_are_verified_with_the_next_read() {
    let (_ix, _nginx, cache, index) = hello_and_world(|_| {});
    index.prefetch(&[name("world")]);
    until_arrived(&index, "plugins/wo/rl/world.toml");
    assert!(index.plugin(&name("hello")).unwrap().is_some());
    assert!(
        index.is_verified(&name("world")),
        "world was verified ahead"
    );
    drop(index);
    let cached = cached_files(cache.path());
    assert!(
        cached.iter().any(|p| p.ends_with("world.toml")),
        "{cached:?}"
    );
}

/// A tampered file verified ahead fails no command that does not need it,
/// but nothing of the run is kept: the refused bytes least of all.
#[test]
fn a_tampered_file_verified_ahead_keeps_the_run_out_of_the_cache() {
    let (_ix, _nginx, cache, index) = hello_and_world(|root| {
        let path = root.join("plugins/wo/rl/world.toml");
        let mut bytes = std::fs::read(&path).unwrap();
        bytes.push(b'\n');
        std::fs::write(&path, bytes).unwrap();
    });
    index.prefetch(&[name("world")]);
    until_arrived(&index, "plugins/wo/rl/world.toml");
    assert!(index.plugin(&name("hello")).unwrap().is_some());
    assert!(!index.is_verified(&name("world")));
    drop(index);
    let cached = cached_files(cache.path());
    assert!(
        !cached.iter().any(|p| p.contains("world.toml")),
        "{cached:?}"
    );
    assert!(
        !cached.iter().any(|p| p.ends_with("hello.toml")),
        "{cached:?}"
    );
}

const NOW: u64 = 1_800_000_000;

/// An index of `names` with snapshot 1 and timestamp 1, served by nginx
/// (`None` where nginx is missing).
fn served_with_snapshot(names: &[&str]) -> (TestIndex, plugres_schema::SigningKey, Nginx) {
    let ix = index_with(names);
    let online = ix.enable_snapshots();
    ix.snapshot(&online, 1, 0);
    ix.timestamp(&online, 1, NOW + 86_400);
    let nginx = Nginx::serve(ix.root(), "");
    (ix, online, nginx)
}

/// Trust state kept under `cache`, the clock at [`NOW`].
fn trust_kept_in(cache: &Path) -> crate::index::TrustOptions {
    crate::index::TrustOptions {
        dir: Some(cache.join("trust")),
        allow_expired: false,
        now: Some(NOW),
        ..Default::default()
    }
}

/// With a snapshot, an unchanged index costs one conditional request
/// (timestamp.toml, 304): the kept timestamp, snapshot and config, and the
/// cached plugin files whose digests the snapshot lists, need no request.
#[test]
fn with_a_snapshot_a_warm_run_is_one_304_and_a_change_fetches_only_what_changed() {
    let (ix, online, nginx) = served_with_snapshot(&["hello", "other"]);
    let cache = tempfile::tempdir().unwrap();
    let trust = trust_kept_in(cache.path());
    let open = || {
        let b = Box::new(backend(&nginx.url(0), cache.path()));
        VerifiedIndex::open_with(b, "acme", &[ix.root_public()], &trust).unwrap()
    };
    let targets = |from: usize| -> Vec<(String, u16)> {
        nginx.log()[from..]
            .iter()
            .map(|l| (l.target.clone(), l.status))
            .collect()
    };

    let cold = open();
    assert!(cold.plugin(&name("hello")).unwrap().is_some());
    // Not listed in the snapshot: no request at all.
    assert!(cold.plugin(&name("missing")).unwrap().is_none());
    drop(cold);
    let cold_requests = nginx.log().len();
    // The head first (this index has none: one 404, not retried past CDN
    // caches), then the config, timestamp and snapshot pairs, and
    // hello.toml: its signature comes inline in the snapshot.
    assert_eq!(cold_requests, 8, "{:?}", targets(0));
    assert_eq!(targets(0)[0], ("/head.bundle".to_string(), 404));

    let warm = open();
    assert!(warm.plugin(&name("hello")).unwrap().is_some());
    drop(warm);
    assert_eq!(
        targets(cold_requests),
        [("/timestamp.toml".to_string(), 304)]
    );

    // A new version of `hello`; `other` unchanged.
    std::thread::sleep(Duration::from_millis(1100));
    ix.publish(
        TestPlugin::new("hello")
            .version("1.0.0", ">=1")
            .artifact("any")
            .version("1.1.0", ">=1")
            .artifact("any"),
        "maint",
    );
    ix.snapshot(&online, 2, 0);
    ix.timestamp(&online, 2, NOW + 86_400);
    let after = open();
    assert_eq!(
        after
            .plugin(&name("hello"))
            .unwrap()
            .unwrap()
            .versions
            .len(),
        2
    );
    drop(after);
    let paths: Vec<String> = targets(cold_requests + 1)
        .into_iter()
        .map(|(t, _)| t)
        .collect();
    assert_eq!(
        paths,
        [
            "/timestamp.toml",
            "/timestamp.toml.minisig",
            "/snapshot.toml",
            "/snapshot.toml.minisig",
            "/plugins/he/ll/hello.toml",
        ],
        "{:?}",
        nginx.log()
    );
}

/// nginx's ETag is size + whole-second mtime: a re-signed snapshot whose
/// signature keeps both would be answered 304 to a conditional request.
/// The signature of a changed file is therefore fetched whole.
#[test]
fn the_signature_of_a_changed_snapshot_is_fetched_whole() {
    let (ix, online, nginx) = served_with_snapshot(&["hello"]);
    let cache = tempfile::tempdir().unwrap();
    let trust = trust_kept_in(cache.path());
    let open = || {
        let b = Box::new(backend(&nginx.url(0), cache.path()));
        VerifiedIndex::open_with(b, "acme", &[ix.root_public()], &trust)
    };
    drop(open().unwrap());
    let sig = ix.root().join("snapshot.toml.minisig");
    let mtime = std::fs::metadata(&sig).unwrap().modified().unwrap();
    ix.snapshot(&online, 2, 0);
    ix.timestamp(&online, 2, NOW + 86_400);
    // Same size (a signature always is) and the same mtime: the same ETag.
    std::fs::File::options()
        .write(true)
        .open(&sig)
        .unwrap()
        .set_modified(mtime)
        .unwrap();
    let later = mtime + Duration::from_secs(5);
    for f in ["timestamp.toml", "timestamp.toml.minisig", "snapshot.toml"] {
        let file = std::fs::File::options()
            .write(true)
            .open(ix.root().join(f))
            .unwrap();
        file.set_modified(later).unwrap();
    }
    let index = open().expect("the new snapshot and its new signature");
    assert_eq!(index.snapshot_version(), Some(2));
}

fn gzip(data: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

/// A file the host stores gzip-encoded is decoded; gzip is asked for.
#[test]
fn a_gzip_encoded_file_is_decoded() {
    use crate::fetch::test_server::{Reply, TestServer};
    let text = b"format = 1\n# a plugin file\n".repeat(50);
    let body = gzip(&text);
    let server = TestServer::start(move |_, _| Reply::Gzipped(body.clone()));
    let cache = tempfile::tempdir().unwrap();
    let b = backend(&server.url(""), cache.path());
    assert_eq!(b.read("plugins/1/a.toml").unwrap(), Some(text));
    let headers = &server.requests()[0].headers;
    assert!(headers.contains("accept-encoding: gzip"), "{headers}");
}

/// 64 MiB of zeros in 64 KB: refused at the 1 MiB limit of what it
/// decodes to, not read (and held) whole.
#[test]
fn a_gzip_bomb_is_refused_at_the_decoded_limit() {
    use crate::fetch::test_server::{Reply, TestServer};
    let bomb = gzip(&vec![0u8; 64 << 20]);
    assert!(bomb.len() < MAX_FILE_SIZE / 8, "{}", bomb.len());
    let server = TestServer::start(move |_, _| Reply::Gzipped(bomb.clone()));
    let cache = tempfile::tempdir().unwrap();
    let err = backend(&server.url(""), cache.path())
        .read("plugins/1/a.toml")
        .unwrap_err();
    assert!(
        matches!(&err, IndexError::TooLarge { size, limit, .. } if *size == MAX_FILE_SIZE as u64 + 1 && *limit == MAX_FILE_SIZE),
        "{err}"
    );
    assert_eq!(server.requests().len(), 1, "a hostile file is not retried");
}

/// The response head is read into a small buffer: a few KiB of headers
/// (what hosts and CDNs send) are read, and an endless head is refused as
/// too large, by name, without a second try.
#[test]
fn response_heads_are_read_up_to_their_limit() {
    use crate::fetch::test_server::{Reply, TestServer};
    let reply = |size: usize| Reply::Raw {
        status: 200,
        headers: format!("X-Padding: {}\r\n", "p".repeat(size)),
        declared: None,
        body: b"format = 1\n".to_vec(),
    };
    let cache = tempfile::tempdir().unwrap();
    let fine = TestServer::start(move |_, _| reply(8 * 1024));
    let b = backend(&fine.url(""), cache.path());
    assert_eq!(
        b.read("plugins/1/a.toml").unwrap(),
        Some(b"format = 1\n".to_vec())
    );
    let huge = TestServer::start(move |_, _| reply(MAX_RESPONSE_HEAD));
    let err = backend(&huge.url(""), cache.path())
        .read("plugins/1/b.toml")
        .unwrap_err();
    let text = err.to_string();
    assert!(text.contains("plugins/1/b.toml"), "{text}");
    assert!(text.to_lowercase().contains("header"), "{text}");
    assert_eq!(huge.requests().len(), 1, "{text}");
}

/// The snapshot is read no further than the size the timestamp gives.
#[test]
fn a_file_past_the_size_a_signed_file_gives_is_refused() {
    use crate::fetch::test_server::TestServer;
    let server = TestServer::serving(vec![b'#'; 5000]);
    let cache = tempfile::tempdir().unwrap();
    let b = backend(&server.url(""), cache.path());
    let err = b
        .read_at_most(
            "snapshot.toml",
            1268,
            "the size `timestamp.toml` gives for it",
        )
        .unwrap_err();
    assert!(
        matches!(&err, IndexError::OverLimit { limit: 1268, .. }),
        "{err:?}"
    );
    assert!(
        err.to_string()
            .contains("larger than 1268 bytes, the size `timestamp.toml` gives for it"),
        "{err}"
    );
    assert_eq!(server.requests().len(), 1);
    let ok = backend(&server.url(""), cache.path());
    assert_eq!(
        ok.read_at_most("snapshot.toml", 5000, "x")
            .unwrap()
            .map(|b| b.len()),
        Some(5000)
    );
}

/// One byte every 300 ms never trips the 1 s timeouts; the deadline of a
/// timestamp (1 s + 1 s + 16 KiB at 8 KiB/s) ends it.
#[test]
fn a_timestamp_dripped_under_the_read_timeout_ends_at_its_deadline() {
    use crate::fetch::test_server::{Reply, TestServer};
    let every = Duration::from_millis(300);
    let server = TestServer::start(move |_, _| Reply::Drip {
        len: 200,
        every,
        headers: "",
        prefix: b"",
    });
    let cache = tempfile::tempdir().unwrap();
    let mut c = config(&server.url(""), cache.path());
    c.http.connect_timeout = Duration::from_secs(1);
    c.http.read_timeout = Duration::from_secs(1);
    c.http.retry.retries = 0;
    let started = std::time::Instant::now();
    let err = SparseBackend::open(c)
        .unwrap()
        .read("timestamp.toml")
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("deadline") && err.contains("timestamp.toml"),
        "{err}"
    );
    let took = started.elapsed();
    assert!(
        took >= Duration::from_secs(4) && took < Duration::from_secs(6),
        "{took:?}"
    );
}

/// A host that resets the connection: the message keeps the cause.
#[test]
fn a_connection_reset_is_named_in_the_message() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/", listener.local_addr().unwrap());
    let resets = std::thread::spawn(move || {
        // Closing with the request unread makes the kernel send a reset.
        for _ in 0..2 {
            let (stream, _) = listener.accept().unwrap();
            std::thread::sleep(Duration::from_millis(100));
            drop(stream);
        }
    });
    let cache = tempfile::tempdir().unwrap();
    let mut c = config(&url, cache.path());
    c.http.retry.retries = 1;
    let err = SparseBackend::open(c)
        .unwrap()
        .read("timestamp.toml")
        .unwrap_err()
        .to_string();
    resets.join().unwrap();
    assert_eq!(
        err.replace(&url, "http://HOST/"),
        "cannot fetch `timestamp.toml` from the index at `sparse+http://HOST/`: request to `http://HOST/timestamp.toml` failed: Connection reset by peer (os error 104); check the URL and the network (set HTTPS_PROXY if you need a proxy) (attempts: 2)"
    );
}

/// The request targets (and statuses) nginx logged from entry `from` on.
fn targets_since(nginx: &Nginx, from: usize) -> Vec<(String, u16)> {
    nginx.log()[from..]
        .iter()
        .map(|l| (l.target.clone(), l.status))
        .collect()
}

/// A new client reads the six trust files from `head.bundle`: one request
/// before the plugin files, as cargo's `config.json`. The next run asks for
/// the timestamp alone, as with any kept trust state.
#[test]
fn a_new_client_reads_the_trust_files_from_the_head_in_one_request() {
    let (ix, _online, nginx) = served_with_snapshot(&["hello", "other"]);
    ix.head();
    let cache = tempfile::tempdir().unwrap();
    let trust = trust_kept_in(cache.path());
    let open = || {
        let b = Box::new(backend(&nginx.url(0), cache.path()));
        VerifiedIndex::open_with(b, "acme", &[ix.root_public()], &trust).unwrap()
    };
    let cold = open();
    assert_eq!(cold.snapshot_version(), Some(1));
    assert!(cold.plugin(&name("hello")).unwrap().is_some());
    drop(cold);
    assert_eq!(
        targets_since(&nginx, 0),
        [
            ("/head.bundle".to_string(), 200),
            ("/plugins/he/ll/hello.toml".to_string(), 200)
        ]
    );
    let warm = open();
    assert!(warm.plugin(&name("hello")).unwrap().is_some());
    drop(warm);
    assert_eq!(
        targets_since(&nginx, 2),
        [("/timestamp.toml".to_string(), 200)],
        "the kept state answers the rest"
    );
}

/// What a head carries is checked like the files themselves, and a head
/// that does not verify only costs the separate requests: a forged
/// snapshot, a head of an older moment than the project's lock has seen,
/// a head that does not parse. The index is accepted from its own files
/// each time, at its current snapshot.
#[test]
fn a_head_that_does_not_verify_costs_only_the_separate_requests() {
    let (ix, online, nginx) = served_with_snapshot(&["hello"]);
    let honest_v1 = {
        ix.head();
        std::fs::read(ix.root().join(plugres_schema::HEAD_PATH)).unwrap()
    };
    ix.snapshot(&online, 2, 0);
    let head_path = ix.root().join(plugres_schema::HEAD_PATH);
    ix.timestamp(&online, 2, NOW - 60);
    ix.head();
    let expired = std::fs::read(&head_path).unwrap();
    ix.timestamp(&online, 3, NOW + 86_400);
    ix.head();
    let current = std::fs::read(&head_path).unwrap();
    let forged = {
        let mut h = plugres_schema::Head::parse(&current).unwrap();
        let snap = &mut h.files[2].1;
        let text = String::from_utf8(snap.clone()).unwrap();
        *snap = text.replacen("version = 2", "version = 3", 1).into_bytes();
        assert_ne!(snap, &text.into_bytes());
        let files: Vec<(&str, &[u8])> = h
            .files
            .iter()
            .map(|(p, b)| (p.as_str(), b.as_slice()))
            .collect();
        plugres_schema::Head::encode(&files)
    };
    let cases: [(&str, Vec<u8>, u64, bool); 4] = [
        ("a snapshot changed in the head", forged, 0, false),
        ("an older head than the lock has seen", honest_v1, 2, false),
        (
            "a head that does not parse",
            b"plugres-head 1\nnope\n".to_vec(),
            0,
            false,
        ),
        // Even where the user allows an expired index: the files may be fresh.
        ("an expired head", expired, 0, true),
    ];
    for (what, head, min_snapshot, allow_expired) in cases {
        std::fs::write(&head_path, head).unwrap();
        let cache = tempfile::tempdir().unwrap();
        let trust = crate::index::TrustOptions {
            min_snapshot,
            allow_expired,
            ..trust_kept_in(cache.path())
        };
        let from = nginx.log().len();
        let b = Box::new(backend(&nginx.url(0), cache.path()));
        let index = VerifiedIndex::open_with(b, "acme", &[ix.root_public()], &trust)
            .unwrap_or_else(|e| panic!("{what}: {e}"));
        assert_eq!(index.snapshot_version(), Some(2), "{what}");
        assert!(
            index.warnings().is_empty(),
            "{what}: {:?}",
            index.warnings()
        );
        assert!(index.plugin(&name("hello")).unwrap().is_some(), "{what}");
        let paths: Vec<String> = targets_since(&nginx, from)
            .into_iter()
            .map(|(t, _)| t)
            .collect();
        assert_eq!(paths[0], "/head.bundle", "{what}");
        assert!(
            paths.contains(&"/snapshot.toml".to_string()),
            "{what}: {paths:?}"
        );
        assert_eq!(
            paths.len(),
            8,
            "{what}: the head, the six files, hello: {paths:?}"
        );
    }
}

/// A head is no way around the trust rules: when the head and the files
/// behind it are both forged, the index is refused.
#[test]
fn a_forged_head_over_forged_files_is_refused() {
    let (ix, _online, nginx) = served_with_snapshot(&["hello"]);
    let attacker = plugres_schema::SigningKey::generate().unwrap();
    let snap = std::fs::read(ix.root().join("snapshot.toml")).unwrap();
    let text = String::from_utf8(snap)
        .unwrap()
        .replacen("version = 1", "version = 9", 1);
    ix.write_signed("snapshot.toml", text.as_bytes(), &attacker);
    ix.timestamp(&attacker, 9, NOW + 86_400);
    ix.head();
    let cache = tempfile::tempdir().unwrap();
    let b = Box::new(backend(&nginx.url(0), cache.path()));
    let err =
        VerifiedIndex::open_with(b, "acme", &[ix.root_public()], &trust_kept_in(cache.path()))
            .unwrap_err();
    assert!(matches!(err, IndexError::Signature { .. }), "{err}");
    assert!(
        !cache.path().join("trust").exists()
            || std::fs::read_dir(cache.path().join("trust"))
                .unwrap()
                .all(|e| { !e.unwrap().path().join("state.json").exists() }),
        "nothing of a refused index is kept"
    );
}

/// A head past its limit is cut off while streaming, like any oversized
/// file, and the trust files are read one by one.
#[test]
fn an_oversized_head_is_cut_off_and_the_files_read_instead() {
    let (ix, _online, nginx) = served_with_snapshot(&["hello"]);
    ix.write(
        plugres_schema::HEAD_PATH,
        &vec![b'x'; plugres_schema::MAX_HEAD_SIZE + 4096],
    );
    let cache = tempfile::tempdir().unwrap();
    let b = Box::new(backend(&nginx.url(0), cache.path()));
    let index =
        VerifiedIndex::open_with(b, "acme", &[ix.root_public()], &trust_kept_in(cache.path()))
            .unwrap();
    assert_eq!(index.snapshot_version(), Some(1));
    let paths: Vec<String> = targets_since(&nginx, 0)
        .into_iter()
        .map(|(t, _)| t)
        .collect();
    assert_eq!(
        paths.len(),
        7,
        "the head once (not retried), then the six: {paths:?}"
    );
}

/// Only the head's files that the accepted chain read are cached: an
/// index without snapshot keys reads its config pair, so whatever else a
/// head carries was never checked and stays out of the disk cache.
#[test]
fn only_the_head_files_the_chain_read_are_cached() {
    let ix = index_with(&["hello"]);
    let read = |p: &str| std::fs::read(ix.root().join(p)).unwrap();
    let (config, signature) = (read("config.toml"), read("config.toml.minisig"));
    let junk = b"not checked".as_slice();
    let head = plugres_schema::Head::encode(&[
        ("timestamp.toml", junk),
        ("timestamp.toml.minisig", junk),
        ("snapshot.toml", junk),
        ("snapshot.toml.minisig", junk),
        ("config.toml", &config),
        ("config.toml.minisig", &signature),
    ]);
    ix.write(plugres_schema::HEAD_PATH, &head);
    let nginx = Nginx::serve(ix.root(), "");
    let cache = tempfile::tempdir().unwrap();
    let b = Box::new(backend(&nginx.url(0), cache.path()));
    let index =
        VerifiedIndex::open_with(b, "acme", &[ix.root_public()], &trust_kept_in(cache.path()))
            .unwrap();
    assert!(index.plugin(&name("hello")).unwrap().is_some());
    drop(index);
    let paths: Vec<String> = targets_since(&nginx, 0)
        .into_iter()
        .map(|(t, _)| t)
        .collect();
    assert!(
        !paths.iter().any(|p| p.starts_with("/config.toml")),
        "{paths:?}"
    );
    let cached: Vec<String> = cached_files(cache.path())
        .into_iter()
        .filter(|p| p.contains("/sparse/"))
        .collect();
    assert!(
        cached.iter().any(|p| p.ends_with("/config.toml")),
        "{cached:?}"
    );
    assert!(
        !cached
            .iter()
            .any(|p| p.contains("timestamp") || p.contains("snapshot")),
        "{cached:?}"
    );
}

/// A host that answers at once keeps the first few workers busy; one whose
/// answers take a while (a host far away) gets more, up to the cap.
#[test]
fn workers_grow_only_for_a_slow_host() {
    use crate::fetch::test_server::{Reply, TestServer};
    let paths: Vec<String> = (0..48)
        .map(|i| index_path(&name(&format!("plugin{i}"))))
        .collect();
    let slow = TestServer::start(|_, _| {
        std::thread::sleep(std::time::Duration::from_millis(30));
        Reply::Bytes(200, b"name = \"x\"\n".to_vec())
    });
    let cache = tempfile::tempdir().unwrap();
    let b = backend(&slow.base, cache.path());
    b.prefetch(&paths);
    for p in &paths {
        assert!(b.read(p).unwrap().is_some(), "{p}");
    }
    let peak = b.peak_workers();
    assert!(peak > FIRST_WORKERS && peak <= MAX_PARALLEL, "{peak}");

    // Before any answer came back, no more than the first workers start.
    let cache = tempfile::tempdir().unwrap();
    let b = backend(&slow.base, cache.path());
    b.prefetch(&paths);
    assert_eq!(b.peak_workers(), FIRST_WORKERS);
}

/// A version with build metadata has `+` in its attestation's path: read
/// from a static host like any other file.
#[test]
fn a_path_with_build_metadata_is_fetched() {
    let dir = tempfile::tempdir().unwrap();
    let rel = "attestations/1/a/1.0.0+build.5.sigstore.json";
    std::fs::create_dir_all(dir.path().join("attestations/1/a")).unwrap();
    std::fs::write(dir.path().join(rel), b"{}").unwrap();
    let nginx = Nginx::serve(dir.path(), "");
    let cache = tempfile::tempdir().unwrap();
    let b = backend(&nginx.url(0), cache.path());
    assert_eq!(b.read(rel).unwrap().as_deref(), Some(&b"{}"[..]));
    let targets: Vec<String> = nginx.log().into_iter().map(|l| l.target).collect();
    assert!(
        targets
            .iter()
            .any(|t| t.ends_with("1.0.0%2Bbuild.5.sigstore.json")),
        "{targets:?}"
    );
}

/// On a first use the project's plugins are fetched while the trust chain
/// is checked, before anything asks for them; what came then is held to
/// the digest the snapshot pins, so a CDN's older copy is fetched again
/// past its cache, as for any pinned file. A later run asks for nothing
/// early.
#[test]
fn a_first_use_fetches_the_projects_plugins_at_once_and_holds_them_to_the_snapshot() {
    let (ix, _online, _) = served_with_snapshot(&["hello"]);
    ix.head();
    // nginx as a stale CDN: without the cache-busting query, hello.toml is
    // an older copy.
    std::fs::create_dir_all(ix.root().join("stale")).unwrap();
    let path = "plugins/he/ll/hello.toml";
    let mut older = std::fs::read(ix.root().join(path)).unwrap();
    older.extend_from_slice(b"\n");
    std::fs::write(ix.root().join("stale/hello.toml"), older).unwrap();
    let extra = "location = /plugins/he/ll/hello.toml { if ($args !~ \"plugres-refresh\") { rewrite ^ /stale/hello.toml break; } }";
    let nginx = Nginx::serve(ix.root(), extra);
    let cache = tempfile::tempdir().unwrap();
    let trust = crate::index::TrustOptions {
        first_use_prefetch: vec![path.to_string()],
        ..trust_kept_in(cache.path())
    };
    let open = || {
        let b = Box::new(backend(&nginx.url(0), cache.path()));
        VerifiedIndex::open_with(b, "acme", &[ix.root_public()], &trust).unwrap()
    };

    let cold = open();
    until_arrived(&cold, path);
    let hits = nginx.hits("hello.toml");
    assert_eq!(hits.len(), 1, "fetched before any read: {hits:?}");
    assert!(cold.plugin(&name("hello")).unwrap().is_some());
    drop(cold);
    let hits = nginx.hits("hello.toml");
    assert_eq!(hits.len(), 2, "{hits:?}");
    assert!(hits[1].target.contains("plugres-refresh="), "{hits:?}");

    let from = nginx.log().len();
    let warm = open();
    assert!(warm.plugin(&name("hello")).unwrap().is_some());
    drop(warm);
    assert_eq!(
        targets_since(&nginx, from),
        [("/timestamp.toml".to_string(), 200)],
        "the kept copy is the pinned one; nothing is fetched early"
    );
}
