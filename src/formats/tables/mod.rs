//! Tables: schemas from `_Tables`/`_Columns`, the persistent stream codec, and rows whose cells
//! are decoded on demand against the string pool.

pub(crate) mod codec;
mod column;
pub(crate) mod standard;

use std::sync::Arc;

use serde::Serialize;

pub use codec::RawRows;
pub use column::{Column, ColumnType};

use crate::formats::strings::StringPool;

/// A cell value.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Value {
    Null,
    Int(i32),
    Str(String),
    /// A binary cell: the data is the stream of this name (`Table.Key1.Key2`).
    Stream(String),
}

/// A borrowed cell value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueRef<'a> {
    Null,
    Int(i32),
    Str(&'a str),
    /// A binary cell; its stream name is built from the row's keys (`Table::stream_name`).
    Stream,
}

impl Serialize for Value {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Value::Null => s.serialize_none(),
            Value::Int(i) => s.serialize_i32(*i),
            Value::Str(v) => s.serialize_str(v),
            Value::Stream(n) => {
                use serde::ser::SerializeMap;
                let mut m = s.serialize_map(Some(1))?;
                m.serialize_entry("stream", n)?;
                m.end()
            }
        }
    }
}

impl std::fmt::Display for Value {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Value::Null => Ok(()),
            Value::Int(i) => write!(f, "{i}"),
            Value::Str(s) | Value::Stream(s) => f.write_str(s),
        }
    }
}

/// The schema of one table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TableDef {
    pub name: String,
    pub columns: Vec<Column>,
}

impl TableDef {
    /// Indexes of the primary-key columns, in column order.
    pub fn key_indexes(&self) -> Vec<usize> {
        (0..self.columns.len())
            .filter(|&i| self.columns[i].ty.is_key())
            .collect()
    }
    /// Cell widths in a stream with string references of `ref_size` bytes.
    pub(crate) fn widths(&self, ref_size: usize) -> Option<Vec<usize>> {
        self.columns
            .iter()
            .map(|c| c.ty.stream_width(ref_size))
            .collect()
    }
    pub(crate) fn column_index(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| c.name == name)
    }
}

/// The built-in schema of `_Tables`.
pub(crate) fn tables_def() -> TableDef {
    TableDef {
        name: "_Tables".into(),
        columns: vec![standard::column("Name", 1, 0x2D40)],
    }
}

/// The built-in schema of `_Columns`.
pub(crate) fn columns_def() -> TableDef {
    TableDef {
        name: "_Columns".into(),
        columns: vec![
            standard::column("Table", 1, 0x2D40),
            standard::column("Number", 2, 0x2502),
            standard::column("Name", 3, 0x0D40),
            standard::column("Type", 4, 0x0502),
        ],
    }
}

/// A table's rows, decoded lazily against its database's string pool.
#[derive(Debug, Clone)]
pub struct Table {
    pub def: TableDef,
    pub rows: RawRows,
    pub pool: Arc<StringPool>,
}

impl Table {
    pub fn len(&self) -> usize {
        self.rows.len()
    }
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// The value of one cell. A string id past the pool reads as NULL; [`Table::check`] reports it.
    pub fn cell(&self, row: usize, col: usize) -> ValueRef<'_> {
        let raw = self.rows.row(row)[col];
        decode_cell(&self.pool, self.def.columns[col].ty, raw)
    }

    /// An owned copy of one cell (binary cells carry their stream name).
    pub fn value(&self, row: usize, col: usize) -> Value {
        match self.cell(row, col) {
            ValueRef::Null => Value::Null,
            ValueRef::Int(i) => Value::Int(i),
            ValueRef::Str(s) => Value::Str(s.to_string()),
            ValueRef::Stream => Value::Stream(self.stream_name(row)),
        }
    }

    /// An owned row.
    pub fn row_values(&self, row: usize) -> Vec<Value> {
        (0..self.def.columns.len())
            .map(|c| self.value(row, c))
            .collect()
    }

    /// The name of the stream that holds a binary cell of `row`: the table name and the row's
    /// key values joined with dots, integers in decimal.
    pub(crate) fn stream_name(&self, row: usize) -> String {
        let mut name = self.def.name.clone();
        for k in self.def.key_indexes() {
            name.push('.');
            match self.cell(row, k) {
                ValueRef::Int(i) => name.push_str(&i.to_string()),
                ValueRef::Str(s) => name.push_str(s),
                ValueRef::Null | ValueRef::Stream => {}
            }
        }
        name
    }

    /// Finds string ids that point past the pool, as (row, column, id).
    pub fn check(&self) -> Option<(usize, usize, u32)> {
        for (i, row) in self.rows.iter().enumerate() {
            for (j, &raw) in row.iter().enumerate() {
                if self.def.columns[j].ty.is_string() && raw as usize >= self.pool.len() {
                    return Some((i, j, raw));
                }
            }
        }
        None
    }
}

/// Decodes one stored cell of a column of type `ty`.
pub(crate) fn decode_cell(pool: &StringPool, ty: ColumnType, raw: u32) -> ValueRef<'_> {
    if ty.is_binary() {
        if raw == 0 {
            ValueRef::Null
        } else {
            ValueRef::Stream
        }
    } else if ty.is_string() {
        match pool.get(raw) {
            Some("") | None => ValueRef::Null,
            Some(s) => ValueRef::Str(s),
        }
    } else {
        let v = if ty.width() == 4 {
            codec::int32_value(raw)
        } else {
            codec::int16_value(raw)
        };
        v.map_or(ValueRef::Null, ValueRef::Int)
    }
}
