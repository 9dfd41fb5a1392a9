//! The standard schemas of the tables msikit authors, as the Windows Installer SDK defines them
//! (column names, types in IDT notation, primary keys first). File, Media, Property and
//! MsiFileHash come from [`crate::formats::tables::standard`], where the reader keeps them.

use crate::database::idt::column_type;
use crate::error::{Error, Result};
use crate::formats::tables::{Column, TableDef};

/// A table's schema from `(column, IDT type)` pairs, the first `keys` of them being the key.
pub(crate) fn def(name: &str, keys: usize, columns: &[(&str, &str)]) -> Result<TableDef> {
    let columns = columns
        .iter()
        .enumerate()
        .map(|(i, &(n, code))| {
            let ty = column_type(code, i < keys).ok_or_else(|| {
                Error::unsupported(format!("schema of {name}: bad type {code} for {n}"))
            })?;
            Ok(Column {
                name: n.into(),
                number: i as u16 + 1,
                ty,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(TableDef {
        name: name.into(),
        columns,
    })
}

/// The schema of a standard table by name.
pub(crate) fn standard(name: &str) -> Result<TableDef> {
    // The tables the reader also needs without a database have their one definition there.
    match name {
        "File" => return Ok(crate::formats::tables::standard::file(false)),
        "Media" => return Ok(crate::formats::tables::standard::media()),
        "Property" => return Ok(crate::formats::tables::standard::property()),
        "MsiFileHash" => return Ok(crate::formats::tables::standard::msi_file_hash()),
        _ => {}
    }
    let (keys, cols): (usize, &[(&str, &str)]) = match name {
        "Directory" => (
            1,
            &[
                ("Directory", "s72"),
                ("Directory_Parent", "S72"),
                ("DefaultDir", "l255"),
            ],
        ),
        "Feature" => (
            1,
            &[
                ("Feature", "s38"),
                ("Feature_Parent", "S38"),
                ("Title", "L64"),
                ("Description", "L255"),
                ("Display", "I2"),
                ("Level", "i2"),
                ("Directory_", "S72"),
                ("Attributes", "i2"),
            ],
        ),
        "Component" => (
            1,
            &[
                ("Component", "s72"),
                ("ComponentId", "S38"),
                ("Directory_", "s72"),
                ("Attributes", "i2"),
                ("Condition", "S255"),
                ("KeyPath", "S72"),
            ],
        ),
        "FeatureComponents" => (2, &[("Feature_", "s38"), ("Component_", "s72")]),
        "Registry" => (
            1,
            &[
                ("Registry", "s72"),
                ("Root", "i2"),
                ("Key", "l255"),
                ("Name", "L255"),
                ("Value", "L0"),
                ("Component_", "s72"),
            ],
        ),
        "ServiceInstall" => (
            1,
            &[
                ("ServiceInstall", "s72"),
                ("Name", "s255"),
                ("DisplayName", "L255"),
                ("ServiceType", "i4"),
                ("StartType", "i4"),
                ("ErrorControl", "i4"),
                ("LoadOrderGroup", "S255"),
                ("Dependencies", "S255"),
                ("StartName", "S255"),
                ("Password", "S255"),
                ("Arguments", "S255"),
                ("Component_", "s72"),
                ("Description", "L255"),
            ],
        ),
        "ServiceControl" => (
            1,
            &[
                ("ServiceControl", "s72"),
                ("Name", "l255"),
                ("Event", "i2"),
                ("Arguments", "S255"),
                ("Wait", "I2"),
                ("Component_", "s72"),
            ],
        ),
        "InstallExecuteSequence"
        | "InstallUISequence"
        | "AdminExecuteSequence"
        | "AdminUISequence"
        | "AdvtExecuteSequence" => (
            1,
            &[("Action", "s72"), ("Condition", "S255"), ("Sequence", "I2")],
        ),
        "MsiPatchMetadata" => (
            2,
            &[("Company", "S72"), ("Property", "s72"), ("Value", "l0")],
        ),
        "MsiPatchSequence" => (
            2,
            &[
                ("PatchFamily", "s72"),
                ("ProductCode", "S38"),
                ("Sequence", "s72"),
                ("Attributes", "I4"),
            ],
        ),
        "PatchPackage" => (1, &[("PatchId", "s38"), ("Media_", "i2")]),
        other => {
            return Err(Error::unsupported(format!(
                "msikit has no built-in schema for table {other}"
            )))
        }
    };
    def(name, keys, cols)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schemas_are_the_sdk_ones() {
        // IDT codes as the Windows Installer SDK gives them (msidump writes the same codes for
        // the tables of the Exchange look-alike: tests/authoring.rs).
        let d = standard("Directory").unwrap();
        let codes: Vec<String> = d.columns.iter().map(|c| c.ty.idt_code()).collect();
        assert_eq!(codes, ["s72", "S72", "l255"]);
        assert!(d.columns[0].ty.is_key() && !d.columns[1].ty.is_key());
        let f = standard("Feature").unwrap();
        let keys: Vec<&str> = f
            .columns
            .iter()
            .filter(|c| c.ty.is_key())
            .map(|c| c.name.as_str())
            .collect();
        assert_eq!(keys, ["Feature"]);
        let fc = standard("FeatureComponents").unwrap();
        assert!(fc.columns.iter().all(|c| c.ty.is_key()));
        assert!(standard("Nope").is_err());
    }
}
