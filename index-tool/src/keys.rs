//! Loading and generating minisign keys: files, environment, password prompts.
//!
//! CI passes keys through the environment (`PLUGRES_SIGNING_KEY` holds the
//! key file's text, `PLUGRES_KEY_PASSWORD` its password) so no secret has to
//! touch the disk; people use files and an interactive prompt.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use plugres_schema::SigningKey;

pub const KEY_ENV: &str = "PLUGRES_SIGNING_KEY";
pub const PASSWORD_ENV: &str = "PLUGRES_KEY_PASSWORD";
/// The online key that signs `snapshot.toml`, for CI (the key file's text).
pub const SNAPSHOT_KEY_ENV: &str = "PLUGRES_SNAPSHOT_KEY";
/// The online key that signs `timestamp.toml`, for CI (the key file's text).
pub const TIMESTAMP_KEY_ENV: &str = "PLUGRES_TIMESTAMP_KEY";

/// Loads the signing key from `path`, or from `PLUGRES_SIGNING_KEY`.
pub fn load_signing_key(path: Option<&Path>, what: &str) -> Result<SigningKey> {
    load_key_from(path, KEY_ENV, what)
}

/// Loads a signing key from `path`, or from the environment variable `env`
/// holding the key file's text (each online role has its own variable, so
/// a CI job holds only the secret it needs).
pub fn load_key_from(path: Option<&Path>, env: &str, what: &str) -> Result<SigningKey> {
    let (text, origin) = match path {
        Some(p) => (
            std::fs::read_to_string(p)
                .with_context(|| format!("cannot read the {what} `{}`", p.display()))?,
            format!("`{}`", p.display()),
        ),
        None => match std::env::var(env) {
            Ok(t) if !t.trim().is_empty() => (t, format!("${env}")),
            _ => bail!(
                "no {what} given\nhint: pass `--key FILE` (a minisign .key file), or set {env} to the key file's text"
            ),
        },
    };
    let needs_password = SigningKey::is_encrypted_text(&text);
    let password = if needs_password {
        Some(password_for(&origin)?)
    } else {
        None
    };
    SigningKey::from_key_text(&text, password)
        .map_err(|e| anyhow::anyhow!("cannot load the {what} {origin}: {e}"))
}

fn password_for(origin: &str) -> Result<String> {
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

/// A new password for a key being generated: from the environment, or asked
/// twice on a terminal.
pub fn new_password() -> Result<String> {
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

/// Paths of a key pair with prefix `out`.
pub fn pair_paths(out: &Path) -> (PathBuf, PathBuf) {
    let with = |ext: &str| {
        let mut s = out.as_os_str().to_owned();
        s.push(ext);
        PathBuf::from(s)
    };
    (with(".key"), with(".pub"))
}

/// Generates a key pair and writes `PREFIX.key` (mode 0600) and `PREFIX.pub`.
/// Returns the public key's base64 form.
pub fn write_new_pair(out: &Path, encrypted: bool, force: bool) -> Result<String> {
    let (key_path, pub_path) = pair_paths(out);
    for p in [&key_path, &pub_path] {
        if p.exists() && !force {
            bail!(
                "`{}` already exists; not overwriting a key\nhint: choose another --out, or pass --force",
                p.display()
            );
        }
    }
    let password = if encrypted {
        Some(new_password()?)
    } else {
        None
    };
    let (public, pub_text, key_text) =
        plugres_schema::generate_key_files(password).map_err(anyhow::Error::msg)?;
    crate::fsutil::write_private(&key_path, key_text.as_bytes())
        .with_context(|| format!("cannot write `{}`", key_path.display()))?;
    crate::fsutil::atomic_write(&pub_path, pub_text.as_bytes())
        .with_context(|| format!("cannot write `{}`", pub_path.display()))?;
    Ok(public)
}
