//! `head.bundle`: the signed trust files of an index in one response.
//!
//! A client meeting a sparse index for the first time needs the config,
//! the timestamp and the snapshot, each with its signature: six requests
//! one after the other before the first plugin file, where cargo's sparse
//! index needs one (`config.json`). The head carries those six files byte
//! for byte, so a cold client makes one request for all of them.
//!
//! The head is not signed and adds no trust: it is a transport, like the
//! host itself. A client verifies each file it takes from the head exactly
//! as if it had fetched it alone (README "head.bundle"), and falls back to
//! the separate files when the head is absent, unreadable or does not
//! verify.
//!
//! The encoding frames exact bytes (TOML strings could not promise that):
//!
//! ```text
//! plugres-head 1\n
//! <path> <length>\n<length bytes>\n      once per file
//! ```

use crate::{
    CONFIG_PATH, MAX_FILE_SIZE, MAX_SIGNATURE_SIZE, MAX_TIMESTAMP_SIZE, SNAPSHOT_PATH,
    TIMESTAMP_PATH, file_limit,
};

/// Where the head lives in an index.
pub const HEAD_PATH: &str = "head.bundle";

/// The first line of a head this plugres reads.
const MAGIC: &[u8] = b"plugres-head 1\n";

/// The largest head accepted: the six files at their own limits, with
/// room for the framing.
pub const MAX_HEAD_SIZE: usize =
    2 * MAX_FILE_SIZE + MAX_TIMESTAMP_SIZE + 3 * MAX_SIGNATURE_SIZE + 1024;

/// The files a head carries, in the order `plugres-index` writes them.
pub const HEAD_FILES: [&str; 6] = [
    TIMESTAMP_PATH,
    "timestamp.toml.minisig",
    SNAPSHOT_PATH,
    "snapshot.toml.minisig",
    CONFIG_PATH,
    "config.toml.minisig",
];

/// The files of a parsed head, each its exact bytes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Head {
    pub files: Vec<(String, Vec<u8>)>,
}

impl Head {
    /// The head holding `files` (index path, bytes), in this order.
    pub fn encode(files: &[(&str, &[u8])]) -> Vec<u8> {
        let size = MAGIC.len()
            + files
                .iter()
                .map(|(p, b)| p.len() + b.len() + 24)
                .sum::<usize>();
        let mut out = Vec::with_capacity(size);
        out.extend_from_slice(MAGIC);
        for (path, bytes) in files {
            out.extend_from_slice(format!("{path} {}\n", bytes.len()).as_bytes());
            out.extend_from_slice(bytes);
            out.push(b'\n');
        }
        out
    }

    /// The head of the six trust files as `read` gives them (by index
    /// path), in [`HEAD_FILES`] order; `None` when one is missing.
    pub fn assemble(mut read: impl FnMut(&str) -> Option<Vec<u8>>) -> Option<Vec<u8>> {
        let mut files = Vec::with_capacity(HEAD_FILES.len());
        for path in HEAD_FILES {
            files.push((path, read(path)?));
        }
        let borrowed: Vec<(&str, &[u8])> = files.iter().map(|(p, b)| (*p, b.as_slice())).collect();
        Some(Head::encode(&borrowed))
    }

    /// Reads a head. It holds exactly the six trust files, each once and
    /// within its own size limit; anything else is an error naming the
    /// byte offset or the missing file (the client then reads the files
    /// one by one).
    pub fn parse(bytes: &[u8]) -> Result<Head, String> {
        if bytes.len() > MAX_HEAD_SIZE {
            return Err(format!(
                "is {} bytes, over the {MAX_HEAD_SIZE} a head may have",
                bytes.len()
            ));
        }
        let Some(mut rest) = bytes.strip_prefix(MAGIC) else {
            return Err("does not start with `plugres-head 1`".into());
        };
        let mut head = Head::default();
        while !rest.is_empty() {
            let at = bytes.len() - rest.len();
            let (path, body, after) = record(rest).map_err(|e| format!("at byte {at}: {e}"))?;
            if head.files.iter().any(|(p, _)| p == path) {
                return Err(format!("at byte {at}: `{path}` appears twice"));
            }
            head.files.push((path.to_string(), body.to_vec()));
            rest = after;
        }
        if let Some(missing) = HEAD_FILES.iter().find(|f| head.file(f).is_none()) {
            return Err(format!("lacks `{missing}`"));
        }
        Ok(head)
    }

    /// The bytes the head carries for `path`.
    pub fn file(&self, path: &str) -> Option<&[u8]> {
        self.files
            .iter()
            .find(|(p, _)| p == path)
            .map(|(_, b)| b.as_slice())
    }
}

/// One `<path> <length>\n<bytes>\n` record at the start of `rest`: the
/// path, the bytes, and what follows.
fn record(rest: &[u8]) -> Result<(&str, &[u8], &[u8]), String> {
    let line_end = rest
        .iter()
        .take(64)
        .position(|&b| b == b'\n')
        .ok_or("expected a line `<path> <length>`")?;
    let line = std::str::from_utf8(&rest[..line_end]).map_err(|_| "a header line is not UTF-8")?;
    let (path, length) = line
        .split_once(' ')
        .ok_or_else(|| format!("expected `<path> <length>`, found `{line}`"))?;
    let path = HEAD_FILES
        .iter()
        .copied()
        .find(|f| *f == path)
        .ok_or_else(|| format!("`{path}` is not a file a head carries"))?;
    let length: usize = length
        .parse()
        .ok()
        .filter(|l: &usize| l.to_string() == length)
        .ok_or_else(|| format!("`{length}` is not a length"))?;
    let (limit, _) = file_limit(path);
    if length as u64 > limit {
        return Err(format!(
            "`{path}` is {length} bytes, over its limit of {limit}"
        ));
    }
    let body_start = line_end + 1;
    let body = rest
        .get(body_start..body_start + length)
        .ok_or_else(|| format!("`{path}` is cut short"))?;
    match rest.get(body_start + length) {
        Some(b'\n') => Ok((path, body, &rest[body_start + length + 1..])),
        _ => Err(format!("`{path}` is not followed by a line end")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Vec<u8> {
        Head::encode(&[
            (TIMESTAMP_PATH, b"format = 1\n"),
            ("timestamp.toml.minisig", b"untrusted comment: x\r\nRW\n"),
            (SNAPSHOT_PATH, b""),
            ("snapshot.toml.minisig", b"s"),
            (CONFIG_PATH, b"a\nb\n\n"),
            ("config.toml.minisig", b"c"),
        ])
    }

    #[test]
    fn round_trips_exact_bytes() {
        let head = Head::parse(&sample()).unwrap();
        assert_eq!(head.files.len(), 6);
        assert_eq!(head.file(TIMESTAMP_PATH), Some(&b"format = 1\n"[..]));
        assert_eq!(
            head.file("timestamp.toml.minisig"),
            Some(&b"untrusted comment: x\r\nRW\n"[..])
        );
        assert_eq!(head.file(SNAPSHOT_PATH), Some(&b""[..]));
        assert_eq!(head.file(CONFIG_PATH), Some(&b"a\nb\n\n"[..]));
        assert_eq!(head.file("plugins/a.toml"), None);
    }

    #[test]
    fn assembles_the_six_files_in_order_or_none() {
        let read = |p: &str| Some(p.as_bytes().to_vec());
        let head = Head::parse(&Head::assemble(read).unwrap()).unwrap();
        let paths: Vec<&str> = head.files.iter().map(|(p, _)| p.as_str()).collect();
        assert_eq!(paths, HEAD_FILES);
        assert_eq!(head.file(CONFIG_PATH), Some(CONFIG_PATH.as_bytes()));
        let missing = |p: &str| (p != "snapshot.toml.minisig").then(Vec::new);
        assert_eq!(Head::assemble(missing), None);
    }

    #[test]
    fn refuses_what_is_not_a_head() {
        let good = sample();
        let cases: Vec<(Vec<u8>, &str)> = vec![
            (b"plugres-head 2\n".to_vec(), "does not start"),
            (
                good[..good.len() - 1].to_vec(),
                "not followed by a line end",
            ),
            (good[..good.len() - 2].to_vec(), "cut short"),
            (
                [MAGIC, b"plugins/a.toml 1\nx\n"].concat(),
                "not a file a head carries",
            ),
            ([MAGIC, b"config.toml +1\nx\n"].concat(), "not a length"),
            ([MAGIC, b"config.toml 01\nx\n"].concat(), "not a length"),
            ([MAGIC, b"config.toml"].concat(), "expected a line"),
            (
                [MAGIC, b"config.toml 1\nx\n"].concat(),
                "lacks `timestamp.toml`",
            ),
            (
                [MAGIC, b"config.toml 1\nx\nconfig.toml 1\ny\n"].concat(),
                "appears twice",
            ),
            (
                [MAGIC, b"timestamp.toml 16385\n"].concat(),
                "over its limit of 16384",
            ),
            (vec![b'x'; MAX_HEAD_SIZE + 1], "over the"),
        ];
        for (bytes, want) in cases {
            let err = Head::parse(&bytes).unwrap_err();
            assert!(err.contains(want), "{err:?} should say {want:?}");
        }
    }

    #[test]
    fn names_the_offset_of_a_bad_record() {
        let bytes = [MAGIC, b"config.toml 1\nx\nnope 1\ny\n"].concat();
        let err = Head::parse(&bytes).unwrap_err();
        assert!(err.starts_with("at byte 31:"), "{err}");
    }
}
