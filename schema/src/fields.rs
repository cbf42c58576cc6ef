//! What every index file and `plugin.toml` share before their own rules:
//! the TOML prologue (size, UTF-8, syntax with line and column) and the
//! checks of common field kinds (requirements, one-line text, tags).
//!
//! Its own module so that the file formats depend on it and not on each
//! other.

use toml::Spanned;

use crate::diag::{Diagnostic, Diagnostics};
use crate::unknown::{Parsed, UnknownField, UnknownFields};

/// The raw TOML form `T` of an index file, after the size and UTF-8
/// checks, with the diagnostics its validation adds to and the fields `T`
/// does not define, treated as `mode` says (README "Format evolution"); a
/// syntax error or a field of the wrong type is reported with its line
/// and column.
pub(crate) fn raw_toml<T: serde::de::DeserializeOwned>(
    file: &str,
    bytes: &[u8],
    mode: UnknownFields,
) -> Result<(T, Diagnostics, Vec<UnknownField>), Vec<Diagnostic>> {
    raw_toml_keeping(file, bytes, mode, &[])
}

/// [`raw_toml`], with the tables under the `strict` top-level keys
/// refusing unknown fields in any mode.
pub(crate) fn raw_toml_keeping<T: serde::de::DeserializeOwned>(
    file: &str,
    bytes: &[u8],
    mode: UnknownFields,
    strict: &[&str],
) -> Result<(T, Diagnostics, Vec<UnknownField>), Vec<Diagnostic>> {
    let text = check_size_and_utf8(file, bytes)?;
    let mut d = Diagnostics::new(file, text);
    match crate::unknown::deserialize(&d, text, mode, strict) {
        Ok((raw, unknown)) => Ok((raw, d, unknown)),
        Err(e) => {
            d.toml_error(&e);
            Err(d.into_vec())
        }
    }
}

/// What a parse returns: the value and the fields skipped, or every
/// problem when `d` has errors.
pub(crate) fn finish<T>(
    value: Option<T>,
    d: Diagnostics,
    unknown: Vec<UnknownField>,
) -> Result<Parsed<T>, Vec<Diagnostic>> {
    match value {
        Some(value) if !d.has_errors() => Ok(Parsed { value, unknown }),
        _ => Err(d.into_vec()),
    }
}

/// Refuses oversized or non-UTF-8 files before any parsing.
pub(crate) fn check_size_and_utf8<'a>(
    file: &str,
    bytes: &'a [u8],
) -> Result<&'a str, Vec<Diagnostic>> {
    if bytes.len() > crate::MAX_FILE_SIZE {
        return Err(vec![Diagnostic::file_error(
            file,
            format!(
                "file is {} bytes; the limit is {} bytes",
                bytes.len(),
                crate::MAX_FILE_SIZE
            ),
        )]);
    }
    std::str::from_utf8(bytes).map_err(|e| {
        let mut d = Diagnostics::new(
            file,
            std::str::from_utf8(&bytes[..e.valid_up_to()]).unwrap_or(""),
        );
        d.error(
            Some(e.valid_up_to()..e.valid_up_to()),
            "file is not valid UTF-8",
        );
        d.into_vec()
    })
}

pub(crate) fn parse_req(
    d: &mut Diagnostics,
    raw: &Spanned<String>,
    what: &str,
) -> Option<semver::VersionReq> {
    match semver::VersionReq::parse(raw.get_ref()) {
        Ok(req) => Some(req),
        Err(e) => {
            d.error(
                Some(raw.span()),
                format!(
                    "{what} `{}` is not a semver requirement (like `>=1.4, <2` or `^0.3`): {e}",
                    raw.get_ref()
                ),
            );
            None
        }
    }
}

/// A one-line human text field: not empty (unless `allow_empty`), no control
/// characters, bounded length.
pub(crate) fn text_field(
    d: &mut Diagnostics,
    raw: &Spanned<String>,
    field: &str,
    max: usize,
    allow_empty: bool,
) -> String {
    let s = raw.get_ref();
    if (!allow_empty && s.trim().is_empty()) || s.chars().count() > max {
        d.error(
            Some(raw.span()),
            format!("`{field}` must be 1 to {max} characters"),
        );
    } else if s.chars().any(|c| c.is_control() && c != '\n') {
        d.error(
            Some(raw.span()),
            format!("`{field}` contains control characters"),
        );
    }
    s.clone()
}

/// The longest URL accepted in `repository`, `homepage` and `support`
/// (as for an absolute artifact URL).
pub(crate) const MAX_URL_LEN: usize = 2048;

/// A link field (`repository`, `homepage`, `support`): an `http(s)://`
/// URL of at most [`MAX_URL_LEN`] bytes, without whitespace or control
/// characters.
pub(crate) fn check_http_url(d: &mut Diagnostics, raw: Option<&Spanned<String>>, field: &str) {
    let Some(u) = raw else { return };
    let s = u.get_ref();
    if !(s.starts_with("https://") || s.starts_with("http://"))
        || s.chars().any(|c| c.is_whitespace() || c.is_control())
    {
        d.error(
            Some(u.span()),
            format!("`{field}` must be an http(s) URL, got `{s}`"),
        );
    } else if s.len() > MAX_URL_LEN {
        d.error(
            Some(u.span()),
            format!(
                "`{field}` is {} bytes; a URL may have at most {MAX_URL_LEN}",
                s.len()
            ),
        );
    }
}

/// The most `authors` a plugin may list, and the longest one.
pub(crate) const MAX_AUTHORS: usize = 20;
pub(crate) const MAX_AUTHOR_LEN: usize = 200;

/// `authors`: at most [`MAX_AUTHORS`] one-line texts like `Jane Doe
/// <jane@example.com>`, each 1 to [`MAX_AUTHOR_LEN`] characters.
pub(crate) fn check_authors(d: &mut Diagnostics, authors: &[Spanned<String>]) -> Vec<String> {
    if authors.len() > MAX_AUTHORS {
        d.error(
            Some(authors[MAX_AUTHORS].span()),
            format!("at most {MAX_AUTHORS} `authors` are allowed"),
        );
    }
    authors
        .iter()
        .map(|a| {
            if a.get_ref().contains('\n') {
                d.error(Some(a.span()), "an entry of `authors` is one line");
            }
            text_field(d, a, "authors", MAX_AUTHOR_LEN, false)
        })
        .collect()
}

pub(crate) fn check_tags(d: &mut Diagnostics, tags: &[Spanned<String>], field: &str) {
    if tags.len() > 5 {
        d.error(
            Some(tags[5].span()),
            format!("at most 5 `{field}` are allowed"),
        );
    }
    check_tag_words(d, tags, field);
}

/// The `categories` list of an index config: words like a plugin's
/// categories, each once (no limit on how many).
pub(crate) fn check_category_list(d: &mut Diagnostics, tags: &[Spanned<String>]) {
    check_tag_words(d, tags, "categories");
    for (i, t) in tags.iter().enumerate() {
        if tags[..i].iter().any(|u| u.get_ref() == t.get_ref()) {
            d.error(Some(t.span()), format!("`{}` is listed twice", t.get_ref()));
        }
    }
}

fn check_tag_words(d: &mut Diagnostics, tags: &[Spanned<String>], field: &str) {
    for t in tags {
        let s = t.get_ref();
        let ok = !s.is_empty()
            && s.len() <= 32
            && s.as_bytes()[0].is_ascii_alphanumeric()
            && s.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"-_+".contains(&b));
        if !ok {
            d.error(
                Some(t.span()),
                format!("`{s}` in `{field}`: use 1-32 lowercase letters, digits, `-`, `_` or `+`"),
            );
        }
    }
}

/// The `format` field of an index file: only [`crate::FORMAT`] is read; a
/// newer one asks for a newer plugres.
pub(crate) fn check_format(d: &mut Diagnostics, format: &Spanned<u32>) {
    if *format.get_ref() != crate::FORMAT {
        d.error(
            Some(format.span()),
            format!(
                "format {} is not supported (this plugres reads format {}); upgrade plugres",
                format.get_ref(),
                crate::FORMAT
            ),
        );
    }
}
