//! A fast read of plugin files in the form the index tool writes them.
//!
//! Parsing plugin files with the `toml` crate was the largest cost of a
//! cold resolution after the network: a few MB/s per core, for files whose
//! shape never varies, because `plugres-index` writes every plugin file
//! through [`crate::render::plugin_file`]. This module reads exactly that
//! shape, line by line, into the same raw structs serde fills, and hands
//! them to the same validation.
//!
//! It adds no rule of its own and cannot accept what the full parser
//! refuses: a read counts only if rendering the validated result gives
//! back the input byte for byte, so the input is the canonical text of
//! that value, which the full parser reads to the same value (the index
//! tool relies on that round trip; a test checks it). Anything else — a
//! comment, another layout, a field or table it does not read, a value
//! that fails validation — returns `None`, and the caller parses with the
//! `toml` crate as before, with its diagnostics.

use std::collections::BTreeMap;
use std::ops::Range;

use toml::Spanned;

use super::{PluginFile, RawArtifact, RawPlugin, RawStoredFile, RawVersion};
use crate::diag::Diagnostics;
use crate::unknown::UnknownFields;

/// `text` read the canonical way and validated, when it is exactly the
/// canonical text of the result; `None` sends the caller to the full parser.
pub(crate) fn parse(file: &str, text: &str, mode: UnknownFields) -> Option<PluginFile> {
    let raw = read(text)?;
    let mut d = Diagnostics::new(file, text);
    let plugin = raw.validate(&mut d, mode)?;
    if d.has_errors() {
        return None;
    }
    let mut rendered = String::with_capacity(text.len());
    crate::render::plugin_file_into(&mut rendered, &plugin);
    if rendered != text {
        return None;
    }
    Some(plugin)
}

/// The non-empty lines of `text`, each with where it starts; `None` for a
/// last line without its line end (the renderer ends every line), which
/// fails the read.
pub(crate) fn lines(text: &str) -> impl Iterator<Item = Option<(usize, &str)>> {
    let mut at = 0;
    text.split_inclusive('\n').filter_map(move |line| {
        let start = at;
        at += line.len();
        match line.strip_suffix('\n') {
            None => Some(None),
            Some("") => None,
            Some(body) => Some(Some((start, body))),
        }
    })
}

/// Which table the lines being read belong to.
enum Table {
    Top,
    Channels,
    Version,
    Dependencies,
    Artifact,
}

/// The raw structs of `text`, for the subset of TOML the renderer writes:
/// `key = value` lines with bare keys, basic strings, one-line string
/// arrays, integers, `true`, a datetime, the readme's inline table, and
/// the four table headers.
fn read(text: &str) -> Option<RawPlugin> {
    let mut top = TopFields::default();
    let mut channels = BTreeMap::new();
    // Each `[[version]]` with its span: its header, as `toml` gives it.
    let mut versions: Vec<(Range<usize>, VersionFields)> = Vec::new();
    let mut table = Table::Top;
    for line in lines(text) {
        let (start, body) = line?;
        if body.starts_with('[') {
            table = match body {
                "[channels]" if matches!(table, Table::Top) => Table::Channels,
                "[[version]]" => {
                    versions.push((start..start + body.len(), VersionFields::default()));
                    Table::Version
                }
                "[version.dependencies]" if !versions.is_empty() => Table::Dependencies,
                "[[version.artifact]]" if !versions.is_empty() => {
                    let header = Some(start..start + body.len());
                    let artifact = ArtifactFields {
                        span: header,
                        ..ArtifactFields::default()
                    };
                    versions.last_mut()?.1.artifacts.push(artifact);
                    Table::Artifact
                }
                _ => return None,
            };
            continue;
        }
        let (key, value) = key_value(body, start)?;
        match table {
            Table::Top => top.set(key, value)?,
            Table::Channels => insert(&mut channels, key, start, value.string()?)?,
            Table::Version => versions.last_mut()?.1.set(key, value)?,
            Table::Dependencies => {
                let deps = &mut versions.last_mut()?.1.dependencies;
                insert(deps, key, start, value.string()?)?
            }
            Table::Artifact => versions
                .last_mut()?
                .1
                .artifacts
                .last_mut()?
                .set(key, value)?,
        }
    }
    let version = versions
        .into_iter()
        .map(|(span, v)| Some(Spanned::new(span, v.finish()?)))
        .collect::<Option<Vec<_>>>()?;
    Some(RawPlugin {
        name: top.name?,
        description: top.description?,
        license: top.license,
        repository: top.repository,
        homepage: top.homepage,
        authors: top.authors.unwrap_or_default(),
        support: top.support,
        keywords: top.keywords.unwrap_or_default(),
        categories: top.categories.unwrap_or_default(),
        deprecated: top.deprecated,
        channels,
        version,
    })
}

/// Adds `key = value` to a table of strings; a key given twice is not the
/// renderer's.
fn insert(
    map: &mut BTreeMap<Spanned<String>, Spanned<String>>,
    key: &str,
    start: usize,
    value: Spanned<String>,
) -> Option<()> {
    let key = Spanned::new(start..start + key.len(), key.to_string());
    map.insert(key, value).is_none().then_some(())
}

/// Sets a field that must be absent so far.
fn once<T>(slot: &mut Option<T>, value: T) -> Option<()> {
    slot.is_none().then(|| *slot = Some(value))
}

#[derive(Default)]
struct TopFields {
    name: Option<Spanned<String>>,
    description: Option<Spanned<String>>,
    license: Option<Spanned<String>>,
    repository: Option<Spanned<String>>,
    homepage: Option<Spanned<String>>,
    support: Option<Spanned<String>>,
    deprecated: Option<Spanned<String>>,
    authors: Option<Vec<Spanned<String>>>,
    keywords: Option<Vec<Spanned<String>>>,
    categories: Option<Vec<Spanned<String>>>,
}

impl TopFields {
    fn set(&mut self, key: &str, value: Value<'_>) -> Option<()> {
        match key {
            "name" => once(&mut self.name, value.string()?),
            "description" => once(&mut self.description, value.string()?),
            "license" => once(&mut self.license, value.string()?),
            "repository" => once(&mut self.repository, value.string()?),
            "homepage" => once(&mut self.homepage, value.string()?),
            "support" => once(&mut self.support, value.string()?),
            "deprecated" => once(&mut self.deprecated, value.string()?),
            "authors" => once(&mut self.authors, value.strings()?),
            "keywords" => once(&mut self.keywords, value.strings()?),
            "categories" => once(&mut self.categories, value.strings()?),
            _ => None,
        }
    }
}

#[derive(Default)]
struct VersionFields {
    version: Option<Spanned<String>>,
    engine: Option<Spanned<String>>,
    published: Option<Spanned<toml::value::Datetime>>,
    permissions: Option<Vec<Spanned<String>>>,
    yanked: Option<bool>,
    yank_reason: Option<Spanned<String>>,
    readme: Option<RawStoredFile>,
    attestation: Option<RawStoredFile>,
    dependencies: BTreeMap<Spanned<String>, Spanned<String>>,
    artifacts: Vec<ArtifactFields>,
}

impl VersionFields {
    fn set(&mut self, key: &str, value: Value<'_>) -> Option<()> {
        match key {
            "version" => once(&mut self.version, value.string()?),
            "engine" => once(&mut self.engine, value.string()?),
            "published" => once(&mut self.published, value.datetime()?),
            "permissions" => once(&mut self.permissions, value.strings()?),
            "yanked" => once(&mut self.yanked, value.is_true()?),
            "yank-reason" => once(&mut self.yank_reason, value.string()?),
            "readme" => once(&mut self.readme, value.stored_file()?),
            "attestation" => once(&mut self.attestation, value.stored_file()?),
            _ => None,
        }
    }

    fn finish(self) -> Option<RawVersion> {
        Some(RawVersion {
            version: self.version?,
            engine: self.engine?,
            published: self.published?,
            permissions: self.permissions.unwrap_or_default(),
            yanked: self.yanked.unwrap_or(false),
            yank_reason: self.yank_reason,
            dependencies: self.dependencies,
            config: BTreeMap::new(),
            artifact: self
                .artifacts
                .into_iter()
                .map(ArtifactFields::finish)
                .collect::<Option<Vec<_>>>()?,
            readme: self.readme,
            attestation: self.attestation,
        })
    }
}

#[derive(Default)]
struct ArtifactFields {
    /// Its `[[version.artifact]]` header.
    span: Option<Range<usize>>,
    target: Option<Spanned<String>>,
    url: Option<Spanned<String>>,
    sha256: Option<Spanned<String>>,
    size: Option<Spanned<i64>>,
}

impl ArtifactFields {
    fn set(&mut self, key: &str, value: Value<'_>) -> Option<()> {
        match key {
            "target" => once(&mut self.target, value.string()?),
            "url" => once(&mut self.url, value.string()?),
            "sha256" => once(&mut self.sha256, value.string()?),
            "size" => once(&mut self.size, value.integer()?),
            _ => None,
        }
    }

    fn finish(self) -> Option<Spanned<RawArtifact>> {
        Some(Spanned::new(
            self.span?,
            RawArtifact {
                target: self.target?,
                url: self.url?,
                sha256: self.sha256?,
                size: self.size?,
            },
        ))
    }
}

/// The text right of ` = ` on one line, and where it is in the file.
struct Value<'a> {
    text: &'a str,
    at: usize,
}

/// Splits `key = value` (a bare key, one space either side of `=`).
fn key_value(body: &str, start: usize) -> Option<(&str, Value<'_>)> {
    // A bare key has no space: the first one must start ` = ` (cheaper to
    // find than the three bytes, on every line of every file).
    let at = body.find(' ')?;
    let (key, text) = (&body[..at], body[at..].strip_prefix(" = ")?);
    if key.is_empty() || !key.bytes().all(is_bare) || text.is_empty() {
        return None;
    }
    let value = Value {
        text,
        at: start + key.len() + 3,
    };
    Some((key, value))
}

fn is_bare(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'-' || b == b'_'
}

impl Value<'_> {
    fn span(&self) -> Range<usize> {
        self.at..self.at + self.text.len()
    }

    /// A whole basic string.
    fn string(&self) -> Option<Spanned<String>> {
        let (s, rest) = basic_string(self.text)?;
        rest.is_empty().then(|| Spanned::new(self.span(), s))
    }

    /// `[]`, or basic strings separated by `, ` in brackets.
    fn strings(&self) -> Option<Vec<Spanned<String>>> {
        let mut rest = self.text.strip_prefix('[')?;
        let mut out = Vec::new();
        if rest == "]" {
            return Some(out);
        }
        loop {
            let begin = self.at + (self.text.len() - rest.len());
            let (s, after) = basic_string(rest)?;
            let end = self.at + (self.text.len() - after.len());
            out.push(Spanned::new(begin..end, s));
            if after == "]" {
                return Some(out);
            }
            rest = after.strip_prefix(", ")?;
        }
    }

    /// Decimal digits only (the renderer writes sizes so).
    fn integer(&self) -> Option<Spanned<i64>> {
        let digits = self.text;
        let canonical = digits.bytes().all(|b| b.is_ascii_digit())
            && (digits == "0" || !digits.starts_with('0'));
        let n = if canonical {
            digits.parse().ok()?
        } else {
            return None;
        };
        Some(Spanned::new(self.span(), n))
    }

    fn is_true(&self) -> Option<bool> {
        (self.text == "true").then_some(true)
    }

    fn datetime(&self) -> Option<Spanned<toml::value::Datetime>> {
        let dt: toml::value::Datetime = self.text.parse().ok()?;
        Some(Spanned::new(self.span(), dt))
    }

    /// `{ path = "…", sha256 = "…", size = N }`.
    fn stored_file(&self) -> Option<RawStoredFile> {
        let inner = self.text.strip_prefix("{ ")?.strip_suffix(" }")?;
        let offset = self.at + 2;
        let field = |rest: &str, key: &str| -> Option<usize> {
            rest.strip_prefix(key)?.strip_prefix(" = ")?;
            Some(key.len() + 3)
        };
        let skip = field(inner, "path")?;
        let (path, rest) = basic_string(&inner[skip..])?;
        let path_end = inner.len() - rest.len();
        let path = Spanned::new(offset + skip..offset + path_end, path);
        let rest = rest.strip_prefix(", ")?;
        let base = inner.len() - rest.len();
        let skip = field(rest, "sha256")?;
        let (sha, rest2) = basic_string(&rest[skip..])?;
        let sha_end = inner.len() - rest2.len();
        let sha256 = Spanned::new(offset + base + skip..offset + sha_end, sha);
        let rest = rest2.strip_prefix(", ")?;
        let base = inner.len() - rest.len();
        let skip = field(rest, "size")?;
        let size = Value {
            text: &rest[skip..],
            at: offset + base + skip,
        }
        .integer()?;
        Some(RawStoredFile { path, sha256, size })
    }
}

/// A basic string at the start of `text` (the escapes the renderer
/// writes), and what follows it.
pub(crate) fn basic_string(text: &str) -> Option<(String, &str)> {
    let body = text.strip_prefix('"')?;
    // Most strings have no escape: up to the closing quote in one piece.
    if let Some(end) = body.find(['"', '\\'])
        && body.as_bytes()[end] == b'"'
        && !body[..end].chars().any(char::is_control)
    {
        return Some((body[..end].to_string(), &body[end + 1..]));
    }
    let mut out = String::with_capacity(body.len());
    let mut chars = body.char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '"' => return Some((out, &body[i + 1..])),
            '\\' => out.push(match chars.next()?.1 {
                '"' => '"',
                '\\' => '\\',
                'n' => '\n',
                't' => '\t',
                'r' => '\r',
                'u' => {
                    let hex: String = (0..4)
                        .map(|_| chars.next().map(|c| c.1))
                        .collect::<Option<_>>()?;
                    char::from_u32(u32::from_str_radix(&hex, 16).ok()?)?
                }
                _ => return None,
            }),
            c if c.is_control() => return None,
            c => out.push(c),
        }
    }
    None
}

#[cfg(test)]
mod tests;
