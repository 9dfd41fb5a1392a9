//! The persistent table-stream codec: how the rows of a table are laid out in its stream.
//!
//! A persistent table stream is column-major: all cells of column 1, then all of column 2, and
//! so on. Each cell is little-endian and as wide as its column (string reference 2 or 3 bytes,
//! int16 2, int32 4, binary 2). Stored values: int16 is `v + 0x8000`, int32 `v ^ 0x80000000`,
//! a string its pool id; 0 is NULL in every kind. The transform codec reads the same cells
//! row-major.

use crate::error::{Error, Result};

/// Rows of raw stored cells (pool ids or biased integers), row-major in memory.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RawRows {
    columns: usize,
    cells: Vec<u32>,
}

impl RawRows {
    pub fn new(columns: usize) -> Self {
        RawRows {
            columns,
            cells: Vec::new(),
        }
    }
    pub fn columns(&self) -> usize {
        self.columns
    }
    pub fn len(&self) -> usize {
        self.cells.len().checked_div(self.columns).unwrap_or(0)
    }
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// The cells of row `i` (panics past the end, like slice indexing: callers iterate `0..len()`).
    pub fn row(&self, i: usize) -> &[u32] {
        &self.cells[i * self.columns..(i + 1) * self.columns]
    }
    pub fn push(&mut self, row: &[u32]) {
        debug_assert_eq!(row.len(), self.columns);
        self.cells.extend_from_slice(row);
    }
    pub fn iter(&self) -> impl Iterator<Item = &[u32]> {
        self.cells.chunks(self.columns.max(1))
    }
}

/// Reads a little-endian cell of 2, 3 or 4 bytes.
pub(crate) fn read_cell(b: &[u8]) -> u32 {
    match b.len() {
        2 => u32::from(u16::from_le_bytes([b[0], b[1]])),
        3 => u32::from(b[0]) | (u32::from(b[1]) << 8) | (u32::from(b[2]) << 16),
        4 => u32::from_le_bytes([b[0], b[1], b[2], b[3]]),
        _ => 0,
    }
}

/// Writes a cell of `width` bytes.
pub(crate) fn write_cell(out: &mut Vec<u8>, v: u32, width: usize) {
    out.extend_from_slice(&v.to_le_bytes()[..width]);
}

/// Decodes a persistent table stream whose columns have the given cell widths.
pub(crate) fn decode_persistent(bytes: &[u8], widths: &[usize]) -> Result<RawRows> {
    let row_size: usize = widths.iter().sum();
    if row_size == 0 {
        return if bytes.is_empty() {
            Ok(RawRows::new(widths.len()))
        } else {
            Err(Error::malformed("table has data but no columns"))
        };
    }
    if !bytes.len().is_multiple_of(row_size) {
        return Err(Error::truncated(format!(
            "table stream is {} bytes, not a whole number of {row_size}-byte rows",
            bytes.len()
        )));
    }
    let n = bytes.len() / row_size;
    let mut rows = RawRows {
        columns: widths.len(),
        cells: vec![0; n * widths.len()],
    };
    let mut col_start = 0;
    for (j, &w) in widths.iter().enumerate() {
        let column = &bytes[col_start..col_start + w * n];
        for (i, cell) in column.chunks_exact(w).enumerate() {
            rows.cells[i * widths.len() + j] = read_cell(cell);
        }
        col_start += w * n;
    }
    Ok(rows)
}

/// Encodes rows as a persistent table stream (the inverse of [`decode_persistent`]).
pub(crate) fn encode_persistent(rows: &RawRows, widths: &[usize]) -> Vec<u8> {
    let n = rows.len();
    let mut out = Vec::with_capacity(n * widths.iter().sum::<usize>());
    for (j, &w) in widths.iter().enumerate() {
        for row in rows.iter() {
            write_cell(&mut out, row[j], w);
        }
    }
    out
}

/// Stored int16 to value (`None` = NULL).
pub(crate) fn int16_value(raw: u32) -> Option<i32> {
    (raw != 0).then(|| raw as i32 - 0x8000)
}

/// Stored int32 to value (`None` = NULL).
pub(crate) fn int32_value(raw: u32) -> Option<i32> {
    (raw != 0).then_some((raw ^ 0x8000_0000) as i32)
}

/// Value to stored int16 (wraps like Windows does for out-of-range values).
pub(crate) fn int16_raw(v: i32) -> u32 {
    (v.wrapping_add(0x8000) as u32) & 0xffff
}

/// Value to stored int32.
pub(crate) fn int32_raw(v: i32) -> u32 {
    (v as u32) ^ 0x8000_0000
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vector_from_formats_md() {
        // MsiPatchSequence row from Wine's patch test: PatchFamily id 7, ProductCode NULL,
        // Sequence id 6, Attributes i2 0.
        let bytes = [0x07, 0x00, 0x00, 0x00, 0x06, 0x00, 0x00, 0x80];
        let rows = decode_persistent(&bytes, &[2, 2, 2, 2]).unwrap();
        assert_eq!(rows.len(), 1);
        assert_eq!(rows.row(0), &[7, 0, 6, 0x8000]);
        assert_eq!(int16_value(0x8000), Some(0));
        assert_eq!(encode_persistent(&rows, &[2, 2, 2, 2]), bytes);
    }

    #[test]
    fn column_major_round_trip_with_3_byte_refs() {
        let widths = [3, 4, 2];
        let mut rows = RawRows::new(3);
        rows.push(&[0x01_0203, int32_raw(-5), int16_raw(7)]);
        rows.push(&[0x00_0001, 0, int16_raw(-1)]);
        let bytes = encode_persistent(&rows, &widths);
        assert_eq!(&bytes[..6], &[0x03, 0x02, 0x01, 0x01, 0x00, 0x00]);
        let back = decode_persistent(&bytes, &widths).unwrap();
        assert_eq!(back, rows);
        assert_eq!(int32_value(back.row(0)[1]), Some(-5));
        assert_eq!(int32_value(back.row(1)[1]), None);
        assert_eq!(int16_value(back.row(1)[2]), Some(-1));
    }

    #[test]
    fn ragged_stream_is_an_error() {
        let e = decode_persistent(&[1, 2, 3], &[2, 2]).unwrap_err();
        assert!(
            e.to_string().contains("not a whole number of 4-byte rows"),
            "{e}"
        );
        assert!(decode_persistent(&[1], &[]).is_err());
    }

    #[test]
    fn no_row_limit() {
        // 200,000 rows with 3-byte string references: past the 65,536 rows the msi crate reads.
        let widths = [3, 2, 4];
        let mut rows = RawRows::new(3);
        for i in 0..200_000u32 {
            rows.push(&[i + 1, int16_raw((i % 1000) as i32), int32_raw(i as i32)]);
        }
        let bytes = encode_persistent(&rows, &widths);
        assert_eq!(bytes.len(), 200_000 * 9);
        let back = decode_persistent(&bytes, &widths).unwrap();
        assert_eq!(back.len(), 200_000);
        assert_eq!(
            back.row(199_999),
            &[200_000, int16_raw(999), int32_raw(199_999)]
        );
    }
}
