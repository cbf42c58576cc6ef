//! The `publish` GitHub action's script (`.github/actions/publish/publish.sh`)
//! run locally, as a publisher debugging it would: a bare repository stands
//! in for the index's GitHub remote, nginx serves the "release assets", the
//! key is the sample `acme-release` key's text, and no token is given, so the
//! pull-request step is skipped. Every pushed branch must pass the index CI's
//! check, `plugres-index validate --base main --check-artifacts`.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use plugres_e2e::http::StaticServer;
use plugres_e2e::*;

const NAME: &str = "acme-release-test";

/// A plugin's own repository (a plain dir here) and the release host's files.
struct Release {
    plugin: PathBuf,
    assets: PathBuf,
}

impl Release {
    fn new(dir: &Path) -> Release {
        let r = Release {
            plugin: dir.join("plugin"),
            assets: dir.join("assets"),
        };
        std::fs::create_dir_all(r.plugin.join("build")).unwrap();
        std::fs::create_dir_all(&r.assets).unwrap();
        r
    }

    /// Writes plugin.toml for `version` and builds `build/NAME.wasm`; when
    /// `upload`, the same bytes become the release asset `vVERSION/NAME.wasm`.
    fn build(&self, version: &str, upload: bool) {
        std::fs::write(
            self.plugin.join("plugin.toml"),
            format!(
                "[plugin]\nname = \"{NAME}\"\nversion = \"{version}\"\n\
                 description = \"released from CI\"\nlicense = \"MIT\"\n\
                 engine = \">=1.4, <2\"\n\n[dependencies]\nhello-world = \"^1.2\"\n"
            ),
        )
        .unwrap();
        let wasm = format!("\0asm\x01\0\0\0{NAME} {version}");
        std::fs::write(self.plugin.join("build/acme_release_test.wasm"), &wasm).unwrap();
        if upload {
            let dir = self.assets.join(format!("v{version}"));
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(dir.join("acme_release_test.wasm"), &wasm).unwrap();
        }
    }
}

/// `bash publish.sh` in the plugin's dir with the action's inputs as
/// environment, and nothing else from this process's environment but PATH
/// (with the built plugres-index first).
pub(crate) fn publish_sh(t: &Path, plugin: &Path, env: &[(&str, String)]) -> Command {
    let path = format!(
        "{}:{}",
        plugres_index_bin_dir().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let mut c = Command::new("bash");
    c.arg(root().join(".github/actions/publish/publish.sh"))
        .current_dir(plugin)
        .env_clear()
        .env("PATH", path)
        .env("HOME", t)
        .env("TMPDIR", t)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_AUTHOR_NAME", "Release Bot")
        .env("GIT_AUTHOR_EMAIL", "bot@test.invalid")
        .env("GIT_COMMITTER_NAME", "Release Bot")
        .env("GIT_COMMITTER_EMAIL", "bot@test.invalid")
        .env("NO_COLOR", "1");
    for (k, v) in env {
        c.env(k, v);
    }
    c
}

/// The action's inputs for releasing `version` into `remote`.
fn inputs(remote: &Path, server: &StaticServer, version: &str) -> Vec<(&'static str, String)> {
    let key = std::fs::read_to_string(sample_key("acme-release")).unwrap();
    vec![
        ("PLUGRES_MANIFEST", "plugin.toml".into()),
        (
            "PLUGRES_ARTIFACTS",
            format!(
                "\n  # the release asset\n  wasm32-wasip1=build/acme_release_test.wasm={}v{version}/acme_release_test.wasm  \n",
                server.url()
            ),
        ),
        ("PLUGRES_SIGNING_KEY", key),
        ("PLUGRES_INDEX_REPO", remote.display().to_string()),
    ]
}

fn refs(remote: &Path) -> String {
    git(
        remote,
        &["for-each-ref", "--format=%(refname) %(objectname)"],
    )
}

fn branch(version: &str) -> String {
    format!("publish/{NAME}-{version}")
}

/// Clones `remote`, checks out `branch` and runs the index CI's check on it.
fn validate_branch(t: &Path, remote: &Path, branch: &str) -> Output {
    let clone = t.join(format!("check-{}", branch.replace('/', "-")));
    git(
        t,
        &[
            "clone",
            "-q",
            remote.to_str().unwrap(),
            clone.to_str().unwrap(),
        ],
    );
    git(&clone, &["checkout", "-q", branch]);
    run(
        plugres_index()
            .args(["validate", "--base", "main", "--check-artifacts"])
            .arg(&clone),
        true,
    )
}

#[test]
fn publish_script_pushes_a_branch_that_validates_and_reruns_are_no_ops() {
    let t = tempfile::tempdir().unwrap();
    let t = t.path();
    let sample = sample_index_repo(t);
    let remote = t.join("remote.git");
    git(
        t,
        &[
            "clone",
            "-q",
            "--bare",
            sample.to_str().unwrap(),
            remote.to_str().unwrap(),
        ],
    );
    let release = Release::new(t);
    let server = StaticServer::start(&release.assets);
    let main_before = git(&remote, &["rev-parse", "main"]);

    // The first release of a new plugin: pushed on its branch, no PR.
    release.build("0.1.0", true);
    let outputs = t.join("github-output");
    let mut env = inputs(&remote, &server, "0.1.0");
    env.push(("GITHUB_OUTPUT", outputs.display().to_string()));
    let out = run(&mut publish_sh(t, &release.plugin, &env), true);
    let err = stderr(&out);
    assert!(err.contains("skipping PR (no token)"), "{err}");
    assert!(stdout(&out).contains("result=pushed\n"), "{}", stdout(&out));
    let written = std::fs::read_to_string(&outputs).unwrap();
    assert!(
        written.contains(&format!("branch={}\n", branch("0.1.0"))) && written.contains("pr-url=\n"),
        "{written}"
    );
    assert_eq!(git(&remote, &["rev-parse", "main"]), main_before);
    let pushed = git(&remote, &["rev-parse", &branch("0.1.0")]);
    assert!(
        git(&remote, &["log", "-1", "--format=%s", &branch("0.1.0")])
            .contains("Publish acme-release-test 0.1.0")
    );
    // The script downloaded the asset back before pushing.
    assert!(
        server
            .access_log()
            .iter()
            .any(|l| l.contains("/v0.1.0/acme_release_test.wasm") && l.contains(" 200 ")),
        "{:?}",
        server.access_log()
    );
    let check = validate_branch(t, &remote, &branch("0.1.0"));
    assert!(
        stderr(&check).contains("1 artifact downloaded"),
        "{}",
        stderr(&check)
    );

    // A re-run of the same release job: the branch already proposes it.
    let before = refs(&remote);
    let out = run(&mut publish_sh(t, &release.plugin, &env), true);
    assert!(
        stdout(&out).contains("result=already-proposed\n"),
        "{}\n{}",
        stdout(&out),
        stderr(&out)
    );
    assert_eq!(refs(&remote), before, "a re-run pushed something");
    assert_eq!(git(&remote, &["rev-parse", &branch("0.1.0")]), pushed);

    // The maintainers merge it; a re-run now finds it on main.
    let work = t.join("maintainer");
    git(
        t,
        &[
            "clone",
            "-q",
            remote.to_str().unwrap(),
            work.to_str().unwrap(),
        ],
    );
    git(
        &work,
        &[
            "merge",
            "-q",
            "--ff-only",
            &format!("origin/{}", branch("0.1.0")),
        ],
    );
    git(&work, &["push", "-q", "origin", "main"]);
    let before = refs(&remote);
    let out = run(&mut publish_sh(t, &release.plugin, &env), true);
    assert!(
        stdout(&out).contains("result=already-published\n"),
        "{}",
        stdout(&out)
    );
    assert_eq!(refs(&remote), before);

    // A later release of the now existing plugin.
    release.build("0.2.0", true);
    let out = run(
        &mut publish_sh(t, &release.plugin, &inputs(&remote, &server, "0.2.0")),
        true,
    );
    assert!(stdout(&out).contains("result=pushed\n"), "{}", stdout(&out));
    // The plugin file changed, so both versions' artifacts are checked.
    let check = validate_branch(t, &remote, &branch("0.2.0"));
    assert!(
        stderr(&check).contains("2 artifacts downloaded"),
        "{}",
        stderr(&check)
    );
    let file = git(
        &remote,
        &[
            "show",
            &format!("{}:plugins/ac/me/{NAME}.toml", branch("0.2.0")),
        ],
    );
    assert!(
        file.contains("version = \"0.1.0\"") && file.contains("version = \"0.2.0\""),
        "{file}"
    );

    // A build that differs from what the release serves is refused before
    // anything is pushed: its PR could never pass the index's CI.
    release.build("0.3.0", false);
    let dir = release.assets.join("v0.3.0");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("acme_release_test.wasm"), "\0asm another build").unwrap();
    let before = refs(&remote);
    let out = run(
        &mut publish_sh(t, &release.plugin, &inputs(&remote, &server, "0.3.0")),
        false,
    );
    assert!(stderr(&out).contains("sha256"), "{}", stderr(&out));
    assert_eq!(refs(&remote), before);
}

#[test]
fn publish_script_refuses_missing_inputs_and_foreign_scopes() {
    let t = tempfile::tempdir().unwrap();
    let t = t.path();
    let sample = sample_index_repo(t);
    let release = Release::new(t);
    release.build("0.1.0", true);
    let server = StaticServer::start(&release.assets);

    let mut env = inputs(&sample, &server, "0.1.0");
    env.retain(|(k, _)| *k != "PLUGRES_INDEX_REPO");
    let out = run(&mut publish_sh(t, &release.plugin, &env), false);
    assert!(
        stderr(&out).contains("PLUGRES_INDEX_REPO is not set"),
        "{}",
        stderr(&out)
    );

    // A token asks for a pull request, which gh cannot open on a path:
    // refused before cloning, so before anything could be pushed.
    let mut env = inputs(&sample, &server, "0.1.0");
    env.push(("PLUGRES_INDEX_TOKEN", "secret".into()));
    let out = run(&mut publish_sh(t, &release.plugin, &env), false);
    let err = stderr(&out);
    assert!(
        err.contains("a token was given") && !err.contains("cloning"),
        "{err}"
    );

    // A key whose scopes do not cover the plugin: refused, nothing pushed.
    let mut env = inputs(&sample, &server, "0.1.0");
    let sample_root = std::fs::read_to_string(sample_key("sample-root")).unwrap();
    env.retain(|(k, _)| *k != "PLUGRES_SIGNING_KEY");
    env.push(("PLUGRES_SIGNING_KEY", sample_root));
    let before = refs(&sample);
    let out = run(&mut publish_sh(t, &release.plugin, &env), false);
    assert!(
        stderr(&out).contains("not a publisher key"),
        "{}",
        stderr(&out)
    );
    assert_eq!(refs(&sample), before);
}
