//! IDT folders, both ways. Export: every table as `Table.idt` (byte-identical to `msiinfo
//! export`), the pseudo-tables, binary cells as files. Import, a database from an IDT folder: every `TABLE.idt` (column names, type codes, table name and
//! keys, rows), binary cells from `TABLE/<stream name>`, `_SummaryInformation.idt` and
//! `_ForceCodepage.idt`. The inverse of [`export_idt`].
//!
//! Values are read as msiinfo writes them: UTF-8, one row per CRLF line, cells separated by tabs,
//! nothing escaped. A table file whose third line starts with a code page (`1251\tActionText\t
//! Action`, as Windows' MsiDatabaseExport writes files with non-ASCII text) is text in that code
//! page, and sets a neutral database's code page; a file without one that is not UTF-8 is read in
//! the `_ForceCodepage` code page. A value that itself holds a tab or a line break cannot be told apart from the
//! separators; such a row has the wrong number of cells and is reported, naming the file and line.

use std::fs;
use std::io::Write;
use std::path::PathBuf;

use serde::Serialize;

use crate::database::{open_database, read_summary, read_table, PSEUDO_TABLES};
use crate::formats::container::Container;
use crate::formats::files::{safe_file_name, write_atomically};
use crate::formats::idt;
use crate::formats::summary;

use std::collections::BTreeMap;
use std::path::Path;

use crate::database::{DatabaseModel, TableData};
use crate::error::{Error, Result};
use crate::formats::summary::write::SummaryWriter;
use crate::formats::tables::{Column, ColumnType, TableDef, Value};

/// The `_Columns.Type` word of an IDT type code (`s72`, `L0`, `I2`, `v0`...).
pub(crate) fn column_type(code: &str, key: bool) -> Option<ColumnType> {
    let mut chars = code.chars();
    let letter = chars.next()?;
    let width: u16 = chars.as_str().parse().ok()?;
    if width > 255 {
        return None;
    }
    let nullable = letter.is_ascii_uppercase();
    let mut ty = match letter.to_ascii_lowercase() {
        's' => 0x0D00 | width,
        'l' => 0x0F00 | width,
        'i' if width == 4 => 0x0104,
        'i' => 0x0500 | width,
        'v' => 0x0900,
        _ => return None,
    };
    if nullable {
        ty |= ColumnType::NULLABLE;
    }
    if key {
        ty |= ColumnType::KEY;
    }
    Some(ColumnType(ty))
}

fn read_text(path: &Path) -> Result<String> {
    let bytes =
        std::fs::read(path).map_err(|e| Error::io(e).in_file(path.display().to_string()))?;
    String::from_utf8(bytes)
        .map_err(|_| Error::malformed("is not UTF-8 text").in_file(path.display().to_string()))
}

/// The code page an IDT table file names at the start of its third line (`1251\tActionText\t
/// Action`): Windows' MsiDatabaseExport writes it when the file holds non-ASCII text, which is
/// then in that code page (Archive File Format). `None` when the line starts with the table name.
fn third_line_codepage(bytes: &[u8]) -> Option<u32> {
    let line = bytes.split(|&b| b == b'\n').nth(2)?;
    let mut fields = line.split(|&b| b == b'\t');
    let first = fields.next()?;
    let first = first.strip_suffix(b"\r").unwrap_or(first);
    fields.next()?;
    if first.is_empty() || first.len() > 10 || !first.iter().all(u8::is_ascii_digit) {
        return None;
    }
    std::str::from_utf8(first).ok()?.parse().ok()
}

/// An IDT table file's text, and the code page of its third line when it has one. Without one,
/// the file is UTF-8 (as msiinfo writes it), or else text in `fallback` (the folder's
/// `_ForceCodepage`, when not neutral).
fn read_table_text(path: &Path, fallback: u32) -> Result<(String, Option<u32>)> {
    let name = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|e| Error::io(e).in_file(&name))?;
    let decode = |cp: u32, bytes: &[u8]| -> Result<String> {
        let enc = crate::formats::strings::encoding_for(cp).map_err(|e| e.in_file(&name))?;
        let (text, _, bad) = enc.decode(bytes);
        if bad {
            return Err(Error::malformed(format!("is not text in code page {cp}")).in_file(&name));
        }
        Ok(text.into_owned())
    };
    match third_line_codepage(&bytes) {
        Some(cp) => Ok((decode(cp, &bytes)?, Some(cp))),
        None => match String::from_utf8(bytes) {
            Ok(s) => Ok((s, None)),
            Err(e) if fallback != 0 => Ok((decode(fallback, e.as_bytes())?, None)),
            Err(_) => Err(Error::malformed(
                "is not UTF-8 text, and neither its third line nor _ForceCodepage.idt names a code page",
            )
            .in_file(&name)),
        },
    }
}

/// One IDT table file: the table, its binary cells, and the code page its third line names.
type IdtTable = (TableData, BTreeMap<String, Vec<u8>>, Option<u32>);

fn read_idt_file(dir: &Path, file: &Path, fallback: u32) -> Result<IdtTable> {
    let name = file.display().to_string();
    let bad =
        |line: usize, msg: String| Error::malformed(format!("line {line}: {msg}")).in_file(&name);
    let (text, codepage) = read_table_text(file, fallback)?;
    let mut lines: Vec<&str> = text.split("\r\n").collect();
    if lines.last() == Some(&"") {
        lines.pop();
    }
    if lines.len() < 3 {
        return Err(bad(
            lines.len(),
            "an IDT file has three header lines".into(),
        ));
    }
    let names: Vec<&str> = lines[0].split('\t').collect();
    let codes: Vec<&str> = lines[1].split('\t').collect();
    let mut head = lines[2].split('\t');
    if codepage.is_some() {
        head.next();
    }
    let table = head.next().unwrap_or_default().to_string();
    let keys: Vec<&str> = head.collect();
    if names.len() != codes.len() {
        return Err(bad(
            2,
            format!("{} type codes for {} columns", codes.len(), names.len()),
        ));
    }
    let mut columns = Vec::new();
    for (i, (n, code)) in names.iter().zip(&codes).enumerate() {
        let ty = column_type(code, keys.contains(n))
            .ok_or_else(|| bad(2, format!("'{code}' is not a column type (column '{n}')")))?;
        columns.push(Column {
            name: n.to_string(),
            number: (i + 1) as u16,
            ty,
        });
    }
    let def = TableDef {
        name: table.clone(),
        columns,
    };
    let mut data = TableData::new(def);
    let mut streams = BTreeMap::new();
    for (n, line) in lines.iter().enumerate().skip(3) {
        let cells: Vec<&str> = line.split('\t').collect();
        if cells.len() != names.len() {
            return Err(bad(
                n + 1,
                format!(
                    "{} cells for {} columns (a value with a tab or a line break cannot be read back from IDT)",
                    cells.len(),
                    names.len()
                ),
            ));
        }
        let mut row = Vec::with_capacity(cells.len());
        for (c, cell) in cells.iter().enumerate() {
            let ty = data.def.columns[c].ty;
            let v = if cell.is_empty() {
                Value::Null
            } else if ty.is_binary() {
                // The file export_idt wrote: names made safe the same way, so a cell can name
                // nothing outside the folder.
                let p = dir.join(safe_file_name(&table)).join(safe_file_name(cell));
                let bytes =
                    std::fs::read(&p).map_err(|e| Error::io(e).in_file(p.display().to_string()))?;
                streams.insert(cell.to_string(), bytes);
                Value::Stream(cell.to_string())
            } else if ty.is_string() {
                Value::Str(cell.to_string())
            } else {
                Value::Int(cell.parse().map_err(|_| {
                    bad(
                        n + 1,
                        format!(
                            "'{cell}' in column '{}' is not an integer",
                            data.def.columns[c].name
                        ),
                    )
                })?)
            };
            row.push(v);
        }
        data.rows.push(row);
    }
    Ok((data, streams, codepage))
}

/// "YYYY/MM/DD hh:mm:ss" (UTC) as a FILETIME.
fn filetime(text: &str) -> Option<u64> {
    let (d, t) = text.split_once(' ')?;
    let d: Vec<i64> = d
        .split('/')
        .map(|x| x.parse().ok())
        .collect::<Option<_>>()?;
    let t: Vec<i64> = t
        .split(':')
        .map(|x| x.parse().ok())
        .collect::<Option<_>>()?;
    let (y, m, day) = (*d.first()?, *d.get(1)?, *d.get(2)?);
    // Days from the civil date (proleptic Gregorian), then seconds since 1601-01-01.
    let (yy, mm) = if m <= 2 { (y - 1, m + 9) } else { (y, m - 3) };
    let era = yy.div_euclid(400);
    let yoe = yy - era * 400;
    let doy = (153 * mm + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days_since_1970 = era * 146_097 + doe - 719_468;
    let secs = days_since_1970 * 86_400 + t.first()? * 3600 + t.get(1)? * 60 + t.get(2)?;
    u64::try_from((secs + 11_644_473_600) * 10_000_000).ok()
}

/// The summary stream from `_SummaryInformation.idt`; none when the file lists no property (a
/// database without a summary exports only the header lines).
fn summary(file: &Path, codepage: u32) -> Result<Option<Vec<u8>>> {
    let text = read_text(file)?;
    let name = file.display().to_string();
    let rows: Vec<(u32, &str)> = text
        .split("\r\n")
        .skip(3)
        .filter(|l| !l.is_empty())
        .map(|l| {
            let (p, v) = l.split_once('\t').unwrap_or((l, ""));
            p.parse::<u32>().map(|p| (p, v)).map_err(|_| {
                Error::malformed(format!("'{l}' does not start with a property id")).in_file(&name)
            })
        })
        .collect::<Result<_>>()?;
    if rows.is_empty() {
        return Ok(None);
    }
    let cp = rows
        .iter()
        .find(|(p, _)| *p == 1)
        .and_then(|(_, v)| v.parse::<u16>().ok())
        .unwrap_or(if codepage == 0 { 1252 } else { codepage as u16 });
    let mut w = SummaryWriter::new(cp);
    if !rows.iter().any(|(p, _)| *p == 1) {
        // The source had no code-page property; do not invent one.
        w.remove(1);
    }
    for (pid, v) in rows {
        match pid {
            1 => {}
            10..=13 => {
                let ft = filetime(v).ok_or_else(|| {
                    Error::malformed(format!("property {pid}: '{v}' is not YYYY/MM/DD hh:mm:ss"))
                        .in_file(&name)
                })?;
                w.filetime(pid, ft);
            }
            14..=16 | 19 => {
                let n = v.parse().map_err(|_| {
                    Error::malformed(format!("property {pid}: '{v}' is not a number"))
                        .in_file(&name)
                })?;
                w.int32(pid, n);
            }
            _ => {
                w.string(pid, v).map_err(|e| e.in_file(&name))?;
            }
        }
    }
    Ok(Some(w.to_bytes()))
}

/// Reads an IDT folder into a database model.
pub fn from_folder(dir: &Path) -> Result<DatabaseModel> {
    let folder = dir.display().to_string();
    let mut files: Vec<std::path::PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| Error::io(e).in_file(&folder))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x.eq_ignore_ascii_case("idt")))
        .collect();
    files.sort();
    let mut model = DatabaseModel::default();
    if let Some(f) = files
        .iter()
        .find(|f| f.file_stem().is_some_and(|s| s == "_ForceCodepage"))
    {
        let text = read_text(f)?;
        model.codepage = text
            .split("\r\n")
            .find_map(|l| {
                l.strip_suffix("\t_ForceCodepage")
                    .and_then(|c| c.parse().ok())
            })
            .unwrap_or(0);
    }
    for f in &files {
        match f.file_stem().and_then(|s| s.to_str()) {
            Some("_ForceCodepage") => {}
            Some("_SummaryInformation") => model.summary = summary(f, model.codepage)?,
            _ => {
                let (t, streams, codepage) = read_idt_file(dir, f, model.codepage)?;
                // A file in a code page sets a neutral database's; another code page than the
                // database's is refused, as MsiDatabaseImport refuses it.
                match codepage {
                    Some(cp) if model.codepage == 0 => model.codepage = cp,
                    Some(cp) if cp != model.codepage => {
                        return Err(Error::refused(format!(
                            "is in code page {cp}, but the database's is {} (from _ForceCodepage.idt or an earlier file); both must match unless one is neutral (0)",
                            model.codepage
                        ))
                        .in_file(f.display().to_string()))
                    }
                    _ => {}
                }
                model.streams.extend(streams);
                model.tables.push(t);
            }
        }
    }
    if model.tables.is_empty() {
        return Err(Error::refused("holds no .idt table files").in_file(folder));
    }
    Ok(model)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_page_of_the_third_line() {
        assert_eq!(
            third_line_codepage(b"A\tB\r\ns72\tL0\r\n1251\tActionText\tAction\r\nx\ty\r\n"),
            Some(1251)
        );
        assert_eq!(
            third_line_codepage(b"A\tB\r\ns72\tL0\r\nActionText\tAction\r\n"),
            None
        );
        // A number alone is no code page line (nothing follows it).
        assert_eq!(third_line_codepage(b"A\r\ns72\r\n1251\r\n"), None);
        assert_eq!(third_line_codepage(b"A\r\ns72\r\n"), None);
    }

    #[test]
    fn a_table_in_a_code_page_sets_or_conflicts() {
        let dir = std::env::temp_dir().join(format!("msikit-idt-cp-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let mut file = b"Property\tValue\r\ns72\tl0\r\n1251\tProperty\tProperty\r\nName\t".to_vec();
        file.extend_from_slice(&[0xCF, 0xF0, 0xE8, 0xE2, 0xE5, 0xF2, b'\r', b'\n']);
        std::fs::write(dir.join("Property.idt"), &file).unwrap();
        std::fs::write(
            dir.join("_ForceCodepage.idt"),
            "\r\n\r\n0\t_ForceCodepage\r\n",
        )
        .unwrap();
        let m = from_folder(&dir).unwrap();
        assert_eq!(m.codepage, 1251);
        assert_eq!(
            m.tables[0].rows[0],
            vec![Value::Str("Name".into()), Value::Str("Привет".into())]
        );
        std::fs::write(
            dir.join("_ForceCodepage.idt"),
            "\r\n\r\n1252\t_ForceCodepage\r\n",
        )
        .unwrap();
        let e = from_folder(&dir).unwrap_err().to_string();
        assert!(
            e.contains("is in code page 1251, but the database's is 1252"),
            "{e}"
        );
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn type_codes_round_trip() {
        for (code, key, word) in [
            ("s72", true, 0x2D48u16),
            ("S72", false, 0x1D48),
            ("L64", false, 0x1F40),
            ("l0", false, 0x0F00),
            ("i2", false, 0x0502),
            ("I2", false, 0x1502),
            ("i4", false, 0x0104),
            ("I4", false, 0x1104),
            ("v0", false, 0x0900),
            ("V0", false, 0x1900),
            ("I1", false, 0x1501),
        ] {
            let ty = column_type(code, key).unwrap();
            assert_eq!(ty.0, word, "{code}");
            assert_eq!(ty.idt_code(), code);
        }
        assert!(column_type("x3", false).is_none());
        assert!(column_type("s", false).is_none());
    }

    #[test]
    fn ansi_table_files() {
        let head = "Action\tDescription\r\ns72\tL0\r\nActionText\tAction\r\n";
        let ascii = format!("{head}A\tb\r\n").into_bytes();
        assert_eq!(
            to_ansi(ascii.clone(), 1251, "ActionText").unwrap(),
            (ascii, false)
        );
        let ru = format!("{head}A\tПоиск\r\n").into_bytes();
        let (bytes, line) = to_ansi(ru.clone(), 1251, "ActionText").unwrap();
        assert!(line);
        assert_eq!(
            bytes,
            [
                &b"Action\tDescription\r\ns72\tL0\r\n1251\tActionText\tAction\r\nA\t"[..],
                &[0xCF, 0xEE, 0xE8, 0xF1, 0xEA],
                b"\r\n"
            ]
            .concat()
        );
        // A neutral database: its text in 1252, no code page to name.
        let fr = format!("{head}A\tété\r\n").into_bytes();
        let (bytes, line) = to_ansi(fr, 0, "ActionText").unwrap();
        assert!(!line);
        assert!(bytes.ends_with(b"A\t\xE9t\xE9\r\n"));
        // Text the code page cannot hold names the table, the row and the character.
        let e = to_ansi(ru, 1252, "ActionText").unwrap_err().to_string();
        assert!(
            e.contains("ActionText") && e.contains("row 1") && e.contains("U+041F"),
            "{e}"
        );
    }

    #[test]
    fn filetime_of_a_date() {
        // 2025/01/01 12:00:00 UTC.
        let ft = filetime("2025/01/01 12:00:00").unwrap();
        assert_eq!(
            crate::formats::summary::format_filetime(ft),
            "2025/01/01 12:00:00"
        );
    }
}

/// Writes one table, or one of the pseudo-tables `_SummaryInformation` and `_ForceCodepage`,
/// in IDT form, byte-identical to `msiinfo export FILE NAME`.
pub fn write_idt<W: Write>(c: &Container, name: &str, out: &mut W) -> Result<()> {
    let db = open_database(c)?;
    match name {
        "_ForceCodepage" => out.write_all(&idt::forcecodepage(db.codepage()))?,
        "_SummaryInformation" => {
            // No summary stream: msiinfo writes the header lines alone.
            let rows = if c.has_raw_stream("", summary::STREAM_NAME) {
                summary_idt_rows(&read_summary(c, "")?)
            } else {
                Vec::new()
            };
            idt::write_summary(out, &rows)?;
        }
        _ => {
            let t = read_table(c, name)?;
            idt::write_table(out, &t)?;
        }
    }
    Ok(())
}

/// The `_SummaryInformation.idt` rows: strings as their stored bytes, other values as text.
fn summary_idt_rows(si: &summary::SummaryInfo) -> Vec<(u32, Vec<u8>)> {
    si.idt_rows()
        .into_iter()
        .map(|(pid, text)| {
            let raw = si
                .property(pid)
                .filter(|p| p.vt == summary::vt::LPSTR)
                .map(|p| p.raw.clone());
            (pid, raw.unwrap_or_else(|| text.into_bytes()))
        })
        .collect()
}

/// What `msikit export --idt` wrote.
#[derive(Debug, Clone, Serialize)]
pub struct ExportReport {
    pub folder: String,
    /// How the table files are encoded: `utf-8` (as `msiinfo export`) or `ansi` (as
    /// MsiDatabaseExport, in the database's code page).
    pub encoding: IdtEncoding,
    /// The database's code page (written in `_ForceCodepage.idt`).
    pub codepage: u32,
    pub tables: Vec<String>,
    /// The tables written with the code page on their third line (`--ansi`, non-ASCII text).
    pub tables_with_codepage_line: Vec<String>,
    pub streams: usize,
}

/// How `export --idt` encodes the text of table files.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum IdtEncoding {
    /// UTF-8, byte-identical to `msiinfo export` (msitools).
    Utf8,
    /// As MsiDatabaseExport (Orca, MsiDb) writes them: a table with only ASCII text in the basic
    /// format; a table with other text in the database's code page, that code page first on its
    /// third line (Archive File Format). A code-page-neutral database has no code page to name:
    /// its text is written in 1252, read back through `_ForceCodepage.idt`.
    Ansi,
}

/// Re-encodes one table file written as UTF-8 (by [`idt::write_table`]) in `codepage`, with the
/// code page first on the third line when the text is not all ASCII and the code page is not
/// neutral. Returns whether the line was added.
fn to_ansi(utf8: Vec<u8>, codepage: u32, table: &str) -> Result<(Vec<u8>, bool)> {
    if utf8.is_ascii() {
        return Ok((utf8, false));
    }
    let text = String::from_utf8(utf8)
        .map_err(|_| Error::malformed("is not UTF-8 text").at(table.to_string()))?;
    let enc =
        crate::formats::strings::encoding_for(codepage).map_err(|e| e.at(table.to_string()))?;
    if let Some((row, line)) = text
        .lines()
        .enumerate()
        .skip(3)
        .find(|(_, l)| enc.encode(l).2)
    {
        let ch = line
            .chars()
            .find(|c| enc.encode(c.encode_utf8(&mut [0; 4])).2)
            .unwrap_or('?');
        return Err(Error::unsupported(format!(
            "row {}: the character {ch:?} (U+{:04X}) cannot be written in code page {codepage}",
            row - 2,
            ch as u32
        ))
        .at(table.to_string()));
    }
    let (bytes, _, _) = enc.encode(&text);
    if codepage == 0 {
        return Ok((bytes.into_owned(), false));
    }
    // After the second CRLF: the third line starts there.
    let third = bytes
        .windows(2)
        .enumerate()
        .filter(|(_, w)| w == b"\r\n")
        .nth(1)
        .map(|(i, _)| i + 2)
        .unwrap_or(bytes.len());
    let mut out = Vec::with_capacity(bytes.len() + 8);
    out.extend_from_slice(&bytes[..third]);
    out.extend_from_slice(format!("{codepage}\t").as_bytes());
    out.extend_from_slice(&bytes[third..]);
    Ok((out, true))
}

/// `msikit export --idt DIR`: every table as `Table.idt`, `_SummaryInformation.idt`,
/// `_ForceCodepage.idt`, and binary cells as files in `DIR/Table/` named by their stream, the
/// layout `msidump` and MsiDb use.
pub fn export_idt(path: &Path, dir: &Path, encoding: IdtEncoding) -> Result<ExportReport> {
    let c = Container::open(path)?;
    let db = open_database(&c)?;
    let folder = dir.display().to_string();
    fs::create_dir_all(dir).map_err(|e| Error::io(e).in_file(&folder))?;
    let mut written = Vec::new();
    let mut streams = 0;
    let mut with_line = Vec::new();
    for pseudo in PSEUDO_TABLES {
        let mut buf = Vec::new();
        write_idt(&c, pseudo, &mut buf)?;
        write_atomically(&dir.join(format!("{pseudo}.idt")), &buf)?;
        written.push(pseudo.to_string());
    }
    for def in db.defs() {
        let t = db.table(&def.name)?;
        let mut buf = Vec::new();
        idt::write_table(&mut buf, &t)?;
        if encoding == IdtEncoding::Ansi {
            let (ansi, line) = to_ansi(buf, db.codepage(), &def.name)?;
            buf = ansi;
            if line {
                with_line.push(def.name.clone());
            }
        }
        write_atomically(
            &dir.join(format!("{}.idt", safe_file_name(&def.name))),
            &buf,
        )?;
        written.push(def.name.clone());
        if def.columns.iter().any(|c| c.ty.is_binary()) {
            let sub: PathBuf = dir.join(safe_file_name(&def.name));
            for r in 0..t.len() {
                for col in 0..def.columns.len() {
                    if let crate::formats::tables::ValueRef::Stream = t.cell(r, col) {
                        let sname = t.stream_name(r);
                        if !db.has_stream(&sname) {
                            continue;
                        }
                        let bytes = db.read_stream(&sname)?;
                        fs::create_dir_all(&sub)
                            .map_err(|e| Error::io(e).in_file(sub.display().to_string()))?;
                        write_atomically(&sub.join(safe_file_name(&sname)), &bytes)?;
                        streams += 1;
                    }
                }
            }
        }
    }
    Ok(ExportReport {
        folder,
        encoding,
        codepage: db.codepage(),
        tables: written,
        tables_with_codepage_line: with_line,
        streams,
    })
}
