//! Synthetic indexes: large, valid, signed indexes made up on the spot, for
//! benchmarks of the index tool and of the client.
//!
//! [`generate`] writes a complete index the same way the tool itself does:
//! the config and every plugin file are built as schema values, rendered with
//! [`plugres_schema::render`], and signed with [`plugres_schema::sign`] (in
//! parallel). Artifacts are not created: each version names one `any`
//! artifact at `https://cdn.invalid/...` with a made-up sha256 and size, so
//! an index of 200,000 versions is written in seconds. [`generate_git`] also
//! commits the tree with [`Repo`], which the `validate --base` benchmark needs.
//! Every synthetic index has the trust layer: one online key holds the
//! snapshot and timestamp roles, and the tree ends with a snapshot (bins
//! chosen by plugin count, as `plugres-index snapshot` does) and a
//! timestamp valid for [`TIMESTAMP_EXPIRY`].
//! [`generate_installable`] is for client benchmarks that install: there
//! every artifact is small, real and beside the index (see [`ARTIFACT_DIR`]).
//!
//! The shape is deterministic for a given `seed` (the keys and signatures are
//! not):
//!
//! - Plugin `i` is named `p{i:05}-{word}`, so names sort in index order
//!   (and 1,000 plugins share each `plugins/p0/NN/` directory).
//! - Versions: `versions` per plugin, in three majors (`1.x.0`, `2.x.0`,
//!   `3.x.0`). Engine requirements move with the majors: the first third
//!   needs `>=1.0, <2` (too old for [`ENGINE_VERSION`]), the rest accept it.
//!   A few plugins end in a prerelease (`-rc.1`), in a version that needs a
//!   newer engine (`>=2.5, <3`), or have a yanked version, so a resolver has
//!   to skip their newest versions.
//! - The newest version that is a release, not yanked and runs on
//!   [`ENGINE_VERSION`] is the plugin's *good* version.
//! - Dependencies: plugins form clusters of [`CLUSTER`] consecutive indexes.
//!   Plugin `i` depends on up to two plugins among the [`WINDOW`] before it
//!   *in its own cluster*, with the same names in every version. The good
//!   version asks for each dependency's good version with a caret
//!   requirement (`^major.minor`); older versions ask for older ones. So the
//!   dependency closure of any set of plugins stays inside their clusters.
//! - Suggested roots: the plugins at positions [`WINDOW`].. of up to five
//!   clusters spread over the index (200 roots at full size). Their closure
//!   adds the dependencies below position [`WINDOW`] of the same clusters,
//!   about 230 plugins in all (227 at 10,000 plugins with seed 1). Because every version of a plugin has the
//!   same dependency names, every resolution of the roots holds exactly the
//!   plugins of [`SynthInfo::solution`], and with the engine at
//!   [`ENGINE_VERSION`] the highest one picks each plugin's good version.

use std::collections::BTreeSet;
use std::io::Read as _;
use std::path::Path;

use anyhow::{Context, Result, bail};
use plugres_schema::{
    Artifact, CONFIG_PATH, IndexConfig, KeyId, Permission, PluginFile, PluginName, PublicKey,
    PublisherKey, RoleKey, RootKey, Scope, Sha256, SigningKey, Target, Version, VersionEntry,
    index_path, render,
};
use rayon::prelude::*;

use plugres_index::checkout::{Checkout, now_rfc3339, now_unix, sig_path};
use plugres_index::git::{Author, Repo};
use plugres_index::trust;

/// The engine a synthetic index serves.
pub const ENGINE: &str = "synth-engine";
/// The engine version the suggested roots resolve against.
pub const ENGINE_VERSION: &str = "2.3.0";
/// Consecutive plugins whose dependencies stay among themselves.
pub const CLUSTER: usize = 50;
/// How far back in its cluster a plugin's dependencies may be.
pub const WINDOW: usize = 10;
/// How many clusters the suggested roots are taken from.
const ROOT_CLUSTERS: usize = 5;
/// Where [`generate_installable`] puts artifacts, relative to the index root.
pub const ARTIFACT_DIR: &str = "artifacts";
/// How long the timestamp of a synthetic index stays valid: a benchmark
/// index is reused for weeks.
pub const TIMESTAMP_EXPIRY: u64 = 30 * 86_400;

/// What the artifacts a version names are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Artifacts {
    /// Made-up digests at `https://cdn.invalid/`: nothing to download.
    Unreachable,
    /// Relative URLs under [`ARTIFACT_DIR`] (read beside the index by a
    /// path registry), with the digest and size of [`artifact_bytes`].
    Local,
    /// Relative URLs under [`ARTIFACT_DIR`] with this digest and size: a
    /// file the caller writes there ([`generate_big_artifact`]).
    Given(Sha256, u64),
}

const WORDS: &[&str] = &[
    "audit", "cache", "codec", "log", "net", "auth", "sync", "queue", "image", "text", "math",
    "store", "trace", "shell", "crypt", "http",
];

/// What a benchmark needs to know about a generated index.
#[derive(Debug, Clone, serde::Serialize)]
pub struct SynthInfo {
    /// The root key that signed `config.toml`: what clients pin.
    pub root_public_key: String,
    /// The unencrypted minisign `.key` text of the publisher key (scope `*`),
    /// to publish more versions into the index.
    pub publisher_key_text: String,
    /// The unencrypted `.key` text of the online key (snapshot and
    /// timestamp roles), to sign new snapshots after changes.
    pub online_key_text: String,
    /// Every plugin name, in index order.
    pub names: Vec<String>,
    /// `(name, requirement)` pairs for a project's `[plugins]`.
    pub suggested_roots: Vec<(String, String)>,
    /// `(name, version)` of every plugin a resolution of the suggested roots
    /// holds, with the version the highest-first choice gives.
    pub solution: Vec<(String, String)>,
    /// The engine version the suggested roots are meant for.
    pub engine_version: String,
    /// Index paths of every file written (config, plugin files, signatures,
    /// snapshot, its bins and timestamp).
    pub paths: Vec<String>,
    /// Total size in bytes of the files written.
    pub bytes: u64,
}

/// Writes a valid signed index into `dir`, which must be new or empty.
pub fn generate(dir: &Path, plugins: usize, versions: usize, seed: u64) -> Result<SynthInfo> {
    check_empty(dir)?;
    write_tree(dir, plugins, versions, seed, Artifacts::Unreachable)
}

/// [`generate`], but a client can install the solution: every version names
/// a relative artifact URL `artifacts/<name>/<version>/<name>.wasm` with the
/// sha256 and size of small deterministic contents, and the artifact files
/// of the versions in [`SynthInfo::solution`] are written there (only those,
/// so a 100,000-plugin index stays as quick to write). The config has no
/// `artifact-base`, so a path registry reads them beside the index.
/// Artifact files are not listed in [`SynthInfo::paths`].
pub fn generate_installable(
    dir: &Path,
    plugins: usize,
    versions: usize,
    seed: u64,
) -> Result<SynthInfo> {
    check_empty(dir)?;
    let info = write_tree(dir, plugins, versions, seed, Artifacts::Local)?;
    for (name, version) in &info.solution {
        let name = PluginName::new(name)?;
        let version = Version::parse(version)?;
        let full = dir.join(local_artifact_url(&name, &version));
        if let Some(parent) = full.parent() {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("cannot create `{}`", parent.display()))?;
        }
        std::fs::write(&full, artifact_bytes(seed, &name, &version))
            .with_context(|| format!("cannot write `{}`", full.display()))?;
    }
    Ok(info)
}

/// An index of one plugin with one version, whose `any` artifact is a
/// file of `size` deterministic, incompressible bytes written beside the
/// index (at [`ARTIFACT_DIR`]`/<name>/1.0.0/<name>.wasm`, hashed as it is
/// written): what the artifact-throughput benchmark downloads. Returns the
/// index description and the artifact's path.
pub fn generate_big_artifact(
    dir: &Path,
    size: u64,
    seed: u64,
) -> Result<(SynthInfo, std::path::PathBuf)> {
    check_empty(dir)?;
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create `{}`", dir.display()))?;
    let partial = dir.join("artifact.partial");
    let mut out = std::fs::File::create(&partial)
        .with_context(|| format!("cannot create `{}`", partial.display()))?;
    let mut bytes = plugres_fs::HashingReader::new(NoiseReader(SplitMix(seed)).take(size));
    std::io::copy(&mut bytes, &mut out)
        .with_context(|| format!("cannot write `{}`", partial.display()))?;
    let (sha256, written) = bytes.finish();
    let info = write_tree(dir, 1, 1, seed, Artifacts::Given(sha256, written))?;
    let name = PluginName::new(&info.names[0])?;
    let version = Version::parse("1.0.0")?;
    let path = dir.join(local_artifact_url(&name, &version));
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("cannot create `{}`", parent.display()))?;
    }
    std::fs::rename(&partial, &path)
        .with_context(|| format!("cannot move the artifact to `{}`", path.display()))?;
    Ok((info, path))
}

/// An endless stream of [`SplitMix`] output: bytes that do not compress.
struct NoiseReader(SplitMix);

impl std::io::Read for NoiseReader {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        for chunk in buf.chunks_mut(8) {
            let word = self.0.next().to_le_bytes();
            chunk.copy_from_slice(&word[..chunk.len()]);
        }
        Ok(buf.len())
    }
}

/// [`generate`], then `git init` and one commit of the whole tree.
pub fn generate_git(dir: &Path, plugins: usize, versions: usize, seed: u64) -> Result<SynthInfo> {
    check_empty(dir)?;
    Repo::init(dir)?;
    let info = write_tree(dir, plugins, versions, seed, Artifacts::Unreachable)?;
    commit_all(dir, &info)?;
    Ok(info)
}

/// Commits every file of a generated index in the repository at `dir`;
/// returns the commit id.
pub fn commit_all(dir: &Path, info: &SynthInfo) -> Result<String> {
    let repo = Repo::open(dir)?;
    let paths: Vec<&str> = info.paths.iter().map(String::as_str).collect();
    let commit = repo.commit_paths(
        &paths,
        &format!("Synthetic index of {} plugins", info.names.len()),
        &bench_author(),
    )?;
    Ok(commit)
}

/// A publish-like change: adds a new version to plugin `name` (a copy of its
/// newest version, patch bumped), re-signs the file with `key` and commits
/// both files, through the same checkout code `plugres-index publish` uses.
/// Returns the new commit id.
pub fn publish_next_version(dir: &Path, key: &SigningKey, name: &str) -> Result<String> {
    let checkout = Checkout::open(dir)?;
    let (config, _) = checkout.load_config()?;
    let name = PluginName::new(name)?;
    let mut plugin = checkout
        .load_plugin(&config, &name)?
        .with_context(|| format!("plugin `{name}` is not in the index at `{}`", dir.display()))?;
    let newest = plugin
        .versions
        .iter()
        .max_by(|a, b| a.version.cmp(&b.version))
        .with_context(|| format!("plugin `{name}` has no versions"))?;
    let mut next = newest.version.semver().clone();
    next.patch += 1;
    next.pre = semver::Prerelease::EMPTY;
    let version = Version::from(next);
    let entry = VersionEntry {
        version: version.clone(),
        published: now_rfc3339(),
        yanked: false,
        yank_reason: None,
        artifacts: vec![artifact(0, &name, &version, Artifacts::Unreachable)?],
        settings: Default::default(),
        readme: None,
        attestation: None,
        span: 0..0,
        ..newest.clone()
    };
    plugin.versions.push(entry);
    let path = index_path(&name);
    checkout.write_signed(&path, render::plugin_file(&plugin).as_bytes(), key)?;
    let commit = checkout.git.commit_paths(
        &[&path, &sig_path(&path)],
        &format!("Publish {name} {version}"),
        &bench_author(),
    )?;
    Ok(commit)
}

/// What the post-merge job of an index does: signs a new snapshot and
/// timestamp of the tree at `dir` with the online key of `info`, and
/// commits them. Returns the commit id.
pub fn snapshot_and_commit(dir: &Path, info: &SynthInfo) -> Result<String> {
    let online =
        SigningKey::from_key_text(&info.online_key_text, None).map_err(anyhow::Error::msg)?;
    let checkout = Checkout::open(dir)?;
    let (config, _) = checkout.load_config()?;
    let snap = trust::write_snapshot(dir, &online, trust::Bins::Auto, now_unix())?;
    let ts = trust::write_timestamp(dir, &config, &online, TIMESTAMP_EXPIRY, now_unix())?;
    let paths: Vec<&str> = snap
        .changed
        .iter()
        .chain(&ts.changed)
        .map(String::as_str)
        .collect();
    let commit = checkout.git.commit_paths(
        &paths,
        &format!("snapshot {}, timestamp {}", snap.version, ts.version),
        &bench_author(),
    )?;
    Ok(commit)
}

fn bench_author() -> Author {
    Author::new("plugres-bench", "plugres-bench@localhost")
}

fn check_empty(dir: &Path) -> Result<()> {
    if dir.exists()
        && std::fs::read_dir(dir)
            .with_context(|| format!("cannot list `{}`", dir.display()))?
            .next()
            .is_some()
    {
        bail!(
            "`{}` is not empty; a synthetic index is written into a new or empty directory",
            dir.display()
        );
    }
    Ok(())
}

fn write_tree(
    dir: &Path,
    plugins: usize,
    versions: usize,
    seed: u64,
    artifacts: Artifacts,
) -> Result<SynthInfo> {
    if versions == 0 {
        bail!("every plugin needs at least one version");
    }
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create `{}`", dir.display()))?;
    let plan = plan(plugins, versions, seed);
    let (root_public, _, root_text) =
        plugres_schema::generate_key_files(None).map_err(anyhow::Error::msg)?;
    let (pub_public, _, pub_text) =
        plugres_schema::generate_key_files(None).map_err(anyhow::Error::msg)?;
    let (online_public, _, online_text) =
        plugres_schema::generate_key_files(None).map_err(anyhow::Error::msg)?;
    let root = SigningKey::from_key_text(&root_text, None).map_err(anyhow::Error::msg)?;
    let publisher = SigningKey::from_key_text(&pub_text, None).map_err(anyhow::Error::msg)?;
    let online = SigningKey::from_key_text(&online_text, None).map_err(anyhow::Error::msg)?;
    let stamp = now_unix();

    let me = BenchIndex {
        name: "synth",
        engine: ENGINE,
        description: "A synthetic index for benchmarks",
        timestamp_expiry: TIMESTAMP_EXPIRY,
    };
    let config = bench_config(&me, &root_public, &pub_public, &online_public)?;
    let mut bytes = write_signed(
        dir,
        CONFIG_PATH,
        &render::config_file(&config),
        &root,
        stamp,
    )?;
    let mut paths = vec![CONFIG_PATH.to_string(), sig_path(CONFIG_PATH)];

    let dirs: BTreeSet<std::path::PathBuf> = plan
        .iter()
        .filter_map(|p| {
            dir.join(index_path(&p.name))
                .parent()
                .map(Path::to_path_buf)
        })
        .collect();
    for d in &dirs {
        std::fs::create_dir_all(d).with_context(|| format!("cannot create `{}`", d.display()))?;
    }
    let sizes: Vec<u64> = (0..plan.len())
        .into_par_iter()
        .map(|i| {
            let file = plugin_file(&plan, i, seed, artifacts)?;
            let text = render::plugin_file(&file);
            write_signed(dir, &index_path(&file.name), &text, &publisher, stamp)
        })
        .collect::<Result<_>>()?;
    bytes += sizes.iter().sum::<u64>();
    for p in &plan {
        let path = index_path(&p.name);
        paths.push(sig_path(&path));
        paths.push(path);
    }
    let snap = trust::write_snapshot(dir, &online, trust::Bins::Auto, stamp)?;
    let ts = trust::write_timestamp(dir, &config, &online, TIMESTAMP_EXPIRY, stamp)?;
    for p in snap.changed.iter().chain(&ts.changed) {
        bytes += std::fs::metadata(dir.join(p))
            .with_context(|| format!("cannot read `{}`", dir.join(p).display()))?
            .len();
        paths.push(p.clone());
    }

    let (suggested_roots, solution) = roots_and_solution(&plan);
    Ok(SynthInfo {
        root_public_key: root_public,
        publisher_key_text: pub_text,
        online_key_text: online_text,
        names: plan.iter().map(|p| p.name.to_string()).collect(),
        suggested_roots,
        solution,
        engine_version: ENGINE_VERSION.to_string(),
        paths,
        bytes,
    })
}

/// Writes `text` at `rel` and its signature; returns the bytes written.
fn write_signed(dir: &Path, rel: &str, text: &str, key: &SigningKey, stamp: u64) -> Result<u64> {
    let sig = plugres_schema::sign(key, rel, text.as_bytes(), stamp).map_err(anyhow::Error::msg)?;
    for (path, bytes) in [(rel.to_string(), text), (sig_path(rel), sig.as_str())] {
        let full = dir.join(&path);
        std::fs::write(&full, bytes)
            .with_context(|| format!("cannot write `{}`", full.display()))?;
    }
    Ok((text.len() + sig.len()) as u64)
}

/// What a benchmark index's config says about itself.
pub struct BenchIndex<'a> {
    /// The index name, also the prefix of its key ids.
    pub name: &'a str,
    pub engine: &'a str,
    pub description: &'a str,
    pub timestamp_expiry: u64,
}

/// The config of a benchmark index: one root key, one publisher key for
/// every plugin, and one online key holding the snapshot and timestamp
/// roles (public keys as minisign base64).
pub fn bench_config(
    index: &BenchIndex<'_>,
    root_public: &str,
    publisher_public: &str,
    online_public: &str,
) -> Result<IndexConfig> {
    let key = |s: &str| PublicKey::parse(s).map_err(anyhow::Error::msg);
    let id = |role: &str| KeyId::new(&format!("{}-{role}", index.name)).map_err(anyhow::Error::msg);
    Ok(IndexConfig {
        format: plugres_schema::FORMAT,
        name: index.name.to_string(),
        engine: index.engine.to_string(),
        description: Some(index.description.to_string()),
        artifact_base: None,
        root_keys: vec![RootKey {
            id: id("root")?,
            public: key(root_public)?,
        }],
        publisher_keys: vec![PublisherKey {
            id: id("publisher")?,
            public: key(publisher_public)?,
            scopes: vec![Scope::new("*").map_err(anyhow::Error::msg)?],
        }],
        version: 1,
        snapshot_keys: vec![RoleKey {
            id: id("online-snapshot")?,
            public: key(online_public)?,
        }],
        timestamp_keys: vec![RoleKey {
            id: id("online-timestamp")?,
            public: key(online_public)?,
        }],
        timestamp_expiry: index.timestamp_expiry,
        limits: plugres_schema::ArchiveLimits::HARD,
        categories: Vec::new(),
        sigstore: None,
        trusted_publishers: Vec::new(),
        publish_policy: Vec::new(),
    })
}

/// One plugin's shape, before it becomes a file.
struct Planned {
    name: PluginName,
    versions: Vec<PlannedVersion>,
    /// Index of the good version (see the module docs).
    good: usize,
    /// Indexes of the plugins it depends on, all lower and in its cluster.
    deps: Vec<usize>,
}

struct PlannedVersion {
    version: semver::Version,
    engine: &'static str,
    yanked: bool,
}

const ENGINE_OLD: &str = ">=1.0, <2";
const ENGINE_MID: &str = ">=1.4, <3";
const ENGINE_NEW: &str = ">=2.0, <3";
const ENGINE_TOO_NEW: &str = ">=2.5, <3";

fn plan(plugins: usize, versions: usize, seed: u64) -> Vec<Planned> {
    let mut rng = SplitMix(seed);
    let width = plugins.saturating_sub(1).to_string().len().max(5);
    (0..plugins)
        .map(|i| {
            let word = WORDS[rng.below(WORDS.len())];
            let name = PluginName::new(&format!("p{i:0width$}-{word}"))
                .expect("generated names follow the name grammar");
            let versions = plan_versions(i, versions);
            let good = (0..versions.len())
                .rev()
                .find(|&j| is_good(&versions[j]))
                .expect("the plan keeps one usable version per plugin");
            let start = i / CLUSTER * CLUSTER;
            let window: Vec<usize> = (start.max(i.saturating_sub(WINDOW))..i).collect();
            let mut deps = Vec::new();
            for _ in 0..rng.below(3).min(window.len()) {
                let d = window[rng.below(window.len())];
                if !deps.contains(&d) {
                    deps.push(d);
                }
            }
            deps.sort_unstable();
            Planned {
                name,
                versions,
                good,
                deps,
            }
        })
        .collect()
}

/// The versions of plugin `i`; at least one is good whatever `count` is.
fn plan_versions(i: usize, count: usize) -> Vec<PlannedVersion> {
    let per_major = count.div_ceil(3).max(1);
    let mut out: Vec<PlannedVersion> = (0..count)
        .map(|j| {
            let major = (1 + j / per_major) as u64;
            let minor = (j % per_major) as u64;
            let engine = match (count, j * 3 / count) {
                (0..3, _) => ENGINE_MID,
                (_, 0) => ENGINE_OLD,
                (_, 1) => ENGINE_MID,
                _ => ENGINE_NEW,
            };
            PlannedVersion {
                version: semver::Version::new(major, minor, 0),
                engine,
                yanked: false,
            }
        })
        .collect();
    // Mutually exclusive twists, so one usable version always remains.
    match i % 13 {
        3 if count >= 3 => {
            out[count - 1].version.pre =
                semver::Prerelease::new("rc.1").expect("a valid prerelease");
        }
        4 if count >= 3 => out[count - 1].engine = ENGINE_TOO_NEW,
        5 if count >= 4 => out[count - 2].yanked = true,
        _ => {}
    }
    out
}

fn is_good(v: &PlannedVersion) -> bool {
    let engine = semver::Version::new(2, 3, 0);
    !v.yanked
        && v.version.pre.is_empty()
        && semver::VersionReq::parse(v.engine).is_ok_and(|r| r.matches(&engine))
}

/// `^major.minor` of `v`.
fn caret(v: &semver::Version) -> semver::VersionReq {
    semver::VersionReq::parse(&format!("^{}.{}", v.major, v.minor))
        .expect("a caret requirement parses")
}

fn plugin_file(plan: &[Planned], i: usize, seed: u64, artifacts: Artifacts) -> Result<PluginFile> {
    let p = &plan[i];
    let permissions = match i % 4 {
        0 => vec![],
        1 => vec!["network"],
        2 => vec!["fs-read"],
        _ => vec!["network", "fs-read"],
    };
    let permissions: Vec<Permission> = permissions
        .into_iter()
        .map(|s| Permission::new(s).map_err(anyhow::Error::msg))
        .collect::<Result<_>>()?;
    let versions = p
        .versions
        .iter()
        .enumerate()
        .map(|(j, v)| {
            let version = Version::from(v.version.clone());
            let dependencies = p
                .deps
                .iter()
                .map(|&d| (plan[d].name.clone(), dependency_req(p, j, &plan[d])))
                .collect();
            let published = 1_704_067_200 + ((i * p.versions.len() + j) as i64) * 600;
            Ok(VersionEntry {
                artifacts: vec![artifact(seed, &p.name, &version, artifacts)?],
                version,
                engine: semver::VersionReq::parse(v.engine)?,
                published: plugres_schema::time::format_utc(published.unsigned_abs()),
                permissions: permissions.clone(),
                yanked: v.yanked,
                yank_reason: v.yanked.then(|| "synthetic: a broken build".to_string()),
                dependencies,
                settings: Default::default(),
                readme: None,
                attestation: None,
                span: 0..0,
            })
        })
        .collect::<Result<_>>()?;
    Ok(PluginFile {
        name: p.name.clone(),
        description: format!("Synthetic plugin number {i}, made for benchmarks"),
        license: Some("MIT".to_string()),
        repository: Some(format!("https://git.invalid/{}", p.name)),
        homepage: None,
        authors: Vec::new(),
        support: None,
        keywords: vec!["synthetic".to_string()],
        categories: vec!["benchmark".to_string()],
        deprecated: None,
        channels: Default::default(),
        versions,
    })
}

/// What version `j` of `p` asks of `dep`: from the good version on, the
/// dependency's good version; before it, the dependency's version at the same
/// position (a release, so the requirement always matches something).
fn dependency_req(p: &Planned, j: usize, dep: &Planned) -> semver::VersionReq {
    if j >= p.good {
        return caret(&dep.versions[dep.good].version);
    }
    let k = (j * dep.versions.len() / p.versions.len()).min(dep.versions.len() - 1);
    match &dep.versions[k] {
        v if v.version.pre.is_empty() => caret(&v.version),
        _ => caret(&dep.versions[dep.good].version),
    }
}

/// One `any` artifact: with a made-up digest and size (nothing is
/// uploaded), or naming the local file [`generate_installable`] writes.
fn artifact(
    seed: u64,
    name: &PluginName,
    version: &Version,
    artifacts: Artifacts,
) -> Result<Artifact> {
    let (url, sha256, size) = match artifacts {
        Artifacts::Unreachable => {
            let sha256 = Sha256::of(format!("{seed}:{name}:{version}").as_bytes());
            let b = sha256.as_bytes();
            let size = 4096 + u64::from(u32::from_le_bytes([b[0], b[1], b[2], b[3]]) % (4 << 20));
            let url = format!("https://cdn.invalid/{name}/{version}/{name}.wasm");
            (url, sha256, size)
        }
        Artifacts::Local => {
            let bytes = artifact_bytes(seed, name, version);
            let url = local_artifact_url(name, version);
            (url, Sha256::of(&bytes), bytes.len() as u64)
        }
        Artifacts::Given(sha256, size) => (local_artifact_url(name, version), sha256, size),
    };
    Ok(Artifact {
        target: Target::new(Target::ANY).map_err(anyhow::Error::msg)?,
        url,
        sha256,
        size,
    })
}

/// The relative URL (and path below the index root) of a local artifact.
fn local_artifact_url(name: &PluginName, version: &Version) -> String {
    format!("{ARTIFACT_DIR}/{name}/{version}/{name}.wasm")
}

/// The contents of a local artifact: a WASM module header and a note, a
/// few dozen bytes that differ per plugin version.
fn artifact_bytes(seed: u64, name: &PluginName, version: &Version) -> Vec<u8> {
    let mut bytes = b"\0asm\x01\0\0\0".to_vec();
    bytes.extend_from_slice(format!("synthetic {name} {version} (seed {seed})\n").as_bytes());
    bytes
}

/// `(name, requirement or version)` pairs.
type NamePairs = Vec<(String, String)>;

/// The suggested roots (with `^major` of their good version) and the
/// closure they pull in (with each plugin's good version).
fn roots_and_solution(plan: &[Planned]) -> (NamePairs, NamePairs) {
    let clusters = plan.len().div_ceil(CLUSTER);
    let picked: BTreeSet<usize> = (0..ROOT_CLUSTERS.min(clusters))
        .map(|k| k * clusters / ROOT_CLUSTERS.min(clusters))
        .collect();
    let roots: Vec<usize> = picked
        .iter()
        .flat_map(|c| (c * CLUSTER + WINDOW..(c + 1) * CLUSTER).filter(|&i| i < plan.len()))
        .collect();
    let mut closure = BTreeSet::new();
    let mut todo = roots.clone();
    while let Some(i) = todo.pop() {
        if closure.insert(i) {
            todo.extend(&plan[i].deps);
        }
    }
    let good = |i: usize| &plan[i].versions[plan[i].good].version;
    let suggested = roots
        .iter()
        .map(|&i| (plan[i].name.to_string(), format!("^{}", good(i).major)))
        .collect();
    let solution = closure
        .iter()
        .map(|&i| (plan[i].name.to_string(), good(i).to_string()))
        .collect();
    (suggested, solution)
}

/// A tiny deterministic generator (splitmix64): the shape of an index
/// depends only on the seed, on every platform.
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }
}

#[cfg(test)]
mod tests;
