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
    /// Disabling: enabled plugins that depend on it (still disabled; the
    /// host may fail to load them without it).
    pub needed_by: Vec<String>,
    pub warnings: Vec<String>,
}

/// Sets `disabled` of plugin `name` in plugres.lock.
pub fn set_disabled(
    start: &std::path::Path,
    name: &str,
    disabled: bool,
    opts: &Options,
) -> Result<ToggleReport, OpsError> {
    let (project, _, _guard) = load_locked(start, opts)?;
    let mut lock = super::require_lock(&project, "run `plugres install` first")?;
    let needed_by: Vec<String> = match disabled {
        true => super::tree::dependents(&lock, name)
            .filter(|(p, _)| !p.disabled)
            .map(|(p, _)| p.name.to_string())
            .collect(),
        false => Vec::new(),
    };
    let Some(plugin) = lock.plugins.iter_mut().find(|p| p.name.as_str() == name) else {
        return Err(OpsError::failed(
            format!("`{name}` is not in plugres.lock"),
            &["see the locked plugins with `plugres tree`"],
        ));
    };
    let warnings = match needed_by.as_slice() {
        [] => Vec::new(),
        [one] => vec![format!(
            "`{one}` depends on `{name}`, which is now disabled: the host may fail to load `{one}`; disable it too (`plugres disable {one}`), or undo this (`plugres enable {name}`)"
        )],
        users => vec![format!(
            "{} depend on `{name}`, which is now disabled: the host may fail to load them; disable them too (`plugres disable NAME` for each), or undo this (`plugres enable {name}`)",
            quoted(users),
        )],
    };
    let changed = plugin.disabled != disabled;
    plugin.disabled = disabled;
    let report = ToggleReport {
        name: name.to_string(),
        version: plugin.version.to_string(),
        disabled,
        changed,
        needed_by,
        warnings,
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

/// `a`, `a` and `b`, `a`, `b` and `c`: names in backticks.
fn quoted(names: &[String]) -> String {
    let q: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
    match q.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} and {last}", rest.join(", ")),
        _ => q.join(""),
    }
}

#[cfg(test)]
mod tests {
    use super::quoted;

    #[test]
    fn names_read_as_a_list() {
        let names = |n: &[&str]| n.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(quoted(&names(&["a"])), "`a`");
        assert_eq!(quoted(&names(&["a", "b"])), "`a` and `b`");
        assert_eq!(quoted(&names(&["a", "b", "c"])), "`a`, `b` and `c`");
    }
}
