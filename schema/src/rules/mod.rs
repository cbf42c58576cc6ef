//! The trust rules: when the bytes of an index file may be believed.
//!
//! The client (reading an index over any transport) and the index tool
//! (validating a pull request, publishing) call these same functions, so
//! what one accepts the other accepts. They take bytes and already-parsed
//! values and return typed errors; each caller turns an error into its own
//! message shape (a client error, a diagnostic with file and line).
//!
//! ```text
//! config.toml    accept_config: signed by a trusted root key and by every
//!                root key it adds; a signer still listed; version raised
//!                with every change, never lowered; the engine unchanged
//! snapshot.toml  verify_role + check_version: a key of its role;
//! timestamp.toml version ≥ the floor, the trusted file kept under its
//!                version (role_floor restarts when the role's keys change)
//! plugin files   verify_plugin_file: at its name's path, signed by a
//!                publisher key whose scopes cover the name (or unsigned
//!                where the publish policy lets attestations vouch), then
//!                parsed; names itself, and not the engine
//! attestations   verify_attestation: the bundle the entry names, verified
//!                against the pinned Sigstore root as a trusted publisher
//!                covering the name, stating exactly the entry
//! ```
//!
//! The chain that ties these together is in the README ("Signatures and the
//! chain of trust", "snapshot.toml and timestamp.toml").

#[cfg(feature = "attest")]
mod attestation;
mod config;
mod plugin_file;
mod roles;

#[cfg(feature = "attest")]
pub use attestation::{
    AttestationError, MAX_BUNDLE_SIZE, VerifiedAttestation, check_trusted_root, verify_attestation,
};
pub use config::{
    ConfigRuleError, PreviousConfig, accept_config, accept_config_with, config_problems,
};
pub use plugin_file::{
    PluginFileError, plugin_file_problems, verify_plugin_file, verify_plugin_file_with,
};
pub use roles::{VersionRuleError, check_version, fingerprint, role_floor, verify_role};
