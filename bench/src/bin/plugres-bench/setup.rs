//! Everything a measurement stands on: the two binaries, a generated index
//! and a project that asks for the index's suggested roots.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use anyhow::{Context, Result, bail};
use serde::Deserialize;

/// The binaries the benchmark runs.
pub(crate) struct Tools {
    /// `plugres-index-bench`, which writes synthetic indexes.
    pub(crate) generator: PathBuf,
    /// The `plugres` binary under test.
    pub(crate) plugres: PathBuf,
}

impl Tools {
    /// The given paths, or the binaries next to this executable (the same
    /// `target/<profile>/` directory).
    pub(crate) fn find(generator: Option<PathBuf>, plugres: Option<PathBuf>) -> Result<Tools> {
        let here = std::env::current_exe().context("cannot find this executable's path")?;
        let dir = here.parent().map(Path::to_path_buf).unwrap_or_default();
        let pick = |given: Option<PathBuf>, name: &str, build: &str| -> Result<PathBuf> {
            let path = given
                .unwrap_or_else(|| dir.join(format!("{name}{}", std::env::consts::EXE_SUFFIX)));
            if !path.is_file() {
                bail!(
                    "`{}` does not exist; build it with `{build}` (same profile as this benchmark), or pass its path",
                    path.display()
                );
            }
            Ok(path)
        };
        Ok(Tools {
            generator: pick(
                generator,
                "plugres-index-bench",
                "cargo build --release -p plugres-bench --bin plugres-index-bench",
            )?,
            plugres: pick(
                plugres,
                "plugres",
                "cargo build --release -p plugres --bin plugres",
            )?,
        })
    }
}

/// The shape of a synthetic index.
#[derive(Debug, Clone)]
pub(crate) struct IndexSpec {
    pub(crate) plugins: usize,
    pub(crate) versions: usize,
    pub(crate) seed: u64,
}

impl IndexSpec {
    fn slug(&self) -> String {
        format!("{}x{}-seed{}", self.plugins, self.versions, self.seed)
    }
}

/// What the generator tells about an index (the fields used here of its
/// `SynthInfo` JSON).
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct SynthInfo {
    pub(crate) root_public_key: String,
    pub(crate) suggested_roots: Vec<(String, String)>,
    pub(crate) solution: Vec<(String, String)>,
    pub(crate) engine_version: String,
    /// Index files written (config, plugin files, signatures).
    pub(crate) paths: Vec<String>,
    pub(crate) bytes: u64,
}

/// A generated index on disk.
pub(crate) struct Index {
    pub(crate) dir: PathBuf,
    pub(crate) info: SynthInfo,
    /// Seconds the generator took; `None` when an earlier index was reused.
    pub(crate) generate_s: Option<f64>,
}

/// The index of `spec` under `work`: generated now, or reused when an
/// earlier run left a complete one (its description file is written last).
pub(crate) fn index(tools: &Tools, work: &Path, spec: &IndexSpec) -> Result<Index> {
    let dir = work.join(format!("index-{}", spec.slug()));
    let info_path = work.join(format!("index-{}.json", spec.slug()));
    if dir.is_dir() && info_path.is_file() {
        let text = std::fs::read_to_string(&info_path)
            .with_context(|| format!("cannot read `{}`", info_path.display()))?;
        let info = serde_json::from_str(&text)
            .with_context(|| format!("`{}` is not a generator description", info_path.display()))?;
        return Ok(Index {
            dir,
            info,
            generate_s: None,
        });
    }
    if dir.exists() {
        std::fs::remove_dir_all(&dir)
            .with_context(|| format!("cannot remove the partial index `{}`", dir.display()))?;
    }
    std::fs::create_dir_all(work).with_context(|| format!("cannot create `{}`", work.display()))?;
    eprintln!(
        "Generating {} plugins x {} versions in `{}`...",
        spec.plugins,
        spec.versions,
        dir.display()
    );
    let start = Instant::now();
    let output = Command::new(&tools.generator)
        .arg("generate")
        .arg(&dir)
        .args(["--plugins", &spec.plugins.to_string()])
        .args(["--versions", &spec.versions.to_string()])
        .args(["--seed", &spec.seed.to_string()])
        .args(["--artifacts", "--json"])
        .output()
        .with_context(|| format!("cannot run `{}`", tools.generator.display()))?;
    let generate_s = start.elapsed().as_secs_f64();
    if !output.status.success() {
        bail!(
            "`{} generate` failed ({}): {}",
            tools.generator.display(),
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        );
    }
    let info = serde_json::from_slice(&output.stdout).with_context(|| {
        format!(
            "`{} generate --json` printed no description this benchmark understands",
            tools.generator.display()
        )
    })?;
    std::fs::write(&info_path, &output.stdout)
        .with_context(|| format!("cannot write `{}`", info_path.display()))?;
    Ok(Index {
        dir,
        info,
        generate_s: Some(generate_s),
    })
}

/// A new project under `work` (replacing one left by an earlier run) whose
/// plugres.toml asks for the suggested roots of `index`, read from its
/// directory (a path registry); returns its dir.
pub(crate) fn project(work: &Path, spec: &IndexSpec, index: &Index) -> Result<PathBuf> {
    let index_dir = std::path::absolute(&index.dir)
        .with_context(|| format!("cannot make `{}` absolute", index.dir.display()))?;
    project_from(work, "project", spec, index, &index_dir.to_string_lossy())
}

/// Like [`project`], but the registry is `location` (a path, or a URL such
/// as `sparse+http://127.0.0.1:PORT/` serving `index`) and the project's
/// folder is `<name>-<spec>`.
pub(crate) fn project_from(
    work: &Path,
    name: &str,
    spec: &IndexSpec,
    index: &Index,
    location: &str,
) -> Result<PathBuf> {
    let dir = work.join(format!("{name}-{}", spec.slug()));
    if dir.exists() {
        std::fs::remove_dir_all(&dir)
            .with_context(|| format!("cannot remove `{}`", dir.display()))?;
    }
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create `{}`", dir.display()))?;
    let mut text = String::new();
    text.push_str("[engine]\n");
    text.push_str(&format!(
        "version = {}\n\n",
        quoted(&index.info.engine_version)
    ));
    text.push_str("[registry.default]\n");
    text.push_str(&format!("index = {}\n", quoted(location)));
    text.push_str(&format!(
        "root-keys = [{}]\n\n[plugins]\n",
        quoted(&index.info.root_public_key)
    ));
    for (name, req) in &index.info.suggested_roots {
        text.push_str(&format!("{name} = {}\n", quoted(req)));
    }
    let path = dir.join("plugres.toml");
    std::fs::write(&path, text).with_context(|| format!("cannot write `{}`", path.display()))?;
    Ok(dir)
}

/// `s` as a TOML basic string.
fn quoted(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}
