//! The raw OLE property-set reader for `\x05SummaryInformation`.
//!
//! Layout (little-endian): a 28-byte set header (byte order 0xFFFE, format, OS version, CLSID,
//! section count), then per section a 20-byte (FMTID, offset) entry; the first section must be
//! `FMTID_SummaryInformation`. A section is `size, count, count × (pid, offset), values`, offsets
//! counted from the start of the section; each value is a `u32` type followed by its data.
//!
//! Every size and offset read from the stream is checked against the bytes that are actually
//! there before it is used, so a corrupt stream gives an [`Error`] and never a panic, a huge
//! allocation or an endless loop.

use serde::Serialize;

use super::{pid, vt, FMTID_SUMMARY_INFORMATION};
use crate::error::{Error, Result};

/// Size of the property-set header plus the first (FMTID, offset) entry.
const HEADER_LEN: usize = 48;

/// One property value as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum Value {
    /// VT_EMPTY (0).
    Empty,
    /// VT_NULL (1).
    Null,
    /// VT_I2 (2).
    I2(i16),
    /// VT_I4 (3).
    I4(i32),
    /// VT_LPSTR (30), decoded with the code page of PID 1.
    Lpstr(String),
    /// VT_FILETIME (64): 100 ns intervals since 1601-01-01 00:00 UTC.
    FileTime(u64),
    /// Any other type, kept as the bytes after the type word up to the next value (or the end
    /// of the section).
    Other { vt: u32, bytes: Vec<u8> },
}

/// One property of the section, in stream order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Property {
    pub pid: u32,
    pub vt: u32,
    pub value: Value,
    /// For VT_LPSTR: the string's bytes as stored (up to the first NUL), before decoding.
    /// Empty for every other type.
    #[serde(skip)]
    pub raw: Vec<u8>,
}

/// The parsed summary information stream.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SummaryInfo {
    /// Property-set format version (0 or 1).
    pub format: u16,
    /// Originating OS version word of the set header.
    pub os_version: u32,
    /// Class id of the set header (normally all zeros).
    pub clsid: [u8; 16],
    /// Number of sections the header declares (only the first one is read).
    pub section_count: u32,
    properties: Vec<Property>,
    codepage: Option<u16>,
}

/// Reads a `\x05SummaryInformation` stream.
pub fn parse(bytes: &[u8]) -> Result<SummaryInfo> {
    if bytes.len() < HEADER_LEN {
        return Err(Error::truncated(format!(
            "the stream is {} bytes, shorter than the {HEADER_LEN}-byte property-set header",
            bytes.len()
        )));
    }
    let byte_order = le_u16(bytes, 0).unwrap_or(0);
    if byte_order != 0xFFFE {
        return Err(Error::malformed(format!(
            "byte order mark is 0x{byte_order:04X}, not 0xFFFE"
        )));
    }
    let format = le_u16(bytes, 2).unwrap_or(0);
    let os_version = le_u32(bytes, 4).unwrap_or(0);
    let mut clsid = [0u8; 16];
    clsid.copy_from_slice(&bytes[8..24]);
    let section_count = le_u32(bytes, 24).unwrap_or(0);
    if section_count == 0 {
        return Err(Error::malformed("the property set has no sections"));
    }
    let fmtid = &bytes[28..44];
    if fmtid != FMTID_SUMMARY_INFORMATION {
        return Err(Error::malformed(format!(
            "the first section's format id is {}, not FMTID_SummaryInformation \
             {{F29F85E0-4FF9-1068-AB91-08002B27B3D9}}",
            guid_text(fmtid)
        )));
    }
    let offset = le_u32(bytes, 44).unwrap_or(0) as usize;
    let available = bytes.len().saturating_sub(offset);
    if offset > bytes.len() || available < 8 {
        return Err(Error::truncated(format!(
            "section offset {offset} is past the end of the {}-byte stream",
            bytes.len()
        )));
    }
    let size = le_u32(bytes, offset).unwrap_or(0);
    let count = le_u32(bytes, offset + 4).unwrap_or(0);
    if size < 8 {
        return Err(Error::malformed(format!(
            "section size {size} is smaller than the 8-byte section header"
        )));
    }
    if size as usize > available {
        return Err(Error::truncated(format!(
            "section size {size} runs past the end of the stream ({available} bytes from offset {offset})"
        )));
    }
    let section = &bytes[offset..offset + size as usize];
    let room = (section.len() - 8) / 8;
    if count as usize > room {
        return Err(Error::malformed(format!(
            "the section declares {count} properties but has room for at most {room}"
        )));
    }

    // (pid, offset) pairs; `count` has been checked against the section, so this is bounded.
    let mut entries = Vec::with_capacity(count as usize);
    for i in 0..count as usize {
        let at = 8 + i * 8;
        let pid = le_u32(section, at).unwrap_or(0);
        let off = le_u32(section, at + 4).unwrap_or(0);
        entries.push((pid, off));
    }
    let mut boundaries: Vec<u32> = entries.iter().map(|&(_, off)| off).collect();
    boundaries.sort_unstable();
    boundaries.dedup();

    let mut properties = Vec::with_capacity(entries.len());
    for &(pid, off) in &entries {
        let prop = read_value(section, pid, off, &boundaries)
            .map_err(|e| e.at(crate::error::Place::Property(pid)))?;
        properties.push(prop);
    }

    // The code page may come after the strings in the stream: find it first, then decode.
    let codepage = properties
        .iter()
        .rev()
        .filter(|p| p.pid == pid::CODEPAGE)
        .find_map(|p| match p.value {
            Value::I2(v) => Some(v as u16),
            Value::I4(v) => u16::try_from(v).ok(),
            _ => None,
        });
    for p in &mut properties {
        if p.vt == vt::LPSTR {
            p.value = Value::Lpstr(decode(&p.raw, codepage));
        }
    }

    Ok(SummaryInfo {
        format,
        os_version,
        clsid,
        section_count,
        properties,
        codepage,
    })
}

/// Reads the value at `off` (from the start of the section). Strings are left undecoded (their
/// bytes are in `raw`); the caller decodes them once the code page is known.
fn read_value(section: &[u8], pid: u32, off: u32, boundaries: &[u32]) -> Result<Property> {
    let start = off as usize;
    if start > section.len() || section.len() - start < 4 {
        return Err(Error::truncated(format!(
            "value offset {off} is past the end of the {}-byte section",
            section.len()
        )));
    }
    let vtype = le_u32(section, start).unwrap_or(0);
    let data = start + 4;
    let short = |what: &str| Error::truncated(format!("{what} runs past the end of the section"));
    let mut raw = Vec::new();
    let value = match vtype {
        vt::EMPTY => Value::Empty,
        vt::NULL => Value::Null,
        vt::I2 => Value::I2(le_u16(section, data).ok_or_else(|| short("2-byte integer"))? as i16),
        vt::I4 => Value::I4(le_u32(section, data).ok_or_else(|| short("4-byte integer"))? as i32),
        vt::FILETIME => Value::FileTime(le_u64(section, data).ok_or_else(|| short("FILETIME"))?),
        vt::LPSTR => {
            let len = le_u32(section, data).ok_or_else(|| short("string length"))?;
            let text = data + 4;
            if len as usize > section.len() - text {
                return Err(short(&format!("string length {len}")));
            }
            let bytes = &section[text..text + len as usize];
            // The length counts the terminating NUL; a string without one is accepted whole.
            let end = bytes.iter().position(|&b| b == 0).unwrap_or(bytes.len());
            raw = bytes[..end].to_vec();
            Value::Lpstr(String::new())
        }
        other => {
            // Unknown size: keep everything up to the next value or the end of the section.
            let end = match boundaries.binary_search(&off) {
                Ok(i) => boundaries.get(i + 1).copied(),
                Err(i) => boundaries.get(i).copied(),
            }
            .map(|b| (b as usize).min(section.len()))
            .unwrap_or(section.len());
            let bytes = section.get(data..end.max(data)).unwrap_or(&[]).to_vec();
            Value::Other { vt: other, bytes }
        }
    };
    Ok(Property {
        pid,
        vt: vtype,
        value,
        raw,
    })
}

/// Decodes an LPSTR with the code page of PID 1. Code page 0 (CP_ACP), a missing PID 1 or a
/// code page with no byte-string decoder: UTF-8 when the bytes are valid UTF-8 (what msiinfo
/// shows, since it passes the bytes through), Windows-1252 otherwise.
fn decode(bytes: &[u8], codepage: Option<u16>) -> String {
    let encoding = codepage
        .filter(|&cp| cp != 0)
        .and_then(codepage::to_encoding_no_replacement)
        .filter(|&e| e != encoding_rs::UTF_16LE && e != encoding_rs::UTF_16BE);
    match encoding {
        Some(e) => e.decode_without_bom_handling(bytes).0.into_owned(),
        None => match std::str::from_utf8(bytes) {
            Ok(s) => s.to_owned(),
            Err(_) => encoding_rs::WINDOWS_1252
                .decode_without_bom_handling(bytes)
                .0
                .into_owned(),
        },
    }
}

impl SummaryInfo {
    /// Every property, in stream order (duplicates included).
    pub fn properties(&self) -> &[Property] {
        &self.properties
    }

    /// The property with this id; if the stream repeats an id, the last one wins (as in msiinfo).
    pub fn property(&self, pid: u32) -> Option<&Property> {
        self.properties.iter().rev().find(|p| p.pid == pid)
    }

    /// The value of a property (the last one if the id repeats).
    pub fn get(&self, pid: u32) -> Option<&Value> {
        self.property(pid).map(|p| &p.value)
    }

    /// A VT_LPSTR property, decoded.
    pub fn string(&self, pid: u32) -> Option<&str> {
        match self.get(pid)? {
            Value::Lpstr(s) => Some(s),
            _ => None,
        }
    }

    /// A VT_LPSTR property's bytes as stored (up to the first NUL), before decoding.
    pub fn string_bytes(&self, pid: u32) -> Option<&[u8]> {
        let p = self.property(pid)?;
        (p.vt == vt::LPSTR).then_some(p.raw.as_slice())
    }

    /// A VT_I4 property, or a VT_I2 one widened as an unsigned 16-bit value (the only VT_I2
    /// property, the code page, is unsigned: 65001 stays 65001).
    pub fn int(&self, pid: u32) -> Option<i32> {
        match *self.get(pid)? {
            Value::I4(v) => Some(v),
            Value::I2(v) => Some(i32::from(v as u16)),
            _ => None,
        }
    }

    /// A VT_FILETIME property (100 ns intervals since 1601-01-01 UTC).
    pub fn filetime(&self, pid: u32) -> Option<u64> {
        match *self.get(pid)? {
            Value::FileTime(v) => Some(v),
            _ => None,
        }
    }

    /// A VT_FILETIME property as `YYYY/MM/DD hh:mm:ss` (UTC).
    pub(crate) fn filetime_text(&self, pid: u32) -> Option<String> {
        self.filetime(pid).map(format_filetime)
    }

    /// The code page of the strings (PID 1), if present.
    pub fn codepage(&self) -> Option<u16> {
        self.codepage
    }

    /// The rows of `_SummaryInformation.idt` as `msiinfo export FILE _SummaryInformation`
    /// (msitools 0.101) prints them: ordered by property id, the last occurrence of an id winning.
    ///
    /// msiinfo's reader keeps only ids 1-16, 18 and 19 with their expected types (PID 1 VT_I2;
    /// 2-9 and 18 VT_LPSTR; 10-13 VT_FILETIME; 14-16 and 19 VT_I4) and stops at the first
    /// property that is outside that set or has another type; with more than 20 properties it
    /// reads none. A VT_LPSTR where a number or a date is expected is printed as is (msiinfo
    /// itself crashes on it). Strings are returned decoded: a caller writing the file encodes
    /// them back with [`SummaryInfo::codepage`].
    pub(crate) fn idt_rows(&self) -> Vec<(u32, String)> {
        const MAX_PROPS: usize = 20;
        let mut slots: [Option<String>; MAX_PROPS] = Default::default();
        if self.properties.len() > MAX_PROPS {
            return Vec::new();
        }
        for p in &self.properties {
            let Some(expected) = msiinfo_type(p.pid) else {
                break;
            };
            let text = match &p.value {
                Value::I2(v) if expected == vt::I2 => (*v as u16).to_string(),
                Value::I4(v) if expected == vt::I4 => v.to_string(),
                Value::FileTime(ft) if expected == vt::FILETIME => format_filetime(*ft),
                Value::Lpstr(s) => s.clone(),
                _ => break,
            };
            slots[p.pid as usize] = Some(text);
        }
        slots
            .into_iter()
            .enumerate()
            .filter_map(|(i, s)| s.map(|s| (i as u32, s)))
            .collect()
    }
}

/// The type msiinfo expects for a property id, or `None` for ids it does not read.
fn msiinfo_type(pid: u32) -> Option<u32> {
    match pid {
        pid::CODEPAGE => Some(vt::I2),
        2..=9 | pid::CREATING_APPLICATION => Some(vt::LPSTR),
        10..=13 => Some(vt::FILETIME),
        14..=16 | pid::SECURITY => Some(vt::I4),
        _ => None,
    }
}

/// Formats a FILETIME as `YYYY/MM/DD hh:mm:ss` in UTC (seconds truncated).
pub(crate) fn format_filetime(ft: u64) -> String {
    const SECS_1601_TO_1970: i64 = 11_644_473_600;
    let secs = (ft / 10_000_000) as i64 - SECS_1601_TO_1970;
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}/{m:02}/{d:02} {:02}:{:02}:{:02}",
        rem / 3600,
        rem / 60 % 60,
        rem % 60
    )
}

/// Days since 1970-01-01 to a proleptic Gregorian (year, month, day). Works on 400-year eras
/// whose years start on March 1st, so the leap day is the last day of its year.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468; // days from 0000-03-01
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097); // day of era, 0..=146096
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365; // year of era, 0..=399
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100); // day of the March-based year, 0..=365
    let mp = (5 * doy + 2) / 153; // month from March, 0..=11
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

fn guid_text(b: &[u8]) -> String {
    match <[u8; 16]>::try_from(b) {
        Ok(bytes) => crate::formats::guid::Guid::from_bytes_le(bytes).to_string(),
        Err(_) => String::from("?"),
    }
}

fn le_u16(b: &[u8], at: usize) -> Option<u16> {
    let s = b.get(at..at.checked_add(2)?)?;
    Some(u16::from_le_bytes([s[0], s[1]]))
}

fn le_u32(b: &[u8], at: usize) -> Option<u32> {
    let s = b.get(at..at.checked_add(4)?)?;
    Some(u32::from_le_bytes([s[0], s[1], s[2], s[3]]))
}

fn le_u64(b: &[u8], at: usize) -> Option<u64> {
    let s = b.get(at..at.checked_add(8)?)?;
    let mut a = [0u8; 8];
    a.copy_from_slice(s);
    Some(u64::from_le_bytes(a))
}

#[cfg(test)]
mod tests {
    use super::super::testutil::{Builder, V};
    use super::*;

    fn msg(e: Error) -> String {
        e.to_string()
    }

    #[test]
    fn every_value_type() {
        let bytes = Builder::new()
            .prop(1, V::I2(1252))
            .prop(2, V::Str("Title"))
            .prop(3, V::Empty)
            .prop(4, V::Null)
            .prop(14, V::I4(200))
            .prop(12, V::FileTime(0x01C7_DB30_71F2_D000))
            .prop(16, V::Raw(0x1F, vec![1, 2, 3, 4]))
            .prop(5, V::Str("after"))
            .build();
        let si = parse(&bytes).unwrap();
        let pids: Vec<u32> = si.properties().iter().map(|p| p.pid).collect();
        assert_eq!(pids, [1, 2, 3, 4, 14, 12, 16, 5]);
        assert_eq!(si.codepage(), Some(1252));
        assert_eq!(si.get(1), Some(&Value::I2(1252)));
        assert_eq!(si.int(1), Some(1252));
        assert_eq!(si.string(2), Some("Title"));
        assert_eq!(si.string_bytes(2), Some(&b"Title"[..]));
        assert_eq!(si.get(3), Some(&Value::Empty));
        assert_eq!(si.get(4), Some(&Value::Null));
        assert_eq!(si.int(14), Some(200));
        assert_eq!(si.string(14), None);
        assert_eq!(si.filetime(12), Some(0x01C7_DB30_71F2_D000));
        assert_eq!(si.filetime_text(12).as_deref(), Some("2007/08/10 09:25:52"));
        assert_eq!(
            si.get(16),
            Some(&Value::Other {
                vt: 0x1F,
                bytes: vec![1, 2, 3, 4]
            })
        );
        assert_eq!(si.string(5), Some("after"));
        assert_eq!(si.get(7), None);
    }

    #[test]
    fn unknown_vt_keeps_the_rest() {
        // A VT_LPWSTR (31) in the middle: kept as raw bytes up to the next value.
        let bytes = Builder::new()
            .prop(1, V::I2(1252))
            .prop(3, V::Raw(31, vec![2, 0, 0, 0, b'a', 0, 0, 0]))
            .prop(2, V::Str("T"))
            .build();
        let si = parse(&bytes).unwrap();
        assert_eq!(
            si.get(3),
            Some(&Value::Other {
                vt: 31,
                bytes: vec![2, 0, 0, 0, b'a', 0, 0, 0]
            })
        );
        assert_eq!(si.string(2), Some("T"));
        // msiinfo stops reading at the unknown type.
        assert_eq!(si.idt_rows(), vec![(1, "1252".to_string())]);
    }

    #[test]
    fn truncated_stream() {
        let bytes = Builder::new()
            .prop(1, V::I2(1252))
            .prop(2, V::Str("Installation Database"))
            .build();
        for cut in [0, 10, 47, 48, 55, bytes.len() - 1] {
            let e = parse(&bytes[..cut]).unwrap_err();
            assert!(
                matches!(e.kind(), crate::error::ErrorKind::Malformed { .. }),
                "cut {cut}"
            );
        }
        let e = msg(parse(&bytes[..bytes.len() - 1]).unwrap_err());
        assert!(e.contains("section size"), "{e}");
        let e = msg(parse(&bytes[..20]).unwrap_err());
        assert!(e.contains("48-byte"), "{e}");
    }

    #[test]
    fn huge_string_length() {
        let mut bytes = Builder::new()
            .prop(1, V::I2(1252))
            .prop(9, V::Str("{C5BBD75C-7E7F-4222-834C-EA0C4A13F48F}"))
            .build();
        // The length word of PID 9 sits after its type word.
        let at = Builder::value_offset(&bytes, 1) + 4;
        bytes[at..at + 4].copy_from_slice(&0xFFFF_FFF0u32.to_le_bytes());
        let e = parse(&bytes).unwrap_err();
        assert_eq!(
            e.to_string(),
            "property 9: string length 4294967280 runs past the end of the section"
        );
    }

    #[test]
    fn bad_counts_and_offsets() {
        let good = Builder::new().prop(1, V::I2(1252)).build();
        // count far beyond the section
        let mut b = good.clone();
        b[52..56].copy_from_slice(&0x1000_0000u32.to_le_bytes());
        assert!(msg(parse(&b).unwrap_err()).contains("268435456 properties"));
        // value offset past the end
        let mut b = good.clone();
        b[60..64].copy_from_slice(&0xFFFF_FFFFu32.to_le_bytes());
        assert!(msg(parse(&b).unwrap_err()).starts_with("property 1: value offset 4294967295"));
        // section offset past the end
        let mut b = good.clone();
        b[44..48].copy_from_slice(&0xFFFF_FF00u32.to_le_bytes());
        assert!(msg(parse(&b).unwrap_err()).contains("section offset"));
        // section size past the end
        let mut b = good.clone();
        b[48..52].copy_from_slice(&0xFFFF_FFF0u32.to_le_bytes());
        assert!(msg(parse(&b).unwrap_err()).contains("section size 4294967280"));
        // wrong byte order, wrong FMTID, no sections
        let mut b = good.clone();
        b[0] = 0xFF;
        assert!(msg(parse(&b).unwrap_err()).contains("byte order"));
        let mut b = good.clone();
        b[28] ^= 1;
        assert!(msg(parse(&b).unwrap_err()).contains("F29F85E1"));
        let mut b = good.clone();
        b[24..28].copy_from_slice(&0u32.to_le_bytes());
        assert!(msg(parse(&b).unwrap_err()).contains("no sections"));
        // FILETIME cut short by the section end
        let mut b = Builder::new().prop(12, V::FileTime(5)).build();
        let n = b.len();
        b.truncate(n - 4);
        let size = (b.len() - 48) as u32;
        b[48..52].copy_from_slice(&size.to_le_bytes());
        assert_eq!(
            msg(parse(&b).unwrap_err()),
            "property 12: FILETIME runs past the end of the section"
        );
    }

    #[test]
    fn every_prefix_and_byte_flip_is_safe() {
        let bytes = Builder::new()
            .prop(1, V::I2(1252))
            .prop(2, V::Str("abc"))
            .prop(12, V::FileTime(1))
            .prop(15, V::I4(2))
            .prop(3, V::Raw(0x1003, vec![1, 0, 0, 0, 9, 0, 0, 0]))
            .build();
        for cut in 0..bytes.len() {
            let _ = parse(&bytes[..cut]);
        }
        for i in 0..bytes.len() {
            for v in [0x00, 0x7F, 0x80, 0xFF] {
                let mut b = bytes.clone();
                b[i] = v;
                if let Ok(si) = parse(&b) {
                    let _ = si.idt_rows();
                }
            }
        }
    }

    #[test]
    fn lpstr_without_nul_and_with_inner_nul() {
        let bytes = Builder::new()
            .prop(2, V::Bytes(b"ABCD".to_vec()))
            .prop(3, V::Bytes(b"AB\0CD\0\0\0".to_vec()))
            .prop(4, V::Bytes(Vec::new()))
            .build();
        let si = parse(&bytes).unwrap();
        assert_eq!(si.string(2), Some("ABCD"));
        assert_eq!(si.string(3), Some("AB"));
        assert_eq!(si.string(4), Some(""));
    }

    #[test]
    fn strings_use_the_codepage_even_when_it_comes_last() {
        // "שלום" in Windows-1255, code page written after the string as in WiX's he-il.msi.
        let hebrew = vec![0xF9, 0xEC, 0xE5, 0xED, 0];
        let bytes = Builder::new()
            .prop(2, V::Bytes(hebrew.clone()))
            .prop(1, V::I2(1255))
            .build();
        let si = parse(&bytes).unwrap();
        assert_eq!(si.codepage(), Some(1255));
        assert_eq!(si.string(2), Some("שלום"));
        assert_eq!(si.string_bytes(2), Some(&hebrew[..4]));

        // Code page 0 or missing: UTF-8 if valid, else Windows-1252.
        let utf8 = Builder::new()
            .prop(1, V::I2(0))
            .prop(2, V::Bytes("hé\0".as_bytes().to_vec()))
            .build();
        assert_eq!(parse(&utf8).unwrap().string(2), Some("hé"));
        let latin = Builder::new()
            .prop(2, V::Bytes(vec![b'h', 0xE9, 0]))
            .build();
        let si = parse(&latin).unwrap();
        assert_eq!(si.codepage(), None);
        assert_eq!(si.string(2), Some("hé"));

        // 65001 stored as VT_I2 reads back as 65001.
        let cp = Builder::new()
            .prop(1, V::I2(65001u16 as i16))
            .prop(2, V::Bytes("ü\0".as_bytes().to_vec()))
            .build();
        let si = parse(&cp).unwrap();
        assert_eq!(si.codepage(), Some(65001));
        assert_eq!(si.int(1), Some(65001));
        assert_eq!(si.string(2), Some("ü"));
        assert_eq!(si.idt_rows()[0], (1, "65001".to_string()));
    }

    #[test]
    fn duplicates_last_wins() {
        let bytes = Builder::new()
            .prop(2, V::Str("A"))
            .prop(2, V::Str("B"))
            .build();
        let si = parse(&bytes).unwrap();
        assert_eq!(si.properties().len(), 2);
        assert_eq!(si.string(2), Some("B"));
        assert_eq!(si.idt_rows(), vec![(2, "B".to_string())]);
    }

    #[test]
    fn filetime_text() {
        assert_eq!(format_filetime(0), "1601/01/01 00:00:00");
        assert_eq!(format_filetime(10_000_000 + 5), "1601/01/01 00:00:01");
        assert_eq!(
            format_filetime(116_444_736_000_000_000),
            "1970/01/01 00:00:00"
        );
        // one second before 1900-01-01
        assert_eq!(
            format_filetime(94_354_848_000_000_000 - 1),
            "1899/12/31 23:59:59"
        );
        // leap day and a century leap year
        assert_eq!(format_filetime(ft_of(951_782_400)), "2000/02/29 00:00:00");
        assert_eq!(format_filetime(ft_of(1_709_164_799)), "2024/02/28 23:59:59");
        assert_eq!(format_filetime(ft_of(1_709_251_200)), "2024/03/01 00:00:00");
        assert_eq!(
            format_filetime(0x01CA_88D0_C7CA_9D00),
            "2009/12/29 21:49:22"
        );
        // the largest FILETIME does not overflow
        assert!(format_filetime(u64::MAX).starts_with("60056/"));
    }

    fn ft_of(unix: u64) -> u64 {
        (unix + 11_644_473_600) * 10_000_000
    }

    #[test]
    fn idt_rows_follow_msiinfo() {
        let bytes = Builder::new()
            .prop(2, V::Str("T"))
            .prop(12, V::FileTime(0x01CA_88D0_C7CA_9D00))
            .prop(1, V::I2(1252))
            .prop(16, V::I4(0x0922_001F))
            .prop(10, V::FileTime(0))
            .prop(14, V::Str("200"))
            .build();
        let rows = parse(&bytes).unwrap().idt_rows();
        assert_eq!(
            rows,
            vec![
                (1, "1252".to_string()),
                (2, "T".to_string()),
                (10, "1601/01/01 00:00:00".to_string()),
                (12, "2009/12/29 21:49:22".to_string()),
                (14, "200".to_string()),
                (16, "153223199".to_string()),
            ]
        );
        // msiinfo stops at a property id it does not read (17, 20, 0) or an unexpected type.
        for stopper in [
            (17, V::I4(1)),
            (20, V::I4(1)),
            (0, V::I4(1)),
            (14, V::I2(200)),
            (3, V::Empty),
            (3, V::I4(3)),
        ] {
            let bytes = Builder::new()
                .prop(1, V::I2(1252))
                .prop(stopper.0, stopper.1)
                .prop(2, V::Str("T"))
                .build();
            assert_eq!(
                parse(&bytes).unwrap().idt_rows(),
                vec![(1, "1252".to_string())]
            );
        }
        // A code page stored as VT_I4 is used for decoding but msiinfo prints nothing.
        let bytes = Builder::new()
            .prop(1, V::I4(1252))
            .prop(2, V::Str("T"))
            .build();
        let si = parse(&bytes).unwrap();
        assert_eq!(si.codepage(), Some(1252));
        assert!(si.idt_rows().is_empty());
        // More than 20 properties: msiinfo reads none.
        let mut b = Builder::new();
        for _ in 0..21 {
            b = b.prop(2, V::Str("T"));
        }
        assert!(parse(&b.build()).unwrap().idt_rows().is_empty());
    }
}
