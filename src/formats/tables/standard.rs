//! Windows Installer's standard schemas of the tables msikit needs to read without the database
//! that defines them (a patch's `#` transform read without its target): Media, File, MsiFileHash,
//! Property. Column types as the Windows Installer SDK defines them.

use super::{Column, ColumnType, TableDef};

/// A column of a built-in schema.
pub(crate) fn column(name: &str, number: u16, ty: u16) -> Column {
    Column {
        name: name.into(),
        number,
        ty: ColumnType(ty),
    }
}

fn table(name: &str, columns: &[(&str, u16)]) -> TableDef {
    TableDef {
        name: name.into(),
        columns: columns
            .iter()
            .enumerate()
            .map(|(i, &(n, ty))| column(n, i as u16 + 1, ty))
            .collect(),
    }
}

/// Media (Windows Installer 2.0 and later: LastSequence is i4).
pub(crate) fn media() -> TableDef {
    table(
        "Media",
        &[
            ("DiskId", 0x2502),
            ("LastSequence", 0x0104),
            ("DiskPrompt", 0x1F40),
            ("Cabinet", 0x1DFF),
            ("VolumeLabel", 0x1D20),
            ("Source", 0x1D48),
        ],
    )
}

/// File; Sequence is i4 as Windows Installer 2.0 and later write it, `short_sequence` gives the
/// older i2.
pub(crate) fn file(short_sequence: bool) -> TableDef {
    table(
        "File",
        &[
            ("File", 0x2D48),
            ("Component_", 0x0D48),
            ("FileName", 0x0FFF),
            ("FileSize", 0x0104),
            ("Version", 0x1D48),
            ("Language", 0x1D14),
            ("Attributes", 0x1502),
            ("Sequence", if short_sequence { 0x0502 } else { 0x0104 }),
        ],
    )
}

/// MsiFileHash.
pub(crate) fn msi_file_hash() -> TableDef {
    table(
        "MsiFileHash",
        &[
            ("File_", 0x2D48),
            ("Options", 0x0502),
            ("HashPart1", 0x0104),
            ("HashPart2", 0x0104),
            ("HashPart3", 0x0104),
            ("HashPart4", 0x0104),
        ],
    )
}

/// Property.
pub(crate) fn property() -> TableDef {
    table("Property", &[("Property", 0x2D48), ("Value", 0x0F00)])
}
