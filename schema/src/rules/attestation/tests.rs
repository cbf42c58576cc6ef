//! The rule against `attest/fixtures/` (a test CA, CT log and
//! transparency log; `ok.sigstore.json` attests hello-world 1.0.0 of the
//! sample index as `acme/hello`'s release workflow).

use super::*;
use crate::{PluginFile, Sha256};

fn fixture(name: &str) -> Vec<u8> {
    let path = format!("{}/../attest/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

const PUBLISHER: &str = r#"
[[trusted-publisher]]
id = "acme-release"
scopes = ["hello-*"]
issuer = "https://token.actions.githubusercontent.com"
repository = "https://github.com/acme/hello"
repository-id = "123456"
owner-id = "7890"
workflow = ".github/workflows/release.yml"
ref = "refs/tags/v{version}"
runner = "github-hosted"
"#;

/// The sample config at format 2 with the fixtures' root pinned and
/// `publishers` (TOML tables) added.
fn config(publishers: &str) -> IndexConfig {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../sample-index/config.toml");
    let text = std::fs::read_to_string(path).unwrap();
    let text = text.replacen("format = 1", "format = 2", 1);
    let root = Sha256::of(&fixture("trusted_root.json")).to_hex();
    let text = format!(
        "{text}\n[sigstore]\ntrusted-root = {{ path = \"sigstore/trusted_root.json\", sha256 = \"{root}\" }}\n{publishers}"
    );
    IndexConfig::parse("config.toml", text.as_bytes()).unwrap_or_else(|e| panic!("{e:?}"))
}

/// hello-world 1.0.0, naming `bundle` as its attestation.
fn entry(bundle: &[u8]) -> (PluginName, VersionEntry) {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../sample-index/plugins/he/ll/hello-world.toml"
    );
    let file = PluginFile::parse("hello-world.toml", &std::fs::read(path).unwrap()).unwrap();
    let mut entry = file.versions[0].clone();
    entry.attestation = Some(crate::StoredFile {
        path: crate::IndexPath::new("attestations/he/ll/hello-world/1.0.0.sigstore.json").unwrap(),
        sha256: Sha256::of(bundle),
        size: bundle.len() as u64,
    });
    (file.name, entry)
}

fn check(cfg: &IndexConfig, bundle: &[u8]) -> Result<VerifiedAttestation, AttestationError> {
    let (name, entry) = entry(bundle);
    verify_attestation(cfg, &fixture("trusted_root.json"), &name, &entry, bundle)
}

#[test]
fn the_publishers_attestation_names_who_released_what() {
    let bundle = fixture("ok.sigstore.json");
    let v = check(&config(PUBLISHER), &bundle).unwrap();
    assert_eq!(v.publisher.as_str(), "acme-release");
    assert_eq!(v.repository, "https://github.com/acme/hello");
    assert_eq!(v.git_ref, "refs/tags/v1.0.0");
    assert_eq!(v.bundle_sha256, Sha256::of(&bundle));
    assert!(!v.commit.is_empty());
}

#[test]
fn each_attack_fails_for_its_own_reason() {
    let cfg = config(PUBLISHER);
    let ok = fixture("ok.sigstore.json");
    let root = fixture("trusted_root.json");

    // Another repository's release under the same name.
    let e = check(&cfg, &fixture("other-repository-id.sigstore.json")).unwrap_err();
    assert!(e.to_string().contains("repository id `"), "{e}");

    // The bundle served is not the one the entry names.
    let (name, entry) = entry(&ok);
    let other = fixture("other-workflow.sigstore.json");
    let e = verify_attestation(&cfg, &root, &name, &entry, &other).unwrap_err();
    assert!(
        matches!(e, AttestationError::NotTheNamedBundle { .. }),
        "{e}"
    );

    // A trusted root other than the pinned one.
    let mut swapped = root.clone();
    swapped.push(b'\n');
    let e = verify_attestation(&cfg, &swapped, &name, &entry, &ok).unwrap_err();
    assert!(
        matches!(e, AttestationError::TrustedRootMismatch { .. }),
        "{e}"
    );

    // A predicate that widens permissions: the entry says more than was signed.
    let mut widened = entry.clone();
    widened
        .permissions
        .push(crate::Permission::new("net:connect").unwrap());
    let e = verify_attestation(&cfg, &root, &name, &widened, &ok).unwrap_err();
    assert!(
        e.to_string()
            .contains("differs from the plugin file in `permissions`"),
        "{e}"
    );

    // Replayed for another version: the ref claim binds 1.0.0's tag.
    let mut replayed = entry.clone();
    replayed.version = crate::Version::parse("1.0.1").unwrap();
    let e = verify_attestation(&cfg, &root, &name, &replayed, &ok).unwrap_err();
    assert!(e.to_string().contains("ref `refs/tags/v1.0.0`"), "{e}");

    // Replayed for another plugin: no publisher covers it, or the
    // predicate names hello-world.
    let other_name = PluginName::new("greeter").unwrap();
    let e = verify_attestation(&cfg, &root, &other_name, &entry, &ok).unwrap_err();
    assert!(
        matches!(e, AttestationError::NoTrustedPublisher { .. }),
        "{e}"
    );
    let any = config(&PUBLISHER.replace("[\"hello-*\"]", "[\"*\"]"));
    let e = verify_attestation(&any, &root, &other_name, &entry, &ok).unwrap_err();
    assert!(e.to_string().contains("in `plugin`"), "{e}");

    // Cut off: the log recorded the signature after `valid-until`.
    let cut = config(&format!(
        "{PUBLISHER}valid-until = \"2020-01-01T00:00:00Z\"\n"
    ));
    let e = check(&cut, &ok).unwrap_err();
    assert!(e.to_string().contains("signed at"), "{e}");
}

#[test]
fn the_first_covering_publisher_that_matches_vouches() {
    let wrong = PUBLISHER
        .replace("acme-release", "old-release")
        .replace("\"123456\"", "\"111\"");
    let cfg = config(&format!("{wrong}{PUBLISHER}"));
    let v = check(&cfg, &fixture("ok.sigstore.json")).unwrap();
    assert_eq!(v.publisher.as_str(), "acme-release");
    let e = check(&config(&wrong), &fixture("ok.sigstore.json")).unwrap_err();
    assert!(matches!(e, AttestationError::Refused { .. }), "{e}");
}
