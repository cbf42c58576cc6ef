//! sha256 of a stream, computed as it is read: artifacts are hashed while
//! they are copied, never loaded whole.

use std::io::{self, Read};
use std::path::Path;

use plugres_schema::Sha256;
use sha2::Digest;

/// A reader that hashes and counts every byte read through it.
pub struct HashingReader<R> {
    inner: R,
    hasher: sha2::Sha256,
    len: u64,
}

impl<R: Read> HashingReader<R> {
    pub fn new(inner: R) -> Self {
        HashingReader {
            inner,
            hasher: sha2::Sha256::new(),
            len: 0,
        }
    }

    /// Bytes read so far.
    pub fn len(&self) -> u64 {
        self.len
    }

    /// Whether nothing was read yet.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The sha256 and length of everything read.
    pub fn finish(self) -> (Sha256, u64) {
        (Sha256::from_bytes(self.hasher.finalize().into()), self.len)
    }
}

impl<R: Read> Read for HashingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hasher.update(&buf[..n]);
        self.len += n as u64;
        Ok(n)
    }
}

/// The sha256 and size of the file at `path`, read in chunks.
pub fn sha256_of_file(path: &Path) -> io::Result<(Sha256, u64)> {
    let mut reader = HashingReader::new(std::fs::File::open(path)?);
    io::copy(&mut reader, &mut io::sink())?;
    Ok(reader.finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_what_streams_by() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        let bytes = vec![7u8; 200_000];
        std::fs::write(&path, &bytes).unwrap();
        assert_eq!(
            sha256_of_file(&path).unwrap(),
            (Sha256::of(&bytes), 200_000)
        );
        let mut r = HashingReader::new(&bytes[..10]);
        assert!(r.is_empty());
        let mut out = Vec::new();
        r.read_to_end(&mut out).unwrap();
        assert_eq!(r.len(), 10);
        assert_eq!(r.finish().0, Sha256::of(&bytes[..10]));
    }
}
