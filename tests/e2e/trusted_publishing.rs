//! Trusted publishing (README "Trusted publishing"): a version attested by
//! the release workflow the root-signed config names is locked with who
//! released it, and every attack on the chain — another repository, a
//! widened entry, a replayed bundle, a swapped bundle or trusted root, a
//! missing signature the policy wants, an edited lock — fails with its own
//! error, a non-zero exit, and the project and caches unchanged.
//!
//! The bundles are `attest/fixtures/`: made with a test Fulcio CA, CT log
//! and Rekor log (`make.mjs`), whose keys `trusted_root.json` lists. They
//! attest hello-world 1.0.0 of the sample index, as
//! `https://github.com/acme/hello`'s `release.yml` at `refs/tags/v1.0.0`.

use std::path::{Path, PathBuf};

use plugres_e2e::index::{TestIndex, key, resign, sample_root_key};
use plugres_e2e::project::{Backend, Project, cache_state};
use plugres_e2e::*;
use plugres_schema::{
    IndexConfig, IndexPath, KeyId, PublishPolicy, Scope, Sha256, SigstoreRoot, TrustedPublisher,
};

const HELLO: &str = "plugins/he/ll/hello-world.toml";
const ROOT_PATH: &str = "sigstore/trusted_root.json";
const BUNDLE: &str = "attestations/he/ll/hello-world/1.0.0.sigstore.json";

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(root().join("attest/fixtures").join(name)).unwrap()
}

/// The first transparency-log entry of a bundle.
fn log_entry(v: &mut serde_json::Value) -> &mut serde_json::Value {
    &mut v["verificationMaterial"]["tlogEntries"][0]
}

/// Fixture `name` as JSON, edited by `edit`, back to bytes.
fn edited(name: &str, edit: impl FnOnce(&mut serde_json::Value)) -> Vec<u8> {
    let mut v: serde_json::Value = serde_json::from_slice(&fixture(name)).unwrap();
    edit(&mut v);
    serde_json::to_vec(&v).unwrap()
}

fn publisher() -> TrustedPublisher {
    TrustedPublisher {
        id: KeyId::new("acme-release").unwrap(),
        scopes: vec![Scope::new("hello-*").unwrap()],
        issuer: "https://token.actions.githubusercontent.com".into(),
        repository: "https://github.com/acme/hello".into(),
        repository_id: "123456".into(),
        owner_id: "7890".into(),
        workflow: ".github/workflows/release.yml".into(),
        signer_workflow: None,
        ref_pattern: "refs/tags/v{version}".into(),
        runner: Some("github-hosted".into()),
        environment: None,
        valid_from: None,
        valid_until: None,
    }
}

/// The config of `idx` at format 2, trusting [`publisher`] (as `edit`
/// leaves it) with hello-world under `policy`; signed by the sample root.
fn trust_publisher(idx: &TestIndex, policy: &str, edit: impl FnOnce(&mut TrustedPublisher)) {
    let root = fixture("trusted_root.json");
    write(&idx.dir, ROOT_PATH, &root);
    let mut config: IndexConfig = idx.config();
    config.format = plugres_schema::TRUSTED_PUBLISHING_FORMAT;
    config.sigstore = Some(SigstoreRoot {
        path: IndexPath::new(ROOT_PATH).unwrap(),
        sha256: Sha256::of(&root),
    });
    let mut p = publisher();
    edit(&mut p);
    config.trusted_publishers = vec![p];
    config.publish_policy = vec![(
        Scope::new("hello-world").unwrap(),
        PublishPolicy::parse(policy).unwrap(),
    )];
    idx.write_config_unlisted(config, &[&key("sample-root")]);
}

fn write(dir: &Path, rel: &str, bytes: &[u8]) {
    let path = dir.join(rel);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, bytes).unwrap();
}

/// Names `bundle` (stored at `at`) as the attestation of `version` of
/// hello-world, in the line the index tool writes.
fn name_bundle(dir: &Path, version: &str, at: &str, bundle: &[u8]) {
    write(dir, at, bundle);
    let path = dir.join(HELLO);
    let text = std::fs::read_to_string(&path).unwrap();
    let header = format!("version = \"{version}\"\n");
    let start = text.find(&header).unwrap();
    let perms = start + text[start..].find("permissions = ").unwrap();
    let eol = perms + text[perms..].find('\n').unwrap() + 1;
    let line = format!(
        "attestation = {{ path = \"{at}\", sha256 = \"{}\", size = {} }}\n",
        Sha256::of(bundle).to_hex(),
        bundle.len()
    );
    std::fs::write(&path, format!("{}{line}{}", &text[..eol], &text[eol..])).unwrap();
}

/// Signs hello-world's file with its publisher key, or leaves it unsigned.
fn sign_hello(dir: &Path, signed: bool) {
    match signed {
        true => resign(dir, HELLO, "sample-maintainers"),
        false => {
            let _ = std::fs::remove_file(dir.join(format!("{HELLO}.minisig")));
        }
    }
}

/// A project whose index trusts `acme/hello` for hello-world under
/// `policy`, hello-world 1.0.0 naming `bundle`, its file signed or not.
fn project(backend: Backend, policy: &str, bundle: &[u8], signed: bool) -> Project {
    project_with(backend, policy, signed, |idx| {
        name_bundle(&idx.dir, "1.0.0", BUNDLE, bundle)
    })
}

fn project_with(
    backend: Backend,
    policy: &str,
    signed: bool,
    index: impl FnOnce(&TestIndex),
) -> Project {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("index");
    let idx = TestIndex::sample_copy(&dir, None);
    trust_publisher(&idx, policy, |_| {});
    index(&idx);
    sign_hello(&idx.dir, signed);
    idx.refresh();
    Project::with_backend(tmp, dir, &sample_root_key(), backend)
}

/// A project that added hello-world from an index where only its attested
/// release (1.0.0, file unsigned) may be used.
fn locked_release(backend: Backend) -> Project {
    let p = project(backend, "attestation", &fixture("ok.sigstore.json"), false);
    p.ok(&["add", "hello-world", "--yes"]);
    p
}

fn lock_text(p: &Project) -> String {
    std::fs::read_to_string(p.dir.join("plugres.lock")).unwrap()
}

/// `plugres add hello-world` fails with `expected` in its message, and
/// leaves the project and the caches as they were.
fn add_refused(p: &Project, expected: &str) -> String {
    let before = p.state();
    let err = p.fails(&["add", "hello-world", "--yes"]);
    assert!(err.contains(expected), "expected `{expected}` in:\n{err}");
    assert_eq!(p.state(), before, "a refused add changed something: {err}");
    err
}

#[test]
fn an_attested_release_is_locked_with_who_released_it_on_every_transport() {
    for backend in Backend::ALL {
        // Policy `attestation`: the file has no publisher signature at all.
        let p = locked_release(backend);
        let lock = lock_text(&p);
        // Only 1.0.0 is attested: 1.1.0 and 1.2.0 are not offered.
        assert!(
            lock.contains("name = \"hello-world\"\nversion = \"1.0.0\""),
            "{lock}"
        );
        let bundle_sha = Sha256::of(&fixture("ok.sigstore.json")).to_hex();
        assert!(
            lock.contains(&format!(
                "attestation = {{ sha256 = \"{bundle_sha}\", publisher = \"acme-release\", repository = \"https://github.com/acme/hello\", commit = \""
            )) && lock.contains("ref = \"refs/tags/v1.0.0\" }"),
            "{backend:?}: {lock}"
        );
        let info = stdout(&p.ok(&["info", "hello-world"]));
        assert!(
            info.contains(
                "released by: https://github.com/acme/hello at refs/tags/v1.0.0 (commit "
            ) && info.contains("trusted publisher `acme-release`, verified"),
            "{info}"
        );
        let json = p.json(&["info", "hello-world"]);
        assert_eq!(json["released_by"]["git_ref"], "refs/tags/v1.0.0");
        // A fresh machine checks the lock against the index, attestation
        // included, and installs.
        let fresh = tempfile::tempdir().unwrap();
        run(
            plugres(fresh.path()).arg("-C").arg(&p.dir).arg("install"),
            true,
        );
    }
}

#[test]
fn policy_both_wants_the_signature_and_the_attestation() {
    let ok = fixture("ok.sigstore.json");
    let p = project(Backend::Path, "both", &ok, true);
    p.ok(&["add", "hello-world", "--yes"]);
    assert!(lock_text(&p).contains("ref = \"refs/tags/v1.0.0\""));

    let p = project(Backend::Path, "both", &ok, false);
    add_refused(
        &p,
        "has no signature `plugins/he/ll/hello-world.toml.minisig`",
    );
    // `key` (the default) never takes an unsigned file either.
    let p = project(Backend::Path, "key", &ok, false);
    add_refused(
        &p,
        "has no signature `plugins/he/ll/hello-world.toml.minisig`",
    );
    // `any`: a signed file stands without attestations (the newest version
    // is chosen), an unsigned one needs them (1.0.0 only).
    let p = project(Backend::Path, "any", &ok, true);
    p.ok(&["add", "hello-world", "--yes"]);
    assert!(lock_text(&p).contains("version = \"1.2.0\""));
    let p = project(Backend::Path, "any", &ok, false);
    p.ok(&["add", "hello-world", "--yes"]);
    assert!(lock_text(&p).contains("version = \"1.0.0\""));
}

#[test]
fn attacks_on_the_publishers_identity_fail_each_for_its_reason() {
    for (bundle, expected) in [
        (
            "other-repository-id.sigstore.json",
            "signed by repository id `654321`, but the trusted publisher is `123456`",
        ),
        (
            "other-owner-id.sigstore.json",
            "signed by repository owner id",
        ),
        ("other-workflow.sigstore.json", "signed by workflow `"),
        (
            "self-hosted.sigstore.json",
            "signed by runner `self-hosted`",
        ),
        ("other-issuer.sigstore.json", "signed by OIDC issuer `"),
        (
            "other-ca.sigstore.json",
            "does not verify against the pinned Sigstore trusted root",
        ),
    ] {
        let p = project(Backend::Path, "attestation", &fixture(bundle), false);
        add_refused(&p, expected);
    }
    // A release job outside the protected environment the publisher pins
    // (here: none at all), and one inside it.
    let p = project_with(Backend::Path, "attestation", false, |idx| {
        trust_publisher(idx, "attestation", |t| {
            t.environment = Some("release".into())
        });
        name_bundle(&idx.dir, "1.0.0", BUNDLE, &fixture("ok.sigstore.json"));
    });
    add_refused(
        &p,
        "signed by environment `(none)`, but the trusted publisher is `release`",
    );
    let p = project_with(Backend::Path, "attestation", false, |idx| {
        trust_publisher(idx, "attestation", |t| {
            t.environment = Some("release".into())
        });
        name_bundle(
            &idx.dir,
            "1.0.0",
            BUNDLE,
            &fixture("environment.sigstore.json"),
        );
    });
    p.ok(&["add", "hello-world", "--yes"]);
    // Log evidence tampered with: a signing time moved earlier (say, into
    // the window), and an entry without its inclusion proof.
    let moved = edited("ok.sigstore.json", |v| {
        let t: i64 = log_entry(v)["integratedTime"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap();
        log_entry(v)["integratedTime"] = (t - 3600).to_string().into();
    });
    let p = project(Backend::Path, "attestation", &moved, false);
    add_refused(
        &p,
        "does not verify against the pinned Sigstore trusted root",
    );
    let no_proof = edited("ok.sigstore.json", |v| {
        log_entry(v)
            .as_object_mut()
            .unwrap()
            .remove("inclusionProof");
    });
    let p = project(Backend::Path, "attestation", &no_proof, false);
    add_refused(&p, "carrying an inclusion proof");
    // Cut off: the log recorded the release after `valid-until`.
    let p = project_with(Backend::Path, "attestation", false, |idx| {
        trust_publisher(idx, "attestation", |t| t.valid_until = Some(1_577_836_800));
        name_bundle(&idx.dir, "1.0.0", BUNDLE, &fixture("ok.sigstore.json"));
    });
    add_refused(&p, "the attestation was signed at");
}

#[test]
fn attacks_on_the_entry_and_the_bundle_fail_each_for_its_reason() {
    let ok = fixture("ok.sigstore.json");
    // The index (its online key) widens the attested entry's permissions.
    let p = project_with(Backend::Path, "attestation", false, |idx| {
        name_bundle(&idx.dir, "1.0.0", BUNDLE, &ok);
        let path = idx.dir.join(HELLO);
        let text = std::fs::read_to_string(&path).unwrap();
        let widened = text.replacen("permissions = []", "permissions = [\"network\"]", 1);
        std::fs::write(path, widened).unwrap();
    });
    add_refused(
        &p,
        "its predicate differs from the plugin file in `permissions`",
    );
    // 1.0.0's bundle named by 1.2.0 (the newest, so chosen): the ref binds it.
    let p = project_with(Backend::Path, "attestation", false, |idx| {
        name_bundle(
            &idx.dir,
            "1.2.0",
            "attestations/he/ll/hello-world/1.2.0.sigstore.json",
            &ok,
        );
    });
    add_refused(
        &p,
        "signed by ref `refs/tags/v1.0.0`, but the trusted publisher is `refs/tags/v1.2.0`",
    );
    // An artifact the release did not attest, added to the entry.
    let p = project_with(Backend::Path, "attestation", false, |idx| {
        name_bundle(&idx.dir, "1.0.0", BUNDLE, &ok);
        let path = idx.dir.join(HELLO);
        let text = std::fs::read_to_string(&path).unwrap();
        let at = text.find("[[version]]\nversion = \"1.1.0\"").unwrap();
        let extra = format!(
            "[[version.artifact]]\ntarget = \"x86_64-unknown-linux-gnu\"\nurl = \"https://evil.example/x\"\nsha256 = \"{}\"\nsize = 4\n\n",
            Sha256::of(b"evil").to_hex()
        );
        std::fs::write(&path, format!("{}{extra}{}", &text[..at], &text[at..])).unwrap();
    });
    add_refused(&p, "its subjects are");
    // hello-world's bundle replayed for another plugin (a publisher of any
    // plugin, so only the statement tells them apart).
    let p = project_with(Backend::Path, "attestation", true, |idx| {
        trust_publisher(idx, "attestation", |t| {
            t.scopes = vec![Scope::new("*").unwrap()]
        });
        name_bundle(&idx.dir, "1.0.0", BUNDLE, &ok);
        let core = "plugins/gr/ee/greeter-core.toml";
        let text = std::fs::read_to_string(idx.dir.join(core)).unwrap();
        let version = text
            .lines()
            .find_map(|l| l.strip_prefix("version = \""))
            .unwrap()
            .trim_end_matches('"')
            .to_string();
        let at = "attestations/gr/ee/greeter-core/replayed.sigstore.json";
        write(&idx.dir, at, &ok);
        let header = format!("version = \"{version}\"\n");
        let start = text.find(&header).unwrap();
        let perms = start + text[start..].find("permissions = ").unwrap();
        let eol = perms + text[perms..].find('\n').unwrap() + 1;
        let line = format!(
            "attestation = {{ path = \"{at}\", sha256 = \"{}\", size = {} }}\n",
            Sha256::of(&ok).to_hex(),
            ok.len()
        );
        std::fs::write(
            idx.dir.join(core),
            format!("{}{line}{}", &text[..eol], &text[eol..]),
        )
        .unwrap();
        resign(&idx.dir, core, "sample-maintainers");
    });
    let before = p.state();
    // hello-world 1.0.0 (attested) needs greeter-core ^0.2: both bundles
    // are fetched and verified together, and the replayed one refused.
    let err = p.fails(&["add", "hello-world", "--yes"]);
    assert!(
        err.contains("greeter-core 0.2.0 is not a trusted publisher's release")
            && err.contains("refs/tags/v1.0.0"),
        "{err}"
    );
    assert_eq!(p.state(), before);
    // A host serves other bytes than the entry names.
    let p = project(Backend::Sparse, "attestation", &ok, false);
    write(&p.index, BUNDLE, &fixture("other-workflow.sigstore.json"));
    p.upstream_changed();
    add_refused(&p, "the entry of hello-world 1.0.0 names");
    // ... or another trusted root than the config pins.
    let p = project(Backend::Sparse, "attestation", &ok, false);
    let mut root = fixture("trusted_root.json");
    root.extend_from_slice(b"\n");
    write(&p.index, ROOT_PATH, &root);
    p.upstream_changed();
    add_refused(&p, "not the");
    // The bundle is gone.
    let p = project(Backend::Path, "attestation", &ok, false);
    std::fs::remove_file(p.index.join(BUNDLE)).unwrap();
    add_refused(&p, "is not in the index");
    // An oversized bundle is not read past the cap.
    let big = vec![b' '; 70_000];
    let p = project(Backend::Sparse, "attestation", &big, false);
    add_refused(&p, "larger than 65536 bytes");
}

#[test]
fn a_lock_edited_to_another_release_is_refused_on_install() {
    let p = locked_release(Backend::Path);
    let lock = lock_text(&p);
    let edited = lock.replacen(
        "repository = \"https://github.com/acme/hello\"",
        "repository = \"https://github.com/evil/hello\"",
        1,
    );
    assert_ne!(edited, lock);
    std::fs::write(p.dir.join("plugres.lock"), &edited).unwrap();
    let fresh = tempfile::tempdir().unwrap();
    let out = run(
        plugres(fresh.path()).arg("-C").arg(&p.dir).arg("install"),
        false,
    );
    let err = stderr(&out);
    assert!(
        err.contains("plugres.lock does not match the signed index for `hello-world 1.0.0`")
            && err.contains("https://github.com/evil/hello"),
        "{err}"
    );
    assert!(
        cache_state(fresh.path())
            .iter()
            .all(|(k, _)| !k.contains("artifacts/"))
    );
}

/// What `plugres-index validate [--base BASE] DIR` prints, after checking
/// it exits with success `ok`.
fn validate_says(dir: &Path, base: Option<&str>, ok: bool) -> String {
    let mut cmd = plugres_index();
    cmd.arg("validate");
    if let Some(base) = base {
        cmd.args(["--base", base]);
    }
    let out = run(cmd.arg(dir), ok);
    stderr(&out) + &stdout(&out)
}

/// Rewrites hello-world's file (unsigned, so no signature to renew).
fn edit_hello(dir: &Path, edit: impl FnOnce(&str) -> String) {
    let path = dir.join(HELLO);
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, edit(&text)).unwrap();
}

#[test]
fn validate_runs_the_clients_checks_on_attestations() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("index");
    let idx = TestIndex::sample_copy(&dir, None);
    trust_publisher(&idx, "attestation", |_| {});
    name_bundle(&dir, "1.0.0", BUNDLE, &fixture("ok.sigstore.json"));
    sign_hello(&dir, false);
    idx.refresh();
    let text = validate_says(&dir, None, true);
    assert!(
        text.contains("hello-world 1.1.0 has no attestation, and the publish policy for `hello-world` is `attestation`: clients will not use it"),
        "{text}"
    );
    // The web catalog builds from it (warnings are not errors) and says
    // what vouches for the unsigned file.
    let site = tmp.path().join("site");
    run(
        plugres_index()
            .args(["site", "--index"])
            .arg(&dir)
            .arg(&site),
        true,
    );
    let page = std::fs::read_to_string(site.join("plugins/hello-world.html")).unwrap();
    assert!(
        page.contains("<dt>Signed by</dt><dd>trusted publisher <code>acme-release</code></dd>"),
        "{page}"
    );
    // The pinned trusted root must be the one in the index.
    let root = fixture("trusted_root.json");
    write(&dir, ROOT_PATH, b"{}");
    let text = validate_says(&dir, None, false);
    assert!(
        text.contains("sigstore/trusted_root.json: error: its sha256 is"),
        "{text}"
    );
    write(&dir, ROOT_PATH, &root);
    // A published bundle never changes, nor does the entry naming it.
    let head = || git(&dir, &["rev-parse", "HEAD"]).trim().to_string();
    let base = head();
    write(&dir, BUNDLE, &fixture("other-workflow.sigstore.json"));
    idx.commit("swap a bundle");
    let text = validate_says(&dir, Some(&base), false);
    assert!(
        text.contains("a published attestation was changed or removed"),
        "{text}"
    );
    git(&dir, &["revert", "--no-edit", "HEAD"]);
    let base = head();
    let other = fixture("other-workflow.sigstore.json");
    edit_hello(&dir, |text| {
        text.replacen(
            &Sha256::of(&fixture("ok.sigstore.json")).to_hex(),
            &Sha256::of(&other).to_hex(),
            1,
        )
    });
    idx.commit("rename the bundle in the entry");
    let text = validate_says(&dir, Some(&base), false);
    assert!(
        text.contains("published version `1.0.0` was changed (attestation)"),
        "{text}"
    );
    git(&dir, &["reset", "-q", "--hard", &base]);
    // A yank undone in an unsigned file (which could be an older copy
    // replayed) is refused: `plugres-index unyank` signs.
    let yanked = |text: &str| {
        text.replacen(
            "permissions = [\"fs-read\"]\n",
            "permissions = [\"fs-read\"]\nyanked = true\n",
            1,
        )
    };
    edit_hello(&dir, yanked);
    idx.commit("yank 1.1.0");
    let base = head();
    edit_hello(&dir, |text| text.replacen("yanked = true\n", "", 1));
    idx.commit("replay the file from before the yank");
    let text = validate_says(&dir, Some(&base), false);
    assert!(
        text.contains("hello-world 1.1.0 was yanked and is not in this unsigned file"),
        "{text}"
    );
    git(&dir, &["reset", "-q", "--hard", &base]);
    // The online key holder widens the attested entry.
    edit_hello(&dir, |text| {
        text.replacen("permissions = []", "permissions = [\"network\"]", 1)
    });
    idx.refresh();
    let text = validate_says(&dir, None, false);
    assert!(
        text.contains("its predicate differs from the plugin file in `permissions`"),
        "{text}"
    );
}

/// An index (at `t/index`) trusting `acme/hello` for hello-world under
/// `policy`, without hello-world yet, and hello-world's own repository (at
/// `t/hello`) whose plugin.toml is release 1.0.0 as the fixtures attest it.
fn release_setup(t: &Path, policy: &str) -> (TestIndex, PathBuf) {
    let dir = t.join("index");
    let idx = TestIndex::sample_copy(&dir, None);
    trust_publisher(&idx, policy, |_| {});
    std::fs::remove_file(dir.join(HELLO)).unwrap();
    std::fs::remove_file(dir.join(format!("{HELLO}.minisig"))).unwrap();
    idx.refresh();
    let repo = t.join("hello");
    std::fs::create_dir_all(&repo).unwrap();
    std::fs::copy(
        dir.join("artifacts/hello-world/1.0.0/hello_world.wasm"),
        repo.join("hello_world.wasm"),
    )
    .unwrap();
    std::fs::write(
        repo.join("plugin.toml"),
        "[plugin]\nname = \"hello-world\"\nversion = \"1.0.0\"\ndescription = \"Greets the world from inside demo-engine\"\nengine = \">=1.0\"\n\n[dependencies]\ngreeter-core = \"^0.2\"\n\n[[artifact]]\ntarget = \"any\"\npath = \"hello_world.wasm\"\n",
    )
    .unwrap();
    (idx, repo)
}

/// The predicate at `path` is exactly what the fixtures' statement states.
fn assert_fixture_predicate(path: &Path) {
    let written: serde_json::Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    let statement: serde_json::Value = serde_json::from_slice(&fixture("statement.json")).unwrap();
    assert_eq!(written, statement["predicate"]);
}

/// The release workflow's side, keyless: `publish --predicate-out` writes
/// what the workflow signs, `publish --no-key --attestation` stores the
/// bundle and leaves the file unsigned, and clients lock the release.
#[test]
fn a_keyless_publish_stores_the_attestation_and_clients_lock_it() {
    let tmp = tempfile::tempdir().unwrap();
    // hello-world is released anew, from its own repository.
    let (idx, repo) = release_setup(tmp.path(), "attestation");
    let dir = idx.dir.clone();
    let publish = |args: &[&str], ok: bool| {
        run(
            plugres_index()
                .arg("publish")
                .arg(repo.join("plugin.toml"))
                .arg("--index")
                .arg(&dir)
                .args(args),
            ok,
        )
    };
    // What the workflow signs is exactly the statement the fixtures signed.
    let predicate = tmp.path().join("predicate.json");
    publish(&["--predicate-out", predicate.to_str().unwrap()], true);
    assert_fixture_predicate(&predicate);
    assert!(git(&dir, &["status", "--porcelain"]).trim().is_empty());

    // A bundle from another repository is refused before anything is written.
    let other = tmp.path().join("other.json");
    std::fs::write(&other, fixture("other-repository-id.sigstore.json")).unwrap();
    let out = publish(
        &["--no-key", "--attestation", other.to_str().unwrap()],
        false,
    );
    assert!(
        stderr(&out).contains("signed by repository id `654321`"),
        "{}",
        stderr(&out)
    );
    assert!(git(&dir, &["status", "--porcelain"]).trim().is_empty());

    let bundle = tmp.path().join("bundle.json");
    std::fs::write(&bundle, fixture("ok.sigstore.json")).unwrap();
    publish(
        &["--no-key", "--attestation", bundle.to_str().unwrap()],
        true,
    );
    assert!(!dir.join(format!("{HELLO}.minisig")).exists());
    assert_eq!(
        std::fs::read(dir.join(BUNDLE)).unwrap(),
        fixture("ok.sigstore.json")
    );
    let text = std::fs::read_to_string(dir.join(HELLO)).unwrap();
    assert!(
        text.contains(&format!("attestation = {{ path = \"{BUNDLE}\"")),
        "{text}"
    );
    let log = git(&dir, &["show", "--stat", "HEAD"]);
    assert!(log.contains(BUNDLE) && !log.contains("Signed-by"), "{log}");
    // The pull-request check of the release.
    run(
        plugres_index()
            .arg("validate")
            .args(["--base", "main"])
            .arg(&dir),
        true,
    );

    idx.refresh();
    let p = Project::with_backend(tmp, dir, &sample_root_key(), Backend::Path);
    p.ok(&["add", "hello-world", "--yes"]);
    assert!(lock_text(&p).contains("ref = \"refs/tags/v1.0.0\" }"));
}

#[test]
fn a_keyless_publish_needs_a_policy_that_allows_it() {
    for (policy, expected) in [
        (
            "both",
            "publish policy for `hello-world` is `both`, so a publisher key must sign its file",
        ),
        // `any`: an unsigned file would take the older, unattested
        // versions away from every client.
        ("any", "1.0.0, 1.1.0, 1.2.0, 2.0.0 would stop being used"),
    ] {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("index");
        let idx = TestIndex::sample_copy(&dir, None);
        trust_publisher(&idx, policy, |_| {});
        idx.refresh();
        let repo = tmp.path().join("hello");
        std::fs::create_dir_all(&repo).unwrap();
        std::fs::write(repo.join("a.wasm"), b"\0asm").unwrap();
        std::fs::write(
            repo.join("plugin.toml"),
            "[plugin]\nname = \"hello-world\"\nversion = \"3.0.0\"\ndescription = \"x\"\nengine = \"*\"\n\n[[artifact]]\ntarget = \"any\"\npath = \"a.wasm\"\n",
        )
        .unwrap();
        let bundle = tmp.path().join("bundle.json");
        std::fs::write(&bundle, fixture("ok.sigstore.json")).unwrap();
        let head = git(&dir, &["rev-parse", "HEAD"]);
        let out = run(
            plugres_index()
                .arg("publish")
                .arg(repo.join("plugin.toml"))
                .arg("--index")
                .arg(&dir)
                .args(["--no-key", "--attestation", bundle.to_str().unwrap()]),
            false,
        );
        assert!(
            stderr(&out).contains(expected),
            "{policy}: {}",
            stderr(&out)
        );
        assert_eq!(git(&dir, &["rev-parse", "HEAD"]), head, "{policy}");
    }
}

/// The publish action keyless (`publish.sh` as the action runs it, a bare
/// repository standing in for the index's remote): step 1 writes the
/// predicate and pushes nothing, step 2 pushes the release with its bundle
/// and no key, and the branch passes the index CI's check.
#[test]
fn the_publish_action_publishes_keyless() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let (idx, repo) = release_setup(t, "attestation");
    let dir = idx.dir.clone();
    let remote = t.join("remote.git");
    git(
        t,
        &[
            "clone",
            "-q",
            "--bare",
            dir.to_str().unwrap(),
            remote.to_str().unwrap(),
        ],
    );
    let env = |extra: (&'static str, String)| {
        vec![
            ("PLUGRES_MANIFEST", "plugin.toml".to_string()),
            ("PLUGRES_INDEX_REPO", remote.display().to_string()),
            extra,
        ]
    };
    let refs = || {
        git(
            &remote,
            &["for-each-ref", "--format=%(refname) %(objectname)"],
        )
    };
    let before = refs();
    let out = run(
        &mut crate::actions::publish_sh(
            t,
            &repo,
            &env(("PLUGRES_PREDICATE_OUT", "predicate.json".into())),
        ),
        true,
    );
    assert!(
        stdout(&out).contains("result=predicate\n"),
        "{}",
        stderr(&out)
    );
    assert_fixture_predicate(&repo.join("predicate.json"));
    assert_eq!(refs(), before, "the predicate step pushed something");

    // actions/attest signed it (here: the fixture bundle over that predicate).
    std::fs::write(repo.join("bundle.json"), fixture("ok.sigstore.json")).unwrap();
    let out = run(
        &mut crate::actions::publish_sh(
            t,
            &repo,
            &env(("PLUGRES_ATTESTATION", "bundle.json".into())),
        ),
        true,
    );
    assert!(stdout(&out).contains("result=pushed\n"), "{}", stderr(&out));
    let branch = "publish/hello-world-1.0.0";
    let tree = git(&remote, &["ls-tree", "-r", "--name-only", branch]);
    assert!(
        tree.contains(BUNDLE) && !tree.contains(&format!("{HELLO}.minisig")),
        "{tree}"
    );
    let check = t.join("check");
    git(
        t,
        &[
            "clone",
            "-q",
            remote.to_str().unwrap(),
            check.to_str().unwrap(),
        ],
    );
    git(&check, &["checkout", "-q", branch]);
    run(
        plugres_index()
            .args(["validate", "--base", "main", "--check-artifacts"])
            .arg(&check),
        true,
    );
}

/// The words a user meets, pinned: who released the locked version, and a
/// refused release naming the claim that differs.
#[test]
fn what_info_and_a_refusal_say() {
    let p = locked_release(Backend::Path);
    insta::assert_snapshot!("info_released_by", stdout(&p.ok(&["info", "hello-world"])));
    let p = project(
        Backend::Path,
        "attestation",
        &fixture("other-repository-id.sigstore.json"),
        false,
    );
    let err = add_refused(&p, "repository id");
    let tmp = p.index.parent().unwrap().display().to_string();
    insta::assert_snapshot!("refused_other_repository", err.replace(&tmp, "[TMP]"));
}
