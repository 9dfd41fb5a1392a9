//! One opened database: the string pool and the catalog (`_Tables`, `_Columns`) of a storage,
//! and its tables on request. An MSI or MSM root, the small database at the root of an MSP, or
//! (for the transform work) any storage that holds table streams.

use std::sync::Arc;

use crate::error::{Error, Missing, Place, Result};
use crate::formats::container::Container;
use crate::formats::strings::StringPool;
use crate::formats::tables::{
    codec, columns_def, tables_def, Column, ColumnType, Table, TableDef, ValueRef,
};

/// Names that `msiinfo export` accepts besides real tables: they are written from the summary
/// stream and the pool header.
pub const PSEUDO_TABLES: [&str; 2] = ["_SummaryInformation", "_ForceCodepage"];

pub mod idt;
mod model;
mod open;
pub mod write;

pub use model::{DatabaseModel, TableData};
pub use open::{open_database, read_summary, read_table};

/// One opened database: the string pool and catalog of a storage, tables read on request.
///
/// ```
/// use msikit::{Container, Database};
///
/// let c = Container::open(std::path::Path::new("testdata/exchange2007/rtm.msi"))?;
/// let db = Database::open(&c)?;
/// let property = db.table("Property")?;
/// let version = (0..property.len())
///     .map(|r| property.row_values(r))
///     .find(|row| row[0].to_string() == "ProductVersion")
///     .map(|row| row[1].to_string());
/// assert_eq!(version.as_deref(), Some("8.0.685.24"));
/// # Ok::<(), msikit::Error>(())
/// ```
pub struct Database<'c> {
    container: &'c Container,
    storage: String,
    pool: Arc<StringPool>,
    defs: Vec<TableDef>,
}

impl<'c> Database<'c> {
    /// Opens the database at the root of `container`.
    pub fn open(container: &'c Container) -> Result<Database<'c>> {
        Self::open_storage(container, "")
    }

    /// Opens the database held in storage `storage` (raw path, "" = root).
    pub(crate) fn open_storage(container: &'c Container, storage: &str) -> Result<Database<'c>> {
        let file = container.name();
        let pool_s = container.read_table_stream(storage, "_StringPool")?;
        let data_s = container.read_table_stream(storage, "_StringData")?;
        let pool = match (pool_s, data_s) {
            (None, None) => StringPool::empty(),
            (Some(p), Some(d)) => StringPool::parse(&p, &d).map_err(|e| e.in_file(file))?,
            (Some(_), None) => {
                return Err(
                    Error::malformed("_StringPool exists but _StringData is missing").in_file(file),
                )
            }
            (None, Some(_)) => {
                return Err(
                    Error::malformed("_StringData exists but _StringPool is missing").in_file(file),
                )
            }
        };
        let pool = Arc::new(pool);
        let mut db = Database {
            container,
            storage: storage.to_string(),
            pool,
            defs: Vec::new(),
        };
        db.load_catalog()?;
        Ok(db)
    }

    fn load_catalog(&mut self) -> Result<()> {
        let file = self.container.name().to_string();
        let tables = self.read_rows(&tables_def())?;
        let columns = self.read_rows(&columns_def())?;
        let text = |t: &Table, r: usize, c: usize| -> Result<String> {
            match t.cell(r, c) {
                ValueRef::Str(s) => Ok(s.to_string()),
                _ => Err(Error::malformed(format!(
                    "row {}: column '{}' is NULL or not a valid string",
                    r + 1,
                    t.def.columns[c].name
                ))
                .at(Place::table(&t.def.name))
                .in_file(&file)),
            }
        };
        let mut names: Vec<String> = Vec::with_capacity(tables.len());
        for r in 0..tables.len() {
            let n = text(&tables, r, 0)?;
            if !names.contains(&n) {
                names.push(n);
            }
        }
        let mut defs: Vec<TableDef> = names
            .into_iter()
            .map(|name| TableDef {
                name,
                columns: Vec::new(),
            })
            .collect();
        let index: std::collections::HashMap<String, usize> = defs
            .iter()
            .enumerate()
            .map(|(i, d)| (d.name.clone(), i))
            .collect();
        for r in 0..columns.len() {
            let table = text(&columns, r, 0)?;
            let Some(&ti) = index.get(&table) else {
                continue;
            };
            let number = match columns.cell(r, 1) {
                ValueRef::Int(n) if (1..=255).contains(&n) => n as u16,
                other => {
                    return Err(Error::malformed(format!(
                        "row {}: column number {other:?} of table '{table}' is not 1..255",
                        r + 1
                    ))
                    .at(Place::table("_Columns"))
                    .in_file(&file))
                }
            };
            let name = text(&columns, r, 2)?;
            let ty = match columns.cell(r, 3) {
                ValueRef::Int(t) => ColumnType(t as u16),
                _ => {
                    return Err(Error::malformed(format!(
                        "row {}: column '{name}' of table '{table}' has no type",
                        r + 1
                    ))
                    .at(Place::table("_Columns"))
                    .in_file(&file))
                }
            };
            defs[ti].columns.push(Column { name, number, ty });
        }
        for d in &mut defs {
            d.columns.sort_by_key(|c| c.number);
        }
        self.defs = defs;
        Ok(())
    }

    fn read_rows(&self, def: &TableDef) -> Result<Table> {
        let file = self.container.name();
        let place = || Place::table(&def.name);
        let widths = def.widths(self.pool.ref_size()).ok_or_else(|| {
            let bad = def
                .columns
                .iter()
                .find(|c| c.ty.stream_width(2).is_none())
                .map(|c| {
                    format!(
                        "column '{}' has integer width {}, not 2 or 4",
                        c.name,
                        c.ty.width()
                    )
                })
                .unwrap_or_default();
            Error::malformed(bad).at(place()).in_file(file)
        })?;
        let rows = match self.container.read_table_stream(&self.storage, &def.name)? {
            None => codec::RawRows::new(def.columns.len()),
            Some(bytes) => codec::decode_persistent(&bytes, &widths)
                .map_err(|e| e.at(place()).in_file(file))?,
        };
        let table = Table {
            def: def.clone(),
            rows,
            pool: self.pool.clone(),
        };
        if let Some((r, c, id)) = table.check() {
            return Err(Error::malformed(format!(
                "row {}, column '{}': string id {id} is past the end of the string pool ({} ids)",
                r + 1,
                def.columns[c].name,
                self.pool.len()
            ))
            .at(place())
            .in_file(file));
        }
        Ok(table)
    }

    pub fn container(&self) -> &'c Container {
        self.container
    }

    /// The raw path of the storage this database lives in ("" = root).
    pub fn storage(&self) -> &str {
        &self.storage
    }

    pub fn pool(&self) -> &Arc<StringPool> {
        &self.pool
    }

    /// The code page of the string pool header (0 = neutral).
    pub fn codepage(&self) -> u32 {
        self.pool.codepage
    }

    /// Table schemas in `_Tables` order.
    pub fn defs(&self) -> &[TableDef] {
        &self.defs
    }

    pub fn def(&self, name: &str) -> Option<&TableDef> {
        self.defs.iter().find(|d| d.name == name)
    }

    /// Whether a table is in the catalog (the catalog tables `_Tables` and `_Columns` count).
    pub(crate) fn has_table(&self, name: &str) -> bool {
        name == "_Tables" || name == "_Columns" || self.def(name).is_some()
    }

    /// Reads a whole table (including the catalog tables `_Tables` and `_Columns`).
    pub fn table(&self, name: &str) -> Result<Table> {
        let def = match name {
            "_Tables" => tables_def(),
            "_Columns" => columns_def(),
            _ => self.def(name).cloned().ok_or_else(|| {
                Error::not_found(Missing::Table, name, format!("no table '{name}'"))
                    .in_file(self.container.name())
            })?,
        };
        self.read_rows(&def)
    }

    /// The number of rows of a table, from its stream length, without decoding it.
    pub fn row_count(&self, name: &str) -> Result<usize> {
        let def = self
            .def(name)
            .ok_or_else(|| Error::not_found(Missing::Table, name, format!("no table '{name}'")))?;
        let size: usize = def
            .widths(self.pool.ref_size())
            .map(|w| w.iter().sum())
            .unwrap_or(0);
        let leaf = crate::formats::container::streamname::encode(name, true);
        match self.container.raw_stream_len(&self.storage, &leaf) {
            None => Ok(0),
            Some(len) if size > 0 => Ok((len / size as u64) as usize),
            Some(_) => Ok(0),
        }
    }

    /// Reads a non-table stream of this database's storage by its decoded name.
    pub(crate) fn read_stream(&self, name: &str) -> Result<Vec<u8>> {
        self.container.read_raw_stream(
            &self.storage,
            &crate::formats::container::streamname::encode(name, false),
        )
    }

    pub(crate) fn has_stream(&self, name: &str) -> bool {
        self.container.has_raw_stream(
            &self.storage,
            &crate::formats::container::streamname::encode(name, false),
        )
    }
}
