//! Resuming a download: the `Range` request and what its answer means, as
//! plain functions (no socket), so every case is tested without a server.
//!
//! plugres asks for `bytes=FROM-` (the rest of the file) when it kept FROM
//! bytes of an interrupted download. Only one answer lets it append: `206`
//! with `Content-Range: bytes FROM-(SIZE-1)/SIZE` (or `/*`), exactly the
//! rest of the file the index describes. A `200` is a server that ignores
//! `Range`: its body is the whole file, written from byte 0. A `416`, or a
//! `206` for any other range (a hostile or confused server), makes plugres
//! drop the kept bytes and download the file again from its start. None of
//! this is a trust decision: the sha256 of the whole file is.

/// The `Range` header value asking for everything from offset `from`.
pub(crate) fn range_header(from: u64) -> String {
    format!("bytes={from}-")
}

/// What the answer to a `Range` request for `from..size` allows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum RangeAnswer {
    /// `206` for exactly the rest: append the body.
    Rest,
    /// `200`: the body is the whole file; write it from the start.
    Whole,
    /// The kept bytes cannot be resumed (`416`, or a `206` for another
    /// range, said in the text); fetch the whole file again.
    Restart(String),
    /// Any other status: an error of the request, as for any download.
    Status(u16),
}

/// Interprets the status and `Content-Range` of the answer to
/// [`range_header`]`(from)` for a file of `size` bytes.
pub(crate) fn range_answer(
    status: u16,
    content_range: Option<&str>,
    from: u64,
    size: u64,
) -> RangeAnswer {
    match status {
        200 => RangeAnswer::Whole,
        416 => RangeAnswer::Restart("the server cannot serve that range (HTTP 416)".into()),
        206 => match content_range.map(parse_content_range) {
            Some(Some((start, end, total)))
                if start == from
                    && end.checked_add(1) == Some(size)
                    && total.is_none_or(|t| t == size) =>
            {
                RangeAnswer::Rest
            }
            Some(_) => RangeAnswer::Restart(format!(
                "the server answered bytes `{}` to a request for bytes {from}-{} of {size}",
                content_range.unwrap_or_default(),
                size.saturating_sub(1)
            )),
            None => RangeAnswer::Restart(
                "the server answered 206 without a `Content-Range` header".into(),
            ),
        },
        other => RangeAnswer::Status(other),
    }
}

/// `bytes START-END/TOTAL` (TOTAL may be `*`) as numbers; `None` when the
/// value is not that (another unit, a multipart or unsatisfied range).
fn parse_content_range(value: &str) -> Option<(u64, u64, Option<u64>)> {
    let rest = value.trim().strip_prefix("bytes ")?.trim_start();
    let (range, total) = rest.split_once('/')?;
    let (start, end) = range.split_once('-')?;
    let number = |s: &str| -> Option<u64> {
        let s = s.trim();
        (!s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
            .then(|| s.parse().ok())
            .flatten()
    };
    let (start, end) = (number(start)?, number(end)?);
    let total = match total.trim() {
        "*" => None,
        t => Some(number(t)?),
    };
    (start <= end).then_some((start, end, total))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_range_header_asks_for_the_rest() {
        assert_eq!(range_header(1024), "bytes=1024-");
    }

    #[test]
    fn only_the_exact_rest_is_appended() {
        let rest = |cr| range_answer(206, Some(cr), 400, 1000);
        assert_eq!(rest("bytes 400-999/1000"), RangeAnswer::Rest);
        assert_eq!(rest("bytes 400-999/*"), RangeAnswer::Rest);
        assert_eq!(rest(" bytes  400-999/1000 "), RangeAnswer::Rest);
        for bad in [
            "bytes 0-999/1000",    // the whole file as a "range"
            "bytes 300-999/1000",  // overlapping what is kept
            "bytes 500-999/1000",  // a gap
            "bytes 400-998/1000",  // short of the end
            "bytes 400-1999/2000", // another file
            "bytes 400-999/2000",
            "bytes */1000",
            "bytes 400-999",
            "items 400-999/1000",
            "bytes 400-+999/1000",
            "bytes 999-400/1000",
            "bytes 400-99999999999999999999999/1000",
        ] {
            assert!(
                matches!(rest(bad), RangeAnswer::Restart(ref why) if why.contains(bad)),
                "{bad}: {:?}",
                rest(bad)
            );
        }
        assert!(matches!(
            range_answer(206, None, 400, 1000),
            RangeAnswer::Restart(_)
        ));
    }

    #[test]
    fn a_server_ignoring_range_sends_the_whole_file_and_416_restarts() {
        assert_eq!(range_answer(200, None, 400, 1000), RangeAnswer::Whole);
        assert_eq!(
            range_answer(200, Some("bytes 400-999/1000"), 400, 1000),
            RangeAnswer::Whole
        );
        assert!(matches!(
            range_answer(416, Some("bytes */1000"), 400, 1000),
            RangeAnswer::Restart(ref why) if why.contains("416")
        ));
        assert_eq!(range_answer(404, None, 400, 1000), RangeAnswer::Status(404));
        assert_eq!(range_answer(503, None, 400, 1000), RangeAnswer::Status(503));
    }
}
