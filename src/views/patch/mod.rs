//! Patches (.msp): what a patch targets, its transform pairs, metadata, sequencing and
//! cabinets, and its applicability XML. The work behind `msikit patch info|xml|view`.
//!
//! A patch holds a small database (MsiPatchMetadata, MsiPatchSequence), one cabinet stream per
//! patch family, and per target a pair of transform storages named in PID 8: the main transform
//! (the database changes) and its `#` twin (Patch, PatchPackage, Media rows and the PatchAdded
//! file attributes).

pub(crate) mod delta;
pub mod files;
pub mod xml;

use std::path::Path;

use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::database::Database;
use crate::error::{Error, Result};
use crate::formats::container::{Container, PackageKind};
use crate::formats::strings::StringPool;
use crate::formats::summary::{PatchSummary, TransformSummary};
use crate::formats::tables::{TableDef, Value};
use crate::views::transform::{decode_records, Record, TransformSource};

/// One target of the patch: a main transform and its `#` transform.
#[derive(Debug, Clone, Serialize)]
pub struct TransformPair {
    pub transform: String,
    /// The `#` transform, when PID 8 lists it and the storage exists.
    pub paired: Option<String>,
    pub target_product_code: Option<String>,
    pub target_version: Option<String>,
    pub upgraded_product_code: Option<String>,
    pub upgraded_version: Option<String>,
    pub upgrade_code: Option<String>,
    /// The validation conditions in words.
    pub conditions: Vec<String>,
    #[serde(skip)]
    pub summary: Option<TransformSummary>,
}

/// A row of MsiPatchMetadata.
#[derive(Debug, Clone, Serialize)]
pub struct MetadataRow {
    pub company: Option<String>,
    pub property: String,
    pub value: Option<String>,
}

/// A row of MsiPatchSequence.
#[derive(Debug, Clone, Serialize)]
pub struct SequenceRow {
    pub family: String,
    pub product_code: Option<String>,
    pub sequence: String,
    pub attributes: i32,
    /// msidbPatchSequenceSupersedeEarlier (bit 0x1).
    pub supersede_earlier: bool,
}

/// A Media row that a `#` transform adds.
#[derive(Debug, Clone, Serialize)]
pub struct MediaRow {
    pub transform: String,
    pub disk_id: i32,
    pub last_sequence: i32,
    pub cabinet: Option<String>,
    pub source: Option<String>,
}

/// A cabinet stream of the patch, with the Media rows that name it.
#[derive(Debug, Clone, Serialize)]
pub struct Cabinet {
    pub stream: String,
    pub size: u64,
    pub sha256: String,
    pub media: Vec<MediaRow>,
}

/// `msikit patch info`.
#[derive(Debug, Clone, Serialize)]
pub struct PatchInfo {
    pub file: String,
    pub patch_code: Option<String>,
    pub obsoleted_patch_codes: Vec<String>,
    /// PID 7: the product codes that can accept the patch.
    pub target_product_codes: Vec<String>,
    pub transforms: Vec<TransformPair>,
    /// Transforms named in PID 8 that the file does not hold.
    pub missing_transforms: Vec<String>,
    pub minimum_installer_version: Option<String>,
    pub metadata: Vec<MetadataRow>,
    pub sequence: Vec<SequenceRow>,
    pub cabinets: Vec<Cabinet>,
    /// Media rows naming an embedded cabinet the patch does not hold.
    pub missing_cabinets: Vec<MediaRow>,
    pub signed: bool,
    #[serde(skip)]
    pub summary: PatchSummary,
}

impl PatchInfo {
    /// A metadata value by property name (Company NULL first).
    pub fn metadata(&self, property: &str) -> Option<&str> {
        self.metadata
            .iter()
            .filter(|m| m.property == property)
            .min_by_key(|m| m.company.is_some())
            .and_then(|m| m.value.as_deref())
    }
}

/// The Media table's standard schema, used to read the Media rows of a `#` transform when no
/// target database gives the schema.
pub(crate) fn standard_media() -> TableDef {
    crate::formats::tables::standard::media()
}

fn text(v: &Value) -> Option<String> {
    match v {
        Value::Str(s) => Some(s.clone()),
        Value::Int(i) => Some(i.to_string()),
        _ => None,
    }
}

fn int(v: &Value) -> i32 {
    match v {
        Value::Int(i) => *i,
        _ => 0,
    }
}

/// The Media rows a transform storage adds, read with the standard schema.
fn media_rows(src: &TransformSource<'_>) -> Vec<MediaRow> {
    let c = src.container;
    let Ok(Some(bytes)) = c.read_table_stream(&src.storage, "Media") else {
        return Vec::new();
    };
    let pool = match (
        c.read_table_stream(&src.storage, "_StringPool"),
        c.read_table_stream(&src.storage, "_StringData"),
    ) {
        (Ok(Some(p)), Ok(Some(d))) => StringPool::parse(&p, &d).ok(),
        _ => None,
    };
    let Some(pool) = pool else { return Vec::new() };
    let Ok(records) = decode_records(&bytes, &standard_media(), &pool) else {
        return Vec::new();
    };
    records
        .into_iter()
        .filter_map(|r| match r {
            Record::Row { values } if values.len() >= 4 => Some(MediaRow {
                transform: src.name.clone(),
                disk_id: int(&values[0]),
                last_sequence: int(&values[1]),
                cabinet: text(&values[3]),
                source: values.get(5).and_then(text),
            }),
            _ => None,
        })
        .collect()
}

/// Opens a file that must be a patch.
pub fn open(path: &Path) -> Result<Container> {
    let c = Container::open(path)?;
    if c.kind() != PackageKind::Patch {
        return Err(
            Error::refused(format!("is a {}, not a patch (.msp)", c.kind().as_str()))
                .in_file(c.name()),
        );
    }
    Ok(c)
}

/// `msikit patch info PATCH.msp`.
pub fn info(path: &Path) -> Result<PatchInfo> {
    read(&open(path)?)
}

/// What [`info`] reports, for a patch already opened (from a path or from bytes with
/// [`Container::from_bytes`]).
pub fn read(c: &Container) -> Result<PatchInfo> {
    if c.kind() != PackageKind::Patch {
        return Err(
            Error::refused(format!("is a {}, not a patch (.msp)", c.kind().as_str()))
                .in_file(c.name()),
        );
    }
    let si = crate::database::read_summary(c, "")?;
    let summary = PatchSummary::new(&si);
    let storages: Vec<String> = c.storages().iter().map(|e| e.leaf().name.clone()).collect();
    let mut transforms = Vec::new();
    let mut missing_transforms = Vec::new();
    let mut media = Vec::new();
    for name in &summary.transforms {
        if !storages.contains(name) {
            missing_transforms.push(name.clone());
            continue;
        }
        let src = TransformSource::storage(c, name)?;
        media.extend(media_rows(&src));
        if name.starts_with('#') {
            continue;
        }
        let ts = src.summary()?.map(|s| TransformSummary::new(&s));
        let paired_name = format!("#{name}");
        transforms.push(TransformPair {
            transform: name.clone(),
            paired: (summary.transforms.contains(&paired_name) && storages.contains(&paired_name))
                .then_some(paired_name),
            target_product_code: ts.as_ref().and_then(|t| t.original_product_code.clone()),
            target_version: ts.as_ref().and_then(|t| t.original_product_version.clone()),
            upgraded_product_code: ts.as_ref().and_then(|t| t.new_product_code.clone()),
            upgraded_version: ts.as_ref().and_then(|t| t.new_product_version.clone()),
            upgrade_code: ts.as_ref().and_then(|t| t.upgrade_code.clone()),
            conditions: ts.as_ref().map(|t| t.conditions()).unwrap_or_default(),
            summary: ts,
        });
    }
    let db = Database::open(c)?;
    let mut metadata = Vec::new();
    if db.def("MsiPatchMetadata").is_some() {
        let t = db.table("MsiPatchMetadata")?;
        for r in 0..t.len() {
            let v = t.row_values(r);
            metadata.push(MetadataRow {
                company: v.first().and_then(text),
                property: v.get(1).and_then(text).unwrap_or_default(),
                value: v.get(2).and_then(text),
            });
        }
    }
    let mut sequence = Vec::new();
    if db.def("MsiPatchSequence").is_some() {
        let t = db.table("MsiPatchSequence")?;
        for r in 0..t.len() {
            let v = t.row_values(r);
            let attributes = v.get(3).map(int).unwrap_or(0);
            sequence.push(SequenceRow {
                family: v.first().and_then(text).unwrap_or_default(),
                product_code: v.get(1).and_then(text),
                sequence: v.get(2).and_then(text).unwrap_or_default(),
                attributes,
                supersede_earlier: attributes & 1 != 0,
            });
        }
    }
    // Cabinets: every root stream that is one, with the Media rows that name it (`#stream`).
    let mut cabinets = Vec::new();
    for e in c.entries() {
        if e.is_storage || e.names.len() != 1 || e.leaf().is_table {
            continue;
        }
        let raw = e.raw_path.clone();
        let bytes = c.read_raw_stream("", &raw)?;
        if !bytes.starts_with(b"MSCF") {
            continue;
        }
        let name = e.leaf().name.clone();
        cabinets.push(Cabinet {
            media: media
                .iter()
                .filter(|m| m.cabinet.as_deref() == Some(&format!("#{name}")))
                .cloned()
                .collect(),
            size: bytes.len() as u64,
            sha256: Sha256::digest(&bytes)
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect(),
            stream: name,
        });
    }
    let missing_cabinets = media
        .iter()
        .filter(|m| {
            m.cabinet.as_deref().is_some_and(|cab| {
                cab.starts_with('#') && !cabinets.iter().any(|c| format!("#{}", c.stream) == cab)
            })
        })
        .cloned()
        .collect();
    Ok(PatchInfo {
        file: c.name().to_string(),
        patch_code: summary.patch_code.clone(),
        obsoleted_patch_codes: summary.obsoleted_patch_codes.clone(),
        target_product_codes: summary.target_product_codes.clone(),
        transforms,
        missing_transforms,
        minimum_installer_version: summary
            .minimum_installer_version
            .as_ref()
            .and_then(|v| v.version.clone()),
        metadata,
        sequence,
        cabinets,
        missing_cabinets,
        signed: c.has_raw_stream("", "\u{5}DigitalSignature"),
        summary,
    })
}

/// `msikit patch view`: applies the applicable transforms of `patches`, put in sequence order
/// (`sequence_order`), to the database `target`, and writes the patched database to `output`
/// when given.
pub fn view(
    target: &Path,
    patches: &[&Path],
    output: Option<&Path>,
) -> Result<crate::views::transform::Applied> {
    let ordered = sequence_order(patches)?;
    let refs: Vec<&Path> = ordered.iter().map(|p| p.as_path()).collect();
    let applied = crate::views::transform::apply_files(target, &refs, None, None)?;
    if let Some(o) = output {
        crate::database::write::write_database_file(&applied.model, PackageKind::Database, o)?;
    }
    Ok(applied)
}

/// Orders patches as Windows sequences them within one patch family: by their MsiPatchSequence
/// Sequence (a version, compared field by field). Patches of different or no families keep the
/// order given.
pub(crate) fn sequence_order(paths: &[&Path]) -> Result<Vec<std::path::PathBuf>> {
    let mut keyed = Vec::new();
    for p in paths {
        let info = info(p)?;
        let key = info.sequence.first().map(|s| {
            (
                s.family.clone(),
                crate::views::transform::validate::version_fields(&s.sequence, 4),
            )
        });
        keyed.push((p.to_path_buf(), key));
    }
    let families: std::collections::HashSet<Option<String>> = keyed
        .iter()
        .map(|(_, k)| k.as_ref().map(|k| k.0.clone()))
        .collect();
    if families.len() == 1 && keyed.iter().all(|(_, k)| k.is_some()) {
        keyed.sort_by(|a, b| a.1.as_ref().map(|k| &k.1).cmp(&b.1.as_ref().map(|k| &k.1)));
    }
    Ok(keyed.into_iter().map(|(p, _)| p).collect())
}
