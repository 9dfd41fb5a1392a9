//! Writing summary information: an OLE property set with one section (formats.md §2.1).
//!
//! ```text
//! header   u16 0xFFFE byte order, u16 0 format, u32 OS version, [16] CLSID (zero), u32 1 section
//! entry    [16] FMTID_SummaryInformation, u32 offset of the section (48)
//! section  u32 size, u32 count, count × (u32 PID, u32 offset from section start), then values,
//!          each on a 4-byte boundary: VT_I2 i16 + 2 bytes padding; VT_I4 i32; VT_LPSTR u32
//!          length with the NUL, the bytes, NUL, padding; VT_FILETIME u64 (100 ns since 1601)
//! ```
//! Properties are written in PID order; PID 1 (the code page) is always written, and strings are
//! encoded in it.

use std::collections::BTreeMap;

use super::{pid, vt, FMTID_SUMMARY_INFORMATION};
use crate::error::{Error, Result};

/// OS kind 2 (Win32) in the high word, version 10.0 in the low word.
const OS_VERSION: u32 = 0x0002_000A;

enum Prop {
    I2(i16),
    I4(i32),
    Lpstr(Vec<u8>),
    FileTime(u64),
}

/// A summary-information property set under construction.
pub struct SummaryWriter {
    codepage: u16,
    props: BTreeMap<u32, Prop>,
}

impl SummaryWriter {
    /// An empty set whose strings are in `codepage` (written as PID 1).
    pub fn new(codepage: u16) -> Self {
        let mut props = BTreeMap::new();
        props.insert(pid::CODEPAGE, Prop::I2(codepage as i16));
        SummaryWriter { codepage, props }
    }

    /// Sets a string property; a character the code page cannot hold is an error.
    pub fn string(&mut self, id: u32, s: &str) -> Result<&mut Self> {
        let enc = crate::formats::strings::encoding_for(u32::from(self.codepage))?;
        let (bytes, _, unmappable) = enc.encode(s);
        if unmappable {
            return Err(Error::unsupported(format!(
                "summary property {id}: {s:?} cannot be written in code page {}",
                self.codepage
            )));
        }
        self.props.insert(id, Prop::Lpstr(bytes.into_owned()));
        Ok(self)
    }

    /// Leaves a property out (PID 1 too: strings are still encoded in the set's code page).
    pub fn remove(&mut self, id: u32) -> &mut Self {
        self.props.remove(&id);
        self
    }

    pub fn int16(&mut self, id: u32, v: i16) -> &mut Self {
        self.props.insert(id, Prop::I2(v));
        self
    }

    pub fn int32(&mut self, id: u32, v: i32) -> &mut Self {
        self.props.insert(id, Prop::I4(v));
        self
    }

    /// Sets a FILETIME property (100 ns units since 1601-01-01 UTC).
    pub fn filetime(&mut self, id: u32, ft: u64) -> &mut Self {
        self.props.insert(id, Prop::FileTime(ft));
        self
    }

    /// The stream bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        let count = self.props.len();
        let index_len = 8 + 8 * count;
        let mut values = Vec::new();
        let mut index = Vec::with_capacity(count);
        for (&id, value) in &self.props {
            index.push((id, (index_len + values.len()) as u32));
            match value {
                Prop::I2(v) => {
                    put_u32(&mut values, vt::I2);
                    values.extend_from_slice(&v.to_le_bytes());
                    values.extend_from_slice(&[0, 0]);
                }
                Prop::I4(v) => {
                    put_u32(&mut values, vt::I4);
                    values.extend_from_slice(&v.to_le_bytes());
                }
                Prop::Lpstr(bytes) => {
                    put_u32(&mut values, vt::LPSTR);
                    put_u32(&mut values, bytes.len() as u32 + 1);
                    values.extend_from_slice(bytes);
                    values.push(0);
                    while values.len() % 4 != 0 {
                        values.push(0);
                    }
                }
                Prop::FileTime(ft) => {
                    put_u32(&mut values, vt::FILETIME);
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_through_the_reader() {
        let mut w = SummaryWriter::new(1252);
        w.string(pid::TEMPLATE, "x64;1033").unwrap();
        w.string(pid::SUBJECT, "Café").unwrap();
        w.int32(pid::PAGE_COUNT, 200);
        w.int32(16, 0x0922_001F);
        w.filetime(12, 133_801_920_000_000_000);
        let si = crate::formats::summary::parse(&w.to_bytes()).unwrap();
        assert_eq!(si.codepage(), Some(1252));
        assert_eq!(si.string(pid::TEMPLATE), Some("x64;1033"));
        assert_eq!(si.string(pid::SUBJECT), Some("Café"));
        assert_eq!(si.int(pid::PAGE_COUNT), Some(200));
        assert_eq!(si.int(16), Some(0x0922_001F));
        assert_eq!(si.filetime(12), Some(133_801_920_000_000_000));
        assert!(SummaryWriter::new(1252).string(2, "Ω").is_err());
    }
}
