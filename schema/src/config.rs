//! `config.toml`: what the index serves and which keys may sign what.

use serde::Deserialize;
use toml::Spanned;

use crate::diag::{Diagnostic, Diagnostics};
use crate::fields::{finish, raw_toml_keeping, text_field};
use crate::keys::{KeyId, PublicKey, PublisherKey, RoleKey, RootKey, Scope};
use crate::limits::ArchiveLimits;
use crate::name::PluginName;
use crate::unknown::{Parsed, UnknownFields};

mod publishing;
pub use publishing::{PublishPolicy, SigstoreRoot, TrustedPublisher};
use publishing::{RawSigstore, RawTrustedPublisher};

/// The config format that adds trusted publishing (README "Trusted
/// publishing"). Its rules narrow what a client accepts, so a plugres that
/// predates them must refuse the file rather than ignore them (README
/// "Format evolution"): a config using them says `format = 2`.
pub const TRUSTED_PUBLISHING_FORMAT: u32 = 2;

/// A validated index config. Built only by [`IndexConfig::parse`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexConfig {
    pub format: u32,
    /// Raised by every change of the config; a client refuses a config
    /// older than one it has seen (rollback) and a changed one under the
    /// same number. `1` when absent.
    pub version: u64,
    /// Short name of the index, e.g. `sample`.
    pub name: String,
    /// The host engine whose plugins this index serves.
    pub engine: String,
    pub description: Option<String>,
    /// Base URL for relative artifact URLs; ends with `/`. When absent,
    /// relative artifact URLs are read from the index itself.
    pub artifact_base: Option<String>,
    pub root_keys: Vec<RootKey>,
    pub publisher_keys: Vec<PublisherKey>,
    /// Keys that may sign `snapshot.toml`. When there is at least one,
    /// clients require a snapshot and a timestamp (rollback and freeze
    /// protection); an index without them has per-file signatures only.
    pub snapshot_keys: Vec<RoleKey>,
    /// Keys that may sign `timestamp.toml` (an online key, re-signing daily).
    pub timestamp_keys: Vec<RoleKey>,
    /// How long a new `timestamp.toml` stays valid, in seconds
    /// (`timestamp-expiry`, default 7 days).
    pub timestamp_expiry: u64,
    /// What one artifact may be: the client's hard caps, lowered by the
    /// config's optional `[limits]` table (never raised).
    pub limits: ArchiveLimits,
    /// The categories plugins may name (`categories`, README "The
    /// catalog"); empty: any.
    pub categories: Vec<String>,
    /// The pinned Sigstore trusted root (`[sigstore]`), needed by any
    /// trusted publisher.
    pub sigstore: Option<SigstoreRoot>,
    /// CI identities that may attest versions (`[[trusted-publisher]]`).
    pub trusted_publishers: Vec<TrustedPublisher>,
    /// Scope → what must vouch for a version (`[publish-policy]`).
    pub publish_policy: Vec<(Scope, PublishPolicy)>,
}

/// The tables of keys, strict in every mode (see [`IndexConfig::parse_with`]).
/// `[sigstore]`, `[[trusted-publisher]]` and `[publish-policy]` are strict
/// for the same reason.
const KEY_TABLES: &[&str] = &[
    "root-key",
    "publisher-key",
    "snapshot-key",
    "timestamp-key",
    "sigstore",
    "trusted-publisher",
    "publish-policy",
];

/// `timestamp-expiry` when the config does not set it: 7 days.
pub const DEFAULT_TIMESTAMP_EXPIRY: u64 = 7 * 86_400;

impl IndexConfig {
    /// Parses and validates `config.toml`, reporting every problem.
    /// A field this plugres does not know is an error.
    pub fn parse(file: &str, bytes: &[u8]) -> Result<IndexConfig, Vec<Diagnostic>> {
        Self::parse_with(file, bytes, UnknownFields::Refuse).map(|p| p.value)
    }

    /// [`IndexConfig::parse`], with unknown fields treated as `mode` says
    /// (README "Format evolution"), except in the key tables: a field
    /// there could qualify a key (an expiry, a revocation) that a client
    /// must not trust more for ignoring it, so it is refused in any mode.
    pub fn parse_with(
        file: &str,
        bytes: &[u8],
        mode: UnknownFields,
    ) -> Result<Parsed<IndexConfig>, Vec<Diagnostic>> {
        let (raw, mut d, unknown) = raw_toml_keeping::<RawConfig>(file, bytes, mode, KEY_TABLES)?;
        let cfg = raw.validate(&mut d);
        finish(Some(cfg), d, unknown)
    }

    /// Publisher keys allowed to sign the file of plugin `name`.
    pub fn publishers_for<'a>(
        &'a self,
        name: &'a PluginName,
    ) -> impl Iterator<Item = &'a PublisherKey> + 'a {
        self.publisher_keys.iter().filter(move |k| k.allows(name))
    }

    /// Trusted publishers that may attest versions of plugin `name`.
    pub fn trusted_publishers_for<'a>(
        &'a self,
        name: &'a PluginName,
    ) -> impl Iterator<Item = &'a TrustedPublisher> + 'a {
        self.trusted_publishers
            .iter()
            .filter(move |t| t.allows(name))
    }

    /// What must vouch for plugin `name`'s versions: every
    /// `[publish-policy]` entry whose scope matches it (`key` when none).
    pub fn policy_for(&self, name: &PluginName) -> PublishPolicy {
        PublishPolicy::all_of(
            self.publish_policy
                .iter()
                .filter(|(scope, _)| scope.matches(name))
                .map(|(_, p)| *p),
        )
    }

    pub fn publisher(&self, id: &str) -> Option<&PublisherKey> {
        self.publisher_keys.iter().find(|k| k.id.as_str() == id)
    }

    /// Whether `name` is the engine's own name (reserved in this index).
    pub fn is_engine_name(&self, name: &PluginName) -> bool {
        name.as_str() == self.engine
    }

    /// The categories of `named` this index does not allow (none when it
    /// lists no `categories`): `validate` and `publish` refuse them.
    pub fn unlisted_categories<'a>(&self, named: &'a [String]) -> Vec<&'a str> {
        if self.categories.is_empty() {
            return Vec::new();
        }
        named
            .iter()
            .filter(|c| !self.categories.contains(c))
            .map(String::as_str)
            .collect()
    }

    /// The message for `unlisted` categories (from
    /// [`Self::unlisted_categories`]), naming the ones allowed.
    pub fn category_message(&self, unlisted: &[&str]) -> String {
        let quote = |v: &mut dyn Iterator<Item = &str>| -> String {
            v.map(|c| format!("`{c}`")).collect::<Vec<_>>().join(", ")
        };
        format!(
            "{} {} not a category of this index; config.toml allows: {}",
            quote(&mut unlisted.iter().copied()),
            if unlisted.len() == 1 { "is" } else { "are" },
            quote(&mut self.categories.iter().map(String::as_str))
        )
    }

    /// Whether clients must find a signed snapshot and timestamp.
    pub fn has_snapshot_role(&self) -> bool {
        !self.snapshot_keys.is_empty()
    }

    /// Every key of the config with its role, for naming the signer of a
    /// signature: `(id, public, role)`.
    pub fn all_keys(&self) -> Vec<(&KeyId, &PublicKey, &'static str)> {
        let mut out: Vec<(&KeyId, &PublicKey, &'static str)> = Vec::new();
        out.extend(self.root_keys.iter().map(|k| (&k.id, &k.public, "root")));
        out.extend(
            self.publisher_keys
                .iter()
                .map(|k| (&k.id, &k.public, "publisher")),
        );
        out.extend(
            self.snapshot_keys
                .iter()
                .map(|k| (&k.id, &k.public, "snapshot")),
        );
        out.extend(
            self.timestamp_keys
                .iter()
                .map(|k| (&k.id, &k.public, "timestamp")),
        );
        out
    }
}

/// `config.toml` of a plugres index: the engine it serves and the keys that
/// may sign it (root keys) and its plugin files (publisher keys). Signed by
/// a root key (`config.toml.minisig`).
#[derive(Deserialize)]
#[cfg_attr(feature = "json-schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
#[cfg_attr(
    feature = "json-schema",
    schemars(title = "plugres index: config.toml")
)]
pub(crate) struct RawConfig {
    #[cfg_attr(
        feature = "json-schema",
        schemars(with = "crate::json_schema::ConfigFormat")
    )]
    format: Spanned<u32>,
    /// Raised by every change of this file; clients refuse an older one.
    #[cfg_attr(
        feature = "json-schema",
        schemars(with = "Option<u64>", range(min = 1))
    )]
    version: Option<Spanned<u64>>,
    /// Short name of the index, like `sample`.
    #[cfg_attr(feature = "json-schema", schemars(with = "KeyId"))]
    name: Spanned<String>,
    /// The host engine whose plugins this index serves, like `demo-engine`.
    #[cfg_attr(
        feature = "json-schema",
        schemars(
            with = "String",
            regex(pattern = "^[a-z][a-z0-9]*(-[a-z0-9]+)*$"),
            length(max = 64)
        )
    )]
    engine: Spanned<String>,
    #[cfg_attr(
        feature = "json-schema",
        schemars(with = "Option<String>", length(min = 1, max = 1000))
    )]
    description: Option<Spanned<String>>,
    /// Base URL for relative artifact URLs, ending with `/`. Without it,
    /// relative artifact URLs point into the index itself.
    #[cfg_attr(
        feature = "json-schema",
        schemars(with = "Option<String>", regex(pattern = "^(https?|file)://[^\\s]*/$"))
    )]
    artifact_base: Option<Spanned<String>>,
    /// Keys that may sign config.toml; clients pin these. At least one.
    #[serde(default)]
    #[cfg_attr(
        feature = "json-schema",
        schemars(with = "Vec<RawRootKey>", length(min = 1))
    )]
    root_key: Vec<Spanned<RawKey>>,
    /// Keys that may sign the files of plugins whose names match their scopes.
    #[serde(default)]
    #[cfg_attr(feature = "json-schema", schemars(with = "Vec<RawPublisherKey>"))]
    publisher_key: Vec<Spanned<RawKey>>,
    /// Keys that may sign snapshot.toml. With one, clients require a signed
    /// snapshot and timestamp (rollback and freeze protection).
    #[serde(default)]
    #[cfg_attr(feature = "json-schema", schemars(with = "Vec<RawRootKey>"))]
    snapshot_key: Vec<Spanned<RawKey>>,
    /// Keys that may sign timestamp.toml (an online key that re-signs daily).
    #[serde(default)]
    #[cfg_attr(feature = "json-schema", schemars(with = "Vec<RawRootKey>"))]
    timestamp_key: Vec<Spanned<RawKey>>,
    /// How long a new timestamp.toml stays valid: `7d` (default), `12h`, ...
    #[cfg_attr(
        feature = "json-schema",
        schemars(with = "Option<String>", regex(pattern = "^[0-9]+[dhms]$"))
    )]
    timestamp_expiry: Option<Spanned<String>>,
    /// Lower limits for this index's artifacts; each at most the client's
    /// hard cap (the default).
    limits: Option<RawLimits>,
    /// The categories plugins may name; absent or empty: any.
    #[serde(default)]
    #[cfg_attr(
        feature = "json-schema",
        schemars(with = "Vec<crate::json_schema::Tag>")
    )]
    categories: Vec<Spanned<String>>,
    /// The Sigstore trusted root that attestations verify against.
    sigstore: Option<RawSigstore>,
    /// CI identities that may attest versions of the plugins their scopes
    /// cover (trusted publishing; needs `format = 2`).
    #[serde(default)]
    #[cfg_attr(feature = "json-schema", schemars(with = "Vec<RawTrustedPublisher>"))]
    trusted_publisher: Vec<Spanned<RawTrustedPublisher>>,
    /// Plugin name pattern → `key`, `attestation`, `any` or `both`: what
    /// must vouch for a version. A plugin follows every matching entry;
    /// `key` when none matches.
    #[serde(default)]
    #[cfg_attr(
        feature = "json-schema",
        schemars(with = "std::collections::BTreeMap<String, String>")
    )]
    publish_policy: std::collections::BTreeMap<Spanned<String>, Spanned<String>>,
}

/// `[limits]`: what one artifact of this index may be. `plugres-index
/// validate` refuses artifacts over them and clients apply the lower of
/// these and their own hard caps.
#[derive(Deserialize)]
#[cfg_attr(feature = "json-schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawLimits {
    /// The largest artifact (download) in bytes; at most 1 GiB.
    #[cfg_attr(
        feature = "json-schema",
        schemars(with = "Option<u64>", range(min = 1, max = 1073741824))
    )]
    max_artifact_size: Option<Spanned<u64>>,
    /// The most bytes one artifact may unpack to; at most 1 GiB.
    #[cfg_attr(
        feature = "json-schema",
        schemars(with = "Option<u64>", range(min = 1, max = 1073741824))
    )]
    max_unpacked_size: Option<Spanned<u64>>,
    /// The most files and directories in one archive; at most 100000.
    #[cfg_attr(
        feature = "json-schema",
        schemars(with = "Option<u64>", range(min = 1, max = 100000))
    )]
    max_files: Option<Spanned<u64>>,
}

impl RawLimits {
    fn validate(&self, d: &mut Diagnostics) -> ArchiveLimits {
        let hard = ArchiveLimits::HARD;
        let mut field = |key: &str, raw: &Option<Spanned<u64>>, cap: u64| match raw {
            None => cap,
            Some(v) if *v.get_ref() == 0 || *v.get_ref() > cap => {
                d.error(
                    Some(v.span()),
                    format!(
                        "`limits.{key}` = {} is out of range: 1 to {cap}, the client's own limit (an index may lower it, not raise it)",
                        v.get_ref()
                    ),
                );
                cap
            }
            Some(v) => *v.get_ref(),
        };
        ArchiveLimits {
            max_artifact_size: field(
                "max-artifact-size",
                &self.max_artifact_size,
                hard.max_artifact_size,
            ),
            max_unpacked_size: field(
                "max-unpacked-size",
                &self.max_unpacked_size,
                hard.max_unpacked_size,
            ),
            max_files: field("max-files", &self.max_files, hard.max_files),
            ..hard
        }
    }
}

/// A key table: strict in every mode (see [`IndexConfig::parse_with`]).
#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawKey {
    id: Spanned<String>,
    public: Spanned<String>,
    scopes: Option<Vec<Spanned<String>>>,
}

/// `[[root-key]]`, `[[snapshot-key]]` or `[[timestamp-key]]`: a key with one role.
#[cfg(feature = "json-schema")]
#[derive(schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct RawRootKey {
    id: KeyId,
    public: PublicKey,
}

/// `[[publisher-key]]`: a key that may sign the files of plugins matching `scopes`.
#[cfg(feature = "json-schema")]
#[derive(schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct RawPublisherKey {
    id: KeyId,
    public: PublicKey,
    /// Plugin name patterns, like `acme-*`; `*` is any plugin.
    #[schemars(length(min = 1))]
    scopes: Vec<Scope>,
}

impl RawConfig {
    fn validate(self, d: &mut Diagnostics) -> IndexConfig {
        let format = *self.format.get_ref();
        if format != crate::FORMAT && format != TRUSTED_PUBLISHING_FORMAT {
            d.error(
                Some(self.format.span()),
                format!(
                    "index format {} is not supported (this plugres reads formats {} and {TRUSTED_PUBLISHING_FORMAT}); upgrade plugres",
                    self.format.get_ref(),
                    crate::FORMAT
                ),
            );
        }
        if KeyId::new(self.name.get_ref()).is_err() {
            d.error(
                Some(self.name.span()),
                "`name` must be 1-64 letters, digits, `-`, `_` or `.`",
            );
        }
        check_engine_name(d, &self.engine);
        if let Some(base) = &self.artifact_base {
            check_artifact_base(d, base);
        }
        if self.root_key.is_empty() {
            d.error(
                None,
                "no `[[root-key]]`: an index needs at least one root key to sign this file",
            );
        }
        let root_keys = role_keys(d, &self.root_key);
        let snapshot_keys = role_keys(d, &self.snapshot_key);
        let timestamp_keys = role_keys(d, &self.timestamp_key);
        if snapshot_keys.is_empty() != timestamp_keys.is_empty() {
            d.error(
                None,
                "a `[[snapshot-key]]` needs a `[[timestamp-key]]` and the other way round: clients check them together",
            );
        }
        let version = self.version.as_ref().map_or(1, |v| *v.get_ref());
        if let Some(v) = &self.version
            && *v.get_ref() == 0
        {
            d.error(Some(v.span()), "`version` starts at 1");
        }
        let timestamp_expiry = match &self.timestamp_expiry {
            None => DEFAULT_TIMESTAMP_EXPIRY,
            Some(s) => crate::time::parse_duration(s.get_ref()).unwrap_or_else(|e| {
                d.error(Some(s.span()), format!("`timestamp-expiry`: {e}"));
                DEFAULT_TIMESTAMP_EXPIRY
            }),
        };
        let limits = self
            .limits
            .as_ref()
            .map_or(ArchiveLimits::HARD, |l| l.validate(d));
        crate::fields::check_category_list(d, &self.categories);
        let publisher_keys = self
            .publisher_key
            .iter()
            .filter_map(|k| validate_key(d, k, true))
            .map(|(id, public, scopes)| PublisherKey { id, public, scopes })
            .collect::<Vec<_>>();
        check_unique_ids(
            d,
            [
                &self.root_key,
                &self.publisher_key,
                &self.snapshot_key,
                &self.timestamp_key,
            ]
            .into_iter()
            .flatten()
            .map(|k| &k.get_ref().id),
            "key id",
        );
        let sigstore = self
            .sigstore
            .as_ref()
            .and_then(|s| publishing::sigstore_root(d, s));
        let trusted_publishers: Vec<TrustedPublisher> = self
            .trusted_publisher
            .iter()
            .filter_map(|t| publishing::trusted_publisher(d, t))
            .collect();
        let publish_policy = publishing::publish_policy(d, &self.publish_policy);
        check_trusted_publishing(
            d,
            &self,
            &trusted_publishers,
            &publish_policy,
            !snapshot_keys.is_empty(),
        );
        IndexConfig {
            format: *self.format.get_ref(),
            version,
            name: self.name.get_ref().clone(),
            engine: self.engine.get_ref().clone(),
            description: self
                .description
                .as_ref()
                .map(|s| text_field(d, s, "description", 1000, false)),
            artifact_base: self.artifact_base.map(Spanned::into_inner),
            root_keys,
            publisher_keys,
            snapshot_keys,
            timestamp_keys,
            timestamp_expiry,
            limits,
            categories: self
                .categories
                .into_iter()
                .map(Spanned::into_inner)
                .collect(),
            sigstore,
            trusted_publishers,
            publish_policy,
        }
    }
}

/// The rules that tie trusted publishing's tables together.
fn check_trusted_publishing(
    d: &mut Diagnostics,
    raw: &RawConfig,
    publishers: &[TrustedPublisher],
    policy: &[(Scope, PublishPolicy)],
    has_snapshot: bool,
) {
    let uses = raw.sigstore.is_some() || !raw.trusted_publisher.is_empty() || !policy.is_empty();
    let format = *raw.format.get_ref();
    if uses && format != TRUSTED_PUBLISHING_FORMAT {
        d.error(
            Some(raw.format.span()),
            format!(
                "trusted publishing (`[sigstore]`, `[[trusted-publisher]]`, `[publish-policy]`) needs `format = {TRUSTED_PUBLISHING_FORMAT}`: a plugres that predates it would ignore these rules, so it must refuse the file instead"
            ),
        );
    }
    if !uses && format == TRUSTED_PUBLISHING_FORMAT {
        d.error(
            Some(raw.format.span()),
            format!(
                "`format = {TRUSTED_PUBLISHING_FORMAT}` is for trusted publishing, which this config does not use; write `format = {}` so older clients can read it",
                crate::FORMAT
            ),
        );
    }
    if !raw.trusted_publisher.is_empty() && raw.sigstore.is_none() {
        d.error(
            None,
            "`[[trusted-publisher]]` needs `[sigstore] trusted-root = { path, sha256 }`: the Sigstore trusted root attestations verify against",
        );
    }
    check_unique_ids(
        d,
        raw.trusted_publisher.iter().map(|t| t.get_ref().id()),
        "trusted publisher id",
    );
    for (scope, p) in policy {
        if *p != PublishPolicy::Key && publishers.is_empty() {
            d.error(
                None,
                format!(
                    "`[publish-policy]` `{}` = `{}`, but there is no `[[trusted-publisher]]`: its plugins could never be attested",
                    scope.as_str(),
                    p.as_str()
                ),
            );
        }
        let unsigned = matches!(p, PublishPolicy::Attestation | PublishPolicy::Any);
        if unsigned && !has_snapshot {
            d.error(
                None,
                format!(
                    "`[publish-policy]` `{}` = `{}` lets plugin files go without a publisher signature; only a signed snapshot can then vouch for them, so it needs a `[[snapshot-key]]`",
                    scope.as_str(),
                    p.as_str()
                ),
            );
        }
    }
}

fn role_keys(d: &mut Diagnostics, raw: &[Spanned<RawKey>]) -> Vec<RoleKey> {
    raw.iter()
        .filter_map(|k| validate_key(d, k, false))
        .map(|(id, public, _)| RoleKey { id, public })
        .collect()
}

fn check_engine_name(d: &mut Diagnostics, engine: &Spanned<String>) {
    // The engine name follows the plugin name grammar (reserved words aside),
    // since it names a package in resolution.
    let e = engine.get_ref();
    if let Err(err) = PluginName::new(e)
        && !matches!(err, crate::name::NameError::Reserved(_))
    {
        d.error(Some(engine.span()), format!("engine: {err}"));
    }
}

fn check_artifact_base(d: &mut Diagnostics, base: &Spanned<String>) {
    let b = base.get_ref();
    let scheme_ok =
        b.starts_with("https://") || b.starts_with("http://") || b.starts_with("file://");
    if !scheme_ok || !b.ends_with('/') || b.contains(char::is_whitespace) {
        d.error(
            Some(base.span()),
            format!(
                "`artifact-base` must be an http(s):// or file:// URL ending with `/`, got `{b}`"
            ),
        );
    }
}

fn validate_key(
    d: &mut Diagnostics,
    raw: &Spanned<RawKey>,
    publisher: bool,
) -> Option<(KeyId, PublicKey, Vec<Scope>)> {
    let k = raw.get_ref();
    let id = KeyId::new(k.id.get_ref()).map_err(|e| d.error(Some(k.id.span()), e));
    let public =
        PublicKey::parse(k.public.get_ref()).map_err(|e| d.error(Some(k.public.span()), e));
    let mut scopes = Vec::new();
    match (&k.scopes, publisher) {
        (Some(_), false) => d.error(
            Some(raw.span()),
            "only a `[[publisher-key]]` has `scopes`: root, snapshot and timestamp keys each sign one file",
        ),
        (None, true) => d.error(
            Some(raw.span()),
            "a `[[publisher-key]]` needs `scopes`, e.g. `scopes = [\"acme-*\"]` (or `[\"*\"]` for any plugin)",
        ),
        (Some(list), true) => {
            scopes = scope_list(
                d,
                raw.span(),
                list,
                "`scopes` is empty: this key could sign nothing",
            );
        }
        (None, false) => {}
    }
    Some((id.ok()?, public.ok()?, scopes))
}

/// Each id is used once among `ids`; `what` names them (`key id`).
fn check_unique_ids<'a>(
    d: &mut Diagnostics,
    ids: impl IntoIterator<Item = &'a Spanned<String>>,
    what: &str,
) {
    let mut seen: Vec<&str> = Vec::new();
    for raw in ids {
        let id = raw.get_ref().as_str();
        if seen.contains(&id) {
            d.error(
                Some(raw.span()),
                format!("{what} `{id}` is used twice; {what}s must be unique"),
            );
        }
        seen.push(id);
    }
}

/// A `scopes` list: each a plugin name pattern, and at least one (`empty`
/// says what an empty list means), reported at `at`.
pub(crate) fn scope_list(
    d: &mut Diagnostics,
    at: std::ops::Range<usize>,
    list: &[Spanned<String>],
    empty: &str,
) -> Vec<Scope> {
    if list.is_empty() {
        d.error(Some(at), empty);
    }
    list.iter()
        .filter_map(|s| {
            Scope::new(s.get_ref())
                .map_err(|e| d.error(Some(s.span()), e))
                .ok()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample_with(extra: &str) -> Result<IndexConfig, Vec<Diagnostic>> {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../sample-index/config.toml");
        let text = std::fs::read_to_string(path).unwrap();
        // `[limits]` goes before the first table.
        let at = text.find("\n[").unwrap();
        let text = format!("{}\n{extra}{}", &text[..at], &text[at..]);
        IndexConfig::parse("config.toml", text.as_bytes())
    }

    #[test]
    fn limits_may_be_lowered_and_never_raised() {
        assert_eq!(sample_with("").unwrap().limits, ArchiveLimits::HARD);
        let lowered = sample_with("[limits]\nmax-artifact-size = 1000\nmax-files = 5\n").unwrap();
        assert_eq!(
            lowered.limits,
            ArchiveLimits {
                max_artifact_size: 1000,
                max_files: 5,
                ..ArchiveLimits::HARD
            }
        );
        let text = crate::render::config_file(&lowered);
        assert!(
            text.contains("[limits]\nmax-artifact-size = 1000\nmax-files = 5\n"),
            "{text}"
        );
        assert_eq!(
            IndexConfig::parse("config.toml", text.as_bytes()).unwrap(),
            lowered
        );

        for (extra, key) in [
            (
                "[limits]\nmax-unpacked-size = 2147483648\n",
                "max-unpacked-size",
            ),
            ("[limits]\nmax-files = 0\n", "max-files"),
        ] {
            let errs = sample_with(extra).unwrap_err();
            assert!(
                errs.iter().any(
                    |e| e.message.contains(key) && e.message.contains("lower it, not raise it")
                ),
                "{errs:?}"
            );
        }
        assert!(sample_with("[limits]\nmax-paths = 3\n").is_err());
    }

    /// README "config.toml": an optional list of the categories plugins
    /// may name; the message of a refusal lists them.
    #[test]
    fn categories_may_be_constrained_and_the_refusal_lists_them() {
        let any = sample_with("").unwrap();
        assert!(any.unlisted_categories(&["games".into()]).is_empty());
        let listed = sample_with("categories = [\"greeting\", \"themes\"]\n").unwrap();
        let named = vec!["greeting".to_string(), "games".to_string()];
        assert_eq!(listed.unlisted_categories(&named), ["games"]);
        assert_eq!(
            listed.category_message(&["games"]),
            "`games` is not a category of this index; config.toml allows: `greeting`, `themes`"
        );
        let text = crate::render::config_file(&listed);
        assert_eq!(
            IndexConfig::parse("config.toml", text.as_bytes()).unwrap(),
            listed
        );
        let errs = sample_with("categories = [\"a\", \"a\", \"Bad\"]\n").unwrap_err();
        let msgs: Vec<&str> = errs.iter().map(|e| e.message.as_str()).collect();
        assert!(msgs.iter().any(|m| m.contains("listed twice")), "{msgs:?}");
        assert!(
            msgs.iter().any(|m| m.contains("`Bad` in `categories`")),
            "{msgs:?}"
        );
    }

    const TRUSTED: &str = "[sigstore]\ntrusted-root = { path = \"sigstore/trusted_root.json\", sha256 = \"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08\" }\n\n[[trusted-publisher]]\nid = \"acme-ci\"\nscopes = [\"acme-*\"]\nissuer = \"https://token.actions.githubusercontent.com\"\nrepository = \"https://github.com/acme/hello\"\nrepository-id = \"123456\"\nowner-id = \"7890\"\nworkflow = \".github/workflows/release.yml\"\nref = \"refs/tags/v{version}\"\nrunner = \"github-hosted\"\nvalid-from = \"2026-01-01T00:00:00Z\"\n\n[publish-policy]\n\"acme-*\" = \"attestation\"\n\"*\" = \"any\"\n";

    fn trusted(format: u32, tables: &str) -> Result<IndexConfig, Vec<Diagnostic>> {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../sample-index/config.toml");
        let text = std::fs::read_to_string(path).unwrap();
        let text = text.replacen("format = 1", &format!("format = {format}"), 1);
        IndexConfig::parse("config.toml", format!("{text}\n{tables}").as_bytes())
    }

    fn messages(r: Result<IndexConfig, Vec<Diagnostic>>) -> Vec<String> {
        r.unwrap_err().into_iter().map(|d| d.message).collect()
    }

    /// README "Trusted publishing": the tables parse, render back to the
    /// same config, and the policy of a plugin is every matching entry's.
    #[test]
    fn trusted_publishing_parses_renders_and_combines_policies() {
        let cfg = trusted(2, TRUSTED).unwrap();
        let t = &cfg.trusted_publishers[0];
        assert_eq!(t.repository_id, "123456");
        assert_eq!(t.valid_from, Some(1_767_225_600));
        let acme = PluginName::new("acme-hello").unwrap();
        let other = PluginName::new("hello-world").unwrap();
        assert_eq!(cfg.policy_for(&acme), PublishPolicy::Attestation);
        assert_eq!(cfg.policy_for(&other), PublishPolicy::Any);
        assert_eq!(cfg.trusted_publishers_for(&acme).count(), 1);
        assert_eq!(cfg.trusted_publishers_for(&other).count(), 0);
        let text = crate::render::config_file(&cfg);
        assert_eq!(
            IndexConfig::parse("config.toml", text.as_bytes()).unwrap(),
            cfg
        );
        assert_eq!(
            sample_with("").unwrap().policy_for(&acme),
            PublishPolicy::Key
        );
    }

    #[test]
    fn trusted_publishing_mistakes_are_named() {
        let m = messages(trusted(1, TRUSTED));
        assert!(m.iter().any(|m| m.contains("needs `format = 2`")), "{m:?}");
        let m = messages(trusted(2, ""));
        assert!(
            m.iter()
                .any(|m| m.contains("which this config does not use")),
            "{m:?}"
        );
        let no_root = &TRUSTED[TRUSTED.find("[[trusted").unwrap()..];
        let m = messages(trusted(2, no_root));
        assert!(m.iter().any(|m| m.contains("needs `[sigstore]")), "{m:?}");
        let with_env = TRUSTED.replace(
            "github-hosted\"\n",
            "github-hosted\"\nenvironment = \"release\"\n",
        );
        let cfg = trusted(2, &with_env).unwrap();
        assert_eq!(
            cfg.trusted_publishers[0].environment.as_deref(),
            Some("release")
        );
        let text = crate::render::config_file(&cfg);
        assert_eq!(
            IndexConfig::parse("config.toml", text.as_bytes()).unwrap(),
            cfg
        );
        let m = messages(trusted(2, &with_env.replace("\"release\"", "\"\"")));
        assert!(
            m.iter().any(|m| m.contains("`environment` is empty")),
            "{m:?}"
        );
        let m = messages(trusted(2, &TRUSTED.replace("v{version}", "v1")));
        assert!(
            m.iter().any(|m| m.contains("must contain `{version}`")),
            "{m:?}"
        );
        let m = messages(trusted(2, &TRUSTED.replace("\"123456\"", "\"acme\"")));
        assert!(
            m.iter()
                .any(|m| m.contains("`repository-id` must be the numeric id")),
            "{m:?}"
        );
        let m = messages(trusted(2, &TRUSTED.replace("\"any\"", "\"maybe\"")));
        assert!(
            m.iter()
                .any(|m| m.contains("`maybe` is not a publish policy")),
            "{m:?}"
        );
        let publisher =
            &TRUSTED[TRUSTED.find("[[trusted").unwrap()..TRUSTED.find("\n[publish").unwrap()];
        let m = messages(trusted(2, &format!("{TRUSTED}\n{publisher}")));
        assert!(
            m.iter()
                .any(|m| m.contains("trusted publisher id `acme-ci` is used twice")),
            "{m:?}"
        );
        let m = messages(trusted(
            2,
            &TRUSTED.replace("scopes = [\"acme-*\"]", "scopes = []"),
        ));
        assert!(
            m.iter()
                .any(|m| m.contains("this publisher could attest nothing")),
            "{m:?}"
        );
        // Unsigned plugin files need a snapshot to vouch for them.
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../sample-index/config.toml");
        let text = std::fs::read_to_string(path)
            .unwrap()
            .replacen("format = 1", "format = 2", 1);
        let cut = text.find("\n[[snapshot-key]]").unwrap();
        let m = messages(IndexConfig::parse(
            "config.toml",
            format!("{}\n{TRUSTED}", &text[..cut]).as_bytes(),
        ));
        assert!(
            m.iter().any(|m| m.contains("needs a `[[snapshot-key]]`")),
            "{m:?}"
        );
        // Strict in every mode: an old or unknown claim is never ignored.
        let lenient = |extra: &str| {
            let text =
                std::fs::read_to_string(path)
                    .unwrap()
                    .replacen("format = 1", "format = 2", 1);
            IndexConfig::parse_with(
                "config.toml",
                format!(
                    "{text}\n{}",
                    TRUSTED.replace("runner =", &format!("{extra}\nrunner ="))
                )
                .as_bytes(),
                UnknownFields::Ignore,
            )
        };
        assert!(lenient("").is_ok());
        assert!(lenient("build-digest = \"abc\"").is_err());
    }
}
