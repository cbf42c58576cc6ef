//! Bearer tokens for private registries, and where they may be sent.
//!
//! plugres.toml belongs to the project (a cloned repository, a merged pull
//! request), so a registry NAME alone must not pick a token: a project
//! could point `[registry.acme]` at any host. Each token is therefore bound
//! to the index URL it is for, and used only when the registry's `index`
//! in plugres.toml lies under that URL (same origin, same or deeper path):
//!
//! - the environment: `PLUGRES_REGISTRY_<NAME>_TOKEN` (upper case,
//!   `-` → `_`) together with `PLUGRES_REGISTRY_<NAME>_INDEX`;
//! - else `credentials.toml` in `PLUGRES_HOME` (or the config dir):
//!
//! ```toml
//! [registry.acme]
//! index = "sparse+https://index.acme.example/"
//! token = "…"
//! ```
//!
//! A token with no index, or bound to another one, is not sent; the 401
//! that follows says why ([`Binding::Withheld`]). Nor is a token sent over
//! plain `http://`, except to this machine (loopback).
//!
//! The file must not be readable by other users (mode 0600). Tokens live
//! only here and in request headers: [`Token`] prints as `<redacted>`, no
//! error message carries one, and nothing writes one to plugres.toml or
//! plugres.lock. For artifact downloads, [`TokenScopes`] sends a registry's
//! token only under its index URL and its config's `artifact-base` (origin
//! and path prefix), never to another host, including after a redirect
//! (ureq drops `Authorization` on redirects, and plugres keeps that default).

mod scope;

/// One home for the variable names: plugres.toml parsing (in `plugres-host`)
/// refuses registry names that would share one.
pub use plugres_host::project::{env_index_var_for, env_stem, env_var_for};
pub use scope::{Scope, TokenScopes, has_password, may_carry_token, origin, redact_url};

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// A bearer token. Its `Debug` output hides the value and it has no
/// `Display`, so it cannot end up in a message by accident.
#[derive(Clone, PartialEq, Eq)]
pub struct Token(String);

impl Token {
    /// A token from its text (trimmed); `None` when empty or when it holds
    /// characters a header cannot carry.
    pub fn new(text: &str) -> Option<Token> {
        let t = text.trim();
        let ok = !t.is_empty() && t.bytes().all(|b| (b'!'..=b'~').contains(&b));
        ok.then(|| Token(t.to_string()))
    }

    /// The secret, for the `Authorization` header only.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Token {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Token(<redacted>)")
    }
}

/// Why a token could not be read. Messages never contain a token.
#[derive(Debug, thiserror::Error)]
pub enum CredentialsError {
    #[error(
        "`{path}` can be read by other users (mode {mode:04o}); plugres reads tokens only from a file with mode 0600. Run `chmod 600 {path}`"
    )]
    Permissions { path: PathBuf, mode: u32 },
    #[error("cannot read `{path}`: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "`{path}` is not a valid credentials file ({position}); expected tables like `[registry.NAME]` with `index = \"sparse+https://…\"` and `token = \"…\"`"
    )]
    Invalid { path: PathBuf, position: String },
}

/// What the credentials hold for one registry, checked against the index
/// URL plugres.toml gives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Binding {
    /// No token is configured for the registry.
    Missing,
    /// A token bound to this index: send it.
    Bound(Token),
    /// A token is configured but must not go to this index; the text says
    /// why (for the message when the index then answers 401/403).
    Withheld(String),
}

impl Binding {
    /// The token to send and why none is sent, as a backend's config holds them.
    pub fn split(self) -> (Option<Token>, Option<String>) {
        match self {
            Binding::Missing => (None, None),
            Binding::Bound(t) => (Some(t), None),
            Binding::Withheld(why) => (None, Some(why)),
        }
    }
}

/// One configured token and the index URL it is for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub token: Token,
    /// As written (`sparse+https://host/path/`); `None` when not given.
    pub index: Option<String>,
}

/// Where tokens come from: environment variables (captured once) and
/// the credentials file (read on first need).
pub struct Credentials {
    /// Token variables by name (`PLUGRES_REGISTRY_*_TOKEN`).
    env: BTreeMap<String, Token>,
    /// Index variables by name (`PLUGRES_REGISTRY_*_INDEX`).
    env_index: BTreeMap<String, String>,
    file: Option<PathBuf>,
    loaded: OnceLock<Result<BTreeMap<String, Entry>, String>>,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("env", &self.env.keys().collect::<Vec<_>>())
            .field("env_index", &self.env_index.keys().collect::<Vec<_>>())
            .field("file", &self.file)
            .finish_non_exhaustive()
    }
}

impl Default for Credentials {
    fn default() -> Self {
        Credentials::none()
    }
}

#[derive(serde::Deserialize)]
struct RawFile {
    #[serde(default)]
    registry: BTreeMap<String, RawEntry>,
}

#[derive(serde::Deserialize)]
struct RawEntry {
    token: String,
    index: Option<String>,
}

impl Credentials {
    /// No tokens at all.
    pub fn none() -> Credentials {
        Credentials {
            env: BTreeMap::new(),
            env_index: BTreeMap::new(),
            file: None,
            loaded: OnceLock::new(),
        }
    }

    /// Tokens from `vars` (the environment's `PLUGRES_REGISTRY_*_TOKEN`
    /// and `PLUGRES_REGISTRY_*_INDEX` pairs; others are ignored) and from
    /// the credentials `file`, if any.
    pub fn new(vars: impl IntoIterator<Item = (String, String)>, file: Option<PathBuf>) -> Self {
        let mut env = BTreeMap::new();
        let mut env_index = BTreeMap::new();
        for (k, v) in vars {
            if !k.starts_with("PLUGRES_REGISTRY_") {
                continue;
            }
            if k.ends_with("_TOKEN") {
                if let Some(t) = Token::new(&v) {
                    env.insert(k, t);
                }
            } else if k.ends_with("_INDEX") && !v.trim().is_empty() {
                env_index.insert(k, v.trim().to_string());
            }
        }
        Credentials {
            env,
            env_index,
            file,
            loaded: OnceLock::new(),
        }
    }

    /// [`Credentials::new`] with the process environment.
    pub fn from_env(file: Option<PathBuf>) -> Self {
        let vars = std::env::vars_os()
            .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)));
        Credentials::new(vars, file)
    }

    /// The token of registry `name` whose index plugres.toml gives as
    /// `index` (`sparse+https://…` or `https://…`): the environment's
    /// first, then the file's, whichever is bound to that index.
    pub fn token_for(&self, registry: &str, index: &str) -> Result<Binding, CredentialsError> {
        let var = env_var_for(registry);
        let index_var = env_index_var_for(registry);
        let mut candidates: Vec<(String, Entry)> = Vec::new();
        if let Some(t) = self.env.get(&var) {
            let entry = Entry {
                token: t.clone(),
                index: self.env_index.get(&index_var).cloned(),
            };
            candidates.push((format!("`{var}` (with `{index_var}`)"), entry));
        }
        if let Some(entry) = self.file_entry(registry)? {
            candidates.push((format!("credentials.toml (`[registry.{registry}]`)"), entry));
        }
        let mut first_refusal = None;
        for (source, entry) in candidates {
            match check(&source, &entry, index) {
                Ok(()) => return Ok(Binding::Bound(entry.token)),
                Err(why) => {
                    first_refusal.get_or_insert(why);
                }
            }
        }
        Ok(first_refusal.map_or(Binding::Missing, Binding::Withheld))
    }

    fn file_entry(&self, registry: &str) -> Result<Option<Entry>, CredentialsError> {
        let Some(file) = &self.file else {
            return Ok(None);
        };
        // Read once; the error is kept as text (an io::Error is not Clone).
        let loaded = self
            .loaded
            .get_or_init(|| read_file(file).map_err(|e| e.to_string()));
        match loaded {
            Ok(entries) => Ok(entries.get(registry).cloned()),
            Err(message) => Err(CredentialsError::Io {
                path: file.clone(),
                source: std::io::Error::other(message.clone()),
            }),
        }
    }
}

/// Whether the token of `entry` (from `source`) may go to `index`; `Err`
/// says why not, with URLs redacted.
fn check(source: &str, entry: &Entry, index: &str) -> Result<(), String> {
    let shown = redact_url(index);
    let Some(bound) = &entry.index else {
        return Err(format!(
            "a token is set in {source}, but it names no index URL, so plugres does not send it; bind it to this registry's index with `index = \"{shown}\"`"
        ));
    };
    let (Some(want), Some(target)) = (Scope::index(bound), Scope::index(index)) else {
        return Err(format!(
            "a token is set in {source} for the index `{}`, which is not an http(s) index URL plugres can compare with `{shown}`, so plugres does not send it",
            redact_url(bound)
        ));
    };
    if !want.covers(&target) {
        return Err(format!(
            "a token is set in {source}, but it is configured for another index URL (`{}`), not for `{shown}` that plugres.toml names, so plugres did not send it; if this project's registry is right, bind the token to it",
            redact_url(bound)
        ));
    }
    if !may_carry_token(index) {
        return Err(format!(
            "the index `{shown}` is plain http:// on another host; plugres sends tokens only over https:// (or http:// to this machine)"
        ));
    }
    Ok(())
}

/// Reads `credentials.toml`; a missing file holds no tokens.
pub fn read_file(path: &Path) -> Result<BTreeMap<String, Entry>, CredentialsError> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(BTreeMap::new()),
        Err(source) => {
            return Err(CredentialsError::Io {
                path: path.to_path_buf(),
                source,
            });
        }
    };
    check_mode(path)?;
    // toml's own message may quote the file, token included: only say where.
    let raw: RawFile = toml::from_str(&text).map_err(|e| CredentialsError::Invalid {
        path: path.to_path_buf(),
        position: e.span().map_or("somewhere".to_string(), |s| {
            let line = text[..s.start.min(text.len())].matches('\n').count() + 1;
            format!("line {line}")
        }),
    })?;
    raw.registry
        .into_iter()
        .map(|(name, e)| match Token::new(&e.token) {
            Some(token) => Ok((
                name,
                Entry {
                    token,
                    index: e.index,
                },
            )),
            None => Err(CredentialsError::Invalid {
                path: path.to_path_buf(),
                position: format!("the token of `[registry.{name}]` is empty or has spaces"),
            }),
        })
        .collect()
}

#[cfg(unix)]
fn check_mode(path: &Path) -> Result<(), CredentialsError> {
    use std::os::unix::fs::PermissionsExt;
    let meta = std::fs::metadata(path).map_err(|source| CredentialsError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let mode = meta.permissions().mode() & 0o7777;
    if mode & 0o077 != 0 {
        return Err(CredentialsError::Permissions {
            path: path.to_path_buf(),
            mode,
        });
    }
    Ok(())
}

#[cfg(not(unix))]
fn check_mode(_path: &Path) -> Result<(), CredentialsError> {
    Ok(())
}

#[cfg(test)]
mod tests;
