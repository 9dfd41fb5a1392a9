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
//! * [`Cabinet::folder_units`] and [`Cabinet::for_each_file_in`] split the same work by folder:
//!   folders are independent compressed streams, so they can be decoded on several threads at
//!   once (`msikit extract` and `cab extract` do, over all cabinets).
//! * Compression: none, MSZIP and LZX (windows 2^15 to 2^21). Quantum is recognised and refused.
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
mod set;
mod source;
pub mod write;

#[cfg(test)]
mod tests;

use std::fmt;
use std::fs::File;
use std::path::Path;
use std::sync::Arc;

use crate::error::{Error, Result};
use source::{Input, Source};

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
    /// Quantum, level in bits 4 to 7 and window bits in 8 to 12. Not decoded by msikit.
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
/// [`Cabinet::folder_units`].
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

impl Cabinet {
    /// Reads the cabinet that starts at byte 0 of `bytes` (a `.cab` file, or a stream of an MSI,
    /// MSM or MSP). Bytes after the cabinet (a signature, padding) are ignored.
    pub fn parse(bytes: Vec<u8>) -> Result<Cabinet> {
        Self::at(Arc::new(bytes), 0)
    }

    /// Reads the cabinet in a file; data blocks are read from the file as they are needed.
    pub fn open(path: &Path) -> Result<Cabinet> {
        let name = path.display().to_string();
        let file = File::open(path).map_err(|e| Error::io(e).in_file(&name))?;
        let meta = file.metadata().map_err(|e| Error::io(e).in_file(&name))?;
        if meta.is_dir() {
            return Err(Error::usage("is a folder, not a file").in_file(&name));
        }
        let source = Source::reader(Input::File(file), meta.len());
        Self::from_source(source, 0).map_err(|e| e.in_file(&name))
    }

    /// Reads the cabinet in the stream `stream` (its raw name, as stored) at the root of the
    /// compound file `package` (an MSI, MSM or MSP on disk), reading its data blocks from the
    /// stream as they are needed, so the cabinet is neither held in memory nor copied out.
    /// Errors name `package`.
    pub fn open_in_package(package: &Path, stream: &str) -> Result<Cabinet> {
        let name = package.display().to_string();
        let file = File::open(package).map_err(|e| Error::io(e).in_file(&name))?;
        let cfb = cfb::CompoundFile::open(file).map_err(|e| {
            Error::malformed(format!("compound file is damaged: {e}")).in_file(&name)
        })?;
        let path = Path::new("/").join(stream);
        let len = cfb
            .is_stream(&path)
            .then(|| cfb.entry(&path).ok().map(|e| e.len()))
            .flatten()
            .ok_or_else(|| Error::not_found(format!("no stream '{stream}'")).in_file(&name))?;
        let source = Source::reader(
            Input::Compound {
                cfb: Box::new(cfb),
                path,
            },
            len,
        );
        Self::from_source(source, 0).map_err(|e| e.in_file(&name))
    }

    /// Finds every cabinet in `bytes`, as cabextract does: at each `MSCF` whose header has a
    /// files offset below its cabinet size, with both within the input (give or take 32 bytes),
    /// it tries to read a cabinet; after one that reads, the search goes on after its cbCabinet
    /// bytes, else 4 bytes after the signature. An error when none is found.
    pub fn search(bytes: Vec<u8>) -> Result<Vec<Cabinet>> {
        let bytes = Arc::new(bytes);
        let len = bytes.len() as u64;
        let mut found = Vec::new();
        let mut first_failure: Option<(u64, Error)> = None;
        let mut pos = 0usize;
        while let Some(i) = find_signature(&bytes[pos..]) {
            let at = pos + i;
            let Some(h) = bytes.get(at..at + 20) else {
                break;
            };
            let size = u64::from(u32::from_le_bytes([h[8], h[9], h[10], h[11]]));
            let files = u64::from(u32::from_le_bytes([h[16], h[17], h[18], h[19]]));
            let plausible =
                files < size && at as u64 + files < len + 32 && at as u64 + size < len + 32;
            pos = at + 4;
            if plausible {
                match Self::at(Arc::clone(&bytes), at) {
                    Ok(cab) => {
                        found.push(cab);
                        // `at + size < len + 32`, so this fits.
                        pos = at + size as usize;
                    }
                    Err(e) => {
                        if first_failure.is_none() {
                            first_failure = Some((at as u64, e));
                        }
                    }
                }
            }
            if pos >= bytes.len() {
                break;
            }
        }
        if found.is_empty() {
            return Err(match first_failure {
                Some((at, e)) => Error::malformed(format!(
                    "no cabinet found; the one at offset {at} does not read: {e}"
                )),
                None => Error::malformed("no cabinet found: no plausible 'MSCF' header"),
            });
        }
        Ok(found)
    }

    fn at(bytes: Arc<Vec<u8>>, base: usize) -> Result<Cabinet> {
        Self::from_source(Source::Memory { bytes, base }, base as u64)
    }

    fn from_source(source: Source, offset: u64) -> Result<Cabinet> {
        let p = header::parse(&source)?;
        Ok(Cabinet {
            source,
            offset,
            declared_size: p.declared_size,
            files_offset: p.files_offset,
            entries_at: p.entries_at,
            version: p.version,
            flags: p.flags,
            set_id: p.set_id,
            index: p.index,
            header_reserve: p.header_reserve,
            data_reserve_len: p.data_reserve_len,
            prev: p.prev,
            next: p.next,
            folders: p.folders,
            files: p.files,
        })
    }

    /// The files, in CFFILE order.
    pub fn files(&self) -> &[CabFile] {
        &self.files
    }
    /// The folders, in CFFOLDER order.
    pub fn folders(&self) -> &[CabFolder] {
        &self.folders
    }
    /// setID: the same for every cabinet of a set.
    pub fn set_id(&self) -> u16 {
        self.set_id
    }
    /// iCabinet: the position of this cabinet in its set, from 0.
    pub fn index(&self) -> u16 {
        self.index
    }
    /// The previous cabinet of the set, when the header names one.
    pub fn prev_cabinet(&self) -> Option<&CabinetLink> {
        self.prev.as_ref()
    }
    /// The next cabinet of the set, when the header names one.
    pub fn next_cabinet(&self) -> Option<&CabinetLink> {
        self.next.as_ref()
    }
    /// cbCabinet: the size the header gives the cabinet.
    pub fn declared_size(&self) -> u32 {
        self.declared_size
    }
    /// coffFiles: where the header says the first CFFILE is.
    pub fn files_offset(&self) -> u32 {
        self.files_offset
    }
    /// Where the CFFILE entries were read: right after the last CFFOLDER, as cabextract reads
    /// them. When this is not [`files_offset`](Self::files_offset) the cabinet is ambiguous: a
    /// reader that follows coffFiles sees other entries.
    pub fn file_entries_at(&self) -> u64 {
        self.entries_at
    }
    /// (major, minor) format version; 1.3 in every cabinet made since 1997.
    pub fn version(&self) -> (u8, u8) {
        self.version
    }
    /// The header flags (0x1 previous cabinet, 0x2 next cabinet, 0x4 reserve areas).
    pub fn flags(&self) -> u16 {
        self.flags
    }
    /// The header reserve area (an Authenticode signature's pointer in a signed cabinet).
    pub fn header_reserve(&self) -> &[u8] {
        &self.header_reserve
    }
    /// Where the cabinet starts in the bytes it was read from (non-zero only from [`search`]).
    ///
    /// [`search`]: Self::search
    pub fn offset(&self) -> u64 {
        self.offset
    }

    /// Decompresses every folder once, in order, calling `f` with each file and all its bytes.
    ///
    /// Files come folder by folder, each folder's files in the order their bytes are complete
    /// (the order they lie in the folder, unless files overlap; see [`FileChunk`]). A file is
    /// held in memory whole; use [`for_each_file_chunked`] for files that need not be. An error
    /// from `f` stops the pass and is returned as is.
    ///
    /// [`for_each_file_chunked`]: Self::for_each_file_chunked
    pub fn for_each_file(&self, f: impl FnMut(&CabFile, &[u8]) -> Result<()>) -> Result<()> {
        let mut whole = Whole::new(f);
        self.for_each_file_chunked(|chunk| whole.take(chunk))
    }

    /// Decompresses every folder once, in order, giving each file's bytes in pieces as they are
    /// decoded (at most 32 KiB each); see [`FileChunk`] for the order.
    ///
    /// Problems visible in the entries (a file continued in another cabinet, a compression msikit
    /// does not decode, a file reaching past what its folder's blocks can hold) are reported
    /// before any file is given. Problems in the data (a bad checksum, a block that does not
    /// decode to its stated size, data cut off) stop the pass where they are met, after `f` has
    /// had every piece before them. Only the blocks needed for the files are read: a folder is
    /// decoded up to the end of its last file. Decoding runs on another thread, at most about
    /// 512 KiB of output ahead of `f`; an error from `f` stops it.
    pub fn for_each_file_chunked(
        &self,
        mut f: impl FnMut(FileChunk<'_>) -> Result<()>,
    ) -> Result<()> {
        let units = self.folder_units()?;
        decode_units(&units, |u, sink| self.stream_folder(u, sink), &mut f)
    }

    /// The work of extracting every file, split by folder: each folder that holds files, with
    /// its files in the order their bytes lie, after the checks [`for_each_file_chunked`] makes
    /// before decoding. Folders are independent compressed streams, so units (of this cabinet
    /// or of others) may be given to [`for_each_file_in`] on different threads at once.
    ///
    /// [`for_each_file_chunked`]: Self::for_each_file_chunked
    /// [`for_each_file_in`]: Self::for_each_file_in
    pub fn folder_units(&self) -> Result<Vec<FolderUnit<'_>>> {
        self.check_extractable()?;
        Ok(files_by_folder(&self.files, self.folders.len())
            .into_iter()
            .enumerate()
            .filter(|(_, members)| !members.is_empty())
            .map(|(i, files)| FolderUnit {
                folder: i,
                files,
                blocks: u64::from(self.folders[i].data_blocks),
            })
            .collect())
    }

    /// Decodes the folder of `unit` (one of [`folder_units`](Self::folder_units), its files
    /// possibly narrowed to those wanted), giving the pieces of its files as
    /// [`for_each_file_chunked`](Self::for_each_file_chunked) does; decoding stops after the
    /// last of them.
    pub fn for_each_file_in<'m>(
        &'m self,
        unit: &FolderUnit<'m>,
        mut f: impl FnMut(FileChunk<'_>) -> Result<()>,
    ) -> Result<()> {
        decode_units(
            std::slice::from_ref(unit),
            |u, sink| self.stream_folder(u, sink),
            &mut f,
        )
    }

    /// Refuses, before any decoding, what cannot be extracted.
    fn check_extractable(&self) -> Result<()> {
        for file in &self.files {
            let name = &file.name;
            if file.continues_to_next() {
                return Err(Error::unsupported(match &self.next {
                    Some(n) => format!(
                        "file '{name}' continues in the next cabinet '{}', which is not given \
                         (msikit reads one cabinet at a time; cabinet sets are not supported)",
                        n.name
                    ),
                    None => format!(
                        "file '{name}' continues in the next cabinet, which the header does not \
                         name and which is not given"
                    ),
                }));
            }
            if file.continues_from_prev() {
                return Err(Error::unsupported(match &self.prev {
                    Some(p) => format!(
                        "file '{name}' continues from the previous cabinet '{}', which is not \
                         given (msikit reads one cabinet at a time; cabinet sets are not \
                         supported)",
                        p.name
                    ),
                    None => format!(
                        "file '{name}' continues from the previous cabinet, which the header does \
                         not name and which is not given"
                    ),
                }));
            }
        }
        let mut used = vec![false; self.folders.len()];
        for file in &self.files {
            let Some(folder) = self.folders.get(usize::from(file.folder)) else {
                // Parsing refuses such an index; kept for safety.
                return Err(Error::malformed(format!(
                    "file '{}' is in folder {}, which does not exist",
                    file.name, file.folder
                )));
            };
            used[usize::from(file.folder)] = true;
            let end = u64::from(file.offset) + u64::from(file.size);
            let room = u64::from(folder.data_blocks) * BLOCK_MAX as u64;
            if end > room {
                return Err(Error::malformed(format!(
                    "file '{}' spans bytes {} to {end} of folder {}, but the folder's {} data \
                     blocks hold at most {room} bytes",
                    file.name, file.offset, file.folder, folder.data_blocks
                )));
            }
        }
        for (i, folder) in self.folders.iter().enumerate() {
            if !used[i] {
                continue;
            }
            check_compression(i, folder.compression)?;
        }
        Ok(())
    }

    /// Decodes the folder of `unit` up to the end of its last file, handing out its files' bytes.
    fn stream_folder<'m>(
        &'m self,
        unit: &FolderUnit<'m>,
        f: &mut dyn FnMut(Piece<'m, '_>) -> Result<()>,
    ) -> Result<()> {
        let index = unit.folder;
        let Some(folder) = self.folders.get(index) else {
            return Err(missing_folder(index, self.folders.len()));
        };
        let mut blocks = data::Blocks::new(&self.source, index, folder, self.data_reserve_len);
        stream_members(index, folder.compression, &mut blocks, &unit.files, f)
    }
}

/// Gathers the pieces of [`FileChunk`]s into whole files for a callback.
struct Whole<F> {
    /// The files being filled: one, unless files overlap in their folder.
    open: Vec<(usize, Vec<u8>)>,
    f: F,
}

impl<F: FnMut(&CabFile, &[u8]) -> Result<()>> Whole<F> {
    fn new(f: F) -> Self {
        Whole {
            open: Vec::new(),
            f,
        }
    }

    fn take(&mut self, chunk: FileChunk<'_>) -> Result<()> {
        match chunk {
            FileChunk::Begin(file) => {
                // Reserve what the file says, up to a bound: the size is not yet proven by data.
                let hint = (file.size as usize).min(1 << 20);
                self.open.push((file.index, Vec::with_capacity(hint)));
                Ok(())
            }
            FileChunk::Data(file, bytes) => {
                if let Some((_, buf)) = self.open.iter_mut().find(|(i, _)| *i == file.index) {
                    buf.extend_from_slice(bytes);
                }
                Ok(())
            }
            FileChunk::End(file) => {
                let at = self.open.iter().position(|(i, _)| *i == file.index);
                let buf = at.map(|a| self.open.swap_remove(a).1).unwrap_or_default();
                (self.f)(file, &buf)
            }
        }
    }
}

/// Refuses a compression msikit does not decode, for folder `i`.
fn check_compression(i: usize, compression: Compression) -> Result<()> {
    match compression {
        Compression::None | Compression::MsZip => Ok(()),
        Compression::Lzx { window_bits } => {
            if !(15..=21).contains(&window_bits) {
                return Err(Error::malformed(format!(
                    "folder {i} uses LZX with a window of 2^{window_bits}, which is not one of \
                     2^15 to 2^21"
                )));
            }
            Ok(())
        }
        Compression::Quantum { .. } => Err(Error::unsupported(format!(
            "folder {i} uses Quantum compression, which msikit does not decode"
        ))),
        Compression::Unknown { raw } => Err(Error::malformed(format!(
            "folder {i} has compression type {raw:#06x}, which is not none, MSZIP, Quantum or LZX"
        ))),
    }
}

/// Where the data blocks of a folder come from: one cabinet, or the volumes of a set.
trait BlockSource {
    fn next_block(&mut self) -> Result<Option<data::Block<'_>>>;
    /// How many blocks have been read.
    fn read_count(&self) -> usize;
}

impl BlockSource for data::Blocks<'_> {
    fn next_block(&mut self) -> Result<Option<data::Block<'_>>> {
        data::Blocks::next_block(self)
    }
    fn read_count(&self) -> usize {
        usize::from(data::Blocks::read_count(self))
    }
}

/// A piece of a folder's output as the decoder gives it: a [`FileChunk`] whose file is borrowed
/// for as long as the cabinet (`'m`) and whose bytes only for the call (`'d`).
enum Piece<'m, 'd> {
    Begin(&'m CabFile),
    Data(&'m CabFile, &'d [u8]),
    End(&'m CabFile),
}

/// What a decoder hands its pieces to.
type Sink<'m, 's> = dyn FnMut(Piece<'m, '_>) -> Result<()> + 's;

/// Decoded bytes go from the decoding thread to the caller in batches of about this many bytes
/// (a batch is sent once it holds this much, so it holds at most one block more)...
const BATCH_BYTES: usize = 128 * 1024;
/// ... or of this many pieces (many small files).
const BATCH_PIECES: usize = 4096;
/// Full batches waiting for the caller. With the one being filled, the one being handed out and
/// those given back for reuse, about five batches (under 1 MiB) exist at most.
const BATCHES_QUEUED: usize = 2;

/// One piece of a [`Batch`]: `Data` gives the range of the batch's bytes.
enum Op<'m> {
    Begin(&'m CabFile),
    Data(&'m CabFile, std::ops::Range<usize>),
    End(&'m CabFile),
}

/// Pieces of decoded output, their bytes copied into one buffer.
struct Batch<'m> {
    ops: Vec<Op<'m>>,
    bytes: Vec<u8>,
    /// On the last batch: how decoding ended.
    end: Option<Result<()>>,
}

impl<'m> Batch<'m> {
    fn new() -> Self {
        Batch {
            ops: Vec::new(),
            bytes: Vec::with_capacity(BATCH_BYTES + BLOCK_MAX),
            end: None,
        }
    }

    fn push(&mut self, piece: Piece<'m, '_>) {
        self.ops.push(match piece {
            Piece::Begin(m) => Op::Begin(m),
            Piece::Data(m, d) => {
                let start = self.bytes.len();
                self.bytes.extend_from_slice(d);
                Op::Data(m, start..self.bytes.len())
            }
            Piece::End(m) => Op::End(m),
        });
    }

    fn is_full(&self) -> bool {
        self.bytes.len() >= BATCH_BYTES || self.ops.len() >= BATCH_PIECES
    }
}

/// Runs `decode` on a thread of its own and hands the pieces it gives to `f` on this one, in
/// the same order, so that decoding the next blocks overlaps with what `f` does with the last
/// ones (writing files, mostly). Memory stays bounded: the decoder waits when
/// [`BATCHES_QUEUED`] batches are waiting for `f`.
///
/// `f` sees exactly the pieces it would see were everything done on one thread: an error from
/// `f` stops decoding and is returned (the decoder may have read a few blocks ahead, to no
/// effect); an error from `decode` is returned after `f` has had every piece given before it.
/// The files of each folder, in the order their bytes lie in it. A file whose folder index is
/// out of range is left out (the callers refuse such cabinets before decoding).
fn files_by_folder(files: &[CabFile], folders: usize) -> Vec<Vec<&CabFile>> {
    let mut by_folder: Vec<Vec<&CabFile>> = vec![Vec::new(); folders];
    for file in files {
        if let Some(v) = by_folder.get_mut(usize::from(file.folder)) {
            v.push(file);
        }
    }
    for members in &mut by_folder {
        members.sort_by_key(|m| (m.offset, m.index));
    }
    by_folder
}

fn pipelined<'m>(
    decode: impl FnOnce(&mut Sink<'m, '_>) -> Result<()> + Send,
    f: &mut dyn FnMut(FileChunk<'_>) -> Result<()>,
) -> Result<()> {
    use std::sync::mpsc;
    let (full_tx, full_rx) = mpsc::sync_channel::<Batch<'m>>(BATCHES_QUEUED);
    let (empty_tx, empty_rx) = mpsc::channel::<Batch<'m>>();
    std::thread::scope(|scope| {
        let decoder = scope.spawn(move || {
            let mut batch = Batch::new();
            let mut stopped = false;
            let result = decode(&mut |piece| {
                batch.push(piece);
                if batch.is_full() {
                    let next = empty_rx.try_recv().unwrap_or_else(|_| Batch::new());
                    if full_tx.send(std::mem::replace(&mut batch, next)).is_err() {
                        // The caller has stopped (its callback failed): so does decoding.
                        stopped = true;
                        return Err(Error::malformed("extraction stopped"));
                    }
                }
                Ok(())
            });
            if !stopped {
                batch.end = Some(result);
                // When this fails the caller has stopped, and has its own error.
                let _ = full_tx.send(batch);
            }
        });
        let mut outcome = None;
        'batches: while let Ok(mut batch) = full_rx.recv() {
            for op in &batch.ops {
                let r = match op {
                    Op::Begin(m) => f(FileChunk::Begin(m)),
                    Op::Data(m, range) => f(FileChunk::Data(m, &batch.bytes[range.clone()])),
                    Op::End(m) => f(FileChunk::End(m)),
                };
                if let Err(e) = r {
                    outcome = Some(Err(e));
                    break 'batches;
                }
            }
            if let Some(end) = batch.end.take() {
                outcome = Some(end);
                break;
            }
            batch.ops.clear();
            batch.bytes.clear();
            // When this fails the decoder has finished; the batch is not needed.
            let _ = empty_tx.send(batch);
        }
        // Unblocks a decoder waiting to send, which then stops.
        drop(full_rx);
        // A panic while decoding (a bug) is the caller's panic, not an error.
        if let Err(panic) = decoder.join() {
            std::panic::resume_unwind(panic);
        }
        outcome.unwrap_or_else(|| Err(Error::malformed("decoding ended without a result")))
    })
}

/// Decodes the folder numbered `index` up to the end of its last file (`members`, sorted by
/// offset), handing out its files' bytes.
fn stream_members<'m>(
    index: usize,
    compression: Compression,
    blocks: &mut dyn BlockSource,
    members: &[&'m CabFile],
    f: &mut dyn FnMut(Piece<'m, '_>) -> Result<()>,
) -> Result<()> {
    // Empty files need no data (cabextract does not read any for them either).
    let needed = members
        .iter()
        .filter(|m| m.size > 0)
        .map(|m| u64::from(m.offset) + u64::from(m.size))
        .max()
        .unwrap_or(0);
    let mut decoder = data::Decoder::new(compression)
        .map_err(|m| Error::malformed(format!("folder {index}: {m}")))?;
    let mut pos = 0u64;
    let mut next = 0usize;
    let mut active: Vec<&'m CabFile> = Vec::new();
    while pos < needed {
        let Some(block) = blocks.next_block()? else {
            let short = members
                .iter()
                .find(|m| u64::from(m.offset) + u64::from(m.size) > pos)
                .map(|m| m.name.as_str())
                .unwrap_or("?");
            return Err(Error::malformed(format!(
                "folder {index}: its {} data blocks decode to {pos} bytes, but file '{short}' \
                 needs bytes up to {needed}",
                blocks.read_count()
            )));
        };
        let (number, offset) = (block.number, block.offset);
        let out = decoder
            .decode(block.data, block.uncompressed)
            .map_err(|m| {
                Error::malformed(format!(
                    "folder {index}: data block {number} at offset {offset}: {m}"
                ))
            })?;
        let end = pos + out.len() as u64;
        while let Some(&m) = members.get(next) {
            if u64::from(m.offset) >= end {
                break;
            }
            f(Piece::Begin(m))?;
            active.push(m);
            next += 1;
        }
        let mut i = 0;
        while i < active.len() {
            let m = active[i];
            let (start, stop) = (u64::from(m.offset), u64::from(m.offset) + u64::from(m.size));
            let (a, b) = (start.max(pos), stop.min(end));
            if a < b {
                f(Piece::Data(m, &out[(a - pos) as usize..(b - pos) as usize]))?;
            }
            if stop <= end {
                f(Piece::End(m))?;
                active.remove(i);
            } else {
                i += 1;
            }
        }
        pos = end;
    }
    // Left: empty files at or past the end of the last non-empty one.
    for &m in &members[next..] {
        f(Piece::Begin(m))?;
        f(Piece::End(m))?;
    }
    Ok(())
}

/// The error for a [`FolderUnit`] whose folder is not among the `count` there are.
fn missing_folder(folder: usize, count: usize) -> Error {
    Error::malformed(format!(
        "folder {folder} does not exist (there are {count})"
    ))
}

/// Decodes `units` in order, each by `stream`, on a thread of their own (see [`pipelined`]),
/// handing the pieces to `f`: the one decoding loop of a cabinet and of a set.
fn decode_units<'m>(
    units: &[FolderUnit<'m>],
    stream: impl Fn(&FolderUnit<'m>, &mut Sink<'m, '_>) -> Result<()> + Sync,
    f: &mut dyn FnMut(FileChunk<'_>) -> Result<()>,
) -> Result<()> {
    pipelined(
        |sink| {
            for unit in units {
                stream(unit, sink)?;
            }
            Ok(())
        },
        f,
    )
}

/// Where the next `MSCF` starts in `bytes`.
fn find_signature(bytes: &[u8]) -> Option<usize> {
    bytes.windows(4).position(|w| w == header::SIGNATURE)
}

#[cfg(test)]
mod pipeline_tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    fn files(n: usize) -> Vec<CabFile> {
        (0..n)
            .map(|index| CabFile {
                name: format!("f{index}"),
                raw_name: Vec::new(),
                size: 0,
                folder: 0,
                offset: 0,
                date_time: (0, 0),
                attributes: 0,
                name_is_utf8: false,
                index,
            })
            .collect()
    }

    /// What a callback saw: (kind, file index, bytes).
    type Seen = Vec<(char, usize, Vec<u8>)>;

    /// A decoder that gives each file a Begin, `pieces` Data pieces of 1 byte to a block (piece
    /// `j` of file `i` is bytes of value `i + j`), an End, then `end`; `made` counts the pieces
    /// given.
    fn decoder<'m>(
        files: &'m [CabFile],
        pieces: usize,
        end: Result<()>,
        made: &'m AtomicUsize,
    ) -> impl FnOnce(&mut Sink<'m, '_>) -> Result<()> + Send + 'm {
        move |sink| {
            let mut buf = vec![0u8; BLOCK_MAX];
            for m in files {
                made.fetch_add(1, Ordering::Relaxed);
                sink(Piece::Begin(m))?;
                for j in 0..pieces {
                    let len = (j * 7919) % BLOCK_MAX + 1;
                    buf[..len].fill((m.index + j) as u8);
                    made.fetch_add(1, Ordering::Relaxed);
                    sink(Piece::Data(m, &buf[..len]))?;
                }
                made.fetch_add(1, Ordering::Relaxed);
                sink(Piece::End(m))?;
            }
            end
        }
    }

    fn record(seen: &mut Seen, c: FileChunk<'_>) {
        seen.push(match c {
            FileChunk::Begin(m) => ('b', m.index, Vec::new()),
            FileChunk::Data(m, d) => ('d', m.index, d.to_vec()),
            FileChunk::End(m) => ('e', m.index, Vec::new()),
        });
    }

    /// The same decoder run on one thread, for comparison.
    fn serial(files: &[CabFile], pieces: usize) -> Seen {
        let made = AtomicUsize::new(0);
        let mut seen = Seen::new();
        let run = decoder(files, pieces, Ok(()), &made);
        run(&mut |p| {
            record(
                &mut seen,
                match p {
                    Piece::Begin(m) => FileChunk::Begin(m),
                    Piece::Data(m, d) => FileChunk::Data(m, d),
                    Piece::End(m) => FileChunk::End(m),
                },
            );
            Ok(())
        })
        .unwrap();
        seen
    }

    #[test]
    fn pieces_arrive_in_order_across_many_batches() {
        // 40 files of 30 pieces (~20 MB) fill many batches; 5,000 empty files many more.
        for (n, pieces) in [(40, 30), (5000, 0), (1, 0)] {
            let fs = files(n);
            let made = AtomicUsize::new(0);
            let mut seen = Seen::new();
            pipelined(decoder(&fs, pieces, Ok(()), &made), &mut |c| {
                record(&mut seen, c);
                Ok(())
            })
            .unwrap();
            assert!(seen == serial(&fs, pieces), "{n} files of {pieces} pieces");
        }
    }

    #[test]
    fn a_callback_error_stops_decoding_and_is_returned() {
        let fs = files(200);
        let made = AtomicUsize::new(0);
        let mut seen = Seen::new();
        let r = pipelined(decoder(&fs, 30, Ok(()), &made), &mut |c| {
            record(&mut seen, c);
            if seen.len() == 100 {
                return Err(Error::usage("disk full"));
            }
            Ok(())
        });
        assert_eq!(r.unwrap_err().to_string(), "disk full");
        assert!(seen[..] == serial(&fs, 30)[..100]);
        // The decoder ran ahead by a few batches at most, not through all 6,400 pieces.
        assert!(made.load(Ordering::Relaxed) < 1000, "{made:?}");
    }

    #[test]
    fn a_decoding_error_comes_after_every_piece_before_it() {
        let fs = files(50);
        let made = AtomicUsize::new(0);
        let mut seen = Seen::new();
        let r = pipelined(
            decoder(&fs, 20, Err(Error::malformed("bad block")), &made),
            &mut |c| {
                record(&mut seen, c);
                Ok(())
            },
        );
        assert_eq!(r.unwrap_err().to_string(), "bad block");
        assert!(seen == serial(&fs, 20));
    }
}
