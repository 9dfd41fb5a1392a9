//! CFHEADER, CFFOLDER and CFFILE: everything before the data blocks ([MS-CAB] 2.1 to 2.3).
//!
//! Layout, all little-endian:
//! * CFHEADER, 36 bytes: `MSCF`, reserved, cbCabinet, reserved, coffFiles, reserved,
//!   versionMinor, versionMajor, cFolders, cFiles, flags, setID, iCabinet; then, when flags has
//!   `RESERVE_PRESENT`, cbCFHeader (u16), cbCFFolder (u8), cbCFData (u8) and cbCFHeader bytes;
//!   then, for `PREV_CABINET` and `NEXT_CABINET`, two NUL-terminated strings each (cabinet and
//!   disk name).
//! * cFolders CFFOLDER, 8 bytes + cbCFFolder: coffCabStart (u32), cCFData (u16),
//!   typeCompress (u16).
//! * cFiles CFFILE (at coffFiles; see below), 16 bytes + name: cbFile, uoffFolderStart (u32),
//!   iFolder, date, time, attribs (u16), then the NUL-terminated name (at most 255 bytes).

use super::names;
use super::source::Source;
use super::{CabFile, CabFolder, CabinetLink, Compression};
use crate::error::{Defect, Error, Result};

pub(crate) const SIGNATURE: &[u8; 4] = b"MSCF";
const HEADER_LEN: usize = 36;
const FLAG_PREV_CABINET: u16 = 0x0001;
const FLAG_NEXT_CABINET: u16 = 0x0002;
const FLAG_RESERVE_PRESENT: u16 = 0x0004;
/// Longest string in a header, with its NUL (CB_MAX_FILENAME, CB_MAX_CABINET_NAME).
const MAX_STRING: usize = 256;
/// Folder indexes from here on mean "continued from/to another cabinet" ([MS-CAB] 2.3).
pub const IFOLD_CONTINUED_FROM_PREV: u16 = 0xFFFD;
pub const IFOLD_CONTINUED_TO_NEXT: u16 = 0xFFFE;
pub const IFOLD_CONTINUED_PREV_AND_NEXT: u16 = 0xFFFF;

/// Everything the header structures say.
pub(crate) struct Parsed {
    pub declared_size: u32,
    pub files_offset: u32,
    pub entries_at: u64,
    pub version: (u8, u8),
    pub flags: u16,
    pub set_id: u16,
    pub index: u16,
    pub header_reserve: Vec<u8>,
    pub data_reserve_len: u8,
    pub prev: Option<CabinetLink>,
    pub next: Option<CabinetLink>,
    pub folders: Vec<CabFolder>,
    pub files: Vec<CabFile>,
}

/// A read position over the source; every read is checked.
struct Cursor<'a> {
    src: &'a Source,
    pos: u64,
}

impl Cursor<'_> {
    fn array<const N: usize>(&mut self, what: &dyn Fn() -> String) -> Result<[u8; N]> {
        let mut b = [0u8; N];
        self.src.read_exact_at(self.pos, &mut b, what)?;
        self.pos += N as u64;
        Ok(b)
    }

    /// `len` bytes; checked against what is there before anything is allocated.
    fn bytes(&mut self, len: usize, what: &dyn Fn() -> String) -> Result<Vec<u8>> {
        if self.src.len().saturating_sub(self.pos) < len as u64 {
            return Err(Error::truncated(format!(
                "{} at offset {} needs {len} bytes, but the cabinet ends at byte {}",
                what(),
                self.pos,
                self.src.len()
            )));
        }
        let mut b = vec![0u8; len];
        self.src.read_exact_at(self.pos, &mut b, what)?;
        self.pos += len as u64;
        Ok(b)
    }

    /// A NUL-terminated string of at most 255 bytes (the NUL excluded); `allow_empty` for the
    /// disk names, which may be empty.
    fn cstring(&mut self, allow_empty: bool, what: &dyn Fn() -> String) -> Result<Vec<u8>> {
        let mut b = [0u8; MAX_STRING];
        let n = self.src.read_at(self.pos, &mut b)?;
        let Some(len) = b[..n].iter().position(|&c| c == 0) else {
            return Err(Error::defect(
                if n < MAX_STRING {
                    Defect::Truncated
                } else {
                    Defect::Limit
                },
                if n < MAX_STRING {
                    format!(
                    "{} at offset {} runs past the end of the cabinet (byte {}) without its NUL",
                    what(),
                    self.pos,
                    self.src.len()
                )
                } else {
                    format!(
                    "{} at offset {} has no NUL within {MAX_STRING} bytes (names are at most 255 \
                     bytes)",
                    what(),
                    self.pos
                )
                },
            ));
        };
        if len == 0 && !allow_empty {
            return Err(Error::malformed(format!(
                "{} at offset {} is empty",
                what(),
                self.pos
            )));
        }
        self.pos += len as u64 + 1;
        Ok(b[..len].to_vec())
    }
}

fn u16_at(b: &[u8], i: usize) -> u16 {
    u16::from_le_bytes([b[i], b[i + 1]])
}
fn u32_at(b: &[u8], i: usize) -> u32 {
    u32::from_le_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]])
}

fn link(cur: &mut Cursor<'_>, which: &str) -> Result<CabinetLink> {
    let name = cur.cstring(false, &|| format!("the name of the {which} cabinet"))?;
    let disk = cur.cstring(true, &|| format!("the disk name of the {which} cabinet"))?;
    Ok(CabinetLink {
        name: names::decode_ansi(&name),
        disk: names::decode_ansi(&disk),
    })
}

/// Reads the header, folder and file entries of the cabinet that starts at byte 0 of `src`.
pub(crate) fn parse(src: &Source) -> Result<Parsed> {
    let mut cur = Cursor { src, pos: 0 };
    let mut first = [0u8; 4];
    let n = src.read_at(0, &mut first)?;
    if n < 4 || &first != SIGNATURE {
        return Err(Error::signature(
            "not a cabinet: it does not start with the signature 'MSCF'",
        ));
    }
    let h: [u8; HEADER_LEN] = cur.array(&|| "the cabinet header (CFHEADER)".to_string())?;
    let declared_size = u32_at(&h, 8);
    let files_offset = u32_at(&h, 16);
    let version = (h[25], h[24]);
    let folder_count = u16_at(&h, 26);
    let file_count = u16_at(&h, 28);
    let flags = u16_at(&h, 30);
    let set_id = u16_at(&h, 32);
    let index = u16_at(&h, 34);
    // Folders without files, or files without folders, are refused (as cabextract does). A
    // cabinet with neither is read as empty: WiX writes such 36-byte cabinets into patches
    // whose media hold no files (cabextract refuses those too, as "no valid cabinets").
    if folder_count == 0 && file_count > 0 {
        return Err(Error::malformed(format!(
            "the cabinet header counts {file_count} files but no folders"
        )));
    }
    if file_count == 0 && folder_count > 0 {
        return Err(Error::malformed(format!(
            "the cabinet header counts {folder_count} folders but no files"
        )));
    }

    let (mut header_reserve, mut folder_reserve_len, mut data_reserve_len) = (Vec::new(), 0u8, 0u8);
    if flags & FLAG_RESERVE_PRESENT != 0 {
        let r: [u8; 4] = cur.array(&|| "the reserve sizes after the header".to_string())?;
        folder_reserve_len = r[2];
        data_reserve_len = r[3];
        header_reserve = cur.bytes(usize::from(u16_at(&r, 0)), &|| {
            "the header reserve area".to_string()
        })?;
    }
    let prev = if flags & FLAG_PREV_CABINET != 0 {
        Some(link(&mut cur, "previous")?)
    } else {
        None
    };
    let next = if flags & FLAG_NEXT_CABINET != 0 {
        Some(link(&mut cur, "next")?)
    } else {
        None
    };

    let mut folders = Vec::new();
    for i in 0..folder_count {
        let what = || format!("folder {i} (CFFOLDER)");
        let f: [u8; 8] = cur.array(&what)?;
        let reserve = cur.bytes(usize::from(folder_reserve_len), &|| {
            format!("the reserve area of folder {i}")
        })?;
        let raw = u16_at(&f, 6);
        folders.push(CabFolder {
            data_offset: u32_at(&f, 0),
            data_blocks: u16_at(&f, 4),
            compression: Compression::from_raw(raw),
            raw_compression: raw,
            reserve,
        });
    }

    // The spec places the first CFFILE at coffFiles, and in a well-made cabinet that is right
    // after the last CFFOLDER. cabextract reads the entries from there whatever coffFiles says, and
    // so does msikit, so both list the same files; a cabinet where the two differ can show other
    // files to a reader that follows coffFiles (libmspack's `hidden-files.cab`), which
    // [`Cabinet::files_offset`](super::Cabinet::files_offset) and
    // [`Cabinet::file_entries_at`](super::Cabinet::file_entries_at) let a caller detect.
    let entries_at = cur.pos;
    let mut files = Vec::new();
    for i in 0..file_count {
        let what = || format!("file entry {i} (CFFILE)");
        let e: [u8; 16] = cur.array(&what)?;
        let raw_name = cur.cstring(false, &|| format!("the name of file entry {i}"))?;
        let attributes = u16_at(&e, 14);
        let name_is_utf8 = attributes & super::attr::NAME_IS_UTF != 0;
        let folder = u16_at(&e, 8);
        let name = names::decode(&raw_name, name_is_utf8);
        if folder >= folder_count && folder < IFOLD_CONTINUED_FROM_PREV {
            return Err(Error::malformed(format!(
                "file entry {i} ('{name}') is in folder {folder}, but the cabinet has only \
                 {folder_count} folders"
            )));
        }
        files.push(CabFile {
            name,
            raw_name,
            size: u32_at(&e, 0),
            folder,
            offset: u32_at(&e, 4),
            date_time: (u16_at(&e, 10), u16_at(&e, 12)),
            attributes,
            name_is_utf8,
            index: usize::from(i),
        });
    }

    Ok(Parsed {
        declared_size,
        files_offset,
        entries_at,
        version,
        flags,
        set_id,
        index,
        header_reserve,
        data_reserve_len,
        prev,
        next,
        folders,
        files,
    })
}
