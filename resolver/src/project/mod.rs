//! The files a project holds, and where they are.
//!
//! Their types and parsers are in `plugres-host` (the crate a host engine
//! embeds) and re-exported here, so the client and every host read
//! `plugres.toml` and `plugres.lock` with the same code. What only the
//! client does with them lives here: editing the manifest so the user's
//! comments and layout survive ([`ManifestEditor`]), and lock entries from
//! a verified index ([`LockedPluginExt`]). Every write is atomic
//! ([`atomic_write`]).

mod edit;
#[cfg(all(test, feature = "json-schema"))]
mod json_schema;
mod lockfile;

pub use edit::ManifestEditor;
pub use lockfile::LockedPluginExt;
pub use plugres_host::project::*;

/// [`Project::edit_manifest`]: opening the project's manifest for editing.
pub trait ProjectExt {
    /// Opens `plugres.toml` for editing.
    fn edit_manifest(&self) -> Result<ManifestEditor, ProjectError>;
}

impl ProjectExt for Project {
    fn edit_manifest(&self) -> Result<ManifestEditor, ProjectError> {
        ManifestEditor::open(&self.manifest_path)
    }
}
