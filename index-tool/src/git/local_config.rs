//! Values this checkout's own `.git/config` keeps for the tool: where the
//! index's online key lives on this machine (`plugres.online-key`), so the
//! `snapshot` and `timestamp` commands the tool prints run as printed.

use anyhow::{Context, Result};

use super::Repo;

/// The key in git's configuration (`git config plugres.online-key PATH`).
pub const ONLINE_KEY: &str = "plugres.online-key";

impl Repo {
    /// A value of git's configuration as this checkout sees it (its own
    /// `.git/config`, the user's and the system's).
    pub fn config_value(&self, key: &str) -> Option<String> {
        let value = self.repo.config_snapshot().string(key)?.to_string();
        (!value.trim().is_empty()).then_some(value)
    }

    /// Sets `section.name = value` in this checkout's `.git/config`
    /// (written whole or not at all).
    pub fn set_local_config(&self, section: &str, name: &str, value: &str) -> Result<()> {
        let path = self.repo.git_dir().join("config");
        let mut file =
            gix::config::File::from_path_no_includes(path.clone(), gix::config::Source::Local)
                .with_context(|| format!("cannot read `{}`", path.display()))?;
        file.set_raw_value_by(section, None, name, value)
            .with_context(|| format!("cannot set {section}.{name} in `{}`", path.display()))?;
        crate::fsutil::atomic_write(&path, &file.to_bstring())
            .with_context(|| format!("cannot write `{}`", path.display()))
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::git;
    use super::*;

    #[test]
    fn a_value_set_is_read_back_by_git_and_by_the_tool() {
        let dir = tempfile::tempdir().unwrap();
        let repo = Repo::init(dir.path()).unwrap();
        assert_eq!(repo.config_value(ONLINE_KEY), None);
        repo.set_local_config("plugres", "online-key", "/keys/idx-online.key")
            .unwrap();
        assert_eq!(
            git(dir.path(), &["config", "--local", ONLINE_KEY]).trim(),
            "/keys/idx-online.key"
        );
        let reopened = Repo::open(dir.path()).unwrap();
        assert_eq!(
            reopened.config_value(ONLINE_KEY).as_deref(),
            Some("/keys/idx-online.key")
        );
        // Other settings stay.
        assert_eq!(
            git(dir.path(), &["config", "--local", "core.bare"]).trim(),
            "false"
        );
    }
}
