//! Where an artifact is read from, and `file://` URLs for local ones.
//!
//! The lockfile records every artifact as a URL so that installing from it
//! needs no index; artifacts of a local index become `file://` URLs there.

use std::path::PathBuf;

/// One home for `file://` URLs: hosts read them from plugres.lock too.
pub use plugres_host::url::{file_url_to_path, path_to_file_url};

/// Where the bytes of an artifact are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ArtifactLocation {
    /// An absolute `http(s)://` URL.
    Url(String),
    /// A file on this machine, e.g. beside a local index checkout.
    Path(PathBuf),
}

impl ArtifactLocation {
    /// Parses a URL as written in a lockfile: `file://` becomes a path.
    pub fn from_url(url: &str) -> ArtifactLocation {
        match file_url_to_path(url) {
            Some(p) => ArtifactLocation::Path(p),
            None => ArtifactLocation::Url(url.to_string()),
        }
    }

    /// The URL to record in a lockfile (`file://` for a path).
    pub fn to_url(&self) -> String {
        match self {
            ArtifactLocation::Url(u) => u.clone(),
            ArtifactLocation::Path(p) => path_to_file_url(p),
        }
    }
}

impl std::fmt::Display for ArtifactLocation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ArtifactLocation::Url(u) => f.write_str(u),
            ArtifactLocation::Path(p) => write!(f, "{}", p.display()),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    #[test]
    fn file_urls_roundtrip_with_escapes() {
        let p = Path::new("/tmp/my index/ä#1/a.wasm");
        let url = path_to_file_url(p);
        assert_eq!(
            ArtifactLocation::from_url(&url),
            ArtifactLocation::Path(p.to_path_buf())
        );
        assert_eq!(ArtifactLocation::Path(p.to_path_buf()).to_url(), url);
    }

    #[test]
    fn other_urls_stay_urls() {
        let u = "https://cdn.example.com/a.wasm";
        assert_eq!(
            ArtifactLocation::from_url(u),
            ArtifactLocation::Url(u.into())
        );
    }
}
