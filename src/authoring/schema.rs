//! The standard schemas of the tables msikit authors, as the Windows Installer SDK defines them
//! (column names, types in IDT notation, primary keys first), and the column numbers of the
//! database each table lives in.

use super::idt::column_type;
use crate::error::{Error, Result};
use crate::tables::{Column, TableDef};

/// A table's schema from `(column, IDT type)` pairs, the first `keys` of them being the key.
pub fn def(name: &str, keys: usize, columns: &[(&str, &str)]) -> Result<TableDef> {
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
pub fn standard(name: &str) -> Result<TableDef> {
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
        "File" => (
            1,
            &[
                ("File", "s72"),
                ("Component_", "s72"),
                ("FileName", "l255"),
                ("FileSize", "i4"),
                ("Version", "S72"),
                ("Language", "S20"),
                ("Attributes", "I2"),
                ("Sequence", "i4"),
            ],
        ),
        "Media" => (
            1,
            &[
                ("DiskId", "i2"),
                ("LastSequence", "i4"),
                ("DiskPrompt", "L64"),
                ("Cabinet", "S255"),
                ("VolumeLabel", "S32"),
                ("Source", "S72"),
            ],
        ),
        "Property" => (1, &[("Property", "s72"), ("Value", "l0")]),
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
    fn schemas_agree_with_the_read_side() {
        // The reader's built-in schemas (tables::standard) must be the same definitions.
        assert_eq!(standard("Media").unwrap(), crate::tables::standard::media());
        assert_eq!(
            standard("File").unwrap(),
            crate::tables::standard::file(false)
        );
        assert_eq!(
            standard("Property").unwrap(),
            crate::tables::standard::property()
        );
        assert!(standard("Nope").is_err());
    }
}
