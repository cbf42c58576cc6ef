use std::collections::BTreeMap;

use plugres_schema::{PluginFile, PluginName, index_path};

use super::*;
use plugres_index::validate::{Options, validate};

fn whole() -> Options {
    Options {
        base: None,
        check_artifacts: false,
    }
}

fn load(dir: &Path, name: &str) -> PluginFile {
    let path = index_path(&PluginName::new(name).unwrap());
    let bytes = std::fs::read(dir.join(&path)).unwrap();
    PluginFile::parse(&path, &bytes).unwrap()
}

#[test]
fn a_small_index_validates_without_diagnostics() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("index");
    let info = generate(&dir, 30, 3, 7).unwrap();
    let report = validate(&dir, &whole()).unwrap();
    assert!(report.diagnostics.is_empty(), "{:#?}", report.diagnostics);
    assert_eq!(report.files_checked, 60);
    assert_eq!(info.names.len(), 30);
    // Config, 30 plugin files, their signatures, snapshot, timestamp, the
    // head and the catalog's one shard.
    assert_eq!(info.paths.len(), 68);
    assert!(info.paths.contains(&plugres_schema::HEAD_PATH.to_string()));
    assert!(info.paths.contains(&"timestamp.toml.minisig".to_string()));
    assert_eq!(info.names[0].split('-').next(), Some("p00000"));
    // One cluster: the roots are its plugins from position WINDOW on.
    assert_eq!(info.suggested_roots.len(), 30 - WINDOW);
    let on_disk: u64 = info
        .paths
        .iter()
        .map(|p| std::fs::metadata(dir.join(p)).unwrap().len())
        .sum();
    assert_eq!(info.bytes, on_disk);
}

#[test]
fn the_solution_is_closed_and_uses_each_plugins_newest_usable_version() {
    let tmp = tempfile::tempdir().unwrap();
    let info = generate(tmp.path(), 230, 7, 3).unwrap();
    assert!(
        validate(tmp.path(), &whole())
            .unwrap()
            .diagnostics
            .is_empty()
    );
    let engine = semver::Version::parse(&info.engine_version).unwrap();
    let solution: BTreeMap<&str, semver::Version> = info
        .solution
        .iter()
        .map(|(n, v)| (n.as_str(), semver::Version::parse(v).unwrap()))
        .collect();
    // 230 plugins make 5 clusters, the last one partial (30 plugins): all
    // are picked.
    assert_eq!(
        info.suggested_roots.len(),
        4 * (CLUSTER - WINDOW) + 30 - WINDOW
    );
    assert!(solution.len() > info.suggested_roots.len());
    for (name, req) in &info.suggested_roots {
        let req = semver::VersionReq::parse(req).unwrap();
        assert!(req.matches(&solution[name.as_str()]), "{name} {req}");
    }
    let (mut yanked, mut pre, mut too_new) = (false, false, false);
    for (name, chosen) in &solution {
        let file = load(tmp.path(), name);
        let usable: Vec<_> = file
            .versions
            .iter()
            .filter(|v| !v.yanked && !v.version.is_prerelease() && v.engine.matches(&engine))
            .collect();
        let newest = usable.iter().max_by_key(|v| v.version.clone()).unwrap();
        assert_eq!(newest.version.semver(), chosen, "{name}");
        for v in &file.versions {
            yanked |= v.yanked;
            pre |= v.version.is_prerelease();
            too_new |= v.version.semver().major == 3 && !v.engine.matches(&engine);
        }
        for (dep, req) in &newest.dependencies {
            let dep_version = solution
                .get(dep.as_str())
                .unwrap_or_else(|| panic!("{name} needs {dep}, not in the solution"));
            assert!(req.matches(dep_version), "{name} needs {dep} {req}");
        }
    }
    // The resolver has to skip each kind of unusable version somewhere.
    assert!(yanked && pre && too_new);
}

#[test]
fn a_published_version_validates_since_the_base_commit() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let info = generate_git(dir, 30, 3, 1).unwrap();
    let repo = Repo::open(dir).unwrap();
    let base = repo.resolve_rev("HEAD").unwrap();
    let key = SigningKey::from_key_text(&info.publisher_key_text, None).unwrap();
    let head = publish_next_version(dir, &key, &info.names[17]).unwrap();
    assert_ne!(head, base);
    let report = validate(
        dir,
        &Options {
            base: Some(base),
            check_artifacts: false,
        },
    )
    .unwrap();
    // The only remark: the snapshot is stale until the post-merge job.
    let notes: Vec<String> = report.diagnostics.iter().map(ToString::to_string).collect();
    assert_eq!(notes.len(), 1, "{notes:#?}");
    assert!(
        notes[0].contains("warning: snapshot is stale"),
        "{notes:#?}"
    );
    assert_eq!(report.files_checked, 2);
    assert_eq!(load(dir, &info.names[17]).versions.len(), 4);
    snapshot_and_commit(dir, &info).unwrap();
    assert!(validate(dir, &whole()).unwrap().diagnostics.is_empty());
    let status = std::process::Command::new("git")
        .args(["status", "--porcelain"])
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(status.status.success());
    assert_eq!(String::from_utf8_lossy(&status.stdout), "");
}

#[test]
fn the_shape_depends_only_on_the_seed() {
    let a = plan(120, 5, 9);
    let b = plan(120, 5, 9);
    let c = plan(120, 5, 10);
    let shape = |p: &[Planned]| -> Vec<(String, Vec<usize>)> {
        p.iter()
            .map(|x| (x.name.to_string(), x.deps.clone()))
            .collect()
    };
    assert_eq!(shape(&a), shape(&b));
    assert_ne!(shape(&a), shape(&c));
    for (i, p) in a.iter().enumerate() {
        assert!(
            p.deps
                .iter()
                .all(|&d| d < i && d / CLUSTER == i / CLUSTER && i - d <= WINDOW)
        );
    }
}

#[test]
fn refuses_a_directory_that_is_not_empty() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("x"), "x").unwrap();
    let err = generate(tmp.path(), 1, 1, 0).unwrap_err();
    assert!(err.to_string().contains("is not empty"), "{err}");
}

#[test]
fn an_installable_index_holds_the_artifacts_of_its_solution() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let info = generate_installable(dir, 60, 4, 5).unwrap();
    let report = validate(dir, &whole()).unwrap();
    assert!(report.diagnostics.is_empty(), "{:#?}", report.diagnostics);
    assert_eq!(report.files_checked, 120);
    for (name, version) in &info.solution {
        let file = load(dir, name);
        let entry = file
            .versions
            .iter()
            .find(|v| v.version.to_string() == *version)
            .unwrap();
        let artifact = &entry.artifacts[0];
        assert!(
            artifact.url.starts_with(&format!("{ARTIFACT_DIR}/{name}/")),
            "{}",
            artifact.url
        );
        let bytes = std::fs::read(dir.join(&artifact.url)).unwrap();
        assert_eq!(bytes.len() as u64, artifact.size, "{name}");
        assert_eq!(Sha256::of(&bytes), artifact.sha256, "{name}");
    }
    // Only the solution's artifacts are written.
    let written = walkdir::WalkDir::new(dir.join(ARTIFACT_DIR))
        .into_iter()
        .filter(|e| e.as_ref().unwrap().file_type().is_file())
        .count();
    assert_eq!(written, info.solution.len());
}
