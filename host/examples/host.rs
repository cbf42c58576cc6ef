//! What a host engine does at start-up: ask plugres-host which plugins the
//! project installed, checked against plugres.lock, and load the enabled
//! ones with exactly their granted permissions.
//!
//! ```sh
//! cargo run -p plugres-host --example host -- path/to/project
//! ```

use std::process::ExitCode;

fn main() -> ExitCode {
    let dir = std::env::args().nth(1).unwrap_or_else(|| ".".to_string());
    let plugins = match plugres_host::installed(std::path::Path::new(&dir)) {
        Ok(p) => p,
        Err(e) => {
            // Refuse to start with plugins that do not match the lock.
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    for p in plugins {
        if !p.enabled {
            println!("skip {} {} (disabled)", p.name, p.version);
            continue;
        }
        let entry = p.file.as_deref().unwrap_or(&p.path);
        println!(
            "load {} {} [{}] from {} with permissions [{}]",
            p.name,
            p.version,
            p.target,
            entry.display(),
            p.permissions.join(", ")
        );
    }
    ExitCode::SUCCESS
}
