//! A project using a test index through one of the three transports, with
//! a private `PLUGRES_HOME`, and the "nothing changed" snapshots of project
//! and caches that every refusal test compares.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

use crate::GitDaemon;
use crate::http::StaticServer;
use crate::index::{TestIndex, sample_root_key};
use crate::{Files, git, plugres, run, snapshot_tree, stderr};

/// How the project reaches its index: the same tree, three transports.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    /// A local checkout.
    Path,
    /// A git repository served by `git daemon` on 127.0.0.1.
    Git,
    /// The checkout served as a static site by nginx (`sparse+http://`).
    Sparse,
}

impl Backend {
    pub const ALL: [Backend; 3] = [Backend::Path, Backend::Git, Backend::Sparse];
}

/// The servers behind a registry URL, kept alive with the project.
pub struct Served {
    pub url: String,
    pub daemon: Option<GitDaemon>,
    pub nginx: Option<StaticServer>,
}

/// Serves the index at `index` through `backend` (a git repository is
/// made, or its pending changes committed, for [`Backend::Git`]).
pub fn serve(backend: Backend, index: &Path) -> Served {
    match backend {
        Backend::Path => Served {
            url: index.to_str().unwrap().to_string(),
            daemon: None,
            nginx: None,
        },
        Backend::Git => {
            if !index.join(".git").exists() {
                git(index, &["init", "-q", "-b", "main"]);
            }
            TestIndex {
                dir: index.to_path_buf(),
            }
            .commit("index");
            let daemon = GitDaemon::start(index.parent().unwrap());
            let name = index.file_name().unwrap().to_str().unwrap();
            Served {
                url: daemon.url(name),
                daemon: Some(daemon),
                nginx: None,
            }
        }
        Backend::Sparse => {
            let nginx = StaticServer::start(index);
            Served {
                url: format!("sparse+{}", nginx.url()),
                daemon: None,
                nginx: Some(nginx),
            }
        }
    }
}

/// A project dir and a private PLUGRES_HOME (cache) in one temp dir.
pub struct Project {
    pub dir: PathBuf,
    pub home: PathBuf,
    pub index: PathBuf,
    pub backend: Backend,
    pub served: Served,
    _tmp: tempfile::TempDir,
}

impl Project {
    /// A project on demo-engine 1.4.2 whose default registry is a copy of
    /// the sample index (trust layer; artifact-base set when given), read
    /// from a path.
    pub fn new(artifact_base: Option<&str>) -> Project {
        Self::on(Backend::Path, artifact_base)
    }

    /// The same, reaching the index through `backend`.
    pub fn on(backend: Backend, artifact_base: Option<&str>) -> Project {
        let tmp = tempfile::tempdir().unwrap();
        let index = tmp.path().join("index");
        TestIndex::sample_copy(&index, artifact_base);
        Self::with_backend(tmp, index, &sample_root_key(), backend)
    }

    /// A project on the index at `index` (inside `tmp`), pinning root `key`.
    pub fn with_index(tmp: tempfile::TempDir, index: PathBuf, key: &str) -> Project {
        Self::with_backend(tmp, index, key, Backend::Path)
    }

    pub fn with_backend(
        tmp: tempfile::TempDir,
        index: PathBuf,
        key: &str,
        backend: Backend,
    ) -> Project {
        let served = serve(backend, &index);
        Self::with_served(tmp, index, key, backend, served)
    }

    /// A project on an index served by the caller (e.g. a fault server in
    /// front of `index`); `backend` says how changes reach the server.
    pub fn with_served(
        tmp: tempfile::TempDir,
        index: PathBuf,
        key: &str,
        backend: Backend,
        served: Served,
    ) -> Project {
        let dir = tmp.path().join("project");
        let home = tmp.path().join("home");
        std::fs::create_dir_all(&dir).unwrap();
        let url = served.url.clone();
        let p = Project {
            _tmp: tmp,
            dir,
            home,
            index,
            backend,
            served,
        };
        p.ok(&[
            "init",
            "--engine-version",
            "1.4.2",
            "--registry",
            &url,
            "--key",
            key,
        ]);
        p
    }

    /// A project (path registry) whose index has one more plugin,
    /// `remote-one` 1.0.0, whose artifact `remote_one.wasm` is read from
    /// `artifact_base` (a server under test), declared with `bytes`'
    /// digest and size.
    pub fn with_remote_artifact(artifact_base: &str, bytes: &[u8]) -> Project {
        Self::with_remote_file(artifact_base, "remote_one.wasm", bytes)
    }

    /// [`Project::with_remote_artifact`] with the artifact named `file`
    /// (e.g. `remote_one.tar.gz`).
    pub fn with_remote_file(artifact_base: &str, file: &str, bytes: &[u8]) -> Project {
        let tmp = tempfile::tempdir().unwrap();
        let index = tmp.path().join("index");
        let idx = TestIndex::sample_copy(&index, Some(artifact_base));
        idx.plugin("remote-one")
            .version("1.0.0", "*")
            .declared("any", file, bytes)
            .publish();
        Project::with_index(tmp, index, &sample_root_key())
    }

    /// The project's index, to change what the host serves.
    pub fn test_index(&self) -> TestIndex {
        TestIndex {
            dir: self.index.clone(),
        }
    }

    /// Publishes edits made in the index's files: new modification times
    /// (new ETags for nginx), and a commit for git (the served tree).
    pub fn upstream_changed(&self) {
        self.test_index().commit("change");
    }

    pub fn cmd(&self, args: &[&str]) -> Command {
        let mut c = plugres(&self.home);
        c.arg("-C").arg(&self.dir).args(args);
        c
    }

    pub fn ok(&self, args: &[&str]) -> Output {
        run(&mut self.cmd(args), true)
    }

    /// Runs `args` expecting exit status 1; returns stderr.
    pub fn fails(&self, args: &[&str]) -> String {
        let out = run(&mut self.cmd(args), false);
        assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
        stderr(&out)
    }

    pub fn json(&self, args: &[&str]) -> Value {
        let mut all = vec!["--json"];
        all.extend_from_slice(args);
        serde_json::from_slice(&self.ok(&all).stdout).unwrap()
    }

    /// Every file of the project and the caches, hashed.
    pub fn state(&self) -> (Files, Files) {
        (self.project_state(), cache_state(&self.home))
    }

    /// Every file of the project (plugres.toml, plugres.lock, plugins/).
    pub fn project_state(&self) -> Files {
        // `.plugres/` holds only the advisory lock file of concurrent runs.
        snapshot_tree(&self.dir)
            .into_iter()
            .filter(|(p, _)| !p.starts_with(".plugres/"))
            .collect()
    }

    /// What the client persisted about the indexes it trusts (highest
    /// versions seen, last verified timestamp, snapshot and config), under
    /// `PLUGRES_HOME/trust/`.
    pub fn trust_state(&self) -> Files {
        snapshot_tree(&self.home.join("trust"))
            .into_iter()
            .filter(|(p, _)| !p.ends_with(".lock") && !p.contains("tmp"))
            .collect()
    }

    /// The artifact cache only (blobs by sha256).
    pub fn artifact_cache(&self) -> Files {
        artifact_blobs(&cache_state(&self.home))
    }
}

/// What the caches hold that a later run trusts: artifact blobs, index
/// files of a sparse registry, the trust state (highest versions seen), a
/// git registry's accepted commit. Left out: lock files, temp files of an
/// interrupted run (swept, never trusted), the bytes an interrupted
/// download kept in `cache/partial/` (resumed, never trusted: hashed again
/// with the rest, README "Install"), and git objects fetched but not
/// accepted (unreachable from the accepted ref).
pub fn cache_state(home: &Path) -> Files {
    snapshot_tree(home)
        .into_iter()
        .filter(|(p, _)| {
            // Verified entries (README "Verified-entry cache") are parsed
            // forms of files that verified, found again only by their
            // digests: they change how fast a run is, never what it does.
            // A run whose index verified keeps them even when a later step
            // (an artifact) fails; one that refused a file keeps none
            // (`index::trust::tests::nothing_is_kept_from_a_run_that_refused_a_file`).
            !(p.starts_with("index/verified/")
                || p.ends_with(".lock")
                || p.ends_with("/lock")
                || p.contains("/tmp/")
                || p.starts_with("cache/partial/")
                || p.contains("/objects/")
                || p.ends_with("FETCH_HEAD"))
        })
        .collect()
}

/// The artifact blobs of a [`cache_state`].
pub fn artifact_blobs(cache: &Files) -> Files {
    cache
        .iter()
        .filter(|(p, _)| p.starts_with("cache/"))
        .cloned()
        .collect()
}
