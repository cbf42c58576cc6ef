//! Interrupted artifact downloads against real nginx: what a killed run
//! left in `cache/partial/` is resumed with a `Range` request, and a kept
//! prefix that is not the file's is dropped for a whole download.

use plugres_e2e::project::{Backend, Project};
use sha2::Digest;

/// The bytes and sha256 of the artifact `add hello-world` installs.
fn hello_world(p: &Project) -> (Vec<u8>, String) {
    let bytes =
        std::fs::read(p.index.join("artifacts/hello-world/1.2.0/hello_world.wasm")).unwrap();
    let sha = hex::encode(sha2::Sha256::digest(&bytes));
    (bytes, sha)
}

/// nginx's access log lines for the artifact, after line `from`.
fn artifact_requests(p: &Project, from: usize) -> Vec<String> {
    let log = p.served.nginx.as_ref().unwrap().access_log();
    log[from..]
        .iter()
        .filter(|l| l.contains("hello_world.wasm"))
        .cloned()
        .collect()
}

fn keep_partial(p: &Project, sha: &str, bytes: &[u8]) -> std::path::PathBuf {
    let dir = p.home.join("cache/partial");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(sha);
    std::fs::write(&path, bytes).unwrap();
    path
}

#[test]
fn a_kept_partial_download_is_resumed_with_a_range_request() {
    let p = Project::on(Backend::Sparse, None);
    let (bytes, sha) = hello_world(&p);
    let half = bytes.len() / 2;
    let partial = keep_partial(&p, &sha, &bytes[..half]);
    let before = p.served.nginx.as_ref().unwrap().access_log().len();
    p.ok(&["add", "hello-world", "--yes"]);
    let requests = artifact_requests(&p, before);
    // nginx's default format: `"GET /… HTTP/1.1" STATUS BYTES_SENT …`.
    assert_eq!(requests.len(), 1, "{requests:#?}");
    let rest = bytes.len() - half;
    assert!(
        requests[0].contains(&format!("\" 206 {rest} ")),
        "{requests:#?}"
    );
    assert_eq!(
        std::fs::read(p.dir.join("plugins/hello-world/hello_world.wasm")).unwrap(),
        bytes
    );
    assert!(!partial.exists(), "moved into the cache");
    assert_eq!(p.json(&["verify"])["ok"], true);
}

#[test]
fn a_kept_prefix_that_is_not_the_files_is_dropped_and_the_file_fetched_whole() {
    let p = Project::on(Backend::Sparse, None);
    let (bytes, sha) = hello_world(&p);
    let mut wrong = bytes[..bytes.len() / 2].to_vec();
    wrong[3] ^= 0xff;
    keep_partial(&p, &sha, &wrong);
    let before = p.served.nginx.as_ref().unwrap().access_log().len();
    p.ok(&["add", "hello-world", "--yes"]);
    let requests = artifact_requests(&p, before);
    assert_eq!(requests.len(), 2, "{requests:#?}");
    assert!(requests[0].contains("\" 206 "), "{requests:#?}");
    assert!(
        requests[1].contains(&format!("\" 200 {} ", bytes.len())),
        "{requests:#?}"
    );
    assert_eq!(
        std::fs::read(p.dir.join("plugins/hello-world/hello_world.wasm")).unwrap(),
        bytes
    );
}
