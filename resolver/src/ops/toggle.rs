//! `plugres disable NAME` / `plugres enable NAME`: keep a plugin locked and
//! installed, but tell the host engine not to load it.
//!
//! The flag is `disabled = true` on the plugin's entry in plugres.lock;
//! re-locking carries it over (see `plan::plan`), so it survives `update`.
//! [`super::installed`] reports it as `enabled: false`.

use serde::Serialize;

use super::{OpsError, Options, load_locked};

/// The result of `plugres disable|enable`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ToggleReport {
    pub name: String,
    pub version: String,
    pub disabled: bool,
    /// Whether plugres.lock changed (false when it already was so).
    pub changed: bool,
}

/// Sets `disabled` of plugin `name` in plugres.lock.
pub fn set_disabled(
    start: &std::path::Path,
    name: &str,
    disabled: bool,
    opts: &Options,
) -> Result<ToggleReport, OpsError> {
    let (project, _, _guard) = load_locked(start, opts)?;
    let mut lock = project.load_lockfile()?.ok_or_else(|| {
        OpsError::failed(
            format!("there is no plugres.lock in `{}`", project.dir.display()),
            &["run `plugres install` first"],
        )
    })?;
    let Some(plugin) = lock.plugins.iter_mut().find(|p| p.name.as_str() == name) else {
        return Err(OpsError::failed(
            format!("`{name}` is not in plugres.lock"),
            &["see the locked plugins with `plugres tree`"],
        ));
    };
    let changed = plugin.disabled != disabled;
    plugin.disabled = disabled;
    let report = ToggleReport {
        name: name.to_string(),
        version: plugin.version.to_string(),
        disabled,
        changed,
    };
    if changed {
        if opts.locked || opts.frozen {
            return Err(OpsError::failed(
                "this changes plugres.lock, which `--locked`/`--frozen` forbid",
                &["run it without `--locked`/`--frozen`"],
            ));
        }
        lock.save(&project.lock_path)?;
    }
    Ok(report)
}
