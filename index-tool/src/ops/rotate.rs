//! `plugres-index key rotate-root`: replace a root key without breaking the
//! clients that pinned the old one.
//!
//! A client accepts a new config only when a root key it already trusts
//! signed it, and, for each root key the config adds, that key too. So the
//! rotated config carries two signatures in `config.toml.minisig`: the old
//! key's (the chain from what clients trust) and the new key's (proof that
//! whoever added the key holds it).

use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use plugres_schema::{CONFIG_PATH, IndexConfig, KeyId, PublicKey, RootKey, SigningKey, render};

use super::Interact;
use crate::checkout::{diagnostics_error, now_rfc3339, now_unix, root_id_of, sig_path};
use crate::fsutil::atomic_write;
use crate::keys::KeyRef;

#[derive(Debug, Clone)]
pub struct RotateRootRequest {
    pub index: PathBuf,
    /// The root key being replaced (clients trust it now).
    pub old_key: KeyRef,
    /// The new root key.
    pub new_key: KeyRef,
    /// Id of the new key [default: `root-YYYY-MM-DD`].
    pub new_id: Option<String>,
    /// Keep the old key as a root key too.
    pub keep_old: bool,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct RotateRootReport {
    pub old_id: String,
    pub new_id: String,
    pub new_public_key: String,
    pub keep_old: bool,
    pub config_version: u64,
    pub commit: String,
    /// The index has a trust layer, whose snapshot this made stale.
    pub snapshot_stale: bool,
}

/// The rotated config: its text and the two-signature `.minisig` text.
pub struct Rotated {
    pub config: IndexConfig,
    pub text: String,
    pub signature: String,
    pub old_id: KeyId,
}

/// Builds and signs the config in which `new` (as `new_id`) replaces the
/// root key `old` (or joins it with `keep_old`), version raised by one, and
/// checks that both keys' signatures verify.
pub fn rotate(
    config: &IndexConfig,
    old: &SigningKey,
    new: &SigningKey,
    new_id: KeyId,
    keep_old: bool,
    stamp: u64,
) -> Result<Rotated> {
    let Some(old_key) = root_id_of(config, old) else {
        let ids: Vec<String> = config
            .root_keys
            .iter()
            .map(|k| format!("`{}`", k.id))
            .collect();
        bail!(
            "--old-key is not a root key of this index (its root keys: {})",
            ids.join(", ")
        );
    };
    let old_id = old_key.id.clone();
    if root_id_of(config, new).is_some() {
        bail!("--new-key is already a root key of this index");
    }
    if let Some((_, _, role)) = config
        .all_keys()
        .into_iter()
        .find(|(id, _, _)| **id == new_id)
    {
        bail!(
            "a key with id `{new_id}` is already in config.toml (a {role} key)\nhint: pass another `--new-id`"
        );
    }
    let new_root = RootKey {
        id: new_id,
        public: PublicKey::parse(&new.public_base64()).map_err(anyhow::Error::msg)?,
    };
    let mut rotated = config.clone();
    rotated.version += 1;
    match rotated.root_keys.iter().position(|k| k.id == old_id) {
        Some(i) if !keep_old => rotated.root_keys[i] = new_root.clone(),
        _ => rotated.root_keys.push(new_root.clone()),
    }
    let text = render::config_file(&rotated);
    IndexConfig::parse(CONFIG_PATH, text.as_bytes()).map_err(|d| diagnostics_error(&d))?;
    let mut signature = String::new();
    for key in [old, new] {
        let sig = plugres_schema::sign(key, CONFIG_PATH, text.as_bytes(), stamp)
            .map_err(anyhow::Error::msg)?;
        signature.push_str(&sig);
        if !signature.ends_with('\n') {
            signature.push('\n');
        }
    }
    // What clients will check: the old key (trusted) and the new one (added)
    // both signed these bytes, and the config verifies on its own keys.
    let candidates = [(&old_id, &old_key.public), (&new_root.id, &new_root.public)];
    let signers = plugres_schema::signers(
        CONFIG_PATH,
        text.as_bytes(),
        signature.as_bytes(),
        candidates,
    )
    .context("the rotated config does not verify")?;
    if signers.len() != 2 {
        bail!(
            "the rotated config verifies with {} of the 2 keys; nothing was written",
            signers.len()
        );
    }
    plugres_schema::verify(
        CONFIG_PATH,
        text.as_bytes(),
        signature.as_bytes(),
        rotated.root_keys.iter().map(|k| (&k.id, &k.public)),
    )
    .context("the rotated config does not verify against its own root keys")?;
    Ok(Rotated {
        config: rotated,
        text,
        signature,
        old_id,
    })
}

/// Rotates the root key of the checkout at `req.index` ([`rotate`]), writes
/// the config and its two signatures, and commits them.
pub fn rotate_root(
    req: &RotateRootRequest,
    ui: &(impl Interact + ?Sized),
) -> Result<RotateRootReport> {
    let edit = super::open(&req.index, ui)?;
    let old = req.old_key.load("old root key", ui)?;
    let new = req.new_key.load("new root key", ui)?;
    let new_id = match &req.new_id {
        Some(id) => id.clone(),
        None => format!("root-{}", &now_rfc3339()[..10]),
    };
    let new_id = KeyId::new(&new_id).map_err(anyhow::Error::msg)?;
    let r = rotate(
        &edit.config,
        &old,
        &new,
        new_id.clone(),
        req.keep_old,
        now_unix(),
    )?;
    let paths = [CONFIG_PATH.to_string(), sig_path(CONFIG_PATH)];
    for (rel, bytes) in paths
        .iter()
        .zip([r.text.as_bytes(), r.signature.as_bytes()])
    {
        let full = edit.checkout.dir.join(rel);
        atomic_write(&full, bytes).with_context(|| format!("cannot write `{}`", full.display()))?;
    }
    let verb = if req.keep_old { "Add" } else { "Rotate" };
    let title = format!(
        "{verb} root key `{}` -> `{new_id}` (config version {})",
        r.old_id, r.config.version
    );
    let commit = edit.commit_files(&paths, &title, &[&r.old_id, &new_id])?;
    Ok(RotateRootReport {
        old_id: r.old_id.to_string(),
        new_id: new_id.to_string(),
        new_public_key: new.public_base64(),
        keep_old: req.keep_old,
        config_version: r.config.version,
        commit,
        snapshot_stale: r.config.has_snapshot_role(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> SigningKey {
        SigningKey::generate().unwrap()
    }

    fn config(root: &SigningKey) -> IndexConfig {
        let text = format!(
            "format = 1\nversion = 4\nname = \"t\"\nengine = \"demo-engine\"\n\n[[root-key]]\nid = \"root\"\npublic = \"{}\"\n",
            root.public_base64()
        );
        IndexConfig::parse(CONFIG_PATH, text.as_bytes()).unwrap()
    }

    #[test]
    fn the_rotated_config_is_signed_by_both_keys_and_raises_the_version() {
        let (old, new) = (key(), key());
        let cfg = config(&old);
        let id = KeyId::new("root-2027").unwrap();
        let r = rotate(&cfg, &old, &new, id.clone(), false, 7).unwrap();
        assert_eq!(r.config.version, 5);
        assert_eq!(r.config.root_keys.len(), 1);
        assert_eq!(r.config.root_keys[0].id, id);
        assert_eq!(
            plugres_schema::parse_signatures(CONFIG_PATH, r.signature.as_bytes())
                .unwrap()
                .len(),
            2
        );
        // A client that trusts only the old key accepts it...
        let old_only = cfg.root_keys.iter().map(|k| (&k.id, &k.public));
        let by = plugres_schema::signers(
            CONFIG_PATH,
            r.text.as_bytes(),
            r.signature.as_bytes(),
            old_only,
        )
        .unwrap();
        assert_eq!(by.len(), 1);
        assert_eq!(by[0].key_id.as_str(), "root");
        // ...and the new key signed it too.
        let all = cfg
            .root_keys
            .iter()
            .chain(&r.config.root_keys)
            .map(|k| (&k.id, &k.public));
        let by =
            plugres_schema::signers(CONFIG_PATH, r.text.as_bytes(), r.signature.as_bytes(), all)
                .unwrap();
        assert_eq!(by.len(), 2);
        // Tampering the text breaks both.
        let tampered = r.text.replace("version = 5", "version = 6");
        let old_only = cfg.root_keys.iter().map(|k| (&k.id, &k.public));
        assert!(
            plugres_schema::signers(
                CONFIG_PATH,
                tampered.as_bytes(),
                r.signature.as_bytes(),
                old_only
            )
            .is_err()
        );
    }

    #[test]
    fn keep_old_adds_the_key_and_refusals_name_the_problem() {
        let (old, new) = (key(), key());
        let cfg = config(&old);
        let r = rotate(&cfg, &old, &new, KeyId::new("next").unwrap(), true, 7).unwrap();
        let ids: Vec<&str> = r.config.root_keys.iter().map(|k| k.id.as_str()).collect();
        assert_eq!(ids, ["root", "next"]);
        let stranger = key();
        let err = rotate(&cfg, &stranger, &new, KeyId::new("x").unwrap(), false, 7)
            .err()
            .unwrap()
            .to_string();
        assert!(
            err.contains("not a root key") && err.contains("`root`"),
            "{err}"
        );
        let err = rotate(&cfg, &old, &new, KeyId::new("root").unwrap(), true, 7)
            .err()
            .unwrap()
            .to_string();
        assert!(err.contains("`root` is already in config.toml"), "{err}");
    }
}
