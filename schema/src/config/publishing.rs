//! Trusted publishing in `config.toml` (README "Trusted publishing"): the
//! pinned Sigstore trusted root, the CI identities that may publish, and
//! the policy that says, per plugin name, whether a publisher key, an
//! attestation, either or both must vouch for a version.
//!
//! The config is root-signed, so no online key can widen any of this.

use serde::Deserialize;
use toml::Spanned;

use crate::diag::Diagnostics;
use crate::keys::{KeyId, Scope};
use crate::name::PluginName;
use crate::path::IndexPath;
use crate::sha::Sha256;

/// What must vouch for a plugin's versions (`[publish-policy]`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PublishPolicy {
    /// The plugin file is signed by a publisher key (the default).
    Key,
    /// Every version carries an attestation by a trusted publisher; the
    /// plugin file needs no publisher signature (the snapshot binds it).
    Attestation,
    /// A signed plugin file, or else an attestation for every version.
    Any,
    /// A signed plugin file and an attestation for every version.
    Both,
}

impl PublishPolicy {
    pub fn parse(s: &str) -> Option<PublishPolicy> {
        Some(match s {
            "key" => PublishPolicy::Key,
            "attestation" => PublishPolicy::Attestation,
            "any" => PublishPolicy::Any,
            "both" => PublishPolicy::Both,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            PublishPolicy::Key => "key",
            PublishPolicy::Attestation => "attestation",
            PublishPolicy::Any => "any",
            PublishPolicy::Both => "both",
        }
    }

    /// Whether the plugin file must carry a publisher key's signature.
    pub fn requires_signature(self) -> bool {
        matches!(self, PublishPolicy::Key | PublishPolicy::Both)
    }

    /// Whether every usable version must carry a verified attestation,
    /// given whether its plugin file is signed by a publisher key.
    pub fn requires_attestation(self, signed: bool) -> bool {
        match self {
            PublishPolicy::Key => false,
            PublishPolicy::Attestation | PublishPolicy::Both => true,
            PublishPolicy::Any => !signed,
        }
    }

    /// The policy that holds when every one of `all` must: each is a
    /// condition on (signed, attested), and their conjunction is again one
    /// of the four. With none, `key`: an index without a policy works as
    /// before trusted publishing.
    pub fn all_of(all: impl IntoIterator<Item = PublishPolicy>) -> PublishPolicy {
        let (mut key, mut attestation, mut any) = (false, false, false);
        for p in all {
            match p {
                PublishPolicy::Key => key = true,
                PublishPolicy::Attestation => attestation = true,
                PublishPolicy::Any => any = true,
                PublishPolicy::Both => (key, attestation) = (true, true),
            }
        }
        match (key, attestation) {
            (true, true) => PublishPolicy::Both,
            (true, false) => PublishPolicy::Key,
            (false, true) => PublishPolicy::Attestation,
            (false, false) if any => PublishPolicy::Any,
            (false, false) => PublishPolicy::Key,
        }
    }
}

/// `[sigstore] trusted-root = { path, sha256 }`: the Sigstore trusted root
/// (`trusted_root.json`: Fulcio CAs, Rekor and CT log keys) stored in the
/// index and pinned by digest. Sigstore's rotation is a root-signed change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SigstoreRoot {
    pub path: IndexPath,
    pub sha256: Sha256,
}

/// `[[trusted-publisher]]`: a CI identity that may attest versions of the
/// plugins its scopes cover.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrustedPublisher {
    pub id: KeyId,
    pub scopes: Vec<Scope>,
    pub issuer: String,
    /// `https://github.com/OWNER/REPO`.
    pub repository: String,
    pub repository_id: String,
    pub owner_id: String,
    /// `.github/workflows/release.yml`.
    pub workflow: String,
    pub signer_workflow: Option<String>,
    /// `refs/tags/v{version}`.
    pub ref_pattern: String,
    pub runner: Option<String>,
    /// The GitHub deployment environment the release job runs in.
    pub environment: Option<String>,
    /// Unix seconds, compared with the log's signing time.
    pub valid_from: Option<u64>,
    pub valid_until: Option<u64>,
}

impl TrustedPublisher {
    pub fn allows(&self, name: &PluginName) -> bool {
        self.scopes.iter().any(|s| s.matches(name))
    }
}

#[derive(Deserialize)]
#[cfg_attr(feature = "json-schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(crate) struct RawSigstore {
    /// `trusted_root.json`, stored in the index and pinned by sha256.
    trusted_root: RawPinnedFile,
}

#[derive(Deserialize)]
#[cfg_attr(feature = "json-schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
struct RawPinnedFile {
    /// Where it is in the index, like `sigstore/trusted_root.json`.
    #[cfg_attr(feature = "json-schema", schemars(with = "String"))]
    path: Spanned<String>,
    #[cfg_attr(feature = "json-schema", schemars(with = "crate::Sha256"))]
    sha256: Spanned<String>,
}

/// `[[trusted-publisher]]`: strict in every mode, like the key tables.
#[derive(Deserialize)]
#[cfg_attr(feature = "json-schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(crate) struct RawTrustedPublisher {
    #[cfg_attr(feature = "json-schema", schemars(with = "KeyId"))]
    id: Spanned<String>,
    /// Plugin name patterns, like `acme-*`.
    #[cfg_attr(
        feature = "json-schema",
        schemars(with = "Vec<Scope>", length(min = 1))
    )]
    scopes: Vec<Spanned<String>>,
    /// The OIDC issuer: `https://token.actions.githubusercontent.com`.
    #[cfg_attr(feature = "json-schema", schemars(with = "String"))]
    issuer: Spanned<String>,
    /// `https://github.com/OWNER/REPO`.
    #[cfg_attr(feature = "json-schema", schemars(with = "String"))]
    repository: Spanned<String>,
    /// The repository's numeric id (a re-created repository gets another).
    #[cfg_attr(feature = "json-schema", schemars(with = "String"))]
    repository_id: Spanned<String>,
    /// The owner's numeric id (a re-registered account gets another).
    #[cfg_attr(feature = "json-schema", schemars(with = "String"))]
    owner_id: Spanned<String>,
    /// The release workflow file, like `.github/workflows/release.yml`.
    #[cfg_attr(feature = "json-schema", schemars(with = "String"))]
    workflow: Spanned<String>,
    /// A reusable workflow that signs: `https://github.com/ORG/REPO/PATH`.
    #[cfg_attr(feature = "json-schema", schemars(with = "Option<String>"))]
    signer_workflow: Option<Spanned<String>>,
    /// The ref a version is released from: `refs/tags/v{version}`.
    #[cfg_attr(feature = "json-schema", schemars(with = "String"))]
    r#ref: Spanned<String>,
    /// `github-hosted` to refuse self-hosted runners.
    #[cfg_attr(feature = "json-schema", schemars(with = "Option<String>"))]
    runner: Option<Spanned<String>>,
    /// The deployment environment the release job must run in (its
    /// protection rules guard the release), like `release`.
    #[cfg_attr(feature = "json-schema", schemars(with = "Option<String>"))]
    environment: Option<Spanned<String>>,
    /// RFC 3339 UTC; attestations the log recorded earlier are refused.
    #[cfg_attr(feature = "json-schema", schemars(with = "Option<String>"))]
    valid_from: Option<Spanned<String>>,
    /// RFC 3339 UTC; attestations the log recorded at or after it are refused.
    #[cfg_attr(feature = "json-schema", schemars(with = "Option<String>"))]
    valid_until: Option<Spanned<String>>,
}

impl RawTrustedPublisher {
    pub(crate) fn id(&self) -> &Spanned<String> {
        &self.id
    }
}

pub(crate) fn sigstore_root(d: &mut Diagnostics, raw: &RawSigstore) -> Option<SigstoreRoot> {
    let f = &raw.trusted_root;
    let path = IndexPath::new(f.path.get_ref())
        .map_err(|e| {
            d.error(
                Some(f.path.span()),
                format!("`sigstore.trusted-root` path is not a path inside the index: {e}"),
            )
        })
        .ok();
    let sha256 = Sha256::parse(f.sha256.get_ref())
        .map_err(|e| d.error(Some(f.sha256.span()), e))
        .ok();
    Some(SigstoreRoot {
        path: path?,
        sha256: sha256?,
    })
}

pub(crate) fn trusted_publisher(
    d: &mut Diagnostics,
    raw: &Spanned<RawTrustedPublisher>,
) -> Option<TrustedPublisher> {
    let t = raw.get_ref();
    let id = KeyId::new(t.id.get_ref())
        .map_err(|e| {
            d.error(
                Some(t.id.span()),
                e.replace("key id", "trusted publisher id"),
            )
        })
        .ok();
    let scopes = super::scope_list(
        d,
        raw.span(),
        &t.scopes,
        "`scopes` is empty: this publisher could attest nothing",
    );
    if !t.repository.get_ref().starts_with("https://") || t.repository.get_ref().ends_with('/') {
        d.error(
            Some(t.repository.span()),
            "`repository` must be the repository's URL, like `https://github.com/acme/hello`",
        );
    }
    for (key, v) in [
        ("repository-id", &t.repository_id),
        ("owner-id", &t.owner_id),
    ] {
        let s = v.get_ref();
        if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
            d.error(
                Some(v.span()),
                format!("`{key}` must be the numeric id GitHub gives it (`gh api repos/OWNER/REPO --jq .id`, `.owner.id`), got `{s}`"),
            );
        }
    }
    let workflow = t.workflow.get_ref();
    if workflow.starts_with('/') || workflow.contains('@') || workflow.is_empty() {
        d.error(
            Some(t.workflow.span()),
            "`workflow` is the workflow file's path in the repository, like `.github/workflows/release.yml`",
        );
    }
    if !t.r#ref.get_ref().contains("{version}") {
        d.error(
            Some(t.r#ref.span()),
            "`ref` must contain `{version}`, like `refs/tags/v{version}`: it binds each version to its own tag",
        );
    }
    if let Some(env) = &t.environment
        && env.get_ref().is_empty()
    {
        d.error(Some(env.span()), "`environment` is empty: name the GitHub environment the release job runs in, or leave it out");
    }
    let time = |d: &mut Diagnostics, key: &str, v: &Option<Spanned<String>>| -> Option<u64> {
        let v = v.as_ref()?;
        crate::time::parse_utc(v.get_ref()).or_else(|| {
            d.error(
                Some(v.span()),
                format!("`{key}` must be a UTC time like `2026-12-01T00:00:00Z`"),
            );
            None
        })
    };
    let valid_from = time(d, "valid-from", &t.valid_from);
    let valid_until = time(d, "valid-until", &t.valid_until);
    if let (Some(from), Some(until)) = (valid_from, valid_until)
        && from >= until
    {
        d.error(
            Some(raw.span()),
            "`valid-from` must be before `valid-until`",
        );
    }
    Some(TrustedPublisher {
        id: id?,
        scopes,
        issuer: t.issuer.get_ref().clone(),
        repository: t.repository.get_ref().clone(),
        repository_id: t.repository_id.get_ref().clone(),
        owner_id: t.owner_id.get_ref().clone(),
        workflow: workflow.clone(),
        signer_workflow: t.signer_workflow.as_ref().map(|s| s.get_ref().clone()),
        ref_pattern: t.r#ref.get_ref().clone(),
        runner: t.runner.as_ref().map(|s| s.get_ref().clone()),
        environment: t.environment.as_ref().map(|s| s.get_ref().clone()),
        valid_from,
        valid_until,
    })
}

/// `[publish-policy]`: scope pattern → policy.
pub(crate) fn publish_policy(
    d: &mut Diagnostics,
    raw: &std::collections::BTreeMap<Spanned<String>, Spanned<String>>,
) -> Vec<(Scope, PublishPolicy)> {
    raw.iter()
        .filter_map(|(scope, policy)| {
            let s = Scope::new(scope.get_ref()).map_err(|e| d.error(Some(scope.span()), e));
            let p = PublishPolicy::parse(policy.get_ref()).ok_or_else(|| {
                d.error(
                    Some(policy.span()),
                    format!(
                        "`{}` is not a publish policy: expected `key`, `attestation`, `any` or `both`",
                        policy.get_ref()
                    ),
                )
            });
            Some((s.ok()?, p.ok()?))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::PublishPolicy::{self, *};

    #[test]
    fn policies_combine_as_the_conjunction_of_their_conditions() {
        let all = [Key, Attestation, Any, Both];
        // Each policy as a condition on (signed, attested).
        let holds = |p: PublishPolicy, k: bool, a: bool| match p {
            Key => k,
            Attestation => a,
            Any => k || a,
            Both => k && a,
        };
        for mask in 1..16u32 {
            let set: Vec<PublishPolicy> = (0..4)
                .filter(|i| mask >> i & 1 == 1)
                .map(|i| all[i])
                .collect();
            let combined = PublishPolicy::all_of(set.iter().copied());
            for (k, a) in [(false, false), (false, true), (true, false), (true, true)] {
                assert_eq!(
                    holds(combined, k, a),
                    set.iter().all(|p| holds(*p, k, a)),
                    "{set:?} -> {combined:?} at ({k}, {a})"
                );
            }
        }
        assert_eq!(PublishPolicy::all_of([]), Key);
    }

    #[test]
    fn what_each_policy_requires() {
        assert!(Key.requires_signature() && !Key.requires_attestation(true));
        assert!(!Attestation.requires_signature() && Attestation.requires_attestation(true));
        assert!(!Any.requires_signature());
        assert!(!Any.requires_attestation(true) && Any.requires_attestation(false));
        assert!(Both.requires_signature() && Both.requires_attestation(true));
    }
}
