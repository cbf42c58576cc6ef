//! Where plugres keeps its own files, and the environment variables that
//! change its defaults.
//!
//! Command-line flags win over the environment, which wins over the
//! defaults. The CLI builds one [`Settings`] and hands the parts each
//! operation needs to [`crate::ops`]; nothing below `ops` reads the
//! environment for these.
//!
//! | variable | meaning |
//! | --- | --- |
//! | `PLUGRES_HOME` | everything plugres keeps goes under this dir (`cache/`, `index/`, `trust/`, `credentials.toml`, `config.toml`, and the user-wide plugins' projects in `user/`: see `plugres_host::user_project_dir`) |
//! | `XDG_CACHE_HOME` | Linux, macOS, without `PLUGRES_HOME`: the cache is `$XDG_CACHE_HOME/plugres` (index caches in its `index/`) |
//! | `XDG_CONFIG_HOME` | Linux, macOS, without `PLUGRES_HOME`: tokens are read from `$XDG_CONFIG_HOME/plugres/credentials.toml`, registries used outside a project from `config.toml` beside it |
//! | `XDG_STATE_HOME` | Linux, macOS, without `PLUGRES_HOME`: what was seen of each index (the rollback floor) is kept in `$XDG_STATE_HOME/plugres/trust` |
//! | `HOME` | Linux, macOS fallback: `~/.cache/plugres`, `~/.config/plugres`, `~/.local/state/plugres` |
//! | (Windows) | without `PLUGRES_HOME`: the cache in `%LOCALAPPDATA%\plugres`, credentials, config and trust state in `%APPDATA%\plugres` |
//! | `PLUGRES_ALLOW_EXPIRED_INDEX` | `1`/`true`: as `--allow-expired-index` |
//! | `PLUGRES_REGISTRY_<NAME>_TOKEN` | bearer token of registry NAME (see [`crate::credentials`]) |
//! | `PLUGRES_OFFLINE` | `1`/`true`: as `--offline` |
//! | `PLUGRES_YES` | `1`/`true`: as `--yes` (grant every permission asked for) |
//! | `NO_COLOR` | no colours unless `--color always` |
//!
//! The platform's folders come from the `etcetera` crate, as uv takes
//! them: the XDG base directories on Linux and macOS (so the paths above
//! are the ones plugres always used there), the Known Folders on Windows.
//! [`Settings::from_lookup`] takes them as [`BaseDirs`], so tests need not
//! change the process environment.

use std::path::PathBuf;

/// `PLUGRES_HOME`: the root of everything plugres keeps.
pub const ENV_HOME: &str = "PLUGRES_HOME";
/// `PLUGRES_OFFLINE`: never use the network.
pub const ENV_OFFLINE: &str = "PLUGRES_OFFLINE";
/// `PLUGRES_YES`: grant permissions without asking.
pub const ENV_YES: &str = "PLUGRES_YES";
/// `PLUGRES_ALLOW_EXPIRED_INDEX`: accept an expired index timestamp.
pub const ENV_ALLOW_EXPIRED: &str = "PLUGRES_ALLOW_EXPIRED_INDEX";

/// Paths and switches taken from the environment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// `PLUGRES_HOME` when set (see [`Settings::check_home`]).
    pub home: Option<PathBuf>,
    /// The content-addressed artifact cache (`sha256/<hex>` below it).
    pub cache_dir: PathBuf,
    /// Caches of git and sparse indexes, keyed by URL below it.
    pub index_cache_dir: PathBuf,
    /// `credentials.toml` with registry tokens, if a config dir is known.
    pub credentials_file: Option<PathBuf>,
    /// `config.toml` beside it: the registries of commands run outside a
    /// project (`search`, `categories`; README "Finding plugins").
    pub user_config_file: Option<PathBuf>,
    /// What was seen of each index (snapshot and timestamp versions, the
    /// accepted config): not a cache, since deleting it forgets the
    /// rollback floor.
    pub trust_dir: PathBuf,
    pub offline: bool,
    pub allow_expired_index: bool,
    pub yes: bool,
    /// `NO_COLOR` is set (to anything non-empty).
    pub no_color: bool,
    /// `FORCE_COLOR` or `CLICOLOR_FORCE` is set to a value other than `0`:
    /// color even when stderr is not a terminal (CI logs that render it).
    pub force_color: bool,
}

/// Why the cache dir cannot be found.
#[derive(Debug, thiserror::Error)]
#[error(
    "cannot find a directory for the plugres cache: `PLUGRES_HOME` is not set and the user's home folder is unknown; set `PLUGRES_HOME` to a writable directory"
)]
pub struct NoHomeError;

/// `PLUGRES_HOME` names a file.
#[derive(Debug, thiserror::Error)]
#[error(
    "`PLUGRES_HOME` is `{}`, which is not a folder; set `PLUGRES_HOME` to a folder (it is created when missing) or unset it",
    .0.display()
)]
pub struct HomeNotADirError(pub PathBuf);

/// The user's base folders, without the `plugres` part: where the platform
/// keeps caches, configuration and state (README "Platforms").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BaseDirs {
    pub cache: PathBuf,
    pub config: PathBuf,
    /// Not a cache: deleting it forgets the rollback floor.
    pub state: PathBuf,
}

impl BaseDirs {
    /// This platform's folders: `XDG_*_HOME` or `~/.cache`, `~/.config`,
    /// `~/.local/state` on Linux and macOS; `%LOCALAPPDATA%` and
    /// `%APPDATA%` on Windows (which has no state folder: the roaming data
    /// folder holds the trust state).
    pub fn of_platform() -> Result<BaseDirs, NoHomeError> {
        use etcetera::BaseStrategy;
        let dirs = etcetera::choose_base_strategy().map_err(|_| NoHomeError)?;
        Ok(BaseDirs {
            cache: dirs.cache_dir(),
            config: dirs.config_dir(),
            state: dirs.state_dir().unwrap_or_else(|| dirs.data_dir()),
        })
    }
}

impl Settings {
    /// Settings from the process environment and the platform's folders.
    pub fn from_env() -> Result<Settings, NoHomeError> {
        Settings::from_lookup(
            |k| std::env::var_os(k).map(|v| v.to_string_lossy().into_owned()),
            BaseDirs::of_platform,
        )
    }

    /// Settings from `lookup` (the environment, or a map in tests) and
    /// `base` (the platform's folders, asked only without `PLUGRES_HOME`).
    pub fn from_lookup(
        lookup: impl Fn(&str) -> Option<String>,
        base: impl FnOnce() -> Result<BaseDirs, NoHomeError>,
    ) -> Result<Settings, NoHomeError> {
        let non_empty = |k: &str| lookup(k).filter(|v| !v.is_empty());
        let home = non_empty(ENV_HOME).map(PathBuf::from);
        let (cache_dir, credentials_file, trust_dir) = match &home {
            Some(home) => (
                home.join("cache"),
                home.join("credentials.toml"),
                home.join("trust"),
            ),
            None => {
                let base = base()?;
                (
                    base.cache.join("plugres"),
                    base.config.join("plugres").join("credentials.toml"),
                    base.state.join("plugres").join("trust"),
                )
            }
        };
        let index_cache_dir = match &home {
            Some(home) => home.join("index"),
            None => cache_dir.join("index"),
        };
        Ok(Settings {
            home,
            cache_dir,
            index_cache_dir,
            user_config_file: Some(credentials_file.with_file_name("config.toml")),
            credentials_file: Some(credentials_file),
            trust_dir,
            offline: non_empty(ENV_OFFLINE).is_some_and(|v| truthy(&v)),
            allow_expired_index: non_empty(ENV_ALLOW_EXPIRED).is_some_and(|v| truthy(&v)),
            yes: non_empty(ENV_YES).is_some_and(|v| truthy(&v)),
            no_color: non_empty("NO_COLOR").is_some(),
            force_color: ["FORCE_COLOR", "CLICOLOR_FORCE"]
                .iter()
                .any(|var| non_empty(var).is_some_and(|v| v != "0")),
        })
    }

    /// Refuses a `PLUGRES_HOME` that exists but is not a folder, naming
    /// the variable (otherwise the first file written under it fails with
    /// "not a directory" and a path the user never typed).
    pub fn check_home(&self) -> Result<(), HomeNotADirError> {
        match &self.home {
            Some(home) if home.exists() && !home.is_dir() => Err(HomeNotADirError(home.clone())),
            _ => Ok(()),
        }
    }
}

/// `1`, `true`, `yes`, `on` (any case) are true; anything else is false.
fn truthy(v: &str) -> bool {
    matches!(
        v.trim().to_ascii_lowercase().as_str(),
        "1" | "true" | "yes" | "on"
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    /// What the platform would give on Linux with `HOME=/h` and no XDG
    /// variables.
    fn linux_home() -> Result<BaseDirs, NoHomeError> {
        Ok(BaseDirs {
            cache: "/h/.cache".into(),
            config: "/h/.config".into(),
            state: "/h/.local/state".into(),
        })
    }

    fn with(vars: &[(&str, &str)]) -> Result<Settings, NoHomeError> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Settings::from_lookup(|k| map.get(k).cloned(), linux_home)
    }

    #[test]
    fn plugres_home_wins_over_the_platform_folders() {
        assert_eq!(
            with(&[("PLUGRES_HOME", "/p")]).unwrap().cache_dir,
            PathBuf::from("/p/cache")
        );
        assert_eq!(
            with(&[]).unwrap().cache_dir,
            PathBuf::from("/h/.cache/plugres")
        );
        assert_eq!(
            with(&[("PLUGRES_HOME", "")]).unwrap().cache_dir,
            PathBuf::from("/h/.cache/plugres"),
            "an empty PLUGRES_HOME is unset"
        );
        let no_home = Settings::from_lookup(|_| None, || Err(NoHomeError));
        assert!(no_home.is_err());
        let plugres_home = Settings::from_lookup(
            |k| (k == "PLUGRES_HOME").then(|| "/p".to_string()),
            || panic!("the platform's folders are not asked for"),
        );
        assert_eq!(plugres_home.unwrap().trust_dir, PathBuf::from("/p/trust"));
    }

    #[test]
    fn index_caches_credentials_and_trust_sit_where_they_always_did() {
        let s = with(&[("PLUGRES_HOME", "/p")]).unwrap();
        assert_eq!(s.index_cache_dir, PathBuf::from("/p/index"));
        assert_eq!(
            s.credentials_file,
            Some(PathBuf::from("/p/credentials.toml"))
        );
        assert_eq!(s.user_config_file, Some(PathBuf::from("/p/config.toml")));
        let s = with(&[]).unwrap();
        assert_eq!(s.index_cache_dir, PathBuf::from("/h/.cache/plugres/index"));
        assert_eq!(
            s.credentials_file,
            Some(PathBuf::from("/h/.config/plugres/credentials.toml"))
        );
        assert_eq!(
            s.user_config_file,
            Some(PathBuf::from("/h/.config/plugres/config.toml"))
        );
        assert_eq!(s.trust_dir, PathBuf::from("/h/.local/state/plugres/trust"));
    }

    /// On Linux and macOS the platform's folders are the XDG ones plugres
    /// always used, so existing caches, tokens and trust state are found.
    /// Read-only: checks this process's own environment.
    #[cfg(unix)]
    #[test]
    fn unix_folders_are_the_xdg_ones_of_this_environment() {
        let env = |k: &str| {
            std::env::var_os(k)
                .map(PathBuf::from)
                .filter(|p| p.is_absolute())
        };
        let home = std::env::home_dir().unwrap();
        let dirs = BaseDirs::of_platform().unwrap();
        let want = |var: &str, fallback: &str| env(var).unwrap_or_else(|| home.join(fallback));
        assert_eq!(dirs.cache, want("XDG_CACHE_HOME", ".cache"));
        assert_eq!(dirs.config, want("XDG_CONFIG_HOME", ".config"));
        assert_eq!(dirs.state, want("XDG_STATE_HOME", ".local/state"));
    }

    #[test]
    fn a_plugres_home_that_is_a_file_is_named() {
        let tmp = tempfile::tempdir().unwrap();
        let file = tmp.path().join("home");
        std::fs::write(&file, "").unwrap();
        let s = with(&[("PLUGRES_HOME", file.to_str().unwrap())]).unwrap();
        let err = s.check_home().unwrap_err().to_string();
        assert!(err.starts_with("`PLUGRES_HOME` is `"), "{err}");
        let s = with(&[("PLUGRES_HOME", tmp.path().join("new").to_str().unwrap())]).unwrap();
        assert!(s.check_home().is_ok(), "created when missing");
        assert!(with(&[]).unwrap().check_home().is_ok());
    }

    #[test]
    fn switches_read_truthy_values() {
        let s = with(&[("PLUGRES_OFFLINE", "TRUE"), ("PLUGRES_YES", "0")]).unwrap();
        assert!(s.offline);
        assert!(!s.yes);
        assert!(!s.no_color);
        let s = with(&[("NO_COLOR", "1"), ("PLUGRES_YES", "yes")]).unwrap();
        assert!(s.no_color && s.yes && !s.offline && !s.force_color);
        for var in ["FORCE_COLOR", "CLICOLOR_FORCE"] {
            assert!(with(&[(var, "1")]).unwrap().force_color);
            assert!(!with(&[(var, "0")]).unwrap().force_color);
        }
    }
}
