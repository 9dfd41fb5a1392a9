//! Generating a transform: the differences between a base and a target database as transform
//! records (MsiDatabaseGenerateTransform / MsiTran -g semantics).
//!
//! Tables only in the target are added (`_Tables` and `_Columns` records, NULL column numbers as
//! Windows writes them, then every row); tables only in the base are dropped; a table in both
//! may gain columns at its end (any other schema change cannot be expressed by a transform and is
//! an error). Rows are matched by primary key: base-only rows are deleted, target-only rows
//! inserted, and rows whose other columns differ are updated with a mask of the changed columns.
//! A change in a column past the 16th, which a 16-bit mask cannot name, is written as a delete
//! and an insert. Binary cells differ when their streams' bytes differ. Other streams (an
//! embedded cabinet) are not rows, so a transform cannot carry them: MsiTran's do not either.

use std::collections::{BTreeMap, HashMap};

use crate::database::{DatabaseModel, TableData};
use crate::error::{Error, Result};
use crate::formats::tables::{Column, TableDef, Value};

use super::decode::Record;

/// The records of one table stream, with the schema they are written against.
#[derive(Debug, Clone)]
pub struct TableRecords {
    pub def: TableDef,
    pub records: Vec<Record>,
}

/// A transform, before it is written.
#[derive(Debug, Clone, Default)]
pub struct TransformPlan {
    /// The code page of the transform's string pool: the target's.
    pub codepage: u32,
    pub tables_added: Vec<String>,
    pub tables_dropped: Vec<String>,
    /// Columns added, by table, with the number they get (`None` = NULL, for new tables).
    pub columns_added: Vec<(String, Column, Option<u16>)>,
    pub tables: Vec<TableRecords>,
    /// Streams of binary cells the records set.
    pub streams: BTreeMap<String, Vec<u8>>,
}

impl TransformPlan {
    /// Whether the two databases had no differences.
    pub fn is_empty(&self) -> bool {
        self.tables_added.is_empty()
            && self.tables_dropped.is_empty()
            && self.columns_added.is_empty()
            && self.tables.iter().all(|t| t.records.is_empty())
    }
}

fn same_cell(a: &Value, b: &Value, base: &DatabaseModel, target: &DatabaseModel) -> bool {
    match (a, b) {
        (Value::Stream(x), Value::Stream(y)) => {
            x == y && base.streams.get(x) == target.streams.get(y)
        }
        _ => a == b,
    }
}

/// The differences from `base` to `target`.
pub fn generate(base: &DatabaseModel, target: &DatabaseModel) -> Result<TransformPlan> {
    let mut plan = TransformPlan {
        codepage: if target.codepage != 0 {
            target.codepage
        } else {
            base.codepage
        },
        ..Default::default()
    };
    for t in &base.tables {
        if target.table(&t.def.name).is_none() {
            plan.tables_dropped.push(t.def.name.clone());
        }
    }
    for tt in &target.tables {
        let name = &tt.def.name;
        match base.table(name) {
            None => {
                plan.tables_added.push(name.clone());
                for c in &tt.def.columns {
                    plan.columns_added.push((name.clone(), c.clone(), None));
                }
                let records = tt
                    .rows
                    .iter()
                    .map(|r| Record::Row { values: r.clone() })
                    .collect();
                add_streams(&mut plan, tt, target);
                plan.tables.push(TableRecords {
                    def: tt.def.clone(),
                    records,
                });
            }
            Some(bt) => {
                let records = diff_table(&mut plan, bt, tt, base, target)?;
                plan.tables.push(TableRecords {
                    def: tt.def.clone(),
                    records,
                });
            }
        }
    }
    plan.tables.retain(|t| !t.records.is_empty());
    Ok(plan)
}

/// Takes along the streams of every binary cell of `t`.
fn add_streams(plan: &mut TransformPlan, t: &TableData, target: &DatabaseModel) {
    for r in &t.rows {
        for v in r {
            if let Value::Stream(s) = v {
                if let Some(d) = target.streams.get(s) {
                    plan.streams.insert(s.clone(), d.clone());
                }
            }
        }
    }
}

fn diff_table(
    plan: &mut TransformPlan,
    bt: &TableData,
    tt: &TableData,
    base: &DatabaseModel,
    target: &DatabaseModel,
) -> Result<Vec<Record>> {
    let name = &tt.def.name;
    let (bc, tc) = (&bt.def.columns, &tt.def.columns);
    let unsupported = |what: String| {
        Error::unsupported(format!(
            "table '{name}': {what}; a transform cannot express it"
        ))
    };
    if tc.len() < bc.len() {
        return Err(unsupported(format!(
            "the target has {} columns, the base {}",
            tc.len(),
            bc.len()
        )));
    }
    for (b, t) in bc.iter().zip(tc) {
        if b.name != t.name || b.ty != t.ty {
            return Err(unsupported(format!(
                "column {} is '{}' ({}) in the base and '{}' ({}) in the target",
                b.number,
                b.name,
                b.ty.idt_code(),
                t.name,
                t.ty.idt_code()
            )));
        }
    }
    for c in &tc[bc.len()..] {
        plan.columns_added
            .push((name.clone(), c.clone(), Some(c.number)));
    }
    let keys = tt.def.key_indexes();
    let key_of = |r: &[Value]| -> Vec<Value> {
        keys.iter()
            .map(|&k| r.get(k).cloned().unwrap_or(Value::Null))
            .collect()
    };
    let base_rows: HashMap<Vec<Value>, &Vec<Value>> =
        bt.rows.iter().map(|r| (key_of(r), r)).collect();
    let target_keys: std::collections::HashSet<Vec<Value>> =
        tt.rows.iter().map(|r| key_of(r)).collect();
    let mut records = Vec::new();
    for r in &bt.rows {
        let k = key_of(r);
        if !target_keys.contains(&k) {
            records.push(Record::Delete { key: k });
        }
    }
    let first_is_key = tt
        .def
        .columns
        .first()
        .map(|c| c.ty.is_key())
        .unwrap_or(false);
    for r in &tt.rows {
        let k = key_of(r);
        let set_streams = |plan: &mut TransformPlan, cols: &[usize]| {
            for &c in cols {
                if let Value::Stream(s) = &r[c] {
                    if let Some(d) = target.streams.get(s) {
                        plan.streams.insert(s.clone(), d.clone());
                    }
                }
            }
        };
        match base_rows.get(&k) {
            None => {
                set_streams(plan, &(0..r.len()).collect::<Vec<_>>());
                records.push(Record::Row { values: r.clone() });
            }
            Some(old) => {
                let changed: Vec<usize> = (0..r.len())
                    .filter(|&c| !tt.def.columns[c].ty.is_key())
                    .filter(|&c| {
                        let o = old.get(c).unwrap_or(&Value::Null);
                        !same_cell(o, &r[c], base, target)
                    })
                    .collect();
                if changed.is_empty() {
                    continue;
                }
                set_streams(plan, &changed);
                if changed.iter().all(|&c| c < 16) && first_is_key {
                    records.push(Record::Update {
                        key: k,
                        columns: changed.iter().map(|&c| (c, r[c].clone())).collect(),
                    });
                } else {
                    set_streams(plan, &(0..r.len()).collect::<Vec<_>>());
                    records.push(Record::Delete { key: k });
                    records.push(Record::Row { values: r.clone() });
                }
            }
        }
    }
    Ok(records)
}
