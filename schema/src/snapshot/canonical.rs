//! A fast read of `snapshot.toml` in the form the index tool writes it.
//!
//! A first use of an index parses its snapshot before anything else can be
//! trusted: for a flat snapshot of a few hundred plugins, some 240 KB of
//! TOML with a signature per plugin, the `toml` crate took ~3 ms, on the
//! path of every request that follows. [`Snapshot::to_toml`] writes one
//! shape only; this module reads exactly that shape, line by line, into
//! the raw fields serde fills, and hands them to the same validation.
//!
//! Like the plugin files' fast read (`plugin::canonical`), it adds no rule
//! of its own: a read counts only if the validated result renders back to
//! the input byte for byte, and anything else — another layout, a comment,
//! a field it does not read, a value that fails validation — returns
//! `None`, and the caller parses with the `toml` crate, with its
//! diagnostics.

use std::collections::BTreeMap;

use toml::Spanned;

use super::{RawSnapshot, Snapshot};
use crate::diag::Diagnostics;
use crate::plugin::canonical::{basic_string, lines};

/// `text` read the canonical way and validated, when it is exactly the
/// canonical text of the result.
pub(super) fn parse(file: &str, text: &str) -> Option<Snapshot> {
    let raw = read(text)?;
    let (snapshot, d) = raw.validate(Diagnostics::new(file, text));
    if d.has_errors() || snapshot.to_toml() != text {
        return None;
    }
    Some(snapshot)
}

type Table = BTreeMap<Spanned<String>, Spanned<String>>;
/// A table's lines as read: in order, so built at once at the end.
type Lines = Vec<(Spanned<String>, Spanned<String>)>;

/// Which table the lines being read belong to.
#[derive(Clone, Copy, PartialEq)]
enum In {
    Top,
    Files,
    Bins,
    BinGroups,
    Catalog,
    Signatures,
}

#[derive(Default)]
struct Top {
    format: Option<Spanned<u32>>,
    version: Option<Spanned<u64>>,
    bin_digits: Option<Spanned<u8>>,
    bin_group_digits: Option<Spanned<u8>>,
    catalog_digits: Option<Spanned<u8>>,
}

/// The raw fields of `text`, for what [`Snapshot::to_toml`] writes:
/// `key = integer` lines at the top, then the five tables of
/// `"key" = "value"` lines, each header once.
fn read(text: &str) -> Option<RawSnapshot> {
    let mut top = Top::default();
    let mut tables: [Lines; 5] = Default::default();
    let mut headers = Vec::new();
    let mut table = In::Top;
    for line in lines(text) {
        let (start, body) = line?;
        if body.starts_with('[') {
            table = match body {
                "[files]" => In::Files,
                "[bins]" => In::Bins,
                "[bin-groups]" => In::BinGroups,
                "[catalog]" => In::Catalog,
                "[signatures]" => In::Signatures,
                _ => return None,
            };
            if headers.contains(&table) {
                return None;
            }
            headers.push(table);
            continue;
        }
        match table {
            In::Top => top_field(&mut top, body, start)?,
            In::Files => pair(&mut tables[0], body, start)?,
            In::Bins => pair(&mut tables[1], body, start)?,
            In::BinGroups => pair(&mut tables[2], body, start)?,
            In::Catalog => pair(&mut tables[3], body, start)?,
            In::Signatures => pair(&mut tables[4], body, start)?,
        }
    }
    let [files, bins, bin_groups, catalog, signatures] = tables.map(Table::from_iter);
    Some(RawSnapshot {
        format: top.format?,
        version: top.version?,
        bin_digits: top.bin_digits,
        bin_group_digits: top.bin_group_digits,
        catalog_digits: top.catalog_digits,
        files,
        bins,
        bin_groups,
        signatures,
        catalog,
    })
}

/// One `key = digits` line of the top table, each key once.
fn top_field(top: &mut Top, body: &str, start: usize) -> Option<()> {
    let (key, value) = body.split_once(" = ")?;
    let digits =
        value.bytes().all(|b| b.is_ascii_digit()) && (value == "0" || !value.starts_with('0'));
    if !digits {
        return None;
    }
    let at = start + key.len() + 3;
    let span = at..at + value.len();
    fn set<T: std::str::FromStr>(
        slot: &mut Option<Spanned<T>>,
        value: &str,
        span: std::ops::Range<usize>,
    ) -> Option<()> {
        let v = value.parse().ok()?;
        slot.replace(Spanned::new(span, v)).is_none().then_some(())
    }
    match key {
        "format" => set(&mut top.format, value, span),
        "version" => set(&mut top.version, value, span),
        "bin-digits" => set(&mut top.bin_digits, value, span),
        "bin-group-digits" => set(&mut top.bin_group_digits, value, span),
        "catalog-digits" => set(&mut top.catalog_digits, value, span),
        _ => None,
    }
}

/// One `"key" = "value"` line, after the previous key (the renderer writes
/// a table's keys sorted, so each once).
fn pair(table: &mut Lines, body: &str, start: usize) -> Option<()> {
    let (key, rest) = basic_string(body)?;
    let key_end = start + body.len() - rest.len();
    let rest = rest.strip_prefix(" = ")?;
    let value_start = start + body.len() - rest.len();
    let (value, after) = basic_string(rest)?;
    if !after.is_empty() {
        return None;
    }
    if table.last().is_some_and(|(last, _)| *last.get_ref() >= key) {
        return None;
    }
    let key = Spanned::new(start..key_end, key);
    let value = Spanned::new(value_start..start + body.len(), value);
    table.push((key, value));
    Some(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sha::Sha256;

    fn snapshot() -> Snapshot {
        let path = "plugins/he/ll/hello.toml";
        let sig = "untrusted comment: signature\nRWQ\"x\\y\n";
        let files = [
            ("config.toml", Sha256::of(b"c")),
            ("config.toml.minisig", Sha256::of(b"cs")),
            (path, Sha256::of(b"h")),
            (
                "plugins/he/ll/hello.toml.minisig",
                Sha256::of(sig.as_bytes()),
            ),
        ];
        Snapshot {
            version: 7,
            bin_digits: 0,
            files: files.iter().map(|(p, s)| (p.to_string(), *s)).collect(),
            bins: Default::default(),
            group_digits: 0,
            groups: Default::default(),
            signatures: [(path.to_string(), sig.to_string())].into(),
            catalog: Some(crate::catalog::CatalogListing {
                digits: 0,
                shards: [("all".to_string(), Sha256::of(b"shard"))].into(),
            }),
        }
    }

    /// The fast read gives what the `toml` crate gives, on the canonical
    /// text only.
    #[test]
    fn reads_the_canonical_text_and_nothing_else() {
        let snap = snapshot();
        let text = snap.to_toml();
        assert_eq!(parse("snapshot.toml", &text), Some(snap.clone()));
        let (raw, d, _) = crate::fields::raw_toml::<RawSnapshot>(
            "snapshot.toml",
            text.as_bytes(),
            crate::unknown::UnknownFields::Refuse,
        )
        .unwrap();
        assert_eq!(raw.validate(d).0, snap);
        let variants = [
            text.replace("version = 7\n", "version = 7 # seven\n"),
            text.replace("version = 7\n", "version = 07\n"),
            text.replace("version = 7\n", "version=7\n"),
            text.replace("[files]\n", "[files]\n# digests\n"),
            text.replace("\" = \"", "\"=\""),
            text.replace("[catalog]", "[ catalog ]"),
            text.replace("format = 1\n", "format = 1\nformat = 1\n"),
            text.replace("format = 1\n", "format = 1\nsomething = 1\n"),
            format!("{text}[files]\n"),
            format!("{text}\"config.toml\" = \"{}\"\n", Sha256::of(b"c")),
            text.trim_end().to_string(),
            swapped_lines(&text, "\"config.toml\"", "\"config.toml.minisig\""),
        ];
        for v in variants {
            assert_eq!(parse("snapshot.toml", &v), None, "{v}");
            // The full parser reads the same values from the ones it takes.
            if let Ok(full) = Snapshot::parse_with(
                "snapshot.toml",
                v.as_bytes(),
                crate::unknown::UnknownFields::Ignore,
            ) {
                assert_eq!(full.value, snap, "{v}");
            }
        }
    }

    /// `text` with the lines starting `a` and `b` swapped.
    fn swapped_lines(text: &str, a: &str, b: &str) -> String {
        let mut lines: Vec<&str> = text.split_inclusive('\n').collect();
        let i = lines.iter().position(|l| l.starts_with(a)).unwrap();
        let j = lines.iter().position(|l| l.starts_with(b)).unwrap();
        lines.swap(i, j);
        lines.concat()
    }

    /// A canonical text whose values do not validate is left to the full
    /// parser, for its diagnostics.
    #[test]
    fn a_canonical_text_that_does_not_validate_is_not_read() {
        let text = snapshot().to_toml().replace("version = 7", "version = 0");
        assert_eq!(parse("snapshot.toml", &text), None);
        assert!(Snapshot::parse("snapshot.toml", text.as_bytes()).is_err());
    }
}
