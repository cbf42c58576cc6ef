//! Streaming an artifact while checking it against its declared size and
//! sha256: shared by `validate --check-artifacts` (which discards the bytes)
//! and `mirror-artifacts` (which keeps them).

use std::io::{Read, Write};

use plugres_schema::Sha256;

/// Copies `r` to `w`, failing as soon as more than `size` bytes arrive (an
/// endless or oversized download stops there), and at the end unless size
/// and sha256 match. `what` names the source in messages.
pub fn copy_checked(
    r: impl Read,
    mut w: impl Write,
    what: &str,
    size: u64,
    sha256: &Sha256,
) -> Result<(), String> {
    let mut r = plugres_fs::HashingReader::new(r);
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = r
            .read(&mut buf)
            .map_err(|e| format!("reading `{what}` failed: {e}"))?;
        if n == 0 {
            break;
        }
        if r.len() > size {
            return Err(format!("`{what}` is larger than the declared {size} bytes"));
        }
        w.write_all(&buf[..n])
            .map_err(|e| format!("writing `{what}` failed: {e}"))?;
    }
    let (got, got_size) = r.finish();
    if got_size != size {
        return Err(format!(
            "`{what}` is {got_size} bytes, but {size} are declared"
        ));
    }
    if &got != sha256 {
        return Err(format!(
            "`{what}` has sha256 {got}, but the index declares {sha256}"
        ));
    }
    Ok(())
}
