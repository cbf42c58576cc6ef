//! A version's readme (README "Plugin file"): a Markdown file that
//! `plugin.toml` names, which `publish` stores in the index at
//! [`readme_path`] and records in the signed version entry with its
//! sha256 and size (hashed here, never taken from input).
//!
//! Two sides, one set of rules: [`read_source`] reads the publisher's file
//! for `publish`; [`check_stored`] reads the stored copy back for
//! `validate` and `site`, and answers its text only when it is where it
//! belongs, within [`MAX_README_SIZE`], UTF-8, and exactly the bytes the
//! signature binds. Clients never read readmes.

use std::io::Read;
use std::path::Path;

use anyhow::{Context, Result, bail};
use plugres_schema::limits::MAX_README_SIZE;
use plugres_schema::{PluginName, Readme, Sha256, VersionEntry, readme_path};

use crate::fsutil::{Bounded, read_regular_bounded};

/// The readme `rel` names, relative to the folder of `manifest`: its
/// bytes, refused when it resolves outside that folder (a link out),
/// is larger than [`MAX_README_SIZE`] or is not UTF-8.
pub fn read_source(manifest: &Path, rel: &str) -> Result<Vec<u8>> {
    let base = manifest.parent().unwrap_or(Path::new("."));
    let base = if base.as_os_str().is_empty() {
        Path::new(".")
    } else {
        base
    };
    let path = base.join(rel);
    let shown = path.display();
    let cannot = || format!("cannot read the readme `{shown}` (`readme` in the manifest)");
    let real = path.canonicalize().with_context(cannot)?;
    let folder = base.canonicalize().with_context(cannot)?;
    if !real.starts_with(&folder) {
        bail!(
            "the readme `{shown}` resolves to `{}`, outside the folder of the manifest\nhint: copy the readme into the plugin's folder",
            real.display()
        );
    }
    let mut bytes = Vec::new();
    std::fs::File::open(&real)
        .and_then(|f| f.take(MAX_README_SIZE + 1).read_to_end(&mut bytes))
        .with_context(cannot)?;
    if bytes.len() as u64 > MAX_README_SIZE {
        bail!(
            "the readme `{shown}` is larger than {} KiB, the most a readme may have\nhint: shorten it, and link to longer documentation from it",
            MAX_README_SIZE / 1024
        );
    }
    if let Err(e) = std::str::from_utf8(&bytes) {
        bail!(
            "the readme `{shown}` is not UTF-8 text (an invalid byte at offset {})\nhint: save it as UTF-8",
            e.valid_up_to()
        );
    }
    Ok(bytes)
}

/// The signed entry of a readme stored at its place for `version` of `name`.
pub fn entry(name: &PluginName, version: &plugres_schema::Version, bytes: &[u8]) -> Readme {
    let path = readme_path(name, version);
    Readme {
        path: plugres_schema::IndexPath::new(&path).expect("readme paths are index paths"),
        sha256: Sha256::of(bytes),
        size: bytes.len() as u64,
    }
}

/// The text of the readme entry `v` names, read from the index at `dir`,
/// or what is wrong with it. `None` when the version names no readme.
pub fn check_stored(
    dir: &Path,
    name: &PluginName,
    v: &VersionEntry,
) -> Option<Result<String, String>> {
    let r = v.readme.as_ref()?;
    Some(stored_text(dir, name, v, r))
}

fn stored_text(
    dir: &Path,
    name: &PluginName,
    v: &VersionEntry,
    r: &Readme,
) -> Result<String, String> {
    let path = r.path.as_str();
    let expected = readme_path(name, &v.version);
    if path != expected {
        return Err(format!(
            "the readme of {name} {} is at `{path}`; it belongs at `{expected}`",
            v.version
        ));
    }
    let max = MAX_README_SIZE / 1024;
    if r.size > MAX_README_SIZE {
        return Err(format!(
            "the readme `{path}` is declared {} bytes; a readme has at most {max} KiB",
            r.size
        ));
    }
    let bytes = match read_regular_bounded(dir, path, MAX_README_SIZE as usize) {
        Err(e) => return Err(e.to_string()),
        Ok(Bounded::Missing) => {
            return Err(format!(
                "the readme `{path}` is missing (`publish` stores it with the version)"
            ));
        }
        Ok(Bounded::NotRegular) => {
            return Err(format!(
                "the readme `{path}` is not a regular file (a symbolic link?)"
            ));
        }
        Ok(Bounded::TooLarge) => {
            return Err(format!(
                "the readme `{path}` is larger than {max} KiB, the most a readme may have"
            ));
        }
        Ok(Bounded::Bytes(b)) => b,
    };
    let sha256 = Sha256::of(&bytes);
    if bytes.len() as u64 != r.size || sha256 != r.sha256 {
        return Err(format!(
            "the readme `{path}` does not match its signed entry ({} bytes, sha256 {}; the entry says {} bytes, sha256 {}): a published readme never changes",
            bytes.len(),
            sha256.to_hex(),
            r.size,
            r.sha256.to_hex()
        ));
    }
    String::from_utf8(bytes).map_err(|_| format!("the readme `{path}` is not UTF-8 text"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry_for(dir: &Path, text: &[u8]) -> (PluginName, VersionEntry) {
        let name = PluginName::new("hello-world").unwrap();
        let version = plugres_schema::Version::parse("1.2.0").unwrap();
        let readme = entry(&name, &version, text);
        let path = dir.join(readme.path.as_str());
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, text).unwrap();
        let v = VersionEntry {
            version,
            engine: "*".parse().unwrap(),
            published: "2026-01-01T00:00:00Z".into(),
            permissions: Vec::new(),
            yanked: false,
            yank_reason: None,
            dependencies: Default::default(),
            artifacts: Vec::new(),
            settings: Default::default(),
            readme: Some(readme),
            attestation: None,
            span: 0..0,
        };
        (name, v)
    }

    fn problem(dir: &Path, name: &PluginName, v: &VersionEntry) -> String {
        check_stored(dir, name, v).unwrap().unwrap_err()
    }

    #[test]
    fn a_stored_readme_is_read_back_when_it_matches_its_entry() {
        let t = tempfile::tempdir().unwrap();
        let (name, v) = entry_for(t.path(), b"# Hello\n");
        assert_eq!(
            v.readme.as_ref().unwrap().path.as_str(),
            "readmes/he/ll/hello-world/1.2.0.md"
        );
        assert_eq!(
            check_stored(t.path(), &name, &v),
            Some(Ok("# Hello\n".into()))
        );
    }

    #[test]
    fn a_changed_missing_misplaced_or_oversized_readme_is_refused() {
        let t = tempfile::tempdir().unwrap();
        let (name, mut v) = entry_for(t.path(), b"# Hello\n");
        let file = t.path().join("readmes/he/ll/hello-world/1.2.0.md");
        std::fs::write(&file, b"# Hellp\n").unwrap();
        assert!(
            problem(t.path(), &name, &v).contains("does not match its signed entry"),
            "same size, other bytes"
        );
        std::fs::remove_file(&file).unwrap();
        assert!(problem(t.path(), &name, &v).contains("is missing"));
        let big = vec![b'a'; MAX_README_SIZE as usize + 1];
        std::fs::write(&file, &big).unwrap();
        assert!(problem(t.path(), &name, &v).contains("larger than 512 KiB"));
        v.readme.as_mut().unwrap().size = big.len() as u64;
        assert!(problem(t.path(), &name, &v).contains("declared 524289 bytes"));
        v.readme.as_mut().unwrap().path =
            plugres_schema::IndexPath::new("readmes/he/ll/other/1.2.0.md").unwrap();
        assert!(
            problem(t.path(), &name, &v)
                .contains("it belongs at `readmes/he/ll/hello-world/1.2.0.md`")
        );
    }

    #[test]
    fn a_non_utf8_readme_that_matches_its_entry_is_refused() {
        let t = tempfile::tempdir().unwrap();
        let (name, v) = entry_for(t.path(), b"\xff\xfe");
        assert!(problem(t.path(), &name, &v).contains("not UTF-8"));
    }

    #[test]
    fn the_publishers_readme_stays_inside_the_manifests_folder() {
        let t = tempfile::tempdir().unwrap();
        let plugin = t.path().join("plugin");
        std::fs::create_dir_all(&plugin).unwrap();
        let manifest = plugin.join("plugin.toml");
        std::fs::write(plugin.join("README.md"), "# Hi\n").unwrap();
        assert_eq!(read_source(&manifest, "README.md").unwrap(), b"# Hi\n");
        std::fs::write(t.path().join("secret.md"), "x").unwrap();
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink(t.path().join("secret.md"), plugin.join("LINK.md")).unwrap();
            let e = read_source(&manifest, "LINK.md").unwrap_err().to_string();
            assert!(e.contains("outside the folder of the manifest"), "{e}");
        }
        std::fs::write(plugin.join("BIG.md"), vec![b'a'; 512 * 1024 + 1]).unwrap();
        let e = read_source(&manifest, "BIG.md").unwrap_err().to_string();
        assert!(e.contains("larger than 512 KiB"), "{e}");
        std::fs::write(plugin.join("BIN.md"), b"ok\xff").unwrap();
        let e = read_source(&manifest, "BIN.md").unwrap_err().to_string();
        assert!(
            e.contains("not UTF-8 text (an invalid byte at offset 2)"),
            "{e}"
        );
        let e = format!("{:#}", read_source(&manifest, "NONE.md").unwrap_err());
        assert!(e.contains("cannot read the readme"), "{e}");
    }
}
