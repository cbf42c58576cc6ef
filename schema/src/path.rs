//! Where a plugin's file lives in the index: crates.io's prefix scheme.
//!
//! `a` → `plugins/1/a.toml`, `ab` → `plugins/2/ab.toml`,
//! `abc` → `plugins/3/a/abc.toml`, `hello-world` → `plugins/he/ll/hello-world.toml`.
//! Directories stay small at any index size, and the path is a pure function
//! of the name, so a sparse client can fetch a plugin without a listing.

use crate::name::PluginName;

pub const CONFIG_PATH: &str = "config.toml";
pub const PLUGINS_DIR: &str = "plugins";
pub const SIGNATURE_SUFFIX: &str = ".minisig";
/// Where `publish` stores the readmes versions name (README "Index layout").
pub const READMES_DIR: &str = "readmes";
/// Folder of the trusted publishers' attestation bundles.
pub const ATTESTATIONS_DIR: &str = "attestations";

/// The index path (always `/`-separated) of a plugin's file.
pub fn index_path(name: &PluginName) -> String {
    let n = name.as_str();
    match n.len() {
        1 => format!("{PLUGINS_DIR}/1/{n}.toml"),
        2 => format!("{PLUGINS_DIR}/2/{n}.toml"),
        3 => format!("{PLUGINS_DIR}/3/{}/{n}.toml", &n[..1]),
        _ => format!("{PLUGINS_DIR}/{}/{}/{n}.toml", &n[..2], &n[2..4]),
    }
}

/// Where `publish` stores the readme of `version` of plugin `name`: the
/// plugin file's prefix folders, then the name and the version, e.g.
/// `readmes/he/ll/hello-world/1.2.0.md`. A pure function of name and
/// version, so `validate` knows where each readme belongs.
pub fn readme_path(name: &PluginName, version: &crate::Version) -> String {
    let file = index_path(name);
    let stem = file
        .strip_prefix(PLUGINS_DIR)
        .and_then(|f| f.strip_suffix(".toml"))
        .unwrap_or(name.as_str());
    format!("{READMES_DIR}{stem}/{version}.md")
}

/// Where `publish --attestation` stores the Sigstore bundle of `version`
/// of plugin `name`, beside its readme's scheme:
/// `attestations/he/ll/hello-world/1.2.0.sigstore.json`.
pub fn attestation_path(name: &PluginName, version: &crate::Version) -> String {
    let readme = readme_path(name, version);
    let stem = readme
        .strip_prefix(READMES_DIR)
        .and_then(|r| r.strip_suffix(".md"))
        .unwrap_or(name.as_str());
    format!("{ATTESTATIONS_DIR}{stem}.sigstore.json")
}

/// The plugin a path names, if `path` is exactly where that plugin's file
/// belongs. `None` for anything else (wrong folder, bad name, not `.toml`).
pub fn name_from_index_path(path: &str) -> Option<PluginName> {
    let file = path.rsplit('/').next()?;
    let stem = file.strip_suffix(".toml")?;
    let name = PluginName::new(stem).ok()?;
    is_index_path_of(name.as_str(), path).then_some(name)
}

/// Whether `path` is [`index_path`] of the name `n`, without building it: a
/// snapshot checks a path per file it lists.
fn is_index_path_of(n: &str, path: &str) -> bool {
    let dirs = path
        .strip_prefix(PLUGINS_DIR)
        .and_then(|p| p.strip_prefix('/'))
        .and_then(|p| p.strip_suffix(".toml"))
        .and_then(|p| p.strip_suffix(n))
        .and_then(|p| p.strip_suffix('/'));
    let (Some(dirs), true) = (dirs, n.is_ascii()) else {
        return false;
    };
    match n.len() {
        0 => false,
        1 => dirs == "1",
        2 => dirs == "2",
        3 => dirs.strip_prefix("3/") == Some(&n[..1]),
        _ => dirs.split_once('/') == Some((&n[..2], &n[2..4])),
    }
}

/// Where the signature of the index file `path` lives: `path.minisig`.
pub fn signature_path(path: &str) -> String {
    format!("{path}{SIGNATURE_SUFFIX}")
}

/// A path inside an index, checked: relative and `/`-separated, every
/// segment non-empty and not `.`, `..` or `.git`, and no `\`, `:`, NUL or
/// other control character anywhere. A path that a project, a lock, a host
/// or a git tree offers is read or written only as an `IndexPath`, so no
/// read or write leaves the index, whatever the transport.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct IndexPath(String);

impl IndexPath {
    /// Checks `path`; the error says what is wrong with it.
    pub fn new(path: &str) -> Result<IndexPath, &'static str> {
        if path.is_empty() {
            return Err("it is empty");
        }
        if path.starts_with('/') {
            return Err("it is absolute");
        }
        if path.contains(['\\', ':']) || path.chars().any(char::is_control) {
            return Err("it contains `\\`, `:` or a control character");
        }
        for segment in path.split('/') {
            match segment {
                "" => return Err("it has an empty segment or a trailing `/`"),
                "." | ".." => return Err("it contains `.` or `..`"),
                s if s.eq_ignore_ascii_case(".git") => return Err("it points into `.git`"),
                _ => {}
            }
        }
        Ok(IndexPath(path.to_string()))
    }

    /// Whether `path` is a valid [`IndexPath`].
    pub fn is_valid(path: &str) -> bool {
        IndexPath::new(path).is_ok()
    }

    /// The file of plugin `name` (see [`index_path`]).
    pub fn of_plugin(name: &PluginName) -> IndexPath {
        IndexPath(index_path(name))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Its segments, for joining onto a folder.
    pub fn segments(&self) -> impl Iterator<Item = &str> {
        self.0.split('/')
    }

    /// Where its signature lives.
    pub fn signature(&self) -> IndexPath {
        IndexPath(signature_path(&self.0))
    }
}

impl std::fmt::Display for IndexPath {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> String {
        index_path(&PluginName::new(s).unwrap())
    }

    #[test]
    fn follows_the_prefix_scheme() {
        assert_eq!(p("a"), "plugins/1/a.toml");
        assert_eq!(p("ab"), "plugins/2/ab.toml");
        assert_eq!(p("abc"), "plugins/3/a/abc.toml");
        assert_eq!(p("hello-world"), "plugins/he/ll/hello-world.toml");
        assert_eq!(p("abcd"), "plugins/ab/cd/abcd.toml");
    }

    #[test]
    fn readmes_follow_the_prefix_scheme_with_the_version() {
        let r = |n: &str, v: &str| {
            readme_path(
                &PluginName::new(n).unwrap(),
                &crate::Version::parse(v).unwrap(),
            )
        };
        assert_eq!(r("a", "1.0.0"), "readmes/1/a/1.0.0.md");
        assert_eq!(r("abc", "0.1.0-rc.1"), "readmes/3/a/abc/0.1.0-rc.1.md");
        assert_eq!(
            r("hello-world", "1.2.0+build.5"),
            "readmes/he/ll/hello-world/1.2.0+build.5.md"
        );
        assert_eq!(
            attestation_path(
                &PluginName::new("hello-world").unwrap(),
                &crate::Version::parse("1.2.0").unwrap()
            ),
            "attestations/he/ll/hello-world/1.2.0.sigstore.json"
        );
        assert!(IndexPath::is_valid(&r("hello-world", "1.2.0+build.5")));
    }

    #[test]
    fn reverse_mapping_requires_the_exact_path() {
        assert_eq!(
            name_from_index_path("plugins/he/ll/hello-world.toml")
                .unwrap()
                .as_str(),
            "hello-world"
        );
        assert!(name_from_index_path("plugins/xx/ll/hello-world.toml").is_none());
        assert!(name_from_index_path("plugins/he/ll/Hello.toml").is_none());
        assert!(name_from_index_path("plugins/1/a.toml.minisig").is_none());
    }

    /// The check without building the path agrees with building it, for
    /// every length of name and every path one edit away.
    #[test]
    fn the_reverse_check_agrees_with_index_path() {
        for n in ["a", "ab", "abc", "abcd", "hello-world", "x1-y2z"] {
            let name = PluginName::new(n).unwrap();
            let path = index_path(&name);
            assert!(is_index_path_of(n, &path), "{path}");
            for at in 0..path.len() {
                for edit in ["x", "/", ""] {
                    let mut p = path.clone();
                    p.replace_range(at..at + 1, edit);
                    assert_eq!(is_index_path_of(n, &p), p == path, "{p}");
                }
            }
            for other in ["a", "ab", "abc", "hello-worle"] {
                assert_eq!(is_index_path_of(other, &path), other == n, "{other} {path}");
            }
        }
    }

    #[test]
    fn index_paths_stay_inside() {
        for ok in [
            "config.toml",
            "plugins/he/ll/hello-world.toml",
            "artifacts/a/1.0.0+b/x.wasm",
        ] {
            assert!(IndexPath::is_valid(ok), "{ok}");
        }
        for bad in [
            "",
            "/etc/passwd",
            "a//b",
            "a/",
            "../x",
            "a/./b",
            "a/../b",
            ".git/config",
            "a/.GIT/x",
            "a\\b",
            "c:x",
            "a\nb",
            "a\0b",
        ] {
            assert!(!IndexPath::is_valid(bad), "{bad:?}");
        }
        let p = IndexPath::new("config.toml").unwrap();
        assert_eq!(p.signature().as_str(), "config.toml.minisig");
        assert_eq!(signature_path("x.toml"), "x.toml.minisig");
    }
}
