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
    /// Set by [`FieldNotices::held`]: what is reported waits here.
    held: Option<Arc<Mutex<Vec<UnknownField>>>>,
}

impl FieldNotices {
    /// Notices that call `warn` with each new warning (without a leading
    /// `warning:`). [`FieldNotices::default`] says nothing.
    pub fn new(warn: impl Fn(&str) + Send + Sync + 'static) -> FieldNotices {
        FieldNotices {
            said: Arc::default(),
            warn: Some(Arc::new(warn)),
            held: None,
        }
    }

    /// Notices that say nothing until [`FieldNotices::release`]: for
    /// files that may end up unused (a head that does not verify), whose
    /// fields would otherwise be named from a file nobody used.
    pub(crate) fn held(&self) -> FieldNotices {
        FieldNotices {
            held: Some(Arc::default()),
            ..self.clone()
        }
    }

    /// Says what [`FieldNotices::held`] notices kept back.
    pub(crate) fn release(&self) {
        let Some(held) = &self.held else {
            return;
        };
        let kept = std::mem::take(&mut *held.lock().unwrap_or_else(PoisonError::into_inner));
        let now = FieldNotices {
            held: None,
            ..self.clone()
        };
        now.report(&kept);
    }

    /// Warns about each of `unknown` not warned about yet in this run.
    pub(crate) fn report(&self, unknown: &[UnknownField]) {
        let Some(warn) = &self.warn else {
            return;
        };
        if let Some(held) = &self.held {
            let mut held = held.lock().unwrap_or_else(PoisonError::into_inner);
            held.extend(unknown.iter().cloned());
            return;
        }
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

    #[test]
    fn held_notices_say_nothing_until_released() {
        let lines = Arc::new(Mutex::new(Vec::<String>::new()));
        let sink = lines.clone();
        let notices = FieldNotices::new(move |l| sink.lock().unwrap().push(l.to_string()));
        let dropped = notices.held();
        dropped.report(&unknown("plugins/he/ll/hello-world.toml", "tier = 1"));
        drop(dropped);
        assert!(lines.lock().unwrap().is_empty());
        let kept = notices.held();
        kept.report(&unknown("plugins/he/ll/hello-world.toml", "tier = 1"));
        assert!(lines.lock().unwrap().is_empty());
        kept.release();
        notices.report(&unknown("plugins/he/ll/hello-world.toml", "tier = 1"));
        assert_eq!(
            lines.lock().unwrap().len(),
            1,
            "{:?}",
            lines.lock().unwrap()
        );
        assert!(lines.lock().unwrap()[0].contains("`tier`"));
    }
}
