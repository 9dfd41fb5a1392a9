//! The bytes under a cabinet: a buffer (a `.cab` read whole, a stream of an MSI or MSP) or a file
//! on disk read block by block. Every read is checked against what is there.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::sync::{Arc, Mutex};

use crate::error::{Error, Result};

pub(crate) enum Source {
    /// A buffer; the cabinet starts at `base` (non-zero for one found by a search).
    Memory { bytes: Arc<Vec<u8>>, base: usize },
    /// A file, read at need; the mutex gives `&self` reads the seek they need.
    File { file: Mutex<File>, len: u64 },
}

impl Source {
    /// How many bytes there are from the start of the cabinet to the end of the input.
    pub fn len(&self) -> u64 {
        match self {
            Source::Memory { bytes, base } => bytes.len().saturating_sub(*base) as u64,
            Source::File { len, .. } => *len,
        }
    }

    /// Reads up to `buf.len()` bytes at `pos` (counted from the start of the cabinet); fewer only
    /// when the input ends first.
    pub fn read_at(&self, pos: u64, buf: &mut [u8]) -> Result<usize> {
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
            Source::File { file, .. } => {
                let mut f = file.lock().unwrap_or_else(|e| e.into_inner());
                f.seek(SeekFrom::Start(pos))?;
                f.read_exact(&mut buf[..n])?;
            }
        }
        Ok(n)
    }

    /// Reads exactly `buf.len()` bytes at `pos`, or says what was cut short and where.
    pub fn read_exact_at(&self, pos: u64, buf: &mut [u8], what: &dyn Fn() -> String) -> Result<()> {
        let n = self.read_at(pos, buf)?;
        if n < buf.len() {
            return Err(Error::malformed(format!(
                "{} at offset {pos} needs {} bytes, but the cabinet ends at byte {}",
                what(),
                buf.len(),
                self.len()
            )));
        }
        Ok(())
    }
}
