//! `validate`'s side of trusted publishing (README "Trusted publishing"):
//! each attestation a version names is stored where it belongs and holds
//! by the client's own rule ([`plugres_schema::rules::verify_attestation`]);
//! a version the publish policy wants attested and that is not is named.

use std::path::Path;

use plugres_schema::rules::{MAX_BUNDLE_SIZE, verify_attestation};
use plugres_schema::{IndexConfig, PluginFile, Severity, VersionEntry, attestation_path};

use super::files::Checked;

/// The checks above, for the plugin file `c` holds; `signed` says whether
/// it came with a publisher signature.
pub fn check(dir: &Path, config: &IndexConfig, c: &mut Checked, plugin: &PluginFile, signed: bool) {
    let required = config.policy_for(&plugin.name).requires_attestation(signed);
    let mut root: Option<Result<Vec<u8>, String>> = None;
    for v in &plugin.versions {
        let problem = match &v.attestation {
            None if required && !v.yanked => {
                let mut d = c.at(
                    &v.span,
                    format!(
                        "{} {} has no attestation, and the publish policy for `{}` is `{}`: clients will not use it (publish a new version from the trusted publisher's workflow)",
                        plugin.name,
                        v.version,
                        plugin.name,
                        config.policy_for(&plugin.name).as_str()
                    ),
                );
                d.severity = Severity::Warning;
                c.diagnostics.push(d);
                continue;
            }
            None => continue,
            Some(_) => {
                let root = root.get_or_insert_with(|| trusted_root(dir, config));
                stored(dir, config, root, plugin, v)
            }
        };
        if let Err(message) = problem {
            let d = c.at(&v.span, message);
            c.diagnostics.push(d);
        }
    }
}

fn stored(
    dir: &Path,
    config: &IndexConfig,
    root: &Result<Vec<u8>, String>,
    plugin: &PluginFile,
    v: &VersionEntry,
) -> Result<(), String> {
    let named = v
        .attestation
        .as_ref()
        .expect("called for attested versions");
    let expected = attestation_path(&plugin.name, &v.version);
    let path = named.path.as_str();
    if path != expected {
        return Err(format!(
            "the attestation of {} {} is at `{path}`; it belongs at `{expected}`",
            plugin.name, v.version
        ));
    }
    if named.size > MAX_BUNDLE_SIZE {
        return Err(format!(
            "the attestation `{path}` is declared {} bytes; a bundle has at most {MAX_BUNDLE_SIZE} bytes",
            named.size
        ));
    }
    let file = dir.join(path);
    match std::fs::symlink_metadata(&file) {
        Err(_) => {
            return Err(format!(
                "the attestation `{path}` is missing (`publish --attestation` stores it with the version)"
            ));
        }
        Ok(m) if !m.file_type().is_file() => {
            return Err(format!(
                "the attestation `{path}` is not a regular file (a symbolic link?)"
            ));
        }
        Ok(m) if m.len() > MAX_BUNDLE_SIZE => {
            return Err(format!(
                "the attestation `{path}` is {} bytes; a bundle has at most {MAX_BUNDLE_SIZE}",
                m.len()
            ));
        }
        Ok(_) => {}
    }
    let bundle =
        std::fs::read(&file).map_err(|e| format!("cannot read the attestation `{path}`: {e}"))?;
    let root = root.as_ref().map_err(Clone::clone)?;
    verify_attestation(config, root, &plugin.name, v, &bundle)
        .map(|_| ())
        .map_err(|e| e.to_string())
}

/// The Sigstore trusted root config.toml pins, read from the index.
fn trusted_root(dir: &Path, config: &IndexConfig) -> Result<Vec<u8>, String> {
    let Some(pinned) = &config.sigstore else {
        return Err(
            "config.toml has no `[sigstore] trusted-root`, so no attestation can be verified"
                .to_string(),
        );
    };
    let path = pinned.path.as_str();
    std::fs::read(dir.join(path)).map_err(|e| {
        format!("cannot read the Sigstore trusted root `{path}` that config.toml pins: {e}")
    })
}
