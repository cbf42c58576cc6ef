//! Reading `plugres.lock`: raw serde types, then checks with positions.

use super::*;
use serde::Deserialize;
use toml::Spanned;

/// Only the format number: read when [`RawLock`] does not fit, so a lock
/// of another format is reported as that rather than as unknown fields.
#[derive(Deserialize)]
struct FormatOnly {
    version: Option<Spanned<i64>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLock {
    version: Option<Spanned<i64>>,
    #[serde(default)]
    registry: Vec<RawRegistry>,
    #[serde(default)]
    plugin: Vec<Spanned<RawPlugin>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRegistry {
    name: Spanned<String>,
    index: String,
    revision: Option<String>,
    snapshot: Option<u64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawPlugin {
    name: Spanned<String>,
    version: Spanned<String>,
    /// Absent for a local plugin (`source = "path"`).
    registry: Option<Spanned<String>>,
    /// `"path"`: a local plugin, with `path` (README "Local plugin development").
    source: Option<Spanned<String>>,
    path: Option<Spanned<String>>,
    engine: Spanned<String>,
    #[serde(default)]
    permissions: Vec<Spanned<String>>,
    #[serde(default)]
    granted: Vec<Spanned<String>>,
    #[serde(default)]
    disabled: bool,
    #[serde(default)]
    yanked: bool,
    yank_reason: Option<String>,
    deprecated: Option<String>,
    channel: Option<Spanned<String>>,
    #[serde(default)]
    dependencies: BTreeMap<Spanned<String>, Spanned<String>>,
    #[serde(default)]
    config: BTreeMap<Spanned<String>, Spanned<plugres_schema::RawSetting>>,
    #[serde(default)]
    artifact: Vec<RawArtifact>,
    attestation: Option<RawAttestation>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAttestation {
    sha256: Spanned<String>,
    publisher: String,
    repository: String,
    commit: String,
    r#ref: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawArtifact {
    target: Spanned<String>,
    /// A registry plugin's artifact.
    url: Option<Spanned<String>>,
    /// A local plugin's file, relative to its folder.
    file: Option<Spanned<String>>,
    sha256: Spanned<String>,
    size: Spanned<u64>,
    #[serde(default)]
    tree: Option<Spanned<String>>,
}

pub(super) fn parse(file: &str, text: &str) -> Result<Lockfile, Vec<Diagnostic>> {
    let mut d = Diagnostics::new(file, text);
    // One TOML pass in the common case (a no-op install parses the lock on
    // every run); the format is checked first only when the lock does not fit.
    let raw: RawLock = match toml::from_str(text) {
        Ok(r) => r,
        Err(e) => {
            match toml::from_str::<FormatOnly>(text) {
                Err(syntax) => d.toml_error(&syntax),
                Ok(f) => {
                    if check_format(&mut d, f.version.as_ref()) {
                        d.toml_error(&e);
                    }
                }
            }
            return Err(d.into_vec());
        }
    };
    if !check_format(&mut d, raw.version.as_ref()) {
        return Err(d.into_vec());
    }
    let mut registries: Vec<LockedRegistry> = Vec::new();
    for r in raw.registry {
        if registries.iter().any(|x| &x.name == r.name.get_ref()) {
            d.error(
                Some(r.name.span()),
                format!("registry `{}` is listed twice", r.name.get_ref()),
            );
        }
        registries.push(LockedRegistry {
            name: r.name.into_inner(),
            index: r.index,
            revision: r.revision,
            snapshot: r.snapshot,
        });
    }
    let mut plugins: Vec<LockedPlugin> = Vec::new();
    for p in raw.plugin {
        let span = p.span();
        if let Some(p) = plugin(&mut d, p.into_inner(), &registries) {
            if plugins.iter().any(|x| x.name == p.name) {
                d.error(Some(span), format!("plugin `{}` is locked twice", p.name));
            }
            plugins.push(p);
        }
    }
    if d.has_errors() {
        Err(d.into_vec())
    } else {
        Ok(Lockfile {
            registries,
            plugins,
        })
    }
}

/// Whether `version` is the format this plugres reads; records why not.
fn check_format(d: &mut Diagnostics, version: Option<&Spanned<i64>>) -> bool {
    let hint = "delete plugres.lock and run `plugres lock` to write a new one";
    match version {
        None => d.error(
            None,
            format!("no `version`: this is not a plugres lockfile; {hint}"),
        ),
        Some(v) if *v.get_ref() != i64::from(LOCK_VERSION) => d.error(
            Some(v.span()),
            format!(
                "lock format {} is not supported (this plugres reads format {LOCK_VERSION}); upgrade plugres, or {hint}",
                v.get_ref()
            ),
        ),
        Some(_) => return true,
    }
    false
}

fn plugin(
    d: &mut Diagnostics,
    p: RawPlugin,
    registries: &[LockedRegistry],
) -> Option<LockedPlugin> {
    let name = check(d, &p.name, |s| {
        PluginName::new(s).map_err(|e| e.to_string())
    });
    let version = check(d, &p.version, |s| {
        Version::parse(s).map_err(|e| e.to_string())
    });
    let engine = check(d, &p.engine, |s| {
        VersionReq::parse(s).map_err(|e| format!("engine requirement `{s}`: {e}"))
    });
    let local = source(d, &p, registries);
    let perms = |d: &mut Diagnostics, list: &[Spanned<String>]| -> Vec<Permission> {
        list.iter()
            .filter_map(|s| check(d, s, Permission::new))
            .collect()
    };
    let permissions = perms(d, &p.permissions);
    let granted = perms(d, &p.granted);
    // A grant is an answer to a request: a lock (an input like any file)
    // cannot grant what the plugin never asked for.
    for raw in &p.granted {
        let Ok(grant) = Permission::new(raw.get_ref()) else {
            continue;
        };
        if !permissions.contains(&grant) {
            d.error(
                Some(raw.span()),
                format!(
                    "`{grant}` is granted but `{}` does not ask for it (its `permissions` are [{}]); remove it from `granted`",
                    p.name.get_ref(),
                    permissions.iter().map(|x| format!("`{x}`")).collect::<Vec<_>>().join(", ")
                ),
            );
        }
    }
    let mut dependencies = BTreeMap::new();
    for (k, v) in &p.dependencies {
        let dep = check(d, k, |s| PluginName::new(s).map_err(|e| e.to_string()));
        let req = check(d, v, |s| {
            VersionReq::parse(s).map_err(|e| format!("requirement `{s}`: {e}"))
        });
        if let (Some(dep), Some(req)) = (dep, req) {
            dependencies.insert(dep, req);
        }
    }
    let artifacts = p
        .artifact
        .iter()
        .filter_map(|a| artifact(d, a, matches!(local, Some(Some(_)))))
        .collect();
    Some(LockedPlugin {
        name: name?,
        version: version?,
        registry: p.registry.map(Spanned::into_inner).unwrap_or_default(),
        path: local?,
        engine: engine?,
        dependencies,
        permissions,
        granted,
        disabled: p.disabled,
        yanked: p.yanked.then_some(p.yank_reason),
        deprecated: p.deprecated,
        channel: p.channel.as_ref().and_then(|c| check(d, c, Channel::new)),
        settings: plugres_schema::validate_settings(d, &p.config),
        artifacts,
        attestation: match &p.attestation {
            None => None,
            Some(a) => Some(LockedAttestation {
                sha256: check(d, &a.sha256, Sha256::parse)?,
                publisher: a.publisher.clone(),
                repository: a.repository.clone(),
                commit: a.commit.clone(),
                git_ref: a.r#ref.clone(),
            }),
        },
    })
}

/// Where a locked plugin comes from: `Some(Some(path))` for a local one
/// (`source = "path"` with `path`, no `registry`), `Some(None)` for one of
/// a registry the lock lists; `None` (after recording why) otherwise.
fn source(
    d: &mut Diagnostics,
    p: &RawPlugin,
    registries: &[LockedRegistry],
) -> Option<Option<String>> {
    let at = Some(p.name.span());
    match (&p.source, &p.path, &p.registry) {
        (None, None, Some(r)) => {
            let listed = registries.iter().any(|x| &x.name == r.get_ref());
            if !listed {
                let message = format!("registry `{}` has no `[[registry]]` entry", r.get_ref());
                d.error(Some(r.span()), message);
            }
            listed.then_some(None)
        }
        (Some(s), Some(path), None) if s.get_ref() == "path" && !path.get_ref().is_empty() => {
            Some(Some(path.get_ref().clone()))
        }
        (Some(s), _, _) if s.get_ref() != "path" => {
            let message = format!(
                "`source = \"{}\"` is not known (only `\"path\"`, a local plugin)",
                s.get_ref()
            );
            d.error(Some(s.span()), message);
            None
        }
        (None, None, None) => {
            d.error(
                at,
                format!("plugin `{}` has no `registry`", p.name.get_ref()),
            );
            None
        }
        _ => {
            let message = format!(
                "plugin `{}`: a local plugin has `source = \"path\"` and a non-empty `path`, and no `registry`; a registry plugin has `registry` only",
                p.name.get_ref()
            );
            d.error(at, message);
            None
        }
    }
}

fn artifact(d: &mut Diagnostics, a: &RawArtifact, local: bool) -> Option<LockedArtifact> {
    let target = check(d, &a.target, Target::new);
    let url = match (local, &a.url, &a.file) {
        (false, Some(url), None) => url_of(d, url),
        (true, None, Some(file)) => {
            check(d, file, |f| {
                is_index_relative(f).then(|| f.to_string()).ok_or_else(|| {
                format!("`{f}` is not a path inside the plugin's folder (like `target/x.wasm`, no `..`)")
            })
            })
        }
        _ => {
            let (want, not) = if local {
                ("file", "url")
            } else {
                ("url", "file")
            };
            d.error(
                Some(a.target.span()),
                format!(
                    "an artifact of a {} plugin has `{want}`, not `{not}`",
                    if local { "local" } else { "registry" }
                ),
            );
            None
        }
    };
    let sha256 = check(d, &a.sha256, Sha256::parse);
    let tree = match &a.tree {
        Some(t) => Some(check(d, t, Sha256::parse)?),
        None => None,
    };
    if *a.size.get_ref() == 0 {
        d.error(Some(a.size.span()), "artifact size 0 is not valid");
    }
    Some(LockedArtifact {
        target: target?,
        url: url?,
        sha256: sha256?,
        size: *a.size.get_ref(),
        tree,
    })
}

/// A registry artifact's `url`: absolute, or a path inside the index.
fn url_of(d: &mut Diagnostics, url: &Spanned<String>) -> Option<String> {
    check(d, url, |u| {
        let absolute =
            u.starts_with("https://") || u.starts_with("http://") || u.starts_with("file://");
        let ok = (absolute || is_index_relative(u)) && !u.contains(char::is_whitespace);
        ok.then(|| u.to_string()).ok_or_else(|| {
            format!(
                "`{u}` is neither an absolute http(s):// or file:// URL nor a path inside the index (like `artifacts/x/1.0.0/x.wasm`, no `..`)"
            )
        })
    })
}

/// Whether `url` is a path that stays inside the index it is relative to:
/// '/'-separated, no empty, `.` or `..` segment, no leading `/`, no backslash,
/// no scheme, no query or fragment.
fn is_index_relative(url: &str) -> bool {
    !url.is_empty()
        && !url.contains(['\\', ':', '?', '#'])
        && url
            .split('/')
            .all(|seg| !seg.is_empty() && seg != "." && seg != "..")
}

/// Runs a checking constructor, recording its error at the value.
fn check<T>(
    d: &mut Diagnostics,
    raw: &Spanned<String>,
    f: impl FnOnce(&str) -> Result<T, String>,
) -> Option<T> {
    f(raw.get_ref())
        .map_err(|e| d.error(Some(raw.span()), e))
        .ok()
}
