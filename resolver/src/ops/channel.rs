//! Release channels in a project (README "Channels"): `{ channel = "beta" }`
//! in plugres.toml becomes, for one resolution, the exact version the
//! channel names in the verified plugin file — or the version already
//! locked through that channel, unless this run updates the plugin.

use plugres_schema::{Channel, ChannelMiss, PluginName};
use semver::VersionReq;

use super::OpsError;
use super::plan::{Prefer, exactly};
use super::registries::Registries;
use crate::project::{Lockfile, PluginSpec};

/// The requirement channel plugin `name` resolves with in this run.
pub(crate) fn channel_req(
    registries: &Registries<'_>,
    name: &PluginName,
    spec: &PluginSpec,
    channel: &Channel,
    old: Option<&Lockfile>,
    prefer: Prefer<'_>,
    engine: &Engine<'_>,
) -> Result<VersionReq, OpsError> {
    let keeps = match prefer {
        Prefer::Locked | Prefer::Precise(..) => true,
        Prefer::Nothing => false,
        Prefer::AllBut(names) => !names.iter().any(|n| n == name.as_str()),
    };
    let locked = old
        .and_then(|l| l.plugin(name.as_str()))
        .filter(|p| keeps && p.registry == spec.registry && spec.locked_by(p));
    if let Some(p) = locked {
        return Ok(exactly(p.version.semver()));
    }
    let index = registries.index(&spec.registry)?;
    let file = index.plugin(name)?.ok_or_else(|| {
        OpsError::failed(
            format!(
                "there is no plugin named `{name}` in registry `{}`",
                spec.registry
            ),
            &["look for plugins with `plugres search WORDS`"],
        )
    })?;
    match file.channel_version(channel, engine.version) {
        Ok(entry) => Ok(exactly(entry.version.semver())),
        Err(miss) => {
            let latest = file
                .channel_version(&Channel::latest(), engine.version)
                .ok()
                .map(|e| e.version.to_string());
            Err(missed(name, channel, engine, miss, latest))
        }
    }
}

/// The engine a resolution is for: its name (for messages) and version.
pub(crate) struct Engine<'a> {
    pub(crate) name: &'a str,
    pub(crate) version: &'a semver::Version,
}

/// Why `channel` of `name` gives no version, with what to do.
fn missed(
    name: &PluginName,
    channel: &Channel,
    engine: &Engine<'_>,
    miss: ChannelMiss,
    latest: Option<String>,
) -> OpsError {
    let (engine, engine_version) = (engine.name, engine.version);
    let instead = match latest {
        Some(v) if !channel.is_latest() => format!(
            "follow `latest` instead ({name} {v} runs on {engine} {engine_version}): `plugres add {name}@latest`"
        ),
        _ => format!(
            "see which versions run on {engine} {engine_version} with `plugres info {name}`"
        ),
    };
    match miss {
        ChannelMiss::Unknown { known } => {
            let have = known
                .iter()
                .map(|c| format!("`{c}`"))
                .chain(["`latest` (the newest usable version)".to_string()])
                .collect::<Vec<_>>()
                .join(", ");
            OpsError::Failed {
                message: format!("`{name}` has no release channel `{channel}`"),
                hints: vec![
                    format!("its channels: {have}"),
                    format!("see them with `plugres info {name}`"),
                ],
            }
        }
        ChannelMiss::NoUsable => OpsError::Failed {
            message: format!(
                "`{name}` has no version for channel `{channel}`: none is released (not a prerelease), unyanked and runs on {engine} {engine_version}"
            ),
            hints: vec![instead],
        },
        ChannelMiss::Engine {
            version,
            engine: needs,
        } => OpsError::Failed {
            message: format!(
                "channel `{channel}` of `{name}` names {name} {version}, which needs {engine} {needs}, but this project runs {engine} {engine_version}"
            ),
            hints: vec![instead],
        },
    }
}
