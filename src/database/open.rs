//! Opening the database of a package: the root database (a transform refused, its tables are
//! changes), one table by name, and the summary information of a storage.

use crate::database::Database;
use crate::error::{Error, Missing, Place, Result};
use crate::formats::container::{streamname, Container, PackageKind};
use crate::formats::summary;
use crate::formats::tables::Table;

/// Opens the database at the root, refusing a transform (its tables are differences, read by
/// the transform verbs).
pub fn open_database(c: &Container) -> Result<Database<'_>> {
    if c.kind() == PackageKind::Transform {
        return Err(Error::refused(
            "is a transform: its table streams are changes to another database, not tables; `msikit info` and `msikit streams` show what it holds",
        )
        .in_file(c.name()));
    }
    Database::open(c)
}

/// Reads one table by name.
pub fn read_table(c: &Container, name: &str) -> Result<Table> {
    let db = open_database(c)?;
    if !db.has_table(name) {
        let mut known: Vec<&str> = db.defs().iter().map(|d| d.name.as_str()).collect();
        known.sort_unstable();
        return Err(Error::not_found(
            Missing::Table,
            name,
            format!("no table '{name}' (tables: {})", known.join(", ")),
        )
        .in_file(c.name()));
    }
    db.table(name)
}

/// Reads and parses the summary information of a storage ("" = root).
pub fn read_summary(c: &Container, storage: &str) -> Result<summary::SummaryInfo> {
    // The summary stream's name is stored as it is, not packed.
    let bytes = c.read_raw_stream(storage, "\u{5}SummaryInformation")?;
    summary::parse(&bytes).map_err(|e| {
        let place = if storage.is_empty() {
            "[5]SummaryInformation".to_string()
        } else {
            format!("{}/[5]SummaryInformation", streamname::decode(storage).name)
        };
        e.at(Place::Stream(place)).in_file(c.name())
    })
}
