//! Applying one transform to an in-memory database, record by record, with a report of every
//! change made and every record skipped.

use serde::Serialize;

use crate::database::{DatabaseModel, TableData};
use crate::error::{Error, Missing, Place, Result};
use crate::formats::container::{streamname, Container, PackageKind};
use crate::formats::strings::StringPool;
use crate::formats::summary::{self, ErrorFlags, TransformSummary};
use crate::formats::tables::{columns_def, tables_def, Column, ColumnType, TableDef, Value};

use super::decode::{decode_records, Record};

/// Where a transform lives: a standalone .mst (storage "") or a storage inside a patch.
pub struct TransformSource<'c> {
    pub container: &'c Container,
    /// Raw storage path ("" = the root of a .mst).
    pub storage: String,
    /// The name to show (file name, or the storage name inside a patch).
    pub name: String,
}

impl<'c> TransformSource<'c> {
    /// The root of a standalone transform file.
    pub fn root(container: &'c Container) -> Result<Self> {
        if container.kind() != PackageKind::Transform {
            return Err(Error::refused(format!(
                "is a {}, not a transform",
                container.kind().as_str()
            ))
            .in_file(container.name()));
        }
        Ok(TransformSource {
            container,
            storage: String::new(),
            name: container.name().to_string(),
        })
    }

    /// A transform storage of a patch, by its name (as PID 8 lists it, without the `:`).
    pub fn storage(container: &'c Container, name: &str) -> Result<Self> {
        let e = container
            .storages()
            .into_iter()
            .find(|e| e.leaf().name == name)
            .ok_or_else(|| {
                Error::not_found(
                    Missing::Transform,
                    name,
                    format!("no transform storage '{name}'"),
                )
                .in_file(container.name())
            })?;
        Ok(TransformSource {
            container,
            storage: e.raw_path.clone(),
            name: name.to_string(),
        })
    }

    fn place(&self) -> Place {
        if self.storage.is_empty() {
            Place::from("transform")
        } else {
            Place::Transform(self.name.clone())
        }
    }

    /// The transform's summary, when it has one.
    pub fn summary(&self) -> Result<Option<summary::SummaryInfo>> {
        if !self
            .container
            .has_raw_stream(&self.storage, summary::STREAM_NAME)
        {
            return Ok(None);
        }
        crate::database::read_summary(self.container, &self.storage).map(Some)
    }

    fn pool(&self) -> Result<StringPool> {
        let c = self.container;
        let p = c.read_table_stream(&self.storage, "_StringPool")?;
        let d = c.read_table_stream(&self.storage, "_StringData")?;
        match (p, d) {
            (Some(p), Some(d)) => StringPool::parse(&p, &d),
            (None, None) => Ok(StringPool::empty()),
            _ => Err(Error::malformed(
                "one of _StringPool and _StringData is missing",
            )),
        }
        .map_err(|e| e.at(self.place()).in_file(c.name()))
    }

    /// The table streams of the transform, by decoded table name: `_Tables`, `_Columns`, then the
    /// others sorted by name.
    fn table_streams(&self) -> Vec<(String, String)> {
        let mut names: Vec<(String, String)> = self
            .container
            .entries()
            .into_iter()
            .filter(|e| !e.is_storage && e.parent_raw() == self.storage && e.leaf().is_table)
            .map(|e| {
                let raw = e.raw_path.rsplit('/').next().unwrap_or("").to_string();
                (e.leaf().name.clone(), raw)
            })
            .filter(|(n, _)| n != "_StringPool" && n != "_StringData")
            .collect();
        names.sort_by_key(|(n, _)| match n.as_str() {
            "_Tables" => (0, String::new()),
            "_Columns" => (1, String::new()),
            _ => (2, n.clone()),
        });
        names
    }
}

/// The old and new value of one column of an updated row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ColumnChange {
    pub column: String,
    pub old: Value,
    pub new: Value,
}

/// One effect of a transform, or one record it skipped.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "change", rename_all = "kebab-case")]
pub enum Change {
    TableAdded {
        table: String,
    },
    TableDropped {
        table: String,
        rows: usize,
    },
    ColumnAdded {
        table: String,
        column: String,
        #[serde(rename = "type")]
        ty: String,
    },
    RowInserted {
        table: String,
        row: Vec<Value>,
    },
    RowDeleted {
        table: String,
        row: Vec<Value>,
    },
    /// A whole-row record for a key that exists, overwriting it (add-existing-row suppressed).
    RowReplaced {
        table: String,
        key: Vec<Value>,
        changes: Vec<ColumnChange>,
    },
    RowUpdated {
        table: String,
        key: Vec<Value>,
        changes: Vec<ColumnChange>,
    },
    CodepageChanged {
        from: u32,
        to: u32,
    },
    /// A record that could not apply and whose error condition the transform suppresses, or a
    /// record dropped because a binary cell's stream is missing from the transform.
    Skipped {
        table: String,
        key: Vec<Value>,
        /// The error condition, as the flag is named ("update-missing-row", ...), or
        /// "missing-stream" ([`MISSING_STREAM`]).
        condition: String,
        reason: String,
    },
}

/// What applying one transform did.
#[derive(Debug, Clone, Serialize)]
pub struct ApplyReport {
    pub transform: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub summary: Option<TransformSummary>,
    /// The error conditions that were suppressed (PID 16 low word, or as overridden).
    pub suppressed: ErrorFlags,
    /// Whether the transform was applied (a patch's transform whose validation fails is not).
    pub applied: bool,
    /// Validation conditions that do not hold for the database it was applied to.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub validation_failures: Vec<String>,
    pub changes: Vec<Change>,
}

impl ApplyReport {
    /// The report for a transform left out because its validation fails.
    pub(crate) fn not_applicable(src: &TransformSource<'_>, failures: Vec<String>) -> Result<Self> {
        let summary = src.summary()?.as_ref().map(TransformSummary::new);
        Ok(ApplyReport {
            transform: src.name.clone(),
            suppressed: summary.as_ref().map(|s| s.errors).unwrap_or(ErrorFlags(0)),
            summary,
            applied: false,
            validation_failures: failures,
            changes: Vec::new(),
        })
    }
}

const ADD_EXISTING_ROW: u16 = 0x01;
const DEL_MISSING_ROW: u16 = 0x02;
const ADD_EXISTING_TABLE: u16 = 0x04;
const DEL_MISSING_TABLE: u16 = 0x08;
const UPDATE_MISSING_ROW: u16 = 0x10;
const CHANGE_CODEPAGE: u16 = 0x20;
/// Not an error condition of PID 16: the reason a record with a binary cell whose stream the
/// transform lacks is dropped.
pub const MISSING_STREAM: &str = "missing-stream";

fn condition_name(flag: u16) -> &'static str {
    match flag {
        ADD_EXISTING_ROW => "add-existing-row",
        DEL_MISSING_ROW => "delete-missing-row",
        ADD_EXISTING_TABLE => "add-existing-table",
        DEL_MISSING_TABLE => "delete-missing-table",
        UPDATE_MISSING_ROW => "update-missing-row",
        _ => "change-codepage",
    }
}

struct Applier<'a, 'c> {
    model: &'a mut DatabaseModel,
    src: &'a TransformSource<'c>,
    suppressed: ErrorFlags,
    changes: Vec<Change>,
}

impl Applier<'_, '_> {
    fn err(&self, table: &str, msg: String) -> Error {
        Error::malformed(msg)
            .at(Place::table(table))
            .at(self.src.place())
            .in_file(self.src.container.name())
    }

    /// A record that cannot apply: skipped when suppressed, else the apply fails.
    fn condition(&mut self, flag: u16, table: &str, key: Vec<Value>, reason: String) -> Result<()> {
        if self.suppressed.contains(flag) {
            self.changes.push(Change::Skipped {
                table: table.to_string(),
                key,
                condition: condition_name(flag).to_string(),
                reason,
            });
            Ok(())
        } else {
            Err(Error::malformed(format!(
                "{reason}, and the transform does not suppress the {} condition",
                condition_name(flag)
            ))
            .at(Place::table(table))
            .at(self.src.place())
            .in_file(self.src.container.name()))
        }
    }

    /// The transform's pool code page against the database's, as Windows Installer documents
    /// it ("Code Page Handling": the transforms that localize a package can also change the code
    /// page of the database; MSITRANSFORM_ERROR_CHANGECODEPAGE: "the code pages do not match and
    /// neither code page is neutral"):
    /// - a neutral transform (0), or the same code page: nothing changes;
    /// - a neutral database takes the transform's code page, whatever the flags (vendors'
    ///   language transforms suppress only add-existing-row and localize a code-page-0 base);
    /// - two different non-neutral code pages are the change-codepage condition: suppressed (f),
    ///   the transform's code page is taken; otherwise the apply fails.
    ///
    /// Strings are held as text, so taking a code page re-encodes every string when the database
    /// is written; a string the new code page cannot hold is an error there, naming its table,
    /// row, column and character (as MsiDatabaseCommit fails). Wine 8's msi.dll departs: it never
    /// changes the database's code page (docs/design.md).
    fn codepage(&mut self, pool: &StringPool) -> Result<()> {
        let (from, to) = (self.model.codepage, pool.codepage);
        if to == from || to == 0 {
            return Ok(());
        }
        if from != 0 && !self.suppressed.contains(CHANGE_CODEPAGE) {
            return Err(Error::malformed(format!(
                "the transform's code page {to} differs from the database's {from}, neither is neutral (0), and the transform does not suppress the change-codepage condition"
            ))
            .at(self.src.place())
            .in_file(self.src.container.name()));
        }
        self.model.codepage = to;
        self.changes.push(Change::CodepageChanged { from, to });
        Ok(())
    }

    fn tables_records(&mut self, bytes: &[u8], pool: &StringPool) -> Result<()> {
        let records = decode_records(bytes, &tables_def(), pool).map_err(|e| {
            e.at(Place::table("_Tables"))
                .at(self.src.place())
                .in_file(self.src.container.name())
        })?;
        for r in records {
            match r {
                Record::Row { values } => {
                    let Some(Value::Str(name)) = values.first().cloned() else {
                        return Err(self.err("_Tables", "a table is added without a name".into()));
                    };
                    if self.model.table(&name).is_some() {
                        self.condition(
                            ADD_EXISTING_TABLE,
                            "_Tables",
                            vec![Value::Str(name.clone())],
                            format!("adds table '{name}', which exists"),
                        )?;
                    } else {
                        self.model.tables.push(TableData::new(TableDef {
                            name: name.clone(),
                            columns: Vec::new(),
                        }));
                        self.changes.push(Change::TableAdded { table: name });
                    }
                }
                Record::Delete { key } => {
                    let Some(Value::Str(name)) = key.first().cloned() else {
                        return Err(self.err("_Tables", "a table is dropped without a name".into()));
                    };
                    match self.model.tables.iter().position(|t| t.def.name == name) {
                        Some(i) => {
                            let t = self.model.tables.remove(i);
                            let prefix = format!("{name}.");
                            self.model.streams.retain(|k, _| !k.starts_with(&prefix));
                            self.changes.push(Change::TableDropped {
                                table: name,
                                rows: t.rows.len(),
                            });
                        }
                        None => self.condition(
                            DEL_MISSING_TABLE,
                            "_Tables",
                            key,
                            format!("drops table '{name}', which the database does not have"),
                        )?,
                    }
                }
                Record::Update { .. } => {
                    return Err(self.err("_Tables", "an update record in _Tables".into()))
                }
            }
        }
        Ok(())
    }

    fn columns_records(&mut self, bytes: &[u8], pool: &StringPool) -> Result<()> {
        let records = decode_records(bytes, &columns_def(), pool).map_err(|e| {
            e.at(Place::table("_Columns"))
                .at(self.src.place())
                .in_file(self.src.container.name())
        })?;
        for r in records {
            let Record::Row { values } = r else {
                return Err(self.err(
                    "_Columns",
                    "only added columns are supported in _Columns (a delete or update record was found)".into(),
                ));
            };
            let get = |i: usize| values.get(i).cloned().unwrap_or(Value::Null);
            let (Value::Str(table), Value::Str(name), Value::Int(ty)) = (get(0), get(2), get(3))
            else {
                return Err(self.err(
                    "_Columns",
                    format!("an added column without table, name or type: {values:?}"),
                ));
            };
            let Some(t) = self.model.table_mut(&table) else {
                return Err(self.err(
                    "_Columns",
                    format!("adds column '{name}' to table '{table}', which does not exist"),
                ));
            };
            if t.def.columns.iter().any(|c| c.name == name) {
                let key = vec![Value::Str(table.clone()), get(1)];
                self.condition(
                    ADD_EXISTING_ROW,
                    "_Columns",
                    key,
                    format!("adds column '{name}' to '{table}', which has it"),
                )?;
                continue;
            }
            // A NULL Number means "the next column" (Windows writes NULL for new columns).
            let number = match get(1) {
                Value::Int(n) if n > 0 => n as u16,
                _ => t.def.columns.len() as u16 + 1,
            };
            let ty = ColumnType(ty as u16);
            t.def.columns.push(Column {
                name: name.clone(),
                number,
                ty,
            });
            t.def.columns.sort_by_key(|c| c.number);
            let at = t
                .def
                .columns
                .iter()
                .position(|c| c.name == name)
                .unwrap_or(0);
            for row in &mut t.rows {
                row.insert(at.min(row.len()), Value::Null);
            }
            self.changes.push(Change::ColumnAdded {
                table,
                column: name,
                ty: ty.idt_code(),
            });
        }
        Ok(())
    }

    /// The first binary cell among `values` whose stream the transform does not carry.
    fn missing_stream<'v>(&self, mut values: impl Iterator<Item = &'v Value>) -> Option<String> {
        values.find_map(|v| match v {
            Value::Stream(name)
                if !self
                    .src
                    .container
                    .has_raw_stream(&self.src.storage, &streamname::encode(name, false)) =>
            {
                Some(name.clone())
            }
            _ => None,
        })
    }

    /// A record with a binary cell whose stream is missing is dropped, as Wine's msi.dll drops it
    /// (its record reader gives up on the record when the stream cannot be opened): the
    /// database never references a stream it does not have. Reported as skipped.
    fn drop_for_missing_stream(&mut self, table: &str, key: Vec<Value>, stream: String) {
        self.changes.push(Change::Skipped {
            table: table.to_string(),
            key,
            condition: MISSING_STREAM.to_string(),
            reason: format!(
                "binary cell '{stream}' has no stream in the transform; the record is dropped"
            ),
        });
    }

    fn copy_stream(&mut self, table: &str, v: &Value) -> Result<()> {
        if let Value::Stream(name) = v {
            let leaf = streamname::encode(name, false);
            if !self.src.container.has_raw_stream(&self.src.storage, &leaf) {
                return Err(self.err(
                    table,
                    format!("binary cell '{name}' has no stream in the transform"),
                ));
            }
            let data = self
                .src
                .container
                .read_raw_stream(&self.src.storage, &leaf)?;
            self.model.streams.insert(name.clone(), data);
        }
        Ok(())
    }

    fn table_records(&mut self, table: &str, bytes: &[u8], pool: &StringPool) -> Result<()> {
        let Some(def) = self.model.table(table).map(|t| t.def.clone()) else {
            // Without a schema, the records of this stream cannot even be read: their layout
            // comes from the table's columns. Windows cannot apply them either; they are skipped
            // when the transform suppresses missing-table or missing-row conditions.
            let flag = [DEL_MISSING_TABLE, UPDATE_MISSING_ROW, DEL_MISSING_ROW]
                .into_iter()
                .find(|f| self.suppressed.contains(*f))
                .unwrap_or(DEL_MISSING_TABLE);
            return self.condition(
                flag,
                table,
                Vec::new(),
                format!(
                    "changes table '{table}' ({} bytes of records), which the database does not have and the transform does not create",
                    bytes.len()
                ),
            );
        };
        let records = decode_records(bytes, &def, pool).map_err(|e| {
            e.at(Place::table(table))
                .at(self.src.place())
                .in_file(self.src.container.name())
        })?;
        let keys = def.key_indexes();
        // Records of one stream never add or drop tables, so the index stays valid.
        let ti = self
            .model
            .tables
            .iter()
            .position(|t| t.def.name == table)
            .unwrap_or(0);
        for r in records {
            match r {
                Record::Row { mut values } => {
                    values.resize(def.columns.len(), Value::Null);
                    let key: Vec<Value> = keys.iter().map(|&k| values[k].clone()).collect();
                    if let Some(stream) = self.missing_stream(values.iter()) {
                        self.drop_for_missing_stream(table, key, stream);
                        continue;
                    }
                    if let Some(i) = self.model.tables[ti].find(&key.iter().collect::<Vec<_>>()) {
                        // A whole row for a key that exists: with the condition suppressed the
                        // row is overwritten. WiX's paired `#` transforms rely on it (they
                        // re-insert the File rows their main transform added, to set the
                        // patch sequence and PatchAdded), and Windows installs those patches.
                        if !self.suppressed.contains(ADD_EXISTING_ROW) {
                            return self.condition(
                                ADD_EXISTING_ROW,
                                table,
                                key,
                                "inserts a row that exists".into(),
                            );
                        }
                        for v in &values {
                            self.copy_stream(table, v)?;
                        }
                        let old =
                            std::mem::replace(&mut self.model.tables[ti].rows[i], values.clone());
                        let changes = old
                            .into_iter()
                            .zip(values)
                            .enumerate()
                            .filter(|(_, (o, n))| o != n)
                            .map(|(c, (old, new))| ColumnChange {
                                column: def.columns[c].name.clone(),
                                old,
                                new,
                            })
                            .collect();
                        self.changes.push(Change::RowReplaced {
                            table: table.to_string(),
                            key,
                            changes,
                        });
                        continue;
                    }
                    for v in &values {
                        self.copy_stream(table, v)?;
                    }
                    self.model.tables[ti].rows.push(values.clone());
                    self.changes.push(Change::RowInserted {
                        table: table.to_string(),
                        row: values,
                    });
                }
                Record::Delete { key } => {
                    let t = &mut self.model.tables[ti];
                    match t.find(&key.iter().collect::<Vec<_>>()) {
                        Some(i) => {
                            let row = t.rows.remove(i);
                            for v in &row {
                                if let Value::Stream(s) = v {
                                    self.model.streams.remove(s);
                                }
                            }
                            self.changes.push(Change::RowDeleted {
                                table: table.to_string(),
                                row,
                            });
                        }
                        None => self.condition(
                            DEL_MISSING_ROW,
                            table,
                            key,
                            "deletes a row the database does not have".into(),
                        )?,
                    }
                }
                Record::Update { key, columns } => {
                    if let Some(stream) = self.missing_stream(columns.iter().map(|(_, v)| v)) {
                        self.drop_for_missing_stream(table, key, stream);
                        continue;
                    }
                    let Some(i) = self.model.tables[ti].find(&key.iter().collect::<Vec<_>>())
                    else {
                        self.condition(
                            UPDATE_MISSING_ROW,
                            table,
                            key,
                            "updates a row the database does not have".into(),
                        )?;
                        continue;
                    };
                    for (_, v) in &columns {
                        self.copy_stream(table, v)?;
                    }
                    let t = &mut self.model.tables[ti];
                    let mut changes = Vec::new();
                    for (c, v) in columns {
                        let old = std::mem::replace(&mut t.rows[i][c], v.clone());
                        if old != v || matches!(v, Value::Stream(_)) {
                            changes.push(ColumnChange {
                                column: def.columns[c].name.clone(),
                                old,
                                new: v,
                            });
                        }
                    }
                    self.changes.push(Change::RowUpdated {
                        table: table.to_string(),
                        key,
                        changes,
                    });
                }
            }
        }
        Ok(())
    }
}

/// Applies one transform to `model` in place. `suppress` overrides the error-condition flags of
/// the transform's summary (the `errcond` of MsiDatabaseApplyTransform); `None` uses PID 16.
/// On error the model may be partly changed: apply to a copy when that matters.
pub fn apply_transform(
    model: &mut DatabaseModel,
    src: &TransformSource<'_>,
    suppress: Option<ErrorFlags>,
) -> Result<ApplyReport> {
    let si = src.summary()?;
    let summary = si.as_ref().map(TransformSummary::new);
    let suppressed =
        suppress.unwrap_or_else(|| summary.as_ref().map(|s| s.errors).unwrap_or(ErrorFlags(0)));
    let pool = src.pool()?;
    let mut a = Applier {
        model,
        src,
        suppressed,
        changes: Vec::new(),
    };
    a.codepage(&pool)?;
    for (table, raw) in src.table_streams() {
        let bytes = src.container.read_raw_stream(&src.storage, &raw)?;
        match table.as_str() {
            "_Tables" => a.tables_records(&bytes, &pool)?,
            "_Columns" => a.columns_records(&bytes, &pool)?,
            _ => a.table_records(&table, &bytes, &pool)?,
        }
    }
    let changes = a.changes;
    Ok(ApplyReport {
        transform: src.name.clone(),
        summary,
        suppressed,
        applied: true,
        validation_failures: Vec::new(),
        changes,
    })
}
