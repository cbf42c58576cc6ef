//! A long derivation told in a few lines: what the project asks, the facts
//! the proof rests on, and what they add up to.
//!
//! PubGrub often proves a conflict one version at a time (thiserror 2.0.0
//! needs thiserror-impl 2.0.0, which needs syn ^2.0.87; then 2.0.1; …). The
//! facts at the leaves of such a proof say the same thing for many versions,
//! so they are merged: facts with the same dependency and requirement become
//! one sentence over the union of their versions, and versions that each
//! depend on the same version of another plugin (a crate and its `-impl`
//! crate) become one sentence too. Then come the conclusions the proof drew
//! just below the project's own requirements, said plainly.

use std::collections::HashMap;

use pubgrub::{DerivationTree, External, Term, VersionSet};

use super::phrase::Role;
use super::words::{Words, and_list};
use super::{Ext, Knowledge, Tree};
use crate::resolve::SemverSet;
use crate::resolve::provider::Package;

/// One dependency fact, merged over the versions it holds for.
struct Fact {
    package: Package,
    versions: SemverSet,
    dependency: Package,
    /// `None`: each version depends on the same version of `dependency`.
    requirement: Option<SemverSet>,
}

/// The summary of `tree`, or `None` when it has no facts to merge.
pub(super) fn summary(tree: &Tree, knowledge: &Knowledge<'_>) -> Option<String> {
    let words = Words {
        knowledge,
        annotate_empty: true,
        widen: true,
    };
    let mut leaves = Vec::new();
    collect(tree, &mut leaves);
    let mut roots: Vec<(&Package, &SemverSet)> = Vec::new();
    let mut engine = false;
    let mut facts: Vec<Fact> = Vec::new();
    let mut others: Vec<String> = Vec::new();
    for leaf in leaves {
        match leaf {
            External::FromDependencyOf(Package::Root, _, Package::Engine, _)
            | External::NoVersions(Package::Engine, _) => engine = true,
            External::FromDependencyOf(Package::Root, _, d, sd) => {
                if !roots.contains(&(d, sd)) {
                    roots.push((d, sd));
                }
            }
            External::FromDependencyOf(p, sp, d, sd) => {
                engine |= *d == Package::Engine;
                merge(&mut facts, knowledge, p, sp, d, sd);
            }
            External::NotRoot(..) => {}
            other => {
                let text = pubgrub::ReportFormatter::format_external(&words, other);
                if !others.contains(&text) {
                    others.push(text);
                }
            }
        }
    }
    if facts.is_empty() {
        return None;
    }
    order(&mut facts, &roots);
    let mut lines = vec![opening(&words, &roots, engine)];
    lines.extend(facts.iter().map(|f| sentence_case(&sentence(&words, f))));
    lines.extend(others.iter().map(|o| format!("{}.", sentence_case(o))));
    let mut conclusions = Vec::new();
    conclude(tree, &words, &roots, &mut conclusions);
    if !conclusions.is_empty() {
        lines.push(format!("So {}.", and_list(&conclusions)));
    }
    Some(lines.join("\n"))
}

/// The facts at the leaves of `tree`, each once.
fn collect<'t>(tree: &'t Tree, out: &mut Vec<&'t Ext>) {
    match tree {
        DerivationTree::External(e) => {
            let seen = out.iter().any(|o| same_external(o, e));
            if !seen {
                out.push(e);
            }
        }
        DerivationTree::Derived(d) => {
            collect(&d.cause1, out);
            collect(&d.cause2, out);
        }
    }
}

fn same_external(a: &Ext, b: &Ext) -> bool {
    match (a, b) {
        (External::FromDependencyOf(p, sp, d, sd), External::FromDependencyOf(q, sq, e, se)) => {
            (p, sp, d, sd) == (q, sq, e, se)
        }
        (External::NoVersions(p, s), External::NoVersions(q, t)) => (p, s) == (q, t),
        (External::Custom(p, s, m), External::Custom(q, t, n)) => (p, s, m) == (q, t, n),
        (External::NotRoot(p, v), External::NotRoot(q, w)) => (p, v) == (q, w),
        _ => false,
    }
}

/// Adds `p sp depends on d sd` to `facts`, joining a fact it extends.
fn merge(
    facts: &mut Vec<Fact>,
    knowledge: &Knowledge<'_>,
    p: &Package,
    sp: &SemverSet,
    d: &Package,
    sd: &SemverSet,
) {
    let requirement = if same_version(knowledge, p, sp, d, sd) {
        None
    } else {
        Some(sd.clone())
    };
    // Engine requirements the project's engine is outside of are one fact:
    // "needs rustc >=1.71.0 or >=1.77.0" is "needs rustc >=1.71.0".
    let too_new = |r: &Option<SemverSet>| {
        *d == Package::Engine
            && r.as_ref()
                .is_some_and(|r| !r.contains_version(knowledge.engine_version))
    };
    let existing = facts.iter_mut().find(|f| {
        &f.package == p
            && &f.dependency == d
            && (f.requirement == requirement || (too_new(&f.requirement) && too_new(&requirement)))
    });
    match existing {
        Some(fact) => {
            fact.versions = fact.versions.union(sp);
            if let (Some(mine), Some(theirs)) = (&mut fact.requirement, &requirement) {
                *mine = mine.union(theirs);
            }
        }
        None => facts.push(Fact {
            package: p.clone(),
            versions: sp.clone(),
            dependency: d.clone(),
            requirement,
        }),
    }
}

/// Whether `sp` holds one version of `p` and `sd` one of `d`, the same.
fn same_version(
    knowledge: &Knowledge<'_>,
    p: &Package,
    sp: &SemverSet,
    d: &Package,
    sd: &SemverSet,
) -> bool {
    let only = |package: &Package, set: &SemverSet| {
        let Package::Plugin(name) = package else {
            return None;
        };
        let mut inside = knowledge
            .list(name)?
            .iter()
            .filter(|c| set.contains_version(&c.version));
        match (inside.next(), inside.next()) {
            (Some(one), None) => Some(one.version.clone()),
            _ => None,
        }
    };
    matches!((only(p, sp), only(d, sd)), (Some(a), Some(b)) if a == b)
}

/// Facts in the order a reader follows the graph: from the project's
/// requirements outwards (breadth first), the engine's facts last.
fn order(facts: &mut [Fact], roots: &[(&Package, &SemverSet)]) {
    let mut depth: HashMap<Package, usize> = roots.iter().map(|(p, _)| ((*p).clone(), 0)).collect();
    loop {
        let mut changed = false;
        for fact in facts.iter() {
            let Some(&at) = depth.get(&fact.package) else {
                continue;
            };
            let known = depth.get(&fact.dependency).copied();
            if known.is_none_or(|d| d > at + 1) {
                depth.insert(fact.dependency.clone(), at + 1);
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    facts.sort_by_key(|f| {
        (
            f.dependency == Package::Engine,
            depth.get(&f.package).copied().unwrap_or(usize::MAX),
        )
    });
}

/// `The project requires syn <2.0.87 and thiserror ^2, and runs rustc 1.70.0.`
fn opening(words: &Words<'_, '_>, roots: &[(&Package, &SemverSet)], engine: bool) -> String {
    let knowledge = words.knowledge;
    let wanted: Vec<String> = roots
        .iter()
        .map(|(p, s)| knowledge.phrase(p, s, Role::Requirement))
        .collect();
    match (wanted.is_empty(), engine) {
        (true, _) => format!("This project runs {}.", knowledge.engine()),
        (false, false) => format!("The project requires {}.", and_list(&wanted)),
        (false, true) => format!(
            "The project requires {}, and runs {}.",
            and_list(&wanted),
            knowledge.engine()
        ),
    }
}

fn sentence(words: &Words<'_, '_>, fact: &Fact) -> String {
    let knowledge = words.knowledge;
    let text = match &fact.requirement {
        Some(req) => words.dependency(&fact.package, &fact.versions, &fact.dependency, req),
        None => {
            let holds = |c: &crate::resolve::Candidate| {
                let exact = semver::VersionReq::parse(&format!("={}", c.version));
                exact.is_ok_and(|req| {
                    knowledge.requires_within(c, &fact.dependency, &knowledge.set_of(&req))
                })
            };
            format!(
                "{} depends on {} of the same version",
                knowledge.phrase_fact(
                    &fact.package,
                    &fact.versions,
                    Role::Versions,
                    Some(&holds),
                    true
                ),
                fact.dependency
            )
        }
    };
    format!("{text}.")
}

/// What the proof concluded just below the project's requirements: the
/// first derived steps that do not mention the project.
fn conclude(
    tree: &Tree,
    words: &Words<'_, '_>,
    roots: &[(&Package, &SemverSet)],
    out: &mut Vec<String>,
) {
    let DerivationTree::Derived(derived) = tree else {
        return;
    };
    let about_project = derived.terms.is_empty()
        || matches!(derived.terms.get(&Package::Root), Some(Term::Positive(_)));
    if about_project {
        conclude(&derived.cause1, words, roots, out);
        conclude(&derived.cause2, words, roots, out);
        return;
    }
    let mut text = pubgrub::ReportFormatter::format_terms(words, &derived.terms);
    if let Some(clash) = clash(&derived.terms, words, roots) {
        text.push_str(&clash);
    }
    if !out.contains(&text) {
        out.push(text);
    }
}

/// `, but the project requires syn <2.0.87` when a conclusion needs a range
/// of a plugin the project requires a disjoint range of.
fn clash(
    terms: &pubgrub::Map<Package, Term<SemverSet>>,
    words: &Words<'_, '_>,
    roots: &[(&Package, &SemverSet)],
) -> Option<String> {
    terms.iter().find_map(|(p, t)| {
        let Term::Negative(needed) = t else {
            return None;
        };
        let (_, wanted) = roots.iter().find(|(r, _)| *r == p)?;
        needed.is_disjoint(wanted).then(|| {
            format!(
                ", but the project requires {}",
                words.knowledge.phrase(p, wanted, Role::Requirement)
            )
        })
    })
}

/// A capital letter where the sentence starts with a word, not a plugin
/// name (names are printed as they are).
fn sentence_case(text: &str) -> String {
    let words = ["every ", "no ", "the ", "this ", "there "];
    match words.iter().any(|w| text.starts_with(w)) {
        true => capitalise(text),
        false => text.to_owned(),
    }
}

fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}
