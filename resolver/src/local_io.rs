//! What to tell the user when a file plugres keeps on this machine (the
//! caches and the trust state under `PLUGRES_HOME`) cannot be written or
//! read. The cause decides the advice: a full disk wants space, a
//! read-only folder wants another `PLUGRES_HOME`; deleting the trust state
//! is never the fix (it forgets the rollback floor, README threat model).

use std::io::{self, ErrorKind};

/// One sentence of advice for `err`, met under the folder `what` (e.g.
/// "the cache directory").
pub fn advice(err: &io::Error, what: &str) -> String {
    match err.kind() {
        ErrorKind::StorageFull | ErrorKind::QuotaExceeded => format!(
            "the disk holding {what} is full: free some space (`plugres cache clean` removes cached artifacts), then run the command again"
        ),
        ErrorKind::PermissionDenied | ErrorKind::ReadOnlyFilesystem => format!(
            "{what} is not writable by this user: fix its permissions, or set `PLUGRES_HOME` to a writable folder"
        ),
        ErrorKind::NotADirectory | ErrorKind::AlreadyExists => format!(
            "a file is in the way of {what}: `PLUGRES_HOME` (and the folders plugres keeps under it) must be folders"
        ),
        _ => format!("check the permissions and free space of {what} (under `PLUGRES_HOME`)"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cause_decides_the_advice() {
        // By kind, not errno: the codes differ between Unix and Windows.
        let full = io::Error::from(ErrorKind::StorageFull);
        assert!(advice(&full, "the cache").contains("is full"));
        let read_only = io::Error::from(ErrorKind::ReadOnlyFilesystem);
        assert!(advice(&read_only, "the trust state").contains("not writable"));
        let not_dir = io::Error::from(ErrorKind::NotADirectory);
        assert!(advice(&not_dir, "the cache").contains("must be folders"));
        for e in [full, read_only, not_dir] {
            assert!(!advice(&e, "x").contains("delete"), "{e}");
        }
    }
}
