//! Real git repositories and a real `git daemon` on 127.0.0.1, for tests.

use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Runs the `git` program in `dir` with no system or user configuration,
/// and returns its trimmed stdout; panics when it fails.
pub(crate) fn git(dir: &Path, args: &[&str]) -> String {
    let out = isolated_git(dir).args(args).output().expect("run git");
    assert!(
        out.status.success(),
        "git {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .expect("utf-8")
        .trim()
        .to_string()
}

fn isolated_git(dir: &Path) -> Command {
    let mut cmd = Command::new("git");
    isolate(&mut cmd, dir);
    cmd
}

/// Runs `cmd` in `dir`, with `dir` as its home and no git configuration
/// but a fixed identity.
fn isolate(cmd: &mut Command, dir: &Path) {
    cmd.current_dir(dir)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("HOME", dir)
        .env("GIT_AUTHOR_NAME", "t")
        .env("GIT_AUTHOR_EMAIL", "t@example.com")
        .env("GIT_COMMITTER_NAME", "t")
        .env("GIT_COMMITTER_EMAIL", "t@example.com");
}

/// A copy of the sample index committed on `main` in
/// `<tempdir>/upstream`, plus an empty cache root beside it.
pub(crate) struct Upstream {
    dir: tempfile::TempDir,
}

impl Upstream {
    pub(crate) fn sample() -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let work = dir.path().join("upstream");
        let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("../sample-index");
        copy_tree(&sample, &work);
        git(&work, &["init", "-q", "-b", "main"]);
        git(&work, &["add", "-A"]);
        git(&work, &["commit", "-q", "-m", "sample index"]);
        std::fs::create_dir(dir.path().join("cache")).expect("cache dir");
        Upstream { dir }
    }

    /// The parent of the repository: what `git daemon` serves.
    pub(crate) fn base(&self) -> &Path {
        self.dir.path()
    }

    pub(crate) fn work(&self) -> PathBuf {
        self.dir.path().join("upstream")
    }

    pub(crate) fn cache_root(&self) -> PathBuf {
        self.dir.path().join("cache")
    }

    pub(crate) fn head(&self) -> String {
        git(&self.work(), &["rev-parse", "HEAD"])
    }

    /// Commits a change of `README.md` and returns the new head.
    pub(crate) fn commit_readme(&self, line: &str) -> String {
        let readme = self.work().join("README.md");
        let mut text = std::fs::read_to_string(&readme).expect("README");
        text.push_str(line);
        text.push('\n');
        std::fs::write(&readme, text).expect("write README");
        git(&self.work(), &["commit", "-q", "-am", line]);
        self.head()
    }
}

fn copy_tree(from: &Path, to: &Path) {
    for entry in walkdir::WalkDir::new(from) {
        let entry = entry.expect("walk sample index");
        let rel = entry.path().strip_prefix(from).expect("inside");
        let dest = to.join(rel);
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&dest).expect("mkdir");
        } else {
            std::fs::copy(entry.path(), &dest).expect("copy");
        }
    }
}

/// `git daemon` serving every repository under a directory, on a free
/// port of 127.0.0.1; killed on drop.
pub(crate) struct Daemon {
    child: Child,
    port: u16,
}

impl Daemon {
    pub(crate) fn start(base: &Path) -> Self {
        let port = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
            .and_then(|l| l.local_addr())
            .expect("free port")
            .port();
        // Run `git-daemon` itself: `git daemon` would start it as a child
        // process that killing `git` leaves running.
        let exec_path = git(base, &["--exec-path"]);
        let mut cmd = Command::new(Path::new(&exec_path).join("git-daemon"));
        isolate(&mut cmd, base);
        let child = cmd
            .args([
                "--reuseaddr",
                &format!("--base-path={}", base.display()),
                "--export-all",
                "--listen=127.0.0.1",
                &format!("--port={port}"),
            ])
            .arg(base)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start git daemon");
        let daemon = Daemon { child, port };
        let deadline = Instant::now() + Duration::from_secs(10);
        while TcpStream::connect((Ipv4Addr::LOCALHOST, port)).is_err() {
            assert!(Instant::now() < deadline, "git daemon did not start");
            std::thread::sleep(Duration::from_millis(20));
        }
        daemon
    }

    pub(crate) fn url(&self, repo: &str) -> String {
        format!("git://127.0.0.1:{}/{repo}", self.port)
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
