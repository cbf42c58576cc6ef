//! `plugres-index init`: a new index repository with a signed config.

use anyhow::{Context, Result, bail};
use plugres_schema::{IndexConfig, KeyId, PublicKey, RootKey, render};

use crate::checkout::Checkout;
use crate::cli::InitArgs;
use crate::fsutil::atomic_write;
use crate::git::{Author, Repo};
use crate::keys;

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
        snapshot_keys: vec![],
        timestamp_keys: vec![],
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
    let author = Author::from_env_or_config(&checkout.git);
    checkout.git.commit_paths(
        &[
            "config.toml",
            "config.toml.minisig",
            ".gitattributes",
            "README.md",
        ],
        &format!("Create index `{name}` for {}", a.engine),
        &author,
    )?;
    super::status(
        quiet,
        "Created",
        format!("index `{name}` in `{}`", a.dir.display()),
    );
    if !quiet {
        eprintln!(
            "Clients pin this root key (plugres.toml `root-keys`, or `plugres registry add --key`):"
        );
    }
    println!("{}", key.public_base64());
    Ok(())
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
never change (only `yanked`).\n",
        name = c.name,
        engine = c.engine,
    )
}
