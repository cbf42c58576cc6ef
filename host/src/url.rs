//! URL text a project file may hold: `file://` URLs of local artifacts, and
//! userinfo that must never be shown or shared.
//!
//! The lockfile records every artifact as a URL so that installing from it
//! needs no index; artifacts of a local index become `file://` URLs there.
//! plugres.toml and plugres.lock are shared with the project, so an `index`
//! URL with a password is refused, and URLs in messages hide their userinfo.

use std::path::{Path, PathBuf};

/// Bytes kept as they are in a `file://` URL path; all others are %-encoded.
fn keep(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"-._~/".contains(&b)
}

/// `file://` URL of an absolute path (a relative one is taken as is).
pub fn path_to_file_url(path: &Path) -> String {
    let text = path.to_string_lossy().replace('\\', "/");
    let mut out = String::from("file://");
    if !text.starts_with('/') {
        // `C:/x` on Windows becomes `file:///C:/x`.
        out.push('/');
    }
    for b in text.bytes() {
        if keep(b) || (b == b':' && cfg!(windows)) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The path of a `file://` URL; `None` for other URLs or a bad encoding.
pub fn file_url_to_path(url: &str) -> Option<PathBuf> {
    let rest = url.strip_prefix("file://")?;
    // `file://localhost/x` and `file:///x` name the same file.
    let rest = rest.strip_prefix("localhost").unwrap_or(rest);
    if !rest.starts_with('/') {
        return None;
    }
    let bytes = rest.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    let text = String::from_utf8(out).ok()?;
    if cfg!(windows) && text.as_bytes().get(2) == Some(&b':') {
        return Some(PathBuf::from(&text[1..]));
    }
    Some(PathBuf::from(text))
}

/// `url` fit for a message: a password in it becomes `***`, and so does a
/// bare http(s) user name (it may be a token).
pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(end);
    let Some((userinfo, host)) = authority.rsplit_once('@') else {
        return url.to_string();
    };
    let shown = match userinfo.split_once(':') {
        Some((user, _)) => format!("{user}:***"),
        None if scheme.to_ascii_lowercase().ends_with("http")
            || scheme.to_ascii_lowercase().ends_with("https") =>
        {
            "***".to_string()
        }
        None => userinfo.to_string(),
    };
    format!("{scheme}://{shown}@{host}{tail}")
}

/// Whether `url` carries a password (`user:pass@`).
pub fn has_password(url: &str) -> bool {
    let Some((_, rest)) = url.split_once("://") else {
        return false;
    };
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    rest[..end]
        .rsplit_once('@')
        .is_some_and(|(userinfo, _)| userinfo.contains(':'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_urls_roundtrip_with_escapes() {
        let p = Path::new("/tmp/my index/ä#1/a.wasm");
        let url = path_to_file_url(p);
        assert_eq!(url, "file:///tmp/my%20index/%C3%A4%231/a.wasm");
        assert_eq!(file_url_to_path(&url).as_deref(), Some(p));
    }

    #[test]
    fn other_urls_are_not_file_urls() {
        assert_eq!(file_url_to_path("https://cdn.example.com/a.wasm"), None);
        assert_eq!(file_url_to_path("file://host/x"), None);
        assert_eq!(file_url_to_path("file:///x%zz"), None);
        assert_eq!(
            file_url_to_path("file://localhost/x"),
            Some(PathBuf::from("/x"))
        );
    }

    #[test]
    fn userinfo_is_redacted_in_urls() {
        assert_eq!(
            redact_url("sparse+https://bob:hunter2@h/idx/"),
            "sparse+https://bob:***@h/idx/"
        );
        assert_eq!(redact_url("https://ghp_tok@h/x"), "https://***@h/x");
        assert_eq!(redact_url("ssh://git@h/x.git"), "ssh://git@h/x.git");
        assert_eq!(redact_url("https://h/a@b"), "https://h/a@b");
        assert_eq!(redact_url("../idx"), "../idx");
        assert!(has_password("https://a:b@h/"));
        assert!(!has_password("https://a@h/"));
        assert!(!has_password("https://h/a:b@c"));
    }
}
