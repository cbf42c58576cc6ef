//! `plugres-index init`: a new index repository with a signed config.
//!
//! Not an edit of a checkout (there is none yet), but the same steps: the
//! config is rendered and re-parsed ([`render`]) before anything is
//! written, then signed, written and committed with the files beside it.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use plugres_schema::{CONFIG_PATH, IndexConfig, KeyId, PublicKey, RoleKey, RootKey, SigningKey};

use super::{Event, GeneratedKey, Interact};
use crate::checkout::{Checkout, now_unix, sig_path};
use crate::fsutil::atomic_write;
use crate::git::Repo;
use crate::keys::{self, KeyRef};
use crate::signed_edit::{commit_files, render};
use crate::trust;

/// Ids of the online key in a new index's config: one key, two roles.
pub const ONLINE_SNAPSHOT_ID: &str = "online-snapshot";
pub const ONLINE_TIMESTAMP_ID: &str = "online-timestamp";

const GITATTRIBUTES: &str = "# Index files are signed byte for byte: never convert line endings.\n*.toml -text\n*.minisig -text\nhead.bundle -text\n# Readmes are bound by their sha256 in the signed version entry.\nreadmes/** -text\n";

#[derive(Debug, Clone)]
pub struct InitRequest {
    /// Directory to create the index in (created if missing; must be empty).
    pub dir: PathBuf,
    /// The host engine whose plugins this index serves.
    pub engine: String,
    /// Short name of the index [default: the directory's name].
    pub name: Option<String>,
    pub description: Option<String>,
    /// Base URL for relative artifact URLs; `None`: artifacts are stored in
    /// the index repository itself.
    pub artifact_base: Option<String>,
    /// Sign with this existing root key instead of generating one.
    pub root_key: Option<PathBuf>,
    /// Where to write a generated root key pair (default: `./<name>-root`).
    pub key_out: Option<PathBuf>,
    pub root_key_id: String,
    /// Encrypt a generated root key (with a password from [`Interact`]).
    pub encrypted: bool,
    /// Use this existing (unencrypted) key as the online key instead of
    /// generating `<name>-online.key` beside the root key.
    pub online_key: Option<PathBuf>,
    /// No trust layer: no snapshot and timestamp keys, no snapshot.toml.
    pub no_snapshot: bool,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct InitReport {
    pub name: String,
    pub engine: String,
    pub dir: PathBuf,
    /// The root key clients pin.
    pub root_public_key: String,
    /// The generated root key's file (`None`: an existing key was used).
    pub root_key_generated: Option<PathBuf>,
    /// The online key's file (`None`: no trust layer).
    pub online_key: Option<PathBuf>,
    pub online_key_generated: bool,
    pub commit: String,
}

pub fn init(req: &InitRequest, ui: &(impl Interact + ?Sized)) -> Result<InitReport> {
    if req.dir.exists() && std::fs::read_dir(&req.dir)?.next().is_some() {
        bail!(
            "`{}` is not empty; an index starts in a new or empty directory",
            req.dir.display()
        );
    }
    let name = match &req.name {
        Some(n) => n.clone(),
        None => dir_name(&req.dir)?,
    };
    let (key, root_key_generated) = match &req.root_key {
        Some(path) => (KeyRef::File(path.clone()).load("root key", ui)?, None),
        None => {
            let (key, path) = generate_root_key(req, &name, ui)?;
            (key, Some(path))
        }
    };
    let online = online_key(req, &name, ui)?;
    let role = |id: &str, k: &(SigningKey, PathBuf)| -> Result<Vec<RoleKey>> {
        Ok(vec![RoleKey {
            id: KeyId::new(id).map_err(anyhow::Error::msg)?,
            public: PublicKey::parse(&k.0.public_base64()).map_err(anyhow::Error::msg)?,
        }])
    };
    let (snapshot_keys, timestamp_keys) = match &online {
        Some(k) => (role(ONLINE_SNAPSHOT_ID, k)?, role(ONLINE_TIMESTAMP_ID, k)?),
        None => (vec![], vec![]),
    };
    let config = IndexConfig {
        format: plugres_schema::FORMAT,
        name: name.clone(),
        engine: req.engine.clone(),
        description: req.description.clone(),
        artifact_base: req.artifact_base.clone(),
        root_keys: vec![RootKey {
            id: KeyId::new(&req.root_key_id).map_err(anyhow::Error::msg)?,
            public: PublicKey::parse(&key.public_base64()).map_err(anyhow::Error::msg)?,
        }],
        publisher_keys: vec![],
        version: 1,
        snapshot_keys,
        timestamp_keys,
        timestamp_expiry: plugres_schema::DEFAULT_TIMESTAMP_EXPIRY,
        limits: plugres_schema::ArchiveLimits::HARD,
        categories: Vec::new(),
        sigstore: None,
        trusted_publishers: Vec::new(),
        publish_policy: Vec::new(),
    };
    // Validate what we are about to write with the same rules clients apply.
    let file = render(CONFIG_PATH, &config)?;

    std::fs::create_dir_all(&req.dir)
        .with_context(|| format!("cannot create `{}`", req.dir.display()))?;
    let repo = Repo::init(&req.dir)?;
    let checkout = Checkout {
        dir: req.dir.clone(),
        git: repo,
    };
    checkout.write_signed(&file.path, file.text.as_bytes(), &key)?;
    atomic_write(&req.dir.join(".gitattributes"), GITATTRIBUTES.as_bytes())?;
    atomic_write(
        &req.dir.join("README.md"),
        index_readme(&config, &key.public_base64()).as_bytes(),
    )?;
    let mut paths = vec![
        CONFIG_PATH.to_string(),
        sig_path(CONFIG_PATH),
        ".gitattributes".to_string(),
        "README.md".to_string(),
    ];
    if let Some((online, _)) = &online {
        let snap = trust::write_snapshot(&req.dir, online, trust::Bins::Auto, now_unix())?;
        let ts = trust::write_timestamp(
            &req.dir,
            &config,
            online,
            config.timestamp_expiry,
            now_unix(),
        )?;
        paths.extend(snap.changed);
        paths.extend(ts.changed);
    }
    let title = format!("Create index `{name}` for {}", req.engine);
    let commit = commit_files(&checkout, &paths, &title, &[])?;
    if let Some((_, path)) = &online {
        remember_online_key(&checkout, path)?;
    }
    Ok(InitReport {
        name,
        engine: req.engine.clone(),
        dir: req.dir.clone(),
        root_public_key: key.public_base64(),
        root_key_generated,
        online_key_generated: online.is_some() && req.online_key.is_none(),
        online_key: online.map(|(_, path)| path),
        commit,
    })
}

/// The online key for the snapshot and timestamp roles, and its file:
/// `online_key`, or a new unencrypted pair `<name>-online.key/.pub`
/// beside the root key's (it lives in a CI secret, where a password would
/// sit beside it anyway). `None` with `no_snapshot`.
fn online_key(
    req: &InitRequest,
    name: &str,
    ui: &(impl Interact + ?Sized),
) -> Result<Option<(SigningKey, PathBuf)>> {
    if req.no_snapshot {
        return Ok(None);
    }
    if let Some(path) = &req.online_key {
        let key = KeyRef::File(path.clone()).load("online key", ui)?;
        return Ok(Some((key, path.clone())));
    }
    let dir = req
        .key_out
        .as_deref()
        .and_then(|p| p.parent())
        .map(PathBuf::from)
        .unwrap_or_default();
    let out = dir.join(format!("{name}-online"));
    keys::write_new_pair(&out, false, false, ui)?;
    let (key_path, _) = keys::pair_paths(&out);
    ui.event(Event::KeyGenerated {
        role: GeneratedKey::Online,
        path: &key_path,
    });
    let key = KeyRef::File(key_path.clone()).load("online key", ui)?;
    Ok(Some((key, key_path)))
}

/// Generates the root key pair; returns the key and its file.
fn generate_root_key(
    req: &InitRequest,
    name: &str,
    ui: &(impl Interact + ?Sized),
) -> Result<(SigningKey, PathBuf)> {
    let out = req
        .key_out
        .clone()
        .unwrap_or_else(|| format!("{name}-root").into());
    keys::write_new_pair(&out, req.encrypted, false, ui)?;
    let (key_path, _) = keys::pair_paths(&out);
    ui.event(Event::KeyGenerated {
        role: GeneratedKey::Root,
        path: &key_path,
    });
    let key = KeyRef::File(key_path.clone()).load("root key", ui)?;
    Ok((key, key_path))
}

fn dir_name(dir: &Path) -> Result<String> {
    let abs = std::path::absolute(dir)?;
    abs.file_name()
        .and_then(|n| n.to_str())
        .map(str::to_string)
        .context("cannot name the index after its directory; pass --name")
}

fn index_readme(c: &IndexConfig, root_public: &str) -> String {
    format!(
        "# {name}: a plugres index for {engine}\n\n\
This repository is a [plugres](https://github.com/plugres/plugres) index: signed metadata\n\
of {engine} plugins. Every `*.toml` file has a detached minisign signature (`*.minisig`).\n\n\
## Use it\n\n```sh\nplugres registry add {name} <URL of this repository> --key {root_public}\n```\n\n\
## Publish a plugin\n\nAsk the maintainers to authorise your publisher key for your plugin names, then:\n\n\
```sh\nplugres-index publish path/to/plugin.toml --key my.key --index .\ngit push origin HEAD   # and open a pull request\n```\n\n\
Pull requests are checked with `plugres-index validate --base <base>`; published versions\n\
never change (only `yanked`).\n{trust}",
        name = c.name,
        engine = c.engine,
        trust = if c.has_snapshot_role() {
            "\nAfter a merge, CI signs what the index holds with the online key\n\
(`plugres-index snapshot && plugres-index timestamp`: `snapshot.toml`, `timestamp.toml`),\n\
and re-signs `timestamp.toml` daily: clients refuse an index whose timestamp expired.\n"
        } else {
            ""
        },
    )
}

/// Records the online key's file in the checkout's `.git/config`, so
/// `plugres-index snapshot` and `timestamp` find it without `--key`.
fn remember_online_key(checkout: &Checkout, path: &std::path::Path) -> Result<()> {
    let path = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    checkout
        .git
        .set_local_config("plugres", "online-key", &path.to_string_lossy())
}
