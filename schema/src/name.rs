//! Plugin names: the one identifier every other part keys on.

use std::fmt;

/// Names no plugin may take: the tool's own, and names that are files or
/// devices on some platform (a plugin's folder is named after it).
pub(crate) const RESERVED: &[&str] = &[
    "plugres", "plugin", "plugins", "engine", "index", "config", "std", "core", "con", "prn",
    "aux", "nul", "com1", "lpt1",
];

/// The longest name accepted.
pub const MAX_NAME_LEN: usize = 64;

/// A valid plugin name: lowercase ASCII `[a-z][a-z0-9]*(-[a-z0-9]+)*`, at most
/// 64 characters, not reserved. Only [`PluginName::new`] builds one.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(transparent)]
pub struct PluginName(String);

/// Why a string is not a plugin name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NameError {
    #[error("plugin name is empty")]
    Empty,
    #[error("plugin name `{0}` is longer than {MAX_NAME_LEN} characters")]
    TooLong(String),
    #[error(
        "plugin name `{0}` is invalid: use lowercase letters, digits and single dashes, starting with a letter (like `hello-world`)"
    )]
    Invalid(String),
    #[error("plugin name `{0}` is reserved")]
    Reserved(String),
}

impl PluginName {
    pub fn new(s: &str) -> Result<Self, NameError> {
        if s.is_empty() {
            return Err(NameError::Empty);
        }
        if s.len() > MAX_NAME_LEN {
            return Err(NameError::TooLong(s.chars().take(80).collect()));
        }
        if !is_valid_grammar(s) {
            return Err(NameError::Invalid(s.to_string()));
        }
        if RESERVED.contains(&s) {
            return Err(NameError::Reserved(s.to_string()));
        }
        Ok(PluginName(s.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Maps keyed by name are looked up with a `&str` (no name built to ask):
/// a name compares, orders and hashes as its text does.
impl std::borrow::Borrow<str> for PluginName {
    fn borrow(&self) -> &str {
        &self.0
    }
}

/// `[a-z][a-z0-9]*(-[a-z0-9]+)*`
fn is_valid_grammar(s: &str) -> bool {
    let b = s.as_bytes();
    if !b[0].is_ascii_lowercase() || b[b.len() - 1] == b'-' {
        return false;
    }
    let mut prev_dash = false;
    for &c in b {
        match c {
            b'a'..=b'z' | b'0'..=b'9' => prev_dash = false,
            b'-' if !prev_dash => prev_dash = true,
            _ => return false,
        }
    }
    true
}

impl fmt::Display for PluginName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for PluginName {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl std::str::FromStr for PluginName {
    type Err = NameError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        PluginName::new(s)
    }
}

impl<'de> serde::Deserialize<'de> for PluginName {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        PluginName::new(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_good_names() {
        for n in ["a", "hello-world", "x1", "a-b-c", "greeter-core2"] {
            assert!(PluginName::new(n).is_ok(), "{n}");
        }
        assert!(PluginName::new(&"a".repeat(64)).is_ok());
    }

    #[test]
    fn rejects_bad_names() {
        for n in [
            "", "Foo", "../x", "1abc", "-a", "a-", "a--b", "a_b", "a.b", "a b", "é", "plugres",
        ] {
            assert!(PluginName::new(n).is_err(), "{n}");
        }
        assert!(matches!(
            PluginName::new(&"a".repeat(65)),
            Err(NameError::TooLong(_))
        ));
    }
}
