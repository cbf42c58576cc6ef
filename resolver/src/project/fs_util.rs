//! Writing project files so a crash never leaves half of one.

use std::io::Write;
use std::path::Path;

/// Replaces `path` with `bytes` atomically: writes a temporary file in the
/// same directory, flushes it to disk, and renames it over `path`. Readers
/// see the old file or the new one, never a mix. An existing file's
/// permissions are kept.
pub fn atomic_write(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut tmp = tempfile::Builder::new()
        .prefix(&format!(".{file_name}."))
        .suffix(".tmp")
        .tempfile_in(dir)?;
    tmp.write_all(bytes)?;
    if let Ok(meta) = std::fs::metadata(path) {
        tmp.as_file().set_permissions(meta.permissions())?;
    }
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| e.error)?;
    sync_dir(dir);
    Ok(())
}

/// Makes the rename durable where the platform allows (best effort: not
/// every filesystem lets a directory be opened and synced).
fn sync_dir(dir: &Path) {
    #[cfg(unix)]
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
    #[cfg(not(unix))]
    let _ = dir;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_the_file_and_leaves_no_temporary() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("plugres.lock");
        atomic_write(&path, b"one").unwrap();
        atomic_write(&path, b"two").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"two");
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, vec!["plugres.lock"]);
    }

    #[test]
    fn fails_without_touching_anything_when_the_dir_is_missing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("no/such/dir/plugres.toml");
        assert!(atomic_write(&path, b"x").is_err());
        assert!(!dir.path().join("no").exists());
    }
}
