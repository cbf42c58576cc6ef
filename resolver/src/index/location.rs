//! Where an artifact is read from, and `file://` URLs for local ones.
//!
//! The lockfile records every artifact as a URL so that installing from it
//! needs no index; artifacts of a local index become `file://` URLs there.

use std::path::{Path, PathBuf};

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

/// Bytes kept as they are in a `file://` URL path; all others are %-encoded.
fn keep(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"-._~/".contains(&b)
}

/// `file://` URL of an absolute path (a relative one is taken as is).
pub fn path_to_file_url(path: &Path) -> String {
    let text = path.to_string_lossy().replace('\\', "/");
    let mut out = String::from("file://");
    if !text.starts_with('/') {
        // `C:/x` on Windows becomes `file:///C:/x`.
        out.push('/');
    }
    for b in text.bytes() {
        if keep(b) || (b == b':' && cfg!(windows)) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The path of a `file://` URL; `None` for other URLs or a bad encoding.
pub fn file_url_to_path(url: &str) -> Option<PathBuf> {
    let rest = url.strip_prefix("file://")?;
    // `file://localhost/x` and `file:///x` name the same file.
    let rest = rest.strip_prefix("localhost").unwrap_or(rest);
    if !rest.starts_with('/') {
        return None;
    }
    let bytes = rest.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    let text = String::from_utf8(out).ok()?;
    if cfg!(windows) && text.as_bytes().get(2) == Some(&b':') {
        return Some(PathBuf::from(&text[1..]));
    }
    Some(PathBuf::from(text))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_urls_roundtrip_with_escapes() {
        let p = Path::new("/tmp/my index/ä#1/a.wasm");
        let url = path_to_file_url(p);
        assert_eq!(url, "file:///tmp/my%20index/%C3%A4%231/a.wasm");
        assert_eq!(file_url_to_path(&url).as_deref(), Some(p));
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
        assert_eq!(file_url_to_path("file://host/x"), None);
        assert_eq!(file_url_to_path("file:///x%zz"), None);
        assert_eq!(
            file_url_to_path("file://localhost/x"),
            Some(PathBuf::from("/x"))
        );
    }
}
