//! `plugres-index init`: a new index repository with a signed config.

use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use plugres_schema::{IndexConfig, KeyId, PublicKey, RoleKey, RootKey, SigningKey, render};

use crate::checkout::{Checkout, now_unix};
use crate::cli::InitArgs;
use crate::fsutil::atomic_write;
use crate::git::{Author, Repo};
use crate::keys;
use crate::trust;

/// Ids of the online key in a new index's config: one key, two roles.
pub const ONLINE_SNAPSHOT_ID: &str = "online-snapshot";
pub const ONLINE_TIMESTAMP_ID: &str = "online-timestamp";

const GITATTRIBUTES: &str = "# Index files are signed byte for byte: never convert line endings.\n*.toml -text\n*.minisig -text\n";

pub fn run(a: InitArgs, quiet: bool) -> Result<()> {
    if a.dir.exists() && std::fs::read_dir(&a.dir)?.next().is_some() {
        bail!(
            "`{}` is not empty; an index starts in a new or empty directory",
            a.dir.display()
        );
    }
    let name = match &a.name {
        Some(n) => n.clone(),
        None => dir_name(&a.dir)?,
    };
    let key = match &a.root_key {
        Some(path) => keys::load_signing_key(Some(path), "root key")?,
        None => generate_root_key(&a, &name, quiet)?,
    };
    let online = online_key(&a, &name, quiet)?;
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
        engine: a.engine.clone(),
        description: a.description.clone(),
        artifact_base: a.artifact_base.clone(),
        root_keys: vec![RootKey {
            id: KeyId::new(&a.root_key_id).map_err(anyhow::Error::msg)?,
            public: PublicKey::parse(&key.public_base64()).map_err(anyhow::Error::msg)?,
        }],
        publisher_keys: vec![],
        version: 1,
        snapshot_keys,
        timestamp_keys,
        timestamp_expiry: plugres_schema::DEFAULT_TIMESTAMP_EXPIRY,
    };
    let text = render::config_file(&config);
    // Validate what we are about to write with the same rules clients apply.
    IndexConfig::parse("config.toml", text.as_bytes())
        .map_err(|d| crate::checkout::diagnostics_error(&d))?;

    std::fs::create_dir_all(&a.dir)
        .with_context(|| format!("cannot create `{}`", a.dir.display()))?;
    let repo = Repo::init(&a.dir)?;
    let checkout = Checkout {
        dir: a.dir.clone(),
        git: repo,
    };
    checkout.write_signed("config.toml", text.as_bytes(), &key)?;
    atomic_write(&a.dir.join(".gitattributes"), GITATTRIBUTES.as_bytes())?;
    atomic_write(
        &a.dir.join("README.md"),
        index_readme(&config, &key.public_base64()).as_bytes(),
    )?;
    let mut paths: Vec<String> = [
        "config.toml",
        "config.toml.minisig",
        ".gitattributes",
        "README.md",
    ]
    .map(String::from)
    .to_vec();
    if let Some((online, _)) = &online {
        let snap = trust::write_snapshot(&a.dir, online, trust::Bins::Auto, now_unix())?;
        let ts =
            trust::write_timestamp(&a.dir, &config, online, config.timestamp_expiry, now_unix())?;
        paths.extend(snap.changed);
        paths.extend(ts.changed);
    }
    let refs: Vec<&str> = paths.iter().map(String::as_str).collect();
    let author = Author::from_env_or_config(&checkout.git);
    checkout.git.commit_paths(
        &refs,
        &format!("Create index `{name}` for {}", a.engine),
        &author,
    )?;
    super::status(
        quiet,
        "Created",
        format!("index `{name}` in `{}`", a.dir.display()),
    );
    if !quiet {
        if let Some((_, path)) = &online {
            print_online_steps(&a, path);
        }
        eprintln!(
            "Clients pin this root key (plugres.toml `root-keys`, or `plugres registry add --key`):"
        );
    }
    println!("{}", key.public_base64());
    Ok(())
}

/// The online key for the snapshot and timestamp roles, and its file:
/// `--online-key`, or a new unencrypted pair `<name>-online.key/.pub`
/// beside the root key's (it lives in a CI secret, where a password would
/// sit beside it anyway). `None` with `--no-snapshot`.
fn online_key(a: &InitArgs, name: &str, quiet: bool) -> Result<Option<(SigningKey, PathBuf)>> {
    if a.no_snapshot {
        return Ok(None);
    }
    if let Some(path) = &a.online_key {
        let key = keys::load_signing_key(Some(path), "online key")?;
        return Ok(Some((key, path.clone())));
    }
    let dir = a
        .key_out
        .as_deref()
        .and_then(|p| p.parent())
        .map(PathBuf::from)
        .unwrap_or_default();
    let out = dir.join(format!("{name}-online"));
    keys::write_new_pair(&out, false, false)?;
    let (key_path, _) = keys::pair_paths(&out);
    super::status(
        quiet,
        "Generated",
        format!(
            "online key `{}` (unencrypted: store it as a CI secret; it signs snapshot.toml and timestamp.toml)",
            key_path.display()
        ),
    );
    let key = keys::load_signing_key(Some(&key_path), "online key")?;
    Ok(Some((key, key_path)))
}

fn print_online_steps(a: &InitArgs, key_path: &std::path::Path) {
    eprintln!(
        "This index has a trust layer: snapshot.toml (version 1) and timestamp.toml are signed by the online key `{}`.\n\
Next steps:\n  \
1. store the text of `{}` as the secret `PLUGRES_ONLINE_KEY` of the index repository (then delete the file, or keep it offline)\n  \
2. add the workflows of plugres's .github/examples/: index-snapshot.yml (after each merge: `plugres-index snapshot && plugres-index timestamp`)\n     \
and index-timestamp.yml (daily: `plugres-index timestamp`; a timestamp expires after {})\n  \
3. push the index: {}",
        key_path.display(),
        key_path.display(),
        plugres_schema::time::format_duration(plugres_schema::DEFAULT_TIMESTAMP_EXPIRY),
        super::in_index(
            &crate::cli::IndexDir {
                index: Some(a.dir.clone())
            },
            "git remote add origin URL && git push -u origin main"
        )
    );
}

fn generate_root_key(a: &InitArgs, name: &str, quiet: bool) -> Result<plugres_schema::SigningKey> {
    let out = a
        .key_out
        .clone()
        .unwrap_or_else(|| format!("{name}-root").into());
    keys::write_new_pair(&out, !a.unencrypted, false)?;
    let (key_path, _) = keys::pair_paths(&out);
    super::status(
        quiet,
        "Generated",
        format!(
            "root key `{}` (keep it offline; it signs config.toml)",
            key_path.display()
        ),
    );
    keys::load_signing_key(Some(&key_path), "root key")
}

fn dir_name(dir: &std::path::Path) -> Result<String> {
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
