//! `IndexConfig::parse` on arbitrary bytes: never panics, every diagnostic
//! points inside the input, and an accepted config survives the index
//! tool's renderer: `parse(render(c)) == c` and rendering is a fixed point.

#![no_main]

use libfuzzer_sys::fuzz_target;
use plugres_schema::{IndexConfig, render};

#[path = "common/diag.rs"]
mod diag;

fuzz_target!(|data: &[u8]| {
    match IndexConfig::parse("config.toml", data) {
        Err(diags) => diag::assert_within(data, &diags),
        Ok(parsed) => {
            let text = render::config_file(&parsed);
            let again = match IndexConfig::parse("config.toml", text.as_bytes()) {
                Ok(c) => c,
                Err(d) => panic!("rendered config does not parse: {d:?}\n{text}"),
            };
            assert_eq!(parsed, again, "\n{text}");
            assert_eq!(text, render::config_file(&again));
        }
    }
});
