//! What a registry may not do to a project: shadow a private plugin's
//! dependency from another index (dependency confusion), or change the
//! artifact of a version already locked; and a run that waited for the
//! project lock acts on the plugres.toml the previous run left.

use std::path::{Path, PathBuf};
use std::sync::{Mutex, mpsc};
use std::time::Duration;

use plugres_schema::{PluginName, Sha256, index_path, render};

use crate::index::fixture::{TestIndex, TestPlugin};
use crate::install::ProjectLock;
use crate::ops::{Options, lock, render as render_error};
use crate::project::{Lockfile, Manifest};

/// A project in a tempdir whose registries are test indexes.
struct Project {
    tmp: tempfile::TempDir,
}

impl Project {
    /// plugres.toml with `registries` (name, index) and `plugins` lines.
    fn new(registries: &[(&str, &TestIndex)], plugins: &str) -> Project {
        let p = Project {
            tmp: tempfile::tempdir().expect("tempdir"),
        };
        p.write_manifest(registries, plugins);
        p
    }

    fn write_manifest(&self, registries: &[(&str, &TestIndex)], plugins: &str) {
        let mut text = "[engine]\nversion = \"1.4.2\"\n".to_string();
        for (name, ix) in registries {
            text.push_str(&format!(
                "\n[registry.{name}]\nindex = \"{}\"\nroot-keys = [\"{}\"]\n",
                ix.root().display(),
                ix.root_key.public_base64()
            ));
        }
        text.push_str(&format!("\n[plugins]\n{plugins}"));
        std::fs::write(self.dir().join("plugres.toml"), text).expect("write manifest");
    }

    fn dir(&self) -> PathBuf {
        self.tmp.path().to_path_buf()
    }

    fn opts(&self) -> Options {
        Options::new(self.tmp.path().join(".cache"))
    }

    fn lock_text(&self) -> Option<String> {
        std::fs::read_to_string(self.dir().join("plugres.lock")).ok()
    }

    fn lockfile(&self) -> Lockfile {
        Lockfile::load(&self.dir().join("plugres.lock"))
            .expect("lock readable")
            .expect("lock exists")
    }

    fn manifest(&self) -> Manifest {
        Manifest::load(&self.dir().join("plugres.toml")).expect("manifest")
    }

    /// `name version registry` of every locked plugin.
    fn locked(&self) -> Vec<String> {
        self.lockfile()
            .plugins
            .iter()
            .map(|p| format!("{} {} {}", p.name, p.version, p.registry))
            .collect()
    }
}

fn plugin(name: &str, version: &str) -> TestPlugin {
    TestPlugin::new(name)
        .version(version, ">=1")
        .artifact("any")
}

const AUDIT: &str = "acme-audit = { version = \"2\", registry = \"acme\" }\n";

#[test]
fn an_unlisted_dependency_comes_from_its_dependents_registry_only() {
    let public = TestIndex::new();
    let acme = TestIndex::new();
    acme.publish(
        plugin("acme-audit", "2.0.0").dep("acme-core", ">=1"),
        "maint",
    );
    acme.publish(plugin("acme-core", "1.0.0"), "maint");
    // The attacker's higher version in the public default index.
    public.publish(plugin("acme-core", "99.0.0"), "maint");
    let p = Project::new(&[("default", &public), ("acme", &acme)], AUDIT);

    lock(&p.dir(), &p.opts()).expect("lock");
    assert_eq!(
        p.locked(),
        vec!["acme-audit 2.0.0 acme", "acme-core 1.0.0 acme"]
    );
    let lockfile = p.lockfile();
    assert!(lockfile.registry("default").is_none(), "{lockfile:?}");
    // The lock agrees with how it is checked: `install` would not re-lock.
    assert!(lockfile.is_current_for(&p.manifest()));

    // Without acme-core in acme, nothing falls back to the public index.
    std::fs::remove_file(p.dir().join("plugres.lock")).unwrap();
    let core = acme
        .root()
        .join(index_path(&PluginName::new("acme-core").unwrap()));
    std::fs::remove_file(&core).unwrap();
    let err = lock(&p.dir(), &p.opts()).unwrap_err();
    let text = render_error(&err);
    assert!(
        text.contains("`acme-audit` from registry `acme` depends on `acme-core`, which registry `acme` does not have"),
        "{text}"
    );
    assert!(
        text.contains("hint: if `acme-core` should come from another registry, list it"),
        "{text}"
    );
    assert_eq!(p.lock_text(), None);

    // Listing it with a registry is the deliberate way, and stays current.
    p.write_manifest(
        &[("default", &public), ("acme", &acme)],
        &format!("{AUDIT}acme-core = {{ version = \"*\", registry = \"default\" }}\n"),
    );
    lock(&p.dir(), &p.opts()).expect("lock with acme-core listed");
    assert!(p.locked().contains(&"acme-core 99.0.0 default".to_string()));
    assert!(p.lockfile().is_current_for(&p.manifest()));
}

#[test]
fn two_registries_claiming_one_unlisted_dependency_fail() {
    let public = TestIndex::new();
    let acme = TestIndex::new();
    acme.publish(plugin("acme-audit", "2.0.0").dep("shared", "*"), "maint");
    acme.publish(plugin("shared", "1.0.0"), "maint");
    public.publish(plugin("hello", "1.0.0").dep("shared", "*"), "maint");
    public.publish(plugin("shared", "5.0.0"), "maint");
    let registries = [("default", &public), ("acme", &acme)];
    let p = Project::new(&registries, &format!("hello = \"1\"\n{AUDIT}"));

    let err = lock(&p.dir(), &p.opts()).unwrap_err();
    let text = render_error(&err);
    assert!(text.contains("`shared` is needed by"), "{text}");
    assert!(
        text.contains("registry `acme`") && text.contains("registry `default`"),
        "{text}"
    );
    assert!(text.contains("hint: list it in plugres.toml"), "{text}");
    assert_eq!(p.lock_text(), None);

    p.write_manifest(
        &registries,
        &format!("hello = \"1\"\n{AUDIT}shared = {{ version = \"1\", registry = \"acme\" }}\n"),
    );
    lock(&p.dir(), &p.opts()).expect("lock with shared listed");
    assert!(p.locked().contains(&"shared 1.0.0 acme".to_string()));
    assert!(p.lockfile().is_current_for(&p.manifest()));
}

/// Re-signs `name`'s file in `ix` with `edit` applied to its first
/// version's first artifact (what a compromised index could serve).
fn republish(
    ix: &TestIndex,
    file: &plugres_schema::PluginFile,
    edit: impl Fn(&mut plugres_schema::Artifact),
) {
    let mut file = file.clone();
    edit(&mut file.versions[0].artifacts[0]);
    let text = render::plugin_file(&file);
    ix.write_signed(
        &index_path(&file.name),
        text.as_bytes(),
        ix.publisher("maint"),
    );
}

#[test]
fn relocking_refuses_a_changed_artifact_of_a_locked_version() {
    let ix = TestIndex::new();
    let file = ix.publish(plugin("hello", "1.0.0"), "maint");
    let p = Project::new(&[("default", &ix)], "hello = \"1\"\n");
    lock(&p.dir(), &p.opts()).expect("lock");
    let before = p.lock_text().expect("lock written");

    // Another URL for the same bytes is fine (a mirror, a moved file).
    republish(&ix, &file, |a| a.url = "moved/hello.bin".into());
    lock(&p.dir(), &p.opts()).expect("same sha256 and size");
    assert!(p.lock_text().unwrap().contains("moved/hello.bin"));
    let moved = p.lock_text().unwrap();

    republish(&ix, &file, |a| a.sha256 = Sha256::of(b"evil"));
    let err = lock(&p.dir(), &p.opts()).unwrap_err();
    let text = render_error(&err);
    assert!(
        text.contains("changed the artifact of the published version `hello 1.0.0`"),
        "{text}"
    );
    assert!(text.contains("may be compromised"), "{text}");
    assert!(
        text.contains("delete the `[[plugin]]` entry of `hello`"),
        "{text}"
    );
    assert_eq!(p.lock_text().unwrap(), moved, "lock untouched");

    republish(&ix, &file, |a| a.size += 1);
    let err = lock(&p.dir(), &p.opts()).unwrap_err();
    assert!(err.to_string().contains("`hello 1.0.0`"), "{err}");
    assert_ne!(before, moved);

    // The deliberate way: drop the entry, then lock again.
    std::fs::remove_file(p.dir().join("plugres.lock")).unwrap();
    lock(&p.dir(), &p.opts()).expect("lock after removing the entry");
}

#[test]
fn a_run_that_waited_for_the_project_lock_reads_the_manifest_after() {
    let ix = TestIndex::new();
    ix.publish(plugin("hello", "1.0.0"), "maint");
    ix.publish(plugin("extra", "1.0.0"), "maint");
    let p = Project::new(&[("default", &ix)], "hello = \"1\"\n");
    let held = ProjectLock::acquire(&p.dir(), |_| {}).expect("lock");

    let (tx, rx) = mpsc::channel();
    let mut opts = p.opts();
    let tx = Mutex::new(tx);
    opts.status = Some(Box::new(move |line: &str| {
        let _ = tx.lock().unwrap().send(line.to_string());
    }));
    let dir: &Path = &p.dir();
    std::thread::scope(|scope| {
        let run = scope.spawn(|| lock(dir, &opts));
        let line = rx
            .recv_timeout(Duration::from_secs(30))
            .expect("the run waits for the project lock");
        assert!(line.contains("waiting for another plugres"), "{line}");
        // What the holder (say an `add`) changes before it lets go.
        p.write_manifest(&[("default", &ix)], "hello = \"1\"\nextra = \"1\"\n");
        drop(held);
        run.join().expect("no panic").expect("lock");
    });
    assert_eq!(
        p.locked(),
        vec!["extra 1.0.0 default", "hello 1.0.0 default"]
    );
}

#[test]
fn the_lock_records_the_snapshot_and_install_locked_warns_of_a_later_yank() {
    const FAR: u64 = 4_000_000_000;
    let ix = TestIndex::new();
    let online = ix.enable_snapshots();
    let file = ix.publish(plugin("hello", "1.0.0"), "maint");
    ix.snapshot(&online, 1, 0);
    ix.timestamp(&online, 1, FAR);
    let p = Project::new(&[("default", &ix)], "hello = \"1\"\n");
    lock(&p.dir(), &p.opts()).expect("lock");
    assert_eq!(p.lockfile().registries[0].snapshot, Some(1));
    assert!(p.lock_text().unwrap().contains("snapshot = 1\n"));

    // A new snapshot that changes nothing for this project: the lock stays.
    ix.publish(plugin("other", "1.0.0"), "maint");
    ix.snapshot(&online, 2, 0);
    ix.timestamp(&online, 2, FAR);
    let before = p.lock_text();
    let mut locked_opts = p.opts();
    locked_opts.locked = true;
    lock(&p.dir(), &locked_opts).expect("--locked: nothing to change");
    assert_eq!(p.lock_text(), before);

    // The locked version is yanked in snapshot 3.
    let mut yanked = file.clone();
    yanked.versions[0].yanked = true;
    yanked.versions[0].yank_reason = Some("CVE-2026-0002: use 1.0.1".into());
    let text = render::plugin_file(&yanked);
    ix.write_signed(
        &index_path(&yanked.name),
        text.as_bytes(),
        ix.publisher("maint"),
    );
    ix.snapshot(&online, 3, 0);
    ix.timestamp(&online, 3, FAR);
    let report = crate::ops::install(&p.dir(), &locked_opts).expect("install --locked");
    assert_eq!(p.lock_text(), before, "the lock is not changed");
    assert!(
        p.dir().join("plugins/hello").is_dir(),
        "still installed as locked"
    );
    let warning = report
        .warnings
        .iter()
        .find(|w| w.contains("yanked"))
        .expect("a warning");
    assert!(
        warning.contains("`hello 1.0.0` was yanked after plugres.lock was made (snapshot 1; this machine has seen snapshot 3): CVE-2026-0002: use 1.0.1"),
        "{warning}"
    );
    // No other version exists: `update` could not help, and it is not said.
    assert!(
        warning.contains("no other version of `hello` can replace it yet")
            && !warning.contains("plugres update"),
        "{warning}"
    );

    // 2.0.0 is published, outside `hello = "1"`: the hint is the `add` that works.
    let mut two = yanked.versions[0].clone();
    two.version = plugres_schema::Version::parse("2.0.0").unwrap();
    two.yanked = false;
    two.yank_reason = None;
    yanked.versions.push(two);
    let text = render::plugin_file(&yanked);
    ix.write_signed(
        &index_path(&yanked.name),
        text.as_bytes(),
        ix.publisher("maint"),
    );
    ix.snapshot(&online, 4, 0);
    ix.timestamp(&online, 4, FAR);
    let report = crate::ops::install(&p.dir(), &locked_opts).expect("install --locked");
    let warning = report
        .warnings
        .iter()
        .find(|w| w.contains("yanked"))
        .expect("a warning");
    assert!(
        warning.contains("run `plugres add hello@^2.0.0` to move to 2.0.0"),
        "{warning}"
    );
    let mut manifest = std::fs::read_to_string(p.dir().join("plugres.toml")).unwrap();
    manifest = manifest.replace("hello = \"1\"", "hello = \"^2.0.0\"");
    std::fs::write(p.dir().join("plugres.toml"), manifest).unwrap();
    lock(&p.dir(), &p.opts()).expect("the hinted requirement locks");
    assert!(p.lock_text().unwrap().contains("version = \"2.0.0\""));
}

/// A host serving an older config without snapshot keys is refused on a
/// machine that never saw the index, once the project recorded that the
/// registry has a snapshot: by `require-snapshot` (written by `registry
/// add` for an index with one) or by the snapshot in plugres.lock.
#[test]
fn a_project_that_knows_its_registry_has_a_snapshot_refuses_a_downgrade() {
    const FAR: u64 = 4_000_000_000;
    let ix = TestIndex::new();
    ix.publish(plugin("hello", "1.0.0"), "maint");
    let legacy_config = std::fs::read(ix.root().join("config.toml")).unwrap();
    let legacy_sig = std::fs::read(ix.root().join("config.toml.minisig")).unwrap();
    let online = ix.enable_snapshots();
    ix.snapshot(&online, 1, 0);
    ix.timestamp(&online, 1, FAR);
    let p = Project::new(&[], "");
    let key = ix.root_key.public_base64();
    let index = ix.root().display().to_string();
    crate::ops::registry_add(&p.dir(), "default", &index, &[key], &p.opts()).expect("registry add");
    let manifest = std::fs::read_to_string(p.dir().join("plugres.toml")).unwrap();
    let manifest = manifest.replace("[plugins]\n", "[plugins]\nhello = \"1\"\n");
    std::fs::write(p.dir().join("plugres.toml"), &manifest).unwrap();
    assert!(manifest.contains("require-snapshot = true"), "{manifest}");
    lock(&p.dir(), &p.opts()).expect("lock");
    assert_eq!(p.lockfile().registries[0].snapshot, Some(1));

    // The host replays the pre-snapshot config; this machine forgets all.
    std::fs::write(ix.root().join("config.toml"), &legacy_config).unwrap();
    std::fs::write(ix.root().join("config.toml.minisig"), &legacy_sig).unwrap();
    let fresh = || {
        let mut o = p.opts();
        o.trust.dir = Some(tempfile::tempdir().unwrap().keep());
        o
    };
    let before = p.lock_text();
    let err = render_error(&crate::ops::update(&p.dir(), &[], &fresh()).unwrap_err());
    assert!(err.contains("downgrade"), "{err}");
    assert_eq!(p.lock_text(), before);
    // The lock alone is enough, without `require-snapshot`.
    let text = manifest.replace("require-snapshot = true\n", "");
    std::fs::write(p.dir().join("plugres.toml"), text).unwrap();
    let err = render_error(&lock(&p.dir(), &fresh()).map(|_| ()).unwrap_err());
    assert!(err.contains("downgrade"), "{err}");
}
