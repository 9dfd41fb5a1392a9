//! Column definitions: the `_Columns.Type` bit field and what it means for storage and display.

use serde::Serialize;

/// The raw `_Columns.Type` word.
///
/// Bits 0-7 width (string max length, 2 or 4 for integers, 0 = unlimited), 0x0100 valid
/// (persistent), 0x0200 localizable, 0x0400 short integer or string, 0x0800 string or binary,
/// 0x1000 nullable, 0x2000 primary key, 0x4000 temporary, 0x8000 unknown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ColumnType(pub u16);

impl ColumnType {
    pub(crate) const VALID: u16 = 0x0100;
    pub(crate) const LOCALIZABLE: u16 = 0x0200;
    pub(crate) const STRING: u16 = 0x0800;
    pub(crate) const NULLABLE: u16 = 0x1000;
    pub(crate) const KEY: u16 = 0x2000;
    pub const TEMPORARY: u16 = 0x4000;
    pub(crate) const UNKNOWN: u16 = 0x8000;

    /// A binary (OBJECT) column: its cells are streams named `Table.Key1.Key2`. Windows Installer
    /// (and Wine's `MSITYPE_IS_BINARY`) recognise exactly STRING|VALID, nullable or not.
    pub(crate) fn is_binary(self) -> bool {
        self.0 & !Self::NULLABLE == Self::STRING | Self::VALID
    }
    /// A string column (cells are string-pool ids).
    pub(crate) fn is_string(self) -> bool {
        self.0 & Self::STRING != 0 && !self.is_binary()
    }
    /// An integer column (2 or 4 bytes).
    pub fn is_int(self) -> bool {
        self.0 & Self::STRING == 0
    }
    pub fn width(self) -> u16 {
        self.0 & 0xff
    }
    pub fn is_nullable(self) -> bool {
        self.0 & Self::NULLABLE != 0
    }
    pub fn is_key(self) -> bool {
        self.0 & Self::KEY != 0
    }
    pub fn is_localizable(self) -> bool {
        self.0 & Self::LOCALIZABLE != 0
    }

    /// Bytes a cell of this column takes in a table stream; `None` for an integer width that is
    /// neither 2 nor 4 bytes (Windows refuses such a column).
    pub(crate) fn stream_width(self, ref_size: usize) -> Option<usize> {
        if self.is_binary() {
            Some(2)
        } else if self.is_string() {
            Some(ref_size)
        } else if self.width() <= 2 {
            Some(2)
        } else if self.width() == 4 {
            Some(4)
        } else {
            None
        }
    }

    /// The type code of IDT files (`s72`, `L0`, `i2`, `I4`, `v0`): a letter for the kind,
    /// upper case when nullable, then the width, as MsiDatabaseExport writes it.
    pub fn idt_code(self) -> String {
        let letter = if self.is_binary() {
            'v'
        } else if self.is_localizable() {
            'l'
        } else if self.0 & Self::UNKNOWN != 0 {
            'f'
        } else if self.is_string() {
            's'
        } else {
            'i'
        };
        let letter = if self.is_nullable() {
            letter.to_ascii_uppercase()
        } else {
            letter
        };
        format!("{letter}{}", self.width())
    }

    /// A short word for people: "string", "int16", "int32", "binary".
    pub fn kind_name(self) -> &'static str {
        if self.is_binary() {
            "binary"
        } else if self.is_string() {
            "string"
        } else if self.width() == 4 {
            "int32"
        } else {
            "int16"
        }
    }
}

impl Serialize for ColumnType {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u16(self.0)
    }
}

/// One column of a table, from `_Columns`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Column {
    pub name: String,
    /// 1-based position (`_Columns.Number`).
    pub number: u16,
    #[serde(rename = "type")]
    pub ty: ColumnType,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn idt_codes_and_widths() {
        let cases = [
            (0x0D48, "s72", Some(2)),
            (0x1D48, "S72", Some(2)),
            (0x1F00, "L0", Some(2)),
            (0x0502, "i2", Some(2)),
            (0x1502, "I2", Some(2)),
            (0x0104, "i4", Some(4)),
            (0x1104, "I4", Some(4)),
            (0x0900, "v0", Some(2)),
            (0x1900, "V0", Some(2)),
            (0x0103, "i3", None),
        ];
        for (ty, code, w) in cases {
            let t = ColumnType(ty);
            assert_eq!(t.idt_code(), code, "{ty:#x}");
            assert_eq!(t.stream_width(2), w, "{ty:#x}");
        }
        assert_eq!(ColumnType(0x0D48).stream_width(3), Some(3));
        assert!(ColumnType(0x2D48).is_key());
        assert!(ColumnType(0x0900).is_binary() && !ColumnType(0x0900).is_string());
    }
}
