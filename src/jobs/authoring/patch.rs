//! `msikit patch create`: a patch (.msp) from target and upgraded images and a patch manifest.
//!
//! For each target (an old `.msi` and the upgraded `.msi` it should become) the patch holds a
//! pair of transforms, as PatchWiz and WiX write them:
//!
//! * the main transform `NAME`: the target's database to the upgraded one (new versions and sizes
//!   of changed files, new rows, ProductVersion...). Before the difference is taken, the upgraded
//!   image's Media table and the sequence numbers of files the patch does not carry are set to the
//!   target's, so a rebuilt image that numbered its files differently cannot send the installer
//!   to the wrong media for a file the patch leaves alone;
//! * the `#NAME` transform, applied after it, which adds what patching needs: a Media row for the
//!   patch's cabinet (DiskId above the target's, LastSequence the last patch sequence, Cabinet
//!   `#STREAM`, Source `_<patch code hex>`), the sequence numbers of the files the patch carries
//!   (above every target's last sequence, so they are read from the patch's cabinet), the
//!   PatchAdded attribute (0x1000) on every file the patch carries, a PatchPackage row (patch
//!   code, DiskId) and the properties `PATCHNEWPACKAGECODE`, `PATCHNEWSUMMARYSUBJECT`,
//!   `PATCHNEWSUMMARYCOMMENTS`, `<id>.PatchCode` and `<id>.AllowRemoval`.
//!
//! PatchAdded goes on replaced files too, not only on new ones, as WiX writes it: the installer
//! moves the sequence numbers of PatchAdded files of each applied patch into a range of their own
//! (Wine's `patch_set_offsets` does exactly that), and a file left out of that is looked up by its
//! authored sequence number, which an earlier patch's media may then claim: with Update Rollup 1
//! installed, Wine skipped Update Rollup 2's replaced files as "obsoleted by patch" until they
//! were marked.
//!
//! A file is carried when it is new in the upgraded image, or when its File row (other than
//! Sequence and Attributes) or its bytes differ from the target's. Every carried file goes whole
//! into one MSZIP cabinet, a stream of the patch named by its File key; a file several targets
//! carry must have the same bytes in each upgraded image. Binary deltas are not written.
//!
//! The patch's own database holds MsiPatchMetadata (the manifest's `[metadata]`, and
//! AllowRemoval, ManufacturerName and TargetProductName unless given) and MsiPatchSequence
//! (family, sequence, supersede flag). Its summary: Template (PID 7) the target product codes,
//! LastSavedBy (PID 8) the transform storages in order (`:NAME;:#NAME;...`), Revision (PID 9) the
//! patch code followed by the codes it obsoletes, WordCount 4 (Windows Installer 3.0), and
//! every transform's PID 16 the manifest's validation and error-suppression flags (MsiTran
//! letters; by default `grux` = product, upgrade code, major.minor.build equal, and `abcde`).
//!
//! The file is a compound file with the patch CLSID; transform storages carry the transform
//! CLSID. Everything is deterministic: dates come from the manifest or `SOURCE_DATE_EPOCH`.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::build::{filetime, guid, timestamp};
use super::schema::standard;
use crate::database::{DatabaseModel, TableData};
use crate::error::{Error, Result};
use crate::formats::cabinet::write::{write_cabinet, NewFile};
use crate::formats::cabinet::Cabinet;
use crate::formats::container::{
    build_compound_file, Container, NewEntry, PackageKind, CLSID_PATCH, CLSID_TRANSFORM,
};
use crate::formats::summary::write::SummaryWriter;
use crate::formats::summary::{pid, ErrorFlags, ValidationFlags};
use crate::formats::tables::Value;
use crate::views::transform::generate::generate;
use crate::views::transform::write::{write_transform, TransformOptions};

/// The patch manifest (`PATCH.toml`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PatchManifest {
    pub patch: PatchSection,
    /// MsiPatchMetadata rows (Company NULL): DisplayName, Description, "KBArticle Number",
    /// Classification, ManufacturerName, TargetProductName, MoreInfoURL, ...
    #[serde(default)]
    pub metadata: BTreeMap<String, String>,
    /// Targets (old and upgraded images), besides those given on the command line.
    #[serde(default, rename = "target")]
    pub targets: Vec<Target>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PatchSection {
    /// The patch code (GUID).
    pub code: String,
    /// Patch codes this patch obsoletes (summary PID 9).
    #[serde(default)]
    pub obsoletes: Vec<String>,
    /// The MsiPatchSequence family.
    pub family: String,
    /// The position in the family (a version). Default: the first upgraded image's
    /// ProductVersion.
    pub sequence: Option<String>,
    /// Supersede earlier patches of the family (MsiPatchSequence.Attributes 1).
    #[serde(default)]
    pub supersede: bool,
    /// The prefix of the `<id>.PatchCode` and `<id>.AllowRemoval` properties. Default: the family.
    pub id: Option<String>,
    /// The cabinet's stream name. Default `<family>.cab`.
    pub cabinet: Option<String>,
    /// The Media DiskId of the patch's cabinet. Default: one above every target's.
    pub disk_id: Option<i16>,
    /// The first sequence number of the patch's files. Default: one above every target's.
    pub first_sequence: Option<i32>,
    /// MsiPatchMetadata AllowRemoval. Default true.
    pub allow_removal: Option<bool>,
    /// Transform validation, MsiTran letters. Default `grux`.
    pub validation: Option<String>,
    /// Transform error suppression, MsiTran letters. Default `abcde`.
    pub errors: Option<String>,
    /// Seconds since 1970 for every date. Default `SOURCE_DATE_EPOCH`, else 1980-01-01.
    pub timestamp: Option<i64>,
    /// The cabinet's compression: 0 stores, 1 to 10 are MSZIP levels. Default 3.
    pub compression_level: Option<u8>,
}

/// One target: an old image and the upgraded image it becomes, each an installation database or
/// a build manifest (`.toml`, built in memory).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Target {
    pub old: PathBuf,
    pub new: PathBuf,
    /// The transform storage name (the `#` transform is `#NAME`). Default `T<n>`.
    pub name: Option<String>,
}

/// What `msikit patch create` made.
#[derive(Debug, Clone, Serialize)]
pub struct PatchReport {
    pub output: String,
    pub patch_code: String,
    pub family: String,
    pub sequence: String,
    pub targets: Vec<TargetReport>,
    pub files: Vec<PatchedFile>,
    pub cabinet: String,
    pub cabinet_bytes: usize,
    pub patch_bytes: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct TargetReport {
    pub transform: String,
    pub product_code: String,
    pub old_version: String,
    pub new_version: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct PatchedFile {
    pub file: String,
    pub sequence: i32,
    pub new: bool,
    pub size: usize,
}

/// Reads a patch manifest; target paths in it are relative to its folder.
pub fn read_manifest(path: &Path) -> Result<PatchManifest> {
    let name = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(e).in_file(&name))?;
    let mut m: PatchManifest = toml::from_str(&text).map_err(|e| {
        Error::invalid(format!(
            "not a patch manifest: {}",
            super::manifest::toml_error(&text, &e)
        ))
        .in_file(&name)
    })?;
    let dir = path.parent().unwrap_or(Path::new(""));
    for t in &mut m.targets {
        t.old = dir.join(&t.old);
        t.new = dir.join(&t.new);
    }
    Ok(m)
}

/// Builds the patch and writes it to `output` (through a temporary file and a rename).
pub fn create_file(m: &PatchManifest, output: &Path) -> Result<PatchReport> {
    let (bytes, mut report) = create(m)?;
    crate::formats::files::write_atomically(output, &bytes)?;
    report.output = output.display().to_string();
    report.patch_bytes = bytes.len();
    Ok(report)
}

fn col(t: &TableData, name: &str) -> Result<usize> {
    t.def
        .column_index(name)
        .ok_or_else(|| Error::malformed(format!("table {} has no column {name}", t.def.name)))
}

fn table<'m>(m: &'m DatabaseModel, name: &str, file: &Path) -> Result<&'m TableData> {
    m.table(name).ok_or_else(|| {
        Error::malformed(format!("has no {name} table")).in_file(file.display().to_string())
    })
}

fn int_at(r: &[Value], c: usize) -> i32 {
    match r.get(c) {
        Some(Value::Int(i)) => *i,
        _ => 0,
    }
}

fn str_at(r: &[Value], c: usize) -> Option<&str> {
    match r.get(c) {
        Some(Value::Str(s)) => Some(s),
        _ => None,
    }
}

/// The bytes of the files `wanted` (File keys) of the package at `path`, read from its cabinets
/// (embedded, or beside the package).
fn payload(
    model: &DatabaseModel,
    path: &Path,
    wanted: &[&str],
) -> Result<HashMap<String, Vec<u8>>> {
    let mut out = HashMap::new();
    if wanted.is_empty() {
        return Ok(out);
    }
    let media = table(model, "Media", path)?;
    let cab_col = col(media, "Cabinet")?;
    for r in &media.rows {
        let Some(cab) = str_at(r, cab_col) else {
            continue;
        };
        let cabinet = match cab.strip_prefix('#') {
            Some(stream) => {
                let bytes = model.streams.get(stream).ok_or_else(|| {
                    Error::malformed(format!("Media names the stream {stream}, which is missing"))
                        .in_file(path.display().to_string())
                })?;
                Cabinet::parse(bytes.clone())
            }
            None => Cabinet::open(&path.parent().unwrap_or(Path::new("")).join(cab)),
        }
        .map_err(|e| e.at(format!("cabinet {cab} of {}", path.display())))?;
        cabinet.for_each_file(|f, data| {
            if wanted.contains(&f.name.as_str()) && !out.contains_key(&f.name) {
                out.insert(f.name.clone(), data.to_vec());
            }
            Ok(())
        })?;
    }
    if let Some(missing) = wanted.iter().find(|k| !out.contains_key(**k)) {
        return Err(Error::malformed(format!(
            "file {missing} is in no cabinet of the package (uncompressed source images are \
             not supported)"
        ))
        .in_file(path.display().to_string()));
    }
    Ok(out)
}

struct Prepared {
    name: String,
    old_path: PathBuf,
    old: DatabaseModel,
    new: DatabaseModel,
    /// Carried files: key -> new?
    carried: Vec<(String, bool)>,
    bytes: HashMap<String, Vec<u8>>,
}

fn prop(m: &DatabaseModel, name: &str, file: &Path) -> Result<String> {
    m.property(name).map(str::to_string).ok_or_else(|| {
        Error::malformed(format!("has no {name} property")).in_file(file.display().to_string())
    })
}

/// A target or upgraded image: an installation database, or a build manifest (`.toml`), built in
/// memory, so a patch can be made straight from the manifests of both images.
fn load_image(path: &Path) -> Result<DatabaseModel> {
    if path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("toml"))
    {
        let m = super::manifest::read(path)?;
        let built = super::build::build(&m).map_err(|e| e.in_file(path.display().to_string()))?;
        return Ok(built.model);
    }
    crate::views::transform::load_model(path)
}

/// Works out which files a target's patch carries, and normalises the upgraded image.
fn prepare(t: &Target, index: usize) -> Result<Prepared> {
    let old = load_image(&t.old)?;
    let mut new = load_image(&t.new)?;
    let of = table(&old, "File", &t.old)?;
    let nf = table(&new, "File", &t.new)?.clone();
    let seq = col(&nf, "Sequence")?;
    let attrs = col(&nf, "Attributes")?;
    let old_by_key: HashMap<&str, &Vec<Value>> = of
        .rows
        .iter()
        .filter_map(|r| str_at(r, 0).map(|k| (k, r)))
        .collect();
    // Rows equal apart from Sequence and Attributes: the bytes decide.
    let mut same_row = Vec::new();
    let mut carried = Vec::new();
    for r in &nf.rows {
        let Some(key) = str_at(r, 0) else { continue };
        match old_by_key.get(key) {
            None => carried.push((key.to_string(), true)),
            Some(o) => {
                let differs = r
                    .iter()
                    .zip(o.iter())
                    .enumerate()
                    .any(|(c, (a, b))| c != seq && c != attrs && a != b);
                if differs {
                    carried.push((key.to_string(), false));
                } else {
                    same_row.push(key.to_string());
                }
            }
        }
    }
    let same_keys: Vec<&str> = same_row.iter().map(String::as_str).collect();
    let old_bytes = payload(&old, &t.old, &same_keys)?;
    let mut all: Vec<&str> = same_keys.clone();
    all.extend(carried.iter().map(|(k, _)| k.as_str()));
    let mut bytes = payload(&new, &t.new, &all)?;
    for k in &same_row {
        if old_bytes.get(k) != bytes.get(k) {
            carried.push((k.clone(), false));
        }
    }
    bytes.retain(|k, _| carried.iter().any(|(c, _)| c == k));

    // Normalise the upgraded image: the target's Media, and the target's sequence numbers and
    // attributes for files the patch does not carry.
    if let Some(m) = old.table("Media") {
        if let Some(nm) = new.table_mut("Media") {
            nm.rows = m.rows.clone();
        }
    }
    if let Some(t_new) = new.table_mut("File") {
        for r in &mut t_new.rows {
            let Some(key) = str_at(r, 0).map(str::to_string) else {
                continue;
            };
            if carried.iter().any(|(k, _)| *k == key) {
                continue;
            }
            if let Some(o) = old_by_key.get(key.as_str()) {
                r[seq] = o[seq].clone();
                r[attrs] = o[attrs].clone();
            }
        }
    }
    carried.sort();
    Ok(Prepared {
        name: t.name.clone().unwrap_or_else(|| format!("T{}", index + 1)),
        old_path: t.old.clone(),
        old,
        new,
        carried,
        bytes,
    })
}

/// The patch's bytes and report.
pub fn create(m: &PatchManifest) -> Result<(Vec<u8>, PatchReport)> {
    let p = &m.patch;
    if m.targets.is_empty() {
        return Err(Error::invalid(
            "a patch needs at least one target (--target OLD.msi --upgraded NEW.msi, or \
             [[target]] in the manifest)",
        ));
    }
    let patch_code = guid(&p.code, "[patch] code")?;
    let obsoletes = p
        .obsoletes
        .iter()
        .map(|o| guid(o, "[patch] obsoletes"))
        .collect::<Result<Vec<_>>>()?;
    if p.family.is_empty() || p.family.len() > 72 {
        return Err(Error::invalid("[patch] family must be 1 to 72 characters"));
    }
    let id = p.id.clone().unwrap_or_else(|| p.family.clone());
    let cabinet = p
        .cabinet
        .clone()
        .unwrap_or_else(|| format!("{}.cab", p.family));
    let validation = ValidationFlags::from_letters(p.validation.as_deref().unwrap_or("grux"))?;
    let errors = ErrorFlags::from_letters(p.errors.as_deref().unwrap_or("abcde"))?;
    let when = timestamp(p.timestamp)?;
    let allow_removal = p.allow_removal.unwrap_or(true);

    let mut prepared = Vec::with_capacity(m.targets.len());
    for (i, t) in m.targets.iter().enumerate() {
        prepared.push(prepare(t, i)?);
    }
    let mut names: Vec<&str> = prepared.iter().map(|t| t.name.as_str()).collect();
    names.sort_unstable();
    names.dedup();
    if names.len() != prepared.len() {
        return Err(Error::invalid("two targets have the same transform name"));
    }

    // The union of carried files, one sequence each, and their bytes (equal across targets).
    let mut files: BTreeMap<String, (bool, Vec<u8>)> = BTreeMap::new();
    for t in &prepared {
        for (k, is_new) in &t.carried {
            let data = t.bytes.get(k).cloned().unwrap_or_default();
            match files.get(k) {
                Some((_, d)) if *d != data => {
                    return Err(Error::refused(format!(
                        "file {k} has different bytes in two upgraded images; one patch \
                         cabinet cannot hold both"
                    )))
                }
                Some(_) => {}
                None => {
                    files.insert(k.clone(), (*is_new, data));
                }
            }
        }
    }
    let mut max_disk = 0i32;
    let mut max_seq = 0i32;
    for t in &prepared {
        for mdl in [&t.old, &t.new] {
            if let Some(media) = mdl.table("Media") {
                let (d, l) = (col(media, "DiskId")?, col(media, "LastSequence")?);
                for r in &media.rows {
                    max_disk = max_disk.max(int_at(r, d));
                    max_seq = max_seq.max(int_at(r, l));
                }
            }
            if let Some(f) = mdl.table("File") {
                let s = col(f, "Sequence")?;
                for r in &f.rows {
                    max_seq = max_seq.max(int_at(r, s));
                }
            }
        }
    }
    let disk_id = p
        .disk_id
        .map(i32::from)
        .unwrap_or(max_disk + 1)
        .clamp(1, i32::from(i16::MAX));
    let first = p.first_sequence.unwrap_or(max_seq + 1).max(1);
    let sequence_of: HashMap<&str, i32> = files
        .keys()
        .enumerate()
        .map(|(i, k)| (k.as_str(), first + i as i32))
        .collect();
    let last_sequence = first + files.len().max(1) as i32 - 1;

    let first_new_version = prop(&prepared[0].new, "ProductVersion", &m.targets[0].new)?;
    let sequence = p.sequence.clone().unwrap_or(first_new_version);
    super::build::check_version(&sequence, "[patch] sequence")?;
    let subject = m
        .metadata
        .get("DisplayName")
        .cloned()
        .unwrap_or_else(|| format!("Patch {patch_code}"));
    let comments = m
        .metadata
        .get("Description")
        .cloned()
        .unwrap_or_else(|| subject.clone());
    let source = format!("_{}", patch_code.trim_matches(['{', '}']).replace('-', ""));

    // The transform pairs.
    let options = TransformOptions { validation, errors };
    let mut storages: Vec<(String, Vec<u8>)> = Vec::new();
    let mut target_reports = Vec::new();
    let mut product_codes: Vec<String> = Vec::new();
    for (t, spec) in prepared.iter().zip(&m.targets) {
        let main_plan = generate(&t.old, &t.new)?;
        let main = write_transform(&main_plan, &t.old, &t.new, &options)
            .map_err(|e| e.at(format!("transform {}", t.name)))?;
        let patched = patched_model(t, &sequence_of, disk_id, last_sequence, &cabinet, &source)
            .and_then(|mut mdl| {
                add_properties(
                    &mut mdl,
                    &[
                        ("PATCHNEWPACKAGECODE", patch_code.as_str()),
                        ("PATCHNEWSUMMARYSUBJECT", subject.as_str()),
                        ("PATCHNEWSUMMARYCOMMENTS", comments.as_str()),
                        (&format!("{id}.PatchCode"), patch_code.as_str()),
                        (
                            &format!("{id}.AllowRemoval"),
                            if allow_removal { "1" } else { "0" },
                        ),
                    ],
                )?;
                add_patch_package(&mut mdl, &patch_code, disk_id)?;
                Ok(mdl)
            })?;
        let paired_plan = generate(&t.new, &patched)?;
        let paired = write_transform(&paired_plan, &t.new, &patched, &options)
            .map_err(|e| e.at(format!("transform #{}", t.name)))?;
        storages.push((t.name.clone(), main));
        storages.push((format!("#{}", t.name), paired));
        let code = prop(&t.old, "ProductCode", &t.old_path)?;
        target_reports.push(TargetReport {
            transform: t.name.clone(),
            product_code: code.clone(),
            old_version: prop(&t.old, "ProductVersion", &spec.old)?,
            new_version: prop(&t.new, "ProductVersion", &spec.new)?,
        });
        if !product_codes.contains(&code) {
            product_codes.push(code);
        }
    }

    // The patch database.
    let entries: Vec<NewFile<'_>> = files
        .iter()
        .map(|(k, (_, d))| NewFile { name: k, data: d })
        .collect();
    let cab = write_cabinet(
        &entries,
        when,
        super::build::compression(p.compression_level)?,
    )?;
    let cabinet_bytes = cab.len();
    let mut metadata = m.metadata.clone();
    metadata
        .entry("AllowRemoval".into())
        .or_insert_with(|| if allow_removal { "1" } else { "0" }.into());
    if let Some(v) = prepared[0].old.property("Manufacturer") {
        metadata
            .entry("ManufacturerName".into())
            .or_insert_with(|| v.to_string());
    }
    if let Some(v) = prepared[0].old.property("ProductName") {
        metadata
            .entry("TargetProductName".into())
            .or_insert_with(|| v.to_string());
    }
    let mut meta_t = TableData::new(standard("MsiPatchMetadata")?);
    for (k, v) in &metadata {
        meta_t.rows.push(vec![
            Value::Null,
            Value::Str(k.clone()),
            Value::Str(v.clone()),
        ]);
    }
    let mut seq_t = TableData::new(standard("MsiPatchSequence")?);
    seq_t.rows.push(vec![
        Value::Str(p.family.clone()),
        Value::Null,
        Value::Str(sequence.clone()),
        Value::Int(i32::from(p.supersede)),
    ]);
    let author = metadata
        .get("ManufacturerName")
        .cloned()
        .unwrap_or_default();
    let mut summary = SummaryWriter::new(1252);
    summary
        .string(pid::TITLE, &subject)?
        .string(pid::SUBJECT, &subject)?
        .string(pid::AUTHOR, &author)?
        .string(pid::KEYWORDS, "Installer,Patching,PCP,Database")?
        .string(pid::COMMENTS, &comments)?
        .string(pid::TEMPLATE, &product_codes.join(";"))?
        .string(
            pid::LAST_SAVED_BY,
            &storages
                .iter()
                .map(|(n, _)| format!(":{n}"))
                .collect::<Vec<_>>()
                .join(";"),
        )?
        .string(
            pid::REVISION_NUMBER,
            &format!("{patch_code}{}", obsoletes.concat()),
        )?
        .filetime(pid::CREATE_TIME, filetime(when))
        .filetime(pid::LAST_SAVE_TIME, filetime(when))
        .int32(pid::WORD_COUNT, 4)
        .string(pid::CREATING_APPLICATION, "msikit")?
        .int32(pid::SECURITY, 4);
    let mut streams = BTreeMap::new();
    streams.insert(cabinet.clone(), cab);
    let db = DatabaseModel {
        codepage: 1252,
        tables: vec![meta_t, seq_t],
        streams,
        summary: Some(summary.to_bytes()),
    };
    let bytes = write_patch(&db, &storages)?;

    let report = PatchReport {
        output: String::new(),
        patch_code,
        family: p.family.clone(),
        sequence,
        targets: target_reports,
        files: files
            .iter()
            .map(|(k, (is_new, d))| PatchedFile {
                file: k.clone(),
                sequence: sequence_of.get(k.as_str()).copied().unwrap_or(0),
                new: *is_new,
                size: d.len(),
            })
            .collect(),
        cabinet,
        cabinet_bytes,
        patch_bytes: bytes.len(),
    };
    Ok((bytes, report))
}

/// msidbFileAttributesPatchAdded.
const PATCH_ADDED: i32 = 0x1000;

/// The upgraded image as the `#` transform leaves it: the patch media, the carried files moved
/// to the patch's sequence numbers and marked PatchAdded.
fn patched_model(
    t: &Prepared,
    sequence_of: &HashMap<&str, i32>,
    disk_id: i32,
    last_sequence: i32,
    cabinet: &str,
    source: &str,
) -> Result<DatabaseModel> {
    let mut m = t.new.clone();
    let media = m
        .table_mut("Media")
        .ok_or_else(|| Error::malformed("the upgraded image has no Media table"))?;
    if media.rows.iter().any(|r| int_at(r, 0) == disk_id) {
        return Err(Error::invalid(format!(
            "Media DiskId {disk_id} is taken in target {}; choose another with disk_id",
            t.name
        )));
    }
    media.rows.push(vec![
        Value::Int(disk_id),
        Value::Int(last_sequence),
        Value::Null,
        Value::Str(format!("#{cabinet}")),
        Value::Null,
        Value::Str(source.to_string()),
    ]);
    let file = m
        .table_mut("File")
        .ok_or_else(|| Error::malformed("the upgraded image has no File table"))?;
    let (seq, attrs) = (col(file, "Sequence")?, col(file, "Attributes")?);
    for r in &mut file.rows {
        let Some(key) = str_at(r, 0).map(str::to_string) else {
            continue;
        };
        if !t.carried.iter().any(|(k, _)| *k == key) {
            continue;
        };
        if let Some(&s) = sequence_of.get(key.as_str()) {
            r[seq] = Value::Int(s);
        }
        r[attrs] = Value::Int(int_at(r, attrs) | PATCH_ADDED);
    }
    Ok(m)
}

fn add_properties(m: &mut DatabaseModel, props: &[(&str, &str)]) -> Result<()> {
    let t = m
        .table_mut("Property")
        .ok_or_else(|| Error::malformed("the upgraded image has no Property table"))?;
    for (k, v) in props {
        let key = Value::Str(k.to_string());
        match t.find(&[&key]) {
            Some(i) => t.rows[i][1] = Value::Str(v.to_string()),
            None => t.rows.push(vec![key, Value::Str(v.to_string())]),
        }
    }
    Ok(())
}

fn add_patch_package(m: &mut DatabaseModel, patch_code: &str, disk_id: i32) -> Result<()> {
    if m.table("PatchPackage").is_none() {
        m.tables.push(TableData::new(standard("PatchPackage")?));
    }
    if let Some(t) = m.table_mut("PatchPackage") {
        t.rows.push(vec![
            Value::Str(patch_code.to_string()),
            Value::Int(disk_id),
        ]);
    }
    Ok(())
}

/// Streams by raw path, with their bytes.
type Streams = Vec<(String, Vec<u8>)>;

/// The patch file: the patch database's streams and a storage per transform.
fn write_patch(db: &DatabaseModel, storages: &[(String, Vec<u8>)]) -> Result<Vec<u8>> {
    let base = crate::database::write::write_database(db, PackageKind::Patch)?;
    let c = Container::from_bytes("patch", base)?;
    let mut owned: Vec<(String, Vec<u8>)> = Vec::new();
    for e in c.entries() {
        if e.is_storage {
            continue;
        }
        let raw = e.raw_path.clone();
        let leaf = raw.rsplit('/').next().unwrap_or("").to_string();
        owned.push((raw, c.read_raw_stream("", &leaf)?));
    }
    let mut storage_entries: Vec<(String, Streams)> = Vec::new();
    for (name, bytes) in storages {
        let t = Container::from_bytes(name, bytes.clone())?;
        let mut streams = Vec::new();
        for e in t.entries() {
            if e.is_storage {
                return Err(Error::malformed("a generated transform has a storage"));
            }
            let leaf = e.raw_path.rsplit('/').next().unwrap_or("").to_string();
            streams.push((format!("{name}/{leaf}"), t.read_raw_stream("", &leaf)?));
        }
        storage_entries.push((name.clone(), streams));
    }
    let mut entries: Vec<NewEntry<'_>> = owned
        .iter()
        .map(|(p, d)| NewEntry::Stream {
            path: p.clone(),
            data: d,
        })
        .collect();
    for (name, streams) in &storage_entries {
        entries.push(NewEntry::Storage {
            path: name.clone(),
            clsid: CLSID_TRANSFORM,
        });
        for (p, d) in streams {
            entries.push(NewEntry::Stream {
                path: p.clone(),
                data: d,
            });
        }
    }
    build_compound_file(CLSID_PATCH, &entries)
}
