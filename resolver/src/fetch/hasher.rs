//! sha256 on a thread of its own, fed the buffers a download writes.
//!
//! One sha256 pass runs at about 1 GB/s even with the CPU's SHA
//! instructions (which `sha2` detects at run time), as fast as a loopback
//! socket delivers: hashing in the loop that reads the socket and writes
//! the file would halve a big download's speed. So the reading loop hands
//! each filled buffer to this thread and takes back one it has hashed
//! (README "Benchmarks"). At most [`BUFFERS`] buffers of [`BUF_SIZE`]
//! exist, so memory stays bounded whatever the artifact's size.

use std::sync::mpsc::{Receiver, Sender, SyncSender, channel, sync_channel};
use std::thread::JoinHandle;

use plugres_schema::Sha256;
use sha2::Digest;

/// Bytes per buffer: what one read of ureq's 128 KiB input buffer can give.
pub(crate) const BUF_SIZE: usize = 128 * 1024;
/// Buffers in flight, filling or hashing: 1 MiB in all.
const BUFFERS: usize = 8;

/// A sha256 computed by a helper thread over the buffers given to it in order.
pub(crate) struct HashThread {
    to_hash: Option<SyncSender<(Vec<u8>, usize)>>,
    hashed: Receiver<Vec<u8>>,
    handle: Option<JoinHandle<sha2::Sha256>>,
    /// Buffers handed out and given back unfilled.
    spare: Vec<Vec<u8>>,
    made: usize,
    len: u64,
}

impl HashThread {
    /// Starts the thread; `Err` when the OS cannot start one.
    pub(crate) fn start() -> std::io::Result<HashThread> {
        let (to_hash, work) = sync_channel::<(Vec<u8>, usize)>(BUFFERS);
        let (done, hashed): (Sender<Vec<u8>>, _) = channel();
        let handle = std::thread::Builder::new()
            .name("plugres-sha256".into())
            .spawn(move || {
                let mut hasher = sha2::Sha256::new();
                for (buf, n) in work {
                    hasher.update(&buf[..n]);
                    // The reader may have stopped early: nobody to give it back to.
                    let _ = done.send(buf);
                }
                hasher
            })?;
        Ok(HashThread {
            to_hash: Some(to_hash),
            hashed,
            handle: Some(handle),
            spare: Vec::new(),
            made: 0,
            len: 0,
        })
    }

    /// An empty buffer of [`BUF_SIZE`] bytes to fill: a new one while fewer
    /// than [`BUFFERS`] exist, else the next one the thread is done with.
    pub(crate) fn buffer(&mut self) -> Vec<u8> {
        if let Some(buf) = self.spare.pop() {
            return buf;
        }
        if let Ok(buf) = self.hashed.try_recv() {
            return buf;
        }
        if self.made < BUFFERS {
            self.made += 1;
            return vec![0; BUF_SIZE];
        }
        // The thread only ends once `to_hash` is dropped, and every buffer
        // it gets comes back; a panic there shows as a fresh buffer here and
        // as a panic in `finish`.
        self.hashed.recv().unwrap_or_else(|_| vec![0; BUF_SIZE])
    }

    /// Hashes the first `n` bytes of `buf` (after all given before).
    pub(crate) fn update(&mut self, buf: Vec<u8>, n: usize) {
        self.len += n as u64;
        if let Some(tx) = &self.to_hash {
            let _ = tx.send((buf, n));
        }
    }

    /// Returns a buffer from [`Self::buffer`] that was not filled after all
    /// (every buffer must come back, through here or [`Self::update`]).
    pub(crate) fn put_back(&mut self, buf: Vec<u8>) {
        self.spare.push(buf);
    }

    /// Bytes given so far.
    pub(crate) fn len(&self) -> u64 {
        self.len
    }

    /// Waits for the thread; the sha256 and length of everything given.
    pub(crate) fn finish(mut self) -> (Sha256, u64) {
        drop(self.to_hash.take());
        let hasher = match self.handle.take().map(JoinHandle::join) {
            Some(Ok(hasher)) => hasher,
            Some(Err(panic)) => std::panic::resume_unwind(panic),
            None => sha2::Sha256::new(),
        };
        (Sha256::from_bytes(hasher.finalize().into()), self.len)
    }
}

impl Drop for HashThread {
    fn drop(&mut self) {
        // Ends the thread's loop; it exits on its own (not joined: an
        // abandoned download need not wait for its last buffers).
        drop(self.to_hash.take());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_buffers_in_order_with_bounded_buffers() {
        let data: Vec<u8> = (0..3_000_000u32).map(|i| (i % 251) as u8).collect();
        let mut h = HashThread::start().unwrap();
        for chunk in data.chunks(100_000) {
            let mut buf = h.buffer();
            buf[..chunk.len()].copy_from_slice(chunk);
            h.update(buf, chunk.len());
        }
        assert!(h.made <= BUFFERS);
        assert_eq!(h.len(), data.len() as u64);
        assert_eq!(h.finish(), (Sha256::of(&data), data.len() as u64));
        let empty = HashThread::start().unwrap();
        assert_eq!(empty.finish(), (Sha256::of(b""), 0));
    }
}
