//! Where a token may go, as URL prefixes: an origin (scheme, host, port)
//! and a folder path. A registry's token is bound to its index URL (see
//! [`super::Credentials::token_for`]) and, for artifact downloads, scoped
//! to the folders of its index and of its config's `artifact-base`
//! ([`TokenScopes`]). Paths with dot segments or encoded separators match
//! nothing: a server would resolve them outside the prefix.

use std::net::{Ipv4Addr, Ipv6Addr};

use super::Token;

/// One home for the userinfo rules: plugres.toml parsing (in
/// `plugres-host`) refuses an `index` with a password too.
pub use plugres_host::url::{has_password, redact_url};

/// An origin and a path prefix ending in `/`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scope {
    origin: String,
    path: String,
}

/// An http(s) URL taken apart: `scheme://host:port`, host, path (no query).
struct Parts {
    origin: String,
    host: String,
    scheme: String,
    path: String,
    query: bool,
}

fn parts(url: &str) -> Option<Parts> {
    let url = url.trim();
    let url = url.strip_prefix("sparse+").unwrap_or(url);
    let (scheme, rest) = url.split_once("://")?;
    let scheme = scheme.to_ascii_lowercase();
    let default_port = match scheme.as_str() {
        "https" => 443,
        "http" => 80,
        _ => return None,
    };
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(end);
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
    let path_end = tail.find(['?', '#']).unwrap_or(tail.len());
    let path = match &tail[..path_end] {
        "" => "/".to_string(),
        p => p.to_string(),
    };
    Some(Parts {
        origin: format!("{scheme}://{host}:{port}"),
        host,
        scheme,
        path,
        query: path_end < tail.len(),
    })
}

/// Whether a server could read `path` as somewhere else than it looks.
fn plain_path(path: &str) -> bool {
    let lower = path.to_ascii_lowercase();
    !lower.contains("%2e")
        && !lower.contains("%2f")
        && !lower.contains("%5c")
        && !path.contains('\\')
        && path.split('/').all(|s| s != "." && s != "..")
}

/// `scheme://host:port` of an http(s) URL, lower case, with the default
/// port filled in; `None` for anything else.
pub fn origin(url: &str) -> Option<String> {
    parts(url).map(|p| p.origin)
}

/// Whether a token may travel to `url` at all: https, or plain http only
/// to this machine (`localhost`, 127.0.0.0/8, `::1`).
pub fn may_carry_token(url: &str) -> bool {
    match parts(url) {
        Some(p) if p.scheme == "https" => true,
        Some(p) => is_loopback(&p.host),
        None => false,
    }
}

fn is_loopback(host: &str) -> bool {
    if host == "localhost" {
        return true;
    }
    if let Some(v6) = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
        return v6.parse::<Ipv6Addr>().is_ok_and(|a| a.is_loopback());
    }
    host.parse::<Ipv4Addr>().is_ok_and(|a| a.is_loopback())
}

impl Scope {
    /// The scope of an index URL (`sparse+` optional): everything under
    /// it, as if it ended in `/`. `None` for a non-http(s) URL, one with a
    /// query or fragment, or a path with dot segments.
    pub fn index(url: &str) -> Option<Scope> {
        let p = parts(url).filter(|p| !p.query && plain_path(&p.path))?;
        let mut path = p.path;
        if !path.ends_with('/') {
            path.push('/');
        }
        Some(Scope {
            origin: p.origin,
            path,
        })
    }

    /// The scope of a URL prefix such as `artifact-base`: the folder it
    /// ends in (`https://cdn/p/acme-` → `https://cdn/p/`).
    pub fn folder(url: &str) -> Option<Scope> {
        let p = parts(url).filter(|p| !p.query && plain_path(&p.path))?;
        let cut = p.path.rfind('/').map_or(0, |i| i + 1);
        Some(Scope {
            origin: p.origin,
            path: p.path[..cut].to_string(),
        })
    }

    /// Whether everything under `other` is under `self`.
    pub fn covers(&self, other: &Scope) -> bool {
        self.origin == other.origin && other.path.starts_with(&self.path)
    }

    /// Whether `url` is under this scope.
    pub fn contains(&self, url: &str) -> bool {
        parts(url).is_some_and(|p| {
            p.origin == self.origin && plain_path(&p.path) && p.path.starts_with(&self.path)
        })
    }
}

/// Which registry's token goes to which URL prefixes, for artifact downloads.
#[derive(Debug, Default, Clone)]
pub struct TokenScopes {
    /// (registry, scope, token); a URL gets the token of the longest scope
    /// that contains it.
    entries: Vec<(String, Scope, Token)>,
}

impl TokenScopes {
    /// Sends registry `registry`'s `token` to URLs under `scope`, unless
    /// the scope is plain http to another machine.
    pub fn allow(&mut self, registry: &str, scope: Scope, token: &Token) {
        let url = format!("{}{}", scope.origin, scope.path);
        let known = self
            .entries
            .iter()
            .any(|(r, s, _)| r == registry && *s == scope);
        if may_carry_token(&url) && !known {
            self.entries
                .push((registry.to_string(), scope, token.clone()));
        }
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The token for `url`: that of the most specific scope holding it.
    pub fn token_for(&self, url: &str) -> Option<&Token> {
        self.entries
            .iter()
            .filter(|(_, s, _)| s.contains(url))
            .max_by_key(|(_, s, _)| s.path.len())
            .map(|(_, _, t)| t)
    }
}
