//! `plugres search` and `plugres categories` through the real binary on
//! the three transports (README "Finding plugins"): inside a project,
//! outside one (the user config file, `--index`), and after a publish,
//! where a warm client fetches only the catalog shard that changed.

use std::path::Path;

use plugres_e2e::http::StaticServer;
use plugres_e2e::index::{TestIndex, key, sample_root_key};
use plugres_e2e::project::{Backend, Project};
use plugres_e2e::*;
use plugres_schema::{KeyId, PublicKey, RoleKey};

fn names(v: &serde_json::Value) -> Vec<String> {
    v["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["name"].as_str().unwrap().to_string())
        .collect()
}

/// `plugres --json ARGS` run in `dir` with `PLUGRES_HOME` `home`.
fn json_in(dir: &Path, home: &Path, args: &[&str]) -> serde_json::Value {
    let out = run(
        plugres(home).arg("-C").arg(dir).arg("--json").args(args),
        true,
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn search_and_categories_on_every_transport_inside_and_outside_a_project() {
    for backend in Backend::ALL {
        eprintln!("backend: {backend:?}");
        let p = Project::on(backend, None);
        let found = p.json(&["search", "greet"]);
        assert_eq!(
            names(&found),
            ["greeter-core", "old-greeter", "hello-world", "acme-audit"],
            "{backend:?}"
        );
        let hello = &p.json(&["search", "hello-world", "--limit", "1"])["results"][0];
        assert_eq!(hello["latest"], "2.0.0");
        assert_eq!(hello["newest"]["engine"], ">=2.0");
        let compatible = p.json(&["search", "--compatible", "--category", "greeting"]);
        assert_eq!(compatible["compatible_with"], "1.4.2");
        assert_eq!(names(&compatible).len(), 3);
        let cats = p.json(&["categories"]);
        assert_eq!(cats["categories"][0]["name"], "greeting");
        assert_eq!(cats["categories"][0]["plugins"], 3);
        if let Some(nginx) = &p.served.nginx {
            let log = nginx.access_log();
            assert!(
                log.iter().any(|l| l.contains("GET /catalog/all.toml ")),
                "{log:#?}"
            );
            assert!(
                !log.iter().any(|l| l.contains("GET /plugins/")),
                "a search reads the catalog, not plugin files: {log:#?}"
            );
        }

        // Outside a project: the user config file, then `--index`.
        let elsewhere = p.home.parent().unwrap().join("elsewhere");
        std::fs::create_dir_all(&elsewhere).unwrap();
        let out = run(
            plugres(&p.home)
                .arg("-C")
                .arg(&elsewhere)
                .args(["search", "theme"]),
            false,
        );
        assert_eq!(out.status.code(), Some(1));
        let err = stderr(&out);
        assert!(err.contains("no registries to search"), "{err}");
        assert!(err.contains("config.toml"), "{err}");
        let url = &p.served.url;
        let index = if backend == Backend::Path {
            p.index.display().to_string()
        } else {
            url.clone()
        };
        std::fs::write(
            p.home.join("config.toml"),
            format!(
                "[registry.sample]\nindex = \"{index}\"\nroot-keys = [\"{}\"]\n",
                sample_root_key()
            ),
        )
        .unwrap();
        let from_config = json_in(&elsewhere, &p.home, &["search", "theme"]);
        assert_eq!(names(&from_config), ["pretty-theme"]);
        assert!(
            from_config["registries_from"]
                .as_str()
                .unwrap()
                .ends_with("config.toml")
        );
        let other_home = p.home.parent().unwrap().join("other-home");
        let from_flag = json_in(
            &elsewhere,
            &other_home,
            &[
                "search",
                "theme",
                "--index",
                &index,
                "--key",
                &sample_root_key(),
            ],
        );
        assert_eq!(names(&from_flag), ["pretty-theme"]);
    }
}

const PLUGINS: usize = 1_100;

/// README "The catalog": a publish changes one shard; a warm client then
/// fetches the timestamp, the snapshot and that shard, nothing else.
#[test]
fn after_a_publish_a_warm_search_fetches_only_the_changed_shard() {
    let tmp = tempfile::tempdir().unwrap();
    let index = tmp.path().join("index");
    let out = run(
        plugres_index_bench()
            .arg("generate")
            .arg(&index)
            .args(["--plugins", &PLUGINS.to_string()])
            .args(["--versions", "1", "--json"]),
        true,
    );
    let info: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
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
    let shards = std::fs::read_dir(index.join("catalog")).unwrap().count();
    assert_eq!(shards, 16, "1,100 plugins: shards of one hex digit");

    let nginx = StaticServer::start(&index);
    let home = tmp.path().join("home");
    let elsewhere = tmp.path().join("elsewhere");
    std::fs::create_dir_all(&elsewhere).unwrap();
    let url = format!("sparse+{}", nginx.url());
    let key_arg = sample_root_key();
    let search = |q: &str| {
        json_in(
            &elsewhere,
            &home,
            &["search", q, "--index", &url, "--key", &key_arg],
        )
    };
    let name = info["names"][7].as_str().unwrap().to_string();
    let cold = search(&name);
    assert_eq!(names(&cold)[0], name);
    let log = nginx.access_log();
    let catalog_gets = |log: &[String]| log.iter().filter(|l| l.contains("GET /catalog/")).count();
    assert_eq!(
        catalog_gets(&log),
        16,
        "a cold search fetches every shard once"
    );
    assert!(
        log.len() < 30,
        "a few requests, not one per plugin: {}",
        log.len()
    );

    // Unchanged index: one conditional request.
    let before = log.len();
    search(&name);
    let log = nginx.access_log();
    assert_eq!(log.len() - before, 1, "{:#?}", &log[before..]);

    // A publisher changes one plugin's description; CI signs a snapshot.
    let path = plugres_schema::index_path(&plugres_schema::PluginName::new(&name).unwrap());
    let text = std::fs::read_to_string(index.join(&path)).unwrap();
    let edited = text.replacen("description = \"", "description = \"Freshly published ", 1);
    let publisher = plugres_schema::SigningKey::from_key_text(
        info["publisher_key_text"].as_str().unwrap(),
        None,
    )
    .unwrap();
    std::fs::write(index.join(&path), &edited).unwrap();
    std::fs::write(
        index.join(format!("{path}.minisig")),
        plugres_schema::sign(&publisher, &path, edited.as_bytes(), 2).unwrap(),
    )
    .unwrap();
    idx.refresh();
    let before = nginx.access_log().len();
    let warm = search("freshly");
    assert_eq!(names(&warm), [name]);
    let log = nginx.access_log();
    let new = &log[before..];
    assert_eq!(catalog_gets(new), 1, "only the changed shard: {new:#?}");
    assert!(
        !new.iter()
            .any(|l| l.contains("GET /plugins/") || l.contains("GET /snapshot/")),
        "{new:#?}"
    );
}

/// README "Finding plugins": a mistyped name gets the closest names of
/// the catalog.
#[test]
fn a_mistyped_plugin_name_suggests_the_closest() {
    let p = Project::new(None);
    let err = p.fails(&["add", "hello-wrold", "--yes"]);
    insta::assert_snapshot!(err);
}

/// `info` shows when each version was published and keeps categories
/// apart from keywords (README "Finding plugins").
#[test]
fn info_shows_publish_dates_and_categories_apart_from_keywords() {
    let p = Project::new(None);
    let out = p.ok(&["info", "hello-world"]);
    insta::assert_snapshot!(String::from_utf8_lossy(&out.stdout));
}
