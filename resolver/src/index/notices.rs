//! Fields of index files that this plugres does not know, reported once
//! per run (README "Format evolution").
//!
//! A newer `plugres-index` may write fields an older client has never
//! heard of; the client reads such files leniently
//! ([`plugres_schema::UnknownFields::Ignore`]) and says so. One run may
//! read the same new field in hundreds of plugin files, and open an index
//! more than once, so a field is named once per run and kind of file (the
//! first file it was met in, with line and column).

use std::collections::HashSet;
use std::sync::{Arc, Mutex, PoisonError};

use plugres_schema::UnknownField;

/// What prints one warning.
type Sink = dyn Fn(&str) + Send + Sync;

/// Where the warnings go; a clone shares what was already said.
#[derive(Clone, Default)]
pub struct FieldNotices {
    said: Arc<Mutex<HashSet<(String, String)>>>,
    warn: Option<Arc<Sink>>,
}

impl FieldNotices {
    /// Notices that call `warn` with each new warning (without a leading
    /// `warning:`). [`FieldNotices::default`] says nothing.
    pub fn new(warn: impl Fn(&str) + Send + Sync + 'static) -> FieldNotices {
        FieldNotices {
            said: Arc::default(),
            warn: Some(Arc::new(warn)),
        }
    }

    /// Warns about each of `unknown` not warned about yet in this run.
    pub(crate) fn report(&self, unknown: &[UnknownField]) {
        let Some(warn) = &self.warn else {
            return;
        };
        for u in unknown {
            let first = self
                .said
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .insert(u.once_key());
            if first {
                let d = &u.diagnostic;
                warn(&format!(
                    "{}:{}:{}: {}",
                    d.file, d.line, d.column, d.message
                ));
            }
        }
    }
}

impl std::fmt::Debug for FieldNotices {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FieldNotices")
            .field("warns", &self.warn.is_some())
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use plugres_schema::{PluginFile, UnknownFields};

    fn unknown(path: &str, extra: &str) -> Vec<UnknownField> {
        let text = format!(
            "name = \"hello-world\"\ndescription = \"x\"\n{extra}\n[[version]]\nversion = \"1.0.0\"\nengine = \"*\"\npublished = 2026-01-01T00:00:00Z\n[[version.artifact]]\ntarget = \"any\"\nurl = \"a.wasm\"\nsha256 = \"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad\"\nsize = 1\n"
        );
        PluginFile::parse_with(path, text.as_bytes(), UnknownFields::Ignore)
            .unwrap()
            .unknown
    }

    #[test]
    fn a_field_is_named_once_per_run_and_kind_of_file() {
        let lines = Arc::new(Mutex::new(Vec::<String>::new()));
        let sink = lines.clone();
        let notices = FieldNotices::new(move |l| sink.lock().unwrap().push(l.to_string()));
        let again = notices.clone();
        notices.report(&unknown("plugins/he/ll/hello-world.toml", "tier = 1"));
        again.report(&unknown("plugins/ot/he/other.toml", "tier = 2\nbadge = 1"));
        notices.report(&unknown("plugins/he/ll/hello-world.toml", "tier = 1"));
        assert_eq!(
            *lines.lock().unwrap(),
            [
                "plugins/he/ll/hello-world.toml:3:1: unknown field `tier` ignored: this plugres reads format 1 without it (a newer plugres may use it)",
                "plugins/ot/he/other.toml:4:1: unknown field `badge` ignored: this plugres reads format 1 without it (a newer plugres may use it)",
            ]
        );
        FieldNotices::default().report(&unknown("plugins/he/ll/hello-world.toml", "tier = 1"));
    }
}
