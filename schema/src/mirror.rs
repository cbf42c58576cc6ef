//! Where an artifact sits in an artifact mirror.
//!
//! `plugres-index mirror-artifacts` lays artifacts out by content:
//! `<sha256[0..2]>/<sha256>/<file name>`, the file name being the last
//! segment of the artifact's URL (so the client still knows `.tar.gz` from
//! `.wasm`). A client with `artifact-mirror = BASE` fetches
//! `BASE + mirror_path(sha256, url)`: the path follows from the verified
//! index entry alone, so clients need no mapping file, and two plugins
//! shipping the same bytes under the same name share one file.

use crate::sha::Sha256;

/// The path of an artifact inside a mirror, `/`-separated.
pub fn mirror_path(sha256: &Sha256, url: &str) -> String {
    let hex = sha256.to_hex();
    format!("{}/{hex}/{}", &hex[..2], mirror_file_name(url))
}

/// The last path segment of `url` (query and fragment dropped), reduced to
/// characters every static server and file system take as they are:
/// ASCII letters, digits, `.`, `_`, `+`, `-`; anything else becomes `_`.
pub fn mirror_file_name(url: &str) -> String {
    let path = url.split(['?', '#']).next().unwrap_or_default();
    let last = path.rsplit(['/', '\\']).next().unwrap_or_default();
    let name: String = last
        .chars()
        .take(200)
        .map(|c| {
            if c.is_ascii_alphanumeric() || "._+-".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    if name.is_empty() || name.chars().all(|c| c == '.') {
        "artifact".to_string()
    } else {
        name
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_follow_the_digest_and_keep_the_file_name() {
        let sha = Sha256::of(b"x");
        let hex = sha.to_hex();
        assert_eq!(
            mirror_path(&sha, "artifacts/hello-world/1.0.0/hello_world.wasm"),
            format!("{}/{hex}/hello_world.wasm", &hex[..2])
        );
        assert_eq!(
            mirror_path(&sha, "https://cdn.example.com/a/b.tar.gz?sig=1#x"),
            format!("{}/{hex}/b.tar.gz", &hex[..2])
        );
        assert_eq!(mirror_file_name("file:///srv/p/x%20y.zip"), "x_20y.zip");
        assert_eq!(mirror_file_name("https://h/dir/"), "artifact");
        assert_eq!(mirror_file_name(".."), "artifact");
        assert_eq!(mirror_file_name("a/é.wasm"), "_.wasm");
    }
}
