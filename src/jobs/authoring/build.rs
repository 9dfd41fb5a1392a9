//! `msikit build MANIFEST.toml`: an installation database from a [`Manifest`].
//!
//! What is written, table by table (schemas in `super::schema`):
//!
//! * **Directory**: `TARGETDIR` (`SourceDir`), each standard folder a directory names as its
//!   parent (`ProgramFiles64Folder`, ...; `.` under TARGETDIR), and the manifest's directories,
//!   their DefaultDir `SHORT|Long Name` with a made-up 8.3 name when the long one is not one.
//! * **Feature**, **Component** (GUIDs as given, or derived from the upgrade code, the directory
//!   and the key path when `*`; 0x100 for 64-bit components, 0x10 permanent, 0x4 when the key path
//!   is a registry value), **FeatureComponents**.
//! * **File**: sequence numbers in manifest order from 1; size from the source; version and
//!   language as declared, else from the file's PE version resource ([`super::pe`]); attribute
//!   Vital (512) unless `vital = false`. Every file goes into one MSZIP cabinet embedded as the
//!   stream `product.cab`, named by its File key; **Media** row 1 points at it (`#product.cab`).
//! * **ServiceInstall** (own-process services, the component's key file being the program) and
//!   **ServiceControl** (stop/start/delete on install and uninstall as asked).
//! * **Registry**, **Property** (ProductCode, ProductName, ProductVersion, Manufacturer,
//!   ProductLanguage, UpgradeCode, ALLUSERS, then the manifest's).
//! * **InstallExecuteSequence** and **InstallUISequence** with the standard actions the tables
//!   need, at the sequence numbers the Windows Installer SDK gives them.
//! * Summary: Title "Installation Database", Subject the product name, Author the manufacturer,
//!   Template `x64;1033` or `Intel;1033`, Revision the package code, PageCount 200, WordCount 2
//!   (compressed, long names), Security 2, the dates of `Package::timestamp`.
//!
//! The same manifest and sources give the same bytes: nothing reads the clock or a random
//! source. The package code, when not given, is derived from everything else the package holds.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;

use serde::Serialize;
use sha2::{Digest, Sha256};

use super::manifest::{self, Manifest, RegistryValue};
use super::schema::standard;
use crate::database::{DatabaseModel, TableData};
use crate::error::{Error, Result};
use crate::formats::cabinet::write::{write_cabinet, Compression, NewFile, DOS_EPOCH_UNIX};
use crate::formats::container::PackageKind;
use crate::formats::guid::Guid;
use crate::formats::summary::pid;
use crate::formats::summary::write::SummaryWriter;
use crate::formats::tables::Value;

/// What `msikit build` made.
#[derive(Debug, Clone, Serialize)]
pub struct BuildReport {
    pub output: String,
    pub product_name: String,
    pub product_version: String,
    pub product_code: String,
    pub package_code: String,
    pub platform: String,
    pub files: usize,
    pub components: usize,
    pub services: usize,
    pub registry_values: usize,
    pub tables: usize,
    pub cabinet_bytes: usize,
    pub package_bytes: usize,
}

/// The model of the database a manifest describes (summary included), and the report.
pub struct Built {
    pub model: DatabaseModel,
    pub report: BuildReport,
}

/// Reads `manifest_path` (and what it extends) and writes the package to `output` through a
/// temporary file and a rename.
pub fn build_file(manifest_path: &Path, output: &Path) -> Result<BuildReport> {
    let m = manifest::read(manifest_path)?;
    let built = build(&m).map_err(|e| e.in_file(manifest_path.display().to_string()))?;
    let bytes = crate::database::write::write_database(&built.model, PackageKind::Database)
        .map_err(|e| e.in_file(output.display().to_string()))?;
    crate::formats::files::write_atomically(output, &bytes)?;
    let mut report = built.report;
    report.output = output.display().to_string();
    report.package_bytes = bytes.len();
    Ok(report)
}

/// The date every part of the package carries: the manifest's, else `SOURCE_DATE_EPOCH`, else
/// 1980-01-01 (the earliest a cabinet can hold).
pub fn timestamp(declared: Option<i64>) -> Result<i64> {
    if let Some(t) = declared {
        return Ok(t);
    }
    match std::env::var("SOURCE_DATE_EPOCH") {
        Ok(v) => v.trim().parse().map_err(|_| {
            Error::invalid(format!(
                "SOURCE_DATE_EPOCH is {v:?}, not a number of seconds"
            ))
        }),
        Err(_) => Ok(DOS_EPOCH_UNIX),
    }
}

/// The cabinet compression of a manifest's `compression_level`: 0 stores, 1 to 10 are MSZIP
/// deflate levels; the default is `crate::formats::cabinet::write::DEFAULT_COMPRESSION`.
pub fn compression(level: Option<u8>) -> Result<Compression> {
    match level {
        None => Ok(crate::formats::cabinet::write::DEFAULT_COMPRESSION),
        Some(0) => Ok(Compression::None),
        Some(l @ 1..=10) => Ok(Compression::MsZip(l)),
        Some(l) => Err(Error::invalid(format!(
            "compression_level {l} is not 0 (stored) or 1 to 10 (MSZIP)"
        ))),
    }
}

/// Seconds since 1970 as a FILETIME (100 ns since 1601).
pub fn filetime(unix: i64) -> u64 {
    (unix.max(-11_644_473_600) + 11_644_473_600) as u64 * 10_000_000
}

/// A GUID in the registry form Windows Installer uses: upper case, in braces. `what` names it in
/// the error.
pub(crate) fn guid(s: &str, what: &str) -> Result<String> {
    let inner = s.trim().trim_start_matches('{').trim_end_matches('}');
    let g = Guid::parse_bare(inner)
        .ok_or_else(|| Error::invalid(format!("{what}: {s:?} is not a GUID")))?;
    Ok(g.to_string())
}

/// The registry form of `u`, upper case in braces.
pub(crate) fn braced(u: &uuid::Uuid) -> String {
    Guid::from_uuid(*u).to_string()
}

/// A GUID derived from `parts` (SHA-256, as a version 8 UUID): stable across builds.
pub(crate) fn derived_guid(parts: &[&str]) -> String {
    let mut h = Sha256::new();
    for p in parts {
        h.update(p.as_bytes());
        h.update([0]);
    }
    let d = h.finalize();
    let mut b = [0u8; 16];
    b.copy_from_slice(&d[..16]);
    braced(&uuid::Builder::from_custom_bytes(b).into_uuid())
}

fn s(v: &str) -> Value {
    Value::Str(v.to_string())
}
fn opt(v: Option<&str>) -> Value {
    v.map_or(Value::Null, s)
}
fn int(v: i32) -> Value {
    Value::Int(v)
}

fn need<'a>(v: &'a Option<String>, what: &str) -> Result<&'a str> {
    v.as_deref()
        .ok_or_else(|| Error::invalid(format!("the manifest has no {what}")))
}

/// A `a.b.c.d` version (1 to 4 parts, each at most 65535).
pub(crate) fn check_version(v: &str, what: &str) -> Result<()> {
    let parts: Vec<&str> = v.split('.').collect();
    let ok = (1..=4).contains(&parts.len()) && parts.iter().all(|p| p.parse::<u16>().is_ok());
    if ok {
        Ok(())
    } else {
        Err(Error::invalid(format!(
            "{what}: {v:?} is not a version (1 to 4 numbers up to 65535, joined by dots)"
        )))
    }
}

/// Identifiers are what the Identifier column type allows: letters, digits, `_` and `.`, not
/// starting with a digit or `.`, at most 72 characters.
fn check_id(id: &str, what: &str) -> Result<()> {
    let ok = !id.is_empty()
        && id.len() <= 72
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
        && !id.starts_with(|c: char| c.is_ascii_digit() || c == '.');
    if ok {
        Ok(())
    } else {
        Err(Error::invalid(format!(
            "{what} id {id:?} is not an identifier (letters, digits, _ and ., up to 72, \
             not starting with a digit or .)"
        )))
    }
}

/// The standard folders a directory may name as its parent (created under TARGETDIR).
const STANDARD_FOLDERS: &[&str] = &[
    "AdminToolsFolder",
    "AppDataFolder",
    "CommonAppDataFolder",
    "CommonFiles64Folder",
    "CommonFilesFolder",
    "DesktopFolder",
    "FontsFolder",
    "LocalAppDataFolder",
    "PersonalFolder",
    "ProgramFiles64Folder",
    "ProgramFilesFolder",
    "ProgramMenuFolder",
    "StartMenuFolder",
    "StartupFolder",
    "System64Folder",
    "SystemFolder",
    "TempFolder",
    "WindowsFolder",
    "WindowsVolume",
];

/// Whether `name` is already a valid 8.3 name (what may stand alone in a Filename column).
fn is_short_name(name: &str) -> bool {
    let (base, ext) = match name.rsplit_once('.') {
        Some((b, e)) => (b, Some(e)),
        None => (name, None),
    };
    let ok_char = |c: char| c.is_ascii_alphanumeric() || "_-!#$%&'()@^`{}~".contains(c);
    !base.is_empty()
        && base.len() <= 8
        && base.chars().all(ok_char)
        && ext.is_none_or(|e| !e.is_empty() && e.len() <= 3 && e.chars().all(ok_char))
}

/// Gives each long name in one directory a unique 8.3 name, as `SHORT~N.EXT`.
#[derive(Default)]
struct ShortNames {
    taken: HashMap<String, HashSet<String>>,
    next: HashMap<(String, String, String), u32>,
}

impl ShortNames {
    /// The Filename-column value for `long` in the directory `dir`: `long` alone when it is a
    /// short name already, else `SHORT~N.EXT|long`.
    fn filename(&mut self, dir: &str, long: &str) -> Result<String> {
        if long.is_empty() || long.contains(['\\', '/', ':', '*', '?', '"', '<', '>', '|']) {
            return Err(Error::invalid(format!(
                "{long:?} cannot be a file or directory name"
            )));
        }
        let taken = self.taken.entry(dir.to_string()).or_default();
        if is_short_name(long) {
            taken.insert(long.to_ascii_uppercase());
            return Ok(long.to_string());
        }
        let (base, ext) = match long.rsplit_once('.') {
            Some((b, e)) if !b.is_empty() => (b, e),
            _ => (long, ""),
        };
        let clean = |t: &str| -> String {
            t.chars()
                .filter(|c| c.is_ascii_alphanumeric() || *c == '_')
                .map(|c| c.to_ascii_uppercase())
                .collect()
        };
        let base = clean(base);
        let ext: String = clean(ext).chars().take(3).collect();
        let key = (
            dir.to_string(),
            base.chars().take(8).collect::<String>(),
            ext.clone(),
        );
        let start = self.next.get(&key).copied().unwrap_or(1);
        for n in start..1_000_000 {
            let tail = format!("~{n}");
            let keep = 8usize.saturating_sub(tail.len());
            let stem: String = base.chars().take(keep).collect();
            let short = if ext.is_empty() {
                format!("{stem}{tail}")
            } else {
                format!("{stem}{tail}.{ext}")
            };
            if taken.insert(short.clone()) {
                self.next.insert(key, n + 1);
                return Ok(format!("{short}|{long}"));
            }
        }
        Err(Error::unsupported(format!(
            "no free short name for {long:?}: a million names in one folder"
        )))
    }
}

/// The ServiceControl event bits of `when` (`install`, `uninstall`, `both`, `none`).
fn events(when: Option<&str>, default: &str, install: i32, uninstall: i32) -> Result<i32> {
    match when.unwrap_or(default) {
        "none" => Ok(0),
        "install" => Ok(install),
        "uninstall" => Ok(uninstall),
        "both" => Ok(install | uninstall),
        other => Err(Error::invalid(format!(
            "{other:?} is not one of install, uninstall, both, none"
        ))),
    }
}

/// One file's bytes and what the File table says of it.
struct FileData {
    bytes: Vec<u8>,
    version: Option<String>,
    language: Option<String>,
}

fn read_file(f: &manifest::File) -> Result<FileData> {
    let path = Manifest::source_path(f);
    let bytes = std::fs::read(&path).map_err(|e| {
        Error::io(e)
            .in_file(path.display().to_string())
            .at(format!("source of file {}", f.id))
    })?;
    let pe = if f.version.is_none() || f.language.is_none() {
        super::pe::version_resource(&bytes).map_err(|e| e.in_file(path.display().to_string()))?
    } else {
        None
    };
    let version = f
        .version
        .clone()
        .or_else(|| pe.as_ref().map(|p| p.version.clone()));
    let language = f
        .language
        .clone()
        .or_else(|| pe.as_ref().and_then(|p| p.language).map(|l| l.to_string()));
    Ok(FileData {
        bytes,
        version,
        language,
    })
}

/// Builds the database a manifest describes.
pub fn build(m: &Manifest) -> Result<Built> {
    let p = &m.product;
    let name = need(&p.name, "product name ([product] name)")?;
    let manufacturer = need(&p.manufacturer, "manufacturer ([product] manufacturer)")?;
    let version = need(&p.version, "product version ([product] version)")?;
    check_version(version, "[product] version")?;
    let product_code = guid(
        need(&p.code, "product code ([product] code)")?,
        "[product] code",
    )?;
    let upgrade_code = guid(
        need(&p.upgrade_code, "upgrade code ([product] upgrade_code)")?,
        "[product] upgrade_code",
    )?;
    let language = p.language.unwrap_or(1033);
    let platform = match p.platform.as_deref().unwrap_or("Intel") {
        "x64" | "X64" | "amd64" => "x64",
        "Intel" | "intel" | "x86" => "Intel",
        other => {
            return Err(Error::invalid(format!(
                "[product] platform {other:?} is not x64 or Intel"
            )))
        }
    };
    let x64 = platform == "x64";
    let codepage = m.package.codepage.unwrap_or(1252);
    let when = timestamp(m.package.timestamp)?;
    let cabinet = m.package.cabinet.as_deref().unwrap_or("product.cab");

    let mut tables: BTreeMap<&str, TableData> = BTreeMap::new();
    let mut table = |name: &'static str| -> Result<()> {
        tables.insert(name, TableData::new(standard(name)?));
        Ok(())
    };
    for t in [
        "Directory",
        "Feature",
        "Component",
        "FeatureComponents",
        "File",
        "Media",
        "Property",
        "InstallExecuteSequence",
        "InstallUISequence",
    ] {
        table(t)?;
    }
    if !m.services.is_empty() {
        table("ServiceControl")?;
        if m.services.iter().any(|s| s.install != Some(false)) {
            table("ServiceInstall")?;
        }
    }
    if !m.registry.is_empty() {
        table("Registry")?;
    }
    let mut rows = |t: &str, row: Vec<Value>| {
        if let Some(td) = tables.get_mut(t) {
            td.rows.push(row);
        }
    };

    // Directories.
    let mut short = ShortNames::default();
    let dir_ids = directories(m, &mut short, &mut rows)?;

    let feature_ids = features(m, &mut rows)?;

    let (comp_ids, file_data, files_of) = read_files(m)?;
    components(
        m,
        x64,
        &upgrade_code,
        &dir_ids,
        &feature_ids,
        &files_of,
        &mut rows,
    )?;

    file_rows(m, &file_data, cabinet, &mut short, &mut rows)?;

    services(m, &comp_ids, &mut rows)?;

    registry(m, &comp_ids, &mut rows)?;

    // Properties.
    let mut props: BTreeMap<&str, String> = BTreeMap::new();
    props.insert("ProductCode", product_code.clone());
    props.insert("ProductName", name.to_string());
    props.insert("ProductVersion", version.to_string());
    props.insert("Manufacturer", manufacturer.to_string());
    props.insert("ProductLanguage", language.to_string());
    props.insert("UpgradeCode", upgrade_code.clone());
    if p.per_machine.unwrap_or(true) {
        props.insert("ALLUSERS", "1".into());
    }
    for (k, v) in &m.properties {
        check_id(k, "property")?;
        props.insert(k, v.clone());
    }
    for (k, v) in &props {
        rows("Property", vec![s(k), s(v)]);
    }

    sequences(m, &mut rows);

    // The cabinet.
    let mut streams = BTreeMap::new();
    let cab_bytes = if m.files.is_empty() {
        0
    } else {
        let entries: Vec<NewFile<'_>> = m
            .files
            .iter()
            .zip(&file_data)
            .map(|(f, d)| NewFile {
                name: &f.id,
                data: &d.bytes,
            })
            .collect();
        let cab = write_cabinet(&entries, when, compression(m.package.compression_level)?)?;
        let n = cab.len();
        streams.insert(cabinet.to_string(), cab);
        n
    };

    let order = [
        "Directory",
        "Feature",
        "Component",
        "FeatureComponents",
        "File",
        "Media",
        "Property",
        "Registry",
        "ServiceInstall",
        "ServiceControl",
        "InstallExecuteSequence",
        "InstallUISequence",
    ];
    let mut model = DatabaseModel {
        codepage,
        tables: order.iter().filter_map(|t| tables.remove(t)).collect(),
        streams,
        summary: None,
    };

    let package_code = match m.package.code.as_deref() {
        Some(c) => guid(c, "[package] code")?,
        None => content_guid(&model),
    };
    let comments = m.package.comments.clone().unwrap_or_else(|| {
        format!("This installer database contains the logic and data required to install {name}.")
    });
    let mut summary = SummaryWriter::new(u16::try_from(codepage).unwrap_or(1252));
    summary
        .string(pid::TITLE, "Installation Database")?
        .string(pid::SUBJECT, name)?
        .string(pid::AUTHOR, manufacturer)?
        .string(pid::KEYWORDS, "Installer")?
        .string(pid::COMMENTS, &comments)?
        .string(pid::TEMPLATE, &format!("{platform};{language}"))?
        .string(pid::REVISION_NUMBER, &package_code)?
        .filetime(pid::CREATE_TIME, filetime(when))
        .filetime(pid::LAST_SAVE_TIME, filetime(when))
        .int32(pid::PAGE_COUNT, m.package.installer_version.unwrap_or(200))
        .int32(pid::WORD_COUNT, 2)
        .string(pid::CREATING_APPLICATION, "msikit")?
        .int32(pid::SECURITY, 2);
    model.summary = Some(summary.to_bytes());

    let report = BuildReport {
        output: String::new(),
        product_name: name.to_string(),
        product_version: version.to_string(),
        product_code,
        package_code,
        platform: platform.to_string(),
        files: m.files.len(),
        components: m.components.len(),
        services: m.services.len(),
        registry_values: m.registry.len(),
        tables: model.tables.len(),
        cabinet_bytes: cab_bytes,
        package_bytes: 0,
    };
    Ok(Built { model, report })
}

/// Adds the manifest's directories (after TARGETDIR and the standard folders they use) to
/// the Directory table; returns every directory id.
fn directories<'m>(
    m: &'m Manifest,
    short: &mut ShortNames,
    rows: &mut dyn FnMut(&str, Vec<Value>),
) -> Result<HashSet<&'m str>> {
    let mut dir_ids: HashSet<&str> = HashSet::new();
    dir_ids.insert("TARGETDIR");
    rows(
        "Directory",
        vec![s("TARGETDIR"), Value::Null, s("SourceDir")],
    );
    let mut standard_used: Vec<&str> = Vec::new();
    for d in &m.directories {
        check_id(&d.id, "directory")?;
        if let Some(parent) = d.parent.as_deref() {
            if STANDARD_FOLDERS.contains(&parent) && !standard_used.contains(&parent) {
                standard_used.push(parent);
            }
        }
    }
    standard_used.sort_unstable();
    for f in &standard_used {
        rows("Directory", vec![s(f), s("TARGETDIR"), s(".")]);
        dir_ids.insert(f);
    }
    for d in &m.directories {
        if !dir_ids.insert(&d.id) {
            return Err(Error::invalid(format!(
                "directory {} is declared twice",
                d.id
            )));
        }
    }
    for d in &m.directories {
        let parent = d.parent.as_deref().unwrap_or("TARGETDIR");
        if !dir_ids.contains(parent) {
            return Err(Error::invalid(format!(
                "directory {}: parent {parent} is neither a directory of the manifest nor a \
                 standard folder",
                d.id
            )));
        }
        let default_dir = short.filename(&format!("dir:{parent}"), &d.name)?;
        rows("Directory", vec![s(&d.id), s(parent), s(&default_dir)]);
    }

    Ok(dir_ids)
}

/// Adds the features to the Feature table; returns their ids.
fn features<'m>(
    m: &'m Manifest,
    rows: &mut dyn FnMut(&str, Vec<Value>),
) -> Result<HashSet<&'m str>> {
    if m.features.is_empty() {
        return Err(Error::invalid(
            "the manifest declares no feature ([[feature]])",
        ));
    }
    let feature_ids: HashSet<&str> = m.features.iter().map(|f| f.id.as_str()).collect();
    for (i, f) in m.features.iter().enumerate() {
        check_id(&f.id, "feature")?;
        if f.id.len() > 38 {
            return Err(Error::invalid(format!(
                "feature id {} is longer than 38 characters",
                f.id
            )));
        }
        if let Some(par) = f.parent.as_deref() {
            if !feature_ids.contains(par) {
                return Err(Error::invalid(format!(
                    "feature {}: parent {par} is not a feature",
                    f.id
                )));
            }
        }
        rows(
            "Feature",
            vec![
                s(&f.id),
                opt(f.parent.as_deref()),
                opt(f.title.as_deref().or(Some(f.id.as_str()))),
                opt(f.description.as_deref()),
                int(i32::from(f.display.unwrap_or(2 * i as i16 + 1))),
                int(i32::from(f.level.unwrap_or(1))),
                Value::Null,
                int(0),
            ],
        );
    }

    Ok(feature_ids)
}

/// The files of a component, by index in the manifest.
type FilesOf<'m> = HashMap<&'m str, Vec<usize>>;

/// Reads the payload files (sequence, version); returns the component ids, each file's data
/// and the files of each component.
fn read_files(m: &Manifest) -> Result<(HashSet<&str>, Vec<FileData>, FilesOf<'_>)> {
    let comp_ids: HashSet<&str> = m.components.iter().map(|c| c.id.as_str()).collect();
    let mut file_data = Vec::with_capacity(m.files.len());
    let mut files_of: HashMap<&str, Vec<usize>> = HashMap::new();
    let mut seen_files = HashSet::new();
    for (i, f) in m.files.iter().enumerate() {
        check_id(&f.id, "file")?;
        if !seen_files.insert(f.id.as_str()) {
            return Err(Error::invalid(format!("file {} is declared twice", f.id)));
        }
        if !comp_ids.contains(f.component.as_str()) {
            return Err(Error::invalid(format!(
                "file {}: component {} is not declared",
                f.id, f.component
            )));
        }
        files_of.entry(f.component.as_str()).or_default().push(i);
        let d = read_file(f)?;
        if let Some(v) = &d.version {
            check_version(v, &format!("file {} version", f.id))?;
        }
        file_data.push(d);
    }
    Ok((comp_ids, file_data, files_of))
}

/// Adds the components to the Component and FeatureComponents tables.
fn components(
    m: &Manifest,
    x64: bool,
    upgrade_code: &str,
    dir_ids: &HashSet<&str>,
    feature_ids: &HashSet<&str>,
    files_of: &FilesOf<'_>,
    rows: &mut dyn FnMut(&str, Vec<Value>),
) -> Result<()> {
    let registry_ids: HashSet<&str> = m.registry.iter().map(|r| r.id.as_str()).collect();

    // Components.
    let mut seen_comps = HashSet::new();
    for c in &m.components {
        check_id(&c.id, "component")?;
        if !seen_comps.insert(c.id.as_str()) {
            return Err(Error::invalid(format!(
                "component {} is declared twice",
                c.id
            )));
        }
        if !dir_ids.contains(c.directory.as_str()) {
            return Err(Error::invalid(format!(
                "component {}: directory {} is not declared",
                c.id, c.directory
            )));
        }
        let files = files_of
            .get(c.id.as_str())
            .map(Vec::as_slice)
            .unwrap_or(&[]);
        let key_path = match c.key_path.as_deref() {
            Some(k) => {
                let is_file = files.iter().any(|&i| m.files[i].id == k);
                if !is_file && !registry_ids.contains(k) {
                    return Err(Error::invalid(format!(
                        "component {}: key path {k} is neither one of its files nor a registry \
                         value",
                        c.id
                    )));
                }
                Some(k)
            }
            None => files.first().map(|&i| m.files[i].id.as_str()),
        };
        let mut attributes = 0;
        if c.win64.unwrap_or(x64) {
            attributes |= 0x100;
        }
        if c.permanent {
            attributes |= 0x10;
        }
        if key_path.is_some_and(|k| registry_ids.contains(k)) {
            attributes |= 0x4;
        }
        let component_guid = if c.guid == "*" {
            let key_name = key_path
                .and_then(|k| files.iter().map(|&i| &m.files[i]).find(|f| f.id == k))
                .map(|f| file_name(f).to_ascii_lowercase())
                .unwrap_or_default();
            derived_guid(&[upgrade_code, &c.directory, &key_name, &c.id])
        } else {
            guid(&c.guid, &format!("component {} guid", c.id))?
        };
        rows(
            "Component",
            vec![
                s(&c.id),
                s(&component_guid),
                s(&c.directory),
                int(attributes),
                opt(c.condition.as_deref()),
                opt(key_path),
            ],
        );
        let features: Vec<&str> = if c.features.is_empty() {
            vec![m.features[0].id.as_str()]
        } else {
            c.features.iter().map(String::as_str).collect()
        };
        for f in features {
            if !feature_ids.contains(f) {
                return Err(Error::invalid(format!(
                    "component {}: feature {f} is not declared",
                    c.id
                )));
            }
            rows("FeatureComponents", vec![s(f), s(&c.id)]);
        }
    }

    Ok(())
}

/// Adds the files to the File table and, when there are any, their cabinet to Media.
fn file_rows(
    m: &Manifest,
    file_data: &[FileData],
    cabinet: &str,
    short: &mut ShortNames,
    rows: &mut dyn FnMut(&str, Vec<Value>),
) -> Result<()> {
    let dir_of: HashMap<&str, &str> = m
        .components
        .iter()
        .map(|c| (c.id.as_str(), c.directory.as_str()))
        .collect();
    for (i, (f, d)) in m.files.iter().zip(file_data).enumerate() {
        let size = i32::try_from(d.bytes.len())
            .map_err(|_| Error::unsupported(format!("file {} is 2 GiB or more", f.id)))?;
        let dir = dir_of.get(f.component.as_str()).copied().unwrap_or("");
        let filename = short.filename(&format!("file:{dir}"), file_name(f))?;
        let attributes = if f.vital.unwrap_or(true) { 512 } else { 0 };
        rows(
            "File",
            vec![
                s(&f.id),
                s(&f.component),
                s(&filename),
                int(size),
                opt(d.version.as_deref()),
                opt(d.language.as_deref()),
                int(attributes),
                int(i as i32 + 1),
            ],
        );
    }
    if !m.files.is_empty() {
        rows(
            "Media",
            vec![
                int(1),
                int(m.files.len() as i32),
                Value::Null,
                s(&format!("#{cabinet}")),
                Value::Null,
                Value::Null,
            ],
        );
    }

    Ok(())
}

/// Adds the services to the ServiceInstall and ServiceControl tables.
fn services(
    m: &Manifest,
    comp_ids: &HashSet<&str>,
    rows: &mut dyn FnMut(&str, Vec<Value>),
) -> Result<()> {
    for sv in &m.services {
        check_id(&sv.id, "service")?;
        if !comp_ids.contains(sv.component.as_str()) {
            return Err(Error::invalid(format!(
                "service {}: component {} is not declared",
                sv.id, sv.component
            )));
        }
        if sv.install != Some(false) {
            let start = match sv.start_type.as_deref().unwrap_or("demand") {
                "auto" => 2,
                "demand" => 3,
                "disabled" => 4,
                other => {
                    return Err(Error::invalid(format!(
                        "service {}: start_type {other:?} is not auto, demand or disabled",
                        sv.id
                    )))
                }
            };
            let error_control = match sv.error_control.as_deref().unwrap_or("normal") {
                "ignore" => 0,
                "normal" => 1,
                "critical" => 3,
                other => {
                    return Err(Error::invalid(format!(
                        "service {}: error_control {other:?} is not ignore, normal or critical",
                        sv.id
                    )))
                }
            };
            let deps = if sv.dependencies.is_empty() {
                None
            } else {
                Some(format!("{}[~][~]", sv.dependencies.join("[~]")))
            };
            rows(
                "ServiceInstall",
                vec![
                    s(&sv.id),
                    s(&sv.name),
                    opt(sv.display_name.as_deref()),
                    int(0x10),
                    int(start),
                    int(error_control),
                    Value::Null,
                    opt(deps.as_deref()),
                    opt(sv.account.as_deref()),
                    Value::Null,
                    opt(sv.arguments.as_deref()),
                    s(&sv.component),
                    opt(sv.description.as_deref()),
                ],
            );
        }
        let err = |e: Error| e.at(format!("service {}", sv.id));
        let event = events(sv.start.as_deref(), "none", 0x01, 0x10).map_err(err)?
            | events(sv.stop.as_deref(), "both", 0x02, 0x20).map_err(err)?
            | events(sv.remove.as_deref(), "uninstall", 0x08, 0x80).map_err(err)?;
        rows(
            "ServiceControl",
            vec![
                s(&sv.id),
                s(&sv.name),
                int(event),
                Value::Null,
                int(i32::from(sv.wait.unwrap_or(true))),
                s(&sv.component),
            ],
        );
    }

    Ok(())
}

/// Adds the registry values to the Registry table.
fn registry(
    m: &Manifest,
    comp_ids: &HashSet<&str>,
    rows: &mut dyn FnMut(&str, Vec<Value>),
) -> Result<()> {
    for r in &m.registry {
        check_id(&r.id, "registry value")?;
        if !comp_ids.contains(r.component.as_str()) {
            return Err(Error::invalid(format!(
                "registry value {}: component {} is not declared",
                r.id, r.component
            )));
        }
        let root = match r.root.as_str() {
            "HKMU" => -1,
            "HKCR" => 0,
            "HKCU" => 1,
            "HKLM" => 2,
            "HKU" => 3,
            other => {
                return Err(Error::invalid(format!(
                    "registry value {}: root {other:?} is not HKCR, HKCU, HKLM, HKU or HKMU",
                    r.id
                )))
            }
        };
        let value = match &r.value {
            None => None,
            Some(RegistryValue::Int(i)) => Some(format!("#{i}")),
            // A string that starts with # would be read as a number: escape it as #.
            Some(RegistryValue::Str(t)) if t.starts_with('#') => Some(format!("#{t}")),
            Some(RegistryValue::Str(t)) => Some(t.clone()),
        };
        rows(
            "Registry",
            vec![
                s(&r.id),
                int(root),
                s(&r.key),
                opt(r.name.as_deref()),
                opt(value.as_deref()),
                s(&r.component),
            ],
        );
    }

    Ok(())
}

/// Adds the standard actions (and those of services and registry values) to the
/// InstallExecuteSequence and InstallUISequence tables.
fn sequences(m: &Manifest, rows: &mut dyn FnMut(&str, Vec<Value>)) {
    let has = |t: &str| tables_has_rows(&m.services, &m.registry, t);
    let mut exec: Vec<(&str, Option<&str>, i32)> = vec![
        ("CostInitialize", None, 800),
        ("FileCost", None, 900),
        ("CostFinalize", None, 1000),
        ("InstallValidate", None, 1400),
        ("InstallInitialize", None, 1500),
        ("ProcessComponents", None, 1600),
        ("UnpublishFeatures", None, 1800),
        ("RemoveFiles", None, 3500),
        ("InstallFiles", None, 4000),
        ("RegisterUser", None, 6000),
        ("RegisterProduct", None, 6100),
        ("PublishFeatures", None, 6300),
        ("PublishProduct", None, 6400),
        ("InstallFinalize", None, 6600),
    ];
    if has("ServiceControl") {
        exec.push(("StopServices", Some("VersionNT"), 1900));
        exec.push(("DeleteServices", Some("VersionNT"), 2000));
        exec.push(("StartServices", Some("VersionNT"), 5900));
    }
    if has("ServiceInstall") {
        exec.push(("InstallServices", Some("VersionNT"), 5800));
    }
    if has("Registry") {
        exec.push(("RemoveRegistryValues", None, 2600));
        exec.push(("WriteRegistryValues", None, 5000));
    }
    exec.sort_by_key(|e| e.2);
    for (a, c, n) in exec {
        rows("InstallExecuteSequence", vec![s(a), opt(c), int(n)]);
    }
    for (a, n) in [
        ("CostInitialize", 800),
        ("FileCost", 900),
        ("CostFinalize", 1000),
        ("ExecuteAction", 1300),
    ] {
        rows("InstallUISequence", vec![s(a), Value::Null, int(n)]);
    }
}

fn tables_has_rows(
    services: &[manifest::Service],
    registry: &[manifest::Registry],
    t: &str,
) -> bool {
    match t {
        "ServiceControl" => !services.is_empty(),
        "ServiceInstall" => services.iter().any(|s| s.install != Some(false)),
        "Registry" => !registry.is_empty(),
        _ => false,
    }
}

/// A file's installed name: as declared, else the source's file name.
fn file_name(f: &manifest::File) -> &str {
    f.name.as_deref().unwrap_or_else(|| {
        f.source
            .rsplit(['/', '\\'])
            .next()
            .unwrap_or(f.source.as_str())
    })
}

/// A package code derived from every table row and stream of `model`.
fn content_guid(model: &DatabaseModel) -> String {
    let mut h = Sha256::new();
    h.update(model.codepage.to_le_bytes());
    for t in &model.tables {
        h.update(t.def.name.as_bytes());
        h.update([0]);
        for c in &t.def.columns {
            h.update(c.name.as_bytes());
            h.update(c.ty.0.to_le_bytes());
        }
        for r in &t.rows {
            for v in r {
                match v {
                    Value::Null => h.update([0]),
                    Value::Int(i) => {
                        h.update([1]);
                        h.update(i.to_le_bytes());
                    }
                    Value::Str(x) => {
                        h.update([2]);
                        h.update((x.len() as u64).to_le_bytes());
                        h.update(x.as_bytes());
                    }
                    Value::Stream(x) => {
                        h.update([3]);
                        h.update((x.len() as u64).to_le_bytes());
                        h.update(x.as_bytes());
                    }
                }
            }
        }
    }
    for (k, v) in &model.streams {
        h.update(k.as_bytes());
        h.update([0]);
        h.update(Sha256::digest(v));
    }
    let d = h.finalize();
    let mut b = [0u8; 16];
    b.copy_from_slice(&d[..16]);
    braced(&uuid::Builder::from_custom_bytes(b).into_uuid())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_names_are_unique_per_directory() {
        let mut n = ShortNames::default();
        assert_eq!(n.filename("d", "store.exe").unwrap(), "store.exe");
        assert_eq!(
            n.filename("d", "Microsoft.Exchange.Data.dll").unwrap(),
            "MICROS~1.DLL|Microsoft.Exchange.Data.dll"
        );
        assert_eq!(
            n.filename("d", "Microsoft.Exchange.Common.dll").unwrap(),
            "MICROS~2.DLL|Microsoft.Exchange.Common.dll"
        );
        assert_eq!(
            n.filename("e", "Exchange Server").unwrap(),
            "EXCHAN~1|Exchange Server"
        );
        assert!(n.filename("d", "a/b").is_err());
        for i in 3..12 {
            let f = n.filename("d", &format!("Microsoft.{i}.dll")).unwrap();
            let short = f.split('|').next().unwrap();
            assert!(short.len() <= 12, "{short}");
        }
    }

    #[test]
    fn guids_are_checked_and_braced() {
        assert_eq!(
            guid("24b2c164-de66-44fe-b468-a46d9d5e6b31", "x").unwrap(),
            "{24B2C164-DE66-44FE-B468-A46D9D5E6B31}"
        );
        assert!(guid("{nope}", "x").is_err());
        assert_eq!(derived_guid(&["a", "b"]), derived_guid(&["a", "b"]));
        assert_ne!(derived_guid(&["a", "b"]), derived_guid(&["ab", ""]));
    }

    #[test]
    fn versions_are_checked() {
        assert!(check_version("8.0.685.24", "v").is_ok());
        assert!(check_version("8.0.70000", "v").is_err());
        assert!(check_version("1.2.3.4.5", "v").is_err());
        assert!(check_version("", "v").is_err());
    }
}
