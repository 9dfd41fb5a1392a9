//! The bytes under a cabinet: a buffer (a `.cab` read whole, a stream of an MSI or MSP), a file
//! on disk, or a stream of a compound file on disk, the last two read at need through a window
//! of read-ahead. Every read is checked against what is there.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use crate::error::{Error, Result};

/// Bytes read at once from a file or stream: the data blocks of a folder are read front to back,
/// so one read serves some 15 to 30 blocks.
const WINDOW: usize = 256 * 1024;

pub(crate) enum Source {
    /// A buffer; the cabinet starts at `base` (non-zero for one found by a search).
    Memory { bytes: Arc<Vec<u8>>, base: usize },
    /// A file, or a stream of a compound file, read at need; the mutex gives `&self` reads the
    /// seek they need.
    Reader { reader: Mutex<Windowed>, len: u64 },
}

/// What a [`Source::Reader`] reads from.
pub(crate) enum Input {
    File(File),
    /// The stream at `path` in a compound file (an MSI, MSM or MSP on disk). A `cfb::Stream`
    /// cannot move between threads, so the stream is opened again for every window read.
    Compound {
        cfb: Box<cfb::CompoundFile<File>>,
        path: PathBuf,
    },
}

/// An [`Input`] with the last window of bytes read from it.
pub(crate) struct Windowed {
    input: Input,
    /// Where the cabinet starts in the input (non-zero for one found inside a file).
    base: u64,
    /// Where `window` starts.
    start: u64,
    window: Vec<u8>,
}

impl Windowed {
    pub(super) fn new(input: Input, base: u64) -> Self {
        Windowed {
            input,
            base,
            start: 0,
            window: Vec::new(),
        }
    }

    /// Reads exactly `buf.len()` bytes at `pos` from the input (the caller has checked that they
    /// are there).
    fn read_input(&mut self, pos: u64, buf: &mut [u8]) -> std::io::Result<()> {
        let pos = pos + self.base;
        match &mut self.input {
            Input::File(f) => {
                f.seek(SeekFrom::Start(pos))?;
                f.read_exact(buf)
            }
            Input::Compound { cfb, path } => {
                let mut s = cfb.open_stream(&*path)?;
                s.seek(SeekFrom::Start(pos))?;
                s.read_exact(buf)
            }
        }
    }

    /// Fills `buf` from `pos`, which the caller has checked lies within `len`, through the
    /// window.
    fn read(&mut self, pos: u64, buf: &mut [u8], len: u64) -> std::io::Result<()> {
        let n = buf.len();
        if n > WINDOW {
            return self.read_input(pos, buf);
        }
        let end = self.start + self.window.len() as u64;
        if pos < self.start || pos + n as u64 > end {
            // `len - pos >= n`, and the window is at most WINDOW bytes, so this fits usize.
            let want = (len - pos).min(WINDOW as u64) as usize;
            let mut window = std::mem::take(&mut self.window);
            window.resize(want, 0);
            self.start = pos;
            let read = self.read_input(pos, &mut window);
            if read.is_err() {
                window.clear();
            }
            self.window = window;
            read?;
        }
        let at = (pos - self.start) as usize;
        buf.copy_from_slice(&self.window[at..at + n]);
        Ok(())
    }
}

impl Source {
    /// A file or stream of `len` bytes.
    pub(super) fn reader(input: Input, len: u64) -> Source {
        Self::reader_at(input, 0, len)
    }

    /// The bytes of a file or stream from `base` on, `len` of them.
    pub(super) fn reader_at(input: Input, base: u64, len: u64) -> Source {
        Source::Reader {
            reader: Mutex::new(Windowed::new(input, base)),
            len,
        }
    }

    /// How many bytes there are from the start of the cabinet to the end of the input.
    pub(super) fn len(&self) -> u64 {
        match self {
            Source::Memory { bytes, base } => bytes.len().saturating_sub(*base) as u64,
            Source::Reader { len, .. } => *len,
        }
    }

    /// Reads up to `buf.len()` bytes at `pos` (counted from the start of the cabinet); fewer only
    /// when the input ends first.
    pub(crate) fn read_at(&self, pos: u64, buf: &mut [u8]) -> Result<usize> {
        let avail = self.len().saturating_sub(pos);
        let n = (buf.len() as u64).min(avail) as usize;
        if n == 0 {
            return Ok(0);
        }
        match self {
            Source::Memory { bytes, base } => {
                // `pos + n <= len`, so this fits the buffer (and usize).
                let start = *base + pos as usize;
                buf[..n].copy_from_slice(&bytes[start..start + n]);
            }
            Source::Reader { reader, len } => {
                let mut r = reader.lock().unwrap_or_else(|e| e.into_inner());
                r.read(pos, &mut buf[..n], *len)?;
            }
        }
        Ok(n)
    }

    /// Reads exactly `buf.len()` bytes at `pos`, or says what was cut short and where.
    pub(crate) fn read_exact_at(
        &self,
        pos: u64,
        buf: &mut [u8],
        what: &dyn Fn() -> String,
    ) -> Result<()> {
        let n = self.read_at(pos, buf)?;
        if n < buf.len() {
            return Err(Error::truncated(format!(
                "{} at offset {pos} needs {} bytes, but the cabinet ends at byte {}",
                what(),
                buf.len(),
                self.len()
            )));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_through_the_window_match_the_file() {
        let bytes: Vec<u8> = (0..3 * WINDOW as u32 + 12345)
            .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
            .collect();
        let path = std::env::temp_dir().join(format!("msikit-window-{}", std::process::id()));
        std::fs::write(&path, &bytes).unwrap();
        let src = Source::reader(Input::File(File::open(&path).unwrap()), bytes.len() as u64);
        let len = bytes.len();
        // Forward, backward, across window edges, larger than the window, past the end.
        for (pos, n) in [
            (0, 8),
            (8, 100),
            (WINDOW - 4, 8),
            (10, 20),
            (WINDOW + 1, WINDOW + 7),
            (len - 5, 5),
            (len - 5, 50),
            (len, 4),
            (len + 10, 4),
            (0, len + 1),
        ] {
            let mut buf = vec![0u8; n];
            let got = src.read_at(pos as u64, &mut buf).unwrap();
            let want = &bytes[pos.min(len)..(pos + n).min(len)];
            assert_eq!(got, want.len(), "at {pos}, {n} bytes");
            assert!(buf[..got] == *want, "at {pos}, {n} bytes");
        }
        let _ = std::fs::remove_file(&path);
    }
}
