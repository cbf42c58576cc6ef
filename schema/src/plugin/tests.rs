use super::*;

const GOOD: &str = r#"name = "hello-world"
description = "Greets the world"
license = "MIT"
keywords = ["demo"]

[[version]]
version = "1.2.0"
engine = ">=1.4, <2"
published = 2026-11-21T10:00:00Z
permissions = ["network", "fs-read"]

[version.dependencies]
greeter-core = "^0.3"

[[version.artifact]]
target = "wasm32-wasip1"
url = "hello-world/1.2.0/hello_world.wasm"
sha256 = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
size = 3
"#;

#[test]
fn parses_a_good_file() {
    let p = PluginFile::parse("plugins/he/ll/hello-world.toml", GOOD.as_bytes()).unwrap();
    assert_eq!(p.name.as_str(), "hello-world");
    let v = &p.versions[0];
    assert_eq!(v.version.to_string(), "1.2.0");
    assert_eq!(v.published, "2026-11-21T10:00:00Z");
    assert_eq!(v.dependencies.len(), 1);
    assert!(v.artifact_for("wasm32-wasip1").is_some());
    assert!(v.artifact_for("x86_64-unknown-linux-gnu").is_none());
}

#[test]
fn render_roundtrips() {
    let p = PluginFile::parse("f", GOOD.as_bytes()).unwrap();
    let text = crate::render::plugin_file(&p);
    let q = PluginFile::parse("f", text.as_bytes()).unwrap();
    assert_eq!(crate::render::plugin_file(&q), text);
    assert!(crate::changed_published_versions(&p, &q).is_empty());
}

#[test]
fn collects_every_problem_with_line_and_column() {
    let bad = GOOD
        .replace("\"hello-world\"", "\"../x\"")
        .replace("\"1.2.0\"", "\"1.2\"")
        .replace("\"^0.3\"", "\"^^0.3\"")
        .replace("size = 3", "size = 0");
    let errs = PluginFile::parse("f.toml", bad.as_bytes()).unwrap_err();
    let at: Vec<(usize, usize)> = errs.iter().map(|d| (d.line, d.column)).collect();
    assert_eq!(at, vec![(1, 8), (7, 11), (13, 16), (19, 8)], "{errs:#?}");
    assert!(
        errs[0]
            .to_string()
            .starts_with("f.toml:1:8: error: plugin name `../x` is invalid")
    );
}

#[test]
fn syntax_errors_have_positions() {
    let errs = PluginFile::parse("f.toml", b"name = \"a\"\ndescription = \n").unwrap_err();
    assert_eq!(errs.len(), 1);
    assert_eq!(errs[0].line, 2, "{errs:#?}");
}

#[test]
fn unknown_fields_are_refused() {
    let errs =
        PluginFile::parse("f.toml", GOOD.replace("license", "licence").as_bytes()).unwrap_err();
    assert!(errs[0].message.contains("licence"), "{errs:#?}");
}

#[test]
fn duplicate_versions_and_bad_urls_are_refused() {
    let dup = format!("{GOOD}\n{}", &GOOD[GOOD.find("[[version]]").unwrap()..]);
    let errs = PluginFile::parse("f", dup.as_bytes()).unwrap_err();
    assert!(
        errs.iter().any(|d| d.message.contains("listed twice")),
        "{errs:#?}"
    );
    for url in ["../evil.wasm", "/etc/passwd", "a//b", "a/./b", "ftp://x/y"] {
        let t = GOOD.replace("hello-world/1.2.0/hello_world.wasm", url);
        assert!(PluginFile::parse("f", t.as_bytes()).is_err(), "{url}");
    }
}

#[test]
fn oversized_and_non_utf8_files_are_refused() {
    let big = "#".repeat(crate::MAX_FILE_SIZE + 1);
    let errs = PluginFile::parse("big.toml", big.as_bytes()).unwrap_err();
    assert!(errs[0].message.contains("limit"));
    let errs = PluginFile::parse("bin.toml", b"name = \"\xff\"").unwrap_err();
    assert!(errs[0].message.contains("UTF-8"));
}

#[test]
fn immutability_allows_only_yank() {
    let old = PluginFile::parse("f", GOOD.as_bytes()).unwrap();
    let yanked = GOOD.replace(
        "permissions = [\"network\", \"fs-read\"]",
        "permissions = [\"network\", \"fs-read\"]\nyanked = true\nyank-reason = \"CVE\"",
    );
    let new = PluginFile::parse("f", yanked.as_bytes()).unwrap();
    assert!(crate::changed_published_versions(&old, &new).is_empty());
    let swapped = GOOD.replace("size = 3", "size = 4").replace("^0.3", "^0.4");
    let new = PluginFile::parse("f", swapped.as_bytes()).unwrap();
    let changes = crate::changed_published_versions(&old, &new);
    assert_eq!(changes.len(), 1);
    assert_eq!(
        changes[0].fields.as_deref(),
        Some(&["dependencies", "artifact"][..])
    );
    assert!(changes[0].to_string().contains("`1.2.0`"));
}

/// GOOD with its version `1.2.0` spelled `with` (build metadata allowed).
fn good_as(with: &str) -> String {
    GOOD.replace("version = \"1.2.0\"", &format!("version = \"{with}\""))
}

#[test]
fn build_metadata_is_accepted_and_kept() {
    let p = PluginFile::parse("f", good_as("1.2.0+build.5").as_bytes()).unwrap();
    assert_eq!(p.versions[0].version.to_string(), "1.2.0+build.5");
    let bare = Version::parse("1.2.0").unwrap();
    assert!(
        p.get(&bare).is_some(),
        "one version, whatever its build metadata"
    );
}

#[test]
fn versions_differing_only_in_build_metadata_are_one_version() {
    let second = &good_as("1.2.0+b")[GOOD.find("[[version]]").unwrap()..];
    let dup = format!("{}\n{second}", good_as("1.2.0+a"));
    let errs = PluginFile::parse("f", dup.as_bytes()).unwrap_err();
    assert_eq!(errs.len(), 1, "{errs:#?}");
    assert_eq!(
        errs[0].message,
        "version `1.2.0+b` is listed twice: it differs from `1.2.0+a` only in build metadata, \
         which semver ignores, so they are one version; give the new release a new version number"
    );
    assert!(errs[0].line > 20, "located at the second entry: {errs:#?}");
}

#[test]
fn rewriting_build_metadata_of_a_published_version_is_a_change() {
    let old = PluginFile::parse("f", good_as("1.2.0+a").as_bytes()).unwrap();
    let new = PluginFile::parse("f", good_as("1.2.0+b").as_bytes()).unwrap();
    let changes = crate::changed_published_versions(&old, &new);
    assert_eq!(changes.len(), 1, "{changes:?}");
    assert_eq!(changes[0].fields.as_deref(), Some(&["build metadata"][..]));
    let same = crate::changed_published_versions(&old, &old);
    assert!(same.is_empty());
}

#[test]
fn authors_and_support_are_kept_and_checked_like_the_other_links() {
    let meta = "authors = [\"Jane Doe <jane@example.com>\", \"Acme\"]\nsupport = \"https://example.com/help\"\n";
    let text = GOOD.replace("keywords =", &format!("{meta}keywords ="));
    let p = PluginFile::parse("f", text.as_bytes()).unwrap();
    assert_eq!(p.authors, ["Jane Doe <jane@example.com>", "Acme"]);
    assert_eq!(p.support.as_deref(), Some("https://example.com/help"));
    let again = crate::render::plugin_file(&p);
    let q = PluginFile::parse("f", again.as_bytes()).unwrap();
    assert_eq!(q.channels, p.channels);
    assert_eq!(crate::render::plugin_file(&q), again);

    let long_url = format!("https://example.com/{}", "a".repeat(2048));
    let many: Vec<String> = (0..21).map(|i| format!("\"a{i}\"")).collect();
    for (field, expected) in [
        (
            "support = \"mailto:help@example.com\"",
            "`support` must be an http(s) URL",
        ),
        (
            &*format!("homepage = \"{long_url}\""),
            "a URL may have at most 2048",
        ),
        (
            &*format!("repository = \"{long_url}\""),
            "a URL may have at most 2048",
        ),
        (
            &*format!("support = \"{long_url}\""),
            "a URL may have at most 2048",
        ),
        (
            &*format!("authors = [{}]", many.join(", ")),
            "at most 20 `authors`",
        ),
        ("authors = [\"\"]", "`authors` must be 1 to 200 characters"),
        (
            &*format!("authors = [\"{}\"]", "x".repeat(201)),
            "`authors` must be 1 to 200",
        ),
        (
            "authors = [\"two\\nlines\"]",
            "an entry of `authors` is one line",
        ),
    ] {
        let text = GOOD.replace("keywords =", &format!("{field}\nkeywords ="));
        let errs = PluginFile::parse("f", text.as_bytes()).unwrap_err();
        assert!(
            errs.iter()
                .any(|e| e.line == 4 && e.message.contains(expected)),
            "{field}: {errs:#?}"
        );
    }
}

/// GOOD with a second version, 2.0.0-beta.1 (yanked when `beta_yanked`),
/// and the `[channels]` lines `extra`.
fn with_channels(extra: &str, beta_yanked: bool) -> String {
    let mut parts = GOOD.split("[[version]]");
    let (head, first) = (parts.next().unwrap(), parts.next().unwrap());
    let mut beta = first.replace("\"1.2.0\"", "\"2.0.0-beta.1\"");
    if beta_yanked {
        beta = beta.replace("permissions = ", "yanked = true\npermissions = ");
    }
    format!("{head}[channels]\n{extra}\n\n[[version]]{first}[[version]]{beta}")
}

#[test]
fn channels_name_published_versions_and_render_back() {
    let text = with_channels("beta = \"2.0.0-beta.1\"\nstable = \"1.2.0\"", false);
    let p = PluginFile::parse("f", text.as_bytes()).unwrap();
    let names: Vec<String> = p.channels.iter().map(|(c, v)| format!("{c}={v}")).collect();
    assert_eq!(names, ["beta=2.0.0-beta.1", "stable=1.2.0"]);
    let again = crate::render::plugin_file(&p);
    let q = PluginFile::parse("f", again.as_bytes()).unwrap();
    assert_eq!(q.channels, p.channels);
    assert_eq!(crate::render::plugin_file(&q), again);
}

#[test]
fn a_channel_must_name_an_unyanked_published_version() {
    let cases = [
        (
            "beta = \"3.0.0\"",
            false,
            "f:7:8: error: channel `beta` names version `3.0.0`, which is not published in this file",
        ),
        (
            "beta = \"2.0.0-beta.1\"",
            true,
            "f:7:8: error: channel `beta` names version `2.0.0-beta.1`, which is yanked; point it at another version",
        ),
        (
            "latest = \"1.2.0\"",
            false,
            "f:7:1: error: channel `latest` cannot be set",
        ),
        (
            "Beta = \"1.2.0\"",
            false,
            "f:7:1: error: `Beta` is not a channel name",
        ),
    ];
    for (line, yanked, want) in cases {
        let e = PluginFile::parse("f", with_channels(line, yanked).as_bytes()).unwrap_err();
        assert!(e[0].to_string().starts_with(want), "{line}: {e:?}");
    }
}

#[test]
fn a_client_leaves_out_a_channel_the_rules_refuse() {
    let text = with_channels("beta = \"2.0.0-beta.1\"\nstable = \"1.2.0\"", true);
    assert!(
        PluginFile::parse("f", text.as_bytes()).is_err(),
        "validate refuses it"
    );
    let p = PluginFile::parse_with("f", text.as_bytes(), UnknownFields::Ignore)
        .unwrap()
        .value;
    let names: Vec<&str> = p.channels.keys().map(|c| c.as_str()).collect();
    assert_eq!(
        names,
        ["stable"],
        "the yanked one is left out, the file is kept"
    );
}

/// GOOD whose version names a readme.
fn with_readme(readme: &str) -> String {
    GOOD.replace(
        "permissions = [\"network\", \"fs-read\"]",
        &format!("permissions = [\"network\", \"fs-read\"]\n{readme}"),
    )
}

const README: &str = r#"readme = { path = "readmes/he/ll/hello-world/1.2.0.md", sha256 = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", size = 3 }"#;

#[test]
fn a_readme_entry_is_read_rendered_and_immutable() {
    let p = PluginFile::parse("f", with_readme(README).as_bytes()).unwrap();
    let r = p.versions[0].readme.as_ref().expect("a readme");
    assert_eq!(r.path.as_str(), "readmes/he/ll/hello-world/1.2.0.md");
    assert_eq!(r.size, 3);
    let text = crate::render::plugin_file(&p);
    assert!(text.contains(README), "{text}");
    assert_eq!(PluginFile::parse("f", text.as_bytes()).unwrap(), p);
    // Adding, changing or removing a published version's readme is a change.
    let without = PluginFile::parse("f", GOOD.as_bytes()).unwrap();
    let other = PluginFile::parse(
        "f",
        with_readme(&README.replace("size = 3", "size = 4")).as_bytes(),
    )
    .unwrap();
    for (old, new) in [(&without, &p), (&p, &without), (&p, &other)] {
        let changes = crate::changed_published_versions(old, new);
        assert_eq!(changes[0].fields.as_deref(), Some(&["readme"][..]));
    }
}

#[test]
fn a_readme_entry_has_a_path_inside_the_index_a_sha256_and_a_size() {
    let bad = README
        .replace("readmes/he", "../he")
        .replace("size = 3", "size = -1")
        .replace("sha256 = \"ba", "sha256 = \"zz");
    let errs: Vec<String> = PluginFile::parse("f", with_readme(&bad).as_bytes())
        .unwrap_err()
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(errs.len(), 3, "{errs:#?}");
    assert!(errs[0].contains("readme path `../he/ll/hello-world/1.2.0.md` is not a path inside the index: it contains `.` or `..`"), "{errs:#?}");
    assert!(
        errs[2].contains("readme size must not be negative"),
        "{errs:#?}"
    );
    let unknown = README.replace("size = 3", "size = 3, lang = \"en\"");
    assert!(PluginFile::parse("f", with_readme(&unknown).as_bytes()).is_err());
}

/// README "Format evolution": `readme` is metadata added within format 1.
/// Today's strict and lenient reads know it; a client that does not (the
/// lenient read of a plugres before it, shown here by a field of the same
/// shape this one does not know) drops it and reads the rest unchanged.
#[test]
fn a_reader_without_readmes_ignores_the_entry() {
    let text = with_readme(README);
    let lenient = PluginFile::parse_with("f", text.as_bytes(), UnknownFields::Ignore).unwrap();
    assert!(lenient.unknown.is_empty(), "{:?}", lenient.unknown);
    assert!(lenient.value.versions[0].readme.is_some());
    let newer = with_readme(&README.replace("readme =", "readme-next ="));
    let old_client = PluginFile::parse_with("f", newer.as_bytes(), UnknownFields::Ignore).unwrap();
    assert_eq!(old_client.unknown.len(), 1);
    assert_eq!(old_client.unknown[0].field, "version.readme-next");
    let plain = PluginFile::parse("f", GOOD.as_bytes()).unwrap();
    let mut read = old_client.value;
    for (a, b) in read.versions.iter_mut().zip(&plain.versions) {
        a.span = b.span.clone();
    }
    assert_eq!(read, plain);
}

/// The digit-by-digit form of a publication time is `Display`'s, for the
/// usual form and every other one (fractions, offsets, local times).
#[test]
fn publication_times_are_written_as_display_writes_them() {
    for text in [
        "2026-01-01T00:00:00Z",
        "1999-12-31T23:59:59Z",
        "0001-02-03T04:05:06Z",
        "9999-12-31T23:59:60Z",
        "2026-01-01T00:00:00.5Z",
        "2026-01-01T00:00:00+01:30",
        "2026-01-01T00:00:00",
        "2026-01-01",
        "07:32:00",
    ] {
        let dt: toml::value::Datetime = text.parse().unwrap();
        assert_eq!(super::datetime_text(&dt), dt.to_string(), "{text}");
    }
}
