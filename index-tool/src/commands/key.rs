//! `plugres-index key add|remove|list`: publisher keys in config.toml.

use anyhow::{Result, bail};
use plugres_schema::{IndexConfig, KeyId, PublicKey, PublisherKey, Scope, render};

use crate::checkout::{Checkout, diagnostics_error, root_id_of};
use crate::cli::{KeyAddArgs, KeyCommand, KeyListArgs, KeyRemoveArgs};
use crate::fsutil::CheckoutLock;
use crate::git::Author;
use crate::keys;

pub fn run(cmd: KeyCommand, quiet: bool) -> Result<()> {
    match cmd {
        KeyCommand::Add(a) => add(a, quiet),
        KeyCommand::Remove(a) => remove(a, quiet),
        KeyCommand::List(a) => list(a),
    }
}

fn add(a: KeyAddArgs, quiet: bool) -> Result<()> {
    let checkout = Checkout::open(&a.index.path())?;
    let _lock = CheckoutLock::acquire(&checkout.dir)?;
    let (mut config, _) = checkout.load_config()?;
    let public_text = match (&a.public, &a.public_file) {
        (Some(p), _) => p.clone(),
        (None, Some(f)) => std::fs::read_to_string(f)
            .map_err(|e| anyhow::anyhow!("cannot read `{}`: {e}", f.display()))?,
        (None, None) => bail!("give --public RWQ... or --public-file FILE.pub"),
    };
    let public = PublicKey::parse(&public_text).map_err(anyhow::Error::msg)?;
    let id = KeyId::new(&a.id).map_err(anyhow::Error::msg)?;
    if config.root_keys.iter().any(|k| k.id == id) || config.publisher(id.as_str()).is_some() {
        bail!(
            "a key with id `{id}` is already in config.toml\nhint: remove it first, or choose another id"
        );
    }
    let scopes = a
        .scopes
        .iter()
        .map(|s| Scope::new(s).map_err(anyhow::Error::msg))
        .collect::<Result<Vec<_>>>()?;
    config.publisher_keys.push(PublisherKey {
        id: id.clone(),
        public,
        scopes,
    });
    let root = keys::load_signing_key(a.root_key.as_deref(), "root key")?;
    resign_config(
        &checkout,
        &config,
        &root,
        &format!("Add publisher key `{id}` ({})", a.scopes.join(", ")),
    )?;
    super::status(
        quiet,
        "Added",
        format!("publisher key `{id}` for {}", a.scopes.join(", ")),
    );
    Ok(())
}

fn remove(a: KeyRemoveArgs, quiet: bool) -> Result<()> {
    let checkout = Checkout::open(&a.index.path())?;
    let _lock = CheckoutLock::acquire(&checkout.dir)?;
    let (mut config, _) = checkout.load_config()?;
    let before = config.publisher_keys.len();
    config.publisher_keys.retain(|k| k.id.as_str() != a.id);
    if config.publisher_keys.len() == before {
        if config.root_keys.iter().any(|k| k.id.as_str() == a.id) {
            bail!(
                "`{}` is a root key; root keys are not removed with `key remove`",
                a.id
            );
        }
        bail!(
            "no publisher key `{}` in config.toml\nhint: `plugres-index key list`",
            a.id
        );
    }
    let root = keys::load_signing_key(a.root_key.as_deref(), "root key")?;
    resign_config(
        &checkout,
        &config,
        &root,
        &format!("Remove publisher key `{}`", a.id),
    )?;
    super::status(
        quiet,
        "Removed",
        format!(
            "publisher key `{}`; plugin files it alone signed no longer verify",
            a.id
        ),
    );
    Ok(())
}

/// Renders, checks, signs with a root key and commits a changed config.
pub fn resign_config(
    checkout: &Checkout,
    config: &IndexConfig,
    root: &plugres_schema::SigningKey,
    message: &str,
) -> Result<()> {
    let Some(rk) = root_id_of(config, root) else {
        bail!(
            "the given key is not a root key of this index; config.toml must be signed by one of its `[[root-key]]`s"
        );
    };
    let text = render::config_file(config);
    IndexConfig::parse("config.toml", text.as_bytes()).map_err(|d| diagnostics_error(&d))?;
    checkout.write_signed("config.toml", text.as_bytes(), root)?;
    let author = Author::from_env_or_config(&checkout.git);
    checkout.git.commit_paths(
        &["config.toml", "config.toml.minisig"],
        &format!("{message}\n\nSigned-by: {}", rk.id),
        &author,
    )?;
    Ok(())
}

fn list(a: KeyListArgs) -> Result<()> {
    let checkout = Checkout::open(&a.index.path())?;
    let (config, _) = checkout.load_config()?;
    if a.json {
        let v = serde_json::json!({
            "root": config.root_keys.iter().map(|k| serde_json::json!({"id": k.id, "public": k.public.as_str()})).collect::<Vec<_>>(),
            "publisher": config.publisher_keys.iter().map(|k| serde_json::json!({"id": k.id, "public": k.public.as_str(), "scopes": k.scopes})).collect::<Vec<_>>(),
        });
        println!("{}", serde_json::to_string_pretty(&v)?);
        return Ok(());
    }
    for k in &config.root_keys {
        println!("root       {:<20} {}", k.id, k.public);
    }
    for k in &config.publisher_keys {
        let scopes: Vec<&str> = k.scopes.iter().map(|s| s.as_str()).collect();
        println!(
            "publisher  {:<20} {}  scopes: {}",
            k.id,
            k.public,
            scopes.join(", ")
        );
    }
    Ok(())
}
