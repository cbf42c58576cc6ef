//! Granting the permissions plugins ask the host for.
//!
//! A plugin version lists what it needs (`network`, `fs-read`, …). Before a
//! plugin is installed, each permission it asks for must be granted once:
//! by `--yes` (everything), `--allow PERM` (that permission, for every
//! plugin), or an answer at the prompt (on a terminal). Grants are recorded
//! per plugin in plugres.lock (`granted`) and carried to later versions, so
//! only *new* permissions are ever asked for again. The host engine gives a
//! plugin exactly its granted permissions.

use plugres_schema::Permission;

use super::{GrantedEntry, OpsError};
use crate::project::Lockfile;

/// A plugin asking for permissions not yet granted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PermissionRequest {
    pub plugin: String,
    pub version: String,
    pub permissions: Vec<Permission>,
}

/// Callback asking the user; `true` grants every permission of the request.
pub type Prompt = dyn Fn(&PermissionRequest) -> bool + Send + Sync;

/// How permissions are granted in this run.
#[derive(Default)]
pub struct Grants {
    /// `--yes`: grant everything asked for.
    pub yes: bool,
    /// `--allow PERM`: grant these to every plugin that asks.
    pub allow: Vec<Permission>,
    /// Ask the user (only on a terminal); `None`: never ask.
    pub prompt: Option<Box<Prompt>>,
}

impl std::fmt::Debug for Grants {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Grants")
            .field("yes", &self.yes)
            .field("allow", &self.allow)
            .field("prompt", &self.prompt.is_some())
            .finish()
    }
}

/// Grants what `grants` allows to every plugin of `lock`; fails, listing
/// what is missing, when some permission stays ungranted.
pub(crate) fn grant(lock: &mut Lockfile, grants: &Grants) -> Result<Vec<GrantedEntry>, OpsError> {
    let mut granted = Vec::new();
    let mut refused: Vec<String> = Vec::new();
    let mut missing_perms: Vec<String> = Vec::new();
    for plugin in &mut lock.plugins {
        let asked: Vec<Permission> = plugin.ungranted().into_iter().cloned().collect();
        if asked.is_empty() {
            continue;
        }
        let (mut now, rest): (Vec<Permission>, Vec<Permission>) = asked
            .into_iter()
            .partition(|p| grants.yes || grants.allow.contains(p));
        let mut rest = rest;
        if !rest.is_empty()
            && let Some(prompt) = &grants.prompt
        {
            let request = PermissionRequest {
                plugin: plugin.name.to_string(),
                version: plugin.version.to_string(),
                permissions: rest.clone(),
            };
            if prompt(&request) {
                now.append(&mut rest);
            }
        }
        if !rest.is_empty() {
            let list: Vec<&str> = rest.iter().map(Permission::as_str).collect();
            refused.push(format!(
                "`{} {}` asks for {}",
                plugin.name,
                plugin.version,
                list.join(", ")
            ));
            for p in list {
                if !missing_perms.iter().any(|m| m == p) {
                    missing_perms.push(p.to_string());
                }
            }
            continue;
        }
        if !now.is_empty() {
            granted.push(GrantedEntry {
                name: plugin.name.to_string(),
                version: plugin.version.to_string(),
                permissions: now.iter().map(|p| p.to_string()).collect(),
            });
            plugin.granted.extend(now);
            plugin.granted.sort();
            plugin.granted.dedup();
        }
    }
    if refused.is_empty() {
        return Ok(granted);
    }
    let allow: Vec<String> = missing_perms
        .iter()
        .map(|p| format!("--allow {p}"))
        .collect();
    Err(OpsError::Failed {
        message: format!(
            "permissions not granted: {}; nothing was installed or changed",
            refused.join("; ")
        ),
        hints: vec![format!(
            "grant them with `{}`, or `--yes` to grant everything asked for",
            allow.join(" ")
        )],
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::project::{LockedPlugin, LockedRegistry};
    use plugres_schema::{PluginName, Version};

    fn perm(s: &str) -> Permission {
        Permission::new(s).unwrap()
    }

    fn lock_asking(perms: &[&str], granted: &[&str]) -> Lockfile {
        Lockfile {
            registries: vec![LockedRegistry {
                name: "default".into(),
                index: "idx".into(),
                revision: None,
                snapshot: None,
            }],
            plugins: vec![LockedPlugin {
                name: PluginName::new("hello").unwrap(),
                version: Version::parse("1.0.0").unwrap(),
                registry: "default".into(),
                path: None,
                engine: "*".parse().unwrap(),
                dependencies: Default::default(),
                permissions: perms.iter().map(|p| perm(p)).collect(),
                granted: granted.iter().map(|p| perm(p)).collect(),
                disabled: false,
                yanked: None,
                deprecated: None,
                channel: None,
                settings: Default::default(),
                artifacts: Vec::new(),
                attestation: None,
            }],
        }
    }

    #[test]
    fn nothing_granted_fails_with_allow_hint() {
        let mut lock = lock_asking(&["network", "fs-read"], &[]);
        let err = grant(&mut lock, &Grants::default()).unwrap_err();
        assert!(
            err.to_string()
                .contains("`hello 1.0.0` asks for network, fs-read"),
            "{err}"
        );
        assert_eq!(
            err.hints(),
            vec![
                "grant them with `--allow network --allow fs-read`, or `--yes` to grant everything asked for"
            ]
        );
        assert!(lock.plugins[0].granted.is_empty());
    }

    #[test]
    fn allow_grants_only_what_is_named_and_only_new_permissions_are_asked() {
        let mut lock = lock_asking(&["network", "fs-read"], &["fs-read"]);
        let grants = Grants {
            allow: vec![perm("network")],
            ..Grants::default()
        };
        let got = grant(&mut lock, &grants).unwrap();
        assert_eq!(got[0].permissions, vec!["network"]);
        assert_eq!(
            lock.plugins[0].granted,
            vec![perm("fs-read"), perm("network")]
        );
        // Everything granted now: no change, nothing asked.
        assert!(grant(&mut lock, &Grants::default()).unwrap().is_empty());
    }

    #[test]
    fn the_prompt_sees_only_what_allow_did_not_cover() {
        let mut lock = lock_asking(&["network", "fs-read"], &[]);
        let grants = Grants {
            allow: vec![perm("network")],
            prompt: Some(Box::new(|r: &PermissionRequest| {
                r.permissions == vec![Permission::new("fs-read").unwrap()]
            })),
            ..Grants::default()
        };
        grant(&mut lock, &grants).unwrap();
        assert_eq!(lock.plugins[0].granted.len(), 2);

        let mut lock = lock_asking(&["network"], &[]);
        let no = Grants {
            prompt: Some(Box::new(|_: &PermissionRequest| false)),
            ..Grants::default()
        };
        assert!(grant(&mut lock, &no).is_err());
        let yes = Grants {
            yes: true,
            ..Grants::default()
        };
        assert_eq!(grant(&mut lock, &yes).unwrap().len(), 1);
    }
}
