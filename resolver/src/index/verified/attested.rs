//! Trusted publishing on the client (README "Trusted publishing"): which
//! versions must be attested, and the check of a chosen version's bundle
//! by the shared rule ([`plugres_schema::rules::verify_attestation`]).
//!
//! Only versions a command uses are checked — those a lock chooses, and
//! the entries of a lock an install has not checked on this machine — so
//! resolution reads no bundle. A version that must be attested and names
//! no bundle is not a candidate at all ([`VerifiedIndex::requires_attestation`]).

use std::sync::Arc;
use std::sync::atomic::Ordering;

use plugres_schema::rules::{
    AttestationError, MAX_BUNDLE_SIZE, VerifiedAttestation, check_trusted_root, verify_attestation,
};
use plugres_schema::{PluginName, VersionEntry};

use rayon::prelude::*;

use super::{VerifiedIndex, lock};
use crate::index::IndexError;

impl VerifiedIndex {
    /// Whether each usable version of `name` must carry a verified
    /// attestation: by the config's publish policy for it and whether its
    /// file came signed by a publisher key (read it first).
    pub fn requires_attestation(&self, name: &PluginName) -> bool {
        let signed = !lock(&self.unsigned).contains(name);
        self.config.policy_for(name).requires_attestation(signed)
    }

    /// The verified attestation of version `entry` of plugin `name`;
    /// `None` when it has none and needs none. The bundle is read at the
    /// path and checked against the digest its entry names; once per run.
    pub fn attestation(
        &self,
        name: &PluginName,
        entry: &VersionEntry,
    ) -> Result<Option<VerifiedAttestation>, IndexError> {
        let key = (name.clone(), entry.version.to_string());
        if let Some(hit) = lock(&self.attested).get(&key) {
            return Ok(Some(hit.clone()));
        }
        let Some(named) = &entry.attestation else {
            if self.requires_attestation(name) {
                return Err(IndexError::NotAttested {
                    registry: self.registry.clone(),
                    index: self.describe(),
                    name: name.to_string(),
                    version: entry.version.to_string(),
                    policy: self.config.policy_for(name).as_str(),
                });
            }
            return Ok(None);
        };
        // Verified on this machine before, under this config (its root and
        // publishers), for these exact bundle and statement bytes.
        let statement = statement_digest(name, entry);
        let shown = format!("{name} {}", entry.version);
        if let Some(hit) = self
            .entries
            .as_ref()
            .and_then(|c| c.attestation(&shown, named.sha256, statement))
        {
            lock(&self.attested).insert(key, hit.clone());
            return Ok(Some(hit));
        }
        let path = named.path.as_str();
        let root = self.trusted_root(name, entry)?;
        self.backend.pin(&[(path.to_string(), named.sha256)]);
        let limit = named.size.min(MAX_BUNDLE_SIZE);
        let bundle = self
            .backend
            .read_at_most(path, limit, "the size its version entry gives")
            .inspect_err(|_| self.refused.store(true, Ordering::SeqCst))?
            .ok_or_else(|| {
                self.refuse(AttestationError::BundleMissing {
                    path: path.to_string(),
                    name: name.clone(),
                    version: entry.version.to_string(),
                })
            })?;
        let verified = verify_attestation(&self.config, &root, name, entry, &bundle)
            .map_err(|e| self.refuse(e))?;
        if let Some(cache) = &self.entries {
            cache.keep_attestation(&shown, statement, &verified);
        }
        lock(&self.attested).insert(key, verified.clone());
        Ok(Some(verified))
    }

    /// Verifies these versions' attestations ahead: their bundles are asked
    /// for together (a network backend fetches them in parallel) and checked
    /// on all cores. What fails is not kept, and fails again, with its
    /// error, when [`Self::attestation`] is asked.
    pub fn verify_attestations(&self, versions: &[(PluginName, VersionEntry)]) {
        let named: Vec<(String, plugres_schema::Sha256)> = versions
            .iter()
            .filter_map(|(_, v)| v.attestation.as_ref())
            .map(|a| (a.path.as_str().to_string(), a.sha256))
            .collect();
        if named.len() < 2 {
            return;
        }
        self.backend.pin(&named);
        self.backend
            .prefetch(&named.into_iter().map(|(p, _)| p).collect::<Vec<_>>());
        versions.par_iter().for_each(|(name, entry)| {
            let _ = self.attestation(name, entry);
        });
    }

    /// The pinned Sigstore trusted root's bytes, read once per run.
    fn trusted_root(
        &self,
        name: &PluginName,
        entry: &VersionEntry,
    ) -> Result<Arc<Vec<u8>>, IndexError> {
        let mut kept = lock(&self.sigstore_root);
        if let Some(root) = kept.as_ref() {
            return Ok(root.clone());
        }
        let version = entry.version.to_string();
        let Some(pinned) = &self.config.sigstore else {
            return Err(self.refuse(AttestationError::NoTrustedRoot {
                name: name.clone(),
                version,
            }));
        };
        let path = pinned.path.as_str();
        self.backend.pin(&[(path.to_string(), pinned.sha256)]);
        let bytes = self
            .backend
            .read(path)
            .inspect_err(|_| self.refused.store(true, Ordering::SeqCst))?
            .ok_or_else(|| {
                self.refuse(AttestationError::TrustedRootMissing {
                    path: path.to_string(),
                })
            })?;
        check_trusted_root(&self.config, &bytes, name, &version).map_err(|e| self.refuse(e))?;
        let root = Arc::new(bytes);
        *kept = Some(root.clone());
        Ok(root)
    }

    /// The client's error for a refused attestation; nothing read in this
    /// run is kept.
    fn refuse(&self, source: AttestationError) -> IndexError {
        self.refused.store(true, Ordering::SeqCst);
        IndexError::Attestation {
            registry: self.registry.clone(),
            index: self.describe(),
            source: Box::new(source),
        }
    }
}

/// The digest of the statement `entry` makes (subjects and predicate):
/// what an attestation of it must say.
fn statement_digest(name: &PluginName, entry: &VersionEntry) -> plugres_schema::Sha256 {
    let statement = plugres_schema::attestation::statement(name, entry);
    plugres_schema::Sha256::of(statement.to_string().as_bytes())
}
