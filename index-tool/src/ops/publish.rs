//! `plugres-index publish`: a new version from a plugin's `plugin.toml`.
//!
//! Everything is checked before anything is written: the manifest, the
//! key's scope, that the version is new, that dependencies exist and can
//! match, and the built files and the readme (hashed here, never trusted
//! from input). Then the plugin file is rewritten, signed and committed on
//! a release branch, with the readme (and artifacts stored in the index).

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use plugres_schema::{
    Artifact, IndexConfig, PluginFile, PublishManifest, Readme, Sha256, Target, VersionEntry,
    index_path,
};

use super::Interact;
use crate::checkout::{Checkout, diagnostics_error, now_rfc3339, publisher_id_of};
use crate::fsutil::atomic_write;
use crate::keys::KeyRef;
use crate::signed_edit::{Signer, render};

#[derive(Debug, Clone)]
pub struct PublishRequest {
    /// The plugin's manifest (`plugin.toml` in its own repository).
    pub manifest: PathBuf,
    /// Built files as `TARGET=PATH` or `TARGET=PATH=URL`; when given, they
    /// replace the manifest's `[[artifact]]`s.
    pub artifacts: Vec<String>,
    /// The publisher key.
    pub key: KeyRef,
    pub index: PathBuf,
    /// The branch to commit on [default: `publish/NAME-VERSION`].
    pub branch: Option<String>,
    /// Commit on the current branch instead.
    pub no_branch: bool,
    /// Succeed without changes when this exact version is already published
    /// with the same artifacts.
    pub if_new: bool,
    /// Channels to point at the new version (`--channel beta`), like
    /// `npm publish --tag`.
    pub channels: Vec<String>,
    /// The trusted publisher's Sigstore bundle for this version (README
    /// "Trusted publishing"): stored beside the plugin file and named by
    /// the version entry.
    pub attestation: Option<PathBuf>,
    /// Publish without a publisher key (where the publish policy lets the
    /// attestation vouch): the plugin file is left unsigned.
    pub no_key: bool,
    /// Only write the version's attestation predicate (JSON) here, for the
    /// release workflow to sign; nothing is published.
    pub predicate_out: Option<PathBuf>,
}

/// What `publish` did.
#[derive(Debug, Clone)]
pub enum PublishOutcome {
    Published(PublishReport),
    /// `if_new`, and this version is already published with the same
    /// artifacts: nothing was written (and `--json` prints nothing).
    Unchanged {
        name: String,
        version: String,
    },
    /// `predicate_out`: the predicate was written there; nothing else.
    Predicate {
        name: String,
        version: String,
        path: PathBuf,
    },
}

/// A version published. Fields in alphabetical order: the order `--json`
/// has always printed them in.
#[derive(Debug, Clone, serde::Serialize)]
pub struct PublishReport {
    pub artifacts: Vec<Artifact>,
    /// The branch committed on (`None`: the current one).
    pub branch: Option<String>,
    pub commit: String,
    pub name: String,
    pub version: String,
    /// The config's `artifact-base`: relative artifact URLs are to be
    /// uploaded under it.
    #[serde(skip)]
    pub artifact_base: Option<String>,
    /// The index has a trust layer, whose snapshot this made stale.
    #[serde(skip)]
    pub snapshot_stale: bool,
}

/// A built file to publish, before hashing.
struct Input {
    target: Target,
    path: PathBuf,
    url: Option<String>,
}

pub fn publish(req: &PublishRequest, ui: &(impl Interact + ?Sized)) -> Result<PublishOutcome> {
    let manifest_bytes = std::fs::read(&req.manifest).with_context(|| {
        format!(
            "cannot read the plugin manifest `{}`",
            req.manifest.display()
        )
    })?;
    let manifest_name = req.manifest.display().to_string();
    let m = PublishManifest::parse(&manifest_name, &manifest_bytes)
        .map_err(|d| diagnostics_error(&d))?;
    let edit = super::open(&req.index, ui)?;
    let config = &edit.config;
    let unlisted = config.unlisted_categories(&m.categories);
    if !unlisted.is_empty() {
        bail!(
            "`{manifest_name}`: {}\nhint: choose categories from that list in `categories` of the manifest",
            config.category_message(&unlisted)
        );
    }
    let key = match req.no_key || req.predicate_out.is_some() {
        true => {
            check_keyless(config, &m, req)?;
            None
        }
        false => Some(req.key.load("publisher key", ui)?),
    };
    let signer = match &key {
        Some(key) => Some(Signer {
            id: check_key(config, key, &m)?,
            key,
        }),
        None => None,
    };
    let existing = edit.checkout.load_plugin(config, &m.name)?;
    let inputs = collect_inputs(req, &m)?;
    let artifacts = hash_artifacts(config, &m, &inputs)?;
    let readme = match &m.readme {
        Some(rel) => {
            let bytes = crate::readme::read_source(&req.manifest, rel)?;
            Some((crate::readme::entry(&m.name, &m.version, &bytes), bytes))
        }
        None => None,
    };
    let readme_entry = readme.as_ref().map(|(r, _)| r.clone());
    if let Some(old) = existing.as_ref().and_then(|p| p.get(&m.version)) {
        let same_text = old.version.same_text(&m.version);
        let same_readme = old.readme == readme_entry;
        if req.if_new && same_text && same_artifacts(&old.artifacts, &artifacts) && same_readme {
            return Ok(PublishOutcome::Unchanged {
                name: m.name.to_string(),
                version: m.version.to_string(),
            });
        }
        if !same_text {
            bail!(
                "{} {} is already published as `{}`: versions that differ only in build metadata are one version (README \"Formats\")\nhint: bump the version in `{}`",
                m.name,
                m.version,
                old.version,
                req.manifest.display()
            );
        }
        bail!(
            "{} {} is already published; published versions never change\nhint: bump the version in `{}`",
            m.name,
            m.version,
            req.manifest.display()
        );
    }
    check_dependencies(&edit.checkout, config, &m)?;
    let channels = publish_channels(&req.channels)?;
    let mut plugin = build_plugin_file(
        existing,
        &m,
        artifacts.iter().map(|(a, _)| a.clone()).collect(),
        readme_entry,
    );
    if let Some(out) = &req.predicate_out {
        let entry = plugin.get(&m.version).expect("just added");
        let predicate = plugres_schema::attestation::predicate(&m.name, entry);
        let text = serde_json::to_string_pretty(&predicate)? + "\n";
        atomic_write(out, text.as_bytes())
            .with_context(|| format!("cannot write `{}`", out.display()))?;
        return Ok(PublishOutcome::Predicate {
            name: m.name.to_string(),
            version: m.version.to_string(),
            path: out.clone(),
        });
    }
    if signer.is_none() {
        check_unsigned_keeps_versions(config, &plugin, &m)?;
    }
    let bundle = match &req.attestation {
        Some(path) => Some(attach_attestation(
            &edit.checkout,
            config,
            &mut plugin,
            &m,
            path,
        )?),
        None => None,
    };
    for channel in channels {
        plugin.channels.insert(channel, m.version.clone());
    }
    let file = render(&index_path(&m.name), &plugin)?;

    // All checks passed: now write.
    let branch = (!req.no_branch).then(|| {
        req.branch
            .clone()
            .unwrap_or_else(|| format!("publish/{}-{}", m.name, m.version))
    });
    if let Some(branch) = &branch {
        edit.checkout.git.create_branch_and_switch(branch)?;
    }
    let mut stored = Vec::new();
    for (art, bytes) in &artifacts {
        if let Some(bytes) = bytes {
            // The very bytes that were hashed: a file rebuilt meanwhile
            // cannot slip in under the recorded sha256.
            atomic_write(&edit.checkout.dir.join(&art.url), bytes)?;
            stored.push(art.url.clone());
        }
    }
    if let Some((entry, bytes)) = &readme {
        // The bytes hashed, as for artifacts.
        let path = entry.path.as_str();
        atomic_write(&edit.checkout.dir.join(path), bytes)?;
        stored.push(path.to_string());
    }
    if let Some((path, bytes)) = &bundle {
        // The bytes verified, as for artifacts.
        atomic_write(&edit.checkout.dir.join(path), bytes)?;
        stored.push(path.clone());
    }
    let title = format!("Publish {} {}", m.name, m.version);
    let commit = match &signer {
        Some(signer) => edit.sign_and_commit(&file, signer, &title, &stored)?,
        None => edit.commit_unsigned(&file, &title, &stored)?,
    };
    Ok(PublishOutcome::Published(PublishReport {
        artifacts: artifacts.into_iter().map(|(a, _)| a).collect(),
        branch,
        commit,
        name: m.name.to_string(),
        version: m.version.to_string(),
        artifact_base: config.artifact_base.clone(),
        snapshot_stale: config.has_snapshot_role(),
    }))
}

/// Publishing without a key needs a policy that lets attestations vouch,
/// and (unless only the predicate is asked for) the attestation itself.
fn check_keyless(config: &IndexConfig, m: &PublishManifest, req: &PublishRequest) -> Result<()> {
    if req.predicate_out.is_some() {
        return Ok(());
    }
    let policy = config.policy_for(&m.name);
    if policy.requires_signature() {
        bail!(
            "`--no-key`: config.toml's publish policy for `{}` is `{}`, so a publisher key must sign its file\nhint: give `--key`, or ask the index maintainers for a `[publish-policy]` of `attestation` or `any` (README \"Trusted publishing\")",
            m.name,
            policy.as_str()
        );
    }
    if req.attestation.is_none() {
        bail!(
            "`--no-key` needs `--attestation BUNDLE`: without a key, the trusted publisher's attestation is what vouches for {} {}",
            m.name,
            m.version
        );
    }
    Ok(())
}

/// Under policy `any`, a signed file's versions need no attestation, an
/// unsigned file's all do: publishing unsigned must not silently take the
/// older, unattested versions away from every client.
fn check_unsigned_keeps_versions(
    config: &IndexConfig,
    plugin: &PluginFile,
    m: &PublishManifest,
) -> Result<()> {
    if config.policy_for(&m.name) != plugres_schema::PublishPolicy::Any {
        return Ok(());
    }
    let lost: Vec<String> = plugin
        .versions
        .iter()
        .filter(|v| v.version != m.version && v.attestation.is_none() && !v.yanked)
        .map(|v| v.version.to_string())
        .collect();
    if lost.is_empty() {
        return Ok(());
    }
    bail!(
        "publishing {} {} without a key would leave its file unsigned, and under the publish policy `any` clients then use only attested versions: {} would stop being used\nhint: publish with `--key` as well (the file stays signed), or yank those versions first",
        m.name,
        m.version,
        lost.join(", ")
    )
}

/// Names the bundle at `path` in the new version's entry, after checking
/// it the way clients will (size, trusted root, publisher, statement).
/// Returns where it goes in the index and its bytes.
fn attach_attestation(
    checkout: &Checkout,
    config: &IndexConfig,
    plugin: &mut PluginFile,
    m: &PublishManifest,
    path: &Path,
) -> Result<(String, Vec<u8>)> {
    let bytes = std::fs::read(path)
        .with_context(|| format!("cannot read the attestation `{}`", path.display()))?;
    let rel = plugres_schema::attestation_path(&m.name, &m.version);
    let entry = plugin
        .versions
        .iter_mut()
        .find(|v| v.version == m.version)
        .expect("just added");
    entry.attestation = Some(plugres_schema::StoredFile {
        path: plugres_schema::IndexPath::new(&rel).map_err(anyhow::Error::msg)?,
        sha256: Sha256::of(&bytes),
        size: bytes.len() as u64,
    });
    let root = match &config.sigstore {
        Some(pinned) => checkout.read(pinned.path.as_str())?.with_context(|| {
            format!(
                "the Sigstore trusted root `{}` that config.toml pins is not in the index",
                pinned.path
            )
        })?,
        None => bail!(
            "this index has no trusted publishers (`[sigstore]` in config.toml), so `--attestation` cannot be checked\nhint: see README \"Trusted publishing\" for the maintainers' side"
        ),
    };
    plugres_schema::rules::verify_attestation(config, &root, &m.name, entry, &bytes)
        .map_err(|e| anyhow::anyhow!("{e}\nhint: the bundle must come from the release workflow of a `[[trusted-publisher]]` of config.toml, signing the predicate of exactly this version (`--predicate-out`)"))?;
    Ok((rel, bytes))
}

/// Checks `key` may publish the manifest's plugin; returns its id.
fn check_key(
    config: &IndexConfig,
    key: &plugres_schema::SigningKey,
    m: &PublishManifest,
) -> Result<plugres_schema::KeyId> {
    let Some(pk) = publisher_id_of(config, key) else {
        bail!(
            "the key is not a publisher key of this index (public key {})\nhint: ask the index maintainers to run `plugres-index key add <ID> --public {} --scope '{}'`",
            key.public_base64(),
            key.public_base64(),
            m.name
        );
    };
    if !pk.allows(&m.name) {
        let scopes: Vec<&str> = pk.scopes.iter().map(|s| s.as_str()).collect();
        bail!(
            "publisher key `{}` may not publish `{}`: its scopes are {}",
            pk.id,
            m.name,
            scopes.join(", ")
        );
    }
    if config.is_engine_name(&m.name) {
        bail!(
            "`{}` is the engine's name in this index; choose another plugin name",
            m.name
        );
    }
    Ok(pk.id.clone())
}

fn collect_inputs(a: &PublishRequest, m: &PublishManifest) -> Result<Vec<Input>> {
    if !a.artifacts.is_empty() {
        return a.artifacts.iter().map(|s| parse_artifact_arg(s)).collect();
    }
    let base = a.manifest.parent().unwrap_or(Path::new("."));
    let inputs: Vec<Input> = m
        .artifacts
        .iter()
        .map(|art| {
            let path = art.path.as_ref().with_context(|| {
                format!(
                    "`[[artifact]]` for `{}` has no `path`; give one, or pass --artifact {}=PATH",
                    art.target, art.target
                )
            })?;
            Ok(Input {
                target: art.target.clone(),
                path: base.join(path),
                url: art.url.clone(),
            })
        })
        .collect::<Result<_>>()?;
    if inputs.is_empty() {
        bail!(
            "no artifacts: add `[[artifact]]` tables to `{}` or pass --artifact TARGET=PATH",
            a.manifest.display()
        );
    }
    Ok(inputs)
}

fn parse_artifact_arg(s: &str) -> Result<Input> {
    let mut parts = s.splitn(3, '=');
    let (Some(target), Some(path)) = (parts.next(), parts.next()) else {
        bail!(
            "`--artifact {s}`: expected TARGET=PATH or TARGET=PATH=URL, like `wasm32-wasip1=target/hello.wasm`"
        );
    };
    Ok(Input {
        target: Target::new(target).map_err(anyhow::Error::msg)?,
        path: PathBuf::from(path),
        url: parts.next().map(str::to_string),
    })
}

/// A built file to publish, hashed; with its bytes when the index stores
/// artifacts itself.
type Hashed = (Artifact, Option<Vec<u8>>);

/// Hashes each file and decides its URL.
fn hash_artifacts(
    config: &IndexConfig,
    m: &PublishManifest,
    inputs: &[Input],
) -> Result<Vec<Hashed>> {
    let mut out: Vec<Hashed> = Vec::new();
    for input in inputs {
        if out.iter().any(|(a, _)| a.target == input.target) {
            bail!("two artifacts for target `{}`", input.target);
        }
        let file_name = input
            .path
            .file_name()
            .and_then(|f| f.to_str())
            .with_context(|| format!("`{}` has no usable file name", input.path.display()))?;
        let stored_in_index = input.url.is_none() && config.artifact_base.is_none();
        let (sha256, size, copy) = if stored_in_index {
            let bytes = std::fs::read(&input.path)
                .with_context(|| format!("cannot read artifact `{}`", input.path.display()))?;
            if bytes.is_empty() {
                bail!("artifact `{}` is empty", input.path.display());
            }
            (Sha256::of(&bytes), bytes.len() as u64, Some(bytes))
        } else {
            let (sha256, size) = hash_file(&input.path)?;
            (sha256, size, None)
        };
        let url = match (&input.url, &config.artifact_base) {
            (Some(u), _) => u.clone(),
            (None, Some(_)) => format!("{}/{}/{file_name}", m.name, m.version),
            (None, None) => format!("artifacts/{}/{}/{file_name}", m.name, m.version),
        };
        out.push((
            Artifact {
                target: input.target.clone(),
                url,
                sha256,
                size,
            },
            copy,
        ));
    }
    Ok(out)
}

fn hash_file(path: &Path) -> Result<(Sha256, u64)> {
    let (sha, size) = plugres_fs::sha256_of_file(path)
        .with_context(|| format!("cannot read artifact `{}`", path.display()))?;
    if size == 0 {
        bail!("artifact `{}` is empty", path.display());
    }
    Ok((sha, size))
}

fn same_artifacts(old: &[Artifact], new: &[Hashed]) -> bool {
    old.len() == new.len()
        && new.iter().all(|(n, _)| {
            old.iter()
                .any(|o| o.target == n.target && o.sha256 == n.sha256 && o.size == n.size)
        })
}

fn check_dependencies(
    checkout: &Checkout,
    config: &IndexConfig,
    m: &PublishManifest,
) -> Result<()> {
    for (dep, req) in &m.dependencies {
        let Some(file) = checkout.load_plugin(config, dep)? else {
            bail!(
                "dependency `{dep}` is not in this index\nhint: publish `{dep}` first, or fix the name in `[dependencies]`"
            );
        };
        if !file
            .versions
            .iter()
            .any(|v| req.matches(v.version.semver()))
        {
            let have: Vec<String> = file
                .versions
                .iter()
                .map(|v| v.version.to_string())
                .collect();
            bail!(
                "no version of dependency `{dep}` matches `{req}` (the index has {})",
                have.join(", ")
            );
        }
    }
    Ok(())
}

/// The `--channel` names, checked before anything is written.
fn publish_channels(names: &[String]) -> Result<Vec<plugres_schema::Channel>> {
    names
        .iter()
        .map(|n| {
            let c = plugres_schema::Channel::new(n).map_err(anyhow::Error::msg)?;
            if c.is_latest() {
                bail!("`--channel latest`: `latest` is always the newest usable version; it is not set by publishers");
            }
            Ok(c)
        })
        .collect()
}

fn build_plugin_file(
    existing: Option<PluginFile>,
    m: &PublishManifest,
    artifacts: Vec<Artifact>,
    readme: Option<Readme>,
) -> PluginFile {
    let entry = VersionEntry {
        version: m.version.clone(),
        engine: m.engine.clone(),
        published: now_rfc3339(),
        permissions: m.permissions.clone(),
        yanked: false,
        yank_reason: None,
        dependencies: m.dependencies.clone().into(),
        artifacts,
        settings: m.settings.clone(),
        readme,
        attestation: None,
        span: 0..0,
    };
    let mut versions = existing
        .as_ref()
        .map(|p| p.versions.clone())
        .unwrap_or_default();
    versions.push(entry);
    let channels = existing
        .as_ref()
        .map(|p| p.channels.clone())
        .unwrap_or_default();
    PluginFile {
        name: m.name.clone(),
        description: m.description.clone(),
        license: m.license.clone(),
        repository: m.repository.clone(),
        homepage: m.homepage.clone(),
        authors: m.authors.clone(),
        support: m.support.clone(),
        keywords: m.keywords.clone(),
        categories: m.categories.clone(),
        deprecated: existing.and_then(|p| p.deprecated),
        channels,
        versions,
    }
}
