//! `PluginFile::parse` on arbitrary bytes: never panics, every diagnostic
//! points inside the input, and an accepted file survives the index tool's
//! renderer: `parse(render(p)) == p` (ignoring byte spans) and rendering is
//! a fixed point.

#![no_main]

use libfuzzer_sys::fuzz_target;
use plugres_schema::{PluginFile, render};

#[path = "common/diag.rs"]
mod diag;

const FILE: &str = "plugins/fu/zz/fuzz.toml";

/// The same file with every byte span cleared: spans say where a version
/// sat in the text, which rendering is free to change.
fn without_spans(p: &PluginFile) -> PluginFile {
    let mut p = p.clone();
    for v in &mut p.versions {
        v.span = 0..0;
    }
    p
}

fuzz_target!(|data: &[u8]| {
    match PluginFile::parse(FILE, data) {
        Err(diags) => diag::assert_within(data, &diags),
        Ok(parsed) => {
            let text = render::plugin_file(&parsed);
            let again = match PluginFile::parse(FILE, text.as_bytes()) {
                Ok(p) => p,
                Err(d) => panic!("rendered file does not parse: {d:?}\n{text}"),
            };
            assert_eq!(without_spans(&parsed), without_spans(&again), "\n{text}");
            assert_eq!(text, render::plugin_file(&again));
        }
    }
});
