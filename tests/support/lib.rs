//! Support for the end-to-end tests: the real binaries, real git
//! repositories, real static HTTP servers on 127.0.0.1, and the sample index.

// Test support: a failed step should stop the test at once.
#![allow(clippy::unwrap_used)]

pub mod http;
pub mod index;
pub mod project;
pub mod trust;

pub use plugres_test_support::git::{GitDaemon, commit_tree, copy_tree, git};

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

/// The workspace root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// Builds binary `bin` of `package` once per test run (cargo does not
/// build other packages' binaries for an integration test); returns the dir.
fn bin_dir_of(package: &'static str, bin: &'static str) -> PathBuf {
    static INDEX: OnceLock<PathBuf> = OnceLock::new();
    static CLIENT: OnceLock<PathBuf> = OnceLock::new();
    static BENCH: OnceLock<PathBuf> = OnceLock::new();
    let cell = match bin {
        "plugres-index" => &INDEX,
        "plugres-index-bench" => &BENCH,
        _ => &CLIENT,
    };
    cell.get_or_init(|| {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let status = Command::new(cargo)
            .args(["build", "-q", "-p", package, "--bin", bin])
            .current_dir(root())
            .status()
            .expect("run cargo build");
        assert!(status.success(), "building `{bin}` of {package} failed");
        let target = std::env::var("CARGO_TARGET_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|_| root().join("target"));
        target.join("debug")
    })
    .clone()
}

fn bin_dir(package: &'static str) -> PathBuf {
    bin_dir_of(package, package)
}

/// `plugres-index-bench`, which writes synthetic indexes
/// (`plugres_bench::synth`) of any size.
pub fn plugres_index_bench() -> Command {
    Command::new(bin_dir_of("plugres-bench", "plugres-index-bench").join("plugres-index-bench"))
}

/// The directory holding the built `plugres-index`, for tests of scripts
/// that find it on PATH (the publish action's).
pub fn plugres_index_bin_dir() -> PathBuf {
    bin_dir("plugres-index")
}

/// A `plugres-index` command with a clean environment for signing.
pub fn plugres_index() -> Command {
    let mut c = Command::new(bin_dir("plugres-index").join("plugres-index"));
    c.env_remove("PLUGRES_SIGNING_KEY")
        .env_remove("PLUGRES_SNAPSHOT_KEY")
        .env_remove("PLUGRES_TIMESTAMP_KEY")
        .env_remove("PLUGRES_KEY_PASSWORD")
        .env_remove("PLUGRES_INDEX_DIR")
        .env("NO_COLOR", "1")
        .env("GIT_AUTHOR_NAME", "Test Publisher")
        .env("GIT_AUTHOR_EMAIL", "publisher@test.invalid");
    c
}

/// A `plugres` command isolated from the user's home and caches.
pub fn plugres(home: &Path) -> Command {
    let mut c = Command::new(bin_dir("plugres").join("plugres"));
    c.env("PLUGRES_HOME", home)
        .env("NO_COLOR", "1")
        .env_remove("PLUGRES_OFFLINE")
        .env_remove("PLUGRES_ALLOW_EXPIRED_INDEX");
    c
}

/// A .tar.gz of regular files (mode 0644) under any names (long ones as
/// GNU long names), in the order given.
pub fn tar_gz_of(files: impl IntoIterator<Item = (String, Vec<u8>)>) -> Vec<u8> {
    let mut builder = tar::Builder::new(flate2::write::GzEncoder::new(
        Vec::new(),
        flate2::Compression::default(),
    ));
    for (name, data) in files {
        let mut h = tar::Header::new_gnu();
        h.set_mode(0o644);
        h.set_size(data.len() as u64);
        builder.append_data(&mut h, &name, data.as_slice()).unwrap();
    }
    builder.into_inner().unwrap().finish().unwrap()
}

/// Runs `cmd`, returning its output; panics with both streams if the exit
/// status is not `ok`.
/// Writes `bytes` over the file at `path` as a user who insists would: a
/// read-only file (a cache blob, or an installed file hard-linked to one,
/// README "Install") is made writable first. Root writes either way.
pub fn overwrite(path: &Path, bytes: &[u8]) {
    let mut perms = std::fs::metadata(path).unwrap().permissions();
    #[allow(clippy::permissions_set_readonly_false)]
    perms.set_readonly(false);
    std::fs::set_permissions(path, perms).unwrap();
    std::fs::write(path, bytes).unwrap();
}

pub fn run(cmd: &mut Command, ok: bool) -> Output {
    let out = cmd.output().expect("spawn");
    if out.status.success() != ok {
        panic!(
            "{:?} exited {:?} (expected success={ok})\n--- stdout\n{}\n--- stderr\n{}",
            cmd,
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    out
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// The sample index's files, and where the sample keys are.
pub fn sample_index() -> PathBuf {
    root().join("sample-index")
}

pub fn sample_key(name: &str) -> PathBuf {
    root()
        .join("tests/fixtures/sample-keys")
        .join(format!("{name}.key"))
}

/// A copy of the sample index as a git repository with one commit on `main`.
pub fn sample_index_repo(dir: &Path) -> PathBuf {
    let idx = dir.join("index");
    commit_tree(&sample_index(), &idx, "sample");
    idx
}

/// `(relative path, sha256)` of every file of a tree.
pub type Files = Vec<(String, String)>;

/// Hashes of every file under `dir` (for "nothing changed" assertions).
pub fn snapshot_tree(dir: &Path) -> Files {
    use sha2::Digest;
    let mut out = Vec::new();
    if !dir.exists() {
        return out;
    }
    for entry in walkdir::WalkDir::new(dir).sort_by_file_name() {
        let entry = entry.unwrap();
        if entry.file_type().is_file() && !entry.path().ends_with(".git/plugres-index.lock") {
            let rel = entry
                .path()
                .strip_prefix(dir)
                .unwrap()
                .to_string_lossy()
                .into_owned();
            let bytes = std::fs::read(entry.path()).unwrap();
            out.push((rel, hex::encode(sha2::Sha256::digest(&bytes))));
        }
    }
    out
}
