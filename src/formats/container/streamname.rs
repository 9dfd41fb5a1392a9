//! The stream-name codec of Windows Installer databases.
//!
//! Compound-file names are at most 31 UTF-16 units, so Windows Installer packs names made of the
//! 64 characters `0-9 A-Z a-z . _` two to a code unit: a pair becomes `0x3800 + m(c) + (m(d) << 6)`,
//! a lone packable character `0x4800 + m(c)`, and anything else stays as it is. Table streams start
//! with the marker unit `0x4840`. `\x05SummaryInformation` and transform sub-storages inside a
//! patch are not packed.

/// The marker unit that starts the stream name of every table.
pub(crate) const TABLE_MARKER: u16 = 0x4840;

fn pack_index(c: char) -> Option<u16> {
    match c {
        '0'..='9' => Some(c as u16 - '0' as u16),
        'A'..='Z' => Some(c as u16 - 'A' as u16 + 10),
        'a'..='z' => Some(c as u16 - 'a' as u16 + 36),
        '.' => Some(62),
        '_' => Some(63),
        _ => None,
    }
}

fn unpack_index(i: u16) -> char {
    const ALPHABET: &[u8; 64] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz._";
    ALPHABET[(i & 0x3f) as usize] as char
}

/// A decoded stream name: whether it carried the table marker, and the plain name.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DecodedName {
    pub is_table: bool,
    pub name: String,
}

/// Packs `name` into the UTF-16 units Windows Installer stores, with the table marker if asked.
pub(crate) fn encode_units(name: &str, table: bool) -> Vec<u16> {
    let mut out = Vec::with_capacity(name.len() + 1);
    if table {
        out.push(TABLE_MARKER);
    }
    let chars: Vec<char> = name.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match pack_index(c) {
            Some(m) => match chars.get(i + 1).and_then(|&d| pack_index(d)) {
                Some(n) => {
                    out.push(0x3800 + m + (n << 6));
                    i += 2;
                }
                None => {
                    out.push(0x4800 + m);
                    i += 1;
                }
            },
            None => {
                let mut buf = [0u16; 2];
                out.extend_from_slice(c.encode_utf16(&mut buf));
                i += 1;
            }
        }
    }
    out
}

/// Packs `name` and returns it as the `String` the compound-file layer uses for the entry name.
/// Packed units lie in U+3800..U+4840, which are ordinary BMP characters, so the result is valid.
pub fn encode(name: &str, table: bool) -> String {
    String::from_utf16_lossy(&encode_units(name, table))
}

/// Unpacks a compound-file entry name.
pub fn decode(raw: &str) -> DecodedName {
    let mut is_table = false;
    let mut name = String::with_capacity(raw.len());
    for (i, ch) in raw.chars().enumerate() {
        let u = ch as u32;
        if i == 0 && u == TABLE_MARKER as u32 {
            is_table = true;
        } else if (0x3800..0x4800).contains(&u) {
            let v = (u - 0x3800) as u16;
            name.push(unpack_index(v & 0x3f));
            name.push(unpack_index(v >> 6));
        } else if (0x4800..0x4840).contains(&u) {
            name.push(unpack_index((u - 0x4800) as u16));
        } else {
            name.push(ch);
        }
    }
    DecodedName { is_table, name }
}

/// How msikit shows a decoded name to a person, one convention everywhere (7-Zip's): a table
/// stream is `!Name`, and a control character such as the 0x05 of `\x05SummaryInformation` is
/// `[5]`.
pub fn display(d: &DecodedName) -> String {
    let mut s = String::new();
    if d.is_table {
        s.push('!');
    }
    for ch in d.name.chars() {
        if (ch as u32) < 0x20 {
            s.push_str(&format!("[{}]", ch as u32));
        } else {
            s.push(ch);
        }
    }
    s
}

/// Parses a name as a person types it (the `display` form, or with a literal control character,
/// or `\x05`/`\005` escapes) back into a decoded name.
pub(crate) fn parse_display(s: &str) -> DecodedName {
    let (is_table, rest) = match s.strip_prefix('!') {
        Some(r) => (true, r),
        None => (false, s),
    };
    let mut name = String::new();
    let mut it = rest;
    while !it.is_empty() {
        if let Some(r) = it.strip_prefix('[') {
            if let Some(end) = r.find(']') {
                if let Ok(n) = r[..end].parse::<u32>() {
                    if n < 0x20 {
                        name.push(char::from_u32(n).unwrap_or('\u{fffd}'));
                        it = &r[end + 1..];
                        continue;
                    }
                }
            }
        }
        if let Some(r) = it
            .strip_prefix("\\x05")
            .or_else(|| it.strip_prefix("\\005"))
        {
            name.push('\u{5}');
            it = r;
            continue;
        }
        let ch = it.chars().next().unwrap_or('\0');
        name.push(ch);
        it = &it[ch.len_utf8()..];
    }
    DecodedName { is_table, name }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn units(name: &str, table: bool) -> Vec<u16> {
        encode_units(name, table)
    }

    #[test]
    fn vectors_from_formats_md() {
        assert_eq!(
            units("_Tables", true),
            [0x4840, 0x3f7f, 0x4164, 0x422f, 0x4836]
        );
        assert_eq!(
            units("_Columns", true),
            [0x4840, 0x3b3f, 0x43f2, 0x4438, 0x45b1]
        );
        assert_eq!(
            units("_StringPool", true),
            [0x4840, 0x3f3f, 0x4577, 0x446c, 0x3e6a, 0x44b2, 0x482f]
        );
        assert_eq!(units("File", true), [0x4840, 0x430f, 0x422f]);
        assert_eq!(units("Media", true), [0x4840, 0x4216, 0x4327, 0x4824]);
        assert_eq!(
            units("MsiPatchSequence", true),
            [0x4840, 0x4596, 0x3e6c, 0x45e4, 0x42e6, 0x421c, 0x4634, 0x4468, 0x4226]
        );
        assert_eq!(
            units("CAB_msitest", false),
            [0x3a8c, 0x47cb, 0x45b0, 0x45ec, 0x45a8, 0x4837]
        );
    }

    #[test]
    fn round_trip_and_literals() {
        for (n, t) in [
            ("Binary.Icon 1", false),
            ("MsiPatchSequence", true),
            ("a-b", false),
        ] {
            let d = decode(&encode(n, t));
            assert_eq!(d.name, n);
            assert_eq!(d.is_table, t);
        }
        let si = decode("\u{5}SummaryInformation");
        assert!(!si.is_table);
        assert_eq!(display(&si), "[5]SummaryInformation");
        assert_eq!(parse_display("[5]SummaryInformation"), si);
        assert_eq!(parse_display("\\005SummaryInformation"), si);
        assert_eq!(
            parse_display("!File"),
            DecodedName {
                is_table: true,
                name: "File".into()
            }
        );
    }
}
