//! Against the test CA, CT log and transparency log of `fixtures/`
//! (made by `fixtures/make.mjs`; the trusted root lists them).

use super::*;

fn fixture(name: &str) -> Vec<u8> {
    let path = format!("{}/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn root() -> Vec<u8> {
    fixture("trusted_root.json")
}

fn publisher() -> TrustedPublisher {
    TrustedPublisher {
        issuer: GITHUB_ACTIONS_ISSUER.into(),
        repository: "https://github.com/acme/hello".into(),
        repository_id: "123456".into(),
        owner_id: "7890".into(),
        workflow: ".github/workflows/release.yml".into(),
        signer_workflow: None,
        ref_pattern: "refs/tags/v{version}".into(),
        runner: Some("github-hosted".into()),
        environment: None,
        valid_from: None,
        valid_until: None,
    }
}

fn check(bundle: &str) -> Result<Attested, AttestError> {
    verify(&fixture(bundle), &root(), &publisher(), "1.0.0")
}

/// `bundle` as JSON, edited by `edit`, back to bytes.
fn edited(bundle: &str, edit: impl FnOnce(&mut serde_json::Value)) -> Vec<u8> {
    let mut value: serde_json::Value = serde_json::from_slice(&fixture(bundle)).unwrap();
    edit(&mut value);
    serde_json::to_vec(&value).unwrap()
}

fn entry(v: &mut serde_json::Value) -> &mut serde_json::Value {
    &mut v["verificationMaterial"]["tlogEntries"][0]
}

/// hello-world 1.0.0 of the sample index, whose statement the fixtures sign.
fn sample_entry() -> (plugres_schema::PluginName, plugres_schema::VersionEntry) {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../sample-index/plugins/he/ll/hello-world.toml"
    );
    let file = plugres_schema::PluginFile::parse("hello-world.toml", &std::fs::read(path).unwrap())
        .unwrap();
    let entry = file.versions[0].clone();
    assert_eq!(entry.version.to_string(), "1.0.0");
    (file.name, entry)
}

/// Writes `fixtures/statement.json`, which `fixtures/make.mjs` signs:
/// `cargo test -p plugres-attest -- --ignored write_statement`.
#[test]
#[ignore]
fn write_statement() {
    let (name, entry) = sample_entry();
    let statement = plugres_schema::attestation::statement(&name, &entry);
    let path = format!("{}/fixtures/statement.json", env!("CARGO_MANIFEST_DIR"));
    let text = serde_json::to_string_pretty(&statement).unwrap() + "\n";
    std::fs::write(path, text).unwrap();
}

#[test]
fn the_publishers_bundle_verifies_and_says_what_was_signed() {
    let a = check("ok.sigstore.json").unwrap();
    let (name, entry) = sample_entry();
    let stated = |entry: &plugres_schema::VersionEntry| {
        plugres_schema::attestation::check(
            &name,
            entry,
            &a.predicate_type,
            &a.subjects,
            &a.predicate,
        )
    };
    // What it states is exactly the signed plugin file's entry.
    stated(&entry).unwrap();
    // Replayed for another version of the same plugin, it is not.
    let mut other = entry.clone();
    other.version = plugres_schema::Version::parse("1.1.0").unwrap();
    let err = stated(&other).unwrap_err();
    assert!(err.contains("`version`"), "{err}");
    assert_eq!(a.repository, "https://github.com/acme/hello");
    assert_eq!(a.commit, "0123456789abcdef0123456789abcdef01234567");
    assert_eq!(a.git_ref, "refs/tags/v1.0.0");
    assert!(a.signed_at > 1_700_000_000, "{}", a.signed_at);
}

/// The certificate lived ten minutes when the fixtures were made; the
/// check uses the log's time, never the clock, so it still passes.
#[test]
fn a_window_is_judged_by_the_logs_time() {
    let signed_at = check("ok.sigstore.json").unwrap().signed_at;
    let mut p = publisher();
    p.valid_from = Some(signed_at);
    p.valid_until = Some(signed_at + 1);
    verify(&fixture("ok.sigstore.json"), &root(), &p, "1.0.0").unwrap();
    for (from, until) in [(Some(signed_at + 1), None), (None, Some(signed_at))] {
        p.valid_from = from;
        p.valid_until = until;
        let err = verify(&fixture("ok.sigstore.json"), &root(), &p, "1.0.0").unwrap_err();
        assert!(matches!(err, AttestError::OutsideWindow { .. }), "{err}");
    }
}

fn claim_refused(err: AttestError, claim: &str) {
    match &err {
        AttestError::Claim { what, .. } if *what == claim => {}
        _ => panic!("expected the `{claim}` claim refused, got: {err}"),
    }
}

#[test]
fn another_publishers_claims_are_refused_each_by_name() {
    for (bundle, claim) in [
        ("other-repository-id.sigstore.json", "repository id"),
        ("other-owner-id.sigstore.json", "repository owner id"),
        ("other-workflow.sigstore.json", "workflow"),
        ("self-hosted.sigstore.json", "runner"),
        ("other-issuer.sigstore.json", "OIDC issuer"),
    ] {
        claim_refused(check(bundle).unwrap_err(), claim);
    }
    // Another repository (a rename, or a fork) and a signer workflow
    // other than the one pinned.
    let mut p = publisher();
    p.repository = "https://github.com/acme/hello-renamed".into();
    let err = verify(&fixture("ok.sigstore.json"), &root(), &p, "1.0.0").unwrap_err();
    claim_refused(err, "repository");
    let mut p = publisher();
    p.signer_workflow = Some("https://github.com/acme/shared/.github/workflows/sign.yml".into());
    let err = verify(&fixture("ok.sigstore.json"), &root(), &p, "1.0.0").unwrap_err();
    claim_refused(err, "signer workflow");
}

/// A publisher that releases from a protected deployment environment:
/// the job must have run in exactly that one (Fulcio's `.1.23`), and a job
/// without any environment does not count.
#[test]
fn the_deployment_environment_is_checked_when_pinned() {
    let mut p = publisher();
    p.environment = Some("release".into());
    let env = fixture("environment.sigstore.json");
    verify(&env, &root(), &p, "1.0.0").unwrap();
    // Without a pinned environment, any (or none) is fine.
    verify(&env, &root(), &publisher(), "1.0.0").unwrap();
    let err = verify(&fixture("ok.sigstore.json"), &root(), &p, "1.0.0").unwrap_err();
    claim_refused(err.clone(), "environment");
    assert!(err.to_string().contains("environment `(none)`"), "{err}");
    p.environment = Some("production".into());
    let err = verify(&env, &root(), &p, "1.0.0").unwrap_err();
    assert!(
        err.to_string()
            .contains("signed by environment `release`, but the trusted publisher is `production`"),
        "{err}"
    );
}

/// A bundle made for 1.0.0 cannot be replayed for another version: the
/// ref binds the version to its tag.
#[test]
fn a_bundle_for_another_version_is_refused() {
    let err = verify(&fixture("ok.sigstore.json"), &root(), &publisher(), "1.0.1").unwrap_err();
    claim_refused(err, "ref");
}

#[test]
fn a_certificate_from_another_ca_is_refused() {
    let err = check("other-ca.sigstore.json").unwrap_err();
    assert!(matches!(err, AttestError::Sigstore(_)), "{err}");
}

/// An edit of a bundle's JSON.
type Edit = Box<dyn Fn(&mut serde_json::Value)>;

#[test]
fn tampered_log_evidence_is_refused() {
    let cases: [(&str, Edit); 4] = [
        (
            "signing time moved",
            Box::new(|v| {
                let t: i64 = entry(v)["integratedTime"]
                    .as_str()
                    .unwrap()
                    .parse()
                    .unwrap();
                entry(v)["integratedTime"] = (t - 3600).to_string().into();
            }),
        ),
        (
            "signed entry timestamp",
            Box::new(|v| {
                let set = entry(v)["inclusionPromise"]["signedEntryTimestamp"]
                    .as_str()
                    .unwrap();
                let mut raw = set.to_string();
                raw.replace_range(10..11, if &raw[10..11] == "A" { "B" } else { "A" });
                entry(v)["inclusionPromise"]["signedEntryTimestamp"] = raw.into();
            }),
        ),
        (
            "root hash",
            Box::new(|v| {
                entry(v)["inclusionProof"]["rootHash"] =
                    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=".into();
            }),
        ),
        (
            "payload",
            Box::new(|v| {
                let other = serde_json::json!({
                    "_type": "https://in-toto.io/Statement/v1",
                    "subject": [{"name": "evil.wasm", "digest": {"sha256": "00".repeat(32)}}],
                    "predicateType": "https://plugres.dev/attestation/version/v1",
                    "predicate": {},
                });
                use base64::Engine as _;
                let payload = base64::engine::general_purpose::STANDARD
                    .encode(serde_json::to_vec(&other).unwrap());
                v["dsseEnvelope"]["payload"] = payload.into();
            }),
        ),
    ];
    for (what, edit) in cases {
        let bytes = edited("ok.sigstore.json", |v| edit(v));
        let err = verify(&bytes, &root(), &publisher(), "1.0.0").unwrap_err();
        assert!(matches!(err, AttestError::Sigstore(_)), "{what}: {err}");
    }
}

#[test]
fn the_bundles_shape_is_checked_first() {
    let no_proof = edited("ok.sigstore.json", |v| {
        entry(v).as_object_mut().unwrap().remove("inclusionProof");
    });
    let err = verify(&no_proof, &root(), &publisher(), "1.0.0").unwrap_err();
    assert!(
        matches!(err, AttestError::Shape(_) | AttestError::Malformed(_)),
        "{err}"
    );
    let two = edited("ok.sigstore.json", |v| {
        let e = entry(v).clone();
        v["verificationMaterial"]["tlogEntries"]
            .as_array_mut()
            .unwrap()
            .push(e);
    });
    let err = verify(&two, &root(), &publisher(), "1.0.0").unwrap_err();
    assert!(matches!(err, AttestError::Shape(_)), "{err}");
    let big = vec![b' '; MAX_BUNDLE_SIZE + 1];
    let err = verify(&big, &root(), &publisher(), "1.0.0").unwrap_err();
    assert_eq!(
        err,
        AttestError::TooLarge {
            size: MAX_BUNDLE_SIZE + 1
        }
    );
    let err = verify(b"{}", &root(), &publisher(), "1.0.0").unwrap_err();
    assert!(matches!(err, AttestError::Malformed(_)), "{err}");
}

/// The budget of issue 17: a hundred verifications well under a second
/// (measured in release builds by the bench; here only that it runs).
#[test]
fn verifying_needs_no_network_and_no_clock() {
    // Nothing to assert about IO beyond this crate having none: it takes
    // bytes and returns a value. Run twice to show the provider installs once.
    check("ok.sigstore.json").unwrap();
    check("ok.sigstore.json").unwrap();
}

/// A real bundle, made by GitHub Actions and logged in Sigstore's public
/// Rekor (copied from sigstore-verify's test data), against Sigstore's
/// production trusted root: the same checks pass on material nobody here
/// made.
#[test]
fn a_public_github_attestation_verifies_against_the_production_root() {
    let bundle = fixture("public/conda-attestation.sigstore.json");
    let root = fixture("public/production_trusted_root.json");
    let publisher = TrustedPublisher {
        issuer: GITHUB_ACTIONS_ISSUER.into(),
        repository: "https://github.com/prefix-dev/sigstore-example".into(),
        repository_id: "1048392115".into(),
        owner_id: "111356225".into(),
        workflow: ".github/workflows/action.yaml".into(),
        signer_workflow: None,
        ref_pattern: "refs/heads/main".into(),
        runner: Some("github-hosted".into()),
        environment: None,
        valid_from: None,
        valid_until: None,
    };
    let a = verify(&bundle, &root, &publisher, "2.1.0").unwrap();
    assert_eq!(a.commit, "193b5bd7d3985809503963ae400594ea16df31cf");
    assert_eq!(a.signed_at, 1_756_728_839);
    assert_eq!(a.subjects[0].0, "signed-package-2.1.0-hb0f4dca_0.conda");
    // The same bundle, under another repository id (a re-created
    // repository of the same name), is refused.
    let mut other = publisher.clone();
    other.repository_id = "1".into();
    claim_refused(
        verify(&bundle, &root, &other, "2.1.0").unwrap_err(),
        "repository id",
    );
    // And against the test root, it does not verify at all.
    let err = verify(&bundle, &fixture("trusted_root.json"), &publisher, "2.1.0").unwrap_err();
    assert!(matches!(err, AttestError::Sigstore(_)), "{err}");
}
