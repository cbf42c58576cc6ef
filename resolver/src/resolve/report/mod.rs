//! Plain-words explanation of a failed resolution.
//!
//! PubGrub proves failure with a derivation tree. Two texts come out of it:
//!
//! * the **derivation** (`--verbose`): every step, numbered where shared,
//!   walked by `DefaultStringReporter` with [`words::Words`] (our
//!   `ReportFormatter`) choosing each phrase. Trees of more than one step
//!   are first collapsed (`collapse_no_versions`), which drops "no versions
//!   of x in r" steps; a dependency on a range that holds nothing usable
//!   then says so itself;
//! * the **explanation**: the derivation itself when it is short, else a
//!   summary ([`summary`]) of the facts at its leaves, merged across versions
//!   ("thiserror >=2.0.0 depends on thiserror-impl of the same
//!   version" instead of one step per patch release), and its conclusion.
//!
//! Phrases ([`phrase`]) print requirements as written and simplify ranges
//! against the versions that could be chosen, naming any yanked or
//! engine-incompatible version a shorter range would wrongly cover. Hints
//! ([`hints`]) are found from the requirements involved.

mod hints;
mod phrase;
mod summary;
mod words;

use std::collections::BTreeMap;
use std::sync::Arc;

use pubgrub::{DefaultStringReporter, DerivationTree, External, Reporter};
use rustc_hash::FxHashMap;
use semver::{Version, VersionReq};

use super::Candidate;
use super::SemverSet;
use super::provider::Package;

type Tree = DerivationTree<Package, SemverSet, String>;
type Ext = External<Package, SemverSet, String>;

/// What the report may consult besides the tree.
pub(crate) struct Knowledge<'k> {
    pub(crate) engine_name: &'k str,
    pub(crate) engine_version: &'k Version,
    pub(crate) allow_pre: bool,
    /// Candidate lists fetched during resolution; `None` = no such plugin.
    pub(crate) candidates: &'k FxHashMap<String, Option<Arc<Vec<Candidate>>>>,
    /// Every requirement the resolver looked at, as written.
    pub(crate) requirements: &'k [(String, VersionReq)],
    pub(crate) locked: &'k BTreeMap<String, Version>,
}

/// The words of a failed resolution.
pub(crate) struct Report {
    /// What to print: short, plain sentences.
    pub(crate) explanation: String,
    /// Every step of the proof (the same text when it is short).
    pub(crate) derivation: String,
    pub(crate) hints: Vec<String>,
}

/// The hint after a summarised explanation (the CLI drops it under
/// `--verbose`, which prints the derivation).
pub const VERBOSE_HINT: &str =
    "run the command again with `--verbose` to see every step of the derivation";

/// A derivation longer than this many lines is summarised.
const MAX_STEP_LINES: usize = 6;

/// The explanation, derivation and hints for a failed resolution.
pub(crate) fn explain(tree: Tree, knowledge: &Knowledge<'_>) -> Report {
    let one_step = is_one_step(&tree);
    let mut tree = tree;
    if !one_step {
        tree.collapse_no_versions();
    }
    let derivation = steps(&tree, knowledge, !one_step);
    let mut hints = hints::hints(&tree, knowledge);
    let summary = summary::summary(&tree, knowledge)
        .filter(|s| s.lines().count() < derivation.lines().count());
    let explanation = match summary {
        Some(summary) if derivation.lines().count() > MAX_STEP_LINES => {
            hints.push(VERBOSE_HINT.to_owned());
            summary
        }
        _ => derivation.clone(),
    };
    Report {
        explanation,
        derivation,
        hints,
    }
}

/// The step-by-step text of `tree`.
fn steps(tree: &Tree, knowledge: &Knowledge<'_>, annotate_empty: bool) -> String {
    let words = words::Words {
        knowledge,
        annotate_empty,
        widen: false,
    };
    DefaultStringReporter::report_with_formatter(tree, &words)
}

/// A failure that is one fact, or two facts combined once.
fn is_one_step(tree: &Tree) -> bool {
    match tree {
        DerivationTree::External(_) => true,
        DerivationTree::Derived(d) => matches!(
            (&*d.cause1, &*d.cause2),
            (DerivationTree::External(_), DerivationTree::External(_))
        ),
    }
}
