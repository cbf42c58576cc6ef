//! `timestamp.toml`: a short, frequently re-signed pointer to the current
//! snapshot, with an expiry.
//!
//! A host that stops updating (freeze) can keep serving a validly signed
//! snapshot forever; the timestamp expires, so a client notices within the
//! expiry (7 days by default) that it is not seeing new data. It is tiny on
//! purpose: a warm client asks for it with `If-None-Match`, and when nothing
//! changed that one 304 answer is the whole update.

use std::fmt::Write;

use serde::Deserialize;
use toml::Spanned;

use crate::diag::Diagnostic;
use crate::fields::{check_format, finish, raw_toml};
use crate::sha::Sha256;
use crate::time::{format_utc, parse_utc};
use crate::unknown::{Parsed, UnknownFields};

pub const TIMESTAMP_PATH: &str = "timestamp.toml";

/// A validated timestamp. Built by [`Timestamp::parse`] or by hand.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Timestamp {
    /// Raised by every re-signing; clients refuse an older one.
    pub version: u64,
    /// Unix time after which clients refuse this timestamp.
    pub expires: u64,
    /// The version of the snapshot this timestamp vouches for.
    pub snapshot_version: u64,
    pub snapshot_sha256: Sha256,
    pub snapshot_size: u64,
}

impl Timestamp {
    /// Parses and validates `timestamp.toml`.
    /// A field this plugres does not know is an error.
    pub fn parse(file: &str, bytes: &[u8]) -> Result<Timestamp, Vec<Diagnostic>> {
        Self::parse_with(file, bytes, UnknownFields::Refuse).map(|p| p.value)
    }

    /// [`Timestamp::parse`], with unknown fields treated as `mode` says
    /// (README "Format evolution").
    pub fn parse_with(
        file: &str,
        bytes: &[u8],
        mode: UnknownFields,
    ) -> Result<Parsed<Timestamp>, Vec<Diagnostic>> {
        let (raw, mut d, unknown) = raw_toml::<RawTimestamp>(file, bytes, mode)?;
        check_format(&mut d, &raw.format);
        for v in [&raw.version, &raw.snapshot.get_ref().version] {
            if *v.get_ref() == 0 {
                d.error(Some(v.span()), "versions start at 1");
            }
        }
        let expires = parse_utc(&raw.expires.get_ref().to_string());
        if expires.is_none() {
            d.error(
                Some(raw.expires.span()),
                "`expires` must be a UTC time like 2026-11-29T02:44:08Z",
            );
        }
        let snap = raw.snapshot.get_ref();
        let sha =
            Sha256::parse(snap.sha256.get_ref()).map_err(|e| d.error(Some(snap.sha256.span()), e));
        let value = Timestamp {
            version: *raw.version.get_ref(),
            expires: expires.unwrap_or_default(),
            snapshot_version: *snap.version.get_ref(),
            snapshot_sha256: sha.unwrap_or_else(|()| Sha256::of(b"")),
            snapshot_size: *snap.size.get_ref(),
        };
        finish(Some(value), d, unknown)
    }

    /// The deterministic text of this timestamp.
    pub fn to_toml(&self) -> String {
        let mut s = String::new();
        let _ = writeln!(s, "format = {}", crate::FORMAT);
        let _ = writeln!(s, "version = {}", self.version);
        let _ = writeln!(s, "expires = {}", format_utc(self.expires));
        let _ = writeln!(s, "\n[snapshot]");
        let _ = writeln!(s, "version = {}", self.snapshot_version);
        let _ = writeln!(s, "sha256 = \"{}\"", self.snapshot_sha256);
        let _ = writeln!(s, "size = {}", self.snapshot_size);
        s
    }
}

/// `timestamp.toml`: the current snapshot's digest, and an expiry.
#[derive(Deserialize)]
#[cfg_attr(feature = "json-schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
#[cfg_attr(
    feature = "json-schema",
    schemars(title = "plugres index: timestamp.toml")
)]
pub(crate) struct RawTimestamp {
    #[cfg_attr(feature = "json-schema", schemars(with = "crate::json_schema::Format"))]
    format: Spanned<u32>,
    /// Raised by every re-signing; clients refuse an older one.
    #[cfg_attr(feature = "json-schema", schemars(with = "u64", range(min = 1)))]
    version: Spanned<u64>,
    /// UTC time after which clients refuse this timestamp.
    #[cfg_attr(feature = "json-schema", schemars(with = "String"))]
    expires: Spanned<toml::value::Datetime>,
    #[cfg_attr(feature = "json-schema", schemars(with = "RawSnapshotRef"))]
    snapshot: Spanned<RawSnapshotRef>,
}

/// `[snapshot]`: the snapshot this timestamp vouches for.
#[derive(Deserialize)]
#[cfg_attr(feature = "json-schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
struct RawSnapshotRef {
    #[cfg_attr(feature = "json-schema", schemars(with = "u64", range(min = 1)))]
    version: Spanned<u64>,
    #[cfg_attr(feature = "json-schema", schemars(with = "Sha256"))]
    sha256: Spanned<String>,
    #[cfg_attr(feature = "json-schema", schemars(with = "u64"))]
    size: Spanned<u64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Timestamp {
        Timestamp {
            version: 12,
            expires: 1_795_920_248,
            snapshot_version: 7,
            snapshot_sha256: Sha256::of(b"snapshot"),
            snapshot_size: 1234,
        }
    }

    #[test]
    fn round_trips_through_its_text() {
        let t = sample();
        let text = t.to_toml();
        assert!(text.contains("expires = 2026-11-29T02:44:08Z"), "{text}");
        assert_eq!(Timestamp::parse(TIMESTAMP_PATH, text.as_bytes()), Ok(t));
    }

    #[test]
    fn names_each_problem_with_its_place() {
        let text = "format = 1\nversion = 0\nexpires = 2026-11-29\n[snapshot]\nversion = 1\nsha256 = \"xyz\"\nsize = 1\n";
        let errs = Timestamp::parse(TIMESTAMP_PATH, text.as_bytes()).unwrap_err();
        let all: Vec<String> = errs.iter().map(ToString::to_string).collect();
        assert_eq!(errs.len(), 3, "{all:#?}");
        assert!(all[0].contains("timestamp.toml:2:"), "{all:#?}");
        assert!(
            all.iter()
                .any(|e| e.contains(":3:") && e.contains("UTC time")),
            "{all:#?}"
        );
        assert!(
            all.iter()
                .any(|e| e.contains(":6:") && e.contains("sha256")),
            "{all:#?}"
        );
    }

    #[test]
    fn refuses_unknown_fields() {
        let text = format!(
            "{}extra = 1\n",
            sample()
                .to_toml()
                .replace("\n[snapshot]", "evil = true\n[snapshot]")
        );
        assert!(Timestamp::parse(TIMESTAMP_PATH, text.as_bytes()).is_err());
    }
}
