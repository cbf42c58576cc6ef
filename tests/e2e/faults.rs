//! `kill -9` at several points of `add`, `update` and `remove` of a
//! plugin with many files; afterwards one `plugres install` puts the
//! project right, and the lock, plugins/ and `plugres verify` agree.
//!
//! The kill points are seen from outside, in the install dir: while a
//! plugin folder is being unpacked (`.plugres-tmp-*`), once a folder is
//! moved aside (`.plugres-old-*`, `.plugres-del-*`), and in the middle of
//! deleting it (its marker already gone); plus halfway through the time
//! the command takes uninterrupted (the resolution). Bounded: three
//! commands, four points each, each wait at most 30 s.

use std::path::Path;
use std::time::{Duration, Instant};

use plugres_e2e::project::Project;
use plugres_e2e::tar_gz_of;

const FILES: usize = 1500;

/// A tar.gz of `FILES` small files in nested folders.
fn many_files(version: &str) -> Vec<u8> {
    tar_gz_of((0..FILES).map(|i| {
        let data = format!("{version} file {i}\n").into_bytes();
        (format!("d{}/f{i}.txt", i % 40), data)
    }))
}

/// A project whose index has `many-files` 1.0.0 and 1.1.0; with
/// `installed`, 1.0.0 is locked and installed (`=1.0.0`, then loosened to
/// `^1` in plugres.toml so `update` moves it).
fn project(installed: bool) -> Project {
    let p = Project::new(None);
    p.test_index()
        .plugin("many-files")
        .version("1.0.0", "*")
        .artifact("any", "many.tar.gz", &many_files("1.0.0"))
        .version("1.1.0", "*")
        .artifact("any", "many.tar.gz", &many_files("1.1.0"))
        .publish();
    if installed {
        p.ok(&["add", "many-files@=1.0.0", "--yes"]);
        let manifest = p.dir.join("plugres.toml");
        let text = std::fs::read_to_string(&manifest).unwrap();
        std::fs::write(&manifest, text.replace("\"=1.0.0\"", "\"^1\"")).unwrap();
    }
    p
}

const ADD: &[&str] = &["add", "many-files@=1.0.0", "--yes"];
const UPDATE: &[&str] = &["update", "many-files", "--yes"];
const REMOVE: &[&str] = &["remove", "many-files"];

/// The names of `dir`'s entries, sorted.
fn entries(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = match std::fs::read_dir(dir) {
        Ok(list) => list
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect(),
        Err(_) => Vec::new(),
    };
    names.sort();
    names
}

/// After recovery: `verify` passes, plugins/ holds exactly the locked
/// plugins and nothing of an interrupted run.
fn agree(p: &Project, what: &str) {
    p.ok(&["install", "--yes"]);
    let verify = p.json(&["verify"]);
    assert_eq!(verify["ok"], true, "{what}: {verify}");
    let lock: toml::Value =
        toml::from_str(&std::fs::read_to_string(p.dir.join("plugres.lock")).unwrap()).unwrap();
    let mut locked: Vec<String> = lock
        .get("plugin")
        .and_then(|v| v.as_array())
        .map(|a| {
            a.iter()
                .map(|p| p["name"].as_str().unwrap().to_string())
                .collect()
        })
        .unwrap_or_default();
    locked.sort();
    let installed = entries(&p.dir.join("plugins"));
    assert_eq!(
        installed, locked,
        "{what}: plugins/ and plugres.lock disagree"
    );
}

fn timed(p: &Project, args: &[&str]) -> Duration {
    let start = Instant::now();
    p.ok(args);
    start.elapsed()
}

/// Where to kill a run.
#[derive(Debug, Clone, Copy)]
enum Point {
    After(Duration),
    /// A folder named with this prefix shows up in plugins/.
    Seen(&'static str),
    /// A folder moved aside is half deleted: its marker is gone.
    Deleting,
}

fn reached(plugins: &Path, point: Point) -> bool {
    let moved = |n: &str| n.starts_with(".plugres-old-") || n.starts_with(".plugres-del-");
    entries(plugins).iter().any(|n| match point {
        Point::After(_) => false,
        Point::Seen(prefix) => n.starts_with(prefix) || (prefix == "moved" && moved(n)),
        Point::Deleting => {
            moved(n)
                && plugins.join(n).exists()
                && !plugins.join(n).join(".plugres-installed.toml").exists()
        }
    })
}

fn kill_at(p: &Project, args: &[&str], point: Point) {
    let mut child = p
        .cmd(args)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let plugins = p.dir.join("plugins");
    let deadline = Instant::now() + Duration::from_secs(30);
    match point {
        Point::After(delay) => std::thread::sleep(delay),
        _ => {
            while !reached(&plugins, point)
                && Instant::now() < deadline
                && child.try_wait().unwrap().is_none()
            {
                std::thread::sleep(Duration::from_micros(200));
            }
        }
    }
    let _ = child.kill(); // SIGKILL; it may have finished already
    child.wait().unwrap();
}

#[test]
fn kill_9_during_add_update_and_remove_then_install_agrees() {
    for (args, installed) in [(ADD, false), (UPDATE, true), (REMOVE, true)] {
        let full = timed(&project(installed), args);
        for point in [
            Point::After(full / 2),
            Point::Seen(".plugres-tmp-"),
            Point::Seen("moved"),
            Point::Deleting,
        ] {
            let p = project(installed);
            kill_at(&p, args, point);
            agree(&p, &format!("`{}` killed at {point:?}", args.join(" ")));
        }
    }
}
