//! A first use of an index reads its trust files from `head.bundle`
//! (README "head.bundle"): one request where a static host would answer
//! six. The head is a transport like any other: [`Headed`] only serves its
//! bytes in place of the separate files, and the trust rules check them
//! exactly as they check files fetched alone.

use plugres_schema::{Head, Sha256};

use crate::index::{ArtifactLocation, IndexBackend, IndexError, at_most};

/// `inner`, with the files of its head read from the head.
pub(super) struct Headed<'a> {
    inner: &'a dyn IndexBackend,
    head: Head,
}

impl<'a> Headed<'a> {
    /// The head of `inner`'s index, when it has one that parses.
    pub(super) fn of(inner: &'a dyn IndexBackend) -> Option<Headed<'a>> {
        let head = Head::parse(&inner.head()?).ok()?;
        Some(Headed { inner, head })
    }
}

impl Headed<'_> {
    /// Hands the head's files to the backend behind it to cache, once
    /// they verified (see [`IndexBackend::adopt`]).
    pub(super) fn adopt(&self) {
        let files: Vec<(&str, &[u8])> = self
            .head
            .files
            .iter()
            .map(|(p, b)| (p.as_str(), b.as_slice()))
            .collect();
        self.inner.adopt(&files);
    }
}

impl IndexBackend for Headed<'_> {
    fn read(&self, path: &str) -> Result<Option<Vec<u8>>, IndexError> {
        match self.head.file(path) {
            Some(bytes) => Ok(Some(bytes.to_vec())),
            None => self.inner.read(path),
        }
    }

    fn read_at_most(
        &self,
        path: &str,
        limit: u64,
        why: &'static str,
    ) -> Result<Option<Vec<u8>>, IndexError> {
        match self.head.file(path) {
            Some(bytes) => at_most(self, path, Some(bytes.to_vec()), limit, why),
            None => self.inner.read_at_most(path, limit, why),
        }
    }

    fn prefetch(&self, paths: &[String]) {
        self.inner.prefetch(paths);
    }

    fn is_local(&self) -> bool {
        self.inner.is_local()
    }

    fn has_arrived(&self, path: &str) -> bool {
        self.head.file(path).is_some() || self.inner.has_arrived(path)
    }

    fn pin(&self, pins: &[(String, Sha256)]) {
        self.inner.pin(pins);
    }

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

    fn adopt(&self, files: &[(&str, &[u8])]) {
        self.inner.adopt(files);
    }

    fn persist(&self) {
        self.inner.persist();
    }

    fn relative_artifact(&self, url: &str) -> ArtifactLocation {
        self.inner.relative_artifact(url)
    }
}
