//! The index maintainer's and publisher's workflow, through the binary:
//! one file per concern, sharing the helpers below.

mod conventions;
mod devtools;
mod keys;
mod publish;
mod readme;
mod site;
mod trust_layer;
mod validate;

use std::path::Path;

use plugres_e2e::*;

/// Writes a `plugin.toml` (one `any` artifact) for `name` `version` with
/// the `[dependencies]` lines `deps`; returns its path.
fn write_plugin(dir: &Path, name: &str, version: &str, deps: &str) -> std::path::PathBuf {
    let src = dir.join(format!("src-{name}-{version}"));
    std::fs::create_dir_all(&src).unwrap();
    std::fs::write(src.join("mod.wasm"), format!("\0asm{name}{version}")).unwrap();
    std::fs::write(
        src.join("plugin.toml"),
        format!(
            "[plugin]\nname = \"{name}\"\nversion = \"{version}\"\ndescription = \"test {name}\"\nengine = \">=1.0\"\n\n[dependencies]\n{deps}\n\n[[artifact]]\ntarget = \"any\"\npath = \"mod.wasm\"\n"
        ),
    )
    .unwrap();
    src.join("plugin.toml")
}

/// `plugres-index init idx --engine demo-engine --unencrypted --key-out
/// root` in `dir`, then `extra` (e.g. `--no-snapshot`); must succeed.
fn init_idx(dir: &Path, extra: &[&str]) -> std::process::Output {
    let mut cmd = plugres_index();
    cmd.current_dir(dir).args([
        "init",
        "idx",
        "--engine",
        "demo-engine",
        "--unencrypted",
        "--key-out",
        "root",
    ]);
    run(cmd.args(extra), true)
}

/// Signs a new snapshot and timestamp of `idx` with the online key `key`.
fn sign_trust(idx: &Path, key: &Path) {
    for cmd in ["snapshot", "timestamp"] {
        run(
            plugres_index()
                .args([cmd, "--key"])
                .arg(key)
                .arg("--index")
                .arg(idx),
            true,
        );
    }
}
