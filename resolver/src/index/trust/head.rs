//! A first use of an index reads its trust files from `head.bundle`
//! (README "head.bundle"): one request where a static host would answer
//! six. The head is a transport like any other: [`Headed`] only serves its
//! bytes in place of the separate files, and the trust rules check them
//! exactly as they check files fetched alone.
//!
//! A head attempt leaves nothing behind in the backend when it fails: the
//! head holds all six files ([`Head::parse`] refuses one that lacks any),
//! so nothing of the trust chain is read from the backend, and pins and
//! prefetch hints stop here. Only the files the accepted chain read are
//! handed on to be cached ([`Headed::adopt`]).

use std::collections::BTreeSet;
use std::sync::{Mutex, PoisonError};

use plugres_schema::{Head, Sha256};

use crate::index::{ArtifactLocation, IndexBackend, IndexError, at_most};

/// `inner`, with the files of its head read from the head.
pub(super) struct Headed<'a> {
    inner: &'a dyn IndexBackend,
    head: Head,
    /// The head's files read so far: what the trust rules checked.
    served: Mutex<BTreeSet<String>>,
}

impl<'a> Headed<'a> {
    /// The head of `inner`'s index, when it has one that parses.
    pub(super) fn of(inner: &'a dyn IndexBackend) -> Option<Headed<'a>> {
        let head = Head::parse(&inner.head()?).ok()?;
        Some(Headed {
            inner,
            head,
            served: Mutex::new(BTreeSet::new()),
        })
    }

    /// Hands the head's files that the accepted chain read to the backend
    /// behind it to cache (see [`IndexBackend::adopt`]): a file the chain
    /// never read (the timestamp of an index without snapshot keys) was
    /// never checked, so it is not kept.
    pub(super) fn adopt(&self) {
        let served = self.served.lock().unwrap_or_else(PoisonError::into_inner);
        let files: Vec<(&str, &[u8])> = self
            .head
            .files
            .iter()
            .filter(|(p, _)| served.contains(p))
            .map(|(p, b)| (p.as_str(), b.as_slice()))
            .collect();
        self.inner.adopt(&files);
    }

    /// The head's bytes for `path`, noted as read.
    fn serve(&self, path: &str) -> Option<Vec<u8>> {
        let bytes = self.head.file(path)?.to_vec();
        self.served
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(path.to_string());
        Some(bytes)
    }
}

impl IndexBackend for Headed<'_> {
    fn read(&self, path: &str) -> Result<Option<Vec<u8>>, IndexError> {
        match self.serve(path) {
            Some(bytes) => Ok(Some(bytes)),
            None => self.inner.read(path),
        }
    }

    fn read_at_most(
        &self,
        path: &str,
        limit: u64,
        why: &'static str,
    ) -> Result<Option<Vec<u8>>, IndexError> {
        match self.serve(path) {
            Some(bytes) => at_most(self, path, Some(bytes), limit, why),
            None => self.inner.read_at_most(path, limit, why),
        }
    }

    /// Not passed on: a pin from a head that does not verify would steer
    /// the reads of the files behind it.
    fn prefetch(&self, _paths: &[String]) {}

    fn is_local(&self) -> bool {
        self.inner.is_local()
    }

    fn has_arrived(&self, path: &str) -> bool {
        self.head.file(path).is_some() || self.inner.has_arrived(path)
    }

    /// Not passed on (see [`Self::prefetch`]).
    fn pin(&self, _pins: &[(String, Sha256)]) {}

    fn kept_verified(&self, paths: &[&str]) {
        self.inner.kept_verified(paths);
    }

    fn changed_after_snapshot(&self, path: &str) -> bool {
        self.inner.changed_after_snapshot(path)
    }

    fn list_plugins(&self) -> Result<Vec<String>, IndexError> {
        self.inner.list_plugins()
    }

    fn describe(&self) -> String {
        self.inner.describe()
    }

    fn identity(&self) -> String {
        self.inner.identity()
    }

    fn revision(&self) -> Option<String> {
        self.inner.revision()
    }

    /// Not passed on: the files behind the head are adopted only once
    /// the chain is accepted ([`Headed::adopt`]).
    fn adopt(&self, _files: &[(&str, &[u8])]) {}

    fn persist(&self) {
        self.inner.persist();
    }

    fn relative_artifact(&self, url: &str) -> ArtifactLocation {
        self.inner.relative_artifact(url)
    }
}
