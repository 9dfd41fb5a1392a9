//! Binary delta headers: what a PatchAPI delta (`PA19`, mspatcha) says about the file it makes
//! and the old files it can be applied to, read without applying it.
//!
//! Layout (little-endian; as Wine's mspatcha documents it): `PA19`, u32 options, a second u32 of
//! options when bit 0x80000000 is set, a u32 timestamp when PATCH_OPTION_NO_TIMESTAMP
//! (0x00800000) is set (the bit's meaning is inverted in files), a UVLI rebase value unless
//! PATCH_OPTION_NO_REBASE (0x00040000), UVLI size of the new file, u32 CRC32 of the new file,
//! u8 count of old files; per old file: SVLI (old size − new size)... read as new + delta, u32
//! CRC32, u8 ignore-range count with (SVLI, UVLI) each, u8 retain-range count with (SVLI, SVLI,
//! UVLI) each, UVLI unknown count, UVLI interleave count (when 0x40000000 INTERLEAVE_FILES) with
//! 3n−1 UVLIs, UVLI compressed size.
//!
//! UVLI: 7 bits per byte, least significant first, the last byte has bit 7 set (at most 9
//! bytes). SVLI: the same, the first byte carrying 6 value bits and the sign in bit 6.
//!
//! An MSDelta delta (`PA30`) is recognised but its bit-packed header is not decoded.

use serde::Serialize;

use crate::error::{Error, Result};

/// One old file a delta can be applied to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DeltaSource {
    pub size: u64,
    pub crc32: u32,
}

/// What a PA19 header says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DeltaHeader {
    pub options: u32,
    pub timestamp: Option<u32>,
    /// The file the delta makes.
    pub new_size: u64,
    pub new_crc32: u32,
    /// The old files it accepts (a file whose size and CRC32 match none fails with 1328).
    pub sources: Vec<DeltaSource>,
}

struct Reader<'a> {
    b: &'a [u8],
    pos: usize,
}

impl Reader<'_> {
    fn err(&self, what: &str) -> Error {
        Error::malformed(format!("PA19 header: {what} at byte {}", self.pos))
    }
    fn u8(&mut self) -> Result<u8> {
        let v = *self.b.get(self.pos).ok_or_else(|| self.err("ends"))?;
        self.pos += 1;
        Ok(v)
    }
    fn u32(&mut self) -> Result<u32> {
        let s = self
            .b
            .get(self.pos..self.pos + 4)
            .ok_or_else(|| self.err("ends"))?;
        self.pos += 4;
        Ok(u32::from_le_bytes([s[0], s[1], s[2], s[3]]))
    }
    fn uvli(&mut self) -> Result<u64> {
        let mut n = 0u64;
        for i in 0..9 {
            let b = self.u8()?;
            n |= u64::from(b & 0x7F) << (7 * i);
            if b & 0x80 != 0 {
                return Ok(n);
            }
        }
        Err(self.err("a variable-length number longer than 9 bytes"))
    }
    fn svli(&mut self) -> Result<i64> {
        let first = self.u8()?;
        let negative = first & 0x40 != 0;
        let mut n = i64::from(first & 0x3F);
        let mut last = first;
        let mut i = 1;
        while last & 0x80 == 0 {
            if i >= 9 {
                return Err(self.err("a variable-length number longer than 9 bytes"));
            }
            last = self.u8()?;
            n |= i64::from(last & 0x7F) << (7 * i - 1);
            i += 1;
        }
        Ok(if negative { -n } else { n })
    }
}

const EXTRA_FLAGS: u32 = 0x8000_0000;
const NO_TIMESTAMP: u32 = 0x0080_0000;
const NO_REBASE: u32 = 0x0004_0000;
const INTERLEAVE_FILES: u32 = 0x4000_0000;

/// Reads the header of a PA19 delta. Counts are bounded by the bytes present.
pub(crate) fn read_pa19(bytes: &[u8]) -> Result<DeltaHeader> {
    let mut r = Reader { b: bytes, pos: 0 };
    if r.u32()? != u32::from_le_bytes(*b"PA19") {
        return Err(Error::malformed("not a PA19 delta"));
    }
    let options = r.u32()?;
    if options & EXTRA_FLAGS != 0 {
        r.u32()?;
    }
    let timestamp = if options & NO_TIMESTAMP != 0 {
        Some(r.u32()?)
    } else {
        None
    };
    if options & NO_REBASE == 0 {
        r.uvli()?;
    }
    let new_size = r.uvli()?;
    let new_crc32 = r.u32()?;
    let count = r.u8()?;
    if count == 0 {
        return Err(r.err("no old file"));
    }
    let mut sources = Vec::new();
    for _ in 0..count {
        let delta = r.svli()?;
        let size = i128::from(new_size) + i128::from(delta);
        let size = u64::try_from(size).map_err(|_| r.err("a negative old-file size"))?;
        let crc32 = r.u32()?;
        for _ in 0..r.u8()? {
            r.svli()?;
            r.uvli()?;
        }
        for _ in 0..r.u8()? {
            r.svli()?;
            r.svli()?;
            r.uvli()?;
        }
        r.uvli()?;
        if options & INTERLEAVE_FILES != 0 {
            let n = r.uvli()?;
            let values = n.checked_mul(3).and_then(|v| v.checked_sub(1)).unwrap_or(0);
            if values > bytes.len() as u64 {
                return Err(r.err("an interleave count past the end"));
            }
            for _ in 0..values {
                r.uvli()?;
            }
        }
        r.uvli()?;
        sources.push(DeltaSource { size, crc32 });
    }
    Ok(DeltaHeader {
        options,
        timestamp,
        new_size,
        new_crc32,
        sources,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn uvli(mut n: u64) -> Vec<u8> {
        let mut out = Vec::new();
        loop {
            let b = (n & 0x7F) as u8;
            n >>= 7;
            if n == 0 {
                out.push(b | 0x80);
                return out;
            }
            out.push(b);
        }
    }

    fn svli(v: i64) -> Vec<u8> {
        let (neg, mut n) = (v < 0, v.unsigned_abs());
        let mut first = (n & 0x3F) as u8 | if neg { 0x40 } else { 0 };
        n >>= 6;
        if n == 0 {
            return vec![first | 0x80];
        }
        let mut out = Vec::new();
        first &= 0x7F;
        out.push(first);
        out.extend(uvli(n));
        out
    }

    /// A header built from the documented layout: two old files, one ignore range, a
    /// timestamp, no rebase value.
    #[test]
    fn reads_sizes_and_crcs() {
        let mut h = b"PA19".to_vec();
        h.extend((NO_TIMESTAMP | NO_REBASE | 0x2).to_le_bytes());
        h.extend(0x5CBA_A5C5u32.to_le_bytes());
        h.extend(uvli(1023));
        h.extend(0xA345_96ECu32.to_le_bytes());
        h.push(2);
        // Old file 1: one byte shorter, one ignore range, no retain range.
        h.extend(svli(-1));
        h.extend(0x1111_2222u32.to_le_bytes());
        h.push(1);
        h.extend(svli(100));
        h.extend(uvli(8));
        h.push(0);
        h.extend(uvli(0));
        h.extend(uvli(300));
        // Old file 2: 200 bytes longer, one retain range.
        h.extend(svli(200));
        h.extend(0x3333_4444u32.to_le_bytes());
        h.push(0);
        h.push(1);
        h.extend(svli(10));
        h.extend(svli(-5));
        h.extend(uvli(64));
        h.extend(uvli(0));
        h.extend(uvli(120));
        let d = read_pa19(&h).unwrap();
        assert_eq!(d.timestamp, Some(0x5CBA_A5C5));
        assert_eq!(d.new_size, 1023);
        assert_eq!(d.new_crc32, 0xA345_96EC);
        assert_eq!(
            d.sources,
            vec![
                DeltaSource {
                    size: 1022,
                    crc32: 0x1111_2222
                },
                DeltaSource {
                    size: 1223,
                    crc32: 0x3333_4444
                }
            ]
        );
        // Cut anywhere, it is an error, not a panic.
        for cut in 0..h.len() {
            assert!(read_pa19(&h[..cut]).is_err(), "cut at {cut}");
        }
        assert!(read_pa19(b"PA30....").is_err());
    }

    #[test]
    fn variable_length_numbers() {
        for v in [0u64, 1, 127, 128, 1023, 1 << 40] {
            let b = uvli(v);
            assert_eq!(Reader { b: &b, pos: 0 }.uvli().unwrap(), v);
        }
        for v in [0i64, 1, -1, 63, -63, 64, -64, 100_000, -100_000] {
            let b = svli(v);
            assert_eq!(Reader { b: &b, pos: 0 }.svli().unwrap(), v, "{v}");
        }
        // Ten continuation bytes: too long.
        assert!(Reader {
            b: &[0u8; 10],
            pos: 0
        }
        .uvli()
        .is_err());
    }
}
