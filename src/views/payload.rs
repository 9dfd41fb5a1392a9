//! The files a package installs: where each goes (Directory resolution), which cabinet or source
//! file holds it, and extraction into a folder.
//!
//! A file belongs to the Media row with the smallest LastSequence at or above its Sequence. A
//! Cabinet of `#name` is a stream of the package; any other name is a file beside the package
//! (matched case-insensitively); a Media row without a cabinet means the file is uncompressed at
//! its source path beside the package (the source half of DefaultDir). Cabinet entries are File
//! keys. Each cabinet folder is decompressed once (on a thread of its own while its files are
//! written), and the folders of all cabinets, being independent streams, on all cores at once
//! (the biggest first); bad data in one folder stops that folder only. An embedded cabinet is
//! read straight from its stream in the package.
//!
//! Layout of `extract`: the install path without its drive (`Program Files (x86)/Acme/x.dll`),
//! with the standard folders as a 64-bit Windows names them. msiextract names ProgramFilesFolder
//! `Program Files` and otherwise uses the DefaultDir names; the `anchor` and `subpath` of each
//! file (the standard folder or root it hangs from, and the path below it) make the two
//! comparable.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::database::DatabaseModel;
use crate::error::{Error, Place, Result};
use crate::formats::cabinet::{
    output_path, slash_separates, CabFile, Cabinet, CabinetSet, FileChunk, FolderUnit,
};
use crate::formats::container::Container;
use crate::formats::files::safe_file_name;
use crate::formats::tables::Value;
use crate::views::paths::{long_name, Resolver};

/// One file of a package.
#[derive(Debug, Clone, Serialize)]
pub struct PackageFile {
    pub file: String,
    pub component: String,
    /// The long file name.
    pub name: String,
    /// The Windows path it installs to.
    pub path: String,
    /// The directory its path hangs from (TARGETDIR, ProgramFilesFolder, ...) and the folder
    /// path below that, `/`-separated.
    pub anchor: String,
    pub subpath: String,
    pub size: i32,
    pub version: Option<String>,
    pub language: Option<String>,
    pub sequence: i32,
    pub disk_id: Option<i32>,
    /// `#stream` for an embedded cabinet, a file name for an external one, none for an
    /// uncompressed source file.
    pub cabinet: Option<String>,
    /// The folders of its directory in the source layout (see `extract --layout source`).
    #[serde(skip)]
    pub source_folders: std::sync::Arc<Vec<String>>,
}

fn s(v: Option<&Value>) -> Option<String> {
    match v {
        Some(Value::Str(x)) => Some(x.clone()),
        Some(Value::Int(i)) => Some(i.to_string()),
        _ => None,
    }
}

fn i(v: Option<&Value>) -> i32 {
    match v {
        Some(Value::Int(x)) => *x,
        _ => 0,
    }
}

fn col(m: &DatabaseModel, table: &str, name: &str) -> Option<usize> {
    m.table(table).and_then(|t| t.def.column_index(name))
}

/// `msikit files PACKAGE.msi`: every file with its install path, in File-table order.
pub fn list(model: &DatabaseModel, properties: &HashMap<String, String>) -> Vec<PackageFile> {
    let resolver = Resolver::new(model, properties);
    // Shared by the files of a directory, not copied for each.
    let source: HashMap<String, std::sync::Arc<Vec<String>>> =
        crate::views::paths::source_folders(model)
            .into_iter()
            .map(|(k, v)| (k, std::sync::Arc::new(v)))
            .collect();
    let comp_dir: HashMap<String, String> = match (
        model.table("Component"),
        col(model, "Component", "Directory_"),
    ) {
        (Some(t), Some(d)) => t
            .rows
            .iter()
            .filter_map(|r| Some((s(r.first())?, s(r.get(d))?)))
            .collect(),
        _ => HashMap::new(),
    };
    let mut media: Vec<(i32, i32, Option<String>)> = match model.table("Media") {
        Some(t) => {
            let (last, cab) = (
                t.def.column_index("LastSequence"),
                t.def.column_index("Cabinet"),
            );
            t.rows
                .iter()
                .map(|r| {
                    (
                        i(r.first()),
                        last.map_or(0, |c| i(r.get(c))),
                        cab.and_then(|c| s(r.get(c))),
                    )
                })
                .collect()
        }
        None => Vec::new(),
    };
    media.sort_by_key(|m| m.1);
    let Some(t) = model.table("File") else {
        return Vec::new();
    };
    let c = |n: &str| t.def.column_index(n);
    let (comp, name, size, ver, lang, seq) = (
        c("Component_"),
        c("FileName"),
        c("FileSize"),
        c("Version"),
        c("Language"),
        c("Sequence"),
    );
    t.rows
        .iter()
        .map(|r| {
            let file = s(r.first()).unwrap_or_default();
            let component = comp.and_then(|x| s(r.get(x))).unwrap_or_default();
            let fname = long_name(&name.and_then(|x| s(r.get(x))).unwrap_or_default()).to_string();
            let dir = comp_dir.get(&component).cloned().unwrap_or_default();
            let path = resolver.file(&dir, &fname).unwrap_or_else(|| fname.clone());
            let (anchor, subpath) = resolver
                .anchor(&dir)
                .map(|(a, r)| (a.to_string(), r.to_string()))
                .unwrap_or_default();
            let sequence = seq.map_or(0, |x| i(r.get(x)));
            let m = media.iter().find(|m| m.1 >= sequence);
            PackageFile {
                file,
                component,
                name: fname,
                path,
                anchor,
                subpath,
                size: size.map_or(0, |x| i(r.get(x))),
                version: ver.and_then(|x| s(r.get(x))),
                language: lang.and_then(|x| s(r.get(x))),
                sequence,
                disk_id: m.map(|m| m.0),
                cabinet: m.and_then(|m| m.2.clone()).filter(|c| !c.is_empty()),
                source_folders: source.get(&dir).cloned().unwrap_or_default(),
            }
        })
        .collect()
}

/// Opens a package and lists its files.
pub fn files(path: &Path, properties: &HashMap<String, String>) -> Result<Vec<PackageFile>> {
    let c = Container::open(path)?;
    let model = DatabaseModel::load_tables(&crate::database::open_database(&c)?)?;
    Ok(list(&model, properties))
}

/// What `extract` wrote, and what it could not.
#[derive(Debug, Clone, Serialize, Default)]
pub struct ExtractReport {
    pub written: usize,
    pub bytes: u64,
    /// Files that were to be written and were not.
    pub not_written: usize,
    /// Files that could not be written, with the reason (a missing cabinet, a cabinet entry
    /// that is missing, ...). The others were written.
    pub problems: Vec<String>,
    /// With `--overwrite`: files not written because a later one goes to the same path (by
    /// sequence in a package, in the cabinet's order in a cabinet), which is what msiextract
    /// and cabextract leave there. Not an error.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub shadowed: Vec<String>,
    /// Files written under another name than their own because another file goes to the same
    /// path (or needs it as a folder): `NAME -> PATH`. Not an error.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub renamed: Vec<String>,
    /// Where the cabinets read start in the file, when they were found inside it (a setup
    /// program, a file holding several cabinets) rather than one at its start.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub cabinets: Vec<u64>,
    /// Every file to write: its name in the package or cabinet and the path it goes to.
    pub files: Vec<Placed>,
    /// The paths written, relative to DIR (to mark `files`).
    #[serde(skip)]
    done: Vec<PathBuf>,
}

/// One file to write and where it goes.
#[derive(Debug, Clone, Serialize)]
pub struct Placed {
    /// The name it has where it is read from: the cabinet entry's name as stored (folders
    /// included), or the File key of a package.
    pub name: String,
    /// Where it goes inside DIR, `/` between folders.
    pub path: String,
    /// For a file whose path is not its own: the path it would have had, taken by another
    /// file (or a folder of another file).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub duplicate_of: Option<String>,
    /// Whether it was written (else `problems` says why).
    pub written: bool,
    /// Where its cabinet starts in the file, for cabinets found inside a file.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cabinet_offset: Option<u64>,
}

/// Where one of the paths given to `assign_paths` goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Assigned {
    /// At the path wanted.
    Own,
    /// At another path: the one wanted is another file's, or a folder of other files.
    Renamed(PathBuf),
    /// Not written: with overwriting, a later file (this index) goes to the same path.
    Shadowed(usize),
}

/// The path as compared for collisions: Windows compares names without regard to case, so
/// two names that differ only in case are one file there; the result is the same on Linux.
fn path_key(p: &Path) -> String {
    p.to_string_lossy().replace('\\', "/").to_lowercase()
}

/// Decides where each of `paths` (relative, in priority order) is written so that no file is
/// lost. Paths are compared without regard to case. Of the files wanted at one path, the LAST
/// gets it (what writing them in order and overwriting leaves there); the others, in order, get
/// the path with `.duplicate1`, `.duplicate2`... added to the file name (lessmsi's convention,
/// which keeps a copy from passing for the real file: `atl80.dll.duplicate1` is not a DLL to a
/// script copying `*.dll`), or with `overwrite` are not written. A file wanted where another
/// file needs a folder is renamed the same way in both modes, the folder winning.
pub(crate) fn assign_paths(paths: &[PathBuf], overwrite: bool) -> Vec<Assigned> {
    let keys: Vec<String> = paths.iter().map(|p| path_key(p)).collect();
    let mut folders: HashSet<String> = HashSet::new();
    for p in paths {
        for a in p.ancestors().skip(1) {
            if a.as_os_str().is_empty() || !folders.insert(path_key(a)) {
                break;
            }
        }
    }
    let mut last: HashMap<&str, usize> = HashMap::new();
    for (i, k) in keys.iter().enumerate() {
        last.insert(k.as_str(), i);
    }
    // Names given to renamed files (the wanted paths are `last`'s keys).
    let mut taken: HashSet<String> = HashSet::new();
    let mut next_n: HashMap<&str, u64> = HashMap::new();
    keys.iter()
        .enumerate()
        .map(|(i, k)| {
            let is_folder = folders.contains(k);
            if !is_folder && last[k.as_str()] == i {
                return Assigned::Own;
            }
            if overwrite && !is_folder {
                return Assigned::Shadowed(last[k.as_str()]);
            }
            let p = &paths[i];
            let name = p
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let n = next_n.entry(k.as_str()).or_insert(0);
            loop {
                *n += 1;
                let candidate = p.with_file_name(crate::formats::files::fit_name(
                    &name,
                    &format!(".duplicate{n}"),
                ));
                let ck = path_key(&candidate);
                if !folders.contains(&ck) && !last.contains_key(ck.as_str()) && taken.insert(ck) {
                    return Assigned::Renamed(candidate);
                }
            }
        })
        .collect()
}

/// The relative path a file extracts to in the source layout: its directory's source folders
/// (`SourceDir/PFiles/App`), then its long name, each part a safe file name.
fn source_path(f: &PackageFile) -> PathBuf {
    f.source_folders
        .iter()
        .map(String::as_str)
        .chain([f.name.as_str()])
        .map(safe_file_name)
        .collect()
}

/// The relative path a file extracts to: its install path without the drive.
pub(crate) fn relative_path(f: &PackageFile) -> PathBuf {
    f.path
        .split('\\')
        .enumerate()
        .filter(|(n, part)| !(part.is_empty() || *n == 0 && part.ends_with(':')))
        .map(|(_, p)| safe_file_name(p))
        .collect()
}

/// Case-insensitive `*`/`?` match.
pub(crate) fn glob(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.to_lowercase().chars().collect();
    let t: Vec<char> = text.to_lowercase().chars().collect();
    let (mut pi, mut ti, mut star, mut mark) = (0, 0, None, 0);
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if let Some(sp) = star {
            pi = sp + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    while pi < p.len() && p[pi] == '*' {
        pi += 1;
    }
    pi == p.len()
}

/// Writes `bytes` at `rel` inside `dir`: folders created, no writing through a symbolic link
/// already in the folder, a temporary name and a rename.
pub(crate) fn write_file(dir: &Path, rel: &Path, bytes: &[u8]) -> Result<()> {
    make_folder_inside(dir, rel.parent().unwrap_or(Path::new("")))?;
    crate::formats::files::write_atomically(&dir.join(rel), bytes)
}

/// Creates the folder `rel` inside `dir`, refusing to go through a symbolic link that is
/// already there.
fn make_folder_inside(dir: &Path, rel: &Path) -> Result<()> {
    let mut p = dir.to_path_buf();
    for comp in rel.components() {
        p.push(comp);
        if std::fs::symlink_metadata(&p)
            .map(|m| m.file_type().is_symlink())
            .unwrap_or(false)
        {
            return Err(Error::refused(format!(
                "{} is a symbolic link; not writing through it",
                p.display()
            )));
        }
    }
    std::fs::create_dir_all(&p).map_err(|e| Error::io(e).in_file(p.display().to_string()))
}

/// Writes files that arrive in pieces (a cabinet's chunked callback), each through a temporary
/// name in its final folder and a rename when complete, so memory stays at one piece and a
/// failure leaves no half-written file. Several files may be open at once (a cabinet may
/// interleave them); they are keyed by their index in the cabinet.
pub struct ChunkWriter<'d> {
    dir: &'d Path,
    open: HashMap<usize, (std::fs::File, PathBuf, PathBuf, u64)>,
    /// Folders (relative) already checked for symbolic links and created by this writer, so
    /// that each is looked at once, not once per file in it.
    ready: HashSet<PathBuf>,
}

impl<'d> ChunkWriter<'d> {
    pub fn new(dir: &'d Path) -> Self {
        ChunkWriter {
            dir,
            open: HashMap::new(),
            ready: HashSet::new(),
        }
    }

    /// Starts file `index`, to be written at `rel` inside the folder.
    pub(crate) fn begin(&mut self, index: usize, rel: &Path) -> Result<()> {
        let path = self.dir.join(rel);
        let folder = rel.parent().unwrap_or(Path::new(""));
        if !self.ready.contains(folder) {
            make_folder_inside(self.dir, folder)?;
            self.ready.insert(folder.to_path_buf());
        }
        // Short (a 255-byte name leaves no room to add to it) and unique in the process.
        let tmp = crate::formats::files::temp_path(&path);
        let f = std::fs::File::create(&tmp)
            .map_err(|e| Error::io(e).in_file(tmp.display().to_string()))?;
        self.open.insert(index, (f, tmp, path, 0));
        Ok(())
    }

    /// Whether file `index` is being written.
    pub(crate) fn is_open(&self, index: usize) -> bool {
        self.open.contains_key(&index)
    }

    pub fn data(&mut self, index: usize, bytes: &[u8]) -> Result<()> {
        use std::io::Write;
        if let Some((f, tmp, _, n)) = self.open.get_mut(&index) {
            f.write_all(bytes)
                .map_err(|e| Error::io(e).in_file(tmp.display().to_string()))?;
            *n += bytes.len() as u64;
        }
        Ok(())
    }

    /// Finishes file `index`; returns its size.
    pub fn end(&mut self, index: usize) -> Result<u64> {
        let Some((f, tmp, path, n)) = self.open.remove(&index) else {
            return Ok(0);
        };
        drop(f);
        std::fs::rename(&tmp, &path).map_err(|e| {
            let _ = std::fs::remove_file(&tmp);
            Error::io(e).in_file(path.display().to_string())
        })?;
        Ok(n)
    }
}

impl Drop for ChunkWriter<'_> {
    fn drop(&mut self) {
        // Files never finished (an error in the middle) leave nothing behind.
        for (_, (_, tmp, _, _)) in self.open.drain() {
            let _ = std::fs::remove_file(tmp);
        }
    }
}

/// Where a cabinet to extract from is read.
enum CabSource {
    /// The stream of this raw name in the package.
    Stream(String),
    /// A file beside the package.
    File(PathBuf),
    /// A copy of an embedded cabinet in a temporary file, removed once opened.
    Spooled(PathBuf),
}

/// Finds `name` in `dir`, case-insensitively.
fn beside(dir: &Path, name: &str) -> Option<PathBuf> {
    let exact = dir.join(name);
    if exact.is_file() {
        return Some(exact);
    }
    std::fs::read_dir(dir)
        .ok()?
        .filter_map(|e| e.ok())
        .find(|e| e.file_name().to_string_lossy().eq_ignore_ascii_case(name))
        .map(|e| e.path())
}

/// How far an extraction is, for a progress display. The events come from the threads that
/// write, so the receiver is `Fn + Sync`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Progress {
    /// Writing begins: this many files are to be written.
    Start { files: usize },
    /// One more file is written.
    FileWritten,
    /// Writing is over (sent after `Start`, whatever the outcome of the files).
    Finish,
}

/// A receiver of [`Progress`] events that ignores them.
pub fn no_progress(_: Progress) {}

/// Where `extract` puts each file inside DIR.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Layout {
    /// By install path without the drive: `Program Files (x86)/App/x.dll` (msiextract's tree,
    /// with Windows' names for the standard folders).
    #[default]
    Install,
    /// By source folder names from the root: `SourceDir/PFiles/App/x.dll` (an administrative
    /// image's tree; lessmsi's).
    Source,
    /// All files straight into DIR, by long name (collisions get the File key).
    Flat,
}

/// How `extract` lays out the files it writes.
#[derive(Debug, Clone, Copy, Default)]
pub struct ExtractOptions<'a> {
    pub layout: Layout,
    /// Only the files whose relative path or name matches (`*`, `?`, case-insensitive).
    pub only: Option<&'a str>,
    /// When files go to one path, write the last only (by sequence; cabinet order in a cabinet)
    /// instead of giving the others a `.duplicateN` name.
    pub overwrite: bool,
    /// The most bytes the extraction may write ([`OutputCap`]).
    pub max_output: OutputCap,
}

/// How many bytes one extraction may write: a decompression bomb (a small cabinet whose entries
/// claim gigabytes, overlapping entries that each span a whole folder) stops with an error
/// before anything is written, naming the cap. The default is 4 GiB, or 1,024 times the
/// compressed input when that is more: deflate cannot pack more than 1,032 bytes into one, so
/// only files that are nearly all one byte, or entries sharing their data, go past it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum OutputCap {
    #[default]
    Default,
    /// At most this many bytes.
    Bytes(u64),
    /// No cap.
    Unlimited,
}

/// The default cap's floor and its ratio to the input's size.
pub const DEFAULT_CAP_FLOOR: u64 = 4 << 30;
pub const DEFAULT_CAP_RATIO: u64 = 1024;

impl OutputCap {
    /// The cap in bytes for `input` bytes of compressed input, `None` for no cap.
    pub fn bytes(self, input: u64) -> Option<u64> {
        match self {
            OutputCap::Default => {
                Some(DEFAULT_CAP_FLOOR.max(input.saturating_mul(DEFAULT_CAP_RATIO)))
            }
            OutputCap::Bytes(n) => Some(n),
            OutputCap::Unlimited => None,
        }
    }

    /// An error when `declared` bytes (what the entries to write claim) pass the cap.
    fn check(self, declared: u64, input: u64) -> Result<()> {
        match self.bytes(input) {
            Some(cap) if declared > cap => Err(Error::limit(format!(
                "the files to write claim {declared} bytes, more than the cap of {cap} bytes ({}); \
                 nothing was written. A decompression bomb looks like this; if the files are \
                 real, raise the cap with --max-output BYTES (0: no cap)",
                match self {
                    OutputCap::Default => format!(
                        "4 GiB, or {DEFAULT_CAP_RATIO} times the {input} bytes of compressed input"
                    ),
                    _ => "--max-output".to_string(),
                }
            ))),
            _ => Ok(()),
        }
    }
}

/// `msikit extract PACKAGE.msi -C DIR [--flat] [--only PATTERN] [--overwrite]`.
pub fn extract(
    path: &Path,
    dir: &Path,
    options: ExtractOptions<'_>,
    properties: &HashMap<String, String>,
    progress: &(dyn Fn(Progress) + Sync),
) -> Result<ExtractReport> {
    let c = match Container::open(path) {
        Ok(c) => c,
        // Not a package: a setup program or a cabinet, whose cabinets are extracted as
        // `cab extract` does (the package's error stands when there is none).
        Err(e) if matches!(e.kind(), crate::error::ErrorKind::NotInstaller(_)) => {
            return match CabinetSet::open_all(path, &[]) {
                Ok(sets) => {
                    extract_cabinet(&sets, dir, options.overwrite, options.max_output, progress)
                }
                Err(_) => Err(e),
            };
        }
        Err(e) => return Err(e),
    };
    // The tables are not needed once the files are listed: freeing them keeps the peak down.
    let all = list(
        &DatabaseModel::load_tables(&crate::database::open_database(&c)?)?,
        properties,
    );
    let mut plan = plan(&all, options.layout, options.only, options.overwrite);
    let mut report = ExtractReport {
        shadowed: std::mem::take(&mut plan.shadowed),
        renamed: std::mem::take(&mut plan.renamed),
        files: std::mem::take(&mut plan.placed),
        ..ExtractReport::default()
    };
    std::fs::create_dir_all(dir).map_err(|e| Error::io(e).in_file(dir.display().to_string()))?;
    progress(Progress::Start {
        files: plan.chosen.len(),
    });
    let jobs = cabinet_jobs(&c, path, dir, &plan, &mut report, progress)?;
    let opened = open_cabinets(path, jobs, &plan.targets, &mut report);
    let declared: u64 = opened
        .iter()
        .flat_map(|o| {
            o.cab
                .files()
                .iter()
                .filter(|f| o.chosen.contains_key(&f.index))
        })
        .map(|f| u64::from(f.size))
        .sum();
    let input = std::fs::metadata(path).map_or(0, |m| m.len())
        + opened
            .iter()
            .map(|o| u64::from(o.cab.declared_size()))
            .sum::<u64>();
    if let Err(e) = options.max_output.check(declared, input) {
        progress(Progress::Finish);
        return Err(e.in_file(path.display().to_string()));
    }
    let results = decode_and_write(&opened, dir, progress, &mut report);
    progress(Progress::Finish);
    report.merge(results);
    report.finish(plan.chosen.len());
    Ok(report)
}

/// What `extract` writes and where.
struct Plan<'a> {
    /// The File rows to write: those `--only` matches, one per path unless flat.
    chosen: Vec<&'a PackageFile>,
    /// Each chosen file's path inside DIR, by File key.
    targets: HashMap<String, PathBuf>,
    /// With overwriting, the rows dropped because a later one goes to the same path (not flat).
    shadowed: Vec<String>,
    /// The rows written under another name, and why.
    renamed: Vec<String>,
    /// Every chosen file and its path, in File-table order.
    placed: Vec<Placed>,
}

/// Chooses the files of `all` to write and their paths inside DIR (flat: by long name, the
/// File key added to names that collide; else by install path, rows that go to one path placed
/// by `assign_paths` in order of sequence, so the row with the highest sequence, the one
/// msiextract leaves there, keeps the path).
fn plan<'a>(
    all: &'a [PackageFile],
    layout: Layout,
    only: Option<&str>,
    overwrite: bool,
) -> Plan<'a> {
    let flat = layout == Layout::Flat;
    let path_of = |f: &PackageFile| match layout {
        Layout::Source => source_path(f),
        _ => relative_path(f),
    };
    let mut chosen: Vec<&PackageFile> = all
        .iter()
        .filter(|f| only.is_none_or(|p| glob(p, &slashed(&path_of(f))) || glob(p, &f.name)))
        .collect();
    let mut targets: HashMap<String, PathBuf> = HashMap::new();
    let mut placed: Vec<Placed> = Vec::new();
    let (mut shadowed, mut renamed) = (Vec::new(), Vec::new());
    if flat {
        // Flat names that collide get their File key.
        let mut seen = HashSet::new();
        for f in &chosen {
            let mut rel = PathBuf::from(safe_file_name(&f.name));
            let mut duplicate_of = None;
            if !seen.insert(path_key(&rel)) {
                let own = rel;
                rel = PathBuf::from(safe_file_name(&format!("{}.{}", f.name, f.file)));
                renamed.push(format!("{} -> {}", f.file, slashed(&rel)));
                duplicate_of = Some(slashed(&own));
            }
            placed.push(Placed {
                name: f.file.clone(),
                path: slashed(&rel),
                duplicate_of,
                written: false,
                cabinet_offset: None,
            });
            targets.insert(f.file.clone(), rel);
        }
    } else {
        let mut order: Vec<&PackageFile> = chosen.clone();
        order.sort_by(|a, b| (a.sequence, &a.file).cmp(&(b.sequence, &b.file)));
        let paths: Vec<PathBuf> = order.iter().map(|f| path_of(f)).collect();
        let assigned = assign_paths(&paths, overwrite);
        let mut dropped: HashSet<&str> = HashSet::new();
        let mut where_: HashMap<&str, (PathBuf, Option<String>)> = HashMap::new();
        for (k, a) in assigned.into_iter().enumerate() {
            let f = order[k];
            let own = &paths[k];
            match a {
                Assigned::Own => {
                    where_.insert(&f.file, (own.clone(), None));
                }
                Assigned::Renamed(p) => {
                    renamed.push(format!(
                        "{} (sequence {}) -> {} ({} is another file's)",
                        f.file,
                        f.sequence,
                        slashed(&p),
                        slashed(own)
                    ));
                    where_.insert(&f.file, (p, Some(slashed(own))));
                }
                Assigned::Shadowed(j) => {
                    let winner = order[j];
                    shadowed.push(format!(
                        "{} (sequence {}) goes to {} as {} (sequence {}) does; {} is written",
                        f.file,
                        f.sequence,
                        slashed(own),
                        winner.file,
                        winner.sequence,
                        winner.file
                    ));
                    dropped.insert(&f.file);
                }
            }
        }
        chosen.retain(|f| !dropped.contains(f.file.as_str()));
        for f in &chosen {
            if let Some((rel, duplicate_of)) = where_.remove(f.file.as_str()) {
                placed.push(Placed {
                    name: f.file.clone(),
                    path: slashed(&rel),
                    duplicate_of,
                    written: false,
                    cabinet_offset: None,
                });
                targets.insert(f.file.clone(), rel);
            }
        }
    }
    shadowed.sort();
    renamed.sort();
    Plan {
        chosen,
        targets,
        shadowed,
        renamed,
        placed,
    }
}

/// A relative path with `/` between its parts, as reports show it.
fn slashed(p: &Path) -> String {
    p.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

/// A cabinet to decode: its name in the Media table, where it is read from, the files wanted.
type CabinetJob<'a> = (String, CabSource, Vec<&'a PackageFile>);

/// Groups the planned files by cabinet and finds where each cabinet is read from; files not in
/// a cabinet are copied from beside the package here. What cannot be found goes into
/// `report.problems`.
fn cabinet_jobs<'a>(
    c: &Container,
    path: &Path,
    dir: &Path,
    plan: &Plan<'a>,
    report: &mut ExtractReport,
    progress: &(dyn Fn(Progress) + Sync),
) -> Result<Vec<CabinetJob<'a>>> {
    let targets = &plan.targets;
    let package_dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
    // Group the chosen files by cabinet.
    let mut by_cab: HashMap<Option<String>, Vec<&PackageFile>> = HashMap::new();
    for f in &plan.chosen {
        by_cab.entry(f.cabinet.clone()).or_default().push(f);
    }
    // (cabinet name, where it is read from, files wanted from it). An embedded cabinet is read
    // block by block from its stream in the package; when the package cannot be opened again (it
    // is standard input, or its last sectors are missing) it is first copied out into a
    // temporary file in DIR. Memory does not grow with the cabinet's size either way.
    let mut jobs: Vec<CabinetJob<'a>> = Vec::new();
    let reopen = path != Path::new("-") && c.missing_bytes() == 0 && path.is_file();
    for (cab, files) in by_cab {
        match cab {
            Some(name) if name.starts_with('#') => {
                let leaf = crate::formats::container::streamname::encode(&name[1..], false);
                if !c.has_raw_stream("", &leaf) {
                    report.problems.push(format!(
                        "cabinet stream '{}' is missing: {} files not written",
                        &name[1..],
                        files.len()
                    ));
                    continue;
                }
                if reopen {
                    jobs.push((name.clone(), CabSource::Stream(leaf), files));
                    continue;
                }
                let spool = dir.join(format!(".msikit-cab-{}.tmp", jobs.len()));
                let copied = std::fs::File::create(&spool)
                    .map_err(|e| Error::io(e).in_file(spool.display().to_string()))
                    .and_then(|f| {
                        let mut w = std::io::BufWriter::new(f);
                        let n = c.copy_raw_stream("", &leaf, &mut w)?;
                        std::io::Write::flush(&mut w).map_err(Error::io)?;
                        Ok(n)
                    });
                match copied {
                    Ok(_) => jobs.push((name.clone(), CabSource::Spooled(spool), files)),
                    Err(e) => {
                        let _ = std::fs::remove_file(&spool);
                        report
                            .problems
                            .push(format!("{e}: {} files not written", files.len()))
                    }
                }
            }
            Some(name) => match beside(&package_dir, &name) {
                Some(p) => jobs.push((name.clone(), CabSource::File(p), files)),
                None => report.problems.push(format!(
                    "external cabinet '{name}' is not beside the package: {} files not written",
                    files.len()
                )),
            },
            None => {
                // Uncompressed: the file at its source path beside the package.
                for f in files {
                    let src = package_dir
                        .join(f.subpath.replace('/', std::path::MAIN_SEPARATOR_STR))
                        .join(&f.name);
                    let alt = package_dir.join(&f.name);
                    match std::fs::read(&src).or_else(|_| std::fs::read(&alt)) {
                        Ok(b) => {
                            write_file(dir, &targets[&f.file], &b)?;
                            report.done.push(targets[&f.file].clone());
                            report.written += 1;
                            report.bytes += b.len() as u64;
                        }
                        Err(_) => report.problems.push(format!(
                            "{}: uncompressed source file not found beside the package",
                            f.file
                        )),
                    }
                    progress(Progress::FileWritten);
                }
            }
        }
    }
    Ok(jobs)
}

/// Opens every cabinet of `jobs`, and for each File key wanted from it finds the first entry of
/// that name (InstallFiles matches cabinet entries to File keys case-insensitively).
fn open_cabinets<'t>(
    path: &Path,
    jobs: Vec<CabinetJob<'_>>,
    targets: &'t HashMap<String, PathBuf>,
    report: &mut ExtractReport,
) -> Vec<Opened<'t>> {
    let mut opened: Vec<Opened<'_>> = Vec::new();
    for (name, source, files) in jobs {
        let cab = match open_cabinet(path, &source) {
            Ok(c) => c,
            Err(e) => {
                report.problems.push(format!(
                    "{}: {} files not written",
                    e.at(Place::cabinet(name)),
                    files.len()
                ));
                continue;
            }
        };
        let mut wanted: HashMap<String, (&str, &PathBuf)> = files
            .iter()
            .map(|f| (f.file.to_lowercase(), (f.file.as_str(), &targets[&f.file])))
            .collect();
        let mut chosen = HashMap::new();
        for entry in cab.files() {
            if let Some((_, rel)) = wanted.remove(&entry.name.to_lowercase()) {
                chosen.insert(entry.index, rel);
            }
        }
        let mut missing: Vec<&str> = wanted.values().map(|(k, _)| *k).collect();
        missing.sort_unstable();
        for k in missing {
            report
                .problems
                .push(format!("{k}: not in cabinet '{name}'"));
        }
        opened.push(Opened { name, cab, chosen });
    }
    opened
}

/// Decodes each folder holding a wanted file, of every cabinet, and writes its files; folders
/// are independent compressed streams, so they decode on all cores at once.
fn decode_and_write(
    opened: &[Opened<'_>],
    dir: &Path,
    progress: &(dyn Fn(Progress) + Sync),
    report: &mut ExtractReport,
) -> Vec<ExtractReport> {
    let mut work: Vec<(usize, FolderUnit<'_>)> = Vec::new();
    for (k, o) in opened.iter().enumerate() {
        match o.cab.folder_units() {
            Ok(units) => {
                for mut unit in units {
                    unit.files.retain(|f| o.chosen.contains_key(&f.index));
                    if !unit.files.is_empty() {
                        work.push((k, unit));
                    }
                }
            }
            Err(e) => report.problems.push(format!(
                "{}: {} files not written",
                e.at(Place::cabinet(&o.name)),
                o.chosen.len()
            )),
        }
    }
    on_cores(
        &work,
        |(_, unit)| unit.blocks,
        |(k, unit)| {
            let o = &opened[*k];
            let context = format!("cabinet '{}'", o.name);
            write_folder(&o.cab, unit, dir, progress, Some(&context), |cf| {
                o.chosen.get(&cf.index).copied()
            })
        },
    )
}

/// `msikit cab extract FILE.cab [MORE.cab...] -C DIR [--overwrite]`: every file of the
/// cabinets (or sets) `sets` (as [`CabinetSet::open_all`] finds them in a file) inside `dir`, at
/// the path [`output_path`] makes of its name (cabextract's mapping, each part a safe file
/// name), folders decoded on all cores at once. Entries that go to one path are placed by
/// `assign_paths` in the cabinets' order: the last keeps the path (what cabextract leaves
/// there), the others get a `.duplicateN` name, or with `overwrite` are not written. A cabinet
/// that cannot be extracted at all (a file continued in a volume not given, a compression msikit
/// does not decode) is an error before anything is written; a folder whose data is bad is a
/// problem in the report, the other folders' files written. When the cabinets were found inside
/// the file (not one at its start), the report says at which offsets.
pub fn extract_cabinet(
    sets: &[CabinetSet],
    dir: &Path,
    overwrite: bool,
    max_output: OutputCap,
    progress: &(dyn Fn(Progress) + Sync),
) -> Result<ExtractReport> {
    let mut work: Vec<(usize, FolderUnit<'_>)> = Vec::new();
    for (k, set) in sets.iter().enumerate() {
        work.extend(set.folder_units()?.into_iter().map(|u| (k, u)));
    }
    std::fs::create_dir_all(dir).map_err(|e| Error::io(e).in_file(dir.display().to_string()))?;
    let mut report = ExtractReport::default();
    if sets.len() > 1 || sets.iter().any(|s| s.offset() != 0) {
        report.cabinets = sets.iter().map(CabinetSet::offset).collect();
    }
    let mut entries: Vec<(usize, &CabFile)> = Vec::new();
    let mut paths: Vec<PathBuf> = Vec::new();
    for (k, set) in sets.iter().enumerate() {
        let slash = slash_separates(set.files());
        for f in set.files() {
            entries.push((k, f));
            paths.push(output_path(f, slash));
        }
    }
    let mut chosen: HashMap<(usize, usize), PathBuf> = HashMap::new();
    let assigned = assign_paths(&paths, overwrite);
    for (((k, f), own), a) in entries.iter().zip(&paths).zip(assigned) {
        let at = |k: usize| {
            if report.cabinets.is_empty() {
                String::new()
            } else {
                format!(" in the cabinet at offset {}", sets[k].offset())
            }
        };
        let (rel, duplicate_of) = match a {
            Assigned::Own => (own.clone(), None),
            Assigned::Renamed(p) => {
                report.renamed.push(format!(
                    "{}{} -> {} ({} is another file's)",
                    f.name,
                    at(*k),
                    slashed(&p),
                    slashed(own)
                ));
                (p, Some(slashed(own)))
            }
            Assigned::Shadowed(j) => {
                let (wk, w) = entries[j];
                report.shadowed.push(format!(
                    "{} (entry {}{}) goes to {} as entry {}{} does; that one is written",
                    f.name,
                    f.index,
                    at(*k),
                    slashed(own),
                    w.index,
                    at(wk)
                ));
                continue;
            }
        };
        report.files.push(Placed {
            name: f.name.clone(),
            path: slashed(&rel),
            duplicate_of,
            written: false,
            cabinet_offset: (!report.cabinets.is_empty()).then(|| sets[*k].offset()),
        });
        chosen.insert((*k, f.index), rel);
    }
    let work: Vec<(usize, FolderUnit<'_>)> = work
        .into_iter()
        .map(|(k, mut u)| {
            u.files.retain(|f| chosen.contains_key(&(k, f.index)));
            (k, u)
        })
        .filter(|(_, u)| !u.files.is_empty())
        .collect();
    let declared: u64 = entries
        .iter()
        .filter(|(k, f)| chosen.contains_key(&(*k, f.index)))
        .map(|(_, f)| u64::from(f.size))
        .sum();
    let input: u64 = sets
        .iter()
        .flat_map(|s| s.volumes().map(|(_, c)| u64::from(c.declared_size())))
        .sum();
    max_output.check(declared, input)?;
    progress(Progress::Start {
        files: chosen.len(),
    });
    let results = on_cores(
        &work,
        |(_, unit)| unit.blocks,
        |(k, unit)| {
            let context = (!report.cabinets.is_empty())
                .then(|| format!("cabinet at offset {}", sets[*k].offset()));
            write_folder(&sets[*k], unit, dir, progress, context.as_deref(), |cf| {
                chosen.get(&(*k, cf.index))
            })
        },
    );
    progress(Progress::Finish);
    report.merge(results);
    report.finish(chosen.len());
    Ok(report)
}

/// A cabinet opened for `extract`: its name in the Media table, and where each entry to write
/// goes (by its index in the cabinet).
struct Opened<'a> {
    name: String,
    cab: Cabinet,
    chosen: HashMap<usize, &'a PathBuf>,
}

/// Opens a cabinet where `source` says, naming the package for an embedded one.
fn open_cabinet(package: &Path, source: &CabSource) -> Result<Cabinet> {
    match source {
        CabSource::Stream(leaf) => Cabinet::open_in_package(package, leaf),
        CabSource::File(p) => Cabinet::open(p),
        CabSource::Spooled(p) => {
            let opened = Cabinet::open(p);
            // Open files stay readable after the name is gone (the reader holds it).
            let _ = std::fs::remove_file(p);
            opened.map_err(|e| {
                // The spooled copy is an implementation detail: name the package.
                e.with_file(package.display().to_string())
            })
        }
    }
}

/// What a folder is decoded from: a cabinet, or a set of volumes.
trait FolderSource: Sync {
    fn decode<'m>(
        &'m self,
        unit: &FolderUnit<'m>,
        f: &mut dyn FnMut(FileChunk<'_>) -> Result<()>,
    ) -> Result<()>;
}

impl FolderSource for Cabinet {
    fn decode<'m>(
        &'m self,
        unit: &FolderUnit<'m>,
        f: &mut dyn FnMut(FileChunk<'_>) -> Result<()>,
    ) -> Result<()> {
        self.for_each_file_in(unit, f)
    }
}

impl FolderSource for CabinetSet {
    fn decode<'m>(
        &'m self,
        unit: &FolderUnit<'m>,
        f: &mut dyn FnMut(FileChunk<'_>) -> Result<()>,
    ) -> Result<()> {
        self.for_each_file_in(unit, f)
    }
}

/// Decodes one folder and writes the files `target` gives a path for, each through a temporary
/// name. On an error, the report has the files written before it and the error (in `context`,
/// when given), with how many of the folder's files were not written.
fn write_folder<'m, P: AsRef<Path>>(
    source: &'m impl FolderSource,
    unit: &FolderUnit<'m>,
    dir: &Path,
    progress: &(dyn Fn(Progress) + Sync),
    context: Option<&str>,
    target: impl Fn(&CabFile) -> Option<P>,
) -> ExtractReport {
    let mut r = ExtractReport::default();
    let mut writer = ChunkWriter::new(dir);
    let outcome = source.decode(unit, &mut |chunk| {
        match chunk {
            FileChunk::Begin(cf) => {
                if let Some(rel) = target(cf) {
                    writer.begin(cf.index, rel.as_ref())?;
                }
            }
            FileChunk::Data(cf, data) => writer.data(cf.index, data)?,
            FileChunk::End(cf) => {
                if writer.is_open(cf.index) {
                    r.bytes += writer.end(cf.index)?;
                    if let Some(rel) = target(cf) {
                        r.done.push(rel.as_ref().to_path_buf());
                    }
                    r.written += 1;
                    progress(Progress::FileWritten);
                }
            }
        }
        Ok(())
    });
    if let Err(mut e) = outcome {
        if let Some(c) = context {
            e = e.at(c);
        }
        let left = unit.files.len().saturating_sub(r.written);
        r.problems.push(format!(
            "{e}: {left} files of folder {} not written",
            unit.folder
        ));
    }
    r
}

impl ExtractReport {
    /// Sorts the problems and counts the files of `chosen` not written.
    fn finish(&mut self, chosen: usize) {
        self.problems.sort();
        self.not_written = chosen.saturating_sub(self.written);
        let done: HashSet<String> = self.done.drain(..).map(|p| slashed(&p)).collect();
        for f in &mut self.files {
            f.written = done.contains(&f.path);
        }
    }

    /// Adds the reports of the folders.
    fn merge(&mut self, results: Vec<ExtractReport>) {
        for x in results {
            self.written += x.written;
            self.bytes += x.bytes;
            self.problems.extend(x.problems);
            self.done.extend(x.done);
        }
    }
}

/// Runs `work` on every job on up to one thread per core, the heaviest (by `weight`) first so
/// that a big folder does not start last; the results come in the order of `jobs`. A job that
/// panics (a bug) stops the others from starting new jobs, and its panic goes on in the caller.
fn on_cores<J: Sync, R: Send>(
    jobs: &[J],
    weight: impl Fn(&J) -> u64,
    work: impl Fn(&J) -> R + Sync,
) -> Vec<R> {
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1);
    let mut order: Vec<usize> = (0..jobs.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(weight(&jobs[i])));
    let next = AtomicUsize::new(0);
    let failed = AtomicBool::new(false);
    let mut done: Vec<(usize, R)> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..cores.min(jobs.len()))
            .map(|_| {
                scope.spawn(|| {
                    let mut mine = Vec::new();
                    while !failed.load(Ordering::Relaxed) {
                        let Some(&i) = order.get(next.fetch_add(1, Ordering::Relaxed)) else {
                            break;
                        };
                        match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                            work(&jobs[i])
                        })) {
                            Ok(r) => mine.push((i, r)),
                            Err(panic) => {
                                failed.store(true, Ordering::Relaxed);
                                std::panic::resume_unwind(panic);
                            }
                        }
                    }
                    mine
                })
            })
            .collect();
        let mut done = Vec::with_capacity(jobs.len());
        let mut panic = None;
        for h in handles {
            match h.join() {
                Ok(mine) => done.extend(mine),
                Err(p) => panic = panic.or(Some(p)),
            }
        }
        if let Some(p) = panic {
            std::panic::resume_unwind(p);
        }
        done
    });
    done.sort_by_key(|&(i, _)| i);
    done.into_iter().map(|(_, r)| r).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_stay_inside() {
        let f = PackageFile {
            file: "f".into(),
            component: "c".into(),
            name: "x.dll".into(),
            path: "C:\\..\\..\\etc\\x.dll".into(),
            anchor: String::new(),
            subpath: String::new(),
            size: 0,
            version: None,
            language: None,
            sequence: 1,
            disk_id: None,
            cabinet: None,
            source_folders: Default::default(),
        };
        let rel = relative_path(&f);
        assert!(
            rel.components()
                .all(|c| matches!(c, std::path::Component::Normal(_))),
            "{rel:?}"
        );
    }

    #[test]
    fn rows_to_one_path_keep_the_last_by_sequence() {
        let file = |key: &str, name: &str, sequence: i32| PackageFile {
            file: key.into(),
            component: "c".into(),
            name: name.into(),
            path: format!("C:\\App\\{name}"),
            anchor: "TARGETDIR".into(),
            subpath: "App".into(),
            size: 0,
            version: None,
            language: None,
            sequence,
            disk_id: None,
            cabinet: None,
            source_folders: Default::default(),
        };
        let rows = [
            file("late", "a.dll", 9),
            file("early", "A.DLL", 2),
            file("other", "b.dll", 5),
            file("middle", "a.dll", 4),
        ];
        // Overwriting: the last by sequence is written, the others listed.
        let p = plan(&rows, Layout::Install, None, true);
        let kept: Vec<&str> = p.chosen.iter().map(|f| f.file.as_str()).collect();
        assert_eq!(kept, ["late", "other"]);
        assert_eq!(p.shadowed.len(), 2);
        assert!(
            p.shadowed[0].starts_with("early (sequence 2) goes to "),
            "{:?}",
            p.shadowed
        );
        assert!(
            p.shadowed[1].ends_with("late is written"),
            "{:?}",
            p.shadowed
        );
        // By default every row is written: the last by sequence at the path, the others (in
        // order of sequence) under a .duplicateN name.
        let p = plan(&rows, Layout::Install, None, false);
        assert!(p.shadowed.is_empty());
        let at = |k: &str| slashed(&p.targets[k]);
        assert_eq!(at("late"), "App/a.dll");
        assert_eq!(at("early"), "App/A.DLL.duplicate1");
        assert_eq!(at("middle"), "App/a.dll.duplicate2");
        assert_eq!(at("other"), "App/b.dll");
        assert_eq!(p.renamed.len(), 2);
        let placed: Vec<(&str, Option<&str>)> = p
            .placed
            .iter()
            .map(|x| (x.name.as_str(), x.duplicate_of.as_deref()))
            .collect();
        assert_eq!(
            placed,
            [
                ("late", None),
                ("early", Some("App/A.DLL")),
                ("other", None),
                ("middle", Some("App/a.dll"))
            ]
        );
    }

    #[test]
    fn paths_are_assigned_without_losing_a_file() {
        let p = |s: &str| PathBuf::from(s);
        let paths = [p("x"), p("a"), p("x"), p("a/b"), p("x.duplicate1"), p("X")];
        // "a" is a folder of "a/b": the file "a" is renamed in both modes.
        assert_eq!(
            assign_paths(&paths, false),
            [
                Assigned::Renamed(p("x.duplicate2")),
                Assigned::Renamed(p("a.duplicate1")),
                Assigned::Renamed(p("x.duplicate3")),
                Assigned::Own,
                Assigned::Own,
                Assigned::Own,
            ]
        );
        assert_eq!(
            assign_paths(&paths, true),
            [
                Assigned::Shadowed(5),
                Assigned::Renamed(p("a.duplicate1")),
                Assigned::Shadowed(5),
                Assigned::Own,
                Assigned::Own,
                Assigned::Own,
            ]
        );
        // A name of 255 bytes keeps its extension and the suffix.
        let long = format!("{}.txt", "n".repeat(251));
        let got = assign_paths(&[p(&long), p(&long)], false);
        let Assigned::Renamed(r) = &got[0] else {
            panic!("{got:?}")
        };
        let name = r.file_name().unwrap().to_str().unwrap();
        assert_eq!(name.len(), 255);
        assert!(name.ends_with("n.txt.duplicate1"));
    }

    #[test]
    fn jobs_run_at_once_and_results_keep_their_order() {
        use std::sync::atomic::{AtomicUsize, Ordering};
        use std::time::{Duration, Instant};
        let running = AtomicUsize::new(0);
        let most = AtomicUsize::new(0);
        let jobs: Vec<u64> = (0..8).collect();
        let out = on_cores(
            &jobs,
            |&j| j,
            |&j| {
                let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                most.fetch_max(now, Ordering::SeqCst);
                // Stay a while, so that another thread can be seen running at the same time.
                let until = Instant::now() + Duration::from_millis(100);
                while Instant::now() < until && most.load(Ordering::SeqCst) < 2 {
                    std::thread::sleep(Duration::from_millis(1));
                }
                running.fetch_sub(1, Ordering::SeqCst);
                j * 10
            },
        );
        let want: Vec<u64> = (0..8).map(|j| j * 10).collect();
        assert_eq!(out, want);
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        assert_eq!(
            most.load(Ordering::SeqCst) >= 2,
            cores >= 2,
            "cores: {cores}"
        );
    }

    #[test]
    fn a_panicking_job_panics_the_caller() {
        let jobs: Vec<u64> = (0..8).collect();
        let r = std::panic::catch_unwind(|| {
            on_cores(
                &jobs,
                |&j| j,
                |&j| {
                    assert!(j != 5, "job 5 fails");
                    j
                },
            )
        });
        let panic = r.expect_err("the panic of job 5 reaches the caller");
        assert_eq!(panic.downcast_ref::<&str>(), Some(&"job 5 fails"));
    }

    #[test]
    fn globbing() {
        assert!(glob("*.dll", "Bin/Store.DLL"));
        assert!(glob("bin/*", "Bin/x"));
        assert!(!glob("*.exe", "a.dll"));
        assert!(glob("s?ore.exe", "store.exe"));
    }
}
