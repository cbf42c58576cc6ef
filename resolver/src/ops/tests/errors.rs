//! The key failures, as the user reads them (snapshots).

use crate::ops::test_support::{SAMPLE_ROOT_KEY, Sandbox};
use crate::ops::{AddRequest, add, render};

fn add_err(s: &Sandbox, spec: &str) -> String {
    let request = AddRequest {
        specs: vec![spec.to_string()],
        ..AddRequest::default()
    };
    let before = s.snapshot();
    let err = add(&s.project(), &request, &s.opts()).expect_err("add must fail");
    assert_eq!(s.snapshot(), before, "a failed add changes nothing");
    s.redact(&render(&err))
}

#[test]
fn engine_conflict() {
    let s = Sandbox::new("1.4.2");
    insta::assert_snapshot!(add_err(&s, "hello-world@^2"));
}

#[test]
fn tampered_plugin_file() {
    let s = Sandbox::new("1.4.2");
    let file = s.index().join("plugins/he/ll/hello-world.toml");
    let text = std::fs::read_to_string(&file).unwrap();
    std::fs::write(&file, text.replace("Greets the world", "Steals the world")).unwrap();
    insta::assert_snapshot!(without_digests(&add_err(&s, "hello-world")));
}

/// `text` with sha256 digests and snapshot versions, which change whenever
/// the sample index is regenerated, shown as `[SHA256]` and `[N]`.
fn without_digests(text: &str) -> String {
    let words: Vec<String> = text
        .split(' ')
        .map(|w| {
            let core = w.trim_end_matches(['.', ',', ':', ';']);
            if core.len() == 64 && core.bytes().all(|b| b.is_ascii_hexdigit()) {
                w.replacen(core, "[SHA256]", 1)
            } else {
                w.to_string()
            }
        })
        .collect();
    let text = words.join(" ");
    match text.split_once("snapshot ") {
        Some((head, tail)) => {
            let digits = tail.bytes().take_while(u8::is_ascii_digit).count();
            format!("{head}snapshot [N]{}", &tail[digits..])
        }
        None => text,
    }
}

#[test]
fn wrong_root_key() {
    let s = Sandbox::new("1.4.2");
    let other = "RWTZQrJz+S+8l5y6PBJcGnK9StZJV+giaEnyw1Mpzvfn/kTfGrigOwjb";
    s.write_manifest(&s.manifest_text().replace(SAMPLE_ROOT_KEY, other));
    insta::assert_snapshot!(add_err(&s, "hello-world"));
}

#[test]
fn changed_installed_file_seen_by_the_host() {
    let s = Sandbox::new("1.4.2");
    let request = AddRequest {
        specs: vec!["hello-world".into()],
        ..AddRequest::default()
    };
    add(&s.project(), &request, &s.opts()).unwrap();
    std::fs::write(
        s.plugin_dir("hello-world").join("hello_world.wasm"),
        b"evil",
    )
    .unwrap();
    let err = crate::installed(&s.project()).unwrap_err();
    insta::assert_snapshot!(s.redact(&err.to_string()));
}

#[test]
fn tampered_plugin_file_met_while_resolving_is_reported_once() {
    let s = Sandbox::new("1.4.2");
    s.write_manifest(&(s.manifest_text() + "hello-world = \"^1\"\n"));
    let file = s.index().join("plugins/gr/ee/greeter-core.toml");
    let text = std::fs::read_to_string(&file).unwrap();
    std::fs::write(&file, text.replace("0.3.1", "0.3.9")).unwrap();
    let err = crate::ops::lock(&s.project(), &s.opts()).unwrap_err();
    let text = render(&err);
    assert_eq!(text.matches("does not match snapshot").count(), 1, "{text}");
    assert!(text.contains("plugins/gr/ee/greeter-core.toml"), "{text}");
    assert!(s.lock_text().is_none());
}
