//! What one artifact may be: the client's hard caps, and the lower limits
//! an index may set in `config.toml` (`[limits]`, README "config.toml").
//!
//! One set of numbers for both sides: the client's extractor
//! (`plugres-archive`) never goes above [`ArchiveLimits::HARD`], and
//! `plugres-index validate` refuses what a client would refuse, so an index
//! that validates is one every client can install.

/// The largest artifact a client downloads and the most it unpacks one to:
/// 1 GiB. A single-file artifact *is* its unpacked form, so a larger
/// declared size could never install.
pub const MAX_ARTIFACT_SIZE: u64 = 1 << 30;

/// The largest readme a version may name (README "Plugin file"): 512 KiB.
/// A readme is shown on the index's web catalog, never read by clients;
/// long documentation belongs on a site the readme links to. `publish`
/// and `validate` refuse more; the cap keeps a catalog build and an
/// index checkout small whatever a publisher sends.
pub const MAX_README_SIZE: u64 = 512 * 1024;

/// Upper bounds for one artifact. Every field is a maximum; a config's
/// `[limits]` may only lower them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ArchiveLimits {
    /// The artifact's own (download) size, in bytes.
    pub max_artifact_size: u64,
    /// Bytes written when unpacking.
    pub max_unpacked_size: u64,
    /// Files and directories in an archive.
    pub max_files: u64,
    /// Bytes of one entry's path. 1,024 is four times the 255-byte name
    /// limit of common file systems and more than tar's ustar form holds,
    /// yet keeps the install marker, which lists every path, small.
    pub max_path_bytes: u64,
    /// Bytes of all entry paths together. The marker and the extractor's
    /// memory grow with it; 4 MiB allows 100,000 files at 40 bytes a path.
    pub max_total_path_bytes: u64,
}

impl ArchiveLimits {
    /// The client's hard caps. No index may raise them.
    pub const HARD: ArchiveLimits = ArchiveLimits {
        max_artifact_size: MAX_ARTIFACT_SIZE,
        max_unpacked_size: 1 << 30,
        max_files: 100_000,
        max_path_bytes: 1024,
        max_total_path_bytes: 4 << 20,
    };

    /// The lower of two limits, field by field: what a client applies when
    /// an index lowers a limit.
    pub fn min(self, other: ArchiveLimits) -> ArchiveLimits {
        ArchiveLimits {
            max_artifact_size: self.max_artifact_size.min(other.max_artifact_size),
            max_unpacked_size: self.max_unpacked_size.min(other.max_unpacked_size),
            max_files: self.max_files.min(other.max_files),
            max_path_bytes: self.max_path_bytes.min(other.max_path_bytes),
            max_total_path_bytes: self.max_total_path_bytes.min(other.max_total_path_bytes),
        }
    }
}

impl Default for ArchiveLimits {
    fn default() -> Self {
        Self::HARD
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn min_takes_the_lower_of_each_field() {
        let lower = ArchiveLimits {
            max_files: 10,
            ..ArchiveLimits::HARD
        };
        assert_eq!(ArchiveLimits::HARD.min(lower), lower);
        assert_eq!(lower.min(ArchiveLimits::HARD), lower);
    }
}
