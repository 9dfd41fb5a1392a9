//! A small writer for OLE property sets, the format of `\x05SummaryInformation`
//! (docs: /work/shared/docs/formats.md section 2.1).
//!
//! The `msi` crate has its own, but it is private and only sets the properties its accessors know,
//! in the shapes an installation database uses. Patch and transform summaries need other shapes
//! (PID 7 as a list of ProductCodes, PID 9 as several GUIDs run together), so the testdata builder
//! writes those streams with this.
//!
//! Layout (all little-endian):
//!
//! ```text
//! header   u16 0xFFFE byte order, u16 0 format, u32 OS version, [16] CLSID (zero),
//!          u32 1 section
//! entry    [16] FMTID_SummaryInformation, u32 offset of the section (48)
//! section  u32 size, u32 property count, count × (u32 PID, u32 offset from section start),
//!          then the values, each starting on a 4-byte boundary:
//!            VT_I2 (2)        i16 + 2 bytes padding
//!            VT_I4 (3)        i32
//!            VT_LPSTR (30)    u32 length including the NUL, the bytes, NUL, padding to 4
//!            VT_FILETIME (64) u64: 100 ns units since 1601-01-01
//! ```

use std::collections::BTreeMap;
use std::time::{SystemTime, UNIX_EPOCH};

/// FMTID_SummaryInformation, {F29F85E0-4FF9-1068-AB91-08002B27B3D9}, in its on-disk byte order.
const FMTID_SUMMARY_INFORMATION: [u8; 16] = [
    0xe0, 0x85, 0x9f, 0xf2, 0xf9, 0x4f, 0x68, 0x10, 0xab, 0x91, 0x08, 0x00, 0x2b, 0x27, 0xb3, 0xd9,
];

/// OS kind 2 (Win32) in the high word, version 10.0 in the low word.
const OS_VERSION: u32 = 0x0002_000A;

const VT_I2: u32 = 2;
const VT_I4: u32 = 3;
const VT_LPSTR: u32 = 30;
const VT_FILETIME: u32 = 64;

/// Summary-information property IDs used here.
pub mod pid {
    pub const CODEPAGE: u32 = 1;
    pub const TITLE: u32 = 2;
    pub const SUBJECT: u32 = 3;
    pub const AUTHOR: u32 = 4;
    pub const KEYWORDS: u32 = 5;
    pub const COMMENTS: u32 = 6;
    pub const TEMPLATE: u32 = 7;
    pub const LAST_SAVED_BY: u32 = 8;
    pub const REVISION_NUMBER: u32 = 9;
    pub const CREATE_TIME: u32 = 12;
    pub const LAST_SAVE_TIME: u32 = 13;
    pub const PAGE_COUNT: u32 = 14;
    pub const WORD_COUNT: u32 = 15;
    pub const CHARACTER_COUNT: u32 = 16;
    pub const CREATING_APPLICATION: u32 = 18;
    pub const SECURITY: u32 = 19;
}

enum Value {
    I2(i16),
    I4(i32),
    /// Already encoded in the set's code page, without the NUL.
    Lpstr(Vec<u8>),
    FileTime(u64),
}

/// A summary-information property set under construction. Strings are stored in Windows-1252
/// (the only code page the testdata uses); PID 1 (code page) is always written.
pub struct SummaryBuilder {
    props: BTreeMap<u32, Value>,
}

impl SummaryBuilder {
    /// An empty set whose strings are Windows-1252 (PID 1 = 1252).
    pub fn new_cp1252() -> Self {
        let mut props = BTreeMap::new();
        props.insert(pid::CODEPAGE, Value::I2(1252));
        SummaryBuilder { props }
    }

    /// Sets a VT_LPSTR property. Fails on a character Windows-1252 cannot hold.
    pub fn string(&mut self, pid: u32, s: &str) -> Result<&mut Self, String> {
        let bytes = encode_cp1252(s)?;
        self.props.insert(pid, Value::Lpstr(bytes));
        Ok(self)
    }

    /// Sets a VT_I4 property.
    pub fn int32(&mut self, pid: u32, v: i32) -> &mut Self {
        self.props.insert(pid, Value::I4(v));
        self
    }

    /// Sets a VT_FILETIME property.
    pub fn time(&mut self, pid: u32, t: SystemTime) -> Result<&mut Self, String> {
        self.props.insert(pid, Value::FileTime(filetime(t)?));
        Ok(self)
    }

    /// The stream bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        // Values first, so their offsets are known.
        let count = self.props.len();
        let index_len = 8 + 8 * count;
        let mut values = Vec::new();
        let mut index = Vec::with_capacity(count);
        for (&id, value) in &self.props {
            index.push((id, (index_len + values.len()) as u32));
            match value {
                Value::I2(v) => {
                    put_u32(&mut values, VT_I2);
                    values.extend_from_slice(&v.to_le_bytes());
                    values.extend_from_slice(&[0, 0]);
                }
                Value::I4(v) => {
                    put_u32(&mut values, VT_I4);
                    values.extend_from_slice(&v.to_le_bytes());
                }
                Value::Lpstr(bytes) => {
                    put_u32(&mut values, VT_LPSTR);
                    put_u32(&mut values, bytes.len() as u32 + 1);
                    values.extend_from_slice(bytes);
                    values.push(0);
                    while values.len() % 4 != 0 {
                        values.push(0);
                    }
                }
                Value::FileTime(ft) => {
                    put_u32(&mut values, VT_FILETIME);
                    values.extend_from_slice(&ft.to_le_bytes());
                }
            }
        }
        let section_len = index_len + values.len();

        let mut out = Vec::with_capacity(48 + section_len);
        out.extend_from_slice(&0xFFFEu16.to_le_bytes());
        out.extend_from_slice(&0u16.to_le_bytes());
        put_u32(&mut out, OS_VERSION);
        out.extend_from_slice(&[0u8; 16]);
        put_u32(&mut out, 1);
        out.extend_from_slice(&FMTID_SUMMARY_INFORMATION);
        put_u32(&mut out, 48);
        debug_assert_eq!(out.len(), 48);
        put_u32(&mut out, section_len as u32);
        put_u32(&mut out, count as u32);
        for (id, offset) in index {
            put_u32(&mut out, id);
            put_u32(&mut out, offset);
        }
        out.extend_from_slice(&values);
        out
    }
}

fn put_u32(out: &mut Vec<u8>, v: u32) {
    out.extend_from_slice(&v.to_le_bytes());
}

/// 100-ns intervals between 1601-01-01 and 1970-01-01.
const FILETIME_UNIX_EPOCH: u64 = 116_444_736_000_000_000;

/// A FILETIME (100 ns units since 1601-01-01 UTC).
pub fn filetime(t: SystemTime) -> Result<u64, String> {
    let d = t
        .duration_since(UNIX_EPOCH)
        .map_err(|_| "timestamps before 1970 are not used here".to_string())?;
    Ok(FILETIME_UNIX_EPOCH + d.as_secs() * 10_000_000 + u64::from(d.subsec_nanos()) / 100)
}

/// Windows-1252 bytes for `s`. 0x80..0x9F are Windows-1252's extra letters and signs; the rest of
/// Latin-1 maps to itself.
pub fn encode_cp1252(s: &str) -> Result<Vec<u8>, String> {
    const HIGH: [(char, u8); 27] = [
        ('€', 0x80),
        ('‚', 0x82),
        ('ƒ', 0x83),
        ('„', 0x84),
        ('…', 0x85),
        ('†', 0x86),
        ('‡', 0x87),
        ('ˆ', 0x88),
        ('‰', 0x89),
        ('Š', 0x8A),
        ('‹', 0x8B),
        ('Œ', 0x8C),
        ('Ž', 0x8E),
        ('‘', 0x91),
        ('’', 0x92),
        ('“', 0x93),
        ('”', 0x94),
        ('•', 0x95),
        ('–', 0x96),
        ('—', 0x97),
        ('˜', 0x98),
        ('™', 0x99),
        ('š', 0x9A),
        ('›', 0x9B),
        ('œ', 0x9C),
        ('ž', 0x9E),
        ('Ÿ', 0x9F),
    ];
    s.chars()
        .map(|c| match u32::from(c) {
            0..=0x7F | 0xA0..=0xFF => Ok(u32::from(c) as u8),
            _ => HIGH
                .iter()
                .find(|(h, _)| *h == c)
                .map(|(_, b)| *b)
                .ok_or_else(|| format!("{c:?} in {s:?} has no Windows-1252 encoding")),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout_of_a_small_set() {
        let mut b = SummaryBuilder::new_cp1252();
        b.string(pid::TEMPLATE, "x64;1033").unwrap();
        b.int32(pid::PAGE_COUNT, 200);
        let bytes = b.to_bytes();
        // Header and FMTID.
        assert_eq!(&bytes[0..4], &[0xFE, 0xFF, 0, 0]);
        assert_eq!(&bytes[28..44], &FMTID_SUMMARY_INFORMATION);
        assert_eq!(u32::from_le_bytes(bytes[44..48].try_into().unwrap()), 48);
        let sec = &bytes[48..];
        let size = u32::from_le_bytes(sec[0..4].try_into().unwrap()) as usize;
        assert_eq!(size, sec.len());
        assert_eq!(u32::from_le_bytes(sec[4..8].try_into().unwrap()), 3);
        // PID 1 first, VT_I2 1252.
        assert_eq!(u32::from_le_bytes(sec[8..12].try_into().unwrap()), 1);
        let off = u32::from_le_bytes(sec[12..16].try_into().unwrap()) as usize;
        assert_eq!(&sec[off..off + 8], &[2, 0, 0, 0, 0xE4, 0x04, 0, 0]);
        // PID 7, VT_LPSTR of 9 bytes with the NUL, padded to 12.
        let off = u32::from_le_bytes(sec[20..24].try_into().unwrap()) as usize;
        assert_eq!(&sec[off..off + 8], &[30, 0, 0, 0, 9, 0, 0, 0]);
        assert_eq!(&sec[off + 8..off + 20], b"x64;1033\0\0\0\0");
        // Every value on a 4-byte boundary, and the section a multiple of 4.
        assert_eq!(size % 4, 0);
    }

    #[test]
    fn cp1252() {
        assert_eq!(encode_cp1252("Café €").unwrap(), b"Caf\xe9 \x80");
        assert!(encode_cp1252("Ω").is_err());
    }

    #[test]
    fn filetime_of_unix_epoch() {
        assert_eq!(filetime(UNIX_EPOCH).unwrap(), FILETIME_UNIX_EPOCH);
    }
}
