//! The IDT archive format (MsiDatabaseExport, `msiinfo export`): tab-separated text with CRLF.
//!
//! Line 1 the column names, line 2 the type codes (`s72`, `L0`, `i2`, `v0`, upper case when
//! nullable), line 3 the table name and its key columns, then one line per row in stored order.
//! Written as msitools 0.101 writes it, byte for byte: strings in UTF-8 and unescaped, integers
//! in decimal, NULL as nothing, a binary cell as its stream name (the `.ibd` file beside it).

use std::io::{self, Write};

use crate::formats::tables::{Table, ValueRef};

fn line<W: Write>(
    out: &mut W,
    cells: impl IntoIterator<Item = impl AsRef<[u8]>>,
) -> io::Result<()> {
    let mut first = true;
    for c in cells {
        if !first {
            out.write_all(b"\t")?;
        }
        first = false;
        out.write_all(c.as_ref())?;
    }
    out.write_all(b"\r\n")
}

/// Writes the three header lines of a table.
pub(crate) fn write_header<W: Write>(out: &mut W, table: &Table) -> io::Result<()> {
    let def = &table.def;
    line(out, def.columns.iter().map(|c| c.name.as_bytes()))?;
    line(out, def.columns.iter().map(|c| c.ty.idt_code()))?;
    let keys = def.key_indexes();
    line(
        out,
        std::iter::once(def.name.as_str())
            .chain(keys.iter().map(|&k| def.columns[k].name.as_str())),
    )
}

/// Writes a whole table. Cells are written straight from the pool, without per-cell allocation.
pub fn write_table<W: Write>(out: &mut W, table: &Table) -> io::Result<()> {
    write_header(out, table)?;
    let ncols = table.def.columns.len();
    let mut num = itoa_buf();
    for r in 0..table.len() {
        for c in 0..ncols {
            if c > 0 {
                out.write_all(b"\t")?;
            }
            match table.cell(r, c) {
                ValueRef::Null => {}
                ValueRef::Str(s) => out.write_all(s.as_bytes())?,
                ValueRef::Int(i) => out.write_all(fmt_i32(&mut num, i))?,
                ValueRef::Stream => out.write_all(table.stream_name(r).as_bytes())?,
            }
        }
        out.write_all(b"\r\n")?;
    }
    Ok(())
}

/// `_ForceCodepage.idt`: two empty lines, then the code page and the pseudo-table name. libmsi
/// writes the terminating NUL of its buffer too; so does msikit, to stay byte-identical.
pub(crate) fn forcecodepage(codepage: u32) -> Vec<u8> {
    let mut v = format!("\r\n\r\n{codepage}\t_ForceCodepage\r\n").into_bytes();
    v.push(0);
    v
}

/// `_SummaryInformation.idt` from (property id, value bytes) rows. String values are the bytes
/// of the stream, in the summary's code page, as libmsi passes them through.
pub(crate) fn write_summary<W: Write>(out: &mut W, rows: &[(u32, Vec<u8>)]) -> io::Result<()> {
    out.write_all(b"PropertyId\tValue\r\ni2\tl255\r\n_SummaryInformation\tPropertyId\r\n")?;
    for (pid, v) in rows {
        write!(out, "{pid}\t")?;
        out.write_all(v)?;
        out.write_all(b"\r\n")?;
    }
    Ok(())
}

fn itoa_buf() -> [u8; 12] {
    [0; 12]
}

fn fmt_i32(buf: &mut [u8; 12], v: i32) -> &[u8] {
    let mut n = (v as i64).unsigned_abs();
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    if v < 0 {
        i -= 1;
        buf[i] = b'-';
    }
    &buf[i..]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers() {
        let mut b = itoa_buf();
        for v in [0, 7, -1, 1033, i32::MIN, i32::MAX] {
            assert_eq!(fmt_i32(&mut b, v), v.to_string().as_bytes());
        }
    }

    #[test]
    fn forcecodepage_has_libmsi_nul() {
        assert_eq!(forcecodepage(1252), b"\r\n\r\n1252\t_ForceCodepage\r\n\0");
    }
}
