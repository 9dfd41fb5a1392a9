//! Lines of a text file whose encoding is found from its first bytes, read through a `BufRead`
//! with memory that does not grow with the file: Windows Installer writes verbose logs in UTF-16
//! LE (with or without a byte-order mark; `/l*vx` and Unicode builds) or in the ANSI code page of
//! the machine; Event Viewer writes its exports in UTF-8 or UTF-16.
//!
//! A line longer than [`MAX_LINE`] bytes is cut there (the rest of it is skipped and counted);
//! bytes that are not valid in the encoding become U+FFFD and are counted; a NUL byte in an 8-bit
//! file is counted as binary. The caller reports what was skipped.

use std::io::{BufRead, Read};

use encoding_rs::{Decoder, Encoding, UTF_16BE, UTF_16LE, UTF_8, WINDOWS_1252};

/// The longest line kept, in bytes of UTF-8; the rest of a longer line is skipped.
pub const MAX_LINE: usize = 64 * 1024;

/// How the bytes of a text file are encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextEncoding {
    /// UTF-16 little-endian; `bom` when the file starts with FF FE.
    Utf16Le { bom: bool },
    /// UTF-16 big-endian (FE FF).
    Utf16Be,
    /// UTF-8; `bom` when the file starts with EF BB BF.
    Utf8 { bom: bool },
    /// An 8-bit ANSI code page (every line that is plain ASCII reads the same in all of them).
    Ansi(&'static Encoding),
}

impl TextEncoding {
    /// Finds the encoding from the first bytes of a file: a byte-order mark, else UTF-16 LE when
    /// most odd bytes are zero and most even bytes are not, else UTF-8 when the bytes are valid
    /// UTF-8 with some non-ASCII, else `ansi`.
    pub fn sniff(head: &[u8], ansi: &'static Encoding) -> TextEncoding {
        if head.starts_with(&[0xFF, 0xFE]) {
            return TextEncoding::Utf16Le { bom: true };
        }
        if head.starts_with(&[0xFE, 0xFF]) {
            return TextEncoding::Utf16Be;
        }
        if head.starts_with(&[0xEF, 0xBB, 0xBF]) {
            return TextEncoding::Utf8 { bom: true };
        }
        let pairs = head.len() / 2;
        if pairs >= 2 {
            let odd_zero = head.chunks_exact(2).filter(|p| p[1] == 0).count();
            let even_zero = head.chunks_exact(2).filter(|p| p[0] == 0).count();
            if odd_zero * 4 >= pairs * 3 && even_zero * 4 < pairs {
                return TextEncoding::Utf16Le { bom: false };
            }
            if even_zero * 4 >= pairs * 3 && odd_zero * 4 < pairs {
                return TextEncoding::Utf16Be;
            }
        }
        // A UTF-8 sequence cut at the end of the sample is still UTF-8.
        let valid = match std::str::from_utf8(head) {
            Ok(_) => true,
            Err(e) => e.error_len().is_none() && e.valid_up_to() + 4 > head.len(),
        };
        if valid && !head.is_ascii() {
            TextEncoding::Utf8 { bom: false }
        } else {
            TextEncoding::Ansi(ansi)
        }
    }

    /// The name shown in reports (`UTF-16LE`, `windows-1252`...).
    pub fn name(&self) -> String {
        match self {
            TextEncoding::Utf16Le { bom: true } => "UTF-16LE with BOM".into(),
            TextEncoding::Utf16Le { bom: false } => "UTF-16LE without BOM".into(),
            TextEncoding::Utf16Be => "UTF-16BE".into(),
            TextEncoding::Utf8 { bom: true } => "UTF-8 with BOM".into(),
            TextEncoding::Utf8 { bom: false } => "UTF-8".into(),
            TextEncoding::Ansi(e) => e.name().to_string(),
        }
    }

    fn is_utf16(&self) -> bool {
        matches!(self, TextEncoding::Utf16Le { .. } | TextEncoding::Utf16Be)
    }
}

/// The ANSI code page `cp` as an encoding (1252 when unknown or 0).
pub fn ansi_code_page(cp: u16) -> &'static Encoding {
    codepage::to_encoding(cp)
        .filter(|e| *e != UTF_16LE && *e != UTF_16BE)
        .unwrap_or(WINDOWS_1252)
}

/// UTF-16 turned into UTF-8 as it is read, a block at a time.
struct Utf16ToUtf8<R> {
    inner: R,
    decoder: Decoder,
    raw: Vec<u8>,
    out: Vec<u8>,
    pos: usize,
    done: bool,
}

impl<R: Read> Read for Utf16ToUtf8<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        while self.pos >= self.out.len() {
            if self.done {
                return Ok(0);
            }
            let n = self.inner.read(&mut self.raw)?;
            let last = n == 0;
            self.out.clear();
            self.pos = 0;
            let src = self.raw.get(..n).unwrap_or(&[]);
            let need = self
                .decoder
                .max_utf8_buffer_length(src.len())
                .unwrap_or(src.len() * 3 + 16);
            self.out.resize(need, 0);
            let (_, _, written, _) = self.decoder.decode_to_utf8(src, &mut self.out, last);
            self.out.truncate(written);
            if last {
                self.done = true;
            }
        }
        let rest = self.out.get(self.pos..).unwrap_or(&[]);
        let n = rest.len().min(buf.len());
        if let (Some(dst), Some(src)) = (buf.get_mut(..n), rest.get(..n)) {
            dst.copy_from_slice(src);
        }
        self.pos += n;
        Ok(n)
    }
}

/// What a [`Lines`] reader passed over.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Skipped {
    /// Lines cut at [`MAX_LINE`].
    pub long_lines: u64,
    /// Lines with bytes not valid in the encoding (shown as U+FFFD).
    pub bad_lines: u64,
    /// Lines with NUL bytes in an 8-bit file (binary data).
    pub binary_lines: u64,
    /// The file ended without a final line break.
    pub unterminated: bool,
}

/// The lines of a text file, decoded, one at a time; memory stays at two buffers of at most
/// [`MAX_LINE`] bytes plus the reader's block.
pub struct Lines {
    inner: Box<dyn BufRead>,
    encoding: TextEncoding,
    raw: Vec<u8>,
    line: String,
    number: u64,
    bytes: u64,
    skipped: Skipped,
    /// Bytes of the reader's buffer the line last returned took (consumed on the next call).
    pending: usize,
}

impl Lines {
    /// Reads `input`, finding its encoding from its first bytes (8-bit files as `ansi`).
    pub fn new<R: Read + 'static>(input: R, ansi: &'static Encoding) -> std::io::Result<Lines> {
        let mut buffered = std::io::BufReader::with_capacity(256 * 1024, input);
        let head = buffered.fill_buf()?;
        let sample = head.get(..head.len().min(4096)).unwrap_or(head);
        let encoding = TextEncoding::sniff(sample, ansi);
        let bom = match encoding {
            TextEncoding::Utf16Le { bom: true } | TextEncoding::Utf16Be
                if head.starts_with(&[0xFE, 0xFF]) || head.starts_with(&[0xFF, 0xFE]) =>
            {
                2
            }
            TextEncoding::Utf8 { bom: true } => 3,
            _ => 0,
        };
        buffered.consume(bom);
        let inner: Box<dyn BufRead> = if encoding.is_utf16() {
            let enc = if encoding == TextEncoding::Utf16Be {
                UTF_16BE
            } else {
                UTF_16LE
            };
            Box::new(std::io::BufReader::with_capacity(
                256 * 1024,
                Utf16ToUtf8 {
                    inner: buffered,
                    decoder: enc.new_decoder_without_bom_handling(),
                    raw: vec![0; 128 * 1024],
                    out: Vec::new(),
                    pos: 0,
                    done: false,
                },
            ))
        } else {
            Box::new(buffered)
        };
        Ok(Lines {
            inner,
            encoding,
            raw: Vec::with_capacity(512),
            line: String::with_capacity(512),
            number: 0,
            bytes: 0,
            skipped: Skipped::default(),
            pending: 0,
        })
    }

    /// The encoding found.
    pub fn encoding(&self) -> TextEncoding {
        self.encoding
    }

    /// The number of the line last returned (from 1).
    pub fn number(&self) -> u64 {
        self.number
    }

    /// Bytes of decoded text read so far.
    pub fn bytes(&self) -> u64 {
        self.bytes
    }

    /// What was passed over so far.
    pub fn skipped(&self) -> Skipped {
        self.skipped
    }

    /// The next line without its line break, or `None` at the end.
    pub fn next_line(&mut self) -> std::io::Result<Option<&str>> {
        self.inner.consume(self.pending);
        self.pending = 0;
        // The usual case: the whole line is in the reader's buffer and needs no decoding, so
        // it is returned from there without a copy (found first, then borrowed again: the
        // buffer is not refilled until it is consumed).
        let utf8 = !matches!(self.encoding, TextEncoding::Ansi(_));
        let utf16 = self.encoding.is_utf16();
        let fast = match self.inner.fill_buf() {
            Ok(buf) => memchr::memchr(b'\n', buf)
                .filter(|&i| i < MAX_LINE)
                .and_then(|i| {
                    let mut line = buf.get(..i).unwrap_or(&[]);
                    while let Some((b'\r', rest)) = line.split_last() {
                        line = rest;
                    }
                    let text = if line.is_ascii() || utf8 {
                        std::str::from_utf8(line).ok()
                    } else {
                        None
                    }?;
                    let clean = !(text.contains('\0') || (utf16 && text.contains('\u{FFFD}')));
                    clean.then_some((line.len(), i + 1))
                }),
            Err(_) => None,
        };
        if let Some((len, take)) = fast {
            self.pending = take;
            self.number += 1;
            self.bytes += take as u64;
            let buf = self.inner.fill_buf()?;
            let line = buf.get(..len).unwrap_or(&[]);
            return Ok(Some(std::str::from_utf8(line).unwrap_or("")));
        }
        self.raw.clear();
        let mut cut = false;
        let mut any = false;
        loop {
            let buf = match self.inner.fill_buf() {
                Ok(b) => b,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            if buf.is_empty() {
                if any {
                    self.skipped.unterminated = true;
                }
                break;
            }
            any = true;
            let (take, found) = match memchr::memchr(b'\n', buf) {
                Some(i) => (i + 1, true),
                None => (buf.len(), false),
            };
            let room = MAX_LINE.saturating_sub(self.raw.len());
            let part = buf.get(..take).unwrap_or(buf);
            if part.len() > room {
                cut = true;
                self.raw.extend_from_slice(part.get(..room).unwrap_or(&[]));
            } else {
                self.raw.extend_from_slice(part);
            }
            self.bytes += take as u64;
            self.inner.consume(take);
            if found {
                break;
            }
        }
        if !any {
            return Ok(None);
        }
        self.number += 1;
        if cut {
            self.skipped.long_lines += 1;
        }
        while matches!(self.raw.last(), Some(b'\n' | b'\r')) {
            self.raw.pop();
        }
        self.line.clear();
        match self.encoding {
            TextEncoding::Ansi(enc) if !self.raw.is_ascii() => {
                if self.raw.contains(&0) {
                    self.skipped.binary_lines += 1;
                }
                let (text, bad) = enc.decode_without_bom_handling(&self.raw);
                if bad {
                    self.skipped.bad_lines += 1;
                }
                self.line.push_str(&text);
            }
            _ => match std::str::from_utf8(&self.raw) {
                Ok(s) => {
                    if s.contains('\0') {
                        self.skipped.binary_lines += 1;
                    }
                    self.line.push_str(s)
                }
                Err(_) => {
                    let (text, bad) = UTF_8.decode_without_bom_handling(&self.raw);
                    if bad && !cut {
                        self.skipped.bad_lines += 1;
                    }
                    self.line.push_str(&text);
                }
            },
        }
        if self.encoding.is_utf16() && self.line.contains('\u{FFFD}') {
            self.skipped.bad_lines += 1;
        }
        Ok(Some(&self.line))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utf16le(s: &str, bom: bool) -> Vec<u8> {
        let mut v = if bom { vec![0xFF, 0xFE] } else { vec![] };
        for u in s.encode_utf16() {
            v.extend_from_slice(&u.to_le_bytes());
        }
        v
    }

    fn all(bytes: Vec<u8>, ansi: &'static Encoding) -> (TextEncoding, Vec<String>, Skipped) {
        let mut l = Lines::new(std::io::Cursor::new(bytes), ansi).unwrap();
        let mut v = Vec::new();
        while let Some(s) = l.next_line().unwrap() {
            v.push(s.to_string());
        }
        (l.encoding(), v, l.skipped())
    }

    #[test]
    fn utf16_with_and_without_bom() {
        let text = "=== Verbose logging started ===\r\nMSI (c) (A4:B8) [10:00:00:000]: é\r\n";
        for bom in [true, false] {
            let (e, lines, sk) = all(utf16le(text, bom), WINDOWS_1252);
            assert_eq!(e, TextEncoding::Utf16Le { bom });
            assert_eq!(lines.len(), 2);
            assert!(lines[1].ends_with(": é"), "{lines:?}");
            assert_eq!(sk, Skipped::default());
        }
    }

    #[test]
    fn ansi_in_a_code_page_and_utf8() {
        // "Привет" in windows-1251.
        let mut b = b"Property(S): X = ".to_vec();
        b.extend_from_slice(&[0xCF, 0xF0, 0xE8, 0xE2, 0xE5, 0xF2]);
        b.extend_from_slice(b"\r\n");
        let (e, lines, _) = all(b.clone(), ansi_code_page(1251));
        assert_eq!(e, TextEncoding::Ansi(ansi_code_page(1251)));
        assert_eq!(lines[0], "Property(S): X = Привет");
        let (e, lines, _) = all("a\nПривет\n".as_bytes().to_vec(), WINDOWS_1252);
        assert_eq!(e, TextEncoding::Utf8 { bom: false });
        assert_eq!(lines[1], "Привет");
    }

    #[test]
    fn long_lines_are_cut_and_counted_binary_is_counted() {
        let mut b = vec![b'x'; MAX_LINE * 3];
        b.extend_from_slice(b"\nnext\n\x00\x01\x02\xff\n");
        let (_, lines, sk) = all(b, WINDOWS_1252);
        assert_eq!(lines.len(), 3);
        assert_eq!(lines[0].len(), MAX_LINE);
        assert_eq!(lines[1], "next");
        assert_eq!(sk.long_lines, 1);
        assert_eq!(sk.binary_lines, 1);
    }

    #[test]
    fn a_cut_utf16_file_ends_cleanly() {
        let mut b = utf16le("abc\r\ndef", true);
        b.push(0x41); // half a code unit
        let (_, lines, sk) = all(b, WINDOWS_1252);
        assert_eq!(lines[0], "abc");
        assert!(lines[1].starts_with("def"));
        assert!(sk.unterminated);
    }
}
