//! Checks on one plugin file, and the cross-file rules (dependencies,
//! immutability) that need more than one file.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::Result;
use plugres_schema::rules::plugin_file_problems;
use plugres_schema::{
    Diagnostic, Diagnostics, IndexConfig, LineIndex, PluginFile, name_from_index_path,
};

use super::read;
use crate::checkout::sig_path;
use crate::git::Repo;

/// One file after its own checks.
pub struct Checked {
    pub path: String,
    pub plugin: Option<PluginFile>,
    pub lines: Option<LineIndex>,
    pub diagnostics: Vec<Diagnostic>,
}

impl Checked {
    /// A diagnostic at the start of `span` in this file.
    pub fn at(&self, span: &std::ops::Range<usize>, message: String) -> Diagnostic {
        let (line, column) = self
            .lines
            .as_ref()
            .map_or((0, 0), |l| l.line_col(span.start));
        Diagnostic {
            file: self.path.clone(),
            line,
            column,
            severity: plugres_schema::Severity::Error,
            message,
        }
    }
}

pub fn check_file(dir: &Path, path: &str, config: &IndexConfig) -> Checked {
    let mut c = Checked {
        path: path.to_string(),
        plugin: None,
        lines: None,
        diagnostics: Vec::new(),
    };
    if std::fs::symlink_metadata(dir.join(path)).is_ok_and(|m| !m.file_type().is_file()) {
        c.diagnostics.push(Diagnostic::file_error(
            path,
            "not a regular file (a symbolic link?): index files must be regular files, since a link can point outside the index or at another plugin's file",
        ));
        return c;
    }
    if let Some(toml_path) = path.strip_suffix(".minisig") {
        if !dir.join(toml_path).exists() {
            c.diagnostics.push(Diagnostic::file_error(
                path,
                "a signature without its plugin file",
            ));
        }
        return c;
    }
    if name_from_index_path(path).is_none() {
        c.diagnostics.push(Diagnostic::file_error(
            path,
            "not a plugin file at its proper path (expected `plugins/<prefix>/<name>.toml`, e.g. `plugins/he/ll/hello-world.toml`)",
        ));
        return c;
    };
    let bytes = match read(dir, path) {
        Ok(Some(b)) => b,
        Ok(None) => return c,
        Err(e) => {
            c.diagnostics
                .push(Diagnostic::file_error(path, e.to_string()));
            return c;
        }
    };
    c.lines = std::str::from_utf8(&bytes).ok().map(LineIndex::new);
    let name = name_from_index_path(path).expect("checked above");
    let signature = match read(dir, &sig_path(path)) {
        Ok(Some(sig)) => Some(sig),
        // Attestations vouch for its versions instead (checked below).
        Ok(None) if !config.policy_for(&name).requires_signature() => None,
        Ok(None) => {
            return unsigned(
                c,
                &bytes,
                format!(
                    "`{path}.minisig` is missing: every plugin file is signed by a publisher key"
                ),
            );
        }
        Err(e) => return unsigned(c, &bytes, e.to_string()),
    };
    // The client's rules (`plugres_schema::rules`), every problem reported.
    let signed = signature.is_some();
    let (plugin, problems) = plugin_file_problems(path, &bytes, signature.as_deref(), config);
    for p in problems {
        c.diagnostics.extend(p.into_diagnostics(&bytes));
    }
    if let Some(p) = &plugin {
        let unlisted = config.unlisted_categories(&p.categories);
        if !unlisted.is_empty() {
            // At the `categories` line (the index's own rule, not the client's).
            let at = std::str::from_utf8(&bytes)
                .ok()
                .and_then(|t| t.find("\ncategories").map(|i| i + 1))
                .unwrap_or(0);
            let d = c.at(&(at..at), config.category_message(&unlisted));
            c.diagnostics.push(d);
        }
        check_readmes(dir, &mut c, p);
        super::attestations::check(dir, config, &mut c, p, signed);
    }
    c.plugin = plugin;
    c
}

/// Each readme a version names is stored where it belongs, within the
/// size limit, and is exactly the bytes its signed entry hashes (README
/// "Plugin file"); reported at the version.
fn check_readmes(dir: &Path, c: &mut Checked, plugin: &PluginFile) {
    for v in &plugin.versions {
        if let Some(Err(problem)) = crate::readme::check_stored(dir, &plugin.name, v) {
            let d = c.at(&v.span, problem);
            c.diagnostics.push(d);
        }
    }
}

/// A plugin file whose signature could not be read: `problem`, after what
/// the file itself has wrong.
fn unsigned(mut c: Checked, bytes: &[u8], problem: String) -> Checked {
    match PluginFile::parse(&c.path, bytes) {
        Ok(p) => c.plugin = Some(p),
        Err(d) => {
            c.diagnostics.extend(d);
            return c;
        }
    }
    let mut d = Diagnostics::new(&c.path, std::str::from_utf8(bytes).unwrap_or(""));
    d.error(None, problem);
    c.diagnostics.extend(d.into_vec());
    c
}

/// Dependencies name plugins in the index, and some version can match.
/// `known` holds the plugins already parsed; with `whole` it is the whole
/// index, else missing ones are read from disk.
pub fn check_dependencies(
    dir: &Path,
    c: &Checked,
    known: &BTreeMap<String, Option<Vec<semver::Version>>>,
    whole: bool,
    out: &mut Vec<Diagnostic>,
) {
    let Some(plugin) = &c.plugin else { return };
    for v in &plugin.versions {
        for (dep, req) in &v.dependencies {
            let versions = match known.get(dep.as_str()) {
                Some(None) => continue,
                Some(Some(vs)) => Some(vs.clone()),
                None if whole => None,
                None => versions_on_disk(dir, dep),
            };
            match versions {
                None => out.push(c.at(
                    &v.span,
                    format!(
                        "{} {} depends on `{dep}`, which is not in this index",
                        plugin.name, v.version
                    ),
                )),
                Some(vs) if !vs.iter().any(|x| req.matches(x)) => out.push(c.at(
                    &v.span,
                    format!(
                        "{} {} depends on `{dep} {req}`, but no version of `{dep}` matches",
                        plugin.name, v.version
                    ),
                )),
                Some(_) => {}
            }
        }
    }
}

fn versions_on_disk(dir: &Path, dep: &plugres_schema::PluginName) -> Option<Vec<semver::Version>> {
    let path = plugres_schema::index_path(dep);
    let bytes = read(dir, &path).ok()??;
    let p = PluginFile::parse(&path, &bytes).ok()?;
    Some(
        p.versions
            .iter()
            .map(|v| v.version.semver().clone())
            .collect(),
    )
}

/// Published versions in `base` are still there and unchanged.
pub fn check_immutable(
    dir: &Path,
    repo: &Repo,
    base: &str,
    c: &Checked,
    out: &mut Vec<Diagnostic>,
) -> Result<()> {
    let Some(new) = &c.plugin else { return Ok(()) };
    let Some(old_bytes) = repo.read_at(base, &c.path)? else {
        return Ok(());
    };
    let Ok(old) = PluginFile::parse(&c.path, &old_bytes) else {
        return Ok(());
    };
    for change in plugres_schema::changed_published_versions(&old, new) {
        let span = new
            .get(&change.version)
            .map(|v| v.span.clone())
            .unwrap_or(0..0);
        out.push(c.at(&span, change.to_string()));
    }
    if std::fs::symlink_metadata(dir.join(sig_path(&c.path))).is_err() {
        unyanked_unsigned(&old, new, c, out);
    }
    Ok(())
}

/// An unsigned plugin file (trusted publishing) has no signing time to
/// tell a replay of an older copy from an edit, so the one change a replay
/// could sneak in — a yank undone — must come signed (`plugres-index
/// unyank` signs with a publisher key of the index).
fn unyanked_unsigned(old: &PluginFile, new: &PluginFile, c: &Checked, out: &mut Vec<Diagnostic>) {
    for v in &new.versions {
        let was_yanked = old.get(&v.version).is_some_and(|o| o.yanked);
        if was_yanked && !v.yanked {
            out.push(c.at(
                &v.span,
                format!(
                    "{} {} was yanked and is not in this unsigned file: a yank is undone only by `plugres-index unyank`, which signs the file (an unsigned copy could be an older one replayed)",
                    new.name, v.version
                ),
            ));
        }
    }
}

/// A plugin file changed since `base` is signed no earlier than the
/// version in `base`. Every signed file is valid forever, so without this
/// anyone could restore an older signed pair from history (a file before
/// its yank, with its `.minisig`): the signature verifies, is bound to the
/// path and in scope, and `yanked` may change, so the yank would vanish.
/// Equal times pass: scripts sign several files within one second, and
/// `SOURCE_DATE_EPOCH` pins the time of sample builds.
pub fn check_not_replayed(
    dir: &Path,
    (repo, base): (&Repo, &str),
    (config, base_config): (&IndexConfig, Option<&IndexConfig>),
    c: &Checked,
    out: &mut Vec<Diagnostic>,
) -> Result<()> {
    let Some(plugin) = &c.plugin else {
        return Ok(());
    };
    let sig = sig_path(&c.path);
    let (Some(old_bytes), Some(old_sig)) =
        (repo.read_at(base, &c.path)?, repo.read_at(base, &sig)?)
    else {
        return Ok(());
    };
    let (Ok(Some(bytes)), Ok(Some(new_sig))) = (read(dir, &c.path), read(dir, &sig)) else {
        return Ok(()); // reported by the file's own checks
    };
    if bytes == old_bytes && new_sig == old_sig {
        return Ok(());
    }
    // An unverified new signature is reported by the file's own checks.
    let Some(new_time) = signed_at(&c.path, &bytes, &new_sig, config, plugin) else {
        return Ok(());
    };
    // The base file was signed by a key of the base config (since removed,
    // perhaps); the current config is the fallback.
    let old_time = base_config
        .and_then(|b| signed_at(&c.path, &old_bytes, &old_sig, b, plugin))
        .or_else(|| signed_at(&c.path, &old_bytes, &old_sig, config, plugin));
    if let Some(old_time) = old_time.filter(|t| new_time < *t) {
        let utc = plugres_schema::time::format_utc;
        out.push(Diagnostic::file_error(
            &c.path,
            format!(
                "`{}` is signed at {}, before the version in `{base}` (signed at {}): an older signed file replayed (e.g. to undo a yank); sign the change anew with `plugres-index yank/unyank/publish`",
                c.path,
                utc(new_time),
                utc(old_time)
            ),
        ));
    }
    Ok(())
}

/// The latest signing time among the signatures of `sig` by keys that may
/// sign `plugin` under `config`. Signatures by other keys prove nothing,
/// so their trusted comments are not believed.
fn signed_at(
    path: &str,
    bytes: &[u8],
    sig: &[u8],
    config: &IndexConfig,
    plugin: &PluginFile,
) -> Option<u64> {
    let keys = config
        .publishers_for(&plugin.name)
        .map(|k| (&k.id, &k.public));
    plugres_schema::signers(path, bytes, sig, keys)
        .ok()?
        .into_iter()
        .filter_map(|v| v.timestamp)
        .max()
}
