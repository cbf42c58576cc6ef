//! A warm `plugres update` against a large sparse index costs one request.
//!
//! A synthetic index of 10,000 plugins (`plugres-index-bench generate`,
//! i.e. `plugres_bench::synth::generate_installable`) is given the trust
//! layer (root key, online snapshot and timestamp keys, a binned snapshot
//! by the real `plugres-index snapshot`) and served by nginx. After a cold
//! lock and install, nothing changed upstream, so a warm update must ask
//! for `timestamp.toml` with its ETag, get 304, and stop there: nginx's
//! access log shows exactly that one request.

use std::time::{Duration, Instant};

use plugres_e2e::http::StaticServer;
use plugres_e2e::index::{TestIndex, key, sample_root_key};
use plugres_e2e::*;
use plugres_schema::{KeyId, PublicKey, RoleKey};

const PLUGINS: usize = 10_000;
/// Versions per plugin: few, so a debug build writes the index quickly.
const VERSIONS: usize = 4;
/// Roots taken from the generator's suggestions.
const ROOTS: usize = 12;

#[test]
fn a_warm_update_of_a_10k_plugin_sparse_index_is_one_304() {
    let start = Instant::now();
    let tmp = tempfile::tempdir().unwrap();
    let index = tmp.path().join("index");
    let out = run(
        plugres_index_bench()
            .arg("generate")
            .arg(&index)
            .args(["--plugins", &PLUGINS.to_string()])
            .args(["--versions", &VERSIONS.to_string()])
            .args(["--artifacts", "--json"]),
        true,
    );
    let info: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();

    // The trust layer: the sample root signs a config that keeps the
    // generator's publisher key and adds the online snapshot/timestamp key.
    let idx = TestIndex { dir: index.clone() };
    let mut config = idx.config();
    let root = key("sample-root");
    let role = |id: &str, k: &str| RoleKey {
        id: KeyId::new(id).unwrap(),
        public: PublicKey::parse(k).unwrap(),
    };
    config.root_keys = vec![role("sample-root", &root.public_base64())];
    let online = plugres_e2e::trust::online_key().public_base64();
    config.snapshot_keys = vec![role(plugres_e2e::trust::SNAPSHOT_KEY_ID, &online)];
    config.timestamp_keys = vec![role(plugres_e2e::trust::TIMESTAMP_KEY_ID, &online)];
    idx.write_config_unlisted(config, &[&root]);
    git(&index, &["init", "-q", "-b", "main"]);
    idx.refresh();
    assert!(
        index.join("snapshot").is_dir(),
        "a 10,000-plugin snapshot is binned"
    );
    let prepared = start.elapsed();

    let nginx = StaticServer::start(&index);
    let dir = tmp.path().join("project");
    let home = tmp.path().join("home");
    std::fs::create_dir_all(&dir).unwrap();
    let plugres_in = |args: &[&str]| {
        let mut c = plugres(&home);
        c.arg("-C").arg(&dir).args(args);
        run(&mut c, true)
    };
    let url = format!("sparse+{}", nginx.url());
    plugres_in(&[
        "init",
        "--engine-version",
        info["engine_version"].as_str().unwrap(),
        "--registry",
        &url,
        "--key",
        &sample_root_key(),
    ]);
    let roots: Vec<String> = info["suggested_roots"]
        .as_array()
        .unwrap()
        .iter()
        .take(ROOTS)
        .map(|r| {
            format!(
                "{} = \"{}\"\n",
                r[0].as_str().unwrap(),
                r[1].as_str().unwrap()
            )
        })
        .collect();
    let manifest = std::fs::read_to_string(dir.join("plugres.toml"))
        .unwrap()
        .replace("[plugins]\n", &format!("[plugins]\n{}", roots.concat()));
    std::fs::write(dir.join("plugres.toml"), manifest).unwrap();

    plugres_in(&["lock"]);
    plugres_in(&["install", "--yes"]);
    let lock = std::fs::read_to_string(dir.join("plugres.lock")).unwrap();
    assert!(lock.matches("[[plugin]]").count() >= ROOTS, "{lock}");
    let cold = nginx.access_log().len();
    assert!(cold > 3, "the cold runs read the index over HTTP");

    let warm = Instant::now();
    plugres_in(&["update", "--yes"]);
    let warm = warm.elapsed();
    let log = nginx.access_log();
    let new = &log[cold..];
    assert_eq!(
        new.len(),
        1,
        "a warm update makes one request; nginx saw:\n{}",
        new.join("\n")
    );
    assert!(
        new[0].contains("GET /timestamp.toml ") && new[0].contains("\" 304 "),
        "{}",
        new[0]
    );
    assert_eq!(
        std::fs::read_to_string(dir.join("plugres.lock")).unwrap(),
        lock,
        "nothing changed upstream, so the lock did not either"
    );
    assert!(
        warm < Duration::from_secs(10),
        "the warm update took {warm:?}"
    );
    assert!(
        start.elapsed() < Duration::from_secs(300),
        "preparing took {prepared:?}, all {:?}",
        start.elapsed()
    );
}

/// README "snapshot.toml and timestamp.toml": with bins of three hex
/// digits the snapshot lists bin groups; a client reads a plugin through
/// its group and its bin, and after a publish elsewhere in the index it
/// fetches the new snapshot and nothing it does not need.
#[test]
fn a_grouped_snapshot_over_nginx_fetches_one_group_and_one_bin_per_new_plugin() {
    use plugres_e2e::project::{Backend, Project};
    let p = Project::on(Backend::Sparse, None);
    let idx = p.test_index();
    idx.refresh_with_bins(3);
    let snapshot = std::fs::read_to_string(idx.dir.join("snapshot.toml")).unwrap();
    assert!(snapshot.contains("[bin-groups]"), "{snapshot}");
    let nginx = p.served.nginx.as_ref().unwrap();
    p.ok(&["add", "hello-world", "--yes"]);
    let gets = |from: usize, what: &str| {
        nginx.access_log()[from..]
            .iter()
            .filter(|l| l.contains(&format!("GET /{what}")))
            .count()
    };
    assert!(gets(0, "snapshot/group-") >= 1, "{:#?}", nginx.access_log());

    // Another plugin is published; CI signs a grouped snapshot again.
    idx.plugin("fresh-one")
        .version("1.0.0", "*")
        .artifact("any", "fresh_one.wasm", b"\0asm\x01\0\0\0fresh")
        .publish_unlisted("sample-maintainers");
    idx.refresh_with_bins(3);
    let before = nginx.access_log().len();
    p.ok(&["add", "fresh-one", "--yes"]);
    let log = nginx.access_log();
    let new = &log[before..];
    assert_eq!(gets(before, "snapshot/group-"), 1, "{new:#?}");
    assert_eq!(gets(before, "snapshot/") - 1, 1, "one bin: {new:#?}");
    assert_eq!(gets(before, "snapshot.toml "), 1, "{new:#?}");
    assert!(p.dir.join("plugins/fresh-one").is_dir());
}
