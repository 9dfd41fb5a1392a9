//! Transforms (.mst, and the transform storages inside a patch): decode their table streams
//! against a base database and apply them, with Windows Installer's semantics.
//!
//! Order, as Windows Installer and Wine apply a transform: the transform's `_Tables` records
//! (tables added and dropped), then its `_Columns` records (columns added; a NULL `Number` means
//! "the next column"), then every other table stream, each decoded with the schema as changed so
//! far. Strings come from the transform's own string pool; the layout of a record comes from the
//! schema of the database being transformed.
//!
//! Records that cannot apply (insert of an existing row, update or delete of a missing row, add
//! of an existing table, drop of a missing table, a code-page conflict) are governed by the
//! error-condition flags in the low word of the transform's summary PID 16. A condition that is
//! not suppressed fails the apply with an error naming the record. A suppressed one skips the
//! record and the report says so, except a whole row for an existing key, which overwrites the
//! row (WiX's paired patch transforms depend on that). Wine instead turns updates and deletes of
//! missing rows into inserts; msikit follows Windows and skips them.
//!
//! Code pages: a neutral database (code page 0) takes the transform's code page; two different
//! non-neutral code pages are the change-codepage condition (f): suppressed, the transform's code
//! page is taken, otherwise the apply fails. Strings are re-encoded when the result is written.
//!
//! Records for a table that neither the database nor the transform defines cannot be read at
//! all (their layout comes from the table's columns): they are skipped as a missing-table
//! condition when the transform suppresses missing tables or rows, and fail the apply otherwise.

pub mod apply;
pub mod decode;
pub mod generate;
pub(crate) mod validate;
pub mod write;

pub use apply::{apply_transform, ApplyReport, Change, ColumnChange, TransformSource};
pub use decode::{decode_records, Record};

use std::path::Path;

use serde::Serialize;

use crate::database::{Database, DatabaseModel};
use crate::error::{Error, Result};
use crate::formats::container::{Container, PackageKind};
use crate::formats::summary::ErrorFlags;

/// The transforms a file holds: a .mst itself, or the transform storages of a patch (the one
/// named by `storage`, or all of them in PID 8 order).
pub fn sources<'c>(c: &'c Container, storage: Option<&str>) -> Result<Vec<TransformSource<'c>>> {
    match (c.kind(), storage) {
        (PackageKind::Transform, None) => Ok(vec![TransformSource::root(c)?]),
        (PackageKind::Patch, Some(name)) => Ok(vec![TransformSource::storage(c, name)?]),
        (PackageKind::Patch, None) => {
            let si = crate::database::read_summary(c, "")?;
            let p = crate::formats::summary::PatchSummary::new(&si);
            if p.transforms.is_empty() {
                return Err(
                    Error::malformed("the patch's PID 8 lists no transforms").in_file(c.name())
                );
            }
            p.transforms
                .iter()
                .map(|n| TransformSource::storage(c, n))
                .collect()
        }
        (PackageKind::Transform, Some(_)) => Err(Error::refused(
            "--storage names a transform inside a patch; this file is a transform itself",
        )
        .in_file(c.name())),
        (PackageKind::Database, _) => Err(Error::refused(
            "is an installation database, not a transform or a patch",
        )
        .in_file(c.name())),
    }
}

/// The result of applying transforms to a base: one report per transform, and the database.
#[derive(Debug, Clone, Serialize)]
pub struct Applied {
    pub base: String,
    pub reports: Vec<ApplyReport>,
    /// ProductVersion before and after (from the Property table).
    pub product_version_before: Option<String>,
    pub product_version_after: Option<String>,
    #[serde(skip)]
    pub model: DatabaseModel,
}

/// Applies the transforms of each file in `transforms` (a .mst, or a patch's transform storages)
/// in order to the database `base`, in memory.
pub fn apply_files(
    base: &Path,
    transforms: &[&Path],
    storage: Option<&str>,
    suppress: Option<ErrorFlags>,
) -> Result<Applied> {
    let bc = Container::open(base)?;
    let opened = transforms
        .iter()
        .map(|t| Container::open(t))
        .collect::<Result<Vec<_>>>()?;
    let refs: Vec<&Container> = opened.iter().collect();
    apply(&bc, &refs, storage, suppress)
}

/// [`apply_files`] on packages already opened (from a path or from bytes with
/// [`Container::from_bytes`]).
pub fn apply(
    bc: &Container,
    transforms: &[&Container],
    storage: Option<&str>,
    suppress: Option<ErrorFlags>,
) -> Result<Applied> {
    let db = crate::database::open_database(bc)?;
    if bc.kind() != PackageKind::Database {
        return Err(
            Error::refused("the base must be an installation database (.msi or .msm)")
                .in_file(bc.name()),
        );
    }
    let mut model = DatabaseModel::load(&db)?;
    drop::<Database<'_>>(db);
    let before = model.property("ProductVersion").map(str::to_string);
    let mut reports = Vec::new();
    for tc in transforms {
        let from_patch = tc.kind() == PackageKind::Patch;
        for src in sources(tc, storage)? {
            // A patch applies only the transforms whose validation holds for the database as
            // it stands (the main transform, then its `#` transform against the result).
            // A standalone transform is applied as MsiDatabaseApplyTransform applies it, and
            // its validation is reported.
            let failures = match src.summary()? {
                Some(si) => {
                    validate::failures(&model, &crate::formats::summary::TransformSummary::new(&si))
                }
                None => Vec::new(),
            };
            if from_patch && !failures.is_empty() {
                reports.push(ApplyReport::not_applicable(&src, failures)?);
                continue;
            }
            let mut r = apply_transform(&mut model, &src, suppress)?;
            r.validation_failures = failures;
            reports.push(r);
        }
    }
    Ok(Applied {
        base: bc.name().to_string(),
        reports,
        product_version_before: before,
        product_version_after: model.property("ProductVersion").map(str::to_string),
        model,
    })
}

/// Reads an installation database (.msi or .msm) whole: tables, streams, summary.
pub(crate) fn load_model(path: &Path) -> Result<DatabaseModel> {
    let c = Container::open(path)?;
    if c.kind() != PackageKind::Database {
        return Err(
            Error::refused("is not an installation database (.msi or .msm)").in_file(c.name()),
        );
    }
    let db = Database::open(&c)?;
    DatabaseModel::load(&db)
}

/// A generated transform: its bytes and what it changes, as applying it to the base reports.
#[derive(Debug, Clone, Serialize)]
pub struct Created {
    pub base: String,
    pub target: String,
    pub report: ApplyReport,
    #[serde(skip)]
    pub bytes: Vec<u8>,
}

/// `transform create`: the transform from `base` to `target`, and the report of applying it to
/// the base (which is what `diff` shows).
pub fn create(base: &Path, target: &Path, opts: &write::TransformOptions) -> Result<Created> {
    let b = load_model(base)?;
    let t = load_model(target)?;
    let plan = generate::generate(&b, &t).map_err(|e| e.in_file(target.display().to_string()))?;
    let bytes = write::write_transform(&plan, &b, &t, opts)?;
    let c = Container::from_bytes("<generated transform>", bytes.clone())?;
    let mut m = b.clone();
    let mut report = apply_transform(&mut m, &TransformSource::root(&c)?, None)?;
    report.transform = "(generated)".into();
    Ok(Created {
        base: base.display().to_string(),
        target: target.display().to_string(),
        report,
        bytes,
    })
}
