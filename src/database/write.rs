//! The database writer: turns a [`DatabaseModel`] into the bytes of a complete compound file.
//!
//! # Layout
//!
//! The file is a version 3 compound file (512-byte sectors), as Windows writes installer
//! databases, with the root CLSID of a database or a patch and every timestamp zero, so one model
//! always gives the same bytes ([`crate::formats::container::build_compound_file`]). It holds
//! `_StringPool` and `_StringData`, the catalog tables `_Tables` and `_Columns`, one stream per
//! table that has rows (an empty table has no stream, like Windows), the summary as the unpacked
//! stream `\x05SummaryInformation`, and every stream of [`DatabaseModel::streams`] under its
//! packed name. Binary cells are stored as the marker 1 (what every binary cell of the corpus
//! holds, and what Wine's `get_table_value_from_record` stores); their data is the stream the cell
//! names. Sub-storages and signatures are not part of the model,
//! so a rewritten file has none.
//!
//! # Row order
//!
//! Windows Installer keeps the rows of a persistent table sorted by primary key, and compares keys
//! by their *stored* values, column by column: a string key by its string-pool id, not by its
//! text; an integer by its biased stored value (which orders like the signed value); NULL (0)
//! first. Sources: Wine's `dlls/msi/table.c` (`find_insert_index` and `compare_record`, which
//! binary-search the stored cells); rust-msi issue #59 (msiexec refuses databases whose rows are
//! not sorted by string-pool id with error 2219, "Invalid Installer database format") and issue
//! #41 / PR #44 (rows inserted out of order make a table unreadable to msiexec and Orca); and the
//! corpus: all 1,578 tables with two or more rows in its 120 databases are sorted by stored
//! values, only 210 of them also by text. The writer sorts every table's rows so (a stable sort:
//! rows with equal keys keep their order), `_Tables` included (by the id of the name) and
//! `_Columns` (by table id, then column number).
//!
//! # String ids
//!
//! Id 0 is NULL. The other ids are given in an order that keeps each table's rows where the model
//! has them whenever some id order can: each pair of neighbouring rows whose keys first differ in
//! a string column asks for the first string's id to be smaller, and so does each pair of
//! neighbouring tables in the model's catalog order; the ids follow a topological order of these
//! constraints, ties (and cycles, broken at the string seen first) going to the string seen first,
//! reading table names in catalog order, then each table's column names, then each table's cells
//! row by row. A model read from a file written by Windows (or by any writer whose rows were
//! sorted some consistent way) is therefore written back with every row and table in its place;
//! for any other model the rows are sorted as Windows requires.
//!
//! # String pool
//!
//! The header keeps [`DatabaseModel::codepage`] and sets the long-reference flag (3-byte string
//! references in every table) when ids pass 0xFFFF. Each entry is (length, reference count), the
//! count being the real number of cells that use the string (`_Tables` and `_Columns` included),
//! capped at 0xFFFF; a string of 64 KiB or more is written as (0, count) followed by
//! (length low, length high), as [`crate::formats::strings`] reads it (`crate::formats::strings::encode_pool`
//! writes it). Strings are encoded in the model's
//! code page; a character it cannot represent is an error naming where the string is used.

use std::borrow::Cow;
use std::cmp::{Ordering, Reverse};
use std::collections::{BinaryHeap, HashMap};
use std::path::Path;

use crate::database::model::DatabaseModel;
use crate::error::{Error, Result};
use crate::formats::container::{
    build_compound_file, streamname, NewEntry, PackageKind, CLSID_DATABASE, CLSID_PATCH,
};
use crate::formats::tables::codec::{self, RawRows};
use crate::formats::tables::{columns_def, tables_def, TableDef, Value};

/// What a non-NULL binary cell stores (Windows and Wine store 1).
pub(crate) const BINARY_MARKER: u32 = 1;

/// The name of the summary stream (stored unpacked).
const SUMMARY_STREAM: &str = "\u{5}SummaryInformation";

/// Names the writer produces itself, which no model table may take.
const RESERVED_TABLES: [&str; 4] = ["_Tables", "_Columns", "_StringPool", "_StringData"];

/// Writes `model` as a complete installer database (an .msi or .msm for
/// [`PackageKind::Database`], the database of an .msp for [`PackageKind::Patch`]).
pub fn write_database(model: &DatabaseModel, kind: PackageKind) -> Result<Vec<u8>> {
    let clsid = match kind {
        PackageKind::Database => CLSID_DATABASE,
        PackageKind::Patch => CLSID_PATCH,
        PackageKind::Transform => {
            return Err(Error::refused(
                "a transform is not a database: the database writer cannot write one",
            ))
        }
    };
    let plan = Plan::build(model)?;
    let streams = plan.streams(model)?;
    let entries: Vec<NewEntry<'_>> = streams
        .iter()
        .map(|(path, data)| NewEntry::Stream {
            path: path.clone(),
            data,
        })
        .collect();
    build_compound_file(clsid, &entries)
}

/// Writes `model` to `path` through a temporary file in the same folder and a rename.
pub fn write_database_file(model: &DatabaseModel, kind: PackageKind, path: &Path) -> Result<()> {
    let bytes = write_database(model, kind).map_err(|e| e.in_file(path.display().to_string()))?;
    crate::formats::files::write_atomically(path, &bytes)
}

/// Where a string is first used, for error messages.
#[derive(Debug, Clone, Copy)]
enum Place {
    /// A table's name (`_Tables.Name`).
    Table(usize),
    /// A column's name (`_Columns.Name`): table, column.
    Column(usize, usize),
    /// A cell: table, row, column.
    Cell(usize, usize, usize),
}

/// The distinct strings of a model, in order of first appearance (the node numbers of the id
/// ordering).
#[derive(Default)]
struct Strings<'m> {
    index: HashMap<&'m str, u32>,
    texts: Vec<&'m str>,
    refs: Vec<u32>,
    first: Vec<Place>,
}

impl<'m> Strings<'m> {
    /// The node of `s` (added on first sight), counting one more reference.
    fn add(&mut self, s: &'m str, place: Place) -> u32 {
        let node = *self.index.entry(s).or_insert_with(|| {
            self.texts.push(s);
            self.refs.push(0);
            self.first.push(place);
            (self.texts.len() - 1) as u32
        });
        self.refs[node as usize] = self.refs[node as usize].saturating_add(1);
        node
    }

    fn len(&self) -> usize {
        self.texts.len()
    }
}

/// Everything needed to write the streams: string ids and the rows of every table, with string
/// cells holding pool ids.
struct Plan<'m> {
    strings: Strings<'m>,
    /// Node -> id (1-based).
    ids: Vec<u32>,
    /// Node of each id, from id 1 up.
    order: Vec<u32>,
    /// Per model table, its stored cells row by row (string cells as ids), sorted.
    rows: Vec<RawRows>,
    /// Model table indexes in catalog (id) order.
    catalog: Vec<usize>,
}

/// An error about the string first used at `place`; `msg` follows what the string is ("the
/// table name", "the column name", "the text").
fn place_error(model: &DatabaseModel, place: Place, msg: impl Fn(&str) -> String) -> Error {
    match place {
        Place::Table(t) => table_error(&model.tables[t].def, msg("the table name")),
        Place::Column(t, c) => Error::unsupported(msg("the column name"))
            .at(crate::error::Place::column(
                &model.tables[t].def.columns[c].name,
            ))
            .at(crate::error::Place::table(&model.tables[t].def.name)),
        Place::Cell(t, r, c) => cell_error(model, t, r, c, msg("the text")),
    }
}

/// A value as an error message shows it.
fn describe(v: &Value) -> String {
    match v {
        Value::Null => "NULL".into(),
        Value::Int(i) => format!("the integer {i}"),
        Value::Str(s) => format!("the string {s:?}"),
        Value::Stream(n) => format!("the stream {n:?}"),
    }
}

fn cell_error(model: &DatabaseModel, t: usize, r: usize, c: usize, msg: String) -> Error {
    let def = &model.tables[t].def;
    let col = def.columns.get(c).map(|c| c.name.as_str()).unwrap_or("?");
    Error::unsupported(msg)
        .at(crate::error::Place::Cell {
            row: r + 1,
            column: col.to_string(),
        })
        .at(crate::error::Place::table(&def.name))
}

fn table_error(def: &TableDef, msg: String) -> Error {
    Error::unsupported(msg).at(crate::error::Place::table(&def.name))
}

/// Checks a table's schema: a writable name, column names, numbers 1..=255 strictly increasing
/// (the reader orders columns by number, the streams by position), and storable types.
fn check_schema(def: &TableDef) -> Result<()> {
    if def.name.is_empty() {
        return Err(Error::unsupported("a table has an empty name"));
    }
    if RESERVED_TABLES.contains(&def.name.as_str()) {
        return Err(table_error(
            def,
            "this name is reserved for the database's own streams".into(),
        ));
    }
    check_entry_name(&streamname::encode(&def.name, true))
        .map_err(|m| table_error(def, format!("the table name cannot be a stream name: {m}")))?;
    let mut last = 0u16;
    for c in &def.columns {
        if c.name.is_empty() {
            return Err(table_error(
                def,
                format!("column {} has an empty name", c.number),
            ));
        }
        if c.number == 0 || c.number > 255 || c.number <= last {
            return Err(table_error(
                def,
                format!(
                    "column '{}' has number {}; numbers must run from 1 to 255 in column order",
                    c.name, c.number
                ),
            ));
        }
        last = c.number;
        if c.ty.stream_width(2).is_none() {
            return Err(table_error(
                def,
                format!(
                    "column '{}' is an integer of width {}, not 2 or 4",
                    c.name,
                    c.ty.width()
                ),
            ));
        }
        if codec::int16_raw(i32::from(c.ty.0 as i16)) == 0 {
            return Err(table_error(
                def,
                format!(
                    "column '{}' has type {:#06x}, which cannot be stored",
                    c.name, c.ty.0
                ),
            ));
        }
    }
    Ok(())
}

/// Checks a packed compound-file entry name: 1 to 31 UTF-16 units, none of `/ \ : !` or NUL.
fn check_entry_name(packed: &str) -> std::result::Result<(), String> {
    let units = packed.encode_utf16().count();
    if units == 0 {
        return Err("the name is empty".into());
    }
    if units > 31 {
        return Err(format!(
            "it packs to {units} UTF-16 units, more than the 31 a compound-file entry allows"
        ));
    }
    if let Some(ch) = packed
        .chars()
        .find(|c| matches!(c, '/' | '\\' | ':' | '!' | '\0'))
    {
        return Err(format!(
            "it contains {ch:?}, which a compound-file entry name cannot hold"
        ));
    }
    Ok(())
}

impl<'m> Plan<'m> {
    fn build(model: &'m DatabaseModel) -> Result<Plan<'m>> {
        model.check_names()?;
        let mut seen: HashMap<&str, usize> = HashMap::new();
        for (ti, t) in model.tables.iter().enumerate() {
            check_schema(&t.def)?;
            if seen.insert(t.def.name.as_str(), ti).is_some() {
                return Err(table_error(
                    &t.def,
                    "the model has two tables of this name".into(),
                ));
            }
        }

        // Strings in order of first appearance, with reference counts.
        let mut strings = Strings::default();
        let table_nodes: Vec<u32> = model
            .tables
            .iter()
            .enumerate()
            .map(|(ti, t)| strings.add(&t.def.name, Place::Table(ti)))
            .collect();
        for (ti, t) in model.tables.iter().enumerate() {
            for (ci, c) in t.def.columns.iter().enumerate() {
                strings.add(&t.def.name, Place::Table(ti));
                strings.add(&c.name, Place::Column(ti, ci));
            }
        }

        // Cells: string cells hold node + 1 for now (0 = NULL), the others their stored value.
        let mut cells: Vec<Vec<u32>> = Vec::with_capacity(model.tables.len());
        for (ti, t) in model.tables.iter().enumerate() {
            let ncols = t.def.columns.len();
            if ncols == 0 && !t.rows.is_empty() {
                return Err(table_error(
                    &t.def,
                    "a table without columns cannot hold rows".into(),
                ));
            }
            let mut flat = Vec::with_capacity(t.rows.len() * ncols);
            for (ri, row) in t.rows.iter().enumerate() {
                if row.len() != ncols {
                    return Err(table_error(
                        &t.def,
                        format!(
                            "row {} has {} values for {ncols} columns",
                            ri + 1,
                            row.len()
                        ),
                    ));
                }
                for (ci, v) in row.iter().enumerate() {
                    let ty = t.def.columns[ci].ty;
                    let err = |msg: String| cell_error(model, ti, ri, ci, msg);
                    let raw = if ty.is_binary() {
                        match v {
                            Value::Null => 0,
                            Value::Stream(name) => {
                                if !model.streams.contains_key(name) {
                                    return Err(err(format!(
                                        "the binary cell names stream '{name}', which the model does not have"
                                    )));
                                }
                                BINARY_MARKER
                            }
                            other => {
                                return Err(err(format!(
                                    "a binary column cannot hold {}",
                                    describe(other)
                                )))
                            }
                        }
                    } else if ty.is_string() {
                        match v {
                            Value::Null => 0,
                            Value::Str(s) if s.is_empty() => 0,
                            Value::Str(s) => strings.add(s, Place::Cell(ti, ri, ci)) + 1,
                            other => {
                                return Err(err(format!(
                                    "a string column cannot hold {}",
                                    describe(other)
                                )))
                            }
                        }
                    } else {
                        let wide = ty.stream_width(2) == Some(4);
                        match v {
                            Value::Null => 0,
                            Value::Int(i) if wide => {
                                if *i == i32::MIN {
                                    return Err(err(format!(
                                        "{i} is out of range for a 4-byte integer column (it is the NULL value)"
                                    )));
                                }
                                codec::int32_raw(*i)
                            }
                            Value::Int(i) => {
                                if !(-32767..=32767).contains(i) {
                                    return Err(err(format!(
                                        "{i} is out of range for a 2-byte integer column (-32767 to 32767)"
                                    )));
                                }
                                codec::int16_raw(*i)
                            }
                            other => {
                                return Err(err(format!(
                                    "an integer column cannot hold {}",
                                    describe(other)
                                )))
                            }
                        }
                    };
                    flat.push(raw);
                }
            }
            cells.push(flat);
        }

        if strings.len() > 0xFF_FFFF {
            return Err(Error::unsupported(format!(
                "the database has {} distinct strings, more than 3-byte string references can hold",
                strings.len()
            )));
        }

        // Constraints between string nodes: neighbouring tables, neighbouring rows.
        let n = strings.len();
        let mut succ: Vec<Vec<u32>> = vec![Vec::new(); n];
        let mut indeg: Vec<u32> = vec![0; n];
        let mut edge = |a: u32, b: u32| {
            if a != b {
                succ[a as usize].push(b);
                indeg[b as usize] += 1;
            }
        };
        for w in table_nodes.windows(2) {
            edge(w[0], w[1]);
        }
        for (t, flat) in model.tables.iter().zip(&cells) {
            let ncols = t.def.columns.len();
            if ncols == 0 {
                continue;
            }
            let keys = t.def.key_indexes();
            let is_str: Vec<bool> = t.def.columns.iter().map(|c| c.ty.is_string()).collect();
            let mut prev: Option<&[u32]> = None;
            for row in flat.chunks_exact(ncols) {
                if let Some(p) = prev {
                    for &k in &keys {
                        let (a, b) = (p[k], row[k]);
                        if a == b {
                            continue;
                        }
                        if is_str[k] && a != 0 && b != 0 {
                            edge(a - 1, b - 1);
                        }
                        // Otherwise the stored values decide (NULL first), whatever the ids.
                        break;
                    }
                }
                prev = Some(row);
            }
        }

        // Kahn's algorithm, smallest node first; a cycle is broken at its smallest node.
        let mut order: Vec<u32> = Vec::with_capacity(n);
        let mut emitted = vec![false; n];
        let mut ready: BinaryHeap<Reverse<u32>> = (0..n as u32)
            .filter(|&i| indeg[i as usize] == 0)
            .map(Reverse)
            .collect();
        let mut next_forced = 0usize;
        while order.len() < n {
            let node = match ready.pop() {
                Some(Reverse(node)) => node,
                None => {
                    while emitted[next_forced] {
                        next_forced += 1;
                    }
                    next_forced as u32
                }
            };
            if emitted[node as usize] {
                continue;
            }
            emitted[node as usize] = true;
            order.push(node);
            for &s in &succ[node as usize] {
                let d = &mut indeg[s as usize];
                *d = d.saturating_sub(1);
                if *d == 0 && !emitted[s as usize] {
                    ready.push(Reverse(s));
                }
            }
        }
        let mut ids = vec![0u32; n];
        for (i, &node) in order.iter().enumerate() {
            ids[node as usize] = i as u32 + 1;
        }

        // Cells with ids, rows sorted by their stored keys.
        let mut rows = Vec::with_capacity(model.tables.len());
        for (t, mut flat) in model.tables.iter().zip(cells) {
            let ncols = t.def.columns.len();
            let mut raw = RawRows::new(ncols);
            if ncols == 0 {
                rows.push(raw);
                continue;
            }
            for (j, c) in t.def.columns.iter().enumerate() {
                if c.ty.is_string() {
                    for cell in flat.iter_mut().skip(j).step_by(ncols) {
                        if *cell != 0 {
                            *cell = ids[(*cell - 1) as usize];
                        }
                    }
                }
            }
            let keys = t.def.key_indexes();
            let mut index: Vec<&[u32]> = flat.chunks_exact(ncols).collect();
            index.sort_by(|a, b| compare_keys(a, b, &keys));
            for r in index {
                raw.push(r);
            }
            rows.push(raw);
        }
        let mut catalog: Vec<usize> = (0..model.tables.len()).collect();
        catalog.sort_by_key(|&t| ids[table_nodes[t] as usize]);

        Ok(Plan {
            strings,
            ids,
            order,
            rows,
            catalog,
        })
    }

    fn ref_size(&self) -> usize {
        if self.order.len() > 0xFFFF {
            3
        } else {
            2
        }
    }

    /// The id of a string the plan holds.
    fn id(&self, s: &str) -> u32 {
        self.strings
            .index
            .get(s)
            .map(|&n| self.ids[n as usize])
            .unwrap_or(0)
    }

    /// `_StringPool` and `_StringData`.
    fn string_pool(&self, model: &DatabaseModel) -> Result<(Vec<u8>, Vec<u8>)> {
        let cp = model.codepage;
        if cp > 0x7FFF_FFFF {
            return Err(Error::unsupported(format!(
                "code page {cp} does not fit the string pool header"
            )));
        }
        let enc = crate::formats::strings::encoding_for(cp)?;
        if enc.output_encoding() != enc {
            return Err(Error::unsupported(format!(
                "code page {cp} ({}) cannot be written: strings can only be stored in an ANSI code page or UTF-8",
                enc.name()
            )));
        }
        let strings: Vec<(&str, u32)> = self
            .order
            .iter()
            .map(|&n| {
                (
                    self.strings.texts[n as usize],
                    self.strings.refs[n as usize],
                )
            })
            .collect();
        match crate::formats::strings::encode_pool(cp, &strings) {
            Ok((pool, data, long_refs)) => {
                debug_assert_eq!(long_refs, self.ref_size() == 3);
                Ok((pool, data))
            }
            Err(e) => {
                // Name the place of the first string the code page cannot hold.
                for &node in &self.order {
                    let text = self.strings.texts[node as usize];
                    if !enc.encode(text).2 {
                        continue;
                    }
                    let ch = text
                        .chars()
                        .find(|c| enc.encode(c.encode_utf8(&mut [0; 4])).2)
                        .unwrap_or('\u{fffd}');
                    return Err(place_error(
                        model,
                        self.strings.first[node as usize],
                        |what| {
                            format!(
                            "{what} {text:?} has the character {ch:?} (U+{:04X}), which code page {cp} cannot represent",
                            ch as u32
                        )
                        },
                    ));
                }
                Err(e)
            }
        }
    }

    /// Every stream of the file as (entry name, bytes), in the order they are written.
    fn streams(&self, model: &'m DatabaseModel) -> Result<Vec<(String, Cow<'m, [u8]>)>> {
        let (pool, data) = self.string_pool(model)?;
        let mut out: Vec<(String, Cow<'m, [u8]>)> = vec![
            (streamname::encode("_StringPool", true), Cow::Owned(pool)),
            (streamname::encode("_StringData", true), Cow::Owned(data)),
        ];
        let ref_size = self.ref_size();
        let table = |def: &TableDef, rows: &RawRows| -> Result<Option<(String, Cow<'m, [u8]>)>> {
            if rows.is_empty() {
                return Ok(None);
            }
            let widths = def
                .widths(ref_size)
                .ok_or_else(|| table_error(def, "a column has no storable width".into()))?;
            Ok(Some((
                streamname::encode(&def.name, true),
                Cow::Owned(codec::encode_persistent(rows, &widths)),
            )))
        };

        // The catalog, in id order (which is the sorted order of both tables).
        let mut tables_rows = RawRows::new(1);
        let mut columns_rows = RawRows::new(4);
        for &t in &self.catalog {
            let def = &model.tables[t].def;
            let name = self.id(&def.name);
            tables_rows.push(&[name]);
            for c in &def.columns {
                columns_rows.push(&[
                    name,
                    codec::int16_raw(i32::from(c.number)),
                    self.id(&c.name),
                    codec::int16_raw(i32::from(c.ty.0 as i16)),
                ]);
            }
        }
        out.extend(table(&tables_def(), &tables_rows)?);
        out.extend(table(&columns_def(), &columns_rows)?);
        for &t in &self.catalog {
            out.extend(table(&model.tables[t].def, &self.rows[t])?);
        }

        if let Some(summary) = &model.summary {
            out.push((
                SUMMARY_STREAM.to_string(),
                Cow::Borrowed(summary.as_slice()),
            ));
        }
        for (name, data) in &model.streams {
            let packed = streamname::encode(name, false);
            check_entry_name(&packed).map_err(|m| {
                Error::unsupported(format!("the name cannot be a stream name: {m}"))
                    .at(crate::error::Place::stream(name))
            })?;
            out.push((packed, Cow::Borrowed(data.as_slice())));
        }
        Ok(out)
    }
}

/// Compares two rows by their stored key cells, column by column (Wine's `compare_record`).
fn compare_keys(a: &[u32], b: &[u32], keys: &[usize]) -> Ordering {
    for &k in keys {
        match a[k].cmp(&b[k]) {
            Ordering::Equal => continue,
            other => return other,
        }
    }
    Ordering::Equal
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::database::{Database, TableData};
    use crate::formats::container::Container;
    use crate::formats::tables::{Column, ColumnType};

    const KEY_S72: u16 = 0x2D48;
    const S0: u16 = 0x1D00;
    const KEY_I2: u16 = 0x2502;
    const I2: u16 = 0x1502;
    const I4: u16 = 0x1104;
    const BIN: u16 = 0x1900;

    fn table(name: &str, cols: &[(&str, u16)], rows: Vec<Vec<Value>>) -> TableData {
        TableData {
            def: TableDef {
                name: name.into(),
                columns: cols
                    .iter()
                    .enumerate()
                    .map(|(i, &(n, ty))| Column {
                        name: n.into(),
                        number: i as u16 + 1,
                        ty: ColumnType(ty),
                    })
                    .collect(),
            },
            rows,
        }
    }

    fn s(v: &str) -> Value {
        Value::Str(v.into())
    }

    fn sample() -> DatabaseModel {
        let mut m = DatabaseModel {
            codepage: 1252,
            ..Default::default()
        };
        m.tables.push(table(
            "Property",
            &[("Property", KEY_S72), ("Value", S0)],
            vec![
                vec![s("ProductName"), s("Café")],
                vec![s("ProductCode"), s("{1}")],
                vec![s("Manufacturer"), s("Café")],
            ],
        ));
        m.tables.push(table(
            "Binary",
            &[("Name", KEY_S72), ("Data", BIN)],
            vec![vec![s("Icon"), Value::Stream("Binary.Icon".into())]],
        ));
        m.tables.push(table(
            "Media",
            &[("DiskId", KEY_I2), ("Last", I4), ("Cabinet", S0)],
            vec![
                vec![Value::Int(1), Value::Int(70_000), s("#a.cab")],
                vec![Value::Int(2), Value::Null, Value::Null],
            ],
        ));
        m.tables.push(table("Empty", &[("Id", KEY_S72)], vec![]));
        m.streams.insert("Binary.Icon".into(), vec![1, 2, 3]);
        m.streams.insert("a.cab".into(), b"MSCF".to_vec());
        m.summary = Some(vec![0xFE, 0xFF, 0, 0]);
        m
    }

    fn read_back(bytes: Vec<u8>) -> DatabaseModel {
        let c = Container::from_bytes("t", bytes).unwrap();
        let db = Database::open(&c).unwrap();
        DatabaseModel::load(&db).unwrap()
    }

    fn error(m: &DatabaseModel) -> String {
        match write_database(m, PackageKind::Database) {
            Ok(_) => panic!("the model was written"),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn same_model_same_bytes_and_round_trip() {
        let m = sample();
        let a = write_database(&m, PackageKind::Database).unwrap();
        let b = write_database(&m, PackageKind::Database).unwrap();
        assert_eq!(a, b);
        // Version 3: sector shift 9 (512-byte sectors).
        assert_eq!(&a[0x18..0x1E], &[0x3E, 0x00, 0x03, 0x00, 0xFE, 0xFF]);
        assert_eq!(u16::from_le_bytes([a[0x1E], a[0x1F]]), 9);
        let c = Container::from_bytes("t", a.clone()).unwrap();
        assert_eq!(c.kind(), PackageKind::Database);
        // An empty table has no stream; a table with rows has one.
        assert!(c.read_table_stream("", "Empty").unwrap().is_none());
        assert!(c.read_table_stream("", "Media").unwrap().is_some());
        assert_eq!(read_back(a), m);
        let p = write_database(&m, PackageKind::Patch).unwrap();
        let c = Container::from_bytes("t", p).unwrap();
        assert_eq!(c.kind(), PackageKind::Patch);
        assert!(write_database(&m, PackageKind::Transform).is_err());
    }

    #[test]
    fn binary_cells_store_the_marker_and_reference_counts_are_real() {
        let m = sample();
        let bytes = write_database(&m, PackageKind::Database).unwrap();
        let c = Container::from_bytes("t", bytes).unwrap();
        let db = Database::open(&c).unwrap();
        let t = db.table("Binary").unwrap();
        assert_eq!(t.rows.row(0)[1], BINARY_MARKER);
        let pool = db.pool();
        let id = |text: &str| (1..pool.len() as u32).find(|&i| pool.get(i) == Some(text));
        // "Café" twice in Property; "Property" as table name, in _Columns.Table twice, and as a
        // column name.
        assert_eq!(pool.refcount(id("Café").unwrap()), 2);
        assert_eq!(pool.refcount(id("Property").unwrap()), 4);
        assert_eq!(pool.codepage, 1252);
        assert!(!pool.long_refs);
        // The string data is in the code page: 'é' is one byte.
        let data = c.read_table_stream("", "_StringData").unwrap().unwrap();
        assert!(data.windows(4).any(|w| w == b"Caf\xE9"));
        assert_eq!(db.read_stream("a.cab").unwrap(), b"MSCF");
    }

    #[test]
    fn rows_keep_a_consistent_order_and_are_sorted_by_id() {
        let mut m = DatabaseModel::default();
        // "b" before "a": ids follow the model, so the order stays.
        m.tables.push(table(
            "One",
            &[("K", KEY_S72), ("V", I2)],
            vec![vec![s("b"), Value::Int(1)], vec![s("a"), Value::Int(2)]],
        ));
        // Integer keys are sorted by value, NULL first.
        m.tables.push(table(
            "Two",
            &[("K", KEY_I2), ("V", S0)],
            vec![
                vec![Value::Int(3), s("x")],
                vec![Value::Int(-1), s("y")],
                vec![Value::Null, s("z")],
            ],
        ));
        let back = read_back(write_database(&m, PackageKind::Database).unwrap());
        assert_eq!(back.tables[0], m.tables[0]);
        let keys: Vec<&Value> = back.tables[1].rows.iter().map(|r| &r[0]).collect();
        assert_eq!(keys, [&Value::Null, &Value::Int(-1), &Value::Int(3)]);

        // Two tables that ask for opposite orders: one of them is sorted by id.
        let mut m = DatabaseModel::default();
        for name in ["X", "Y"] {
            let rows = if name == "X" {
                vec![vec![s("a")], vec![s("b")]]
            } else {
                vec![vec![s("b")], vec![s("a")]]
            };
            m.tables.push(table(name, &[("K", KEY_S72)], rows));
        }
        let bytes = write_database(&m, PackageKind::Database).unwrap();
        let c = Container::from_bytes("t", bytes).unwrap();
        let db = Database::open(&c).unwrap();
        let names: Vec<&str> = db.defs().iter().map(|d| d.name.as_str()).collect();
        assert_eq!(names, ["X", "Y"]);
        for name in ["X", "Y", "_Tables", "_Columns"] {
            let t = db.table(name).unwrap();
            let keys = t.def.key_indexes();
            let raw: Vec<Vec<u32>> = (0..t.len())
                .map(|r| keys.iter().map(|&k| t.rows.row(r)[k]).collect())
                .collect();
            assert!(raw.windows(2).all(|w| w[0] <= w[1]), "{name}: {raw:?}");
        }
    }

    #[test]
    fn long_strings_and_long_references() {
        let big = "é".repeat(70_000);
        let mut m = DatabaseModel {
            codepage: 1252,
            ..Default::default()
        };
        m.tables.push(table(
            "Big",
            &[("K", KEY_S72), ("V", S0)],
            vec![vec![s("k"), Value::Str(big.clone())]],
        ));
        let bytes = write_database(&m, PackageKind::Database).unwrap();
        let c = Container::from_bytes("t", bytes.clone()).unwrap();
        let pool = c.read_table_stream("", "_StringPool").unwrap().unwrap();
        let words: Vec<u16> = pool
            .chunks_exact(2)
            .map(|w| u16::from_le_bytes([w[0], w[1]]))
            .collect();
        // Header, then "Big", "K", "V", "k" (ids in order of first appearance), then the escape.
        let at = words
            .windows(4)
            .position(|w| w == [0, 1, (70_000 & 0xFFFF) as u16, 1])
            .expect("long-string escape");
        assert!(at >= 2);
        assert_eq!(read_back(bytes), m);

        // More than 0xFFFF strings: 3-byte references.
        let rows: Vec<Vec<Value>> = (0..70_000).map(|i| vec![s(&format!("k{i:05}"))]).collect();
        let mut m = DatabaseModel::default();
        m.tables.push(table("Many", &[("K", KEY_S72)], rows));
        let bytes = write_database(&m, PackageKind::Database).unwrap();
        let c = Container::from_bytes("t", bytes.clone()).unwrap();
        let db = Database::open(&c).unwrap();
        assert!(db.pool().long_refs);
        assert_eq!(db.pool().ref_size(), 3);
        assert_eq!(
            c.read_table_stream("", "Many").unwrap().unwrap().len(),
            70_000 * 3
        );
        assert_eq!(read_back(bytes), m);
    }

    #[test]
    fn other_code_pages_round_trip() {
        let mut m = DatabaseModel {
            codepage: 932,
            ..Default::default()
        };
        m.tables.push(table(
            "Property",
            &[("Property", KEY_S72), ("Value", S0)],
            vec![vec![s("ProductName"), s("日本語の製品")]],
        ));
        let bytes = write_database(&m, PackageKind::Database).unwrap();
        assert_eq!(read_back(bytes), m);
    }

    #[test]
    fn errors_name_the_place() {
        let mut m = sample();
        m.tables[0].rows[1][1] = s("日本");
        let e = error(&m);
        assert!(
            e.contains("table 'Property': row 2, column 'Value'")
                && e.contains("U+65E5")
                && e.contains("1252"),
            "{e}"
        );

        let mut m = sample();
        m.tables[2].rows[0][0] = Value::Int(40_000);
        let e = error(&m);
        assert!(
            e.contains("table 'Media': row 1, column 'DiskId'") && e.contains("out of range"),
            "{e}"
        );
        m.tables[2].rows[0][0] = Value::Int(-32_768);
        assert!(error(&m).contains("out of range"));
        m.tables[2].rows[0][0] = Value::Int(1);
        m.tables[2].rows[1][1] = Value::Int(i32::MIN);
        let e = error(&m);
        assert!(e.contains("row 2, column 'Last'"), "{e}");

        let mut m = sample();
        m.tables[2].rows[0][2] = Value::Int(5);
        assert!(error(&m).contains("column 'Cabinet'"));

        let mut m = sample();
        m.streams.remove("Binary.Icon");
        let e = error(&m);
        assert!(
            e.contains("table 'Binary': row 1, column 'Data'") && e.contains("Binary.Icon"),
            "{e}"
        );

        let mut m = sample();
        m.streams.insert("-".repeat(32), vec![]);
        assert!(error(&m).contains("too long"));
        let mut m = sample();
        // Compound-file names compare without case: these two would be one entry.
        m.streams.insert("é".into(), vec![]);
        m.streams.insert("É".into(), vec![]);
        assert!(error(&m).contains("already exists"), "{}", error(&m));
        let mut m = sample();
        m.streams.insert("a/b".into(), vec![]);
        assert!(error(&m).contains("'/'"), "{}", error(&m));
        let mut m = sample();
        m.tables[3].def.name = "T".repeat(61);
        assert!(error(&m).contains("too long"));
        let mut m = sample();
        m.tables[3].def.name = "Property".into();
        assert!(error(&m).contains("two tables"));
        let mut m = sample();
        m.tables[3].def.name = "_StringData".into();
        assert!(error(&m).contains("reserved"));
        let mut m = sample();
        m.tables[2].def.columns[1].number = 1;
        assert!(error(&m).contains("number"));
        let mut m = sample();
        m.tables[2].rows[0].pop();
        assert!(error(&m).contains("row 1 has 2 values"));
        let mut m = sample();
        m.codepage = 1200;
        assert!(error(&m).contains("1200"));
        m.codepage = 437;
        assert!(error(&m).contains("437"));
    }

    #[test]
    fn writes_a_file_through_a_rename() {
        let dir = std::env::temp_dir().join(format!("msikit-write-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("out.msi");
        let m = sample();
        write_database_file(&m, PackageKind::Database, &path).unwrap();
        let c = Container::open(&path).unwrap();
        let db = Database::open(&c).unwrap();
        assert_eq!(DatabaseModel::load(&db).unwrap(), m);
        let names: Vec<_> = std::fs::read_dir(&dir).unwrap().flatten().collect();
        assert_eq!(names.len(), 1, "no temporary file is left");
        let mut bad = m.clone();
        bad.tables[2].rows[0][0] = Value::Int(99_999);
        let e = write_database_file(&bad, PackageKind::Database, &path).unwrap_err();
        assert!(e.to_string().contains("out.msi"), "{e}");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
