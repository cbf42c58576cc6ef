//! The rule for a plugin file: the right path, the right signer, then the
//! bytes are parsed.

use crate::config::IndexConfig;
use crate::diag::{Diagnostic, Diagnostics};
use crate::name::PluginName;
use crate::path::{index_path, name_from_index_path};
use crate::plugin::PluginFile;
use crate::sign::{SignatureError, verify};
use crate::unknown::{Parsed, UnknownFields};

/// Why a plugin file is not trusted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PluginFileError {
    #[error(
        "`{path}` is not a plugin file at its proper path (expected `plugins/<prefix>/<name>.toml`, e.g. `plugins/he/ll/hello-world.toml`)"
    )]
    NotAPluginPath { path: String },
    #[error(transparent)]
    Signature(#[from] SignatureError),
    #[error("`{path}` is not a valid plugin file ({} problems)", diagnostics.len())]
    Invalid {
        path: String,
        diagnostics: Vec<Diagnostic>,
    },
    #[error(
        "the file at `{path}` names plugin `{found}`; it belongs at `{}`",
        index_path(found)
    )]
    NameMismatch {
        path: String,
        expected: PluginName,
        found: PluginName,
    },
    #[error("`{name}` is the engine's name and cannot be a plugin")]
    EngineName { path: String, name: PluginName },
    #[error(
        "`{path}` has no signature (`{path}.minisig`), and config.toml's publish policy for `{name}` is `{}`: a publisher key must sign it",
        policy.as_str()
    )]
    Unsigned {
        path: String,
        name: PluginName,
        policy: crate::config::PublishPolicy,
    },
}

impl PluginFileError {
    /// The error as diagnostics of the file (with line and column where
    /// the problem has one), for reports that list every problem.
    pub fn into_diagnostics(self, bytes: &[u8]) -> Vec<Diagnostic> {
        let text = std::str::from_utf8(bytes).unwrap_or("");
        match self {
            PluginFileError::Invalid { diagnostics, .. } => diagnostics,
            PluginFileError::NotAPluginPath { ref path }
            | PluginFileError::Unsigned { ref path, .. } => {
                vec![Diagnostic::file_error(path.clone(), self.to_string())]
            }
            PluginFileError::Signature(ref e) => {
                let path = signed_path(e);
                let mut d = Diagnostics::new(path, text);
                d.error(None, self.to_string());
                d.into_vec()
            }
            PluginFileError::NameMismatch { ref path, .. }
            | PluginFileError::EngineName { ref path, .. } => {
                let mut d = Diagnostics::new(path.clone(), text);
                d.error(Some(0..0), self.to_string());
                d.into_vec()
            }
        }
    }
}

fn signed_path(e: &SignatureError) -> String {
    match e {
        SignatureError::Malformed { path, .. }
        | SignatureError::UntrustedKey { path, .. }
        | SignatureError::BadSignature { path, .. }
        | SignatureError::WrongPath { path, .. } => path.clone(),
    }
}

/// The plugin file at index path `path`, trusted: `path` is where a
/// plugin's file belongs, `signature` is a valid signature over `bytes`
/// bound to `path` by a publisher key of `config` whose scopes cover that
/// plugin, and only then are the bytes parsed: the file must be valid,
/// name the plugin its path names, and not be the engine. Stops at the
/// first rule broken.
pub fn verify_plugin_file(
    path: &str,
    bytes: &[u8],
    signature: Option<&[u8]>,
    config: &IndexConfig,
) -> Result<PluginFile, PluginFileError> {
    verify_plugin_file_with(path, bytes, signature, config, UnknownFields::Refuse).map(|p| p.value)
}

/// [`verify_plugin_file`], with unknown fields treated as `mode` says
/// (README "Format evolution"): clients ignore them, after the signature
/// over the exact bytes checked out.
pub fn verify_plugin_file_with(
    path: &str,
    bytes: &[u8],
    signature: Option<&[u8]>,
    config: &IndexConfig,
    mode: UnknownFields,
) -> Result<Parsed<PluginFile>, PluginFileError> {
    let name = plugin_of(path)?;
    signed(path, &name, bytes, signature, config)?;
    let mut problems = Vec::new();
    let file = parsed(path, &name, bytes, config, mode, &mut problems);
    match (file, problems.into_iter().next()) {
        (Some(file), None) => Ok(file),
        (_, Some(e)) => Err(e),
        (None, None) => Err(PluginFileError::NotAPluginPath {
            path: path.to_string(),
        }),
    }
}

/// Every rule of [`verify_plugin_file`] the file breaks, for a report
/// that lists them all (the index tool's `validate`), and the parsed file
/// when it parses, so that checks across files can go on. The signature
/// is checked like the client checks it, and reported last.
pub fn plugin_file_problems(
    path: &str,
    bytes: &[u8],
    signature: Option<&[u8]>,
    config: &IndexConfig,
) -> (Option<PluginFile>, Vec<PluginFileError>) {
    let name = match plugin_of(path) {
        Ok(n) => n,
        Err(e) => return (None, vec![e]),
    };
    let signed = signed(path, &name, bytes, signature, config);
    let mut problems = Vec::new();
    let file = parsed(
        path,
        &name,
        bytes,
        config,
        UnknownFields::Refuse,
        &mut problems,
    )
    .map(|p| p.value);
    if file.is_some()
        && let Err(e) = signed
    {
        problems.push(e);
    }
    (file, problems)
}

/// The signature rule: a signature, when there is one, must be a valid one
/// by a publisher key whose scopes cover the plugin (never ignored); a
/// file without one is acceptable only where the publish policy lets
/// attestations vouch for its versions instead (README "Trusted
/// publishing"; the snapshot then binds the file).
fn signed(
    path: &str,
    name: &PluginName,
    bytes: &[u8],
    signature: Option<&[u8]>,
    config: &IndexConfig,
) -> Result<(), PluginFileError> {
    match signature {
        Some(signature) => {
            let keys = config.publishers_for(name).map(|k| (&k.id, &k.public));
            verify(path, bytes, signature, keys)?;
            Ok(())
        }
        None => {
            let policy = config.policy_for(name);
            match policy.requires_signature() {
                true => Err(PluginFileError::Unsigned {
                    path: path.to_string(),
                    name: name.clone(),
                    policy,
                }),
                false => Ok(()),
            }
        }
    }
}

fn plugin_of(path: &str) -> Result<PluginName, PluginFileError> {
    name_from_index_path(path).ok_or_else(|| PluginFileError::NotAPluginPath {
        path: path.to_string(),
    })
}

/// The file parsed, with what is wrong with its name added to `problems`;
/// `None` (and its diagnostics) when it does not parse.
fn parsed(
    path: &str,
    name: &PluginName,
    bytes: &[u8],
    config: &IndexConfig,
    mode: UnknownFields,
    problems: &mut Vec<PluginFileError>,
) -> Option<Parsed<PluginFile>> {
    let Parsed {
        value: file,
        unknown,
    } = match PluginFile::parse_with(path, bytes, mode) {
        Ok(f) => f,
        Err(diagnostics) => {
            problems.push(PluginFileError::Invalid {
                path: path.to_string(),
                diagnostics,
            });
            return None;
        }
    };
    if &file.name != name {
        problems.push(PluginFileError::NameMismatch {
            path: path.to_string(),
            expected: name.clone(),
            found: file.name.clone(),
        });
    }
    if config.is_engine_name(name) {
        problems.push(PluginFileError::EngineName {
            path: path.to_string(),
            name: name.clone(),
        });
    }
    if let Some(e) = over_limits(path, bytes, &file, config) {
        problems.push(e);
    }
    Some(Parsed {
        value: file,
        unknown,
    })
}

/// Artifacts larger than the config's `[limits] max-artifact-size`: no
/// client of this index installs them (README "config.toml").
fn over_limits(
    path: &str,
    bytes: &[u8],
    file: &PluginFile,
    config: &IndexConfig,
) -> Option<PluginFileError> {
    let limit = config.limits.max_artifact_size;
    let mut d = Diagnostics::new(path, std::str::from_utf8(bytes).unwrap_or(""));
    for v in &file.versions {
        for a in v.artifacts.iter().filter(|a| a.size > limit) {
            d.error(
                Some(v.span.clone()),
                format!(
                    "the artifact for `{}` of version {} is {} bytes, over this index's `[limits] max-artifact-size` of {limit} bytes",
                    a.target, v.version, a.size
                ),
            );
        }
    }
    d.has_errors().then(|| PluginFileError::Invalid {
        path: path.to_string(),
        diagnostics: d.into_vec(),
    })
}
