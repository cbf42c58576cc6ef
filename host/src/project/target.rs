//! Which artifact of a version a project uses: its target.
//!
//! A project names a target in `[engine] target` (e.g. `wasm32-wasip1`), or
//! none, meaning "this machine": then an artifact built for the host triple
//! is taken, or else one for `any`. With a target, an exact match wins over
//! `any`. A version with neither is unusable for the project.

use std::sync::OnceLock;

use plugres_schema::Target;

/// The Rust-style target triple of the running platform, e.g.
/// `x86_64-unknown-linux-gnu` or `aarch64-apple-darwin`.
pub fn host_target() -> &'static str {
    static HOST: OnceLock<String> = OnceLock::new();
    HOST.get_or_init(|| {
        let arch = match std::env::consts::ARCH {
            "x86" => "i686",
            "riscv64" => "riscv64gc",
            "powerpc64" if cfg!(target_endian = "little") => "powerpc64le",
            a => a,
        };
        let env = if cfg!(target_env = "musl") {
            "musl"
        } else if cfg!(target_env = "msvc") {
            "msvc"
        } else {
            "gnu"
        };
        match std::env::consts::OS {
            "linux" => format!("{arch}-unknown-linux-{env}"),
            "macos" => format!("{arch}-apple-darwin"),
            "windows" => format!("{arch}-pc-windows-{env}"),
            os => format!("{arch}-unknown-{os}"),
        }
    })
}

/// The artifact of `artifacts` a project with `project_target` uses:
/// the exact target (the host triple when `None`), else `any`.
pub fn select_artifact<'a, A>(
    artifacts: &'a [A],
    target_of: impl Fn(&A) -> &Target,
    project_target: Option<&str>,
) -> Option<&'a A> {
    let want: &str = match project_target {
        Some(t) => t,
        None => host_target(),
    };
    artifacts
        .iter()
        .find(|a| target_of(a).as_str() == want)
        .or_else(|| artifacts.iter().find(|a| target_of(a).is_any()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_target_looks_like_a_triple() {
        let t = host_target();
        assert!(Target::new(t).is_ok(), "{t}");
        assert!(t.starts_with(std::env::consts::ARCH) || t.starts_with("i686"));
        if cfg!(all(
            target_os = "linux",
            target_arch = "x86_64",
            target_env = "gnu"
        )) {
            assert_eq!(t, "x86_64-unknown-linux-gnu");
        }
    }

    #[test]
    fn exact_target_wins_over_any() {
        let t = |s: &str| Target::new(s).unwrap();
        let arts = [t("any"), t("wasm32-wasip1"), t(host_target())];
        let pick = |want: Option<&str>, arts: &[Target]| {
            select_artifact(arts, |a| a, want).map(|a| a.to_string())
        };
        assert_eq!(
            pick(Some("wasm32-wasip1"), &arts).as_deref(),
            Some("wasm32-wasip1")
        );
        assert_eq!(pick(None, &arts).as_deref(), Some(host_target()));
        assert_eq!(
            pick(Some("riscv64gc-unknown-none"), &arts).as_deref(),
            Some("any")
        );
        assert_eq!(pick(None, &arts[1..2]), None);
        assert_eq!(pick(Some("wasm32-wasip1"), &arts[2..]), None);
    }
}
