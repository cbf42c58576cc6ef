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
//! | `PLUGRES_HOME` | everything plugres keeps goes under this dir (`cache/`, `index/`, `trust/`, `credentials.toml`, `config.toml`) |
//! | `XDG_CACHE_HOME` | without `PLUGRES_HOME`: the cache is `$XDG_CACHE_HOME/plugres` (index caches in its `index/`) |
//! | `XDG_CONFIG_HOME` | without `PLUGRES_HOME`: tokens are read from `$XDG_CONFIG_HOME/plugres/credentials.toml`, registries used outside a project from `config.toml` beside it |
//! | `XDG_STATE_HOME` | without `PLUGRES_HOME`: what was seen of each index (the rollback floor) is kept in `$XDG_STATE_HOME/plugres/trust` |
//! | `HOME` | fallback: `~/.cache/plugres`, `~/.config/plugres`, `~/.local/state/plugres` |
//! | `PLUGRES_ALLOW_EXPIRED_INDEX` | `1`/`true`: as `--allow-expired-index` |
//! | `PLUGRES_REGISTRY_<NAME>_TOKEN` | bearer token of registry NAME (see [`crate::credentials`]) |
//! | `PLUGRES_OFFLINE` | `1`/`true`: as `--offline` |
//! | `PLUGRES_YES` | `1`/`true`: as `--yes` (grant every permission asked for) |
//! | `NO_COLOR` | no colours unless `--color always` |

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
    "cannot find a directory for the plugres cache: none of `PLUGRES_HOME`, `XDG_CACHE_HOME` or `HOME` is set; set `PLUGRES_HOME` to a writable directory"
)]
pub struct NoHomeError;

/// `PLUGRES_HOME` names a file.
#[derive(Debug, thiserror::Error)]
#[error(
    "`PLUGRES_HOME` is `{}`, which is not a folder; set `PLUGRES_HOME` to a folder (it is created when missing) or unset it",
    .0.display()
)]
pub struct HomeNotADirError(pub PathBuf);

impl Settings {
    /// Settings from the process environment.
    pub fn from_env() -> Result<Settings, NoHomeError> {
        Settings::from_lookup(|k| std::env::var_os(k).map(|v| v.to_string_lossy().into_owned()))
    }

    /// Settings from `lookup` (the environment, or a map in tests).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Settings, NoHomeError> {
        let non_empty = |k: &str| lookup(k).filter(|v| !v.is_empty());
        let home_dir = non_empty("HOME").or_else(|| non_empty("USERPROFILE"));
        let (cache_dir, index_cache_dir, credentials_file, trust_dir) =
            if let Some(home) = non_empty(ENV_HOME) {
                let home = PathBuf::from(home);
                (
                    home.join("cache"),
                    home.join("index"),
                    Some(home.join("credentials.toml")),
                    home.join("trust"),
                )
            } else {
                let cache_dir = Self::default_cache_dir(&non_empty, home_dir.as_deref())?;
                let config = non_empty("XDG_CONFIG_HOME")
                    .map(PathBuf::from)
                    .or_else(|| home_dir.as_ref().map(|h| PathBuf::from(h).join(".config")))
                    .map(|c| c.join("plugres").join("credentials.toml"));
                let state = non_empty("XDG_STATE_HOME")
                    .map(PathBuf::from)
                    .or_else(|| {
                        home_dir
                            .as_ref()
                            .map(|h| PathBuf::from(h).join(".local").join("state"))
                    })
                    .map_or_else(
                        || cache_dir.join("trust"),
                        |s| s.join("plugres").join("trust"),
                    );
                (cache_dir.clone(), cache_dir.join("index"), config, state)
            };
        let user_config_file = credentials_file
            .as_ref()
            .map(|c| c.with_file_name("config.toml"));
        Ok(Settings {
            home: non_empty(ENV_HOME).map(PathBuf::from),
            cache_dir,
            index_cache_dir,
            credentials_file,
            user_config_file,
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

    /// The artifact cache without `PLUGRES_HOME`.
    fn default_cache_dir(
        non_empty: &dyn Fn(&str) -> Option<String>,
        home: Option<&str>,
    ) -> Result<PathBuf, NoHomeError> {
        if let Some(xdg) = non_empty("XDG_CACHE_HOME") {
            Ok(PathBuf::from(xdg).join("plugres"))
        } else if let Some(home) = home {
            Ok(PathBuf::from(home).join(".cache").join("plugres"))
        } else {
            Err(NoHomeError)
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

    fn with(vars: &[(&str, &str)]) -> Result<Settings, NoHomeError> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Settings::from_lookup(|k| map.get(k).cloned())
    }

    #[test]
    fn plugres_home_wins_then_xdg_then_home() {
        let all = [
            ("PLUGRES_HOME", "/p"),
            ("XDG_CACHE_HOME", "/x"),
            ("HOME", "/h"),
        ];
        assert_eq!(with(&all).unwrap().cache_dir, PathBuf::from("/p/cache"));
        assert_eq!(
            with(&all[1..]).unwrap().cache_dir,
            PathBuf::from("/x/plugres")
        );
        assert_eq!(
            with(&all[2..]).unwrap().cache_dir,
            PathBuf::from("/h/.cache/plugres")
        );
        assert!(with(&[("PLUGRES_HOME", "")]).is_err());
    }

    #[test]
    fn index_caches_and_credentials_sit_beside_the_cache() {
        let s = with(&[("PLUGRES_HOME", "/p"), ("XDG_CONFIG_HOME", "/c")]).unwrap();
        assert_eq!(s.index_cache_dir, PathBuf::from("/p/index"));
        assert_eq!(
            s.credentials_file,
            Some(PathBuf::from("/p/credentials.toml"))
        );
        let s = with(&[("XDG_CACHE_HOME", "/x"), ("XDG_CONFIG_HOME", "/c")]).unwrap();
        assert_eq!(s.index_cache_dir, PathBuf::from("/x/plugres/index"));
        assert_eq!(
            s.credentials_file,
            Some(PathBuf::from("/c/plugres/credentials.toml"))
        );
        let s = with(&[("HOME", "/h")]).unwrap();
        assert_eq!(
            s.credentials_file,
            Some(PathBuf::from("/h/.config/plugres/credentials.toml"))
        );
        assert_eq!(
            s.user_config_file,
            Some(PathBuf::from("/h/.config/plugres/config.toml"))
        );
        let s = with(&[("PLUGRES_HOME", "/p")]).unwrap();
        assert_eq!(s.user_config_file, Some(PathBuf::from("/p/config.toml")));
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
        assert!(with(&[("HOME", "/h")]).unwrap().check_home().is_ok());
    }

    #[test]
    fn switches_read_truthy_values() {
        let s = with(&[
            ("HOME", "/h"),
            ("PLUGRES_OFFLINE", "TRUE"),
            ("PLUGRES_YES", "0"),
        ])
        .unwrap();
        assert!(s.offline);
        assert!(!s.yes);
        assert!(!s.no_color);
        let s = with(&[("HOME", "/h"), ("NO_COLOR", "1"), ("PLUGRES_YES", "yes")]).unwrap();
        assert!(s.no_color && s.yes && !s.offline && !s.force_color);
        for var in ["FORCE_COLOR", "CLICOLOR_FORCE"] {
            assert!(with(&[("HOME", "/h"), (var, "1")]).unwrap().force_color);
            assert!(!with(&[("HOME", "/h"), (var, "0")]).unwrap().force_color);
        }
    }
}
