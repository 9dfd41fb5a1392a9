//! The two halves of a transform's PID 16 (Character Count): validation flags in the high word,
//! error-condition (suppression) flags in the low word (docs/formats.md §3.2).
//!
//! Letters are those of MsiTran.exe: `a`-`f` suppress errors, `g l p r s t u v w x y z` are
//! validation conditions.

use serde::ser::SerializeStruct;
use serde::{Serialize, Serializer};

use crate::error::{Error, Result};

/// (bit, name, MsiTran letter)
type FlagDef = (u16, &'static str, char);

const VALIDATION: [FlagDef; 12] = [
    (0x0001, "language", 'l'),
    (0x0002, "product", 'r'),
    (0x0004, "platform", 'p'),
    (0x0008, "major-version", 's'),
    (0x0010, "minor-version", 't'),
    (0x0020, "update-version", 'u'),
    (0x0040, "new-less-base-version", 'v'),
    (0x0080, "new-less-equal-base-version", 'w'),
    (0x0100, "new-equal-base-version", 'x'),
    (0x0200, "new-greater-equal-base-version", 'y'),
    (0x0400, "new-greater-base-version", 'z'),
    (0x0800, "upgrade-code", 'g'),
];

const ERRORS: [FlagDef; 6] = [
    (0x0001, "add-existing-row", 'a'),
    (0x0002, "delete-missing-row", 'b'),
    (0x0004, "add-existing-table", 'c'),
    (0x0008, "delete-missing-table", 'd'),
    (0x0010, "update-missing-row", 'e'),
    (0x0020, "change-codepage", 'f'),
];

fn known(defs: &[FlagDef]) -> u16 {
    defs.iter().fold(0, |acc, d| acc | d.0)
}

/// Names of the set bits, lowest first; unknown bits as `0x....`.
fn names(defs: &[FlagDef], value: u16) -> Vec<String> {
    (0..16)
        .map(|i| 1u16 << i)
        .filter(|bit| value & bit != 0)
        .map(|bit| match defs.iter().find(|d| d.0 == bit) {
            Some(d) => d.1.to_string(),
            None => format!("0x{bit:04X}"),
        })
        .collect()
}

/// MsiTran letters of the known set bits, in alphabetical order.
fn letters(defs: &[FlagDef], value: u16) -> String {
    let mut l: Vec<char> = defs
        .iter()
        .filter(|d| value & d.0 != 0)
        .map(|d| d.2)
        .collect();
    l.sort_unstable();
    l.into_iter().collect()
}

fn from_letters(defs: &[FlagDef], s: &str, what: &str) -> Result<u16> {
    let mut value = 0;
    for c in s.chars() {
        let lc = c.to_ascii_lowercase();
        match defs.iter().find(|d| d.2 == lc) {
            Some(d) => value |= d.0,
            None => {
                let mut valid: Vec<char> = defs.iter().map(|d| d.2).collect();
                valid.sort_unstable();
                let valid: Vec<String> = valid.iter().map(char::to_string).collect();
                return Err(Error::invalid(format!(
                    "'{c}' is not a {what} letter (expected any of {})",
                    valid.join(" ")
                )));
            }
        }
    }
    Ok(value)
}

fn serialize_flags<S: Serializer>(
    s: S,
    name: &'static str,
    value: u16,
    names: Vec<String>,
    letters: String,
) -> std::result::Result<S::Ok, S::Error> {
    let mut st = s.serialize_struct(name, 3)?;
    st.serialize_field("value", &value)?;
    st.serialize_field("names", &names)?;
    st.serialize_field("letters", &letters)?;
    st.end()
}

/// Transform validation flags (`MSITRANSFORM_VALIDATE_*`, the high word of PID 16).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct ValidationFlags(pub u16);

impl ValidationFlags {
    pub const LANGUAGE: u16 = 0x0001;
    pub const PRODUCT: u16 = 0x0002;
    pub(crate) const PLATFORM: u16 = 0x0004;
    pub(crate) const MAJOR_VERSION: u16 = 0x0008;
    pub(crate) const MINOR_VERSION: u16 = 0x0010;
    pub const UPDATE_VERSION: u16 = 0x0020;
    pub(crate) const NEW_LESS_BASE_VERSION: u16 = 0x0040;
    pub(crate) const NEW_LESS_EQUAL_BASE_VERSION: u16 = 0x0080;
    pub const NEW_EQUAL_BASE_VERSION: u16 = 0x0100;
    pub(crate) const NEW_GREATER_EQUAL_BASE_VERSION: u16 = 0x0200;
    pub(crate) const NEW_GREATER_BASE_VERSION: u16 = 0x0400;
    pub const UPGRADE_CODE: u16 = 0x0800;

    /// The high word of a transform's PID 16.
    pub(crate) fn from_pid16(value: u32) -> Self {
        ValidationFlags((value >> 16) as u16)
    }
    pub fn value(self) -> u16 {
        self.0
    }
    pub fn contains(self, bits: u16) -> bool {
        self.0 & bits == bits
    }
    /// Set bits that have no documented meaning.
    pub fn unknown(self) -> u16 {
        self.0 & !known(&VALIDATION)
    }
    /// Names of the set flags, lowest bit first ("product", "upgrade-code", ...); unknown bits
    /// appear as `0x....`.
    pub fn names(self) -> Vec<String> {
        names(&VALIDATION, self.0)
    }
    /// MsiTran letters of the set flags, alphabetical (`grux` for 0x0922).
    pub fn letters(self) -> String {
        letters(&VALIDATION, self.0)
    }
    /// Parses MsiTran validation letters (`g l p r s t u v w x y z`, any case, any order).
    pub fn from_letters(s: &str) -> Result<Self> {
        from_letters(&VALIDATION, s, "validation").map(ValidationFlags)
    }

    /// The conditions in words, for a transform whose original (base) version is
    /// `orig_version`. Windows Installer compares versions on major.minor.build only.
    pub fn describe(&self, orig_version: &str) -> Vec<String> {
        let v = self.0;
        let mut out = Vec::new();
        // Which fields are compared: the first selector set, major first.
        let fields = if v & Self::MAJOR_VERSION != 0 {
            Some((1, "major"))
        } else if v & Self::MINOR_VERSION != 0 {
            Some((2, "major.minor"))
        } else if v & Self::UPDATE_VERSION != 0 {
            Some((3, "major.minor.build"))
        } else {
            None
        };
        let comparisons: Vec<&str> = [
            (Self::NEW_LESS_BASE_VERSION, "be less than"),
            (
                Self::NEW_LESS_EQUAL_BASE_VERSION,
                "be less than or equal to",
            ),
            (Self::NEW_EQUAL_BASE_VERSION, "equal"),
            (
                Self::NEW_GREATER_EQUAL_BASE_VERSION,
                "be greater than or equal to",
            ),
            (Self::NEW_GREATER_BASE_VERSION, "be greater than"),
        ]
        .iter()
        .filter(|(bit, _)| v & bit != 0)
        .map(|&(_, words)| words)
        .collect();
        match fields {
            Some((n, label)) => {
                let base = version_fields(orig_version, n);
                if comparisons.is_empty() {
                    // No relation chosen: the version is checked for equality.
                    out.push(format!(
                        "installed ProductVersion must equal {base} ({label})"
                    ));
                }
                for words in &comparisons {
                    out.push(format!(
                        "installed ProductVersion must {words} {base} ({label})"
                    ));
                }
            }
            None if !comparisons.is_empty() => out.push(format!(
                "a version comparison is set but no version fields are selected, so the \
                 ProductVersion ({}) is not checked",
                if orig_version.trim().is_empty() {
                    "base version unknown"
                } else {
                    orig_version.trim()
                }
            )),
            None => {}
        }
        if v & Self::PRODUCT != 0 {
            out.push("product code must match".to_string());
        }
        if v & Self::UPGRADE_CODE != 0 {
            out.push("upgrade code must match".to_string());
        }
        if v & Self::LANGUAGE != 0 {
            out.push("language must match".to_string());
        }
        if v & Self::PLATFORM != 0 {
            out.push("platform must match".to_string());
        }
        if self.unknown() != 0 {
            out.push(format!("unknown validation bits 0x{:04X}", self.unknown()));
        }
        out
    }
}

/// The first `n` dot-separated fields of a version, missing ones as 0 ("8.0.685.24", 3 ->
/// "8.0.685"; "8.0", 3 -> "8.0.0"). An empty version stays visible as "(unknown)".
fn version_fields(version: &str, n: usize) -> String {
    let version = version.trim();
    if version.is_empty() {
        return "(unknown)".to_string();
    }
    let mut parts: Vec<&str> = version.split('.').take(n).collect();
    while parts.len() < n {
        parts.push("0");
    }
    parts.join(".")
}

impl Serialize for ValidationFlags {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        serialize_flags(s, "ValidationFlags", self.0, self.names(), self.letters())
    }
}

/// Transform error-condition flags (`MSITRANSFORM_ERROR_*`, the low word of PID 16): errors
/// that are suppressed when the transform is applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct ErrorFlags(pub u16);

impl ErrorFlags {
    pub const ADD_EXISTING_ROW: u16 = 0x0001;
    pub const DELETE_MISSING_ROW: u16 = 0x0002;
    pub const ADD_EXISTING_TABLE: u16 = 0x0004;
    pub const DELETE_MISSING_TABLE: u16 = 0x0008;
    pub const UPDATE_MISSING_ROW: u16 = 0x0010;
    pub const CHANGE_CODEPAGE: u16 = 0x0020;

    /// The low word of a transform's PID 16.
    pub(crate) fn from_pid16(value: u32) -> Self {
        ErrorFlags(value as u16)
    }
    pub fn value(self) -> u16 {
        self.0
    }
    pub fn contains(self, bits: u16) -> bool {
        self.0 & bits == bits
    }
    /// Set bits that have no documented meaning.
    pub fn unknown(self) -> u16 {
        self.0 & !known(&ERRORS)
    }
    /// Names of the set flags, lowest bit first; unknown bits appear as `0x....`.
    pub fn names(self) -> Vec<String> {
        names(&ERRORS, self.0)
    }
    /// MsiTran letters of the set flags, alphabetical (`abcde` for 0x001F).
    pub fn letters(self) -> String {
        letters(&ERRORS, self.0)
    }
    /// Parses MsiTran error-condition letters (`a`-`f`, any case, any order).
    pub fn from_letters(s: &str) -> Result<Self> {
        from_letters(&ERRORS, s, "error-condition").map(ErrorFlags)
    }
}

impl Serialize for ErrorFlags {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        serialize_flags(s, "ErrorFlags", self.0, self.names(), self.letters())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patch_default_0x0922001f() {
        let pid16 = 0x0922_001Fu32;
        let v = ValidationFlags::from_pid16(pid16);
        let e = ErrorFlags::from_pid16(pid16);
        assert_eq!(v.value(), 0x0922);
        assert_eq!(e.value(), 0x001F);
        assert_eq!(
            v.names(),
            [
                "product",
                "update-version",
                "new-equal-base-version",
                "upgrade-code"
            ]
        );
        assert_eq!(v.letters(), "grux");
        assert_eq!(
            e.names(),
            [
                "add-existing-row",
                "delete-missing-row",
                "add-existing-table",
                "delete-missing-table",
                "update-missing-row"
            ]
        );
        assert_eq!(e.letters(), "abcde");
        assert_eq!(v.unknown(), 0);
        assert_eq!(e.unknown(), 0);
        assert!(v.contains(ValidationFlags::PRODUCT | ValidationFlags::UPGRADE_CODE));
        assert!(!v.contains(ValidationFlags::LANGUAGE));
    }

    #[test]
    fn every_letter_maps_to_its_bit() {
        let pairs = [
            ('l', 0x0001),
            ('r', 0x0002),
            ('p', 0x0004),
            ('s', 0x0008),
            ('t', 0x0010),
            ('u', 0x0020),
            ('v', 0x0040),
            ('w', 0x0080),
            ('x', 0x0100),
            ('y', 0x0200),
            ('z', 0x0400),
            ('g', 0x0800),
        ];
        for (c, bit) in pairs {
            assert_eq!(
                ValidationFlags::from_letters(&c.to_string()).unwrap().0,
                bit,
                "{c}"
            );
            assert_eq!(ValidationFlags(bit).letters(), c.to_string());
        }
        for (i, c) in "abcdef".chars().enumerate() {
            assert_eq!(ErrorFlags::from_letters(&c.to_string()).unwrap().0, 1 << i);
        }
    }

    #[test]
    fn letters_round_trip_and_reject_strangers() {
        let v = ValidationFlags::from_letters("XurG").unwrap();
        assert_eq!(v.0, 0x0922);
        assert_eq!(ValidationFlags::from_letters(&v.letters()).unwrap(), v);
        assert_eq!(ValidationFlags::from_letters("").unwrap().0, 0);
        let e = ErrorFlags::from_letters("fa").unwrap();
        assert_eq!(e.0, 0x21);
        assert_eq!(e.letters(), "af");
        let err = ValidationFlags::from_letters("grxa").unwrap_err();
        assert!(matches!(err.kind(), crate::error::ErrorKind::Invalid(_)));
        assert!(err.to_string().contains("'a'"), "{err}");
        assert!(ErrorFlags::from_letters("ag").is_err());
    }

    #[test]
    fn unknown_bits_are_reported() {
        let v = ValidationFlags(0x1002);
        assert_eq!(v.unknown(), 0x1000);
        assert_eq!(v.names(), ["product", "0x1000"]);
        assert_eq!(v.letters(), "r");
        assert!(v.describe("1.0").iter().any(|s| s.contains("0x1000")));
        let e = ErrorFlags(0x0101);
        assert_eq!(e.names(), ["add-existing-row", "0x0100"]);
        assert_eq!(e.unknown(), 0x0100);
    }

    #[test]
    fn describe_patch_default() {
        let v = ValidationFlags(0x0922);
        assert_eq!(
            v.describe("8.0.685.24"),
            [
                "installed ProductVersion must equal 8.0.685 (major.minor.build)",
                "product code must match",
                "upgrade code must match",
            ]
        );
        // Wine's paired transform: 0x0927 adds language and platform.
        let d = ValidationFlags(0x0927).describe("1.1.1");
        assert_eq!(d.len(), 5);
        assert_eq!(
            d[0],
            "installed ProductVersion must equal 1.1.1 (major.minor.build)"
        );
        assert_eq!(d[3], "language must match");
        assert_eq!(d[4], "platform must match");
    }

    #[test]
    fn describe_other_versions() {
        let major_ge = ValidationFlags(
            ValidationFlags::MAJOR_VERSION | ValidationFlags::NEW_GREATER_EQUAL_BASE_VERSION,
        );
        assert_eq!(
            major_ge.describe("8.0.685"),
            ["installed ProductVersion must be greater than or equal to 8 (major)"]
        );
        let minor_less = ValidationFlags(
            ValidationFlags::MINOR_VERSION | ValidationFlags::NEW_LESS_BASE_VERSION,
        );
        assert_eq!(
            minor_less.describe("2"),
            ["installed ProductVersion must be less than 2.0 (major.minor)"]
        );
        // a selector without a relation means equal
        assert_eq!(
            ValidationFlags(ValidationFlags::UPDATE_VERSION).describe("1.2.3.4"),
            ["installed ProductVersion must equal 1.2.3 (major.minor.build)"]
        );
        assert!(ValidationFlags(0).describe("1.0").is_empty());
        assert!(
            ValidationFlags(ValidationFlags::NEW_EQUAL_BASE_VERSION).describe("1.0")[0]
                .contains("not checked")
        );
    }

    #[test]
    fn serializes_as_object() {
        let json = serde_json::to_value(ValidationFlags(0x0922)).unwrap();
        assert_eq!(
            json,
            serde_json::json!({
                "value": 2338,
                "names": ["product", "update-version", "new-equal-base-version", "upgrade-code"],
                "letters": "grux"
            })
        );
        let json = serde_json::to_value(ErrorFlags(0x1F)).unwrap();
        assert_eq!(json["letters"], "abcde");
        assert_eq!(json["value"], 31);
    }
}
