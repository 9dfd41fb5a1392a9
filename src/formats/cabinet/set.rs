//! Cabinet sets: volumes read together, each folder decoded once across them.
//!
//! In a set ([MS-CAB] 2.1, 2.3), a volume whose header has cfhdrNEXT_CABINET names the next one,
//! and the last folder of a volume may go on as the first folder of the next: the folder's data
//! blocks continue there, and a block cut at the end of a volume has cbUncomp 0 in its first
//! part, its data going on in the first block of the next volume. A file whose bytes reach into
//! the next volume is listed in every volume it touches: with ifoldCONTINUED_TO_NEXT (0xFFFE) in
//! the volume it starts in, with ifoldCONTINUED_PREV_AND_NEXT (0xFFFF) in the middle ones and
//! ifoldCONTINUED_FROM_PREV (0xFFFD) in the one it ends in; its offset is counted from the start
//! of the whole folder. Here each such file is taken once, from the volume it starts in.

use std::path::{Path, PathBuf};

use super::{
    check_compression, data, decode_units, files_by_folder, missing_folder, stream_members,
    BlockSource, CabFile, Cabinet, Compression, FileChunk, FolderUnit, Piece, BLOCK_MAX,
};
use crate::error::{Error, Missing, Result};

/// Most volumes followed from the first by their headers' next-cabinet names.
const MAX_VOLUMES: usize = 1 << 16;

/// One folder of the set: its parts, in volume order, as (volume, folder index in the volume).
#[derive(Debug, Clone)]
struct SetFolder {
    compression: Compression,
    parts: Vec<(usize, usize)>,
}

/// The volumes of a cabinet set, read together.
pub struct CabinetSet {
    /// Each volume with the name it is known by (the path it was opened from).
    volumes: Vec<(String, Cabinet)>,
    folders: Vec<SetFolder>,
    files: Vec<CabFile>,
}

impl std::fmt::Debug for CabinetSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CabinetSet")
            .field("volumes", &self.volumes.len())
            .field("folders", &self.folders.len())
            .field("files", &self.files.len())
            .finish()
    }
}

/// The file name part of a path, for messages.
fn file_name(p: &Path) -> String {
    p.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| p.display().to_string())
}

/// The file in `dir` whose name is `name`, compared without regard to ASCII case.
fn find_beside(dir: &Path, name: &str) -> Option<PathBuf> {
    // The header names a file; a path in it is not followed out of the folder.
    let name = name.rsplit(['\\', '/']).next().unwrap_or(name);
    if name.is_empty() {
        return None;
    }
    let exact = dir.join(name);
    if exact.is_file() {
        return Some(exact);
    }
    let entries = std::fs::read_dir(dir).ok()?;
    entries
        .filter_map(|e| e.ok())
        .find(|e| {
            e.file_name()
                .to_str()
                .is_some_and(|n| n.eq_ignore_ascii_case(name))
                && e.path().is_file()
        })
        .map(|e| e.path())
}

impl CabinetSet {
    /// Opens a set from its first volume. The next volumes are `more`, in order, when given;
    /// else they are found in the folder of `first` by the names their predecessors' headers
    /// give (the file name compared without regard to case); when the second is not there, the
    /// first is read alone. Every volume must have the set ID of the first and the next index;
    /// past the first, a volume the last one names as its next and that is not there (or not
    /// given) is an error.
    ///
    /// A set of one volume is a plain cabinet: it reads as [`Cabinet`] does, and refuses files
    /// continued from or to another volume the same way.
    pub fn open(first: &Path, more: &[PathBuf]) -> Result<CabinetSet> {
        let first_name = first.display().to_string();
        let cab = Cabinet::open(first).map_err(|e| e.in_file(&first_name))?;
        let mut volumes = vec![(first_name, cab)];
        if more.is_empty() {
            let dir = match first.parent() {
                Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
                _ => PathBuf::from("."),
            };
            while let Some(link) = volumes.last().and_then(|(_, c)| c.next_cabinet().cloned()) {
                let prev_name = volumes.last().map(|(n, _)| n.as_str()).unwrap_or_default();
                let Some(path) = find_beside(&dir, &link.name) else {
                    if volumes.len() == 1 {
                        // A volume read alone: it reads as one cabinet, and refuses a file
                        // continued in a volume that is not there.
                        break;
                    }
                    return Err(Error::not_found(
                        Missing::Cabinet,
                        &link.name,
                        format!(
                        "volume '{}' is missing: '{}' names it as the next cabinet of its set, \
                         but there is no such file in '{}'",
                        link.name,
                        file_name(Path::new(prev_name)),
                        dir.display()
                    ),
                    ));
                };
                if volumes.len() >= MAX_VOLUMES {
                    return Err(Error::limit(format!(
                        "the set goes on past {MAX_VOLUMES} volumes"
                    )));
                }
                let name = path.display().to_string();
                let cab = Cabinet::open(&path).map_err(|e| e.in_file(&name))?;
                Self::check_next(&volumes, &name, &cab)?;
                volumes.push((name, cab));
            }
        } else {
            for path in more {
                let name = path.display().to_string();
                let cab = Cabinet::open(path).map_err(|e| e.in_file(&name))?;
                Self::check_next(&volumes, &name, &cab)?;
                volumes.push((name, cab));
            }
            if let Some((last_name, link)) = volumes
                .last()
                .and_then(|(n, c)| c.next_cabinet().map(|l| (n, l)))
            {
                return Err(Error::not_found(
                    Missing::Cabinet,
                    &link.name,
                    format!(
                    "volume '{}' is missing: '{}' names it as the next cabinet of its set, but \
                     it is not given",
                    link.name,
                    file_name(Path::new(last_name))
                ),
                ));
            }
        }
        let (folders, files) = if volumes.len() == 1 {
            (Vec::new(), Vec::new())
        } else {
            Self::merge(&volumes)?
        };
        Ok(CabinetSet {
            volumes,
            folders,
            files,
        })
    }

    /// Checks that `cab` (named `name`) may follow the last of `volumes`.
    fn check_next(volumes: &[(String, Cabinet)], name: &str, cab: &Cabinet) -> Result<()> {
        let Some((_, first)) = volumes.first() else {
            return Err(Error::malformed("a cabinet set with no volume"));
        };
        let Some((prev_name, prev)) = volumes.last() else {
            return Err(Error::malformed("a cabinet set with no volume"));
        };
        let shown = file_name(Path::new(name));
        if prev.next_cabinet().is_none() {
            return Err(Error::refused(format!(
                "volume '{shown}' is given after '{}', whose header names no next cabinet",
                file_name(Path::new(prev_name))
            )));
        }
        if cab.set_id() != first.set_id() {
            return Err(Error::malformed(format!(
                "volume '{shown}' has set id {}, not {}",
                cab.set_id(),
                first.set_id()
            )));
        }
        let want = u32::from(prev.index()) + 1;
        if u32::from(cab.index()) != want {
            return Err(Error::malformed(format!(
                "volume '{shown}' is number {} of its set, not {want} (after '{}')",
                cab.index(),
                file_name(Path::new(prev_name))
            )));
        }
        Ok(())
    }

    /// Joins the folders continued across volumes and takes each file once.
    fn merge(volumes: &[(String, Cabinet)]) -> Result<(Vec<SetFolder>, Vec<CabFile>)> {
        let mut folders: Vec<SetFolder> = Vec::new();
        let mut files: Vec<CabFile> = Vec::new();
        let mut prev_continues = false;
        for (v, (name, cab)) in volumes.iter().enumerate() {
            let shown = file_name(Path::new(name));
            let continues_from_prev = cab.files().iter().any(CabFile::continues_from_prev);
            let continues_to_next = cab.files().iter().any(CabFile::continues_to_next);
            if v == 0 && continues_from_prev {
                let file = cab
                    .files()
                    .iter()
                    .find(|f| f.continues_from_prev())
                    .map(|f| f.name.as_str())
                    .unwrap_or("?");
                return Err(Error::unsupported(format!(
                    "file '{file}' continues from the previous cabinet{}, which is not given \
                     ('{shown}' is not the first volume of its set)",
                    cab.prev_cabinet()
                        .map(|p| format!(" '{}'", p.name))
                        .unwrap_or_default()
                )));
            }
            let joined = v > 0 && (prev_continues || continues_from_prev);
            let mut map = Vec::with_capacity(cab.folders().len());
            for (i, folder) in cab.folders().iter().enumerate() {
                if i == 0 && joined {
                    let Some(last) = folders.last_mut() else {
                        return Err(Error::malformed(format!(
                            "volume '{shown}' continues a folder from the previous volume, \
                             which has none"
                        )));
                    };
                    if last.compression != folder.compression {
                        return Err(Error::malformed(format!(
                            "volume '{shown}' continues a folder compressed with {}, but its \
                             first folder says {}",
                            last.compression, folder.compression
                        )));
                    }
                    last.parts.push((v, i));
                } else {
                    folders.push(SetFolder {
                        compression: folder.compression,
                        parts: vec![(v, i)],
                    });
                }
                map.push(folders.len() - 1);
            }
            for file in cab.files() {
                if file.continues_from_prev() {
                    // Listed already, in the volume it starts in.
                    continue;
                }
                let local = if file.continues_to_next() {
                    cab.folders().len().checked_sub(1)
                } else {
                    Some(usize::from(file.folder))
                };
                let Some(&logical) = local.and_then(|l| map.get(l)) else {
                    return Err(Error::malformed(format!(
                        "file '{}' of volume '{shown}' is in folder {}, which does not exist",
                        file.name, file.folder
                    )));
                };
                let mut f = file.clone();
                f.folder = u16::try_from(logical).map_err(|_| {
                    Error::limit(format!("the set has more than {} folders", u16::MAX))
                })?;
                f.index = files.len();
                files.push(f);
            }
            prev_continues = continues_to_next;
        }
        // Checks before any decoding, as for one cabinet.
        let mut used = vec![false; folders.len()];
        for file in &files {
            let i = usize::from(file.folder);
            used[i] = true;
            let blocks: u64 = folders[i]
                .parts
                .iter()
                .map(|&(v, f)| u64::from(volumes[v].1.folders()[f].data_blocks))
                .sum();
            let end = u64::from(file.offset) + u64::from(file.size);
            let room = blocks * BLOCK_MAX as u64;
            if end > room {
                return Err(Error::malformed(format!(
                    "file '{}' spans bytes {} to {end} of folder {i} of the set, but the folder's \
                     {blocks} data blocks hold at most {room} bytes",
                    file.name, file.offset
                )));
            }
        }
        for (i, folder) in folders.iter().enumerate() {
            if used[i] {
                check_compression(i, folder.compression)?;
            }
        }
        Ok((folders, files))
    }

    /// The cabinets of a file, as `cab list|extract` read it, cabextract's way: the cabinet at
    /// its start (with its next volumes, as [`open`](Self::open) finds or is given them), then
    /// every other cabinet found further in (two cabinets one after the other), each read
    /// alone; or, when the file does not start with a cabinet that reads (a self-extracting
    /// setup program, a cabinet with a prefix, a signed `.msu`), every cabinet found inside it
    /// ([`Cabinet::search_file`]). Each set says where it starts ([`offset`](Self::offset)).
    /// An error when there is none, naming the file and what was wrong with the first
    /// plausible header.
    pub fn open_all(first: &Path, more: &[PathBuf]) -> Result<Vec<CabinetSet>> {
        let name = first.display().to_string();
        let mut head = [0u8; 4];
        let at_start = {
            use std::io::Read;
            let mut f = std::fs::File::open(first).map_err(|e| Error::io(e).in_file(&name))?;
            f.read(&mut head).map_err(|e| Error::io(e).in_file(&name))? == 4
                && &head == super::header::SIGNATURE
        };
        let alone = |cab: Cabinet| CabinetSet {
            volumes: vec![(name.clone(), cab)],
            folders: Vec::new(),
            files: Vec::new(),
        };
        if at_start || !more.is_empty() {
            match Self::open(first, more) {
                Ok(set) => {
                    let end = u64::from(set.volumes[0].1.declared_size()).max(4);
                    let mut sets = vec![set];
                    if more.is_empty() {
                        let (found, _) = Cabinet::search_file(first, end)?;
                        sets.extend(found.into_iter().map(alone));
                    }
                    return Ok(sets);
                }
                Err(e) if more.is_empty() => {
                    let (found, _) = Cabinet::search_file(first, 4)?;
                    if found.is_empty() {
                        return Err(e);
                    }
                    return Ok(found.into_iter().map(alone).collect());
                }
                Err(e) => return Err(e),
            }
        }
        let (found, failure) = Cabinet::search_file(first, 0)?;
        if found.is_empty() {
            return Err(match failure {
                Some((at, e)) => Error::malformed(format!(
                    "no cabinet in it: the cabinet header at offset {at} does not read: {e}"
                )),
                None => Error::signature(
                    "not a cabinet, and no cabinet inside it (no 'MSCF' header that holds)",
                ),
            }
            .in_file(&name));
        }
        Ok(found.into_iter().map(alone).collect())
    }

    /// Where the first volume starts in its file: 0, or where a search found it.
    pub fn offset(&self) -> u64 {
        self.volumes.first().map_or(0, |(_, c)| c.offset())
    }

    /// The volumes, in order, each with the name it was opened by.
    pub fn volumes(&self) -> impl Iterator<Item = (&str, &Cabinet)> {
        self.volumes.iter().map(|(n, c)| (n.as_str(), c))
    }

    /// The files of the set, each once, in volume then CFFILE order. In a set of more than one
    /// volume, `folder` is the folder's number in the set (folders continued across volumes
    /// count once) and `index` the position in this list; a set of one volume gives the
    /// cabinet's own entries.
    pub fn files(&self) -> &[CabFile] {
        if self.volumes.len() == 1 {
            self.volumes[0].1.files()
        } else {
            &self.files
        }
    }

    /// The compression of folder `i` of the set (numbered as in [`files`](Self::files)).
    pub fn folder_compression(&self, i: usize) -> Option<Compression> {
        if self.volumes.len() == 1 {
            self.volumes[0].1.folders().get(i).map(|f| f.compression)
        } else {
            self.folders.get(i).map(|f| f.compression)
        }
    }

    /// Decodes every folder of the set once, across volumes, calling `f` with each file and all
    /// its bytes; see [`Cabinet::for_each_file`].
    pub fn for_each_file(&self, f: impl FnMut(&CabFile, &[u8]) -> Result<()>) -> Result<()> {
        if self.volumes.len() == 1 {
            return self.volumes[0].1.for_each_file(f);
        }
        let mut whole = super::Whole::new(f);
        self.for_each_file_chunked(|c| whole.take(c))
    }

    /// Decodes every folder of the set once, across volumes, giving each file's bytes in pieces;
    /// see [`Cabinet::for_each_file_chunked`].
    pub fn for_each_file_chunked(
        &self,
        mut f: impl FnMut(FileChunk<'_>) -> Result<()>,
    ) -> Result<()> {
        if self.volumes.len() == 1 {
            return self.volumes[0].1.for_each_file_chunked(f);
        }
        let units = self.folder_units()?;
        decode_units(&units, |u, sink| self.stream_folder(u, sink), &mut f)
    }

    /// The work of extracting every file of the set, by folder (a folder continued across
    /// volumes is one unit); see [`Cabinet::folder_units`].
    pub(crate) fn folder_units(&self) -> Result<Vec<FolderUnit<'_>>> {
        if self.volumes.len() == 1 {
            return self.volumes[0].1.folder_units();
        }
        Ok(files_by_folder(&self.files, self.folders.len())
            .into_iter()
            .enumerate()
            .filter(|(_, members)| !members.is_empty())
            .map(|(i, files)| FolderUnit {
                folder: i,
                files,
                blocks: self.folders[i]
                    .parts
                    .iter()
                    .map(|&(v, fi)| {
                        self.volumes[v]
                            .1
                            .folders
                            .get(fi)
                            .map_or(0, |f| u64::from(f.data_blocks))
                    })
                    .sum(),
            })
            .collect())
    }

    /// Decodes the folder of `unit` (one of [`folder_units`](Self::folder_units)) across its
    /// volumes; see [`Cabinet::for_each_file_in`].
    pub(crate) fn for_each_file_in<'m>(
        &'m self,
        unit: &FolderUnit<'m>,
        mut f: impl FnMut(FileChunk<'_>) -> Result<()>,
    ) -> Result<()> {
        if self.volumes.len() == 1 {
            return self.volumes[0].1.for_each_file_in(unit, f);
        }
        decode_units(
            std::slice::from_ref(unit),
            |u, sink| self.stream_folder(u, sink),
            &mut f,
        )
    }

    /// Decodes the folder of `unit`, across its volumes, up to the end of its last file.
    fn stream_folder<'m>(
        &'m self,
        unit: &FolderUnit<'m>,
        f: &mut dyn FnMut(Piece<'m, '_>) -> Result<()>,
    ) -> Result<()> {
        let i = unit.folder;
        let Some(folder) = self.folders.get(i) else {
            return Err(missing_folder(i, self.folders.len()));
        };
        let last = folder.parts.len().saturating_sub(1);
        let parts = folder
            .parts
            .iter()
            .enumerate()
            .map(|(k, &(v, fi))| {
                let (name, cab) = &self.volumes[v];
                let b = data::Blocks::new(&cab.source, fi, &cab.folders[fi], cab.data_reserve_len);
                (name.as_str(), if k < last { b.allow_split() } else { b })
            })
            .collect();
        let mut blocks = SetBlocks {
            parts,
            at: 0,
            join: Vec::new(),
            read: 0,
        };
        stream_members(i, folder.compression, &mut blocks, &unit.files, f)
    }
}

/// The data blocks of a folder continued across volumes, a split block joined into one.
struct SetBlocks<'a> {
    parts: Vec<(&'a str, data::Blocks<'a>)>,
    at: usize,
    join: Vec<u8>,
    read: usize,
}

impl BlockSource for SetBlocks<'_> {
    fn next_block(&mut self) -> Result<Option<data::Block<'_>>> {
        self.join.clear();
        let mut split = false;
        loop {
            let Some((name, blocks)) = self.parts.get_mut(self.at) else {
                if split {
                    return Err(Error::malformed(
                        "the last data block of the set is split (its uncompressed size is 0), \
                         but no volume follows with the rest of it",
                    ));
                }
                return Ok(None);
            };
            let name = *name;
            let Some((number, offset, uncompressed)) =
                blocks.advance().map_err(|e| e.in_file(name))?
            else {
                self.at += 1;
                continue;
            };
            if uncompressed == 0 {
                if !blocks.is_done() {
                    return Err(Error::malformed(format!(
                        "data block {number} at offset {offset} has an uncompressed size of 0, \
                         which only the last block of a volume may have"
                    ))
                    .in_file(name));
                }
                self.join.extend_from_slice(blocks.data());
                split = true;
                // The rest is the first block of the next part.
                self.at += 1;
                continue;
            }
            self.read += 1;
            if split {
                self.join.extend_from_slice(blocks.data());
                return Ok(Some(data::Block {
                    number,
                    offset,
                    uncompressed,
                    data: &self.join,
                }));
            }
            let data = self.parts[self.at].1.data();
            return Ok(Some(data::Block {
                number,
                offset,
                uncompressed,
                data,
            }));
        }
    }

    fn read_count(&self) -> usize {
        self.read
    }
}
