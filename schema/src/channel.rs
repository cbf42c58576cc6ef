//! Release channels: names a publisher points at one version of a plugin
//! (`stable`, `beta`, `nightly`), like npm's dist-tags (README "Plugin
//! file", "Channels").
//!
//! A channel lives in the plugin file, so it is signed by the publisher
//! like everything else there, and it may move from version to version;
//! the file's rules keep it naming a published, unyanked version. `latest`
//! is not stored: every client computes it (the newest usable version).

use std::fmt;

use crate::plugin::{PluginFile, VersionEntry};

/// The longest channel name accepted.
pub const MAX_CHANNEL_LEN: usize = 32;

/// The most channels one plugin may have.
pub const MAX_CHANNELS: usize = 16;

/// A channel name: `[a-z][a-z0-9-]*`, at most 32 characters, not `x` (a
/// semver wildcard, so `NAME@x` stays a requirement). Only
/// [`Channel::new`] builds one.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(transparent)]
pub struct Channel(String);

impl Channel {
    /// The channel every plugin has: its newest usable version.
    pub const LATEST: &'static str = "latest";

    pub fn new(s: &str) -> Result<Channel, String> {
        let b = s.as_bytes();
        let ok = !b.is_empty()
            && b.len() <= MAX_CHANNEL_LEN
            && b[0].is_ascii_lowercase()
            && b.iter()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-')
            && !s.ends_with('-')
            && s != "x";
        if ok {
            Ok(Channel(s.to_string()))
        } else {
            Err(format!(
                "`{s}` is not a channel name (expected lowercase letters, digits and `-`, starting with a letter, like `beta` or `nightly`)"
            ))
        }
    }

    /// `latest`, which every plugin has without declaring it.
    pub fn latest() -> Channel {
        Channel(Self::LATEST.to_string())
    }

    pub fn is_latest(&self) -> bool {
        self.0 == Self::LATEST
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Channel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Why a channel gives no version a project can use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChannelMiss {
    /// The plugin file declares no such channel.
    Unknown { known: Vec<Channel> },
    /// `latest`: no version is unyanked, stable and runs on the engine.
    NoUsable,
    /// The channel's version does not run on the engine.
    Engine { version: String, engine: String },
}

impl PluginFile {
    /// The version `channel` names for a project on engine `engine`:
    /// the declared channel's version, or for `latest` the newest version
    /// that is not yanked, not a prerelease and runs on `engine`.
    pub fn channel_version(
        &self,
        channel: &Channel,
        engine: &semver::Version,
    ) -> Result<&VersionEntry, ChannelMiss> {
        if channel.is_latest() {
            return self
                .versions
                .iter()
                .filter(|v| !v.yanked && !v.version.is_prerelease() && v.engine.matches(engine))
                .max_by(|a, b| a.version.cmp(&b.version))
                .ok_or(ChannelMiss::NoUsable);
        }
        let Some(version) = self.channels.get(channel) else {
            return Err(ChannelMiss::Unknown {
                known: self.channels.keys().cloned().collect(),
            });
        };
        let entry = self.get(version).ok_or(ChannelMiss::NoUsable)?;
        if entry.engine.matches(engine) {
            Ok(entry)
        } else {
            Err(ChannelMiss::Engine {
                version: entry.version.to_string(),
                engine: entry.engine.to_string(),
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn channel_names_are_words() {
        for ok in ["beta", "stable", "next", "rc-2", "latest", "v2"] {
            assert!(Channel::new(ok).is_ok(), "{ok}");
        }
        for bad in [
            "", "Beta", "2x", "-beta", "beta-", "be ta", "x", "^1.2", "beta.1",
        ] {
            assert!(Channel::new(bad).is_err(), "{bad}");
        }
        assert!(Channel::new(&"a".repeat(33)).is_err());
    }

    const FILE: &str = r#"name = "hello"
description = "d"

[channels]
beta = "2.0.0-beta.1"

[[version]]
version = "1.0.0"
engine = "*"
published = 2026-11-21T10:00:00Z
[[version.artifact]]
target = "any"
url = "a"
sha256 = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
size = 3

[[version]]
version = "1.1.0"
engine = ">=2"
published = 2026-11-21T10:00:00Z
[[version.artifact]]
target = "any"
url = "a"
sha256 = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
size = 3

[[version]]
version = "1.0.5"
engine = "*"
published = 2026-11-21T10:00:00Z
yanked = true
[[version.artifact]]
target = "any"
url = "a"
sha256 = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
size = 3

[[version]]
version = "2.0.0-beta.1"
engine = "<2"
published = 2026-11-21T10:00:00Z
[[version.artifact]]
target = "any"
url = "a"
sha256 = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
size = 3
"#;

    #[test]
    fn latest_is_the_newest_stable_unyanked_version_that_runs() {
        let f = PluginFile::parse("f", FILE.as_bytes()).unwrap();
        let at = |s: &str, engine: &str| {
            let c = Channel::new(s).unwrap();
            f.channel_version(&c, &semver::Version::parse(engine).unwrap())
                .map(|e| e.version.to_string())
        };
        assert_eq!(at("latest", "1.5.0").unwrap(), "1.0.0");
        assert_eq!(at("latest", "2.0.0").unwrap(), "1.1.0");
        assert_eq!(at("beta", "1.5.0").unwrap(), "2.0.0-beta.1");
        assert_eq!(
            at("beta", "2.0.0"),
            Err(ChannelMiss::Engine {
                version: "2.0.0-beta.1".into(),
                engine: "<2".into()
            })
        );
        assert!(
            matches!(at("nightly", "1.5.0"), Err(ChannelMiss::Unknown { known }) if known.len() == 1)
        );
    }
}
