//! Fields an index file has that this plugres does not know.
//!
//! An index outlives the clients that read it: a newer `plugres-index` may
//! write a field (a new piece of plugin metadata, say) that an older
//! client has never heard of. If clients refused such a file, no index
//! could ever add a field without breaking every client already
//! installed. So the same parser has two modes (README "Format
//! evolution"):
//!
//! * [`UnknownFields::Refuse`] — `plugres-index validate` and `publish`:
//!   an unknown field is an error at its line and column (a typo, or a
//!   field this tool cannot vouch for).
//! * [`UnknownFields::Ignore`] — clients: the field is skipped and
//!   reported as an [`UnknownField`], which the client warns about once
//!   per run.
//!
//! Ignoring is safe because what a client trusts is decided by the fields
//! it knows, after the file's signature or digest was checked over the
//! exact bytes; a field that would *narrow* trust must come with a new
//! `format` number, which every older client refuses. The few tables
//! where that rule is not enough (the keys of `config.toml`) stay strict
//! in both modes.
//!
//! Every struct of a format keeps `deny_unknown_fields`, so a strict read
//! is exactly serde's, and the common case — a file with no unknown field
//! — costs one parse in either mode. Only when a lenient read meets an
//! unknown field does it parse the text into a span-keeping table, find
//! the field by the span of the error, drop it (wherever that path occurs:
//! every `[[version]]`) and deserialise again: once per distinct field.

use toml::de::{DeTable, DeValue};

use crate::diag::{Diagnostic, Diagnostics};

/// How a reader treats a field that its format version does not define.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum UnknownFields {
    /// An error at the field (`plugres-index validate` and `publish`).
    #[default]
    Refuse,
    /// Skipped, and returned as an [`UnknownField`] (clients).
    Ignore,
}

/// A field a lenient read skipped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownField {
    /// Its TOML path without array positions, like `version.support-tier`.
    pub field: String,
    /// The warning: file, line and column of its first occurrence.
    pub diagnostic: Diagnostic,
}

impl UnknownField {
    /// What a run warns about once: the kind of file (every plugin file
    /// is one kind, like every bin and every catalog shard) and the field.
    pub fn once_key(&self) -> (String, String) {
        let file = &self.diagnostic.file;
        let kind = file.split_once('/').map_or(file.as_str(), |(dir, _)| dir);
        (kind.to_string(), self.field.clone())
    }
}

/// A parsed value and the unknown fields its lenient read skipped (none
/// when read with [`UnknownFields::Refuse`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parsed<T> {
    pub value: T,
    pub unknown: Vec<UnknownField>,
}

/// The most distinct unknown fields a lenient read drops before it gives
/// up: each costs a parse, and no honest file has this many.
const MAX_DROPPED: usize = 64;

/// Deserialises `text` as `T`; under [`UnknownFields::Ignore`] a field
/// `T` does not define is dropped and returned, unless it is under one of
/// the `strict` top-level keys.
pub(crate) fn deserialize<T: serde::de::DeserializeOwned>(
    d: &Diagnostics,
    text: &str,
    mode: UnknownFields,
    strict: &[&str],
) -> Result<(T, Vec<UnknownField>), toml::de::Error> {
    let first = match toml::from_str::<T>(text) {
        Ok(value) => return Ok((value, Vec::new())),
        Err(e) if mode == UnknownFields::Refuse => return Err(e),
        Err(e) => e,
    };
    let mut dropped: Vec<(Vec<Segment>, UnknownField)> = Vec::new();
    let mut err = first;
    loop {
        let Some(path) = unknown_field_path(text, &err) else {
            return Err(err);
        };
        let under_strict =
            matches!(path.first(), Some(Segment::Key(k)) if strict.contains(&k.as_str()));
        let again = dropped.iter().any(|(p, _)| keys(p) == keys(&path));
        if under_strict || again || dropped.len() >= MAX_DROPPED {
            return Err(err);
        }
        let warning = warning(d, text, &path, err.span());
        dropped.push((path, warning));
        let mut root = DeTable::parse(text)?;
        for (p, _) in &dropped {
            drop_field(root.get_mut(), &keys(p));
        }
        match T::deserialize(toml::de::Deserializer::from(root)) {
            Ok(value) => {
                let mut found: Vec<UnknownField> = dropped.into_iter().map(|(_, w)| w).collect();
                found.sort_by_key(|u| (u.diagnostic.line, u.diagnostic.column));
                return Ok((value, found));
            }
            Err(e) => err = e,
        }
    }
}

/// The path of the field an "unknown field" error `err` is about, found
/// by the error's span; `None` for any other error.
fn unknown_field_path(text: &str, err: &toml::de::Error) -> Option<Vec<Segment>> {
    let name = err
        .message()
        .strip_prefix("unknown field `")?
        .split('`')
        .next()?;
    let span = err.span()?;
    let root = DeTable::parse(text).ok()?;
    let mut path = Vec::new();
    find_key(root.get_ref(), span.start, name, &mut path).then_some(path)
}

/// Fills `path` with the way to the key `name` starting at byte `at`.
fn find_key(table: &DeTable<'_>, at: usize, name: &str, path: &mut Vec<Segment>) -> bool {
    for (key, value) in table.iter() {
        path.push(Segment::Key(key.get_ref().to_string()));
        if key.span().start == at && key.get_ref() == name {
            return true;
        }
        if find_in_value(value.get_ref(), at, name, path) {
            return true;
        }
        path.pop();
    }
    false
}

fn find_in_value(value: &DeValue<'_>, at: usize, name: &str, path: &mut Vec<Segment>) -> bool {
    match value {
        DeValue::Table(t) => find_key(t, at, name, path),
        DeValue::Array(items) => items.iter().enumerate().any(|(i, item)| {
            path.push(Segment::Index(i));
            let found = find_in_value(item.get_ref(), at, name, path);
            if !found {
                path.pop();
            }
            found
        }),
        _ => false,
    }
}

/// Removes the field at `keys` from `table`, in every element of the
/// arrays of tables on the way.
fn drop_field(table: &mut DeTable<'_>, keys: &[&str]) {
    let Some((first, rest)) = keys.split_first() else {
        return;
    };
    if rest.is_empty() {
        table.remove(*first);
        return;
    }
    let Some(value) = table.get_mut(*first) else {
        return;
    };
    drop_in_value(value.get_mut(), rest);
}

fn drop_in_value(value: &mut DeValue<'_>, keys: &[&str]) {
    match value {
        DeValue::Table(t) => drop_field(t, keys),
        DeValue::Array(items) => {
            for item in items.iter_mut() {
                drop_in_value(item.get_mut(), keys);
            }
        }
        _ => {}
    }
}

/// The warning for the field at `path`, at `span`.
fn warning(
    d: &Diagnostics,
    text: &str,
    path: &[Segment],
    span: Option<std::ops::Range<usize>>,
) -> UnknownField {
    let field = keys(path).join(".");
    let mut w = Diagnostics::new(d.file(), text);
    w.warning(
        span,
        format!(
            "unknown field `{field}` ignored: this plugres reads format {} without it (a newer plugres may use it)",
            crate::FORMAT
        ),
    );
    let diagnostic = w.into_vec().remove(0);
    UnknownField { field, diagnostic }
}

/// One step of a field's path.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment {
    Key(String),
    Index(usize),
}

/// The keys of `path`, without array positions.
fn keys(path: &[Segment]) -> Vec<&str> {
    path.iter()
        .filter_map(|s| match s {
            Segment::Key(k) => Some(k.as_str()),
            Segment::Index(_) => None,
        })
        .collect()
}

#[cfg(test)]
mod tests;
