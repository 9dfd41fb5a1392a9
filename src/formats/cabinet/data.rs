//! CFDATA blocks and the decoders that turn them back into the folder's bytes.
//!
//! A folder's blocks follow one another from the folder's coffCabStart. Each block is a CFDATA
//! header (csum u32, cbData u16, cbUncomp u16), cbCFData reserve bytes, then cbData bytes, which
//! decode to cbUncomp bytes (at most 32 KiB). The decoders keep state across the blocks of one
//! folder and are created anew for every folder:
//! * none: the block is the data;
//! * MSZIP: "CK" then a raw deflate stream ending in a final block; matches may reach into the
//!   previous block's output (the last 32 KiB), so that output is the next block's dictionary;
//! * LZX: one LZX frame of 32 KiB per block (the last may be shorter), with the window the folder
//!   names (2^15 to 2^21); msikit's own decoder, in [`super::lzx`];
//! * Quantum: one frame of 32 KiB per block, window 2^10 to 2^21; msikit's own decoder, in
//!   [`super::quantum`].

use flate2::{Decompress, FlushDecompress, Status};

use super::lzx::Lzx;
use super::quantum::Quantum;
use super::source::Source;
use super::{CabFolder, Compression};
use crate::error::{Defect, Error, Result};

/// Most bytes one block may decode to.
pub const BLOCK_MAX: usize = 32768;
/// Most compressed bytes in one block: LZX may grow a block by up to 6144 bytes (the limit
/// libmspack, and so cabextract, enforces).
const INPUT_MAX: usize = BLOCK_MAX + 6144;
const DATA_HEADER_LEN: usize = 8;

/// The CFDATA checksum (the csum field, computed the way cabextract checks it): the data is
/// XORed as little-endian 32-bit words; the 1 to 3 bytes left over are folded in with the first
/// of them highest; the result seeds the same sum over the 4 header bytes cbData and cbUncomp
/// (the per-block reserve is not summed).
pub(super) fn checksum(data: &[u8], seed: u32) -> u32 {
    let mut sum = seed;
    let mut words = data.chunks_exact(4);
    for w in &mut words {
        sum ^= u32::from_le_bytes([w[0], w[1], w[2], w[3]]);
    }
    let tail = words
        .remainder()
        .iter()
        .fold(0u32, |t, &b| (t << 8) | u32::from(b));
    sum ^ tail
}

/// The checksum a CFDATA with this header and data must carry.
pub(crate) fn block_checksum(sizes: [u8; 4], data: &[u8]) -> u32 {
    checksum(&sizes, checksum(data, 0))
}

/// One block as read: its number, where it starts, how long it says its output is, its data.
pub(super) struct Block<'a> {
    pub number: u16,
    pub offset: u64,
    pub uncompressed: usize,
    pub data: &'a [u8],
}

/// Reads the blocks of one folder in order, checking each header against the bytes there.
pub(super) struct Blocks<'a> {
    src: &'a Source,
    folder: usize,
    pos: u64,
    read: u16,
    count: u16,
    reserve: u64,
    buf: Vec<u8>,
    last_len: usize,
    allow_split: bool,
}

impl<'a> Blocks<'a> {
    pub(super) fn new(
        src: &'a Source,
        folder_index: usize,
        folder: &CabFolder,
        reserve: u8,
    ) -> Self {
        Blocks {
            src,
            folder: folder_index,
            pos: u64::from(folder.data_offset),
            read: 0,
            count: folder.data_blocks,
            reserve: u64::from(reserve),
            buf: vec![0u8; INPUT_MAX],
            last_len: 0,
            allow_split: false,
        }
    }

    /// How many blocks have been read.
    pub(crate) fn read_count(&self) -> u16 {
        self.read
    }

    /// Lets a block with an uncompressed size of 0 through (the first part of a block split
    /// across the cabinets of a set) instead of refusing it.
    pub(crate) fn allow_split(mut self) -> Self {
        self.allow_split = true;
        self
    }

    /// The next block, or `None` after the last one the folder counts.
    pub(crate) fn next_block(&mut self) -> Result<Option<Block<'_>>> {
        Ok(self.advance()?.map(|(number, offset, uncompressed)| Block {
            number,
            offset,
            uncompressed,
            data: &self.buf[..self.last_len],
        }))
    }

    /// Whether every block the folder counts has been read.
    pub(crate) fn is_done(&self) -> bool {
        self.read >= self.count
    }

    /// The data of the block [`advance`](Self::advance) read last.
    pub(super) fn data(&self) -> &[u8] {
        &self.buf[..self.last_len]
    }

    /// Reads the next block, giving its number, offset and uncompressed size (its data is then
    /// [`data`](Self::data)), or `None` after the last one the folder counts.
    pub(crate) fn advance(&mut self) -> Result<Option<(u16, u64, usize)>> {
        if self.read >= self.count {
            return Ok(None);
        }
        let number = self.read;
        let offset = self.pos;
        let place = |d: Defect, m: String| {
            Error::defect(
                d,
                format!(
                    "folder {}: data block {number} at offset {offset}: {m}",
                    self.folder
                ),
            )
        };
        let mut h = [0u8; DATA_HEADER_LEN];
        let n = self.src.read_at(offset, &mut h)?;
        if n < DATA_HEADER_LEN {
            return Err(place(
                Defect::Truncated,
                format!(
                    "the block header (8 bytes) is cut off: the cabinet ends at byte {}",
                    self.src.len()
                ),
            ));
        }
        let stored_sum = u32::from_le_bytes([h[0], h[1], h[2], h[3]]);
        let compressed = usize::from(u16::from_le_bytes([h[4], h[5]]));
        let uncompressed = usize::from(u16::from_le_bytes([h[6], h[7]]));
        if compressed > INPUT_MAX {
            return Err(place(
                Defect::Limit,
                format!(
                "it says it holds {compressed} compressed bytes; a block holds at most {INPUT_MAX}"
            ),
            ));
        }
        if uncompressed == 0 && !self.allow_split {
            return Err(place(
                Defect::Other,
                "its uncompressed size is 0, which marks a block split across cabinets; the rest \
                 of it is in the next cabinet, which is not given"
                    .to_string(),
            ));
        }
        if uncompressed > BLOCK_MAX {
            return Err(place(
                Defect::Limit,
                format!(
                "it says it decodes to {uncompressed} bytes; a block decodes to at most {BLOCK_MAX}"
            ),
            ));
        }
        let data_pos = offset + DATA_HEADER_LEN as u64 + self.reserve;
        let got = self.src.read_at(data_pos, &mut self.buf[..compressed])?;
        if got < compressed {
            return Err(place(
                Defect::Truncated,
                format!(
                "its {compressed} bytes of data at offset {data_pos} are cut off: the cabinet ends \
                 at byte {}",
                self.src.len()
            ),
            ));
        }
        let data = &self.buf[..compressed];
        if stored_sum != 0 {
            let sum = block_checksum([h[4], h[5], h[6], h[7]], data);
            if sum != stored_sum {
                return Err(place(
                    Defect::Checksum,
                    format!(
                        "checksum mismatch: the block says {stored_sum:#010x}, its bytes give \
                     {sum:#010x}"
                    ),
                ));
            }
        }
        self.read += 1;
        self.pos = data_pos + compressed as u64;
        self.last_len = compressed;
        Ok(Some((number, offset, uncompressed)))
    }
}

/// The decoder of one folder.
pub(super) enum Decoder {
    Stored,
    MsZip(Box<MsZip>),
    Lzx(Box<Lzx>),
    Quantum(Box<Quantum>),
}

impl Decoder {
    /// A fresh decoder for a folder's compression; the caller has refused the ones msikit does
    /// not decode.
    pub(super) fn new(compression: Compression) -> std::result::Result<Decoder, String> {
        Ok(match compression {
            Compression::None => Decoder::Stored,
            Compression::MsZip => Decoder::MsZip(Box::new(MsZip::new())),
            Compression::Lzx { window_bits } => Decoder::Lzx(Box::new(Lzx::new(window_bits)?)),
            Compression::Quantum { window_bits, .. } => {
                Decoder::Quantum(Box::new(Quantum::new(window_bits)?))
            }
            other => return Err(format!("{other} is not decoded by msikit")),
        })
    }

    /// Decodes one block to exactly `uncompressed` bytes, or says why it cannot.
    pub(super) fn decode<'s>(
        &'s mut self,
        data: &'s [u8],
        uncompressed: usize,
    ) -> std::result::Result<&'s [u8], String> {
        match self {
            Decoder::Stored => {
                if data.len() != uncompressed {
                    return Err(format!(
                        "an uncompressed block holds {} bytes but says it decodes to \
                         {uncompressed}",
                        data.len()
                    ));
                }
                Ok(data)
            }
            Decoder::MsZip(z) => z.decode(data, uncompressed),
            Decoder::Lzx(l) => l.decode(data, uncompressed),
            Decoder::Quantum(q) => q.decode(data, uncompressed),
        }
    }
}

/// Blocks of output an [`MsZip`] buffer holds besides the dictionary, so that the last 32 KiB
/// are moved to its front once every so many blocks rather than after each.
const MSZIP_SPAN: usize = 8;

/// How far back a deflate match may reach: the dictionary a block gets.
const DEFLATE_WINDOW: usize = 32768;

/// MSZIP: each block is "CK" and a deflate stream; the previous block's output is the dictionary.
///
/// Inflated by zlib-rs (through flate2): about a quarter faster than miniz_oxide on MSZIP (0.42 s
/// against 0.54 s for a 200 MB folder), which sets the pace of extracting a one-folder cabinet.
pub(super) struct MsZip {
    inflater: Decompress,
    /// Earlier output (at least the last 32 KiB of it, the dictionary) followed by room for the
    /// next block and one byte more, so a block that decodes too long is seen.
    buf: Vec<u8>,
    /// Bytes of `buf` in use: earlier output, the last block's last.
    filled: usize,
}

impl MsZip {
    fn new() -> Self {
        MsZip {
            // Raw deflate: no zlib header.
            inflater: Decompress::new(false),
            buf: vec![0u8; (MSZIP_SPAN + 1) * BLOCK_MAX + 1],
            filled: 0,
        }
    }

    fn decode(&mut self, data: &[u8], uncompressed: usize) -> std::result::Result<&[u8], String> {
        if self.filled + BLOCK_MAX + 1 > self.buf.len() {
            // Keep the last 32 KiB of output as the dictionary.
            let keep = self.filled.min(DEFLATE_WINDOW);
            self.buf.copy_within(self.filled - keep..self.filled, 0);
            self.filled = keep;
        }
        let start = self.filled;
        if data.len() < 2 || &data[..2] != b"CK" {
            return Err("an MSZIP block does not start with its signature 'CK'".into());
        }
        // Each block is a deflate stream of its own, whose matches may reach back into the
        // folder's earlier output (at most 32 KiB, all deflate can express; before the folder's
        // first byte is an error).
        self.inflater.reset(false);
        if start > 0 {
            self.inflater
                .set_dictionary(&self.buf[start.saturating_sub(DEFLATE_WINDOW)..start])
                .map_err(|e| format!("MSZIP: the dictionary is refused ({e})"))?;
        }
        // The output may not go past one block and one byte.
        let before = self.inflater.total_out();
        let status = self.inflater.decompress(
            &data[2..],
            &mut self.buf[start..start + BLOCK_MAX + 1],
            FlushDecompress::Finish,
        );
        // At most BLOCK_MAX + 1: the slice given.
        let n = (self.inflater.total_out() - before) as usize;
        match status {
            Ok(Status::StreamEnd) => {}
            Ok(Status::Ok | Status::BufError) if n > BLOCK_MAX => {
                return Err(format!(
                    "MSZIP data decodes to more than {BLOCK_MAX} bytes (the block says \
                     {uncompressed})"
                ))
            }
            Ok(Status::Ok | Status::BufError) => {
                return Err("MSZIP data ends before its last deflate block".into())
            }
            // zlib-rs 0.6 reports some errors found in its fast loop as "repeated call with bad
            // state" (the cause's message is overwritten): that says nothing to a reader.
            Err(e) if e.to_string().contains("bad state") => {
                return Err("MSZIP data is not valid deflate".into())
            }
            Err(e) => return Err(format!("MSZIP data is not valid deflate ({e})")),
        }
        if n != uncompressed {
            return Err(format!(
                "MSZIP data decodes to {n} bytes but the block says {uncompressed}"
            ));
        }
        self.filled = start + n;
        #[cfg(feature = "test-hooks")]
        planted_panic(&self.buf[start..start + n]);
        Ok(&self.buf[start..start + n])
    }
}

/// Test hook (cargo feature `test-hooks`, on only for msikit's own tests): an MSZIP block whose
/// output holds this marker panics, so that tests can show their no-panic checks fail on a
/// decoder panic. A release build has neither the marker nor the check.
#[cfg(feature = "test-hooks")]
pub const PLANTED_PANIC: &[u8] = b"msikit test hook: panic in the MSZIP decoder";

/// Panics when `out` holds [`PLANTED_PANIC`] (see there).
#[cfg(feature = "test-hooks")]
#[allow(clippy::panic)] // The panic is the hook's whole purpose; it exists only in test builds.
fn planted_panic(out: &[u8]) {
    if memchr::memmem::find(out, PLANTED_PANIC).is_some() {
        panic!("planted panic (test hook) in the MSZIP decoder");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checksum_folds_the_tail_first_byte_highest() {
        assert_eq!(checksum(&[1, 2, 3, 4], 0), 0x0403_0201);
        assert_eq!(
            checksum(&[1, 2, 3, 4, 5, 6, 7], 0),
            0x0403_0201 ^ 0x0005_0607
        );
        assert_eq!(checksum(&[9], 0x10), 0x19);
        assert_eq!(checksum(&[], 7), 7);
    }
}
