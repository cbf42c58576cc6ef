//! One-line suggestions printed after an explanation, like uv's `hint:`
//! lines: what to try, and versions that would have matched but cannot be
//! chosen (a prerelease without `--pre`, a yanked version, one with no
//! artifact, one that needs another engine).

use pubgrub::{DerivationTree, External};

use super::{Knowledge, Tree};
use crate::resolve::provider::Package;
use crate::resolve::{Candidate, SemverSet};

/// One-line suggestions: `engine-check` when the engine is involved, the
/// newest version that runs on the engine when no version a requirement of
/// the project matches does, `--pre` when a requirement missed only prereleases, and
/// yanked or target-less versions that would have matched.
pub(super) fn hints(tree: &Tree, knowledge: &Knowledge<'_>) -> Vec<String> {
    let packages = tree.packages();
    let mut roots = Vec::new();
    required_by_the_project(tree, &mut roots);
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
        let matching: Vec<&Candidate> = list
            .iter()
            .filter(|c| fine(c) && set.contains_version(&c.version))
            .collect();
        if !matching.is_empty() {
            let own = roots.contains(&Package::Plugin(name.clone()));
            if own && matching.iter().all(|c| !knowledge.runs_on_engine(c)) {
                hints.push(engine_hint(knowledge, name, req, list));
            }
            continue;
        }
        let best = |keep: &dyn Fn(&Candidate) -> bool| {
            list.iter()
                .filter(|c| keep(c))
                .max_by(|a, b| a.version.cmp(&b.version))
        };
        let loose = SemverSet::from_req_allow_pre(req);
        if let Some(c) =
            best(&|c| !knowledge.allow_pre && fine(c) && loose.contains_version(&c.version))
        {
            hints.push(format!(
                "`{name} {}` is a prerelease matching `{req}`; pass `--pre` to allow prereleases",
                c.version
            ));
        }
        if let Some(c) =
            best(&|c| c.usable && c.yanked.is_some() && set.contains_version(&c.version))
        {
            let why = match &c.yanked {
                Some(Some(reason)) => format!(": {reason}"),
                _ => String::new(),
            };
            hints.push(format!(
                "`{name} {}` matches `{req}` but is yanked{why}",
                c.version
            ));
        }
        if let Some(c) = best(&|c| c.unattested && set.contains_version(&c.version)) {
            hints.push(format!(
                "`{name} {}` matches `{req}` but is not attested, which the index's publish policy requires (README \"Trusted publishing\")",
                c.version
            ));
        }
        if let Some(c) = best(&|c| !c.usable && !c.unattested && set.contains_version(&c.version)) {
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

/// `no version of syn ^3 runs on rustc 1.65.0; the newest syn that does is 2.0.106`.
fn engine_hint(
    knowledge: &Knowledge<'_>,
    name: &str,
    req: &semver::VersionReq,
    list: &[Candidate],
) -> String {
    let newest = list
        .iter()
        .filter(|c| knowledge.unusable(name, c).is_none())
        .filter(|c| knowledge.allow_pre || c.version.pre.is_empty())
        .map(|c| &c.version)
        .max();
    let engine = knowledge.engine();
    match newest {
        Some(v) => format!(
            "no version of `{name} {req}` runs on {engine}; the newest {name} that does is {v}"
        ),
        None => format!("no version of {name} runs on {engine}"),
    }
}

/// The plugins the project itself requires in `tree`.
fn required_by_the_project(tree: &Tree, out: &mut Vec<Package>) {
    match tree {
        DerivationTree::External(External::FromDependencyOf(Package::Root, _, p, _)) => {
            out.push(p.clone());
        }
        DerivationTree::External(_) => {}
        DerivationTree::Derived(d) => {
            required_by_the_project(&d.cause1, out);
            required_by_the_project(&d.cause2, out);
        }
    }
}
