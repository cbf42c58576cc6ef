//! Writes verified entries while the run goes on, commits them at its end.
//!
//! Writing a cold lock's entries at the end of the run (a file each,
//! created, written and renamed) kept the command waiting for the disk
//! after everything else was done: 13 ms of a 126 ms lock of 215 plugins.
//! So each entry goes to a thread of its own as soon as it is kept, which
//! writes it under a temporary name while the resolution waits for the
//! network; at the end only the renames remain ([`Writer::finish`]), or,
//! after a refusal, the removals: a run that refused a file still keeps
//! nothing (README "Verified-entry cache").

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{Sender, channel};
use std::sync::{Mutex, PoisonError};
use std::thread::JoinHandle;

/// An entry to write: its file name's path and its sealed bytes.
pub(super) type Entry = (PathBuf, Vec<u8>);

/// A written entry: where it is, and where it belongs.
type Written = (PathBuf, PathBuf);

/// The background writer of one cache folder; started by the first entry.
pub(super) struct Writer {
    dir: PathBuf,
    running: Mutex<Option<Running>>,
}

struct Running {
    send: Sender<Entry>,
    thread: JoinHandle<Vec<Written>>,
}

impl Writer {
    pub(super) fn new(dir: PathBuf) -> Self {
        Writer {
            dir,
            running: Mutex::new(None),
        }
    }

    /// Queues `entry`. Best effort: without a thread it is written here.
    pub(super) fn write(&self, entry: Entry) {
        let mut running = self.running.lock().unwrap_or_else(PoisonError::into_inner);
        let entry = match running.as_ref() {
            Some(r) => match r.send.send(entry) {
                Ok(()) => return,
                Err(back) => back.0,
            },
            None => entry,
        };
        let (send, receive) = channel::<Entry>();
        let dir = self.dir.clone();
        let spawned = std::thread::Builder::new()
            .name("plugres-entries".into())
            .spawn(move || {
                let _ = std::fs::create_dir_all(&dir);
                receive
                    .into_iter()
                    .filter_map(|(path, bytes)| Some((write_temp(&dir, &bytes)?, path)))
                    .collect()
            });
        match spawned {
            Ok(thread) => {
                let _ = send.send(entry);
                *running = Some(Running { send, thread });
            }
            Err(_) => {
                // Written at once: nothing to rename at the end.
                let _ = std::fs::create_dir_all(&self.dir);
                if let Some(temp) = write_temp(&self.dir, &entry.1) {
                    let _ = std::fs::rename(temp, entry.0);
                }
            }
        }
    }

    /// Waits for the writes queued so far; puts them in place when `keep`,
    /// else removes them.
    pub(super) fn finish(&self, keep: bool) {
        let running = self
            .running
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        let Some(Running { send, thread }) = running else {
            return;
        };
        drop(send);
        let written = thread.join().unwrap_or_default();
        for (temp, path) in written {
            if !(keep && std::fs::rename(&temp, &path).is_ok()) {
                let _ = std::fs::remove_file(&temp);
            }
        }
    }
}

impl Drop for Writer {
    /// Entries nobody committed are not kept.
    fn drop(&mut self) {
        self.finish(false);
    }
}

/// `bytes` in a new file of `dir` under a name no reader looks for (the
/// entries are named by 64 hex digits) and no other writer uses. Not
/// fsynced: a torn entry fails its seal and is written again.
fn write_temp(dir: &Path, bytes: &[u8]) -> Option<PathBuf> {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let temp = dir.join(format!(".plugres-entry-{}-{n}", std::process::id()));
    let written = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&temp)
        .and_then(|mut f| std::io::Write::write_all(&mut f, bytes));
    match written {
        Ok(()) => Some(temp),
        Err(_) => {
            let _ = std::fs::remove_file(&temp);
            None
        }
    }
}
