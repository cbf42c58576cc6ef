//! Putting a verified single-file artifact into a plugin folder without
//! storing it twice (README "Install", link modes).
//!
//! The blob in the artifact cache is already the installed file, byte for
//! byte, and its sha256 was checked when it was downloaded or re-hashed
//! right before this install; so the installer does not copy and hash it
//! again, it places it, the first way that works of:
//!
//! 1. **clone** — a copy-on-write copy (`FICLONE` on Linux btrfs/XFS,
//!    `clonefile` on macOS APFS, block cloning on Windows ReFS): a file of
//!    its own that shares the blocks until either is written. As safe as
//!    a copy, and free.
//! 2. **hardlink** (unix) — the same inode under a second name, when the
//!    cache and the install dir share a file system. The blob is read-only
//!    (it never changes), and so is the installed file: mode 444, or 555
//!    for a program. An edit in place would change the cache's copy too,
//!    and every project's that links it; it is caught — a no-op install
//!    sees the file's mtime move and reinstalls, `verify` re-hashes, and
//!    every use of a cached blob re-hashes it first, deleting it when it
//!    no longer matches — but it costs a download. `PLUGRES_LINK_MODE=copy`
//!    turns hard links off.
//! 3. **copy** — a plain copy (the kernel's `copy_file_range` where there is
//!    one), mode 644, or 755 for a program.
//!
//! `--link-mode` / `PLUGRES_LINK_MODE` picks one way (`clone`, `hardlink`,
//! `copy`; each falls back to copying where it cannot be done) instead of
//! the default `auto`, as uv's `UV_LINK_MODE` does. Archives are unpacked
//! as before: their files are not in the cache as such.

use std::fs;
use std::io;
use std::path::Path;

/// How an artifact's file gets from the cache into a plugin folder.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum LinkMode {
    /// Clone, else hard-link (unix), else copy.
    #[default]
    Auto,
    /// Clone (copy-on-write), else copy.
    Clone,
    /// Hard-link (unix, same file system), else copy.
    Hardlink,
    /// Always copy.
    Copy,
}

/// How a file was placed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Placed {
    Cloned,
    HardLinked,
    Copied,
}

impl LinkMode {
    /// The ways to try, in order.
    fn ways(self) -> &'static [Placed] {
        match self {
            LinkMode::Auto if cfg!(unix) => &[Placed::Cloned, Placed::HardLinked, Placed::Copied],
            LinkMode::Auto | LinkMode::Clone => &[Placed::Cloned, Placed::Copied],
            LinkMode::Hardlink if cfg!(unix) => &[Placed::HardLinked, Placed::Copied],
            LinkMode::Hardlink | LinkMode::Copy => &[Placed::Copied],
        }
    }
}

/// Places the verified blob at `dest` (which must not exist), per `mode`;
/// `executable`: the file is a program (README "Install"). Returns how.
/// An error is the copy's: the other ways fall back to it.
pub fn place_file(
    blob: &Path,
    dest: &Path,
    mode: LinkMode,
    executable: bool,
) -> io::Result<Placed> {
    // The staging folder is new and ours, but a file of the artifact's
    // name must not be overwritten (`fs::copy` would) nor deleted below.
    if fs::symlink_metadata(dest).is_ok() {
        return Err(io::Error::new(
            io::ErrorKind::AlreadyExists,
            format!("`{}` exists already", dest.display()),
        ));
    }
    let ways = mode.ways();
    for (i, &way) in ways.iter().enumerate() {
        match place(way, blob, dest, executable) {
            Ok(()) => return Ok(way),
            Err(e) if i + 1 == ways.len() => return Err(e),
            // Not possible here (another file system, no copy-on-write):
            // whatever was made goes, and the next way is tried.
            Err(_) => {
                let _ = fs::remove_file(dest);
            }
        }
    }
    unreachable!("every link mode ends with copying")
}

fn place(way: Placed, blob: &Path, dest: &Path, executable: bool) -> io::Result<()> {
    match way {
        Placed::Cloned => {
            reflink_copy::reflink(blob, dest)?;
            set_mode(dest, if executable { 0o755 } else { 0o644 })
        }
        Placed::HardLinked => hard_link(blob, dest, executable),
        Placed::Copied => {
            fs::copy(blob, dest)?;
            set_mode(dest, if executable { 0o755 } else { 0o644 })
        }
    }
}

/// Links `dest` to the blob's inode, which is (made) read-only; a program
/// gets the execute bits. Bits are only ever added: another project may
/// link the same blob as a program.
#[cfg(unix)]
fn hard_link(blob: &Path, dest: &Path, executable: bool) -> io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let mode = fs::metadata(blob)?.permissions().mode() & 0o7777;
    let exec = if executable { 0o111 } else { 0 };
    let wanted = (mode & 0o555) | 0o444 | exec;
    if wanted != mode {
        fs::set_permissions(blob, fs::Permissions::from_mode(wanted))?;
    }
    fs::hard_link(blob, dest)
}

#[cfg(not(unix))]
fn hard_link(_: &Path, _: &Path, _: bool) -> io::Result<()> {
    Err(io::Error::new(
        io::ErrorKind::Unsupported,
        "plugres hard-links only on unix",
    ))
}

#[cfg(unix)]
fn set_mode(path: &Path, mode: u32) -> io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(path, fs::Permissions::from_mode(mode))
}

/// Elsewhere a copy keeps the blob's attributes, and a blob is writable.
#[cfg(not(unix))]
fn set_mode(_: &Path, _: u32) -> io::Result<()> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn blob(dir: &Path) -> std::path::PathBuf {
        let path = dir.join("blob");
        fs::write(&path, b"\0asm verified").unwrap();
        #[cfg(unix)]
        set_mode(&path, 0o444).unwrap();
        path
    }

    #[cfg(unix)]
    fn inode(path: &Path) -> (u64, u64) {
        use std::os::unix::fs::MetadataExt;
        let m = fs::metadata(path).unwrap();
        (m.dev(), m.ino())
    }

    #[cfg(unix)]
    fn mode(path: &Path) -> u32 {
        use std::os::unix::fs::PermissionsExt;
        fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    /// The default does not store the file twice: on a file system
    /// without copy-on-write (ext4, tmpfs) it hard-links the read-only
    /// blob, else it clones.
    #[cfg(unix)]
    #[test]
    fn auto_shares_the_blob_and_keeps_it_read_only() {
        let dir = tempfile::tempdir().unwrap();
        let blob = blob(dir.path());
        let dest = dir.path().join("plugin.wasm");
        let how = place_file(&blob, &dest, LinkMode::Auto, false).unwrap();
        assert_eq!(fs::read(&dest).unwrap(), b"\0asm verified");
        match how {
            Placed::HardLinked => {
                assert_eq!(inode(&dest), inode(&blob));
                assert_eq!(mode(&dest), 0o444);
            }
            Placed::Cloned => assert_eq!(mode(&dest), 0o644),
            Placed::Copied => panic!("copied although the blob could be shared"),
        }
        // A program gets the execute bits, and a later link as a plain
        // file does not take them away from it.
        let program = dir.path().join("tool");
        place_file(&blob, &program, LinkMode::Auto, true).unwrap();
        assert_eq!(mode(&program) & 0o111, 0o111);
        let again = dir.path().join("again.wasm");
        place_file(&blob, &again, LinkMode::Auto, false).unwrap();
        assert_eq!(mode(&program) & 0o111, 0o111);
    }

    #[cfg(unix)]
    #[test]
    fn copy_makes_a_file_of_its_own_with_the_usual_modes() {
        let dir = tempfile::tempdir().unwrap();
        let blob = blob(dir.path());
        let dest = dir.path().join("plugin.wasm");
        assert_eq!(
            place_file(&blob, &dest, LinkMode::Copy, false).unwrap(),
            Placed::Copied
        );
        assert_ne!(inode(&dest), inode(&blob));
        assert_eq!(mode(&dest), 0o644);
        assert_eq!(fs::read(&dest).unwrap(), b"\0asm verified");
        let tool = dir.path().join("tool");
        place_file(&blob, &tool, LinkMode::Copy, true).unwrap();
        assert_eq!(mode(&tool), 0o755);
    }

    #[cfg(unix)]
    #[test]
    fn hardlink_links_and_clone_falls_back_to_copying() {
        let dir = tempfile::tempdir().unwrap();
        let blob = blob(dir.path());
        let linked = dir.path().join("linked");
        assert_eq!(
            place_file(&blob, &linked, LinkMode::Hardlink, false).unwrap(),
            Placed::HardLinked
        );
        assert_eq!(inode(&linked), inode(&blob));
        let cloned = dir.path().join("cloned");
        let how = place_file(&blob, &cloned, LinkMode::Clone, false).unwrap();
        assert_ne!(how, Placed::HardLinked);
        assert_ne!(inode(&cloned), inode(&blob));
        assert_eq!(fs::read(&cloned).unwrap(), b"\0asm verified");
    }

    #[test]
    fn an_existing_destination_is_an_error_and_is_left_alone() {
        let dir = tempfile::tempdir().unwrap();
        let blob = blob(dir.path());
        let dest = dir.path().join("taken");
        fs::write(&dest, b"the user's").unwrap();
        for mode in [LinkMode::Auto, LinkMode::Hardlink, LinkMode::Copy] {
            assert!(place_file(&blob, &dest, mode, false).is_err(), "{mode:?}");
            assert_eq!(fs::read(&dest).unwrap(), b"the user's");
        }
    }

    #[test]
    fn link_modes_parse_like_uvs() {
        use clap::ValueEnum;
        for (text, mode) in [
            ("auto", LinkMode::Auto),
            ("clone", LinkMode::Clone),
            ("hardlink", LinkMode::Hardlink),
            ("copy", LinkMode::Copy),
        ] {
            assert_eq!(LinkMode::from_str(text, false), Ok(mode));
        }
        assert!(LinkMode::from_str("symlink", false).is_err());
    }
}
