//! Attacks on a project's supply chain, one test each, through the real
//! `plugres` binary: a hostile or broken index host (rollback, freeze,
//! mix-and-match, swapped, removed, tampered, oversized or malformed files,
//! revoked or out-of-scope keys, root rotations) and a hostile artifact
//! host (substituted, truncated, oversized, endless, slow-drip downloads).
//!
//! Every index attack runs on the three transports (a path, `git daemon`,
//! nginx as a sparse HTTP index); each refusal must exit 1 with an error
//! that says what happened, and leave the project (plugres.toml,
//! plugres.lock, plugins/) and the artifact cache as they were. The
//! README's security table points at these test names.

use std::time::{Duration, Instant};

use plugres_e2e::http::{Fault, FaultServer};
use plugres_e2e::index::{TestIndex, key, resign, sample_root_key};
use plugres_e2e::project::{Backend, Project, Served};
use plugres_e2e::trust::{self, new_root_key, stranger_key};
use plugres_e2e::*;
use plugres_schema::{KeyId, PublicKey, RoleKey, SNAPSHOT_PATH, SigningKey, TIMESTAMP_PATH};

const ACME: &str = "plugins/ac/me/acme-audit.toml";
const HELLO: &str = "plugins/he/ll/hello-world.toml";
const GREETER: &str = "plugins/gr/ee/greeter-core.toml";
const ACME_WASM: &str = "artifacts/acme-audit/2.0.0/acme_audit.wasm";

fn sig(rel: &str) -> String {
    format!("{rel}.minisig")
}

/// A project on `backend` with hello-world (and greeter-core) installed.
fn installed(backend: Backend) -> Project {
    let p = Project::on(backend, None);
    p.ok(&["add", "hello-world", "--yes"]);
    p
}

/// Runs `args` expecting exit status 1 and an error holding every one of
/// `expect` (case-insensitive); checks the project and the artifact cache
/// did not change. Returns the error.
fn refused(p: &Project, args: &[&str], expect: &[&str]) -> String {
    let (project, blobs) = (p.project_state(), p.artifact_cache());
    let err = p.fails(args);
    let lower = err.to_lowercase();
    for e in expect {
        assert!(
            lower.contains(&e.to_lowercase()),
            "{:?}: expected `{e}` in:\n{err}",
            p.backend
        );
    }
    assert_eq!(
        p.project_state(),
        project,
        "{:?}: the refused command changed the project",
        p.backend
    );
    assert_eq!(
        p.artifact_cache(),
        blobs,
        "{:?}: the refused command changed the artifact cache",
        p.backend
    );
    err
}

/// [`refused`], with an error holding at least one of `any` too (a change
/// the snapshot does not list may be caught by its digest or, first, by
/// the publisher's signature: either refusal is right).
fn refused_any(p: &Project, args: &[&str], expect: &[&str], any: &[&str]) -> String {
    let err = refused(p, args, expect);
    let lower = err.to_lowercase();
    assert!(
        any.iter().any(|a| lower.contains(&a.to_lowercase())),
        "{:?}: expected one of {any:?} in:\n{err}",
        p.backend
    );
    err
}

/// [`refused`], and the client's trust state (highest versions seen, last
/// verified files) did not move either: the whole served index was refused.
fn index_refused(p: &Project, args: &[&str], expect: &[&str]) -> String {
    let trust_before = p.trust_state();
    let err = refused(p, args, expect);
    assert_eq!(
        p.trust_state(),
        trust_before,
        "{:?}: the refused index changed the trust state",
        p.backend
    );
    err
}

fn public(key: &SigningKey) -> PublicKey {
    PublicKey::parse(&key.public_base64()).unwrap()
}

// ---------------------------------------------------------------- rollback

/// The client saw generation 2, where acme-audit 1.1.0 is yanked; the host
/// serves generation 1 again (old snapshot and timestamp included, all
/// validly signed), where 1.1.0 is not yanked.
#[test]
fn attack_rollback_of_yanked_version() {
    for backend in Backend::ALL {
        eprintln!("backend: {backend:?}");
        let p = Project::on(backend, None);
        let idx = p.test_index();
        let yanked = std::fs::read_to_string(idx.dir.join(ACME)).unwrap();
        idx.edit(ACME, "acme-release", |t| {
            t.replace(
                "yanked = true\nyank-reason = \"loses audit records when the log rotates; use 2.0.0\"\n",
                "",
            )
        });
        p.ok(&["add", "hello-world", "--yes"]);
        let info = p.json(&["info", "acme-audit"]);
        assert!(!info.to_string().contains("loses audit records"), "{info}");
        let generation1 = idx.generation();

        idx.edit(ACME, "acme-release", |_| yanked.clone());
        p.ok(&["update", "--yes"]);
        let info = p.json(&["info", "acme-audit"]);
        assert!(info.to_string().contains("loses audit records"), "{info}");

        idx.serve_generation(&generation1);
        index_refused(&p, &["add", "acme-audit@=1.1.0", "--yes"], &["rollback"]);
        index_refused(&p, &["update", "--yes"], &["rollback"]);
    }
}

// ------------------------------------------------------------------ freeze

/// The host stops updating: it keeps serving a validly signed timestamp
/// past its expiry. Refused, naming the way out; accepted with the flag.
#[test]
fn attack_freeze_with_an_expired_timestamp() {
    for backend in Backend::ALL {
        eprintln!("backend: {backend:?}");
        let p = installed(backend);
        p.test_index().timestamp(Some("1s"));
        std::thread::sleep(Duration::from_millis(2100));
        index_refused(
            &p,
            &["add", "acme-audit", "--yes"],
            &["expired", "--allow-expired-index"],
        );
        p.ok(&["add", "acme-audit", "--yes", "--allow-expired-index"]);
        assert!(p.dir.join("plugins/acme-audit").is_dir(), "{backend:?}");
        let out = run(
            p.cmd(&["update", "--yes"])
                .env("PLUGRES_ALLOW_EXPIRED_INDEX", "1"),
            true,
        );
        assert!(out.status.success());
    }
}

// ------------------------------------------------------------ mix-and-match

/// A current snapshot and timestamp, but an older (validly signed) plugin
/// file: its digest is not the one the snapshot lists.
#[test]
fn attack_mix_and_match_old_plugin_file() {
    for backend in Backend::ALL {
        eprintln!("backend: {backend:?}");
        let p = installed(backend);
        let idx = p.test_index();
        let old = idx.generation();
        idx.edit(ACME, "acme-release", |t| {
            t.replace(
                "description = \"Audit log of every greeting, by ACME\"",
                "description = \"Audit log of every greeting, by ACME (v2)\"",
            )
        });
        idx.mix_in(&old, &[ACME, &sig(ACME)]);
        // A static host cannot tell when the file changed: it is from
        // another moment. A git index (or a path index that is a git
        // checkout) shows a commit changed it after the snapshot: told as a
        // stale snapshot, with the attack named as the other cause.
        let expect: &[&str] = match backend {
            Backend::Sparse => &["mix-and-match", ACME],
            Backend::Path | Backend::Git => &["is stale", ACME, "altered without the online key"],
        };
        refused(&p, &["add", "acme-audit", "--yes"], expect);
    }
}

// ------------------------------------------------------ swapped and removed

/// greeter-core's genuine file and signature served at acme-audit's path.
/// Caught by the snapshot; and, when the attacker also holds the online
/// key and lists the swap in a new snapshot, by the signature's path.
#[test]
fn attack_plugin_file_swapped_to_another_plugins_path() {
    for backend in Backend::ALL {
        eprintln!("backend: {backend:?}");
        let p = installed(backend);
        let idx = p.test_index();
        for rel in [GREETER.to_string(), sig(GREETER)] {
            let to = rel.replace(GREETER, ACME);
            std::fs::copy(idx.dir.join(&rel), idx.dir.join(to)).unwrap();
        }
        p.upstream_changed();
        refused_any(
            &p,
            &["add", "acme-audit", "--yes"],
            &[ACME],
            &["mix-and-match", "carries a signature made for"],
        );
        idx.forge_snapshot();
        refused(
            &p,
            &["add", "acme-audit", "--yes"],
            &[&format!("carries a signature made for `{GREETER}`")],
        );
    }
}

/// A plugin file the snapshot lists is missing: a clear error naming the
/// file, not a silent "no such plugin".
#[test]
fn attack_removal_of_a_listed_plugin_file() {
    for backend in Backend::ALL {
        eprintln!("backend: {backend:?}");
        let p = installed(backend);
        let idx = p.test_index();
        std::fs::remove_file(idx.dir.join(ACME)).unwrap();
        std::fs::remove_file(idx.dir.join(sig(ACME))).unwrap();
        p.upstream_changed();
        let err = refused(&p, &["add", "acme-audit", "--yes"], &[ACME, "snapshot"]);
        assert!(!err.contains("no plugin named"), "{backend:?}: {err}");
    }
}

// ------------------------------------------------------------ tampering

/// One byte of a plugin file changed: the snapshot digest catches it; with
/// a forged snapshot (online key stolen), the publisher signature does.
#[test]
fn attack_tampered_plugin_file() {
    for backend in Backend::ALL {
        eprintln!("backend: {backend:?}");
        let p = installed(backend);
        let idx = p.test_index();
        let f = idx.dir.join(ACME);
        let text = std::fs::read_to_string(&f)
            .unwrap()
            .replace("fs-write", "fs-writf");
        std::fs::write(f, text).unwrap();
        p.upstream_changed();
        refused_any(
            &p,
            &["add", "acme-audit", "--yes"],
            &[ACME],
            &["mix-and-match", "tampered"],
        );
        idx.forge_snapshot();
        refused(&p, &["add", "acme-audit", "--yes"], &[ACME, "tampered"]);
    }
}

/// A catalog shard edited on the host (a plugin made to look like another,
/// or hidden from search): the snapshot lists each shard's sha256, so it is
/// refused like any index file (README "The catalog").
#[test]
fn attack_tampered_catalog_shard() {
    const SHARD: &str = "catalog/all.toml";
    for backend in Backend::ALL {
        eprintln!("backend: {backend:?}");
        let p = installed(backend);
        let idx = p.test_index();
        let f = idx.dir.join(SHARD);
        let text = std::fs::read_to_string(&f)
            .unwrap()
            .replace("Audit log of every greeting", "The official hello-world");
        std::fs::write(f, text).unwrap();
        p.upstream_changed();
        refused(
            &p,
            &["search", "hello"],
            &[SHARD, "does not match snapshot"],
        );
        refused(&p, &["categories"], &[SHARD, "does not match snapshot"]);
    }
}

/// Another plugin's signature put beside acme-audit's file.
#[test]
fn attack_signature_swapped_between_plugins() {
    for backend in Backend::ALL {
        eprintln!("backend: {backend:?}");
        let p = installed(backend);
        let idx = p.test_index();
        std::fs::copy(idx.dir.join(sig(GREETER)), idx.dir.join(sig(ACME))).unwrap();
        p.upstream_changed();
        // The host's `.minisig` is not what a client checks: the snapshot
        // carries the publisher's signature, so acme-audit installs as
        // published.
        p.ok(&["add", "acme-audit", "--yes"]);
        assert!(p.dir.join("plugins/acme-audit").is_dir());
        // A forged snapshot carrying the swapped signature is refused.
        idx.forge_snapshot();
        refused(
            &p,
            &["update", "--yes"],
            &[ACME, "does not match its signature"],
        );
    }
}

/// config.toml edited (acme-release may now sign any plugin) without its
/// root signature, listed in a forged snapshot so the client reads it;
/// then the same config signed by a key nobody trusts.
#[test]
fn attack_tampered_config() {
    for backend in Backend::ALL {
        eprintln!("backend: {backend:?}");
        let p = installed(backend);
        let idx = p.test_index();
        let f = idx.dir.join("config.toml");
        let text = std::fs::read_to_string(&f)
            .unwrap()
            .replace("scopes = [\"acme-*\"]", "scopes = [\"*\"]");
        std::fs::write(f, text).unwrap();
        idx.forge_snapshot();
        index_refused(&p, &["update", "--yes"], &["config.toml"]);
        trust::sign_with(&idx.dir, "config.toml", stranger_key());
        idx.forge_snapshot();
        index_refused(
            &p,
            &["update", "--yes"],
            &["config.toml", "not signed by a root key pinned"],
        );
    }
}

// -------------------------------------------------------------------- head

/// `head.bundle` with `edit` applied to the bytes it carries for `path`
/// (README "head.bundle": the head is not signed; anyone on the path can
/// rewrite it).
fn forge_head(idx: &TestIndex, path: &str, edit: impl Fn(&str) -> String) {
    let file = idx.dir.join(plugres_schema::HEAD_PATH);
    let mut head = plugres_schema::Head::parse(&std::fs::read(&file).unwrap()).unwrap();
    let slot = head.files.iter_mut().find(|(p, _)| p == path).unwrap();
    let text = edit(std::str::from_utf8(&slot.1).unwrap());
    assert_ne!(text.as_bytes(), slot.1, "the edit must change {path}");
    slot.1 = text.into_bytes();
    let files: Vec<(&str, &[u8])> = head
        .files
        .iter()
        .map(|(p, b)| (p.as_str(), b.as_slice()))
        .collect();
    std::fs::write(&file, plugres_schema::Head::encode(&files)).unwrap();
    idx.commit("forged head");
}

/// A new client on a sparse index reads the trust files from the head, so
/// an attacker rewrites the head: a config with every plugin in a
/// publisher's scope. The forged config does not verify; the client drops
/// the head, reads the files behind it and trusts what they say.
/// Forging the files behind it too (signed by a key nobody pinned) is
/// refused as without a head, and nothing is kept.
#[test]
fn attack_forged_head_bundle() {
    let widen = |t: &str| t.replace("scopes = [\"acme-*\"]", "scopes = [\"*\"]");
    let p = Project::on(Backend::Sparse, None);
    let idx = p.test_index();
    let honest_config = std::fs::read(idx.dir.join("config.toml")).unwrap();
    forge_head(&idx, "config.toml", widen);
    // A machine new to the index: no trust state yet.
    std::fs::remove_dir_all(&p.home).unwrap();
    let before = p.served.nginx.as_ref().unwrap().access_log().len();
    p.ok(&["add", "hello-world", "--yes"]);
    let log = p.served.nginx.as_ref().unwrap().access_log();
    let targets: Vec<&str> = log[before..]
        .iter()
        .filter_map(|l| l.split('"').nth(1))
        .collect();
    assert!(targets[0].contains("/head.bundle"), "{targets:?}");
    assert!(
        targets.iter().any(|t| t.contains("/config.toml ")),
        "{targets:?}"
    );
    let kept = p.trust_state();
    let config = kept
        .iter()
        .find(|(k, _)| k.ends_with("/config.toml"))
        .unwrap();
    assert_eq!(
        config.1,
        plugres_schema::Sha256::of(&honest_config).to_hex(),
        "the trusted config is the index's own"
    );

    let p = Project::on(Backend::Sparse, None);
    std::fs::remove_dir_all(&p.home).unwrap();
    let idx = p.test_index();
    let f = idx.dir.join("config.toml");
    std::fs::write(&f, widen(&std::fs::read_to_string(&f).unwrap())).unwrap();
    trust::sign_with(&idx.dir, "config.toml", stranger_key());
    idx.forge_snapshot();
    idx.commit("forged files and head");
    index_refused(
        &p,
        &["add", "hello-world", "--yes"],
        &["config.toml", "not signed by a root key pinned"],
    );
}

// -------------------------------------------------------------------- keys

/// hello-world re-signed by acme-release, whose scope is `acme-*`.
#[test]
fn attack_key_out_of_scope() {
    for backend in Backend::ALL {
        eprintln!("backend: {backend:?}");
        let p = installed(backend);
        let idx = p.test_index();
        let f = idx.dir.join(HELLO);
        let text = std::fs::read_to_string(&f).unwrap() + "\n";
        std::fs::write(f, text).unwrap();
        resign(&idx.dir, HELLO, "acme-release");
        idx.forge_snapshot();
        refused(&p, &["update", "--yes"], &[HELLO, "may not sign it"]);
    }
}

/// Someone holding the online key edits hello-world, signs it with that
/// key, and signs a snapshot that carries the new signature inline (README
/// "snapshot.toml and timestamp.toml"): the snapshot moves the publisher's
/// signature, it cannot stand in for it.
#[test]
fn attack_online_key_signs_a_plugin_file_carried_in_the_snapshot() {
    for backend in Backend::ALL {
        eprintln!("backend: {backend:?}");
        let p = installed(backend);
        let idx = p.test_index();
        let f = idx.dir.join(HELLO);
        let text = std::fs::read_to_string(&f).unwrap() + "\n";
        std::fs::write(f, text).unwrap();
        trust::sign_with(&idx.dir, HELLO, trust::online_key());
        idx.forge_snapshot();
        let snapshot = std::fs::read_to_string(idx.dir.join(SNAPSHOT_PATH)).unwrap();
        assert!(snapshot.contains("[signatures]"), "{snapshot}");
        refused(&p, &["update", "--yes"], &[HELLO, "which may not sign it"]);
    }
}

/// acme-release is removed from the config (revoked) and the snapshot is
/// signed again, but the host still serves acme-audit signed only by it.
/// The error names the revoked key by its minisign key id.
#[test]
fn attack_revoked_publisher_key() {
    let acme_id = plugres_schema::public_key_id(&public(&key("acme-release")));
    assert_eq!(acme_id.len(), 16, "{acme_id}");
    for backend in Backend::ALL {
        eprintln!("backend: {backend:?}");
        let p = installed(backend);
        let idx = p.test_index();
        let mut config = idx.config();
        config
            .publisher_keys
            .retain(|k| k.id.as_str() != "acme-release");
        idx.write_config_unlisted(config, &[&key("sample-root")]);
        idx.forge_snapshot();
        refused(
            &p,
            &["add", "acme-audit", "--yes"],
            &[ACME, "signed only by key", &acme_id],
        );
    }
}

// ----------------------------------------------------------- root rotation

fn new_root() -> RoleKey {
    RoleKey {
        id: KeyId::new("root-2").unwrap(),
        public: public(new_root_key()),
    }
}

/// A rotation signed by the old and the new root key is followed by a
/// client that pins only the old key; later configs signed by the new key
/// alone are then accepted.
#[test]
fn attack_root_rotation_accepted_with_old_and_new_signatures() {
    for backend in Backend::ALL {
        eprintln!("backend: {backend:?}");
        let p = installed(backend);
        let idx = p.test_index();
        let mut config = idx.config();
        config.root_keys = vec![new_root()];
        idx.write_config(config, &[&key("sample-root"), new_root_key()]);
        p.ok(&["update", "--yes"]);

        let mut config = idx.config();
        config.description = Some("rotated to root-2".into());
        idx.write_config(config, &[new_root_key()]);
        idx.plugin("fresh-one")
            .version("1.0.0", "*")
            .artifact("any", "f.wasm", b"\0asm\x01\0\0\0")
            .publish();
        p.ok(&["add", "fresh-one", "--yes"]);
        assert!(p.dir.join("plugins/fresh-one").is_dir(), "{backend:?}");
        let manifest = std::fs::read_to_string(p.dir.join("plugres.toml")).unwrap();
        assert!(manifest.contains(&sample_root_key()), "{manifest}");
    }
}

/// A config naming only a new root key and signed only by it: nothing the
/// client trusts signed it.
#[test]
fn attack_root_rotation_signed_only_by_the_new_key() {
    for backend in Backend::ALL {
        eprintln!("backend: {backend:?}");
        let p = installed(backend);
        let idx = p.test_index();
        let mut config = idx.config();
        config.root_keys = vec![new_root()];
        idx.write_config(config, &[new_root_key()]);
        index_refused(
            &p,
            &["update", "--yes"],
            &["config.toml", "not signed by a root key pinned"],
        );
    }
}

/// A config adding a root key, signed by the old root key only: the new
/// key did not consent (an attacker who stole the old key adds their own).
#[test]
fn attack_root_rotation_the_new_key_did_not_sign() {
    for backend in Backend::ALL {
        eprintln!("backend: {backend:?}");
        let p = installed(backend);
        let idx = p.test_index();
        let mut config = idx.config();
        config.root_keys.push(new_root());
        idx.write_config(config, &[&key("sample-root")]);
        index_refused(&p, &["update", "--yes"], &["config.toml", "did not sign"]);
    }
}

// --------------------------------------------------------------- artifacts

/// Changes the bytes of acme-audit 2.0.0's artifact (stored in the index,
/// so each transport serves it), then `add acme-audit` must fail.
fn artifact_attack(edit: impl Fn(&mut Vec<u8>), expect: &[&str]) {
    for backend in Backend::ALL {
        eprintln!("backend: {backend:?}");
        let p = installed(backend);
        let f = p.index.join(ACME_WASM);
        let mut b = std::fs::read(&f).unwrap();
        edit(&mut b);
        std::fs::write(f, b).unwrap();
        p.upstream_changed();
        let mut all = vec!["acme-audit 2.0.0"];
        all.extend_from_slice(expect);
        refused(&p, &["add", "acme-audit", "--yes"], &all);
    }
}

#[test]
fn attack_artifact_substituted() {
    artifact_attack(|b| b[10] ^= 1, &["sha256"]);
}

#[test]
fn attack_artifact_truncated() {
    artifact_attack(|b| b.truncate(b.len() / 2), &[]);
}

/// The host sends more than the declared size (nginx with a bigger file).
#[test]
fn attack_artifact_larger_than_declared() {
    artifact_attack(|b| b.extend(std::iter::repeat_n(0u8, 1 << 20)), &[]);
}

/// An artifact host that never stops sending (no Content-Length).
#[test]
fn attack_artifact_endless_stream() {
    let server = FaultServer::start(vec![Fault::Endless(64 << 20)]);
    let p = Project::with_remote_artifact(&server.url(), b"\0asm\x01\0\0\0");
    let start = Instant::now();
    refused(&p, &["add", "remote-one", "--yes"], &["remote_one.wasm"]);
    assert!(
        start.elapsed() < Duration::from_secs(60),
        "{:?}",
        start.elapsed()
    );
}

/// A host that sends one byte every 1.5 s: the client's read timeout
/// (`PLUGRES_HTTP_TIMEOUT=1`) ends it, for an artifact and for the
/// timestamp of a sparse index.
#[test]
fn attack_slow_drip_server() {
    let drip = Fault::Drip {
        len: 4096,
        every: Duration::from_millis(1500),
    };
    // The artifact host.
    let server = FaultServer::start(vec![drip.clone()]);
    let p = Project::with_remote_artifact(&server.url(), &[0u8; 4096]);
    slow(&p, &["add", "remote-one", "--yes"], "remote_one.wasm");

    // The sparse index host, in front of a genuine index.
    let (p, host) = sparse_behind_fault_server();
    host.set_faults(vec![(format!("/{TIMESTAMP_PATH}"), drip)]);
    slow(&p, &["update", "--yes"], TIMESTAMP_PATH);
}

fn slow(p: &Project, args: &[&str], file: &str) {
    let (project, blobs) = (p.project_state(), p.artifact_cache());
    let start = Instant::now();
    let out = run(
        p.cmd(args)
            .env("PLUGRES_HTTP_TIMEOUT", "1")
            .env("PLUGRES_HTTP_RETRIES", "1"),
        false,
    );
    assert!(
        start.elapsed() < Duration::from_secs(60),
        "took {:?}",
        start.elapsed()
    );
    let err = stderr(&out);
    assert!(
        err.contains(file) && err.to_lowercase().contains("timed out"),
        "{err}"
    );
    assert_eq!(p.project_state(), project);
    assert_eq!(p.artifact_cache(), blobs);
}

// ------------------------------------------------------- oversized files

/// A 2 MiB plugin file (invalid TOML: refused for its size, before any
/// parsing) listed in a forged snapshot; and, on a sparse host, one sent
/// without a length and without end.
#[test]
fn attack_huge_plugin_file() {
    for backend in Backend::ALL {
        eprintln!("backend: {backend:?}");
        let p = installed(backend);
        let idx = p.test_index();
        std::fs::write(idx.dir.join(ACME), vec![b'['; 2 << 20]).unwrap();
        idx.forge_snapshot();
        let err = refused(&p, &["add", "acme-audit", "--yes"], &[ACME, "1048576"]);
        assert!(!err.contains("expected"), "{backend:?}: parsed: {err}");
    }
    let (p, host) = sparse_behind_fault_server();
    host.set_faults(vec![(format!("/{ACME}"), Fault::Endless(64 << 20))]);
    let start = Instant::now();
    refused(&p, &["add", "acme-audit", "--yes"], &[ACME, "1048576"]);
    assert!(
        start.elapsed() < Duration::from_secs(60),
        "{:?}",
        start.elapsed()
    );
}

// ------------------------------------------------------- malformed files

/// How a file or its signature is broken.
#[derive(Clone, Copy, Debug)]
enum Damage {
    /// Not TOML, but signed by the right key.
    Toml,
    /// The `.minisig` is garbage.
    SigGarbage,
    /// The `.minisig` is empty.
    SigEmpty,
    /// The `.minisig` is cut in half.
    SigTruncated,
    /// Two signatures by the right key: a good one, then one over other bytes.
    SigOneOfTwoBad,
}

const DAMAGES: [Damage; 5] = [
    Damage::Toml,
    Damage::SigGarbage,
    Damage::SigEmpty,
    Damage::SigTruncated,
    Damage::SigOneOfTwoBad,
];

/// The key that rightly signs index file `rel`.
fn signer_of(rel: &str) -> SigningKey {
    match rel {
        "config.toml" => key("sample-root"),
        SNAPSHOT_PATH | TIMESTAMP_PATH => {
            SigningKey::from_key_text(trust::online_key_text(), None).unwrap()
        }
        _ => key("sample-maintainers"),
    }
}

fn damage(dir: &std::path::Path, rel: &str, how: Damage) {
    let key = signer_of(rel);
    let sig_path = dir.join(sig(rel));
    match how {
        Damage::Toml => {
            std::fs::write(dir.join(rel), "this is = not [valid toml\n").unwrap();
            trust::sign_with(dir, rel, &key);
        }
        Damage::SigGarbage => std::fs::write(sig_path, "garbage, not a signature\n").unwrap(),
        Damage::SigEmpty => std::fs::write(sig_path, "").unwrap(),
        Damage::SigTruncated => {
            let s = std::fs::read(&sig_path).unwrap();
            std::fs::write(sig_path, &s[..s.len() / 2]).unwrap();
        }
        Damage::SigOneOfTwoBad => {
            let good = std::fs::read_to_string(&sig_path).unwrap();
            let bad = plugres_schema::sign(&key, rel, b"other bytes", trust::now()).unwrap();
            std::fs::write(sig_path, good + &bad).unwrap();
        }
    }
}

/// Every kind of damage to each signed file (config, plugin file,
/// snapshot, timestamp) and its `.minisig`. Downstream files are signed
/// again by an attacker holding the online key, so the damaged file itself
/// is what the client must catch. Between cases the honest index moves on
/// (higher versions), and the client must accept it.
#[test]
fn attack_malformed_toml_and_signatures() {
    for backend in Backend::ALL {
        eprintln!("backend: {backend:?}");
        let p = installed(backend);
        let idx = p.test_index();
        let honest = idx.generation();
        let mut version = 1000;
        for rel in ["config.toml", HELLO, SNAPSHOT_PATH, TIMESTAMP_PATH] {
            for how in DAMAGES {
                version += 1;
                idx.serve_generation(&honest);
                trust::forge_snapshot(&idx.dir, Some(version));
                trust::forge_timestamp(&idx.dir, Some(version), 86_400);
                idx.commit("honest");
                p.ok(&["update", "--yes"]);

                version += 1;
                let (top, signed_file) = (
                    rel == SNAPSHOT_PATH || rel == TIMESTAMP_PATH,
                    rel == "config.toml" || rel == HELLO,
                );
                if top {
                    trust::forge_snapshot(&idx.dir, Some(version));
                }
                if rel == TIMESTAMP_PATH {
                    trust::forge_timestamp_for(&idx.dir, version, version, 86_400);
                }
                damage(&idx.dir, rel, how);
                if signed_file {
                    trust::forge_snapshot(&idx.dir, Some(version));
                }
                if rel != TIMESTAMP_PATH {
                    // Vouches for the (maybe damaged) snapshot as version `version`.
                    trust::forge_timestamp_for(&idx.dir, version, version, 86_400);
                }
                idx.commit("damaged");
                let err = refused(&p, &["update", "--yes"], &[rel]);
                assert!(!err.is_empty(), "{rel} {how:?}");
            }
        }
    }
}

// ------------------------------------------------------ hostile HTTP hosts

/// A sparse index (a copy of the sample) behind a fault server, with
/// hello-world installed; the host's faults are set afterwards.
fn sparse_behind_fault_server() -> (Project, FaultServer) {
    let tmp = tempfile::tempdir().unwrap();
    let index = tmp.path().join("index");
    TestIndex::sample_copy(&index, None);
    let host = FaultServer::in_front_of(&index, vec![]);
    let served = Served {
        url: format!("sparse+{}", host.url()),
        daemon: None,
        nginx: None,
    };
    let p = Project::with_served(tmp, index, &sample_root_key(), Backend::Sparse, served);
    p.ok(&["add", "hello-world", "--yes"]);
    (p, host)
}

/// 1 GiB of zeros in about 1 MB: 16 gzip members of 64 MiB each (a
/// client that decodes gzip reads every member).
fn gzip_bomb() -> Vec<u8> {
    use std::io::Write;
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    e.write_all(&vec![0u8; 64 << 20]).unwrap();
    let member = e.finish().unwrap();
    let bomb = member.repeat(16);
    assert!(bomb.len() < 1 << 20, "{}", bomb.len());
    bomb
}

/// The address space a client run may use in these tests: a few times
/// what it needs, far below what a decoded bomb takes.
const MEMORY_LIMIT: u64 = 768 << 20;

/// `p.cmd(args)` run under `prlimit --as` ([`MEMORY_LIMIT`]), with glibc
/// kept to two malloc arenas (each thread's arena reserves 64 MiB of
/// address space, which counts against the limit).
fn memory_bounded(p: &Project, args: &[&str]) -> std::process::Command {
    let inner = p.cmd(args);
    let mut cmd = std::process::Command::new("prlimit");
    cmd.arg(format!("--as={MEMORY_LIMIT}"))
        .arg("--")
        .arg(inner.get_program())
        .args(inner.get_args())
        .env("MALLOC_ARENA_MAX", "2");
    for (key, value) in inner.get_envs() {
        match value {
            Some(v) => cmd.env(key, v),
            None => cmd.env_remove(key),
        };
    }
    cmd
}

/// [`refused`], for a run under [`memory_bounded`].
fn refused_in_bounded_memory(p: &Project, args: &[&str], expect: &[&str]) -> String {
    let (project, blobs) = (p.project_state(), p.artifact_cache());
    let out = memory_bounded(p, args).output().unwrap();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{:?}: {err}", out.status);
    let lower = err.to_lowercase();
    for e in expect {
        assert!(
            lower.contains(&e.to_lowercase()),
            "expected `{e}` in:\n{err}"
        );
    }
    assert_eq!(p.project_state(), project);
    assert_eq!(p.artifact_cache(), blobs);
    err
}

/// A host answering index files `Content-Encoding: gzip` with 1 MB that
/// inflates to 1 GiB: the client stops at the file's limit of *decoded*
/// bytes (16 KiB for a timestamp, 1 MiB for a plugin file), in bounded
/// memory, before any signature is checked.
#[test]
fn attack_gzip_bomb_index_files() {
    let (p, host) = sparse_behind_fault_server();
    let ok = memory_bounded(&p, &["install", "--yes"]).output().unwrap();
    assert!(
        ok.status.success(),
        "the limit fits a normal run: {}",
        stderr(&ok)
    );
    let bomb = gzip_bomb();
    let faults = [(TIMESTAMP_PATH, "16384"), (ACME, "1048576")];
    for (file, limit) in faults {
        host.set_faults(vec![(format!("/{file}"), Fault::Gzipped(bomb.clone()))]);
        refused_in_bounded_memory(&p, &["add", "acme-audit", "--yes"], &[file, limit]);
    }
}

/// An artifact host that labels a `.tar.gz` `Content-Encoding: gzip` (S3
/// object metadata, some CDNs): the artifact is the bytes as published,
/// so the client, `validate --check-artifacts` and `mirror-artifacts`
/// take it as sent instead of decoding it and calling it tampered.
#[test]
fn attack_gzip_labelled_artifact_is_hashed_as_sent() {
    let tarball = tar_gz_of([(
        "remote_one.wasm".into(),
        b"\0asm\x01\0\0\0labelled".to_vec(),
    )]);
    // The sample's artifacts as they are, and the new one labelled.
    let labelled = vec![("/remote_one.tar.gz".into(), Fault::Gzipped(tarball.clone()))];
    let server = FaultServer::in_front_of(&sample_index(), labelled);
    let p = Project::with_remote_file(&server.url(), "remote_one.tar.gz", &tarball);
    p.ok(&["add", "remote-one", "--yes"]);
    let installed = p.dir.join("plugins/remote-one/remote_one.wasm");
    assert_eq!(
        std::fs::read(&installed).unwrap(),
        b"\0asm\x01\0\0\0labelled"
    );
    run(
        plugres_index()
            .args(["validate", "--check-artifacts"])
            .arg(&p.index),
        true,
    );
    let out = tempfile::tempdir().unwrap();
    run(
        plugres_index()
            .arg("mirror-artifacts")
            .arg(&p.index)
            .args(["--plugins", "remote-one"])
            .arg(out.path()),
        true,
    );
    let sha = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(&tarball));
    let mirrored = out
        .path()
        .join(&sha[..2])
        .join(&sha)
        .join("remote_one.tar.gz");
    assert_eq!(std::fs::read(mirrored).unwrap(), tarball);
}

/// One byte every 1.5 s with `PLUGRES_HTTP_TIMEOUT=2`: no single read
/// times out, so only the request's deadline ends it — the timeouts (2 s +
/// 2 s) plus its largest size at 8 KiB/s: 4 s for a 66-byte artifact,
/// 6 s for a timestamp (at most 16 KiB), where the drip would take 99 s
/// and 249 s.
#[test]
fn attack_slow_drip_just_under_the_timeout() {
    let drip = |len| Fault::Drip {
        len,
        every: Duration::from_millis(1500),
    };
    let server = FaultServer::start(vec![drip(66)]);
    let p = Project::with_remote_artifact(&server.url(), &[0u8; 66]);
    slow_under_the_timeout(&p, &["add", "remote-one", "--yes"], "remote_one.wasm", 4);

    let (p, host) = sparse_behind_fault_server();
    host.set_faults(vec![(format!("/{TIMESTAMP_PATH}"), drip(166))]);
    slow_under_the_timeout(&p, &["update", "--yes"], TIMESTAMP_PATH, 6);
}

/// Runs `args` (timeout 2 s, no retries) and checks that it failed for
/// its deadline, naming `file`, within `deadline` seconds and a little
/// slack, and changed nothing.
fn slow_under_the_timeout(p: &Project, args: &[&str], file: &str, deadline: u64) {
    let (project, blobs) = (p.project_state(), p.artifact_cache());
    let start = Instant::now();
    let out = run(
        p.cmd(args)
            .env("PLUGRES_HTTP_TIMEOUT", "2")
            .env("PLUGRES_HTTP_RETRIES", "0"),
        false,
    );
    let took = start.elapsed();
    let err = stderr(&out);
    assert!(
        took < Duration::from_secs(deadline + 3),
        "took {took:?}:\n{err}"
    );
    assert!(err.contains(file) && err.contains("deadline"), "{err}");
    assert!(err.contains("PLUGRES_HTTP_MIN_RATE"), "{err}");
    assert_eq!(p.project_state(), project);
    assert_eq!(p.artifact_cache(), blobs);
}

/// A host that resets the connection of an index file: the error keeps
/// the cause ("Connection reset by peer"), not only "request failed".
#[test]
fn attack_connection_reset_on_an_index_file() {
    let (p, host) = sparse_behind_fault_server();
    host.reset_connections(true);
    let err = refused(
        &p,
        &["update", "--yes"],
        &[
            TIMESTAMP_PATH,
            "failed: Connection reset by peer (os error 104)",
        ],
    );
    assert!(err.contains("(attempts: 4)"), "{err}");
}

/// The timestamp gives the snapshot's size; a host serving a longer
/// snapshot is refused at that size, before the file is hashed or parsed
/// (README "snapshot.toml and timestamp.toml").
#[test]
fn attack_snapshot_larger_than_its_timestamp_says() {
    for backend in Backend::ALL {
        eprintln!("backend: {backend:?}");
        let p = installed(backend);
        let idx = p.test_index();
        idx.refresh(); // a new snapshot and timestamp to fetch
        let snapshot = idx.dir.join(SNAPSHOT_PATH);
        let mut bytes = std::fs::read(&snapshot).unwrap();
        bytes.extend(b"# padding\n".repeat(4096));
        std::fs::write(&snapshot, bytes).unwrap();
        idx.commit("a longer snapshot");
        index_refused(
            &p,
            &["update", "--yes"],
            &[SNAPSHOT_PATH, "the size `timestamp.toml` gives for it"],
        );
    }
}

// ---------------------------------------------------------------- hostile archives

/// Publishes plugin `name` 1.0.0 with the artifact `file` (these bytes,
/// signed: a careless or hostile publisher, not a hostile host).
fn publish_archive(p: &Project, name: &str, file: &str, bytes: &[u8]) {
    TestIndex {
        dir: p.index.clone(),
    }
    .plugin(name)
    .version("1.0.0", "*")
    .artifact("any", file, bytes)
    .publish();
}

/// Paths that would make the install marker (which lists every path) huge:
/// one path over 1 KiB, or thousands of long paths adding up past 4 MiB,
/// each far below the entry and size caps. Refused before anything is
/// installed, so no marker is written and later runs stay fast.
#[test]
fn attack_archive_paths_that_bloat_the_install_marker() {
    let p = installed(Backend::Path);
    let long = format!("{}file.txt", "deep/".repeat(240)); // 1,208 bytes
    publish_archive(
        &p,
        "long-paths",
        "long.tar.gz",
        &tar_gz_of([(long, b"x".to_vec())]),
    );
    refused(
        &p,
        &["add", "long-paths", "--yes"],
        &["long.tar.gz", "path is too long", "1024"],
    );

    // 5,600 paths of 758 bytes: 4.2 MB of paths in a small download.
    let dir = ["a", "b", "c"].map(|c| c.repeat(250)).join("/");
    let many = tar_gz_of((0..5_600).map(|i| (format!("{dir}/{i:05}"), Vec::new())));
    assert!(many.len() < 1 << 20, "{}", many.len());
    publish_archive(&p, "many-paths", "many.tar.gz", &many);
    refused(
        &p,
        &["add", "many-paths", "--yes"],
        &["many.tar.gz", "paths", "4194304 bytes"],
    );
    assert!(!p.dir.join("plugins/many-paths").exists());
}

/// A zip naming one file twice: the zip reader keeps the last entry only,
/// so the installed file would be whichever the archive lists last.
#[test]
fn attack_zip_naming_one_file_twice() {
    use std::io::Write;
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, data) in [("run.sh", b"echo good"), ("rum.sh", b"echo evil")] {
        zip.start_file(name, zip::write::SimpleFileOptions::default())
            .unwrap();
        zip.write_all(data).unwrap();
    }
    let mut bytes = zip.finish().unwrap().into_inner();
    // Rename the second to the first in both its headers (same length).
    let mut i = 0;
    while let Some(at) = bytes[i..].windows(6).position(|w| w == b"rum.sh") {
        bytes[i + at..i + at + 6].copy_from_slice(b"run.sh");
        i += at + 6;
    }
    let p = installed(Backend::Path);
    publish_archive(&p, "dup-names", "dup.zip", &bytes);
    refused(
        &p,
        &["add", "dup-names", "--yes"],
        &["`dup.zip`", "`run.sh`", "twice"],
    );
}

/// A tar with the file `x`, then `x/y`: the error names the entry and what
/// is wrong with the archive, not an OS error about a directory.
#[test]
fn attack_tar_entry_inside_a_file() {
    let p = installed(Backend::Path);
    let bytes = tar_gz_of([("x".into(), b"1".to_vec()), ("x/y".into(), b"2".to_vec())]);
    publish_archive(&p, "clashing", "clash.tar.gz", &bytes);
    refused(
        &p,
        &["add", "clashing", "--yes"],
        &[
            "`clash.tar.gz`",
            "`x/y`",
            "inside `x`, which the archive has as a file",
        ],
    );
}

/// Someone with write access to plugins/ edits an installed file and its
/// entry in the folder's marker. The lock's tree digest (computed from the
/// verified artifact at install) catches it; `install` restores the file.
#[test]
fn attack_installed_file_and_its_marker_entry_edited() {
    let p = Project::new(None);
    p.ok(&["add", "pretty-theme", "--yes"]);
    let lock = std::fs::read_to_string(p.dir.join("plugres.lock")).unwrap();
    assert!(lock.contains("\ntree = \""), "{lock}");
    let folder = p.dir.join("plugins/pretty-theme");
    let evil = b"body { background: url(https://evil.example/) }";
    std::fs::write(folder.join("styles/main.css"), evil).unwrap();
    let marker_path = folder.join(".plugres-installed.toml");
    let marker = std::fs::read_to_string(&marker_path).unwrap();
    let at = marker.find("[files.\"styles/main.css\"]").unwrap();
    let q = at + marker[at..].find("sha256 = \"").unwrap() + 10;
    let forged = format!(
        "{}{}{}",
        &marker[..q],
        plugres_schema::Sha256::of(evil).to_hex(),
        &marker[q + 64..]
    );
    std::fs::write(&marker_path, forged).unwrap();
    let checked = run(&mut p.cmd(&["verify"]), false);
    // 3: the check ran and found a difference (1 would be an error).
    assert_eq!(checked.status.code(), Some(3), "{}", stderr(&checked));
    let (err, out) = (stderr(&checked), stdout(&checked));
    assert!(
        format!("{err}{out}").contains("not the ones plugres.lock records"),
        "{err}{out}"
    );
    p.ok(&["install"]);
    assert_eq!(p.json(&["verify"])["ok"], true);
    assert_ne!(std::fs::read(folder.join("styles/main.css")).unwrap(), evil);
}
