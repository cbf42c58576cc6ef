//! A snapshot bin looked up where it lies, without building it.
//!
//! A lock reaches a few plugins in each of many bins, and each bin lists
//! hundreds: turning every bin the entry cache holds into maps of owned
//! strings cost a fifth of a lock on a 100,000-plugin index. A [`BinTable`]
//! keeps the encoded bytes and an offset per entry, and finds a path by
//! binary search (entries are encoded in path order, checked on load).

use plugres_schema::{Bin, Sha256};

/// One entry: where its path and its value lie in the bytes.
#[derive(Clone, Copy)]
struct Entry {
    path: (u32, u32),
    value: (u32, u32),
}

/// A bin's files (path → digest) and signatures (path → `.minisig` text).
pub(crate) struct BinTable {
    bytes: Vec<u8>,
    files: Vec<Entry>,
    signatures: Vec<Entry>,
}

impl BinTable {
    /// The table of a bin just parsed from the host.
    pub(crate) fn of(bin: &Bin) -> Self {
        Self::load(encode(bin)).expect("an encoded bin loads")
    }

    /// Reads [`encode`]'s bytes: `None` unless they hold exactly one bin,
    /// every digest 32 bytes, paths in strictly ascending order.
    pub(crate) fn load(bytes: Vec<u8>) -> Option<Self> {
        let mut at = 0usize;
        let files = entries(&bytes, &mut at, Some(32))?;
        let signatures = entries(&bytes, &mut at, None)?;
        (at == bytes.len()).then_some(BinTable {
            bytes,
            files,
            signatures,
        })
    }

    /// The encoded bytes, as the entry cache keeps them.
    pub(crate) fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    pub(crate) fn file(&self, path: &str) -> Option<Sha256> {
        let value = self.find(&self.files, path)?;
        Some(Sha256::from_bytes(value.try_into().ok()?))
    }

    pub(crate) fn signature(&self, path: &str) -> Option<&str> {
        std::str::from_utf8(self.find(&self.signatures, path)?).ok()
    }

    fn find(&self, entries: &[Entry], path: &str) -> Option<&[u8]> {
        let i = entries
            .binary_search_by(|e| self.slice(e.path).cmp(path.as_bytes()))
            .ok()?;
        Some(self.slice(entries[i].value))
    }

    fn slice(&self, (start, len): (u32, u32)) -> &[u8] {
        &self.bytes[start as usize..][..len as usize]
    }
}

/// Length-prefixed items: a count, then a path and a value per entry, for
/// the files and then the signatures.
pub(crate) fn encode(bin: &Bin) -> Vec<u8> {
    let mut out = Vec::with_capacity(bin.files.len() * 80 + bin.signatures.len() * 320);
    let mut put = |s: &[u8]| {
        out.extend_from_slice(&(s.len() as u32).to_le_bytes());
        out.extend_from_slice(s);
    };
    put(&(bin.files.len() as u32).to_le_bytes());
    for (path, sha) in &bin.files {
        put(path.as_bytes());
        put(sha.as_bytes());
    }
    put(&(bin.signatures.len() as u32).to_le_bytes());
    for (path, text) in &bin.signatures {
        put(path.as_bytes());
        put(text.as_bytes());
    }
    out
}

/// The item at `at`: (start, length), moving `at` past it.
fn item(bytes: &[u8], at: &mut usize) -> Option<(u32, u32)> {
    let len = u32::from_le_bytes(bytes.get(*at..*at + 4)?.try_into().ok()?);
    let start = *at + 4;
    let end = start.checked_add(len as usize)?;
    (end <= bytes.len()).then_some(())?;
    *at = end;
    Some((u32::try_from(start).ok()?, len))
}

/// A count, then that many (path, value) entries; values of `value_len`
/// bytes when given.
fn entries(bytes: &[u8], at: &mut usize, value_len: Option<u32>) -> Option<Vec<Entry>> {
    let (start, len) = item(bytes, at)?;
    (len == 4).then_some(())?;
    let count = u32::from_le_bytes(bytes[start as usize..][..4].try_into().ok()?);
    // Each entry takes at least 8 bytes: a count beyond that is corrupt.
    let mut out = Vec::with_capacity((count as usize).min(bytes.len() / 8));
    for _ in 0..count {
        let entry = Entry {
            path: item(bytes, at)?,
            value: item(bytes, at)?,
        };
        if value_len.is_some_and(|n| n != entry.value.1) {
            return None;
        }
        let path = |e: &Entry| &bytes[e.path.0 as usize..][..e.path.1 as usize];
        if out.last().is_some_and(|last| path(last) >= path(&entry)) {
            return None;
        }
        out.push(entry);
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bin() -> Bin {
        Bin {
            files: [
                ("plugins/ab/abc.toml".to_string(), Sha256::of(b"1")),
                ("plugins/ab/abc.toml.minisig".to_string(), Sha256::of(b"2")),
                ("plugins/ab/abd.toml".to_string(), Sha256::of(b"3")),
            ]
            .into(),
            signatures: [("plugins/ab/abd.toml".to_string(), "sig text".to_string())].into(),
        }
    }

    #[test]
    fn finds_every_entry_and_nothing_else() {
        let (bin, table) = (bin(), BinTable::of(&bin()));
        for (path, sha) in &bin.files {
            assert_eq!(table.file(path), Some(*sha));
        }
        assert_eq!(table.signature("plugins/ab/abd.toml"), Some("sig text"));
        assert_eq!(table.signature("plugins/ab/abc.toml"), None);
        for absent in ["", "plugins/ab/abb.toml", "plugins/ab/abz.toml", "zzz"] {
            assert_eq!(table.file(absent), None);
        }
        let empty = BinTable::of(&Bin::default());
        assert_eq!(empty.file("plugins/ab/abc.toml"), None);
    }

    #[test]
    fn refuses_every_truncation_trailing_bytes_and_disorder() {
        let bytes = encode(&bin());
        for n in 0..bytes.len() {
            assert!(BinTable::load(bytes[..n].to_vec()).is_none(), "cut at {n}");
        }
        let mut longer = bytes.clone();
        longer.push(0);
        assert!(BinTable::load(longer).is_none());
        // Swap the first two paths' last letters: no longer in order.
        let text = String::from_utf8_lossy(&bytes).into_owned();
        assert!(text.contains("abc.toml.minisig"));
        let mut disordered = bytes.clone();
        let first = bytes.windows(8).position(|w| w == b"abc.toml").unwrap();
        let third = bytes.windows(8).position(|w| w == b"abd.toml").unwrap();
        disordered[first + 2] = b'd';
        disordered[third + 2] = b'c';
        assert!(BinTable::load(disordered).is_none());
    }
}
