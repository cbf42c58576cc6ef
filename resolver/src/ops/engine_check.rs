//! `plugres engine-check VERSION`: can this project move to engine VERSION,
//! which plugins block it, and what would the lock become?
//!
//! Resolves plugres.toml as if `[engine] version` were VERSION, preferring
//! the locked versions (nothing is written). When that succeeds the report
//! lists the lock changes the move implies. When it fails, each locked
//! plugin whose locked version does not run on VERSION is examined: it
//! blocks the move when no version runs on VERSION at all, or none within
//! the requirements (plugres.toml's, or a dependent plugin's) that pin it.

use serde::Serialize;

use super::lock::changes;
use super::plan::{Prefer, plan};
use super::registries::Registries;
use super::{Change, OpsError, Options, load};
use crate::index::IndexCandidates;
use crate::project::{LockedPlugin, Lockfile, Manifest};
use crate::resolve::{Candidate, CandidateSource, ResolveError};

/// A plugin that keeps the project from moving to the new engine version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Blocker {
    pub name: String,
    /// The locked version, if locked.
    pub locked: Option<String>,
    /// The engine requirement of the locked version.
    pub engine: Option<String>,
    /// In plain words, why it blocks.
    pub reason: String,
    /// What would unblock it, when something would.
    pub fix: Option<String>,
}

/// The result of `plugres engine-check VERSION`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EngineCheckReport {
    pub engine_name: String,
    /// The project's engine version now.
    pub from: String,
    /// The engine version checked.
    pub to: String,
    /// Whether plugres.toml resolves on `to`.
    pub possible: bool,
    /// How plugres.lock would change on `to` (when possible).
    pub changes: Vec<Change>,
    pub blockers: Vec<Blocker>,
    /// The resolver's explanation (when not possible).
    pub explanation: Option<String>,
    pub hints: Vec<String>,
}

/// Checks the project at or above `start` against engine `to`.
pub fn engine_check(
    start: &std::path::Path,
    to: &semver::Version,
    opts: &Options,
) -> Result<EngineCheckReport, OpsError> {
    let (project, manifest) = load(start)?;
    let lock = project.load_lockfile()?;
    let registries = Registries::new(&manifest, opts).with_lock(lock.as_ref());
    let engine_name = registries.engine_name(&manifest)?;
    let mut report = EngineCheckReport {
        engine_name: engine_name.clone(),
        from: manifest.engine.version.to_string(),
        to: to.to_string(),
        possible: true,
        changes: Vec::new(),
        blockers: Vec::new(),
        explanation: None,
        hints: Vec::new(),
    };
    match plan(
        &registries,
        &manifest,
        lock.as_ref(),
        Prefer::Locked,
        Some(to),
        false,
    ) {
        Ok(plan) => {
            report.changes = changes(lock.as_ref(), &plan.lockfile);
            return Ok(report);
        }
        Err(OpsError::Resolve(ResolveError::NoSolution {
            explanation, hints, ..
        })) => {
            report.possible = false;
            report.explanation = Some(explanation);
            report.hints = hints
                .into_iter()
                .filter(|h| !h.contains("engine-check"))
                .collect();
        }
        Err(e) => return Err(e),
    }
    let check = Check {
        registries: &registries,
        manifest: &manifest,
        engine_name: &engine_name,
        to,
    };
    report.blockers = match &lock {
        Some(lock) => lock
            .plugins
            .iter()
            .filter(|p| !p.engine.matches(to))
            .map(|p| check.locked(p, lock))
            .collect::<Result<Vec<_>, _>>()?
            .into_iter()
            .flatten()
            .collect(),
        None => manifest
            .plugins
            .keys()
            .map(|n| check.unlocked(n.as_str()))
            .collect::<Result<Vec<_>, _>>()?
            .into_iter()
            .flatten()
            .collect(),
    };
    Ok(report)
}

struct Check<'a> {
    registries: &'a Registries<'a>,
    manifest: &'a Manifest,
    engine_name: &'a str,
    to: &'a semver::Version,
}

impl Check<'_> {
    /// The usable, non-yanked versions of `name` (from `registry`) running on `to`.
    /// A local plugin's one version is all there is (README "Local plugin
    /// development").
    fn running(&self, registry: &str, name: &str) -> Result<Vec<Candidate>, OpsError> {
        let local = plugres_schema::PluginName::new(name)
            .ok()
            .and_then(|n| Some((self.manifest.plugins.get(&n)?.path.as_ref()?, n)));
        if let Some((path, name)) = local {
            let target = self.manifest.engine.target.as_ref().map(|t| t.as_str());
            let c = super::local::read(Some(&name), path, target)?.candidate();
            return Ok(c.engine.matches(self.to).then_some(c).into_iter().collect());
        }
        let index = self.registries.index(registry)?;
        if let Ok(plugin) = plugres_schema::PluginName::new(name) {
            index.plugin(&plugin)?;
        }
        let target = self
            .manifest
            .engine
            .target
            .as_ref()
            .map(|t| t.as_str().to_string());
        let all = IndexCandidates::new(index, target)
            .candidates(name)
            .map_err(|e| OpsError::failed(e.to_string(), &[]))?;
        Ok(all
            .map(|a| {
                a.iter()
                    .filter(|c| c.usable && c.yanked.is_none() && c.engine.matches(self.to))
                    .cloned()
                    .collect()
            })
            .unwrap_or_default())
    }

    fn none_runs(&self, name: &str) -> String {
        format!(
            "no version of {name} runs on {} {}",
            self.engine_name, self.to
        )
    }

    /// Whether locked `p` blocks the move, and why.
    fn locked(&self, p: &LockedPlugin, lock: &Lockfile) -> Result<Option<Blocker>, OpsError> {
        let name = p.name.as_str();
        let running = self.running(&p.registry, name)?;
        let mut blocker = Blocker {
            name: name.to_string(),
            locked: Some(p.version.to_string()),
            engine: Some(p.engine.to_string()),
            reason: String::new(),
            fix: None,
        };
        let Some(best) = running.iter().map(|c| &c.version).max() else {
            blocker.reason = format!(
                "{name} {} needs {} {}, and {}",
                p.version,
                self.engine_name,
                p.engine,
                self.none_runs(name)
            );
            return Ok(Some(blocker));
        };
        let mut pins = Vec::new();
        let mut fixes = Vec::new();
        if let Some((_, spec)) = self
            .manifest
            .plugins
            .iter()
            .find(|(n, _)| n.as_str() == name)
            && spec.channel.is_none()
            && !running.iter().any(|c| spec.req.matches(&c.version))
        {
            pins.push(format!("plugres.toml requires {name} {}", spec.req));
            fixes.push(format!("plugres add {name}@^{best}"));
        }
        for other in &lock.plugins {
            if let Some((_, req)) = other.dependencies.iter().find(|(d, _)| d.as_str() == name)
                && !running.iter().any(|c| req.matches(&c.version))
            {
                pins.push(format!(
                    "{} {} requires {name} {req}",
                    other.name, other.version
                ));
                fixes.push(format!(
                    "a version of {} that accepts {name} {best}",
                    other.name
                ));
            }
        }
        if pins.is_empty() {
            return Ok(None);
        }
        blocker.reason = format!(
            "{name} {} needs {} {}; {name} {best} runs on {} {}, but {}",
            p.version,
            self.engine_name,
            p.engine,
            self.engine_name,
            self.to,
            pins.join(" and ")
        );
        blocker.fix = Some(fixes.join("; "));
        Ok(Some(blocker))
    }

    /// Whether plugres.toml's plugin `name` (nothing locked) blocks the move.
    fn unlocked(&self, name: &str) -> Result<Option<Blocker>, OpsError> {
        let Some((_, spec)) = self
            .manifest
            .plugins
            .iter()
            .find(|(n, _)| n.as_str() == name)
        else {
            return Ok(None);
        };
        let running = self.running(&spec.registry, name)?;
        let reason = if running.is_empty() {
            self.none_runs(name)
        } else if spec.channel.is_none() && !running.iter().any(|c| spec.req.matches(&c.version)) {
            format!(
                "no version of {name} matching plugres.toml's {} runs on {} {}",
                spec.req, self.engine_name, self.to
            )
        } else {
            return Ok(None);
        };
        Ok(Some(Blocker {
            name: name.to_string(),
            locked: None,
            engine: None,
            reason,
            fix: None,
        }))
    }
}
