//! `plugres outdated`: for each locked plugin, the version locked, the
//! newest that runs on the project's engine, the newest of all, what holds
//! it back (an engine requirement, plugres.toml, another plugin), and
//! whether the locked version has been yanked (with the command that moves
//! off it). `plugres list` reads the same rows ([`Compare`]).

use serde::Serialize;

use super::registries::Registries;
use super::yanked_since::remedy;
use super::{OpsError, Options, load};
use crate::index::IndexCandidates;
use crate::project::{LockedPlugin, Lockfile, Manifest};
use crate::resolve::{CandidateSource, newest};

/// One row of `plugres outdated`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OutdatedPlugin {
    pub name: String,
    /// Listed in plugres.toml (not only a dependency).
    pub direct: bool,
    /// The locked version.
    pub current: String,
    /// The newest version that runs on the project's engine.
    pub compatible: Option<String>,
    /// The newest version of all (yanked and prereleases excluded).
    pub latest: Option<String>,
    /// A newer version exists (compatible or not).
    pub outdated: bool,
    /// Why `current` is not `compatible`, and `compatible` not `latest`.
    pub held_back: Vec<String>,
    /// The index says the locked version is yanked (now, not when locked).
    pub yanked: bool,
    pub yank_reason: Option<String>,
    /// The plugin's deprecation message in the index, if deprecated.
    pub deprecated: Option<String>,
    /// For a yanked `current`: what moves the project off it, with the
    /// command that works (README "What this machine remembers of an index").
    pub fix: Option<String>,
    /// That command alone (`plugres update NAME`, `plugres add NAME@^V`),
    /// when there is one.
    pub fix_command: Option<String>,
    /// The release channel plugres.toml follows for it (README "Channels").
    pub channel: Option<String>,
    /// The version that channel names now, when it gives one.
    pub channel_version: Option<String>,
    /// A local plugin's folder (README "Local plugin development"): not
    /// compared with any registry.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// `compatible` is newer and `plugres update NAME` moves to it (nothing
    /// in plugres.toml or another plugin holds it back).
    #[serde(skip)]
    pub(crate) update_allowed: bool,
}

/// The result of `plugres outdated`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OutdatedReport {
    pub engine_name: String,
    pub engine: String,
    pub plugins: Vec<OutdatedPlugin>,
}

/// Compares the lock of the project at or above `start` with its indexes.
pub fn outdated(start: &std::path::Path, opts: &Options) -> Result<OutdatedReport, OpsError> {
    let (project, manifest) = load(start)?;
    let lock = super::require_lock(&project, "run `plugres lock` first")?;
    let registries = Registries::new(&manifest, opts).with_lock(Some(&lock));
    let compare = Compare::new(&manifest, &lock, &registries);
    let rows = lock
        .plugins
        .iter()
        .map(|p| compare.row(p))
        .collect::<Result<_, _>>()?;
    Ok(OutdatedReport {
        engine_name: registries.engine_name(&manifest)?,
        engine: manifest.engine.version.to_string(),
        plugins: rows,
    })
}

/// Locked plugins against their registries' verified indexes, each index
/// opened (as `--offline` allows) once.
pub(crate) struct Compare<'a> {
    manifest: &'a Manifest,
    lock: &'a Lockfile,
    registries: &'a Registries<'a>,
    target: Option<String>,
}

impl<'a> Compare<'a> {
    pub(crate) fn new(
        manifest: &'a Manifest,
        lock: &'a Lockfile,
        registries: &'a Registries<'a>,
    ) -> Self {
        Compare {
            manifest,
            lock,
            registries,
            target: manifest
                .engine
                .target
                .as_ref()
                .map(|t| t.as_str().to_string()),
        }
    }

    /// The `outdated` row of locked plugin `p`.
    pub(crate) fn row(&self, p: &LockedPlugin) -> Result<OutdatedPlugin, OpsError> {
        if p.is_local() {
            return Ok(self.local_row(p));
        }
        let index = self.registries.index(&p.registry)?;
        let candidates = IndexCandidates::new(index, self.target.clone());
        // Verified here first, so a bad file is reported in the index's words.
        let file = index.plugin(&p.name)?;
        let name = p.name.as_str();
        let engine = &self.manifest.engine.version;
        let engine_name = index.config().engine.clone();
        let current = p.version.semver();
        let pre = !current.pre.is_empty();
        let source_err = |e: crate::resolve::SourceError| OpsError::failed(e.to_string(), &[]);
        let compatible = newest(&candidates, name, Some(engine), pre).map_err(source_err)?;
        let latest = newest(&candidates, name, None, pre).map_err(source_err)?;
        let mut held_back = Vec::new();
        let mut update_allowed = false;
        if let Some(l) = &latest
            && compatible.as_ref() != Some(l)
        {
            let needs = candidates
                .candidates(name)
                .map_err(source_err)?
                .and_then(|all| {
                    all.iter()
                        .find(|c| &c.version == l)
                        .map(|c| c.engine.to_string())
                })
                .unwrap_or_default();
            held_back.push(format!(
                "{name} {l} needs {engine_name} {needs}, but this project runs {engine_name} {engine}"
            ));
        }
        // Precedence, not `Ord`: semver's `Ord` ranks `1.2.0+b` above
        // `1.2.0` (README "Formats": build metadata is ignored).
        if let Some(c) = &compatible
            && c.cmp_precedence(current).is_gt()
        {
            let why = self.holding_back(name, c);
            update_allowed = why.is_empty();
            if update_allowed {
                held_back.push(format!(
                    "{name} {c} is allowed: run `plugres update {name}`"
                ));
            }
            held_back.extend(why);
        }
        let channel = self
            .manifest
            .plugins
            .get(&p.name)
            .and_then(|s| s.channel.clone());
        let channel_version = match (&channel, &file) {
            (Some(c), Some(f)) => f.channel_version(c, engine).ok().map(|e| e.version.clone()),
            _ => None,
        };
        // `holding_back` names the channel for a plugin that follows one, so
        // no "allowed: run update" line is there to replace.
        if let (Some(c), Some(v)) = (&channel, &channel_version)
            && !v.semver().cmp_precedence(current).is_eq()
        {
            held_back.insert(
                0,
                format!("channel `{c}` now names {name} {v}: run `plugres update {name}`"),
            );
            update_allowed = true;
        }
        let entry = file.as_ref().and_then(|f| f.get(&p.version));
        let yanked = entry.is_some_and(|e| e.yanked);
        let fix = file
            .as_ref()
            .filter(|_| yanked)
            .map(|f| remedy(self.manifest, &p.name, f));
        Ok(OutdatedPlugin {
            name: name.to_string(),
            direct: self.manifest.plugins.contains_key(&p.name),
            current: current.to_string(),
            outdated: latest.as_ref().is_some_and(|l| l > current),
            compatible: compatible.map(|v| v.to_string()),
            latest: latest.map(|v| v.to_string()),
            held_back,
            yanked,
            yank_reason: entry.filter(|_| yanked).and_then(|e| e.yank_reason.clone()),
            deprecated: file.as_ref().and_then(|f| f.deprecated.clone()),
            fix_command: fix.as_ref().and_then(|f| f.command.clone()),
            fix: fix.map(|f| f.advice),
            channel: channel.map(|c| c.to_string()),
            channel_version: channel_version.map(|v| v.to_string()),
            update_allowed,
            path: None,
        })
    }

    /// The row of a local plugin: its version, no index to compare with.
    fn local_row(&self, p: &LockedPlugin) -> OutdatedPlugin {
        OutdatedPlugin {
            name: p.name.to_string(),
            direct: self.manifest.plugins.contains_key(&p.name),
            current: p.version.to_string(),
            compatible: None,
            latest: None,
            outdated: false,
            held_back: Vec::new(),
            yanked: false,
            yank_reason: None,
            deprecated: None,
            fix: None,
            fix_command: None,
            channel: None,
            channel_version: None,
            update_allowed: false,
            path: p.path.clone(),
        }
    }

    /// Why `name` is not at `compatible`, a newer version that runs on the
    /// engine: plugres.toml's requirement, another plugin's; none when
    /// `update` moves it.
    fn holding_back(&self, name: &str, compatible: &semver::Version) -> Vec<String> {
        let direct = self
            .manifest
            .plugins
            .iter()
            .find(|(n, _)| n.as_str() == name)
            .map(|(_, s)| s);
        let mut why: Vec<String> = Vec::new();
        match direct {
            Some(s) if s.channel.is_some() => {
                why.push(format!("plugres.toml follows {name}{}", s.describe()));
            }
            Some(s) if !s.req.matches(compatible) => {
                why.push(format!("plugres.toml requires {name} {}", s.req));
            }
            _ => {}
        }
        for (other, req) in super::tree::dependents(self.lock, name) {
            if !req.matches(compatible) {
                why.push(format!(
                    "{} {} requires {name} {req}",
                    other.name, other.version
                ));
            }
        }
        why
    }
}
