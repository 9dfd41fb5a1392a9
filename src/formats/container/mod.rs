//! The compound-file layer: which kind of installer file this is, and its storages and streams at
//! any depth, with decoded names. Built on `cfb`; nothing here knows about tables.

pub mod streamname;

use std::cell::RefCell;
use std::fs::File;
use std::io::{BufReader, Cursor, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use uuid::Uuid;

use crate::error::{Error, Missing, Place, Result};
pub use streamname::DecodedName;

/// Root CLSID of an installation database (.msi) and of a merge module (.msm).
pub const CLSID_DATABASE: Uuid = Uuid::from_u128(0x000C1084_0000_0000_C000_000000000046);
/// Root CLSID of a patch (.msp).
pub const CLSID_PATCH: Uuid = Uuid::from_u128(0x000C1086_0000_0000_C000_000000000046);
/// Root CLSID of a transform (.mst), and of every transform storage inside a patch.
pub const CLSID_TRANSFORM: Uuid = Uuid::from_u128(0x000C1082_0000_0000_C000_000000000046);

/// What the root CLSID says the file is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum PackageKind {
    /// An installation database: an .msi, or a merge module (.msm), which shares its CLSID.
    Database,
    Patch,
    Transform,
}

impl PackageKind {
    pub(crate) fn from_clsid(c: &Uuid) -> Option<Self> {
        match *c {
            CLSID_DATABASE => Some(PackageKind::Database),
            CLSID_PATCH => Some(PackageKind::Patch),
            CLSID_TRANSFORM => Some(PackageKind::Transform),
            _ => None,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            PackageKind::Database => "database",
            PackageKind::Patch => "patch",
            PackageKind::Transform => "transform",
        }
    }
}

/// The bytes under a container: a file on disk, or a buffer (standard input, a test), or one of
/// those read as if zeros followed its end (a file cut inside its last sectors).
pub enum Source {
    File(BufReader<File>),
    Memory(Cursor<Vec<u8>>),
    Padded(Box<Padded>),
}

/// A source whose length is stretched to what its FAT counts, so that a file with a short last
/// sector opens; reading any byte past the real end is an error naming the truncation.
pub struct Padded {
    inner: Source,
    real_len: u64,
    len: u64,
    pos: u64,
}

impl Read for Source {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        match self {
            Source::File(f) => f.read(buf),
            Source::Memory(m) => m.read(buf),
            Source::Padded(p) => {
                if p.pos >= p.len {
                    return Ok(0);
                }
                if p.pos >= p.real_len {
                    // Sectors the FAT counts but the file does not have: only their existence
                    // is tolerated; data that lives there is gone.
                    return Err(std::io::Error::new(
                        std::io::ErrorKind::UnexpectedEof,
                        format!(
                            "the file is truncated: it ends at byte {} and this data lies beyond it",
                            p.real_len
                        ),
                    ));
                }
                let want = buf.len().min((p.real_len - p.pos) as usize);
                p.inner.seek(SeekFrom::Start(p.pos))?;
                let n = p.inner.read(&mut buf[..want])?;
                p.pos += n as u64;
                Ok(n)
            }
        }
    }
}

impl Seek for Source {
    fn seek(&mut self, pos: SeekFrom) -> std::io::Result<u64> {
        match self {
            Source::File(f) => f.seek(pos),
            Source::Memory(m) => m.seek(pos),
            Source::Padded(p) => {
                let new = match pos {
                    SeekFrom::Start(n) => Some(n),
                    SeekFrom::End(d) => p.len.checked_add_signed(d),
                    SeekFrom::Current(d) => p.pos.checked_add_signed(d),
                };
                p.pos = new.ok_or_else(|| {
                    std::io::Error::new(std::io::ErrorKind::InvalidInput, "seek before start")
                })?;
                Ok(p.pos)
            }
        }
    }
}

/// One storage or stream below the root.
#[derive(Debug, Clone)]
pub struct Entry {
    /// The path inside the compound file, raw (packed) names joined with `/`.
    pub raw_path: String,
    /// The decoded name of each level, outermost first.
    pub names: Vec<DecodedName>,
    pub is_storage: bool,
    /// Stream length in bytes (0 for storages).
    pub len: u64,
    /// The CLSID of a storage (nil for streams).
    pub clsid: Uuid,
}

impl Entry {
    /// The decoded path as msikit shows it (`!File`, `[5]SummaryInformation`, `RTM.1/!File`).
    pub fn display_path(&self) -> String {
        self.names
            .iter()
            .map(streamname::display)
            .collect::<Vec<_>>()
            .join("/")
    }
    /// The decoded leaf name.
    pub fn leaf(&self) -> &DecodedName {
        // `names` is never empty for an entry below the root.
        &self.names[self.names.len() - 1]
    }
    /// The raw path of the storage holding this entry ("" for the root).
    pub fn parent_raw(&self) -> &str {
        match self.raw_path.rfind('/') {
            Some(i) => &self.raw_path[..i],
            None => "",
        }
    }
}

/// An opened Windows Installer file (MSI, MSM, MSP or MST).
///
/// ```
/// use msikit::{Container, PackageKind};
///
/// let c = Container::open(std::path::Path::new("testdata/exchange2007/rtm.msi"))?;
/// assert_eq!(c.kind(), PackageKind::Database);
/// assert!(c.entries().iter().any(|e| e.display_path() == "!File"));
///
/// // The same from bytes already in memory.
/// let bytes = std::fs::read("testdata/exchange2007/ur1.msp")?;
/// let p = Container::from_bytes("ur1.msp", bytes)?;
/// assert_eq!(p.kind(), PackageKind::Patch);
/// # Ok::<(), msikit::Error>(())
/// ```
pub struct Container {
    name: String,
    kind: PackageKind,
    cfb: RefCell<cfb::CompoundFile<Source>>,
    missing_bytes: u64,
}

fn raw_join(storage: &str, leaf: &str) -> PathBuf {
    let mut p = PathBuf::from("/");
    if !storage.is_empty() {
        for part in storage.split('/') {
            p.push(part);
        }
    }
    p.push(leaf);
    p
}

impl Container {
    /// Opens a file, or standard input when `path` is `-`.
    pub fn open(path: &Path) -> Result<Container> {
        let name = path.display().to_string();
        let source = if name == "-" {
            let mut buf = Vec::new();
            std::io::stdin()
                .read_to_end(&mut buf)
                .map_err(|e| Error::io(e).in_file("<stdin>"))?;
            Source::Memory(Cursor::new(buf))
        } else {
            let f = File::open(path).map_err(|e| Error::io(e).in_file(&name))?;
            if f.metadata().map(|m| m.is_dir()).unwrap_or(false) {
                return Err(Error::refused("is a folder, not a file").in_file(&name));
            }
            Source::File(BufReader::new(f))
        };
        Self::from_source(if name == "-" { "<stdin>".into() } else { name }, source)
    }

    /// Opens an in-memory file; `name` is used in messages.
    pub fn from_bytes(name: &str, bytes: Vec<u8>) -> Result<Container> {
        Self::from_source(name.to_string(), Source::Memory(Cursor::new(bytes)))
    }

    fn from_source(name: String, mut source: Source) -> Result<Container> {
        let mut magic = [0u8; 8];
        let n = read_up_to(&mut source, &mut magic).map_err(|e| Error::io(e).in_file(&name))?;
        if n < 8 || magic != [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1] {
            let what = sniff_kind(&magic[..n]);
            return Err(Error::not_installer(format!(
                "not a Windows Installer file (no compound-file signature; looks like {what})"
            ))
            .in_file(&name));
        }
        let real_len = source
            .seek(SeekFrom::End(0))
            .map_err(|e| Error::io(e).in_file(&name))?;
        source
            .seek(SeekFrom::Start(0))
            .map_err(|e| Error::io(e).in_file(&name))?;
        let damaged = |e: std::io::Error| {
            Error::malformed(format!("compound file is damaged: {e}")).in_file(&name)
        };
        let mut missing_bytes = 0;
        let cfb = match cfb::CompoundFile::open(source) {
            Ok(c) => c,
            Err(e) => {
                // A file whose FAT counts sectors past its end (a short last sector, or unused
                // sectors cut off) is read by Windows and libmsi as long as no data is needed from
                // the missing part; so is it here. Any other damage is an error.
                let Some(fat_entries) = fat_entries_past_end(&e.to_string()) else {
                    return Err(damaged(e));
                };
                let sector = sector_len(&name)?;
                let len = (fat_entries + 1).saturating_mul(sector).max(real_len);
                missing_bytes = len - real_len;
                let inner = match Container::reopen(&name)? {
                    Some(s) => s,
                    None => return Err(damaged(e)),
                };
                let padded = Source::Padded(Box::new(Padded {
                    inner,
                    real_len,
                    len,
                    pos: 0,
                }));
                cfb::CompoundFile::open(padded).map_err(damaged)?
            }
        };
        let clsid = *cfb.root_entry().clsid();
        let kind = PackageKind::from_clsid(&clsid).ok_or_else(|| {
            Error::not_installer(format!(
                "a compound file, but not a Windows Installer file (root CLSID {{{}}})",
                clsid.hyphenated().to_string().to_uppercase()
            ))
            .in_file(&name)
        })?;
        Ok(Container {
            name,
            kind,
            cfb: RefCell::new(cfb),
            missing_bytes,
        })
    }

    /// Opens the file again for a second attempt (files only; standard input cannot be re-read,
    /// and memory sources are re-created by the caller).
    fn reopen(name: &str) -> Result<Option<Source>> {
        if name == "<stdin>" || !Path::new(name).is_file() {
            return Ok(None);
        }
        let f = File::open(name).map_err(|e| Error::io(e).in_file(name))?;
        Ok(Some(Source::File(BufReader::new(f))))
    }

    /// Bytes the FAT counts past the end of the file (0 for a whole file).
    pub fn missing_bytes(&self) -> u64 {
        self.missing_bytes
    }

    /// The name used in messages (the path as given).
    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn kind(&self) -> PackageKind {
        self.kind
    }

    /// Every storage and stream below the root, in pre-order, storages before their contents.
    pub fn entries(&self) -> Vec<Entry> {
        let cfb = self.cfb.borrow();
        let mut out = Vec::new();
        for e in cfb.walk() {
            if e.is_root() {
                continue;
            }
            let raw: Vec<String> = e
                .path()
                .iter()
                .skip(1)
                .map(|c| c.to_string_lossy().into_owned())
                .collect();
            if raw.is_empty() {
                continue;
            }
            out.push(Entry {
                names: raw.iter().map(|r| streamname::decode(r)).collect(),
                raw_path: raw.join("/"),
                is_storage: e.is_storage(),
                len: if e.is_stream() { e.len() } else { 0 },
                clsid: *e.clsid(),
            });
        }
        out
    }

    /// The sub-storages directly under the root (in a patch: its transforms), raw names.
    pub fn storages(&self) -> Vec<Entry> {
        self.entries()
            .into_iter()
            .filter(|e| e.is_storage && e.names.len() == 1)
            .collect()
    }

    /// Whether `leaf` (a raw, already packed name) exists as a stream in `storage` ("" = root).
    pub(crate) fn has_raw_stream(&self, storage: &str, leaf: &str) -> bool {
        self.cfb.borrow().is_stream(raw_join(storage, leaf))
    }

    /// The length of a stream, if it exists.
    pub(crate) fn raw_stream_len(&self, storage: &str, leaf: &str) -> Option<u64> {
        let cfb = self.cfb.borrow();
        let p = raw_join(storage, leaf);
        if cfb.is_stream(&p) {
            cfb.entry(&p).ok().map(|e| e.len())
        } else {
            None
        }
    }

    /// Reads a whole stream by its raw name inside `storage` ("" = root).
    pub fn read_raw_stream(&self, storage: &str, leaf: &str) -> Result<Vec<u8>> {
        let p = raw_join(storage, leaf);
        let shown = || {
            let d = streamname::decode(leaf);
            let s = streamname::display(&d);
            if storage.is_empty() {
                s
            } else {
                format!("{}/{s}", streamname::decode(storage).name)
            }
        };
        let mut cfb = self.cfb.borrow_mut();
        let mut stream = cfb.open_stream(&p).map_err(|e| {
            let err = if e.kind() == std::io::ErrorKind::NotFound {
                Error::not_found(Missing::Stream, shown(), "no such stream")
            } else {
                Error::malformed(format!("cannot open: {e}"))
            };
            err.at(Place::Stream(shown())).in_file(&self.name)
        })?;
        let mut buf = Vec::new();
        stream.read_to_end(&mut buf).map_err(|e| {
            Error::malformed(format!("cannot read: {e}"))
                .at(Place::Stream(shown()))
                .in_file(&self.name)
        })?;
        Ok(buf)
    }

    /// Copies a stream into `out` without holding it in memory; returns its length.
    pub(crate) fn copy_raw_stream(
        &self,
        storage: &str,
        leaf: &str,
        out: &mut impl std::io::Write,
    ) -> Result<u64> {
        let p = raw_join(storage, leaf);
        let shown = || streamname::display(&streamname::decode(leaf));
        let mut cfb = self.cfb.borrow_mut();
        let mut stream = cfb.open_stream(&p).map_err(|e| {
            Error::malformed(format!("cannot open: {e}"))
                .at(Place::Stream(shown()))
                .in_file(&self.name)
        })?;
        std::io::copy(&mut stream, out).map_err(|e| {
            Error::malformed(format!("cannot read: {e}"))
                .at(Place::Stream(shown()))
                .in_file(&self.name)
        })
    }

    /// Reads a stream by its decoded name (`storage` raw, "" = root).
    pub fn read_stream(&self, storage: &str, name: &DecodedName) -> Result<Vec<u8>> {
        self.read_raw_stream(storage, &streamname::encode(&name.name, name.is_table))
    }

    /// Reads the stream of table `table` in `storage`, or `None` when the table has no stream
    /// (an empty table has none).
    pub(crate) fn read_table_stream(&self, storage: &str, table: &str) -> Result<Option<Vec<u8>>> {
        let leaf = streamname::encode(table, true);
        if !self.has_raw_stream(storage, &leaf) {
            return Ok(None);
        }
        self.read_raw_stream(storage, &leaf).map(Some)
    }

    /// The directory tree with the raw fields the Authenticode hash of a compound file reads:
    /// UTF-16 names, CLSIDs as stored, state bits, FILETIMEs, stream lengths. The root is the
    /// returned node. A tree deeper than 64 storages is refused (no installer file nests that
    /// deep; the limit keeps recursion bounded).
    pub fn directory_tree(&self) -> Result<DirNode> {
        let cfb = self.cfb.borrow();
        let root = cfb.root_entry();
        let mut node = DirNode::from_entry(&root, String::new());
        self.fill_children(&cfb, &mut node, PathBuf::from("/"), 0)?;
        Ok(node)
    }

    fn fill_children(
        &self,
        cfb: &cfb::CompoundFile<Source>,
        node: &mut DirNode,
        path: PathBuf,
        depth: usize,
    ) -> Result<()> {
        if depth > 64 {
            return Err(
                Error::malformed("compound file: storages nest deeper than 64 levels")
                    .in_file(&self.name),
            );
        }
        let entries = cfb.read_storage(&path).map_err(|e| {
            Error::malformed(format!("compound file is damaged: {e}")).in_file(&self.name)
        })?;
        for e in entries {
            let raw = if node.raw_path.is_empty() {
                e.name().to_string()
            } else {
                format!("{}/{}", node.raw_path, e.name())
            };
            let mut child = DirNode::from_entry(&e, raw);
            if child.is_storage {
                self.fill_children(cfb, &mut child, e.path().to_path_buf(), depth + 1)?;
            }
            node.children.push(child);
        }
        Ok(())
    }

    /// Copies the stream at `raw_path` (raw names joined with `/`) into `out`.
    pub fn copy_stream_at(&self, raw_path: &str, out: &mut dyn std::io::Write) -> Result<u64> {
        let (storage, leaf) = match raw_path.rfind('/') {
            Some(i) => (&raw_path[..i], &raw_path[i + 1..]),
            None => ("", raw_path),
        };
        let mut w = out;
        self.copy_raw_stream(storage, leaf, &mut w)
    }

    /// Finds an entry by the name a person typed (display form, decoded, or a path with `/`).
    pub fn find(&self, typed: &str) -> Option<Entry> {
        let entries = self.entries();
        let wanted: Vec<DecodedName> = typed.split('/').map(streamname::parse_display).collect();
        // Exact decoded match first; then the same name without the table marker, so that `File`
        // finds the table stream `!File` when no plain stream `File` exists.
        if let Some(e) = entries.iter().find(|e| e.names == wanted) {
            return Some(e.clone());
        }
        entries
            .iter()
            .find(|e| {
                e.names.len() == wanted.len()
                    && e.names.iter().zip(&wanted).all(|(a, b)| a.name == b.name)
            })
            .cloned()
    }
}

/// One directory entry with its raw fields (see [`Container::directory_tree`]).
#[derive(Debug, Clone)]
pub struct DirNode {
    /// The name as stored: UTF-16 code units, without the terminating zero.
    pub name: Vec<u16>,
    /// Raw names joined with `/` ("" for the root).
    pub raw_path: String,
    pub is_storage: bool,
    /// Stream length (0 for a storage).
    pub len: u64,
    /// The CLSID as its 16 stored bytes.
    pub clsid: [u8; 16],
    pub state_bits: u32,
    /// Creation and modification times as stored (FILETIME, 100 ns since 1601).
    pub created: u64,
    pub modified: u64,
    /// A storage's entries, in the order the compound file lists them.
    pub children: Vec<DirNode>,
}

impl DirNode {
    fn from_entry(e: &cfb::Entry, raw_path: String) -> DirNode {
        DirNode {
            name: e.name().encode_utf16().collect(),
            raw_path,
            is_storage: e.is_storage(),
            len: if e.is_stream() { e.len() } else { 0 },
            clsid: e.clsid().to_bytes_le(),
            state_bits: e.state_bits(),
            created: filetime(e.created()),
            modified: filetime(e.modified()),
            children: Vec::new(),
        }
    }
}

/// A time back to the FILETIME cfb read it from (100 ns units since 1601-01-01).
fn filetime(t: std::time::SystemTime) -> u64 {
    const UNIX_AT: u64 = 116_444_736_000_000_000;
    let ticks = |d: std::time::Duration| {
        d.as_secs()
            .saturating_mul(10_000_000)
            .saturating_add(u64::from(d.subsec_nanos() / 100))
    };
    match t.duration_since(std::time::UNIX_EPOCH) {
        Ok(d) => UNIX_AT.saturating_add(ticks(d)),
        Err(e) => UNIX_AT.saturating_sub(ticks(e.duration())),
    }
}

/// A storage or stream of a compound file to build.
pub enum NewEntry<'a> {
    /// A storage at `path` (raw names joined with `/`) with its CLSID.
    Storage { path: String, clsid: Uuid },
    /// A stream at `path` (raw names joined with `/`); its storage must come earlier.
    Stream { path: String, data: &'a [u8] },
}

/// Builds a compound file: version 3 (512-byte sectors, as Windows writes installer files), the
/// root CLSID given, every timestamp zero so the same entries always give the same bytes. Names
/// are checked against the 31-unit limit before cfb sees them (cfb writes longer names that it
/// cannot read back).
pub fn build_compound_file(root_clsid: Uuid, entries: &[NewEntry<'_>]) -> Result<Vec<u8>> {
    use std::io::Write;
    let io = |e: std::io::Error| Error::io(e);
    let mut cf = cfb::CompoundFile::create_with_version(cfb::Version::V3, Cursor::new(Vec::new()))
        .map_err(io)?;
    cf.set_storage_clsid("/", root_clsid).map_err(io)?;
    let to_path = |raw: &str| -> Result<PathBuf> {
        let mut p = PathBuf::from("/");
        for part in raw.split('/') {
            let units = part.encode_utf16().count();
            if units == 0 || units > 31 || part.contains(['\\', ':', '!']) {
                return Err(Error::unsupported(format!(
                    "'{}' cannot be a compound-file name (1 to 31 UTF-16 units, no \\ : !)",
                    streamname::display(&streamname::decode(part))
                )));
            }
            p.push(part);
        }
        Ok(p)
    };
    for e in entries {
        match e {
            NewEntry::Storage { path, clsid } => {
                let p = to_path(path)?;
                cf.create_storage(&p).map_err(io)?;
                cf.set_storage_clsid(&p, *clsid).map_err(io)?;
                // cfb dates a new storage with the clock; FILETIME 0 keeps the bytes fixed.
                cf.set_created_time(&p, filetime_zero()).map_err(io)?;
                cf.set_modified_time(&p, filetime_zero()).map_err(io)?;
            }
            NewEntry::Stream { path, data } => {
                let p = to_path(path)?;
                let mut s = cf.create_new_stream(&p).map_err(io)?;
                s.write_all(data).map_err(io)?;
            }
        }
    }
    cf.flush().map_err(io)?;
    Ok(cf.into_inner().into_inner())
}

/// The instant of FILETIME 0 (1601-01-01), which cfb stores as zero.
fn filetime_zero() -> std::time::SystemTime {
    std::time::UNIX_EPOCH
        .checked_sub(std::time::Duration::from_secs(11_644_473_600))
        .unwrap_or(std::time::UNIX_EPOCH)
}

/// From cfb's "FAT has N entries, but file has only M sectors", N.
fn fat_entries_past_end(msg: &str) -> Option<u64> {
    let rest = msg.split("FAT has ").nth(1)?;
    if !rest.contains("but file has only") {
        return None;
    }
    rest.split(' ').next()?.parse().ok()
}

/// The sector length from the compound-file header (byte 30: log2 of the sector size).
fn sector_len(name: &str) -> Result<u64> {
    let mut head = [0u8; 32];
    let mut f = File::open(name).map_err(|e| Error::io(e).in_file(name))?;
    read_up_to(&mut f, &mut head).map_err(|e| Error::io(e).in_file(name))?;
    match head[30] {
        9 => Ok(512),
        12 => Ok(4096),
        s => Err(Error::malformed(format!(
            "compound file header: sector shift {s} is not 9 or 12"
        ))
        .in_file(name)),
    }
}

fn read_up_to(r: &mut impl Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..])? {
            0 => break,
            k => n += k,
        }
    }
    Ok(n)
}

/// A short guess at what a non-CFB file is, for the error message.
fn sniff_kind(head: &[u8]) -> &'static str {
    if head.is_empty() {
        "an empty file"
    } else if head.starts_with(b"MSCF") {
        "a cabinet"
    } else if head.starts_with(b"MZ") {
        "a PE executable"
    } else if head.starts_with(b"PK") {
        "a zip archive"
    } else if head.starts_with(&[0xD0, 0xCF]) {
        "a truncated compound file"
    } else {
        "something else"
    }
}
