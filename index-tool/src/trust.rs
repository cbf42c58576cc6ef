//! Writing the trust layer of an index: `snapshot.toml` (with its bins) and
//! `timestamp.toml`, each signed by an online key of its role.
//!
//! The snapshot lists the sha256 of every signed file of the tree, so it
//! is computed from the checkout itself: `config.toml` and every plugin file
//! at its proper path (the paths `name_from_index_path` accepts), each with
//! its `.minisig`. Anything else (artifacts, README, stray files) is not
//! listed: artifacts are pinned by the plugin files, the rest is not index
//! data. Signatures of plugin files are not re-verified here: the
//! pull-request check (`validate --base`) did that before the merge whose
//! result this snapshot records, and `validate` checks the whole tree.
//!
//! The snapshot also lists the catalog (README "The catalog"): one entry
//! per plugin file that parses, in shards by name hash.
//!
//! Writes are atomic per file, and bin and catalog files are rewritten only
//! when their text changes, so a new snapshot of a large index touches (and
//! commits) only the bins and shards whose plugins changed.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use anyhow::{Context, Result, bail};
use plugres_schema::{
    CATALOG_DIR, CONFIG_PATH, CatalogEntry, CatalogListing, HEAD_PATH, Head, IndexConfig,
    PLUGINS_DIR, PluginFile, RoleKey, SNAPSHOT_BIN_DIR, SNAPSHOT_PATH, Sha256, SigningKey,
    Snapshot, TIMESTAMP_PATH, Timestamp, catalog_path, name_from_index_path,
};
use rayon::prelude::*;

use crate::checkout::{diagnostics_error, sig_path};
use crate::fsutil::{atomic_write, read_if_exists};

/// How many hex digits name the bins of a new snapshot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bins {
    /// [`plugres_schema::auto_bin_digits`] of the plugin count.
    Auto,
    /// Exactly this many (0: no bins, every file in snapshot.toml).
    Digits(u8),
}

impl std::str::FromStr for Bins {
    type Err = String;

    fn from_str(s: &str) -> Result<Bins, String> {
        if s == "auto" {
            return Ok(Bins::Auto);
        }
        match s.parse::<u8>() {
            Ok(n) if n <= plugres_schema::MAX_BIN_DIGITS => Ok(Bins::Digits(n)),
            _ => Err(format!(
                "`{s}` is not a bin setting: `auto`, or a number of hex digits from 0 to {}",
                plugres_schema::MAX_BIN_DIGITS
            )),
        }
    }
}

/// What [`write_snapshot`] wrote.
#[derive(Debug, Clone, serde::Serialize)]
pub struct SnapshotWritten {
    pub version: u64,
    pub bin_digits: u8,
    /// Signed files listed (config, plugin files, their signatures).
    pub files: usize,
    pub plugins: usize,
    pub bins: usize,
    /// Bin group files (README "snapshot.toml and timestamp.toml"); 0
    /// when the snapshot lists its bins itself.
    pub groups: usize,
    /// Size of `snapshot.toml`.
    pub snapshot_bytes: u64,
    /// Total size of the bin and group files.
    pub bin_bytes: u64,
    /// Hex digits naming the catalog's shards (README "The catalog").
    pub catalog_digits: u8,
    pub catalog_shards: usize,
    /// Total size of the catalog shards.
    pub catalog_bytes: u64,
    /// Index paths written or removed: what a commit must record.
    pub changed: Vec<String>,
}

/// What [`write_timestamp`] wrote.
#[derive(Debug, Clone, serde::Serialize)]
pub struct TimestampWritten {
    pub version: u64,
    /// Unix time.
    pub expires: u64,
    pub expires_utc: String,
    pub snapshot_version: u64,
    pub snapshot_sha256: String,
    pub snapshot_size: u64,
    pub changed: Vec<String>,
}

/// The index paths of every signed file of the tree at `dir` (see the
/// module docs), sorted.
pub fn signed_paths(dir: &Path) -> Result<Vec<String>> {
    let mut out = Vec::new();
    for p in [CONFIG_PATH.to_string(), sig_path(CONFIG_PATH)] {
        if is_file(dir, &p) {
            out.push(p);
        }
    }
    let root = dir.join(PLUGINS_DIR);
    if root.is_dir() {
        for entry in walkdir::WalkDir::new(&root).sort_by_file_name() {
            let entry = entry.with_context(|| format!("cannot list `{}`", root.display()))?;
            if !entry.file_type().is_file() {
                continue;
            }
            let Some(rel) = index_path_of(dir, entry.path()) else {
                continue;
            };
            if name_from_index_path(&rel).is_some() {
                let sig = sig_path(&rel);
                let has_sig = is_file(dir, &sig);
                out.push(rel);
                if has_sig {
                    out.push(sig);
                }
            }
        }
    }
    out.sort();
    Ok(out)
}

/// Index path → sha256 of every signed file of the tree, hashed in parallel.
pub fn tree_digests(dir: &Path) -> Result<BTreeMap<String, Sha256>> {
    signed_paths(dir)?
        .into_par_iter()
        .map(|p| {
            let bytes = std::fs::read(dir.join(&p))
                .with_context(|| format!("cannot read `{}`", dir.join(&p).display()))?;
            Ok((p, Sha256::of(&bytes)))
        })
        .collect()
}

/// The text of each plugin file's signature among `digests`, carried in
/// the snapshot so clients need no request for it (README, "snapshot.toml
/// and timestamp.toml"). A signature that is not UTF-8 text is left out:
/// clients then fetch the `.minisig` (and verification refuses it).
pub fn tree_signatures(
    dir: &Path,
    digests: &BTreeMap<String, Sha256>,
) -> Result<BTreeMap<String, String>> {
    let plugin_files: Vec<&String> = digests
        .keys()
        .filter(|p| name_from_index_path(p).is_some())
        .filter(|p| digests.contains_key(&format!("{p}{}", plugres_schema::SIGNATURE_SUFFIX)))
        .collect();
    let read: Result<Vec<Option<(String, String)>>> = plugin_files
        .into_par_iter()
        .map(|p| {
            let file = dir.join(format!("{p}{}", plugres_schema::SIGNATURE_SUFFIX));
            let bytes = std::fs::read(&file)
                .with_context(|| format!("cannot read `{}`", file.display()))?;
            Ok(String::from_utf8(bytes).ok().map(|text| (p.clone(), text)))
        })
        .collect();
    Ok(read?.into_iter().flatten().collect())
}

/// The role key of `keys` that `key` is, if any.
pub fn role_key_of<'a>(keys: &'a [RoleKey], key: &SigningKey) -> Option<&'a RoleKey> {
    let public = key.public_base64();
    keys.iter().find(|k| k.public.as_str() == public)
}

/// Refuses a key that is not one of `keys` (the `role` keys of the config),
/// naming the ids that are allowed.
pub fn check_role<'a>(keys: &'a [RoleKey], key: &SigningKey, role: &str) -> Result<&'a RoleKey> {
    if keys.is_empty() {
        bail!(
            "config.toml has no `[[{role}-key]]`: this index has no trust layer\nhint: add one with `plugres-index key add ID --role online --public-file KEY.pub --root-key ROOT.key` (a snapshot and a timestamp key)"
        );
    }
    role_key_of(keys, key).ok_or_else(|| {
        let ids: Vec<String> = keys.iter().map(|k| format!("`{}`", k.id)).collect();
        anyhow::anyhow!(
            "the key (public key {}) is not a {role} key of this index; allowed: {}",
            key.public_base64(),
            ids.join(", ")
        )
    })
}

/// The version of the `snapshot.toml` or `timestamp.toml` in `dir`, parsed
/// with `parse`; `None` when there is none yet.
fn previous_version(
    dir: &Path,
    path: &str,
    parse: impl Fn(&[u8]) -> Result<u64, Vec<plugres_schema::Diagnostic>>,
) -> Result<Option<u64>> {
    let Some(bytes) = read_if_exists(dir, path)? else {
        return Ok(None);
    };
    let version = parse(&bytes).map_err(|d| {
        diagnostics_error(&d).context(format!(
            "the current `{path}` does not parse, so its version (which the new one must exceed) is unknown; repair it (or restore it from git) first"
        ))
    })?;
    Ok(Some(version))
}

/// The current `snapshot.toml` of `dir`, parsed; `None` when there is none.
fn previous_snapshot(dir: &Path) -> Result<Option<Snapshot>> {
    let Some(bytes) = read_if_exists(dir, SNAPSHOT_PATH)? else {
        return Ok(None);
    };
    let mut snap = Snapshot::parse(SNAPSHOT_PATH, &bytes).map_err(|d| {
        diagnostics_error(&d).context(format!(
            "the current `{SNAPSHOT_PATH}` does not parse, so its version (which the new one must exceed) is unknown; repair it (or restore it from git) first"
        ))
    })?;
    if !grouped_bins(dir, &mut snap)? {
        // Which bins changed is unknown: the catalog is derived afresh.
        snap.catalog = None;
    }
    Ok(Some(snap))
}

/// Fills `snap.bins` of a grouped snapshot from its group files on disk;
/// `false` when a group is missing, changed or does not parse.
fn grouped_bins(dir: &Path, snap: &mut Snapshot) -> Result<bool> {
    for (id, sha) in snap.groups.clone() {
        let path = plugres_schema::group_path(&id);
        let Some(bytes) = read_if_exists(dir, &path)? else {
            return Ok(false);
        };
        if Sha256::of(&bytes) != sha {
            return Ok(false);
        }
        match plugres_schema::parse_group(&path, &bytes, &id, snap.bin_digits) {
            Ok(bins) => snap.bins.extend(bins),
            Err(_) => return Ok(false),
        }
    }
    Ok(true)
}

/// The version after `previous` of the role file `path` (1 for the first).
/// At `u64::MAX` there is none: such a version was written by hand or by
/// someone holding the online key, and only a key rotation (which restarts
/// the clients' floor, README threat model) gets the index going again.
fn next_version(path: &str, previous: Option<u64>) -> Result<u64> {
    match previous {
        None => Ok(1),
        Some(v) => v.checked_add(1).with_context(|| {
            format!(
                "`{path}` has version {v}, the highest there is, so no newer one can be signed; a version this high was set by hand or by someone holding the online key\nhint: rotate the online key (`plugres-index key add --role online`, then `key remove --role online` of the old one, signed by the root key), then delete `{path}` and sign it again: clients accept versions from 1 again under a new online key"
            )
        }),
    }
}

/// Computes the snapshot of the tree at `dir` (version: the current
/// snapshot's + 1), writes its bins, `snapshot.toml` and its signature by
/// `key` (trusted comment time `stamp`), and removes bin files it no
/// longer uses.
pub fn write_snapshot(
    dir: &Path,
    key: &SigningKey,
    bins: Bins,
    stamp: u64,
) -> Result<SnapshotWritten> {
    let previous = previous_snapshot(dir)?;
    let version = next_version(SNAPSHOT_PATH, previous.as_ref().map(|s| s.version))?;
    let digests = tree_digests(dir)?;
    let plugins = digests
        .keys()
        .filter(|p| name_from_index_path(p).is_some())
        .count();
    let bin_digits = match bins {
        Bins::Auto => plugres_schema::auto_bin_digits(plugins),
        Bins::Digits(n) => n,
    };
    let signatures = tree_signatures(dir, &digests)?;
    let (mut snap, bin_files) = Snapshot::build(version, &digests, &signatures, bin_digits);
    let (catalog_digits, shards) =
        catalog::shards(dir, &digests, previous.as_ref(), (bin_digits, &bin_files))?;
    snap.catalog = Some(CatalogListing {
        digits: catalog_digits,
        shards: shards
            .iter()
            .map(|(id, text)| (id.clone(), Sha256::of(text.as_bytes())))
            .collect(),
    });
    let shard_files: Vec<(String, String)> = shards
        .into_iter()
        .map(|(id, text)| (catalog_path(&id), text))
        .collect();
    let mut changed = Vec::new();
    let group_files = snap.group_files();
    let table_files: Vec<(String, String)> = bin_files.iter().cloned().chain(group_files).collect();
    let bin_bytes = replace_files(dir, SNAPSHOT_BIN_DIR, &table_files, &mut changed)?;
    let catalog_bytes = replace_files(dir, CATALOG_DIR, &shard_files, &mut changed)?;
    let text = snap.to_toml();
    // What clients will parse: refuse to sign anything they would not.
    Snapshot::parse(SNAPSHOT_PATH, text.as_bytes()).map_err(|d| diagnostics_error(&d))?;
    write_signed(dir, SNAPSHOT_PATH, text.as_bytes(), key, stamp)?;
    changed.extend([SNAPSHOT_PATH.to_string(), sig_path(SNAPSHOT_PATH)]);
    changed.sort();
    Ok(SnapshotWritten {
        version,
        bin_digits,
        files: digests.len(),
        plugins,
        bins: bin_files.len(),
        groups: snap.groups.len(),
        snapshot_bytes: text.len() as u64,
        bin_bytes,
        catalog_digits,
        catalog_shards: shard_files.len(),
        catalog_bytes,
        changed,
    })
}

/// Writes `files` (index path, text) into folder `folder`, each only when
/// its text changed, and removes the folder's other `.toml` files; adds
/// what it wrote or removed to `changed`. Returns the files' total size.
fn replace_files(
    dir: &Path,
    folder: &str,
    files: &[(String, String)],
    changed: &mut Vec<String>,
) -> Result<u64> {
    let keep: BTreeSet<&str> = files.iter().map(|(p, _)| p.as_str()).collect();
    for rel in existing_toml_files(dir, folder)? {
        if !keep.contains(rel.as_str()) {
            let full = dir.join(&rel);
            std::fs::remove_file(&full)
                .with_context(|| format!("cannot remove the stale `{}`", full.display()))?;
            changed.push(rel);
        }
    }
    let mut bytes = 0u64;
    for (rel, text) in files {
        bytes += text.len() as u64;
        if read_if_exists(dir, rel)?.as_deref() != Some(text.as_bytes()) {
            write(dir, rel, text.as_bytes())?;
            changed.push(rel.clone());
        }
    }
    Ok(bytes)
}

/// The catalog entry of every plugin file among `digests` that parses
/// (one that does not is left out; `validate` reports it), in parallel.
pub fn tree_catalog(dir: &Path, digests: &BTreeMap<String, Sha256>) -> Result<Vec<CatalogEntry>> {
    let plugin_files: Vec<&String> = digests
        .keys()
        .filter(|p| name_from_index_path(p).is_some())
        .collect();
    let read: Result<Vec<Option<CatalogEntry>>> = plugin_files
        .into_par_iter()
        .map(|p| {
            let file = dir.join(p);
            let bytes = std::fs::read(&file)
                .with_context(|| format!("cannot read `{}`", file.display()))?;
            Ok(PluginFile::parse(p, &bytes)
                .ok()
                .map(|f| CatalogEntry::of(&f)))
        })
        .collect();
    Ok(read?.into_iter().flatten().collect())
}

/// Writes `timestamp.toml` (version: the current one's + 1) vouching for
/// the `snapshot.toml` in `dir`, valid for `expiry` seconds from `stamp`,
/// and its signature by `key`. The snapshot must verify against the
/// snapshot keys of `config`: a timestamp never vouches for a forged one.
pub fn write_timestamp(
    dir: &Path,
    config: &IndexConfig,
    key: &SigningKey,
    expiry: u64,
    stamp: u64,
) -> Result<TimestampWritten> {
    let Some(snapshot_bytes) = read_if_exists(dir, SNAPSHOT_PATH)? else {
        bail!(
            "`{SNAPSHOT_PATH}` is missing: a timestamp points at the current snapshot\nhint: run `plugres-index snapshot` first"
        );
    };
    let snap = Snapshot::parse(SNAPSHOT_PATH, &snapshot_bytes).map_err(|d| {
        diagnostics_error(&d).context(format!(
            "`{SNAPSHOT_PATH}` does not parse\nhint: run `plugres-index snapshot` first"
        ))
    })?;
    let sig = read_if_exists(dir, &sig_path(SNAPSHOT_PATH))?.with_context(|| {
        format!("`{SNAPSHOT_PATH}.minisig` is missing\nhint: run `plugres-index snapshot` first")
    })?;
    plugres_schema::verify(
        SNAPSHOT_PATH,
        &snapshot_bytes,
        &sig,
        config.snapshot_keys.iter().map(|k| (&k.id, &k.public)),
    )
    .context("the snapshot does not verify against the snapshot keys of config.toml\nhint: run `plugres-index snapshot`")?;
    let previous = previous_version(dir, TIMESTAMP_PATH, |b| {
        Timestamp::parse(TIMESTAMP_PATH, b).map(|t| t.version)
    })?;
    let ts = Timestamp {
        version: next_version(TIMESTAMP_PATH, previous)?,
        expires: stamp
            .checked_add(expiry)
            .context("the expiry is too far in the future")?,
        snapshot_version: snap.version,
        snapshot_sha256: Sha256::of(&snapshot_bytes),
        snapshot_size: snapshot_bytes.len() as u64,
    };
    let text = ts.to_toml();
    Timestamp::parse(TIMESTAMP_PATH, text.as_bytes()).map_err(|d| diagnostics_error(&d))?;
    write_signed(dir, TIMESTAMP_PATH, text.as_bytes(), key, stamp)?;
    write_head(dir)?;
    Ok(TimestampWritten {
        version: ts.version,
        expires: ts.expires,
        expires_utc: plugres_schema::time::format_utc(ts.expires),
        snapshot_version: ts.snapshot_version,
        snapshot_sha256: ts.snapshot_sha256.to_hex(),
        snapshot_size: ts.snapshot_size,
        changed: vec![
            TIMESTAMP_PATH.to_string(),
            sig_path(TIMESTAMP_PATH),
            HEAD_PATH.to_string(),
        ],
    })
}

/// The `head.bundle` the trust files in `dir` make (README "head.bundle"):
/// each of the six, byte for byte; `None` when one is missing.
pub fn head_of(dir: &Path) -> Result<Option<Vec<u8>>> {
    let mut failed = None;
    let head = Head::assemble(|path| {
        read_if_exists(dir, path).unwrap_or_else(|e| {
            failed.get_or_insert(e);
            None
        })
    });
    match failed {
        Some(e) => Err(e),
        None => Ok(head),
    }
}

/// Writes `head.bundle` from the trust files in `dir`: after every
/// timestamp, so the head always holds the current trust files.
fn write_head(dir: &Path) -> Result<()> {
    let head = head_of(dir)?.context(
        "a trust file is missing, so `head.bundle` cannot be written\nhint: run `plugres-index snapshot` first",
    )?;
    write(dir, HEAD_PATH, &head)
}

/// Index paths of the `.toml` files in `snapshot/` (bins, current or stale).
pub fn existing_bin_files(dir: &Path) -> Result<Vec<String>> {
    existing_toml_files(dir, SNAPSHOT_BIN_DIR)
}

/// Index paths of the `.toml` files in folder `folder` of the index.
pub fn existing_toml_files(dir: &Path, folder: &str) -> Result<Vec<String>> {
    let bin_dir = dir.join(folder);
    let entries = match std::fs::read_dir(&bin_dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => bail!("cannot list `{}`: {e}", bin_dir.display()),
    };
    let mut out = Vec::new();
    for entry in entries {
        let entry = entry.with_context(|| format!("cannot list `{}`", bin_dir.display()))?;
        let name = entry.file_name();
        if let Some(name) = name.to_str().filter(|n| n.ends_with(".toml")) {
            out.push(format!("{folder}/{name}"));
        }
    }
    out.sort();
    Ok(out)
}

fn write_signed(dir: &Path, rel: &str, bytes: &[u8], key: &SigningKey, stamp: u64) -> Result<()> {
    let sig = plugres_schema::sign(key, rel, bytes, stamp).map_err(anyhow::Error::msg)?;
    write(dir, rel, bytes)?;
    write(dir, &sig_path(rel), sig.as_bytes())
}

fn write(dir: &Path, rel: &str, bytes: &[u8]) -> Result<()> {
    let full = dir.join(rel);
    atomic_write(&full, bytes).with_context(|| format!("cannot write `{}`", full.display()))
}

fn is_file(dir: &Path, rel: &str) -> bool {
    std::fs::symlink_metadata(dir.join(rel)).is_ok_and(|m| m.file_type().is_file())
}

/// The `/`-separated index path of `path`, a file under `dir`; `None` for
/// a name that is not UTF-8 (never a plugin's path).
fn index_path_of(dir: &Path, path: &Path) -> Option<String> {
    let rel = path.strip_prefix(dir).ok()?;
    let parts: Option<Vec<&str>> = rel.iter().map(|c| c.to_str()).collect();
    Some(parts?.join("/"))
}

mod catalog;
#[cfg(test)]
mod tests;
