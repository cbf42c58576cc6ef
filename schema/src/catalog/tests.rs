use super::*;

fn plugin(text: &str) -> PluginFile {
    PluginFile::parse("plugins/he/ll/hello-world.toml", text.as_bytes()).unwrap()
}

const HELLO: &str = r#"
name = "hello-world"
description = "Greets the world"
license = "MIT"
keywords = ["demo", "greeting"]
categories = ["utilities"]

[[version]]
version = "1.1.0"
engine = ">=1.0, <2"
published = 2026-01-01T00:00:00Z
yanked = true
[[version.artifact]]
target = "any"
url = "a.wasm"
sha256 = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
size = 1

[[version]]
version = "1.2.0"
engine = ">=1.4, <2"
published = 2026-02-01T00:00:00Z
permissions = ["network"]
[[version.artifact]]
target = "any"
url = "a.wasm"
sha256 = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
size = 1

[[version]]
version = "2.0.0-beta.1"
engine = ">=2.0"
published = 2026-03-01T00:00:00Z
[[version.artifact]]
target = "any"
url = "a.wasm"
sha256 = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
size = 1
"#;

#[test]
fn an_entry_says_what_the_plugin_file_says() {
    let e = CatalogEntry::of(&plugin(HELLO));
    assert_eq!(e.name.as_str(), "hello-world");
    assert_eq!(e.keywords, ["demo", "greeting"]);
    assert_eq!(e.yanked, [Version::parse("1.1.0").unwrap()]);
    assert_eq!(
        e.engines,
        [">=1.4, <2", ">=2.0"],
        "yanked versions left out"
    );
    assert_eq!(e.updated.as_deref(), Some("2026-03-01T00:00:00Z"));
    let newest = e.newest.as_ref().unwrap();
    assert_eq!(newest.version.to_string(), "2.0.0-beta.1");
    let stable = e.stable().unwrap();
    assert_eq!(stable.version.to_string(), "1.2.0");
    assert_eq!(stable.permissions, ["network"]);
    assert_eq!(stable.targets, ["any"]);
    assert!(e.runs_on(&semver::Version::new(1, 5, 0)));
    assert!(
        !e.runs_on(&semver::Version::new(1, 0, 0)),
        "only the yanked one ran there"
    );
}

#[test]
fn shards_round_trip_and_are_deterministic() {
    let e = CatalogEntry::of(&plugin(HELLO));
    for digits in [0, 1, 2] {
        let shards = build_catalog(vec![e.clone()], digits);
        assert_eq!(shards.len(), 1);
        let (id, text) = &shards[0];
        assert!(is_shard_id(id, digits), "{id}");
        let parsed = parse_shard(&catalog_path(id), text.as_bytes(), id, digits).unwrap();
        assert_eq!(parsed, std::slice::from_ref(&e));
        assert_eq!(&shard_text(id, &parsed), text);
    }
}

#[test]
fn a_shard_refuses_entries_of_another_shard_and_bad_fields() {
    let e = CatalogEntry::of(&plugin(HELLO));
    let (id, text) = build_catalog(vec![e], 1).remove(0);
    let other = if id == "0" { "1" } else { "0" };
    let err = parse_shard("catalog/x.toml", text.as_bytes(), other, 1).unwrap_err();
    let msgs: Vec<String> = err.iter().map(|d| d.message.clone()).collect();
    assert!(
        msgs.iter().any(|m| m.contains("expected shard")),
        "{msgs:?}"
    );
    assert!(
        msgs.iter().any(|m| m.contains("does not belong")),
        "{msgs:?}"
    );
    let bad = text.replace(">=1.4, <2", "banana");
    let err = parse_shard("catalog/x.toml", bad.as_bytes(), &id, 1).unwrap_err();
    assert!(
        err[0].message.contains("engine requirement `banana`"),
        "{err:?}"
    );
}

#[test]
fn shard_digits_grow_with_the_index() {
    assert_eq!(auto_catalog_digits(0), 0);
    assert_eq!(auto_catalog_digits(1024), 0);
    assert_eq!(auto_catalog_digits(1025), 1);
    assert_eq!(auto_catalog_digits(10_000), 1);
    assert_eq!(auto_catalog_digits(100_000), 2);
}

#[test]
fn large_entries_split_a_catalog_further() {
    let mut e = CatalogEntry::of(&plugin(HELLO));
    e.description = "x".repeat(1000);
    let many: Vec<CatalogEntry> = (0..600)
        .map(|i| CatalogEntry {
            name: PluginName::new(&format!("p{i}")).unwrap(),
            ..e.clone()
        })
        .collect();
    assert_eq!(auto_catalog_digits(many.len()), 0);
    let (digits, shards) = build_catalog_auto(many);
    assert_eq!(digits, 1, "one shard would be ~1 MB");
    assert!(shards.iter().all(|(_, t)| t.len() <= MAX_SHARD_BYTES));
}
