//! File names in a cabinet: bytes up to a NUL, in UTF-8 when the file's `_A_NAME_IS_UTF`
//! attribute (0x80) is set and in the creator's ANSI code page otherwise.
//!
//! The header does not say which code page; msikit reads such names as Windows-1252 (the code
//! page of most installers), mapping every byte, so the raw bytes can always be had back.
//! cabextract (without `--encoding`) does not convert them at all: it writes the raw bytes as the
//! output name, which is the same name once msikit's string is encoded back to Windows-1252.
//!
//! For UTF-8 names msikit follows cabextract's reading so the two list the same names: a
//! sequence of 2 to 4 bytes is taken when its lead byte is in range and its continuation bytes are
//! there, and every other byte, a surrogate, U+FFFE, U+FFFF, a NUL or a code point past U+10FFFF
//! becomes U+FFFD.

/// Decodes a name as the attributes say.
pub(super) fn decode(raw: &[u8], utf8: bool) -> String {
    if utf8 {
        decode_utf8_lenient(raw)
    } else {
        decode_ansi(raw)
    }
}

/// Windows-1252, every byte mapped (the five unassigned ones to the C1 control of the same value).
pub(crate) fn decode_ansi(raw: &[u8]) -> String {
    encoding_rs::WINDOWS_1252
        .decode_without_bom_handling(raw)
        .0
        .into_owned()
}

/// UTF-8 read the way cabextract reads it (see the module comment).
pub(crate) fn decode_utf8_lenient(raw: &[u8]) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut i = 0;
    let cont = |k: usize| raw.get(k).is_some_and(|&b| b & 0xC0 == 0x80);
    while i < raw.len() {
        let c = raw[i];
        i += 1;
        let low = |k: usize| u32::from(raw[k] & 0x3F);
        let x: u32 = if c < 0x80 {
            u32::from(c)
        } else if (0xC2..0xE0).contains(&c) && cont(i) {
            let x = (u32::from(c & 0x1F) << 6) | low(i);
            i += 1;
            x
        } else if (0xE0..0xF0).contains(&c) && cont(i) && cont(i + 1) {
            let x = (u32::from(c & 0x0F) << 12) | (low(i) << 6) | low(i + 1);
            i += 2;
            x
        } else if (0xF0..0xF5).contains(&c) && cont(i) && cont(i + 1) && cont(i + 2) {
            let x = (u32::from(c & 0x07) << 18) | (low(i) << 12) | (low(i + 1) << 6) | low(i + 2);
            i += 3;
            x
        } else {
            0xFFFD
        };
        let ch = match x {
            0 | 0xFFFE | 0xFFFF => '\u{FFFD}',
            _ => char::from_u32(x).unwrap_or('\u{FFFD}'),
        };
        out.push(ch);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf8_valid_and_invalid() {
        assert_eq!(
            decode_utf8_lenient("Ünïcødé/日本".as_bytes()),
            "Ünïcødé/日本"
        );
        // A lone continuation byte, a truncated sequence, a surrogate.
        assert_eq!(decode_utf8_lenient(b"a\x80b"), "a\u{FFFD}b");
        assert_eq!(decode_utf8_lenient(b"a\xE6\x97"), "a\u{FFFD}\u{FFFD}");
        assert_eq!(decode_utf8_lenient(b"\xED\xA0\x80"), "\u{FFFD}");
        // Overlong forms are read for their value, as cabextract does; an overlong NUL is not.
        assert_eq!(decode_utf8_lenient(b"\xE0\x81\x81"), "A");
        assert_eq!(decode_utf8_lenient(b"\xE0\x80\x80"), "\u{FFFD}");
        assert_eq!(decode_utf8_lenient(b"\xC0\x80"), "\u{FFFD}\u{FFFD}");
        assert_eq!(decode_utf8_lenient(b"\xF5\x80\x80\x80").chars().count(), 4);
    }

    #[test]
    fn ansi_round_trips_every_byte() {
        let all: Vec<u8> = (1..=255).collect();
        let s = decode_ansi(&all);
        let (back, _, bad) = encoding_rs::WINDOWS_1252.encode(&s);
        assert!(!bad);
        assert_eq!(&back[..], &all[..]);
        assert_eq!(decode_ansi(b"caf\xe9 \x80"), "café €");
    }
}
