//! Versions with build metadata (`1.2.0+build.5`, README "Formats"): the
//! real `plugres-index publish` writes one, and the real `plugres` locks,
//! installs, lists and re-checks it from a sparse HTTP index, its artifact
//! URL carrying the `+`.

use std::path::Path;

use plugres_e2e::index::{TestIndex, sample_root_key};
use plugres_e2e::project::{Backend, Project};
use plugres_e2e::*;

/// A `plugin.toml` for `acme-build` at `version` with a one-file artifact.
fn manifest(dir: &Path, version: &str) -> std::path::PathBuf {
    let src = dir.join(format!("src-{version}"));
    std::fs::create_dir_all(&src).unwrap();
    std::fs::write(src.join("mod.wasm"), format!("\0asm{version}")).unwrap();
    let toml = format!(
        "[plugin]\nname = \"acme-build\"\nversion = \"{version}\"\ndescription = \"built\"\nengine = \">=1.0\"\n\n[[artifact]]\ntarget = \"any\"\npath = \"mod.wasm\"\n"
    );
    std::fs::write(src.join("plugin.toml"), toml).unwrap();
    src.join("plugin.toml")
}

fn publish(index: &Path, manifest: &Path, ok: bool) -> std::process::Output {
    run(
        plugres_index()
            .arg("publish")
            .arg(manifest)
            .arg("--key")
            .arg(sample_key("acme-release"))
            .arg("--index")
            .arg(index)
            .arg("--no-branch"),
        ok,
    )
}

#[test]
fn a_version_with_build_metadata_is_published_and_installed() {
    let tmp = tempfile::tempdir().unwrap();
    let index = tmp.path().join("index");
    let idx = TestIndex::sample_copy(&index, None);
    publish(&index, &manifest(tmp.path(), "0.9.0"), true);
    publish(&index, &manifest(tmp.path(), "1.0.0+build.5"), true);
    // The same version with other build metadata is one version: refused.
    let out = publish(&index, &manifest(tmp.path(), "1.0.0+build.6"), false);
    assert!(
        stderr(&out).contains("acme-build 1.0.0+build.6 is already published as `1.0.0+build.5`"),
        "{}",
        stderr(&out)
    );
    idx.refresh();
    run(plugres_index().arg("validate").arg(&index), true);

    let p = Project::with_backend(tmp, index, &sample_root_key(), Backend::Sparse);
    p.ok(&["add", "acme-build", "--yes"]);
    let lock = std::fs::read_to_string(p.dir.join("plugres.lock")).unwrap();
    assert!(lock.contains("version = \"1.0.0+build.5\""), "{lock}");
    assert!(
        lock.contains("artifacts/acme-build/1.0.0+build.5/mod.wasm"),
        "{lock}"
    );
    let manifest = std::fs::read_to_string(p.dir.join("plugres.toml")).unwrap();
    assert!(manifest.contains("acme-build = \"^1.0.0\""), "{manifest}");
    let installed = std::fs::read(p.dir.join("plugins/acme-build/mod.wasm")).unwrap();
    assert_eq!(installed, b"\0asm1.0.0+build.5");

    let tree = stdout(&p.ok(&["tree"]));
    assert!(tree.contains("acme-build 1.0.0+build.5"), "{tree}");
    let info = p.json(&["info", "acme-build"]);
    assert_eq!(info["versions"][0]["version"], "1.0.0+build.5", "{info}");
    assert_eq!(info["versions"][1]["version"], "0.9.0", "{info}");
    let outdated = p.json(&["outdated"]);
    let row = &outdated["plugins"][0];
    assert_eq!(
        (row["current"].as_str(), row["compatible"].as_str()),
        (Some("1.0.0+build.5"), Some("1.0.0+build.5")),
        "{outdated}"
    );
    // A fresh process re-checks the lock against the index and reinstalls
    // nothing; `verify` agrees.
    p.ok(&["install"]);
    p.ok(&["verify"]);
    p.ok(&["add", "acme-build@=1.0.0", "--yes"]);
    let again = std::fs::read_to_string(p.dir.join("plugres.lock")).unwrap();
    assert_eq!(again, lock, "`=1.0.0` matches `1.0.0+build.5`");
}
