//! `plugres-index key add|remove|list`: the keys of config.toml, by role.
//! (`key rotate-root` is in `rotate.rs`.) Adding and removing are one signed
//! edit of the config ([`Editing::edit_config`](crate::signed_edit::Editing::edit_config)).

use std::path::PathBuf;

use anyhow::{Result, bail};
use plugres_schema::{IndexConfig, KeyId, PublicKey, PublisherKey, RoleKey, Scope};

use super::Interact;
use crate::checkout::Checkout;
use crate::keys::KeyRef;

/// Which list of config.toml a key is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Signs the files of plugins matching its scopes.
    Publisher,
    /// Signs config.toml; clients pin it.
    Root,
    /// Signs snapshot.toml (an online key).
    Snapshot,
    /// Signs timestamp.toml (an online key).
    Timestamp,
    /// One online key as both a snapshot and a timestamp key: ids
    /// `<ID>-snapshot` and `<ID>-timestamp`.
    Online,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Publisher => "publisher",
            Role::Root => "root",
            Role::Snapshot => "snapshot",
            Role::Timestamp => "timestamp",
            Role::Online => "online",
        }
    }
}

/// The public key being added.
#[derive(Debug, Clone)]
pub enum PublicKeyInput {
    /// The key itself (`RWQ...`).
    Text(String),
    /// A minisign `.pub` file.
    File(PathBuf),
}

#[derive(Debug, Clone)]
pub struct KeyAddRequest {
    pub index: PathBuf,
    /// Id of the key in config.toml (for [`Role::Online`], the stem of its
    /// two ids).
    pub id: String,
    pub public: PublicKeyInput,
    pub role: Role,
    /// Plugin name patterns (publisher keys only).
    pub scopes: Vec<String>,
    /// The root key that re-signs config.toml.
    pub root_key: KeyRef,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct KeyAddReport {
    pub role: Role,
    /// The ids added (two for an online key: snapshot, then timestamp).
    pub ids: Vec<String>,
    pub scopes: Vec<String>,
    pub config_version: u64,
    pub commit: String,
    /// The index has a trust layer, whose snapshot this made stale.
    pub snapshot_stale: bool,
}

impl KeyAddReport {
    /// What was added, in words (`publisher key `acme` for acme-*`).
    pub fn what(&self) -> String {
        describe_added(self.role, &self.ids, &self.scopes)
    }
}

fn describe_added(role: Role, ids: &[String], scopes: &[String]) -> String {
    match (role, ids) {
        (Role::Publisher, [id]) => format!("publisher key `{id}` for {}", scopes.join(", ")),
        (Role::Online, [snapshot, timestamp]) => {
            format!("online key as snapshot key `{snapshot}` and timestamp key `{timestamp}`")
        }
        (role, ids) => format!("{} key `{}`", role.as_str(), ids.join("`, `")),
    }
}

#[derive(Debug, Clone)]
pub struct KeyRemoveRequest {
    pub index: PathBuf,
    pub id: String,
    pub role: Role,
    /// The root key that re-signs config.toml.
    pub root_key: KeyRef,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct KeyRemoveReport {
    pub role: Role,
    pub id: String,
    pub config_version: u64,
    pub commit: String,
    /// The index has a trust layer, whose snapshot this made stale.
    pub snapshot_stale: bool,
}

/// The keys of config.toml by role. Fields in alphabetical order: the
/// order `key list --json` has always printed them in.
#[derive(Debug, Clone, serde::Serialize)]
pub struct KeyList {
    pub publisher: Vec<PublisherEntry>,
    pub root: Vec<KeyEntry>,
    pub snapshot: Vec<KeyEntry>,
    pub timestamp: Vec<KeyEntry>,
    pub version: u64,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct KeyEntry {
    pub id: String,
    pub public: String,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct PublisherEntry {
    pub id: String,
    pub public: String,
    pub scopes: Vec<String>,
}

pub fn key_add(req: &KeyAddRequest, ui: &(impl Interact + ?Sized)) -> Result<KeyAddReport> {
    if req.role == Role::Root {
        bail!(
            "a root key is not added with `key add`: clients accept a new root key only when it signs config.toml too\nhint: `plugres-index key rotate-root --old-key ROOT.key --new-key NEW.key --keep-old` adds it signed by both keys"
        );
    }
    let edit = super::open(&req.index, ui)?;
    let mut ids = Vec::new();
    let (config, done) = edit.edit_config(
        || req.root_key.load("root key", ui),
        |config| {
            ids = add_to(config, req)?;
            Ok(format!(
                "Add {}",
                describe_added(req.role, &ids, &req.scopes)
            ))
        },
    )?;
    Ok(KeyAddReport {
        role: req.role,
        ids,
        scopes: req.scopes.clone(),
        config_version: config.version,
        commit: done.commit,
        snapshot_stale: config.has_snapshot_role(),
    })
}

/// Adds the key of `req` to `config`; returns the ids added.
fn add_to(config: &mut IndexConfig, req: &KeyAddRequest) -> Result<Vec<String>> {
    let public_text = match &req.public {
        PublicKeyInput::Text(p) => p.clone(),
        PublicKeyInput::File(f) => std::fs::read_to_string(f)
            .map_err(|e| anyhow::anyhow!("cannot read `{}`: {e}", f.display()))?,
    };
    let public = PublicKey::parse(&public_text).map_err(anyhow::Error::msg)?;
    let ids = match req.role {
        Role::Online => vec![
            format!("{}-snapshot", req.id),
            format!("{}-timestamp", req.id),
        ],
        _ => vec![req.id.clone()],
    };
    for id in &ids {
        let id = KeyId::new(id).map_err(anyhow::Error::msg)?;
        if let Some((_, _, role)) = config.all_keys().into_iter().find(|(k, _, _)| **k == id) {
            bail!(
                "a key with id `{id}` is already in config.toml (a {role} key); key ids are unique across roles\nhint: remove it first, or choose another id"
            );
        }
    }
    let id = KeyId::new(&req.id).map_err(anyhow::Error::msg)?;
    if !req.scopes.is_empty() && req.role != Role::Publisher {
        bail!(
            "only publisher keys have scopes: a {} key signs one file",
            req.role.as_str()
        );
    }
    match req.role {
        Role::Publisher => {
            if req.scopes.is_empty() {
                bail!(
                    "a publisher key needs at least one `--scope`, like `--scope 'acme-*'` (`*`: any plugin)"
                );
            }
            let scopes = req
                .scopes
                .iter()
                .map(|s| Scope::new(s).map_err(anyhow::Error::msg))
                .collect::<Result<Vec<_>>>()?;
            config
                .publisher_keys
                .push(PublisherKey { id, public, scopes });
        }
        Role::Online => {
            let (snapshot, timestamp) = online_ids(&req.id)?;
            config.snapshot_keys.push(RoleKey {
                id: snapshot,
                public: public.clone(),
            });
            config.timestamp_keys.push(RoleKey {
                id: timestamp,
                public,
            });
        }
        role => role_list(config, role)?.push(RoleKey { id, public }),
    }
    Ok(ids)
}

pub fn key_remove(
    req: &KeyRemoveRequest,
    ui: &(impl Interact + ?Sized),
) -> Result<KeyRemoveReport> {
    let edit = super::open(&req.index, ui)?;
    let (config, done) = edit.edit_config(
        || req.root_key.load("root key", ui),
        |config| {
            remove_from(config, req)?;
            Ok(format!("Remove {} key `{}`", req.role.as_str(), req.id))
        },
    )?;
    Ok(KeyRemoveReport {
        role: req.role,
        id: req.id.clone(),
        config_version: config.version,
        commit: done.commit,
        snapshot_stale: config.has_snapshot_role(),
    })
}

/// Removes the key of `req` from `config`, refusing what would leave it
/// without a root key.
fn remove_from(config: &mut IndexConfig, req: &KeyRemoveRequest) -> Result<()> {
    let removed = match req.role {
        Role::Publisher => {
            let before = config.publisher_keys.len();
            config.publisher_keys.retain(|k| k.id.as_str() != req.id);
            before != config.publisher_keys.len()
        }
        Role::Online => {
            let (snapshot, timestamp) = online_ids(&req.id)?;
            let (s, t) = (config.snapshot_keys.len(), config.timestamp_keys.len());
            config.snapshot_keys.retain(|k| k.id != snapshot);
            config.timestamp_keys.retain(|k| k.id != timestamp);
            s != config.snapshot_keys.len() || t != config.timestamp_keys.len()
        }
        role => {
            let list = role_list(config, role)?;
            let before = list.len();
            list.retain(|k| k.id.as_str() != req.id);
            before != list.len()
        }
    };
    if !removed {
        if let Some((_, _, role)) = config
            .all_keys()
            .into_iter()
            .find(|(k, _, _)| k.as_str() == req.id)
        {
            bail!(
                "`{}` is a {role} key, not a {} key\nhint: `plugres-index key remove {} --role {role}`",
                req.id,
                req.role.as_str(),
                req.id
            );
        }
        bail!(
            "no {} key `{}` in config.toml\nhint: `plugres-index key list`",
            req.role.as_str(),
            req.id
        );
    }
    if req.role == Role::Root && config.root_keys.is_empty() {
        bail!(
            "`{}` is the only root key; an index needs one\nhint: replace it with `plugres-index key rotate-root`",
            req.id
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

/// The keys of the checkout at `index`, its config verified.
pub fn key_list(index: &std::path::Path) -> Result<KeyList> {
    let checkout = Checkout::open(index)?;
    let (config, _) = checkout.load_config()?;
    let role = |keys: &[RoleKey]| {
        keys.iter()
            .map(|k| KeyEntry {
                id: k.id.to_string(),
                public: k.public.as_str().to_string(),
            })
            .collect()
    };
    Ok(KeyList {
        publisher: config
            .publisher_keys
            .iter()
            .map(|k| PublisherEntry {
                id: k.id.to_string(),
                public: k.public.as_str().to_string(),
                scopes: k.scopes.iter().map(|s| s.as_str().to_string()).collect(),
            })
            .collect(),
        root: role(&config.root_keys),
        snapshot: role(&config.snapshot_keys),
        timestamp: role(&config.timestamp_keys),
        version: config.version,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    struct NoPasswords;
    impl crate::keys::Passwords for NoPasswords {
        fn password(&self, _: &str) -> Result<String> {
            bail!("no password in tests")
        }
        fn new_password(&self) -> Result<String> {
            bail!("no password in tests")
        }
    }
    impl Interact for NoPasswords {}

    fn request(role: Role, dir: &std::path::Path) -> KeyAddRequest {
        KeyAddRequest {
            id: "ci".into(),
            public: PublicKeyInput::Text(
                plugres_schema::SigningKey::generate()
                    .unwrap()
                    .public_base64(),
            ),
            role,
            scopes: Vec::new(),
            root_key: KeyRef::Missing {
                var: crate::keys::KEY_ENV.into(),
            },
            index: dir.to_path_buf(),
        }
    }

    #[test]
    fn a_root_key_is_refused_before_the_index_is_touched() {
        let t = tempfile::tempdir().unwrap();
        let err = key_add(&request(Role::Root, t.path()), &NoPasswords)
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
