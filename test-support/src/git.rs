//! The real `git` program for tests: isolated from the machine's and the
//! user's configuration (no system or global config, `HOME` in the
//! repository, a fixed identity), and `git daemon` on 127.0.0.1.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::Duration;

/// A `git` command run in `dir`, isolated (see [`isolate`]).
pub fn command(dir: &Path) -> Command {
    let mut cmd = Command::new("git");
    isolate(&mut cmd, dir);
    cmd
}

/// Runs `cmd` in `dir`, with `dir` as its home, no git configuration and a
/// fixed author and committer (`t <t@example.org>`).
pub fn isolate(cmd: &mut Command, dir: &Path) {
    cmd.current_dir(dir)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("HOME", dir)
        .env("GIT_AUTHOR_NAME", "t")
        .env("GIT_AUTHOR_EMAIL", "t@example.org")
        .env("GIT_COMMITTER_NAME", "t")
        .env("GIT_COMMITTER_EMAIL", "t@example.org");
}

/// Runs `git args` in `dir` and returns its output, whatever the status.
pub fn output(dir: &Path, args: &[&str]) -> Output {
    command(dir).args(args).output().expect("run git")
}

/// Runs `git args` in `dir`; panics with its stderr on failure; returns
/// its stdout as printed.
pub fn git(dir: &Path, args: &[&str]) -> String {
    let out = output(dir, args);
    assert!(
        out.status.success(),
        "git {args:?} failed in {}: {}",
        dir.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("git prints UTF-8 here")
}

/// [`git`], trimmed: for commands that print one value (`rev-parse`).
pub fn git_trimmed(dir: &Path, args: &[&str]) -> String {
    git(dir, args).trim().to_string()
}

/// Whether `git args` succeeds in `dir`.
pub fn git_ok(dir: &Path, args: &[&str]) -> bool {
    output(dir, args).status.success()
}

/// Copies a directory tree, leaving out any `.git`.
pub fn copy_tree(from: &Path, to: &Path) {
    for entry in walkdir::WalkDir::new(from) {
        let entry = entry.unwrap();
        let rel = entry.path().strip_prefix(from).unwrap();
        if rel.components().any(|c| c.as_os_str() == ".git") {
            continue;
        }
        let dest = to.join(rel);
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&dest).unwrap();
        } else {
            std::fs::copy(entry.path(), &dest).unwrap();
        }
    }
}

/// Copies `from` to `to` and commits it as the one commit of `main`.
pub fn commit_tree(from: &Path, to: &Path, message: &str) {
    copy_tree(from, to);
    git(to, &["init", "-q", "-b", "main"]);
    git(to, &["add", "-A"]);
    git(to, &["commit", "-q", "-m", message]);
}

/// The workspace's `sample-index/` folder.
pub fn sample_index() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../sample-index")
}

/// `git daemon` serving every repository under a folder, read-only, over
/// `git://` on a free port of 127.0.0.1; killed on drop.
pub struct GitDaemon {
    child: Child,
    pub port: u16,
}

impl GitDaemon {
    pub fn start(base: &Path) -> GitDaemon {
        let port = crate::free_port().expect("free port");
        // Run `git-daemon` itself: killing a `git daemon` wrapper would
        // leave the real daemon running.
        let exec_path = git_trimmed(base, &["--exec-path"]);
        let program = Path::new(&exec_path).join("git-daemon");
        if !program.is_file() {
            crate::missing_tool("git daemon", "git");
        }
        let mut cmd = Command::new(program);
        isolate(&mut cmd, base);
        let child = cmd
            .args(["--reuseaddr", "--export-all", "--listen=127.0.0.1"])
            .arg(format!("--port={port}"))
            .arg(format!("--base-path={}", base.display()))
            .arg(base)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start git-daemon");
        let daemon = GitDaemon { child, port };
        assert!(
            crate::wait_for_port(port, Duration::from_secs(10)),
            "git daemon did not start"
        );
        daemon
    }

    /// `git://127.0.0.1:PORT/<repo>` for a repository under the base.
    pub fn url(&self, repo: &str) -> String {
        format!("git://127.0.0.1:{}/{repo}", self.port)
    }
}

impl Drop for GitDaemon {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
