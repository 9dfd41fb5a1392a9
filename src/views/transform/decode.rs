//! The transform table-stream codec: the records of one table stream of a transform.
//!
//! A transform stream is row-major, a sequence of records, each a little-endian u16 mask and
//! then cells as wide as in a persistent table (string references follow the transform's own
//! pool: 2 or 3 bytes):
//! - `mask & 1`: a whole row; `mask >> 8` is how many leading columns follow (the rest are NULL).
//! - `mask == 0`: a delete; the key columns follow.
//! - otherwise an update: column `i` (0-based) follows when it is a key or bit `i` is set.
//!
//! The layout of a record comes from the schema of the table being transformed, after the
//! transform's own `_Tables` and `_Columns` changes. Cells are decoded with the same stored-value
//! rules as persistent tables (`crate::formats::tables::codec`).

use crate::error::{Error, Result};
use crate::formats::strings::StringPool;
use crate::formats::tables::{codec, TableDef, Value};

/// One record of a transform stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Record {
    /// A whole row: values for the first `values.len()` columns (the others are NULL).
    Row { values: Vec<Value> },
    /// Delete the row with these key values (in key-column order).
    Delete { key: Vec<Value> },
    /// Set the listed columns (index, value) of the row with these keys.
    Update {
        key: Vec<Value>,
        columns: Vec<(usize, Value)>,
    },
}

/// The raw mask of a record, for reports: which columns it carried.
pub fn describe_mask(mask: u16) -> String {
    format!("{mask:#06x}")
}

/// Reads the records of one transform stream for table `def`. Binary cells come back as
/// `Value::Stream(name)` built from the record's keys; the caller copies the stream.
pub fn decode_records(bytes: &[u8], def: &TableDef, pool: &StringPool) -> Result<Vec<Record>> {
    let ncols = def.columns.len();
    if ncols == 0 {
        return Err(Error::malformed("the table has no columns in the schema"));
    }
    let ref_size = pool.ref_size();
    let widths = def
        .widths(ref_size)
        .ok_or_else(|| Error::malformed("a column has an integer width that is neither 2 nor 4"))?;
    let keys = def.key_indexes();
    let mut out = Vec::new();
    let mut pos = 0usize;
    let mut n = 0usize;
    while pos < bytes.len() {
        n += 1;
        let record_at = pos;
        let at = |what: String| Error::malformed(format!("record {n} at byte {record_at}: {what}"));
        if bytes.len() - pos < 2 {
            return Err(at("a lone byte where a record mask should be".into()));
        }
        let mask = u16::from_le_bytes([bytes[pos], bytes[pos + 1]]);
        let start = pos;
        pos += 2;
        let present: Vec<usize> = if mask & 1 != 0 {
            let count = (mask >> 8) as usize;
            if count > ncols {
                return Err(at(format!(
                    "a whole-row record for {count} columns, but the table has {ncols}"
                )));
            }
            (0..count).collect()
        } else if mask == 0 {
            keys.clone()
        } else {
            for bit in 1..16 {
                if mask & (1 << bit) != 0 && bit >= ncols {
                    return Err(at(format!(
                        "mask {mask:#06x} names column {} but the table has {ncols}",
                        bit + 1
                    )));
                }
            }
            (0..ncols)
                .filter(|&i| def.columns[i].ty.is_key() || (i < 16 && mask & (1 << i) != 0))
                .collect()
        };
        let mut cells: Vec<(usize, Value)> = Vec::with_capacity(present.len());
        for &i in &present {
            let w = widths[i];
            if bytes.len() - pos < w {
                return Err(Error::truncated(format!(
                    "record {n} at byte {start}: ends inside column '{}'",
                    def.columns[i].name
                )));
            }
            let raw = codec::read_cell(&bytes[pos..pos + w]);
            pos += w;
            let ty = def.columns[i].ty;
            let v = if ty.is_binary() {
                // Placeholder; the name is made from the keys below.
                if raw == 0 {
                    Value::Null
                } else {
                    Value::Stream(String::new())
                }
            } else if ty.is_string() {
                match pool.get(raw) {
                    None => {
                        return Err(Error::malformed(format!(
                            "record {n} at byte {start}: column '{}': string id {raw} is past the transform's string pool ({} ids)",
                            def.columns[i].name,
                            pool.len()
                        )))
                    }
                    Some("") => Value::Null,
                    Some(s) => Value::Str(s.to_string()),
                }
            } else if ty.width() == 4 {
                codec::int32_value(raw).map_or(Value::Null, Value::Int)
            } else {
                codec::int16_value(raw).map_or(Value::Null, Value::Int)
            };
            cells.push((i, v));
        }
        // Binary cells are named after the table and the row's keys.
        let key_values: Vec<Value> = keys
            .iter()
            .map(|k| {
                cells
                    .iter()
                    .find(|(i, _)| i == k)
                    .map(|(_, v)| v.clone())
                    .unwrap_or(Value::Null)
            })
            .collect();
        let stream_name = stream_name(&def.name, &key_values);
        for (_, v) in cells.iter_mut() {
            if let Value::Stream(s) = v {
                *s = stream_name.clone();
            }
        }
        let record = if mask & 1 != 0 {
            Record::Row {
                values: cells.into_iter().map(|(_, v)| v).collect(),
            }
        } else if mask == 0 {
            Record::Delete { key: key_values }
        } else {
            Record::Update {
                key: key_values,
                columns: cells
                    .into_iter()
                    .filter(|(i, _)| !def.columns[*i].ty.is_key())
                    .collect(),
            }
        };
        out.push(record);
    }
    Ok(out)
}

/// `Table.Key1.Key2`: the name of the stream holding a binary cell.
pub(crate) fn stream_name(table: &str, key: &[Value]) -> String {
    let mut s = table.to_string();
    for k in key {
        s.push('.');
        s.push_str(&k.to_string());
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::formats::tables::{Column, ColumnType};

    fn pool(strings: &[&str]) -> StringPool {
        let mut p: Vec<u8> = vec![0xE4, 0x04, 0, 0]; // code page 1252
        let mut d = Vec::new();
        for s in strings {
            p.extend_from_slice(&(s.len() as u16).to_le_bytes());
            p.extend_from_slice(&1u16.to_le_bytes());
            d.extend_from_slice(s.as_bytes());
        }
        StringPool::parse(&p, &d).unwrap()
    }

    fn def(name: &str, cols: &[(&str, u16)]) -> TableDef {
        TableDef {
            name: name.into(),
            columns: cols
                .iter()
                .enumerate()
                .map(|(i, &(n, t))| Column {
                    name: n.into(),
                    number: i as u16 + 1,
                    ty: ColumnType(t),
                })
                .collect(),
        }
    }

    fn words(w: &[u16]) -> Vec<u8> {
        w.iter().flat_map(|x| x.to_le_bytes()).collect()
    }

    fn file_def() -> TableDef {
        def(
            "File",
            &[
                ("File", 0x2D48),
                ("Component_", 0x0D48),
                ("FileName", 0x0FFF),
                ("FileSize", 0x0104),
                ("Version", 0x1D48),
                ("Language", 0x1D14),
                ("Attributes", 0x1502),
                ("Sequence", 0x0502),
            ],
        )
    }

    #[test]
    fn wine_patch_vectors() {
        // formats.md §4.4: main transform, File: update FileSize of 'patch.txt' to 1002.
        let p = pool(&["patch.txt"]);
        let r = decode_records(&words(&[0x0008, 0x0001, 0x03ea, 0x8000]), &file_def(), &p).unwrap();
        assert_eq!(
            r,
            vec![Record::Update {
                key: vec![Value::Str("patch.txt".into())],
                columns: vec![(3, Value::Int(1002))],
            }]
        );
        // Paired transform, File: Attributes 0x1000 (PatchAdded) and Sequence 1000.
        let r = decode_records(&words(&[0x00c0, 0x0001, 0x9000, 0x83e8]), &file_def(), &p).unwrap();
        assert_eq!(
            r,
            vec![Record::Update {
                key: vec![Value::Str("patch.txt".into())],
                columns: vec![(6, Value::Int(0x1000)), (7, Value::Int(1000))],
            }]
        );
    }

    #[test]
    fn media_whole_row_and_delete() {
        let media = def(
            "Media",
            &[
                ("DiskId", 0x2502),
                ("LastSequence", 0x0104),
                ("DiskPrompt", 0x1F40),
                ("Cabinet", 0x1DFF),
                ("VolumeLabel", 0x1D20),
                ("Source", 0x1D48),
            ],
        );
        let strings = ["a", "b", "c", "d", "e", "f", "#CAB_msitest", "prop"];
        let p = pool(&strings);
        let rec = words(&[
            0x0601, 0x8002, 0x03e9, 0x8000, 0x0000, 0x0007, 0x0000, 0x0008, 0x0000, 0x8002,
        ]);
        let r = decode_records(&rec, &media, &p).unwrap();
        assert_eq!(
            r,
            vec![
                Record::Row {
                    values: vec![
                        Value::Int(2),
                        Value::Int(1001),
                        Value::Null,
                        Value::Str("#CAB_msitest".into()),
                        Value::Null,
                        Value::Str("prop".into()),
                    ]
                },
                Record::Delete {
                    key: vec![Value::Int(2)]
                }
            ]
        );
    }

    #[test]
    fn malformed_records_are_errors() {
        let p = pool(&["x"]);
        // Truncated inside a cell.
        let e = decode_records(&words(&[0x0008, 0x0001, 0x03ea]), &file_def(), &p).unwrap_err();
        assert!(e.to_string().contains("ends inside column"), "{e}");
        // A mask naming a column the table does not have.
        let small = def("T", &[("K", 0x2D48), ("V", 0x0D48)]);
        let e = decode_records(&words(&[0x0010, 0x0001]), &small, &p).unwrap_err();
        assert!(e.to_string().contains("names column 5"), "{e}");
        // A whole row wider than the table.
        let e = decode_records(&words(&[0x0301, 1, 1, 1]), &small, &p).unwrap_err();
        assert!(e.to_string().contains("for 3 columns"), "{e}");
        // A string id past the pool.
        let e = decode_records(&words(&[0x0201, 9, 1]), &small, &p).unwrap_err();
        assert!(
            e.to_string().contains("past the transform's string pool"),
            "{e}"
        );
        // A lone byte.
        let e = decode_records(&[1], &small, &p).unwrap_err();
        assert!(e.to_string().contains("lone byte"), "{e}");
    }
}
