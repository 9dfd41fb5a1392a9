//! Transform storages (an .mst, or a transform sub-storage of an .msp) for the testdata:
//! a summary stream, the transform's own string pool, and one record stream per changed table
//! (docs: /work/shared/docs/formats.md sections 1.2, 4.1 and 4.4).
//!
//! A record is a u16 mask and then cells, in the widths the *target* table's columns have:
//! mask bit 0 set means a whole row (column count in the high byte: insert, or overwrite if the
//! key exists); mask 0 means delete (key cells only); any other mask updates the columns whose
//! bits are set (bit n = column n + 1), with the key cells always present.

use std::collections::BTreeMap;

use crate::propset::encode_cp1252;
use crate::Result;

/// The name of the summary stream.
pub const SUMMARY_STREAM: &str = "\u{5}SummaryInformation";

/// One cell of a transform record, in the width the target column has.
pub enum Cell<'a> {
    /// A string column: an id in the transform's own string pool.
    S(&'a str),
    /// NULL in a string or 2-byte integer column.
    Null,
    /// A 2-byte integer column: stored as value + 0x8000.
    I2(i16),
    /// A 4-byte integer column: stored as value ^ 0x80000000.
    I4(i32),
}

/// A transform under construction: its summary, its string pool, and one record stream per table.
pub struct Transform {
    summary: Vec<u8>,
    /// String id n is `strings[n - 1]`, with its reference count.
    strings: Vec<(String, u16)>,
    tables: BTreeMap<&'static str, Vec<u8>>,
}

impl Transform {
    pub fn new(summary: Vec<u8>) -> Self {
        Transform {
            summary,
            strings: Vec::new(),
            tables: BTreeMap::new(),
        }
    }

    /// A whole-row record (insert, or overwrite if the key exists): mask bit 0 plus the column
    /// count in the high byte.
    pub fn insert(&mut self, table: &'static str, cells: &[Cell]) -> Result<()> {
        let mask = 1 | (u16::try_from(cells.len())? << 8);
        self.record(table, mask, cells)
    }

    /// An update record: `mask` has a bit for each changed column (bit n = column n + 1); `cells`
    /// holds the key columns and then the changed columns, in column order.
    pub fn update(&mut self, table: &'static str, mask: u16, cells: &[Cell]) -> Result<()> {
        if mask & 1 != 0 || mask == 0 {
            return Err(format!("update mask {mask:#x} for {table} is not an update").into());
        }
        self.record(table, mask, cells)
    }

    /// A delete record: mask 0 and the key columns.
    pub fn delete(&mut self, table: &'static str, keys: &[Cell]) -> Result<()> {
        self.record(table, 0, keys)
    }

    fn record(&mut self, table: &'static str, mask: u16, cells: &[Cell]) -> Result<()> {
        let mut bytes = mask.to_le_bytes().to_vec();
        for cell in cells {
            match cell {
                Cell::S(v) => {
                    let id = self.string_id(v)?;
                    bytes.extend_from_slice(&id.to_le_bytes());
                }
                Cell::Null => bytes.extend_from_slice(&[0, 0]),
                Cell::I2(v) => bytes.extend_from_slice(&((*v as u16) ^ 0x8000).to_le_bytes()),
                Cell::I4(v) => bytes.extend_from_slice(&((*v as u32) ^ 0x8000_0000).to_le_bytes()),
            }
        }
        self.tables
            .entry(table)
            .or_default()
            .extend_from_slice(&bytes);
        Ok(())
    }

    fn string_id(&mut self, v: &str) -> Result<u16> {
        let index = match self.strings.iter().position(|(s, _)| s == v) {
            Some(n) => n,
            None => {
                self.strings.push((v.to_string(), 0));
                self.strings.len() - 1
            }
        };
        self.strings[index].1 += 1;
        Ok(u16::try_from(index + 1)?)
    }

    /// The storage's streams under their stored (encoded) names.
    pub fn streams(&self) -> Result<Vec<(String, Vec<u8>)>> {
        // _StringPool: code page 1252, 2-byte string refs; then (length, refcount) per string.
        let mut pool = Vec::new();
        pool.extend_from_slice(&1252u16.to_le_bytes());
        pool.extend_from_slice(&0u16.to_le_bytes());
        let mut data = Vec::new();
        for (s, refs) in &self.strings {
            let bytes = encode_cp1252(s)?;
            pool.extend_from_slice(&u16::try_from(bytes.len())?.to_le_bytes());
            pool.extend_from_slice(&refs.to_le_bytes());
            data.extend_from_slice(&bytes);
        }
        let mut out = vec![
            (SUMMARY_STREAM.to_string(), self.summary.clone()),
            (table_stream_name("_StringPool")?, pool),
            (table_stream_name("_StringData")?, data),
        ];
        for (table, records) in &self.tables {
            out.push((table_stream_name(table)?, records.clone()));
        }
        Ok(out)
    }
}

/// The stored name of a table stream: U+4840, then the name packed two characters per UTF-16
/// unit where it can be (docs: formats.md section 1.2).
pub fn table_stream_name(table: &str) -> Result<String> {
    fn index(c: char) -> Option<u32> {
        match c {
            '0'..='9' => Some(c as u32 - '0' as u32),
            'A'..='Z' => Some(c as u32 - 'A' as u32 + 10),
            'a'..='z' => Some(c as u32 - 'a' as u32 + 36),
            '.' => Some(62),
            '_' => Some(63),
            _ => None,
        }
    }
    let mut units = vec![0x4840u32];
    let mut chars = table.chars().peekable();
    while let Some(c) = chars.next() {
        match index(c) {
            Some(first) => match chars.peek().copied().and_then(index) {
                Some(second) => {
                    chars.next();
                    units.push(0x3800 + first + (second << 6));
                }
                None => units.push(0x4800 + first),
            },
            None => units.push(c as u32),
        }
    }
    if units.len() > 31 {
        return Err(format!("table name {table:?} is too long for a stream name").into());
    }
    units
        .into_iter()
        .map(|u| char::from_u32(u).ok_or_else(|| format!("bad stream name unit {u:#x}").into()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn units(s: &str) -> Vec<u32> {
        s.chars().map(|c| c as u32).collect()
    }

    #[test]
    fn table_stream_names_match_known_vectors() {
        let cases: [(&str, &[u32]); 4] = [
            ("_Tables", &[0x4840, 0x3f7f, 0x4164, 0x422f, 0x4836]),
            ("File", &[0x4840, 0x430f, 0x422f]),
            ("Property", &[0x4840, 0x4559, 0x44f2, 0x4568, 0x4737]),
            (
                "_StringPool",
                &[0x4840, 0x3f3f, 0x4577, 0x446c, 0x3e6a, 0x44b2, 0x482f],
            ),
        ];
        for (name, want) in cases {
            assert_eq!(units(&table_stream_name(name).unwrap()), want, "{name}");
        }
    }

    #[test]
    fn transform_records() {
        let mut t = Transform::new(Vec::new());
        t.update("File", 1 << 3, &[Cell::S("patch.txt"), Cell::I4(1002)])
            .unwrap();
        t.insert("Media", &[Cell::I2(2), Cell::I4(1001), Cell::Null])
            .unwrap();
        let words = |b: &[u8]| -> Vec<u16> {
            b.chunks(2)
                .map(|c| u16::from_le_bytes([c[0], c[1]]))
                .collect()
        };
        assert_eq!(words(&t.tables["File"]), [0x0008, 0x0001, 0x03ea, 0x8000]);
        assert_eq!(
            words(&t.tables["Media"]),
            [0x0301, 0x8002, 0x03e9, 0x8000, 0x0000]
        );
    }
}
