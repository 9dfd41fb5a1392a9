//! ICE03: every cell of every table checked against the package's own `_Validation` table
//! (the ICE reference's "ICE03" and "_Validation Table"): nullability, string length, integer
//! range, Set, the column's category, foreign keys (KeyTable, KeyColumn), duplicate primary
//! keys; and the `_Validation` rows themselves (unknown category, MinValue above MaxValue,
//! KeyColumn out of range, a column of the database with no row).
//!
//! One finding per cell: the first failed check in that order, as MsiViewGetError reports one
//! error per column.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};

use super::category::Category;
use super::{text, Finding, Severity};
use crate::database::{DatabaseModel, TableData};
use crate::formats::tables::Value;

const ICE: &str = "ICE03";

/// One `_Validation` row.
struct Rule {
    nullable: bool,
    min: Option<i32>,
    max: Option<i32>,
    key_tables: Vec<String>,
    key_column: Option<i32>,
    /// The category, or the unknown name it has.
    category: Option<Result<Category, String>>,
    set: Option<Vec<String>>,
}

fn err(rule: &'static str) -> Finding {
    Finding::new(ICE, Severity::Error, rule)
}

/// The `_Validation` table read into rules by (table, column); findings for the table itself
/// when it is missing or malformed, or for its rows.
fn read_rules(
    model: &DatabaseModel,
    out: &mut Vec<Finding>,
) -> Option<HashMap<(String, String), Rule>> {
    let Some(v) = model.table("_Validation") else {
        out.push(err("missingdata").table("_Validation").message(
            "Missing data in _Validation table or old Database: the package has no _Validation \
             table, so no column can be checked",
        ));
        return None;
    };
    let col = |name: &str| v.def.columns.iter().position(|c| c.name == name);
    let (Some(ti), Some(ci)) = (col("Table"), col("Column")) else {
        out.push(err("missingdata").table("_Validation").message(
            "_Validation table is malformed: it has no Table or no Column column, so no column \
             can be checked",
        ));
        return None;
    };
    let [ni, mini, maxi, kti, kci, cati, seti] = [
        "Nullable",
        "MinValue",
        "MaxValue",
        "KeyTable",
        "KeyColumn",
        "Category",
        "Set",
    ]
    .map(col);
    let mut rules = HashMap::new();
    for row in &v.rows {
        let cell = |i: Option<usize>| i.and_then(|i| row.get(i)).unwrap_or(&Value::Null);
        let (Value::Str(table), Value::Str(column)) = (cell(Some(ti)), cell(Some(ci))) else {
            out.push(
                err("missingdata")
                    .table("_Validation")
                    .key(vec![text(cell(Some(ti))), text(cell(Some(ci)))])
                    .message("_Validation table is malformed: a row without Table or Column"),
            );
            continue;
        };
        let key = vec![table.clone(), column.clone()];
        let int = |i: Option<usize>, name: &str, out: &mut Vec<Finding>| match cell(i) {
            Value::Int(n) => Some(*n),
            Value::Str(s) => match s.trim().parse::<i32>() {
                Ok(n) => Some(n),
                Err(_) => {
                    out.push(
                        err("badmaxminvalues")
                            .table("_Validation")
                            .key(key.clone())
                            .column(name)
                            .message(format!("_Validation table: {name} '{s}' is not a number")),
                    );
                    None
                }
            },
            _ => None,
        };
        let min = int(mini, "MinValue", out);
        let max = int(maxi, "MaxValue", out);
        if let (Some(a), Some(b)) = (min, max) {
            if b < a {
                out.push(
                    err("badmaxminvalues")
                        .table("_Validation")
                        .key(key.clone())
                        .column("MaxValue")
                        .message(format!(
                            "_Validation table: Value in MaxValue column < that in MinValue column ({b} < {a})"
                        )),
                );
            }
        }
        let key_tables: Vec<String> = match cell(kti) {
            Value::Str(s) => s
                .split(';')
                .filter(|t| !t.is_empty())
                .map(str::to_string)
                .collect(),
            _ => Vec::new(),
        };
        let key_column = int(kci, "KeyColumn", out);
        if !key_tables.is_empty() && !key_column.is_some_and(|k| (1..=32).contains(&k)) {
            out.push(
                err("badkeytable")
                    .table("_Validation")
                    .key(key.clone())
                    .column("KeyColumn")
                    .message(format!(
                        "_Validation table: Data in KeyTable column is incorrect: KeyColumn {} is not 1 to 32",
                        key_column.map(|k| k.to_string()).unwrap_or_else(|| "NULL".into())
                    )),
            );
        }
        let category = match cell(cati) {
            Value::Str(s) => {
                let c = Category::parse(s).ok_or_else(|| s.clone());
                if c.is_err() {
                    out.push(
                        err("badcategory")
                            .table("_Validation")
                            .key(key.clone())
                            .column("Category")
                            .message(format!("_Validation table: Invalid category string '{s}'")),
                    );
                }
                Some(c)
            }
            _ => None,
        };
        let set = match cell(seti) {
            Value::Str(s) => Some(s.split(';').map(str::to_string).collect()),
            _ => None,
        };
        let nullable = !matches!(cell(ni), Value::Str(s) if s == "N");
        rules.insert(
            (table.clone(), column.clone()),
            Rule {
                nullable,
                min,
                max,
                key_tables,
                key_column,
                category,
                set,
            },
        );
    }
    add_cube_rules(&mut rules);
    Some(rules)
}

/// The `_Validation` rows the ICE database (darice.cub) brings for its own tables. Validation
/// on Windows merges the .cub into a copy of the package, so a package without these rows
/// (WiX writes none for a merge module's Binary table) has them when ICE03 runs; a row the
/// package has wins.
fn add_cube_rules(rules: &mut HashMap<(String, String), Rule>) {
    let plain = |nullable: bool, category: Option<Category>| Rule {
        nullable,
        min: None,
        max: None,
        key_tables: Vec::new(),
        key_column: None,
        category: category.map(Ok),
        set: None,
    };
    let cube = [
        ("Binary", "Name", plain(false, Some(Category::Identifier))),
        ("Binary", "Data", plain(false, Some(Category::Binary))),
        (
            "CustomAction",
            "Action",
            plain(false, Some(Category::Identifier)),
        ),
        (
            "CustomAction",
            "Type",
            Rule {
                min: Some(1),
                max: Some(32767),
                ..plain(false, None)
            },
        ),
        (
            "CustomAction",
            "Source",
            plain(true, Some(Category::CustomSource)),
        ),
        (
            "CustomAction",
            "Target",
            plain(true, Some(Category::Formatted)),
        ),
    ];
    for (t, c, r) in cube {
        rules.entry((t.to_string(), c.to_string())).or_insert(r);
    }
}

/// Values of one column of a table, for foreign-key look-ups, built once per (table, column)
/// and borrowed from the model.
struct KeyIndex<'m> {
    model: &'m DatabaseModel,
    cache: HashMap<(&'m str, usize), HashSet<Cow<'m, str>>>,
}

impl KeyIndex<'_> {
    /// Whether any of `tables` has `value` in its column `col` (1-based); `None` when none of
    /// the tables is in the database.
    fn contains(&mut self, tables: &[String], col: usize, value: &str) -> Option<bool> {
        let mut any_table = false;
        for t in tables {
            let Some(data) = self.model.table(t) else {
                continue;
            };
            any_table = true;
            let set = self
                .cache
                .entry((data.def.name.as_str(), col))
                .or_insert_with(|| column_values(data, col));
            if set.contains(value) {
                return Some(true);
            }
        }
        any_table.then_some(false)
    }
}

fn column_values(t: &TableData, col: usize) -> HashSet<Cow<'_, str>> {
    t.rows
        .iter()
        .filter_map(|r| r.get(col.wrapping_sub(1)))
        .filter_map(|v| match v {
            Value::Str(s) => Some(Cow::Borrowed(s.as_str())),
            Value::Int(n) => Some(Cow::Owned(n.to_string())),
            _ => None,
        })
        .collect()
}

pub(super) fn run(model: &DatabaseModel) -> Vec<Finding> {
    let mut out = Vec::new();
    let Some(rules) = read_rules(model, &mut out) else {
        return out;
    };
    let mut index = KeyIndex {
        model,
        cache: HashMap::new(),
    };
    for t in &model.tables {
        let name = t.def.name.as_str();
        // `_Validation` describes the other tables; its own rows are not checked against
        // themselves (WiX writes KeyTable lists such as `File;Registry;ODBCDataSource` into a
        // column its own row calls an Identifier, and those packages pass ICE03 on Windows).
        if name.starts_with('_') {
            continue;
        }
        let col_rules: Vec<Option<&Rule>> = t
            .def
            .columns
            .iter()
            .map(|c| rules.get(&(name.to_string(), c.name.clone())))
            .collect();
        for (c, r) in t.def.columns.iter().zip(&col_rules) {
            if r.is_none() {
                out.push(err("missingdata").table(name).column(&c.name).message(
                    "Missing data in _Validation table or old Database: this column has no \
                     _Validation row",
                ));
            }
        }
        let keys = t.def.key_indexes();
        let mut seen: HashSet<Vec<&Value>> = HashSet::new();
        let mut seen_one: HashSet<&Value> = HashSet::with_capacity(t.rows.len());
        for row in &t.rows {
            let key_of = || keys.iter().map(|&k| text(&row[k])).collect::<Vec<_>>();
            let fresh = match keys.as_slice() {
                [] => true,
                [k] => seen_one.insert(&row[*k]),
                _ => seen.insert(keys.iter().map(|&k| &row[k]).collect()),
            };
            if !fresh {
                out.push(
                    err("duplicatekey")
                        .table(name)
                        .key(key_of())
                        .message("Duplicate Primary Key"),
                );
            }
            for (ci, (col, rule)) in t.def.columns.iter().zip(&col_rules).enumerate() {
                let Some(rule) = rule else { continue };
                let Some(v) = row.get(ci) else { continue };
                if let Some((msg, code)) =
                    check_cell(v, col.ty.width(), col.ty.is_int(), rule, &mut index)
                {
                    out.push(
                        err(code)
                            .table(name)
                            .key(key_of())
                            .column(&col.name)
                            .message(msg),
                    );
                }
            }
        }
    }
    out
}

/// The first check one cell fails: its message (with the value) and MSIDBERROR name.
fn check_cell(
    v: &Value,
    width: u16,
    is_int: bool,
    rule: &Rule,
    index: &mut KeyIndex<'_>,
) -> Option<(String, &'static str)> {
    let shown = |v: &str| -> String {
        if v.chars().count() > 80 {
            format!("'{}...'", v.chars().take(77).collect::<String>())
        } else {
            format!("'{v}'")
        }
    };
    match v {
        Value::Null | Value::Stream(_) => {
            if matches!(v, Value::Null) && !rule.nullable {
                return Some(("Not a nullable column".into(), "required"));
            }
            None
        }
        Value::Int(n) => {
            if let Some(min) = rule.min.filter(|m| n < m) {
                return Some((format!("Value below MinValue: {n} < {min}"), "underflow"));
            }
            if let Some(max) = rule.max.filter(|m| n > m) {
                return Some((format!("Value exceeds MaxValue: {n} > {max}"), "overflow"));
            }
            if let Some(set) = &rule.set {
                if !set.iter().any(|s| s.trim().parse::<i32>().ok() == Some(*n)) {
                    return Some((
                        format!("Value not a member of the set: {n} (set {})", set.join(";")),
                        "notinset",
                    ));
                }
            }
            foreign_key(&n.to_string(), rule, index)
        }
        Value::Str(s) => {
            if !is_int && width > 0 && s.chars().count() > width as usize {
                return Some((
                    format!(
                        "String overflow (greater than length permitted in column): {} characters, at most {width}",
                        s.chars().count()
                    ),
                    "stringoverflow",
                ));
            }
            if let Some(set) = &rule.set {
                if !set.iter().any(|x| x == s) {
                    return Some((
                        format!(
                            "Value not a member of the set: {} (set {})",
                            shown(s),
                            set.join(";")
                        ),
                        "notinset",
                    ));
                }
            }
            match rule.category {
                // A Version column with a KeyTable (File.Version) may instead name a companion
                // file: a key of that table.
                Some(Ok(Category::Version)) if !rule.key_tables.is_empty() => {
                    if super::category::is_version(s) {
                        return None;
                    }
                    return match foreign_key(s, rule, index) {
                        None => None,
                        Some(_) => Some((
                            format!(
                                "Invalid version string: {} (and not a key of {})",
                                shown(s),
                                rule.key_tables.join(";")
                            ),
                            "badversion",
                        )),
                    };
                }
                Some(Ok(cat)) => {
                    if let Some((msg, code)) = cat.check(s) {
                        return Some((format!("{msg}: {}", shown(s)), code));
                    }
                    // A KeyFormatted value that holds a property reference is resolved at
                    // install time, not a key.
                    if cat == Category::KeyFormatted && s.contains('[') {
                        return None;
                    }
                }
                _ => {}
            }
            foreign_key(s, rule, index)
        }
    }
}

fn foreign_key(
    value: &str,
    rule: &Rule,
    index: &mut KeyIndex<'_>,
) -> Option<(String, &'static str)> {
    if rule.key_tables.is_empty() {
        return None;
    }
    let col = rule.key_column.filter(|k| (1..=32).contains(k))? as usize;
    match index.contains(&rule.key_tables, col, value) {
        Some(true) => None,
        Some(false) => Some((
            format!(
                "Not a valid foreign key: '{value}' is not in column {col} of {}",
                rule.key_tables.join(" or ")
            ),
            "badlink",
        )),
        None => Some((
            format!(
                "Not a valid foreign key: '{value}' refers to {}, which is not in the database",
                rule.key_tables.join(" or ")
            ),
            "badlink",
        )),
    }
}
