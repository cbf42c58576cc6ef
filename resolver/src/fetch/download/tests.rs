//! `fetch_all` against a real HTTP server on 127.0.0.1.

use std::fs;
use std::time::{Duration, Instant};

use super::*;
use crate::fetch::cache::sha256_hex;
use crate::fetch::http::RetryPolicy;
use crate::fetch::test_server::{Reply, Seen, TestServer};

/// Every test must finish well before this.
const GUARD: Duration = Duration::from_secs(20);

fn quick_options() -> FetchOptions<'static> {
    FetchOptions {
        jobs: 4,
        progress: false,
        token: None,
        http: HttpConfig {
            connect_timeout: Duration::from_secs(2),
            read_timeout: Duration::from_secs(1),
            min_rate: crate::fetch::DEFAULT_MIN_RATE,
            max_time: Duration::from_secs(10),
            retry: RetryPolicy {
                retries: 3,
                base_delay: Duration::from_millis(10),
                max_delay: Duration::from_millis(40),
            },
        },
        lines: None,
    }
}

fn item(label: &str, source: ArtifactSource, data: &[u8]) -> FetchItem {
    FetchItem {
        label: label.to_owned(),
        source,
        sha256: sha256_hex(data),
        size: data.len() as u64,
    }
}

fn new_cache() -> (tempfile::TempDir, ContentCache) {
    let dir = tempfile::tempdir().unwrap();
    let cache = ContentCache::new(dir.path().join("cache"));
    (dir, cache)
}

/// Blobs under `sha256/`; files in `tmp/` do not count (they are swept).
fn blobs(cache: &ContentCache) -> usize {
    fs::read_dir(cache.dir().join("sha256")).map_or(0, |d| d.count())
}

fn artifact(n: usize) -> Vec<u8> {
    (0..n).map(|i| (i * 31 % 251) as u8).collect()
}

#[test]
fn downloads_in_parallel_and_returns_paths_in_item_order() {
    let start = Instant::now();
    let files: Vec<Vec<u8>> = (1..=6).map(|i| artifact(i * 50_000)).collect();
    let served = files.clone();
    let server = TestServer::start(move |_, path| {
        let i: usize = path.trim_start_matches("/a").parse().unwrap_or(0);
        match served.get(i) {
            Some(body) => Reply::Bytes(200, body.clone()),
            None => Reply::Bytes(404, Vec::new()),
        }
    });
    let (_d, cache) = new_cache();
    let items: Vec<FetchItem> = files
        .iter()
        .enumerate()
        .map(|(i, f)| {
            item(
                &format!("p{i} 1.0.0"),
                ArtifactSource::Url(server.url(&format!("a{i}"))),
                f,
            )
        })
        .collect();

    let paths = fetch_all(&items, &cache, &quick_options()).unwrap();
    assert_eq!(paths.len(), files.len());
    for (path, data) in paths.iter().zip(&files) {
        assert_eq!(&fs::read(path).unwrap(), data);
    }
    let mut requested: Vec<String> = server.requests().into_iter().map(|r| r.path).collect();
    requested.sort();
    assert_eq!(
        requested,
        (0..files.len())
            .map(|i| format!("/a{i}"))
            .collect::<Vec<_>>()
    );

    // A second run needs no network.
    let again = fetch_all(&items, &cache, &quick_options()).unwrap();
    assert_eq!(again, paths);
    assert_eq!(server.requests().len(), files.len());
    assert!(start.elapsed() < GUARD);
}

#[test]
fn server_error_is_retried_then_succeeds() {
    let data = artifact(10_000);
    let body = data.clone();
    let server = TestServer::start(move |n, _| match n {
        0 => Reply::Bytes(500, b"oops".to_vec()),
        _ => Reply::Bytes(200, body.clone()),
    });
    let (_d, cache) = new_cache();
    let items = [item(
        "hello 1.0.0",
        ArtifactSource::Url(server.url("hello.wasm")),
        &data,
    )];
    let paths = fetch_all(&items, &cache, &quick_options()).unwrap();
    assert_eq!(fs::read(&paths[0]).unwrap(), data);
    assert_eq!(server.requests().len(), 2, "one failure, one retry");
}

#[test]
fn not_found_is_not_retried_and_names_url_and_status() {
    let server = TestServer::start(|_, _| Reply::Bytes(404, b"no".to_vec()));
    let (_d, cache) = new_cache();
    let url = server.url("missing.wasm");
    let items = [item("hello 1.0.0", ArtifactSource::Url(url.clone()), b"x")];
    let err = fetch_all(&items, &cache, &quick_options()).unwrap_err();
    assert_eq!(server.requests().len(), 1);
    let chain = error_chain(&err);
    assert!(
        chain.contains("`hello 1.0.0`") && chain.contains(&format!("`{url}`")),
        "{chain}"
    );
    assert!(chain.contains("HTTP 404"), "{chain}");
    assert!(
        matches!(err, FetchError::Download { attempts: 1, .. }),
        "{err:?}"
    );
}

#[test]
fn a_hanging_server_times_out() {
    let start = Instant::now();
    let server = TestServer::start(|_, _| Reply::Hang);
    let (_d, cache) = new_cache();
    let mut opts = quick_options();
    opts.http.retry.retries = 1;
    let items = [item(
        "slow 1.0.0",
        ArtifactSource::Url(server.url("slow.wasm")),
        b"x",
    )];
    let err = fetch_all(&items, &cache, &opts).unwrap_err();
    assert!(
        matches!(
            &err,
            FetchError::Download {
                source: HttpError::Timeout { .. },
                attempts: 2,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(error_chain(&err).contains("PLUGRES_HTTP_TIMEOUT"));
    assert_eq!(server.requests().len(), 2, "a timeout is retried");
    assert!(start.elapsed() < GUARD);
}

#[test]
fn more_bytes_than_promised_are_refused_and_not_cached() {
    let data = artifact(1000);
    let mut longer = data.clone();
    longer.extend_from_slice(b"extra");
    let server = TestServer::start(move |_, path| match path {
        "/declared" => Reply::Bytes(200, longer.clone()),
        _ => Reply::Endless,
    });
    let (_d, cache) = new_cache();
    for path in ["declared", "endless"] {
        let items = [item(
            "big 1.0.0",
            ArtifactSource::Url(server.url(path)),
            &data,
        )];
        let err = fetch_all(&items, &cache, &quick_options()).unwrap_err();
        assert!(
            matches!(
                &err,
                FetchError::Verify {
                    source: CacheError::TooLarge { expected: 1000 },
                    ..
                }
            ),
            "{path}: {err:?}"
        );
        assert_eq!(blobs(&cache), 0);
    }
    assert_eq!(server.requests().len(), 2, "a wrong file is not retried");
}

#[test]
fn one_changed_byte_is_refused_and_the_cache_is_unchanged() {
    let data = artifact(5000);
    let (dir, cache) = new_cache();
    let good_path = dir.path().join("good.bin");
    fs::write(&good_path, b"good").unwrap();
    let good = item("good 1.0.0", ArtifactSource::Path(good_path), b"good");
    fetch_all(&[good], &cache, &quick_options()).unwrap();
    let mut tampered = data.clone();
    tampered[1234] ^= 0x20;
    let server = TestServer::serving(tampered.clone());
    let items = [item(
        "evil 1.0.0",
        ArtifactSource::Url(server.url("evil.wasm")),
        &data,
    )];
    let err = fetch_all(&items, &cache, &quick_options()).unwrap_err();
    let chain = error_chain(&err);
    assert!(
        chain.contains(&sha256_hex(&data)) && chain.contains(&sha256_hex(&tampered)),
        "{chain}"
    );
    assert!(chain.contains("`evil 1.0.0`"), "{chain}");
    assert_eq!(server.requests().len(), 1);
    assert_eq!(blobs(&cache), 1, "only the earlier good blob");
}

#[test]
fn local_files_go_through_the_same_verification() {
    let dir = tempfile::tempdir().unwrap();
    let (_d, cache) = new_cache();
    let path = dir.path().join("hello.wasm");
    fs::write(&path, b"\0asm local").unwrap();
    let ok = item(
        "hello 1.0.0",
        ArtifactSource::Path(path.clone()),
        b"\0asm local",
    );
    let paths = fetch_all(std::slice::from_ref(&ok), &cache, &quick_options()).unwrap();
    assert_eq!(fs::read(&paths[0]).unwrap(), b"\0asm local");

    let wrong = item(
        "other 1.0.0",
        ArtifactSource::Path(path.clone()),
        b"\0asm LOCAL",
    );
    let err = fetch_all(&[wrong], &cache, &quick_options()).unwrap_err();
    assert!(
        matches!(
            err,
            FetchError::Local {
                source: CacheError::Mismatch { .. },
                ..
            }
        ),
        "{err:?}"
    );

    let missing = item(
        "gone 1.0.0",
        ArtifactSource::Path(dir.path().join("nope")),
        b"x",
    );
    let err = fetch_all(&[missing], &cache, &quick_options()).unwrap_err();
    assert!(error_chain(&err).contains("nope"), "{}", error_chain(&err));
}

#[test]
fn the_token_is_sent_as_bearer_and_never_shown() {
    let server = TestServer::start(|_, _| Reply::Bytes(403, Vec::new()));
    let (_d, cache) = new_cache();
    let mut opts = quick_options();
    let base = server.base.clone();
    opts.token = Some(Box::new(move |url: &str| {
        url.starts_with(&base).then(|| "s3cret-token".to_owned())
    }));
    let items = [item(
        "private 1.0.0",
        ArtifactSource::Url(server.url("p.wasm")),
        b"x",
    )];
    let err = fetch_all(&items, &cache, &opts).unwrap_err();
    let seen = server.requests();
    assert!(
        seen[0]
            .headers
            .contains("authorization: bearer s3cret-token"),
        "{:?}",
        seen[0]
    );
    assert!(!error_chain(&err).contains("s3cret") && !format!("{err:?}").contains("s3cret"));
    assert!(!format!("{opts:?}").contains("s3cret"));
    assert!(error_chain(&err).contains("403"));
}

#[test]
fn a_failure_leaves_finished_blobs_cached() {
    let good = artifact(2000);
    let body = good.clone();
    let server = TestServer::start(move |_, path| match path {
        "/good" => Reply::Bytes(200, body.clone()),
        _ => Reply::Bytes(404, Vec::new()),
    });
    let (_d, cache) = new_cache();
    let mut opts = quick_options();
    opts.jobs = 1;
    let items = [
        item("good 1.0.0", ArtifactSource::Url(server.url("good")), &good),
        item("bad 1.0.0", ArtifactSource::Url(server.url("bad")), b"bad"),
    ];
    fetch_all(&items, &cache, &opts).unwrap_err();
    assert!(cache.get(&sha256_hex(&good), good.len() as u64).is_some());
}

fn error_chain(err: &dyn std::error::Error) -> String {
    let mut out = err.to_string();
    let mut cur = err.source();
    while let Some(e) = cur {
        out.push_str(" | ");
        out.push_str(&e.to_string());
        cur = e.source();
    }
    out
}

/// A `.tar.gz` that the host labels `Content-Encoding: gzip` (S3 object
/// metadata): the bytes as sent are the artifact, not what they decode to.
#[test]
fn a_gzip_labelled_artifact_is_kept_as_sent() {
    let tarball = {
        use std::io::Write;
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        e.write_all(&artifact(20_000)).unwrap();
        e.finish().unwrap()
    };
    let body = tarball.clone();
    let server = TestServer::start(move |_, _| Reply::Gzipped(body.clone()));
    let (_d, cache) = new_cache();
    let items = [item(
        "packed 1.0.0",
        ArtifactSource::Url(server.url("packed.tar.gz")),
        &tarball,
    )];
    let paths = fetch_all(&items, &cache, &quick_options()).unwrap();
    assert_eq!(fs::read(&paths[0]).unwrap(), tarball);
    let headers = &server.requests()[0].headers;
    assert!(headers.contains("accept-encoding: identity"), "{headers}");
}

/// One byte every 300 ms, under the 1 s read timeout: only the deadline
/// (2 s + 1 s + 64 bytes at 8 KiB/s) ends it, long before the 19 s of
/// the drip.
#[test]
fn a_drip_just_under_the_read_timeout_ends_at_the_deadline() {
    let start = Instant::now();
    let every = Duration::from_millis(300);
    let server = TestServer::start(move |_, _| Reply::Drip {
        len: 64,
        every,
        headers: "",
        prefix: b"",
    });
    let (_d, cache) = new_cache();
    let mut opts = quick_options();
    opts.http.retry.retries = 0;
    let items = [item(
        "drip 1.0.0",
        ArtifactSource::Url(server.url("drip.wasm")),
        &[b'x'; 64],
    )];
    let err = fetch_all(&items, &cache, &opts).unwrap_err();
    assert!(
        matches!(
            &err,
            FetchError::Download {
                source: HttpError::Timeout {
                    phase: ureq::Timeout::Global,
                    ..
                },
                ..
            }
        ),
        "{err:?}"
    );
    assert!(error_chain(&err).contains("PLUGRES_HTTP_MIN_RATE"), "{err}");
    assert!(
        start.elapsed() < Duration::from_secs(5),
        "{:?}",
        start.elapsed()
    );
    assert_eq!(blobs(&cache), 0);
}

mod output;
mod resume;
