//! How an installed artifact is laid out, from the file name its URL ends in.
//!
//! The kind decides how `plugres install` unpacks an artifact and, for a
//! host, whether a plugin folder holds exactly one file (the artifact
//! itself, checked against the lock's sha256) or an unpacked archive.

use crate::url::file_url_to_path;

/// How an artifact is laid out, chosen from its file name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArtifactKind {
    /// A single file (a `.wasm` module, an executable), kept under its name.
    File,
    /// `.tar.gz` or `.tgz`.
    TarGz,
    /// `.zip`.
    Zip,
}

impl ArtifactKind {
    /// `.tar.gz`/`.tgz` → [`TarGz`](Self::TarGz), `.zip` → [`Zip`](Self::Zip)
    /// (any case), anything else → [`File`](Self::File).
    pub fn from_file_name(name: &str) -> Self {
        let lower = name.to_ascii_lowercase();
        if lower.ends_with(".tar.gz") || lower.ends_with(".tgz") {
            ArtifactKind::TarGz
        } else if lower.ends_with(".zip") {
            ArtifactKind::Zip
        } else {
            ArtifactKind::File
        }
    }

    /// `file`, `tar.gz` or `zip`, as messages and the install marker name it.
    pub fn as_str(self) -> &'static str {
        match self {
            ArtifactKind::File => "file",
            ArtifactKind::TarGz => "tar.gz",
            ArtifactKind::Zip => "zip",
        }
    }
}

/// The file name the publisher gave the artifact: the URL's last segment
/// (of the path, for a `file://` URL).
pub fn artifact_file_name(url: &str) -> String {
    match file_url_to_path(url) {
        Some(p) => p
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
        None => {
            let path = url.split(['?', '#']).next().unwrap_or_default();
            path.rsplit('/').next().unwrap_or_default().to_string()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kind_follows_the_file_name() {
        assert_eq!(
            ArtifactKind::from_file_name("p-1.0.tar.gz"),
            ArtifactKind::TarGz
        );
        assert_eq!(ArtifactKind::from_file_name("P.TGZ"), ArtifactKind::TarGz);
        assert_eq!(ArtifactKind::from_file_name("p.zip"), ArtifactKind::Zip);
        assert_eq!(
            ArtifactKind::from_file_name("hello.wasm"),
            ArtifactKind::File
        );
        assert_eq!(ArtifactKind::from_file_name("tool.tar"), ArtifactKind::File);
    }
}
