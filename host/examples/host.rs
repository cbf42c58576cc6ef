//! What a host engine does at start-up: ask plugres-host which plugins the
//! project installed (and, given the engine's name, the user's own
//! user-wide plugins), checked against plugres.lock, and load the enabled
//! ones with exactly their granted permissions and their configuration.
//!
//! ```sh
//! cargo run -p plugres-host --example host -- path/to/project [ENGINE]
//! ```

use std::path::Path;
use std::process::ExitCode;

fn main() -> ExitCode {
    let dir = std::env::args().nth(1).unwrap_or_else(|| ".".to_string());
    let engine = std::env::args().nth(2);
    let found = match &engine {
        Some(engine) => plugres_host::installed_with_user(Some(Path::new(&dir)), engine),
        None => {
            plugres_host::installed(Path::new(&dir)).map(|project| plugres_host::AllInstalled {
                project,
                ..Default::default()
            })
        }
    };
    let all = match found {
        Ok(all) => all,
        Err(e) => {
            // Refuse to start with plugins that do not match the lock.
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    for note in &all.shadowed {
        println!("note: {note}");
    }
    for p in all.plugins() {
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
        // Its settings: plugres.toml's values, defaults filled in, checked
        // against what the locked version declares; secrets apart.
        if !p.config.is_empty() || !p.secrets.is_empty() {
            let mut shown: Vec<String> = p.config.iter().map(|(k, v)| format!("{k}={v}")).collect();
            shown.extend(p.secrets.keys().map(|k| format!("{k}=<secret>")));
            println!("  config {}", shown.join(" "));
        }
    }
    ExitCode::SUCCESS
}
