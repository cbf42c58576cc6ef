//! User-wide plugins: a per-user project for each engine, and the plugins
//! a host loads from it beside the project's own (README "User-wide
//! plugins").
//!
//! Editors and command-line tools load plugins the user installed for
//! themselves as well as those of the project at hand. plugres keeps the
//! user's as an ordinary project — plugres.toml, plugres.lock, plugins/ —
//! in one folder per engine, so every command works on it (`--global`) and
//! the host checks it exactly as it checks a project:
//!
//! | | folder of the user project of engine `E` |
//! | --- | --- |
//! | `PLUGRES_HOME` set | `$PLUGRES_HOME/user/E` |
//! | Linux, macOS | `$XDG_DATA_HOME/plugres/user/E` (`~/.local/share/plugres/user/E`) |
//! | Windows | `%APPDATA%\plugres\user\E` |
//!
//! When both have a plugin of the same name, the project's wins: the user's
//! is left out and reported ([`Shadowed`]), since two versions of one
//! plugin cannot both be loaded and the project pinned its own.

use std::path::{Path, PathBuf};

use crate::installed::{InstalledError, InstalledPlugin, installed};

/// `PLUGRES_HOME`: the root of everything plugres keeps.
pub const ENV_HOME: &str = "PLUGRES_HOME";

/// The folder holding every engine's user project; `None` without
/// `PLUGRES_HOME` when the platform knows no home folder.
pub fn user_projects_root() -> Option<PathBuf> {
    root_from(
        |k| std::env::var_os(k).map(|v| v.to_string_lossy().into_owned()),
        platform_data_dir,
    )
}

/// The folder of the user project of `engine` (the engine's name as its
/// indexes give it, e.g. `demo-engine`); `Err` names what is wrong with a
/// name that cannot be one folder.
pub fn user_project_dir(engine: &str) -> Result<Option<PathBuf>, String> {
    check_engine(engine)?;
    Ok(user_projects_root().map(|root| root.join(engine)))
}

/// The engines that have a user project (a folder with a plugres.toml),
/// sorted.
pub fn user_project_engines() -> Vec<String> {
    let Some(root) = user_projects_root() else {
        return Vec::new();
    };
    let mut engines: Vec<String> = std::fs::read_dir(root)
        .into_iter()
        .flatten()
        .filter_map(Result::ok)
        .filter(|e| e.path().join("plugres.toml").is_file())
        .filter_map(|e| e.file_name().into_string().ok())
        .filter(|name| check_engine(name).is_ok())
        .collect();
    engines.sort();
    engines
}

/// A user plugin left out because the project has one of the same name.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Shadowed {
    pub name: String,
    /// The user's version, not loaded.
    pub user_version: semver::Version,
    /// The project's version, loaded instead.
    pub project_version: semver::Version,
}

impl std::fmt::Display for Shadowed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "your user-wide `{} {}` is not loaded: this project has `{} {}` (a project's own plugins win)",
            self.name, self.user_version, self.name, self.project_version
        )
    }
}

/// What a host loads: the project's plugins, then the user's that the
/// project does not have.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct AllInstalled {
    /// The project's plugins.
    pub project: Vec<InstalledPlugin>,
    /// The user's plugins, without those in [`Self::shadowed`].
    pub user: Vec<InstalledPlugin>,
    pub shadowed: Vec<Shadowed>,
}

impl AllInstalled {
    /// Every plugin to consider loading: the project's, then the user's.
    pub fn plugins(&self) -> impl Iterator<Item = &InstalledPlugin> {
        self.project.iter().chain(&self.user)
    }
}

/// The plugins of the project at `project_dir` (none without one) and of
/// the user project of `engine` (none when the user has not made one),
/// each checked against its own plugres.lock as [`installed`] does.
///
/// ```no_run
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let all = plugres_host::installed_with_user(Some(std::path::Path::new(".")), "demo-engine")?;
/// for note in &all.shadowed {
///     eprintln!("note: {note}");
/// }
/// for plugin in all.plugins().filter(|p| p.enabled) {
///     println!("load {} {} from {}", plugin.name, plugin.version, plugin.path.display());
/// }
/// # Ok(())
/// # }
/// ```
pub fn installed_with_user(
    project_dir: Option<&Path>,
    engine: &str,
) -> Result<AllInstalled, InstalledError> {
    match user_projects_root() {
        Some(root) => installed_with_user_at(&root, project_dir, engine),
        None => Ok(merge(installed_in(project_dir)?, Vec::new())),
    }
}

/// [`installed_with_user`] with the user projects kept under `root`
/// instead of where [`user_projects_root`] says.
pub fn installed_with_user_at(
    root: &Path,
    project_dir: Option<&Path>,
    engine: &str,
) -> Result<AllInstalled, InstalledError> {
    check_engine(engine).map_err(InstalledError::Engine)?;
    let user_dir = root.join(engine);
    let user = match Some(user_dir).filter(|d| d.join("plugres.toml").is_file()) {
        Some(dir) => installed_or_none(&dir)?,
        None => Vec::new(),
    };
    Ok(merge(installed_in(project_dir)?, user))
}

fn installed_in(project_dir: Option<&Path>) -> Result<Vec<InstalledPlugin>, InstalledError> {
    match project_dir {
        Some(dir) => installed(dir),
        None => Ok(Vec::new()),
    }
}

/// A user project that never installed anything has no lock: no plugins.
fn installed_or_none(dir: &Path) -> Result<Vec<InstalledPlugin>, InstalledError> {
    match installed(dir) {
        Err(InstalledError::NoLock { .. }) => Ok(Vec::new()),
        other => other,
    }
}

/// The project's plugins win over the user's of the same name.
fn merge(project: Vec<InstalledPlugin>, user: Vec<InstalledPlugin>) -> AllInstalled {
    let mut all = AllInstalled {
        project,
        ..AllInstalled::default()
    };
    for plugin in user {
        match all.project.iter().find(|p| p.name == plugin.name) {
            Some(mine) => all.shadowed.push(Shadowed {
                name: plugin.name.clone(),
                user_version: plugin.version.clone(),
                project_version: mine.version.clone(),
            }),
            None => all.user.push(plugin),
        }
    }
    all
}

/// An engine name names one folder: the plugin name grammar
/// (`demo-engine`), as index configs require.
fn check_engine(engine: &str) -> Result<(), String> {
    match plugres_schema::PluginName::new(engine) {
        Ok(_) | Err(plugres_schema::NameError::Reserved(_)) => Ok(()),
        Err(e) => Err(format!("`{engine}` is not an engine name: {e}")),
    }
}

fn root_from(
    lookup: impl Fn(&str) -> Option<String>,
    data_dir: impl FnOnce() -> Option<PathBuf>,
) -> Option<PathBuf> {
    match lookup(ENV_HOME).filter(|v| !v.is_empty()) {
        Some(home) => Some(PathBuf::from(home).join("user")),
        None => Some(data_dir()?.join("plugres").join("user")),
    }
}

/// The platform's data folder, as uv and the rest of plugres take them
/// (the `etcetera` crate): XDG on Linux and macOS, `%APPDATA%` on
/// Windows.
fn platform_data_dir() -> Option<PathBuf> {
    use etcetera::BaseStrategy;
    Some(etcetera::choose_base_strategy().ok()?.data_dir())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plugin(name: &str, version: &str) -> InstalledPlugin {
        InstalledPlugin {
            name: name.into(),
            version: version.parse().unwrap(),
            target: "any".into(),
            path: PathBuf::from(name),
            file: None,
            permissions: Vec::new(),
            enabled: true,
            config: Default::default(),
            secrets: Default::default(),
        }
    }

    #[test]
    fn plugres_home_holds_the_user_projects_else_the_data_folder() {
        let env = |k: &str| (k == ENV_HOME).then(|| "/p".to_string());
        assert_eq!(
            root_from(env, || None),
            Some(PathBuf::from("/p/user")),
            "no platform folder needed"
        );
        let data = || Some(PathBuf::from("/home/u/.local/share"));
        assert_eq!(
            root_from(|_| None, data),
            Some(PathBuf::from("/home/u/.local/share/plugres/user"))
        );
        assert_eq!(
            root_from(|_| Some(String::new()), data),
            Some(PathBuf::from("/home/u/.local/share/plugres/user")),
            "an empty PLUGRES_HOME is unset"
        );
        assert_eq!(root_from(|_| None, || None), None);
    }

    #[test]
    fn an_engine_name_is_one_folder() {
        assert!(check_engine("demo-engine").is_ok());
        for bad in ["", "..", "a/b", "a\\b", "Demo", "x y"] {
            assert!(check_engine(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn the_projects_plugin_wins_and_the_users_is_reported() {
        let all = merge(
            vec![plugin("hello", "1.0.0")],
            vec![plugin("hello", "2.0.0"), plugin("audit", "0.3.0")],
        );
        let names: Vec<String> = all
            .plugins()
            .map(|p| format!("{} {}", p.name, p.version))
            .collect();
        assert_eq!(names, ["hello 1.0.0", "audit 0.3.0"]);
        assert_eq!(
            all.shadowed[0].to_string(),
            "your user-wide `hello 2.0.0` is not loaded: this project has `hello 1.0.0` (a project's own plugins win)"
        );
    }
}
