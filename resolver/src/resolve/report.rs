//! Plain-words explanation of a failed resolution.
//!
//! PubGrub proves failure with a derivation tree; `DefaultStringReporter`
//! walks it and numbers shared steps, and [`Words`] (our `ReportFormatter`)
//! chooses every phrase: the engine by name and version, ranges simplified
//! against the versions that exist, and the reason nothing matched (unknown
//! plugin, all yanked, no artifact). Trees of more than one step are first
//! collapsed (`collapse_no_versions`), which drops "no versions of x in r"
//! steps; dependencies on ranges that hold nothing usable then say so
//! themselves. Hints are found separately from the requirements involved.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use pubgrub::{
    DefaultStringReporter, DerivationTree, Derived, External, Map, ReportFormatter, Reporter, Term,
    VersionSet,
};
use semver::{Version, VersionReq};

use super::provider::Package;
use super::{Candidate, SemverSet};

type Tree = DerivationTree<Package, SemverSet, String>;
type Ext = External<Package, SemverSet, String>;
type Der = Derived<Package, SemverSet, String>;
type Terms = Map<Package, Term<SemverSet>>;

/// What the report may consult besides the tree.
pub(crate) struct Knowledge<'k> {
    pub(crate) engine_name: &'k str,
    pub(crate) engine_version: &'k Version,
    pub(crate) allow_pre: bool,
    /// Candidate lists fetched during resolution; `None` = no such plugin.
    pub(crate) candidates: &'k HashMap<String, Option<Arc<Vec<Candidate>>>>,
    /// Every requirement the resolver looked at, as written.
    pub(crate) requirements: &'k [(String, VersionReq)],
    pub(crate) locked: &'k BTreeMap<String, Version>,
}

/// The explanation text and the hints for a failed resolution.
pub(crate) fn explain(mut tree: Tree, knowledge: &Knowledge<'_>) -> (String, Vec<String>) {
    let one_step = match &tree {
        DerivationTree::External(_) => true,
        DerivationTree::Derived(d) => {
            matches!(
                (&*d.cause1, &*d.cause2),
                (DerivationTree::External(_), DerivationTree::External(_))
            )
        }
    };
    if !one_step {
        tree.collapse_no_versions();
    }
    let words = Words {
        knowledge,
        annotate_empty: !one_step,
    };
    let text = DefaultStringReporter::report_with_formatter(&tree, &words);
    (text, hints(&tree, knowledge))
}

/// Why no version of a plugin in some range can be chosen.
enum Nothing {
    UnknownPlugin,
    NoMatch,
    AllYanked,
    NoArtifact,
    YankedOrNoArtifact,
}

struct Words<'a, 'k> {
    knowledge: &'a Knowledge<'k>,
    /// Say so when a dependency's range holds nothing usable (after
    /// collapsing, the step that said it is gone).
    annotate_empty: bool,
}

impl Words<'_, '_> {
    fn engine(&self) -> String {
        format!(
            "{} {}",
            self.knowledge.engine_name, self.knowledge.engine_version
        )
    }

    fn list(&self, name: &str) -> Option<&[Candidate]> {
        Some(self.knowledge.candidates.get(name)?.as_ref()?.as_slice())
    }

    /// A package and a range, like `hello-world ^2` or `demo-engine >=2.0.0`.
    /// A range that holds one existing version names it; otherwise the
    /// shorter of the range and its simplification against existing versions.
    fn phrase(&self, package: &Package, set: &SemverSet) -> String {
        let name = match package {
            Package::Root => return "the project".to_owned(),
            Package::Engine => self.knowledge.engine_name,
            Package::Plugin(name) => name,
        };
        let mut text = set.to_string();
        if let Package::Plugin(name) = package {
            let mut versions: Vec<Version> = self
                .list(name)
                .unwrap_or_default()
                .iter()
                .map(|c| c.version.clone())
                .collect();
            versions.sort();
            match versions
                .iter()
                .filter(|v| set.contains(v))
                .collect::<Vec<_>>()
                .as_slice()
            {
                [only] => text = only.to_string(),
                _ => {
                    let simple = set.simplify(&versions);
                    let simple = if simple == SemverSet::full() {
                        "*".to_owned()
                    } else {
                        simple.to_string()
                    };
                    if simple.len() < text.len() {
                        text = simple;
                    }
                }
            }
        }
        if text == "*" {
            name.to_owned()
        } else {
            format!("{name} {text}")
        }
    }

    /// A requirement as the project wrote it, without simplification.
    fn requirement(&self, package: &Package, set: &SemverSet) -> String {
        match set.to_string().as_str() {
            "*" => package.to_string(),
            text => format!("{package} {text}"),
        }
    }

    fn nothing_in(&self, name: &str, set: &SemverSet) -> Option<Nothing> {
        let Some(list) = self.list(name) else {
            return Some(Nothing::UnknownPlugin);
        };
        let locked = self.knowledge.locked.get(name);
        let matching: Vec<&Candidate> = list.iter().filter(|c| set.contains(&c.version)).collect();
        let yanked = |c: &&Candidate| c.yanked.is_some() && locked != Some(&c.version);
        if matching.iter().any(|c| c.usable && !yanked(c)) {
            return None;
        }
        Some(if matching.is_empty() {
            Nothing::NoMatch
        } else if matching.iter().all(yanked) {
            Nothing::AllYanked
        } else if matching.iter().all(|c| !c.usable) {
            Nothing::NoArtifact
        } else {
            Nothing::YankedOrNoArtifact
        })
    }

    fn no_versions(&self, name: &str, set: &SemverSet) -> String {
        match self.nothing_in(name, set) {
            Some(Nothing::UnknownPlugin) => {
                format!("there is no plugin named `{name}` in the index")
            }
            Some(Nothing::NoMatch) if set == &SemverSet::full() => {
                format!("{name} has no versions")
            }
            Some(Nothing::NoMatch) => format!("no version of {name} matches {set}"),
            Some(Nothing::AllYanked) => format!("every version of {name} matching {set} is yanked"),
            Some(Nothing::NoArtifact) => {
                format!(
                    "no version of {name} matching {set} has an artifact for this project's target"
                )
            }
            Some(Nothing::YankedOrNoArtifact) | None => format!(
                "every version of {name} matching {set} is yanked or has no artifact for this project's target"
            ),
        }
    }

    /// ` (…)` when a dependency's range holds nothing usable.
    fn but_nothing(&self, dep: &Package, set: &SemverSet) -> String {
        let Package::Plugin(name) = dep else {
            return String::new();
        };
        if !self.annotate_empty {
            return String::new();
        }
        match self.nothing_in(name, set) {
            None => String::new(),
            Some(Nothing::UnknownPlugin) => format!(" (the index has no plugin named `{name}`)"),
            Some(Nothing::NoMatch) => " (no such version exists)".to_owned(),
            Some(Nothing::AllYanked) => " (every matching version is yanked)".to_owned(),
            Some(Nothing::NoArtifact) => {
                " (no matching version has an artifact for this project's target)".to_owned()
            }
            Some(Nothing::YankedOrNoArtifact) => {
                " (every matching version is yanked or has no artifact for this project's target)"
                    .to_owned()
            }
        }
    }

    fn dependency(&self, p: &Package, sp: &SemverSet, dep: &Package, sd: &SemverSet) -> String {
        match (p, dep) {
            (Package::Root, Package::Engine) => format!("this project runs {}", self.engine()),
            (Package::Root, _) => format!("the project requires {}", self.requirement(dep, sd)),
            (_, Package::Engine) => {
                format!("{} needs {}", self.phrase(p, sp), self.phrase(dep, sd))
            }
            _ => format!("{} depends on {}", self.phrase(p, sp), self.phrase(dep, sd)),
        }
    }

    /// Order of two facts in one sentence: what the project asks, what the
    /// plugins ask, then what simply is (the engine, missing versions).
    fn rank(external: &Ext) -> u8 {
        match external {
            External::FromDependencyOf(Package::Root, _, Package::Plugin(_), _) => 0,
            External::FromDependencyOf(Package::Plugin(_), _, _, _) => 1,
            _ => 2,
        }
    }
}

impl ReportFormatter<Package, SemverSet, String> for Words<'_, '_> {
    type Output = String;

    fn format_external(&self, external: &Ext) -> String {
        match external {
            External::NotRoot(..) => "the project is being resolved".to_owned(),
            External::NoVersions(Package::Plugin(name), set) => self.no_versions(name, set),
            External::NoVersions(Package::Engine, _) => {
                format!("this project runs {}", self.engine())
            }
            External::NoVersions(Package::Root, _) => "the project cannot be resolved".to_owned(),
            External::FromDependencyOf(p, sp, dep, sd) => {
                self.dependency(p, sp, dep, sd) + &self.but_nothing(dep, sd)
            }
            External::Custom(p, set, why) => {
                format!("{} cannot be used: {why}", self.phrase(p, set))
            }
        }
    }

    fn format_terms(&self, terms: &Terms) -> String {
        let mut items: Vec<(&Package, &Term<SemverSet>)> = terms.iter().collect();
        items.sort_by(|a, b| a.0.cmp(b.0));
        let with_root =
            items.len() > 1 && matches!(items.first(), Some((Package::Root, Term::Positive(_))));
        if with_root {
            items.remove(0);
        }
        match items.as_slice() {
            [] => "no resolution is possible".to_owned(),
            [(Package::Root, Term::Positive(_))] => {
                "the project's requirements cannot be met".to_owned()
            }
            [(p, Term::Positive(r))] => format!("{} cannot be used", self.phrase(p, r)),
            [(p, Term::Negative(r))] if with_root => {
                format!("the project requires {}", self.phrase(p, r))
            }
            [(p, Term::Negative(r))] => format!("{} is required", self.phrase(p, r)),
            [(p1, Term::Positive(r1)), (p2, Term::Negative(r2))]
            | [(p2, Term::Negative(r2)), (p1, Term::Positive(r1))] => {
                self.dependency(p1, r1, p2, r2)
            }
            _ => {
                let parts: Vec<String> = items
                    .iter()
                    .map(|(p, t)| match t {
                        Term::Positive(r) => self.phrase(p, r),
                        Term::Negative(r) => format!("not {}", self.phrase(p, r)),
                    })
                    .collect();
                match parts.split_last() {
                    Some((last, rest)) if !rest.is_empty() => {
                        format!("{} and {last} cannot be used together", rest.join(", "))
                    }
                    _ => format!("{} cannot be used together", parts.join(", ")),
                }
            }
        }
    }

    fn explain_both_external(
        &self,
        external1: &Ext,
        external2: &Ext,
        current_terms: &Terms,
    ) -> String {
        let (first, second) = if Self::rank(external2) < Self::rank(external1) {
            (external2, external1)
        } else {
            (external1, external2)
        };
        let (a, b, z) = (
            self.format_external(first),
            self.format_external(second),
            self.format_terms(current_terms),
        );
        if Self::rank(second) == 2 {
            format!("{a}, but {b}, so {z}.")
        } else {
            format!("Because {a} and {b}, {z}.")
        }
    }

    fn explain_both_ref(
        &self,
        ref_id1: usize,
        derived1: &Der,
        ref_id2: usize,
        derived2: &Der,
        current_terms: &Terms,
    ) -> String {
        format!(
            "Because {} ({ref_id1}) and {} ({ref_id2}), {}.",
            self.format_terms(&derived1.terms),
            self.format_terms(&derived2.terms),
            self.format_terms(current_terms)
        )
    }

    fn explain_ref_and_external(
        &self,
        ref_id: usize,
        derived: &Der,
        external: &Ext,
        current_terms: &Terms,
    ) -> String {
        format!(
            "Because {} ({ref_id}) and {}, {}.",
            self.format_terms(&derived.terms),
            self.format_external(external),
            self.format_terms(current_terms)
        )
    }

    fn and_explain_external(&self, external: &Ext, current_terms: &Terms) -> String {
        format!(
            "And because {}, {}.",
            self.format_external(external),
            self.format_terms(current_terms)
        )
    }

    fn and_explain_ref(&self, ref_id: usize, derived: &Der, current_terms: &Terms) -> String {
        format!(
            "And because {} ({ref_id}), {}.",
            self.format_terms(&derived.terms),
            self.format_terms(current_terms)
        )
    }

    fn and_explain_prior_and_external(
        &self,
        prior_external: &Ext,
        external: &Ext,
        current_terms: &Terms,
    ) -> String {
        format!(
            "And because {} and {}, {}.",
            self.format_external(prior_external),
            self.format_external(external),
            self.format_terms(current_terms)
        )
    }
}

/// One-line suggestions: `engine-check` when the engine is involved, `--pre`
/// when a requirement missed only prereleases, and yanked or target-less
/// versions that would have matched.
fn hints(tree: &Tree, knowledge: &Knowledge<'_>) -> Vec<String> {
    let packages = tree.packages();
    let mut hints = Vec::new();
    if packages.contains(&Package::Engine) {
        hints.push(format!(
            "this project runs {} {}; to see what would resolve on another engine version, run `plugres engine-check <VERSION>`",
            knowledge.engine_name, knowledge.engine_version
        ));
    }
    for (name, req) in knowledge.requirements {
        if !packages.contains(&Package::Plugin(name.clone())) {
            continue;
        }
        let Some(Some(list)) = knowledge.candidates.get(name) else {
            continue;
        };
        let set = if knowledge.allow_pre {
            SemverSet::from_req_allow_pre(req)
        } else {
            SemverSet::from_req(req)
        };
        let locked = knowledge.locked.get(name);
        let fine = |c: &Candidate| c.usable && (c.yanked.is_none() || locked == Some(&c.version));
        if list.iter().any(|c| fine(c) && set.contains(&c.version)) {
            continue;
        }
        let best = |keep: &dyn Fn(&Candidate) -> bool| {
            list.iter()
                .filter(|c| keep(c))
                .max_by(|a, b| a.version.cmp(&b.version))
        };
        let loose = SemverSet::from_req_allow_pre(req);
        if let Some(c) = best(&|c| !knowledge.allow_pre && fine(c) && loose.contains(&c.version)) {
            hints.push(format!(
                "`{name} {}` is a prerelease matching `{req}`; pass `--pre` to allow prereleases",
                c.version
            ));
        }
        if let Some(c) = best(&|c| c.usable && c.yanked.is_some() && set.contains(&c.version)) {
            let why = match &c.yanked {
                Some(Some(reason)) => format!(": {reason}"),
                _ => String::new(),
            };
            hints.push(format!(
                "`{name} {}` matches `{req}` but is yanked{why}",
                c.version
            ));
        }
        if let Some(c) = best(&|c| !c.usable && set.contains(&c.version)) {
            hints.push(format!(
                "`{name} {}` matches `{req}` but has no artifact for this project's target",
                c.version
            ));
        }
    }
    let mut seen = std::collections::HashSet::new();
    hints.retain(|h| seen.insert(h.clone()));
    hints
}
