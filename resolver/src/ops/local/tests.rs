use super::*;
use crate::project::Lockfile;

/// A plugin folder `dir` with plugin.toml `extra` lines after the basics
/// and a built `out/my_plugin.wasm`.
fn folder(dir: &Path, extra: &str) -> LocalPath {
    std::fs::create_dir_all(dir.join("out")).unwrap();
    std::fs::write(dir.join("out/my_plugin.wasm"), b"\0asm local build 1").unwrap();
    let text = format!(
        "[plugin]\nname = \"my-plugin\"\nversion = \"0.1.0\"\ndescription = \"x\"\nengine = \">=1.4\"\npermissions = [\"network\"]\n\n[dependencies]\ngreeter-core = \"^0.3\"\n{extra}"
    );
    std::fs::write(dir.join(PLUGIN_TOML), text).unwrap();
    LocalPath {
        written: "../my-plugin".into(),
        dir: dir.to_path_buf(),
    }
}

const ANY: &str = "\n[[artifact]]\ntarget = \"any\"\npath = \"./out/my_plugin.wasm\"\n";

fn name() -> PluginName {
    PluginName::new("my-plugin").unwrap()
}

fn message(e: OpsError) -> String {
    format!("{e} | {}", e.hints().join(" | "))
}

#[test]
fn a_folder_becomes_one_candidate_and_a_lock_entry_with_the_file_hashed() {
    let tmp = tempfile::tempdir().unwrap();
    let path = folder(tmp.path(), ANY);
    let local = read(Some(&name()), &path, None).unwrap();
    assert_eq!(local.file, "out/my_plugin.wasm", "`.` parts dropped");
    assert_eq!(local.sha256, Sha256::of(b"\0asm local build 1"));
    assert_eq!(local.size, 18);
    let c = local.candidate();
    assert_eq!(c.version.to_string(), "0.1.0");
    assert_eq!(c.dependencies[0].0.as_str(), "greeter-core");
    assert!(c.usable && c.yanked.is_none());
    let locked = local.locked();
    assert_eq!(locked.path.as_deref(), Some("../my-plugin"));
    assert!(locked.registry.is_empty() && locked.granted.is_empty());
    assert_eq!(locked.artifacts[0].url, "out/my_plugin.wasm");
    assert_eq!(locked.permissions[0].as_str(), "network");
}

#[test]
fn a_folder_without_plugin_toml_or_a_built_file_says_what_to_do() {
    let tmp = tempfile::tempdir().unwrap();
    let path = LocalPath {
        written: "../nothing".into(),
        dir: tmp.path().join("nothing"),
    };
    let e = message(read(Some(&name()), &path, None).unwrap_err());
    assert!(e.contains("plugin.toml` of local plugin `my-plugin` (`path = \"../nothing\"` in plugres.toml): there is none"), "{e}");
    assert!(e.contains("README \"For plugin publishers\""), "{e}");
    let path = folder(&tmp.path().join("p"), "");
    let e = message(read(Some(&name()), &path, None).unwrap_err());
    assert!(
        e.contains("has no `[[artifact]]` with a `path` for target"),
        "{e}"
    );
    let path = folder(&tmp.path().join("q"), &ANY.replace("./out", "missing"));
    let e = message(read(Some(&name()), &path, None).unwrap_err());
    assert!(e.contains("cannot read the artifact"), "{e}");
    assert!(e.contains("build the plugin first"), "{e}");
}

#[test]
fn plugin_toml_is_parsed_strictly_and_must_name_the_plugin() {
    let tmp = tempfile::tempdir().unwrap();
    let path = folder(tmp.path(), &format!("{ANY}colour = \"red\"\n"));
    let e = message(read(Some(&name()), &path, None).unwrap_err());
    assert!(
        e.contains("plugin.toml:14:1: error: unknown field `colour`"),
        "{e}"
    );
    let path = folder(tmp.path(), ANY);
    let other = PluginName::new("other").unwrap();
    let e = message(read(Some(&other), &path, None).unwrap_err());
    assert!(
        e.contains("names plugin `my-plugin`, but plugres.toml has it as `other`"),
        "{e}"
    );
}

#[test]
fn an_artifact_path_out_of_the_folder_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("secret"), b"not the plugin").unwrap();
    for (path, why) in [
        ("../secret", "goes up with `..`"),
        ("out/../../secret", "goes up with `..`"),
        ("/etc/passwd", "is absolute"),
    ] {
        let dir = folder(
            &tmp.path().join("p"),
            &ANY.replace("./out/my_plugin.wasm", path),
        );
        let e = message(read(Some(&name()), &dir, None).unwrap_err());
        assert!(
            e.contains(&format!("the artifact `path = \"{path}\"` {why}")),
            "{e}"
        );
        assert!(
            e.contains("installs only files inside its own folder"),
            "{e}"
        );
    }
    #[cfg(unix)]
    {
        let dir = folder(
            &tmp.path().join("s"),
            &ANY.replace("./out/my_plugin.wasm", "link"),
        );
        std::os::unix::fs::symlink(tmp.path().join("secret"), tmp.path().join("s/link")).unwrap();
        let e = message(read(Some(&name()), &dir, None).unwrap_err());
        assert!(e.contains("leads out of the folder"), "{e}");
    }
}

#[test]
fn the_path_is_written_relative_to_the_project() {
    let project = Path::new("/w/proj");
    assert_eq!(
        relative_to(project, project, "../my-plugin"),
        "../my-plugin"
    );
    assert_eq!(relative_to(project, project, "./my-plugin/"), "my-plugin");
    assert_eq!(
        relative_to(project, &project.join("sub"), "../../x"),
        "../x"
    );
    assert_eq!(relative_to(project, &project.join("sub"), "x"), "sub/x");
    assert_eq!(relative_to(project, project, "/abs/x"), "/abs/x");
}

#[test]
fn a_rebuild_or_an_edited_lock_is_a_change_and_the_same_files_are_not() {
    let tmp = tempfile::tempdir().unwrap();
    let path = folder(tmp.path(), ANY);
    let local = read(Some(&name()), &path, None).unwrap();
    let lock = Lockfile {
        registries: Vec::new(),
        plugins: vec![local.locked()],
    };
    let locals = BTreeMap::from([("my-plugin".to_string(), local)]);
    assert!(changed_since(&lock, &locals).is_empty());
    // A lock edited to other bytes: found, not trusted.
    let mut edited = lock.clone();
    edited.plugins[0].artifacts[0].sha256 = Sha256::of(b"other");
    let changed = changed_since(&edited, &locals);
    assert!(
        changed[0]
            .1
            .starts_with("its file `out/my_plugin.wasm` changed"),
        "{changed:?}"
    );
    // A rebuild.
    std::fs::write(
        tmp.path().join("out/my_plugin.wasm"),
        b"\0asm local build 2",
    )
    .unwrap();
    let rebuilt = read(Some(&name()), &path, None).unwrap();
    let locals = BTreeMap::from([("my-plugin".to_string(), rebuilt)]);
    assert_eq!(changed_since(&lock, &locals).len(), 1);
}

#[test]
fn locked_and_frozen_refuse_local_plugins_unless_allowed() {
    let text = format!(
        "[engine]\nversion = \"1.4.2\"\n[registry.default]\nindex = \"../i\"\nroot-keys = [\"{}\"]\n[plugins]\nmy-plugin = {{ path = \"../my-plugin\" }}\n",
        crate::ops::test_support::SAMPLE_ROOT_KEY
    );
    let manifest = Manifest::parse("plugres.toml", &text, Path::new("/p")).unwrap();
    let mut opts = super::super::Options::new("/nonexistent");
    assert!(refuse_when_locked(&manifest, None, &opts).is_ok());
    opts.locked = true;
    let e = message(refuse_when_locked(&manifest, None, &opts).unwrap_err());
    assert!(e.starts_with("`my-plugin` is a local plugin (`path = \"../my-plugin\"`), and `--locked`/`--frozen` refuse local plugins"), "{e}");
    assert!(e.contains("pass `--allow-local`"), "{e}");
    opts.allow_local = true;
    assert!(refuse_when_locked(&manifest, None, &opts).is_ok());
}
