//! The verified-entry cache (README, "Verified-entry cache").
//!
//! Checking a plugin file's signature and parsing its TOML dominated every
//! run that read many files, though the files rarely change. Once a file
//! verified under a config and parsed, its parsed form is kept here, keyed
//! by what that outcome depends on: the digest of the config it verified
//! under, its index path, and the digests of the file and its signature.
//! A later run that knows those digests — from the verified snapshot, or by
//! hashing the bytes the host served — takes the parsed form from here and
//! skips the signature check and the parse (and, with a snapshot, even
//! reading the file). Snapshot bins are kept the same way, by digest.
//!
//! It is a cache, never a source of trust: an entry is found only by the
//! digests a verified snapshot lists (or the served bytes have), so it
//! cannot make a file trusted that would not verify now; an entry that is
//! corrupt, truncated, or stored under another key's name is ignored (and
//! rewritten after the file verifies again). New entries are kept only
//! when the run is done and nothing it read was refused
//! ([`EntryCache::flush`]), like the backends' caches; they are written
//! meanwhile, into one pack under a temporary name (`writer`, `pack`).
//! Writes are best effort: a read-only home costs speed, never a run.

mod pack;
mod writer;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};

use plugres_schema::rules::VerifiedAttestation;
use plugres_schema::{Bin, CatalogEntry, CatalogListing, PluginFile, Sha256, Snapshot};

/// The catalog-digits byte of a kept snapshot that has no catalog.
const NO_CATALOG: u8 = u8::MAX;

use super::bin_table::{BinTable, encode as encode_bin};

/// Entries of one index config, under a folder of this machine.
pub(crate) struct EntryCache {
    /// Digest of the verified `config.toml` the entries verified under: a
    /// new config (other keys, scopes, limits) starts from nothing.
    config: Sha256,
    /// Writes new entries as they come; [`EntryCache::flush`] keeps them.
    writer: writer::Writer,
    /// The folder's packs, newest first, opened by the first lookup (and
    /// again after a flush).
    packs: Mutex<Option<Arc<Vec<pack::Pack>>>>,
}

impl std::fmt::Debug for EntryCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EntryCache")
            .field("dir", &self.writer.dir())
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

/// What a key names, so entries of different kinds never collide.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// A plugin file that verified under a config.
    Plugin,
    /// A snapshot bin, by digest: its parse depends on nothing else.
    Bin,
    /// `snapshot.toml`, by digest.
    Snapshot,
    /// A catalog shard, by digest (README "The catalog").
    Catalog,
    /// A version's attestation that verified under a config (README
    /// "Trusted publishing"), by the bundle's digest and the statement its
    /// entry makes: the check reads no clock, so its outcome depends on
    /// nothing else.
    Attestation,
}

impl EntryCache {
    pub(crate) fn new(dir: PathBuf, config: Sha256) -> Self {
        EntryCache {
            writer: writer::Writer::new(dir),
            config,
            packs: Mutex::new(None),
        }
    }

    /// A cache for entries that depend on their bytes alone (snapshots),
    /// before a config is established.
    pub(crate) fn for_content(dir: &Path) -> Self {
        Self::new(dir.to_path_buf(), Sha256::from_bytes([0; 32]))
    }

    /// The parsed `snapshot.toml` whose bytes have digest `sha`.
    pub(crate) fn snapshot(&self, sha: Sha256) -> Option<Snapshot> {
        let sealed = self.get(self.key(Kind::Snapshot, "", &[sha]))?;
        let payload = sealed.payload();
        let (head, rest) = payload.split_at_checked(11)?;
        let version = u64::from_le_bytes(head[..8].try_into().ok()?);
        let mut r = Items(rest);
        let (top, bins, groups, catalog) = (r.bin()?, r.bin()?, r.bin()?, r.bin()?);
        r.0.is_empty().then_some(())?;
        Some(Snapshot {
            version,
            bin_digits: head[8],
            files: top.files,
            bins: bins.files,
            group_digits: head[10],
            groups: groups.files,
            signatures: top.signatures,
            catalog: (head[9] != NO_CATALOG).then(|| CatalogListing {
                digits: head[9],
                shards: catalog.files,
            }),
        })
    }

    pub(crate) fn keep_snapshot(&self, sha: Sha256, snapshot: &Snapshot) {
        let mut payload = snapshot.version.to_le_bytes().to_vec();
        payload.push(snapshot.bin_digits);
        payload.push(snapshot.catalog.as_ref().map_or(NO_CATALOG, |c| c.digits));
        payload.push(snapshot.group_digits);
        let top = Bin {
            files: snapshot.files.clone(),
            signatures: snapshot.signatures.clone(),
        };
        payload.extend(encode_bin(&top));
        let ids = Bin {
            files: snapshot.bins.clone(),
            signatures: Default::default(),
        };
        payload.extend(encode_bin(&ids));
        let groups = Bin {
            files: snapshot.groups.clone(),
            signatures: Default::default(),
        };
        payload.extend(encode_bin(&groups));
        let shards = Bin {
            files: snapshot
                .catalog
                .as_ref()
                .map(|c| c.shards.clone())
                .unwrap_or_default(),
            signatures: Default::default(),
        };
        payload.extend(encode_bin(&shards));
        self.put(self.key(Kind::Snapshot, "", &[sha]), &payload);
    }

    /// The parsed catalog shard at `path` with digest `sha`, if read before.
    pub(crate) fn catalog_shard(&self, path: &str, sha: Sha256) -> Option<Vec<CatalogEntry>> {
        let sealed = self.get(self.key(Kind::Catalog, path, &[sha]))?;
        // Binary, not JSON: a warm search of a large index is mostly this.
        plugres_schema::decode_entries(sealed.payload())
    }

    pub(crate) fn keep_catalog_shard(&self, path: &str, sha: Sha256, entries: &[CatalogEntry]) {
        let payload = plugres_schema::encode_entries(entries);
        self.put(self.key(Kind::Catalog, path, &[sha]), &payload);
    }

    /// The parsed plugin file at `path` whose bytes have digest `file` and
    /// whose signature has digest `signature`, if it verified before.
    pub(crate) fn plugin(&self, path: &str, file: Sha256, signature: Sha256) -> Option<PluginFile> {
        let key = self.key(Kind::Plugin, path, &[file, signature]);
        self.read(key, PluginFile::decode).filter(|p| {
            // The name is bound to the path; an entry saying otherwise is
            // not one this cache wrote.
            plugres_schema::name_from_index_path(path).as_ref() == Some(&p.name)
        })
    }

    /// Remembers that `parsed` is what the file and signature with these
    /// digests at `path` verified to.
    pub(crate) fn keep_plugin(
        &self,
        path: &str,
        file: Sha256,
        signature: Sha256,
        parsed: &PluginFile,
    ) {
        let key = self.key(Kind::Plugin, path, &[file, signature]);
        self.put(key, &parsed.encode());
    }

    /// Who released `version` (`NAME VERSION`), when the bundle with digest
    /// `bundle` verified under this config for an entry stating `statement`
    /// (the digest of its in-toto statement).
    pub(crate) fn attestation(
        &self,
        version: &str,
        bundle: Sha256,
        statement: Sha256,
    ) -> Option<VerifiedAttestation> {
        let sealed = self.get(self.key(Kind::Attestation, version, &[bundle, statement]))?;
        let mut r = Items(sealed.payload());
        let a = VerifiedAttestation {
            publisher: plugres_schema::KeyId::new(&r.text()?).ok()?,
            bundle_sha256: bundle,
            repository: r.text()?,
            commit: r.text()?,
            git_ref: r.text()?,
            signed_at: r.text()?.parse().ok()?,
        };
        r.0.is_empty().then_some(a)
    }

    pub(crate) fn keep_attestation(
        &self,
        version: &str,
        statement: Sha256,
        verified: &VerifiedAttestation,
    ) {
        let mut payload = Vec::new();
        for text in [
            verified.publisher.as_str(),
            &verified.repository,
            &verified.commit,
            &verified.git_ref,
            &verified.signed_at.to_string(),
        ] {
            payload.extend_from_slice(&(text.len() as u32).to_le_bytes());
            payload.extend_from_slice(text.as_bytes());
        }
        let key = self.key(
            Kind::Attestation,
            version,
            &[verified.bundle_sha256, statement],
        );
        self.put(key, &payload);
    }

    /// The parsed snapshot bin at `path` with digest `sha`, if read before.
    pub(crate) fn bin(&self, path: &str, sha: Sha256) -> Option<BinTable> {
        BinTable::load(self.get(self.key(Kind::Bin, path, &[sha]))?.into_payload())
    }

    pub(crate) fn keep_bin(&self, path: &str, sha: Sha256, bin: &BinTable) {
        let key = self.key(Kind::Bin, path, &[sha]);
        self.put(key, bin.bytes());
    }

    fn key(&self, kind: Kind, path: &str, digests: &[Sha256]) -> Sha256 {
        let mut text = Vec::with_capacity(64 + path.len() + 32 * (digests.len() + 1));
        text.extend_from_slice(match kind {
            Kind::Plugin => b"plugres verified plugin file v1\0",
            Kind::Bin => b"plugres parsed snapshot bin v4\0",
            Kind::Snapshot => b"plugres parsed snapshot v3\0",
            Kind::Catalog => b"plugres parsed catalog shard v3\0",
            Kind::Attestation => b"plugres verified attestation v1\0",
        });
        if matches!(kind, Kind::Plugin | Kind::Attestation) {
            text.extend_from_slice(self.config.as_bytes());
        }
        text.extend_from_slice(path.as_bytes());
        text.push(0);
        for d in digests {
            text.extend_from_slice(d.as_bytes());
        }
        Sha256::of(&text)
    }

    fn packs(&self) -> Arc<Vec<pack::Pack>> {
        self.packs
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get_or_insert_with(|| Arc::new(pack::open_all(self.writer.dir())))
            .clone()
    }

    /// The entry kept under `key`, when it is whole and its own (the newest
    /// such copy: an older pack may hold one that no longer checks).
    fn get(&self, key: Sha256) -> Option<Sealed> {
        let mut bytes = Vec::new();
        self.find(key, &mut bytes).then_some(Sealed(bytes))
    }

    /// Reads the entry under `key` into `buffer`, from the newest pack that
    /// holds a whole copy of its own.
    fn find(&self, key: Sha256, buffer: &mut Vec<u8>) -> bool {
        self.packs()
            .iter()
            .any(|p| p.read(&key, buffer) && is_sealed(key, buffer))
    }

    /// What `decode` makes of the payload kept under `key`, read into a
    /// buffer this thread keeps: a large lock reads hundreds of entries,
    /// and a fresh buffer for each came from fresh pages (README
    /// "Benchmarks").
    fn read<T>(&self, key: Sha256, decode: impl FnOnce(&[u8]) -> Option<T>) -> Option<T> {
        thread_local! {
            static BUFFER: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
        }
        BUFFER.with_borrow_mut(|buffer| {
            if !self.find(key, buffer) {
                return None;
            }
            decode(inside_seal(buffer))
        })
    }

    fn put(&self, key: Sha256, payload: &[u8]) {
        self.writer.write(key, &seal(key, payload));
    }

    /// Keeps the entries of this run, written meanwhile into one pack.
    /// Without it (a run that refused a file) they are dropped with the
    /// cache.
    pub(crate) fn flush(&self) {
        self.writer.finish(true);
        *self.packs.lock().unwrap_or_else(PoisonError::into_inner) = None;
    }
}

/// An entry on disk: its key, the payload, then the digest of both, so a
/// torn or bit-flipped entry, or one copied under another key's name, is
/// recognised and ignored.
fn seal(key: Sha256, payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(payload.len() + 64);
    out.extend_from_slice(key.as_bytes());
    out.extend_from_slice(payload);
    let check = Sha256::of(&out);
    out.extend_from_slice(check.as_bytes());
    out
}

/// Whether the entry `bytes` is whole and stored under its own `key`.
fn is_sealed(key: Sha256, bytes: &[u8]) -> bool {
    if bytes.len() < 64 {
        return false;
    }
    let body_end = bytes.len() - 32;
    bytes[..32] == key.as_bytes()[..]
        && Sha256::of(&bytes[..body_end]).as_bytes()[..] == bytes[body_end..]
}

/// The payload of an entry whose seal checked ([`is_sealed`]): between
/// the key and the digest.
fn inside_seal(bytes: &[u8]) -> &[u8] {
    &bytes[32..bytes.len() - 32]
}

/// An entry whose seal checked: its payload is read in place (a catalog
/// shard is megabytes; moving it down over the key was a copy per run).
struct Sealed(Vec<u8>);

impl Sealed {
    fn payload(&self) -> &[u8] {
        inside_seal(&self.0)
    }

    fn into_payload(mut self) -> Vec<u8> {
        self.0.truncate(self.0.len() - 32);
        self.0.drain(..32);
        self.0
    }
}

/// Decodes exactly one [`encode_bin`].
#[cfg(test)]
fn decode_bin(bytes: &[u8]) -> Option<Bin> {
    let mut r = Items(bytes);
    let bin = r.bin()?;
    r.0.is_empty().then_some(bin)
}

/// Length-prefixed items, read from the front.
struct Items<'a>(&'a [u8]);

impl<'a> Items<'a> {
    fn next(&mut self) -> Option<&'a [u8]> {
        let len = u32::from_le_bytes(self.0.get(..4)?.try_into().ok()?) as usize;
        let (item, rest) = self.0[4..].split_at_checked(len)?;
        self.0 = rest;
        Some(item)
    }

    fn count(&mut self) -> Option<u32> {
        Some(u32::from_le_bytes(self.next()?.try_into().ok()?))
    }

    fn text(&mut self) -> Option<String> {
        std::str::from_utf8(self.next()?).ok().map(str::to_string)
    }

    fn bin(&mut self) -> Option<Bin> {
        let mut bin = Bin::default();
        for _ in 0..self.count()? {
            let path = self.text()?;
            let sha = Sha256::from_bytes(self.next()?.try_into().ok()?);
            bin.files.insert(path, sha);
        }
        for _ in 0..self.count()? {
            let path = self.text()?;
            bin.signatures.insert(path, self.text()?);
        }
        Some(bin)
    }
}

#[cfg(test)]
mod tests;
