//! `snapshot.toml`: one signed, numbered picture of the whole index.
//!
//! Per-file signatures say who wrote a file, not *when*: a host could serve
//! an old signed file (rollback), or files from different moments
//! (mix-and-match). The snapshot lists the sha256 of every signed file of
//! the index (config, plugin files and their signatures) under a version
//! that only grows, and is signed by a key the config gives the snapshot
//! role. A client accepts a file only when its digest is the one the
//! snapshot lists, and never a snapshot older than one it has seen.
//!
//! A large index splits the list into hashed bins (as TUF does): the
//! snapshot then lists `snapshot/<bin>.toml` files by digest, and a plugin's
//! entries sit in the bin named by the first `bin-digits` hex digits of the
//! sha256 of its name. A client fetches only the bins of the plugins it
//! reads, and a new snapshot changes only the bins whose plugins changed.
//! With thousands of bins, their digests are listed through bin groups
//! (see [`groups`]).

use std::collections::BTreeMap;
use std::fmt::Write;

use serde::Deserialize;
use toml::Spanned;

use crate::catalog::{CatalogListing, is_shard_id};
use crate::diag::{Diagnostic, Diagnostics};
use crate::fields::{check_format, finish, raw_toml};
use crate::name::PluginName;
use crate::path::{CONFIG_PATH, SIGNATURE_SUFFIX, name_from_index_path};
use crate::render::{push_quoted, quote};
use crate::sha::Sha256;
use crate::unknown::{Parsed, UnknownFields};

pub const SNAPSHOT_PATH: &str = "snapshot.toml";
/// Folder of the bin files of a binned snapshot.
pub const SNAPSHOT_BIN_DIR: &str = "snapshot";
/// The most hex digits a bin id may have (16^4 = 65,536 bins).
pub const MAX_BIN_DIGITS: u8 = 4;

/// A validated snapshot. Built by [`Snapshot::parse`] or [`Snapshot::build`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snapshot {
    pub version: u64,
    /// 0: every file is listed in `files`; otherwise plugin files are in
    /// bins named by this many hex digits.
    pub bin_digits: u8,
    /// Files listed in the snapshot itself: the config (always) and, when
    /// not binned, every plugin file and signature.
    pub files: BTreeMap<String, Sha256>,
    /// Bin id → sha256 of its bin file. Bins without files are left out.
    /// Empty in a parsed grouped snapshot: the group files list them.
    pub bins: BTreeMap<String, Sha256>,
    /// 0: the snapshot lists its bins itself; otherwise bins are listed in
    /// group files named by this many hex digits of the bin id.
    pub group_digits: u8,
    /// Group id → sha256 of its group file (when `group_digits > 0`).
    pub groups: BTreeMap<String, Sha256>,
    /// Plugin file path → the text of its `.minisig`, for the plugin files
    /// listed in `files` (not binned): a client needs no request for it.
    pub signatures: BTreeMap<String, String>,
    /// The catalog's shards by digest (README "The catalog"); `None` for a
    /// snapshot written before catalogs.
    pub catalog: Option<CatalogListing>,
}

/// A validated bin file: the digests of its plugins' files and signatures,
/// and the text of each plugin file's signature.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Bin {
    pub files: BTreeMap<String, Sha256>,
    /// Plugin file path → the text of its `.minisig` (its digest is the
    /// one `files` lists for the `.minisig`).
    pub signatures: BTreeMap<String, String>,
}

/// Where a file's expected digest is found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Listing {
    /// Listed in the snapshot: this digest.
    Listed(Sha256),
    /// Not in the index at this snapshot.
    Absent,
    /// In bin `id`, whose file has digest `sha256` (absent bin: `None`).
    InBin { id: String, sha256: Option<Sha256> },
    /// In bin `bin`, whose digest group `group` lists; the group's file
    /// has digest `sha256` (absent group: `None`).
    InGroup {
        group: String,
        bin: String,
        sha256: Option<Sha256>,
    },
}

impl Snapshot {
    /// Parses and validates `snapshot.toml`.
    /// A field this plugres does not know is an error.
    pub fn parse(file: &str, bytes: &[u8]) -> Result<Snapshot, Vec<Diagnostic>> {
        Self::parse_with(file, bytes, UnknownFields::Refuse).map(|p| p.value)
    }

    /// [`Snapshot::parse`], with unknown fields treated as `mode` says
    /// (README "Format evolution").
    pub fn parse_with(
        file: &str,
        bytes: &[u8],
        mode: UnknownFields,
    ) -> Result<Parsed<Snapshot>, Vec<Diagnostic>> {
        if let Some(value) = std::str::from_utf8(bytes)
            .ok()
            .filter(|_| bytes.len() <= crate::MAX_FILE_SIZE)
            .and_then(|text| canonical::parse(file, text))
        {
            return Ok(Parsed {
                value,
                unknown: Vec::new(),
            });
        }
        let (raw, d, unknown) = raw_toml::<RawSnapshot>(file, bytes, mode)?;
        let (value, d) = raw.validate(d);
        finish(Some(value), d, unknown)
    }

    /// Where the digest of index file `path` is found.
    pub fn listing(&self, path: &str) -> Listing {
        if let Some(sha) = self.files.get(path) {
            return Listing::Listed(*sha);
        }
        match bin_of(path, self.bin_digits) {
            Some(bin) if self.group_digits > 0 => {
                let group = group_of(&bin, self.group_digits);
                Listing::InGroup {
                    sha256: self.groups.get(&group).copied(),
                    group,
                    bin,
                }
            }
            Some(id) => Listing::InBin {
                sha256: self.bins.get(&id).copied(),
                id,
            },
            None => Listing::Absent,
        }
    }

    /// Builds the snapshot of `files` (every signed file of the index and
    /// its signature, by index path → sha256) with `bin_digits` hex digits
    /// of bins (0: not binned), carrying `signatures` (plugin file path →
    /// the text of its `.minisig`) beside the digests. Returns the snapshot
    /// and its bin files as `(index path, text)`; [`Snapshot::to_toml`]
    /// gives its own text.
    pub fn build(
        version: u64,
        files: &BTreeMap<String, Sha256>,
        signatures: &BTreeMap<String, String>,
        bin_digits: u8,
    ) -> (Snapshot, Vec<(String, String)>) {
        let mut top = Bin::default();
        let mut binned: BTreeMap<String, Bin> = BTreeMap::new();
        for (path, sha) in files {
            let bin = match bin_of(path, bin_digits).filter(|_| !is_top_level(path)) {
                Some(id) => binned.entry(id).or_default(),
                None => &mut top,
            };
            bin.files.insert(path.clone(), *sha);
            if let Some(sig) = signatures.get(path) {
                bin.signatures.insert(path.clone(), sig.clone());
            }
        }
        let mut bins = BTreeMap::new();
        let mut texts = Vec::new();
        for (id, bin) in binned {
            let text = bin_text(&id, &bin);
            bins.insert(id.clone(), Sha256::of(text.as_bytes()));
            texts.push((bin_path(&id), text));
        }
        let group_digits = auto_group_digits(bin_digits);
        let groups = group_texts(&bins, group_digits)
            .into_iter()
            .map(|(id, text)| (id, Sha256::of(text.as_bytes())))
            .collect();
        let snap = Snapshot {
            version,
            bin_digits,
            files: top.files,
            bins,
            group_digits,
            groups,
            signatures: top.signatures,
            catalog: None,
        };
        (snap, texts)
    }

    /// The group files of a grouped snapshot built by [`Snapshot::build`]
    /// (which knows every bin), as `(index path, text)`; none otherwise.
    pub fn group_files(&self) -> Vec<(String, String)> {
        group_texts(&self.bins, self.group_digits)
            .into_iter()
            .map(|(id, text)| (group_path(&id), text))
            .collect()
    }

    /// The inline signature text of plugin file `path`, when this snapshot
    /// lists it itself (not binned).
    pub fn signature(&self, path: &str) -> Option<&str> {
        self.signatures.get(path).map(String::as_str)
    }

    /// The deterministic text of this snapshot.
    pub fn to_toml(&self) -> String {
        let digests = self.files.len() + self.bins.len() + self.groups.len();
        let signed: usize = self.signatures.iter().map(|(k, v)| k.len() + v.len()).sum();
        let mut s = String::with_capacity(128 + digests * 120 + signed * 11 / 10);
        let _ = writeln!(s, "format = {}", crate::FORMAT);
        let _ = writeln!(s, "version = {}", self.version);
        if self.bin_digits > 0 {
            let _ = writeln!(s, "bin-digits = {}", self.bin_digits);
        }
        if self.group_digits > 0 {
            let _ = writeln!(s, "bin-group-digits = {}", self.group_digits);
        }
        if let Some(c) = &self.catalog {
            let _ = writeln!(s, "catalog-digits = {}", c.digits);
        }
        write_digests(&mut s, "files", &self.files);
        if self.group_digits > 0 {
            write_digests(&mut s, "bin-groups", &self.groups);
        } else if self.bin_digits > 0 {
            write_digests(&mut s, "bins", &self.bins);
        }
        if let Some(c) = &self.catalog {
            write_digests(&mut s, "catalog", &c.shards);
        }
        write_signatures(&mut s, &self.signatures);
        s
    }
}

/// The index path of bin `id`'s file: `snapshot/3f.toml`.
pub fn bin_path(id: &str) -> String {
    format!("{SNAPSHOT_BIN_DIR}/{id}.toml")
}

/// The bin of plugin file (or signature) `path` for `digits` hex digits;
/// `None` when not binned or `path` is not a plugin's file.
pub fn bin_of(path: &str, digits: u8) -> Option<String> {
    if digits == 0 {
        return None;
    }
    let name = plugin_of(path)?;
    let hex = Sha256::of(name.as_str().as_bytes()).to_hex();
    hex.get(..usize::from(digits)).map(str::to_string)
}

/// One bin file, checked to belong to bin `id`; a field this plugres
/// does not know is an error.
pub fn parse_bin(file: &str, bytes: &[u8], id: &str) -> Result<Bin, Vec<Diagnostic>> {
    parse_bin_with(file, bytes, id, UnknownFields::Refuse).map(|p| p.value)
}

/// [`parse_bin`], with unknown fields treated as `mode` says (README
/// "Format evolution").
pub fn parse_bin_with(
    file: &str,
    bytes: &[u8],
    id: &str,
    mode: UnknownFields,
) -> Result<Parsed<Bin>, Vec<Diagnostic>> {
    let (raw, mut d, unknown) = raw_toml::<RawBin>(file, bytes, mode)?;
    check_format(&mut d, &raw.format);
    if raw.bin.get_ref() != id {
        d.error(
            Some(raw.bin.span()),
            format!(
                "this is the file of bin `{}`, expected bin `{id}`",
                raw.bin.get_ref()
            ),
        );
    }
    let digits = u8::try_from(id.len()).unwrap_or(u8::MAX);
    let files = digests(&mut d, &raw.files, |p| {
        check_plugin_path(p)?;
        match bin_of(p, digits) {
            Some(b) if b == id => Ok(()),
            _ => Err(format!("`{p}` does not belong in bin `{id}`")),
        }
    });
    let signatures = inline_signatures(&mut d, &raw.signatures, &files);
    finish(Some(Bin { files, signatures }), d, unknown)
}

/// Most plugins a snapshot lists itself: ≈ 530 bytes each with its
/// signature inline, so a flat snapshot stays under ~270 KB.
pub const FLAT_PLUGINS: usize = 512;

/// The number of bin digits a snapshot of `plugins` plugins should use:
/// none up to [`FLAT_PLUGINS`]; beyond, enough that a bin holds at most
/// ~64 plugins.
pub fn auto_bin_digits(plugins: usize) -> u8 {
    if plugins <= FLAT_PLUGINS {
        return 0;
    }
    let mut digits = 1u8;
    while digits < MAX_BIN_DIGITS && plugins > 64 * 16usize.pow(u32::from(digits)) {
        digits += 1;
    }
    digits
}

fn bin_text(id: &str, bin: &Bin) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "format = {}", crate::FORMAT);
    let _ = writeln!(s, "bin = {}", quote(id));
    write_digests(&mut s, "files", &bin.files);
    write_signatures(&mut s, &bin.signatures);
    s
}

/// The validated `bin-group-digits` and `[bin-groups]` of a snapshot: a
/// grouped snapshot lists no `[bins]` itself.
fn grouping(
    d: &mut Diagnostics,
    raw: &RawSnapshot,
    bin_digits: u8,
) -> (u8, BTreeMap<String, Sha256>) {
    let Some(digits) = &raw.bin_group_digits else {
        if let Some((k, _)) = raw.bin_groups.iter().next() {
            d.error(
                Some(k.span()),
                "`[bin-groups]` needs `bin-group-digits` (the hex digits naming the groups)",
            );
        }
        return (0, BTreeMap::new());
    };
    let group_digits = *digits.get_ref();
    if group_digits == 0 || group_digits >= bin_digits {
        d.error(
            Some(digits.span()),
            format!(
                "`bin-group-digits` must be at least 1 and less than `bin-digits` ({bin_digits})"
            ),
        );
        return (0, BTreeMap::new());
    }
    if let Some((k, _)) = raw.bins.iter().next() {
        d.error(
            Some(k.span()),
            "a snapshot with `bin-group-digits` lists its bins in the group files, not in `[bins]`",
        );
    }
    let groups = digests(d, &raw.bin_groups, |id| check_bin_id(id, group_digits));
    (group_digits, groups)
}

/// The validated `catalog-digits` and `[catalog]` of a snapshot.
fn catalog_listing(d: &mut Diagnostics, raw: &RawSnapshot) -> Option<CatalogListing> {
    let Some(digits) = &raw.catalog_digits else {
        if let Some((k, _)) = raw.catalog.iter().next() {
            d.error(
                Some(k.span()),
                "`[catalog]` needs `catalog-digits` (the hex digits naming its shards)",
            );
        }
        return None;
    };
    let digits_v = *digits.get_ref();
    if digits_v > MAX_BIN_DIGITS {
        d.error(
            Some(digits.span()),
            format!("`catalog-digits` is at most {MAX_BIN_DIGITS}"),
        );
    }
    let shards = self::digests(d, &raw.catalog, |id| {
        if is_shard_id(id, digits_v) {
            Ok(())
        } else {
            Err(format!(
                "`{id}` is not a catalog shard id: expected {digits_v} lowercase hex digits (`catalog-digits`), or `all` when it is 0"
            ))
        }
    });
    Some(CatalogListing {
        digits: digits_v,
        shards,
    })
}

fn write_signatures(s: &mut String, map: &BTreeMap<String, String>) {
    if map.is_empty() {
        return;
    }
    let _ = writeln!(s, "\n[signatures]");
    for (k, v) in map {
        push_quoted(s, k);
        s.push_str(" = ");
        push_quoted(s, v);
        s.push('\n');
    }
}

/// Validated `"plugin file path" = "signature text"` pairs: each must be
/// the signature of a plugin file `files` lists, whose text has the digest
/// `files` lists for its `.minisig` (the snapshot key signs both; this
/// keeps them one fact).
fn inline_signatures(
    d: &mut Diagnostics,
    raw: &BTreeMap<Spanned<String>, Spanned<String>>,
    files: &BTreeMap<String, Sha256>,
) -> BTreeMap<String, String> {
    // Collected in order, then built at once: cheaper than an insert each.
    let mut out = Vec::with_capacity(raw.len());
    let mut sig_path = String::new();
    for (k, v) in raw {
        let path = k.get_ref();
        sig_path.clear();
        sig_path.push_str(path);
        sig_path.push_str(SIGNATURE_SUFFIX);
        if name_from_index_path(path).is_none() || !files.contains_key(path) {
            d.error(
                Some(k.span()),
                format!("`{path}` is not a plugin file listed in `[files]`: `[signatures]` carries the signatures of listed plugin files"),
            );
            continue;
        }
        match files.get(&sig_path) {
            Some(sha) if *sha == Sha256::of(v.get_ref().as_bytes()) => {
                out.push((path.clone(), v.get_ref().clone()));
            }
            Some(_) => d.error(
                Some(v.span()),
                format!("this is not the signature `[files]` lists for `{sig_path}` (its sha256 differs)"),
            ),
            None => d.error(
                Some(k.span()),
                format!("`[files]` lists no `{sig_path}` for this signature"),
            ),
        }
    }
    out.into_iter().collect()
}

/// Written piece by piece: a first use renders a flat snapshot of a few
/// hundred plugins to check its fast read (`canonical`).
fn write_digests(s: &mut String, table: &str, map: &BTreeMap<String, Sha256>) {
    let _ = writeln!(s, "\n[{table}]");
    for (k, v) in map {
        push_quoted(s, k);
        s.push_str(" = \"");
        v.push_hex(s);
        s.push_str("\"\n");
    }
}

fn is_top_level(path: &str) -> bool {
    path == CONFIG_PATH || path.strip_suffix(SIGNATURE_SUFFIX) == Some(CONFIG_PATH)
}

fn plugin_of(path: &str) -> Option<PluginName> {
    name_from_index_path(path.strip_suffix(SIGNATURE_SUFFIX).unwrap_or(path))
}

fn check_plugin_path(p: &str) -> Result<(), String> {
    plugin_of(p).map(|_| ()).ok_or_else(|| {
        format!("`{p}` is not the path of a plugin file or its signature (like `plugins/he/ll/hello-world.toml`)")
    })
}

fn check_bin_id(id: &str, digits: u8) -> Result<(), String> {
    let ok = digits > 0
        && id.len() == usize::from(digits)
        && id.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
    if ok {
        Ok(())
    } else {
        Err(format!(
            "`{id}` is not a bin id: expected {digits} lowercase hex digits (`bin-digits`)"
        ))
    }
}

/// Validated `key = "sha256"` pairs; `check` vets each key.
fn digests(
    d: &mut Diagnostics,
    raw: &BTreeMap<Spanned<String>, Spanned<String>>,
    check: impl Fn(&str) -> Result<(), String>,
) -> BTreeMap<String, Sha256> {
    // Collected in order, then built at once: cheaper than an insert each.
    let mut out = Vec::with_capacity(raw.len());
    for (k, v) in raw {
        if let Err(e) = check(k.get_ref()) {
            d.error(Some(k.span()), e);
            continue;
        }
        match Sha256::parse(v.get_ref()) {
            Ok(sha) => out.push((k.get_ref().clone(), sha)),
            Err(e) => d.error(Some(v.span()), e),
        }
    }
    out.into_iter().collect()
}

/// `snapshot.toml`: the version and sha256 of every signed file of the index.
#[derive(Deserialize)]
#[cfg_attr(feature = "json-schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
#[cfg_attr(
    feature = "json-schema",
    schemars(title = "plugres index: snapshot.toml")
)]
pub(crate) struct RawSnapshot {
    #[cfg_attr(feature = "json-schema", schemars(with = "crate::json_schema::Format"))]
    format: Spanned<u32>,
    /// Raised by every new snapshot; clients refuse an older one.
    #[cfg_attr(feature = "json-schema", schemars(with = "u64", range(min = 1)))]
    version: Spanned<u64>,
    /// Hex digits of sha256(plugin name) that name a plugin's bin; 0 or
    /// absent: every file is listed in `[files]`.
    #[cfg_attr(feature = "json-schema", schemars(with = "Option<u8>", range(max = 4)))]
    bin_digits: Option<Spanned<u8>>,
    /// Hex digits of a bin id that name its group; absent: `[bins]` lists
    /// the bins, present: `[bin-groups]` lists the group files that do.
    #[cfg_attr(
        feature = "json-schema",
        schemars(with = "Option<u8>", range(min = 1, max = 3))
    )]
    bin_group_digits: Option<Spanned<u8>>,
    /// Hex digits of sha256(plugin name) that name a plugin's catalog
    /// shard (0: one shard, `all`); absent: no catalog.
    #[cfg_attr(feature = "json-schema", schemars(with = "Option<u8>", range(max = 4)))]
    catalog_digits: Option<Spanned<u8>>,
    /// Index path → sha256 of config.toml, its signature and (not binned)
    /// every plugin file and signature.
    #[cfg_attr(feature = "json-schema", schemars(with = "BTreeMap<String, Sha256>"))]
    files: BTreeMap<Spanned<String>, Spanned<String>>,
    /// Bin id → sha256 of `snapshot/<id>.toml`.
    #[serde(default)]
    #[cfg_attr(feature = "json-schema", schemars(with = "BTreeMap<String, Sha256>"))]
    bins: BTreeMap<Spanned<String>, Spanned<String>>,
    /// Group id → sha256 of `snapshot/group-<id>.toml`.
    #[serde(default)]
    #[cfg_attr(feature = "json-schema", schemars(with = "BTreeMap<String, Sha256>"))]
    bin_groups: BTreeMap<Spanned<String>, Spanned<String>>,
    /// Plugin file path → the text of its `.minisig` (not binned), so a
    /// client needs no request for it.
    #[serde(default)]
    #[cfg_attr(feature = "json-schema", schemars(with = "BTreeMap<String, String>"))]
    signatures: BTreeMap<Spanned<String>, Spanned<String>>,
    /// Catalog shard id → sha256 of `catalog/<id>.toml`.
    #[serde(default)]
    #[cfg_attr(feature = "json-schema", schemars(with = "BTreeMap<String, Sha256>"))]
    catalog: BTreeMap<Spanned<String>, Spanned<String>>,
}

impl RawSnapshot {
    /// The snapshot these fields give, with every problem with them in `d`.
    fn validate(self, mut d: Diagnostics) -> (Snapshot, Diagnostics) {
        let raw = self;
        check_format(&mut d, &raw.format);
        if *raw.version.get_ref() == 0 {
            d.error(Some(raw.version.span()), "`version` starts at 1");
        }
        let bin_digits = raw.bin_digits.as_ref().map_or(0, |b| *b.get_ref());
        if let Some(b) = &raw.bin_digits
            && *b.get_ref() > MAX_BIN_DIGITS
        {
            d.error(
                Some(b.span()),
                format!("`bin-digits` is at most {MAX_BIN_DIGITS}"),
            );
        }
        let files = digests(&mut d, &raw.files, |p| {
            if is_top_level(p) {
                Ok(())
            } else if bin_digits > 0 {
                Err(format!(
                    "`{p}` belongs in a bin file: this snapshot has `bin-digits = {bin_digits}`"
                ))
            } else {
                check_plugin_path(p)
            }
        });
        let bins = digests(&mut d, &raw.bins, |id| check_bin_id(id, bin_digits));
        let (group_digits, groups) = grouping(&mut d, &raw, bin_digits);
        let signatures = inline_signatures(&mut d, &raw.signatures, &files);
        let catalog = catalog_listing(&mut d, &raw);
        for top in [
            CONFIG_PATH.to_string(),
            format!("{CONFIG_PATH}{SIGNATURE_SUFFIX}"),
        ] {
            if !files.contains_key(&top) {
                d.error(None, format!("`[files]` must list `{top}`"));
            }
        }
        let value = Snapshot {
            version: *raw.version.get_ref(),
            bin_digits,
            files,
            bins,
            group_digits,
            groups,
            signatures,
            catalog,
        };
        (value, d)
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBin {
    format: Spanned<u32>,
    bin: Spanned<String>,
    files: BTreeMap<Spanned<String>, Spanned<String>>,
    #[serde(default)]
    signatures: BTreeMap<Spanned<String>, Spanned<String>>,
}

mod canonical;
mod groups;

use groups::group_texts;
pub use groups::{
    BINS_PER_GROUP_DIGITS, GROUPED_BIN_DIGITS, auto_group_digits, group_of, group_path,
    parse_group, parse_group_with,
};

#[cfg(test)]
mod tests;
