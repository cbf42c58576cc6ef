//! The HTTP side of the sparse index as plain functions: which URL to ask,
//! which conditional headers to send, and what a status means. No socket
//! here, so every rule is tested without a server.

use sha2::{Digest, Sha256};

/// The query parameter that makes a CDN pass a request through to the
/// origin instead of answering from its (possibly stale) cache.
pub(crate) const CACHE_BUST_PARAM: &str = "plugres-refresh";

/// What the server said about a cached copy last time: the validators to
/// send back so it can answer 304.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub(crate) struct Validators {
    pub(crate) etag: Option<String>,
    pub(crate) last_modified: Option<String>,
}

impl Validators {
    /// Validators from response header values; values that could not be
    /// sent back as a header (control characters, too long) are dropped.
    pub(crate) fn from_headers(etag: Option<&str>, last_modified: Option<&str>) -> Self {
        Validators {
            etag: etag.filter(|v| sendable(v)).map(str::to_string),
            last_modified: last_modified.filter(|v| sendable(v)).map(str::to_string),
        }
    }
}

fn sendable(value: &str) -> bool {
    !value.is_empty()
        && value.len() <= 1024
        && value
            .bytes()
            .all(|b| b == b'\t' || (b' '..=b'~').contains(&b))
}

/// The conditional request headers for a cached copy with `validators`:
/// `If-None-Match` for an ETag, `If-Modified-Since` for a Last-Modified.
/// Nothing when there is no cached copy to fall back on.
pub(crate) fn conditional_headers(validators: Option<&Validators>) -> Vec<(&'static str, String)> {
    let Some(v) = validators else {
        return Vec::new();
    };
    let mut headers = Vec::new();
    if let Some(etag) = v.etag.as_deref().filter(|e| sendable(e)) {
        headers.push(("If-None-Match", etag.to_string()));
    }
    if let Some(date) = v.last_modified.as_deref().filter(|d| sendable(d)) {
        headers.push(("If-Modified-Since", date.to_string()));
    }
    headers
}

/// What a response status means for one index file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Class {
    /// 2xx: the body is the current file.
    Fresh,
    /// 304: the cached copy is current.
    NotModified,
    /// 404 / 410: the index has no such file (e.g. no such plugin).
    Absent,
    /// 401 / 403: the registry is private, or the token was refused.
    AuthNeeded,
    /// 5xx, 408, 429: worth another attempt after a pause.
    Retry,
    /// Anything else (other 4xx, unfollowed 3xx): asking again will not help.
    Error,
}

/// Classifies a final response status (redirects were already followed).
pub(crate) fn classify(status: u16) -> Class {
    match status {
        200..=299 => Class::Fresh,
        304 => Class::NotModified,
        404 | 410 => Class::Absent,
        401 | 403 => Class::AuthNeeded,
        408 | 429 | 500..=599 => Class::Retry,
        _ => Class::Error,
    }
}

/// `url` as a base that index paths are appended to: with a trailing `/`,
/// no query or fragment. `Err` says what is wrong.
pub(crate) fn normalize_base(url: &str) -> Result<String, String> {
    let url = url.trim();
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .ok_or_else(|| format!("`{url}` is not an http:// or https:// URL"))?;
    if rest.is_empty() || rest.starts_with('/') {
        return Err(format!("`{url}` names no host"));
    }
    if url.contains(['?', '#']) || url.contains(char::is_whitespace) {
        return Err(format!(
            "`{url}`: a sparse index URL cannot carry a query, a fragment or spaces"
        ));
    }
    if url.ends_with('/') {
        Ok(url.to_string())
    } else {
        Ok(format!("{url}/"))
    }
}

/// The URL of index file `path` under `base` (see [`normalize_base`]);
/// `bust` adds a cache-busting query that no CDN has cached.
pub(crate) fn file_url(base: &str, path: &str, bust: Option<u128>) -> String {
    // `+` (build metadata in a version's attestation path) is sent encoded:
    // some hosts (S3) read a bare `+` in a path as a space.
    let path = path.replace('+', "%2B");
    match bust {
        Some(n) => format!("{base}{path}?{CACHE_BUST_PARAM}={n}"),
        None => format!("{base}{path}"),
    }
}

/// A cache-busting value: nanoseconds since the epoch.
pub(crate) fn bust_value() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos())
}

/// Whether `path` is a plain relative index path
/// ([`plugres_schema::IndexPath`]) that also needs no escaping in a URL
/// but `+` (see [`file_url`]).
pub(crate) fn is_index_path(path: &str) -> bool {
    plugres_schema::IndexPath::is_valid(path)
        && path
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_./+".contains(&b))
}

/// The folder name of the cache of the index at `base`: readable host and
/// path, then 16 hex digits of the URL's SHA-256 so that different URLs
/// never share a folder.
pub(crate) fn cache_dir_name(base: &str) -> String {
    let readable = base
        .trim_start_matches("https://")
        .trim_start_matches("http://")
        .trim_end_matches('/');
    // Userinfo (a password, maybe) stays out of the folder name.
    let authority_end = readable.find('/').unwrap_or(readable.len());
    let readable = match readable[..authority_end].rfind('@') {
        Some(at) => &readable[at + 1..],
        None => readable,
    };
    let mut name: String = readable
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .take(64)
        .collect();
    let digest = Sha256::digest(base.as_bytes());
    name.push('-');
    name.push_str(&hex::encode(&digest[..8]));
    name
}

/// The size a `Content-Length` header announces, when it is over `limit`.
pub(crate) fn declared_too_large(content_length: Option<&str>, limit: u64) -> Option<u64> {
    let size: u64 = content_length?.trim().parse().ok()?;
    (size > limit).then_some(size)
}

pub(crate) use plugres_schema::file_limit;

/// Whether a 404/410 for `path` is asked once more past CDN caches (a CDN
/// may still hold a miss cached before the file was published). Not for
/// the head (README "head.bundle"): it is optional, and a client without
/// it reads the trust files one by one.
pub(crate) fn recheck_absent(path: &str) -> bool {
    path != plugres_schema::HEAD_PATH
}

/// Whether a request carried the registry's token, and if not, why.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TokenState<'a> {
    /// No token is configured for the registry.
    None,
    /// The token was sent.
    Sent,
    /// A token is configured but was not sent; the text says why.
    Withheld(&'a str),
}

/// What to say when the index answered 401/403.
pub(crate) fn auth_message(registry: &str, status: u16, token: TokenState<'_>) -> String {
    let var = crate::credentials::env_var_for(registry);
    let index_var = crate::credentials::env_index_var_for(registry);
    match token {
        TokenState::Sent => format!(
            "the server refused the token of registry `{registry}` (HTTP {status}); check that the token in `{var}` or in credentials.toml (`[registry.{registry}] token = \"…\"`) is current and grants read access"
        ),
        TokenState::Withheld(why) => format!(
            "the index of registry `{registry}` is private (HTTP {status}) and its token was not sent: {why}"
        ),
        TokenState::None => format!(
            "the index of registry `{registry}` is private (HTTP {status}) and no token is configured for it; set `{var}` and `{index_var}` (the index URL the token is for), or add `[registry.{registry}]` with `index = \"…\"` and `token = \"…\"` to credentials.toml in PLUGRES_HOME (or ~/.config/plugres) with mode 0600"
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_head_is_not_asked_for_again() {
        assert!(!recheck_absent(plugres_schema::HEAD_PATH));
        assert!(recheck_absent("plugins/1/a.toml"));
        assert!(recheck_absent("timestamp.toml"));
    }

    #[test]
    fn conditional_headers_send_back_what_the_server_gave() {
        assert!(conditional_headers(None).is_empty());
        let v =
            Validators::from_headers(Some("\"64f-5e1\""), Some("Tue, 01 Dec 2026 10:00:00 GMT"));
        assert_eq!(
            conditional_headers(Some(&v)),
            vec![
                ("If-None-Match", "\"64f-5e1\"".to_string()),
                (
                    "If-Modified-Since",
                    "Tue, 01 Dec 2026 10:00:00 GMT".to_string()
                ),
            ]
        );
        let etag_only = Validators::from_headers(Some("W/\"x\""), None);
        assert_eq!(
            conditional_headers(Some(&etag_only)),
            vec![("If-None-Match", "W/\"x\"".to_string())]
        );
        assert!(conditional_headers(Some(&Validators::default())).is_empty());
    }

    #[test]
    fn unsendable_validators_are_dropped() {
        let v = Validators::from_headers(Some("a\r\nInjected: 1"), Some(""));
        assert_eq!(v, Validators::default());
        let long = "x".repeat(2000);
        assert_eq!(Validators::from_headers(Some(&long), None).etag, None);
    }

    #[test]
    fn statuses_are_classified() {
        assert_eq!(classify(200), Class::Fresh);
        assert_eq!(classify(203), Class::Fresh);
        assert_eq!(classify(304), Class::NotModified);
        assert_eq!(classify(404), Class::Absent);
        assert_eq!(classify(410), Class::Absent);
        assert_eq!(classify(401), Class::AuthNeeded);
        assert_eq!(classify(403), Class::AuthNeeded);
        for s in [500, 502, 503, 504, 408, 429] {
            assert_eq!(classify(s), Class::Retry, "{s}");
        }
        for s in [400, 405, 418, 451, 301, 302, 100] {
            assert_eq!(classify(s), Class::Error, "{s}");
        }
    }

    #[test]
    fn bases_get_a_trailing_slash_and_bad_ones_are_refused() {
        assert_eq!(normalize_base("https://h/idx").unwrap(), "https://h/idx/");
        assert_eq!(normalize_base("http://h:8080/").unwrap(), "http://h:8080/");
        for bad in [
            "ftp://h/",
            "https://",
            "https:///x",
            "https://h/?a=1",
            "https://h/#x",
            "h/x",
        ] {
            assert!(normalize_base(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn file_urls_and_cache_busting() {
        let base = "https://h/idx/";
        assert_eq!(
            file_url(base, "config.toml", None),
            "https://h/idx/config.toml"
        );
        assert_eq!(
            file_url(base, "plugins/1/a.toml", Some(42)),
            "https://h/idx/plugins/1/a.toml?plugres-refresh=42"
        );
        assert_eq!(
            file_url(base, "attestations/1/a/1.0.0+b.5.sigstore.json", None),
            "https://h/idx/attestations/1/a/1.0.0%2Bb.5.sigstore.json"
        );
        assert!(bust_value() > 0);
    }

    #[test]
    fn index_paths_are_plain() {
        for ok in [
            "config.toml",
            "plugins/he/ll/hello-world.toml.minisig",
            "plugins/1/a.toml",
            "attestations/he/ll/hello-world/1.2.0+build.5.sigstore.json",
        ] {
            assert!(is_index_path(ok), "{ok}");
        }
        for bad in [
            "", "/x", "a//b", "../x", "a/./b", "a?b", "a%2e", "a b", "a\\b", "x/",
        ] {
            assert!(!is_index_path(bad), "{bad}");
        }
    }

    #[test]
    fn cache_dir_names_are_readable_and_unique() {
        let a = cache_dir_name("https://cdn.example.com:8443/acme/index/");
        assert!(a.starts_with("cdn.example.com_8443_acme_index-"), "{a}");
        assert_eq!(a.len(), "cdn.example.com_8443_acme_index-".len() + 16);
        // Same readable part, different URL: different folder.
        let b = cache_dir_name("http://cdn.example.com:8443/acme/index/");
        assert_ne!(a, b);
        assert_eq!(
            a,
            cache_dir_name("https://cdn.example.com:8443/acme/index/")
        );
        let secret = cache_dir_name("https://bob:hunter2@cdn.example.com/i/");
        assert!(secret.starts_with("cdn.example.com_i-"), "{secret}");
        assert_ne!(secret, cache_dir_name("https://cdn.example.com/i/"));
        let long = cache_dir_name(&format!("https://h/{}/", "p".repeat(300)));
        assert!(long.len() <= 64 + 17);
    }

    #[test]
    fn signatures_and_timestamps_have_smaller_limits() {
        assert_eq!(
            file_limit("plugins/1/a.toml"),
            (plugres_schema::MAX_FILE_SIZE as u64, None)
        );
        assert_eq!(
            file_limit("config.toml").0,
            plugres_schema::MAX_FILE_SIZE as u64
        );
        assert_eq!(file_limit("timestamp.toml").0, 16 * 1024);
        assert_eq!(file_limit("timestamp.toml.minisig").0, 4096);
        assert_eq!(file_limit("plugins/1/a.toml.minisig").0, 4096);
    }

    #[test]
    fn declared_sizes_over_the_limit_are_caught_before_reading() {
        assert_eq!(declared_too_large(Some("2000"), 1000), Some(2000));
        assert_eq!(declared_too_large(Some("1000"), 1000), None);
        assert_eq!(declared_too_large(Some("junk"), 1000), None);
        assert_eq!(declared_too_large(None, 1000), None);
    }

    #[test]
    fn auth_messages_name_the_registry_and_how_to_give_a_token() {
        let m = auth_message("acme-private", 401, TokenState::None);
        assert!(
            m.contains("`acme-private`")
                && m.contains("PLUGRES_REGISTRY_ACME_PRIVATE_TOKEN")
                && m.contains("PLUGRES_REGISTRY_ACME_PRIVATE_INDEX"),
            "{m}"
        );
        assert!(m.contains("credentials.toml") && m.contains("0600"), "{m}");
        assert!(m.contains("index = "), "{m}");
        let m = auth_message("acme", 403, TokenState::Sent);
        assert!(m.contains("refused the token") && m.contains("403"), "{m}");
        let m = auth_message("acme", 401, TokenState::Withheld("bound elsewhere"));
        assert!(
            m.contains("was not sent: bound elsewhere") && m.contains("401"),
            "{m}"
        );
    }
}
