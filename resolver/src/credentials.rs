//! Bearer tokens for private registries, and where they may be sent.
//!
//! A registry `NAME` of plugres.toml gets its token from the environment
//! variable `PLUGRES_REGISTRY_<NAME>_TOKEN` (upper case, `-` → `_`), else
//! from `credentials.toml` in `PLUGRES_HOME` (or the config dir):
//!
//! ```toml
//! [registry.acme]
//! token = "…"
//! ```
//!
//! The file must not be readable by other users (mode 0600). Tokens live
//! only here and in request headers: [`Token`] prints as `<redacted>`, no
//! error message carries one, and nothing writes one to plugres.toml or
//! plugres.lock. A token goes only to its registry's origins (scheme, host
//! and port of the index URL and of the config's `artifact-base`), never
//! to another host, including after a redirect (ureq drops `Authorization`
//! on redirects, and plugres keeps that default).

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

/// The environment variable holding registry `name`'s token.
pub fn env_var_for(registry: &str) -> String {
    let upper: String = registry
        .chars()
        .map(|c| {
            if c == '-' {
                '_'
            } else {
                c.to_ascii_uppercase()
            }
        })
        .collect();
    format!("PLUGRES_REGISTRY_{upper}_TOKEN")
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
        "`{path}` is not a valid credentials file ({position}); expected tables like `[registry.NAME]` with `token = \"…\"`"
    )]
    Invalid { path: PathBuf, position: String },
}

/// Where tokens come from: environment variables (captured once) and
/// the credentials file (read on first need).
pub struct Credentials {
    /// Token variables by name (`PLUGRES_REGISTRY_*_TOKEN`).
    env: BTreeMap<String, Token>,
    file: Option<PathBuf>,
    loaded: OnceLock<Result<BTreeMap<String, Token>, String>>,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("env", &self.env.keys().collect::<Vec<_>>())
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
}

impl Credentials {
    /// No tokens at all.
    pub fn none() -> Credentials {
        Credentials {
            env: BTreeMap::new(),
            file: None,
            loaded: OnceLock::new(),
        }
    }

    /// Tokens from `vars` (the environment's `PLUGRES_REGISTRY_*_TOKEN`
    /// pairs; others are ignored) and from the credentials `file`, if any.
    pub fn new(vars: impl IntoIterator<Item = (String, String)>, file: Option<PathBuf>) -> Self {
        let env = vars
            .into_iter()
            .filter(|(k, _)| k.starts_with("PLUGRES_REGISTRY_") && k.ends_with("_TOKEN"))
            .filter_map(|(k, v)| Some((k, Token::new(&v)?)))
            .collect();
        Credentials {
            env,
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

    /// The token of registry `name`: the environment first, then the file.
    pub fn token(&self, registry: &str) -> Result<Option<Token>, CredentialsError> {
        if let Some(t) = self.env.get(&env_var_for(registry)) {
            return Ok(Some(t.clone()));
        }
        let Some(file) = &self.file else {
            return Ok(None);
        };
        // Read once; the error is kept as text (an io::Error is not Clone).
        let loaded = self
            .loaded
            .get_or_init(|| read_file(file).map_err(|e| e.to_string()));
        match loaded {
            Ok(tokens) => Ok(tokens.get(registry).cloned()),
            Err(message) => Err(CredentialsError::Io {
                path: file.clone(),
                source: std::io::Error::other(message.clone()),
            }),
        }
    }
}

/// Reads `credentials.toml`; a missing file holds no tokens.
pub fn read_file(path: &Path) -> Result<BTreeMap<String, Token>, CredentialsError> {
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
            Some(t) => Ok((name, t)),
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

/// `scheme://host:port` of an http(s) URL, lower case, with the default
/// port filled in; `None` for anything else.
pub fn origin(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    let scheme = scheme.to_ascii_lowercase();
    let default_port = match scheme.as_str() {
        "https" => 443,
        "http" => 80,
        _ => return None,
    };
    let authority = rest.split(['/', '?', '#']).next()?;
    // Userinfo is not part of the origin.
    let host_port = authority.rsplit('@').next()?.to_ascii_lowercase();
    let (host, port) = if let Some(v6) = host_port.strip_prefix('[') {
        let (inner, after) = v6.split_once(']')?;
        let port = match after.strip_prefix(':') {
            Some(p) => p.parse::<u16>().ok()?,
            None if after.is_empty() => default_port,
            None => return None,
        };
        (format!("[{inner}]"), port)
    } else {
        match host_port.split_once(':') {
            Some((h, p)) => (h.to_string(), p.parse::<u16>().ok()?),
            None => (host_port.clone(), default_port),
        }
    };
    if host.is_empty() {
        return None;
    }
    Some(format!("{scheme}://{host}:{port}"))
}

/// Which token goes to which origin, for artifact downloads.
#[derive(Debug, Default, Clone)]
pub struct TokenScopes {
    entries: Vec<(String, Token)>,
}

impl TokenScopes {
    /// Sends `token` to the origins of `urls` (index URL, artifact-base).
    pub fn allow(&mut self, urls: &[&str], token: &Token) {
        for url in urls {
            if let Some(o) = origin(url)
                && !self.entries.iter().any(|(e, _)| e == &o)
            {
                self.entries.push((o, token.clone()));
            }
        }
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The token for `url`: only when its origin is one allowed exactly.
    pub fn token_for(&self, url: &str) -> Option<&Token> {
        let o = origin(url)?;
        self.entries.iter().find(|(e, _)| *e == o).map(|(_, t)| t)
    }
}

#[cfg(test)]
mod tests;
