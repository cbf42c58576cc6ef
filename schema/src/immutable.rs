//! Published versions never change, except for being yanked or unyanked.
//!
//! The index CI compares a plugin file against its previous revision; a
//! change to a published version's artifacts, dependencies, engine
//! requirement, permissions or readme would let a publisher (or a stolen key) swap
//! what a lockfile already pinned, so it is refused.

use crate::plugin::{PluginFile, VersionEntry};
use crate::version::Version;

/// A published version that was changed or removed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VersionChange {
    pub version: Version,
    /// `None` when the version was removed; else the fields that changed.
    pub fields: Option<Vec<&'static str>>,
}

impl std::fmt::Display for VersionChange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.fields {
            None => write!(f, "published version `{}` was removed", self.version),
            Some(fields) => write!(
                f,
                "published version `{}` was changed ({}); published versions are immutable — only `yanked` and `yank-reason` may change, publish a new version instead",
                self.version,
                fields.join(", ")
            ),
        }
    }
}

/// Every version of `old` that `new` removed or changed beyond yanking.
pub fn changed_published_versions(old: &PluginFile, new: &PluginFile) -> Vec<VersionChange> {
    old.versions
        .iter()
        .filter_map(|o| match new.get(&o.version) {
            None => Some(VersionChange {
                version: o.version.clone(),
                fields: None,
            }),
            Some(n) => {
                let fields = differing_fields(o, n);
                (!fields.is_empty()).then(|| VersionChange {
                    version: o.version.clone(),
                    fields: Some(fields),
                })
            }
        })
        .collect()
}

fn differing_fields(a: &VersionEntry, b: &VersionEntry) -> Vec<&'static str> {
    let mut out = Vec::new();
    // `1.2.0+a` and `1.2.0+b` are one version (README "Formats"); rewriting
    // the build metadata of a published one is a change like any other.
    if !a.version.same_text(&b.version) {
        out.push("build metadata");
    }
    if a.engine != b.engine {
        out.push("engine");
    }
    if a.published != b.published {
        out.push("published");
    }
    if a.permissions != b.permissions {
        out.push("permissions");
    }
    if a.dependencies != b.dependencies {
        out.push("dependencies");
    }
    if a.artifacts != b.artifacts {
        out.push("artifact");
    }
    if a.settings != b.settings {
        out.push("config");
    }
    if a.readme != b.readme {
        out.push("readme");
    }
    if a.attestation != b.attestation {
        out.push("attestation");
    }
    out
}
