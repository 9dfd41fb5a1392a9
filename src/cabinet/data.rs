//! CFDATA blocks and the decoders that turn them back into the folder's bytes.
//!
//! A folder's blocks follow one another from the folder's coffCabStart. Each block is a CFDATA
//! header (csum u32, cbData u16, cbUncomp u16), cbCFData reserve bytes, then cbData bytes, which
//! decode to cbUncomp bytes (at most 32 KiB). The decoders keep state across the blocks of one
//! folder and are created anew for every folder:
//! * none: the block is the data;
//! * MSZIP: "CK" then a raw deflate stream ending in a final block; matches may reach into the
//!   previous block's output (the last 32 KiB), so that output is the next block's dictionary;
//! * LZX: one LZX frame of 32 KiB per block (the last may be shorter), decoded by `lzxd` with the
//!   window the folder names (2^15 to 2^21); the E8 call translation is undone here (see [`Lzx`]).

use flate2::{Decompress, FlushDecompress, Status};

use super::source::Source;
use super::{CabFolder, Compression};
use crate::error::{Error, Result};

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
pub fn checksum(data: &[u8], seed: u32) -> u32 {
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
pub fn block_checksum(sizes: [u8; 4], data: &[u8]) -> u32 {
    checksum(&sizes, checksum(data, 0))
}

/// One block as read: its number, where it starts, how long it says its output is, its data.
pub struct Block<'a> {
    pub number: u16,
    pub offset: u64,
    pub uncompressed: usize,
    pub data: &'a [u8],
}

/// Reads the blocks of one folder in order, checking each header against the bytes there.
pub struct Blocks<'a> {
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
    pub fn new(src: &'a Source, folder_index: usize, folder: &CabFolder, reserve: u8) -> Self {
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
    pub fn read_count(&self) -> u16 {
        self.read
    }

    /// Lets a block with an uncompressed size of 0 through (the first part of a block split
    /// across the cabinets of a set) instead of refusing it.
    pub fn allow_split(mut self) -> Self {
        self.allow_split = true;
        self
    }

    /// The next block, or `None` after the last one the folder counts.
    pub fn next_block(&mut self) -> Result<Option<Block<'_>>> {
        Ok(self.advance()?.map(|(number, offset, uncompressed)| Block {
            number,
            offset,
            uncompressed,
            data: &self.buf[..self.last_len],
        }))
    }

    /// Whether every block the folder counts has been read.
    pub fn is_done(&self) -> bool {
        self.read >= self.count
    }

    /// The data of the block [`advance`](Self::advance) read last.
    pub fn data(&self) -> &[u8] {
        &self.buf[..self.last_len]
    }

    /// Reads the next block, giving its number, offset and uncompressed size (its data is then
    /// [`data`](Self::data)), or `None` after the last one the folder counts.
    pub fn advance(&mut self) -> Result<Option<(u16, u64, usize)>> {
        if self.read >= self.count {
            return Ok(None);
        }
        let number = self.read;
        let offset = self.pos;
        let place = |m: String| {
            Error::malformed(format!(
                "folder {}: data block {number} at offset {offset}: {m}",
                self.folder
            ))
        };
        let mut h = [0u8; DATA_HEADER_LEN];
        let n = self.src.read_at(offset, &mut h)?;
        if n < DATA_HEADER_LEN {
            return Err(place(format!(
                "the block header (8 bytes) is cut off: the cabinet ends at byte {}",
                self.src.len()
            )));
        }
        let stored_sum = u32::from_le_bytes([h[0], h[1], h[2], h[3]]);
        let compressed = usize::from(u16::from_le_bytes([h[4], h[5]]));
        let uncompressed = usize::from(u16::from_le_bytes([h[6], h[7]]));
        if compressed > INPUT_MAX {
            return Err(place(format!(
                "it says it holds {compressed} compressed bytes; a block holds at most {INPUT_MAX}"
            )));
        }
        if uncompressed == 0 && !self.allow_split {
            return Err(place(
                "its uncompressed size is 0, which marks a block split across cabinets; the rest \
                 of it is in the next cabinet, which is not given"
                    .to_string(),
            ));
        }
        if uncompressed > BLOCK_MAX {
            return Err(place(format!(
                "it says it decodes to {uncompressed} bytes; a block decodes to at most {BLOCK_MAX}"
            )));
        }
        let data_pos = offset + DATA_HEADER_LEN as u64 + self.reserve;
        let got = self.src.read_at(data_pos, &mut self.buf[..compressed])?;
        if got < compressed {
            return Err(place(format!(
                "its {compressed} bytes of data at offset {data_pos} are cut off: the cabinet ends \
                 at byte {}",
                self.src.len()
            )));
        }
        let data = &self.buf[..compressed];
        if stored_sum != 0 {
            let sum = block_checksum([h[4], h[5], h[6], h[7]], data);
            if sum != stored_sum {
                return Err(place(format!(
                    "checksum mismatch: the block says {stored_sum:#010x}, its bytes give \
                     {sum:#010x}"
                )));
            }
        }
        self.read += 1;
        self.pos = data_pos + compressed as u64;
        self.last_len = compressed;
        Ok(Some((number, offset, uncompressed)))
    }
}

/// The decoder of one folder.
pub enum Decoder {
    Stored,
    MsZip(Box<MsZip>),
    Lzx(Box<Lzx>),
}

impl Decoder {
    /// A fresh decoder for a folder's compression; the caller has refused the ones msikit does
    /// not decode.
    pub fn new(compression: Compression) -> std::result::Result<Decoder, String> {
        Ok(match compression {
            Compression::None => Decoder::Stored,
            Compression::MsZip => Decoder::MsZip(Box::new(MsZip::new())),
            Compression::Lzx { window_bits } => {
                let w = match window_bits {
                    15 => lzxd::WindowSize::KB32,
                    16 => lzxd::WindowSize::KB64,
                    17 => lzxd::WindowSize::KB128,
                    18 => lzxd::WindowSize::KB256,
                    19 => lzxd::WindowSize::KB512,
                    20 => lzxd::WindowSize::MB1,
                    21 => lzxd::WindowSize::MB2,
                    b => return Err(format!("LZX window 2^{b} is not one of 2^15 to 2^21")),
                };
                Decoder::Lzx(Box::new(Lzx::new(w)))
            }
            other => return Err(format!("{other} is not decoded by msikit")),
        })
    }

    /// Decodes one block to exactly `uncompressed` bytes, or says why it cannot.
    pub fn decode<'s>(
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
        }
    }
}

/// Runs `f`, turning a panic into `Err`. The `FnOnce` bound lets `f` hand out a borrow it was
/// given.
fn catch_panic<R>(f: impl FnOnce() -> R) -> std::thread::Result<R> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f))
}

/// E8 translation stops after this many bytes of output: 1 GiB (libmspack stops after 32768
/// frames of 32 KiB; lzxd at the same offset).
const E8_LIMIT: u64 = 0x4000_0000;

/// LZX: `lzxd` decodes the frames; msikit does the E8 call translation itself.
///
/// lzxd translates an E8 operand of 0 as if it were negative (adding the translation size),
/// where the LZX format, cabextract and 7-Zip subtract the position: files with such an
/// operand come out wrong (libarchive's `test_read_format_cab_lzx_e8.cab`). So the stream header
/// is taken out of the first frame before lzxd sees it (its first bit says whether E8
/// translation is on, and the next 32 give the translation size) and the output is translated
/// here.
pub struct Lzx {
    lzxd: lzxd::Lzxd,
    started: bool,
    /// The translation size, when E8 translation is on.
    e8: Option<i32>,
    /// Output so far, in bytes.
    position: u64,
    out: Vec<u8>,
}

impl Lzx {
    fn new(window: lzxd::WindowSize) -> Self {
        Lzx {
            lzxd: lzxd::Lzxd::new(window),
            started: false,
            e8: None,
            position: 0,
            out: vec![0u8; BLOCK_MAX],
        }
    }

    fn decode(&mut self, data: &[u8], uncompressed: usize) -> std::result::Result<&[u8], String> {
        let mut first: Vec<u8> = Vec::new();
        let mut input = data;
        if !self.started {
            self.started = true;
            // The bitstream is 16-bit little-endian words read from their top bit down.
            if data.len() >= 2 && data[1] & 0x80 != 0 {
                let Some(w) = data.get(..6) else {
                    return Err("the LZX stream header is cut off".into());
                };
                let word = |i: usize| u32::from(u16::from_le_bytes([w[2 * i], w[2 * i + 1]]));
                let size = ((word(0) & 0x7FFF) << 17) | (word(1) << 1) | (word(2) >> 15);
                self.e8 = Some(size as i32);
                // Drop the 32 bits of size and clear the flag: the first word becomes the third
                // without its top bit, and every later bit keeps its place within its word.
                first.extend_from_slice(&(word(2) as u16 & 0x7FFF).to_le_bytes());
                first.extend_from_slice(&data[6..]);
                input = &first;
            }
        }
        let lzxd = &mut self.lzxd;
        // lzxd has not panicked in fuzzing, but a panic inside it must still become an error
        // here: a cabinet is untrusted input.
        let out = match catch_panic(move || lzxd.decompress_next(input, uncompressed)) {
            Ok(Ok(out)) if out.len() == uncompressed => out,
            Ok(Ok(out)) => {
                return Err(format!(
                    "LZX data decodes to {} bytes but the block says {uncompressed}",
                    out.len()
                ))
            }
            Ok(Err(e)) => return Err(format!("LZX data is invalid: {e}")),
            Err(_) => return Err("LZX data is invalid (the decoder gave up)".into()),
        };
        let at = self.position;
        self.position += out.len() as u64;
        match self.e8 {
            Some(size) if at < E8_LIMIT && out.len() > 10 => {
                let buf = &mut self.out[..out.len()];
                buf.copy_from_slice(out);
                e8_translate(buf, at as i32, size);
                Ok(buf)
            }
            _ => Ok(out),
        }
    }
}

/// Undoes the E8 call translation on one frame that starts at output position `at`: each 0xE8
/// byte more than 10 bytes before the end is followed by a 32-bit operand; an operand `a` with
/// `-position <= a < size` was made absolute by the compressor and is made relative again
/// (`a - position` when `a >= 0`, else `a + size`). The 4 operand bytes are skipped either way.
fn e8_translate(buf: &mut [u8], at: i32, size: i32) {
    let end = buf.len() - 10;
    let mut i = 0;
    while i < end {
        // Most bytes are not 0xE8: memchr skips them many at a time.
        match memchr::memchr(0xE8, &buf[i..end]) {
            Some(k) => i += k,
            None => break,
        }
        let pos = at.wrapping_add(i as i32);
        let abs = i32::from_le_bytes([buf[i + 1], buf[i + 2], buf[i + 3], buf[i + 4]]);
        if abs >= pos.wrapping_neg() && abs < size {
            let rel = if abs >= 0 {
                abs.wrapping_sub(pos)
            } else {
                abs.wrapping_add(size)
            };
            buf[i + 1..i + 5].copy_from_slice(&rel.to_le_bytes());
        }
        i += 5;
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
pub struct MsZip {
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
            Err(e) => return Err(format!("MSZIP data is not valid deflate ({e})")),
        }
        if n != uncompressed {
            return Err(format!(
                "MSZIP data decodes to {n} bytes but the block says {uncompressed}"
            ));
        }
        self.filled = start + n;
        Ok(&self.buf[start..start + n])
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

    fn frame(operand: i32) -> Vec<u8> {
        let mut f = vec![0xE8];
        f.extend_from_slice(&operand.to_le_bytes());
        f.extend_from_slice(&[0u8; 11]);
        f
    }

    fn operand(f: &[u8]) -> i32 {
        i32::from_le_bytes([f[1], f[2], f[3], f[4]])
    }

    #[test]
    fn e8_translation_follows_the_format() {
        let size = 1_000_000;
        for (at, abs, want) in [
            (0, 0, 0), // lzxd gives `size` here
            (100, 0, -100),
            (100, 50, -50),
            (100, -10, size - 10),
            (100, -101, -101), // below -position: left alone
            (100, size, size), // not below the size: left alone
        ] {
            let mut f = frame(abs);
            e8_translate(&mut f, at, size);
            assert_eq!(operand(&f), want, "at {at}, operand {abs}");
        }
        // The last 10 bytes of a frame are never translated, and operand bytes are skipped.
        let mut f = vec![0u8; 6];
        f.extend_from_slice(&frame(5)[..5]);
        f.extend_from_slice(&[0u8; 5]);
        let before = f.clone();
        e8_translate(&mut f, 0, size);
        assert_eq!(f, before);
        let mut f = frame(0xE8);
        f[1] = 0xE8;
        e8_translate(&mut f, 10, size);
        assert_eq!(operand(&f), 0xE8 - 10);
    }
}
