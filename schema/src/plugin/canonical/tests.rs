use super::*;
use crate::plugin::PluginFile;

const MODES: [UnknownFields; 2] = [UnknownFields::Refuse, UnknownFields::Ignore];

/// Both paths on `text`: the fast one must give exactly what the full
/// parser gives, or nothing.
fn both(text: &str) -> (Option<PluginFile>, Option<PluginFile>) {
    let mut out = (None, None);
    for mode in MODES {
        let fast = parse("plugins/x.toml", text, mode);
        let full = PluginFile::parse_full("plugins/x.toml", text.as_bytes(), mode)
            .ok()
            .map(|p| p.value);
        if let Some(f) = &fast {
            assert_eq!(Some(f), full.as_ref(), "fast path differs on:\n{text}");
        }
        out = (fast, full);
    }
    out
}

fn sample_files() -> Vec<String> {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../sample-index/plugins");
    let mut out = Vec::new();
    let mut dirs = vec![std::path::PathBuf::from(root)];
    while let Some(dir) = dirs.pop() {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                dirs.push(p);
            } else if p.extension().is_some_and(|x| x == "toml") {
                out.push(std::fs::read_to_string(p).unwrap());
            }
        }
    }
    assert!(out.len() >= 3, "{out:?}");
    out
}

/// A file using every field the renderer writes, with strings that need
/// escapes and a non-ASCII character.
const FULL: &str = r#"name = "full-plugin"
description = "Says \"hi\" \\ in two\nlines, café"
license = "MIT OR Apache-2.0"
repository = "https://example.com/repo"
homepage = "https://example.com"
support = "https://example.com/issues"
authors = ["Jane Doe <jane@example.com>", "Bob"]
keywords = ["greeting", "demo"]
categories = ["tools"]
deprecated = "use `other` instead"

[channels]
beta = "2.0.0-beta.1"

[[version]]
version = "1.0.0"
engine = ">=1.2.0, <2"
published = 2026-01-01T00:00:00Z
permissions = []
yanked = true
yank-reason = "broken"

[[version.artifact]]
target = "any"
url = "https://cdn.example.com/full-1.0.0.wasm"
sha256 = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
size = 1

[[version]]
version = "2.0.0-beta.1"
engine = "^1.4"
published = 2026-02-03T04:05:06Z
permissions = ["network", "filesystem"]
readme = { path = "readmes/fu/ll/full-plugin/2.0.0-beta.1.md", sha256 = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", size = 12 }

[version.dependencies]
greeter-core = "^1.0"
zeta = ">=0.1.0"

[[version.artifact]]
target = "x86_64-linux"
url = "full-2.0.0-beta.1.so"
sha256 = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
size = 4096

[[version.artifact]]
target = "any"
url = "full-2.0.0-beta.1.wasm"
sha256 = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
size = 2048
"#;

#[test]
fn canonical_files_take_the_fast_path_to_the_full_parsers_result() {
    let (fast, full) = both(FULL);
    assert!(full.is_some(), "FULL must be a valid plugin file");
    assert!(
        fast.is_some(),
        "FULL is canonical: the fast path must read it"
    );
    for text in sample_files() {
        let (fast, full) = both(&text);
        // Settings tables are left to the full parser.
        let settings = text.contains("[version.config.");
        assert!(full.is_some() && fast.is_some() != settings, "{text}");
    }
}

/// The round trip the fast path's soundness rests on: the full parser
/// reads a rendered file back to the value rendered.
#[test]
fn rendering_then_parsing_gives_the_value_back() {
    for text in sample_files().iter().map(String::as_str).chain([FULL]) {
        let value = PluginFile::parse_full("x.toml", text.as_bytes(), UnknownFields::Refuse)
            .unwrap()
            .value;
        let rendered = crate::render::plugin_file(&value);
        let again = PluginFile::parse_full("x.toml", rendered.as_bytes(), UnknownFields::Refuse)
            .unwrap()
            .value;
        assert_eq!(again, value, "{rendered}");
        if value.versions.iter().all(|v| v.settings.is_empty()) {
            assert_eq!(
                parse("x.toml", &rendered, UnknownFields::Refuse),
                Some(value)
            );
        }
    }
}

/// Every edit below keeps the file valid TOML the full parser reads (or
/// refuses) its own way; none is the renderer's layout, so the fast path
/// declines and the full parser decides.
#[test]
fn anything_but_the_renderers_layout_goes_to_the_full_parser() {
    let edits: [(&str, &str); 16] = [
        (
            "name = \"full-plugin\"\n",
            "# a comment\nname = \"full-plugin\"\n",
        ),
        ("name = \"full-plugin\"\n", "name =  \"full-plugin\"\n"),
        ("name = \"full-plugin\"\n", "name = 'full-plugin'\n"),
        ("name = \"full-plugin\"\n", "\"name\" = \"full-plugin\"\n"),
        (
            "license = \"MIT OR Apache-2.0\"\nrepository = \"https://example.com/repo\"\n",
            "repository = \"https://example.com/repo\"\nlicense = \"MIT OR Apache-2.0\"\n",
        ),
        ("size = 1\n", "size = 0x1\n"),
        ("size = 1\n", "size = +1\n"),
        ("size = 4096\n", "size = 4_096\n"),
        ("permissions = []\n", "permissions = [ ]\n"),
        ("engine = \"^1.4\"\n", "engine = \"1.4\"\n"),
        (
            "yank-reason = \"broken\"\n",
            "yank-reason = \"broken\"\nyanked = true\n",
        ),
        ("[channels]\n", "[channels]\nbeta = \"2.0.0-beta.1\"\n"),
        ("sha256 = \"ba78", "sha256 = \"BA78"),
        ("café", "caf\\u00E9"),
        (
            "published = 2026-01-01T00:00:00Z",
            "published = 2026-01-01 00:00:00Z",
        ),
        (
            "zeta = \">=0.1.0\"\n",
            "zeta = \">=0.1.0\"\nunknown-field = \"x\"\n",
        ),
    ];
    for (from, to) in edits {
        assert!(FULL.contains(from), "{from}");
        let text = FULL.replacen(from, to, 1);
        let (fast, _) = both(&text);
        assert!(fast.is_none(), "fast path took `{to}`");
    }
    let no_newline = FULL.trim_end();
    assert!(both(no_newline).0.is_none());
    let (fast, full) = both(&FULL.replace("[channels]\n", "[channels]\n\n"));
    assert_eq!((fast.is_some(), full.is_some()), (false, true));
}

/// What validation refuses, the fast path does not accept either: the
/// full parser reports it.
#[test]
fn invalid_canonical_files_are_left_to_the_full_parser() {
    for (from, to) in [
        ("name = \"full-plugin\"", "name = \"Full Plugin\""),
        ("url = \"full-2.0.0-beta.1.so\"", "url = \"../escape.so\""),
        ("permissions = []", "permissions = [\"Not Valid!\"]"),
        ("size = 2048", "size = 99999999999999999999"),
        ("version = \"1.0.0\"", "version = \"2.0.0-beta.1\""),
    ] {
        let text = FULL.replacen(from, to, 1);
        assert!(
            parse("x.toml", &text, UnknownFields::Refuse).is_none(),
            "{to}"
        );
        assert!(
            PluginFile::parse_with("x.toml", text.as_bytes(), UnknownFields::Refuse).is_err(),
            "{text}"
        );
    }
}

/// Single-byte edits all over a canonical file: whatever the fast path
/// accepts, the full parser reads to the same value.
#[test]
fn edited_bytes_never_make_the_paths_disagree() {
    let bytes = FULL.as_bytes();
    let mut fast_reads = 0;
    for at in (0..bytes.len()).step_by(3) {
        for with in [b' ', b'"', b'\\', b'#', b'\n', b'x', b'=', b'1'] {
            let mut edited = bytes.to_vec();
            edited[at] = with;
            let Ok(text) = String::from_utf8(edited) else {
                continue;
            };
            // `both` asserts that a fast read equals the full one.
            fast_reads += usize::from(both(&text).0.is_some());
        }
    }
    // Some edits keep the file canonical and valid (a letter of a
    // description), and take the fast path.
    assert!(fast_reads > 50, "{fast_reads}");
}

mod generated {
    //! Plugin files made from generated values and rendered: the fast path
    //! must read every valid one (without settings) to exactly what the
    //! full parser reads, and decline every invalid one.

    use std::collections::BTreeMap;

    use proptest::prelude::*;

    use super::*;
    use crate::plugin::{Artifact, Permission, Readme, Target, VersionEntry};
    use crate::{Channel, IndexPath, PluginName, Sha256, Version};

    /// Text with what needs escaping, non-ASCII, and (rarely) a control
    /// character validation refuses.
    fn text() -> impl Strategy<Value = String> {
        "[a-zA-Z0-9 \"\\\\\n\té\u{2028}<>@.\u{7f}]{1,24}"
    }

    fn version_entry() -> impl Strategy<Value = VersionEntry> {
        (
            prop::sample::select(vec![
                ">=1.0",
                "^1.2",
                ">=1.4, <2",
                "*",
                "=1.2.3",
                "~0.3",
                "<3",
            ]),
            prop::sample::subsequence(vec!["fs-read", "fs-write", "network"], 0..=3),
            prop::collection::btree_map(
                prop::sample::select(vec!["alpha", "beta-x", "gamma2"]),
                prop::sample::select(vec!["^0.2", ">=1.0.0", "*", "~1.1"]),
                0..3,
            ),
            prop::collection::vec(artifact(), 1..3),
            any::<bool>(),
            prop::option::of(text()),
            prop::option::of(any::<[u8; 32]>()),
            prop::option::of((any::<[u8; 32]>(), 1..70_000u64)),
        )
            .prop_map(
                |(engine, perms, deps, artifacts, yanked, reason, readme, bundle)| VersionEntry {
                    version: Version::parse("0.0.0").unwrap(),
                    engine: semver::VersionReq::parse(engine).unwrap(),
                    published: "2026-01-01T00:00:00Z".to_string(),
                    permissions: perms
                        .into_iter()
                        .map(|p| Permission::new(p).unwrap())
                        .collect(),
                    yanked,
                    yank_reason: reason.filter(|_| yanked),
                    dependencies: deps
                        .into_iter()
                        .map(|(n, r)| {
                            (
                                PluginName::new(n).unwrap(),
                                semver::VersionReq::parse(r).unwrap(),
                            )
                        })
                        .collect(),
                    artifacts,
                    settings: Default::default(),
                    readme: readme.map(|sha| Readme {
                        path: IndexPath::new("readmes/ge/ne/generated/0.0.0.md").unwrap(),
                        sha256: Sha256::from_bytes(sha),
                        size: 12,
                    }),
                    attestation: bundle.map(|(sha, size)| Readme {
                        path: IndexPath::new("attestations/ge/ne/generated/0.0.0.sigstore.json")
                            .unwrap(),
                        sha256: Sha256::from_bytes(sha),
                        size,
                    }),
                    span: 0..0,
                },
            )
    }

    fn artifact() -> impl Strategy<Value = Artifact> {
        (
            prop::sample::select(vec!["any", "wasm32-wasip1", "x86_64-unknown-linux-gnu"]),
            prop::sample::select(vec![
                "a/b.wasm",
                "https://cdn.example.com/x/y.wasm",
                "../up.wasm",
                "p q.wasm",
            ]),
            any::<[u8; 32]>(),
            0u64..5_000_000,
        )
            .prop_map(|(target, url, sha, size)| Artifact {
                target: Target::new(target).unwrap(),
                url: url.to_string(),
                sha256: Sha256::from_bytes(sha),
                size,
            })
    }

    fn plugin_file() -> impl Strategy<Value = PluginFile> {
        (
            text(),
            prop::option::of(text()),
            prop::option::of(prop::sample::select(vec![
                "https://example.com/r",
                "ftp://x",
            ])),
            prop::collection::vec(text(), 0..3),
            prop::collection::vec(
                prop::sample::select(vec!["demo", "greeting", "Bad Tag"]),
                0..3,
            ),
            prop::option::of(text()),
            prop::collection::vec(version_entry(), 1..4),
            any::<bool>(),
        )
            .prop_map(
                |(
                    description,
                    license,
                    repository,
                    authors,
                    keywords,
                    deprecated,
                    mut versions,
                    channel,
                )| {
                    for (i, v) in versions.iter_mut().enumerate() {
                        v.version = Version::parse(&format!("1.{i}.0")).unwrap();
                        if let Some(r) = &mut v.readme {
                            r.path = IndexPath::new(&format!("readmes/ge/ne/generated/1.{i}.0.md"))
                                .unwrap();
                        }
                    }
                    let mut channels = BTreeMap::new();
                    if channel {
                        channels.insert(Channel::new("beta").unwrap(), versions[0].version.clone());
                    }
                    PluginFile {
                        name: PluginName::new("generated").unwrap(),
                        description,
                        license,
                        repository: repository.map(str::to_string),
                        homepage: None,
                        authors,
                        support: None,
                        keywords: keywords.into_iter().map(str::to_string).collect(),
                        categories: Vec::new(),
                        deprecated,
                        channels,
                        versions,
                    }
                },
            )
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]
        #[test]
        fn the_fast_path_reads_what_the_full_parser_reads(file in plugin_file()) {
            let text = crate::render::plugin_file(&file);
            for mode in MODES {
                let full = PluginFile::parse_full("x.toml", text.as_bytes(), mode).ok().map(|p| p.value);
                let fast = parse("x.toml", &text, mode);
                // Refuse mode: a valid rendered file takes the fast path.
                if mode == UnknownFields::Refuse {
                    prop_assert_eq!(fast.is_some(), full.is_some(), "{}", text);
                }
                if let Some(fast) = fast {
                    prop_assert_eq!(Some(fast), full, "{}", text);
                }
            }
        }
    }
}
