//! The version and language of a payload file, read from its PE version resource, as `msikit
//! build` stores them in the File table (columns Version and Language).
//!
//! A Windows executable or DLL (PE32 or PE32+ image, as laid out by Microsoft's PE/COFF
//! specification) may carry a resource of type `RT_VERSION` (16) with the id 1. Its data is a
//! `VS_VERSIONINFO` block, documented by Microsoft under "Version Information" in the Win32
//! resource reference: a tree of nodes, each starting with three 16-bit words (the node's length
//! in bytes, the length of its value, and whether the value is text or binary), then a
//! NUL-terminated UTF-16 key, then the value and the child nodes, each of them starting on a
//! 32-bit boundary counted from the start of the block. The root's key is `VS_VERSION_INFO` and
//! its value a `VS_FIXEDFILEINFO` (52 bytes, signature 0xFEEF04BD) whose file version is what
//! Windows Installer compares; its child `VarFileInfo` holds a `Translation` value, a list of
//! (language, code page) pairs, of which the first language is the file's language.
//!
//! The `pelite` crate reads the image headers and walks the resource directory; the
//! `VS_VERSIONINFO` block itself is decoded here with bounds-checked reads, so that a damaged
//! block is reported with what is wrong with it instead of being skipped. pelite reads its
//! structures in place and needs them aligned in memory (a misaligned read is undefined
//! behaviour, and an abort in a debug build): the image is copied to a suitably placed buffer
//! when the caller's slice is not, and an image whose section table or resource directory sits
//! at an unaligned file offset is turned away before pelite looks at it.
//!
//! What counts as what:
//! - not an image (no `MZ`, or headers pelite cannot parse or read in place), or an image
//!   without a version resource, or one whose version block has no `VS_FIXEDFILEINFO` (an
//!   unversioned file to Windows Installer): `Ok(None)`;
//! - a parsable image whose resource directory or version block is broken: `Err` (malformed).

use pelite::resources::{FindError, Name};
use pelite::PeFile;

use crate::error::{Error, Result};

/// What a PE file's version resource says, as the File table stores it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeVersion {
    /// VS_FIXEDFILEINFO's file version as "a.b.c.d" (dwFileVersionMS/LS, each 16-bit part in
    /// decimal).
    pub version: String,
    /// The language of the first translation in VarFileInfo\Translation (e.g. 1033), if any.
    pub language: Option<u16>,
}

/// Ok(None) when `bytes` is not a PE image or has no version resource (a text file, a data file);
/// Ok(Some) when it has one; Err only for a PE image whose version resource is present but
/// damaged (message says what was wrong). Never panics, whatever the bytes (PE32 and PE32+).
pub fn version_resource(bytes: &[u8]) -> Result<Option<PeVersion>> {
    if !bytes.starts_with(b"MZ") {
        return Ok(None);
    }
    // pelite reads the headers in place, as Rust structures: the section table must follow the
    // NT headers at a multiple of 4, and the image must sit at a 4-byte boundary with its NT
    // headers (which hold 64-bit fields) at an 8-byte one. Headers that cannot be read that way
    // are not an image here; a buffer that is merely placed wrong is copied to one placed right.
    let Some(nt_offset) = nt_headers_offset(bytes) else {
        return Ok(None);
    };
    let storage: Vec<u8>;
    let image: &[u8] = if placed_for_pelite(bytes.as_ptr() as usize, nt_offset) {
        bytes
    } else {
        let mut buf = vec![0u8; bytes.len() + 8];
        let base = buf.as_ptr() as usize;
        let Some(skip) = (0..8).find(|&skip| placed_for_pelite(base + skip, nt_offset)) else {
            return Ok(None);
        };
        buf[skip..skip + bytes.len()].copy_from_slice(bytes);
        storage = buf;
        &storage[skip..skip + bytes.len()]
    };
    let Ok(file) = PeFile::from_bytes(image) else {
        return Ok(None);
    };
    let Some(dir) = file
        .data_directory()
        .get(pelite::image::IMAGE_DIRECTORY_ENTRY_RESOURCE)
    else {
        return Ok(None);
    };
    if dir.VirtualAddress == 0 {
        return Ok(None);
    }
    let start = file
        .slice_bytes(dir.VirtualAddress)
        .map_err(|e| damaged(format!("resource directory: {e}")))?;
    if !(start.as_ptr() as usize).is_multiple_of(4) {
        return Err(damaged(
            "resource directory: not on a 4-byte boundary in the file".to_string(),
        ));
    }
    let resources = file
        .resources()
        .map_err(|e| damaged(format!("resource directory: {e}")))?;
    let block = match resources.find_resource(&[Name::VERSION, Name::Id(1)]) {
        Ok(block) => block,
        Err(FindError::NotFound) => return Ok(None),
        Err(e) => return Err(damaged(format!("resource directory: {e}"))),
    };
    parse_version_info(block)
}

/// The error for a present but broken version resource.
fn damaged(msg: String) -> Error {
    Error::malformed(format!("PE version resource: {msg}"))
}

/// e_lfanew, when it and SizeOfOptionalHeader are multiples of 4 (so the NT headers and the
/// section table can be read in place); None otherwise, or when the headers are too short to
/// tell (pelite would refuse them anyway).
fn nt_headers_offset(image: &[u8]) -> Option<usize> {
    let lfanew = usize::try_from(read_u32(image, 0x3C)?).ok()?;
    // "PE\0\0" (4 bytes), then the COFF header, whose SizeOfOptionalHeader is at offset 16.
    let optional_size = read_u16(image, lfanew.checked_add(20)?)?;
    (lfanew.is_multiple_of(4) && optional_size.is_multiple_of(4)).then_some(lfanew)
}

/// Whether an image at address `base` with its NT headers at `nt_offset` suits pelite.
fn placed_for_pelite(base: usize, nt_offset: usize) -> bool {
    base.is_multiple_of(4) && base.wrapping_add(nt_offset).is_multiple_of(8)
}

fn read_u16(buf: &[u8], at: usize) -> Option<u16> {
    let b = buf.get(at..at.checked_add(2)?)?;
    Some(u16::from_le_bytes([b[0], b[1]]))
}

fn read_u32(buf: &[u8], at: usize) -> Option<u32> {
    let b = buf.get(at..at.checked_add(4)?)?;
    Some(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
}

/// Rounds up to the next multiple of 4, saturating (offsets here are bounded by a slice length).
fn align4(n: usize) -> usize {
    n.saturating_add(3) & !3
}

/// The size of VS_FIXEDFILEINFO.
const FIXED_FILE_INFO_LEN: usize = 52;
/// VS_FIXEDFILEINFO's dwSignature.
const FIXED_FILE_INFO_SIGNATURE: u32 = 0xFEEF_04BD;

/// One node of the VS_VERSIONINFO tree: its extent, key, value and where its children start.
struct Node {
    /// Offset just past the node (start + wLength).
    end: usize,
    key: Vec<u16>,
    /// Offset and length in bytes of the value.
    value: (usize, usize),
    /// Offset of the first child.
    children: usize,
}

impl Node {
    fn key_is(&self, name: &str) -> bool {
        self.key.iter().copied().eq(name.encode_utf16())
    }
    fn key_text(&self) -> String {
        String::from_utf16_lossy(&self.key)
    }
}

/// Reads the node at `pos`, which must end by `limit`. `what` names it in errors.
fn read_node(block: &[u8], pos: usize, limit: usize, what: &str) -> Result<Node> {
    let (Some(length), Some(value_length)) = (read_u16(block, pos), read_u16(block, pos + 2))
    else {
        return Err(damaged(format!("{what} at offset {pos}: header cut short")));
    };
    let length = usize::from(length);
    if length < 6 || pos + 6 > limit {
        return Err(damaged(format!(
            "{what} at offset {pos}: length {length} is too small for a node"
        )));
    }
    let end = pos + length;
    if end > limit {
        return Err(damaged(format!(
            "{what} at offset {pos}: length {length} runs past its parent ({} bytes left)",
            limit - pos
        )));
    }
    let mut key = Vec::new();
    let mut at = pos + 6;
    loop {
        match read_u16(block, at) {
            Some(unit) if at + 2 <= end => {
                at += 2;
                if unit == 0 {
                    break;
                }
                key.push(unit);
            }
            _ => {
                return Err(damaged(format!(
                    "{what} at offset {pos}: key is not terminated within the node"
                )))
            }
        }
    }
    let value_start = align4(at).min(end);
    let value_len = usize::from(value_length);
    if value_start + value_len > end {
        return Err(damaged(format!(
            "{what} '{}' at offset {pos}: value of {value_len} bytes runs past the node",
            String::from_utf16_lossy(&key)
        )));
    }
    Ok(Node {
        end,
        key,
        value: (value_start, value_len),
        children: align4(value_start + value_len).min(end),
    })
}

/// The children of `parent`, in order. Zero bytes after the last child are taken as padding.
fn children(block: &[u8], parent: &Node, what: &str) -> Result<Vec<Node>> {
    let mut nodes = Vec::new();
    let mut pos = parent.children;
    while pos < parent.end {
        if block
            .get(pos..parent.end)
            .is_none_or(|rest| rest.iter().all(|&b| b == 0))
        {
            break;
        }
        let node = read_node(block, pos, parent.end, what)?;
        pos = align4(node.end);
        nodes.push(node);
    }
    Ok(nodes)
}

/// Decodes a VS_VERSIONINFO block.
fn parse_version_info(block: &[u8]) -> Result<Option<PeVersion>> {
    let root = read_node(block, 0, block.len(), "VS_VERSIONINFO")?;
    if !root.key_is("VS_VERSION_INFO") {
        return Err(damaged(format!(
            "the root key is '{}', not 'VS_VERSION_INFO'",
            root.key_text()
        )));
    }
    let (fixed, fixed_len) = root.value;
    if fixed_len == 0 {
        // No VS_FIXEDFILEINFO: the file has no version Windows Installer could compare.
        return Ok(None);
    }
    if fixed_len < FIXED_FILE_INFO_LEN {
        return Err(damaged(format!(
            "VS_FIXEDFILEINFO is {fixed_len} bytes, expected {FIXED_FILE_INFO_LEN}"
        )));
    }
    let field = |offset: usize| read_u32(block, fixed + offset).unwrap_or(0);
    let signature = field(0);
    if signature != FIXED_FILE_INFO_SIGNATURE {
        return Err(damaged(format!(
            "VS_FIXEDFILEINFO signature is {signature:#010X}, expected {FIXED_FILE_INFO_SIGNATURE:#010X}"
        )));
    }
    let (ms, ls) = (field(8), field(12));
    let version = format!("{}.{}.{}.{}", ms >> 16, ms & 0xFFFF, ls >> 16, ls & 0xFFFF);

    let mut language = None;
    for info in children(block, &root, "StringFileInfo/VarFileInfo")? {
        if !info.key_is("VarFileInfo") {
            continue;
        }
        for var in children(block, &info, "Var")? {
            if !var.key_is("Translation") {
                continue;
            }
            let (at, len) = var.value;
            if len >= 2 {
                language = read_u16(block, at);
            }
            break;
        }
        break;
    }
    Ok(Some(PeVersion { version, language }))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The bytes of one node: header, key, padding, value, padding, children (each aligned).
    fn node(key: &str, value: &[u8], value_length: u16, text: bool, kids: &[Vec<u8>]) -> Vec<u8> {
        let mut out = vec![0u8; 6];
        out[2..4].copy_from_slice(&value_length.to_le_bytes());
        out[4..6].copy_from_slice(&u16::from(text).to_le_bytes());
        for unit in key.encode_utf16().chain([0]) {
            out.extend_from_slice(&unit.to_le_bytes());
        }
        out.resize(align4(out.len()), 0);
        out.extend_from_slice(value);
        for kid in kids {
            out.resize(align4(out.len()), 0);
            out.extend_from_slice(kid);
        }
        let len = u16::try_from(out.len()).unwrap();
        out[0..2].copy_from_slice(&len.to_le_bytes());
        out
    }

    fn utf16z(s: &str) -> Vec<u8> {
        s.encode_utf16()
            .chain([0])
            .flat_map(|u| u.to_le_bytes())
            .collect()
    }

    fn version_block(version: [u16; 4], language: u16) -> Vec<u8> {
        let mut fixed = Vec::new();
        let ms = u32::from(version[0]) << 16 | u32::from(version[1]);
        let ls = u32::from(version[2]) << 16 | u32::from(version[3]);
        for v in [
            FIXED_FILE_INFO_SIGNATURE,
            0x0001_0000,
            ms,
            ls,
            ms,
            ls,
            0x3F,
            0,
            0x0004_0004,
            1,
            0,
            0,
            0,
        ] {
            fixed.extend_from_slice(&v.to_le_bytes());
        }
        let strings: Vec<Vec<u8>> = [("CompanyName", "Test Co"), ("FileVersion", "8.1.240.6")]
            .iter()
            .map(|(k, v)| {
                let value = utf16z(v);
                let words = u16::try_from(value.len() / 2).unwrap();
                node(k, &value, words, true, &[])
            })
            .collect();
        let table = node(&format!("{language:04X}04B0"), &[], 0, true, &strings);
        let sfi = node("StringFileInfo", &[], 0, true, &[table]);
        let mut translation = language.to_le_bytes().to_vec();
        translation.extend_from_slice(&1200u16.to_le_bytes());
        let var = node("Translation", &translation, 4, false, &[]);
        let vfi = node("VarFileInfo", &[], 0, true, &[var]);
        node("VS_VERSION_INFO", &fixed, 52, false, &[sfi, vfi])
    }

    /// A minimal image: headers and one .rsrc section holding RT_VERSION/1/`language`.
    fn tiny_image(pe32_plus: bool, version: [u16; 4], language: u16) -> Vec<u8> {
        tiny_image_at(0x40, pe32_plus, version, language)
    }

    /// The same with the NT headers at `nt` (e_lfanew).
    fn tiny_image_at(nt: usize, pe32_plus: bool, version: [u16; 4], language: u16) -> Vec<u8> {
        let block = version_block(version, language);
        let rva: u32 = 0x1000;
        // Resource tree: root → type 16 → name 1 → language → data entry, then the data.
        let mut rsrc = Vec::new();
        let dir = |out: &mut Vec<u8>, id: u32, target: u32| {
            out.extend_from_slice(&[0u8; 12]);
            out.extend_from_slice(&0u16.to_le_bytes());
            out.extend_from_slice(&1u16.to_le_bytes());
            out.extend_from_slice(&id.to_le_bytes());
            out.extend_from_slice(&target.to_le_bytes());
        };
        dir(&mut rsrc, 16, 0x8000_0000 | 0x18);
        dir(&mut rsrc, 1, 0x8000_0000 | 0x30);
        dir(&mut rsrc, u32::from(language), 0x48);
        let data_len = u32::try_from(block.len()).unwrap();
        for v in [rva + 0x58, data_len, 0, 0] {
            rsrc.extend_from_slice(&v.to_le_bytes());
        }
        rsrc.extend_from_slice(&block);
        let rsrc_len = u32::try_from(rsrc.len()).unwrap();
        let raw_len = (rsrc_len + 0x1FF) & !0x1FF;

        let mut image = vec![0u8; 0x200];
        image[0..2].copy_from_slice(b"MZ");
        image[0x3C..0x40].copy_from_slice(&u32::try_from(nt).unwrap().to_le_bytes());
        let mut h = Vec::new();
        h.extend_from_slice(b"PE\0\0");
        let optional_size: u16 = if pe32_plus { 240 } else { 224 };
        let machine: u16 = if pe32_plus { 0x8664 } else { 0x14C };
        h.extend_from_slice(&machine.to_le_bytes());
        h.extend_from_slice(&1u16.to_le_bytes());
        h.extend_from_slice(&[0u8; 12]);
        h.extend_from_slice(&optional_size.to_le_bytes());
        h.extend_from_slice(&0x0002u16.to_le_bytes());
        let opt_start = h.len();
        h.extend_from_slice(&(if pe32_plus { 0x20Bu16 } else { 0x10B }).to_le_bytes());
        h.extend_from_slice(&[0u8; 2 + 4 * 5]);
        if pe32_plus {
            h.extend_from_slice(&0x1_4000_0000u64.to_le_bytes());
        } else {
            h.extend_from_slice(&[0u8; 4]);
            h.extend_from_slice(&0x40_0000u32.to_le_bytes());
        }
        for v in [0x1000u32, 0x200] {
            h.extend_from_slice(&v.to_le_bytes());
        }
        h.extend_from_slice(&[0u8; 16]);
        let image_size = rva + ((rsrc_len + 0xFFF) & !0xFFF);
        for v in [image_size, 0x200, 0] {
            h.extend_from_slice(&v.to_le_bytes());
        }
        h.extend_from_slice(&3u16.to_le_bytes());
        h.extend_from_slice(&0u16.to_le_bytes());
        h.extend_from_slice(&vec![0u8; if pe32_plus { 32 } else { 16 }]);
        h.extend_from_slice(&0u32.to_le_bytes());
        h.extend_from_slice(&16u32.to_le_bytes());
        for i in 0..16 {
            let (a, s) = if i == 2 { (rva, rsrc_len) } else { (0, 0) };
            h.extend_from_slice(&a.to_le_bytes());
            h.extend_from_slice(&s.to_le_bytes());
        }
        assert_eq!(h.len() - opt_start, usize::from(optional_size));
        h.extend_from_slice(b".rsrc\0\0\0");
        for v in [rsrc_len, rva, raw_len, 0x200, 0, 0] {
            h.extend_from_slice(&v.to_le_bytes());
        }
        h.extend_from_slice(&0x4000_0040u32.to_le_bytes());
        image[nt..nt + h.len()].copy_from_slice(&h);
        image.extend_from_slice(&rsrc);
        image.resize(0x200 + raw_len as usize, 0);
        image
    }

    #[test]
    fn reads_version_and_language_pe32_plus_and_pe32() {
        for plus in [true, false] {
            let image = tiny_image(plus, [8, 1, 240, 6], 1033);
            let got = version_resource(&image).unwrap();
            assert_eq!(
                got,
                Some(PeVersion {
                    version: "8.1.240.6".into(),
                    language: Some(1033)
                }),
                "pe32+ = {plus}"
            );
        }
        let image = tiny_image(false, [65535, 0, 1, 65535], 1031);
        let got = version_resource(&image).unwrap().unwrap();
        assert_eq!(got.version, "65535.0.1.65535");
        assert_eq!(got.language, Some(1031));
    }

    /// e_lfanew need only be a multiple of 4, though pelite reads the NT headers (with their
    /// 64-bit fields) in place: such an image is read like any other.
    #[test]
    fn nt_headers_at_an_odd_multiple_of_4() {
        for plus in [true, false] {
            let image = tiny_image_at(0x44, plus, [8, 1, 240, 6], 1033);
            let got = version_resource(&image).unwrap().unwrap();
            assert_eq!(got.version, "8.1.240.6");
            let mut shifted = vec![0u8; 4];
            shifted.extend_from_slice(&image);
            assert_eq!(version_resource(&shifted[4..]).unwrap(), Some(got));
        }
    }

    #[test]
    fn unaligned_slice_reads_the_same() {
        let image = tiny_image(true, [1, 2, 3, 4], 1033);
        let mut shifted = vec![0u8];
        shifted.extend_from_slice(&image);
        assert_eq!(
            version_resource(&shifted[1..]).unwrap(),
            version_resource(&image).unwrap()
        );
    }

    #[test]
    fn non_images_are_none() {
        assert_eq!(version_resource(b"").unwrap(), None);
        assert_eq!(version_resource(b"hello, world\n").unwrap(), None);
        assert_eq!(version_resource(b"MZ").unwrap(), None);
        assert_eq!(
            version_resource(&[b'M', b'Z', 0, 0, 0, 0, 0]).unwrap(),
            None
        );
        let mut fake = b"MZ".to_vec();
        fake.resize(4096, 0x41);
        assert_eq!(version_resource(&fake).unwrap(), None);
    }

    #[test]
    fn image_without_resources_is_none() {
        let mut image = tiny_image(true, [1, 2, 3, 4], 1033);
        // Clear the resource data directory entry (data directory 2 of the PE32+ header).
        let dd = 0x40 + 4 + 20 + 112 + 2 * 8;
        image[dd..dd + 8].fill(0);
        assert_eq!(version_resource(&image).unwrap(), None);
    }

    #[test]
    fn damaged_version_block_is_an_error() {
        let image = tiny_image(true, [1, 2, 3, 4], 1033);
        let block = 0x200 + 0x58;
        // The signature of VS_FIXEDFILEINFO follows the 40-byte header and key of the root.
        let mut bad = image.clone();
        bad[block + 40] ^= 0xFF;
        let e = version_resource(&bad).unwrap_err();
        assert!(e.to_string().contains("signature"), "{e}");
        // The root claiming more than the resource holds.
        let mut bad = image.clone();
        bad[block..block + 2].copy_from_slice(&0xFFF0u16.to_le_bytes());
        let e = version_resource(&bad).unwrap_err();
        assert!(e.to_string().contains("runs past"), "{e}");
        // Another root key.
        let mut bad = image;
        bad[block + 6] = b'X';
        let e = version_resource(&bad).unwrap_err();
        assert!(e.to_string().contains("root key"), "{e}");
    }

    /// pelite reads the section table in place; at an odd offset that would be a misaligned read
    /// (an abort in a debug build), so such headers are turned away first.
    #[test]
    fn misaligned_section_table_is_none() {
        for plus in [true, false] {
            let mut image = tiny_image(plus, [1, 2, 3, 4], 1033);
            // SizeOfOptionalHeader, in the COFF header after "PE\0\0" at 0x40.
            image[0x40 + 4 + 16] += 1;
            assert_eq!(version_resource(&image).unwrap(), None);
        }
    }

    /// The same for a resource directory at an unaligned file offset: a damaged image.
    #[test]
    fn misaligned_resource_directory_is_an_error() {
        for plus in [true, false] {
            let mut image = tiny_image(plus, [1, 2, 3, 4], 1033);
            let optional_size = if plus { 240 } else { 224 };
            // PointerToRawData of the only section header.
            let at = 0x40 + 4 + 20 + optional_size + 20;
            image[at..at + 4].copy_from_slice(&0x1FEu32.to_le_bytes());
            let e = version_resource(&image).unwrap_err();
            assert!(e.to_string().contains("4-byte boundary"), "{e}");
        }
    }

    /// Deterministic xorshift, so the mutations are the same on every run.
    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
        fn below(&mut self, n: usize) -> usize {
            (self.next() % n as u64) as usize
        }
    }

    /// Thousands of byte flips, overwrites and truncations of valid PE32 and PE32+ images: any
    /// outcome but a panic (or an abort from a misaligned read in pelite) is fine.
    #[test]
    fn mutations_never_panic() {
        let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
        // How many mutants gave Some, None and Err: each must occur, or the test explores little.
        let mut outcomes = [0usize; 3];
        let mut tally = |r: Result<Option<PeVersion>>| match r {
            Ok(Some(_)) => outcomes[0] += 1,
            Ok(None) => outcomes[1] += 1,
            Err(_) => outcomes[2] += 1,
        };
        for (nt, plus) in [(0x40, true), (0x40, false), (0x44, true), (0x44, false)] {
            let image = tiny_image_at(nt, plus, [8, 1, 240, 6], 1033);
            for _ in 0..10_000 {
                let mut m = image.clone();
                let flips = 1 + rng.below(4);
                for _ in 0..flips {
                    // Most changes land in the headers or the resource section, where the
                    // checks are.
                    let at = match rng.below(3) {
                        0 => 0x200 + rng.below(m.len() - 0x200),
                        1 => rng.below(0x200),
                        _ => rng.below(m.len()),
                    };
                    match rng.below(3) {
                        0 => m[at] ^= 1 << rng.below(8),
                        1 => m[at] = rng.next() as u8,
                        _ => m[at] = [0, 0xFF, 0x7F, 0x80][rng.below(4)],
                    }
                }
                if rng.below(4) == 0 {
                    let cut = rng.below(m.len() + 1);
                    m.truncate(cut);
                }
                tally(version_resource(&m));
            }
            for cut in 0..=image.len() {
                tally(version_resource(&image[..cut]));
            }
        }
        eprintln!("mutations_never_panic: Some/None/Err = {outcomes:?}");
        assert!(outcomes.iter().all(|&n| n > 100), "{outcomes:?}");
    }

    /// Extra, only where Wine is installed: its PE DLLs read without error, and those whose
    /// version block says so give a version.
    #[test]
    fn wine_dlls_when_present() {
        let (mut seen, mut versioned) = (0, 0);
        for dir in [
            "/usr/lib/x86_64-linux-gnu/wine/x86_64-windows",
            "/usr/lib/x86_64-linux-gnu/wine/i386-windows",
            "/usr/lib/wine/x86_64-windows",
            "/usr/lib/wine/i386-windows",
        ] {
            let Ok(entries) = std::fs::read_dir(dir) else {
                continue;
            };
            for entry in entries.flatten().take(60) {
                let path = entry.path();
                let Ok(bytes) = std::fs::read(&path) else {
                    continue;
                };
                let got = version_resource(&bytes);
                assert!(got.is_ok(), "{}: {:?}", path.display(), got);
                if let Ok(Some(v)) = got {
                    versioned += 1;
                    if versioned <= 3 {
                        eprintln!("{}: {v:?}", path.display());
                    }
                }
                seen += 1;
            }
        }
        eprintln!("wine_dlls_when_present: read {seen} files, {versioned} with a version");
    }
}
