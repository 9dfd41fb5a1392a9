//! GUIDs as Windows Installer writes them: the registry form `{XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX}`,
//! read in either case and shown in upper case; the packed form of registry key names; the
//! 16-byte little-endian form of a GUID structure on disk. Built on the `uuid` crate.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// One GUID. Compares as Windows compares GUIDs (case does not matter).
///
/// ```
/// use msikit::Guid;
///
/// let g = Guid::parse("{24b2c164-de66-44fe-b468-a46d9d5e6b31}").expect("a GUID");
/// assert_eq!(g.to_string(), "{24B2C164-DE66-44FE-B468-A46D9D5E6B31}");
/// // The packed form Windows Installer names its registry keys with.
/// assert_eq!(g.packed(), "461C2B4266EDEF444B864AD6D9E5B613");
/// assert!(Guid::same_code("24B2C164-DE66-44FE-B468-A46D9D5E6B31", &g.to_string()));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Guid(uuid::Uuid);

/// The length of the registry form, braces included.
pub const REGISTRY_LEN: usize = 38;

impl Guid {
    pub fn from_uuid(u: uuid::Uuid) -> Guid {
        Guid(u)
    }

    pub fn as_uuid(&self) -> &uuid::Uuid {
        &self.0
    }

    pub fn is_nil(&self) -> bool {
        self.0.is_nil()
    }

    /// The registry form exactly: braces, hyphens at their places, hex digits in either case.
    pub fn parse(s: &str) -> Option<Guid> {
        let b = s.as_bytes();
        if b.len() != REGISTRY_LEN || b[0] != b'{' || b[37] != b'}' {
            return None;
        }
        Guid::parse_bare(&s[1..37])
    }

    /// `XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX` without braces, hex digits in either case.
    pub fn parse_bare(s: &str) -> Option<Guid> {
        let b = s.as_bytes();
        let ok = b.len() == 36
            && b.iter().enumerate().all(|(i, &c)| match i {
                8 | 13 | 18 | 23 => c == b'-',
                _ => c.is_ascii_hexdigit(),
            });
        if !ok {
            return None;
        }
        uuid::Uuid::parse_str(s).ok().map(Guid)
    }

    /// A registry-form GUID at the very start of `s`: the GUID, the text it was written as, and
    /// the rest.
    pub fn take_prefix(s: &str) -> Option<(Guid, &str, &str)> {
        let head = s.get(..REGISTRY_LEN)?;
        let g = Guid::parse(head)?;
        Some((g, head, &s[REGISTRY_LEN..]))
    }

    /// The GUID text with surrounding white space and one pair of braces dropped, as code
    /// comparisons read it.
    fn bare_text(s: &str) -> &str {
        let s = s.trim();
        s.strip_prefix('{')
            .and_then(|s| s.strip_suffix('}'))
            .unwrap_or(s)
    }

    /// Whether two codes name the same GUID as Windows compares them: case-insensitively, braces
    /// optional on either side, white space around ignored. Text that is no GUID compares as
    /// text, without case.
    pub fn same_code(a: &str, b: &str) -> bool {
        // A GUID has one text form up to the case of its hex digits (`parse_bare` takes only
        // that form), so comparing the texts without case is comparing the GUIDs.
        Guid::bare_text(a).eq_ignore_ascii_case(Guid::bare_text(b))
    }

    /// A GUID structure as stored on disk: Data1, Data2 and Data3 little-endian, Data4 as bytes.
    pub fn from_bytes_le(b: [u8; 16]) -> Guid {
        Guid(uuid::Uuid::from_bytes_le(b))
    }

    /// The packed form Windows Installer uses in registry key names: the first three groups
    /// reversed digit by digit, each of the last eight bytes with its two hex digits swapped, no
    /// braces or hyphens. `{24B2C164-DE66-44FE-B468-A46D9D5E6B31}` packs to
    /// `461C2B4266EDEF444B864AD6D9E5B613`.
    pub fn packed(&self) -> String {
        let hex: Vec<char> = self
            .0
            .simple()
            .to_string()
            .to_ascii_uppercase()
            .chars()
            .collect();
        let mut out = String::with_capacity(32);
        out.extend(hex[0..8].iter().rev());
        out.extend(hex[8..12].iter().rev());
        out.extend(hex[12..16].iter().rev());
        for pair in hex[16..32].chunks_exact(2) {
            out.push(pair[1]);
            out.push(pair[0]);
        }
        out
    }

    /// The GUID of a packed registry key name; `None` when `packed` is not 32 hex digits.
    pub fn from_packed(packed: &str) -> Option<Guid> {
        if packed.len() != 32 || !packed.bytes().all(|c| c.is_ascii_hexdigit()) {
            return None;
        }
        let h: Vec<char> = packed.chars().collect();
        let mut plain = String::with_capacity(32);
        plain.extend(h[0..8].iter().rev());
        plain.extend(h[8..12].iter().rev());
        plain.extend(h[12..16].iter().rev());
        for pair in h[16..32].chunks_exact(2) {
            plain.push(pair[1]);
            plain.push(pair[0]);
        }
        uuid::Uuid::parse_str(&plain).ok().map(Guid)
    }
}

impl fmt::Display for Guid {
    /// The registry form, upper case.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut buf = uuid::Uuid::encode_buffer();
        let text = self.0.hyphenated().encode_upper(&mut buf);
        write!(f, "{{{text}}}")
    }
}

/// Why a text is not a GUID.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotAGuid(pub String);

impl fmt::Display for NotAGuid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "`{}` is not a GUID in braces ({{24B2C164-DE66-44FE-B468-A46D9D5E6B31}})",
            self.0
        )
    }
}

impl std::error::Error for NotAGuid {}

impl FromStr for Guid {
    type Err = NotAGuid;

    /// The registry form, see [`Guid::parse`].
    fn from_str(s: &str) -> Result<Guid, NotAGuid> {
        Guid::parse(s).ok_or_else(|| NotAGuid(s.to_string()))
    }
}

impl Serialize for Guid {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Guid {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Guid, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const EXCHANGE: &str = "{24B2C164-DE66-44FE-B468-A46D9D5E6B31}";

    #[test]
    fn registry_form() {
        let g = Guid::parse("{24b2c164-de66-44fe-b468-a46d9d5e6b31}").unwrap();
        assert_eq!(g.to_string(), EXCHANGE);
        assert_eq!(Guid::parse(EXCHANGE), Some(g));
        assert_eq!(Guid::parse("24B2C164-DE66-44FE-B468-A46D9D5E6B31"), None);
        assert_eq!(Guid::parse("{24B2C164DE6644FEB468A46D9D5E6B31}"), None);
        assert_eq!(Guid::parse("{24B2C164+DE66-44FE-B468-A46D9D5E6B31}"), None);
        assert_eq!(Guid::parse("{+4B2C164-DE66-44FE-B468-A46D9D5E6B31}"), None);
        let (g2, text, rest) =
            Guid::take_prefix("{24b2c164-de66-44fe-b468-a46d9d5e6b31}8.0").unwrap();
        assert_eq!(
            (g2, text, rest),
            (g, "{24b2c164-de66-44fe-b468-a46d9d5e6b31}", "8.0")
        );
        assert!(Guid::take_prefix("{é4b2c164-de66-44fe-b468-a46d9d5e6b31}").is_none());
        assert_eq!(
            serde_json::to_string(&g).unwrap(),
            format!("\"{EXCHANGE}\"")
        );
        let back: Guid =
            serde_json::from_str("\"{24b2c164-de66-44fe-b468-a46d9d5e6b31}\"").unwrap();
        assert_eq!(back, g);
        assert!(serde_json::from_str::<Guid>("\"nope\"").is_err());
    }

    #[test]
    fn codes_compare_without_case_or_braces() {
        assert!(Guid::same_code(
            EXCHANGE,
            " 24b2c164-de66-44fe-b468-a46d9d5e6b31 "
        ));
        assert!(!Guid::same_code(
            EXCHANGE,
            "{DCF5AFE2-E80A-42FB-A60D-A3B75E8EC394}"
        ));
        assert!(Guid::same_code("{nope}", "NOPE"));
    }

    #[test]
    fn packed_and_disk_forms() {
        let g = Guid::parse(EXCHANGE).unwrap();
        assert_eq!(g.packed(), "461C2B4266EDEF444B864AD6D9E5B613");
        assert_eq!(
            Guid::from_packed("461c2b4266edef444b864ad6d9e5b613"),
            Some(g)
        );
        assert_eq!(Guid::from_packed("461C2B42"), None);
        let fmtid = [
            0xE0, 0x85, 0x9F, 0xF2, 0xF9, 0x4F, 0x68, 0x10, 0xAB, 0x91, 0x08, 0x00, 0x2B, 0x27,
            0xB3, 0xD9,
        ];
        assert_eq!(
            Guid::from_bytes_le(fmtid).to_string(),
            "{F29F85E0-4FF9-1068-AB91-08002B27B3D9}"
        );
    }
}
