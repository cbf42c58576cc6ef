//! `plugres update NAME --precise VERSION`: one locked plugin moved to
//! exactly one version, up or down, everything else kept where it is (as
//! `cargo update -p NAME --precise VERSION`).

use plugres_schema::{PluginName, Version};

use super::lock::{apply_update, refuse_frozen_update};
use super::plan::{Prefer, plan};
use super::registries::Registries;
use super::{ChangeReport, OpsError, Options, load_locked};

/// Moves locked plugin `name` to `version` and installs. Refused, with
/// nothing written, when the lock has no `name`, the registry has no such
/// version, plugres.toml's requirement does not allow it, or the rest of
/// the project does not.
pub fn update_precise(
    start: &std::path::Path,
    name: &str,
    version: &str,
    opts: &Options,
) -> Result<ChangeReport, OpsError> {
    refuse_frozen_update(opts)?;
    let (project, manifest, _guard) = load_locked(start, opts)?;
    let old = project.load_lockfile()?;
    let Some(locked) = old.as_ref().and_then(|l| l.plugin(name)) else {
        return Err(OpsError::Failed {
            message: format!("`{name}` is not in plugres.lock, so there is nothing to update"),
            hints: vec![format!(
                "add it at that version: `plugres add {name}@={version}`"
            )],
        });
    };
    let version = semver::Version::parse(version).map_err(|e| {
        OpsError::failed(
            format!("`--precise {version}` is not a version (like `1.2.3`): {e}"),
            &[],
        )
    })?;
    if let Some(path) = &locked.path {
        return Err(OpsError::failed(
            format!(
                "`{name}` is a local plugin (`path = \"{path}\"`): its one version is the one its plugin.toml gives"
            ),
            &[&format!(
                "change `version` in `{path}/plugin.toml`, then run `plugres update {name}`"
            )],
        ));
    }
    let registries = Registries::new(&manifest, opts)
        .with_lock(old.as_ref())
        .saving_trust_meanwhile();
    exists(&registries, &locked.registry, &locked.name, &version)?;
    if let Some(channel) = manifest
        .plugins
        .get(&locked.name)
        .and_then(|s| s.channel.as_ref())
    {
        return Err(OpsError::Failed {
            message: format!(
                "plugres.toml has {name} follow the release channel `{channel}`, which decides its version"
            ),
            hints: vec![format!(
                "to pin a version instead: `plugres add {name}@={version}`"
            )],
        });
    }
    if let Some(spec) = manifest.plugins.get(&locked.name)
        && !allows(&spec.req, &version)
    {
        return Err(OpsError::Failed {
            message: format!(
                "plugres.toml requires {name} {}, which {version} does not match",
                spec.req
            ),
            hints: vec![format!(
                "to change the requirement too: `plugres add {name}@={version}`"
            )],
        });
    }
    let prefer = Prefer::Precise(name, &version);
    let plan = plan(&registries, &manifest, old.as_ref(), prefer, None, false)?;
    let chosen = plan
        .lockfile
        .plugin(name)
        .map(|p| p.version.semver().clone());
    if chosen.as_ref() != Some(&version) {
        return Err(OpsError::Failed {
            message: format!(
                "{name} {version} cannot be used with the rest of the project (the resolution chose {})",
                chosen.map_or("none".to_string(), |v| v.to_string())
            ),
            hints: vec![format!(
                "see what requires {name} with `plugres tree --invert {name}`"
            )],
        });
    }
    apply_update((&project, &manifest, old.as_ref()), &registries, plan, opts)
}

/// Whether `req` allows `version`; a prerelease counts as its release, so
/// `--precise 1.3.0-rc.1` may be asked under `^1.2`.
fn allows(req: &semver::VersionReq, version: &semver::Version) -> bool {
    let release = semver::Version::new(version.major, version.minor, version.patch);
    req.matches(version) || (!version.pre.is_empty() && req.matches(&release))
}

/// Refuses a version the registry does not have, naming the newest ones.
fn exists(
    registries: &Registries<'_>,
    registry: &str,
    name: &PluginName,
    version: &semver::Version,
) -> Result<(), OpsError> {
    let Some(file) = registries.index(registry)?.plugin(name)? else {
        return Err(OpsError::failed(
            format!("registry `{registry}` has no plugin `{name}`"),
            &[],
        ));
    };
    if file.get(&Version::from(version.clone())).is_some() {
        return Ok(());
    }
    let mut versions: Vec<&Version> = file.versions.iter().map(|v| &v.version).collect();
    versions.sort();
    let newest: Vec<String> = versions
        .iter()
        .rev()
        .take(5)
        .map(|v| v.to_string())
        .collect();
    Err(OpsError::Failed {
        message: format!("{name} has no version {version} in registry `{registry}`"),
        hints: vec![format!("its newest versions: {}", newest.join(", "))],
    })
}
