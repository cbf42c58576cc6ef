//! The git backend against a real `git daemon` and a real file:// remote.

use std::time::Duration;

use plugres_schema::{PublicKey, name_from_index_path};

use super::test_support::{Daemon, Upstream, git};
use super::*;
use crate::index::{PathBackend, VerifiedIndex};

/// The root key of the sample index.
const SAMPLE_ROOT: &str = "RWSHnl4xjP2djUC4d3DvrVTXIDlPH9XFoPDGn01Xai+UpZsqGekxqWr/";

/// Few, quick retries, so a failing test fails fast.
fn quick_retry() -> RetryPolicy {
    RetryPolicy {
        retries: 1,
        base_delay: Duration::from_millis(10),
        max_delay: Duration::from_millis(10),
    }
}

/// Opens and, as a successful verified run would, accepts the commit.
fn open(url: &str, up: &Upstream, offline: bool) -> Result<GitBackend, IndexError> {
    let backend = GitBackend::open_with_retry(url, &up.cache_root(), offline, &quick_retry())?;
    backend.persist();
    Ok(backend)
}

#[test]
fn clones_over_git_and_reads_the_tree_byte_for_byte() {
    let up = Upstream::sample();
    let daemon = Daemon::start(up.base());
    let url = daemon.url("upstream");
    let backend = open(&url, &up, false).unwrap();
    assert_eq!(backend.describe(), url);
    assert_eq!(backend.revision(), Some(up.head()));
    assert!(backend.objects_received() > 0);
    assert!(
        backend.cache_dir().starts_with(up.cache_root().join("git")),
        "{}",
        backend.cache_dir().display()
    );

    let local = PathBackend::new(up.work());
    let plugins = backend.list_plugins().unwrap();
    assert_eq!(plugins, local.list_plugins().unwrap());
    assert!(plugins.contains(&"plugins/he/ll/hello-world.toml".to_string()));
    let mut paths = vec!["config.toml".to_string(), "config.toml.minisig".to_string()];
    for p in &plugins {
        paths.push(p.clone());
        paths.push(format!("{p}.minisig"));
    }
    for path in &paths {
        let bytes = backend.read(path).unwrap();
        assert!(bytes.is_some(), "{path}");
        assert_eq!(bytes, local.read(path).unwrap(), "{path}");
    }
    assert_eq!(backend.read("plugins/no/ne/none.toml").unwrap(), None);
    assert_eq!(backend.read("plugins").unwrap(), None, "a directory");
    for bad in ["../x", "/etc/passwd", "plugins//a", "a\\b"] {
        assert!(
            matches!(backend.read(bad), Err(IndexError::Io { .. })),
            "{bad}"
        );
    }

    // The whole chain of trust holds over git.
    let pinned = [PublicKey::parse(SAMPLE_ROOT).unwrap()];
    let index = VerifiedIndex::open(Box::new(backend), "sample", &pinned).unwrap();
    assert_eq!(index.revision(), Some(up.head()));
    for p in &plugins {
        let name = name_from_index_path(p).unwrap();
        let file = index.plugin(&name).unwrap().unwrap();
        assert_eq!(file.name, name);
    }

    // Artifacts stored in the index come out of the pinned commit.
    let hello = name_from_index_path("plugins/he/ll/hello-world.toml").unwrap();
    let file = index.plugin(&hello).unwrap().unwrap();
    let artifact = &file.versions[0].artifacts[0];
    let ArtifactLocation::Path(path) = index.artifact_location(artifact) else {
        panic!("a relative artifact of a git index is a file");
    };
    let expected = up
        .cache_root()
        .join("git")
        .read_dir()
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path()
        .join("files")
        .join(up.head())
        .join(&artifact.url);
    assert_eq!(path, expected);
    let bytes = std::fs::read(&path).unwrap();
    assert_eq!(bytes, std::fs::read(up.work().join(&artifact.url)).unwrap());
    assert_eq!(bytes.len() as u64, artifact.size);
    // Stable: asking again gives the same file, already there.
    assert_eq!(
        index.artifact_location(artifact),
        ArtifactLocation::Path(path)
    );
}

#[test]
fn fetches_new_commits_incrementally_and_refuses_rewritten_history() {
    let up = Upstream::sample();
    let daemon = Daemon::start(up.base());
    let url = daemon.url("upstream");
    let first = open(&url, &up, false).unwrap();
    let cloned = first.objects_received();
    let one = up.head();
    assert_eq!(first.revision(), Some(one.clone()));

    let two = up.commit_readme("second");
    let second = open(&url, &up, false).unwrap();
    assert_eq!(second.revision(), Some(two.clone()));
    // Only the new commit, its root tree and README.md travelled (plus,
    // at most, the delta bases a thin pack is completed with).
    let fetched = second.objects_received();
    assert!(
        (3..=6).contains(&fetched),
        "fetched {fetched}, cloned {cloned}"
    );
    assert!(cloned > 40, "cloned {cloned}");
    let readme = second.read("README.md").unwrap().unwrap();
    assert!(String::from_utf8(readme).unwrap().ends_with("second\n"));
    // The first backend still reads its own commit.
    assert_eq!(first.revision(), Some(one.clone()));
    assert!(
        !String::from_utf8(first.read("README.md").unwrap().unwrap())
            .unwrap()
            .contains("second")
    );

    let same = open(&url, &up, false).unwrap();
    assert_eq!(same.revision(), Some(two.clone()));
    assert_eq!(same.objects_received(), 0);

    // Force-push to an older commit.
    git(&up.work(), &["reset", "-q", "--hard", &one]);
    let err = open(&url, &up, false).unwrap_err();
    assert!(
        matches!(err, IndexError::HistoryRewritten { .. }),
        "{err:?}"
    );
    let msg = err.to_string();
    assert!(msg.contains("rewrote history"), "{msg}");
    assert!(
        msg.contains(&url) && msg.contains(&one) && msg.contains(&two),
        "{msg}"
    );
    // Refused for good, and the cache still serves the accepted commit.
    assert!(matches!(
        open(&url, &up, false),
        Err(IndexError::HistoryRewritten { .. })
    ));
    let offline = open(&url, &up, true).unwrap();
    assert_eq!(offline.revision(), Some(two.clone()));

    // A rewrite to a different commit on top of the old one is refused too.
    let three = up.commit_readme("diverged");
    let err = open(&url, &up, false).unwrap_err();
    assert!(err.to_string().contains(&three), "{err}");

    // Going forward from the accepted commit is accepted again.
    git(&up.work(), &["reset", "-q", "--hard", &two]);
    let four = up.commit_readme("fourth");
    assert_eq!(open(&url, &up, false).unwrap().revision(), Some(four));

    // Deleting the cache accepts whatever the remote has now.
    git(&up.work(), &["reset", "-q", "--hard", &one]);
    std::fs::remove_dir_all(up.cache_root().join("git")).unwrap();
    assert_eq!(open(&url, &up, false).unwrap().revision(), Some(one));
}

#[test]
fn offline_reads_the_cache_and_says_when_there_is_none() {
    let up = Upstream::sample();
    let daemon = Daemon::start(up.base());
    let url = daemon.url("upstream");

    let err = open(&url, &up, true).unwrap_err();
    assert!(matches!(err, IndexError::NotCached { .. }), "{err:?}");
    let msg = err.to_string();
    assert!(
        msg.contains(&url) && msg.contains("run once without --offline"),
        "{msg}"
    );

    let online = open(&url, &up, false).unwrap();
    drop(daemon);
    let offline = open(&url, &up, true).unwrap();
    assert_eq!(offline.revision(), online.revision());
    assert_eq!(
        offline.read("config.toml").unwrap(),
        online.read("config.toml").unwrap()
    );

    // Online with the server gone: retried, then a clear error.
    let err = open(&url, &up, false).unwrap_err();
    assert!(matches!(err, IndexError::Transport { .. }), "{err:?}");
    let msg = err.to_string();
    assert!(msg.contains(&url), "{msg}");
    assert!(msg.contains("after 2 attempts"), "{msg}");
    assert!(msg.contains("--offline"), "{msg}");
}

#[test]
fn file_urls_and_concurrent_opens_work() {
    let up = Upstream::sample();
    let url = format!("file://{}", up.work().display());
    let opens: Vec<_> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..3)
            .map(|_| s.spawn(|| open(&url, &up, false).map(|b| b.revision())))
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    for revision in opens {
        assert_eq!(revision.unwrap(), Some(up.head()));
    }
    let backend = open(&url, &up, false).unwrap();
    assert_eq!(
        backend.read("config.toml").unwrap(),
        std::fs::read(up.work().join("config.toml")).ok()
    );
    assert_eq!(
        up.cache_root().join("git").read_dir().unwrap().count(),
        1,
        "one cache per URL"
    );
}

#[test]
fn a_missing_repository_is_a_clear_error() {
    let up = Upstream::sample();
    let daemon = Daemon::start(up.base());
    let url = daemon.url("nothing-here");
    let err = open(&url, &up, false).unwrap_err();
    assert!(matches!(err, IndexError::Transport { .. }), "{err:?}");
    let msg = err.to_string();
    assert!(msg.contains(&url), "{msg}");
    assert!(!msg.contains("attempts"), "not retried: {msg}");
}

#[test]
fn passwords_are_not_shown() {
    assert_eq!(
        redact("https://bob:s3cret@host/x.git"),
        "https://bob:***@host/x.git"
    );
    assert_eq!(redact("ssh://git@host/x.git"), "ssh://git@host/x.git");
    assert_eq!(redact("git://host/a@b"), "git://host/a@b");
}

#[test]
fn a_fetched_commit_is_accepted_only_once_what_was_read_verified() {
    let up = Upstream::sample();
    let daemon = Daemon::start(up.base());
    let url = daemon.url("upstream");
    let first = open(&url, &up, false).unwrap();
    let accepted = first.revision().unwrap();
    drop(first);
    up.commit_readme("a new commit");
    // Fetched, but never persisted (as when a run meets a tampered file):
    let unverified =
        GitBackend::open_with_retry(&url, &up.cache_root(), false, &quick_retry()).unwrap();
    assert_ne!(unverified.revision().unwrap(), accepted);
    drop(unverified);
    let offline =
        GitBackend::open_with_retry(&url, &up.cache_root(), true, &quick_retry()).unwrap();
    assert_eq!(
        offline.revision().unwrap(),
        accepted,
        "the accepted commit moved without verification"
    );
}
