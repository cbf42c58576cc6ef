//! [`Words`], our `pubgrub::ReportFormatter`: the phrase of every fact and
//! every derived step of the derivation.
//!
//! A derived step is an incompatibility: some terms that cannot all hold.
//! It is said as what it means, never as a list of negations: one version
//! range *depends on* (or *needs*) one of the things it lacks
//! (`thiserror ^2 depends on syn ^2.0.87 on rustc 1.70.0`: an engine range
//! the project's engine is outside of is no way out, so it is not offered
//! as one), or several ranges *cannot be used together*.

use pubgrub::{Derived, External, Map, ReportFormatter, Term, VersionSet};

use super::phrase::{Role, Unusable};
use super::{Ext, Knowledge};
use crate::resolve::SemverSet;
use crate::resolve::provider::Package;

type Der = Derived<Package, SemverSet, String>;
type Terms = Map<Package, Term<SemverSet>>;

/// Why no version of a plugin in some range can be chosen.
pub(super) enum Nothing {
    UnknownPlugin,
    NoMatch,
    AllYanked,
    NoArtifact,
    /// None attested, where the index's publish policy wants it.
    NotAttested,
    YankedOrNoArtifact,
}

pub(super) struct Words<'a, 'k> {
    pub(super) knowledge: &'a Knowledge<'k>,
    /// Say so when a dependency's range holds nothing usable (after
    /// collapsing, the step that said it is gone).
    pub(super) annotate_empty: bool,
    /// Let a fact's range take in versions it is also true of (see
    /// [`Knowledge::phrase_fact`]): for facts that stand alone.
    pub(super) widen: bool,
}

impl Words<'_, '_> {
    fn about(&self, package: &Package, set: &SemverSet) -> String {
        self.knowledge.phrase(package, set, Role::Versions)
    }

    /// The subject of a derived "`p sp` depends on `dep sd`": true of the
    /// versions of `sp` PubGrub looked at, and of any version whose own
    /// requirement on `dep` lies inside `sd`.
    fn derived(&self, p: &Package, sp: &SemverSet, dep: &Package, sd: &SemverSet) -> String {
        let Package::Plugin(name) = p else {
            return self.about(p, sp);
        };
        let holds = |c: &crate::resolve::Candidate| {
            let looked_at = !matches!(
                self.knowledge.unusable(name, c),
                Some(Unusable::Yanked | Unusable::NotAttested | Unusable::NoArtifact)
            );
            (sp.contains_version(&c.version) && looked_at)
                || self.knowledge.requires_within(c, dep, sd)
        };
        self.knowledge
            .phrase_fact(p, sp, Role::Versions, Some(&holds), self.widen)
    }

    /// The subject of "`p sp` depends on `dep sd`": versions outside `sp`
    /// whose own requirement on `dep` lies inside `sd` may join the range.
    fn depender(&self, p: &Package, sp: &SemverSet, dep: &Package, sd: &SemverSet) -> String {
        let holds = |c: &crate::resolve::Candidate| self.knowledge.requires_within(c, dep, sd);
        self.knowledge
            .phrase_fact(p, sp, Role::Versions, Some(&holds), self.widen)
    }

    fn required(&self, package: &Package, set: &SemverSet) -> String {
        self.knowledge.phrase(package, set, Role::Requirement)
    }

    pub(super) fn nothing_in(&self, name: &str, set: &SemverSet) -> Option<Nothing> {
        let Some(list) = self.knowledge.list(name) else {
            return Some(Nothing::UnknownPlugin);
        };
        let locked = self.knowledge.locked.get(name);
        let matching: Vec<_> = list
            .iter()
            .filter(|c| set.contains_version(&c.version))
            .collect();
        let yanked =
            |c: &&crate::resolve::Candidate| c.yanked.is_some() && locked != Some(&c.version);
        if matching.iter().any(|c| c.usable && !yanked(c)) {
            return None;
        }
        Some(if matching.is_empty() {
            Nothing::NoMatch
        } else if matching.iter().all(yanked) {
            Nothing::AllYanked
        } else if matching.iter().all(|c| c.unattested) {
            Nothing::NotAttested
        } else if matching.iter().all(|c| !c.usable) {
            Nothing::NoArtifact
        } else {
            Nothing::YankedOrNoArtifact
        })
    }

    fn no_versions(&self, name: &str, set: &SemverSet) -> String {
        let wanted = self.required(&Package::Plugin(name.to_owned()), set);
        match self.nothing_in(name, set) {
            Some(Nothing::UnknownPlugin) => {
                format!("there is no plugin named `{name}` in the index")
            }
            Some(Nothing::NoMatch) if set == &SemverSet::full() => {
                format!("{name} has no versions")
            }
            Some(Nothing::NoMatch) => format!("no version of {wanted} exists"),
            Some(Nothing::AllYanked) => format!("every version of {wanted} is yanked"),
            Some(Nothing::NoArtifact) => {
                format!("no version of {wanted} has an artifact for this project's target")
            }
            Some(Nothing::NotAttested) => format!(
                "no version of {wanted} is attested, as the index's publish policy requires"
            ),
            Some(Nothing::YankedOrNoArtifact) | None => format!(
                "every version of {wanted} is yanked or has no artifact for this project's target"
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
            Some(Nothing::NotAttested) => {
                " (no matching version is attested, as the index's publish policy requires)"
                    .to_owned()
            }
            Some(Nothing::YankedOrNoArtifact) => {
                " (every matching version is yanked or has no artifact for this project's target)"
                    .to_owned()
            }
        }
    }

    pub(super) fn dependency(
        &self,
        p: &Package,
        sp: &SemverSet,
        dep: &Package,
        sd: &SemverSet,
    ) -> String {
        match (p, dep) {
            (Package::Root, Package::Engine) => {
                format!("this project runs {}", self.knowledge.engine())
            }
            (Package::Root, _) => format!("the project requires {}", self.required(dep, sd)),
            (_, Package::Engine) => format!(
                "{} needs {}",
                self.depender(p, sp, dep, sd),
                self.required(dep, sd)
            ),
            _ => format!(
                "{} depends on {}",
                self.depender(p, sp, dep, sd),
                self.required(dep, sd)
            ),
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

    /// Two facts joined by `and`; two requirements of the project share
    /// their subject ("the project requires a ^1 and b ^2").
    fn both(&self, first: &Ext, second: &Ext) -> String {
        if let (
            External::FromDependencyOf(Package::Root, _, d1 @ Package::Plugin(_), s1),
            External::FromDependencyOf(Package::Root, _, d2 @ Package::Plugin(_), s2),
        ) = (first, second)
        {
            return format!(
                "the project requires {} and {}",
                self.required(d1, s1),
                self.required(d2, s2)
            );
        }
        format!(
            "{} and {}",
            self.format_external(first),
            self.format_external(second)
        )
    }
}

impl ReportFormatter<Package, SemverSet, String> for Words<'_, '_> {
    type Output = String;

    fn format_external(&self, external: &Ext) -> String {
        match external {
            External::NotRoot(..) => "the project is being resolved".to_owned(),
            External::NoVersions(Package::Plugin(name), set) => self.no_versions(name, set),
            External::NoVersions(Package::Engine, _) => {
                format!("this project runs {}", self.knowledge.engine())
            }
            External::NoVersions(Package::Root, _) => "the project cannot be resolved".to_owned(),
            External::FromDependencyOf(p, sp, dep, sd) => {
                self.dependency(p, sp, dep, sd) + &self.but_nothing(dep, sd)
            }
            External::Custom(p, set, why) => {
                format!("{} cannot be used: {why}", self.about(p, set))
            }
        }
    }

    fn format_terms(&self, terms: &Terms) -> String {
        let mut items: Vec<(&Package, &Term<SemverSet>)> = terms.iter().collect();
        items.sort_by(|a, b| a.0.cmp(b.0));
        let with_root = matches!(items.first(), Some((Package::Root, Term::Positive(_))));
        if with_root {
            items.remove(0);
        }
        let lacking: Vec<(&Package, &SemverSet)> = items
            .iter()
            .filter_map(|(p, t)| match t {
                Term::Negative(r) => Some((*p, r)),
                Term::Positive(_) => None,
            })
            .collect();
        let positive: Vec<String> = items
            .iter()
            .filter_map(|(p, t)| match (t, lacking.as_slice()) {
                (Term::Positive(r), [(dep, needed)]) => Some(self.derived(p, r, dep, needed)),
                (Term::Positive(r), _) => Some(self.about(p, r)),
                (Term::Negative(_), _) => None,
            })
            .collect();
        let mut negative: Vec<String> = Vec::new();
        let mut engine_term = None;
        for (p, t) in &items {
            match (p, t) {
                (Package::Engine, Term::Negative(r)) => engine_term = Some(r),
                (_, Term::Negative(r)) => negative.push(self.required(p, r)),
                (_, Term::Positive(_)) => {}
            }
        }
        let needs = negative.is_empty();
        // "not rustc >=1.71.0" always holds when the project's engine is
        // outside that range: say "on rustc 1.70.0" rather than offer it as
        // a way out.
        let mut suffix = String::new();
        match engine_term {
            Some(r) if !needs && !r.contains_version(self.knowledge.engine_version) => {
                suffix = format!(" on {}", self.knowledge.engine());
            }
            Some(r) => negative.push(self.required(&Package::Engine, r)),
            None => {}
        }
        match (with_root, positive.as_slice(), negative.as_slice()) {
            (true, [], []) => "the project's requirements cannot be met".to_owned(),
            (false, [], []) => "no resolution is possible".to_owned(),
            (true, [], wanted) => format!("the project requires {}", wanted.join(" or ")),
            (false, [], wanted) => format!("{} is required", wanted.join(" or ")),
            (_, [one], []) => format!("{one} cannot be used"),
            (_, used, []) => format!("{} cannot be used together", and_list(used)),
            (_, [one], wanted) => {
                let verb = if needs { "needs" } else { "depends on" };
                format!("{one} {verb} {}{suffix}", wanted.join(" or "))
            }
            (_, used, wanted) => format!(
                "{} used together need {}{suffix}",
                and_list(used),
                wanted.join(" or ")
            ),
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
        let z = self.format_terms(current_terms);
        if Self::rank(second) == 2 {
            let (a, b) = (self.format_external(first), self.format_external(second));
            format!("{a}, but {b}, so {z}.")
        } else {
            format!("Because {}, {z}.", self.both(first, second))
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
            "And because {}, {}.",
            self.both(prior_external, external),
            self.format_terms(current_terms)
        )
    }
}

/// `a`, `a and b`, `a, b and c`.
pub(super) fn and_list(items: &[String]) -> String {
    match items.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} and {last}", rest.join(", ")),
        _ => items.join(""),
    }
}
