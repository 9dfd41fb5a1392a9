//! What is inside a package: the work behind `msikit info`, `tables`, `table`, `streams`, `cat`
//! and `export`. Each function opens the file, reads, and returns plain data for a renderer.

use std::path::Path;

use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::database::{open_database, read_summary, Database};
use crate::error::{Error, Missing, Place, Result};
use crate::formats::container::{Container, Entry, PackageKind};
use crate::formats::summary;

/// One table and its size.
#[derive(Debug, Clone, Serialize)]
pub struct TableSummary {
    pub name: String,
    pub rows: usize,
    pub columns: usize,
}

/// `msikit tables`: every table of the database, in catalog order, with row counts.
pub fn tables(path: &Path) -> Result<Vec<TableSummary>> {
    let c = Container::open(path)?;
    let db = open_database(&c)?;
    db.defs()
        .iter()
        .map(|d| {
            Ok(TableSummary {
                name: d.name.clone(),
                rows: db.row_count(&d.name)?,
                columns: d.columns.len(),
            })
        })
        .collect()
}

/// What a stream's bytes look like.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum StreamKind {
    Storage,
    Table,
    StringPool,
    Summary,
    Signature,
    Cabinet,
    Pe,
    /// A PatchAPI binary delta (mspatcha).
    Pa19,
    /// A MSDelta binary delta.
    Pa30,
    Cfb,
    Icon,
    Empty,
    Other,
}

impl StreamKind {
    pub fn as_str(self) -> &'static str {
        match self {
            StreamKind::Storage => "storage",
            StreamKind::Table => "table",
            StreamKind::StringPool => "string-pool",
            StreamKind::Summary => "summary",
            StreamKind::Signature => "signature",
            StreamKind::Cabinet => "cab",
            StreamKind::Pe => "pe",
            StreamKind::Pa19 => "pa19",
            StreamKind::Pa30 => "pa30",
            StreamKind::Cfb => "cfb",
            StreamKind::Icon => "icon",
            StreamKind::Empty => "empty",
            StreamKind::Other => "other",
        }
    }
}

/// Guesses the kind of a stream from its name and first bytes.
pub(crate) fn sniff(entry: &Entry, head: &[u8]) -> StreamKind {
    let leaf = entry.leaf();
    if entry.is_storage {
        return StreamKind::Storage;
    }
    if leaf.is_table {
        return match leaf.name.as_str() {
            "_StringPool" | "_StringData" => StreamKind::StringPool,
            _ => StreamKind::Table,
        };
    }
    match leaf.name.as_str() {
        "\u{5}SummaryInformation" | "\u{5}DocumentSummaryInformation" => {
            return StreamKind::Summary
        }
        "\u{5}DigitalSignature" | "\u{5}MsiDigitalSignatureEx" => return StreamKind::Signature,
        _ => {}
    }
    if head.is_empty() {
        StreamKind::Empty
    } else if head.starts_with(b"MSCF") {
        StreamKind::Cabinet
    } else if head.starts_with(b"MZ") {
        StreamKind::Pe
    } else if head.starts_with(b"PA19") {
        StreamKind::Pa19
    } else if head.starts_with(b"PA30") || head.get(4..8) == Some(b"PA30") {
        StreamKind::Pa30
    } else if head.starts_with(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) {
        StreamKind::Cfb
    } else if head.starts_with(&[0, 0, 1, 0]) {
        StreamKind::Icon
    } else {
        StreamKind::Other
    }
}

/// One storage or stream.
#[derive(Debug, Clone, Serialize)]
pub struct StreamInfo {
    /// Decoded path: `!File` for a table, `[5]SummaryInformation`, `RTM.1/!File` inside a storage.
    pub name: String,
    pub kind: StreamKind,
    pub size: u64,
    /// sha256 of the bytes (absent for storages).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
    /// A storage's CLSID, when it has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub clsid: Option<String>,
    /// Why the stream could not be read (a damaged or truncated file); the listing goes on.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The CLSID as `{XXXXXXXX-...}` in upper case.
pub(crate) fn clsid_text(u: &uuid::Uuid) -> String {
    crate::formats::guid::Guid::from_uuid(*u).to_string()
}

/// `msikit streams`: every storage and stream at any depth. A stream that cannot be read is
/// listed with its error; [`first_stream_error`] turns that into the verb's error.
pub fn streams(path: &Path) -> Result<Vec<StreamInfo>> {
    let c = Container::open(path)?;
    let mut out = Vec::new();
    // Sorted by decoded path, so a storage comes right before what it holds.
    let mut entries = c.entries();
    entries.sort_by_key(|e| e.display_path());
    for e in entries {
        if e.is_storage {
            out.push(StreamInfo {
                name: e.display_path(),
                kind: StreamKind::Storage,
                size: 0,
                sha256: None,
                clsid: (!e.clsid.is_nil()).then(|| clsid_text(&e.clsid)),
                error: None,
            });
            continue;
        }
        let leaf = e.raw_path.rsplit('/').next().unwrap_or("");
        match c.read_raw_stream(e.parent_raw(), leaf) {
            Ok(bytes) => out.push(StreamInfo {
                name: e.display_path(),
                kind: sniff(&e, &bytes[..bytes.len().min(8)]),
                size: bytes.len() as u64,
                sha256: Some(hex(&Sha256::digest(&bytes))),
                clsid: None,
                error: None,
            }),
            Err(err) => out.push(StreamInfo {
                name: e.display_path(),
                kind: StreamKind::Other,
                size: e.len,
                sha256: None,
                clsid: None,
                error: Some(err.message()),
            }),
        }
    }
    Ok(out)
}

/// `msikit cat`: the bytes of a stream named as a person types it.
pub fn cat(path: &Path, name: &str) -> Result<Vec<u8>> {
    let c = Container::open(path)?;
    let e = c.find(name).ok_or_else(|| {
        Error::not_found(
            Missing::Stream,
            name,
            format!("no stream '{name}' (see `msikit streams`)"),
        )
        .in_file(c.name())
    })?;
    if e.is_storage {
        return Err(
            Error::refused(format!("'{name}' is a storage, not a stream")).in_file(c.name()),
        );
    }
    let leaf = e.raw_path.rsplit('/').next().unwrap_or("");
    c.read_raw_stream(e.parent_raw(), leaf)
}

/// The first unreadable stream of a listing, as an error for the file.
pub fn first_stream_error(path: &Path, list: &[StreamInfo]) -> Option<Error> {
    list.iter().find_map(|s| {
        s.error.as_ref().map(|m| {
            Error::malformed(m.clone())
                .at(Place::stream(&s.name))
                .in_file(path.display().to_string())
        })
    })
}

/// The summary information seen as what the file is.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SummaryView {
    Database(summary::DatabaseSummary),
    Patch(summary::PatchSummary),
    Transform(summary::TransformSummary),
}

/// One transform storage named in a patch's PID 8.
#[derive(Debug, Clone, Serialize)]
pub struct PatchTransform {
    pub name: String,
    /// Whether the storage exists in the file.
    pub present: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub summary: Option<summary::TransformSummary>,
    /// The validation conditions in words.
    pub conditions: Vec<String>,
}

/// `msikit info`: what the file is and what it holds.
#[derive(Debug, Clone, Serialize)]
pub struct Info {
    pub file: String,
    pub kind: PackageKind,
    /// "installation database", "merge module", "patch" or "transform".
    pub description: &'static str,
    /// The summary information, typed by kind (absent when the file has no summary stream).
    pub summary: Option<SummaryView>,
    /// The code page in the string-pool header (0 = neutral).
    pub codepage: Option<u32>,
    pub tables: usize,
    pub streams: usize,
    pub storages: usize,
    /// Whether a `\x05DigitalSignature` stream is present (Authenticode; see `signature`).
    pub signed: bool,
    /// Whether a `\x05MsiDigitalSignatureEx` stream is present too.
    pub signed_ex: bool,
    /// For a signed file: the verdict of `msikit verify` against the system's CA bundle, and
    /// the signer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signature: Option<SignatureState>,
    /// For a patch: its transforms in application order.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub transforms: Vec<PatchTransform>,
    /// Bytes the file's FAT counts past its end (a truncated file); 0 for a whole file.
    #[serde(skip_serializing_if = "is_zero")]
    pub missing_bytes: u64,
}

/// What `verify` says of a signed file, in short.
#[derive(Debug, Clone, Serialize)]
pub struct SignatureState {
    pub verdict: crate::jobs::verify::Verdict,
    pub signer: Option<String>,
}

/// The signature state of a signed container (system trust store, now); `None` when it cannot
/// be worked out (no trust store readable, the file unreadable).
pub fn signature_state(c: &Container) -> Option<SignatureState> {
    use crate::jobs::verify;
    let cx = verify::Context::new(&verify::Options::default()).ok()?;
    let v = verify::verify_container(c, &cx).ok()?;
    Some(SignatureState {
        verdict: v.verdict,
        signer: v.signature.and_then(|s| s.signer).map(|c| c.subject),
    })
}

fn is_zero(v: &u64) -> bool {
    *v == 0
}

/// `msikit info FILE`.
pub fn info(path: &Path) -> Result<Info> {
    describe(&Container::open(path)?)
}

/// What [`info`] reports, for a file already opened (from a path or from bytes with
/// [`Container::from_bytes`]).
pub fn describe(c: &Container) -> Result<Info> {
    let entries = c.entries();
    let root_streams = || {
        entries
            .iter()
            .filter(|e| !e.is_storage && e.names.len() == 1)
    };
    let has_root = |name: &str| root_streams().any(|e| !e.leaf().is_table && e.leaf().name == name);
    let summary_si = if has_root("\u{5}SummaryInformation") {
        Some(read_summary(c, "")?)
    } else {
        None
    };
    let pool = c.read_table_stream("", "_StringPool")?;
    let codepage = pool
        .as_deref()
        .filter(|p| p.len() >= 4)
        .map(|p| u32::from_le_bytes([p[0], p[1], p[2], p[3]]) & 0x7FFF_FFFF);
    let (tables, description) = match c.kind() {
        PackageKind::Transform => (
            root_streams()
                .filter(|e| {
                    e.leaf().is_table
                        && !matches!(e.leaf().name.as_str(), "_StringPool" | "_StringData")
                })
                .count(),
            "transform",
        ),
        kind => {
            let db = Database::open(c)?;
            let d = if kind == PackageKind::Patch {
                "patch"
            } else if db.def("ModuleSignature").is_some() {
                "merge module"
            } else {
                "installation database"
            };
            (db.defs().len(), d)
        }
    };
    let summary = summary_si.as_ref().map(|si| match c.kind() {
        PackageKind::Database => SummaryView::Database(summary::DatabaseSummary::new(si)),
        PackageKind::Patch => SummaryView::Patch(summary::PatchSummary::new(si)),
        PackageKind::Transform => SummaryView::Transform(summary::TransformSummary::new(si)),
    });
    let mut transforms = Vec::new();
    if let Some(SummaryView::Patch(p)) = &summary {
        for name in &p.transforms {
            let storage = entries
                .iter()
                .find(|e| e.is_storage && e.names.len() == 1 && e.leaf().name == *name);
            let (present, ts) = match storage {
                Some(e) => {
                    let has_si = entries.iter().any(|s| {
                        !s.is_storage
                            && s.names.len() == 2
                            && s.parent_raw() == e.raw_path
                            && s.leaf().name == "\u{5}SummaryInformation"
                    });
                    let ts = if has_si {
                        Some(summary::TransformSummary::new(&read_summary(
                            c,
                            &e.raw_path,
                        )?))
                    } else {
                        None
                    };
                    (true, ts)
                }
                None => (false, None),
            };
            transforms.push(PatchTransform {
                name: name.clone(),
                present,
                conditions: ts.as_ref().map(|t| t.conditions()).unwrap_or_default(),
                summary: ts,
            });
        }
    }
    Ok(Info {
        file: c.name().to_string(),
        kind: c.kind(),
        description,
        summary,
        codepage,
        tables,
        streams: entries.iter().filter(|e| !e.is_storage).count(),
        storages: entries.iter().filter(|e| e.is_storage).count(),
        signature: if has_root("\u{5}DigitalSignature") {
            signature_state(c)
        } else {
            None
        },
        signed: has_root("\u{5}DigitalSignature"),
        signed_ex: has_root("\u{5}MsiDigitalSignatureEx"),
        transforms,
        missing_bytes: c.missing_bytes(),
    })
}
