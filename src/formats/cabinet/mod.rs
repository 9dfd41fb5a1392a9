//! Cabinet (.cab) files: the header, folders and files, and a reader that decompresses each
//! folder once, front to back, handing every file to a callback as its bytes come out.
//!
//! Cabinets are where installers keep their payload: inside an MSI (a stream named in the Media
//! table), an MSM (`MergeModule.CABinet`), an MSP (one stream per patch media), or beside them.
//! The format is [MS-CAB]; `header.rs` has the layout of the entries and `data.rs` that of the
//! data blocks.
//!
//! * [`Cabinet::parse`] reads a cabinet that starts at byte 0 of a buffer, [`Cabinet::open`] one in
//!   a file on disk (read block by block) and [`Cabinet::search`] finds every cabinet in a buffer
//!   the way cabextract does (a self-extractor, a signed `.msu`, a `.wixout`).
//! * [`Cabinet::for_each_file`] gives each file whole; [`Cabinet::for_each_file_chunked`] gives it
//!   in pieces of at most 32 KiB, so no file need fit in memory. Both decode every folder once, so
//!   extracting all files costs one pass over the cabinet, whatever the number of files. Decoding
//!   runs on a thread of its own, a few blocks ahead of the callback (which runs on the caller's
//!   thread and sees the same pieces in the same order), so writing files overlaps decoding.
//! * `Cabinet::folder_units` and `Cabinet::for_each_file_in` split the same work by folder:
//!   folders are independent compressed streams, so they can be decoded on several threads at
//!   once (`msikit extract` and `cab extract` do, over all cabinets).
//! * Compression: none, MSZIP, Quantum (windows 2^10 to 2^21) and LZX (windows 2^15 to 2^21).
//! * A cabinet read alone refuses a file that continues from the previous or into the next cabinet
//!   of a set, naming the file and the cabinet it needs (such a cabinet still lists);
//!   [`CabinetSet`] reads the volumes of a set together, decoding each folder once across them.
//!
//! Nothing here trusts a count, offset or size from the file: each is checked against the bytes
//! before use, nothing is allocated by a header field beyond what the bytes can hold, and a bad
//! cabinet is an error naming the folder, block and offset, never a panic.

mod data;
mod header;
mod lzx;
mod names;
pub use names::{output_path, slash_separates};
mod pipeline;
mod quantum;
mod reader;
mod set;
mod source;
pub mod write;

#[cfg(test)]
mod tests;

use std::fmt;

use source::Source;

pub use set::CabinetSet;

pub use data::BLOCK_MAX;
#[cfg(feature = "test-hooks")]
pub use data::PLANTED_PANIC;
pub use header::{
    IFOLD_CONTINUED_FROM_PREV, IFOLD_CONTINUED_PREV_AND_NEXT, IFOLD_CONTINUED_TO_NEXT,
};

/// File attribute bits of a CFFILE ([MS-CAB] 2.3).
pub mod attr {
    pub const READ_ONLY: u16 = 0x01;
    pub const HIDDEN: u16 = 0x02;
    pub const SYSTEM: u16 = 0x04;
    pub const ARCHIVE: u16 = 0x20;
    pub const EXEC: u16 = 0x40;
    pub const NAME_IS_UTF: u16 = 0x80;
}

/// How a folder is compressed: the low 4 bits of typeCompress, with the window or level above.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase", tag = "method")]
pub enum Compression {
    None,
    MsZip,
    /// LZX with a window of 2^`window_bits` bytes (bits 8 to 12; 15 to 21 are valid).
    Lzx {
        window_bits: u8,
    },
    /// Quantum, level in bits 4 to 7 and window bits in 8 to 12 (10 to 21 are valid).
    Quantum {
        level: u8,
        window_bits: u8,
    },
    /// A method the format does not define.
    Unknown {
        raw: u16,
    },
}

impl Compression {
    pub fn from_raw(raw: u16) -> Compression {
        let bits = ((raw >> 8) & 0x1F) as u8;
        match raw & 0x000F {
            0 => Compression::None,
            1 => Compression::MsZip,
            2 => Compression::Quantum {
                level: ((raw >> 4) & 0x0F) as u8,
                window_bits: bits,
            },
            3 => Compression::Lzx { window_bits: bits },
            _ => Compression::Unknown { raw },
        }
    }
}

impl fmt::Display for Compression {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Compression::None => f.write_str("none"),
            Compression::MsZip => f.write_str("MSZIP"),
            Compression::Lzx { window_bits } => write!(f, "LZX:{window_bits}"),
            Compression::Quantum { level, window_bits } => {
                write!(f, "Quantum:{level}:{window_bits}")
            }
            Compression::Unknown { raw } => write!(f, "unknown compression {raw:#06x}"),
        }
    }
}

/// One CFFOLDER: a run of data blocks compressed as one stream.
#[derive(Debug, Clone, serde::Serialize)]
pub struct CabFolder {
    pub compression: Compression,
    /// typeCompress as stored.
    pub raw_compression: u16,
    /// cCFData: how many data blocks the folder has in this cabinet.
    pub data_blocks: u16,
    /// coffCabStart: where its first data block is, from the start of the cabinet.
    pub data_offset: u32,
    /// The per-folder reserve area (cbCFFolder bytes); not serialized.
    #[serde(skip)]
    pub reserve: Vec<u8>,
}

/// One CFFILE.
#[derive(Debug, Clone, serde::Serialize)]
pub struct CabFile {
    /// The name as stored, path separators included (usually `\`), decoded as
    /// [`name_is_utf8`](Self::name_is_utf8) says (else as Windows-1252).
    pub name: String,
    /// The name's bytes as stored, without the NUL; not serialized.
    #[serde(skip)]
    pub raw_name: Vec<u8>,
    /// Uncompressed size in bytes.
    pub size: u32,
    /// Index of its folder, or one of the `IFOLD_CONTINUED_*` values.
    pub folder: u16,
    /// Where the file starts in its folder's uncompressed bytes.
    pub offset: u32,
    /// MS-DOS date and time, as stored: (date, time).
    pub date_time: (u16, u16),
    /// Attribute bits ([`attr`]).
    pub attributes: u16,
    pub name_is_utf8: bool,
    /// Its position in the cabinet's file list (CFFILE order), which tells apart files with the
    /// same name.
    pub index: usize,
}

/// An MS-DOS (date, time) pair, as cabinet entries carry it, as `YYYY-MM-DD hh:mm:ss` (fields
/// shown as stored, not checked).
pub fn dos_date_time((date, time): (u16, u16)) -> String {
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}:{:02}",
        1980 + (date >> 9),
        (date >> 5) & 0xF,
        date & 0x1F,
        time >> 11,
        (time >> 5) & 0x3F,
        (time & 0x1F) * 2
    )
}

impl CabFile {
    /// Whether the file continues from the previous cabinet of a set.
    pub fn continues_from_prev(&self) -> bool {
        matches!(
            self.folder,
            IFOLD_CONTINUED_FROM_PREV | IFOLD_CONTINUED_PREV_AND_NEXT
        )
    }
    /// Whether the file continues into the next cabinet of a set.
    pub fn continues_to_next(&self) -> bool {
        matches!(
            self.folder,
            IFOLD_CONTINUED_TO_NEXT | IFOLD_CONTINUED_PREV_AND_NEXT
        )
    }
}

/// One folder of a cabinet (or of a set) and the files to extract from it: see
/// `Cabinet::folder_units`.
#[derive(Debug, Clone)]
pub struct FolderUnit<'m> {
    /// The folder's number (in the set, for a [`CabinetSet`]).
    pub folder: usize,
    /// Its files, in the order their bytes lie in it. Narrowing this list (keeping the order)
    /// narrows what is decoded and given.
    pub files: Vec<&'m CabFile>,
    /// How many data blocks the folder has (in all its volumes): a measure of the work, for
    /// scheduling.
    pub blocks: u64,
}

/// The previous or next cabinet of a set, as the header names it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct CabinetLink {
    /// The cabinet's file name (szCabinetPrev / szCabinetNext).
    pub name: String,
    /// The disk it is on (szDiskPrev / szDiskNext); may be empty.
    pub disk: String,
}

/// A piece of the output of [`Cabinet::for_each_file_chunked`].
///
/// Every file gets one `Begin`, then its bytes in order as `Data` pieces (none for an empty file),
/// then one `End`. Files come folder by folder, in the order their bytes lie in the folder; the
/// pieces of files whose bytes overlap in the folder (which a cabinet may do) are interleaved.
#[derive(Debug)]
pub enum FileChunk<'a> {
    Begin(&'a CabFile),
    Data(&'a CabFile, &'a [u8]),
    End(&'a CabFile),
}

/// A parsed cabinet, holding the bytes (or the file) its data blocks are read from.
///
/// ```
/// use msikit::formats::cabinet::Cabinet;
///
/// // A cabinet is found inside any file: here the one embedded in a package.
/// let bytes = std::fs::read("testdata/exchange2007/ur1.msp")?;
/// let cabs = Cabinet::search(bytes)?;
/// let mut names = Vec::new();
/// cabs[0].for_each_file(|f, data| {
///     assert_eq!(data.len(), f.size as usize);
///     names.push(f.name.clone());
///     Ok(())
/// })?;
/// assert!(!names.is_empty());
/// # Ok::<(), msikit::Error>(())
/// ```
pub struct Cabinet {
    source: Source,
    offset: u64,
    declared_size: u32,
    files_offset: u32,
    entries_at: u64,
    version: (u8, u8),
    flags: u16,
    set_id: u16,
    index: u16,
    header_reserve: Vec<u8>,
    data_reserve_len: u8,
    prev: Option<CabinetLink>,
    next: Option<CabinetLink>,
    folders: Vec<CabFolder>,
    files: Vec<CabFile>,
}

impl fmt::Debug for Cabinet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Cabinet")
            .field("offset", &self.offset)
            .field("set_id", &self.set_id)
            .field("index", &self.index)
            .field("folders", &self.folders.len())
            .field("files", &self.files.len())
            .finish()
    }
}

use pipeline::{decode_units, files_by_folder, missing_folder, stream_members, BlockSource, Piece};
use reader::{check_compression, Whole};
