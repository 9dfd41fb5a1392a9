//! An in-memory, editable database: what transforms apply to, what diffs compare, and what the
//! writer turns back into a file. Values are owned; binary cells name a stream in `streams`.

use std::collections::BTreeMap;

use crate::database::Database;
use crate::error::{Error, Result};
use crate::formats::container::streamname;
use crate::formats::tables::{TableDef, Value};

/// One table's schema and rows, in stored order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableData {
    pub def: TableDef,
    pub rows: Vec<Vec<Value>>,
}

impl TableData {
    pub fn new(def: TableDef) -> Self {
        TableData {
            def,
            rows: Vec::new(),
        }
    }

    /// The key values of a row, in key-column order.
    pub fn key_of<'r>(&self, row: &'r [Value]) -> Vec<&'r Value> {
        self.def
            .key_indexes()
            .into_iter()
            .map(|k| &row[k])
            .collect()
    }

    /// The index of the row whose keys equal `key`.
    pub fn find(&self, key: &[&Value]) -> Option<usize> {
        let keys = self.def.key_indexes();
        self.rows.iter().position(|r| {
            keys.len() == key.len() && keys.iter().zip(key).all(|(&k, v)| &r[k] == *v)
        })
    }
}

/// A whole database in memory.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DatabaseModel {
    /// The code page of the string pool header (0 = neutral).
    pub codepage: u32,
    /// Tables in catalog order (`_Tables` and `_Columns` are not listed: they follow from this).
    pub tables: Vec<TableData>,
    /// Non-table streams of the root storage by decoded name: binary cells (`Table.Key`),
    /// embedded cabinets, and any other stream, except the summary and the signatures.
    pub streams: BTreeMap<String, Vec<u8>>,
    /// The raw `\x05SummaryInformation` stream, when there is one.
    pub summary: Option<Vec<u8>>,
}

impl DatabaseModel {
    /// Reads the tables only (no streams): for listing what a package holds without reading
    /// its cabinets.
    pub(crate) fn load_tables(db: &Database<'_>) -> Result<DatabaseModel> {
        let mut tables = Vec::with_capacity(db.defs().len());
        for def in db.defs() {
            let t = db.table(&def.name)?;
            let rows = (0..t.len()).map(|r| t.row_values(r)).collect();
            tables.push(TableData {
                def: def.clone(),
                rows,
            });
        }
        Ok(DatabaseModel {
            codepage: db.codepage(),
            tables,
            streams: BTreeMap::new(),
            summary: None,
        })
    }

    /// Reads every table and stream of an opened database's storage into memory.
    pub fn load(db: &Database<'_>) -> Result<DatabaseModel> {
        let c = db.container();
        let mut tables = Vec::with_capacity(db.defs().len());
        for def in db.defs() {
            let t = db.table(&def.name)?;
            let rows = (0..t.len()).map(|r| t.row_values(r)).collect();
            tables.push(TableData {
                def: def.clone(),
                rows,
            });
        }
        let mut streams = BTreeMap::new();
        let mut summary = None;
        for e in c.entries() {
            if e.is_storage || e.parent_raw() != db.storage() {
                continue;
            }
            let leaf = e.leaf();
            if leaf.is_table {
                continue;
            }
            let raw = e.raw_path.rsplit('/').next().unwrap_or("");
            match leaf.name.as_str() {
                "\u{5}SummaryInformation" => summary = Some(c.read_raw_stream(db.storage(), raw)?),
                "\u{5}DigitalSignature" | "\u{5}MsiDigitalSignatureEx" => {}
                name => {
                    streams.insert(name.to_string(), c.read_raw_stream(db.storage(), raw)?);
                }
            }
        }
        Ok(DatabaseModel {
            codepage: db.codepage(),
            tables,
            streams,
            summary,
        })
    }

    pub fn table(&self, name: &str) -> Option<&TableData> {
        self.tables.iter().find(|t| t.def.name == name)
    }

    pub fn table_mut(&mut self, name: &str) -> Option<&mut TableData> {
        self.tables.iter_mut().find(|t| t.def.name == name)
    }

    /// A property's value from the Property table.
    pub fn property(&self, name: &str) -> Option<&str> {
        let t = self.table("Property")?;
        t.rows.iter().find_map(|r| match (r.first(), r.get(1)) {
            (Some(Value::Str(k)), Some(Value::Str(v))) if k == name => Some(v.as_str()),
            _ => None,
        })
    }

    /// Checks the model can be written: every name fits a compound-file entry once packed.
    pub(crate) fn check_names(&self) -> Result<()> {
        for t in &self.tables {
            if streamname::encode_units(&t.def.name, true).len() > 31 {
                return Err(Error::unsupported(format!(
                    "table name '{}' is too long for a stream name",
                    t.def.name
                )));
            }
        }
        for s in self.streams.keys() {
            if streamname::encode_units(s, false).len() > 31 {
                return Err(Error::unsupported(format!(
                    "stream name '{s}' is too long for a compound-file entry"
                )));
            }
        }
        Ok(())
    }
}
