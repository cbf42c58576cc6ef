//! Checks of a change since a base revision that need history: a replayed
//! older signed file, a root key added without its signature, trust files
//! that are links.

use std::path::Path;

use plugres_schema::{CONFIG_PATH, PluginName, SigningKey, index_path, sign};

use super::{Options, validate};
use crate::checkout::sig_path;
use plugres_bench::synth::{SynthInfo, generate_git};
use plugres_test_support::git::git;

fn since(dir: &Path, base: &str) -> Vec<String> {
    let opts = Options {
        base: Some(base.to_string()),
        check_artifacts: false,
    };
    let report = validate(dir, &opts).unwrap();
    report.diagnostics.iter().map(ToString::to_string).collect()
}

fn commit(dir: &Path, message: &str) -> String {
    git(dir, &["add", "-A"]);
    git(dir, &["commit", "-q", "-m", message]);
    git(dir, &["rev-parse", "HEAD"]).trim().to_string()
}

/// Writes plugin `n` of `info` with `suffix` appended, signed at `stamp`;
/// returns its path and the (file, signature) bytes.
fn resign(
    dir: &Path,
    info: &SynthInfo,
    n: usize,
    suffix: &str,
    stamp: u64,
) -> (String, Vec<u8>, Vec<u8>) {
    let rel = index_path(&PluginName::new(&info.names[n]).unwrap());
    let text = std::fs::read_to_string(dir.join(&rel)).unwrap() + suffix;
    let key = SigningKey::from_key_text(&info.publisher_key_text, None).unwrap();
    let sig = sign(&key, &rel, text.as_bytes(), stamp).unwrap();
    std::fs::write(dir.join(&rel), &text).unwrap();
    std::fs::write(dir.join(sig_path(&rel)), &sig).unwrap();
    (rel, text.into_bytes(), sig.into_bytes())
}

#[test]
fn an_older_signed_file_replayed_is_refused_and_equal_times_pass() {
    let t = tempfile::tempdir().unwrap();
    let dir = t.path();
    let info = generate_git(dir, 4, 2, 1).unwrap();
    // Signed at 2_000_000_000, then changed again (as a yank would) at
    // 2_000_000_100.
    let (rel, old_text, old_sig) = resign(dir, &info, 1, "# before\n", 2_000_000_000);
    commit(dir, "before");
    resign(dir, &info, 1, "# after\n", 2_000_000_100);
    let base = commit(dir, "after");
    // The older pair, restored from history: valid, path-bound, in scope.
    std::fs::write(dir.join(&rel), &old_text).unwrap();
    std::fs::write(dir.join(sig_path(&rel)), &old_sig).unwrap();
    commit(dir, "replay");
    let d = since(dir, &base);
    let replayed: Vec<&String> = d
        .iter()
        .filter(|l| l.starts_with(&format!("{rel}: error: ")) && l.contains("replayed"))
        .collect();
    assert_eq!(replayed.len(), 1, "{d:#?}");
    assert!(
        replayed[0].contains("signed at 2033-05-18T03:33:20Z")
            && replayed[0].contains("(signed at 2033-05-18T03:35:00Z)"),
        "{d:#?}"
    );
    // A change signed in the same second as the base passes.
    git(dir, &["reset", "-q", "--hard", &base]);
    resign(dir, &info, 1, "# same second\n", 2_000_000_100);
    commit(dir, "same second");
    let d = since(dir, &base);
    assert!(!d.iter().any(|l| l.contains("replayed")), "{d:#?}");
}

fn config_text(version: u64, roots: &[(&str, &SigningKey)]) -> String {
    let mut s =
        format!("format = 1\nversion = {version}\nname = \"t\"\nengine = \"demo-engine\"\n");
    for (id, k) in roots {
        s += &format!(
            "\n[[root-key]]\nid = \"{id}\"\npublic = \"{}\"\n",
            k.public_base64()
        );
    }
    s
}

fn write_config(dir: &Path, text: &str, signers: &[&SigningKey]) {
    let sig: String = signers
        .iter()
        .map(|k| sign(k, CONFIG_PATH, text.as_bytes(), 1).unwrap())
        .collect();
    std::fs::write(dir.join(CONFIG_PATH), text).unwrap();
    std::fs::write(dir.join(sig_path(CONFIG_PATH)), sig).unwrap();
}

#[test]
fn a_new_root_key_must_sign_the_config() {
    let t = tempfile::tempdir().unwrap();
    let dir = t.path();
    git(dir, &["init", "-q"]);
    let (a, b) = (
        SigningKey::generate().unwrap(),
        SigningKey::generate().unwrap(),
    );
    write_config(dir, &config_text(1, &[("a", &a)]), &[&a]);
    let base = commit(dir, "init");
    let added = config_text(2, &[("a", &a), ("b", &b)]);
    write_config(dir, &added, &[&a]);
    commit(dir, "add b, signed by a alone");
    let d = since(dir, &base);
    assert!(
        d.iter()
            .any(|l| l.starts_with("config.toml: error: root key `b` is new")
                && l.contains("did not sign")
                && l.contains("rotate-root --keep-old")),
        "{d:#?}"
    );
    write_config(dir, &added, &[&a, &b]);
    commit(dir, "signed by both");
    let d = since(dir, &base);
    assert!(d.is_empty(), "{d:#?}");
}

#[test]
fn trust_files_that_are_links_or_too_large_are_refused() {
    let t = tempfile::tempdir().unwrap();
    let dir = t.path().join("idx");
    generate_git(&dir, 4, 2, 2).unwrap();
    let base = git(&dir, &["rev-parse", "HEAD"]).trim().to_string();
    // A link to a copy of the genuine file, outside the index: its bytes
    // verify, but a link is never followed.
    let outside = t.path().join("timestamp.toml");
    std::fs::copy(dir.join("timestamp.toml"), &outside).unwrap();
    std::fs::remove_file(dir.join("timestamp.toml")).unwrap();
    #[cfg(unix)]
    std::os::unix::fs::symlink(&outside, dir.join("timestamp.toml")).unwrap();
    // Keeps the test compiling on Windows, where it does not run (README "Platforms").
    #[cfg(windows)]
    std::os::windows::fs::symlink_file(&outside, dir.join("timestamp.toml")).unwrap();
    // A signature padded past what a client reads.
    let mut sig = std::fs::read(dir.join("snapshot.toml.minisig")).unwrap();
    sig.extend(vec![b'\n'; plugres_schema::MAX_SIGNATURE_SIZE]);
    std::fs::write(dir.join("snapshot.toml.minisig"), sig).unwrap();
    commit(&dir, "links");
    let d = since(&dir, &base);
    let refused = |path: &str, text: &str| {
        d.iter()
            .filter(|l| l.starts_with(&format!("{path}: error: ")) && l.contains(text))
            .count()
    };
    assert_eq!(refused("timestamp.toml", "not a regular file"), 1, "{d:#?}");
    assert_eq!(
        refused("snapshot.toml.minisig", "larger than 4096 bytes"),
        1,
        "{d:#?}"
    );
    let whole = validate(
        &dir,
        &Options {
            base: None,
            check_artifacts: false,
        },
    )
    .unwrap();
    assert!(
        whole.diagnostics.iter().any(|l| l
            .to_string()
            .starts_with("timestamp.toml: error: not a regular file")),
        "{:#?}",
        whole.diagnostics
    );
}
