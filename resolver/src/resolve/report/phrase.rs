//! Naming a package and a set of its versions in a sentence.
//!
//! Two roles: a set the sentence says something *about* ("dashmap 5.4.0
//! depends on …") and a set something *requires* ("… depends on scrypt
//! ^0.11.0"). A requirement is printed as written whenever a requirement
//! the resolver saw has exactly that set, so one that matches a single
//! version never reads like a pin. Otherwise a range is simplified against
//! the versions that could be chosen (usable, not yanked, run on the engine);
//! when the shorter range then also covers a version the sentence is not
//! about, that version is named with the reason it could not be chosen.

use pubgrub::VersionSet;
use semver::Version;

use super::Knowledge;
use crate::resolve::provider::Package;
use crate::resolve::{Candidate, SemverSet};

/// What a set stands for in a sentence.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Role {
    /// The versions a sentence is about: one version prints bare.
    Versions,
    /// What something requires: as written when it is a known requirement.
    Requirement,
}

/// Why a version that exists cannot be chosen.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Unusable {
    Yanked,
    NotAttested,
    NoArtifact,
    Engine,
}

impl Knowledge<'_> {
    /// The sorted candidate list of plugin `name`, if the index has it.
    pub(super) fn list(&self, name: &str) -> Option<&[Candidate]> {
        Some(self.candidates.get(name)?.as_ref()?.as_slice())
    }

    /// The set a requirement stands for, under this request's `--pre`.
    pub(super) fn set_of(&self, req: &semver::VersionReq) -> SemverSet {
        if self.allow_pre {
            SemverSet::from_req_allow_pre(req)
        } else {
            SemverSet::from_req(req)
        }
    }

    /// Whether the engine version meets `c`'s engine requirement.
    pub(super) fn runs_on_engine(&self, c: &Candidate) -> bool {
        self.set_of(&c.engine).contains_version(self.engine_version)
    }

    /// Why `c` cannot be chosen, or `None` when it can.
    pub(super) fn unusable(&self, name: &str, c: &Candidate) -> Option<Unusable> {
        let locked = self.locked.get(name) == Some(&c.version);
        if c.yanked.is_some() && !locked {
            Some(Unusable::Yanked)
        } else if c.unattested {
            Some(Unusable::NotAttested)
        } else if !c.usable {
            Some(Unusable::NoArtifact)
        } else if !self.runs_on_engine(c) {
            Some(Unusable::Engine)
        } else {
            None
        }
    }

    /// `rustc 1.70.0`.
    pub(super) fn engine(&self) -> String {
        format!("{} {}", self.engine_name, self.engine_version)
    }

    /// A package and a set, like `hello-world ^2` or `demo-engine >=2.0.0`.
    pub(super) fn phrase(&self, package: &Package, set: &SemverSet, role: Role) -> String {
        self.phrase_fact(package, set, role, None, false)
    }

    /// [`Knowledge::phrase`] for the subject of a fact: `holds` says whether
    /// the fact is true of a version; usable versions it is false of stay
    /// out of the range, unusable ones may come in and are then named. With
    /// `widen`, a simpler range may also take in versions outside `set` that
    /// the fact is true of (a fact standing alone); without, only those
    /// PubGrub never looked at (a step of the derivation must not read as if
    /// it covered its neighbour's versions).
    pub(super) fn phrase_fact(
        &self,
        package: &Package,
        set: &SemverSet,
        role: Role,
        holds: Option<&dyn Fn(&Candidate) -> bool>,
        widen: bool,
    ) -> String {
        let (name, text) = match package {
            Package::Root => return "the project".to_owned(),
            Package::Engine => (self.engine_name, set.to_string()),
            Package::Plugin(name) => match role {
                Role::Requirement => (name.as_str(), self.requirement_range(name, set)),
                Role::Versions => (name.as_str(), self.versions_range(name, set, holds, widen)),
            },
        };
        match (text.strip_prefix('*'), role) {
            (Some(rest), Role::Versions) => format!("every version of {name}{rest}"),
            (Some(rest), Role::Requirement) => format!("{name}{rest}"),
            (None, _) => format!("{name} {text}"),
        }
    }

    /// Whether candidate `c`'s own requirement on `dep` lies inside `set`.
    pub(super) fn requires_within(&self, c: &Candidate, dep: &Package, set: &SemverSet) -> bool {
        match dep {
            Package::Engine => self.set_of(&c.engine).subset_of(set),
            Package::Plugin(name) => {
                let mut reqs = c.dependencies.iter().filter(|(d, _)| d.as_str() == name);
                let first = reqs.next();
                let all = reqs.fold(first.map(|(_, r)| self.set_of(r)), |acc, (_, r)| {
                    acc.map(|a| a.intersection(&self.set_of(r)))
                });
                all.is_some_and(|s| s.subset_of(set))
            }
            Package::Root => false,
        }
    }

    /// A requirement written for `name` whose set is exactly `set`.
    fn written(&self, name: &str, set: &SemverSet) -> Option<String> {
        self.requirements
            .iter()
            .filter(|(n, _)| n == name)
            .find(|(_, req)| &self.set_of(req) == set)
            .map(|(_, req)| req.to_string())
    }

    /// What is required: as written, else the shorter of the range and its
    /// simplification against the versions that could be chosen (a wider
    /// requirement stays true, so nothing needs naming).
    fn requirement_range(&self, name: &str, set: &SemverSet) -> String {
        if let Some(text) = self.written(name, set) {
            return text;
        }
        let list = self.list(name).unwrap_or_default();
        let mut usable: Vec<Version> = list
            .iter()
            .filter(|c| self.unusable(name, c).is_none())
            .map(|c| c.version.clone())
            .collect();
        if usable.is_empty() {
            usable = list.iter().map(|c| c.version.clone()).collect();
        }
        usable.sort();
        shortest(vec![set.to_string(), range_text(&set.simplify(&usable))])
    }

    /// The versions a sentence is about: one version bare; else the
    /// shortest of the range as it is and a simpler one, each followed by the
    /// versions it covers that the sentence is not true of ("except yanked
    /// 5.5.1"). The simpler range keeps out every usable version the sentence
    /// is not true of; unusable ones may fall inside it, and are then named.
    ///
    /// `holds` tells whether the sentence is true of a version; without it,
    /// the sentence is taken as true of the set's versions, except those
    /// PubGrub never looked at (yanked, no artifact), which a derived range
    /// may cover without saying anything about them.
    fn versions_range(
        &self,
        name: &str,
        set: &SemverSet,
        holds: Option<&dyn Fn(&Candidate) -> bool>,
        widen: bool,
    ) -> String {
        let list = self.list(name).unwrap_or_default();
        let mut inside = list.iter().filter(|c| set.contains_version(&c.version));
        if let (Some(only), None) = (inside.next(), inside.next()) {
            return only.version.to_string();
        }
        let never_looked_at = |c: &Candidate| {
            matches!(
                self.unusable(name, c),
                Some(Unusable::Yanked | Unusable::NotAttested | Unusable::NoArtifact)
            )
        };
        let true_of = |c: &Candidate| match holds {
            Some(holds) => holds(c),
            None => set.contains_version(&c.version) && !never_looked_at(c),
        };
        // Two simplifications: one that lets unusable versions the sentence
        // is false of fall inside (then named), one that keeps them out.
        let keep = |named_ok: bool| {
            let mut versions: Vec<Version> = list
                .iter()
                .filter(|c| match set.contains_version(&c.version) {
                    true => true_of(c),
                    false if !true_of(c) => !named_ok || self.unusable(name, c).is_none(),
                    false if widen => false,
                    false => !never_looked_at(c),
                })
                .map(|c| c.version.clone())
                .collect();
            versions.sort();
            versions
        };
        let spell = |shown: &SemverSet| {
            let wrong: Vec<&Candidate> = list
                .iter()
                .filter(|c| shown.contains_version(&c.version) && !true_of(c))
                .collect();
            match wrong.is_empty() {
                true => range_text(shown),
                false => format!("{} ({})", range_text(shown), self.except(name, &wrong)),
            }
        };
        shortest(vec![
            spell(set),
            spell(&set.simplify(&keep(false))),
            spell(&set.simplify(&keep(true))),
        ])
    }

    /// `except yanked 5.5.1; 2.0.19, which does not run on rustc 1.70.0`.
    fn except(&self, name: &str, wrong: &[&Candidate]) -> String {
        let mut parts = Vec::new();
        let reasons = [
            Some(Unusable::Yanked),
            Some(Unusable::NotAttested),
            Some(Unusable::NoArtifact),
            Some(Unusable::Engine),
            None,
        ];
        for reason in reasons {
            let mut versions: Vec<&Version> = wrong
                .iter()
                .filter(|c| self.unusable(name, c) == reason)
                .map(|c| &c.version)
                .collect();
            versions.sort();
            if versions.is_empty() {
                continue;
            }
            let one = versions.len() == 1;
            let list = version_list(&versions);
            parts.push(match reason {
                None => list,
                Some(Unusable::Yanked) => format!("yanked {list}"),
                Some(Unusable::NotAttested) => format!(
                    "{list}, which {} not attested as the index's publish policy requires",
                    if one { "is" } else { "are" }
                ),
                Some(Unusable::NoArtifact) => format!(
                    "{list}, which {} no artifact for this project's target",
                    if one { "has" } else { "have" }
                ),
                Some(Unusable::Engine) => format!(
                    "{list}, which {} not run on {}",
                    if one { "does" } else { "do" },
                    self.engine()
                ),
            });
        }
        format!("except {}", parts.join("; "))
    }
}

/// The spelling with the fewest pieces (`… or …`), then the shortest (the
/// first on a tie): one range with a named exception reads better than
/// a range split around it.
fn shortest(texts: Vec<String>) -> String {
    let weight = |t: &String| (t.matches(" or ").count(), t.len());
    texts
        .into_iter()
        .reduce(|a, b| if weight(&b) < weight(&a) { b } else { a })
        .unwrap_or_default()
}

fn range_text(set: &SemverSet) -> String {
    if set == &SemverSet::full() {
        "*".to_owned()
    } else {
        set.to_string()
    }
}

/// `1.0.0, 1.1.0 and 1.2.0`; past four, the first three and a count.
pub(super) fn version_list(versions: &[&Version]) -> String {
    let texts: Vec<String> = versions.iter().map(|v| v.to_string()).collect();
    match texts.as_slice() {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] if texts.len() <= 4 => format!("{} and {last}", rest.join(", ")),
        _ => format!("{} and {} more", texts[..3].join(", "), texts.len() - 3),
    }
}
