//! The files a patch delivers: one row per cabinet entry (cabinet entries are File keys), with
//! what the transforms say of that File row, whether the cabinet holds the whole file or a binary
//! delta (PA19 / PA30), and, given the target database, the old version and size and the path the
//! file installs to. Also the extraction of those payloads.
//!
//! Without the target, the transforms are applied to a stand-in database: Windows Installer's
//! standard File, MsiFileHash and Media schemas, with one empty File row per cabinet entry, so
//! the main transform's updates land (new size, version, language) and its inserts add the files
//! the patch adds (with component and name). Component and name of a replaced file are then
//! unknown; `--msi` gives them.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::database::{Database, DatabaseModel, TableData};
use crate::error::{Error, Result};
use crate::formats::cabinet::Cabinet;
use crate::formats::container::Container;
use crate::formats::summary::ErrorFlags;
use crate::formats::tables::{TableDef, Value};
use crate::views::paths::Resolver;
use crate::views::transform::{apply_transform, Change, TransformSource};

/// How the cabinet delivers a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Delivery {
    /// The whole new file.
    Whole,
    /// A PatchAPI binary delta (mspatcha, `PA19`).
    DeltaPa19,
    /// An MSDelta binary delta (`PA30`).
    DeltaPa30,
    /// A Patch table row says delta, but the bytes carry neither magic.
    DeltaUnknown,
}

/// One file the patch adds or changes.
#[derive(Debug, Clone, Serialize)]
pub struct PatchFile {
    /// The File key (the cabinet entry name).
    pub file: String,
    pub component: Option<String>,
    /// The long file name.
    pub name: Option<String>,
    pub new_version: Option<String>,
    pub new_size: Option<i32>,
    pub language: Option<String>,
    pub delivery: Delivery,
    /// Size and sha256 of the cabinet entry (the whole file, or the delta).
    pub entry_size: u32,
    pub entry_sha256: String,
    pub cabinet: String,
    pub sequence: Option<i32>,
    /// MsiFileHash (four signed 32-bit parts of the MD5), when the patch sets one.
    pub file_hash: Option<[i32; 4]>,
    /// For a PA19 delta: the new file's size and CRC32 and the old files (size, CRC32) it accepts.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delta: Option<super::delta::DeltaHeader>,
    /// With the target: the version and size before the patch, and where the file installs.
    pub old_version: Option<String>,
    pub old_size: Option<i32>,
    pub target_path: Option<String>,
    /// Which transform pair this comes from.
    pub transform: String,
    /// Something wrong with this entry (no File row, ...).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub finding: Option<String>,
}

/// Windows Installer's standard File schema (see [`crate::formats::tables::standard::file`]).
pub(crate) fn standard_file(short_sequence: bool) -> TableDef {
    crate::formats::tables::standard::file(short_sequence)
}

fn stand_in(keys: &[String], short_sequence: bool) -> DatabaseModel {
    let mut file = TableData::new(standard_file(short_sequence));
    for k in keys {
        let mut row = vec![Value::Null; 8];
        row[0] = Value::Str(k.clone());
        file.rows.push(row);
    }
    let prop = TableData::new(crate::formats::tables::standard::property());
    DatabaseModel {
        tables: vec![
            file,
            TableData::new(crate::formats::tables::standard::msi_file_hash()),
            TableData::new(super::standard_media()),
            prop,
        ],
        ..Default::default()
    }
}

fn text(v: Option<&Value>) -> Option<String> {
    match v {
        Some(Value::Str(s)) => Some(s.clone()),
        Some(Value::Int(i)) => Some(i.to_string()),
        _ => None,
    }
}

fn int(v: Option<&Value>) -> Option<i32> {
    match v {
        Some(Value::Int(i)) => Some(*i),
        _ => None,
    }
}

fn row<'a>(m: &'a DatabaseModel, table: &str, key: &str) -> Option<(&'a TableDef, &'a Vec<Value>)> {
    let t = m.table(table)?;
    let r = t
        .rows
        .iter()
        .find(|r| r.first() == Some(&Value::Str(key.to_string())))?;
    Some((&t.def, r))
}

fn cell<'a>(def: &TableDef, r: &'a [Value], column: &str) -> Option<&'a Value> {
    def.column_index(column).and_then(|i| r.get(i))
}

/// A cabinet of the patch with its entries' bytes, decompressed once.
struct PatchCabinet {
    stream: String,
    entries: Vec<(String, Vec<u8>)>,
}

fn cabinets(c: &Container) -> Result<Vec<PatchCabinet>> {
    let mut out = Vec::new();
    for e in c.entries() {
        if e.is_storage || e.names.len() != 1 || e.leaf().is_table {
            continue;
        }
        let bytes = c.read_raw_stream("", &e.raw_path)?;
        if !bytes.starts_with(b"MSCF") {
            continue;
        }
        let stream = e.leaf().name.clone();
        let cab = Cabinet::parse(bytes).map_err(|err| {
            err.at(format!("cabinet stream '{stream}'"))
                .in_file(c.name())
        })?;
        let mut entries = Vec::new();
        cab.for_each_file(|f, data| {
            entries.push((f.name.clone(), data.to_vec()));
            Ok(())
        })
        .map_err(|err| {
            err.at(format!("cabinet stream '{stream}'"))
                .in_file(c.name())
        })?;
        out.push(PatchCabinet { stream, entries });
    }
    Ok(out)
}

fn delivery(is_patch_row: bool, bytes: &[u8]) -> Delivery {
    if bytes.starts_with(b"PA19") {
        Delivery::DeltaPa19
    } else if bytes.starts_with(b"PA30") || bytes.get(4..8) == Some(b"PA30") {
        Delivery::DeltaPa30
    } else if is_patch_row {
        Delivery::DeltaUnknown
    } else {
        Delivery::Whole
    }
}

/// The result of `patch files`.
#[derive(Debug, Clone, Serialize)]
pub struct PatchFiles {
    pub patch: String,
    pub target: Option<String>,
    pub files: Vec<PatchFile>,
}

/// `msikit patch files PATCH.msp [--msi TARGET.msi]`.
pub fn files(
    patch: &Path,
    target: Option<&Path>,
    properties: &HashMap<String, String>,
) -> Result<PatchFiles> {
    let c = super::open(patch)?;
    let cabs = cabinets(&c)?;
    let info = super::info(patch)?;
    let keys: Vec<String> = cabs
        .iter()
        .flat_map(|c| c.entries.iter().map(|(n, _)| n.clone()))
        .collect();
    // (transform pair name, base model, patched model) for each pair that applies.
    let mut results: Vec<(String, Option<DatabaseModel>, DatabaseModel, Vec<Change>)> = Vec::new();
    match target {
        Some(t) => {
            let tc = Container::open(t)?;
            let base = DatabaseModel::load(&Database::open(&tc)?)?;
            let applied = crate::views::transform::apply_files(t, &[patch], None, None)?;
            let names: Vec<String> = applied
                .reports
                .iter()
                .filter(|r| r.applied)
                .map(|r| r.transform.clone())
                .collect();
            let changes = applied
                .reports
                .iter()
                .flat_map(|r| r.changes.clone())
                .collect();
            let name = names
                .into_iter()
                .find(|n| !n.starts_with('#'))
                .unwrap_or_default();
            if name.is_empty() {
                return Err(Error::refused(
                    "no transform of this patch applies to this database (see `msikit patch view`)",
                )
                .in_file(t.display().to_string()));
            }
            results.push((name, Some(base), applied.model, changes));
        }
        None => {
            let all = ErrorFlags::from_letters("abcdef")?;
            for pair in &info.transforms {
                let mut last_err = None;
                let mut done = None;
                for short in [false, true] {
                    let mut m = stand_in(&keys, short);
                    let mut changes = Vec::new();
                    let mut ok = true;
                    for name in std::iter::once(&pair.transform).chain(pair.paired.iter()) {
                        let src = TransformSource::storage(&c, name)?;
                        match apply_transform(&mut m, &src, Some(all)) {
                            Ok(r) => changes.extend(r.changes),
                            Err(e) => {
                                last_err = Some(e);
                                ok = false;
                                break;
                            }
                        }
                    }
                    if ok {
                        done = Some((m, changes));
                        break;
                    }
                }
                match done {
                    Some((m, changes)) => results.push((pair.transform.clone(), None, m, changes)),
                    None => {
                        return Err(last_err
                            .unwrap_or_else(|| Error::malformed("the transforms cannot be read")))
                    }
                }
            }
        }
    }
    let mut files = Vec::new();
    for (pair, base, patched, changes) in &results {
        let resolver = base.as_ref().map(|_| Resolver::new(patched, properties));
        // File keys the transforms touch, for files delivered without a cabinet entry.
        let mut touched: BTreeMap<String, ()> = BTreeMap::new();
        for ch in changes {
            match ch {
                Change::RowUpdated { table, key, .. } | Change::RowReplaced { table, key, .. }
                    if table == "File" =>
                {
                    if let Some(Value::Str(k)) = key.first() {
                        touched.insert(k.clone(), ());
                    }
                }
                Change::RowInserted { table, row } if table == "File" => {
                    if let Some(Value::Str(k)) = row.first() {
                        touched.insert(k.clone(), ());
                    }
                }
                _ => {}
            }
        }
        for cab in &cabs {
            // Only the cabinets this pair's Media rows name (or every one, when none does).
            let named = info.cabinets.iter().find(|c| c.stream == cab.stream);
            if let Some(n) = named {
                let pair_media = n.media.iter().any(|m| m.transform == format!("#{pair}"));
                let any_media = !n.media.is_empty();
                if any_media && !pair_media {
                    continue;
                }
            }
            for (key, bytes) in &cab.entries {
                let file_row = row(patched, "File", key);
                let patch_row = patched
                    .table("Patch")
                    .map(|t| {
                        t.rows
                            .iter()
                            .any(|r| r.first() == Some(&Value::Str(key.clone())))
                    })
                    .unwrap_or(false);
                let hash = row(patched, "MsiFileHash", key).and_then(|(d, r)| {
                    Some([
                        int(cell(d, r, "HashPart1"))?,
                        int(cell(d, r, "HashPart2"))?,
                        int(cell(d, r, "HashPart3"))?,
                        int(cell(d, r, "HashPart4"))?,
                    ])
                });
                let old = base.as_ref().and_then(|b| row(b, "File", key));
                let component = file_row.and_then(|(d, r)| text(cell(d, r, "Component_")));
                let target_path = match (&resolver, file_row, &component) {
                    (Some(res), Some((d, r)), Some(comp)) => row(patched, "Component", comp)
                        .and_then(|(cd, cr)| text(cell(cd, cr, "Directory_")))
                        .and_then(|dir| {
                            res.file(&dir, &text(cell(d, r, "FileName")).unwrap_or_default())
                        }),
                    _ => None,
                };
                let how = delivery(patch_row, bytes);
                let (delta, delta_finding) = if how == Delivery::DeltaPa19 {
                    match super::delta::read_pa19(bytes) {
                        Ok(h) => (Some(h), None),
                        Err(e) => (None, Some(e.message())),
                    }
                } else {
                    (None, None)
                };
                let has_row = file_row.is_some_and(|(d, r)| {
                    base.is_some()
                        || cell(d, r, "FileSize").is_some_and(|v| *v != Value::Null)
                        || touched.contains_key(key)
                });
                files.push(PatchFile {
                    file: key.clone(),
                    component,
                    name: file_row
                        .and_then(|(d, r)| text(cell(d, r, "FileName")))
                        .map(|n| crate::views::paths::long_name(&n).to_string()),
                    new_version: file_row.and_then(|(d, r)| text(cell(d, r, "Version"))),
                    new_size: file_row.and_then(|(d, r)| int(cell(d, r, "FileSize"))),
                    language: file_row.and_then(|(d, r)| text(cell(d, r, "Language"))),
                    delivery: how,
                    entry_size: bytes.len() as u32,
                    entry_sha256: Sha256::digest(bytes)
                        .iter()
                        .map(|b| format!("{b:02x}"))
                        .collect(),
                    cabinet: cab.stream.clone(),
                    sequence: file_row.and_then(|(d, r)| int(cell(d, r, "Sequence"))),
                    file_hash: hash,
                    delta,
                    old_version: old.and_then(|(d, r)| text(cell(d, r, "Version"))),
                    old_size: old.and_then(|(d, r)| int(cell(d, r, "FileSize"))),
                    target_path,
                    transform: pair.clone(),
                    finding: delta_finding.or_else(|| {
                        (!has_row).then(|| {
                            "no File row in the patch's transforms names this cabinet entry"
                                .to_string()
                        })
                    }),
                });
            }
        }
    }
    Ok(PatchFiles {
        patch: c.name().to_string(),
        target: target.map(|t| t.display().to_string()),
        files,
    })
}

/// What `patch extract` wrote.
#[derive(Debug, Clone, Serialize)]
pub struct Extracted {
    pub file: String,
    pub path: String,
    pub delivery: Delivery,
    pub size: u32,
}

/// `msikit patch extract PATCH.msp -C DIR [--msi TARGET.msi]`: the payloads, named by target
/// path (without the drive) when the target is given, by File key otherwise; a delta is saved
/// as `NAME.pa19` or `NAME.pa30` and reported as a delta.
pub fn extract(
    patch: &Path,
    dir: &Path,
    target: Option<&Path>,
    properties: &HashMap<String, String>,
) -> Result<Vec<Extracted>> {
    let list = files(patch, target, properties)?;
    let c = super::open(patch)?;
    let cabs = cabinets(&c)?;
    let mut out = Vec::new();
    std::fs::create_dir_all(dir).map_err(|e| Error::io(e).in_file(dir.display().to_string()))?;
    for f in &list.files {
        let Some(bytes) = cabs
            .iter()
            .find(|c| c.stream == f.cabinet)
            .and_then(|c| c.entries.iter().find(|(n, _)| *n == f.file))
            .map(|(_, b)| b)
        else {
            continue;
        };
        let mut rel: PathBuf = match &f.target_path {
            Some(p) => p
                .split('\\')
                .skip(1) // the drive
                .filter(|s| !s.is_empty())
                .map(crate::formats::files::safe_file_name)
                .collect(),
            None => PathBuf::from(crate::formats::files::safe_file_name(&f.file)),
        };
        let suffix = match f.delivery {
            Delivery::DeltaPa19 => Some("pa19"),
            Delivery::DeltaPa30 => Some("pa30"),
            Delivery::DeltaUnknown => Some("delta"),
            Delivery::Whole => None,
        };
        if let Some(s) = suffix {
            let name = rel
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            rel.set_file_name(format!("{name}.{s}"));
        }
        crate::views::payload::write_file(dir, &rel, bytes)?;
        out.push(Extracted {
            file: f.file.clone(),
            path: rel.display().to_string(),
            delivery: f.delivery,
            size: bytes.len() as u32,
        });
    }
    Ok(out)
}
