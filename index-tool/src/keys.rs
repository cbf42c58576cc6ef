//! Loading and generating minisign keys.
//!
//! Where a key comes from is the caller's choice, made before the operation
//! starts: a key file, or the key file's text held by an environment variable
//! (CI passes `PLUGRES_SIGNING_KEY` so no secret touches the disk). That
//! choice is a [`KeyRef`]. The key is loaded only when the operation needs it,
//! and the password of an encrypted key comes from [`Passwords`], which the
//! binary answers from `PLUGRES_KEY_PASSWORD` or a prompt.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use plugres_schema::SigningKey;

pub const KEY_ENV: &str = "PLUGRES_SIGNING_KEY";
pub const PASSWORD_ENV: &str = "PLUGRES_KEY_PASSWORD";
/// The online key that signs `snapshot.toml`, for CI (the key file's text).
pub const SNAPSHOT_KEY_ENV: &str = "PLUGRES_SNAPSHOT_KEY";
/// The online key that signs `timestamp.toml`, for CI (the key file's text).
pub const TIMESTAMP_KEY_ENV: &str = "PLUGRES_TIMESTAMP_KEY";

/// Where a secret key comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyRef {
    /// A minisign `.key` file.
    File(PathBuf),
    /// A key file's text, taken from the environment variable `var`.
    Text { var: String, text: String },
    /// None was given; the error names `var`, which could have held one.
    Missing { var: String },
}

/// Passwords for encrypted keys: asked only when a key needs one.
pub trait Passwords {
    /// The password of the encrypted key at `origin` (`` `path` `` or `$VAR`).
    fn password(&self, origin: &str) -> Result<String>;
    /// A password to encrypt a key being generated with.
    fn new_password(&self) -> Result<String>;
}

impl KeyRef {
    /// Reads and decrypts the key; `what` (`publisher key`) names it in errors.
    pub fn load(&self, what: &str, passwords: &(impl Passwords + ?Sized)) -> Result<SigningKey> {
        let (text, origin) = match self {
            KeyRef::File(p) => (
                std::fs::read_to_string(p)
                    .with_context(|| format!("cannot read the {what} `{}`", p.display()))?,
                format!("`{}`", p.display()),
            ),
            KeyRef::Text { var, text } => (text.clone(), format!("${var}")),
            KeyRef::Missing { var } if var == SNAPSHOT_KEY_ENV || var == TIMESTAMP_KEY_ENV => {
                bail!(
                    "no {what} given\nhint: pass `--key FILE` with the index's online key (`plugres-index init` wrote it as `NAME-online.key` beside the root key), set {var} to the key file's text, or record it for this checkout: `git config plugres.online-key FILE`"
                )
            }
            KeyRef::Missing { var } => bail!(
                "no {what} given\nhint: pass `--key FILE` (a minisign .key file), or set {var} to the key file's text"
            ),
        };
        if is_public_key_text(&text) {
            bail!(
                "the {what} {origin} is a public key (a minisign `.pub` file): signing needs the secret key\nhint: pass the `.key` file of the same pair (`plugres-index keygen --out NAME` wrote NAME.key beside NAME.pub)"
            );
        }
        let password = if SigningKey::is_encrypted_text(&text) {
            Some(passwords.password(&origin)?)
        } else {
            None
        };
        SigningKey::from_key_text(&text, password)
            .map_err(|e| anyhow::anyhow!("cannot load the {what} {origin}: {e}"))
    }
}

/// Whether `text` is a minisign public key file (or a bare public key):
/// its key line decodes to 42 bytes, a secret key's to 158.
fn is_public_key_text(text: &str) -> bool {
    let line = text
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.starts_with("untrusted comment:"));
    line.is_some_and(|l| plugres_schema::PublicKey::parse(l).is_ok())
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
pub fn write_new_pair(
    out: &Path,
    encrypted: bool,
    force: bool,
    passwords: &(impl Passwords + ?Sized),
) -> Result<String> {
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
        Some(passwords.new_password()?)
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

#[cfg(test)]
mod tests {
    use super::*;

    struct NoTerminal;

    impl Passwords for NoTerminal {
        fn password(&self, origin: &str) -> Result<String> {
            bail!("{origin} is encrypted and there is no terminal to ask for its password")
        }
        fn new_password(&self) -> Result<String> {
            bail!("no terminal")
        }
    }

    /// A `.pub` passed where a secret key goes is named as such (it was
    /// taken for an encrypted key, then "no terminal").
    #[test]
    fn a_public_key_file_is_named_not_asked_a_password_for() {
        let dir = tempfile::tempdir().unwrap();
        let prefix = dir.path().join("acme");
        write_new_pair(&prefix, false, false, &NoTerminal).unwrap();
        let (key_path, pub_path) = pair_paths(&prefix);
        let Err(err) = KeyRef::File(pub_path).load("publisher key", &NoTerminal) else {
            panic!("a public key loaded as a secret key");
        };
        let err = err.to_string();
        assert!(err.contains("is a public key"), "{err}");
        assert!(err.contains(".key"), "{err}");
        assert!(!err.contains("no terminal"), "{err}");
        // The secret key of the pair still loads.
        assert!(
            KeyRef::File(key_path)
                .load("publisher key", &NoTerminal)
                .is_ok()
        );
    }
}
