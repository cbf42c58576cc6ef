//! The trust layer's small files on arbitrary bytes: `snapshot.toml`, a
//! snapshot bin (`snapshot/<id>.toml`) and `timestamp.toml`. The first byte
//! picks which (and the bin id). Never panics; every diagnostic points
//! inside the input; what parses survives its writer:
//!
//! * `Snapshot::parse(s.to_toml()) == s`;
//! * `Timestamp::parse(t.to_toml()) == t`;
//! * a parsed bin, fed to `Snapshot::build`, comes back as one bin text with
//!   the same id, whose digest the snapshot lists and which parses back to
//!   the same entries.

#![no_main]

use libfuzzer_sys::fuzz_target;
use plugres_schema::{Listing, Snapshot, Timestamp, bin_of, bin_path, parse_bin};

#[path = "common/diag.rs"]
mod diag;

/// Bin ids to parse against: every length `bin-digits` allows, and one
/// that is not hex.
const BIN_IDS: [&str; 6] = ["a", "0f", "3c9", "ffff", "00", "g"];

fn snapshot(data: &[u8]) {
    match Snapshot::parse("snapshot.toml", data) {
        Err(diags) => diag::assert_within(data, &diags),
        Ok(parsed) => {
            let text = parsed.to_toml();
            let again = Snapshot::parse("snapshot.toml", text.as_bytes())
                .unwrap_or_else(|d| panic!("written snapshot does not parse: {d:?}\n{text}"));
            assert_eq!(parsed, again, "\n{text}");
            for path in parsed.files.keys() {
                assert_eq!(parsed.listing(path), Listing::Listed(parsed.files[path]));
            }
            let _ = parsed.listing("plugins/he/ll/hello-world.toml");
        }
    }
}

fn bin(data: &[u8], id: &str) {
    match parse_bin(&bin_path(id), data, id) {
        Err(diags) => diag::assert_within(data, &diags),
        Ok(files) if files.is_empty() => {}
        Ok(files) => {
            let digits = u8::try_from(id.len()).expect("short id");
            for path in files.keys() {
                assert_eq!(
                    bin_of(path, digits).as_deref(),
                    Some(id),
                    "{path} in bin {id}"
                );
            }
            let (snap, texts) = Snapshot::build(1, &files, digits);
            assert!(snap.files.is_empty(), "plugin files go in bins");
            let [(path, text)] = texts.as_slice() else {
                panic!("one bin's files make one bin: {texts:?}");
            };
            assert_eq!(*path, bin_path(id));
            assert_eq!(snap.bins.len(), 1);
            assert_eq!(snap.bins[id], plugres_schema::Sha256::of(text.as_bytes()));
            let again = parse_bin(path, text.as_bytes(), id)
                .unwrap_or_else(|d| panic!("written bin does not parse: {d:?}\n{text}"));
            assert_eq!(files, again, "\n{text}");
        }
    }
}

fn timestamp(data: &[u8]) {
    match Timestamp::parse("timestamp.toml", data) {
        Err(diags) => diag::assert_within(data, &diags),
        Ok(parsed) => {
            let text = parsed.to_toml();
            let again = Timestamp::parse("timestamp.toml", text.as_bytes())
                .unwrap_or_else(|d| panic!("written timestamp does not parse: {d:?}\n{text}"));
            assert_eq!(parsed, again, "\n{text}");
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((sel, rest)) = data.split_first() else {
        return;
    };
    match sel % 3 {
        0 => snapshot(rest),
        1 => timestamp(rest),
        _ => bin(rest, BIN_IDS[usize::from(sel / 3) % BIN_IDS.len()]),
    }
});
