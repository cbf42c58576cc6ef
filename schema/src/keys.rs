//! The keys of an index: their ids, public keys, roles and the scopes
//! that limit a publisher key to some plugin names.

use std::fmt;

use crate::name::PluginName;

/// A key that may sign `config.toml`. Clients pin these.
pub type RootKey = RoleKey;

/// A key with one role and no scopes: a root, snapshot or timestamp key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleKey {
    pub id: KeyId,
    pub public: PublicKey,
}

/// A key that may sign the files of plugins whose names match its scopes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublisherKey {
    pub id: KeyId,
    pub public: PublicKey,
    pub scopes: Vec<Scope>,
}

/// The name of a key in the config, like `root-2026` or `acme-release`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(transparent)]
pub struct KeyId(String);

impl KeyId {
    pub fn new(s: &str) -> Result<Self, String> {
        let ok = !s.is_empty()
            && s.len() <= 64
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b));
        if ok {
            Ok(KeyId(s.to_string()))
        } else {
            Err(format!(
                "key id `{s}` must be 1-64 letters, digits, `-`, `_` or `.`"
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A minisign public key, kept with the base64 text it was written as.
#[derive(Clone)]
pub struct PublicKey {
    text: String,
    key: minisign_verify::PublicKey,
    /// The same key for the signature arithmetic (`sign::ed25519`); its
    /// curve point is large and cloned with every key.
    ed25519: std::sync::Arc<crate::sign::ed25519::Key>,
}

impl PublicKey {
    /// Parses the base64 form (`RWQ...`, the second line of a `.pub` file),
    /// or a whole `.pub` file.
    pub fn parse(s: &str) -> Result<Self, String> {
        let line = s
            .lines()
            .map(str::trim)
            .rfind(|l| !l.is_empty() && !l.starts_with("untrusted comment:"))
            .unwrap_or("");
        let not_a_key = |e: &dyn fmt::Display| {
            format!(
                "`{}` is not a minisign public key (expected the base64 line of a .pub file, like `RWQ...`): {e}",
                line.chars().take(80).collect::<String>()
            )
        };
        let key = minisign_verify::PublicKey::from_base64(line).map_err(|e| not_a_key(&e))?;
        let ed25519 = crate::sign::decode_b64(line)
            .and_then(|raw| crate::sign::ed25519::Key::from_bytes(&raw))
            .map(std::sync::Arc::new)
            .ok_or_else(|| not_a_key(&"Invalid encoding"))?;
        Ok(PublicKey {
            text: line.to_string(),
            key,
            ed25519,
        })
    }

    /// The base64 text, as written in config files and manifests.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    pub(crate) fn ed25519(&self) -> &crate::sign::ed25519::Key {
        &self.ed25519
    }
}

impl PartialEq for PublicKey {
    fn eq(&self, other: &Self) -> bool {
        self.key == other.key
    }
}

impl Eq for PublicKey {}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PublicKey({})", self.text)
    }
}

impl fmt::Display for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// A name pattern for a publisher key: a plugin name with `*` wildcards,
/// e.g. `acme-*`, or `*` for any plugin.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(transparent)]
pub struct Scope(String);

impl Scope {
    pub fn new(s: &str) -> Result<Self, String> {
        let ok = !s.is_empty()
            && s.len() <= 64
            && s.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"-*".contains(&b));
        if ok {
            Ok(Scope(s.to_string()))
        } else {
            Err(format!(
                "scope `{s}` must be a plugin name pattern using lowercase letters, digits, `-` and `*` (like `acme-*`)"
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn matches(&self, name: &PluginName) -> bool {
        glob_match(self.0.as_bytes(), name.as_str().as_bytes())
    }
}

/// `*` matches any run of characters; everything else matches itself.
fn glob_match(pat: &[u8], s: &[u8]) -> bool {
    match pat.split_first() {
        None => s.is_empty(),
        Some((b'*', rest)) => (0..=s.len()).any(|i| glob_match(rest, &s[i..])),
        Some((c, rest)) => s.first() == Some(c) && glob_match(rest, &s[1..]),
    }
}

impl PublisherKey {
    pub fn allows(&self, name: &PluginName) -> bool {
        self.scopes.iter().any(|s| s.matches(name))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_glob() {
        let n = |s: &str| PluginName::new(s).unwrap();
        let s = Scope::new("acme-*").unwrap();
        assert!(s.matches(&n("acme-audit")));
        assert!(!s.matches(&n("acme")));
        assert!(!s.matches(&n("hello")));
        assert!(Scope::new("*").unwrap().matches(&n("x")));
        assert!(Scope::new("*-core").unwrap().matches(&n("greeter-core")));
        assert!(Scope::new("Acme").is_err());
    }
}
