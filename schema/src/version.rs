//! Plugin versions: semver without build metadata.

use std::fmt;

/// A semver version with no build metadata (`1.2.0+abc` would compare equal
/// to `1.2.0` in precedence yet be a different string, which makes
/// "published versions are immutable" ambiguous, so it is refused).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(transparent)]
pub struct Version(semver::Version);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VersionError {
    #[error("`{0}` is not a semver version (expected MAJOR.MINOR.PATCH, like `1.2.0`): {1}")]
    Syntax(String, String),
    #[error("version `{0}` has build metadata (`+...`); plugin versions may not")]
    BuildMetadata(String),
}

impl Version {
    pub fn parse(s: &str) -> Result<Self, VersionError> {
        let v = semver::Version::parse(s)
            .map_err(|e| VersionError::Syntax(s.to_string(), e.to_string()))?;
        if !v.build.is_empty() {
            return Err(VersionError::BuildMetadata(s.to_string()));
        }
        Ok(Version(v))
    }

    pub fn semver(&self) -> &semver::Version {
        &self.0
    }

    pub fn into_semver(self) -> semver::Version {
        self.0
    }

    pub fn is_prerelease(&self) -> bool {
        !self.0.pre.is_empty()
    }
}

impl TryFrom<semver::Version> for Version {
    type Error = VersionError;
    fn try_from(v: semver::Version) -> Result<Self, Self::Error> {
        if !v.build.is_empty() {
            return Err(VersionError::BuildMetadata(v.to_string()));
        }
        Ok(Version(v))
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl std::str::FromStr for Version {
    type Err = VersionError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Version::parse(s)
    }
}

impl<'de> serde::Deserialize<'de> for Version {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Version::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_refuses_build_metadata() {
        assert!(Version::parse("1.2.0").is_ok());
        assert!(Version::parse("1.2.0-rc.1").is_ok());
        assert!(matches!(
            Version::parse("1.2.0+git"),
            Err(VersionError::BuildMetadata(_))
        ));
        assert!(matches!(
            Version::parse("1.2"),
            Err(VersionError::Syntax(..))
        ));
    }
}
