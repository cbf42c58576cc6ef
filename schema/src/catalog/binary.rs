//! A compact binary form of [`CatalogEntry`] lists, for the client's
//! verified-entry cache (README "The catalog"): a warm search of a large
//! index decodes every kept entry, and decoding JSON was most of its run.
//! A cache format, not a contract: tagged by [`FORMAT`]; anything that
//! does not decode exactly (truncated, corrupt, older) is `None`, a miss.

use super::{CatalogEntry, Release};
use crate::name::PluginName;
use crate::plugin::binary::{Reader, Writer};
use crate::version::Version;

/// Tag that starts every encoding; bump it when the layout changes.
const FORMAT: &[u8; 8] = b"prcatal2";

/// `entries` in the form [`decode_entries`] reads.
pub fn encode_entries(entries: &[CatalogEntry]) -> Vec<u8> {
    let mut w = Writer(Vec::with_capacity(64 + 320 * entries.len()));
    w.0.extend_from_slice(FORMAT);
    w.len(entries.len());
    for e in entries {
        w.str(e.name.as_str());
        w.str(&e.description);
        w.opt(e.license.as_deref());
        w.opt(e.repository.as_deref());
        w.opt(e.homepage.as_deref());
        w.strs(e.authors.iter().map(String::as_str));
        w.opt(e.support.as_deref());
        w.strs(e.keywords.iter().map(String::as_str));
        w.strs(e.categories.iter().map(String::as_str));
        w.opt(e.deprecated.as_deref());
        w.opt(e.updated.as_deref());
        w.strs(e.engines.iter().map(String::as_str));
        let yanked: Vec<String> = e.yanked.iter().map(ToString::to_string).collect();
        w.strs(yanked.iter().map(String::as_str));
        release(&mut w, e.newest.as_ref());
        release(&mut w, e.newest_stable.as_ref());
    }
    w.0
}

/// The entries [`encode_entries`] wrote, or `None`.
pub fn decode_entries(bytes: &[u8]) -> Option<Vec<CatalogEntry>> {
    let mut r = Reader(bytes.strip_prefix(FORMAT)?);
    let n = r.len()?;
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        out.push(CatalogEntry {
            name: PluginName::new(r.str()?).ok()?,
            description: r.str()?.to_string(),
            license: r.opt()?,
            repository: r.opt()?,
            homepage: r.opt()?,
            authors: r.strs()?,
            support: r.opt()?,
            keywords: r.strs()?,
            categories: r.strs()?,
            deprecated: r.opt()?,
            updated: r.opt()?,
            engines: r.strs()?,
            yanked: (0..r.len()?)
                .map(|_| Version::parse(r.str()?).ok())
                .collect::<Option<_>>()?,
            newest: read_release(&mut r)?,
            newest_stable: read_release(&mut r)?,
        });
    }
    r.0.is_empty().then_some(out)
}

fn release(w: &mut Writer, r: Option<&Release>) {
    let Some(r) = r else {
        w.0.push(0);
        return;
    };
    w.0.push(1);
    w.str(&r.version.to_string());
    w.str(&r.engine);
    w.str(&r.published);
    w.strs(r.permissions.iter().map(String::as_str));
    w.strs(r.targets.iter().map(String::as_str));
}

fn read_release(r: &mut Reader) -> Option<Option<Release>> {
    if !r.flag()? {
        return Some(None);
    }
    Some(Some(Release {
        version: Version::parse(r.str()?).ok()?,
        engine: r.str()?.to_string(),
        published: r.str()?.to_string(),
        permissions: r.strs()?,
        targets: r.strs()?,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(name: &str, newest: bool) -> CatalogEntry {
        let release = |v: &str| Release {
            version: Version::parse(v).unwrap(),
            engine: ">=1.4, <2".into(),
            published: "2026-03-01T12:00:00Z".into(),
            permissions: vec!["network".into()],
            targets: vec!["any".into(), "wasm32-wasip1".into()],
        };
        CatalogEntry {
            name: PluginName::new(name).unwrap(),
            description: "Grüße — with \"quotes\"".into(),
            license: Some("MIT".into()),
            repository: None,
            homepage: Some("https://example.com".into()),
            authors: vec!["Jane Doe <jane@example.com>".into()],
            support: Some("https://example.com/help".into()),
            keywords: vec!["a".into(), "b".into()],
            categories: vec![],
            deprecated: None,
            updated: Some("2026-03-01T12:00:00Z".into()),
            engines: vec![">=1.0".into()],
            yanked: vec![Version::parse("1.0.0+build.5").unwrap()],
            newest: newest.then(|| release("2.0.0-rc.1")),
            newest_stable: Some(release("1.2.0")),
        }
    }

    #[test]
    fn entries_round_trip_and_damage_is_a_miss() {
        let entries = vec![entry("hello-world", true), entry("x", false)];
        let bytes = encode_entries(&entries);
        assert_eq!(decode_entries(&bytes), Some(entries));
        assert_eq!(decode_entries(&bytes[..bytes.len() - 1]), None);
        let mut longer = bytes.clone();
        longer.push(0);
        assert_eq!(decode_entries(&longer), None);
        assert_eq!(decode_entries(b"prcatal0"), None);
        // Entries kept by a plugres before authors and support: a miss.
        let mut older = bytes.clone();
        older[..8].copy_from_slice(b"prcatal1");
        assert_eq!(decode_entries(&older), None);
    }
}
