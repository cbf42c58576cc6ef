//! Resuming interrupted downloads against the scripted server: what each
//! request asked for, and what ends up in the cache.

use super::*;

/// 200 declaring the whole `data` but sending only its first `sent`
/// bytes, then closing: a transfer cut off midway.
fn cut_off(data: &[u8], sent: usize) -> Reply {
    Reply::Raw {
        status: 200,
        headers: String::new(),
        declared: Some(data.len()),
        body: data[..sent].to_vec(),
    }
}

/// 206 with this `Content-Range` and body.
fn partial(content_range: &str, body: &[u8]) -> Reply {
    Reply::Raw {
        status: 206,
        headers: format!("Content-Range: {content_range}\r\n"),
        declared: None,
        body: body.to_vec(),
    }
}

fn range_of(seen: &Seen) -> Option<String> {
    seen.headers
        .lines()
        .find_map(|l| l.strip_prefix("range: "))
        .map(|r| r.trim().to_owned())
}

fn ranges(server: &TestServer) -> Vec<Option<String>> {
    server.requests().iter().map(range_of).collect()
}

fn fetch(server: &TestServer, cache: &ContentCache, data: &[u8]) -> Result<PathBuf, FetchError> {
    let items = [item(
        "big 1.0.0",
        ArtifactSource::Url(server.url("big.wasm")),
        data,
    )];
    fetch_all(&items, cache, &quick_options()).map(|mut p| p.remove(0))
}

fn partial_file(cache: &ContentCache, data: &[u8]) -> PathBuf {
    cache.dir().join("partial").join(sha256_hex(data))
}

#[test]
fn a_cut_off_download_resumes_from_the_bytes_kept() {
    let data = artifact(600_000);
    let body = data.clone();
    let server = TestServer::start(move |n, _| match n {
        0 => cut_off(&body, 250_000),
        _ => partial("bytes 250000-599999/600000", &body[250_000..]),
    });
    let (_d, cache) = new_cache();
    let path = fetch(&server, &cache, &data).unwrap();
    assert_eq!(fs::read(&path).unwrap(), data);
    assert_eq!(ranges(&server), [None, Some("bytes=250000-".into())]);
    assert!(
        !partial_file(&cache, &data).exists(),
        "renamed into sha256/"
    );
}

#[test]
fn a_server_that_ignores_range_sends_the_whole_file_again() {
    let data = artifact(300_000);
    let body = data.clone();
    let server = TestServer::start(move |n, _| match n {
        0 => cut_off(&body, 100_000),
        _ => Reply::Bytes(200, body.clone()),
    });
    let (_d, cache) = new_cache();
    let path = fetch(&server, &cache, &data).unwrap();
    assert_eq!(fs::read(&path).unwrap(), data);
    assert_eq!(ranges(&server), [None, Some("bytes=100000-".into())]);
}

#[test]
fn a_416_drops_the_kept_bytes_and_starts_over() {
    let data = artifact(300_000);
    let body = data.clone();
    let server = TestServer::start(move |n, _| match n {
        0 => cut_off(&body, 100_000),
        1 => Reply::Raw {
            status: 416,
            headers: "Content-Range: bytes */300000\r\n".into(),
            declared: None,
            body: Vec::new(),
        },
        _ => Reply::Bytes(200, body.clone()),
    });
    let (_d, cache) = new_cache();
    let path = fetch(&server, &cache, &data).unwrap();
    assert_eq!(fs::read(&path).unwrap(), data);
    assert_eq!(
        ranges(&server),
        [None, Some("bytes=100000-".into()), None],
        "the third request asks for the whole file"
    );
}

/// A hostile server answers the resume with another range than asked
/// (here: the whole file as a "range", which appended would double the
/// start): its body is never written; the file is fetched from its start.
#[test]
fn a_content_range_other_than_asked_is_refused_and_the_file_fetched_whole() {
    let data = artifact(300_000);
    let body = data.clone();
    let server = TestServer::start(move |n, _| match n {
        0 => cut_off(&body, 100_000),
        1 => partial("bytes 0-299999/300000", &body),
        _ => Reply::Bytes(200, body.clone()),
    });
    let (_d, cache) = new_cache();
    let path = fetch(&server, &cache, &data).unwrap();
    assert_eq!(fs::read(&path).unwrap(), data);
    assert_eq!(ranges(&server), [None, Some("bytes=100000-".into()), None]);
}

/// The right range header over the wrong bytes: the whole does not hash
/// to the index's sha256, the kept bytes are dropped with the rest, and
/// one more download from the first byte decides. A server that keeps
/// lying is refused as for any wrong file, and nothing stays behind.
#[test]
fn wrong_bytes_behind_a_right_content_range_are_caught_by_the_checksum() {
    let data = artifact(300_000);
    let mut evil = data.clone();
    evil[200_000] ^= 1;
    let (body, evil_body) = (data.clone(), evil.clone());
    let server = TestServer::start(move |n, _| match n {
        0 => cut_off(&body, 100_000),
        1 => partial("bytes 100000-299999/300000", &evil_body[100_000..]),
        _ => Reply::Bytes(200, body.clone()),
    });
    let (_d, cache) = new_cache();
    let path = fetch(&server, &cache, &data).unwrap();
    assert_eq!(fs::read(&path).unwrap(), data);
    assert_eq!(ranges(&server), [None, Some("bytes=100000-".into()), None]);

    let evil_body = evil.clone();
    let liar = TestServer::start(move |n, _| match n {
        0 => cut_off(&evil_body, 100_000),
        1 => partial("bytes 100000-299999/300000", &evil_body[100_000..]),
        _ => Reply::Bytes(200, evil_body.clone()),
    });
    let (_d, cache) = new_cache();
    let err = fetch(&liar, &cache, &data).unwrap_err();
    assert!(
        matches!(
            err,
            FetchError::Verify {
                source: CacheError::Mismatch { .. },
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(blobs(&cache), 0);
    assert!(!partial_file(&cache, &data).exists());
}

/// What a killed run left in `partial/` is resumed by the next run: one
/// request, for the rest only.
#[test]
fn a_partial_left_by_an_earlier_run_is_resumed() {
    let data = artifact(400_000);
    let body = data.clone();
    let server =
        TestServer::start(move |_, _| partial("bytes 150000-399999/400000", &body[150_000..]));
    let (_d, cache) = new_cache();
    fs::create_dir_all(cache.dir().join("partial")).unwrap();
    fs::write(partial_file(&cache, &data), &data[..150_000]).unwrap();
    let path = fetch(&server, &cache, &data).unwrap();
    assert_eq!(fs::read(&path).unwrap(), data);
    assert_eq!(ranges(&server), [Some("bytes=150000-".into())]);

    // Complete but never renamed (killed at the last step): no request.
    let (_d, cache) = new_cache();
    fs::create_dir_all(cache.dir().join("partial")).unwrap();
    fs::write(partial_file(&cache, &data), &data).unwrap();
    let before = server.requests().len();
    fetch(&server, &cache, &data).unwrap();
    assert_eq!(server.requests().len(), before);
}
