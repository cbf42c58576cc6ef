//! `plugres-index key add|remove|list`: the keys of config.toml, by role.
//! (`key rotate-root` is in `rotate.rs`.)

use anyhow::{Result, bail};
use plugres_schema::{IndexConfig, KeyId, PublicKey, PublisherKey, RoleKey, Scope, render};

use crate::checkout::{Checkout, diagnostics_error, root_id_of};
use crate::cli::{KeyAddArgs, KeyCommand, KeyListArgs, KeyRemoveArgs, Role};
use crate::fsutil::CheckoutLock;
use crate::git::Author;
use crate::keys;

pub fn run(cmd: KeyCommand, quiet: bool) -> Result<()> {
    match cmd {
        KeyCommand::Add(a) => add(a, quiet),
        KeyCommand::Remove(a) => remove(a, quiet),
        KeyCommand::List(a) => list(a),
        KeyCommand::RotateRoot(a) => super::rotate::run(a, quiet),
    }
}

fn add(a: KeyAddArgs, quiet: bool) -> Result<()> {
    if a.role == Role::Root {
        bail!(
            "a root key is not added with `key add`: clients accept a new root key only when it signs config.toml too\nhint: `plugres-index key rotate-root --old-key ROOT.key --new-key NEW.key --keep-old` adds it signed by both keys"
        );
    }
    let checkout = Checkout::open(&a.index.path())?;
    let _lock = CheckoutLock::acquire(&checkout.dir, || {
        eprintln!("Blocking: waiting for another plugres-index on this checkout")
    })?;
    let (mut config, _) = checkout.load_config()?;
    let public_text = match (&a.public, &a.public_file) {
        (Some(p), _) => p.clone(),
        (None, Some(f)) => std::fs::read_to_string(f)
            .map_err(|e| anyhow::anyhow!("cannot read `{}`: {e}", f.display()))?,
        (None, None) => bail!("give --public RWQ... or --public-file FILE.pub"),
    };
    let public = PublicKey::parse(&public_text).map_err(anyhow::Error::msg)?;
    let ids = match a.role {
        Role::Online => vec![format!("{}-snapshot", a.id), format!("{}-timestamp", a.id)],
        _ => vec![a.id.clone()],
    };
    for id in &ids {
        let id = KeyId::new(id).map_err(anyhow::Error::msg)?;
        if let Some((_, _, role)) = config.all_keys().into_iter().find(|(k, _, _)| **k == id) {
            bail!(
                "a key with id `{id}` is already in config.toml (a {role} key); key ids are unique across roles\nhint: remove it first, or choose another id"
            );
        }
    }
    let id = KeyId::new(&a.id).map_err(anyhow::Error::msg)?;
    if !a.scopes.is_empty() && a.role != Role::Publisher {
        bail!(
            "only publisher keys have scopes: a {} key signs one file",
            a.role.as_str()
        );
    }
    let what = match a.role {
        Role::Publisher => {
            if a.scopes.is_empty() {
                bail!(
                    "a publisher key needs at least one `--scope`, like `--scope 'acme-*'` (`*`: any plugin)"
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
            format!("publisher key `{id}` for {}", a.scopes.join(", "))
        }
        Role::Online => {
            let (snapshot, timestamp) = online_ids(&a.id)?;
            let what =
                format!("online key as snapshot key `{snapshot}` and timestamp key `{timestamp}`");
            config.snapshot_keys.push(RoleKey {
                id: snapshot,
                public: public.clone(),
            });
            config.timestamp_keys.push(RoleKey {
                id: timestamp,
                public,
            });
            what
        }
        role => {
            role_list(&mut config, role)?.push(RoleKey {
                id: id.clone(),
                public,
            });
            format!("{} key `{id}`", role.as_str())
        }
    };
    let root = keys::load_signing_key(a.root_key.as_deref(), "root key")?;
    let version = resign_config(&checkout, &mut config, &root, &format!("Add {what}"))?;
    super::status(quiet, "Added", format!("{what} (config version {version})"));
    if !quiet && config.has_snapshot_role() {
        eprintln!(
            "next: {}",
            super::in_index(
                &a.index,
                "plugres-index snapshot && plugres-index timestamp"
            )
        );
    }
    Ok(())
}

fn remove(a: KeyRemoveArgs, quiet: bool) -> Result<()> {
    let checkout = Checkout::open(&a.index.path())?;
    let _lock = CheckoutLock::acquire(&checkout.dir, || {
        eprintln!("Blocking: waiting for another plugres-index on this checkout")
    })?;
    let (mut config, _) = checkout.load_config()?;
    let removed = match a.role {
        Role::Publisher => {
            let before = config.publisher_keys.len();
            config.publisher_keys.retain(|k| k.id.as_str() != a.id);
            before != config.publisher_keys.len()
        }
        Role::Online => {
            let (snapshot, timestamp) = online_ids(&a.id)?;
            let (s, t) = (config.snapshot_keys.len(), config.timestamp_keys.len());
            config.snapshot_keys.retain(|k| k.id != snapshot);
            config.timestamp_keys.retain(|k| k.id != timestamp);
            s != config.snapshot_keys.len() || t != config.timestamp_keys.len()
        }
        role => {
            let list = role_list(&mut config, role)?;
            let before = list.len();
            list.retain(|k| k.id.as_str() != a.id);
            before != list.len()
        }
    };
    if !removed {
        if let Some((_, _, role)) = config
            .all_keys()
            .into_iter()
            .find(|(k, _, _)| k.as_str() == a.id)
        {
            bail!(
                "`{}` is a {role} key, not a {} key\nhint: `plugres-index key remove {} --role {role}`",
                a.id,
                a.role.as_str(),
                a.id
            );
        }
        bail!(
            "no {} key `{}` in config.toml\nhint: `plugres-index key list`",
            a.role.as_str(),
            a.id
        );
    }
    if a.role == Role::Root && config.root_keys.is_empty() {
        bail!(
            "`{}` is the only root key; an index needs one\nhint: replace it with `plugres-index key rotate-root`",
            a.id
        );
    }
    let root = keys::load_signing_key(a.root_key.as_deref(), "root key")?;
    let what = format!("{} key `{}`", a.role.as_str(), a.id);
    let version = resign_config(&checkout, &mut config, &root, &format!("Remove {what}"))?;
    super::status(
        quiet,
        "Removed",
        format!("{what} (config version {version}); files it alone signed no longer verify"),
    );
    if !quiet && config.has_snapshot_role() {
        eprintln!(
            "next: {}",
            super::in_index(
                &a.index,
                "plugres-index snapshot && plugres-index timestamp"
            )
        );
    }
    Ok(())
}

/// The role-key list of `config` for a root, snapshot or timestamp key
/// (publisher keys have scopes and a list of their own; an online key is
/// in two lists).
fn role_list(config: &mut IndexConfig, role: Role) -> Result<&mut Vec<RoleKey>> {
    Ok(match role {
        Role::Root => &mut config.root_keys,
        Role::Snapshot => &mut config.snapshot_keys,
        Role::Timestamp => &mut config.timestamp_keys,
        Role::Publisher | Role::Online => bail!("{} keys are not one role key", role.as_str()),
    })
}

/// The ids an online key `id` has as a snapshot and as a timestamp key.
fn online_ids(id: &str) -> Result<(KeyId, KeyId)> {
    let key = |role: &str| KeyId::new(&format!("{id}-{role}")).map_err(anyhow::Error::msg);
    Ok((key("snapshot")?, key("timestamp")?))
}

/// Raises the version of a changed config, renders and checks it, signs it
/// with a root key it lists and commits it. Returns the new version.
pub fn resign_config(
    checkout: &Checkout,
    config: &mut IndexConfig,
    root: &plugres_schema::SigningKey,
    message: &str,
) -> Result<u64> {
    let Some(rk) = root_id_of(config, root) else {
        bail!(
            "the given key is not a root key of the new config; config.toml must be signed by one of its `[[root-key]]`s"
        );
    };
    let signer = rk.id.clone();
    config.version += 1;
    let text = render::config_file(config);
    IndexConfig::parse("config.toml", text.as_bytes()).map_err(|d| diagnostics_error(&d))?;
    checkout.write_signed("config.toml", text.as_bytes(), root)?;
    let author = Author::from_env_or_config(&checkout.git);
    checkout.git.commit_paths(
        &["config.toml", "config.toml.minisig"],
        &format!("{message}\n\nSigned-by: {signer}"),
        &author,
    )?;
    Ok(config.version)
}

fn list(a: KeyListArgs) -> Result<()> {
    let checkout = Checkout::open(&a.index.path())?;
    let (config, _) = checkout.load_config()?;
    if a.json {
        let role = |keys: &[RoleKey]| {
            keys.iter()
                .map(|k| serde_json::json!({"id": k.id, "public": k.public.as_str()}))
                .collect::<Vec<_>>()
        };
        let v = serde_json::json!({
            "version": config.version,
            "root": role(&config.root_keys),
            "publisher": config.publisher_keys.iter().map(|k| serde_json::json!({"id": k.id, "public": k.public.as_str(), "scopes": k.scopes})).collect::<Vec<_>>(),
            "snapshot": role(&config.snapshot_keys),
            "timestamp": role(&config.timestamp_keys),
        });
        println!("{}", serde_json::to_string_pretty(&v)?);
        return Ok(());
    }
    for (id, public, role) in config.all_keys() {
        let scopes = config
            .publisher(id.as_str())
            .filter(|_| role == "publisher")
            .map(|k| {
                let s: Vec<&str> = k.scopes.iter().map(|s| s.as_str()).collect();
                format!("  scopes: {}", s.join(", "))
            })
            .unwrap_or_default();
        println!("{role:<10} {:<20} {public}{scopes}", id.as_str());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::IndexDir;

    fn args(role: Role, dir: &std::path::Path) -> KeyAddArgs {
        KeyAddArgs {
            id: "ci".into(),
            public: Some(
                plugres_schema::SigningKey::generate()
                    .unwrap()
                    .public_base64(),
            ),
            public_file: None,
            role,
            scopes: Vec::new(),
            root_key: None,
            index: IndexDir {
                index: Some(dir.to_path_buf()),
            },
        }
    }

    #[test]
    fn a_root_key_is_refused_before_the_index_is_touched() {
        let t = tempfile::tempdir().unwrap();
        let err = add(args(Role::Root, t.path()), true)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("key rotate-root") && err.contains("--keep-old"),
            "{err}"
        );
        assert_eq!(std::fs::read_dir(t.path()).unwrap().count(), 0);
    }

    #[test]
    fn an_online_key_has_a_snapshot_and_a_timestamp_id() {
        let (s, t) = online_ids("ci").unwrap();
        assert_eq!((s.as_str(), t.as_str()), ("ci-snapshot", "ci-timestamp"));
        assert!(online_ids("bad id").is_err());
    }
}
