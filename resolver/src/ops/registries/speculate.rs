//! A first use's head start (README "head.bundle"): while the trust chain
//! is checked, the dependencies of the project's plugins are fetched too.
//!
//! A first use fetches the project's plugins' files together with the
//! trust files, but their dependencies waited for the whole chain and then
//! for each file's own check: on a small cold lock, two of its five levels
//! of requests. So each file is read as it arrives — bytes nothing has
//! checked, for a guess only — and the dependencies of the version the
//! resolver will likely take are asked for at once, then theirs, until
//! the chain is checked. The guess is the resolver's own (see
//! `resolve::provider`, `prefetch_likely`): the locked version where the
//! requirement admits it, else the newest usable, unyanked one it admits.
//!
//! Nothing is trusted because of it: every file is still pinned to the
//! snapshot's digest and verified when read, and a wrong guess costs
//! requests only. A name plugres.toml takes from elsewhere (another
//! registry, a local path) is never asked for here.
//!
//! The files are scanned, not parsed: the full parse (done again when the
//! file is verified) took the cores the trust chain needed, and a first
//! small lock became slower, not faster. The scan reads the layout the
//! index tool writes (`[[version]]` tables, `version`, `yanked`, the
//! artifacts' `target`, `[version.dependencies]`); anything else gives a
//! worse guess, never a wrong trust decision.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, PoisonError};

use plugres_schema::{PluginName, index_path};
use semver::{Version, VersionReq};

use crate::index::ArrivalHook;
use crate::project::{Manifest, host_target};

/// What the guesses of one registry start from.
pub(super) struct Speculation {
    /// The project's target (`None`: the host's).
    target: Option<String>,
    /// The requirement each plugin is guessed within: plugres.toml's for
    /// its plugins, else that of the first guessed version naming it.
    wanted: Mutex<HashMap<PluginName, VersionReq>>,
    /// plugres.toml's plugins from elsewhere.
    elsewhere: HashSet<PluginName>,
    /// Versions plugres.lock records.
    locked: HashMap<PluginName, Version>,
}

impl Speculation {
    /// The guesses for `registry` of a project with `manifest` and the
    /// locked versions `locked`.
    pub(super) fn hook(
        manifest: &Manifest,
        registry: &str,
        locked: &HashMap<PluginName, Version>,
    ) -> ArrivalHook {
        let (mine, elsewhere): (Vec<_>, Vec<_>) = manifest
            .plugins
            .iter()
            .partition(|(_, spec)| spec.path.is_none() && spec.registry == registry);
        let wanted = mine
            .into_iter()
            // A channel, not the requirement, decides the version.
            .filter(|(_, spec)| spec.channel.is_none())
            .map(|(name, spec)| (name.clone(), spec.req.clone()))
            .collect();
        let speculation = Speculation {
            target: manifest
                .engine
                .target
                .as_ref()
                .map(|t| t.as_str().to_string()),
            wanted: Mutex::new(wanted),
            elsewhere: elsewhere.into_iter().map(|(n, _)| n.clone()).collect(),
            locked: locked.clone(),
        };
        ArrivalHook(Arc::new(move |path, bytes| speculation.next(path, bytes)))
    }

    /// The index paths of the dependencies of `path`'s likely version, not
    /// asked for yet.
    fn next(&self, path: &str, bytes: &[u8]) -> Vec<String> {
        let Some(name) = plugres_schema::name_from_index_path(path) else {
            return Vec::new();
        };
        let Some(req) = self.wanted().get(&name).cloned() else {
            return Vec::new();
        };
        let Ok(text) = std::str::from_utf8(bytes) else {
            return Vec::new();
        };
        let locked = self.locked.get(&name);
        let versions = scan(text);
        let Some(likely) = likely(&versions, &req, locked, self.target()) else {
            return Vec::new();
        };
        let mut wanted = self.wanted();
        let mut next = Vec::new();
        for (dep, dep_req) in dependencies(likely.body) {
            if dep != name && !self.elsewhere.contains(&dep) && !wanted.contains_key(&dep) {
                next.push(index_path(&dep));
                wanted.insert(dep, dep_req);
            }
        }
        next
    }

    /// The project's target, as `select_artifact` picks for it.
    fn target(&self) -> &str {
        self.target.as_deref().unwrap_or_else(|| host_target())
    }

    fn wanted(&self) -> std::sync::MutexGuard<'_, HashMap<PluginName, VersionReq>> {
        self.wanted.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// One `[[version]]` table as scanned: its version, whether it is yanked,
/// its artifacts' targets, and its lines.
struct Scanned<'t> {
    version: Version,
    yanked: bool,
    targets: Vec<&'t str>,
    body: &'t str,
}

/// The `[[version]]` tables of `text`, in the index tool's layout; one
/// whose version does not parse is left out.
fn scan(text: &str) -> Vec<Scanned<'_>> {
    let mut out = Vec::new();
    let mut tables = text.split("\n[[version]]\n");
    tables.next(); // the plugin's own fields
    for body in tables {
        let mut version = None;
        let mut yanked = false;
        let mut targets = Vec::new();
        let mut previous = "";
        for line in body.lines() {
            if let Some(v) = quoted(line, "version = ") {
                version = version.or_else(|| Version::parse(v).ok());
            } else if line == "yanked = true" {
                yanked = true;
            } else if previous == "[[version.artifact]]" {
                targets.extend(quoted(line, "target = "));
            }
            previous = line;
        }
        if let Some(version) = version {
            out.push(Scanned {
                version,
                yanked,
                targets,
                body,
            });
        }
    }
    out
}

/// The version the resolver will likely take within `req`: the locked
/// one, else the newest unyanked one with an artifact for `target`.
fn likely<'s, 't>(
    versions: &'s [Scanned<'t>],
    req: &VersionReq,
    locked: Option<&Version>,
    target: &str,
) -> Option<&'s Scanned<'t>> {
    let usable = |v: &&Scanned| v.targets.iter().any(|t| *t == target || *t == "any");
    versions
        .iter()
        .filter(|v| req.matches(&v.version))
        .filter(usable)
        .filter(|v| !v.yanked || Some(&v.version) == locked)
        .max_by_key(|v| (Some(&v.version) == locked, &v.version))
}

/// The `[version.dependencies]` of one scanned version.
fn dependencies(body: &str) -> Vec<(PluginName, VersionReq)> {
    let mut lines = body.lines().skip_while(|l| *l != "[version.dependencies]");
    lines.next();
    lines
        .take_while(|l| !l.starts_with('['))
        .filter_map(|l| {
            let (name, rest) = l.split_once(" = ")?;
            let req = rest.strip_prefix('"')?.strip_suffix('"')?;
            Some((PluginName::new(name).ok()?, VersionReq::parse(req).ok()?))
        })
        .collect()
}

/// The string value of `line` when it is `key"value"` with no escape.
fn quoted<'l>(line: &'l str, key: &str) -> Option<&'l str> {
    let v = line
        .strip_prefix(key)?
        .strip_prefix('"')?
        .strip_suffix('"')?;
    (!v.contains(['"', '\\'])).then_some(v)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::index::fixture::TestPlugin;

    fn manifest(text: &str) -> Manifest {
        Manifest::parse("plugres.toml", text, std::path::Path::new(".")).unwrap()
    }

    fn file(plugin: &TestPlugin) -> Vec<u8> {
        plugin.text().into_bytes()
    }

    const MANIFEST: &str = r#"
[engine]
version = "1.0.0"

[registry.default]
index = "sparse+https://plugins.example.com/index/"
root-keys = ["RWQf6LRCGA9i53mlYecO4IzT51TGPpvWucNSCh1CBM0QTaLn73Y7GFO3"]

[registry.other]
index = "sparse+https://other.example.com/index/"
root-keys = ["RWQf6LRCGA9i53mlYecO4IzT51TGPpvWucNSCh1CBM0QTaLn73Y7GFO3"]

[plugins]
hello = "^1"
private = { version = "*", registry = "other" }
"#;

    /// The newest usable version the requirement admits, or the locked
    /// one; its dependencies once each, never a name taken elsewhere.
    #[test]
    fn guesses_the_resolvers_version_and_asks_for_its_dependencies_once() {
        let m = manifest(MANIFEST);
        let hook = Speculation::hook(&m, "default", &HashMap::new());
        let hello = TestPlugin::new("hello")
            .version("1.0.0", "*")
            .artifact("any")
            .dep("old-dep", "^1")
            .version("1.2.0", "*")
            .artifact("any")
            .dep("greeter", "^0.3")
            .dep("private", "*")
            .dep("hello", "*")
            .version("1.3.0", "*")
            .artifact("any")
            .dep("yanked-dep", "*")
            .yanked(Some("broken"))
            .version("2.0.0", "*")
            .artifact("any")
            .dep("two-dep", "*");
        let path = index_path(&PluginName::new("hello").unwrap());
        let next = (hook.0)(&path, &file(&hello));
        assert_eq!(next, ["plugins/gr/ee/greeter.toml"]);
        // Asked for once.
        assert!((hook.0)(&path, &file(&hello)).is_empty());
        // Its dependency is guessed within the requirement that named it.
        let greeter = TestPlugin::new("greeter")
            .version("0.3.1", "*")
            .artifact("any")
            .dep("greeter-core", "*")
            .version("0.4.0", "*")
            .artifact("any")
            .dep("newer-core", "*");
        let next = (hook.0)("plugins/gr/ee/greeter.toml", &file(&greeter));
        assert_eq!(next, ["plugins/gr/ee/greeter-core.toml"]);
        // Not asked for: no guess.
        let stray = TestPlugin::new("stray")
            .version("1.0.0", "*")
            .artifact("any")
            .dep("x", "*");
        assert!((hook.0)("plugins/st/ra/stray.toml", &file(&stray)).is_empty());
        // Bytes that do not scan: no guess.
        assert!((hook.0)("plugins/gr/ee/greeter-core.toml", b"not toml [").is_empty());

        // Locked (even yanked), the locked version's dependencies.
        let locked = HashMap::from([(
            PluginName::new("hello").unwrap(),
            Version::parse("1.3.0").unwrap(),
        )]);
        let hook = Speculation::hook(&m, "default", &locked);
        assert_eq!(
            (hook.0)(&path, &file(&hello)),
            ["plugins/ya/nk/yanked-dep.toml"]
        );
    }
}
