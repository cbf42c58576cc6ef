//! A git URL that is really a static host: `index = "https://…"` is read
//! with git's protocol, and a static host answers it with a 404 that says
//! nothing about the mistake. When the same URL serves a `config.toml`,
//! the error says to write `sparse+` in front of it.

use std::io::Read;

use crate::fetch::{HttpClient, HttpConfig};

/// The most of a probed `config.toml` read: the probe only looks at it.
const PROBE_BYTES: u64 = 64 * 1024;

/// The hint for git URL `url` when `URL/config.toml` is an index config
/// (a TOML table naming an `engine`); `None` when it is not, or the URL
/// is not http(s).
pub(crate) fn sparse_hint(url: &str, http: &HttpConfig) -> Option<String> {
    if !(url.starts_with("http://") || url.starts_with("https://")) {
        return None;
    }
    let base = url.trim_end_matches('/');
    let probe = format!("{base}/config.toml");
    let response = HttpClient::new(http.clone())
        .get(&probe, None, PROBE_BYTES)
        .ok()?;
    let mut text = String::new();
    response
        .into_body()
        .into_reader()
        .take(PROBE_BYTES)
        .read_to_string(&mut text)
        .ok()?;
    let table: toml::Table = text.parse().ok()?;
    table.get("engine")?.as_str()?;
    Some(format!(
        "`{}` is an index's config: this URL serves a static (sparse) HTTP index, which is read as `sparse+{base}/`",
        crate::credentials::redact_url(&probe)
    ))
}
