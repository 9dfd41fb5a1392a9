//! The string pool: `_StringPool` (a (length, refcount) u16 pair per string id) and `_StringData`
//! (all strings back to back, in the database code page).
//!
//! Pair 0 holds the code page, with bit 31 set when string references are 3 bytes wide instead of
//! 2. A pair (0, 0) is an unused id. A pair (0, refs) with refs > 0 announces a string of 64 KiB or
//! more: its length is the next pair read as one little-endian u32 (Wine and the `msi` crate read
//! it so; libmsi reads it differently and says it is untested).

use crate::error::{Error, Result};

/// A decoded string pool. Id 0 is the empty string (NULL in a table cell).
#[derive(Debug, Clone)]
pub struct StringPool {
    /// The code page number stored in the pool header (0 = the system ANSI code page).
    pub codepage: u32,
    /// Whether string references are 3 bytes wide (a header flag; set when ids pass 0xFFFF).
    pub long_refs: bool,
    strings: Vec<String>,
    refcounts: Vec<u16>,
    /// Bytes of `_StringData` that no pool entry accounts for (0 in a sound database).
    pub unaccounted_bytes: usize,
}

/// The encoding for a Windows code page number, as Windows Installer uses them. Code page 0 means
/// "the system ANSI code page": 1252 here, as libmsi assumes on Linux.
pub(crate) fn encoding_for(codepage: u32) -> Result<&'static encoding_rs::Encoding> {
    let cp = if codepage == 0 { 1252 } else { codepage };
    u16::try_from(cp)
        .ok()
        .and_then(codepage::to_encoding)
        .ok_or_else(|| Error::unsupported(format!("code page {codepage} is not supported")))
}

impl StringPool {
    /// An empty pool (for a database that has no `_StringPool` stream).
    pub fn empty() -> StringPool {
        StringPool {
            codepage: 0,
            long_refs: false,
            strings: vec![String::new()],
            refcounts: vec![0],
            unaccounted_bytes: 0,
        }
    }

    /// Parses the two streams. Errors name which stream is wrong and how.
    pub fn parse(pool: &[u8], data: &[u8]) -> Result<StringPool> {
        if !pool.len().is_multiple_of(4) {
            return Err(Error::malformed(format!(
                "_StringPool is {} bytes, not a whole number of 4-byte entries",
                pool.len()
            )));
        }
        let word = |i: usize| u16::from_le_bytes([pool[2 * i], pool[2 * i + 1]]);
        let count = pool.len() / 4;
        let (codepage, long_refs) = if count >= 1 {
            let raw = u32::from_le_bytes([pool[0], pool[1], pool[2], pool[3]]);
            (raw & 0x7FFF_FFFF, raw & 0x8000_0000 != 0)
        } else {
            (0, false)
        };
        let enc = encoding_for(codepage).map_err(|e| e.at("_StringPool"))?;
        // One id per entry at most: the vectors grow with the pool stream actually read.
        let mut strings = vec![String::new()];
        let mut refcounts = vec![0u16];
        let mut offset = 0usize;
        let mut i = 1;
        while i < count {
            let len = word(2 * i);
            let refs = word(2 * i + 1);
            i += 1;
            let id = strings.len();
            let len = if len == 0 && refs == 0 {
                strings.push(String::new());
                refcounts.push(0);
                continue;
            } else if len == 0 {
                if i >= count {
                    return Err(Error::truncated(format!(
                        "_StringPool: string {id} announces a long length but the pool ends"
                    )));
                }
                let l = u32::from(word(2 * i)) | (u32::from(word(2 * i + 1)) << 16);
                i += 1;
                l as usize
            } else {
                len as usize
            };
            let end = offset.checked_add(len).filter(|&e| e <= data.len()).ok_or_else(|| {
                Error::truncated(format!(
                    "_StringPool: string {id} is {len} bytes at offset {offset}, past the end of _StringData ({} bytes)",
                    data.len()
                ))
            })?;
            let (s, _) = enc.decode_without_bom_handling(&data[offset..end]);
            strings.push(s.into_owned());
            refcounts.push(refs);
            offset = end;
        }
        // Windows and libmsi load a pool whose data has bytes left over (libmsi only warns), so
        // this is recorded, not refused.
        let unaccounted_bytes = data.len() - offset;
        Ok(StringPool {
            codepage,
            long_refs,
            strings,
            refcounts,
            unaccounted_bytes,
        })
    }

    /// Bytes per string reference in table streams: 3 with long refs, else 2.
    pub(crate) fn ref_size(&self) -> usize {
        if self.long_refs {
            3
        } else {
            2
        }
    }

    /// The string with this id; `None` for an id past the pool.
    pub fn get(&self, id: u32) -> Option<&str> {
        self.strings.get(id as usize).map(|s| s.as_str())
    }

    /// Number of ids (including id 0).
    pub fn len(&self) -> usize {
        self.strings.len()
    }

    pub fn is_empty(&self) -> bool {
        self.strings.len() <= 1
    }

    /// The stored reference count of an id.
    pub fn refcount(&self, id: u32) -> u16 {
        self.refcounts.get(id as usize).copied().unwrap_or(0)
    }
}

/// Encodes a string pool: ids 1, 2, ... in the order given, each with its reference count
/// (capped at 0xFFFF). References are 3 bytes wide when the ids pass 0xFFFF. Returns
/// (`_StringPool`, `_StringData`, long references). A character the code page cannot hold is an
/// error naming the string.
pub(crate) fn encode_pool(
    codepage: u32,
    strings: &[(&str, u32)],
) -> Result<(Vec<u8>, Vec<u8>, bool)> {
    let enc = encoding_for(codepage)?;
    let long_refs = strings.len() > 0xFFFF;
    let header = codepage | if long_refs { 0x8000_0000 } else { 0 };
    let mut pool = Vec::with_capacity(4 + 4 * strings.len());
    pool.extend_from_slice(&header.to_le_bytes());
    let mut data = Vec::new();
    for (s, refs) in strings {
        let refs = (*refs).min(0xFFFF) as u16;
        let (bytes, _, unmappable) = enc.encode(s);
        if unmappable {
            return Err(Error::unsupported(format!(
                "the string {s:?} cannot be written in code page {codepage}"
            )));
        }
        let len = bytes.len();
        if len == 0 {
            // An empty string is NULL (id 0); an entry here keeps the ids in step.
            pool.extend_from_slice(&[0, 0, 0, 0]);
        } else if len <= 0xFFFF {
            pool.extend_from_slice(&(len as u16).to_le_bytes());
            pool.extend_from_slice(&refs.to_le_bytes());
        } else {
            let len =
                u32::try_from(len).map_err(|_| Error::unsupported("a string of 4 GiB or more"))?;
            pool.extend_from_slice(&0u16.to_le_bytes());
            pool.extend_from_slice(&refs.max(1).to_le_bytes());
            pool.extend_from_slice(&len.to_le_bytes());
        }
        data.extend_from_slice(&bytes);
    }
    Ok((pool, data, long_refs))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pool(entries: &[(u16, u16)]) -> Vec<u8> {
        entries
            .iter()
            .flat_map(|&(a, b)| [a.to_le_bytes(), b.to_le_bytes()].concat())
            .collect()
    }

    #[test]
    fn short_and_unused_and_long() {
        let big = "x".repeat(70_000);
        let data = format!("abc{big}de");
        let p = pool(&[
            (1252, 0),
            (3, 1),
            (0, 0),
            (0, 2),
            ((70_000u32 & 0xffff) as u16, 1),
            (2, 5),
        ]);
        let sp = StringPool::parse(&p, data.as_bytes()).unwrap();
        assert_eq!(sp.codepage, 1252);
        assert!(!sp.long_refs);
        assert_eq!(sp.get(1), Some("abc"));
        assert_eq!(sp.get(2), Some(""));
        assert_eq!(sp.get(3).map(str::len), Some(70_000));
        assert_eq!(sp.refcount(3), 2);
        assert_eq!(sp.get(4), Some("de"));
        assert_eq!(sp.get(5), None);
    }

    #[test]
    fn codepage_and_long_refs_flag() {
        let p = pool(&[(1255, 0x8000), (2, 1)]);
        let sp = StringPool::parse(&p, &[0xF9, 0xEC]).unwrap();
        assert!(sp.long_refs);
        assert_eq!(sp.ref_size(), 3);
        assert_eq!(sp.get(1), Some("של"));
    }

    #[test]
    fn corrupt_pools_are_errors() {
        let p = pool(&[(0, 0), (10, 1)]);
        let e = StringPool::parse(&p, b"abc").unwrap_err();
        assert!(e.to_string().contains("past the end of _StringData"), "{e}");
        let e = StringPool::parse(&p[..6], b"").unwrap_err();
        assert!(e.to_string().contains("whole number"), "{e}");
        let p = pool(&[(0, 0), (1, 1)]);
        assert_eq!(StringPool::parse(&p, b"ab").unwrap().unaccounted_bytes, 1);
        let p = pool(&[(437, 0)]);
        assert!(StringPool::parse(&p, b"").is_err());
        // A long-length escape with nothing after it.
        let p = pool(&[(0, 0), (0, 1)]);
        assert!(StringPool::parse(&p, b"").is_err());
    }

    #[test]
    fn every_code_page_windows_installer_uses_decodes() {
        // (code page, bytes, text): one non-ASCII character or word each.
        let cases: &[(u32, &[u8], &str)] = &[
            (0, &[0xE9], "é"),
            (874, &[0xA1], "ก"),
            (932, &[0x93, 0xFA], "日"),
            (936, &[0xD6, 0xD0], "中"),
            (949, &[0xC7, 0xD1], "한"),
            (950, &[0xA4, 0xA4], "中"),
            (1250, &[0x8A], "Š"),
            (1251, &[0xC6], "Ж"),
            (1252, &[0x80], "€"),
            (1253, &[0xD3], "Σ"),
            (1254, &[0xD0], "Ğ"),
            (1255, &[0xF9], "ש"),
            (1256, &[0xC7], "ا"),
            (1257, &[0xC0], "Ą"),
            (1258, &[0xD0], "Đ"),
            (65001, "ü".as_bytes(), "ü"),
        ];
        for &(cp, bytes, text) in cases {
            let p = pool(&[
                ((cp & 0xffff) as u16, (cp >> 16) as u16),
                (bytes.len() as u16, 1),
            ]);
            let sp = StringPool::parse(&p, bytes).unwrap_or_else(|e| panic!("{cp}: {e}"));
            assert_eq!(sp.get(1), Some(text), "code page {cp}");
            assert_eq!(sp.codepage, cp);
        }
    }

    #[test]
    fn encode_round_trips_through_parse() {
        let big = "y".repeat(70_000);
        let strings = [("Café", 2), ("", 0), (big.as_str(), 1), ("日本", 1)];
        let e = encode_pool(932, &strings[..1]).unwrap_err();
        assert!(
            e.to_string().contains("cannot be written in code page 932"),
            "{e}"
        );
        let (p, d, long) = encode_pool(65001, &strings).unwrap();
        assert!(!long);
        let sp = StringPool::parse(&p, &d).unwrap();
        assert_eq!(sp.get(1), Some("Café"));
        assert_eq!(sp.refcount(1), 2);
        assert_eq!(sp.get(2), Some(""));
        assert_eq!(sp.get(3).map(str::len), Some(70_000));
        assert_eq!(sp.get(4), Some("日本"));
        assert_eq!(sp.codepage, 65001);
    }
}
