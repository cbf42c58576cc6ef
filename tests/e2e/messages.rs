//! Messages that used to mislead, through the real binaries, pinned as
//! insta snapshots: each names what is wrong and what to do, and exits
//! non-zero. A full disk and a read-only `PLUGRES_HOME` are real: a small
//! (or read-only) tmpfs mounted in a private mount namespace with
//! `unshare` (util-linux), so the test needs no root.

use std::path::Path;
use std::process::{Command, Output};

use plugres_e2e::project::Project;
use plugres_e2e::*;

/// stderr of `out`, temp paths replaced by `[TMP]`, after checking the exit code.
fn said(out: &Output, code: i32, tmp: &Path) -> String {
    assert_eq!(out.status.code(), Some(code), "{}", stderr(out));
    stderr(out).replace(&tmp.display().to_string(), "[TMP]")
}

#[test]
fn a_plugin_name_with_a_stray_dash_is_a_usage_error_not_help() {
    let p = Project::new(None);
    let out = run(&mut p.cmd(&["add", "-hello"]), false);
    insta::assert_snapshot!(said(&out, 2, &p.dir));
    assert!(stdout(&out).is_empty(), "no help on stdout");
}

#[test]
fn a_plugres_home_that_is_a_file_is_named() {
    let p = Project::new(None);
    let file = p.dir.join("home-file");
    std::fs::write(&file, "").unwrap();
    let out = run(
        p.cmd(&["add", "hello-world", "--yes"])
            .env("PLUGRES_HOME", &file),
        false,
    );
    insta::assert_snapshot!(said(&out, 1, &p.dir));
}

/// `plugres ARGS` in `p` with `PLUGRES_HOME` on a fresh tmpfs mounted
/// with `options` in a private mount namespace.
fn on_tmpfs(p: &Project, options: &str, args: &[&str]) -> Output {
    let home = p.dir.join("small-home");
    std::fs::create_dir_all(&home).unwrap();
    let plugres = p.cmd(&[]).get_program().to_owned();
    let mut cmd = Command::new("unshare");
    cmd.args(["--user", "--map-root-user", "--mount", "sh", "-c"])
        .arg("mount -t tmpfs -o \"$0\" plugres-test \"$PLUGRES_HOME\" && exec \"$@\"")
        .arg(options)
        .arg(plugres)
        .arg("-C")
        .arg(&p.dir)
        .args(args)
        .env("PLUGRES_HOME", &home)
        .env("NO_COLOR", "1")
        .env_remove("PLUGRES_OFFLINE");
    let out = cmd
        .output()
        .expect("the full-disk tests need `unshare` (apt install util-linux)");
    assert!(
        !stderr(&out).contains("unshare:") && !stderr(&out).contains("mount:"),
        "could not mount a tmpfs in a private namespace (`unshare --user --map-root-user --mount` must work here): {}",
        stderr(&out)
    );
    out
}

#[test]
fn a_full_disk_under_the_cache_says_so() {
    let p = Project::new(None);
    // Bigger than what is left once the trust state is written.
    let big: Vec<u8> = (0..400_000u32).map(|i| (i % 251) as u8).collect();
    p.test_index()
        .plugin("big-one")
        .version("1.0.0", "*")
        .artifact("any", "big.wasm", &big)
        .publish();
    let before = p.project_state();
    let out = on_tmpfs(&p, "size=256k", &["add", "big-one", "--yes"]);
    let text = said(&out, 1, &p.dir);
    // The cache's temp file has a random name.
    let text = match text.find("blob-") {
        Some(at) => text.replace(&text[at..at + 11], "blob-[RANDOM]"),
        None => text,
    };
    insta::assert_snapshot!(text);
    assert_eq!(p.project_state(), before);
}

#[test]
fn a_read_only_plugres_home_never_suggests_deleting_the_trust_state() {
    let p = Project::new(None);
    let out = on_tmpfs(&p, "ro", &["add", "hello-world", "--yes"]);
    let text = said(&out, 1, &p.dir);
    assert!(!text.contains("delete"), "{text}");
    // The trust state's folder is named by a hash of the index's place.
    let text = match text.find("trust/index-") {
        Some(at) => text.replace(&text[at..at + 28], "trust/index-[HASH]"),
        None => text,
    };
    insta::assert_snapshot!(text);
}

#[test]
fn role_versions_at_their_maximum_and_expiries_past_9999_are_named() {
    let t = tempfile::tempdir().unwrap();
    let idx = sample_index_repo(t.path());
    let online = std::fs::read_to_string(sample_key("sample-online")).unwrap();
    for (file, role) in [
        ("snapshot.toml", "snapshot"),
        ("timestamp.toml", "timestamp"),
    ] {
        let path = idx.join(file);
        let text = std::fs::read_to_string(&path).unwrap();
        let at = text.find("\nversion = ").unwrap() + 11;
        let end = at + text[at..].find('\n').unwrap();
        let edited = format!("{}{}{}", &text[..at], u64::MAX, &text[end..]);
        std::fs::write(&path, edited).unwrap();
        let out = run(
            plugres_index()
                .args([role, "--index"])
                .arg(&idx)
                .env(format!("PLUGRES_{}_KEY", role.to_uppercase()), &online),
            false,
        );
        insta::assert_snapshot!(role, said(&out, 1, t.path()));
        std::fs::write(&path, text).unwrap();
    }
    let out = run(
        plugres_index()
            .args(["timestamp", "--expires-in", "999999999999d", "--index"])
            .arg(&idx)
            .env("PLUGRES_TIMESTAMP_KEY", &online),
        false,
    );
    insta::assert_snapshot!("expires_in", said(&out, 2, t.path()));
}

/// A conflict PubGrub proves one version at a time (each `wrapper`
/// pins its own `wrapper-impl`, every `wrapper-impl` needs base ^2, the
/// project wants base ^1) is told in a few lines with a hint; `--verbose`
/// adds every step of the derivation and drops the hint.
#[test]
fn a_long_conflict_is_summarised_and_verbose_shows_every_step() {
    let p = Project::new(None);
    let index = p.test_index();
    let mut wrapper = index.plugin("wrapper");
    let mut wrapper_impl = index.plugin("wrapper-impl");
    for patch in 0..8 {
        let v = format!("1.0.{patch}");
        wrapper = wrapper
            .version(&v, "*")
            .dep("wrapper-impl", &format!("={v}"))
            .artifact("any", "w.wasm", b"w");
        wrapper_impl = wrapper_impl
            .version(&v, "*")
            .dep("base", "^2")
            .artifact("any", "i.wasm", b"i");
    }
    wrapper.publish();
    wrapper_impl.publish();
    index
        .plugin("base")
        .version("1.0.0", "*")
        .artifact("any", "b.wasm", b"b")
        .version("2.0.0", "*")
        .artifact("any", "b.wasm", b"b")
        .publish();
    let before = p.project_state();
    let args = ["add", "base@^1", "wrapper@^1", "--yes"];
    let short = said(&run(&mut p.cmd(&args), false), 1, &p.dir);
    insta::assert_snapshot!("long_conflict_summary", short);
    let mut verbose_args = vec!["--verbose"];
    verbose_args.extend(args);
    let verbose = said(&run(&mut p.cmd(&verbose_args), false), 1, &p.dir);
    insta::assert_snapshot!("long_conflict_verbose", verbose);
    assert_eq!(p.project_state(), before, "nothing changed");
}

#[test]
fn a_dash_c_directory_that_does_not_exist_is_named_not_sent_to_init() {
    let p = Project::new(None);
    let out = run(
        plugres(&p.home)
            .current_dir(&p.dir)
            .args(["-C", "nowhere/at/all", "add", "hello-world"]),
        false,
    );
    insta::assert_snapshot!(said(&out, 1, &p.dir));
}

/// `plugres completions bash | head -1`: the reader closes the pipe, and
/// the writer stops quietly with status 0 (it panicked with 101).
#[test]
fn output_into_a_closed_pipe_ends_quietly() {
    let p = Project::new(None);
    for (mut cmd, what) in [
        (plugres(&p.home), "plugres"),
        (plugres_index(), "plugres-index"),
    ] {
        let mut child = cmd
            .args(["completions", "bash"])
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        // Close the read end before anything is written.
        drop(child.stdout.take());
        let out = child.wait_with_output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{what}: {}", stderr(&out));
        assert_eq!(stderr(&out), "", "{what}");
    }
}

/// Color on a pipe only when asked: FORCE_COLOR / CLICOLOR_FORCE turn it
/// on (CI logs render it), NO_COLOR wins over them.
#[test]
fn force_color_colors_a_pipe_and_no_color_wins() {
    let p = Project::new(None);
    let err = |env: &[(&str, &str)]| {
        let mut cmd = p.cmd(&["info", "no-such-plugin"]);
        cmd.env_remove("NO_COLOR");
        for (k, v) in env {
            cmd.env(k, v);
        }
        stderr(&run(&mut cmd, false))
    };
    assert!(!err(&[]).contains('\u{1b}'));
    assert!(err(&[("FORCE_COLOR", "1")]).contains("\u{1b}["));
    assert!(err(&[("CLICOLOR_FORCE", "1")]).contains("\u{1b}["));
    assert!(!err(&[("FORCE_COLOR", "1"), ("NO_COLOR", "1")]).contains('\u{1b}'));
}
