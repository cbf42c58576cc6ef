//! Times the offline check of a trusted publisher's attestation (issue 17's
//! budget: 100 verifications in under a second), on the test bundle of
//! `attest/fixtures` and on a real GitHub Actions bundle against Sigstore's
//! production root. One thread; each verification parses the trusted root
//! and the bundle afresh, as a client does per attestation.

use std::time::Instant;

use plugres_attest::{GITHUB_ACTIONS_ISSUER, TrustedPublisher, verify};

const TEST_ROOT: &[u8] = include_bytes!("../../../attest/fixtures/trusted_root.json");
const TEST_BUNDLE: &[u8] = include_bytes!("../../../attest/fixtures/ok.sigstore.json");
const PROD_ROOT: &[u8] =
    include_bytes!("../../../attest/fixtures/public/production_trusted_root.json");
const PUBLIC_BUNDLE: &[u8] =
    include_bytes!("../../../attest/fixtures/public/conda-attestation.sigstore.json");

/// Verifications per measurement.
const COUNT: u32 = 100;
/// The budget for [`COUNT`] verifications.
const BUDGET_S: f64 = 1.0;

fn publisher(repo: &str, id: &str, owner: &str, workflow: &str, git_ref: &str) -> TrustedPublisher {
    TrustedPublisher {
        issuer: GITHUB_ACTIONS_ISSUER.into(),
        repository: format!("https://github.com/{repo}"),
        repository_id: id.into(),
        owner_id: owner.into(),
        workflow: workflow.into(),
        signer_workflow: None,
        ref_pattern: git_ref.into(),
        runner: Some("github-hosted".into()),
        environment: None,
        valid_from: None,
        valid_until: None,
    }
}

fn main() {
    let cases = [
        (
            "test CA bundle",
            TEST_BUNDLE,
            TEST_ROOT,
            publisher(
                "acme/hello",
                "123456",
                "7890",
                ".github/workflows/release.yml",
                "refs/tags/v{version}",
            ),
            "1.0.0",
        ),
        (
            "public GitHub bundle, production root",
            PUBLIC_BUNDLE,
            PROD_ROOT,
            publisher(
                "prefix-dev/sigstore-example",
                "1048392115",
                "111356225",
                ".github/workflows/action.yaml",
                "refs/heads/main",
            ),
            "2.1.0",
        ),
    ];
    let mut missed = false;
    for (what, bundle, root, p, version) in cases {
        verify(bundle, root, &p, version).expect(what);
        let start = Instant::now();
        for _ in 0..COUNT {
            verify(bundle, root, &p, version).expect(what);
        }
        let secs = start.elapsed().as_secs_f64();
        let met = secs < BUDGET_S;
        missed |= !met;
        println!(
            "{what:<40} {COUNT} verifications in {:>7.1} ms ({:.2} ms each), budget {:.0} ms  {}",
            secs * 1e3,
            secs * 1e3 / f64::from(COUNT),
            BUDGET_S * 1e3,
            if met { "ok" } else { "MISSED" }
        );
    }
    if missed {
        std::process::exit(1);
    }
}
