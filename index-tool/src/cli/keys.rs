//! Keys as the command line gives them: a `--key FILE` flag or, failing
//! that, the key file's text in an environment variable (for CI); and the
//! terminal that answers an operation's questions (passwords) and hears its
//! news (a key generated, a lock waited for).

use std::io::IsTerminal;
use std::path::PathBuf;

use anyhow::{Result, bail};
use plugres_index::keys::{KeyRef, PASSWORD_ENV, Passwords};
use plugres_index::ops::{Event, GeneratedKey, Interact};

use super::print::Out;

/// The key `flag` names, else the key text the environment variable `var`
/// holds, else none (the operation says so when it needs the key).
pub fn key_ref(flag: Option<&PathBuf>, var: &str) -> KeyRef {
    if let Some(path) = flag {
        return KeyRef::File(path.clone());
    }
    match std::env::var(var) {
        Ok(text) if !text.trim().is_empty() => KeyRef::Text {
            var: var.to_string(),
            text,
        },
        _ => KeyRef::Missing {
            var: var.to_string(),
        },
    }
}

/// Answers from `PLUGRES_KEY_PASSWORD`, else by asking on the terminal.
pub struct Terminal {
    pub out: Out,
}

impl Passwords for Terminal {
    fn password(&self, origin: &str) -> Result<String> {
        if let Ok(pw) = std::env::var(PASSWORD_ENV) {
            return Ok(pw);
        }
        if !std::io::stdin().is_terminal() {
            bail!(
                "the key {origin} is encrypted and there is no terminal to ask for its password\nhint: set {PASSWORD_ENV}"
            );
        }
        Ok(rpassword::prompt_password(format!(
            "Password for {origin}: "
        ))?)
    }

    /// Asked twice on a terminal.
    fn new_password(&self) -> Result<String> {
        if let Ok(pw) = std::env::var(PASSWORD_ENV) {
            return Ok(pw);
        }
        if !std::io::stdin().is_terminal() {
            bail!(
                "cannot ask for a password without a terminal\nhint: set {PASSWORD_ENV}, or pass --unencrypted to store the key without one"
            );
        }
        let a = rpassword::prompt_password("Password for the new key: ")?;
        let b = rpassword::prompt_password("Password (again): ")?;
        if a != b {
            bail!("the passwords do not match");
        }
        if a.is_empty() {
            bail!("empty password\nhint: pass --unencrypted to store the key without one");
        }
        Ok(a)
    }
}

impl Interact for Terminal {
    fn event(&self, event: Event<'_>) {
        match event {
            Event::WaitingForLock => {
                eprintln!("Blocking: waiting for another plugres-index on this checkout")
            }
            Event::KeyGenerated {
                role: GeneratedKey::Root,
                path,
            } => self.out.status(
                "Generated",
                format!(
                    "root key `{}` (keep it offline; it signs config.toml)",
                    path.display()
                ),
            ),
            Event::KeyGenerated {
                role: GeneratedKey::Online,
                path,
            } => self.out.status(
                "Generated",
                format!(
                    "online key `{}` (unencrypted: store it as a CI secret; it signs snapshot.toml and timestamp.toml)",
                    path.display()
                ),
            ),
        }
    }
}
