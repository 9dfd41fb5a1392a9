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

use std::path::PathBuf;

use super::CabFile;
use crate::formats::files::safe_file_name;

/// Which slash separates folders in the names of a cabinet's files, decided as cabextract
/// decides it: with only `/` it is `/`; with only `\\`, or neither, `\\`; with both, the first
/// two consecutive files whose names start with the same first folder decide, by the slash after
/// it (else `\\`). The other slash is then an ordinary character of a name.
pub fn slash_separates(files: &[CabFile]) -> bool {
    let slash = files.iter().any(|f| f.raw_name.contains(&b'/'));
    let back = files.iter().any(|f| f.raw_name.contains(&b'\\'));
    if !slash || !back {
        return slash;
    }
    if let [only] = files {
        return only.raw_name.iter().find(|&&c| c == b'/' || c == b'\\') == Some(&b'/');
    }
    let mut old: Option<&[u8]> = None;
    for f in files {
        let name = &f.raw_name[..];
        let first = name
            .iter()
            .position(|&c| c == b'/' || c == b'\\')
            .map(|p| &name[..=p]);
        if let (Some(dir), Some(prev)) = (first, old) {
            if prev == dir {
                return dir.ends_with(b"/");
            }
        }
        old = first;
    }
    false
}

/// The path inside the chosen folder where a cabinet entry is written, `slash` saying which
/// slash separates folders ([`slash_separates`]), made as cabextract makes it where that is
/// safe. The name is decoded as [`CabFile::name`] says (invalid UTF-8 as U+FFFD, a name without
/// the UTF-8 flag as Windows-1252, so it stays readable); its leading slashes (of both kinds)
/// go, and every `..` followed by a slash of either kind becomes `xx` (cabextract's rule). It is
/// then cut at the separator: empty parts and `.` are dropped, a `..` left at the end becomes
/// `xx`, and every other part is made a safe file name ([`safe_file_name`]: the other slash,
/// `:`, control characters and the like become `_`). A name with no part left is `x`, as
/// cabextract names it.
pub fn output_path(f: &CabFile, slash: bool) -> PathBuf {
    let sep = if slash { '/' } else { '\\' };
    let name = f.name.trim_start_matches(['/', '\\']);
    let mut chars: Vec<char> = name.chars().collect();
    let mut i = 0;
    while i + 2 < chars.len() {
        if chars[i] == '.' && chars[i + 1] == '.' && matches!(chars[i + 2], '/' | '\\') {
            chars[i] = 'x';
            chars[i + 1] = 'x';
            i += 3;
        } else {
            i += 1;
        }
    }
    let name: String = chars.into_iter().collect();
    let mut path = PathBuf::new();
    for part in name.split(sep) {
        match part {
            "" | "." => {}
            ".." => path.push("xx"),
            p => path.push(safe_file_name(p)),
        }
    }
    if path.as_os_str().is_empty() {
        path.push("x");
    }
    path
}

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

    fn entry(name: &[u8], utf8: bool) -> CabFile {
        CabFile {
            name: decode(name, utf8),
            raw_name: name.to_vec(),
            size: 0,
            folder: 0,
            offset: 0,
            date_time: (0, 0),
            attributes: 0,
            name_is_utf8: utf8,
            index: 0,
        }
    }

    #[test]
    fn output_paths_stay_inside_and_readable() {
        let out = |name: &[u8], slash: bool| {
            let p = output_path(&entry(name, false), slash);
            assert!(
                p.components()
                    .all(|c| matches!(c, std::path::Component::Normal(_))),
                "{p:?}"
            );
            p.to_string_lossy().replace('\\', "/")
        };
        assert_eq!(out(b"dir\\file.txt", false), "dir/file.txt");
        assert_eq!(
            out(b"\\\\abs\\..\\..\\etc\\passwd", false),
            "abs/xx/xx/etc/passwd"
        );
        assert_eq!(
            out(b"/abs\\with\\backslashes", true),
            "abs_with_backslashes"
        );
        assert_eq!(out(b"a/../b\\..\\c", true), "a/xx/b_xx_c");
        assert_eq!(out(b"a/..", true), "a/xx");
        assert_eq!(out(b"./a/./b", true), "a/b");
        assert_eq!(out(b"///", true), "x");
        assert_eq!(out(b"", true), "x");
        assert_eq!(out(b"tab\there\x7f:nul", true), "tab_here__nul");
        assert_eq!(out(b"caf\xe9.txt", false), "café.txt");
        assert_eq!(out(b"CON", false), "_CON");
        let p = output_path(&entry(b"bad\xff\xfe.txt", true), false);
        assert_eq!(p.to_string_lossy(), "bad\u{FFFD}\u{FFFD}.txt");
    }

    #[test]
    fn the_separator_is_chosen_as_cabextract_chooses_it() {
        let files =
            |names: &[&[u8]]| -> Vec<CabFile> { names.iter().map(|n| entry(n, false)).collect() };
        assert!(!slash_separates(&files(&[b"a\\b", b"c"])));
        assert!(slash_separates(&files(&[b"a/b", b"c"])));
        assert!(!slash_separates(&files(&[b"plain"])));
        assert!(slash_separates(&files(&[b"x/y\\z"])));
        assert!(slash_separates(&files(&[b"d/1", b"d/2", b"e\\3"])));
        assert!(!slash_separates(&files(&[b"d\\1", b"d\\2", b"e/3"])));
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
