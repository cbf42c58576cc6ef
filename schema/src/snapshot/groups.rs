//! Bin groups: a second level of the snapshot's hashed bins (README
//! "snapshot.toml and timestamp.toml").
//!
//! A snapshot of 4,096 bins that listed every bin's digest would be ~300 KB,
//! fetched again by every client after every publish. With bins of three or
//! more hex digits the snapshot lists instead the digests of group files
//! (`snapshot/group-<id>.toml`) of 256 bins each (16 groups for 3-digit
//! bins), each listing the digests of its bins: a client reads the group of
//! a bin before the bin, and a publish changes one bin, its group and the
//! snapshot's line for that group. Groups of 256 bins keep both costs
//! small: a cold client reads at most 16 more files for 4,096 bins, and a
//! group file is ~19 KB.

use std::collections::BTreeMap;
use std::fmt::Write;

use serde::Deserialize;
use toml::Spanned;

use super::{SNAPSHOT_BIN_DIR, check_bin_id, digests, write_digests};
use crate::diag::Diagnostic;
use crate::fields::{check_format, finish, raw_toml};
use crate::render::quote;
use crate::sha::Sha256;
use crate::unknown::{Parsed, UnknownFields};

/// Bins of this many hex digits or more are listed through groups.
pub const GROUPED_BIN_DIGITS: u8 = 3;
/// A group holds the bins whose ids share all but the last this many hex
/// digits: 256 bins.
pub const BINS_PER_GROUP_DIGITS: u8 = 2;

/// The group digits a snapshot with `bin_digits` digits of bins uses (0:
/// the snapshot lists its bins itself): groups of 256 bins.
pub fn auto_group_digits(bin_digits: u8) -> u8 {
    if bin_digits >= GROUPED_BIN_DIGITS {
        bin_digits - BINS_PER_GROUP_DIGITS
    } else {
        0
    }
}

/// The index path of group `id`'s file: `snapshot/group-3.toml`.
pub fn group_path(id: &str) -> String {
    format!("{SNAPSHOT_BIN_DIR}/group-{id}.toml")
}

/// The group of bin `bin` for `group_digits` hex digits.
pub fn group_of(bin: &str, group_digits: u8) -> String {
    bin.get(..usize::from(group_digits))
        .unwrap_or(bin)
        .to_string()
}

/// Bin id → digest, split into groups of `group_digits` digits: each
/// group's id and the text of its file; none when `group_digits` is 0
/// (the snapshot lists its bins itself).
pub(super) fn group_texts(
    bins: &BTreeMap<String, Sha256>,
    group_digits: u8,
) -> Vec<(String, String)> {
    if group_digits == 0 {
        return Vec::new();
    }
    let mut groups: BTreeMap<String, BTreeMap<String, Sha256>> = BTreeMap::new();
    for (id, sha) in bins {
        groups
            .entry(group_of(id, group_digits))
            .or_default()
            .insert(id.clone(), *sha);
    }
    groups
        .into_iter()
        .map(|(id, bins)| {
            let mut s = String::new();
            let _ = writeln!(s, "format = {}", crate::FORMAT);
            let _ = writeln!(s, "group = {}", quote(&id));
            write_digests(&mut s, "bins", &bins);
            (id, s)
        })
        .collect()
}

/// One group file, checked to be group `id` of a snapshot whose bins have
/// `bin_digits` digits: bin id → sha256 of the bin's file. A field this
/// plugres does not know is an error.
pub fn parse_group(
    file: &str,
    bytes: &[u8],
    id: &str,
    bin_digits: u8,
) -> Result<BTreeMap<String, Sha256>, Vec<Diagnostic>> {
    parse_group_with(file, bytes, id, bin_digits, UnknownFields::Refuse).map(|p| p.value)
}

/// [`parse_group`], with unknown fields treated as `mode` says (README
/// "Format evolution").
pub fn parse_group_with(
    file: &str,
    bytes: &[u8],
    id: &str,
    bin_digits: u8,
    mode: UnknownFields,
) -> Result<Parsed<BTreeMap<String, Sha256>>, Vec<Diagnostic>> {
    let (raw, mut d, unknown) = raw_toml::<RawGroup>(file, bytes, mode)?;
    check_format(&mut d, &raw.format);
    if raw.group.get_ref() != id {
        d.error(
            Some(raw.group.span()),
            format!(
                "this is the file of bin group `{}`, expected group `{id}`",
                raw.group.get_ref()
            ),
        );
    }
    let bins = digests(&mut d, &raw.bins, |bin| {
        check_bin_id(bin, bin_digits)?;
        if bin.starts_with(id) {
            Ok(())
        } else {
            Err(format!("bin `{bin}` does not belong in group `{id}`"))
        }
    });
    finish(Some(bins), d, unknown)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawGroup {
    format: Spanned<u32>,
    group: Spanned<String>,
    #[serde(default)]
    bins: BTreeMap<Spanned<String>, Spanned<String>>,
}
