//! Mirroring the sample index: from files stored in the index, and over
//! HTTP from a real (small, std-only) static server on 127.0.0.1.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use plugres_schema::{IndexConfig, SigningKey, render};

use super::*;

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// A copy of the sample index (files only) in `dir`.
fn sample_copy(dir: &Path) -> PathBuf {
    let src = workspace().join("sample-index");
    for entry in walkdir::WalkDir::new(&src) {
        let entry = entry.unwrap();
        let rel = entry.path().strip_prefix(&src).unwrap();
        let dest = dir.join(rel);
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&dest).unwrap();
        } else {
            std::fs::copy(entry.path(), &dest).unwrap();
        }
    }
    dir.to_path_buf()
}

fn sample_key(name: &str) -> SigningKey {
    let path = workspace().join(format!("tests/fixtures/sample-keys/{name}.key"));
    SigningKey::from_key_text(&std::fs::read_to_string(path).unwrap(), None).unwrap()
}

/// Sets `artifact-base` and re-signs config.toml with the sample root key.
fn set_artifact_base(index: &Path, base: &str) {
    let bytes = std::fs::read(index.join("config.toml")).unwrap();
    let mut config = IndexConfig::parse("config.toml", &bytes).unwrap();
    config.artifact_base = Some(base.to_string());
    let text = render::config_file(&config);
    let sig = plugres_schema::sign(
        &sample_key("sample-root"),
        "config.toml",
        text.as_bytes(),
        1,
    )
    .unwrap();
    std::fs::write(index.join("config.toml"), text).unwrap();
    std::fs::write(index.join("config.toml.minisig"), sig).unwrap();
}

/// Every artifact file the sample index lists, with its declared size.
fn sample_artifacts() -> usize {
    let (_, plugins, report) =
        crate::validate::verified_plugins(&workspace().join("sample-index")).unwrap();
    assert_eq!(report.diagnostics, vec![]);
    plugins
        .iter()
        .flat_map(|p| &p.versions)
        .map(|v| v.artifacts.len())
        .sum()
}

fn opts() -> Options {
    Options {
        plugins: Vec::new(),
        jobs: 3,
    }
}

#[test]
fn mirrors_files_stored_in_the_index_and_resumes() {
    let tmp = tempfile::tempdir().unwrap();
    let index = sample_copy(&tmp.path().join("index"));
    let out = tmp.path().join("mirror");
    let total = sample_artifacts();
    assert!(total >= 8);

    let first = mirror_artifacts(&index, &out, &opts()).unwrap();
    assert_eq!((first.downloaded, first.present), (total, 0), "{first:?}");
    assert!(first.failed.is_empty(), "{first:?}");

    // Every mapping entry points at a file with the declared bytes.
    let mapping: Mapping =
        toml::from_str(&std::fs::read_to_string(out.join(MAPPING_FILE)).unwrap()).unwrap();
    assert_eq!(mapping.index, "sample");
    assert_eq!(mapping.artifact.len(), total);
    for e in &mapping.artifact {
        let bytes = std::fs::read(out.join(&e.path)).unwrap();
        assert_eq!(Sha256::of(&bytes).to_hex(), e.sha256);
        assert!(e.path.starts_with(&e.sha256[..2]), "{}", e.path);
        assert!(e.origin.ends_with(e.path.rsplit('/').next().unwrap()));
    }

    // A second run fetches nothing; a damaged file is fetched again.
    let second = mirror_artifacts(&index, &out, &opts()).unwrap();
    assert_eq!((second.downloaded, second.present), (0, total));
    let victim = out.join(&mapping.artifact[0].path);
    std::fs::write(&victim, b"damaged").unwrap();
    let third = mirror_artifacts(&index, &out, &opts()).unwrap();
    assert_eq!((third.downloaded, third.present), (1, total - 1));
    assert_eq!(
        Sha256::of(&std::fs::read(&victim).unwrap()).to_hex(),
        mapping.artifact[0].sha256
    );
    // No temp file is left behind.
    let partial = walkdir::WalkDir::new(&out)
        .into_iter()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().starts_with(".partial-"))
        .count();
    assert_eq!(partial, 0);
}

#[test]
fn plugins_glob_selects_and_bad_files_are_skipped() {
    let tmp = tempfile::tempdir().unwrap();
    let index = sample_copy(&tmp.path().join("index"));
    let out = tmp.path().join("mirror");
    // A tampered plugin file no longer verifies: it is skipped, not mirrored.
    let file = index.join("plugins/gr/ee/greeter-core.toml");
    let text = std::fs::read_to_string(&file).unwrap();
    std::fs::write(
        &file,
        text.replacen("description = \"", "description = \"X", 1),
    )
    .unwrap();

    let only_acme = Options {
        plugins: vec!["acme-*".into()],
        jobs: 1,
    };
    let r = mirror_artifacts(&index, &out, &only_acme).unwrap();
    assert_eq!(r.downloaded, 3, "{r:?}");
    assert_eq!(r.skipped_files, vec!["plugins/gr/ee/greeter-core.toml"]);
    let all = mirror_artifacts(&index, &out, &opts()).unwrap();
    assert_eq!(all.present, 3);
    let mapping = std::fs::read_to_string(out.join(MAPPING_FILE)).unwrap();
    assert!(!mapping.contains("greeter-core"), "{mapping}");
    assert!(mapping.contains("acme-audit") && mapping.contains("hello-world"));

    let bad = Options {
        plugins: vec!["Acme".into()],
        jobs: 1,
    };
    let err = mirror_artifacts(&index, &out, &bad).unwrap_err();
    assert!(err.to_string().contains("--plugins"), "{err}");
}

/// Serves files of `root` over HTTP/1.1 on 127.0.0.1; counts requests.
/// The accept loop ends after `max` connections or 30 s.
fn serve(root: PathBuf, max: usize) -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}/", listener.local_addr().unwrap());
    let count = Arc::new(AtomicUsize::new(0));
    let counter = count.clone();
    listener.set_nonblocking(true).unwrap();
    std::thread::spawn(move || {
        let deadline = Instant::now() + Duration::from_secs(30);
        let mut served = 0;
        while served < max && Instant::now() < deadline {
            let Ok((stream, _)) = listener.accept() else {
                std::thread::sleep(Duration::from_millis(5));
                continue;
            };
            served += 1;
            counter.fetch_add(1, Ordering::SeqCst);
            stream.set_nonblocking(false).unwrap();
            stream
                .set_read_timeout(Some(Duration::from_secs(5)))
                .unwrap();
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut line = String::new();
            let _ = reader.read_line(&mut line);
            let path = line.split_whitespace().nth(1).unwrap_or("/").to_string();
            let mut header = String::new();
            while reader.read_line(&mut header).is_ok_and(|n| n > 2) {
                header.clear();
            }
            let mut stream = stream;
            let reply = match std::fs::read(root.join(path.trim_start_matches('/'))) {
                Ok(body) => {
                    let mut r = format!(
                        "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                        body.len()
                    )
                    .into_bytes();
                    r.extend(body);
                    r
                }
                Err(_) => {
                    b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                        .to_vec()
                }
            };
            let _ = stream.write_all(&reply);
        }
    });
    (base, count)
}

#[test]
fn downloads_over_http_and_refuses_a_wrong_file() {
    let tmp = tempfile::tempdir().unwrap();
    let index = sample_copy(&tmp.path().join("index"));
    // The origin host: the sample's artifacts, one of them replaced.
    let host = sample_copy(&tmp.path().join("host"));
    std::fs::write(
        host.join("artifacts/hello-world/1.0.0/hello_world.wasm"),
        // Same size as the published file, other bytes: only the sha256 tells.
        [b'x'; 66],
    )
    .unwrap();
    let total = sample_artifacts();
    let (base, requests) = serve(host, 3 * total);
    set_artifact_base(&index, &base);
    let out = tmp.path().join("mirror");

    let r = mirror_artifacts(&index, &out, &opts()).unwrap();
    assert_eq!(r.downloaded, total - 1, "{r:?}");
    assert_eq!(r.failed.len(), 1, "{r:?}");
    assert!(
        r.failed[0].contains("hello-world 1.0.0") && r.failed[0].contains("sha256"),
        "{r:?}"
    );
    assert_eq!(requests.load(Ordering::SeqCst), total);
    let mapping = std::fs::read_to_string(out.join(MAPPING_FILE)).unwrap();
    assert!(
        mapping.contains(&format!("origin = \"{base}artifacts/")),
        "{mapping}"
    );

    // Resuming asks only for the file still missing.
    let again = mirror_artifacts(&index, &out, &opts()).unwrap();
    assert_eq!((again.downloaded, again.present), (0, total - 1));
    assert_eq!(requests.load(Ordering::SeqCst), total + 1);
}
