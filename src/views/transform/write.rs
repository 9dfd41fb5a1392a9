//! Writing a transform file (.mst): the transform's own string pool, `_Tables` and `_Columns`
//! records, one record stream per changed table (the format [`super::decode`] reads), the streams
//! of binary cells, and the summary: PID 7 the base's platform;language, PID 8 the target's,
//! PID 9 `{OrigPC}OrigVer;{NewPC}NewVer;{UpgradeCode}`, PID 14 the larger minimum installer
//! version, PID 16 validation flags << 16 | error-condition flags. No timestamps, so the same
//! inputs give the same bytes.

use std::collections::HashMap;

use crate::database::DatabaseModel;
use crate::error::{Error, Result};
use crate::formats::container::{build_compound_file, streamname, NewEntry, CLSID_TRANSFORM};
use crate::formats::summary::write::SummaryWriter;
use crate::formats::summary::{pid, ErrorFlags, ValidationFlags};
use crate::formats::tables::{codec, columns_def, tables_def, ColumnType, TableDef, Value};

use super::decode::Record;
use super::generate::TransformPlan;

/// Strings of the transform's pool, ids in first-use order.
#[derive(Default)]
struct Pool {
    ids: HashMap<String, u32>,
    strings: Vec<(String, u32)>,
}

impl Pool {
    fn id(&mut self, s: &str) -> u32 {
        if s.is_empty() {
            return 0;
        }
        if let Some(&id) = self.ids.get(s) {
            self.strings[id as usize - 1].1 += 1;
            return id;
        }
        self.strings.push((s.to_string(), 1));
        let id = self.strings.len() as u32;
        self.ids.insert(s.to_string(), id);
        id
    }
}

/// One record's cells, before the pool's reference size is known.
enum Cell {
    Raw(u32, usize),
    Str(u32),
}

struct Stream {
    name: String,
    cells: Vec<Cell>,
}

fn encode_value(
    v: &Value,
    ty: ColumnType,
    pool: &mut Pool,
    place: &dyn Fn() -> String,
) -> Result<Cell> {
    Ok(if ty.is_binary() {
        Cell::Raw(u32::from(!matches!(v, Value::Null)), 2)
    } else if ty.is_string() {
        match v {
            Value::Null => Cell::Str(0),
            Value::Str(s) => Cell::Str(pool.id(s)),
            Value::Int(i) => Cell::Str(pool.id(&i.to_string())),
            Value::Stream(_) => {
                return Err(Error::malformed(format!(
                    "{}: a stream in a string column",
                    place()
                )))
            }
        }
    } else {
        let wide = ty.width() == 4;
        match v {
            Value::Null => Cell::Raw(0, if wide { 4 } else { 2 }),
            Value::Int(i) if wide => Cell::Raw(codec::int32_raw(*i), 4),
            Value::Int(i) if (-0x7FFF..=0x7FFF).contains(i) => Cell::Raw(codec::int16_raw(*i), 2),
            other => {
                return Err(Error::malformed(format!(
                    "{}: {other:?} does not fit a {}-byte integer column",
                    place(),
                    if wide { 4 } else { 2 }
                )))
            }
        }
    })
}

fn record_cells(def: &TableDef, r: &Record, pool: &mut Pool) -> Result<Vec<Cell>> {
    let place = || format!("table '{}'", def.name);
    let keys = def.key_indexes();
    let mut cells = Vec::new();
    let value = |v: &Value, c: usize, cells: &mut Vec<Cell>, pool: &mut Pool| -> Result<()> {
        cells.push(encode_value(v, def.columns[c].ty, pool, &place)?);
        Ok(())
    };
    match r {
        Record::Row { values } => {
            if values.len() > 255 {
                return Err(Error::unsupported(format!(
                    "{}: more than 255 columns",
                    place()
                )));
            }
            cells.push(Cell::Raw(((values.len() as u32) << 8) | 1, 2));
            for (c, v) in values.iter().enumerate() {
                value(v, c, &mut cells, pool)?;
            }
        }
        Record::Delete { key } => {
            cells.push(Cell::Raw(0, 2));
            for (v, &c) in key.iter().zip(&keys) {
                value(v, c, &mut cells, pool)?;
            }
        }
        Record::Update { key, columns } => {
            let mask = columns.iter().fold(0u32, |m, (c, _)| m | (1 << c));
            cells.push(Cell::Raw(mask, 2));
            for c in 0..def.columns.len() {
                if let Some(ki) = keys.iter().position(|&k| k == c) {
                    value(&key[ki], c, &mut cells, pool)?;
                } else if let Some((_, v)) = columns.iter().find(|(i, _)| *i == c) {
                    value(v, c, &mut cells, pool)?;
                }
            }
        }
    }
    Ok(cells)
}

/// What the summary of a generated transform says.
pub struct TransformOptions {
    pub validation: ValidationFlags,
    pub errors: ErrorFlags,
}

fn template(m: &DatabaseModel) -> String {
    let si = m
        .summary
        .as_deref()
        .and_then(|b| crate::formats::summary::parse(b).ok());
    let t = si
        .as_ref()
        .and_then(|s| s.string(pid::TEMPLATE))
        .unwrap_or("")
        .to_string();
    // A transform names one language: the first of the package's list.
    match t.split_once(';') {
        Some((p, langs)) => format!("{p};{}", langs.split(',').next().unwrap_or("")),
        None => t,
    }
}

fn page_count(m: &DatabaseModel) -> i32 {
    m.summary
        .as_deref()
        .and_then(|b| crate::formats::summary::parse(b).ok())
        .and_then(|s| s.int(pid::PAGE_COUNT))
        .unwrap_or(100)
}

/// The bytes of a transform file for `plan`, which was generated from `base` to `target`.
pub fn write_transform(
    plan: &TransformPlan,
    base: &DatabaseModel,
    target: &DatabaseModel,
    opts: &TransformOptions,
) -> Result<Vec<u8>> {
    let mut pool = Pool::default();
    let mut streams: Vec<Stream> = Vec::new();
    // _Tables: added (whole row) and dropped (delete) tables.
    let td = tables_def();
    let mut recs = Vec::new();
    for t in &plan.tables_dropped {
        recs.extend(record_cells(
            &td,
            &Record::Delete {
                key: vec![Value::Str(t.clone())],
            },
            &mut pool,
        )?);
    }
    for t in &plan.tables_added {
        recs.extend(record_cells(
            &td,
            &Record::Row {
                values: vec![Value::Str(t.clone())],
            },
            &mut pool,
        )?);
    }
    if !recs.is_empty() {
        streams.push(Stream {
            name: "_Tables".into(),
            cells: recs,
        });
    }
    // _Columns: NULL numbers for new tables, as Windows writes them.
    let cd = columns_def();
    let mut recs = Vec::new();
    for (table, col, number) in &plan.columns_added {
        let values = vec![
            Value::Str(table.clone()),
            number.map_or(Value::Null, |n| Value::Int(i32::from(n))),
            Value::Str(col.name.clone()),
            Value::Int(i32::from(col.ty.0 as i16)),
        ];
        recs.extend(record_cells(&cd, &Record::Row { values }, &mut pool)?);
    }
    if !recs.is_empty() {
        streams.push(Stream {
            name: "_Columns".into(),
            cells: recs,
        });
    }
    for t in &plan.tables {
        let mut cells = Vec::new();
        for r in &t.records {
            cells.extend(record_cells(&t.def, r, &mut pool)?);
        }
        streams.push(Stream {
            name: t.def.name.clone(),
            cells,
        });
    }
    let strings: Vec<(&str, u32)> = pool.strings.iter().map(|(s, n)| (s.as_str(), *n)).collect();
    let (pool_bytes, data_bytes, long) =
        crate::formats::strings::encode_pool(plan.codepage, &strings)?;
    let ref_size = if long { 3 } else { 2 };
    let mut encoded: Vec<(String, Vec<u8>)> = Vec::new();
    encoded.push((streamname::encode("_StringPool", true), pool_bytes));
    encoded.push((streamname::encode("_StringData", true), data_bytes));
    for s in streams {
        let mut bytes = Vec::new();
        for c in s.cells {
            match c {
                Cell::Raw(v, w) => codec::write_cell(&mut bytes, v, w),
                Cell::Str(id) => codec::write_cell(&mut bytes, id, ref_size),
            }
        }
        encoded.push((streamname::encode(&s.name, true), bytes));
    }
    for (name, data) in &plan.streams {
        encoded.push((streamname::encode(name, false), data.clone()));
    }
    // Summary.
    let prop = |m: &DatabaseModel, n: &str| m.property(n).unwrap_or("").to_string();
    let mut si = SummaryWriter::new(1252);
    si.string(pid::TITLE, "Transform")?;
    si.string(pid::TEMPLATE, &template(base))?;
    si.string(pid::LAST_SAVED_BY, &template(target))?;
    si.string(
        pid::REVISION_NUMBER,
        &format!(
            "{}{};{}{};{}",
            prop(base, "ProductCode"),
            prop(base, "ProductVersion"),
            prop(target, "ProductCode"),
            prop(target, "ProductVersion"),
            prop(target, "UpgradeCode")
        ),
    )?;
    si.int32(pid::PAGE_COUNT, page_count(base).max(page_count(target)));
    si.int32(
        pid::CHARACTER_COUNT,
        ((u32::from(opts.validation.value()) << 16) | u32::from(opts.errors.value())) as i32,
    );
    si.string(pid::CREATING_APPLICATION, "msikit")?;
    si.int32(pid::SECURITY, 4);
    encoded.push(("\u{5}SummaryInformation".into(), si.to_bytes()));
    let entries: Vec<NewEntry<'_>> = encoded
        .iter()
        .map(|(n, d)| NewEntry::Stream {
            path: n.clone(),
            data: d,
        })
        .collect();
    build_compound_file(CLSID_TRANSFORM, &entries)
}
