//! `plugres tree [--invert NAME]`: the locked dependency graph, from
//! plugres.lock alone (no index).
//!
//! Normal: one tree per plugin of plugres.toml, children are dependencies.
//! Inverted: NAME at the root, children are the plugins that depend on it,
//! down to the ones plugres.toml asks for — the "why is this here" view.

use serde::Serialize;

use super::{OpsError, load};
use crate::project::{LockedPlugin, Lockfile, Manifest};

/// One plugin in a tree.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TreeNode {
    pub name: String,
    pub version: String,
    /// The requirement on this plugin by its parent (plugres.toml for a
    /// root of the normal tree; the child's requirement when inverted).
    pub req: Option<String>,
    /// Listed in plugres.toml's `[plugins]`.
    pub direct: bool,
    pub disabled: bool,
    /// A local plugin's folder (README "Local plugin development").
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// Already shown on this path (a cycle): children omitted.
    pub cycle: bool,
    pub children: Vec<TreeNode>,
}

/// The result of `plugres tree`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TreeReport {
    pub inverted: bool,
    pub roots: Vec<TreeNode>,
}

/// Builds the tree of the project at or above `start`.
pub fn tree(start: &std::path::Path, invert: Option<&str>) -> Result<TreeReport, OpsError> {
    let (project, manifest) = load(start)?;
    let lock = super::require_lock(&project, "run `plugres lock` first")?;
    let g = Graph {
        lock: &lock,
        manifest: &manifest,
    };
    let roots = match invert {
        None => manifest
            .plugins
            .iter()
            .filter_map(|(name, spec)| {
                g.down(name.as_str(), Some(spec.describe()), &mut Vec::new())
            })
            .collect(),
        Some(name) => {
            let Some(node) = g.up(name, None, &mut Vec::new()) else {
                return Err(OpsError::failed(
                    format!("`{name}` is not in plugres.lock"),
                    &["see the locked plugins with `plugres tree`"],
                ));
            };
            vec![node]
        }
    };
    Ok(TreeReport {
        inverted: invert.is_some(),
        roots,
    })
}

struct Graph<'a> {
    lock: &'a Lockfile,
    manifest: &'a Manifest,
}

impl Graph<'_> {
    fn node(&self, name: &str, req: Option<String>, path: &[String]) -> Option<TreeNode> {
        let p = self.lock.plugin(name)?;
        Some(TreeNode {
            name: name.to_string(),
            version: p.version.to_string(),
            req,
            direct: self.manifest.plugins.keys().any(|n| n.as_str() == name),
            disabled: p.disabled,
            path: p.path.clone(),
            cycle: path.iter().any(|n| n == name),
            children: Vec::new(),
        })
    }

    fn down(&self, name: &str, req: Option<String>, path: &mut Vec<String>) -> Option<TreeNode> {
        let mut node = self.node(name, req, path)?;
        if node.cycle {
            return Some(node);
        }
        path.push(name.to_string());
        let p = self.lock.plugin(name)?;
        node.children = p
            .dependencies
            .iter()
            .filter_map(|(dep, r)| self.down(dep.as_str(), Some(r.to_string()), path))
            .collect();
        path.pop();
        Some(node)
    }

    fn up(&self, name: &str, req: Option<String>, path: &mut Vec<String>) -> Option<TreeNode> {
        let mut node = self.node(name, req, path)?;
        if node.cycle {
            return Some(node);
        }
        path.push(name.to_string());
        node.children = dependents(self.lock, name)
            .filter_map(|(p, r)| self.up(p.name.as_str(), Some(r.to_string()), path))
            .collect();
        path.pop();
        Some(node)
    }
}

/// The locked plugins that depend on `name`, each with its requirement on
/// it, in lock order: the inverted tree's children, `outdated`'s "held
/// back by", `list`'s "needed by" and `disable`'s warning.
pub(crate) fn dependents<'l>(
    lock: &'l Lockfile,
    name: &'l str,
) -> impl Iterator<Item = (&'l LockedPlugin, &'l semver::VersionReq)> + 'l {
    lock.plugins.iter().filter_map(move |p| {
        let (_, req) = p.dependencies.iter().find(|(d, _)| d.as_str() == name)?;
        Some((p, req))
    })
}
