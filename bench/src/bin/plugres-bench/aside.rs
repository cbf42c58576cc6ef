//! Emptying a cache between cold runs as a new machine would have it.
//!
//! Deleting the last run's cache right before the next run made that run's
//! file creations slow on ext4, which skips inodes freed in the last
//! minute and scans past them one by one: a cost of the benchmark that no
//! first use pays. So a cold run's caches are moved into a folder of
//! their own (one rename each) and deleted when the measurement is done,
//! and dirty pages are written back before the next run
//! ([`plugres_bench::settle`]).

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use plugres_bench::remove_dir;

/// Where caches go until [`SetAside::clear`] (or drop) deletes them.
pub(crate) struct SetAside {
    dir: PathBuf,
    moved: usize,
}

impl SetAside {
    /// Keeps what is set aside in `dir` (emptied now).
    pub(crate) fn new(dir: PathBuf) -> Result<Self> {
        remove_dir(&dir)?;
        Ok(SetAside { dir, moved: 0 })
    }

    /// Moves `path` out of the way, if it exists.
    pub(crate) fn set_aside(&mut self, path: &Path) -> Result<()> {
        if !path.exists() {
            return Ok(());
        }
        std::fs::create_dir_all(&self.dir)
            .with_context(|| format!("cannot create `{}`", self.dir.display()))?;
        self.moved += 1;
        let to = self.dir.join(self.moved.to_string());
        std::fs::rename(path, &to)
            .with_context(|| format!("cannot move `{}` to `{}`", path.display(), to.display()))
    }

    /// Deletes everything set aside.
    pub(crate) fn clear(&mut self) -> Result<()> {
        remove_dir(&self.dir)
    }
}

impl Drop for SetAside {
    fn drop(&mut self) {
        let _ = self.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_aside_moves_then_clear_deletes() {
        let tmp = tempfile::tempdir().unwrap();
        let cache = tmp.path().join("cache");
        let mut aside = SetAside::new(tmp.path().join("aside")).unwrap();
        for n in 0..2 {
            std::fs::create_dir_all(cache.join("sub")).unwrap();
            std::fs::write(cache.join("sub/f"), n.to_string()).unwrap();
            aside.set_aside(&cache).unwrap();
            assert!(!cache.exists());
        }
        aside.set_aside(&cache).unwrap(); // nothing there: nothing to do
        assert_eq!(
            std::fs::read_to_string(tmp.path().join("aside/2/sub/f")).unwrap(),
            "1"
        );
        aside.clear().unwrap();
        assert!(!tmp.path().join("aside").exists());
    }
}
