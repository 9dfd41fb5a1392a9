//! Reading a cabinet: [`Cabinet`]'s constructors, its fields and the passes over its files.

use std::fs::File;
use std::path::Path;
use std::sync::Arc;

use super::pipeline::{decode_units, files_by_folder, missing_folder, stream_members, Piece};
use super::source::{Input, Source};
use super::BLOCK_MAX;
use super::{data, header};
use super::{CabFile, CabFolder, Cabinet, CabinetLink, Compression, FileChunk, FolderUnit};
use crate::error::{Error, Missing, Result};

/// What [`Cabinet::search_file`] found: the cabinets, and the offset and error of the first
/// plausible header that did not read.
pub type Found = (Vec<Cabinet>, Option<(u64, Error)>);

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
            return Err(Error::refused("is a folder, not a file").in_file(&name));
        }
        let source = Source::reader(Input::File(file), meta.len());
        Self::from_source(source, 0).map_err(|e| e.in_file(&name))
    }

    /// Reads the cabinet in the stream `stream` (its raw name, as stored) at the root of the
    /// compound file `package` (an MSI, MSM or MSP on disk), reading its data blocks from the
    /// stream as they are needed, so the cabinet is neither held in memory nor copied out.
    /// Errors name `package`.
    pub(crate) fn open_in_package(package: &Path, stream: &str) -> Result<Cabinet> {
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
            .ok_or_else(|| {
                Error::not_found(Missing::Stream, stream, format!("no stream '{stream}'"))
                    .in_file(&name)
            })?;
        let source = Source::reader(
            Input::Compound {
                cfb: Box::new(cfb),
                path,
            },
            len,
        );
        Self::from_source(source, 0).map_err(|e| e.in_file(&name))
    }

    /// Finds every cabinet in the file at `path` from byte `from` on, as [`search`](Self::search)
    /// does in a buffer, reading the file a piece at a time (a setup program of gigabytes is not
    /// held in memory); each cabinet found reads its data blocks from the file. Returns the
    /// cabinets (each knows its [`offset`](Self::offset)) and, when a plausible header did not
    /// read, the first such offset and error.
    pub fn search_file(path: &Path, from: u64) -> Result<Found> {
        use std::io::{Read, Seek, SeekFrom};
        let name = path.display().to_string();
        let io = |e: std::io::Error| Error::io(e).in_file(&name);
        let mut file = File::open(path).map_err(io)?;
        let len = file.metadata().map_err(io)?.len();
        let mut found = Vec::new();
        let mut first_failure = None;
        const PIECE: usize = 1 << 20;
        let mut buf = vec![0u8; PIECE + 20];
        let mut pos = from;
        while pos + 20 <= len {
            // A piece, with room for a header that starts in its last bytes.
            let want = (len - pos).min(buf.len() as u64) as usize;
            file.seek(SeekFrom::Start(pos)).map_err(io)?;
            file.read_exact(&mut buf[..want]).map_err(io)?;
            let piece = &buf[..want];
            let scan = if pos + want as u64 >= len {
                want
            } else {
                want - 19
            };
            let mut next = pos + scan as u64;
            let mut i = 0;
            while i < scan {
                let Some(k) = find_signature(&piece[i..]) else {
                    break;
                };
                let at = i + k;
                if at >= scan {
                    // Starts in the overlap: the next piece has it whole.
                    break;
                }
                let Some(h) = piece.get(at..at + 20) else {
                    break;
                };
                let abs = pos + at as u64;
                let size = u64::from(u32::from_le_bytes([h[8], h[9], h[10], h[11]]));
                let files = u64::from(u32::from_le_bytes([h[16], h[17], h[18], h[19]]));
                i = at + 4;
                if files < size && abs + files < len + 32 && abs + size < len + 32 {
                    let f = File::open(path).map_err(io)?;
                    let source = Source::reader_at(Input::File(f), abs, len - abs);
                    match Self::from_source(source, abs) {
                        Ok(cab) => {
                            found.push(cab);
                            next = abs + size;
                            break;
                        }
                        Err(e) => {
                            if first_failure.is_none() {
                                first_failure = Some((abs, e));
                            }
                        }
                    }
                }
            }
            if next <= pos {
                break;
            }
            pos = next;
        }
        Ok((found, first_failure))
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
    pub(crate) fn set_id(&self) -> u16 {
        self.set_id
    }
    /// iCabinet: the position of this cabinet in its set, from 0.
    pub fn index(&self) -> u16 {
        self.index
    }
    /// The previous cabinet of the set, when the header names one.
    pub(crate) fn prev_cabinet(&self) -> Option<&CabinetLink> {
        self.prev.as_ref()
    }
    /// The next cabinet of the set, when the header names one.
    pub(crate) fn next_cabinet(&self) -> Option<&CabinetLink> {
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
    pub(crate) fn folder_units(&self) -> Result<Vec<FolderUnit<'_>>> {
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
    pub(crate) fn for_each_file_in<'m>(
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
pub(super) struct Whole<F> {
    /// The files being filled: one, unless files overlap in their folder.
    open: Vec<(usize, Vec<u8>)>,
    f: F,
}

impl<F: FnMut(&CabFile, &[u8]) -> Result<()>> Whole<F> {
    pub(super) fn new(f: F) -> Self {
        Whole {
            open: Vec::new(),
            f,
        }
    }

    pub(super) fn take(&mut self, chunk: FileChunk<'_>) -> Result<()> {
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
pub(super) fn check_compression(i: usize, compression: Compression) -> Result<()> {
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
        Compression::Quantum { window_bits, .. } => {
            if !(10..=21).contains(&window_bits) {
                return Err(Error::malformed(format!(
                    "folder {i} uses Quantum with a window of 2^{window_bits}, which is not one \
                     of 2^10 to 2^21"
                )));
            }
            Ok(())
        }
        Compression::Unknown { raw } => Err(Error::malformed(format!(
            "folder {i} has compression type {raw:#06x}, which is not none, MSZIP, Quantum or LZX"
        ))),
    }
}

/// Where the next `MSCF` starts in `bytes`.
pub(super) fn find_signature(bytes: &[u8]) -> Option<usize> {
    bytes.windows(4).position(|w| w == header::SIGNATURE)
}
