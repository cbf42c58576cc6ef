//! Format evolution (README "Format evolution"): an index written by a
//! newer `plugres-index`, with a field today's plugres does not know in a
//! properly signed plugin file, still works with today's client, which
//! warns once per run; the index tool's `validate` refuses the same file
//! at the field's line and column.

use plugres_e2e::index::{TestIndex, sample_root_key};
use plugres_e2e::project::{Backend, Project};
use plugres_e2e::*;

const FILE: &str = "plugins/he/ll/hello-world.toml";

/// Every version of `hello-world` gains `reviewed-by` and the plugin a
/// `[funding]` table, signed by the sample publisher key.
fn future_index(dir: &std::path::Path) -> TestIndex {
    let idx = TestIndex::sample_copy(dir, None);
    idx.edit(FILE, "sample-maintainers", |text| {
        text.replace(
            "permissions = [",
            "reviewed-by = \"audit-team\"\npermissions = [",
        )
        .replacen(
            "\n[[version]]",
            "\n[funding]\nurl = \"https://example.com/fund\"\n\n[[version]]",
            1,
        )
    });
    idx
}

fn warnings(text: &str) -> Vec<&str> {
    text.lines().filter(|l| l.starts_with("warning:")).collect()
}

#[test]
fn todays_client_reads_an_index_with_a_future_field_and_validate_refuses_it() {
    let tmp = tempfile::tempdir().unwrap();
    let index = tmp.path().join("index");
    future_index(&index);

    let p = Project::with_backend(tmp, index.clone(), &sample_root_key(), Backend::Sparse);
    let out = p.ok(&["add", "hello-world", "--yes"]);
    let said = stderr(&out);
    // Each field once, though every version carries `reviewed-by`.
    insta::assert_snapshot!("client_warning", warnings(&said).join("\n"));
    let lock = std::fs::read_to_string(p.dir.join("plugres.lock")).unwrap();
    assert!(lock.contains("name = \"hello-world\""), "{lock}");
    assert!(p.dir.join("plugins/hello-world").is_dir());

    // A fresh run that parses the file again (the verified-entry cache
    // cleared) says each field once again; `lock` works and changes nothing.
    std::fs::remove_dir_all(p.home.join("index/verified")).unwrap();
    let out = p.ok(&["lock"]);
    let again = stderr(&out);
    assert_eq!(warnings(&again), warnings(&said), "{again}");
    assert_eq!(
        std::fs::read_to_string(p.dir.join("plugres.lock")).unwrap(),
        lock
    );
    // Under --json nothing but the document is printed; the sample's
    // authors and support URL (written by `publish`) are in it.
    let out = p.ok(&["info", "hello-world", "--json"]);
    assert!(warnings(&stderr(&out)).is_empty(), "{}", stderr(&out));
    let info: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        info["authors"],
        serde_json::json!([
            "plugres sample <sample@plugres.invalid>",
            "Demo Engine Team"
        ])
    );
    assert_eq!(
        info["support"],
        "https://github.com/plugres/sample-hello-world/issues"
    );

    let out = run(plugres_index().arg("validate").arg(&index), false);
    let said = stderr(&out);
    let refused: Vec<&str> = said
        .lines()
        .filter(|l| l.contains("unknown field"))
        .collect();
    insta::assert_snapshot!("validate_error", refused.join("\n"));
}
