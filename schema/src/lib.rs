//! The formats of a plugres index, and the rules that make an entry valid.
//!
//! An index is a git repository of TOML files (see the README, "Formats"): a
//! signed `config.toml` naming the engine and the keys, and one signed file
//! per plugin holding every version of it. This crate holds the types of
//! those files, the publisher's input manifest (`plugin.toml`), the path scheme
//! that maps a plugin name to its file, and the signature rules of the chain of
//! trust.
//!
//! It does no IO: callers hand it bytes and get back validated values or a list
//! of [`Diagnostic`]s, each with the file, line and column of the problem. The
//! same code runs in the index tool (when publishing and validating) and in the
//! client (when reading an index over any transport), so both agree on what an
//! entry means.
//!
//! Parse, don't validate: a [`PluginName`], [`Version`], [`Sha256`] or
//! [`Target`] can only be built through its checking constructor, and
//! deserialising goes through it.

pub mod attestation;
mod catalog;
mod channel;
mod config;
mod diag;
mod fields;
mod head;
mod immutable;
#[cfg(feature = "json-schema")]
pub mod json_schema;
mod keys;
pub mod limits;
mod manifest;
mod mirror;
mod name;
mod path;
mod plugin;
pub mod render;
pub mod rules;
mod settings;
mod sha;
mod sign;
mod snapshot;
mod text;
pub mod time;
mod timestamp;
mod unknown;
mod version;

pub use catalog::{
    CATALOG_ALL, CATALOG_DIR, CATALOG_PLUGINS_PER_SHARD, CatalogEntry, CatalogListing,
    MAX_SHARD_BYTES, Release, auto_catalog_digits, build_catalog, build_catalog_auto, catalog_path,
    catalog_shard_of, decode_entries, encode_entries, is_shard_id, parse_shard, parse_shard_with,
    shard_text,
};
pub use channel::{Channel, ChannelMiss, MAX_CHANNEL_LEN, MAX_CHANNELS};
pub use config::{
    DEFAULT_TIMESTAMP_EXPIRY, IndexConfig, PublishPolicy, SigstoreRoot, TRUSTED_PUBLISHING_FORMAT,
    TrustedPublisher,
};
pub use diag::{Diagnostic, Diagnostics, Severity};
pub use head::{HEAD_FILES, HEAD_PATH, Head, MAX_HEAD_SIZE};
pub use immutable::{VersionChange, changed_published_versions};
pub use keys::{KeyId, PublicKey, PublisherKey, RoleKey, RootKey, Scope};
pub use limits::ArchiveLimits;
pub use manifest::{ManifestArtifact, PublishManifest};
pub use mirror::{mirror_file_name, mirror_path};
pub use name::{NameError, PluginName};
pub use path::{
    ATTESTATIONS_DIR, CONFIG_PATH, IndexPath, PLUGINS_DIR, READMES_DIR, SIGNATURE_SUFFIX,
    attestation_path, index_path, name_from_index_path, readme_path, signature_path,
};
pub use plugin::{
    Artifact, Dependencies, MAX_ARTIFACT_SIZE, Permission, PluginFile, Readme, StoredFile, Target,
    VersionEntry,
};
pub use settings::{
    MAX_SETTINGS, RawSetting, SettingDecl, SettingType, SettingValue, Settings, is_setting_name,
    render_settings, validate_settings,
};
pub use sha::Sha256;
pub use sign::{
    Signature, SignatureError, Verified, parse_signatures, parse_trusted_comment, public_key_id,
    signers, trusted_comment, verify,
};
#[cfg(feature = "signing")]
pub use sign::{SigningKey, generate_key_files, sign};
pub use snapshot::{
    BINS_PER_GROUP_DIGITS, Bin, FLAT_PLUGINS, GROUPED_BIN_DIGITS, Listing, MAX_BIN_DIGITS,
    SNAPSHOT_BIN_DIR, SNAPSHOT_PATH, Snapshot, auto_bin_digits, auto_group_digits, bin_of,
    bin_path, group_of, group_path, parse_bin, parse_bin_with, parse_group, parse_group_with,
};
pub use text::LineIndex;
pub use timestamp::{TIMESTAMP_PATH, Timestamp};
pub use unknown::{Parsed, UnknownField, UnknownFields};
pub use version::{Version, VersionError};

/// The largest plugin or config file accepted, in bytes. A plugin file with
/// hundreds of versions stays far below this; anything larger is refused
/// before parsing so a hostile host cannot make a client parse megabytes.
pub const MAX_FILE_SIZE: usize = 1024 * 1024;

/// The largest `timestamp.toml` accepted, in bytes (TUF's default too). A
/// timestamp is a few lines; the small limit also gives its download a
/// short deadline, so a host dripping it cannot hold a client for long.
pub const MAX_TIMESTAMP_SIZE: usize = 16 * 1024;

/// The largest `.minisig` file accepted, in bytes.
pub const MAX_SIGNATURE_SIZE: usize = 4096;

/// The most bytes index file `path` may have, and why when that is less
/// than [`MAX_FILE_SIZE`]: a signature or a timestamp is small. One rule
/// for every reader: the client (where the smaller limit also shortens a
/// request's deadline) and `plugres-index validate`.
pub fn file_limit(path: &str) -> (u64, Option<&'static str>) {
    if path.ends_with(SIGNATURE_SUFFIX) {
        (
            MAX_SIGNATURE_SIZE as u64,
            Some("the most a signature may have"),
        )
    } else if path == TIMESTAMP_PATH {
        (
            MAX_TIMESTAMP_SIZE as u64,
            Some("the most a timestamp may have"),
        )
    } else if path == HEAD_PATH {
        (MAX_HEAD_SIZE as u64, Some("the most a head may have"))
    } else {
        (MAX_FILE_SIZE as u64, None)
    }
}

/// The current `format` number of `config.toml`.
pub const FORMAT: u32 = 1;
