//! Response bodies and their content encodings, read under size caps.
//!
//! ureq's own decoding is off (no `gzip` feature, workspace Cargo.toml): it
//! would decode any body labelled `Content-Encoding: gzip` under a cap on
//! the *compressed* bytes — a 1 MB bomb becomes 1 GiB in memory before any
//! signature is checked — and it would decode artifacts too. So plugres
//! decides per kind of request (README "Threat model"):
//!
//! - **Artifacts** are the exact bytes of the resource: asked for with
//!   `Accept-Encoding: identity` and never decoded, even when a host labels
//!   a `.tar.gz` `Content-Encoding: gzip` (S3 object metadata, some CDNs).
//!   Their sha256 was taken over those bytes. [`super::HttpClient::get`].
//! - **Sparse index files** accept gzip ([`ACCEPT_INDEX`]). They are small
//!   TOML, so compression saves little, but a host may store them
//!   pre-compressed and label them so whatever the request said (S3 with
//!   `Content-Encoding` metadata); refusing those would lock such an index
//!   out. [`read_capped`] caps them twice: the bytes received and the bytes
//!   they decode to, each at the file's limit.
//! - **Git's smart HTTP** asks for identity and refuses any other coding
//!   (`index/git/http.rs`): its packs are compressed already, and its
//!   streams have no size known in advance to cap a decoder at.

use std::io::{self, Read};

use flate2::read::MultiGzDecoder;

/// The `Accept-Encoding` of a sparse index file request.
pub const ACCEPT_INDEX: &str = "gzip";

/// A content coding plugres reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Coding {
    Identity,
    Gzip,
}

impl Coding {
    /// The coding a `Content-Encoding` header value names; `Err` with the
    /// value when it is one plugres does not decode (or a list of several).
    pub fn from_header(value: Option<&str>) -> Result<Coding, String> {
        let Some(value) = value else {
            return Ok(Coding::Identity);
        };
        let codings: Vec<&str> = value
            .split(',')
            .map(str::trim)
            .filter(|c| !c.is_empty() && !c.eq_ignore_ascii_case("identity"))
            .collect();
        match codings.as_slice() {
            [] => Ok(Coding::Identity),
            [c] if c.eq_ignore_ascii_case("gzip") || c.eq_ignore_ascii_case("x-gzip") => {
                Ok(Coding::Gzip)
            }
            _ => Err(value.to_string()),
        }
    }
}

/// Why a body could not be read whole.
#[derive(Debug, thiserror::Error)]
pub enum BodyError {
    /// More than `limit` bytes arrived, or decoded from what arrived.
    #[error("more than {limit} bytes (as sent or decoded)")]
    TooLarge { limit: u64 },
    /// The gzip data does not decode.
    #[error("the gzip-encoded body does not decode: {0}")]
    Corrupt(#[source] io::Error),
    /// The transfer itself failed (a timeout, a reset): the error the body
    /// reader gave, for [`super::HttpError::from_body_io`].
    #[error("{0}")]
    Transfer(#[source] io::Error),
}

/// The most [`read_capped`] sets aside before any byte arrived.
const MAX_RESERVED: u64 = 4 << 20;

/// Reads all of `raw` (a response body as sent), decoded per `coding`:
/// at most `limit` bytes of `raw`, and at most `limit` bytes decoded.
/// Reading stops at byte `limit + 1` of either, so a bomb costs no more
/// than `limit` bytes of memory.
///
/// When the sender `declared` its size (its `Content-Length`), room for
/// that many bytes is made at once (within `limit`), where growing from
/// nothing copied a 40 KB file some ten times into ever larger fresh
/// buffers. A size that is a lie only costs room: the caps hold on what
/// arrives.
pub fn read_capped(
    raw: impl Read,
    coding: Coding,
    limit: u64,
    declared: Option<u64>,
) -> Result<Vec<u8>, BodyError> {
    let sent = Capped::new(raw, limit, true);
    let room = match coding {
        Coding::Identity => declared.unwrap_or(0),
        // Index files compress about fourfold.
        Coding::Gzip => declared.unwrap_or(0).saturating_mul(4),
    };
    let room = room.min(limit).min(MAX_RESERVED);
    let mut out = Vec::with_capacity(usize::try_from(room).unwrap_or(0));
    let result = match coding {
        Coding::Identity => Capped::new(sent, limit, false).read_to_end(&mut out),
        Coding::Gzip => Capped::new(MultiGzDecoder::new(sent), limit, false).read_to_end(&mut out),
    };
    match result {
        Ok(_) => Ok(out),
        Err(err) => Err(classify(err)),
    }
}

/// What stopped a read, carried inside an `io::Error` through the decoder.
#[derive(Debug)]
enum Stop {
    TooLarge(u64),
    Transfer(io::Error),
}

impl std::fmt::Display for Stop {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Stop::TooLarge(limit) => write!(f, "more than {limit} bytes"),
            Stop::Transfer(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for Stop {}

/// An error from a read: ours ([`Stop`]) or, otherwise, the decoder's.
fn classify(err: io::Error) -> BodyError {
    if err.get_ref().is_some_and(|e| e.is::<Stop>()) {
        let stop = err.into_inner().and_then(|e| e.downcast::<Stop>().ok());
        return match stop.map(|s| *s) {
            Some(Stop::TooLarge(limit)) => BodyError::TooLarge { limit },
            Some(Stop::Transfer(e)) => BodyError::Transfer(e),
            None => BodyError::Transfer(io::Error::other("unreadable body")),
        };
    }
    BodyError::Corrupt(err)
}

/// A reader that fails past `limit` bytes; `wire` also marks the inner
/// reader's errors as transfer errors (the decoder's are not).
struct Capped<R> {
    inner: R,
    seen: u64,
    limit: u64,
    wire: bool,
}

impl<R> Capped<R> {
    fn new(inner: R, limit: u64, wire: bool) -> Self {
        Capped {
            inner,
            seen: 0,
            limit,
            wire,
        }
    }
}

impl<R: Read> Read for Capped<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        // One byte past the limit is enough to know it was passed.
        let room = (self.limit - self.seen.min(self.limit)).saturating_add(1);
        let max = buf.len().min(usize::try_from(room).unwrap_or(usize::MAX));
        let n = match self.inner.read(&mut buf[..max]) {
            Ok(n) => n,
            Err(e) if self.wire && !e.get_ref().is_some_and(|i| i.is::<Stop>()) => {
                return Err(io::Error::other(Stop::Transfer(e)));
            }
            Err(e) => return Err(e),
        };
        self.seen += n as u64;
        if self.seen > self.limit {
            return Err(io::Error::other(Stop::TooLarge(self.limit)));
        }
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use flate2::write::GzEncoder;

    use super::*;

    fn gzip(data: &[u8]) -> Vec<u8> {
        let mut e = GzEncoder::new(Vec::new(), flate2::Compression::best());
        e.write_all(data).unwrap();
        e.finish().unwrap()
    }

    /// A declared size only makes room: what arrives is read and capped
    /// the same whether the sender told the truth, too little or too much.
    #[test]
    fn a_declared_size_makes_room_and_changes_nothing_else() {
        let text = vec![b'x'; 5000];
        for declared in [None, Some(5000), Some(10), Some(1 << 40)] {
            let read = read_capped(&text[..], Coding::Identity, 8000, declared).unwrap();
            assert_eq!(read, text, "{declared:?}");
            assert!(read.capacity() <= 8000.max(text.len() * 2), "{declared:?}");
            let err = read_capped(&text[..], Coding::Identity, 4999, declared).unwrap_err();
            assert!(
                matches!(err, BodyError::TooLarge { limit: 4999 }),
                "{declared:?}"
            );
        }
        let gz = gzip(&text);
        let read = read_capped(&gz[..], Coding::Gzip, 8000, Some(gz.len() as u64)).unwrap();
        assert_eq!(read, text);
    }

    #[test]
    fn codings_from_headers() {
        assert_eq!(Coding::from_header(None), Ok(Coding::Identity));
        assert_eq!(Coding::from_header(Some("identity")), Ok(Coding::Identity));
        assert_eq!(Coding::from_header(Some("")), Ok(Coding::Identity));
        assert_eq!(Coding::from_header(Some("gzip")), Ok(Coding::Gzip));
        assert_eq!(Coding::from_header(Some(" GZIP ")), Ok(Coding::Gzip));
        assert_eq!(Coding::from_header(Some("x-gzip")), Ok(Coding::Gzip));
        for other in ["br", "deflate", "zstd", "gzip, gzip", "gzip, br"] {
            assert_eq!(Coding::from_header(Some(other)), Err(other.to_string()));
        }
    }

    #[test]
    fn identity_and_gzip_bodies_up_to_the_limit_are_read() {
        let text = b"format = 1\nversion = 7\n".repeat(10);
        let n = text.len() as u64;
        assert_eq!(
            read_capped(&text[..], Coding::Identity, n, None).unwrap(),
            text
        );
        assert_eq!(
            read_capped(&gzip(&text)[..], Coding::Gzip, n, None).unwrap(),
            text
        );
        assert!(matches!(
            read_capped(&text[..], Coding::Identity, n - 1, None),
            Err(BodyError::TooLarge { limit }) if limit == n - 1
        ));
    }

    /// 64 MiB of zeros in ~64 KB: stopped one byte past the decoded
    /// limit, long before the end of the compressed stream.
    #[test]
    fn a_gzip_bomb_stops_at_the_decoded_limit() {
        let bomb = gzip(&vec![0u8; 64 << 20]);
        assert!(bomb.len() < 128 << 10, "{}", bomb.len());
        let mut sent = 0usize;
        let counting = CountingReader(&bomb[..], &mut sent);
        let err = read_capped(counting, Coding::Gzip, 1 << 20, None).unwrap_err();
        assert!(
            matches!(err, BodyError::TooLarge { limit } if limit == 1 << 20),
            "{err}"
        );
        assert!(sent <= 32 << 10, "read {sent} of {} bytes", bomb.len());
    }

    #[test]
    fn the_compressed_stream_is_capped_too() {
        // Random-looking bytes do not compress: more sent than the limit.
        let data: Vec<u8> = (0..4096u32)
            .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
            .collect();
        let err = read_capped(&gzip(&data)[..], Coding::Gzip, 1024, None).unwrap_err();
        assert!(matches!(err, BodyError::TooLarge { .. }), "{err}");
    }

    #[test]
    fn corrupt_gzip_and_transfer_errors_are_told_apart() {
        let err = read_capped(&b"not gzip at all"[..], Coding::Gzip, 1024, None).unwrap_err();
        assert!(matches!(err, BodyError::Corrupt(_)), "{err}");
        let reset = FailingReader(io::ErrorKind::ConnectionReset);
        let err = read_capped(reset, Coding::Gzip, 1024, None).unwrap_err();
        assert!(
            matches!(&err, BodyError::Transfer(e) if e.kind() == io::ErrorKind::ConnectionReset),
            "{err}"
        );
        let reset = FailingReader(io::ErrorKind::ConnectionReset);
        let err = read_capped(reset, Coding::Identity, 1024, None).unwrap_err();
        assert!(matches!(err, BodyError::Transfer(_)), "{err}");
    }

    struct CountingReader<'a>(&'a [u8], &'a mut usize);

    impl Read for CountingReader<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let n = self.0.read(buf)?;
            *self.1 += n;
            Ok(n)
        }
    }

    struct FailingReader(io::ErrorKind);

    impl Read for FailingReader {
        fn read(&mut self, _: &mut [u8]) -> io::Result<usize> {
            Err(io::Error::from(self.0))
        }
    }
}
