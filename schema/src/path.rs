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

/// The plugin a path names, if `path` is exactly where that plugin's file
/// belongs. `None` for anything else (wrong folder, bad name, not `.toml`).
pub fn name_from_index_path(path: &str) -> Option<PluginName> {
    let file = path.rsplit('/').next()?;
    let stem = file.strip_suffix(".toml")?;
    let name = PluginName::new(stem).ok()?;
    (index_path(&name) == path).then_some(name)
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
}
