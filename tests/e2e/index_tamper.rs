//! Tampered and malformed index files are refused by `validate`, with an
//! error that names the file.

use std::path::Path;

use plugres_e2e::*;
use plugres_schema::{IndexConfig, SigningKey};

const HELLO: &str = "plugins/he/ll/hello-world.toml";
const GREETER: &str = "plugins/gr/ee/greeter-core.toml";

fn copy() -> (tempfile::TempDir, std::path::PathBuf) {
    let t = tempfile::tempdir().unwrap();
    let idx = t.path().join("index");
    copy_tree(&sample_index(), &idx);
    (t, idx)
}

fn key(name: &str) -> SigningKey {
    SigningKey::from_key_text(&std::fs::read_to_string(sample_key(name)).unwrap(), None).unwrap()
}

fn resign(idx: &Path, rel: &str, with: &str) {
    let bytes = std::fs::read(idx.join(rel)).unwrap();
    let sig = plugres_schema::sign(&key(with), rel, &bytes, 1).unwrap();
    std::fs::write(idx.join(format!("{rel}.minisig")), sig).unwrap();
}

/// Runs validate, expecting failure; returns stderr.
fn refused(idx: &Path) -> String {
    stderr(&run(plugres_index().arg("validate").arg(idx), false))
}

#[test]
fn the_sample_index_validates() {
    let out = run(plugres_index().arg("validate").arg(sample_index()), true);
    assert!(
        stderr(&out).starts_with("ok: 10 files checked"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn every_single_byte_tamper_of_a_plugin_file_fails() {
    let idx = sample_index();
    let config_bytes = std::fs::read(idx.join("config.toml")).unwrap();
    let config = IndexConfig::parse("config.toml", &config_bytes).unwrap();
    let bytes = std::fs::read(idx.join(HELLO)).unwrap();
    let sig = std::fs::read(idx.join(format!("{HELLO}.minisig"))).unwrap();
    let name = plugres_schema::name_from_index_path(HELLO).unwrap();
    let keys = || config.publishers_for(&name).map(|k| (&k.id, &k.public));
    assert!(plugres_schema::verify(HELLO, &bytes, &sig, keys()).is_ok());
    // Every position, two kinds of change each: the library verification
    // that every client and the validator go through.
    for i in 0..bytes.len() {
        for flip in [0x01u8, 0x80] {
            let mut t = bytes.clone();
            t[i] ^= flip;
            let err = plugres_schema::verify(HELLO, &t, &sig, keys()).unwrap_err();
            assert!(err.to_string().contains(HELLO), "byte {i}: {err}");
        }
    }
    // And through the binary, at a spread of positions.
    let (_t, copy_dir) = copy();
    for i in (0..bytes.len()).step_by(bytes.len() / 7) {
        let mut t = bytes.clone();
        t[i] = if t[i] == b'x' { b'y' } else { b'x' };
        std::fs::write(copy_dir.join(HELLO), &t).unwrap();
        let err = refused(&copy_dir);
        assert!(err.contains(HELLO), "byte {i}: {err}");
    }
}

#[test]
fn a_signature_swapped_between_two_plugins_fails() {
    let (_t, idx) = copy();
    std::fs::copy(
        idx.join(format!("{GREETER}.minisig")),
        idx.join(format!("{HELLO}.minisig")),
    )
    .unwrap();
    let err = refused(&idx);
    assert!(
        err.contains(&format!(
            "{HELLO}: error: `{HELLO}` does not match its signature"
        )),
        "{err}"
    );
}

#[test]
fn a_signed_file_moved_to_another_plugins_path_fails() {
    let (_t, idx) = copy();
    // The genuine greeter-core file and signature, served as hello-world's.
    std::fs::copy(idx.join(GREETER), idx.join(HELLO)).unwrap();
    std::fs::copy(
        idx.join(format!("{GREETER}.minisig")),
        idx.join(format!("{HELLO}.minisig")),
    )
    .unwrap();
    let err = refused(&idx);
    assert!(
        err.contains("carries a signature made for `plugins/gr/ee/greeter-core.toml`"),
        "{err}"
    );
    assert!(err.contains("names plugin `greeter-core`"), "{err}");
}

#[test]
fn a_plugin_signed_by_a_key_outside_its_scope_fails() {
    let (_t, idx) = copy();
    resign(&idx, HELLO, "acme-release"); // acme-release may sign only acme-*
    let err = refused(&idx);
    assert!(
        err.contains(&format!("`{HELLO}` is signed only by key `"))
            && err.contains("which may not sign it"),
        "{err}"
    );
}

#[test]
fn a_config_signed_by_an_unknown_key_fails() {
    let (_t, idx) = copy();
    let (_, _, text) = plugres_schema::generate_key_files(None).unwrap();
    let stranger = SigningKey::from_key_text(&text, None).unwrap();
    let bytes = std::fs::read(idx.join("config.toml")).unwrap();
    std::fs::write(
        idx.join("config.toml.minisig"),
        plugres_schema::sign(&stranger, "config.toml", &bytes, 1).unwrap(),
    )
    .unwrap();
    let err = refused(&idx);
    assert!(
        err.contains("config.toml: error: `config.toml` is signed only by key `")
            && err.contains("which may not sign it"),
        "{err}"
    );
}

#[test]
fn malformed_files_get_file_line_and_column() {
    type Edit = Box<dyn Fn(&str) -> String>;
    let cases: Vec<(&str, Edit, &str)> = vec![
        (
            "bad toml",
            Box::new(|s: &str| s.replacen("license = \"MIT\"", "license = MIT", 1)),
            "plugins/he/ll/hello-world.toml:3:11: error:",
        ),
        (
            "bad semver",
            Box::new(|s: &str| s.replacen("version = \"1.1.0\"", "version = \"1.1\"", 1)),
            "plugins/he/ll/hello-world.toml:26:11: error: `1.1` is not a semver version",
        ),
        (
            "bad requirement",
            Box::new(|s: &str| s.replacen("engine = \">=1.4, <2\"", "engine = \"about 1.4\"", 1)),
            "plugins/he/ll/hello-world.toml:42:10: error: engine requirement `about 1.4`",
        ),
        (
            "bad name",
            Box::new(|s: &str| s.replacen("name = \"hello-world\"", "name = \"Foo\"", 1)),
            "plugins/he/ll/hello-world.toml:1:8: error: plugin name `Foo` is invalid",
        ),
    ];
    for (what, edit, expect) in cases {
        let (_t, idx) = copy();
        let text = std::fs::read_to_string(idx.join(HELLO)).unwrap();
        let edited = edit(&text);
        assert_ne!(edited, text, "{what}: fixture drifted");
        std::fs::write(idx.join(HELLO), edited).unwrap();
        resign(&idx, HELLO, "sample-maintainers"); // well signed, still malformed
        let err = refused(&idx);
        assert!(
            err.contains(expect),
            "{what}: expected `{expect}` in\n{err}"
        );
    }
}

#[test]
fn misplaced_huge_and_unsigned_files_are_refused() {
    let (_t, idx) = copy();
    // A name like `../x` cannot even form a path; `Foo` at its would-be path:
    std::fs::create_dir_all(idx.join("plugins/3/f")).unwrap();
    std::fs::write(idx.join("plugins/3/f/Foo.toml"), "name = \"Foo\"\n").unwrap();
    // 10 MB plugin file.
    std::fs::create_dir_all(idx.join("plugins/bi/g-")).unwrap();
    std::fs::write(idx.join("plugins/bi/g-/big-one.toml"), vec![b'#'; 10 << 20]).unwrap();
    // Missing signature.
    std::fs::remove_file(idx.join(format!("{GREETER}.minisig"))).unwrap();
    let err = refused(&idx);
    assert!(
        err.contains("plugins/3/f/Foo.toml: error: not a plugin file at its proper path"),
        "{err}"
    );
    assert!(
        err.contains(
            "plugins/bi/g-/big-one.toml: error: file is 10485760 bytes; the limit is 1048576 bytes"
        ),
        "{err}"
    );
    assert!(
        err.contains(&format!("{GREETER}: error: `{GREETER}.minisig` is missing")),
        "{err}"
    );
}

#[test]
fn minisign_interoperates_both_ways() {
    if std::process::Command::new("minisign")
        .arg("-v")
        .output()
        .is_err()
    {
        plugres_test_support::missing_tool("minisign", "minisign");
    }
    let t = tempfile::tempdir().unwrap();
    let d = t.path();
    // 1. A file signed by plugres-index verifies with `minisign -V`.
    let idx = sample_index();
    std::fs::write(
        d.join("maint.pub"),
        std::fs::read(sample_key("sample-maintainers").with_extension("pub")).unwrap(),
    )
    .unwrap();
    let out = std::process::Command::new("minisign")
        .args(["-V", "-p"])
        .arg(d.join("maint.pub"))
        .arg("-m")
        .arg(idx.join(HELLO))
        .arg("-x")
        .arg(idx.join(format!("{HELLO}.minisig")))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains(&format!("path:{HELLO}")));

    // 2. A key made by `minisign -G` signs with plugres-index.
    let out = std::process::Command::new("minisign")
        .args(["-G", "-W", "-p"])
        .arg(d.join("c.pub"))
        .arg("-s")
        .arg(d.join("c.key"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let repo = sample_index_repo(d);
    run(
        plugres_index()
            .args(["key", "add", "c-tool", "--public-file"])
            .arg(d.join("c.pub"))
            .args(["--scope", "c-*", "--root-key"])
            .arg(sample_key("sample-root"))
            .arg("--index")
            .arg(&repo),
        true,
    );
    let src = d.join("src");
    std::fs::create_dir_all(&src).unwrap();
    std::fs::write(src.join("c.wasm"), b"\0asm\x01\0\0\0").unwrap();
    std::fs::write(src.join("plugin.toml"), "[plugin]\nname = \"c-plugin\"\nversion = \"0.1.0\"\ndescription = \"signed by a C minisign key\"\nengine = \"*\"\n\n[[artifact]]\ntarget = \"any\"\npath = \"c.wasm\"\n").unwrap();
    run(
        plugres_index()
            .arg("publish")
            .arg(src.join("plugin.toml"))
            .arg("--key")
            .arg(d.join("c.key"))
            .arg("--index")
            .arg(&repo),
        true,
    );
    // The sample is a trust-layer index: the new config and plugin file
    // need a new snapshot and timestamp (signed by the sample online key).
    plugres_e2e::index::TestIndex { dir: repo.clone() }.refresh();
    run(plugres_index().arg("validate").arg(&repo), true);
    // And `minisign -V` agrees on the result.
    let rel = "plugins/c-/pl/c-plugin.toml";
    let out = std::process::Command::new("minisign")
        .args(["-V", "-p"])
        .arg(d.join("c.pub"))
        .arg("-m")
        .arg(repo.join(rel))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
